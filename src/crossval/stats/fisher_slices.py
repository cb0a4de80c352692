"""Closed forms and bounds along runs of three-column splits, for ``fisher_network``.

A run is the splits (xa, xb, xd) of a row total among three remaining column
totals (A, B, D) with xa fixed: xb moves and xd = rem - xb. Along a run the
weights 1 / (xb! xd! (B - xb)! (D - xd)!) sum in closed form (Vandermonde's
identity), and any log weight that is concave in xb exceeds a limit on one
interval only. ``fisher_network`` uses both to skip the splits whose every
completion counts: only the interval where a completion could be more
probable than the observed table is listed, and the rest of the run is its
closed-form total minus what was listed. Whether a completion can be that
probable is bounded by Lagrangian relaxation of the remaining margins (the
dual of max -sum(log(n!)) over tables with given margins; M. L. Fisher,
"The Lagrangian relaxation method for solving integer programming problems",
Management Science 27, 1981), which is linear in the remaining column
totals and so keeps the bound concave.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def above_interval(
    value: Callable[[IntArray, IntArray], FloatArray],
    lo: IntArray,
    mode: IntArray,
    hi: IntArray,
    limit: FloatArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """Where a function concave on each of several integer ranges exceeds a limit.

    ``value(x, sel)`` evaluates the functions ``sel`` at ``x``; function i lives
    on lo[i]..hi[i] with its maximum at ``mode[i]`` and ``limit[i]``. Returns
    the functions whose maximum exceeds the limit (``cut``) and the first and
    last x of each where it does: by concavity an interval, whose ends are
    found by bisection on each side of the mode.
    """
    cut = np.flatnonzero(value(mode, np.arange(lo.size)) > limit)
    left, right = lo[cut].copy(), mode[cut].copy()
    while True:
        busy = np.flatnonzero(left < right)
        if busy.size == 0:
            break
        mid = (left[busy] + right[busy]) // 2
        above = value(mid, cut[busy]) > limit[cut[busy]]
        right[busy[above]] = mid[above]
        left[busy[~above]] = mid[~above] + 1
    first = left
    left, right = mode[cut].copy(), hi[cut].copy()
    while True:
        busy = np.flatnonzero(left < right)
        if busy.size == 0:
            break
        mid = (left[busy] + right[busy] + 1) // 2
        above = value(mid, cut[busy]) > limit[cut[busy]]
        left[busy[above]] = mid[above]
        right[busy[~above]] = mid[~above] - 1
    return cut, first, right


def refine_mode(
    value: Callable[[IntArray, IntArray], FloatArray], guess: IntArray, lo: IntArray, hi: IntArray
) -> IntArray:
    """The argmax of each concave ``value`` on lo[i]..hi[i], from a guess at most one off.

    A concave function's maximum on a range is its unrestricted maximum
    clipped to the range; closed-form modes computed in floating point can
    be one off where two neighbours (nearly) tie, so both are compared.
    """
    at = np.arange(lo.size)
    best = np.clip(guess, lo, hi)
    top = value(best, at)
    for shift in (-1, 1):
        x = np.clip(best + shift, lo, hi)
        v = value(x, at)
        better = v > top
        best = np.where(better, x, best)
        top = np.where(better, v, top)
    return best


def _conjugate(s: FloatArray, cap: IntArray, lf: FloatArray) -> FloatArray:
    """max over integers 0 <= n <= cap of s n - log(n!).

    The steps s - log(n + 1) fall with n, so the maximum is at the last n
    with n < exp(s), clipped to the cap; its neighbours are checked too,
    against the rounding of exp.
    """
    guess = np.ceil(np.exp(np.minimum(s, 700.0))) - 1.0
    n0 = np.clip(guess, 0, cap).astype(np.int64)
    best = np.full(s.shape, -np.inf)
    for shift in (-1, 0, 1):
        n = np.clip(n0 + shift, 0, cap)
        best = np.maximum(best, s * n - lf[n])
    return best


def dual_bound(
    nodes: IntArray, rows_left: IntArray, lf: FloatArray, share: float
) -> tuple[FloatArray, FloatArray]:
    """A bound on the most probable completion of each node's children, linear in their columns.

    For multipliers u (rows) and v (columns) and any table n with row totals
    R and column totals c, -sum(log(n!)) = sum(s n - log(n!)) - u.R - v.c
    with s[i, j] = u[i] + v[j], so it is at most sum_ij phi(s[i, j]) - u.R -
    v.c, phi the conjugate of log(n!) on the integers up to min(R[i],
    node[j]) (no child column exceeds its node's). Any u, v give a bound;
    those of the independence table of a child holding ``share`` of each
    column total make it close near there. Returns per node the constant
    sum phi - u.R and the multipliers v (3 x nodes): the bound of a child c
    is ``const - v.c``.
    """
    n_left = float(rows_left.sum())
    u = np.log(rows_left / n_left)
    v = np.log(np.maximum(nodes * share, 0.5))
    s = u[:, None, None] + v[None, :, :]
    cap = np.minimum(rows_left[:, None, None], nodes[None, :, :])
    const: FloatArray = _conjugate(s, cap, lf).sum(axis=(0, 1)) - float(u @ rows_left)
    return const, v


def run_log_totals(
    xa: IntArray, rem: IntArray, a: IntArray, b: IntArray, d: IntArray, lf: FloatArray
) -> FloatArray:
    """log of sum over xb of 1 / (xa! (a - xa)! xb! (b - xb)! xd! (d - xd)!), xd = rem - xb.

    Vandermonde: sum_xb C(b, xb) C(d, rem - xb) = C(b + d, rem).
    """
    out: FloatArray = (
        lf[b + d] - lf[rem] - lf[b + d - rem] - lf[b] - lf[d] - lf[xa] - lf[a - xa]
    )
    return out


def node_log_totals(nodes: IntArray, total: int, lf: FloatArray) -> FloatArray:
    """log of the summed run totals of each node (3 x nodes) for a row of ``total``.

    That is C(A + B + D, total) / (A! B! D!).
    """
    s = nodes.sum(axis=0)
    out: FloatArray = lf[s] - lf[total] - lf[s - total] - lf[nodes].sum(axis=0)
    return out
