"""Log-rank / G-rho tests against R's survdiff (live) and against hand derivations.

One Rscript run per session of this module computes every case; data travel
as hexadecimal floats in CSV files so both sides see identical numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.special import erfc

from crossval.errors import InputError, InputTypeError
from crossval.stats.logrank import LogRankResult, logrank
from rscript_helper import RResults, hex_floats, run_hex

RTOL = 1e-9

# ---------------------------------------------------------------- the cases

Case = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]


def _synthetic() -> dict[str, Case]:
    rng = np.random.default_rng(7)
    cases: dict[str, Case] = {}
    n = 80
    cases["two_groups_ties"] = (
        rng.integers(1, 20, n).astype(float), (rng.random(n) < 0.7) * 1.0,
        rng.integers(0, 2, n).astype(str), None,
    )
    n = 120
    cases["three_groups"] = (
        np.round(rng.exponential(30, n), 1), (rng.random(n) < 0.8) * 1.0,
        rng.choice(["a", "b", "c"], n), None,
    )
    # Three strata; group "c" is absent from stratum "s3".
    n = 150
    strata = rng.choice(["s1", "s2", "s3"], n)
    group = rng.choice(["a", "b", "c"], n)
    group[(strata == "s3") & (group == "c")] = "a"
    cases["stratified"] = (
        rng.integers(1, 40, n).astype(float), (rng.random(n) < 0.75) * 1.0, group, strata,
    )
    # Group "z" is censored before the first death: expected 0, so it leaves
    # the chi-square and the degrees of freedom, as in survdiff.
    cases["zero_expected_group"] = (
        np.array([0.5, 0.5, 1, 2, 2, 3, 4, 5, 6, 7]), np.array([0.0, 0, 1, 1, 0, 1, 1, 1, 0, 1]),
        np.array(["z", "z", "a", "b", "a", "b", "a", "b", "a", "b"]), None,
    )
    # Only one group has expected events: statistic 0 on 0 df.
    cases["one_group_expected"] = (
        np.array([0.5, 0.5, 1, 2, 3]), np.array([0.0, 0, 1, 1, 0]),
        np.array(["b", "b", "a", "a", "a"]), None,
    )
    cases["group_without_events"] = (
        np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9]), np.array([1.0, 1, 0, 1, 0, 1, 0, 0, 1]),
        np.array(["a", "b", "c", "a", "c", "b", "c", "a", "b"]), None,
    )
    cases["events_at_zero"] = (
        np.array([0.0, 0, 0, 1, 2, 3, 3, 4]), np.array([1.0, 1, 0, 1, 1, 0, 1, 1]),
        np.array(["a", "b", "a", "b", "a", "b", "a", "b"]), None,
    )
    n = 90
    base = rng.integers(1, 12, n).astype(float)
    noise = base * rng.choice([-3.0, 0.0, 2.0], n) * np.finfo(float).eps
    cases["noisy_times"] = (
        base + noise, (rng.random(n) < 0.8) * 1.0, rng.choice(["a", "b"], n), None,
    )
    return cases


SYNTHETIC = _synthetic()


def _random_small() -> dict[str, Case]:
    # Tiny tied samples with 2-4 groups, half of them stratified: zero-expected
    # groups, single-subject risk sets and groups missing from strata all occur.
    rng = np.random.default_rng(2024)
    out: dict[str, Case] = {}
    while len(out) < 90:
        n = int(rng.integers(2, 40))
        t = rng.integers(0, 10, n).astype(float)
        e = (rng.random(n) < 0.6) * 1.0
        g = rng.choice(list("abcd")[: int(rng.integers(2, 5))], n)
        s = rng.choice(["x", "y", "z"], n) if rng.random() < 0.5 else None
        if np.unique(g).size >= 2 and e.sum() > 0:
            out[f"random{len(out)}"] = (t, e, g, s)
    return out


RANDOM = _random_small()
# Built-in R data sets: (name, has strata).
BUILTIN = {
    "lung_sex": False, "lung_ecog": False, "lung_ecog_by_sex": True, "veteran_celltype": False,
    "veteran_trt_by_celltype": True, "aml": False, "ovarian_rx_by_resid": True,
}
RHOS = (0.0, 1.0, 0.5)

R_SCRIPT = r"""
suppressMessages(library(survival))
dat <- read.csv(args[1], colClasses = "character")
spec <- read.csv(args[2], colClasses = "character")
aeq <- survival::aeqSurv
lg <- subset(lung, !is.na(ph.ecog))
mk <- function(time, status, group, strata = 1) data.frame(time = time, status = status,
    group = as.numeric(group), strata = as.numeric(strata))
