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
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crossval.stats.fisher_splits import Work, ragged

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


def _slice_log_weight(
    lf: FloatArray, part_d: FloatArray, a: IntArray, b: IntArray, m: IntArray, xa: IntArray
) -> FloatArray:
    """Log weight of the two-row completion with ``xa`` in slices (a, b, m, part_d): ``Slices``."""
    out: FloatArray = part_d - (lf[xa] + lf[a - xa] + lf[m - xa] + lf[b - m + xa])
    return out


@dataclass
class Slices:
    """The completions of nodes with two rows left, three columns, in slices of fixed xd.

    With column totals A >= B >= D left and the smaller row ``small``, a
    completion is (xa, xb, xd) with sum ``small`` and log weight -sum(log(x!)
    + log((total - x)!)), proportional to a multivariate hypergeometric
    probability. In a slice (xd fixed, m = small - xd, ``part_d`` the terms
    of xd) the log weight is concave in xa on lo..hi with its maximum at the
    hypergeometric mode. A slice's peak (that maximum) is concave in xd: it
    is a partial maximum of a separable concave function, and the infimal
    convolution of discrete convex functions is discrete convex (K. Murota,
    "Discrete Convex Analysis", SIAM 2003, ch. 6). The slices of node i are
    ``start[i]:start[i] + count[i]``, and ``top[i]`` (counted from
    ``start[i]``) has the largest peak. ``total``: log of each node's summed
    weights, C(A + B + D, small) / (A! B! D!); ``size``: the sum of the
    log-factorials in it, which bounds those in any one weight or slice
    total; ``share``: each slice's total over its node's.
    """

    node: IntArray
    start: IntArray
    count: IntArray
    a: IntArray
    b: IntArray
    m: IntArray
    part_d: FloatArray
    lo: IntArray
    hi: IntArray
    mode: IntArray
    peak: FloatArray
    top: IntArray
    total: FloatArray
    size: FloatArray
    share: FloatArray

    @classmethod
    def of(cls, nodes: IntArray, small: int, lf: FloatArray, work: Work) -> Slices:
        """The slices of each node (3 x nodes) for a smaller row of ``small``."""
        a_tot, b_tot, d_tot = nodes
        lo_d, hi_d = np.maximum(0, small - a_tot - b_tot), np.minimum(d_tot, small)
        count = hi_d - lo_d + 1
        work.spend(30 * int(count.sum()), int(count.sum()))
        xd, node = ragged(lo_d, hi_d)
        a, b, d = a_tot[node], b_tot[node], d_tot[node]
        m = small - xd
        # exact in integers: the mode of C(a, xa) C(b, m - xa)
        mode = ((m + 1) * (a + 1)) // (a + b + 2)
        part_d = -(lf[xd] + lf[d - xd])
        peak = _slice_log_weight(lf, part_d, a, b, m, mode)
        start = np.cumsum(count) - count
        at_top = np.flatnonzero(peak == np.maximum.reduceat(peak, start)[node])
        first = np.ones(at_top.size, dtype=bool)
        first[1:] = node[at_top[1:]] != node[at_top[:-1]]
        s = a_tot + b_tot + d_tot
        lf_nodes = lf[a_tot] + lf[b_tot] + lf[d_tot]
        total = lf[s] - lf[small] - lf[s - small] - lf_nodes
        # C(a + b, m) C(d, xd) / (a! b! d!), Vandermonde over xa
        slice_log = part_d + lf[a + b] - lf[m] - lf[a + b - m] - lf[a] - lf[b]
        return cls(
            node,
            start,
            count,
            a,
            b,
            m,
            part_d,
            np.maximum(0, m - b),
            np.minimum(a, m),
            mode,
            peak,
            at_top[first] - start,
            total,
            lf[s] + lf[small] + lf[s - small] + lf_nodes,
            np.exp(slice_log - total[node]),
        )

    def weight(self, xa: IntArray, sel: IntArray, lf: FloatArray) -> FloatArray:
        """Log weight of the completion with ``xa`` in each slice ``sel``."""
        return _slice_log_weight(lf, self.part_d[sel], self.a[sel], self.b[sel], self.m[sel], xa)
