"""The binomial density and tails to full relative precision, vectorised.

The density is R ``dbinom(x, n, p)`` (its ``dbinom_raw``), by Loader's saddle-point
expansion (Loader 2000, "Fast and accurate computation of binomial
probabilities"): the log density is written as Stirling-series remainders
and deviance terms, none of which cancel, where the textbook
``lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1)`` loses about
``log(n!) * eps`` absolutely (1e-12 relative already at n = 1000). The upper
tail ``binom_above`` is R ``pbinom(k, n, p, lower.tail = FALSE)``: the
incomplete beta function where it is accurate, sums of terms where it is not.
"""

from __future__ import annotations

import math
from decimal import Decimal, getcontext, localcontext
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = ["binom_above", "binom_pmf", "binom_pmf_const", "binom_pmf_interior", "stirlerr"]

FloatArray = NDArray[np.float64]

_LN_2PI = math.log(2.0 * math.pi)


def _decimal_pi() -> Decimal:
    # Machin's formula, pi = 16 atan(1/5) - 4 atan(1/239), in the current context
    def atan_inv(m: int) -> Decimal:
        total, power, k = Decimal(0), Decimal(1) / m, 0
        while True:
            term = power / (2 * k + 1)
            if term < Decimal(10) ** (-getcontext().prec - 5):
                return total
            total += term if k % 2 == 0 else -term
            power /= m * m
            k += 1

    return 16 * atan_inv(5) - 4 * atan_inv(239)


def _stirlerr_table(last: int) -> FloatArray:
    # log(k!) - ((k + 1/2) log k - k + log(2 pi) / 2) for k = 1..last in
    # 40-digit decimals, rounded once: exact to an ulp
    out = np.zeros(last + 1)
    with localcontext() as ctx:
        ctx.prec = 40
        half_log_2pi = (2 * _decimal_pi()).ln() / 2
        for k in range(1, last + 1):
            d = Decimal(math.factorial(k)).ln() - (Decimal(k) + Decimal("0.5")) * Decimal(k).ln()
            out[k] = float(d + k - half_log_2pi)
    return out


# R tabulates to 15; to 30 the series' first omitted term (691/360360 n^-11)
# stays below 1e-19
_TABLE_LAST = 30
_STIRLERR_TABLE = _stirlerr_table(_TABLE_LAST)


def stirlerr(n: FloatArray) -> FloatArray:
    """log(n!) - log(sqrt(2 pi n) (n/e)^n) for integers n >= 1 (R's internal ``stirlerr``).

    A table up to 30 and the Stirling series (terms to 1/n^9) beyond, as in
    Loader (2000).
    """
    n = np.asarray(n, dtype=np.float64)
    small = n <= _TABLE_LAST
    big = np.where(small, _TABLE_LAST + 1.0, n)
    nn = big * big
    series = (
        1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / 1188 / nn) / nn) / nn) / nn
    ) / big
    out: FloatArray = np.where(
        small, _STIRLERR_TABLE[np.where(small, n, 0.0).astype(np.intp)], series
    )
    return out


def _bd0(x: FloatArray, m: FloatArray) -> FloatArray:
    # x log(x/m) + m - x, the deviance term; near x = m by its series in
    # v = (x - m)/(x + m) so that nothing cancels (Loader 2000, sec. 2).
    near = np.abs(x - m) < 0.1 * (x + m)
    out: FloatArray = x * np.log(x / m) + m - x
    if near.any():
        xs, ms = x[near], m[near]
        v = (xs - ms) / (xs + ms)
        s = (xs - ms) * v
        ej = 2.0 * xs * v
        v2 = v * v
        # |v| < 0.1/1.1, so each term is below 1/121 of the last: 10 terms
        # reach 1e-20 of the first
        for j in range(1, 11):
            ej = ej * v2
            s = s + ej / (2 * j + 1)
        out[near] = s
    return out


def binom_pmf_interior(
    k: FloatArray, n: FloatArray, p: FloatArray, q: FloatArray, log_const: FloatArray
) -> FloatArray:
    """P(X = k) for X ~ Binomial(n, p), 0 < k < n, with ``q = 1 - p`` given separately.

    R ``dbinom(k, n, p)``. ``log_const`` is ``binom_pmf_const(k, n)``, which
    depends on k and n only (root finders evaluate the density at many p).
    Passing q separately keeps its precision when p is close to 1; p and q
    each rounded on their own (p + q != 1 by an ulp) move the result only by
    about |k - n p| ulps, since the deviance terms absorb the difference.
    """
    return np.exp(log_const - _bd0(k, n * p) - _bd0(n - k, n * q))


def binom_pmf_const(k: FloatArray, n: FloatArray) -> FloatArray:
    """The part of Loader's log density that does not depend on p (0 < k < n)."""
    out: FloatArray = (
        stirlerr(n)
        - stirlerr(k)
        - stirlerr(n - k)
        # log(k (n - k) / n) from the whole numbers themselves: R's log1p(-k/n)
        # loses (1 - k/n)'s precision when k is close to n (1e-11 at n = 1e6)
        - 0.5 * (_LN_2PI + np.log(k) + np.log(n - k) - np.log(n))
    )
    return out