builtin <- list(
    lung_sex = with(lung, mk(time, status - 1, sex)),
    lung_ecog = with(lg, mk(time, status - 1, ph.ecog)),
    lung_ecog_by_sex = with(lg, mk(time, status - 1, ph.ecog, sex)),
    veteran_celltype = with(veteran, mk(time, status, as.integer(celltype))),
    veteran_trt_by_celltype = with(veteran, mk(time, status, trt, as.integer(celltype))),
    aml = with(aml, mk(time, status, as.integer(x))),
    ovarian_rx_by_resid = with(ovarian, mk(futime, fustat, rx, resid.ds)))
for (nm in names(builtin)) for (col in c("time", "status", "group", "strata"))
    emit(nm, paste0("data.", col), builtin[[nm]][[col]])
for (i in seq_len(nrow(spec))) {
    s <- spec[i, ]
    d <- if (s$data %in% names(builtin)) builtin[[s$data]] else {
        rows <- dat[dat$case == s$data, ]
        data.frame(time = num(rows$time), status = num(rows$status),
                   group = rows$group, strata = rows$strata)
    }
    f <- if (as.logical(s$strata)) Surv(time, status) ~ group + strata(strata) else
        Surv(time, status) ~ group
    # survival 3.5.3's survdiff hands timefix= on to model.frame, which then
    # fails; timefix = FALSE is had instead by making aeqSurv the identity.
    if (!as.logical(s$timefix)) assignInNamespace("aeqSurv", function(x, ...) x, "survival")
    # A singular variance makes survdiff's solve() stop; record that instead.
    x <- tryCatch(survdiff(f, data = d, rho = num(s$rho)), error = function(e) NULL)
    assignInNamespace("aeqSurv", aeq, "survival")
    if (is.null(x)) { emit(s$id, "singular", 1); next }
    obs <- if (is.matrix(x$obs)) rowSums(x$obs) else x$obs
    ex <- if (is.matrix(x$exp)) rowSums(x$exp) else x$exp
    id <- s$id
    emit(id, "statistic", x$chisq)
    emit(id, "p_value", x$pvalue)
    emit(id, "df", sum(ex > 0) - 1)
    emit(id, "observed", obs)
    emit(id, "expected", ex)
    emit(id, "variance", x$var)
    emit(id, "n", as.vector(x$n))
}
"""


def _spec_id(data: str, rho: float, timefix: bool) -> str:
    return f"{data}|rho={rho}|{'fix' if timefix else 'nofix'}"


SPECS = [(data, rho, True) for data in (*SYNTHETIC, *BUILTIN) for rho in RHOS] + [
    ("noisy_times", rho, False) for rho in RHOS
]
RANDOM_SPECS = [(name, RHOS[i % len(RHOS)], True) for i, name in enumerate(RANDOM)]


def _has_strata(data: str) -> bool:
    return BUILTIN[data] if data in BUILTIN else {**SYNTHETIC, **RANDOM}[data][3] is not None


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> RResults:
    cols: dict[str, list[str]] = {"case": [], "time": [], "status": [], "group": [], "strata": []}
    for name, (t, e, g, s) in {**SYNTHETIC, **RANDOM}.items():
        cols["case"] += [name] * t.size
        cols["time"] += hex_floats(t)
        cols["status"] += hex_floats(e)
        cols["group"] += [str(v) for v in g]
        cols["strata"] += ["1"] * t.size if s is None else [str(v) for v in s]
    specs = SPECS + RANDOM_SPECS
    spec = {
        "id": [_spec_id(*s) for s in specs],
        "data": [s[0] for s in specs],
        "rho": [repr(s[1]) for s in specs],
        "strata": ["TRUE" if _has_strata(s[0]) else "FALSE" for s in specs],
        "timefix": ["TRUE" if s[2] else "FALSE" for s in specs],
    }
    return run_hex(R_SCRIPT, {"data": cols, "spec": spec}, tmp_path_factory.mktemp("logrank_r"))


def _data(name: str, r: RResults) -> Case:
    if name in SYNTHETIC:
        return SYNTHETIC[name]
    if name in RANDOM:
        return RANDOM[name]
    cols = [r[name, f"data.{c}"] for c in ("time", "status", "group", "strata")]
    assert all(c is not None for c in cols)
    t, e, g, s = cols
    assert t is not None and e is not None and g is not None
    return t, e, g, s if BUILTIN[name] else None


def assert_close(
    ours: object, theirs: object, what: str, rtol: float = RTOL, atol: float = 0.0
) -> None:
    """Relative difference <= rtol, except within ``atol`` of each other (round-off near 0)."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: shape {a.shape} here, {b.shape} in R"
    assert np.array_equal(np.isnan(a), np.isnan(b)), f"{what}: NaN pattern differs"
    ok = ~np.isnan(b) & (np.abs(a - b) > atol)
    rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(a[ok]), np.abs(b[ok]))
    assert rel.size == 0 or rel.max() <= rtol, f"{what}: worst relative difference {rel.max():.3g}"


