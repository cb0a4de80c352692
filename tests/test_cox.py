"""cox_ph against live R ``coxph`` on R's own data sets, plus bad-input checks.

R writes each data set to a temporary CSV (every number printed with 17
significant digits and read back, so R and crossval fit the very same
doubles), fits every case in one Rscript call, and prints the results with 17
digits.  R runs with ``coxph.control(eps = 1e-12, iter.max = 100)`` so that its
coefficients are converged well past R's default 1e-9 criterion.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crossval.errors import InputError, InputTypeError
from crossval.stats.cox import CoxResult, cox_ph
from rscript_helper import run_rscript

COEF_RTOL = 1e-7
STAT_RTOL = 1e-6

# Data sets: R loads its own data, derives numeric columns, writes them with
# 17 significant digits and reads them back, so both sides see identical doubles.
R_DATA = r"""
suppressPackageStartupMessages(library(survival))
out <- commandArgs(TRUE)[1]
dump <- function(d, name) {
    d[] <- lapply(d, function(v) sprintf("%.17g", as.numeric(v)))
    path <- file.path(out, paste0(name, ".csv"))
    write.csv(d, path, row.names = FALSE, quote = FALSE)
    read.csv(path)
}
d <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog")])
names(d)[5] <- "ecog"
d$status <- d$status - 1
d$w <- 1 + (seq_len(nrow(d)) %% 4) / 3
d$tf <- d$time * (1 + (seq_len(nrow(d)) %% 2) * 1e-11)
lung <- dump(d, "lung")
d <- veteran[, c("time", "status", "trt", "karno", "celltype")]
d$celltype <- as.integer(d$celltype)
veteran <- dump(d, "veteran")
d <- ovarian[, c("futime", "fustat", "rx", "age")]
names(d)[1:2] <- c("time", "status")
ovarian <- dump(d, "ovarian")
aml <- dump(data.frame(time = aml$time, status = aml$status,
                       maintained = as.integer(aml$x == "Maintained")), "aml")
