"""Bounds on the most and least probable completion of a partial table (Fisher network).

The longest and shortest remaining paths of the network algorithm (Mehta &
Patel 1983, 1986), from cheap relaxations: the rest of the table is split by
its rows alone or by its columns alone, and each relaxation is solved exactly
because log(v!) is convex (Clarkson, Fan & Joe 1993 use the same bounds).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["path_bounds", "water_fill"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def water_fill(totals: IntArray, caps: IntArray, lf: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Min and max of sum(log(v!)) over splits of each total into parts v <= caps (rows of caps).

    log(v!) is convex: the most even split under the caps minimises the sum,
    filling the largest caps first maximises it.
    """
    m, k = caps.shape
    asc = np.sort(caps, axis=1)
    rem = totals.copy()
    low = np.zeros(m)
    done = np.zeros(m, dtype=bool)
    for j in range(k):
        parts = k - j
        q = rem // parts
        full = ~done & (asc[:, j] <= q)
        low += np.where(full, lf[asc[:, j]], 0.0)
        rem = np.where(full, rem - asc[:, j], rem)
        even = ~done & ~full
        extra = rem % parts
        q = np.where(even, q, 0)
        low += np.where(even, (parts - extra) * lf[q] + extra * lf[q + 1], 0.0)
        done |= even
    rem = totals.copy()
    high = np.zeros(m)
    for j in range(k - 1, -1, -1):
        v = np.minimum(asc[:, j], rem)
        high += lf[v]
        rem = rem - v
    return low, high


def path_bounds(
    nodes: IntArray, rows_left: IntArray, lf: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Longest and shortest path of each node (nodes x columns): bounds on -sum(log(cell!)).

    The remaining table is relaxed to its rows alone (each row split under the
    column totals) and to its columns alone (each split under the row totals);
    the tighter of the two bounds is kept.
    """
    m, c = nodes.shape
    k = rows_left.size
    row_low, row_high = water_fill(np.tile(rows_left, m), np.repeat(nodes, k, axis=0), lf)
    col_low, col_high = water_fill(nodes.ravel(), np.broadcast_to(rows_left, (m * c, k)), lf)
    row_low, row_high = row_low.reshape(m, k).sum(axis=1), row_high.reshape(m, k).sum(axis=1)
    col_low, col_high = col_low.reshape(m, c).sum(axis=1), col_high.reshape(m, c).sum(axis=1)
    longest: FloatArray = -np.maximum(row_low, col_low)
    shortest: FloatArray = -np.minimum(row_high, col_high)
    return longest, shortest
