"""Kaplan-Meier against R's survfit/quantile.survfit (live) and against hand derivations.

Every R number comes from one Rscript run per test session of this module:
the data go to R in a CSV of hexadecimal floats (exact both ways), R writes
its results back the same way, and each case is compared field by field.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from crossval.errors import InputError, InputTypeError
from crossval.stats.kaplan_meier import KaplanMeierResult, kaplan_meier
from rscript_helper import RResults, hex_floats, run_hex

RTOL = 1e-9
CONF_TYPES = ("log", "log-log", "plain", "logit", "arcsin", "none")
LEVELS = (0.9, 0.95)
QUANTILES = (0.25, 0.5, 0.75)

# ---------------------------------------------------------------- the cases


def _synthetic() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20240611)
    cases: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    cases["ties"] = (
        rng.integers(1, 25, 90).astype(float),
        (rng.random(90) < 0.7).astype(float),
    )
    cases["continuous"] = (np.round(rng.exponential(100.0, 70), 3), (rng.random(70) < 0.6) * 1.0)
    cases["total_censoring"] = (np.array([3.0, 5, 5, 8]), np.zeros(4))
    cases["one_event"] = (np.array([4.0]), np.array([1.0]))
    cases["one_censored"] = (np.array([4.0]), np.array([0.0]))
    cases["event_at_zero"] = (np.array([0.0, 0, 1, 2, 3, 5]), np.array([1.0, 0, 1, 1, 0, 1]))
    cases["last_is_event"] = (np.array([1.0, 2, 3, 4, 5]), np.array([0.0, 1, 0, 1, 1]))
    # S = 1/2 exactly (up to round-off) on [3, 4): the median is the midpoint.
    cases["flat_half_midpoint"] = (np.arange(1.0, 7.0), np.ones(6))
    # S = 1/2 from time 2 to the last (censored) time 4.
    cases["flat_half_at_end"] = (np.array([1.0, 2, 3, 4]), np.array([1.0, 1, 0, 0]))
    # quantile.survfit's own round-off example: 20 deaths, no censoring.
    cases["twenty_deaths"] = (np.arange(1.0, 21.0), np.ones(20))
    cases["event_and_censor_tied"] = (
        np.array([2.0, 2, 2, 3, 3, 5, 5, 5, 7, 9]),
        np.array([1.0, 0, 1, 0, 1, 1, 0, 0, 1, 0]),
    )
    base = rng.integers(1, 15, 60).astype(float)
    noise = base * rng.choice([-4.0, -1.0, 0.0, 1.0, 3.0], 60) * np.finfo(float).eps
    cases["noisy_times"] = (base + noise, (rng.random(60) < 0.75) * 1.0)
    cases["large"] = (rng.integers(0, 400, 2000).astype(float), (rng.random(2000) < 0.8) * 1.0)
    return cases


SYNTHETIC = _synthetic()


def _random_small() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    # Small samples on a coarse integer grid: heavy ties, events at 0, curves
    # ending in an event or a censoring, and flat stretches at exactly 1/4,
    # 1/2, 3/4 turn up often, which is where quantile rules differ.
    rng = np.random.default_rng(97)
    out = {}
    for i in range(120):
        n = int(rng.integers(1, 25))
        t = rng.integers(0, int(rng.integers(2, 13)), n).astype(float)
        out[f"random{i}"] = (t, (rng.random(n) < rng.random()) * 1.0)
    return out


RANDOM = _random_small()
BUILTIN = ("lung", "lung_male", "lung_female", "veteran", "aml", "ovarian")
DATASETS = tuple(SYNTHETIC) + BUILTIN

R_SCRIPT = r"""
suppressMessages(library(survival))
dat <- read.csv(args[1], colClasses = "character")
spec <- read.csv(args[2], colClasses = "character")
builtin <- list(
    lung = data.frame(time = lung$time, status = lung$status - 1),
    lung_male = with(subset(lung, sex == 1), data.frame(time = time, status = status - 1)),
    lung_female = with(subset(lung, sex == 2), data.frame(time = time, status = status - 1)),
    veteran = data.frame(time = veteran$time, status = veteran$status),
    aml = data.frame(time = aml$time, status = aml$status),
    ovarian = data.frame(time = ovarian$futime, status = ovarian$fustat))
