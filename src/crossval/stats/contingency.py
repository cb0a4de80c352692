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
from crossval.stats._validate import as_count, check_conf_level, check_option, frozen_array
from crossval.stats.fisher_network import (
    FISHER_MAX_WORK,
    fisher_rxc_pvalue,
    fisher_rxc_simulated,
)
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
            f"table must hold non-negative whole numbers; table[{i}][{j}] is {arr[i, j]!r}"
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

    def prob(self, selected: NDArray[np.bool_]) -> float:
        """Null (odds ratio 1) probability of the selected support points."""
        # ratio of sums as R (d / sum(d)), so that selecting everything gives exactly 1
        return float(np.exp(_logsumexp(self.logd[selected]) - _logsumexp(self.logd)))

    def log_weights(self, log_or: float) -> FloatArray:
        w = self.logd + log_or * self.support
        out: FloatArray = w - _logsumexp(w)
        return out

    def mean(self, log_or: float) -> float:
        return float(np.dot(self.support, np.exp(self.log_weights(log_or))))

    def log_tail(self, log_or: float, *, upper: bool) -> float:
        w = self.log_weights(log_or)
        idx = self.x - self.lo
        return _logsumexp(w[idx:] if upper else w[: idx + 1])


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
    the odds-ratio fields are None. Problems needing more than
    ``FISHER_MAX_WORK`` (a few seconds of work) raise ``InputError`` before
    the step that would cross it; ``chi2_test`` / ``g_test`` are the
    asymptotic alternatives, or ``simulate=True``: a Monte Carlo p-value from
    ``n_sim`` tables drawn with numpy's generator seeded by ``seed`` (R's
    ``simulate.p.value = TRUE, B = n_sim``; like R, ignored for 2x2 tables).
    """
    alternative = check_option("alternative", alternative, ALTERNATIVES)
    level = check_conf_level(conf_level)
    if not isinstance(simulate, (bool, np.bool_)):
        raise InputTypeError(f"simulate must be True or False; got {simulate!r}")
    sims = as_count("n_sim", n_sim)
    if sims < 1:
        raise InputError(f"n_sim must be at least 1; got {n_sim!r}")
    seed_value = None if seed is None else as_count("seed", seed)
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
        p_value = fisher_rxc_pvalue(counts, max_work=FISHER_MAX_WORK)
    return FisherResult(
        p_value=p_value,
        odds_ratio=None,
        sample_odds_ratio=None,
        or_ci=None,
        alternative=alternative,
        conf_level=level,
    )


# --------------------------------------------------------------------------
# r x c: exact p-value by stage-wise network enumeration
#
# fisher_exact uses fisher_network; this earlier, independent implementation
# stays as a cross-check for the tests. Both read FISHER_MAX_WORK
# (fisher_network's work limit; here it counts partial tables).
# R's FEXACT counts a table as "as extreme" when its log probability is at
# most the observed one plus this tolerance (fexact.c, TOL).
_FEXACT_TOL = 3.45254e-7
# Partial tables with the same remaining margins whose log weights agree to
# this resolution are merged (their completions are identical); far below
# _FEXACT_TOL, so merging cannot move a table across the threshold.
_MERGE_RESOLUTION = 1e-10


def _ragged_ranges(lo: IntArray, hi: IntArray) -> tuple[IntArray, IntArray]:
    """All integers lo[i]..hi[i] (inclusive), concatenated, with the owner i of each."""
    lengths = np.maximum(hi - lo + 1, 0)
    owner = np.repeat(np.arange(lo.size), lengths)
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(lo, lengths) + offsets, owner


class _Work:
    """Counts generated partial tables and stops the enumeration at the limit."""

    def __init__(self, shape: tuple[int, ...], n: int) -> None:
        self.used = 0
        self.shape = shape
        self.n = n

    def spend(self, amount: int) -> None:
        self.used += amount
        if self.used > FISHER_MAX_WORK:
            raise InputError(
                f"table of shape {self.shape} with {self.n} observations needs more than "
                f"{FISHER_MAX_WORK:,} partial tables for the exact r x c Fisher p-value "
                "(the limit keeps the run to seconds); use chi2_test or g_test for an "
                "asymptotic p-value"
            )


def _expand_row(
    states: IntArray, margin: int, lf: FloatArray, work: _Work
) -> tuple[IntArray, IntArray, FloatArray]:
    """Every way to fill the next row, given each partial table's remaining column totals.

    Returns the parent index of each child, the child's remaining column
    totals and the child's increment of log weight, -sum(log(cell!)).
    """
    m, c = states.shape
    # room left in the columns after column j: the row's cell j must leave no
    # more than that for the later cells of the row
    room_after = np.cumsum(states[:, ::-1], axis=1)[:, ::-1] - states
    parent = np.arange(m)
    rem = np.full(m, margin, dtype=np.int64)
    dlog = np.zeros(m)
    cells: list[IntArray] = []
    for j in range(c - 1):
        lo = np.maximum(0, rem - room_after[parent, j])
        hi = np.minimum(rem, states[parent, j])
        work.spend(int(np.maximum(hi - lo + 1, 0).sum()))
        v, owner = _ragged_ranges(lo, hi)
        parent, rem, dlog = parent[owner], rem[owner] - v, dlog[owner] - lf[v]
        cells = [cell[owner] for cell in cells] + [v]
    cells.append(rem)
    dlog = dlog - lf[rem]
    children = states[parent] - np.stack(cells, axis=1)
    return parent, children, dlog


def _merge(
    states: IntArray, past: FloatArray, weight: FloatArray, radix: IntArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    # Network algorithm's node sharing: identical remaining margins and equal
    # past log weight have identical futures, so keep one with summed weight.
    code = states @ radix
    key = np.round(past / _MERGE_RESOLUTION).astype(np.int64)
    order = np.lexsort((key, code))
    code, key = code[order], key[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (code[1:] != code[:-1]) | (key[1:] != key[:-1])
    starts = np.flatnonzero(first)
    return states[order[starts]], past[order[starts]], np.add.reduceat(weight[order], starts)


def _split_bounds(
    totals: IntArray, caps: IntArray, lf: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Min and max of sum(log(v!)) over splits of each total into parts v <= caps.

    log(v!) is convex, so the most even split (water-filling under the caps)
    minimises the sum and the most concentrated (greedy, largest cap first)
    maximises it.
    """
    m, k = caps.shape
    asc = np.sort(caps, axis=1)
    rem = totals.copy()
    low = np.zeros(m)
    done = np.zeros(m, dtype=bool)
    top = lf.size - 1
    for j in range(k):
        parts = k - j
        q = rem // parts
        full = ~done & (asc[:, j] <= q)
        low += np.where(full, lf[asc[:, j]], 0.0)
        rem = np.where(full, rem - asc[:, j], rem)
        even = ~done & ~full
        extra = rem % parts
        low += np.where(
            even,
            (parts - extra) * lf[np.minimum(q, top)] + extra * lf[np.minimum(q + 1, top)],
            0.0,
        )
        done |= even
    rem = totals.copy()
    high = np.zeros(m)
    for j in range(k - 1, -1, -1):
        v = np.minimum(asc[:, j], rem)
        high += lf[v]
        rem = rem - v
    return low, high


