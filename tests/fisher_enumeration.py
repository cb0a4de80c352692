"""An independent exact r x c Fisher p-value, kept for the tests as a cross-check.

crossval's ``fisher_exact`` uses the network algorithm in
``crossval.stats.fisher_network``. This stage-wise enumeration (Mehta & Patel
1983) was written separately and agrees with it to ~1e-12; it lives with the
tests, not in the package, because nothing but the tests calls it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from crossval.errors import InputError
from crossval.stats.fisher_network import FISHER_MAX_WORK

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------
# r x c: exact p-value by stage-wise network enumeration
#
# fisher_exact uses crossval.stats.fisher_network; this earlier, independent
# implementation is the tests' cross-check. It reads FISHER_MAX_WORK
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


def _prefix_logs(
    weight: FloatArray,
    past: FloatArray,
    owner: IntArray,
    count: IntArray,
    shift: FloatArray,
    prefix: FloatArray,
) -> FloatArray:
    """Log contribution of each partial table whose first ``count`` completions count."""
    some = count > 0
    out: FloatArray = (
        np.log(weight[some])
        + past[some]
        + shift[owner[some]]
        + np.log(prefix[owner[some], count[some] - 1])
    )
    return out


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
    settled = _prefix_logs(weight, past, owner, count, shift, prefix)
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
    return _prefix_logs(weight, past, owner, count, shift, prefix)


def fisher_rxc_pvalue_enumerated(counts: IntArray) -> float:
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
