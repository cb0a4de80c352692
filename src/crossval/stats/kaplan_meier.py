"""Kaplan-Meier estimate with Greenwood variance, pointwise CIs and quantiles.

Mirrors R's ``survival::survfit(Surv(time, event) ~ 1)`` (survival 3.5) row
for row, and ``quantile.survfit`` for the median and other quantiles.  The
SAS PROC LIFETEST quantile rule is available as ``median_rule="sas"``; see
``docs/median-rules.md`` for the two rules side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from crossval.errors import InputError, InputTypeError
from crossval.stats._validate import (
    as_event_array,
    as_float_array,
    check_conf_level,
    check_option,
    check_same_length,
    frozen_array,
    shown,
)
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.timefix import aeq_sorted_times

CONF_TYPES = ("log", "log-log", "plain", "logit", "arcsin", "none")
MEDIAN_RULES = ("r", "sas")

# quantile.survfit's default tolerance for "the curve is flat exactly at p".
QUANTILE_TOLERANCE = math.sqrt(np.finfo(np.float64).eps)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SurvivalQuantile:
    """The ``p`` quantile of the event-time distribution (time where 1 - S(t) reaches p)."""

    p: float
    estimate: float
    ci: ConfidenceInterval
    rule: str


@dataclass(frozen=True)
class KaplanMeierResult:
    """One row per distinct time (events and censoring-only), as survfit stores them.

    ``std_err`` is the standard error of S(t) (R: ``fit$std.err * fit$surv``);
    ``lower``/``upper`` are ``nan`` where R gives ``NA``.  ``median`` and
    ``median_ci`` follow ``median_rule``; ``nan`` means not reached.
    """

    time: FloatArray
    n_risk: NDArray[np.int64]
    n_event: NDArray[np.int64]
    n_censor: NDArray[np.int64]
    survival: FloatArray
    std_err: FloatArray
    lower: FloatArray
    upper: FloatArray
    median: float
    median_ci: ConfidenceInterval
    conf_type: str
    conf_level: float
    median_rule: str
    n: int
    n_events: int

    def quantile(self, p: float) -> SurvivalQuantile:
        """Quantile ``p`` of the event-time distribution with its confidence interval.

        R equivalent: ``quantile(fit, probs = p)`` for one ``p`` (survival
        3.5 ``quantile.survfit``); with ``median_rule="sas"``, SAS LIFETEST's
        percentile rule and Brookmeyer-Crowley interval (Brookmeyer & Crowley
        1982, Biometrics 38:29-41; Klein & Moeschberger 1997, section 4.5).
        """
        prob = _check_probability(p)
        if self.median_rule == "r":
            return _quantile_r(self, prob)
        return _quantile_sas(self, prob)


def kaplan_meier(
    time: Any,
    event: Any,
    *,
    conf_type: str = "log",
    conf_level: float = 0.95,
    median_rule: str = "r",
    timefix: bool = True,
) -> KaplanMeierResult:
    """Kaplan-Meier survival curve with Greenwood standard errors.

    R equivalent: ``survfit(Surv(time, event) ~ 1, conf.type=, conf.int=,
    timefix=)`` from survival 3.5, median from ``quantile.survfit``.
    References: Kaplan & Meier (1958) JASA 53:457-481; Greenwood (1926);
    transformed intervals as in Borgan & Liestøl (1990) Scand J Stat 17:35-41.
    """
    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    check_same_length(time=t, event=e)
    ctype = check_option("conf_type", conf_type, CONF_TYPES)
    level = check_conf_level(conf_level)
    rule = check_option("median_rule", median_rule, MEDIAN_RULES)
    _check_flag("timefix", timefix)

    # One sort serves the time fix and the risk table; order within tied
    # times cannot matter because only per-time sums are used.
    order = np.argsort(t)
    t_sorted, e_sorted = t[order], e[order]
    if timefix:
        t_sorted = aeq_sorted_times(t_sorted)
    utime, n_risk, n_event, n_censor = _risk_table(t_sorted, e_sorted)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Rows without an event multiply by exactly 1 and add exactly 0, so
        # the running product and sum round exactly as survfitkm.c's loop.
        factor = np.where(n_event > 0, (n_risk - n_event) / n_risk, 1.0)
        survival = np.cumprod(factor, dtype=np.float64)
        # Greenwood: d / (n (n - d)); infinite once everyone at risk has died,
        # which makes R's standard error Inf and its S.E. of S(t) NaN.
        term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        se_log = np.sqrt(np.cumsum(term, dtype=np.float64))
        std_err = se_log * survival
    lower, upper = _confint(survival, se_log, ctype, level)

    fields = {
        "time": frozen_array(utime),
        "n_risk": frozen_array(n_risk, np.int64),
        "n_event": frozen_array(n_event, np.int64),
        "n_censor": frozen_array(n_censor, np.int64),
        "survival": frozen_array(survival),
        "std_err": frozen_array(std_err),
        "lower": frozen_array(lower),
        "upper": frozen_array(upper),
    }
    draft = KaplanMeierResult(
        **fields,
        median=math.nan,
        median_ci=ConfidenceInterval(math.nan, math.nan),
        conf_type=ctype,
        conf_level=level,
        median_rule=rule,
        n=int(t.size),
        n_events=int(e.sum()),
    )
    med = draft.quantile(0.5)
    return KaplanMeierResult(
        **fields,
        median=med.estimate,
        median_ci=med.ci,
        conf_type=ctype,
        conf_level=level,
        median_rule=rule,
        n=draft.n,
        n_events=draft.n_events,
    )


def _risk_table(
    t: FloatArray, e: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Distinct times with numbers at risk, events and censorings; ``t`` sorted."""
    n = t.size
    starts = np.flatnonzero(np.concatenate(([True], t[1:] != t[:-1])))
    counts = np.diff(np.append(starts, n)).astype(np.float64)
    n_event = np.add.reduceat(e, starts)
    n_risk = n - np.concatenate(([0.0], np.cumsum(counts)[:-1]))
    return t[starts], n_risk, n_event, counts - n_event