# ---------------------------------------------------------- tests against R


@pytest.mark.r
@pytest.mark.parametrize("spec", SPECS, ids=[_spec_id(*s) for s in SPECS])
def test_matches_survdiff(spec: tuple[str, float, bool], r_results: RResults) -> None:
    assert (_spec_id(*spec), "singular") not in r_results
    _check(spec, r_results)


def _check(spec: tuple[str, float, bool], r_results: RResults) -> None:
    data, rho, timefix = spec
    ident = _spec_id(*spec)
    t, e, g, s = _data(data, r_results)
    res = logrank(t, e, g, strata=s, rho=rho, timefix=timefix)
    k = res.groups.size
    # O - E cancels to round-off when the groups behave alike; the quadratic
    # form of such noise is ~1e-30, so an absolute 1e-20 separates it from data.
    stat = r_results[ident, "statistic"][0]  # type: ignore[index]
    assert_close(res.statistic, stat, f"{ident} statistic", atol=1e-20)
    assert_close(res.p_value, r_results[ident, "p_value"][0], f"{ident} p")  # type: ignore[index]
    assert res.df == r_results[ident, "df"][0]  # type: ignore[index]
    assert_close(res.observed, r_results[ident, "observed"], f"{ident} observed")
    assert_close(res.expected, r_results[ident, "expected"], f"{ident} expected")
    r_var = r_results[ident, "variance"]
    assert r_var is not None
    # R stores the matrix column by column; it is symmetric, but keep the order honest.
    assert_close(res.variance, r_var.reshape(k, k, order="F"), f"{ident} variance", rtol=1e-9)
    np.testing.assert_array_equal(res.n, r_results[ident, "n"])
    assert res.rho == rho