def binom_pmf(k: Any, n: int, p: float) -> FloatArray:
    """P(X = k) for X ~ Binomial(n, p) at every k (array), for one n and p.

    R ``dbinom(k, n, p)``: Loader's form inside, ``q^n`` and ``p^n`` at the
    ends, 0 outside 0..n.
    """
    ks = np.asarray(k, dtype=np.float64)
    out = np.zeros(ks.shape)
    q = 1.0 - p
    if p == 0.0 or q == 0.0:
        out[ks == (0.0 if p == 0.0 else float(n))] = 1.0
        return out
    inside = (ks >= 0) & (ks <= n)
    kk = ks[inside]
    full = np.ones(kk.shape)
    out[inside] = _pmf_any(kk, n * full, p * full, q * full)
    return out


# Tails with at most this many terms on their short side are summed term by term:
# there Boost's incomplete beta (scipy.special.betainc) loses up to 4e-8
# relative when n is large (P(X >= 2) for n = 1e9 near p = 2e-9).
SUM_TERMS = 60
# A tail summed from its largest term on: its terms then fall off at least as
# fast as a Poisson(SUM_TERMS) tail past its mean, below 1e-17 of the sum
# within 140 terms.
_TAIL_TERMS = 200
# Below this, Boost's incomplete beta can flush a tail to 0 (37 of 1999 at
# p = 1/3: 0 where R's pbinom gives 5.2e-285); Cephes' bdtrc keeps such tails
# (to ~1e-12), though it loses ~1e-9 near the centre at n = 1e6.
_DEEP_TAIL = 1e-280


def _pmf_any(i: FloatArray, n: FloatArray, p: FloatArray, q: FloatArray) -> FloatArray:
    """P(X = i) for 0 <= i <= n, element-wise (0 < p < 1).

    q^n and p^n from log1p of the smaller of p and q: with n = 1e9 an ulp of
    q itself would move q^n by 1e-7.
    """
    small_p = p < 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.where(small_p, np.log(p), np.log1p(-q))
        log_q = np.where(small_p, np.log1p(-p), np.log(q))
        inner = binom_pmf_interior(i, n, p, q, binom_pmf_const(i, n))
        out: FloatArray = np.where(
            i == 0, np.exp(n * log_q), np.where(i == n, np.exp(n * log_p), inner)
        )
    return out


def _sum_terms(
    a: FloatArray, b: FloatArray, n: FloatArray, p: FloatArray, q: FloatArray
) -> FloatArray:
    """P(a <= X <= b) for b - a < SUM_TERMS + 1, from its largest term outwards."""
    mode = np.clip(np.floor((n + 1) * p), a, b)
    top = _pmf_any(mode, n, p, q)
    total = top.copy()
    up, down = top.copy(), top.copy()
    ratio = p / q
    for d in range(1, int((b - a).max(initial=0)) + 1):
        i = mode + d  # the term at i from the one at i - 1
        up = np.where(i <= b, up * (n - i + 1) / i * ratio, 0.0)
        j = mode - d  # the term at j from the one at j + 1
        down = np.where(j >= a, down * (j + 1) / (n - j) / ratio, 0.0)
        total += up + down
    return total


def binom_above(
    k: FloatArray, n: FloatArray, p: FloatArray, q: FloatArray, *, absolute: bool = False
) -> FloatArray:
    """P(X > k) for X ~ Binomial(n, p), 0 <= k < n, 0 < p < 1, q = 1 - p given separately.

    R ``pbinom(k, n, p, lower.tail = FALSE)``; P(X <= k) is ``binom_above(n -
    k - 1, n, q, p)``. Relative precision throughout, from deep tails (below
    1e-280) to the centre; ``absolute=True`` settles for an absolute error of
    a few eps where that is cheaper (beyond p = 1/2, a small tail as 1 minus
    the other one instead of the complemented incomplete beta, 5x slower).
    """
    out = np.empty(k.size)
    few_above = n - k <= SUM_TERMS
    f = np.flatnonzero(few_above)
    out[f] = _sum_terms(k[f] + 1, n[f], n[f], p[f], q[f])
    few_below = ~few_above & (k < SUM_TERMS)
    f = np.flatnonzero(few_below)
    if f.size:
        below = _sum_terms(np.zeros(f.size), k[f], n[f], p[f], q[f])
        out[f] = 1.0 - below
        g = f[below > 0.5]  # a tail under 1/2: its own terms, from k + 1 on
        if g.size:
            kg, ng, rg = k[g], n[g], p[g] / q[g]
            term = _pmf_any(kg + 1, ng, p[g], q[g])
            tail = term.copy()
            for d in range(1, _TAIL_TERMS):
                term = term * np.maximum(ng - kg - d, 0.0) / (kg + d + 1) * rg
                tail += term
                if d % 8 == 0 and not (term > 1e-17 * tail).any():
                    break
            out[g] = tail
    rest = np.flatnonzero(~few_above & ~few_below)
    if rest.size:
        kr, nr, pr, qr = k[rest], n[rest], p[rest], q[rest]
        low = pr < 0.5
        value = np.empty(rest.size)
        # below p = 1/2 in p itself; beyond it by the complement's form in q,
        # which keeps q's precision
        value[low] = special.betainc(kr[low] + 1, nr[low] - kr[low], pr[low])
        hi = np.flatnonzero(~low)
        other = special.betainc(nr[hi] - kr[hi], kr[hi] + 1, qr[hi])  # P(X <= k)
        value[hi] = 1.0 - other
        if not absolute:
            small = hi[other > 0.5]
            value[small] = special.betaincc(nr[small] - kr[small], kr[small] + 1, qr[small])
        deep = value < _DEEP_TAIL
        if deep.any():
            kd, nd = kr[deep].astype(np.int64), nr[deep].astype(np.int64)
            value[deep] = special.bdtrc(kd, nd, pr[deep])
        out[rest] = value
    return out
