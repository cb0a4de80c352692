"""Mid-p exact confidence limits for a binomial proportion, vectorised.

The limits of ``binom_ci(..., method="mid-p")`` (Lancaster 1961; Berry &
Armitage 1995): the Clopper-Pearson tail equations with the observed outcome
counted half. No base-R function computes them; the tests solve the same
equations with R's ``pbinom``, ``dbinom`` and ``uniroot``.

Every limit is found as a lower limit: the upper limit for x successes of n is
one minus the lower limit for the n - x failures, so both sides are one
problem over the union of the (k, n) pairs they need (with data roughly
symmetric in successes and failures, half as many roots as limits). Each root
is solved on the logit scale t = log(p / (1 - p)), where p and 1 - p are both
exact to rounding however close to 0 or 1 the limit is: Barndorff-Nielsen's
r* saddle-point approximation to the mid tail (Pierce & Peters 1992) gives the
start, and safeguarded Halley steps on log(mid tail) finish it, with the tail
and Loader's density from ``binom_dist``. Two or three evaluations of the
tail per root reach a few ulps.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from crossval.stats._distinct import distinct_pairs
from crossval.stats.binom_dist import binom_above, binom_pmf_const, binom_pmf_interior

__all__ = ["mid_p_limits"]

FloatArray = NDArray[np.float64]

# Below this one-sided alpha the tail beyond p = 1/2 is evaluated to full
# relative precision (binom_above's slower path).
_COMPLEMENT_ALPHA = 1e-3
# A Halley step from a point whose estimated error e (in t) satisfies
# (1 + |curvature|)^2 e^3 < this is accepted without a further evaluation:
# the step's own error is of that order.
_CUBIC_DONE = 1e-18
_MAX_EVALUATIONS = 100


def _rstar_start(k: FloatArray, n: FloatArray, z: float) -> FloatArray:
    """Approximate lower limits, as logits: Wilson's score limit and a Newton step on r*(t) = z.

    One step takes the start close enough that two Halley steps finish 98% of
    the roots (no step: 76%; more steps gain nothing measurable).
    """
    ph = k / n
    z2 = z * z
    wilson = (ph + z2 / (2 * n) - z * np.sqrt(ph * (1 - ph) / n + z2 / (4 * n * n))) / (1 + z2 / n)
    t = np.log(wilson) - np.log1p(-wilson)
    s = np.log(k) - np.log(n - k)  # logit of k / n: r* is defined for t < s
    c = np.sqrt(n * ph * (1 - ph))
    with np.errstate(all="ignore"):
        p, q = special.expit(t), special.expit(-t)
        w = np.sqrt(np.maximum(2 * (k * np.log(ph / p) + (n - k) * np.log((1 - ph) / q)), 0))
        u = (s - t) * c
        log_uw = np.log(u / w)
        r = w + log_uw / w
        dw = n * (p - ph) / w
        dr = dw + ((-c / u - dw / w) * w - log_uw * dw) / (w * w)
        new = t - (r - z) / dr
    return np.where(np.isfinite(new) & (new < s), new, t)


def _log_mid_tail(
    t: FloatArray, k: FloatArray, n: FloatArray, const: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """log(P(X > k) + P(X = k)/2) at p = expit(t), and its first two t-derivatives."""
    p, q = special.expit(t), special.expit(-t)
    pmf = binom_pmf_interior(k, n, p, q, const)
    # beyond p = 1/2 a small tail may be 1 minus the other one: its absolute
    # error eps is a relative eps / alpha of the mid tail at the root
    above = binom_above(k, n, p, q, absolute=alpha >= _COMPLEMENT_ALPHA)
    mid = above + 0.5 * pmf
    # d P(X >= k)/dp = k pmf / p and d pmf/dp = pmf (k/p - (n-k)/q), so with
    # dp/dt = p q: d mid/dt = pmf (k q + (n - k) p) / 2
    a = k * q + (n - k) * p
    d1 = 0.5 * pmf * a
    d2 = 0.5 * pmf * ((k - n * p) * a + (n - 2 * k) * p * q)
    with np.errstate(divide="ignore", invalid="ignore"):
        h1 = d1 / mid
        return np.log(mid), h1, d2 / mid - h1 * h1


def _inside(v: FloatArray, left: FloatArray, right: FloatArray) -> NDArray[np.bool_]:
    return np.isfinite(v) & (v >= left) & (v <= right)


def _lower_logits(k: FloatArray, n: FloatArray, alpha: float) -> FloatArray:
    """Logits of the mid-p lower limits for 0 < k < n: P(X > k) + P(X = k)/2 = alpha."""
    const = binom_pmf_const(k, n)
    t = _rstar_start(k, n, float(-special.ndtri(alpha)))
    log_alpha = np.log(alpha)
    lo = np.full(t.size, -np.inf)
    hi = np.full(t.size, np.inf)
    todo = np.arange(t.size)
    for _ in range(_MAX_EVALUATIONS):
        if todo.size == 0:
            break
        ta, ka, na = t[todo], k[todo], n[todo]
        log_mid, h1, h2 = _log_mid_tail(ta, ka, na, const[todo], alpha)
        h = log_mid - log_alpha  # increasing in t
        above = h > 0
        hi[todo[above]] = ta[above]
        lo[todo[~above]] = ta[~above]
        with np.errstate(all="ignore"):
            new = ta - 2 * h * h1 / (2 * h1 * h1 - h * h2)
            newton = ta - h / h1
            error = np.abs(h / h1)
            done = (1.0 + np.abs(h2 / h1)) ** 2 * error**3 < _CUBIC_DONE
        left, right = lo[todo], hi[todo]
        new = np.where(_inside(new, left, right), new, newton)
        bracketed = np.isfinite(left) & np.isfinite(right)
        # out of the bracket: bisect it, or walk one unit towards the root
        fallback = np.where(bracketed, 0.5 * (left + right), ta + np.where(above, -1.0, 1.0))
        ok = _inside(new, left, right)
        new = np.where(ok, new, fallback)
        t[todo] = new
        todo = todo[~(done & ok) & (h != 0)]
    return t


def mid_p_limits(x: FloatArray, n: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """Mid-p limits for arrays of x successes of n (1-d, same shape), one-sided ``alpha``.

    The lower limit solves P(X > x) + P(X = x)/2 = alpha and the upper
    P(X < x) + P(X = x)/2 = alpha; 0 at x = 0 and 1 at x = n, and at x = n
    (lower) and x = 0 (upper) the closed forms (2 alpha)^(1/n) and
    1 - (2 alpha)^(1/n).
    """
    low = np.zeros(x.size)
    high = np.ones(x.size)
    root = np.exp(np.log(2.0 * alpha) / n)
    low = np.where(x == n, root, low)
    high = np.where(x == 0, -np.expm1(np.log(2.0 * alpha) / n), high)
    inner = np.flatnonzero((x > 0) & (x < n))
    if inner.size == 0:
        return low, high
    # the lower limit for k = x and the upper as 1 - lower limit for k = n - x
    k = np.concatenate((x[inner], n[inner] - x[inner]))
    nn = np.concatenate((n[inner], n[inner]))
    uk, un, inverse = distinct_pairs(k, nn)
    t = _lower_logits(uk, un, alpha)[inverse]
    low[inner] = special.expit(t[: inner.size])
    high[inner] = special.expit(-t[inner.size :])
    return low, high
