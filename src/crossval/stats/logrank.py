"""The G-rho family of k-sample log-rank tests, stratified or not, as R's ``survdiff``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from crossval.errors import InputError, InputTypeError
from crossval.stats._validate import (
    as_event_array,
    as_float_array,
    as_label_array,
    check_same_length,
    frozen_array,
    shown,
)
from crossval.stats.timefix import aeq_sorted_times

FloatArray = NDArray[np.float64]

# R's solve() refuses a system whose reciprocal condition number is below
# .Machine$double.eps; crossval switches to the generalised inverse there.
_RCOND_LIMIT = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class LogRankResult:
    """survdiff's output: per-group ``observed``/``expected`` (summed over strata),
    the ``variance`` matrix of O - E, the chi-square ``statistic`` on ``df``
    degrees of freedom, and ``n``, the number of subjects in each group.
    ``groups`` holds the group labels in sorted order; every per-group array
    follows that order.  With ``rho != 0`` observed and expected are weighted
    sums, as in R.
    """

    statistic: float
    df: int
    p_value: float
    groups: NDArray[Any]
    n: NDArray[np.int64]
    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    rho: float


def logrank(
    time: Any,
    event: Any,
    group: Any,
    *,
    strata: Any = None,
    rho: float = 0.0,
    timefix: bool = True,
) -> LogRankResult:
    """k-sample log-rank (``rho = 0``) or Harrington-Fleming G-rho test.

    R equivalent: ``survdiff(Surv(time, event) ~ group + strata(strata),
    rho = rho)`` from survival 3.5.  Each death time is weighted by
    S(t-)^rho, S the pooled Kaplan-Meier curve of the stratum, left
    continuous.  Per-stratum O, E and V are summed; the statistic is
    (O - E)' V^- (O - E) over the groups with expected > 0, dropping the first
    of them as survdiff does, and ``df`` is their number minus one.  When that
    reduced variance is singular (R's ``solve`` stops with an error, e.g. when
    groups never share a risk set within any stratum) the Moore-Penrose
    inverse is used and ``df`` is the rank of the variance instead.
    References: Mantel (1966); Peto & Peto (1972) JRSS A 135:185-207;
    Harrington & Fleming (1982) Biometrika 69:553-566.
    """
    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    g = as_label_array("group", group)
    s = None if strata is None else as_label_array("strata", strata)
    check_same_length(time=t, event=e, group=g, strata=s)
    weight_power = _check_rho(rho)
    if not isinstance(timefix, (bool, np.bool_)):
        raise InputTypeError(f"timefix must be True or False; got {shown(timefix)}")

    labels, gidx = _codes("group", g)
    k = labels.size
    if k < 2:
        raise InputError(
            f"group has a single value ({labels.tolist()[0]!r}); the log-rank test needs at least "
            "two groups"
        )
    if e.sum() == 0:
        raise InputError(
            "event has no events (all 0); the log-rank test needs at least one event"
        )
    # One sort serves the time fix and every stratum: R's aeqSurv pools all
    # times, and a stable split by stratum keeps each stratum's rows sorted.
    # Each unsorted array is dropped once its sorted copy exists (peak memory).
    n_per_group = np.bincount(gidx, minlength=k)
    sidx = None if s is None else _codes("strata", s)[1]
    order = np.argsort(t)
    t = t[order]
    if timefix:
        t = aeq_sorted_times(t)
    e = e[order]
    gidx = gidx[order]
    if sidx is not None:
        sidx = sidx[order]
    del order

    obs = np.zeros(k)
    exp = np.zeros(k)
    var = np.zeros((k, k))
    if sidx is None:
        _accumulate(t, e, gidx, k, weight_power, obs, exp, var)
    else:
        by_stratum = np.argsort(sidx, kind="stable")
        bounds = np.flatnonzero(np.diff(sidx[by_stratum])) + 1
        for rows in np.split(by_stratum, bounds):
            _accumulate(t[rows], e[rows], gidx[rows], k, weight_power, obs, exp, var)

    statistic, df = _chisq(obs, exp, var)
    p_value = _chisq_upper(statistic, df)
    return LogRankResult(
        statistic=statistic,
        df=df,
        p_value=p_value,
        groups=frozen_array(labels, labels.dtype),
        n=frozen_array(n_per_group, np.int64),
        observed=frozen_array(obs),
        expected=frozen_array(exp),
        variance=frozen_array(var),
        rho=weight_power,
    )


def _accumulate(
    time: FloatArray,
    event: FloatArray,
    gidx: NDArray[np.intp],
    k: int,
    rho: float,
    obs: FloatArray,
    exp: FloatArray,
    var: FloatArray,
) -> None:
    """Add one stratum's O, E and V (survdiff2.c's sums, vectorised over times); ``time`` sorted."""
    t = time
    n = t.size
    changed = np.empty(n, dtype=bool)
    changed[0] = False
    np.not_equal(t[1:], t[:-1], out=changed[1:])
    starts = np.flatnonzero(changed)
    starts = np.concatenate(([0], starts))
    m = starts.size
    # Counts per (distinct time, group): subjects leaving the risk set there
    # and events there.  Reverse cumulative sums give the groups' risk sets.
    cell = np.cumsum(changed, dtype=np.intp)
    del changed
    cell *= k
    cell += gidx
    leaving = np.bincount(cell, minlength=m * k).reshape(m, k).astype(np.float64)
    deaths_g = np.bincount(cell, weights=event, minlength=m * k).reshape(m, k)
    risk_g = np.cumsum(leaving[::-1], axis=0)[::-1]
    n_risk = n - np.concatenate(([0.0], np.cumsum(leaving.sum(axis=1))[:-1]))
    deaths = deaths_g.sum(axis=1)

    if rho == 0.0:
        wt = np.ones(m)
    else:
        # Pooled KM just before each time (left continuous), then S(t-)^rho.
        step = (n_risk - deaths) / n_risk
        km_before = np.concatenate(([1.0], np.cumprod(step)[:-1]))
        wt = km_before**rho

    keep = deaths > 0
    wt, deaths, n_risk = wt[keep], deaths[keep], n_risk[keep]
    risk_g, deaths_g = risk_g[keep], deaths_g[keep]
    obs += (deaths_g * wt[:, None]).sum(axis=0)
    exp += ((wt * deaths)[:, None] * risk_g / n_risk[:, None]).sum(axis=0)

    # Hypergeometric variance; a time with one subject at risk adds nothing.
    multi = n_risk > 1
    w2, d, nr, r = wt[multi] ** 2, deaths[multi], n_risk[multi], risk_g[multi]
    a = w2 * d * (nr - d) / (nr * (nr - 1))
    var += np.diag((a[:, None] * r).sum(axis=0))
    var -= (r * (a / nr)[:, None]).T @ r


def _chisq(obs: FloatArray, exp: FloatArray, var: FloatArray) -> tuple[float, int]:
    used = np.flatnonzero(exp > 0)
    df = used.size - 1
    if used.size < 2:
        return 0.0, max(df, 0)
    keep = used[1:]
    diff = (obs - exp)[keep]
    v = var[np.ix_(keep, keep)]
    if _rcond(v) >= _RCOND_LIMIT:
        return float(diff @ np.linalg.solve(v, diff)), df
    return float(diff @ np.linalg.pinv(v, hermitian=True) @ diff), int(
        np.linalg.matrix_rank(v, hermitian=True)
    )


def _rcond(v: FloatArray) -> float:
    norm = np.linalg.norm(v, 1)
    if norm == 0 or not np.all(np.isfinite(v)):
        return 0.0
    try:
        inv = np.linalg.inv(v)
    except np.linalg.LinAlgError:
        return 0.0
    return float(1.0 / (norm * np.linalg.norm(inv, 1)))


def _chisq_upper(statistic: float, df: int) -> float:
    if df == 0:
        # One group with expected events: no comparison is possible and the
        # statistic is 0; R's pchisq(0, df = 0, lower.tail = FALSE) gives 1.
        return 1.0
    return float(chi2.sf(statistic, df))


def _codes(name: str, labels: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """Sorted distinct labels and each row's index into them."""
    if labels.dtype.kind == "f" and labels.size and np.array_equal(labels, np.round(labels)):
        # whole-valued floats (0.0/1.0 arms) take the counting pass below too
        low_f, high_f = float(labels.min()), float(labels.max())
        # below 2**52 in magnitude the shift to 0-based codes is exact
        if max(abs(low_f), abs(high_f)) < 2.0**52 and high_f - low_f <= 4 * labels.size:
            uniq_i, codes = _codes(name, (labels - low_f).astype(np.intp))
            return uniq_i.astype(labels.dtype) + labels.dtype.type(low_f), codes
    if labels.dtype.kind in "biu":
        # Integer codes over a small range: a counting pass, no sort.
        low, high = int(labels.min()), int(labels.max())
        if high - low <= 4 * labels.size:
            shifted = labels.astype(np.intp) - low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            position = np.cumsum(present) - 1
            uniq = (np.flatnonzero(present) + low).astype(labels.dtype)
            return uniq, position[shifted].astype(np.intp)
    try:
        uniq, codes = np.unique(labels, return_inverse=True)
    except TypeError:
        raise InputTypeError(
            f"{name} labels must be mutually comparable (all numbers or all strings)"
        ) from None
    return uniq, codes.astype(np.intp)


def _check_rho(rho: object) -> float:
    if isinstance(rho, bool) or not isinstance(rho, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"rho must be a finite number (0 = log-rank); got {shown(rho)}")
    value = float(rho)
    if not math.isfinite(value):
        raise InputError(f"rho must be a finite number (0 = log-rank); got {shown(rho)}")
    return value
