"""``crossval crosscheck``: one analysis through every engine, every difference named.

Each quantity an engine reports is compared with crossval's under the
tolerance crossval promises (``crossval.compare.tolerances``). A difference
beyond it is called

- ``differs by convention`` only when the difference is *reproduced*: crossval
  recomputed under the engine's convention (its option value from
  :mod:`crossval.dialects`, such as lifelines' log-log interval, or one of
  the rules below, such as statsmodels listing event times only) agrees
  with the engine within tolerance. A few conventions are bounds instead
  of recomputations (an engine's own convergence criterion); they say so.
- ``disagree`` otherwise.

Returns data only; ``crossval.report.crosscheck_report`` formats it.
"""

from __future__ import annotations

import csv
import dataclasses
import inspect
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.compare.fields import (
    elementwise_difference,
    numeric_fields,
    off_elements,
    relative_difference,
)
from crossval.compare.tolerances import Tolerance, tolerance_for
from crossval.dialects import settings as dialect_settings
from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.engines.registry import (
    CROSSVAL,
    ENGINE_NAMES,
    accepted_options,
    canonical_name,
    engine_function,
    engine_functions,
    engine_status,
    run_engine,
)
from crossval.errors import CrossvalError, InputError

AGREE = "agree"
CONVENTION = "differs by convention"
DISAGREE = "disagree"
VERDICTS = (AGREE, CONVENTION, DISAGREE)

# Engine name -> system name in crossval.dialects.
_SYSTEM = {"R": "r", "lifelines": "lifelines", "statsmodels": "statsmodels", "scipy": "scipy"}
_KM_ROWS = ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper")
# Quantities a convergence criterion moves at first order. The log-likelihood
# (and so the LR test) moves at second order only and is held to crossval's
# own tolerance: a different likelihood cannot hide behind a stopping rule.
_COX_FIT = frozenset({"coef", "hazard_ratio", "se", "hr_ci", "z", "p_value", "wald", "score",
                      "robust_se"})