@pytest.mark.r
def test_random_small_samples_match_r(r_results: RResults) -> None:
    failures, singular = [], 0
    for spec in RANDOM_SPECS:
        if (_spec_id(*spec), "singular") in r_results:
            # R has no answer; crossval's generalised inverse must still give
            # a finite statistic on a degrees of freedom below survdiff's.
            singular += 1
            t, e, g, s = RANDOM[spec[0]]
            res = logrank(t, e, g, strata=s, rho=spec[1])
            expected_gt0 = int(np.sum(res.expected > 0)) - 1
            assert math.isfinite(res.statistic) and res.df < expected_gt0
            continue
        try:
            _check(spec, r_results)
        except AssertionError as exc:
            failures.append(f"{_spec_id(*spec)}: {exc}")
    assert not failures, "\n".join(failures[:5])
    assert singular < len(RANDOM_SPECS) // 4  # guard: most cases must be compared


def test_integer_labels_give_the_same_test_as_strings() -> None:
    # Integer labels take a counting fast path; negative and gapped codes
    # must map to the same sorted groups as their string spelling would.
    t = [1, 2, 2, 3, 4, 5, 6, 7, 8, 9]
    e = [1, 1, 0, 1, 1, 0, 1, 1, 1, 0]
    codes = np.array([-3, 7, 7, -3, 100, 7, -3, 100, 100, 7])
    strata = np.arange(10) % 2
    as_int = logrank(t, e, codes, strata=strata)
    as_str = logrank(t, e, [f"{c + 10:04d}" for c in codes], strata=[str(v) for v in strata])
    np.testing.assert_array_equal(as_int.groups, [-3, 7, 100])
    assert as_int.statistic == as_str.statistic and as_int.df == as_str.df == 2
    np.testing.assert_array_equal(as_int.observed, as_str.observed)
    np.testing.assert_array_equal(as_int.variance, as_str.variance)


@pytest.mark.r
def test_noisy_times_really_exercise_the_time_fix(r_results: RResults) -> None:
    # Guard on the data: the noise must change the answer when the fix is off.
    t, e, g, _ = SYNTHETIC["noisy_times"]
    assert logrank(t, e, g).statistic != logrank(t, e, g, timefix=False).statistic
    on = r_results[_spec_id("noisy_times", 0.0, True), "statistic"]
    off = r_results[_spec_id("noisy_times", 0.0, False), "statistic"]
    assert on is not None and off is not None and on[0] != off[0]


# ------------------------------------------------------ hand-derived checks

BOOK = ([1, 1, 6, 6, 8, 9], [1, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 0])


def test_book_data_log_rank_by_hand() -> None:
    # validate.Rnw "Test data 1", groups x = 1 (first three) and x = 0.
    #   t=1: 6 at risk (3 + 3), 1 death in x=1: E1 = 3/6 = 1/2,
    #        V = d (N-d)/(N-1) * (r1/N)(1 - r1/N) = 1 * 5/5 * 1/4 = 1/4
    #   t=6: 4 at risk (1 + 3), 2 deaths (one each): E1 = 2 * 1/4 = 1/2,
    #        V = 2 * 2/3 * (1/4)(3/4) = 1/4
    #   t=9: 1 at risk (x=0), 1 death: E1 = 0, no variance with one at risk
    # O1 = 2, E1 = 1, V = 1/2: chi-square (2 - 1)^2 / (1/2) = 2 on 1 df,
    # p = P(chi2_1 > 2) = erfc(sqrt(2/2)) = erfc(1).
    res = logrank(*BOOK)
    np.testing.assert_array_equal(res.groups, [0, 1])
    np.testing.assert_allclose(res.observed, [2, 2], rtol=1e-15)
    np.testing.assert_allclose(res.expected, [3, 1], rtol=1e-15)
    np.testing.assert_allclose(res.variance, [[0.5, -0.5], [-0.5, 0.5]], rtol=1e-15)
    assert res.statistic == pytest.approx(2.0, rel=1e-14)
    assert res.df == 1
    assert res.p_value == pytest.approx(erfc(1.0), rel=1e-12)
    np.testing.assert_array_equal(res.n, [3, 3])


