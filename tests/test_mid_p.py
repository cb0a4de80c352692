"""The mid-p limits and the binomial density and tails behind them, checked in exact arithmetic.

Each expected value is computed here from its definition with Python's
integers and 60-digit decimals (no floating-point library is trusted), so a
failure means crossval's float result is off, not the reference.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

from crossval.stats.binom_dist import (
    binom_above,
    binom_pmf,
    binom_pmf_const,
    binom_pmf_interior,
    stirlerr,
)
from crossval.stats.binomial import ConfidenceIntervalArray, binom_ci
from crossval.stats.mid_p import mid_p_limits


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        # p dyadic, so that p and q = 1 - p are both exact floats
        (1, 5, 0.3125),
        (3, 20, 0.09375),
        (40, 100, 0.5),
        (1, 1000, 2.0**-10),
        (999, 1000, 1 - 2.0**-10),
        # k close to n with n large: R's log1p(-k/n) form loses ~1e-11 here
        (999_999, 1_000_000, 1 - 5 * 2.0**-20),
        (2, 1_000_000, 3 * 2.0**-20),
        (500, 1000, 0.296875),
        (30, 100_000, 2.0**-12),
    ],
)
def test_density_has_full_relative_precision(k: int, n: int, p: float) -> None:
    q = 1.0 - p
    assert Fraction(p) + Fraction(q) == 1
    kk, nn = np.array([float(k)]), np.array([float(n)])
    got = binom_pmf_interior(kk, nn, np.array([p]), np.array([q]), binom_pmf_const(kk, nn))[0]
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(math.comb(n, k)) * Decimal(p) ** k * Decimal(q) ** (n - k)
        # Loader's terms are exact to a few ulps of their size, about |log pmf|
        bound = Decimal(8 * 2.0**-53) * (1 + abs(exact.ln()))
        assert abs(Decimal(got) - exact) / exact <= bound


def test_stirlerr_table_and_series_meet() -> None:
    # log(n!) - ((n + 1/2) log n - n + log(2 pi)/2): the table (n <= 30) and the
    # series (n > 30) agree with a 40-digit evaluation at both sides of the seam
    # (which takes pi as math.pi's binary value: 2e-17 off in log(2 pi)/2)
    with localcontext() as ctx:
        ctx.prec = 40
        half_log_2pi = (2 * Decimal(math.pi)).ln() / 2
        for n in (1, 2, 7, 15, 16, 17, 30, 31, 32, 40, 100, 1000):
            d = Decimal(math.factorial(n)).ln() - (Decimal(n) + Decimal("0.5")) * Decimal(n).ln()
            exact = float(d + n - half_log_2pi)
            got = stirlerr(np.array([float(n)]))[0]
            assert got == pytest.approx(exact, rel=4e-16, abs=5e-17), n


def _mid_tail_ge(k: int, n: int, p: Decimal) -> Decimal:
    """P(X > k) + P(X = k)/2 at p, summing the shorter side exactly."""
    q = 1 - p

    def pmf(j: int) -> Decimal:
        return Decimal(math.comb(n, j)) * p**j * q ** (n - j)

    if n - k < k:
        return sum((pmf(j) for j in range(k + 1, n + 1)), Decimal(0)) + pmf(k) / 2
    return 1 - sum((pmf(j) for j in range(k)), Decimal(0)) - pmf(k) / 2


# Limits near 0 and 1 with large n are where earlier forms lost precision:
# an incomplete beta's complement (1e-11), R's log1p(-k/n) (1e-11), and
# Boost's incomplete beta itself for few successes of 1e9 (4e-8).
CASES = [(1, 10), (3, 17), (7, 30), (1, 1000), (999, 1000), (1, 100_000), (2, 100_000),
         (99_998, 100_000), (30, 100_000), (61, 100_000), (500, 1000), (2, 10**9),
         (10, 10**9), (60, 10**9), (61, 10**9), (10**9 - 2, 10**9)]


@pytest.mark.parametrize(("x", "n"), CASES)
@pytest.mark.parametrize("alpha", [0.4, 0.025, 0.005, 5e-5])
def test_limits_solve_their_equations(x: int, n: int, alpha: float) -> None:
    # The lower limit L solves P(X > x | L) + P(X = x | L)/2 = alpha, the upper
    # U solves P(X < x | U) + P(X = x | U)/2 = alpha. Evaluated exactly at the
    # returned floats, each side of the equation equals alpha to within what
    # moving the limit by 16 ulps would change: the limits are exact to a few ulps.
    low, high = mid_p_limits(np.array([float(x)]), np.array([float(n)]), alpha)
    with localcontext() as ctx:
        ctx.prec = 60
        a = Decimal(alpha)
        for limit, lower_side in ((float(low[0]), True), (float(high[0]), False)):
            # upper side by symmetry: P(X < x | U) = P(Y > n - x | 1 - U), Y = n - X
            k = x if lower_side else n - x
            at = (lambda v: Decimal(v)) if lower_side else (lambda v: 1 - Decimal(v))
            value = _mid_tail_ge(k, n, at(limit))
            step = 16 * (math.nextafter(limit, 2.0) - limit)
            moved = _mid_tail_ge(k, n, at(limit + step))
            assert abs(value - a) <= abs(moved - value), (x, n, alpha, lower_side, limit)


def test_vector_and_scalar_paths_are_the_same_code() -> None:
    rng = np.random.default_rng(11)
    n = rng.integers(1, 2000, 300)
    x = rng.binomial(n, rng.uniform(0, 1, 300))
    ci = binom_ci(x, n, method="mid-p", conf_level=0.9)
    assert isinstance(ci, ConfidenceIntervalArray)
    for i in range(300):
        one = binom_ci(int(x[i]), int(n[i]), method="mid-p", conf_level=0.9)
        assert (ci.low[i], ci.high[i]) == (one.low, one.high)


def test_density_edges_and_total() -> None:
    # the ends are q^n and p^n, outside 0..n is 0, p = 0 or 1 put all mass on
    # one outcome, and the density sums to 1 (exactly, in rationals, for p = 3/8)
    n, p = 50, 0.375
    k = np.arange(-2, n + 3)
    d = binom_pmf(k, n, p)
    exact = [Fraction(0) if j < 0 or j > n else Fraction(math.comb(n, j)) * Fraction(3, 8) ** j
             * Fraction(5, 8) ** (n - j) for j in map(int, k)]
    for got, want in zip(d, exact, strict=True):
        if want == 0:
            assert got == 0.0
        else:
            # tens of ulps of 1 + |log density|: Loader's log density is a sum
            # of half a dozen rounded terms of a few units each
            bound = 32 * 2.0**-53 * (1 + abs(math.log(want)))
            assert abs(Fraction(float(got)) - want) / want <= bound
    assert abs(float(d.sum()) - 1.0) < 1e-14
    assert list(binom_pmf([0, 1, 5], 5, 0.0)) == [1.0, 0.0, 0.0]
    assert list(binom_pmf([0, 4, 5], 5, 1.0)) == [0.0, 0.0, 1.0]



def _above_exact(k: int, n: int, p: float) -> Decimal:
    """P(X > k) at the exact value of the float p, summing the shorter side."""
    with localcontext() as ctx:
        ctx.prec = 80
        pd = Decimal(p)
        qd = 1 - pd

        def term(i: int) -> Decimal:
            return Decimal(math.comb(n, i)) * pd**i * qd ** (n - i)

        if n - k - 1 <= k:
            return sum((term(i) for i in range(k + 1, n + 1)), Decimal(0))
        return 1 - sum((term(i) for i in range(k + 1)), Decimal(0))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        # every path: few terms above k, few at or below k (either side of 1/2),
        # the incomplete beta on both sides of p = 1/2, deep tails
        (0, 10**9, 1.5e-9),  # 1 - q^n: an ulp of q would move q^n by 1e-7
        (2, 10**9, 2.1e-9),  # Boost's betainc is 4e-8 off here
        (30, 5000, 0.009),
        (30, 5000, 0.0035),
        (61, 5000, 0.02),
        (4939, 5000, 0.99),
        (4990, 5000, 0.9975),
        (440, 500, 0.2643),  # 7e-186
        (37, 1999, 2 / 3),  # below 1e-280: 1 - 5.2e-285
        (1961, 1999, 2 / 3),  # 5.2e-285, which Boost flushes to 0
        (250, 500, 0.5),
        (2500, 5000, 0.49),
    ],
)
def test_upper_tail_has_full_relative_precision(k: int, n: int, p: float) -> None:
    got = binom_above(np.array([float(k)]), np.array([float(n)]), np.array([p]),
                      np.array([1.0 - p]))[0]
    exact = _above_exact(k, n, p)
    with localcontext() as ctx:
        ctx.prec = 80
        # a few ulps of 1 + |log tail|, as for the density
        bound = Decimal(32 * 2.0**-53) * (1 + abs(exact.ln()))
        assert abs(Decimal(got) - exact) / exact <= bound, (got, float(exact))
