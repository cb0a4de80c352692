"""The arcs of the Fisher network: ways to split a row total among column totals.

``fisher_network`` fills a table one row at a time; each way to split the
next row's total among the remaining column totals is an arc from one node
(the sorted remaining totals) to another. This module makes those splits for
many nodes at once (``splits``; with three columns as runs of one first cell,
``Runs3``, made a chunk at a time), sums masses per node (``common_sums``)
and counts every piece of work against the budget of one p-value (``Work``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CHUNK",
    "MAX_ITEMS",
    "Chunk",
    "ChunkValues",
    "Outside",
    "OverBudget",
    "Runs3",
    "Work",
    "common_sums",
    "count_splits3",
    "ragged",
    "sorted_desc",
    "splits",
    "three_columns",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# Longest arrays a step may make (of arcs, pairs or entries): bounds memory
# to about a gigabyte.
MAX_ITEMS = 1 << 24
# Arcs of three columns are made and settled about this many at a time.
CHUNK = 1 << 15


class OverBudget(Exception):
    """The work or, with ``memory``, the memory limit would be passed."""

    def __init__(self, memory: bool = False) -> None:
        super().__init__("memory" if memory else "work")
        self.memory = memory


class Work:
    """Counts work, and stops before the piece of work that would pass the limit."""

    def __init__(self, limit: int) -> None:
        self.used = 0
        self.limit = limit

    def spend(self, amount: int, items: int = 0) -> None:
        """Charge ``amount``; ``items`` is the length of the arrays about to be made."""
        if items > MAX_ITEMS:
            raise OverBudget(memory=True)
        if self.used + amount > self.limit:
            raise OverBudget
        self.used += int(amount)


def ragged(lo: IntArray, hi: IntArray) -> tuple[IntArray, IntArray]:
    """All integers lo[i]..hi[i] (inclusive), concatenated, with the owner i of each."""
    lengths = np.maximum(hi - lo + 1, 0)
    owner = np.repeat(np.arange(lo.size), lengths)
    values: IntArray = np.arange(owner.size) + np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    return values, owner


def splits(
    caps: IntArray, total: int, lf: FloatArray, work: Work, unit: int
) -> tuple[IntArray, FloatArray, IntArray]:
    """Every split x of ``total`` into cells 0 <= x[j] <= caps[j, i], for each node i.

    ``caps`` is (columns x nodes). Returns, per split, its node (ascending, so
    each node's splits are contiguous), its log weight -sum(log(x[j]!)) and
    what it leaves, caps[:, node] - x (columns x splits). Charges ``unit``
    per split, the work of the splits' whole later handling, before
    generating them.
    """
    c, m = caps.shape
    room_after = np.cumsum(caps[::-1], axis=0)[::-1] - caps
    owner = np.arange(m)
    rem = np.full(m, total, dtype=np.int64)
    step = np.zeros(m)
    left: list[IntArray] = []
    for j in range(c - 1):
        lo = np.maximum(0, rem - room_after[j][owner])
        hi = np.minimum(rem, caps[j][owner])
        count = int(np.maximum(hi - lo + 1, 0).sum())
        work.spend(count * (unit if j == c - 2 else 8), count)
        v, idx = ragged(lo, hi)
        owner, rem = owner[idx], rem[idx] - v
        step = step[idx] - lf[v]
        left = [col[idx] for col in left] + [caps[j][owner] - v]
    left.append(caps[c - 1][owner] - rem)
    return owner, step - lf[rem], np.stack(left)


@dataclass
class Chunk:
    """Splits of the nodes ``first:stop`` of a ``Runs3``: each one's run (``row``, counted
    from the chunk's first run ``run0``) and ``xb``."""

    first: int
    stop: int
    run0: int
    row: IntArray
    xb: IntArray


# A chunk's g, m, h of given arcs, and (for open pairs) steps and cells of its arcs.
ChunkValues = tuple[
    FloatArray,
    FloatArray,
    Callable[[IntArray], FloatArray],
    FloatArray | None,
    IntArray | None,
]


@dataclass
class Runs3:
    """Every split (xa, xb, xd) of a total into three cells under caps (a, b, d) of each node.

    A run is the splits of one node with one ``xa``: ``xb`` rises from
    ``lo_b`` to ``hi_b`` and ``xd = rem - xb``. Runs are grouped by node
    (``node``: each run's, ascending). The splits themselves are made a
    chunk of whole nodes at a time (``chunks``).
    """

    node: IntArray
    xa: IntArray
    rem: IntArray
    lo_b: IntArray
    hi_b: IntArray
    per_node: IntArray
    head: FloatArray

    @classmethod
    def of(cls, nodes: IntArray, total: int, lf: FloatArray, work: Work) -> Runs3:
        """The runs of the splits of ``total`` for each node (``nodes``: 3 x nodes)."""
        a, b, d = nodes
        # every node holds at least ``total``, so each has a run and each run a split
        lo_a, hi_a = np.maximum(0, total - b - d), np.minimum(a, total)
        n_runs = int((hi_a - lo_a + 1).sum())
        work.spend(8 * n_runs, n_runs)
        xa, node = ragged(lo_a, hi_a)
        rem = total - xa
        lo_b = np.maximum(0, rem - d[node])
        hi_b = np.minimum(b[node], rem)
        per_node = np.bincount(node, hi_b - lo_b + 1, minlength=a.size).astype(np.int64)
        return cls(node, xa, rem, lo_b, hi_b, per_node, -lf[xa])

    def chunks(self, work: Work, unit: int) -> Iterator[Chunk]:
        """The splits, about ``CHUNK`` at a time; ``unit`` per split is charged before the first.

        Arrays of a chunk stay in cache, and freed ones of one size are
        reused by the next chunk: with 20,000 splits per node, arrays of a
        whole stage cost about as much in fresh pages as in arithmetic.
        """
        ends = np.cumsum(self.per_node)
        run_ends = np.cumsum(np.bincount(self.node, minlength=self.per_node.size))
        # all at once, so that a stage past the limit is refused before it
        # starts; the band kept of the chunks may hold up to all the splits
        work.spend(int(ends[-1]) * unit, int(ends[-1]))
        first = 0
        while first < ends.size:
            done = int(ends[first - 1]) if first else 0
            stop = max(first + 1, int(np.searchsorted(ends, done + CHUNK, side="right")))
            run0 = int(run_ends[first - 1]) if first else 0
            run1 = int(run_ends[stop - 1])
            xb, row = ragged(self.lo_b[run0:run1], self.hi_b[run0:run1])
            yield Chunk(first, stop, run0, row, xb)
            first = stop

    def narrowed(self, lo_b: IntArray, hi_b: IntArray) -> Runs3:
        """The same runs cut to lo_b..hi_b (empty where hi_b < lo_b)."""
        hi_b = np.maximum(hi_b, lo_b - 1)
        per_node = np.bincount(self.node, hi_b - lo_b + 1, minlength=self.per_node.size)
        return Runs3(
            self.node, self.xa, self.rem, lo_b, hi_b, per_node.astype(np.int64), self.head
        )

    def step(self, ch: Chunk, lf: FloatArray) -> FloatArray:
        """-sum(log(x!)) of each split of a chunk, summed in the order of ``splits``."""
        out: FloatArray = self.head[ch.run0 :][ch.row] - lf[ch.xb]
        out -= lf[self.rem[ch.run0 :][ch.row] - ch.xb]
        return out


@dataclass
class Outside:
    """What narrowed runs (``Runs3.narrowed``) left out, counted for every entry of its node.

    ``scale``: log of each node's total over all its runs (the scale of the
    sums); ``run_log``: log total of each run; ``full``: the run is listed
    whole; ``partial``: listed in part, at most half of its total (what it
    leaves out is its total minus what is listed).
    """

    scale: FloatArray
    run_log: FloatArray
    full: NDArray[np.bool_]
    partial: NDArray[np.bool_]


def common_sums(
    m: FloatArray, common: NDArray[np.bool_], length: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Per node (``length`` consecutive arcs each): the largest ``m`` of its arcs marked
    ``common`` (0 if none) and the sum of exp(m - that) over them."""
    shift = np.zeros(length.size)
    sums = np.zeros(length.size)
    nonempty = length > 0
    if not nonempty.any():
        return shift, sums
    starts = (np.cumsum(length) - length)[nonempty]
    mass = np.where(common, m, -np.inf)
    top = np.maximum.reduceat(mass, starts)
    shift[nonempty] = np.where(np.isfinite(top), top, 0.0)
    mass -= np.repeat(shift, length)
    sums[nonempty] = np.add.reduceat(np.exp(mass, out=mass), starts)
    return shift, sums


def sorted_desc(cols: IntArray) -> IntArray:
    """Each column of ``cols`` (parts x items) sorted in decreasing order."""
    c = cols.shape[0]
    if c == 2:
        return np.stack((np.maximum(cols[0], cols[1]), np.minimum(cols[0], cols[1])))
    if c == 3:
        a, b, d = cols
        top = np.maximum(np.maximum(a, b), d)
        bottom = np.minimum(np.minimum(a, b), d)
        return np.stack((top, a + b + d - top - bottom, bottom))
    out: IntArray = np.sort(cols, axis=0)[::-1]
    return out


def three_columns(nodes: IntArray) -> IntArray:
    """Nodes of two or three columns as three (a third, empty column added to two)."""
    if nodes.shape[0] == 3:
        return nodes
    return np.vstack((nodes, np.zeros((1, nodes.shape[1]), dtype=np.int64)))


def count_splits3(a: IntArray, b: IntArray, d: IntArray, total: int) -> IntArray:
    """How many splits of ``total`` into three parts at most a, b, d (inclusion-exclusion)."""
    count = np.zeros(a.size, dtype=np.int64)
    for sign, excess in (
        (1, 0),
        (-1, a + 1),
        (-1, b + 1),
        (-1, d + 1),
        (1, a + b + 2),
        (1, a + d + 2),
        (1, b + d + 2),
        (-1, a + b + d + 3),
    ):
        free = total - excess + 2  # C(free, 2) solutions without the caps
        count += sign * np.where(free >= 2, free * (free - 1) // 2, 0)
    return count
