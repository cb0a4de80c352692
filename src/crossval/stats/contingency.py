"""Tests of independence for two-way tables of counts: Fisher, Pearson, G.

``fisher_exact`` follows R ``fisher.test``: the 2x2 p-value, conditional
maximum-likelihood odds ratio and its conditional confidence interval come
from the noncentral hypergeometric distribution; larger tables get the exact
p-value from the network algorithm (Mehta & Patel 1983, 1986) in
``fisher_network``. ``chi2_test`` and ``g_test`` are the asymptotic Pearson
and likelihood-ratio tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from crossval.errors import InputError, InputTypeError
from crossval.stats._validate import as_count, check_conf_level, check_option, frozen_array, shown
from crossval.stats.fisher_network import FISHER_MAX_WORK, fisher_rxc_pvalue
from crossval.stats.fisher_simulated import fisher_rxc_simulated
from crossval.stats.interval import ConfidenceInterval

__all__ = [
    "ALTERNATIVES",
    "CHI2_WARNING",
    "Chi2Result",
    "FisherResult",
    "GTestResult",
    "chi2_test",
    "fisher_exact",
    "g_test",
]

ALTERNATIVES = ("two-sided", "less", "greater")
CHI2_WARNING = "Chi-squared approximation may be incorrect"

# R fisher.test (2x2): outcomes whose density is within this factor of the
# observed one count as "as extreme", so rounding cannot split exact ties.
_R_REL_ERR = 1.0 + 1e-7
# The conditional MLE and confidence limits are solved in log(odds ratio)
# to this tolerance (R's uniroot stops at about 1.2e-4 on its own scale).
_LOG_OR_XTOL = 1e-13
_RTOL = 4.0 * float(np.finfo(float).eps)

#: Largest number of possible top-left counts of a 2x2 table (memory for the
#: conditional distribution; R allocates the same vector and has no limit).
FISHER_2X2_MAX_SUPPORT = 20_000_000
# Weights more than this far (in log) below the largest are exactly 0 once
# exponentiated against it (exp(-745) is the smallest subnormal): left out.
_SPAN_CUT = 800.0

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FisherResult:
    """R ``fisher.test``; the odds-ratio fields are None for tables larger than 2x2."""

    p_value: float
    odds_ratio: float | None
    sample_odds_ratio: float | None
    or_ci: ConfidenceInterval | None
    alternative: str
    conf_level: float


@dataclass(frozen=True)
class Chi2Result:
    """R ``chisq.test``; ``warning`` is R's warning text when any expected count is below 5."""

    statistic: float
    df: int
    p_value: float
    expected: FloatArray
    correction: bool
    warning: str | None


@dataclass(frozen=True)
class GTestResult:
    """Likelihood-ratio chi-square test of independence."""

    statistic: float
    df: int
    p_value: float


# --------------------------------------------------------------------------
# table checks


def _as_table(table: Any) -> IntArray:
    """A 2-d table of non-negative whole counts with at least 2 rows and 2 columns."""
    if isinstance(table, (str, bytes)):
        raise InputTypeError("table must be a 2-d array of counts; got a string")
    try:
        arr = np.asarray(table)
    except (TypeError, ValueError) as exc:  # ragged rows
        raise InputTypeError(
            f"table must be a 2-d array of counts with equal-length rows: {exc}"
        ) from None
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(
            f"table must hold counts (integers or whole-valued floats); got dtype {arr.dtype}"
        )
    if arr.ndim != 2:
        raise InputError(f"table must be 2-dimensional; got an array of shape {arr.shape}")
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise InputError(f"table must have at least 2 rows and 2 columns; got shape {arr.shape}")
    values = arr.astype(np.float64)
    if np.isnan(values).any():
        raise InputError("table must not contain NaN (missing counts are not allowed)")
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(
            f"table must hold non-negative whole numbers; table[{i}][{j}] is {shown(arr[i, j])}"
        )
    if values.max() >= 2.0**53:
        raise InputError("table counts must be below 2**53 so that they are exact")
    return values.astype(np.int64)


def _check_margins(counts: IntArray) -> None:
    # Pearson's and the G statistic divide by expected counts, which are zero
    # along an empty row or column (R's chisq.test then returns NaN).
    total = int(counts.sum())
    if total == 0:
        raise InputError("table has no counts (all cells are 0); at least one must be positive")
    for axis, label in ((1, "row"), (0, "column")):
        empty = np.flatnonzero(counts.sum(axis=axis) == 0)
        if empty.size:
            raise InputError(
                f"table has an empty {label} ({label} {int(empty[0])} sums to 0), so an "
                f"expected count is 0 and the statistic is undefined (R returns NaN); "
                f"drop the empty {label}"
            )