for (nm in names(builtin)) {
    emit(nm, "data.time", builtin[[nm]]$time)
    emit(nm, "data.status", builtin[[nm]]$status)
}
for (i in seq_len(nrow(spec))) {
    s <- spec[i, ]
    d <- if (s$data %in% names(builtin)) builtin[[s$data]] else {
        rows <- dat[dat$case == s$data, ]
        data.frame(time = num(rows$time), status = num(rows$status))
    }
    fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = s$conf_type,
                   conf.int = num(s$conf_level), timefix = as.logical(s$timefix))
    id <- s$id
    emit(id, "time", fit$time)
    emit(id, "n_risk", fit$n.risk)
    emit(id, "n_event", fit$n.event)
    emit(id, "n_censor", fit$n.censor)
    emit(id, "survival", fit$surv)
    emit(id, "std_err", fit$std.err * fit$surv)
    emit(id, "lower", fit$lower)
    emit(id, "upper", fit$upper)
    for (p in c(0.25, 0.5, 0.75)) {
        q <- quantile(fit, probs = p)
        emit(id, paste0("q", p), if (is.list(q)) c(q$quantile, q$lower, q$upper) else c(q, NA, NA))
    }
}
"""


def _spec_id(data: str, conf_type: str, level: float, timefix: bool) -> str:
    return f"{data}|{conf_type}|{level}|{'fix' if timefix else 'nofix'}"


SPECS = [
    (data, ctype, level, True) for data in DATASETS for ctype in CONF_TYPES for level in LEVELS
] + [("noisy_times", ctype, 0.95, False) for ctype in CONF_TYPES]
# One conf type and level per random data set, cycling, to keep R's run short.
RANDOM_SPECS = [
    (name, CONF_TYPES[i % len(CONF_TYPES)], LEVELS[(i // len(CONF_TYPES)) % 2], True)
    for i, name in enumerate(RANDOM)
]


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> RResults:
    case_col, time_col, status_col = [], [], []
    for name, (t, e) in {**SYNTHETIC, **RANDOM}.items():
        case_col += [name] * t.size
        time_col += hex_floats(t)
        status_col += hex_floats(e)
    specs = SPECS + RANDOM_SPECS
    spec = {
        "id": [_spec_id(*s) for s in specs],
        "data": [s[0] for s in specs],
        "conf_type": [s[1] for s in specs],
        "conf_level": [repr(s[2]) for s in specs],
        "timefix": ["TRUE" if s[3] else "FALSE" for s in specs],
    }
    tables = {"data": {"case": case_col, "time": time_col, "status": status_col}, "spec": spec}
    return run_hex(R_SCRIPT, tables, tmp_path_factory.mktemp("km_r"))


def _data(name: str, r: RResults) -> tuple[np.ndarray, np.ndarray]:
    if name in SYNTHETIC:
        return SYNTHETIC[name]
    if name in RANDOM:
        return RANDOM[name]
    t, e = r[name, "data.time"], r[name, "data.status"]
    assert t is not None and e is not None
    return t, e


def assert_close(ours: object, theirs: object, what: str, rtol: float = RTOL) -> None:
    """Same shape, NaN where R has NA, otherwise relative difference <= rtol."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: {a.shape} rows here, {b.shape} in R"
    assert np.array_equal(np.isnan(a), np.isnan(b)), (
        f"{what}: NaN here at {np.flatnonzero(np.isnan(a))}, "
        f"NA in R at {np.flatnonzero(np.isnan(b))}"
    )
    ok = ~np.isnan(b) & (a != b)
    rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(a[ok]), np.abs(b[ok]))
    assert rel.size == 0 or rel.max() <= rtol, f"{what}: worst relative difference {rel.max():.3g}"


def assert_same(ours: float, theirs: float, what: str) -> None:
    assert (math.isnan(ours) and math.isnan(theirs)) or ours == theirs, (
        f"{what}: {ours!r} here, {theirs!r} in R"
    )


# ---------------------------------------------------------- tests against R


@pytest.mark.r
@pytest.mark.parametrize("spec", SPECS, ids=[_spec_id(*s) for s in SPECS])
def test_curve_matches_survfit(spec: tuple[str, str, float, bool], r_results: RResults) -> None:
    _check_curve(spec, r_results)