Fields = dict[str, NDArray[np.float64]]


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class EngineOutcome:
    """What one engine did with the analysis."""

    engine: str
    # "ok", "unsupported" (the engine has no such analysis or option),
    # "unavailable" (not installed here) or "error" (it raised).
    status: str
    detail: str = ""
    result: EngineResult[Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QuantityCheck:
    """One quantity, crossval against one engine."""

    quantity: str
    engine: str
    verdict: str
    rel_diff: float  # crossval (requested options) vs the engine; inf: shapes differ
    tolerance: Tolerance
    conventions: tuple[str, ...] = ()  # the conventions that reproduce the engine
    rel_diff_convention: float | None = None  # after applying them
    where: tuple[int, ...] | None = None  # worst element of an array quantity
    crossval_value: float | None = None  # at ``where``
    engine_value: float | None = None


@dataclass(frozen=True)
class AnalysisCheck:
    """One analysis (KM, log-rank or Cox) through every engine."""

    function: str
    title: str
    options: Mapping[str, Any]
    crossval: EngineOutcome
    engines: tuple[EngineOutcome, ...]
    checks: tuple[QuantityCheck, ...]

    def verdicts(self) -> dict[str, int]:
        """How many checks got each verdict."""
        return {v: sum(c.verdict == v for c in self.checks) for v in VERDICTS}

    @property
    def failed(self) -> bool:
        """A disagreement, or an engine (crossval included) that raised."""
        return any(c.verdict == DISAGREE for c in self.checks) or any(
            o.status == "error" for o in (self.crossval, *self.engines)
        )


@dataclass(frozen=True)
class CrosscheckRun:
    """Every analysis of one data set, with the engines that ran."""

    source: str
    columns: Mapping[str, str]
    n: int
    analyses: tuple[AnalysisCheck, ...]
    engine_versions: Mapping[str, Mapping[str, str]]
    unavailable: Mapping[str, str]

    @property
    def failed(self) -> bool:
        return any(a.failed for a in self.analyses)


# -------------------------------------------------------------- conventions


@dataclass(frozen=True)
class Convention:
    """How an engine differs from crossval's requested analysis, as a recomputation.

    ``options`` are crossval options that reproduce the engine; ``adjust``
    rewrites the inputs (args, options); ``transform`` maps crossval's
    numeric fields (given the inputs) onto the engine's definition;
    ``tolerance`` bounds a difference that is not recomputed (an engine's
    own stopping rule).
    """

    key: str
    description: str
    quantities: frozenset[str] | None = None  # None: every quantity
    options: Mapping[str, Any] = field(default_factory=dict)
    adjust: Callable[[tuple[Any, ...], dict[str, Any]],
                     tuple[tuple[Any, ...], dict[str, Any]]] | None = None
    transform: Callable[[Fields, tuple[Any, ...], Mapping[str, Any]], Fields] | None = None
    tolerance: Tolerance | None = None


def _first_at_or_below(time: NDArray[np.float64], curve: NDArray[np.float64],
                       level: float, strict: bool) -> float:
    hit = curve < level if strict else curve <= level
    idx = np.flatnonzero(hit)
    return float(time[idx[0]]) if idx.size else math.nan


def _lifelines_limits(f: Fields, *_: Any) -> Fields:
    # lifelines' log-log limits are [1, 1] where S = 1 and [0, 0] where S = 0.
    s = f["survival"]
    out: Fields = {}
    for name in ("lower", "upper"):
        if name in f:
            v = f[name].copy()
            fill = np.isnan(v) & ((s == 1) | (s == 0))
            v[fill] = s[fill]
            out[name] = v
    return out


def _lifelines_median(f: Fields, *_: Any) -> Fields:
    t = f["time"]
    limits = _lifelines_limits(f)
    # lifelines' own arithmetic, exp of a sum of logs, decides which side of
    # 0.5 a curve flat at exactly 0.5 falls on.
    n, d = f["n_risk"], f["n_event"]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.exp(np.cumsum(np.log(n - d) - np.log(n)))
    out = {"median": np.array(_first_at_or_below(t, surv, 0.5, strict=False))}
    if "lower" in limits:
        out["median_ci"] = np.array([
            _first_at_or_below(t, limits["lower"], 0.5, strict=False),
            _first_at_or_below(t, limits["upper"], 0.5, strict=False),
        ])
    return out


def _event_rows(f: Fields, *_: Any) -> Fields:
    keep = f["n_event"] > 0
    return {k: f[k][keep] for k in _KM_ROWS if k in f}


def _statsmodels_median(f: Fields, *_: Any) -> Fields:
    keep = f["n_event"] > 0
    return {"median": np.array(
        _first_at_or_below(f["time"][keep], f["survival"][keep], 0.5, strict=True))}


def _entry_inclusive(args: tuple[Any, ...], options: dict[str, Any]
                     ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    # A start moved below its own value by far less than any gap between
    # distinct times puts the row in the risk set of an event exactly at its
    # start, which is how statsmodels' entry works; the time fix is off so
    # the shift is not merged back.
    start = np.asarray(options["start"], dtype=float)
    time = np.asarray(args[0], dtype=float)
    distinct = np.unique(np.concatenate([start, time]))
    gaps = np.diff(distinct)
    delta = (gaps.min() if gaps.size else 1.0) / 1024.0
    return args, {**options, "start": start - delta, "timefix": False}


def _cox_inputs(args: tuple[Any, ...], options: Mapping[str, Any]) -> Any:
    """A Cox crosscheck's inputs, checked as crossval's ``cox_ph`` checks them."""
    from crossval.stats.cox_likelihood import check_cox_inputs

    time, event, covariates = args
    return check_cox_inputs(time, event, covariates, strata=options.get("strata"),
                            weights=options.get("weights"), start=options.get("start"))


def _wald_fields(beta: NDArray[np.float64], var: NDArray[np.float64],
                 options: Mapping[str, Any]) -> Fields:
    """z, p, the hazard-ratio CI and the Wald test of ``beta`` under ``var``, as summary.coxph."""
    from scipy import stats

    se = np.sqrt(np.diag(var))
    z = beta / se
    crit = stats.norm.ppf(0.5 + float(options.get("conf_level", 0.95)) / 2)
    wald = float(beta @ np.linalg.solve(var, beta))
    with np.errstate(over="ignore"):  # a limit of a diverging coefficient is inf
        hr_ci = np.exp(np.column_stack((beta - crit * se, beta + crit * se)))
    return {"var": var, "z": z, "p_value": 2.0 * stats.norm.sf(np.abs(z)), "hr_ci": hr_ci,
            "wald": np.array(wald), "wald_p": np.array(stats.chi2.sf(wald, beta.size))}


def _robust_breslow_residuals(f: Fields, args: tuple[Any, ...],
                              options: Mapping[str, Any]) -> Fields:
    """The sandwich D'D, D = W L V, with L the Breslow-form score residuals at crossval's beta."""
    from crossval.stats.cox_likelihood import prepare_risk_sets, score_residuals

    inputs = _cox_inputs(args, options)
    beta = f["coef"]
    resid = score_residuals(prepare_risk_sets(inputs), beta, "breslow")
    dfbeta = (inputs.weights[:, None] * resid) @ f["naive_var"]
    var = dfbeta.T @ dfbeta
    return {"robust_se": np.sqrt(np.diag(var)), **_wald_fields(beta, var, options)}


# lifelines stops Newton-Raphson (CoxPHFitter._newton_raphson) where its
# Newton decrement g' H^-1 g / 2 is below 1e-7, its step below 1e-7, or the
# log-likelihood's last relative change below 1e-9, and returns that point:
# up to ~4.5e-4 standard errors from the maximum, which a relative bound on a
# coefficient near 0 cannot express. The decrement is the same in any
# parametrisation, so crossval can tell whether a point is one lifelines'
# rule stops at; the last rule leaves at most a few times 1e-9 |loglik|.
_LIFELINES_DECREMENT = 1e-7
_LIFELINES_REL_DECREMENT = 5e-9


def _lifelines_stop(engine_coef: NDArray[np.float64]
                    ) -> Callable[[Fields, tuple[Any, ...], Mapping[str, Any]], Fields]:
    """crossval's model evaluated at lifelines' coefficients, if lifelines' rule stops there."""

    def at_stop(f: Fields, args: tuple[Any, ...], options: Mapping[str, Any]) -> Fields:
        from scipy import stats

        from crossval.stats.cox_likelihood import evaluate, prepare_risk_sets

        beta = np.asarray(engine_coef, dtype=float)
        if beta.shape != f["coef"].shape or not np.isfinite(beta).all():
            return {}
        inputs = _cox_inputs(args, options)
        fix = bool(options.get("timefix", True)) and inputs.start is None
        at = evaluate(prepare_risk_sets(inputs, fix_times=fix), beta, "efron")
        try:
            var = np.asarray(np.linalg.inv(at.information), dtype=np.float64)
        except np.linalg.LinAlgError:
            return {}
        decrement = float(at.gradient @ var @ at.gradient) / 2.0
        if not decrement <= _LIFELINES_DECREMENT + _LIFELINES_REL_DECREMENT * abs(at.loglik):
            return {}  # not a point lifelines' rule stops at: compared as it is
        se = np.sqrt(np.diag(var))
        null = float(f["loglik"][0])
        lrt = 2.0 * (at.loglik - null)
        out: Fields = {
            "coef": beta, "se": se, "hazard_ratio": np.exp(beta), "naive_var": var,
            "loglik": np.array([null, at.loglik]), "lrt": np.array(lrt),
            "lrt_p": np.array(stats.chi2.sf(lrt, beta.size)),
        }
        if not options.get("robust"):  # else those use the sandwich, a convention of its own
            out |= _wald_fields(beta, var, options)
        return out

    return at_stop


def _jeffreys_unmodified(f: Fields, args: tuple[Any, ...],
                         options: Mapping[str, Any]) -> Fields:
    """Jeffreys limits as the plain Beta(x + 1/2, n - x + 1/2) quantiles, also at x = 0 and n.

    Brown, Cai & DasGupta (2001) set the lower limit to 0 at x = 0 and the
    upper to 1 at x = n (crossval, as R's binom packages); statsmodels does not.
    """
    from scipy import stats

    x, n = float(args[0]), float(args[1])
    tail = (1.0 - float(options.get("conf_level", 0.95))) / 2.0
    out: Fields = {"low": f["low"], "high": f["high"]}
    if x == 0:
        out["low"] = np.array(stats.beta.ppf(tail, x + 0.5, n - x + 0.5))
    if x == n:
        out["high"] = np.array(stats.beta.isf(tail, x + 0.5, n - x + 0.5))
    return out


def _wilson_cc_half(f: Fields, args: tuple[Any, ...], options: Mapping[str, Any]) -> Fields:
    """The Wilson interval with a continuity correction of 1/2 even at x = n/2.

    Newcombe (1998), method 4, as scipy's ``wilsoncc``; R's ``prop.test`` (and
    crossval) correct by min(1/2, |x - n/2|), which is 0 at x = n/2.
    """
    from scipy import stats

    x, n = float(args[0]), float(args[1])
    if 2 * x != n:
        return {}
    z = float(stats.norm.isf((1.0 - float(options.get("conf_level", 0.95))) / 2.0))
    p, zz = x / n, z * z
    low = (2 * n * p + zz - 1 - z * math.sqrt(zz - 2 - 1 / n + 4 * p * (n * (1 - p) + 1)))
    high = (2 * n * p + zz + 1 + z * math.sqrt(zz + 2 - 1 / n + 4 * p * (n * (1 - p) - 1)))
    return {"low": np.array(max(low / (2 * (n + zz)), 0.0)),
            "high": np.array(min(high / (2 * (n + zz)), 1.0))}


def _zeros_shifted(f: Fields, args: tuple[Any, ...], options: Mapping[str, Any]) -> Fields:
    """Pearson's chi-square of the table with every 0 cell replaced by 0.5.

    statsmodels' ``Table`` does this by default (``shift_zeros=True``).
    """
    from scipy import stats

    table = np.asarray(args[0], dtype=float)
    if not (table == 0).any():
        return {}
    shifted = np.where(table == 0, 0.5, table)
    expected = np.outer(shifted.sum(axis=1), shifted.sum(axis=0)) / shifted.sum()
    statistic = float(((shifted - expected) ** 2 / expected).sum())
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    return {"statistic": np.array(statistic), "p_value": np.array(stats.chi2.sf(statistic, df)),
            "expected": expected}


# statsmodels computes the chi-square p-value as 1 - cdf, which cancels to 0
# below about 1e-16 (a statistic of 197 on 1 df: 0 against 1.3e-44).
_ONE_MINUS_CDF = Tolerance(rel=1e-9, abs=float(np.finfo(float).eps),
                           convention="statsmodels' p = 1 - cdf")
# scipy finds exact binomial limits by root finding to an absolute ~1e-13
# (binomtest's proportion_ci): a lower limit of 5e-10 comes out 1.2e-13 off,
# 2.5e-4 relative, where crossval equals R to the last digit.
_SCIPY_ROOT_FINDING = Tolerance(rel=1e-9, abs=1e-12,
                                convention="scipy root-finds binomial limits to ~1e-13")
# scipy's p-value for a table larger than 2x2 is a Monte Carlo estimate from
# 9999 random tables (the adapter's seed 0); its standard error is at most
# sqrt(0.25 / 10000) = 0.005.
_SCIPY_MONTE_CARLO = Tolerance(abs=0.02, convention="scipy Monte Carlo p-value")


def _has_tied_events(args: tuple[Any, ...]) -> bool:
    t = np.asarray(args[0], dtype=float)
    e = np.asarray(args[1], dtype=float)
    death_times = t[e == 1]
    return bool(np.unique(death_times).size < death_times.size)


def _larger_than_2x2(args: tuple[Any, ...]) -> bool:
    try:
        shape = np.shape(args[0]) if args else ()
    except ValueError:  # ragged rows: crossval's own check names the problem
        return False
    return len(shape) == 2 and shape != (2, 2)


# R's FEXACT (fexact.c, f5xact) keeps one past path length for partial
# tables whose log-probabilities agree within its TOL = 3.45254e-7 and adds
# up their counts, so each stage can move a path's probability by that much
# and a table near the cut to the other side of it. Seen: up to 6.3e-9 on
# random 5 x 3 tables of N = 350-540, where an independent enumeration
# (tests/fisher_enumeration.py) agrees with crossval to 5e-13; the bound
# allows a few stages' worth.
_FEXACT_MERGING = Tolerance(rel=1e-6, convention="R FEXACT merges past probabilities")


# What a Cox fit's stopping point decides. Where the likelihood is monotone
# (a coefficient is infinite) every engine stops somewhere along the ray to
# infinity, so these are where it stopped, not estimates. The fitted
# log-likelihood only approaches its supremum there, below it by about
# exp(-|coef|) at the stop, and the supremum is often 0 (every event certain),
# where no relative bound means anything. The score test (at beta = 0), df
# and the counts are still compared (the null log-likelihood shares the
# loglik field with the fitted one, and is excused with it).
_COX_STOPPING_POINT = frozenset({
    "coef", "hazard_ratio", "se", "hr_ci", "z", "p_value", "wald", "wald_p", "var",
    "naive_var", "robust_se", "loglik", "lrt", "lrt_p",
})


def _stopping_convention() -> Convention:
    """For a Cox fit that crossval could not bring to convergence (a monotone likelihood)."""
    return Convention(
        "cox-stopping-point",
        "crossval's fit did not converge (its warning says why: the likelihood is monotone, "
        "an estimate is infinite): coefficients, standard errors, z, p, the Wald test, the "
        "fitted log-likelihood and the likelihood-ratio test are where each engine stopped, "
        "not estimates, and are not compared",
        _COX_STOPPING_POINT, tolerance=Tolerance(rel=math.inf, convention="stopping point"),
    )


def _special_conventions(engine: str, function: str, args: tuple[Any, ...],
                         options: Mapping[str, Any], theirs: Fields) -> list[Convention]:
    """Conventions not expressible as one crossval option (see each engine's module notes).

    ``theirs`` are the engine's own numbers, for a convention that evaluates
    crossval's model where the engine stopped.
    """
    out: list[Convention] = []
    if function == "fisher_exact" and engine == "R" and _larger_than_2x2(args):
        out.append(Convention(
            "r-fexact-merging",
            "R's FEXACT merges partial tables whose log-probabilities agree within its "
            "tolerance 3.45e-7 (crossval merges only to 1e-10), so its r x c p-value is good "
            "to about 1e-8 on tables of hundreds: bounded at 1e-6, not recomputed",
            frozenset({"p_value"}), tolerance=_FEXACT_MERGING,
        ))
    if function == "fisher_exact" and engine == "scipy" and _larger_than_2x2(args):
        out.append(Convention(
            "scipy-monte-carlo",
            "scipy's p-value for tables larger than 2x2 is a Monte Carlo estimate from 9999 "
            "random tables: bounded at 0.02, four times its largest standard error, not "
            "recomputed", frozenset({"p_value"}), tolerance=_SCIPY_MONTE_CARLO,
        ))
    if function in ("binom_ci", "binom_test") and engine == "scipy":
        out.append(Convention(
            "scipy-root-finding",
            "scipy finds the exact limits by root finding to an absolute ~1e-13: bounded at "
            "1e-12 absolute, not recomputed",
            frozenset({"low", "high", "conf_int"}), tolerance=_SCIPY_ROOT_FINDING,
        ))
    if function == "chi2_test" and engine == "statsmodels":
        out.append(Convention(
            "statsmodels-shift-zeros",
            "statsmodels' Table replaces every 0 cell by 0.5 (shift_zeros=True): Pearson's "
            "chi-square recomputed so",
            frozenset({"statistic", "p_value", "expected"}), transform=_zeros_shifted,
        ))
        out.append(Convention(
            "statsmodels-one-minus-cdf",
            "statsmodels' p-value is 1 - cdf, 0 below ~1e-16: bounded at machine epsilon "
            "absolute, not recomputed", frozenset({"p_value"}), tolerance=_ONE_MINUS_CDF,
        ))
    if function == "binom_ci" and engine == "scipy" and options.get("method") == "wilson-cc":
        out.append(Convention(
            "scipy-wilsoncc",
            "scipy's wilsoncc corrects by 1/2 always (R's prop.test and crossval by "
            "min(1/2, |x - n/2|), 0 at x = n/2): Newcombe's interval recomputed so",
            frozenset({"low", "high"}), transform=_wilson_cc_half,
        ))
    if function == "binom_ci" and engine == "statsmodels" and options.get("method") == "jeffreys":
        out.append(Convention(
            "statsmodels-jeffreys-boundary",
            "statsmodels' Jeffreys interval keeps the Beta quantile at x = 0 and x = n (crossval "
            "sets the lower limit to 0 and the upper to 1 there)",
            frozenset({"low", "high"}), transform=_jeffreys_unmodified,
        ))
    if function == "kaplan_meier" and engine == "lifelines":
        out.append(Convention(
            "lifelines-limits",
            "lifelines gives [1, 1] where S = 1 and [0, 0] where S = 0 (R and crossval: NA)",
            frozenset({"lower", "upper"}), transform=_lifelines_limits,
        ))
        out.append(Convention(
            "lifelines-median",
            "lifelines' median is the first time S <= 0.5 (R takes the midpoint where S is "
            "flat at exactly 0.5)",
            frozenset({"median", "median_ci"}), transform=_lifelines_median,
        ))
    if function == "kaplan_meier" and engine == "statsmodels":
        out.append(Convention(
            "statsmodels-event-rows",
            "statsmodels lists event times only; compared on event times",
            frozenset(_KM_ROWS), transform=_event_rows,
        ))
        out.append(Convention(
            "statsmodels-median",
            "statsmodels' median is the first event time with S < 0.5, with no midpoint where "
            "S is flat at exactly 0.5",
            frozenset({"median"}), transform=_statsmodels_median,
        ))
    if function == "cox_ph" and engine == "lifelines" and "coef" in theirs:
        out.append(Convention(
            "lifelines-convergence",
            "lifelines stops Newton-Raphson at its own criterion (Newton decrement < 1e-7, or "
            "a relative log-likelihood change < 1e-9): crossval's model evaluated at "
            "lifelines' coefficients, a point that criterion stops at",
            _COX_FIT | {"var", "naive_var", "wald_p", "loglik", "lrt", "lrt_p"},
            transform=_lifelines_stop(theirs["coef"]),
        ))
        if options.get("robust"):
            out.append(Convention(
                "lifelines-robust",
                "lifelines' sandwich variance is its own (not R's weighted dfbeta sandwich at "
                "tied times or with case weights): bounded at 5%, not recomputed",
                frozenset({"robust_se", "hr_ci", "z", "p_value"}),
                tolerance=Tolerance(rel=5e-2, convention="lifelines sandwich"),
            ))
    if function == "cox_ph" and engine == "statsmodels":
        if options.get("start") is not None:
            out.append(Convention(
                "statsmodels-entry",
                "statsmodels' entry puts a row at risk at an event time equal to its start "
                "(R's (start, stop] does not)", adjust=_entry_inclusive,
            ))
        if options.get("robust") and options.get("ties", "efron") == "efron" and (
            _has_tied_events(args)
        ):
            out.append(Convention(
                "statsmodels-robust-ties",
                "statsmodels' robust variance uses Breslow-form score residuals even with "
                "Efron ties (recomputed so from crossval's fit)",
                frozenset({"robust_se", "var", "hr_ci", "z", "p_value", "wald", "wald_p"}),
                transform=_robust_breslow_residuals,
            ))
    return out


def _option_conventions(engine: str, function: str, requested: Mapping[str, Any],
                        used: Mapping[str, Any]) -> list[Convention]:
    """The engine's own value for every option it could not take as requested."""
    system = _SYSTEM.get(engine)
    if system is None:
        return []
    out = []
    for s in dialect_settings(system, function):
        if not s.applies or s.value is None or s.option in used:
            continue
        if s.option in requested and requested[s.option] == s.value:
            continue
        wanted = requested.get(s.option, _crossval_default(function, s.option))
        if wanted == s.value:
            continue
        native = f" ({s.native})" if s.native != "—" else ""
        out.append(Convention(
            f"{engine}-{s.option}",
            f"{engine}: {s.option}={s.value!r}{native}, not {wanted!r}",
            options={s.option: s.value},
        ))
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays
        return False


_EMPTY = inspect.Parameter.empty


def _crossval_default(function: str, option: str) -> Any:
    param = inspect.signature(engine_function(CROSSVAL, function)).parameters.get(option)
    return None if param is None else param.default


# ---------------------------------------------------------------- analysis


_CROSSVAL_FAILURES: tuple[type[Exception], ...] = (
    CrossvalError, ValueError, TypeError, ArithmeticError,
)


def _failure(exc: Exception) -> str:
    """An engine's exception as one line: its type and message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _run(engine: str, function: str, args: tuple[Any, ...], options: Mapping[str, Any]
         ) -> EngineOutcome:
    """Run the engine with the options it accepts; retry with its own defaults if refused.

    An option the engine lacks is dropped only when the dialect table gives
    the engine's own value for it (a convention, named in the comparison) or
    when it is at crossval's default; anything else (case weights, say) makes
    the analysis unsupported rather than silently different.
    """
    accepted = accepted_options(engine, function)
    system = _SYSTEM.get(engine)
    described = {s.option for s in dialect_settings(system, function)} if system else set()
    for key, value in options.items():
        if key in accepted or key in described:
            continue
        default = _crossval_default(function, key)
        if value is None or _same(value, default):
            continue
        return EngineOutcome(engine, "unsupported",
                             f"{engine}'s {function} has no option {key}", options={})
    used = {k: v for k, v in options.items() if k in accepted}
    if engine != CROSSVAL:
        # The same analysis everywhere: an option left at crossval's default
        # goes to the engine as that default, not as the engine's own.
        for key in sorted(accepted - set(used)):
            default = _crossval_default(function, key)
            if default is not None and default is not _EMPTY:
                used[key] = default
    # Another engine's failure, whatever it raises from inside, is a finding
    # about that engine (reported, the others still compared); crossval's
    # own engine raises only its documented input errors, and anything else
    # from it is a bug that must surface.
    failures = _CROSSVAL_FAILURES if engine == CROSSVAL else (Exception,)
    try:
        return EngineOutcome(engine, "ok", result=run_engine(engine, function, *args, **used),
                             options=used)
    except EngineUnsupportedError as exc:
        first = str(exc)
    except failures as exc:
        return EngineOutcome(engine, "error", _failure(exc), options=used)
    # Fall back to the engine's defaults for the options the dialect table
    # describes (e.g. scipy's ecdf has no log interval: use its linear one).
    fallback = {k: v for k, v in used.items() if k not in described}
    if fallback == used:
        return EngineOutcome(engine, "unsupported", first, options=used)
    try:
        result = run_engine(engine, function, *args, **fallback)
    except EngineUnsupportedError as exc:
        return EngineOutcome(engine, "unsupported", str(exc), options=fallback)
    except failures as exc:
        return EngineOutcome(engine, "error", _failure(exc), options=fallback)
    return EngineOutcome(engine, "ok", f"with its own defaults ({first})", result=result,
                         options=fallback)


class _Crossval:
    """crossval's numeric fields under modified options, computed once per variant."""

    def __init__(self, function: str, args: tuple[Any, ...], options: Mapping[str, Any]):
        self.function = function
        self.args = args
        self.options = dict(options)
        self._cache: dict[tuple[str, ...], Fields | None] = {}

    def seed(self, fields: Fields) -> None:
        """crossval's result under the requested options, already computed."""
        self._cache[()] = fields

    def fields(self, conventions: Sequence[Convention]) -> Fields | None:
        key = tuple(c.key for c in conventions)
        if key not in self._cache:
            self._cache[key] = self._compute(conventions)
        return self._cache[key]

    def _compute(self, conventions: Sequence[Convention]) -> Fields | None:
        args, options = self.args, dict(self.options)
        for c in conventions:
            options.update(c.options)
        for c in conventions:
            if c.adjust is not None:
                args, options = c.adjust(args, options)
        try:
            result = run_engine(CROSSVAL, self.function, *args, **options)
        except (CrossvalError, ValueError, TypeError, ArithmeticError):
            return None
        fields = numeric_fields(result)
        for c in conventions:
            if c.transform is not None:
                fields.update(c.transform(fields, args, options))
        return fields


def _worst(ours: NDArray[np.float64], theirs: NDArray[np.float64]
           ) -> tuple[tuple[int, ...] | None, float | None, float | None]:
    if ours.shape != theirs.shape or ours.size == 0:
        return None, None, None
    if ours.ndim == 0:
        return (), float(ours), float(theirs)
    i = int(np.argmax(elementwise_difference(ours, theirs)))
    where = tuple(int(k) for k in np.unravel_index(i, ours.shape))
    return where, float(ours.flat[i]), float(theirs.flat[i])


def _passes(ours: NDArray[np.float64], theirs: NDArray[np.float64], tol: Tolerance,
            fields: Fields) -> float | None:
    """The relative difference if within ``tol``, else None (``fields``: crossval's)."""
    if ours.shape != theirs.shape:
        return None
    if off_elements(ours, theirs, tol, fields).any():
        return None
    return relative_difference(ours, theirs)


def _tolerance_flags(function: str, args: tuple[Any, ...]) -> dict[str, bool]:
    """``tolerance_for``'s flags that the inputs decide (a 2x2 table with a zero margin)."""
    if function != "fisher_exact" or not args:
        return {}
    try:
        table = np.asarray(args[0], dtype=float)
    except (TypeError, ValueError):  # crossval's own check names the problem
        return {}
    if table.shape != (2, 2):
        return {}
    return {"zero_margin": bool((table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any())}


def _check_quantity(function: str, quantity: str, engine: str, theirs: NDArray[np.float64],
                    cv: _Crossval, conventions: Sequence[Convention]) -> QuantityCheck | None:
    base = cv.fields(())
    if base is None or quantity not in base:
        return None
    tol = tolerance_for(function, quantity, **_tolerance_flags(function, cv.args))
    if tol.informational:
        return None
    ours = base[quantity]
    raw = math.inf if ours.shape != theirs.shape else relative_difference(ours, theirs)
    where, ov, tv = _worst(ours, theirs)
    if _passes(ours, theirs, tol, base) is not None:
        return QuantityCheck(quantity, engine, AGREE, raw, tol, where=where,
                             crossval_value=ov, engine_value=tv)
    relevant = [c for c in conventions if c.quantities is None or quantity in c.quantities]
    for size in range(1, len(relevant) + 1):
        for subset in itertools.combinations(relevant, size):
            fields = cv.fields(subset)
            if fields is None or quantity not in fields:
                continue
            bound = [c.tolerance for c in subset if c.tolerance is not None]
            use = max(bound, key=lambda t: t.rel) if bound else tol
            if use.abs == 0 and tol.abs > 0:  # a bound loosens, never drops, the round-off floor
                use = dataclasses.replace(use, abs=tol.abs, abs_per=tol.abs_per)
            after = _passes(fields[quantity], theirs, use, fields)
            if after is not None:
                w, ov2, tv2 = _worst(fields[quantity], theirs)
                return QuantityCheck(
                    quantity, engine, CONVENTION, raw, use,
                    conventions=tuple(c.description for c in subset),
                    rel_diff_convention=after, where=w if w is not None else where,
                    crossval_value=ov2 if ov2 is not None else ov,
                    engine_value=tv2 if tv2 is not None else tv,
                )
    return QuantityCheck(quantity, engine, DISAGREE, raw, tol, where=where, crossval_value=ov,
                         engine_value=tv)


def crosscheck(function: str, *args: Any, engines: Iterable[str] | None = None,
               title: str | None = None, **options: Any) -> AnalysisCheck:
    """Run crossval's ``function`` on ``args`` in every engine and compare each quantity.

    ``engines`` defaults to every engine crossval knows; those not installed
    are recorded as unavailable. ``options`` are crossval's (e.g.
    ``conf_type="log"``); each engine gets the ones it accepts.
    """
    names = [canonical_name(n) for n in (engines if engines is not None else ENGINE_NAMES)]
    names = [n for n in dict.fromkeys(names) if n != CROSSVAL]
    own = _run(CROSSVAL, function, args, options)
    outcomes: list[EngineOutcome] = []
    checks: list[QuantityCheck] = []
    cv = _Crossval(function, args, options)
    if own.result is not None:
        cv.seed(numeric_fields(own.result))
    for name in names:
        reason = _unavailable(name)
        if reason is not None:
            outcomes.append(EngineOutcome(name, "unavailable", reason))
            continue
        if function not in engine_functions(name):
            outcomes.append(EngineOutcome(name, "unsupported",
                                          f"{name} has no equivalent of crossval's {function}"))
            continue
        outcome = _run(name, function, args, options)
        outcomes.append(outcome)
        if outcome.result is None or own.result is None:
            continue
        theirs = numeric_fields(outcome.result)
        conventions = (_option_conventions(name, function, options, outcome.options)
                       + _special_conventions(name, function, args, options, theirs))
        if function == "cox_ph" and not own.result.result.converged:
            conventions.append(_stopping_convention())
        for quantity, value in theirs.items():
            check = _check_quantity(function, quantity, name, value, cv, conventions)
            if check is not None:
                checks.append(check)
    return AnalysisCheck(function, title or function, dict(options), own, tuple(outcomes),
                         tuple(checks))


_UNAVAILABLE: dict[str, str | None] = {}


def _unavailable(name: str) -> str | None:
    # Probing R starts it; probe each engine once per process.
    if name not in _UNAVAILABLE:
        _UNAVAILABLE[name] = engine_status(name).reason
    return _UNAVAILABLE[name]


# -------------------------------------------------------------- CSV input


MISSING = frozenset({"", "na", "nan", "null", "none", "."})


@dataclass(frozen=True)
class SurvivalData:
    """Columns read from a CSV file for ``crossval crosscheck`` (names as in the file)."""

    source: str
    time: NDArray[np.float64]
    event: NDArray[np.float64]
    group: NDArray[Any] | None = None
    covariates: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    strata: NDArray[Any] | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.time.size)


def read_survival_csv(
    path: str | Path, *, time: str, event: str, group: str | None = None,
    covariates: Sequence[str] = (), strata: str | None = None,
) -> SurvivalData:
    """Read the named columns of a CSV file (header row first) with the stdlib csv module.

    Every problem is an :class:`crossval.errors.InputError` naming the
    column, and the row (1-based data row, with its line in the file) for
    missing or non-numeric cells; up to ten cell problems are listed at once.
    """
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{p} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InputError(f"{p} is not valid CSV: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{p} is empty; the first line must name the columns")
    header = [h.strip() for h in rows[0]]
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise InputError(f"{p}: column {dupes[0]!r} appears more than once in the header")
    wanted = {"time": time, "event": event}
    if group:
        wanted["group"] = group
    if strata:
        wanted["strata"] = strata
    for i, name in enumerate(covariates):
        wanted[f"covariate {i + 1}"] = name
    for role, name in wanted.items():
        if name not in header:
            raise InputError(
                f"{p}: no column {name!r} (given as the {role} column); the columns are "
                + ", ".join(repr(h) for h in header)
            )
    body = [(line, r) for line, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise InputError(f"{p} has a header but no data rows")
    problems: list[str] = []

    def column(name: str, numeric: bool) -> list[Any]:
        j = header.index(name)
        values: list[Any] = []
        for k, (line, r) in enumerate(body, start=1):
            cell = r[j].strip() if j < len(r) else ""
            where = f"row {k} (line {line}), column {name!r}"
            if cell.lower() in MISSING:
                problems.append(f"{where}: missing value")
                values.append(math.nan)
                continue
            if not numeric:
                values.append(cell)
                continue
            try:
                number = float(cell)
            except ValueError:
                problems.append(f"{where}: {cell!r} is not a number")
                values.append(math.nan)
                continue
            if not math.isfinite(number):
                problems.append(f"{where}: {cell!r} is not a finite number")
            values.append(number)
        return values

    t = column(time, True)
    e = column(event, True)
    g = column(group, False) if group else None
    s = column(strata, False) if strata else None
    x = {name: column(name, True) for name in covariates}
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise InputError(f"{p}: " + "; ".join(problems[:10]) + more)
    ev = np.asarray(e, dtype=float)
    bad = np.flatnonzero(~np.isin(ev, (0.0, 1.0)))
    if bad.size:
        k = int(bad[0])
        raise InputError(
            f"{p}: row {k + 1} (line {body[k][0]}), column {event!r}: the event column must be "
            f"0 (censored) or 1 (event); got {e[k]!r}"
        )
    tv = np.asarray(t, dtype=float)
    neg = np.flatnonzero(tv < 0)
    if neg.size:
        k = int(neg[0])
        raise InputError(
            f"{p}: row {k + 1} (line {body[k][0]}), column {time!r}: times must be >= 0; "
            f"got {t[k]!r}"
        )
    return SurvivalData(
        source=str(p), time=tv, event=ev,
        group=None if g is None else _labels(g),
        covariates={name: np.asarray(v, dtype=float) for name, v in x.items()},
        strata=None if s is None else _labels(s),
        columns={role: name for role, name in wanted.items()},
    )


def _labels(values: list[str]) -> NDArray[Any]:
    # Numeric labels sort as numbers (2 before 10); anything else as text.
    try:
        return np.asarray([float(v) for v in values])
    except ValueError:
        return np.asarray(values, dtype=object).astype(str)


def _indicators(name: str, labels: NDArray[Any]) -> dict[str, NDArray[np.float64]]:
    levels = np.unique(labels)
    return {f"{name}={_label(level)}": (labels == level).astype(float) for level in levels[1:]}


def _label(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def crosscheck_data(data: SurvivalData, *, engines: Iterable[str] | None = None
                    ) -> CrosscheckRun:
    """KM always; log-rank with a group; Cox with covariates (or the group as indicators)."""
    names = list(engines) if engines is not None else list(ENGINE_NAMES)
    analyses = [crosscheck("kaplan_meier", data.time, data.event, engines=names,
                           title="Kaplan-Meier (all rows)")]
    gname = data.columns.get("group", "group")
    if data.group is not None:
        title = f"Log-rank test by {gname}" + (
            f", stratified by {data.columns['strata']}" if data.strata is not None else "")
        analyses.append(crosscheck("logrank", data.time, data.event, data.group,
                                   engines=names, title=title, strata=data.strata))
    covariates: dict[str, NDArray[np.float64]] = dict(data.covariates)
    if not covariates and data.group is not None:
        covariates = _indicators(gname, data.group)
    if covariates:
        title = "Cox model on " + ", ".join(covariates) + (
            f", stratified by {data.columns['strata']}" if data.strata is not None else "")
        analyses.append(crosscheck("cox_ph", data.time, data.event, covariates,
                                   engines=names, title=title, strata=data.strata))
    versions: dict[str, Mapping[str, str]] = {}
    unavailable: dict[str, str] = {}
    for a in analyses:
        for o in (a.crossval, *a.engines):
            if o.result is not None:
                versions.setdefault(o.engine, o.result.versions)
            elif o.status == "unavailable":
                unavailable[o.engine] = o.detail
    return CrosscheckRun(data.source, dict(data.columns), data.n, tuple(analyses), versions,
                         unavailable)


def as_dict(obj: Any) -> Any:
    """A crosscheck result as plain JSON-ready data (numbers, strings, lists)."""
    if isinstance(obj, EngineResult):
        return {"engine": obj.engine, "call": obj.call, "versions": dict(obj.versions),
                "warnings": list(obj.warnings),
                "values": {k: as_dict(v) for k, v in numeric_fields(obj).items()}}
    if isinstance(obj, Tolerance):
        return {"rel": obj.rel, "exact": obj.exact, "abs": obj.abs, "abs_per": obj.abs_per,
                "convention": obj.convention}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: as_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): as_dict(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return as_dict(obj.tolist())
    if isinstance(obj, list | tuple):
        return [as_dict(v) for v in obj]
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else str(value)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
