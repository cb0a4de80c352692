"""The binomial density to full relative precision, vectorised.

R ``dbinom(x, n, p)`` (its ``dbinom_raw``), by Loader's saddle-point
expansion (Loader 2000, "Fast and accurate computation of binomial
probabilities"): the log density is written as Stirling-series remainders
and deviance terms, none of which cancel, where the textbook
``lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1)`` loses about
``log(n!) * eps`` absolutely (1e-12 relative already at n = 1000).
"""

from __future__ import annotations

import math
from decimal import Decimal, getcontext, localcontext
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["binom_pmf", "binom_pmf_const", "binom_pmf_interior", "stirlerr"]

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
    out[ks == 0] = np.exp(n * np.log1p(-p))
    out[ks == n] = np.exp(n * np.log(p))
    inner = (ks > 0) & (ks < n)
    if inner.any():
        kk = ks[inner]
        nn = np.full(kk.shape, float(n))
        out[inner] = binom_pmf_interior(
            kk, nn, np.full(kk.shape, p), np.full(kk.shape, q), binom_pmf_const(kk, nn)
        )
    return out