def _completion_bounds(
    states: IntArray, rows_left: IntArray, lf: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Bounds on the log weight -sum(log(cell!)) of any completion of each partial table.

    Each bound relaxes the table to its rows alone (each row split under the
    column totals) and to its columns alone; the tighter of the two is kept.
    """
    m = states.shape[0]
    row_low = np.zeros(m)
    row_high = np.zeros(m)
    for r in rows_left:
        lo, hi = _split_bounds(np.full(m, r, dtype=np.int64), states, lf)
        row_low += lo
        row_high += hi
    col_low = np.zeros(m)
    col_high = np.zeros(m)
    caps = np.broadcast_to(rows_left, (m, rows_left.size))
    for j in range(states.shape[1]):
        lo, hi = _split_bounds(states[:, j], caps, lf)
        col_low += lo
        col_high += hi
    best = -np.maximum(row_low, col_low)
    worst = -np.minimum(row_high, col_high)
    return best, worst


def _unique_states(states: IntArray, radix: IntArray) -> tuple[IntArray, IntArray]:
    """Distinct rows of ``states`` and, for each input row, the index of its distinct row."""
    _, first, owner = np.unique(states @ radix, return_index=True, return_inverse=True)
    return states[first], owner.ravel()


def _segments(group: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """Start and length of each group's run in an array sorted by group."""
    ids = np.arange(n_groups)
    start = np.searchsorted(group, ids, side="left")
    return start, np.searchsorted(group, ids, side="right") - start


def _count_at_most(
    group: IntArray, key: FloatArray, seg_start: IntArray, owner: IntArray, limit: FloatArray
) -> IntArray:
    """For each query (group ``owner[i]``, ``limit[i]``): how many keys of its group are <= limit.

    ``group``/``key`` must be sorted by (group, key). Both lists are merged by
    (group, value) with keys before queries on ties, so the count is exact.
    """
    is_query = np.concatenate((np.zeros(key.size, dtype=bool), np.ones(limit.size, dtype=bool)))
    merged = np.lexsort(
        (is_query, np.concatenate((key, limit)), np.concatenate((group, owner)))
    )
    keys_before = np.cumsum(~is_query[merged])
    query_rows = is_query[merged]
    count = np.empty(limit.size, dtype=np.int64)
    count[merged[query_rows] - key.size] = keys_before[query_rows]
    out: IntArray = count - seg_start[owner]
    return out


def _prefix_sums(
    group: IntArray, log_terms: FloatArray, seg_start: IntArray, seg_len: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Per group, the running sums of exp(log_terms) in stored order, scaled by exp(-shift).

    A padded (groups x longest group) grid keeps every group's cumulative sum
    separate, so a small prefix is never the difference of two large sums.
    """
    width = int(seg_len.max())
    shift = np.maximum.reduceat(log_terms, seg_start)
    grid = np.zeros((seg_start.size, width))
    grid[group, np.arange(group.size) - seg_start[group]] = np.exp(log_terms - shift[group])
    return shift, np.cumsum(grid, axis=1)


def _settle_stage(
    states: IntArray,
    past: FloatArray,
    weight: FloatArray,
    margin: int,
    rows_left: IntArray,
    lf: FloatArray,
    threshold: float,
    radix: IntArray,
    work: _Work,
) -> tuple[FloatArray, IntArray, FloatArray, FloatArray]:
    """Fill one more row; settle what the bounds allow; return the rest as open partial tables.

    A partial table's children depend only on its remaining column totals,
    so they are generated once per distinct state, each with g = its log
    weight increment plus the most probable completion (all completions
    count when past + g <= threshold) and h = the same with the least
    probable completion (none count when past + h > threshold). Children are
    sorted by g within each state, so the settled children of a partial table
    are a prefix, summed from prefix sums, and its open children lie in the
    suffix.
    """
    uniq, owner = _unique_states(states, radix)
    parent, child, step = _expand_row(uniq, margin, lf, work)
    # charge the sorting and the prefix-sum grid before doing them
    work.spend(parent.size + uniq.shape[0] * int(np.bincount(parent).max()))
    child_states, child_of = _unique_states(child, radix)
    best, worst = _completion_bounds(child_states, rows_left, lf)
    # log of the summed weights of all completions: (sum S)! / (prod R! prod S!)
    total = (
        lf[child_states.sum(axis=1)]
        - float(lf[rows_left].sum())
        - lf[child_states].sum(axis=1)
    )
    g = step + best[child_of]
    order = np.lexsort((g, parent))
    parent, g, step, child_of = parent[order], g[order], step[order], child_of[order]
    h = step + worst[child_of]
    seg_start, seg_len = _segments(parent, uniq.shape[0])
    limit = threshold - past
    count = _count_at_most(parent, g, seg_start, owner, limit)
    shift, prefix = _prefix_sums(parent, step + total[child_of], seg_start, seg_len)
    some = count > 0
    settled: FloatArray = (
        np.log(weight[some])
        + past[some]
        + shift[owner[some]]
        + np.log(prefix[owner[some], count[some] - 1])
    )
    lo = seg_start[owner] + count
    hi = seg_start[owner] + seg_len[owner] - 1
    work.spend(int(np.maximum(hi - lo + 1, 0).sum()))
    pos, item = _ragged_ranges(lo, hi)
    keep = h[pos] <= limit[item]
    pos, item = pos[keep], item[keep]
    new_states, new_past, new_weight = _merge(
        child_states[child_of[pos]], past[item] + step[pos], weight[item], radix
    )
    return settled, new_states, new_past, new_weight


def _settle_last_two(
    states: IntArray,
    past: FloatArray,
    weight: FloatArray,
    margin: int,
    lf: FloatArray,
    threshold: float,
    radix: IntArray,
    work: _Work,
) -> FloatArray:
    """Log contributions of the partial tables that have two rows left to fill.

    With two rows left a completion is fixed by the next row, so each
    distinct state's completions are listed once, sorted by their log weight
    b, and each partial table (past log weight a) takes the prefix with
    a + b <= threshold.
    """
    uniq, owner = _unique_states(states, radix)
    parent, last_row, step = _expand_row(uniq, margin, lf, work)
    work.spend(parent.size + uniq.shape[0] * int(np.bincount(parent).max()))
    b = step - lf[last_row].sum(axis=1)
    order = np.lexsort((b, parent))
    parent, b = parent[order], b[order]
    seg_start, seg_len = _segments(parent, uniq.shape[0])
    count = _count_at_most(parent, b, seg_start, owner, threshold - past)
    shift, prefix = _prefix_sums(parent, b, seg_start, seg_len)
    some = count > 0
    out: FloatArray = (
        np.log(weight[some])
        + past[some]
        + shift[owner[some]]
        + np.log(prefix[owner[some], count[some] - 1])
    )
    return out


def _fisher_rxc_pvalue(counts: IntArray) -> float:
    """Exact p-value of an r x c table: sum of P(table) over tables no more probable than observed.

    P(table) = prod(row!) prod(col!) / (n! prod(cell!)). Rows are filled one
    at a time (Mehta & Patel 1983): a partial table is a node whose future
    depends only on its remaining column totals. A node is settled without
    enumeration when even its most probable completion is no more probable
    than the observed table (all of its completions count; their total has a
    closed form) or its least probable completion is more probable (none
    count); only the others are expanded (``_settle_stage``), and the last
    two rows are settled exactly by a sorted merge (``_settle_last_two``).
    """
    t = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    if t.shape[1] > t.shape[0]:
        t = t.T  # fewer columns means fewer ways to fill each row
    t = t[np.argsort(t.sum(axis=1), kind="stable")]
    rows = t.sum(axis=1)
    cols = t.sum(axis=0)
    n = int(rows.sum())
    lf = special.gammaln(np.arange(n + 2, dtype=np.float64) + 1.0)
    threshold = -float(lf[t].sum()) + _FEXACT_TOL
    log_const = float(lf[rows].sum() + lf[cols].sum() - lf[n])
    radix = np.cumprod(np.concatenate(([1], cols[:-1] + 1))).astype(np.int64)
    work = _Work(counts.shape, n)

    states = cols[None, :].astype(np.int64)
    past = np.zeros(1)
    weight = np.ones(1)
    settled: list[FloatArray] = []
    for k in range(rows.size - 2):
        if states.shape[0] == 0:
            break
        done, states, past, weight = _settle_stage(
            states, past, weight, int(rows[k]), rows[k + 1 :], lf, threshold, radix, work
        )
        settled.append(done)
    if states.shape[0]:
        settled.append(
            _settle_last_two(states, past, weight, int(rows[-2]), lf, threshold, radix, work)
        )
    pieces = np.concatenate(settled) if settled else np.zeros(0)
    if pieces.size == 0:
        return 0.0
    return float(min(1.0, max(0.0, np.exp(log_const + special.logsumexp(pieces)))))


# --------------------------------------------------------------------------
# asymptotic tests


def _expected(counts: IntArray) -> FloatArray:
    # R: outer(rowSums, colSums) / n
    n = float(counts.sum())
    e: FloatArray = np.outer(counts.sum(axis=1), counts.sum(axis=0)).astype(np.float64) / n
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
