"""Exact p-value of Fisher's test for r x c tables by the network algorithm.

R ``fisher.test(table)`` for tables larger than 2x2 (its FEXACT routine).
Tables with the observed margins are built one row at a time (Mehta & Patel
1983, 1986): once some rows are filled, what is left to choose depends only
on the remaining column totals, so partial tables are nodes of a network and
all partial tables at one node share their completions. As in FEXACT the
nodes are totals of the shorter side (rows are the stages), sorted, since
columns are exchangeable. A partial table is settled without enumeration
when even its most probable completion is no more probable than the observed
table (all of its completions count; their total probability has a closed
form) or its least probable completion is more probable (none count); only
the rest are expanded, and partial tables with equal node and past
probability are merged (by hashing; where they repeat, as with small counts,
already while they are generated). The arcs of a node that settle alike
for all of its partial tables (most of them, with large counts) are summed
once per node; only the band between is settled table by table. With three
columns a stage's arcs are made and settled in chunks, their children read
from a grid of unsorted remainders, and of each run of arcs (the first cell
fixed) only the interval where a completion could be more probable than the
observed table is made: the rest counts for every partial table at the node
and is the run's closed-form total minus that interval (``fisher_slices``).
The bounds on the longest and shortest remaining path are cheap relaxations
(Mehta & Patel 1986; Clarkson, Fan & Joe 1993); the last two rows are
settled exactly, from sorted lists of each node's completions or, with three
columns, from closed-form slice totals: a slice the completions more
probable than the limit do not reach counts whole, and one they reach gives
its total minus them or the rest of it listed. Partial tables with two rows
left that would not fit in memory at once (they hardly repeat) are settled
in chunks as they are made, so only the work limit stops a problem that fits
in memory a chunk at a time.

The pieces live in their own modules: the arcs and the work budget in
``fisher_splits``, the path bounds in ``fisher_bounds``, the merging of
equal keys in ``fisher_hashing``, the closed forms along runs and slices in
``fisher_slices``; the Monte Carlo path (R's ``simulate.p.value``) is
``fisher_simulated``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import special

from crossval.errors import InputError
from crossval.stats.fisher_bounds import path_bounds
from crossval.stats.fisher_hashing import representatives
from crossval.stats.fisher_slices import (
    Slices,
    above_interval,
    dual_bound,
    node_log_totals,
    refine_mode,
    run_log_totals,
)
from crossval.stats.fisher_splits import (
    MAX_ITEMS,
    Chunk,
    ChunkValues,
    Outside,
    OverBudget,
    Runs3,
    Work,
    common_sums,
    count_splits3,
    ragged,
    sorted_desc,
    splits,
    three_columns,
)

__all__ = ["FISHER_MAX_WORK", "fisher_rxc_pvalue"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
_Item = TypeVar("_Item", bound=np.generic)

#: Work limit of one exact r x c p-value, in units of about 2-3 ns (an arc
#: generated and settled is charged 20 units per column, an open pair 10 and
#: its merge 20-50): 3-4 s. A problem that would need more raises
#: ``InputError`` before the step that would cross the limit.
FISHER_MAX_WORK = 1_500_000_000

# R's FEXACT counts a table as "as extreme" when its log probability is at
# most the observed one plus this tolerance (fexact.c, TOL).
_FEXACT_TOL = 3.45254e-7
# Partial tables at the same node whose past log weights agree to this
# resolution are merged (their completions are identical). Far below
# _FEXACT_TOL, and at the rounding level of sums of log-factorials.
_MERGE_RESOLUTION = 1e-10
# Work charged per arc of a stage (generating it, finding its node, bounds,
# settling) and per completion listed for the last two rows (and sorting
# it), per column.
_STAGE_UNIT = 20
_LIST_UNIT = 2
# With three columns a listed completion is also summed into its node's
# common mass at once (``settle3``), and each entry's share of that is
# counted on its own (limits, log contributions).
_LIST3_UNIT = 15
_ENTRY_UNIT = 20
# Open (entry, arc) pairs are merged into entries whenever this many are
# held: with small counts most pairs repeat a (node, past) already held (a
# 5 x 5 table of 55 observations: 4.9 million pairs, 66 thousand entries),
# so memory stays bounded and the last two rows see only distinct entries.
_FOLD_AT = 1 << 21
# Folding stops for the stage once a fold keeps more than this share of its
# pairs (a merge costs more than the entries it removes would).
_FOLD_KEEP = 0.25
# In the stage that leaves two rows, open pairs and folded entries are
# settled against the last two rows whenever more than this many are held,
# so that what would not fit in memory is still computed, within the work
# limit. Settling in chunks costs more than settling all at once (each chunk
# sets up its nodes again: about 10% more work for the last two rows of a
# 5 x 3 table of N = 448 in two chunks), so only what would not fit is
# streamed (a step adds at most _FOLD_AT pairs before the memory check).
_STREAM_AT = MAX_ITEMS - _FOLD_AT
# The last two rows are settled from cores only for nodes whose completion
# lists would be at least this long (shorter lists are cheap and exact to
# rounding), and only while the bound on the cores' rounding error stays
# below _CORE_RTOL of the p-value (else they are settled from lists).
_CORE_MIN_LIST = 2048
_CORE_RTOL = 1e-10
# Measured cost of settling an entry from its core, in list entries: finding
# the slices its core reaches, and each slice reached.
_CORE_ENTRY_COST = 10.0
_CORE_SLICE_COST = 5.0
# A core is subtracted from its slice's total only where the slice's peak is
# at most this far above the limit (in log). A slice's weights fall below
# e**-3 of the peak a couple of standard deviations out, so the limit then
# usually leaves a fair share of the slice and the difference loses a digit
# or two (``run`` checks a bound on it all the same). Deeper, what is left
# is a sliver whose difference would keep little but rounding: it is listed.
_CORE_DEPTH = 3.0
# Nodes with fewer arcs than this many per entry are not split into common
# arcs and a band.
_BAND_RATIO = 4
# A three-column step with at least this many arcs lists only the arcs of
# each run that a completion more probable than the observed table could
# pass through, and takes the rest from closed-form run totals (smaller
# steps are cheap to list whole).
_NARROW_MIN_ARCS = 1 << 12
# Node keys are looked up in a dense table when it has at most this many slots.
_DENSE_KEYS = 1 << 22
# A node with many partial tables has its arcs sorted once; nodes with at most
# this many arcs share one padded grid, longer ones are sorted one by one.
_SHORT_SEGMENT = 512


def _too_large(shape: tuple[int, int], n: int, limit: int, memory: bool) -> InputError:
    where = f"table of shape {shape} with {n} observations"
    others = (
        "use fisher_exact(table, simulate=True) for a Monte Carlo p-value, or chi2_test or "
        "g_test for an asymptotic one"
    )
    if memory:
        return InputError(
            f"{where} needs more memory for the exact r x c Fisher p-value than crossval "
            f"allows (more than {MAX_ITEMS:,} partial tables at once, about 2 GB); a larger "
            f"max_work does not lift that limit: {others}"
        )
    return InputError(
        f"{where} needs more work for the exact r x c Fisher p-value than max_work = "
        f"{limit:,} units (the default, FISHER_MAX_WORK = {FISHER_MAX_WORK:,}, is 3-4 s; "
        f"time grows in proportion): pass fisher_exact(table, max_work=...) a larger "
        f"limit, or {others}"
    )


class _Arcs:
    """The arcs (ways to fill the next row) of a set of nodes, grouped by node.

    Node u owns arcs ``start[u]:start[u] + length[u]``. For an entry at u with
    ``limit = threshold - past``, an arc with ``g <= limit`` has all its
    completions counted (log mass ``m``), one with ``h > limit`` none.
    """

    def __init__(
        self, length: IntArray, g: FloatArray, h: FloatArray | None, m: FloatArray
    ) -> None:
        self.length = length
        self.start: IntArray = np.cumsum(self.length) - self.length
        self.g = g
        self.h: FloatArray = g if h is None else h  # None: given by ``settle``'s h_of
        self.m = m


@dataclass
class _Entries:
    """Partial tables (or several merged ones): node, past log weight, multiplicity."""

    owner: IntArray
    past: FloatArray
    weight: FloatArray


#: Open (entry, arc) pairs to entries of the next stage, merged by hashing
#: (``_Network.merge`` with ``only_by_hash``) if the flag is set.
_Fold = Callable[[IntArray, IntArray, bool], _Entries]


@dataclass
class _Settled:
    """Log contributions to the p-value sum, and the open (entry, arc) pairs.

    With ``fold`` set, held pairs are merged into entries of the next stage
    (``folded``) whenever more than ``_FOLD_AT`` are held, while ``folding``
    (it stops once few pairs repeat). With ``flush`` also set (the stage that
    leaves two rows), whatever is held past ``_STREAM_AT`` is made entries
    and handed to it to settle at once. ``n_open`` counts what is held, for
    the memory limit; ``pairs`` counts every open pair.
    """

    pieces: list[FloatArray] = field(default_factory=list)
    items: list[IntArray] = field(default_factory=list)
    arcs: list[IntArray] = field(default_factory=list)
    n_open: int = 0
    fold: _Fold | None = None
    folding: bool = True
    flush: Callable[[_Entries], None] | None = None
    folded: list[_Entries] = field(default_factory=list)
    held: int = 0
    pairs: int = 0

    def hold(self, items: IntArray, arcs: IntArray) -> None:
        """Keep open pairs; merge what is held past ``_FOLD_AT``, flush it past ``_STREAM_AT``."""
        self.items.append(items)
        self.arcs.append(arcs)
        self.held += items.size
        self.pairs += items.size
        if self.fold is None or self.held <= _FOLD_AT:
            return
        if self.folding:
            merged = self.fold(np.concatenate(self.items), np.concatenate(self.arcs), True)
            if merged.past.size > _FOLD_KEEP * self.held:
                self.folding = False  # few pairs repeat: folding would cost more than it saves
            self.folded.append(merged)
            self.items, self.arcs, self.held = [], [], 0
        self.n_open = sum(f.past.size for f in self.folded) + self.held
        if self.flush is None or self.n_open <= _STREAM_AT:
            return
        if self.held:
            # held since folding stopped: mostly distinct, so not merged
            self.folded.append(
                self.fold(np.concatenate(self.items), np.concatenate(self.arcs), False)
            )
            self.items, self.arcs, self.held = [], [], 0
        for entries in self.folded:
            self.flush(entries)
        self.folded, self.n_open = [], 0


class _Network:
    """One r x c problem with its rows in a fixed order; nodes are sorted remaining column totals.

    Sets of nodes are (columns x nodes) arrays, each column sorted decreasingly.
    An entry is a partial table (or several merged ones): its node, its past
    log weight -sum(log(cell!)) and how many partial tables it stands for.
    """

    def __init__(self, t: IntArray, lf: FloatArray, work: Work) -> None:
        self.rows: IntArray = t.sum(axis=1)
        cols = t.sum(axis=0)
        self.cols: IntArray = np.sort(cols)[::-1].copy()
        self.lf = lf
        self.work = work
        # share of the (entry, arc) pairs of the latest stage left open: the
        # work of the next stage grows with its pairs times this share
        self.open_share = 0.0
        # whether only the last two rows are left (``run``'s last step)
        self.last_step = False
        n = int(self.rows.sum())
        self.threshold = -float(lf[t].sum()) + _FEXACT_TOL
        self.log_const = float(lf[self.rows].sum() + lf[cols].sum() - lf[n])
        c = self.cols.size
        # A sorted node is identified by its c - 1 largest totals (all nodes of
        # a stage have the same sum); the j-th largest remaining total is at
        # most the j-th largest column total, which gives a mixed radix.
        base = self.cols[: c - 1] + 1
        self.radix: IntArray = np.concatenate(([1], np.cumprod(base)[:-1])).astype(np.int64)
        self.key_space = float(np.prod(base.astype(np.float64)))

    def canonical(self, children: IntArray) -> tuple[IntArray, IntArray]:
        """Distinct sorted nodes of ``children`` (columns x items) and each child's node index."""
        srt = sorted_desc(children)
        c = srt.shape[0]
        if self.key_space >= 2.0**62:
            uniq, inverse = np.unique(srt, axis=1, return_inverse=True)
            return uniq, inverse.ravel()
        key = srt[0] * self.radix[0]
        for j in range(1, c - 1):
            key += srt[j] * self.radix[j]
        if self.key_space <= _DENSE_KEYS:
            seen = np.zeros(int(self.key_space), dtype=bool)
            seen[key] = True
            ids = np.flatnonzero(seen)
            lookup = np.empty(int(self.key_space), dtype=np.int64)
            lookup[ids] = np.arange(ids.size)
            nodes = np.empty((c, ids.size), dtype=np.int64)
            for j in range(c - 1):
                nodes[j] = (ids // self.radix[j]) % (self.cols[j] + 1)
            nodes[c - 1] = srt[:, 0].sum() - nodes[: c - 1].sum(axis=0)
            return nodes, lookup[key]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return srt[:, first], inverse.ravel()

    # -- settling entries against the arcs of their nodes --------------------

    def settle(
        self,
        arcs: _Arcs,
        ent: _Entries,
        want_open: bool,
        fold: _Fold | None = None,
        h_of: Callable[[IntArray], FloatArray] | None = None,
        flush: Callable[[_Entries], None] | None = None,
    ) -> _Settled:
        """Settle each entry against the arcs of its node.

        For an entry with ``limit = threshold - past`` an arc with ``g <=
        limit`` has all its completions counted (log mass ``m``), one with
        ``h > limit`` none, and the others are open (``fold``, ``flush``: see
        ``_Settled``). ``h_of`` gives ``h`` of the arcs at given positions when
        ``arcs.h`` is not filled in (only the arcs not counted for all entries
        need it).
        """
        out = _Settled(flush=flush)
        n_nodes = arcs.start.size
        per_node, low, high = self.limits(ent, n_nodes)
        low[arcs.length < _BAND_RATIO * per_node] = -np.inf
        if np.isneginf(low).all():
            if h_of is not None:
                arcs = _Arcs(arcs.length, arcs.g, h_of(np.arange(arcs.g.size)), arcs.m)
            out.fold = fold
            self.settle_band(arcs, ent, per_node, want_open, out)
            return out
        common = arcs.g <= np.repeat(low, arcs.length)
        shift, sums = common_sums(arcs.m, common, arcs.length)
        self.count_common(ent, shift, sums, out)
        rest = np.flatnonzero(~common)
        node = np.repeat(np.arange(n_nodes), arcs.length)[rest]
        h = arcs.h[rest] if h_of is None else h_of(rest)
        keep = h <= high[node]
        band = rest[keep]
        length = np.bincount(node[keep], minlength=n_nodes)
        inner = _Arcs(length, arcs.g[band], h[keep], arcs.m[band])
        if fold is not None:
            out.fold = lambda items, pos, merge: fold(items, band[pos], merge)
        self.settle_band(inner, ent, per_node, want_open, out)
        out.arcs = [band[pos] for pos in out.arcs]
        return out

    def limits(self, ent: _Entries, n_nodes: int) -> tuple[IntArray, FloatArray, FloatArray]:
        """Entries per node, and the lowest and highest limit of each node's entries.

        An arc counted for the entry of its node with the lowest limit is
        counted for all of them, and one closed for the highest limit is
        closed for all: only the band between needs each entry on its own,
        and with large counts that is 0.3-10% of the arcs.
        """
        self.work.spend(_ENTRY_UNIT * ent.owner.size, ent.owner.size)
        per_node = np.bincount(ent.owner, minlength=n_nodes)
        lim = self.threshold - ent.past
        low = np.where(per_node > 0, np.inf, -np.inf)
        high = np.full(n_nodes, -np.inf)
        np.minimum.at(low, ent.owner, lim)
        np.maximum.at(high, ent.owner, lim)
        return per_node, low, high

    def count_common(
        self, ent: _Entries, shift: FloatArray, sums: FloatArray, out: _Settled
    ) -> None:
        """Log contributions of the arcs counted for all entries of their node."""
        # masses more than 1e308 times below the node's largest sum to 0:
        # their share of a probability is below 1e-308
        e = np.flatnonzero(sums[ent.owner] > 0)
        u = ent.owner[e]
        out.pieces.append(np.log(ent.weight[e]) + ent.past[e] + shift[u] + np.log(sums[u]))

    def settle_band(
        self, arcs: _Arcs, ent: _Entries, per_node: IntArray, want_open: bool, out: _Settled
    ) -> None:
        """``settle`` for the arcs that are not the same for all entries of their node."""
        # Pair by pair costs entries x arcs; sorting a node's arcs once costs
        # about 20 x arcs plus a fixed overhead worth a few thousand pairs.
        sorted_node = (per_node > 2) & (per_node * arcs.length > 4096)
        by_pairs = ~sorted_node[ent.owner]
        if by_pairs.any():
            self.settle_pairs(arcs, ent, np.flatnonzero(by_pairs), want_open, out)
        short = sorted_node & (arcs.length <= _SHORT_SEGMENT)
        if short.any():
            chosen = np.flatnonzero(short[ent.owner] & ~by_pairs)
            self.settle_grid(arcs, ent, np.flatnonzero(short), chosen, want_open, out)
        long_ = ~by_pairs & ~short[ent.owner]
        if long_.any():
            self.settle_sorted(arcs, ent, np.flatnonzero(long_), want_open, out)

    def settle_pairs(
        self, arcs: _Arcs, ent: _Entries, entries: IntArray, want_open: bool, out: _Settled
    ) -> None:
        """``settle`` for entries whose nodes have few of them: every (entry, arc) pair.

        Entries go in chunks of at most ``_FOLD_AT`` pairs (or one entry), so
        that open pairs can be folded between chunks.
        """
        shift = np.full(arcs.start.size, -np.inf)
        nonempty = arcs.length > 0
        if arcs.m.size:
            shift[nonempty] = np.maximum.reduceat(arcs.m, arcs.start[nonempty])
        ends = np.cumsum(arcs.length[ent.owner[entries]])
        first = 0
        while first < entries.size:
            done = int(ends[first - 1]) if first else 0
            last = max(first + 1, int(np.searchsorted(ends, done + _FOLD_AT, side="right")))
            self.settle_pair_chunk(arcs, ent, entries[first:last], shift, want_open, out)
            first = last

    def settle_pair_chunk(
        self,
        arcs: _Arcs,
        ent: _Entries,
        entries: IntArray,
        shift: FloatArray,
        want_open: bool,
        out: _Settled,
    ) -> None:
        """``settle_pairs`` for one chunk of entries (``shift``: each node's largest arc mass)."""
        node = ent.owner[entries]
        lo = arcs.start[node]
        n_pairs = int(arcs.length[node].sum())
        self.work.spend(10 * n_pairs, n_pairs)
        pos, k = ragged(lo, lo + arcs.length[node] - 1)
        lim = self.threshold - ent.past[entries][k]
        counted = arcs.g[pos] <= lim
        sums = np.bincount(
            k[counted],
            np.exp(arcs.m[pos[counted]] - shift[node[k[counted]]]),
            minlength=entries.size,
        )
        got = sums > 0
        e = entries[got]
        out.pieces.append(
            np.log(ent.weight[e]) + ent.past[e] + shift[node[got]] + np.log(sums[got])
        )
        if want_open:
            keep = ~counted & (arcs.h[pos] <= lim)
            out.hold(entries[k[keep]], pos[keep])

    def settle_grid(
        self,
        arcs: _Arcs,
        ent: _Entries,
        nodes: IntArray,
        entries: IntArray,
        want_open: bool,
        out: _Settled,
    ) -> None:
        """``settle`` for many nodes with short arc lists: one padded grid, sorted row-wise."""
        width = int(arcs.length[nodes].max())
        self.work.spend(nodes.size * width * 20 + entries.size * 40, nodes.size * width)
        row_of = np.full(arcs.start.size, -1, dtype=np.int64)
        row_of[nodes] = np.arange(nodes.size)
        pos, k = ragged(arcs.start[nodes], arcs.start[nodes] + arcs.length[nodes] - 1)
        col = pos - arcs.start[nodes][k]
        grid = np.full((nodes.size, width), np.inf)
        grid[k, col] = arcs.g[pos]
        order = np.argsort(grid, axis=1)
        grid = np.take_along_axis(grid, order, axis=1)
        mass = np.full((nodes.size, width), -np.inf)
        mass[k, col] = arcs.m[pos]
        mass = np.take_along_axis(mass, order, axis=1)
        shift = mass.max(axis=1)
        cum = np.cumsum(np.exp(mass - shift[:, None]), axis=1)
        node = ent.owner[entries]
        row = row_of[node]
        lim = self.threshold - ent.past[entries]
        length = arcs.length[node]
        # Count each entry's arcs with g <= limit in its own sorted row: one
        # search in the rows laid end to end (row r shifted by r * span, which
        # may misplace values within rounding of the limit), then exact
        # comparisons move each count to its place.
        finite = np.isfinite(grid)
        low, high = float(grid[finite].min()), float(grid[finite].max())
        span = high - low + 2.0
        shifted = np.where(finite, grid - low, span - 1.0)
        flat = (shifted + span * np.arange(nodes.size)[:, None]).ravel()
        needle = np.clip(lim - low, -1.0, span - 1.5) + span * row
        count = np.searchsorted(flat, needle, side="right") - width * row
        count = np.clip(count, 0, length)
        while True:
            back = np.flatnonzero(count > 0)
            back = back[grid[row[back], count[back] - 1] > lim[back]]
            ahead = np.flatnonzero(count < length)
            ahead = ahead[grid[row[ahead], count[ahead]] <= lim[ahead]]
            if back.size == 0 and ahead.size == 0:
                break
            count[back] -= 1
            count[ahead] += 1
        got = count > 0
        # arcs all more than 1e308 times below the node's largest mass sum
        # to 0 here: their share of a probability is below 1e-308
        got[got] = cum[row[got], count[got] - 1] > 0
        e = entries[got]
        out.pieces.append(
            np.log(ent.weight[e])
            + ent.past[e]
            + shift[row[got]]
            + np.log(cum[row[got], count[got] - 1])
        )
        if want_open:
            self.hold_open(
                arcs,
                entries,
                lim,
                count,
                length,
                arcs.start[node],
                order,
                row,
                out,
            )

    def settle_sorted(
        self, arcs: _Arcs, ent: _Entries, entries: IntArray, want_open: bool, out: _Settled
    ) -> None:
        """``settle`` for nodes with many entries and long arc lists, one node at a time."""
        nodes = ent.owner[entries]
        if (np.diff(nodes) < 0).any():
            # a stable sort of 16-bit keys is a radix sort
            key = nodes.astype(np.uint16) if arcs.start.size <= 2**16 else nodes
            entries = entries[np.argsort(key, kind="stable")]
            nodes = ent.owner[entries]
        cuts = np.flatnonzero(np.diff(nodes)) + 1
        pasts = ent.past[entries]
        lims = self.threshold - pasts
        weights = ent.weight[entries]
        starts = np.concatenate(([0], cuts)).tolist()
        ends = np.concatenate((cuts, [entries.size])).tolist()
        logs = np.full(len(starts), -np.inf)
        for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
            u = int(nodes[s])
            a0 = int(arcs.start[u])
            a1 = a0 + int(arcs.length[u])
            self.work.spend(20 * (a1 - a0) + 60 * (e - s))
            arc_order = np.argsort(arcs.g[a0:a1])
            gs = arcs.g[a0:a1][arc_order]
            ms = arcs.m[a0:a1][arc_order]
            shift = float(ms.max())
            cum = np.cumsum(np.exp(ms - shift))
            lim = lims[s:e]
            cnt = np.searchsorted(gs, lim, side="right")
            got = cnt > 0
            if got.any():
                p = pasts[s:e][got]
                top = float(p.max())
                # (not np.dot: a BLAS call may start threads)
                total = float((weights[s:e][got] * np.exp(p - top) * cum[cnt[got] - 1]).sum())
                if total > 0:  # else below 1e-308 of the node's largest mass
                    logs[i] = top + shift + np.log(total)
            if want_open:
                self.hold_open(
                    arcs,
                    entries[s:e],
                    lim,
                    cnt,
                    np.full(e - s, a1 - a0, dtype=np.int64),
                    np.full(e - s, a0, dtype=np.int64),
                    arc_order[None, :],
                    np.zeros(e - s, dtype=np.int64),
                    out,
                )
        out.pieces.append(logs[np.isfinite(logs)])

    def hold_open(
        self,
        arcs: _Arcs,
        entries: IntArray,
        lim: FloatArray,
        count: IntArray,
        length: IntArray,
        start: IntArray,
        ranked: IntArray,
        row: IntArray,
        out: _Settled,
    ) -> None:
        """Hold the open pairs of entries whose arcs are sorted by ``g``.

        Entry i's arcs of rank ``count[i]`` to ``length[i] - 1`` have ``g`` above
        its limit; the arc of rank k is ``start[i] + ranked[row[i], k]``. Those
        with ``h <= lim[i]`` are open. Generated in chunks of at most
        ``_FOLD_AT`` pairs (or one entry), so that they can be folded between
        chunks.
        """
        ends = np.cumsum(length - count)
        first = 0
        while first < entries.size:
            done = int(ends[first - 1]) if first else 0
            last = max(first + 1, int(np.searchsorted(ends, done + _FOLD_AT, side="right")))
            n_open = int(ends[last - 1]) - done
            out.n_open += n_open
            self.work.spend(10 * n_open, out.n_open)
            rank, i = ragged(count[first:last], length[first:last] - 1)
            i += first
            arc = start[i] + ranked[row[i], rank]
            keep = arcs.h[arc] <= lim[i]
            out.hold(entries[i[keep]], arc[keep])
            first = last

    # -- the stages ----------------------------------------------------------

    def stage(
        self, k: int, nodes: IntArray, owner: IntArray, past: FloatArray, weight: FloatArray
    ) -> tuple[list[FloatArray], IntArray, IntArray, FloatArray, FloatArray]:
        """Fill row k: log contributions settled, and the entries left open (next nodes)."""
        lf = self.lf
        rows_left = self.rows[k + 1 :]
        total = int(self.rows[k])
        ent = _Entries(owner, past, weight)
        # Each arc leads to a cell, each cell to a child (cells ``cells`` to
        # children ``child_of_cell``); per-child values are spread over the
        # cells once and read per arc.
        runs: Runs3 | None = None
        if nodes.shape[0] == 3 and self.key_space <= _DENSE_KEYS:
            runs = Runs3.of(nodes, total, lf, self.work)
            length = runs.per_node
            limits = self.band_limits(ent, length)
            outside = None
            if length.sum() >= _NARROW_MIN_ARCS:
                runs, outside = self.narrow_stage(k, nodes, runs, limits[1])
            children, base, cells, child_of_cell = self.children3(nodes, total, runs)
        else:
            parent, step, left = splits(nodes, total, lf, self.work, _STAGE_UNIT * nodes.shape[0])
            children, cell = self.canonical(left)
            length = np.bincount(parent, minlength=nodes.shape[1])
            cells = child_of_cell = np.arange(children.shape[1])
        self.work.spend(30 * children.shape[1] * (rows_left.size + children.shape[0]))
        best, worst = path_bounds(children.T, rows_left, lf)
        # log of the summed weights of all completions of each child:
        # (sum of rows)! / (prod rows! prod columns!)
        mass = float(lf[rows_left.sum()] - lf[rows_left].sum()) - lf[children].sum(axis=0)
        n_cells = int(cells[-1]) + 1 if cells.size else 0

        def spread(values: NDArray[_Item]) -> NDArray[_Item]:
            out = np.zeros(n_cells, dtype=values.dtype)
            out[cells] = values[child_of_cell]
            return out

        best_at, worst_at, mass_at = spread(best), spread(worst), spread(mass)
        child_at = spread(np.arange(children.shape[1]))

        def fold_of(step: FloatArray, cell: IntArray) -> _Fold:
            def fold(item: IntArray, pos: IntArray, merge: bool) -> _Entries:
                node, new_past = child_at[cell[pos]], past[item] + step[pos]
                if not merge:
                    return _Entries(node, new_past, weight[item])
                # by hashing only: when the pairs are mostly distinct the
                # fold keeps them all and folding stops (``_Settled.hold``),
                # without the sort that would remove the few repeats
                return self.merge(node, new_past, weight[item], only_by_hash=True)

            return fold

        # The stage that leaves two rows settles what it holds against them
        # whenever much is held (``_STREAM_AT``).
        streamed: list[FloatArray] = []
        flush = None
        if k == self.rows.size - 3:

            def flush(chunk: _Entries) -> None:
                streamed.extend(self.settle_last(children, chunk))

        if runs is not None:
            sp = runs

            def values(ch: Chunk) -> ChunkValues:
                step = sp.step(ch, lf)
                cell: IntArray = base[ch.run0 :][ch.row] - ch.xb

                def h_of(rest: IntArray) -> FloatArray:
                    h: FloatArray = step[rest] + worst_at[cell[rest]]
                    return h

                return step + best_at[cell], step + mass_at[cell], h_of, step, cell

            out, step, cell = self.settle3(
                runs, ent, _STAGE_UNIT * 3, values, fold_of, limits, outside, flush
            )
        else:
            arcs = _Arcs(length, step + best_at[cell], None, step + mass_at[cell])

            def h_of(pos: IntArray) -> FloatArray:
                h: FloatArray = step[pos] + worst_at[cell[pos]]
                return h

            out = self.settle(
                arcs, ent, want_open=True, fold=fold_of(step, cell), h_of=h_of, flush=flush
            )
        self.open_share = out.pairs / max(1, int(length[owner].sum()))
        pieces = out.pieces + streamed
        item = np.concatenate(out.items) if out.items else np.zeros(0, dtype=np.int64)
        pos = np.concatenate(out.arcs) if out.arcs else np.zeros(0, dtype=np.int64)
        node, new_past, new_weight = child_at[cell[pos]], past[item] + step[pos], weight[item]
        if out.folded:
            node = np.concatenate([f.owner for f in out.folded] + [node])
            new_past = np.concatenate([f.past for f in out.folded] + [new_past])
            new_weight = np.concatenate([f.weight for f in out.folded] + [new_weight])
        if node.size == 0:
            return pieces, nodes[:, :0], owner[:0], past[:0], weight[:0]
        # Entries for the last two rows are merged only where they repeat: a
        # merge by sorting costs about what it saves there. Folds (of many
        # pairs) tell whether they do; fewer pairs are merged if hashing
        # finds repeats at once.
        final = k == self.rows.size - 3
        if not final or not out.folded or out.folding:
            merged = self.merge(node, new_past, new_weight, only_by_hash=final and not out.folded)
            node, new_past, new_weight = merged.owner, merged.past, merged.weight
        present = np.zeros(children.shape[1], dtype=bool)
        present[node] = True
        renumber = np.cumsum(present) - 1
        return pieces, children[:, present], renumber[node], new_past, new_weight

    def children3(
        self, nodes: IntArray, total: int, runs: Runs3
    ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """``canonical`` for three columns with a dense key space, without sorting each arc.

        A child before sorting, (ya, yb, yd), is fixed by ya and yb (all
        children of a stage have one sum), and ya <= cols[0], yb <= cols[1]:
        one cell of a grid of ``key_space`` cells. A run covers an interval
        of cells, so the cells reached are marked run by run and only they
        are sorted into nodes. Returns the distinct children, the cell of
        each run's arc with xb = 0 (the arc with xb has cell ``base - xb``),
        the cells reached (ascending) and their children.
        """
        width = int(self.cols[1]) + 1
        size = int(self.key_space)
        self.work.spend(4 * size, size)
        base: IntArray = (nodes[0][runs.node] - runs.xa) * width + nodes[1][runs.node]
        mark = np.zeros(size + 1, dtype=np.int64)
        np.add.at(mark, base - runs.hi_b, 1)
        np.add.at(mark, base - runs.lo_b + 1, -1)
        cells = np.flatnonzero(np.cumsum(mark[:-1]) > 0)
        ya, yb = np.divmod(cells, width)
        yd = int(nodes[:, 0].sum()) - total - ya - yb
        children, child_of_cell = self.canonical(np.stack((ya, yb, yd)))
        return children, base, cells, child_of_cell

    def settle3(
        self,
        runs: Runs3,
        ent: _Entries,
        unit: int,
        values: Callable[[Chunk], ChunkValues],
        fold_of: Callable[[FloatArray, IntArray], _Fold] | None,
        limits: tuple[IntArray, FloatArray, FloatArray],
        outside: Outside | None,
        flush: Callable[[_Entries], None] | None = None,
    ) -> tuple[_Settled, FloatArray, IntArray]:
        """``settle`` for the arcs of ``runs``, made chunk by chunk and never all held.

        ``values`` gives a chunk's g, m, h of some of its arcs, and (with
        ``fold_of``, for open pairs) its steps and cells; ``limits`` are
        ``band_limits``; ``flush`` is ``_Settled``'s. Each chunk's arcs
        counted for all entries of their node are summed at once and only the
        band is kept; with ``outside`` the runs are narrowed and what they
        leave out is added to those sums.
        Returns the settled band and the band's steps and cells (positions
        of open pairs are the band's).
        """
        n_nodes = runs.per_node.size
        per_node, low, high = limits
        shift = np.zeros(n_nodes)
        sums = np.zeros(n_nodes)
        parts: list[tuple[IntArray, FloatArray, FloatArray, FloatArray]] = []
        extra: list[tuple[FloatArray, IntArray]] = []
        for ch in runs.chunks(self.work, unit):
            g, m, h_of, step, cell = values(ch)
            length = runs.per_node[ch.first : ch.stop]
            common = g <= np.repeat(low[ch.first : ch.stop], length)
            if outside is None:
                shift[ch.first : ch.stop], sums[ch.first : ch.stop] = common_sums(
                    m, common, length
                )
            else:
                at = runs.node[ch.run0 :][ch.row]
                e = np.exp(m - outside.scale[at])
                listed = np.where(outside.partial[ch.run0 :][ch.row], e, 0.0)
                sums += np.bincount(at, np.where(common, e, 0.0) - listed, minlength=n_nodes)
            rest = np.flatnonzero(~common)
            node = runs.node[ch.run0 :][ch.row[rest]]
            h = h_of(rest)
            keep = h <= high[node]
            band = rest[keep]
            parts.append((node[keep], g[band], h[keep], m[band]))
            if step is not None and cell is not None:
                extra.append((step[band], cell[band]))
        out = _Settled(flush=flush)
        if outside is not None:
            shift = outside.scale
            left_out = np.where(outside.full, 0.0, np.exp(outside.run_log - shift[runs.node]))
            sums += np.bincount(runs.node, left_out, minlength=n_nodes)
            np.maximum(sums, 0.0, out=sums)
        self.count_common(ent, shift, sums, out)
        node = np.concatenate([x[0] for x in parts])
        arcs = _Arcs(
            np.bincount(node, minlength=n_nodes),
            np.concatenate([x[1] for x in parts]),
            np.concatenate([x[2] for x in parts]),
            np.concatenate([x[3] for x in parts]),
        )
        step_band = np.concatenate([x[0] for x in extra]) if extra else np.zeros(0)
        cell_band = np.concatenate([x[1] for x in extra]) if extra else node[:0]
        if fold_of is not None:
            out.fold = fold_of(step_band, cell_band)
        self.settle_band(arcs, ent, per_node, fold_of is not None, out)
        return out, step_band, cell_band

    def band_limits(
        self, ent: _Entries, splits: IntArray
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """``limits``, with no common part (lowest limit -inf) for nodes with few splits per entry.

        Such a node is settled entry by entry whole: splitting off its common
        arcs would save less than it costs.
        """
        per_node, low, high = self.limits(ent, splits.size)
        low[splits < _BAND_RATIO * per_node] = -np.inf
        return per_node, low, high

    def narrow_stage(
        self, k: int, nodes: IntArray, runs: Runs3, low: FloatArray
    ) -> tuple[Runs3, Outside]:
        """``narrow3`` for filling row k, bounding each arc's best completion by ``dual_bound``."""
        lf = self.lf
        rows_left = self.rows[k + 1 :]
        n_left = int(rows_left.sum())
        total = int(self.rows[k])
        const, v = dual_bound(nodes, rows_left, lf, n_left / (n_left + total))
        nd, xa, rem = runs.node, runs.xa, runs.rem
        # the bound at child (A - xa, B - xb, D - rem + xb), plus the arc's own weight
        slope = (v[1] - v[2])[nd]
        run_c = (
            const[nd]
            - lf[xa]
            - v[0][nd] * (nodes[0][nd] - xa)
            - v[1][nd] * nodes[1][nd]
            - v[2][nd] * (nodes[2][nd] - rem)
        )

        def best(xb: IntArray, at: IntArray) -> FloatArray:
            out: FloatArray = run_c[at] - lf[xb] - lf[rem[at] - xb] + slope[at] * xb
            return out

        # best is C(rem, xb) exp(slope xb) up to a factor: a binomial's mode
        mode = np.floor((rem + 1) / (1.0 + np.exp(-slope))).astype(np.int64)
        mass_const = float(lf[n_left] - lf[rows_left].sum())
        return self.narrow3(nodes, total, runs, low, best, mode, mass_const)

    def narrow3(
        self,
        nodes: IntArray,
        total: int,
        runs: Runs3,
        low: FloatArray,
        best: Callable[[IntArray, IntArray], FloatArray],
        mode: IntArray,
        const: float,
    ) -> tuple[Runs3, Outside]:
        """Each run of a node with a common part, cut to where a completion may not count.

        ``best(xb, runs)`` bounds the log weight of the most probable
        completion through the split with ``xb`` of each run and is concave
        in xb, largest at ``mode`` or a neighbour of it; where it is at most
        the node's lowest limit every completion
        counts for every entry. Those splits are not listed: their total is
        the run's closed-form total (times exp(const)) minus what is listed.
        """
        lf = self.lf
        node, lo, hi = runs.node, runs.lo_b, runs.hi_b
        new_lo, new_hi = lo.copy(), hi.copy()
        sel = np.flatnonzero(np.isfinite(low)[node])
        if sel.size:
            # two bisections over each run's length, a few gathers per step
            self.work.spend(20 * sel.size * (total.bit_length() + 2), sel.size)

            def best_sel(xb: IntArray, at: IntArray) -> FloatArray:
                return best(xb, sel[at])

            lo_s, hi_s = lo[sel], hi[sel]
            top = refine_mode(best_sel, mode[sel], lo_s, hi_s)
            lim = low[node[sel]]
            # a margin far above the rounding of the bound: a wider cut only lists more
            lim = lim - 1e-9 * (1.0 + np.abs(lim))
            cut, first, last = above_interval(best_sel, lo_s, top, hi_s, lim)
            new_hi[sel] = lo_s - 1
            new_lo[sel[cut]] = first
            new_hi[sel[cut]] = last
            self.keep_subtraction_stable(nodes, runs, new_lo, new_hi)
        full = (new_lo == lo) & (new_hi == hi)
        partial = ~full & (new_hi >= new_lo)
        a, b, d = nodes
        scale = const + node_log_totals(nodes, total, lf)
        run_log = const + run_log_totals(runs.xa, runs.rem, a[node], b[node], d[node], lf)
        return runs.narrowed(new_lo, new_hi), Outside(scale, run_log, full, partial)

    def keep_subtraction_stable(
        self, nodes: IntArray, runs: Runs3, new_lo: IntArray, new_hi: IntArray
    ) -> None:
        """List whole the runs whose cut holds more than half of their total.

        What a run leaves out is its total minus its listed part; with the
        listed part at most half of the total, the difference carries at most
        three times the relative rounding of a single log weight, as summing
        the left-out splits one by one would. (Along a run, a split's share
        of the run's total is a hypergeometric probability.)
        """
        lf = self.lf
        some = np.flatnonzero((new_hi >= new_lo) & ((new_lo > runs.lo_b) | (new_hi < runs.hi_b)))
        self.work.spend(20 * int((new_hi[some] - new_lo[some] + 1).sum()))
        xb, j = ragged(new_lo[some], new_hi[some])
        r = some[j]
        cap_b, cap_d, rem = nodes[1][runs.node[r]], nodes[2][runs.node[r]], runs.rem[r]
        share = (
            lf[cap_b] - lf[xb] - lf[cap_b - xb]
            + lf[cap_d] - lf[rem - xb] - lf[cap_d - rem + xb]
            - lf[cap_b + cap_d] + lf[rem] + lf[cap_b + cap_d - rem]
        )
        heavy = some[np.bincount(j, np.exp(share), minlength=some.size) > 0.5]
        new_lo[heavy] = runs.lo_b[heavy]
        new_hi[heavy] = runs.hi_b[heavy]

    def merge(
        self, node: IntArray, past: FloatArray, weight: FloatArray, only_by_hash: bool = False
    ) -> _Entries:
        """Entries with the same node and past log weight share one future: keep one of each.

        The result is sorted by node, then by past log weight; with
        ``only_by_hash``, entries whose keys are mostly distinct (hashing
        does not settle them, ``representatives``) are returned as they are.
        """
        self.work.spend(20 * node.size, node.size)
        q = np.floor((past - past.min()) / _MERGE_RESOLUTION + 0.5)
        span = float(q.max()) + 1.0
        new = np.empty(node.size, dtype=bool)
        new[0] = True
        if span * (float(node.max()) + 1.0) < 2.0**62:
            key = node * np.int64(span) + q.astype(np.int64)
            rep = representatives(key)
            if rep is None and only_by_hash:
                return _Entries(node, past, weight)
            if rep is not None:
                first = np.flatnonzero(rep == np.arange(rep.size))
                total = np.bincount(rep, weight, minlength=rep.size)[first]
                first_order = np.argsort(key[first])
                first = first[first_order]
                return _Entries(
                    node[first], past[first], total[first_order].astype(np.float64, copy=False)
                )
            self.work.spend(30 * node.size)  # keys mostly distinct: sorted instead
            order = np.argsort(key)
            key = key[order]
            np.not_equal(key[1:], key[:-1], out=new[1:])
        elif only_by_hash:
            return _Entries(node, past, weight)
        else:
            self.work.spend(30 * node.size)
            order = np.lexsort((q, node))
            new[1:] = (node[order][1:] != node[order][:-1]) | (q[order][1:] != q[order][:-1])
        starts = np.flatnonzero(new)
        first = order[starts]
        return _Entries(node[first], past[first], np.add.reduceat(weight[order], starts))

    def last_two(
        self,
        nodes: IntArray,
        owner: IntArray,
        past: FloatArray,
        weight: FloatArray,
        plan: tuple[NDArray[np.bool_], Slices] | None,
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        """Exact log contributions of the entries with two rows left, and log error bounds.

        A completion is then fixed by the smaller row. With at most three
        columns and a ``plan`` (``core_plan``: the nodes settled from lists,
        and the slices), entries of the other nodes are settled from their
        cores (``settle_cores``); otherwise each node's completions are listed
        once with their log weights b, and an entry counts those with past +
        b <= threshold.
        """
        lf = self.lf
        small = int(min(self.rows[-2], self.rows[-1]))
        pieces: list[FloatArray] = []
        errors: list[FloatArray] = []
        by_list = np.ones(owner.size, dtype=bool)
        if plan is not None:
            by_list = plan[0][owner]
            if not by_list.all():
                cores = np.flatnonzero(~by_list)
                try:
                    logs, errs = self.settle_cores(plan[1], _Entries(owner, past, weight), cores)
                    pieces.append(logs)
                    errors.append(errs)
                except OverBudget:
                    # cores longer than the budget or memory allows: lists
                    # share each node's completions among its entries
                    by_list[:] = True
        if by_list.any():
            keep = np.flatnonzero(by_list)
            present = np.zeros(nodes.shape[1], dtype=bool)
            present[owner[keep]] = True
            renumber = np.cumsum(present) - 1
            nodes, owner = nodes[:, present], renumber[owner[keep]]
            past, weight = past[keep], weight[keep]
            ent = _Entries(owner, past, weight)
            if nodes.shape[0] == 3:
                runs = Runs3.of(nodes, small, lf, self.work)
                limits = self.band_limits(ent, runs.per_node)
                outside = None
                if runs.per_node.sum() >= _NARROW_MIN_ARCS:
                    runs, outside = self.narrow_last(nodes, small, runs, limits[1])
                lf_a = lf[nodes[0][runs.node] - runs.xa]
                cap_b, cap_d = nodes[1][runs.node], nodes[2][runs.node]

                def values(ch: Chunk) -> ChunkValues:
                    b = runs.step(ch, lf)
                    row = ch.row
                    # what is left, subtracted in the order of the general case
                    b -= lf_a[ch.run0 :][row]
                    b -= lf[cap_b[ch.run0 :][row] - ch.xb]
                    b -= lf[cap_d[ch.run0 :][row] - runs.rem[ch.run0 :][row] + ch.xb]

                    def h_of(rest: IntArray) -> FloatArray:
                        return b[rest]

                    return b, b, h_of, None, None

                pieces += self.settle3(runs, ent, _LIST3_UNIT, values, None, limits, outside)[
                    0
                ].pieces
            else:
                parent, b, other = splits(
                    nodes, small, lf, self.work, _LIST_UNIT * nodes.shape[0]
                )
                for row in other:
                    b -= lf[row]
                arcs = _Arcs(np.bincount(parent, minlength=nodes.shape[1]), b, b, b)
                pieces += self.settle(arcs, ent, want_open=False).pieces
        return pieces, errors

    def settle_last(self, children: IntArray, chunk: _Entries) -> list[FloatArray]:
        """``last_two`` for a chunk of the entries of ``children``, as ``run`` does for all.

        Cores are checked against the chunk's own sum, not the p-value: if
        their rounding bound passes ``_CORE_RTOL`` of it the chunk is settled
        from lists, so the bound over all chunks stays below that share of
        the p-value.
        """
        present = np.zeros(children.shape[1], dtype=bool)
        present[chunk.owner] = True
        renumber = np.cumsum(present) - 1
        nodes, owner = children[:, present], renumber[chunk.owner]
        plan = None
        if nodes.shape[0] <= 3:
            by_list, _, slices = self.core_plan(nodes, owner, chunk.past)
            plan = (by_list, slices)
        pieces, errors = self.last_two(nodes, owner, chunk.past, chunk.weight, plan)
        if errors and self.total(errors) > _CORE_RTOL * self.total(pieces):
            pieces, _ = self.last_two(nodes, owner, chunk.past, chunk.weight, None)
        return pieces

    def narrow_last(
        self, nodes: IntArray, small: int, runs: Runs3, low: FloatArray
    ) -> tuple[Runs3, Outside]:
        """``narrow3`` for the last two rows, where a split's log weight is exact and concave."""
        lf = self.lf
        nd, xa, rem = runs.node, runs.xa, runs.rem
        run_c = -lf[xa] - lf[nodes[0][nd] - xa]
        cap_b, cap_d = nodes[1][nd], nodes[2][nd]
        left_d = cap_d - rem

        def weight(xb: IntArray, at: IntArray) -> FloatArray:
            r = rem[at]
            out: FloatArray = run_c[at] - lf[xb] - lf[r - xb] - lf[cap_b[at] - xb]
            out -= lf[left_d[at] + xb]
            return out

        # the weight is C(B, xb) C(D, rem - xb) up to a factor: a hypergeometric's mode
        mode = (rem + 1) * (cap_b + 1) // (cap_b + cap_d + 2)
        return self.narrow3(nodes, small, runs, low, weight, mode, 0.0)

    def core_plan(
        self, nodes: IntArray, owner: IntArray, past: FloatArray
    ) -> tuple[NDArray[np.bool_], float, Slices]:
        """Two or three columns: which nodes settle the last two rows from lists; the cost.

        Also returns the nodes' slices (``Slices``). An entry's core reaches
        at most the slices whose peak is above the lowest limit of its node.
        """
        small = int(min(self.rows[-2], self.rows[-1]))
        per_node = np.bincount(owner, minlength=nodes.shape[1])
        three = three_columns(nodes)
        listed = count_splits3(three[0], three[1], three[2], small)
        slices = Slices.of(three, small, self.lf, self.work)
        low = np.full(nodes.shape[1], np.inf)
        np.minimum.at(low, owner, self.threshold - past)
        reach = np.bincount(
            slices.node, slices.peak > low[slices.node], minlength=nodes.shape[1]
        )
        core_cost = per_node * (_CORE_ENTRY_COST + _CORE_SLICE_COST * reach)
        by_list = (core_cost >= listed) | (listed < _CORE_MIN_LIST)
        cost = np.where(by_list, listed, core_cost).sum()
        return by_list, 26.0 * float(cost) + 20.0 * owner.size, slices

    def settle_cores(
        self, sl: Slices, ent: _Entries, entries: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Settle entries with two rows left and (at most) three columns without listing them.

        An entry counts every completion of its node no more probable than
        its limit. Its core, the completions more probable than that, reaches
        an interval of slices (a slice's peak is concave in xd) and, within
        each, an interval of xa around the slice's mode (the log weight is
        concave in xa); both are found by bisection. Counted mass = the
        closed-form totals of the slices the core does not reach (prefix and
        suffix sums of each node's slices) plus, of each slice it reaches,
        the slice total minus the core where the core is the shorter part
        and not deep, else the rest of the slice listed. Returns log
        contributions and log bounds on their rounding error (a subtraction
        can cancel; ``run`` checks the bound).
        """
        lf = self.lf
        u = ent.owner[entries]
        lim = self.threshold - ent.past[entries]
        first_slice = sl.start[u]
        self.work.spend(20 * entries.size * (int(sl.count.max()).bit_length() + 2), entries.size)

        def peak_of(x: IntArray, sel: IntArray) -> FloatArray:
            out: FloatArray = sl.peak[first_slice[sel] + x]
            return out

        cut, first, last = above_interval(
            peak_of, np.zeros(entries.size, dtype=np.int64), sl.top[u], sl.count[u] - 1, lim
        )
        n_reached = int((last - first + 1).sum())
        self.work.spend(40 * n_reached * (int(sl.hi.max()).bit_length() + 2), n_reached)
        s, j = ragged(first_slice[cut] + first, first_slice[cut] + last)
        lim_s, node_s = lim[cut[j]], sl.node[s]

        def weight_of(xa: IntArray, sel: IntArray) -> FloatArray:
            return sl.weight(xa, s[sel], lf)

        # every slice reached is cut: its peak is above the limit
        _, lo, hi = above_interval(weight_of, sl.lo[s], sl.mode[s], sl.hi[s], lim_s)
        # Of each slice the core is listed and subtracted where it is the
        # shorter part and not deep (``_CORE_DEPTH``); else what is left of
        # the slice is listed and summed.
        by_core = (2 * (hi - lo + 1) <= sl.hi[s] - sl.lo[s] + 1) & (
            sl.peak[s] - lim_s <= _CORE_DEPTH
        )
        tails = np.flatnonzero(~by_core)
        first_x = np.concatenate((np.where(by_core, lo, sl.lo[s]), hi[tails] + 1))
        last_x = np.concatenate((np.where(by_core, hi, lo - 1), sl.hi[s[tails]]))
        n_listed = int(np.maximum(last_x - first_x + 1, 0).sum())
        self.work.spend(50 * n_listed, n_listed)
        xa, k = ragged(first_x, last_x)
        k = np.concatenate((np.arange(s.size), tails))[k]
        node_total = sl.total[node_s]
        listed = np.bincount(k, np.exp(weight_of(xa, k) - node_total[k]), minlength=s.size)
        core = np.where(by_core, listed, 0.0)
        kept = np.where(by_core, np.maximum(sl.share[s] - listed, 0.0), listed)
        reached = np.bincount(j, kept, minlength=cut.size)
        # the slices of each node the cores do not reach, from both ends
        nodes, row = np.unique(u[cut], return_inverse=True)
        width = int(sl.count[nodes].max()) if nodes.size else 0
        self.work.spend(10 * nodes.size * width, nodes.size * width)
        grid = np.zeros((nodes.size, width + 1))
        at, g = ragged(sl.start[nodes], sl.start[nodes] + sl.count[nodes] - 1)
        grid[g, at - sl.start[nodes][g] + 1] = sl.share[at]
        prefix = np.cumsum(grid, axis=1)
        suffix = np.cumsum(grid[:, ::-1], axis=1)[:, ::-1]
        row = row.ravel()
        after = np.minimum(last + 2, width)
        outside = prefix[row, first] + np.where(
            last + 1 < sl.count[u[cut]], suffix[row, after], 0.0
        )
        counted = np.ones(entries.size)
        counted[cut] = outside + reached
        # Rounding: each slice total and core weight is a sum of
        # log-factorials no larger in all than its node's ``size``, each
        # exact to about an ulp; a slice's difference keeps their absolute
        # errors.
        eps = float(np.finfo(float).eps)
        slice_err = np.where(
            by_core, 2.0 * eps * (sl.size[node_s] + hi - lo + 9.0) * (sl.share[s] + core), 0.0
        )
        err = np.zeros(entries.size)
        err[cut] = np.bincount(j, slice_err, minlength=cut.size)
        base = np.log(ent.weight[entries]) + ent.past[entries] + sl.total[u]
        got = counted > 0
        return base[got] + np.log(counted[got]), base[err > 0] + np.log(err[err > 0])

    def run(self) -> Generator[float, None, float]:
        """The p-value, computed stage by stage.

        Before each stage it yields an estimate of that stage's work, so that
        ``fisher_rxc_pvalue`` can advance whichever row order looks cheaper.
        Returns the p-value.
        """
        lf = self.lf
        n_rows = self.rows.size
        nodes = self.cols[:, None].copy()
        longest, _ = path_bounds(nodes.T, self.rows, lf)
        if longest[0] <= self.threshold:
            return 1.0  # even the most probable table is no more probable than observed
        owner = np.zeros(1, dtype=np.int64)
        past = np.zeros(1)
        weight = np.ones(1)
        pieces: list[FloatArray] = []
        for k in range(n_rows - 2):
            c = nodes.shape[0]
            arcs = self.arcs_per_node(nodes, int(self.rows[k]))
            pairs = float(arcs[owner].sum())
            unit = _STAGE_UNIT * c + 15.0
            yield unit * arcs.sum() + 60.0 * past.size + 30.0 * self.open_share * pairs
            done, nodes, owner, past, weight = self.stage(k, nodes, owner, past, weight)
            pieces += done
            if past.size == 0:
                return self.total(pieces)
        plan = None
        self.last_step = True
        if nodes.shape[0] <= 3:
            by_list, cost, slices = self.core_plan(nodes, owner, past)
            plan = (by_list, slices)
            yield cost
        else:
            arcs = self.arcs_per_node(nodes, int(min(self.rows[-2:])))
            yield 26.0 * float(arcs.sum()) + 20.0 * past.size
        final, errors = self.last_two(nodes, owner, past, weight, plan)
        p = self.total(pieces + final)
        if errors and self.total(errors) > _CORE_RTOL * p:
            # the cores cancelled too much (a small p-value): list instead
            final, _ = self.last_two(nodes, owner, past, weight, None)
            p = self.total(pieces + final)
        return p

    @staticmethod
    def arcs_per_node(nodes: IntArray, total: int) -> FloatArray:
        """At most how many ways there are to fill a row of ``total`` from each node."""
        c = nodes.shape[0]
        free = float(special.comb(total + c - 1, c - 1))
        boxes = np.prod(np.minimum(nodes, total).astype(np.float64) + 1.0, axis=0)
        out: FloatArray = np.minimum(boxes, free)
        return out

    def total(self, pieces: list[FloatArray]) -> float:
        allp = np.concatenate(pieces) if pieces else np.zeros(0)
        if allp.size == 0:
            return 0.0
        top = float(allp.max())
        if not np.isfinite(top):
            return 0.0
        allp -= top
        log_sum = top + float(np.log(np.exp(allp, out=allp).sum()))
        return float(min(1.0, np.exp(self.log_const + log_sum)))


def fisher_rxc_pvalue(counts: IntArray, *, max_work: int = FISHER_MAX_WORK) -> float:
    """Exact two-sided p-value of an r x c table, as R ``fisher.test(table)$p.value``.

    The sum of P(table) = prod(row!) prod(col!) / (n! prod(cell!)) over all
    tables with the observed margins whose probability is at most the observed
    one times exp(3.45254e-7), R's FEXACT tolerance (network algorithm: Mehta &
    Patel 1983, 1986; Clarkson, Fan & Joe 1993). Empty rows and columns are
    dropped; fewer than 2 rows or columns left gives 1. ``counts`` must be a
    2-d array of non-negative integers. A problem needing more than
    ``max_work`` units (``FISHER_MAX_WORK`` by default, 3-4 s of work), or
    more than about 2 GB of memory, raises ``InputError`` before the step that
    would cross the limit; the message says which.
    """
    t = np.asarray(counts, dtype=np.int64)
    shape = (int(t.shape[0]), int(t.shape[1]))
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    if t.shape[1] > t.shape[0]:
        t = t.T  # nodes are remaining totals of the shorter side: fewer of them
    rows = t.sum(axis=1)
    n = int(rows.sum())
    ascending = np.argsort(rows, kind="stable")
    largest_first = np.concatenate(([ascending[-1]], ascending[:-1]))
    # Which row order needs least work depends on the table. Filling the
    # small rows first keeps the partial tables few; starting with the
    # largest row (expanded once, from the single root) leaves shorter
    # completion lists for the last two rows, which matters most with many
    # columns. Both run in turn (the likelier first): the one with the
    # smaller work so far plus estimate of its next stage is advanced, and
    # the first to finish gives the answer. With two columns the lists are
    # short anyway, and when the largest row is not much larger than the
    # third largest the two orders do nearly the same work.
    close = rows.size < 3 or rows[ascending[-1]] <= 1.25 * rows[ascending[-3]]
    if t.shape[1] == 2 or (close and t.shape[1] == 3):
        orders = [ascending]
    elif close:
        orders = [largest_first]
    elif t.shape[1] == 3:
        orders = [ascending, largest_first]
    else:
        orders = [largest_first, ascending]
    work = Work(max_work)
    if n + 2 > MAX_ITEMS:
        # log-factorials are tabulated up to n, one array of n + 2 items
        raise InputError(
            f"table of shape {shape} with {n:,} observations is too large for the exact r x c "
            f"Fisher p-value: it tabulates log-factorials up to the total, and crossval makes "
            f"no array of more than {MAX_ITEMS:,} items (about 2 GB in all); use "
            f"fisher_exact(table, simulate=True) for a Monte Carlo p-value, or chi2_test or "
            f"g_test for an asymptotic one"
        )
    lf = special.gammaln(np.arange(n + 2, dtype=np.float64) + 1.0)
    networks = [_Network(t[order], lf, work) for order in orders]
    runs = [network.run() for network in networks]
    estimate = [0.0] * len(runs)
    spent = [0.0] * len(runs)
    for i, run in enumerate(runs):
        try:
            estimate[i] = next(run)
        except StopIteration as done:
            return float(done.value)
    alive = list(range(len(runs)))
    # whether each order that stopped was stopped by memory rather than work
    by_memory: list[bool] = []
    while alive:
        # An order with only the last two rows left is finished: that step
        # costs less than the stages before it, which another order would
        # still have to go through.
        last = [j for j in alive if networks[j].last_step]
        i = last[0] if last else min(alive, key=lambda j: spent[j] + estimate[j])
        before = work.used
        try:
            estimate[i] = next(runs[i])
        except StopIteration as done:
            return float(done.value)
        except OverBudget as stop:
            alive.remove(i)  # the other order may still fit
            by_memory.append(stop.memory)
        spent[i] += work.used - before
    raise _too_large(shape, n, max_work, all(by_memory))
