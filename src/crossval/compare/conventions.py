"""crosscheck's conventions: how each engine differs from crossval's requested analysis.

A convention is a recomputation (crossval under the engine's option value or
rule reproduces the engine's number) or, where none is possible, a bound that
says so (an engine's own root finding, Monte Carlo or stopping rule). The
option conventions come from the dialect table (:mod:`crossval.dialects`);
the others are the rules below, each with the reason in its description.
``crossval.compare.crosscheck`` tries them when a quantity differs.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.compare.tolerances import Tolerance
from crossval.dialects import settings as dialect_settings
from crossval.engines.registry import CROSSVAL, engine_function

# Engine name -> system name in crossval.dialects.
SYSTEM = {"R": "r", "lifelines": "lifelines", "statsmodels": "statsmodels", "scipy": "scipy"}
_KM_ROWS = ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper")
# Quantities a convergence criterion moves at first order. The log-likelihood
# (and so the LR test) moves at second order only and is held to crossval's
# own tolerance: a different likelihood cannot hide behind a stopping rule.
_COX_FIT = frozenset({"coef", "hazard_ratio", "se", "hr_ci", "z", "p_value", "wald", "score",
                      "robust_se"})

Fields = dict[str, NDArray[np.float64]]


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
    n, d = f["n_risk"][keep], f["n_event"][keep]
    # statsmodels' own arithmetic, exp of a sum of logs of 1 - d/n (factors below
    # 1e-16 taken as 1e-16, and S set to 0 there), decides which side of 0.5 a curve
    # at 0.5 up to rounding falls on: crossval's product can give 0.49999999999999994
    # where statsmodels has 0.5000000000000001.
    factor = 1.0 - d / n.astype(np.float64)
    tiny = factor < 1e-16
    surv = np.exp(np.cumsum(np.log(np.where(tiny, 1e-16, factor))))
    surv[tiny] = 0.0
    return {"median": np.array(_first_at_or_below(f["time"][keep], surv, 0.5, strict=True))}


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


def stopping_convention() -> Convention:
    """For a Cox fit that crossval could not bring to convergence (a monotone likelihood)."""
    return Convention(
        "cox-stopping-point",
        "crossval's fit did not converge (its warning says why: the likelihood is monotone, "
        "an estimate is infinite): coefficients, standard errors, z, p, the Wald test, the "
        "fitted log-likelihood and the likelihood-ratio test are where each engine stopped, "
        "not estimates, and are not compared",
        _COX_STOPPING_POINT, tolerance=Tolerance(rel=math.inf, convention="stopping point"),
    )


def special_conventions(engine: str, function: str, args: tuple[Any, ...],
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
    if function in ("chi2_test", "logrank") and engine == "statsmodels":
        out.append(Convention(
            "statsmodels-one-minus-cdf",
            "statsmodels' chi-square p-value (Table, survdiff) is 1 - cdf, 0 below ~1e-16: "
            "bounded at machine epsilon absolute, not recomputed", frozenset({"p_value"}),
            tolerance=_ONE_MINUS_CDF,
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


def option_conventions(engine: str, function: str, requested: Mapping[str, Any],
                        used: Mapping[str, Any]) -> list[Convention]:
    """The engine's own value for every option it could not take as requested."""
    system = SYSTEM.get(engine)
    if system is None:
        return []
    out = []
    for s in dialect_settings(system, function):
        if not s.applies or s.value is None or s.option in used:
            continue
        if s.option in requested and requested[s.option] == s.value:
            continue
        wanted = requested.get(s.option, crossval_default(function, s.option))
        if wanted == s.value:
            continue
        native = f" ({s.native})" if s.native != "—" else ""
        out.append(Convention(
            f"{engine}-{s.option}",
            f"{engine}: {s.option}={s.value!r}{native}, not {wanted!r}",
            options={s.option: s.value},
        ))
    return out


def same_value(a: Any, b: Any) -> bool:
    """``a == b`` as one truth value; arrays (whose ``==`` is element-wise) are never the same."""
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays
        return False


EMPTY = inspect.Parameter.empty


def crossval_default(function: str, option: str) -> Any:
    """crossval's default for ``option`` of ``function`` (None if it has no such option)."""
    param = inspect.signature(engine_function(CROSSVAL, function)).parameters.get(option)
    return None if param is None else param.default