# --------------------------------------------------------------------------
# 2x2: conditional (noncentral hypergeometric) inference


def _logsumexp(v: FloatArray) -> float:
    """``scipy.special.logsumexp`` of a 1-d array, in the same arithmetic, without its overhead.

    scipy's array-API layer costs ~0.2 ms a call, and one 2x2 table's interval
    and MLE searches make ~70 calls: most of the table's time.  Same steps as
    scipy: the maxima are taken out of the sum, which is divided by their count.
    """
    top = float(v.max())
    if not np.isfinite(top):
        return float(special.logsumexp(v))
    at_top = v == top
    count = np.float64(np.count_nonzero(at_top))
    terms = np.exp(v - top)
    terms[at_top] = 0.0
    total = terms.sum()
    if total != 0:
        total = total / count
    return float(np.log1p(total) + np.log(count) + top)


class _Hyper2x2:
    """Conditional distribution of the top-left cell given all margins (R fisher.test)."""

    def __init__(self, counts: IntArray) -> None:
        a, b = int(counts[0, 0]), int(counts[0, 1])
        c, d = int(counts[1, 0]), int(counts[1, 1])
        m, n, k = a + c, b + d, a + b  # column 1, column 2, row 1 totals
        self.x = a
        self.lo = max(0, k - n)
        self.hi = min(k, m)
        if self.hi - self.lo >= FISHER_2X2_MAX_SUPPORT:
            raise InputError(
                f"table counts are too large for the exact conditional distribution "
                f"({self.hi - self.lo + 1:,} possible top-left counts, limit "
                f"{FISHER_2X2_MAX_SUPPORT:,}); use chi2_test for an asymptotic p-value"
            )
        self.support = np.arange(self.lo, self.hi + 1, dtype=np.float64)
        # Central hypergeometric log densities up to a constant, by the ratio
        # d(s+1)/d(s) = (m-s)(k-s) / ((s+1)(n-k+s+1)); summing log ratios
        # avoids the cancellation of log-factorial differences for large N.
        s = self.support[:-1]
        steps = np.log((m - s) * (k - s)) - np.log((s + 1.0) * (n - k + s + 1.0))
        logd = np.concatenate(([0.0], np.cumsum(steps)))
        self.logd: FloatArray = logd - logd.max()
        # log d(s+1) - log d(s), decreasing in s (the distribution is log-concave)
        self._falls: FloatArray = -steps
        # Support points counted from the observed one: log_or * s then stays small,
        # so its rounding does not swamp the weights (a constant shift cancels out).
        self._offset: FloatArray = self.support - float(self.x)

    def prob(self, selected: NDArray[np.bool_]) -> float:
        """Null (odds ratio 1) probability of the selected support points."""
        # ratio of sums as R (d / sum(d)), so that selecting everything gives exactly 1
        return float(np.exp(_logsumexp(self.logd[selected]) - _logsumexp(self.logd)))

    def _span(self, log_or: float, first: int, last: int) -> tuple[int, int]:
        """Positions [i, j) of first..last where logd + log_or * s is within _SPAN_CUT of
        its largest value there.

        The weights are log-concave: they rise to one mode and fall after it, so
        the span is found by bisection on either side. The points left out weigh
        less than exp(-800) of the largest, which is exactly 0 in double
        precision: sums over the span are the sums over everything, and the
        searches cost the span (about 80 standard deviations), not the support
        (millions of points with counts of millions).
        """
        logd, support = self.logd, self._offset
        mode = int(np.searchsorted(self._falls, log_or, side="left"))
        mode = min(max(mode, first), last)
        floor = logd[mode] + log_or * support[mode] - _SPAN_CUT
        lo, hi = first, mode
        while lo < hi:
            mid = (lo + hi) // 2
            if logd[mid] + log_or * support[mid] >= floor:
                hi = mid
            else:
                lo = mid + 1
        left = lo
        lo, hi = mode, last
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if logd[mid] + log_or * support[mid] >= floor:
                lo = mid
            else:
                hi = mid - 1
        return left, lo + 1

    def _log_sum(self, log_or: float, first: int, last: int) -> float:
        i, j = self._span(log_or, first, last)
        return _logsumexp(self.logd[i:j] + log_or * self._offset[i:j])

    def mean(self, log_or: float) -> float:
        i, j = self._span(log_or, 0, self.logd.size - 1)
        w = self.logd[i:j] + log_or * self._offset[i:j]
        return self.x + float(np.dot(self._offset[i:j], np.exp(w - _logsumexp(w))))

    def log_tail(self, log_or: float, *, upper: bool) -> float:
        idx = self.x - self.lo
        last = self.logd.size - 1
        part = self._log_sum(log_or, idx, last) if upper else self._log_sum(log_or, 0, idx)
        return part - self._log_sum(log_or, 0, last)