def _check_curve(spec: tuple[str, str, float, bool], r_results: RResults) -> None:
    data, ctype, level, timefix = spec
    ident = _spec_id(*spec)
    t, e = _data(data, r_results)
    fit = kaplan_meier(t, e, conf_type=ctype, conf_level=level, timefix=timefix)
    for field in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(fit, field), r_results[ident, field], err_msg=field)
    for field in ("survival", "std_err"):
        assert_close(getattr(fit, field), r_results[ident, field], f"{ident} {field}")
    if ctype == "none":
        assert r_results[ident, "lower"] is None
        assert np.isnan(fit.lower).all() and np.isnan(fit.upper).all()
    else:
        assert_close(fit.lower, r_results[ident, "lower"], f"{ident} lower")
        assert_close(fit.upper, r_results[ident, "upper"], f"{ident} upper")


@pytest.mark.r
@pytest.mark.parametrize("spec", SPECS, ids=[_spec_id(*s) for s in SPECS])
def test_quantiles_match_quantile_survfit_exactly(
    spec: tuple[str, str, float, bool], r_results: RResults
) -> None:
    _check_quantiles(spec, r_results)


def _check_quantiles(spec: tuple[str, str, float, bool], r_results: RResults) -> None:
    data, ctype, level, timefix = spec
    ident = _spec_id(*spec)
    t, e = _data(data, r_results)
    fit = kaplan_meier(t, e, conf_type=ctype, conf_level=level, timefix=timefix)
    for p in QUANTILES:
        expected = r_results[ident, f"q{p}"]
        assert expected is not None
        q = fit.quantile(p)
        assert_same(q.estimate, expected[0], f"{ident} quantile {p}")
        assert_same(q.ci.low, expected[1], f"{ident} quantile {p} lower")
        assert_same(q.ci.high, expected[2], f"{ident} quantile {p} upper")
    median = r_results[ident, "q0.5"]
    assert median is not None
    assert_same(fit.median, median[0], "median")
    assert_same(fit.median_ci.low, median[1], "median_ci.low")
    assert_same(fit.median_ci.high, median[2], "median_ci.high")


@pytest.mark.r
def test_random_small_samples_match_r(r_results: RResults) -> None:
    failures = []
    for spec in RANDOM_SPECS:
        try:
            _check_curve(spec, r_results)
            _check_quantiles(spec, r_results)
        except AssertionError as exc:
            failures.append(f"{_spec_id(*spec)} {RANDOM[spec[0]]}: {exc}")
    assert not failures, "\n".join(failures[:5])
    # Guard on the data: flats exactly at a requested level must occur, or
    # the midpoint rule would go untested here.
    levels = np.array([1 - p for p in QUANTILES])
    flats = sum(
        bool(np.any(np.abs(kaplan_meier(*t_e).survival[:, None] - levels) < 1e-8))
        for t_e in RANDOM.values()
    )
    assert flats >= 10


@pytest.mark.r
def test_noisy_times_really_exercise_the_time_fix(r_results: RResults) -> None:
    # Guard on the test data: without the fix the noise must split ties,
    # otherwise the timefix cases above would prove nothing.
    t, e = SYNTHETIC["noisy_times"]
    fixed = kaplan_meier(t, e)
    raw = kaplan_meier(t, e, timefix=False)
    assert raw.time.size > fixed.time.size
    r_fixed = r_results[_spec_id("noisy_times", "log", 0.95, True), "time"]
    r_raw = r_results[_spec_id("noisy_times", "log", 0.95, False), "time"]
    assert r_fixed is not None and r_raw is not None
    assert (r_raw.size, r_fixed.size) == (raw.time.size, fixed.time.size)


# ------------------------------------------------------ hand-derived checks