d <- colon[, c("time", "status", "rx", "sex", "age", "etype")]
d$lev <- as.integer(d$rx == "Lev")
d$lev5fu <- as.integer(d$rx == "Lev+5FU")
d$rx <- NULL
colonboth <- dump(d, "colonboth")
colon <- dump(d[d$etype == 2, ], "colon")
d <- pbc[1:312, c("time", "status", "age", "bili", "albumin", "edema")]
d$status <- as.integer(d$status == 2)
d$logbili <- log(d$bili)
pbc <- dump(d, "pbc")
d <- heart[, c("start", "stop", "event", "age", "year", "surgery", "transplant")]
d$transplant <- as.integer(d$transplant == "1")
d$stopf <- d$stop * (1 + (seq_len(nrow(d)) %% 2) * 1e-11)
heart <- dump(d, "heart")
ctl <- coxph.control(eps = 1e-12, iter.max = 100)
emit <- function(id, f, level = 0.95) {
    put <- function(name, v) cat(id, name, sprintf("%.17g", as.numeric(v)), "\n", sep = "\t")
    put("coef", f$coefficients)
    put("var", f$var)
    put("naive_var", if (is.null(f$naive.var)) f$var else f$naive.var)
    if (inherits(f, "coxph")) {
        s <- summary(f, conf.int = level)
        put("hr_ci", s$conf.int[, 3:4])
        put("z", s$coefficients[, "z"])
        put("p_value", s$coefficients[, "Pr(>|z|)"])
    } else {
        # survival 3.5.3's agexact.fit returns an unclassed list, which summary()
        # cannot print; these are summary.coxph's own formulas
        se <- sqrt(diag(f$var))
        put("hr_ci", exp(cbind(f$coefficients - qnorm(0.975) * se,
                               f$coefficients + qnorm(0.975) * se)))
        put("z", f$coefficients / se)
        put("p_value", pchisq((f$coefficients / se)^2, 1, lower.tail = FALSE))
    }
    put("loglik", f$loglik)
    put("score", f$score)
    put("wald", f$wald.test)
    put("rscore", if (is.null(f$rscore)) NA else f$rscore)
}
"""


@dataclass(frozen=True)
class Case:
    id: str
    data: str
    covariates: tuple[str, ...]
    ties: str = "efron"
    strata: str | None = None
    weights: str | None = None
    counting: bool = False
    robust: bool = False
    timefix: bool = True
    time: str = "time"
    conf_level: float = 0.95

    def r_call(self) -> str:
        stop = "stop" if self.time == "time" else self.time
        surv = f"Surv(start, {stop}, event)" if self.counting else (
            f"Surv({self.time}, status)"
        )
        rhs = " + ".join(self.covariates)
        if self.strata:
            rhs += f" + strata({self.strata})"
        extra = f", weights = {self.weights}" if self.weights else ""
        if self.robust:
            # every row its own cluster: what crossval's robust variance assumes
            extra += ", robust = TRUE, cluster = seq_len(nrow(" + self.data + "))"
        else:
            extra += ", robust = FALSE"
        control = "ctl" if self.timefix else "modifyList(ctl, list(timefix = FALSE))"
        return (
            f'suppressWarnings(coxph({surv} ~ {rhs}, data = {self.data}, ties = "{self.ties}"'
            f"{extra}, control = {control}))"
        )


def _cases() -> list[Case]:
    cases: list[Case] = []
    for ties in ("efron", "breslow", "exact"):
        cases += [
            Case(f"lung/{ties}", "lung", ("age", "sex"), ties),
            Case(f"veteran/{ties}", "veteran", ("trt", "karno"), ties),
            Case(f"ovarian/{ties}", "ovarian", ("rx", "age"), ties),
            Case(f"aml/{ties}", "aml", ("maintained",), ties),
            Case(f"pbc/{ties}", "pbc", ("age", "logbili", "albumin", "edema"), ties),
            Case(f"lung-strata/{ties}", "lung", ("age", "sex"), ties, strata="ecog"),
            Case(f"veteran-strata/{ties}", "veteran", ("trt", "karno"), ties, strata="celltype"),
            Case(f"heart/{ties}", "heart", ("age", "surgery", "transplant"), ties, counting=True),
        ]
    for ties in ("efron", "breslow"):
        cases += [
            Case(f"colon/{ties}", "colon", ("lev", "lev5fu", "sex", "age"), ties),
            Case(f"colon-strata/{ties}", "colonboth", ("lev", "lev5fu", "age"), ties,
                 strata="etype"),
            Case(f"lung-weighted/{ties}", "lung", ("age", "sex"), ties, weights="w"),
            Case(f"lung-weighted-strata/{ties}", "lung", ("age", "sex"), ties, weights="w",
                 strata="ecog"),
            Case(f"heart-strata/{ties}", "heart", ("age", "transplant"), ties, counting=True,
                 strata="surgery"),
            Case(f"lung-robust/{ties}", "lung", ("age", "sex", "ecog"), ties, robust=True),
            Case(f"colon-robust/{ties}", "colon", ("lev", "lev5fu", "age"), ties, robust=True),
            Case(f"lung-weighted-robust/{ties}", "lung", ("age", "sex"), ties, weights="w",
                 robust=True, strata="ecog"),
            Case(f"heart-robust/{ties}", "heart", ("age", "surgery", "transplant"), ties,
                 counting=True, robust=True),
            Case(f"lung-timefix/{ties}", "lung", ("age", "sex"), ties, time="tf"),
            Case(f"lung-notimefix/{ties}", "lung", ("age", "sex"), ties, time="tf",
                 timefix=False),
            Case(f"heart-timefix/{ties}", "heart", ("age", "surgery", "transplant"), ties,
                 counting=True, time="stopf"),
            Case(f"heart-notimefix/{ties}", "heart", ("age", "surgery", "transplant"), ties,
                 counting=True, time="stopf", timefix=False),
            Case(f"veteran-level90/{ties}", "veteran", ("trt", "karno"), ties, conf_level=0.9),
            Case(f"pbc-robust-level99/{ties}", "pbc", ("age", "logbili"), ties, robust=True,
                 conf_level=0.99),
        ]
    return cases


CASES = _cases()


@dataclass
class RRun:
    data_dir: Path
    results: dict[str, dict[str, np.ndarray]]


def run_r(tmp: Path, cases: list[Case]) -> RRun:
    """One Rscript call: write the data sets, fit every case, parse the printed numbers."""
    body = "\n".join(f'emit("{c.id}", {c.r_call()}, {c.conf_level!r})' for c in cases)
    script = tmp / "fits.R"
    script.write_text(R_DATA + body + "\n")
    stdout = run_rscript("--vanilla", script, tmp)
    results: dict[str, dict[str, np.ndarray]] = {}
    for line in stdout.splitlines():
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue
        case_id, name, *values = (p for p in parts if p.strip() != "")
        results.setdefault(case_id, {})[name] = np.array(
            [float("nan") if v.strip() == "NA" else float(v) for v in values]
        )
    return RRun(tmp, results)


@pytest.fixture(scope="module")
def r_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RRun]:
    yield run_r(tmp_path_factory.mktemp("cox_r"), CASES)


def load(run: RRun, name: str) -> dict[str, np.ndarray]:
    table = np.genfromtxt(run.data_dir / f"{name}.csv", delimiter=",", names=True)
    return {k: np.asarray(table[k], dtype=float) for k in table.dtype.names or ()}


def fit_python(run: RRun, case: Case) -> CoxResult:
    d = load(run, case.data)
    time = d["stop" if case.time == "time" else case.time] if case.counting else d[case.time]
    event = d["event"] if case.counting else d["status"]
    return cox_ph(
        time, event, {c: d[c] for c in case.covariates},
        ties=case.ties,
        strata=None if case.strata is None else d[case.strata],
        weights=None if case.weights is None else d[case.weights],
        start=d["start"] if case.counting else None,
        robust=case.robust,
        timefix=case.timefix,
        conf_level=case.conf_level,
    )


def quantities(fit: CoxResult) -> dict[str, tuple[np.ndarray, np.ndarray | None, float]]:
    """crossval's numbers keyed by the name R's emit() uses, with tolerance."""
    return {
        "coef": (fit.coef, None, COEF_RTOL),
        "var": (fit.var.ravel(order="F"), None, STAT_RTOL),
        "naive_var": (fit.naive_var.ravel(order="F"), None, STAT_RTOL),
        # summary.coxph prints the p x 2 interval column-major: lower bounds, then upper
        "hr_ci": (fit.hr_ci.ravel(order="F"), None, STAT_RTOL),
        "z": (fit.z, None, STAT_RTOL),
        "p_value": (fit.p_value, None, STAT_RTOL),
        "loglik": (np.array(fit.loglik), None, STAT_RTOL),
        "score": (np.array([fit.score]), None, STAT_RTOL),
        "wald": (np.array([fit.wald]), None, STAT_RTOL),
        "rscore": (
            np.array([np.nan if fit.robust_score is None else fit.robust_score]), None, STAT_RTOL
        ),
    }


def relative_differences(run: RRun, case: Case) -> dict[str, float]:
    """Worst relative difference per quantity between crossval and R for one case."""
    fit = fit_python(run, case)
    expected = run.results[case.id]
    out = {}
    for name, (ours, _, _) in quantities(fit).items():
        theirs = expected[name]
        both_nan = np.isnan(ours) & np.isnan(theirs)
        denom = np.maximum(np.abs(theirs), 1e-300)
        rel = np.where(both_nan, 0.0, np.abs(ours - theirs) / denom)
        out[name] = float(np.max(rel))
    return out


@pytest.mark.r
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_r_coxph(r_run: RRun, case: Case) -> None:
    fit = fit_python(r_run, case)
    assert fit.converged, fit.note
    expected = r_run.results[case.id]
    for name, (ours, _, rtol) in quantities(fit).items():
        theirs = expected[name]
        assert ours.shape == theirs.shape, name
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0, equal_nan=True,
                                   err_msg=f"{case.id}: {name}")
    lrt = 2 * (expected["loglik"][1] - expected["loglik"][0])
    np.testing.assert_allclose(fit.lrt, lrt, rtol=STAT_RTOL)
    if case.robust:
        assert fit.robust_se is not None
        np.testing.assert_allclose(fit.robust_se, np.sqrt(np.diag(fit.var)), rtol=1e-15)
    else:
        assert fit.robust_se is None and fit.robust_score is None


@pytest.mark.r
def test_timefix_changes_the_fit(r_run: RRun) -> None:
    # the perturbed times differ by 1e-11 relative: merged with timefix, split without
    on = fit_python(r_run, next(c for c in CASES if c.id == "lung-timefix/efron"))
    off = fit_python(r_run, next(c for c in CASES if c.id == "lung-notimefix/efron"))
    plain = fit_python(r_run, next(c for c in CASES if c.id == "lung/efron"))
    np.testing.assert_allclose(on.coef, plain.coef, rtol=1e-12)
    assert np.max(np.abs(off.coef - plain.coef)) > 1e-6
    # the same for (start, stop] data, where start and stop are fixed together
    on = fit_python(r_run, next(c for c in CASES if c.id == "heart-timefix/efron"))
    off = fit_python(r_run, next(c for c in CASES if c.id == "heart-notimefix/efron"))
    plain = fit_python(r_run, next(c for c in CASES if c.id == "heart/efron"))
    np.testing.assert_allclose(on.coef, plain.coef, rtol=1e-12)
    assert np.max(np.abs(off.coef - plain.coef)) > 1e-6


@pytest.mark.r
def test_monotone_likelihood_warns_like_r(tmp_path: Path) -> None:
    """``sep`` perfectly orders early deaths: R warns, crossval says converged=False."""
    time = np.arange(1.0, 13.0)
    event = np.array([1.0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1])
    sep = np.array([1.0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    noise = np.array([0.3, -1.2, 0.5, 2.0, -0.4, 0.9, 1.1, -0.7, 0.2, -1.5, 0.8, 0.1])
    np.savetxt(tmp_path / "d.csv", np.column_stack((time, event, sep, noise)), delimiter=",",
               header="time,status,sep,noise", comments="", fmt="%.17g")
    script = tmp_path / "m.R"
    script.write_text(
        "suppressPackageStartupMessages(library(survival))\n"
        f'd <- read.csv("{tmp_path / "d.csv"}")\n'
        "w <- NULL\n"
        "f <- withCallingHandlers(coxph(Surv(time, status) ~ sep + noise, d),\n"
        "  warning = function(m) { w <<- conditionMessage(m); invokeRestart('muffleWarning') })\n"
        'cat(sprintf("%.17g", coef(f)), "\\n", w, "\\n")\n'
    )
    stdout = run_rscript("--vanilla", script, timeout=60)
    r_coef = np.array(stdout.split()[:2], dtype=float)
    assert "converged before variable  1 ;" in stdout
    fit = cox_ph(time, event, {"sep": sep, "noise": noise})
    assert not fit.converged
    assert "'sep'" in fit.note and "'noise'" not in fit.note and "infinite" in fit.note
    # crossval stops where R's own criterion stops, so the (meaningless) estimate is R's;
    # the iterates differ in the last digits (R iterates on rescaled covariates), and
    # where the likelihood is this flat that shows at ~1e-9
    np.testing.assert_allclose(fit.coef, r_coef, rtol=1e-7)


# ---------------------------------------------------------------- no R needed


def test_monotone_likelihood_at_its_supremum_says_so() -> None:
    # One event, with the smaller x of its risk set (3 against 4): the partial
    # likelihood exp(3b) / (exp(3b) + exp(4b)) = 1 / (1 + exp(b)) rises to 1 as
    # b -> -inf; the log
    # reaches 0 within round-off, where R's relative criterion |1 - l0/l1|
    # never holds (R runs out of iterations): the note must not claim R's stop.
    fit = cox_ph([1.0, 2, 3, 4], [0, 0, 1, 0], {"x": [1.0, 2, 3, 4]})
    assert not fit.converged and fit.coef[0] < -20
    assert abs(fit.loglik[1]) <= 1e-10
    assert "supremum 0" in fit.note and "'x'" in fit.note
    assert "R's stopping point" not in fit.note


def test_a_log_likelihood_at_round_off_of_0_is_not_taken_for_rs_stop(r: Any) -> None:
    # Every event has the smallest x of its risk set: the likelihood rises to
    # 1 as b -> -inf. Its log sinks to round-off of 0 (~1e-14), where two
    # successive values can agree to 1e-9 by chance; R's sums, rounded
    # otherwise, do not, and R runs out of iterations. crossval must not call
    # that chance R's stop.
    from crossval.rbridge.oracle import r_cox_ph

    time, event, x = [1.0, 2, 3, 4], [1, 0, 1, 1], {"x": [1.0, 2, 3, 4]}
    fit = cox_ph(time, event, x)
    r_fit = r_cox_ph(time, event, x, eps=1e-9, iter_max=100).result
    assert "Ran out of iterations" in r_fit.note and not r_fit.converged
    assert not fit.converged and fit.iterations == 100
    assert "supremum 0" in fit.note and "R's criterion" not in fit.note


def _small() -> dict[str, Any]:
    return {
        "time": [5.0, 3, 8, 2, 9, 4, 7, 6],
        "event": [1, 0, 1, 1, 0, 1, 1, 0],
        "covariates": {"a": [1.0, 0, 2, 1, 3, 0, 1, 2], "b": [0.5, 1, 0, 2, 1, 3, 2, 0]},
    }


def test_result_shapes_names_and_readonly() -> None:
    fit = cox_ph(**_small())
    assert fit.covariate_names == ("a", "b")
    assert fit.hr_ci.shape == (2, 2) and fit.var.shape == (2, 2)
    assert fit.df == 2 and fit.n == 8 and fit.n_events == 5 and fit.ties == "efron"
    assert fit.converged and fit.note == ""
    np.testing.assert_allclose(fit.hazard_ratio, np.exp(fit.coef), rtol=1e-15)
    with pytest.raises(ValueError):
        fit.coef[0] = 1.0
    unnamed = cox_ph([5.0, 3, 8, 2, 9, 4, 7, 6], [1, 0, 1, 1, 0, 1, 1, 0],
                     np.column_stack((_small()["covariates"]["a"], _small()["covariates"]["b"])))
    assert unnamed.covariate_names == ("x1", "x2")
    np.testing.assert_allclose(unnamed.coef, fit.coef, rtol=1e-13)


def test_data_frame_like_covariates_keep_column_names() -> None:
    class Frame:  # the two attributes crossval relies on; no pandas needed
        def __init__(self, cols: dict[str, Any]) -> None:
            self._cols = cols
            self.columns = list(cols)

        def __getitem__(self, key: str) -> Any:
            return self._cols[key]

    s = _small()
    fit = cox_ph(s["time"], s["event"], Frame(s["covariates"]))
    assert fit.covariate_names == ("a", "b")
    np.testing.assert_array_equal(fit.coef, cox_ph(**s).coef)


def test_one_dimensional_covariate() -> None:
    s = _small()
    fit = cox_ph(s["time"], s["event"], s["covariates"]["a"])
    assert fit.coef.shape == (1,) and fit.covariate_names == ("x1",)


def test_estimates_do_not_depend_on_row_order_or_covariate_shift() -> None:
    s = _small()
    fit = cox_ph(**s)
    perm = np.array([3, 0, 7, 5, 1, 6, 2, 4])
    shuffled = cox_ph(
        np.asarray(s["time"])[perm], np.asarray(s["event"])[perm],
        {k: np.asarray(v)[perm] + 100.0 for k, v in s["covariates"].items()},
    )
    np.testing.assert_allclose(shuffled.coef, fit.coef, rtol=1e-10)
    np.testing.assert_allclose(shuffled.loglik, fit.loglik, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"ties": "discrete"}, InputError, ["ties", "'efron'", "'breslow'", "'exact'"]),
        ({"ties": 1}, InputTypeError, ["ties"]),
        ({"conf_level": 1.5}, InputError, ["conf_level"]),
        ({"robust": "yes"}, InputTypeError, ["robust"]),
        ({"timefix": 1}, InputTypeError, ["timefix"]),
        ({"weights": [1, 1, 1, 0, 1, 1, 1, 1]}, InputError, ["weights", "> 0", "element 3"]),
        ({"weights": [1, 1, 1]}, InputError, ["weights has 3", "time has 8"]),
        ({"strata": [1, 1, 2]}, InputError, ["strata has 3"]),
        ({"start": [0, 0, 0, 2, 0, 0, 0, 0]}, InputError, ["start", "row 3"]),
        ({"start": [0, 0, 0]}, InputError, ["start has 3"]),
        ({"time": [1, 2, 3]}, InputError, ["time has 3", "event has 8"]),
        ({"event": [0] * 8}, InputError, ["cox_ph needs at least one event; event has none"]),
        ({"event": [2, 0, 1, 1, 0, 1, 1, 0]}, InputError, ["event", "element 0"]),
        ({"time": [1, 2, np.nan, 4, 5, 6, 7, 8]}, InputError, ["time", "element 2"]),
        ({"covariates": {"a": [1, 2]}}, InputError, ["covariates"]),
        ({"covariates": {1: [0] * 8}}, InputTypeError, ["covariates", "names"]),
        ({"covariates": [["u"] * 2] * 8}, InputTypeError, ["covariates"]),
        ({"covariates": np.zeros((8, 2, 2))}, InputError, ["covariates", "shape"]),
        ({"covariates": {"a": [1.0, np.inf, 0, 0, 0, 0, 0, 0]}}, InputError,
         ["covariates['a']", "element 1"]),
        ({"covariates": {"a": [2.0] * 8}}, InputError, ["'a'", "constant"]),
        # squares of 1e200 overflow: said so, not "constant"
        ({"covariates": {"a": [1e200, 2e200, 3e200, -1e200, 0, 1e200, 0, 2e200]}}, InputError,
         ["covariate 'a'", "from its mean", "rescale"]),
        ({"covariates": {"a": [1.0, 0, 2, 1, 3, 0, 1, 2], "b": [2.0, 0, 4, 2, 6, 0, 2, 4]}},
         InputError, ["collinear", "'b'", "'a'"]),
        ({"weights": [1, 2, 1, 1, 1, 1, 1, 1], "ties": "exact"}, InputError,
         ["weights", "exact"]),
        ({"robust": True, "ties": "exact"}, InputError, ["robust", "exact"]),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, Any], exc: type, words: list[str]) -> None:
    args = _small() | kwargs
    with pytest.raises(exc) as info:
        cox_ph(**args)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_collinear_three_columns_names_all_involved() -> None:
    s = _small()
    a = np.asarray(s["covariates"]["a"])
    b = np.asarray(s["covariates"]["b"])
    with pytest.raises(InputError, match=r"'c' is a linear combination of 'a', 'b'"):
        cox_ph(s["time"], s["event"], {"a": a, "b": b, "c": a - 2 * b + 1})


def test_covariate_constant_within_strata_is_refused() -> None:
    s = _small()
    strata = [1, 1, 1, 1, 2, 2, 2, 2]
    with pytest.raises(InputError, match=r"'g'.*constant"):
        cox_ph(s["time"], s["event"], {"a": s["covariates"]["a"], "g": strata}, strata=strata)


def test_large_but_representable_covariates_fit_as_rescaled() -> None:
    # 1e99 is within MAX_DEVIATION: the fit is the fit of x / 1e99, its
    # coefficient and standard error divided by 1e99
    base = _small()
    x = np.asarray(base["covariates"]["a"], dtype=float)
    scaled = cox_ph(**(base | {"covariates": {"a": x * 1e99}}))
    plain = cox_ph(**(base | {"covariates": {"a": x}}))
    np.testing.assert_allclose(scaled.coef * 1e99, plain.coef, rtol=1e-9)
    np.testing.assert_allclose(scaled.se * 1e99, plain.se, rtol=1e-9)
    assert scaled.loglik == pytest.approx(plain.loglik, rel=1e-12)
