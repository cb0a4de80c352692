"""Confidence intervals and the exact test for one binomial proportion.

Every interval equals the R expression named in its method's description to
within floating-point rounding (see docs/binomial-intervals.md); the formulas
follow R's own operation order so that cancellation errors match as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from crossval.errors import InputError, InputTypeError
from crossval.stats._distinct import distinct_pairs
from crossval.stats._validate import check_conf_level, check_option, frozen_array, shown
from crossval.stats.binom_dist import binom_above, binom_pmf
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.mid_p import mid_p_limits

__all__ = [
    "ALTERNATIVES",
    "METHODS",
    "TWO_SIDED_RULES",
    "BinomTestResult",
    "ConfidenceIntervalArray",
    "binom_ci",
    "binom_test",
]

METHODS = ("clopper-pearson", "wilson", "wilson-cc", "agresti-coull", "jeffreys", "wald", "mid-p")
ALTERNATIVES = ("two-sided", "less", "greater")
TWO_SIDED_RULES = ("r", "sas")
_SLOW_METHODS = ("clopper-pearson", "jeffreys", "mid-p")

# R's binom.test treats outcomes whose density is within this factor of the
# observed one as "equally extreme", so that mathematically equal densities
# that differ by rounding are not split.
_R_REL_ERR = 1.0 + 1e-7

FloatArray = NDArray[np.float64]

_MAX_COUNT = 2.0**53


@dataclass(frozen=True)
class ConfidenceIntervalArray:
    """Element-wise intervals ``[low[i], high[i]]`` for array input (read-only arrays)."""

    low: FloatArray
    high: FloatArray

    def __len__(self) -> int:
        return int(self.low.size)

    def interval(self, index: int) -> ConfidenceInterval:
        """The interval at one (flat) position as a scalar ``ConfidenceInterval``."""
        return ConfidenceInterval(float(self.low.flat[index]), float(self.high.flat[index]))


@dataclass(frozen=True)
class BinomTestResult:
    """Exact binomial test, as R ``binom.test`` (``conf_int`` is Clopper-Pearson)."""

    x: int
    n: int
    p: float
    p_value: float
    estimate: float
    conf_int: ConfidenceInterval
    alternative: str
    two_sided_rule: str
    conf_level: float


# --------------------------------------------------------------------------
# argument checks


def _counts(name: str, value: Any) -> tuple[FloatArray, bool]:
    """Whole, non-negative, finite counts as floats; also whether input was a scalar."""
    if isinstance(value, (str, bytes)):
        raise InputTypeError(f"{name} must be a whole number or an array of them; got a string")
    if isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be a whole number, not a boolean; got {shown(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"{name} must be a whole number or an array of them: {exc}") from None
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must hold whole numbers; got values of dtype {arr.dtype}")
    if arr.size == 0:
        raise InputError(f"{name} is empty; give at least one count")
    out = arr.astype(np.float64)
    bad = ~np.isfinite(out) | (out < 0) | (out != np.floor(out))
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise InputError(
            f"{name} must be a non-negative whole number; got {shown(arr.ravel()[i])}"
            + (f" at position {i}" if arr.ndim else "")
        )
    return out, arr.ndim == 0


def _x_and_n(x: Any, n: Any) -> tuple[FloatArray, FloatArray, bool]:
    xs, x_scalar = _counts("x", x)
    ns, n_scalar = _counts("n", n)
    try:
        xs, ns = np.broadcast_arrays(xs, ns)
    except ValueError:
        raise InputError(
            f"x and n must have broadcastable shapes; got x of shape {xs.shape} "
            f"and n of shape {ns.shape}"
        ) from None
    if (ns < 1).any():
        i = int(np.flatnonzero((ns < 1).ravel())[0])
        raise InputError(f"n must be a whole number >= 1; got {ns.ravel()[i]:g}")
    if (ns >= _MAX_COUNT).any():
        # past 2**53 floats no longer hold every whole number, and scipy's
        # binomial functions fail or return nan
        i = int(np.flatnonzero((ns >= _MAX_COUNT).ravel())[0])
        raise InputError(f"n must be below 2**53 so that counts are exact; got {ns.ravel()[i]:g}")
    if (xs > ns).any():
        i = int(np.flatnonzero((xs > ns).ravel())[0])
        raise InputError(f"x must not exceed n; got x={xs.ravel()[i]:g} with n={ns.ravel()[i]:g}")
    return xs, ns, x_scalar and n_scalar


def _probability(p: Any) -> float:
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"p must be a number in [0, 1]; got {type(p).__name__}")
    value = float(p)
    if not (0.0 <= value <= 1.0):
        raise InputError(f"p must be a number in [0, 1]; got {shown(p)}")
    return value


# --------------------------------------------------------------------------
# intervals


def _clopper_pearson(x: FloatArray, n: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    # Beta-quantile form of the exact limits (Clopper & Pearson 1934): the
    # lower limit is the alpha quantile of Beta(x, n-x+1), the upper the
    # 1-alpha quantile of Beta(x+1, n-x); R's binom.test uses qbeta the same way.
    return _cp_low(x, n, alpha), _cp_high(x, n, alpha)


def _cp_low(x: FloatArray, n: FloatArray, alpha: float) -> FloatArray:
    with np.errstate(all="ignore"):
        low = special.betaincinv(np.maximum(x, 1.0), n - x + 1.0, alpha)
    return np.where(x == 0, 0.0, low)


# betainccinv's upper limit is within 5e-15 of R's qbeta up to n - x = 1e5 and
# drifts from there (1e-11 at 1e6, 3e-10 at 3e7, 2e-8 at 1e9); only those are polished
_POLISH_FROM = 100_000.0


def _cp_high(x: FloatArray, n: FloatArray, alpha: float) -> FloatArray:
    a, b = np.broadcast_arrays(x + 1.0, np.maximum(n - x, 1.0))
    with np.errstate(all="ignore"):
        high = np.array(special.betainccinv(a, b, alpha), dtype=np.float64)
        far = b >= _POLISH_FROM
        if far.any():
            high[far] = _polish_upper(a[far], b[far], alpha, high[far])
    return np.where(x == n, 1.0, high)


def _polish_upper(a: FloatArray, b: FloatArray, q: float, p: FloatArray) -> FloatArray:
    """Newton steps on betaincc(a, b, p) = q from scipy's ``betainccinv`` value ``p``.

    For a few successes among 1e8 or more trials ``betainccinv`` is off by up
    to 2e-8 relative (1 of 1e9 at the 75% quantile: 2.69263448e-9 against
    R's qbeta 2.69263453e-9), while ``betaincc`` itself is accurate there; two
    steps bring the limit to within 1e-11 of R. A step is taken only where it
    is finite, keeps p in (0, 1) and moves it by less than 1e-6 relative, so
    values scipy already has right stay as they are up to rounding.
    """
    for _ in range(2):
        log_pdf = (a - 1.0) * np.log(p) + (b - 1.0) * np.log1p(-p) - special.betaln(a, b)
        step = (special.betaincc(a, b, p) - q) / np.exp(log_pdf)
        moved = p + step
        ok = np.isfinite(moved) & (moved > 0.0) & (moved < 1.0) & (np.abs(step) < 1e-6 * p)
        p = np.where(ok, moved, p)
    return p


def _jeffreys(x: FloatArray, n: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    # Equal-tailed interval of the Beta(x+1/2, n-x+1/2) posterior, with the
    # boundary modification of Brown, Cai & DasGupta (2001, sec. 4.1.2).
    a, b = x + 0.5, n - x + 0.5
    low = np.where(x == 0, 0.0, special.betaincinv(a, b, alpha))
    high = np.where(x == n, 1.0, special.betainccinv(a, b, alpha))
    return low, high


def _score(
    x: FloatArray, n: FloatArray, z: float, yates: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    # Wilson's score interval written exactly as R's prop.test computes it,
    # including the continuity-corrected centre p.c = x/n -/+ YATES/n and the
    # early exits to 0 and 1 when the corrected centre leaves (0, 1).
    est = x / n
    z22n = z**2 / (2.0 * n)
    with np.errstate(invalid="ignore"):
        pc = est + yates / n
        upper = (pc + z22n + z * np.sqrt(pc * (1.0 - pc) / n + z22n / (2.0 * n))) / (
            1.0 + 2.0 * z22n
        )
        p_u = np.where(pc >= 1.0, 1.0, upper)
        pc = est - yates / n
        lower = (pc + z22n - z * np.sqrt(pc * (1.0 - pc) / n + z22n / (2.0 * n))) / (
            1.0 + 2.0 * z22n
        )
        p_l = np.where(pc <= 0.0, 0.0, lower)
    return np.maximum(p_l, 0.0), np.minimum(p_u, 1.0)


def _agresti_coull(x: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    # Agresti & Coull (1998): Wald interval after adding z^2/2 successes and
    # z^2/2 failures; Brown, Cai & DasGupta (2001) eq. 4.
    n_t = n + z**2
    p_t = (x + z**2 / 2.0) / n_t
    half = z * np.sqrt(p_t * (1.0 - p_t) / n_t)
    return np.clip(p_t - half, 0.0, 1.0), np.clip(p_t + half, 0.0, 1.0)


def _wald(x: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    est = x / n
    half = z * np.sqrt(est * (1.0 - est) / n)
    return np.clip(est - half, 0.0, 1.0), np.clip(est + half, 0.0, 1.0)


def binom_ci(
    x: Any,
    n: Any,
    *,
    method: str = "clopper-pearson",
    conf_level: float = 0.95,
) -> ConfidenceInterval | ConfidenceIntervalArray:
    """Two-sided confidence interval for a binomial proportion ``x / n``.

    R equivalents: ``clopper-pearson`` = ``binom.test(x, n)$conf.int``
    (Clopper & Pearson 1934); ``wilson`` = ``prop.test(x, n, correct=FALSE)$conf.int``
    (Wilson 1927); ``wilson-cc`` = ``prop.test(x, n, correct=TRUE)$conf.int``
    (Newcombe 1998, with R's continuity correction min(0.5, |x - n/2|), which is
    relative to prop.test's default null p = 0.5); ``agresti-coull``
    (Agresti & Coull 1998), ``jeffreys`` and ``wald`` as in Brown, Cai &
    DasGupta (2001); ``mid-p`` (Berry & Armitage 1995), solved to within a
    few ulps (``crossval.stats.mid_p``). Scalars give a ``ConfidenceInterval``; arrays (broadcast
    together) give a ``ConfidenceIntervalArray`` of the broadcast shape.
    """
    method = check_option("method", method, METHODS)
    level = check_conf_level(conf_level)
    xs, ns, scalar = _x_and_n(x, n)
    if scalar:
        low, high = _limits(xs, ns, method, level)
        return ConfidenceInterval(float(low), float(high))
    if method in _SLOW_METHODS:
        # Large inputs usually repeat (x, n) pairs (a fixed n, simulated
        # trials): quantiles and roots are then found once per distinct pair.
        ux, un, inverse = distinct_pairs(xs.ravel(), ns.ravel())
        low, high = _limits(ux, un, method, level)
        low, high = low[inverse], high[inverse]
    else:
        low, high = _limits(xs.ravel(), ns.ravel(), method, level)
    return ConfidenceIntervalArray(
        frozen_array(low.reshape(xs.shape)), frozen_array(high.reshape(xs.shape))
    )


def _limits(
    xs: FloatArray, ns: FloatArray, method: str, level: float
) -> tuple[FloatArray, FloatArray]:
    alpha = (1.0 - level) / 2.0
    z = float(special.ndtri((1.0 + level) / 2.0))
    if method == "clopper-pearson":
        low, high = _clopper_pearson(xs, ns, alpha)
    elif method == "wilson":
        low, high = _score(xs, ns, z, 0.0)
    elif method == "wilson-cc":
        low, high = _score(xs, ns, z, np.minimum(0.5, np.abs(xs - ns * 0.5)))
    elif method == "agresti-coull":
        low, high = _agresti_coull(xs, ns, z)
    elif method == "jeffreys":
        low, high = _jeffreys(xs, ns, alpha)
    elif method == "wald":
        low, high = _wald(xs, ns, z)
    else:
        low, high = mid_p_limits(np.atleast_1d(xs), np.atleast_1d(ns), alpha)
        low, high = low.reshape(xs.shape), high.reshape(xs.shape)
    return low, high


# --------------------------------------------------------------------------
# exact test


#: Ranges of outcomes up to this length are scanned density by density, as R
#: does; longer ones are counted by bisection on the unimodal density.
VECTOR_SCAN_LIMIT = 2_000_000


def _tail(k: int, n: int, p: float, *, above: bool) -> float:
    """P(X > k) if ``above``, else P(X <= k): R ``pbinom(k, n, p, lower.tail = !above)``."""
    if k < 0:
        return float(above)
    if k >= n:
        return float(not above)
    if p == 0.0 or p == 1.0:
        return float(above == (p == 1.0))
    # P(X <= k) = P(n - X > n - k - 1), n - X ~ Binomial(n, 1 - p)
    kk, pp, qq = (k, p, 1.0 - p) if above else (n - k - 1, 1.0 - p, p)
    one = np.ones(1)
    return float(binom_above(kk * one, n * one, pp * one, qq * one)[0])


def _cdf(k: int, n: int, p: float) -> float:
    return _tail(k, n, p, above=False)


def _sf(k: int, n: int, p: float) -> float:
    return _tail(k, n, p, above=True)


def _count_at_most(lo: int, hi: int, threshold: float, n: int, p: float) -> int:
    """How many outcomes i in [lo, hi] have density d(i) <= threshold."""
    if hi - lo + 1 <= VECTOR_SCAN_LIMIT:
        i = np.arange(lo, hi + 1)
        return int(np.count_nonzero(binom_pmf(i, n, p) <= threshold))
    # The binomial density rises up to its mode floor((n+1)p) and falls
    # after it, so {d <= threshold} is a prefix of the rising part plus a
    # suffix of the falling part; both ends are found by bisection.
    mode = min(max(int(np.floor((n + 1) * p)), lo), hi)

    def low_enough(i: int) -> bool:
        return bool(binom_pmf(i, n, p) <= threshold)

    count = 0
    a, b = lo, mode  # rising part: last index with d <= threshold
    if low_enough(a):
        while a < b:
            mid = (a + b + 1) // 2
            a, b = (mid, b) if low_enough(mid) else (a, mid - 1)
        count += a - lo + 1
    a, b = mode + 1, hi  # falling part: first index with d <= threshold
    if a <= b and low_enough(b):
        while a < b:
            mid = (a + b) // 2
            a, b = (a, mid) if low_enough(mid) else (mid + 1, b)
        count += hi - a + 1
    return count


def _two_sided_r(x: int, n: int, p: float) -> float:
    # R binom.test: add the probability of every outcome on the other side of
    # the mean whose density is at most d(x) * (1 + 1e-7).
    if p == 0.0:
        return float(x == 0)
    if p == 1.0:
        return float(x == n)
    threshold = float(binom_pmf(x, n, p)) * _R_REL_ERR
    m = n * p
    if x == m:
        return 1.0
    if x < m:
        y = _count_at_most(int(np.ceil(m)), n, threshold, n, p)
        pval = _cdf(x, n, p) + _sf(n - y, n, p)
    else:
        y = _count_at_most(0, int(np.floor(m)), threshold, n, p)
        pval = _cdf(y - 1, n, p) + _sf(x - 1, n, p)
    return min(1.0, pval)


def _two_sided_sas(x: int, n: int, p: float) -> float:
    # SAS PROC FREQ (BINOMIAL, EXACT BINOMIAL): the one-sided p-value is the
    # tail in the direction of the observed proportion -- right, P(X >= x),
    # when x/n > p, else left, P(X <= x) -- and the two-sided p-value is twice
    # it, capped at 1.
    if x > n * p:
        one = _sf(x - 1, n, p)
    else:
        one = _cdf(x, n, p)
    return min(1.0, 2.0 * one)


def binom_test(
    x: Any,
    n: Any,
    p: float = 0.5,
    *,
    alternative: str = "two-sided",
    two_sided_rule: str = "r",
    conf_level: float = 0.95,
) -> BinomTestResult:
    """Exact binomial test of ``H0: P(success) = p``, as R ``binom.test(x, n, p)``.

    One-sided p-values are the binomial tails P(X <= x) (``less``) and
    P(X >= x) (``greater``). Two-sided, ``two_sided_rule="r"`` is R's rule
    (Clopper & Pearson's "minimum likelihood" method; Fay 2010): the sum of
    the probabilities of all outcomes y with d(y) <= d(x) * (1 + 1e-7).
    ``two_sided_rule="sas"`` is SAS PROC FREQ's exact binomial test: twice
    the one-sided p-value in the direction of the observed proportion
    (P(X >= x) when x/n > p, else P(X <= x)), capped at 1. The two agree for
    p = 0.5, where the distribution is symmetric; for skewed nulls they differ
    because R counts the outcomes on the far side by their probability while
    SAS doubles the near tail. ``conf_int`` is Clopper-Pearson, one-sided for
    ``less`` / ``greater`` as in R.
    """
    alternative = check_option("alternative", alternative, ALTERNATIVES)
    rule = check_option("two_sided_rule", two_sided_rule, TWO_SIDED_RULES)
    level = check_conf_level(conf_level)
    xs, ns, scalar = _x_and_n(x, n)
    if not scalar:
        raise InputTypeError("x and n must be single whole numbers for binom_test; got arrays")
    prob = _probability(p)
    xi, ni = int(xs), int(ns)
    if alternative == "less":
        pval = _cdf(xi, ni, prob)
        _, high = _clopper_pearson(xs, ns, 1.0 - level)
        ci = ConfidenceInterval(0.0, float(high))
    elif alternative == "greater":
        pval = _sf(xi - 1, ni, prob)
        low, _ = _clopper_pearson(xs, ns, 1.0 - level)
        ci = ConfidenceInterval(float(low), 1.0)
    else:
        pval = _two_sided_r(xi, ni, prob) if rule == "r" else _two_sided_sas(xi, ni, prob)
        low, high = _clopper_pearson(xs, ns, (1.0 - level) / 2.0)
        ci = ConfidenceInterval(float(low), float(high))
    return BinomTestResult(
        x=xi,
        n=ni,
        p=prob,
        p_value=pval,
        estimate=xi / ni,
        conf_int=ci,
        alternative=alternative,
        two_sided_rule=rule,
        conf_level=level,
    )