def test_book_data_rho_one_by_hand() -> None:
    # Pooled KM just before each death time: S(1-) = 1, S(6-) = 5/6, S(9-) = 5/12.
    # Weights S(t-)^1:  O1 = 1*1 + (5/6)*1 = 11/6,  E1 = 1/2 + (5/6)(1/2) + 0 = 11/12,
    # V = 1^2 * 1/4 + (5/6)^2 * 1/4 = 61/144, chi-square = (11/12)^2 / (61/144) = 121/61.
    res = logrank(*BOOK, rho=1)
    assert res.observed[1] == pytest.approx(11 / 6, rel=1e-14)
    assert res.expected[1] == pytest.approx(11 / 12, rel=1e-14)
    assert res.variance[1, 1] == pytest.approx(61 / 144, rel=1e-14)
    assert res.statistic == pytest.approx(121 / 61, rel=1e-14)


def test_singular_variance_uses_generalised_inverse() -> None:
    # Stratum s2 holds only group c: its O - E and variance are 0, so the
    # reduced variance (a dropped) is singular and R's solve() stops.  With
    # the generalised inverse, c carries no information and the answer is
    # the a-versus-b test of stratum s1 alone, on its 1 degree of freedom.
    t1, e1, g1 = [1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 1], ["a", "b", "a", "b", "a", "b"]
    t2, e2, g2 = [2, 3, 7], [1, 1, 0], ["c", "c", "c"]
    res = logrank(t1 + t2, e1 + e2, g1 + g2, strata=["s1"] * 6 + ["s2"] * 3)
    alone = logrank(t1, e1, g1)
    assert res.statistic == pytest.approx(alone.statistic, rel=1e-12)
    assert res.df == 1
    assert res.p_value == pytest.approx(alone.p_value, rel=1e-12)


def test_result_is_frozen_with_read_only_arrays() -> None:
    res = logrank(*BOOK)
    assert isinstance(res, LogRankResult)
    with pytest.raises(AttributeError):
        res.statistic = 0.0  # type: ignore[misc]
    for field in ("observed", "expected", "n", "groups"):
        with pytest.raises(ValueError):
            getattr(res, field)[0] = 0
    with pytest.raises(ValueError):
        res.variance[0, 0] = 0


# ------------------------------------------------------------- bad input

BAD: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    (
        "one group",
        lambda: logrank([1, 2, 3], [1, 1, 0], ["a", "a", "a"]),
        InputError,
        "group has a single value ('a'); the log-rank test needs at least two groups",
    ),
    ("length", lambda: logrank([1, 2], [1, 1], ["a"]), InputError, "group has 1"),
    (
        "strata length",
        lambda: logrank([1, 2], [1, 1], ["a", "b"], strata=[1]),
        InputError,
        "strata has 1",
    ),
    ("no events", lambda: logrank([1, 2], [0, 0], ["a", "b"]), InputError, "event has no events"),
    ("group nan", lambda: logrank([1, 2], [1, 1], [1.0, np.nan]), InputError, "group must not"),
    ("group None", lambda: logrank([1, 2], [1, 1], ["a", None]), InputError, "group must not"),
    (
        "mixed labels",
        lambda: logrank([1, 2], [1, 1], np.array(["a", 1], dtype=object)),
        InputTypeError,
        "group labels must be mutually comparable",
    ),
    ("rho nan", lambda: logrank([1, 2], [1, 1], ["a", "b"], rho=math.nan), InputError, "rho must"),
    ("rho str", lambda: logrank([1, 2], [1, 1], ["a", "b"], rho="1"), InputTypeError, "rho must"),
    (
        "timefix",
        lambda: logrank([1, 2], [1, 1], ["a", "b"], timefix=1),
        InputTypeError,
        "timefix must be True or False",
    ),
    ("time", lambda: logrank([1, -2], [1, 1], ["a", "b"]), InputError, "time must be >= 0"),
    ("event", lambda: logrank([1, 2], [1, 3], ["a", "b"]), InputError, "event must contain only"),
]


@pytest.mark.parametrize("call,error,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_argument(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