def _zval(level: float) -> float:
    # R: qnorm(1 - (1 - conf.int)/2), same arithmetic on the level.
    return float(ndtri(1.0 - (1.0 - level) / 2.0))


def _confint(
    surv: FloatArray, se: FloatArray, conf_type: str, level: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise limits exactly as survival's ``survfit_confint`` (logse = TRUE)."""
    if conf_type == "none":
        nan = np.full_like(surv, np.nan)
        return nan, nan.copy()
    z = _zval(level)
    p = surv
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # survfit passes std.low = std.err, so R's "scale" is se/se: 1, except
        # NaN where se is infinite (after S reaches 0) and 1 where se is 0.
        scale = np.where(se == 0, 1.0, se / se)
        if conf_type == "plain":
            se2 = se * p * z
            return np.maximum(p - se2 * scale, 0.0), np.minimum(p + se2, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            se2 = z * se
            lo = np.exp(np.log(xx) - se2 * scale)
            return lo, np.minimum(np.exp(np.log(xx) + se2), 1.0)
        if conf_type == "log-log":
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            se2 = z * se / np.log(xx)
            base = np.log(-np.log(xx))
            return np.exp(-np.exp(base - se2 * scale)), np.exp(-np.exp(base + se2))
        if conf_type == "logit":
            xx = np.where(p == 0, np.nan, p)
            se2 = z * se * (1 + xx / (1 - xx))
            base = np.log(p / (1 - p))
            lo = 1 - 1 / (1 + np.exp(base - se2 * scale))
            return lo, 1 - 1 / (1 + np.exp(base + se2))
        # arcsin
        xx = np.where(p == 0, np.nan, p)
        se2 = 0.5 * z * se * np.sqrt(xx / (1 - xx))
        base = np.arcsin(np.sqrt(xx))
        lo = np.sin(np.maximum(0.0, base - se2 * scale)) ** 2
        return lo, np.sin(np.minimum(np.pi / 2, base + se2)) ** 2


# ---------------------------------------------------------------- quantiles, R


def _quantile_r(fit: KaplanMeierResult, p: float) -> SurvivalQuantile:
    # quantile.survfit: each curve gets a leading (start.time = 0, S = 1) point.
    x = np.concatenate(([0.0], fit.time))

    def on(curve: FloatArray) -> float:
        return _findq(x, np.concatenate(([0.0], 1.0 - curve)), p, QUANTILE_TOLERANCE)

    estimate = on(fit.survival)
    if fit.conf_type == "none":
        ci = ConfidenceInterval(math.nan, math.nan)
    else:
        ci = ConfidenceInterval(on(fit.lower), on(fit.upper))
    return SurvivalQuantile(p=p, estimate=estimate, ci=ci, rule="r")


def _findq(x: FloatArray, y: FloatArray, p: float, tol: float) -> float:
    """Where a horizontal line at ``p`` meets the step curve ``y`` (R's ``findq``).

    ``y`` is 1 - S(t) (or 1 - a confidence limit), ``nan`` where R has NA.
    A stretch flat at ``p`` within ``tol`` gives the midpoint of the stretch;
    a flat at the very end of the curve uses the last time as its end.
    """
    finite = ~np.isnan(y)
    if not finite.any() or y[finite].max() < p:
        return math.nan
    xmax = float(x[-1])
    # duplicated(): later repeats of a level (censoring rows) are dropped, the
    # first time the curve reaches a level is kept.  NaNs count as one value.
    _, first = np.unique(y, return_index=True, equal_nan=True)
    keep = np.sort(first)
    x, y = x[keep], y[keep]
    last = float(y[-1])
    ok = ~np.isnan(y)
    # approx() drops NA pairs and orders by the level; confidence curves need
    # not be monotone, so the order matters there.
    order = np.argsort(y[ok], kind="stable")
    xs, ys = x[ok][order], y[ok][order]
    i1 = _approx_constant_index(ys + tol, p)
    i2 = _approx_constant_index(ys - tol, p)
    quant = math.nan if i1 < 0 or i2 < 0 else (float(xs[i1]) + float(xs[i2])) / 2
    if p == 0:
        quant = float(x[0])
    if not math.isnan(last) and abs(p - last) < tol:
        quant = math.nan if i1 < 0 else (float(xs[i1]) + xmax) / 2
    return quant


def _approx_constant_index(levels: FloatArray, p: float) -> int:
    """R ``approx(levels, seq_along(levels), p, method="constant", f=1)``, 0-based; -1 for NA.

    ``levels`` is sorted; outside its range the answer is NA (rule = 1),
    inside it is the first level >= p.
    """
    if p < levels[0] or p > levels[-1]:
        return -1
    return int(np.searchsorted(levels, p, side="left"))


# -------------------------------------------------------------- quantiles, SAS


def _g_statistic(surv: FloatArray, se: FloatArray, target: float, conf_type: str) -> FloatArray:
    """(g(S) - g(1 - p)) / (g'(S) sigma(S)) for LIFETEST's CONFTYPE transform g."""
    s = surv
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            g, g0, dg = s, target, np.ones_like(s)
        elif conf_type == "log":
            g, g0, dg = np.log(s), math.log(target), 1 / s
        elif conf_type == "log-log":
            g, g0 = np.log(-np.log(s)), math.log(-math.log(target))
            dg = 1 / (s * np.log(s))
        elif conf_type == "logit":
            g, g0 = np.log(s / (1 - s)), math.log(target / (1 - target))
            dg = 1 / (s * (1 - s))
        else:  # arcsin
            g, g0 = np.arcsin(np.sqrt(s)), math.asin(math.sqrt(target))
            dg = 1 / (2 * np.sqrt(s * (1 - s)))
        return np.asarray((g - g0) / (dg * se), dtype=np.float64)


def _quantile_sas(fit: KaplanMeierResult, p: float) -> SurvivalQuantile:
    nan_ci = ConfidenceInterval(math.nan, math.nan)
    events = fit.n_event > 0
    t = np.asarray(fit.time[events])
    s = np.asarray(fit.survival[events])
    se = np.asarray(fit.std_err[events])
    target = 1.0 - p
    tol = QUANTILE_TOLERANCE

    # q_p = min{t_j : S(t_j) < 1 - p}; when S(t_j) equals 1 - p (within
    # round-off) from t_j to t_{j+1}, q_p = (t_j + t_{j+1}) / 2.
    estimate = math.nan
    below = np.flatnonzero(s < target - tol)
    flat = np.flatnonzero(np.abs(s - target) < tol)
    if flat.size and flat[0] + 1 < t.size:
        estimate = (float(t[flat[0]]) + float(t[flat[0] + 1])) / 2
    elif below.size:
        estimate = float(t[below[0]])

    if fit.conf_type == "none" or target <= 0.0 or target >= 1.0:
        return SurvivalQuantile(p=p, estimate=estimate, ci=nan_ci, rule="sas")
    # Brookmeyer-Crowley: event times t_j with |stat| <= z form the interval
    # [t_first, t_next) where t_next is the event time after the last one in
    # the set (missing when that last one is the final event time).
    stat = _g_statistic(s, se, target, fit.conf_type)
    inside = np.flatnonzero(np.abs(stat) <= _zval(fit.conf_level))
    if inside.size == 0:
        return SurvivalQuantile(p=p, estimate=estimate, ci=nan_ci, rule="sas")
    low = float(t[inside[0]])
    nxt = inside[-1] + 1
    high = float(t[nxt]) if nxt < t.size else math.nan
    return SurvivalQuantile(p=p, estimate=estimate, ci=ConfidenceInterval(low, high), rule="sas")


# ------------------------------------------------------------------- checks


def _check_probability(p: object) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"p must be a number in [0, 1]; got {type(p).__name__}")
    prob = float(p)
    if not (0.0 <= prob <= 1.0):
        raise InputError(f"p must be in the closed interval [0, 1]; got {shown(p)}")
    return prob


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be True or False; got {shown(value)}")