def _solve_log_or(f: Any, increasing: bool) -> float:
    """Root of a monotone function of log(odds ratio), bracketing outward from 0."""
    lo, hi = -1.0, 1.0
    sign = 1.0 if increasing else -1.0
    while sign * f(lo) > 0.0:
        lo *= 2.0
    while sign * f(hi) < 0.0:
        hi *= 2.0
    root: float = optimize.brentq(f, lo, hi, xtol=_LOG_OR_XTOL, rtol=_RTOL, maxiter=500)
    return root


def _cond_mle(h: _Hyper2x2) -> float:
    if h.lo == h.hi:
        return float("nan")  # every odds ratio fits a table with a zero margin equally well
    if h.x == h.lo:
        return 0.0
    if h.x == h.hi:
        return float("inf")
    if h.mean(0.0) == h.x:
        return 1.0
    return float(np.exp(_solve_log_or(lambda t: h.mean(t) - h.x, increasing=True)))


def _ci_upper(h: _Hyper2x2, alpha: float) -> float:
    # Largest odds ratio with P(X <= x) >= alpha.
    if h.x == h.hi:
        return float("inf")
    log_alpha = np.log(alpha)
    return float(np.exp(_solve_log_or(lambda t: h.log_tail(t, upper=False) - log_alpha, False)))


def _ci_lower(h: _Hyper2x2, alpha: float) -> float:
    # Smallest odds ratio with P(X >= x) >= alpha.
    if h.x == h.lo:
        return 0.0
    log_alpha = np.log(alpha)
    return float(np.exp(_solve_log_or(lambda t: h.log_tail(t, upper=True) - log_alpha, True)))


def _fisher_2x2(counts: IntArray, alternative: str, level: float) -> FisherResult:
    h = _Hyper2x2(counts)
    idx = h.x - h.lo
    below = np.arange(h.logd.size) <= idx
    if alternative == "less":
        pval = h.prob(below)
        ci = ConfidenceInterval(0.0, _ci_upper(h, 1.0 - level))
    elif alternative == "greater":
        pval = h.prob(np.arange(h.logd.size) >= idx)
        ci = ConfidenceInterval(_ci_lower(h, 1.0 - level), float("inf"))
    else:
        pval = h.prob(h.logd <= h.logd[idx] + np.log(_R_REL_ERR))
        alpha = (1.0 - level) / 2.0
        ci = ConfidenceInterval(_ci_lower(h, alpha), _ci_upper(h, alpha))
    a, b = float(counts[0, 0]), float(counts[0, 1])
    c, d = float(counts[1, 0]), float(counts[1, 1])
    num, den = a * d, b * c
    sample = num / den if den > 0 else (float("inf") if num > 0 else float("nan"))
    return FisherResult(
        p_value=min(1.0, pval),
        odds_ratio=_cond_mle(h),
        sample_odds_ratio=sample,
        or_ci=ci,
        alternative=alternative,
        conf_level=level,
    )