def test_book_data_by_hand() -> None:
    # survival's validation vignette (validate.Rnw), "Test data 1":
    # time 1 1 6 6 8 9, status 1 0 1 1 0 1.
    #   t=1: 6 at risk, 1 death, 1 censored: S = 5/6,   Greenwood sum 1/(6*5) = 1/30
    #   t=6: 4 at risk, 2 deaths:            S = 5/12,  sum 1/30 + 2/(4*2) = 17/60
    #   t=8: 2 at risk, 1 censored:          S = 5/12,  sum unchanged
    #   t=9: 1 at risk, 1 death:             S = 0,     1/(1*0): infinite, so the
    #        standard error of S (0 * Inf) is undefined, as in R (NaN).
    fit = kaplan_meier([1, 1, 6, 6, 8, 9], [1, 0, 1, 1, 0, 1])
    np.testing.assert_array_equal(fit.time, [1, 6, 8, 9])
    np.testing.assert_array_equal(fit.n_risk, [6, 4, 2, 1])
    np.testing.assert_array_equal(fit.n_event, [1, 2, 0, 1])
    np.testing.assert_array_equal(fit.n_censor, [1, 0, 1, 0])
    np.testing.assert_allclose(fit.survival, [5 / 6, 5 / 12, 5 / 12, 0], rtol=1e-15)
    se = [5 / 6 * math.sqrt(1 / 30), 5 / 12 * math.sqrt(17 / 60), 5 / 12 * math.sqrt(17 / 60)]
    np.testing.assert_allclose(fit.std_err[:3], se, rtol=1e-14)
    assert math.isnan(fit.std_err[3])
    # Log interval at t=6: exp(log(5/12) -+ z sqrt(17/60)), z = 1.959963984540054;
    # the upper limit exp(log(5/12) + z*0.532) = 1.18 is capped at 1.
    z = 1.959963984540054
    assert fit.lower[1] == pytest.approx(5 / 12 * math.exp(-z * math.sqrt(17 / 60)), rel=1e-14)
    assert fit.upper[1] == 1.0
    # After S reaches 0, log(0) is undefined: R reports NA for both limits.
    assert math.isnan(fit.lower[3]) and math.isnan(fit.upper[3])
    # Median: 1 - S jumps from 1/6 to 7/12 > 1/2 at t=6, so the median is 6.
    # Lower limit: the lower curve is 0.58 at t=1 (above 1/2) and 0.147 at t=6.
    # Upper limit: the upper curve is capped at 1 until S = 0 (NA): not reached.
    assert fit.median == 6.0
    assert fit.median_ci.low == 6.0 and math.isnan(fit.median_ci.high)
    assert fit.n == 6 and fit.n_events == 4


def test_flat_stretch_at_one_half_by_hand() -> None:
    # Six deaths at 1..6: S(3) = 5/6 * 4/5 * 3/4 = 1/2 (to round-off) until the
    # next death at 4, so R's rule gives the midpoint (3 + 4)/2 and so does SAS's.
    assert kaplan_meier(np.arange(1, 7), np.ones(6)).median == 3.5
    assert kaplan_meier(np.arange(1, 7), np.ones(6), median_rule="sas").median == 3.5
    # Deaths at 1, 2, censored at 3, 4: S = 1/2 from 2 to the end of follow-up.
    # R (quantile.survfit) takes the midpoint of 2 and the last time, 4: 3.
    # SAS's rule needs an event time with S < 1/2 or a next event time: none.
    t, e = [1, 2, 3, 4], [1, 1, 0, 0]
    assert kaplan_meier(t, e).median == 3.0
    assert math.isnan(kaplan_meier(t, e, median_rule="sas").median)


def test_sas_rule_on_book_data_by_hand() -> None:
    # Event times 1, 6, 9 with S = 5/6, 5/12, 0 (see test_book_data_by_hand).
    # Median: the first event time with S < 1/2 is 6.
    # Brookmeyer-Crowley, log transform, 95%: statistic (log S - log 1/2) / sqrt(G)
    #   t=1: log(5/3) / sqrt(1/30)   =  2.80  outside +-1.96
    #   t=6: log(5/6) / sqrt(17/60)  = -0.34  inside
    #   t=9: S = 0, undefined         outside
    # The set is [6, 9): lower limit 6, upper limit the next event time, 9.
    fit = kaplan_meier([1, 1, 6, 6, 8, 9], [1, 0, 1, 1, 0, 1], median_rule="sas")
    assert fit.median == 6.0
    assert (fit.median_ci.low, fit.median_ci.high) == (6.0, 9.0)
    # At 90% (z = 1.645) t=1 is still outside (2.80) and t=6 inside: same limits.
    fit90 = kaplan_meier([1, 1, 6, 6, 8, 9], [1, 0, 1, 1, 0, 1], median_rule="sas", conf_level=0.9)
    assert (fit90.median_ci.low, fit90.median_ci.high) == (6.0, 9.0)