def fisher_exact(
    table: Any,
    *,
    alternative: str = "two-sided",
    conf_level: float = 0.95,
    simulate: bool = False,
    n_sim: int = 2000,
    seed: int | None = None,
    max_work: int | None = None,
) -> FisherResult:
    """Fisher's exact test of independence, as R ``fisher.test(table)``.

    2x2 (Fisher 1935; Agresti 2013, sec. 3.5): p-values from the hypergeometric
    distribution of the top-left cell; two-sided sums the probabilities of all
    tables with density <= observed * (1 + 1e-7). ``odds_ratio`` is the
    conditional MLE (mean of the noncentral hypergeometric = observed count)
    and ``or_ci`` the conditional interval (Cornfield 1956), both as R; R
    solves them with ``uniroot``'s default tolerance (about 1.2e-4 on the odds
    ratio, or on its reciprocal when above 1), crossval to about 1e-13 in
    log(odds ratio), so R's values can differ in the 4th-5th significant digit.
    A 2x2 table with a zero margin has a one-point conditional distribution:
    p = 1, ``or_ci`` = [0, inf] as R, and ``odds_ratio`` nan (R reports 0).
    ``sample_odds_ratio`` is ad/bc (inf when only bc = 0, nan when both are 0).

    Larger tables (network algorithm, Mehta & Patel 1983, 1986): exact
    two-sided p-value over all tables with the observed margins, counting
    tables with probability <= observed * exp(3.45254e-7) -- the tolerance of
    R's FEXACT; empty rows and columns are dropped (p = 1 if fewer than 2 rows
    or columns remain). Only ``alternative="two-sided"`` is defined there, and
    the odds-ratio fields are None. A problem needing more than ``max_work``
    units of work (default ``FISHER_MAX_WORK``, read at call time: 3-4 s, and
    the time allowed grows in proportion; the knob to raise for a harder
    table, as R's ``workspace`` is) or more than about 2 GB of memory raises
    ``InputError`` before the step that would cross the limit, saying which;
    ``chi2_test`` / ``g_test`` are the asymptotic alternatives, or
    ``simulate=True``: a Monte Carlo p-value from ``n_sim`` tables drawn with
    numpy's generator seeded by ``seed`` (R's ``simulate.p.value = TRUE, B =
    n_sim``; like R, ignored for 2x2 tables).
    """
    alternative = check_option("alternative", alternative, ALTERNATIVES)
    level = check_conf_level(conf_level)
    if not isinstance(simulate, (bool, np.bool_)):
        raise InputTypeError(f"simulate must be True or False; got {simulate!r}")
    sims = as_count("n_sim", n_sim)
    if sims < 1:
        raise InputError(f"n_sim must be at least 1; got {shown(n_sim)}")
    seed_value = None if seed is None else as_count("seed", seed)
    work_limit = FISHER_MAX_WORK if max_work is None else as_count("max_work", max_work)
    if work_limit < 1:
        raise InputError(f"max_work must be a positive whole number; got {shown(max_work)}")
    counts = _as_table(table)
    if counts.shape == (2, 2):
        return _fisher_2x2(counts, alternative, level)
    if alternative != "two-sided":
        raise InputError(
            f"alternative={alternative!r} is defined only for 2x2 tables; "
            f"table has shape {counts.shape}, use alternative='two-sided'"
        )
    if simulate:
        p_value = fisher_rxc_simulated(counts, n_sim=sims, seed=seed_value)
    else:
        p_value = fisher_rxc_pvalue(counts, max_work=work_limit)
    return FisherResult(
        p_value=p_value,
        odds_ratio=None,
        sample_odds_ratio=None,
        or_ci=None,
        alternative=alternative,
        conf_level=level,
    )


# --------------------------------------------------------------------------
# asymptotic tests


def _expected(counts: IntArray) -> FloatArray:
    # R: outer(rowSums, colSums) / n, in doubles: the product of two margins of
    # a few billion each passes the int64 range
    values = counts.astype(np.float64)
    e: FloatArray = np.outer(values.sum(axis=1), values.sum(axis=0)) / values.sum()
    return e


def chi2_test(table: Any, *, correction: bool = False) -> Chi2Result:
    """Pearson's chi-square test of independence, as R ``chisq.test(table, correct=correction)``.

    X^2 = sum (|O - E| - Y)^2 / E with E = row total * column total / n and
    df = (r - 1)(c - 1) (Pearson 1900; Agresti 2013, sec. 3.2). Yates'
    correction (Yates 1934) applies only to 2x2 tables and only when
    ``correction=True``, with R's Y = min(0.5, |O - E|); the result's
    ``correction`` says whether it was applied. ``warning`` carries R's
    warning text when any expected count is below 5. Tables with an empty row
    or column raise ``InputError`` (R returns NaN).
    """
    if not isinstance(correction, (bool, np.bool_)):
        raise InputTypeError(f"correction must be True or False; got {correction!r}")
    counts = _as_table(table)
    _check_margins(counts)
    observed = counts.astype(np.float64)
    expected = _expected(counts)
    applied = bool(correction) and counts.shape == (2, 2)
    yates = min(0.5, float(np.min(np.abs(observed - expected)))) if applied else 0.0
    stat = float(np.sum((np.abs(observed - expected) - yates) ** 2 / expected))
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    return Chi2Result(
        statistic=stat,
        df=df,
        p_value=float(special.chdtrc(df, stat)),
        expected=frozen_array(expected),
        correction=applied,
        warning=CHI2_WARNING if bool((expected < 5).any()) else None,
    )


def g_test(table: Any) -> GTestResult:
    """Likelihood-ratio chi-square test of independence (G test).

    G^2 = 2 sum O log(O / E), with 0 log 0 = 0, on (r - 1)(c - 1) df
    (Agresti 2013, sec. 3.2.1; Sokal & Rohlf 2012). R has no base function;
    it equals ``2 * sum(O * log(O / E))`` over the non-zero cells with E from
    ``chisq.test(table)$expected``. Tables with an empty row or column raise
    ``InputError``.
    """
    counts = _as_table(table)
    _check_margins(counts)
    observed = counts.astype(np.float64)
    expected = _expected(counts)
    positive = observed > 0
    stat = 2.0 * float(np.sum(observed[positive] * np.log(observed[positive] / expected[positive])))
    stat = max(stat, 0.0)  # G is >= 0; rounding can leave -1e-16 for a perfectly independent table
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    return GTestResult(statistic=stat, df=df, p_value=float(special.chdtrc(df, stat)))