def test_sas_rule_log_log_by_hand() -> None:
    # Ten subjects, deaths at 1..5 and 7, censored at 6, 8, 9, 10.
    #   S: t1 .9, t2 .8, t3 .7, t4 .6, t5 .5, t7 .5*(3/4) = .375
    # S(5) = 1/2 exactly (to round-off) from 5 to the next event time 7:
    # the SAS median is (5 + 7)/2 = 6, and R's midpoint rule agrees.
    t = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    e = [1, 1, 1, 1, 1, 0, 1, 0, 0, 0]
    sas = kaplan_meier(t, e, conf_type="log-log", median_rule="sas")
    r = kaplan_meier(t, e, conf_type="log-log")
    assert sas.median == 6.0 and r.median == 6.0
    # log-log statistic at t_j: (log(-log S) - log(-log 1/2)) / (sigma / (S |log S|)),
    # sigma / S = sqrt(G) with Greenwood sums G:
    #   1/90, +1/72, +1/56, +1/42, +1/30, +1/12 -> sqrt(G) = .105 .158 .207 .258 .316 .428
    # log(-log S) = -2.250 -1.500 -1.031 -0.672 -0.367 -0.019, log(-log 1/2) = -0.367
    # |log S|     =  0.105  0.223  0.357  0.511  0.693  0.981
    # statistic   = -1.88  -1.60  -1.14  -0.60   0.00   0.80
    g = np.cumsum([1 / 90, 1 / 72, 1 / 56, 1 / 42, 1 / 30, 1 / 12])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.375])
    stat = (np.log(-np.log(s)) - math.log(math.log(2))) / (np.sqrt(g) / np.abs(np.log(s)))
    np.testing.assert_allclose(stat, [-1.883, -1.600, -1.145, -0.604, 0.0, 0.795], atol=1e-3)
    # 95% (z = 1.960): every event time is inside, through the last one, so
    # the lower limit is the first event time, 1, and the upper is missing.
    assert sas.median_ci.low == 1.0 and math.isnan(sas.median_ci.high)
    # 90% (z = 1.645): t=1 (-1.88) drops out; the interval starts at 2.
    sas90 = kaplan_meier(t, e, conf_type="log-log", median_rule="sas", conf_level=0.9)
    assert sas90.median_ci.low == 2.0 and math.isnan(sas90.median_ci.high)


# ------------------------------------------------------------ result object


def test_result_is_frozen_with_read_only_arrays() -> None:
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    assert isinstance(fit, KaplanMeierResult)
    with pytest.raises(AttributeError):
        fit.median = 1.0  # type: ignore[misc]
    for field in ("time", "n_risk", "survival", "std_err", "lower", "upper"):
        with pytest.raises(ValueError):
            getattr(fit, field)[0] = 0
    assert (fit.conf_type, fit.conf_level, fit.median_rule) == ("log", 0.95, "r")


def test_quantile_zero_is_the_start_of_follow_up() -> None:
    # quantile.survfit returns start.time (0) for p = 0.
    assert kaplan_meier([2, 3, 5], [1, 1, 1]).quantile(0).estimate == 0.0


# ------------------------------------------------------------- bad input


BAD: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    ("length", lambda: kaplan_meier([1, 2], [1]), InputError, "time has 2, event has 1"),
    ("negative", lambda: kaplan_meier([1, -2], [1, 1]), InputError, "time must be >= 0"),
    ("nan", lambda: kaplan_meier([1, np.nan], [1, 1]), InputError, "time must be finite"),
    ("empty", lambda: kaplan_meier([], []), InputError, "time is empty"),
    ("event2", lambda: kaplan_meier([1, 2], [1, 2]), InputError, "event must contain only 0"),
    ("text", lambda: kaplan_meier(["a"], [1]), InputTypeError, "time must hold numbers"),
    ("2d", lambda: kaplan_meier([[1, 2]], [[1, 1]]), InputError, "time must be 1-dimensional"),
    (
        "conf_type",
        lambda: kaplan_meier([1], [1], conf_type="loglog"),
        InputError,
        "conf_type='loglog' is not allowed; choose one of 'log', 'log-log'",
    ),
    ("level", lambda: kaplan_meier([1], [1], conf_level=95), InputError, "conf_level must be in"),
    (
        "rule",
        lambda: kaplan_meier([1], [1], median_rule="stata"),
        InputError,
        "median_rule='stata' is not allowed; choose one of 'r', 'sas'",
    ),
    ("timefix", lambda: kaplan_meier([1], [1], timefix="yes"), InputTypeError, "timefix must be"),
    ("p", lambda: kaplan_meier([1], [1]).quantile(1.5), InputError, "p must be in"),
    ("p type", lambda: kaplan_meier([1], [1]).quantile("half"), InputTypeError, "p must be"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("call,error,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_argument(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
