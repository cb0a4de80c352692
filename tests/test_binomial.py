"""crossval.stats.binomial against live R (binom.test, prop.test, qbeta) and hand derivations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossval.errors import InputError, InputTypeError
from crossval.stats import binomial
from crossval.stats.binomial import (
    METHODS,
    BinomTestResult,
    ConfidenceIntervalArray,
    binom_ci,
    binom_test,
)
from crossval.stats.interval import ConfidenceInterval
from rscript_helper import run_rows

REL_TOL = 1e-9

# ---------------------------------------------------------------------------
# live R: fixed scripts, inputs passed as a CSV file, output read back as CSV
# (rscript_helper.run_rows: each script reads the matrix d and writes with put())

# One row per (x, n, conf_level): the limits of every method.
# wilson / wilson-cc are prop.test's own; clopper-pearson is binom.test's;
# agresti-coull, jeffreys and wald are their formulas evaluated with R's
# qnorm / qbeta; mid-p solves the mid-p tail equations with uniroot to
# machine precision, bracketed by Clopper-Pearson limits.
R_CI = """
midp <- function(x, n, a) {
  lo <- if (x == 0) 0 else {
    f <- function(p) pbinom(x, n, p, lower.tail = FALSE) + 0.5 * dbinom(x, n, p) - a
    hi <- if (x == n) 1 else qbeta(a, x + 1, n - x)
    uniroot(f, c(qbeta(a, x, n - x + 1), hi), tol = 1e-300, maxiter = 5000)$root
  }
  up <- if (x == n) 1 else {
    g <- function(p) pbinom(x - 1, n, p) + 0.5 * dbinom(x, n, p) - a
    lw <- if (x == 0) 0 else qbeta(1 - a, x, n - x + 1)
    uniroot(g, c(lw, qbeta(1 - a, x + 1, n - x)), tol = 1e-300, maxiter = 5000)$root
  }
  c(lo, up)
}
res <- t(apply(d, 1, function(r) {
  x <- r[1]; n <- r[2]; cl <- r[3]
  a <- (1 - cl) / 2; z <- qnorm(1 - a); ph <- x / n
  cp <- binom.test(x, n, conf.level = cl)$conf.int
  wi <- suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = cl)$conf.int)
  wc <- suppressWarnings(prop.test(x, n, correct = TRUE, conf.level = cl)$conf.int)
  nt <- n + z^2; pt <- (x + z^2 / 2) / nt; h <- z * sqrt(pt * (1 - pt) / nt)
  ac <- c(max(0, pt - h), min(1, pt + h))
  je <- c(if (x == 0) 0 else qbeta(a, x + 0.5, n - x + 0.5),
          if (x == n) 1 else qbeta(1 - a, x + 0.5, n - x + 0.5))
  hw <- z * sqrt(ph * (1 - ph) / n)
  wa <- c(max(0, ph - hw), min(1, ph + hw))
  c(cp, wi, wc, ac, je, wa, midp(x, n, a))
}))
put(res)
"""

R_METHOD_ORDER = (
    "clopper-pearson",
    "wilson",
    "wilson-cc",
    "agresti-coull",
    "jeffreys",
    "wald",
    "mid-p",
)

CI_CASES = [
    (x, n, cl)
    for (x, n) in [
        (0, 1),
        (1, 1),
        (0, 10),
        (1, 10),
        (5, 10),
        (9, 10),
        (10, 10),
        (3, 17),
        (7, 100),
        (50, 100),
        (99, 100),
        (123, 1000),
        (0, 1_000_000),
        (1, 1_000_000),
        (500_000, 1_000_000),
        (999_999, 1_000_000),
        (1_000_000, 1_000_000),
    ]
    for cl in (0.95, 0.9, 0.99)
]


def rel_diff(ours: float, ref: float) -> float:
    """|ours - ref| / |ref|, 0 when both are equal (incl. both 0 or both inf)."""
    if ours == ref:
        return 0.0
    if ref == 0.0 or not math.isfinite(ref):
        return math.inf
    return abs(ours - ref) / abs(ref)


@pytest.fixture(scope="module")
def r_intervals() -> np.ndarray:
    return run_rows(R_CI, [list(c) for c in CI_CASES])


# A few successes among 1e8-1e9 trials: scipy's betainccinv alone misses R's
# upper Clopper-Pearson limit by up to 1.8e-8 relative here (1 of 1e9 at 50%).
LARGE_N_CASES = [
    (x, n, cl)
    for (x, n) in [(1, 100_000_000), (10, 300_000_000), (1, 10**9), (5, 10**9), (10, 10**9)]
    for cl in (0.5, 0.95, 0.99)
]
# binom.test's own interval, without its two-sided p (a sum over 1e9 terms here):
# stats:::binom.test takes qbeta(a, x, n - x + 1) and qbeta(1 - a, x + 1, n - x).
R_CLOPPER_PEARSON = """
res <- t(apply(d, 1, function(r) {
  x <- r[1]; n <- r[2]; a <- (1 - r[3]) / 2
  c(if (x == 0) 0 else qbeta(a, x, n - x + 1), if (x == n) 1 else qbeta(1 - a, x + 1, n - x))
}))
put(res)
"""


@pytest.mark.r
def test_clopper_pearson_with_huge_n_matches_r() -> None:
    ref = run_rows(R_CLOPPER_PEARSON, [list(c) for c in LARGE_N_CASES])
    for (x, n, cl), (low, high) in zip(LARGE_N_CASES, ref, strict=True):
        ci = binom_ci(x, n, conf_level=cl)
        assert rel_diff(ci.low, float(low)) <= REL_TOL, (x, n, cl, ci.low, float(low))
        assert rel_diff(ci.high, float(high)) <= REL_TOL, (x, n, cl, ci.high, float(high))
    xs, ns = np.array([c[0] for c in LARGE_N_CASES]), np.array([c[1] for c in LARGE_N_CASES])
    at_95 = [i for i, c in enumerate(LARGE_N_CASES) if c[2] == 0.95]
    arr = binom_ci(xs[at_95], ns[at_95], conf_level=0.95)
    for k, i in enumerate(at_95):
        assert rel_diff(float(arr.high[k]), float(ref[i][1])) <= REL_TOL


@pytest.mark.r
@pytest.mark.parametrize("method", R_METHOD_ORDER)
def test_binom_ci_matches_r(method: str, r_intervals: np.ndarray) -> None:
    col = 2 * R_METHOD_ORDER.index(method)
    worst = 0.0
    for (x, n, cl), ref in zip(CI_CASES, r_intervals, strict=True):
        ci = binom_ci(x, n, method=method, conf_level=cl)
        assert isinstance(ci, ConfidenceInterval)
        for ours, theirs in ((ci.low, ref[col]), (ci.high, ref[col + 1])):
            d = rel_diff(ours, float(theirs))
            worst = max(worst, d)
            assert d <= REL_TOL, (method, x, n, cl, ours, float(theirs))
    assert worst <= REL_TOL


@pytest.mark.r
@pytest.mark.parametrize("method", R_METHOD_ORDER)
def test_binom_ci_vectorised_matches_r(method: str, r_intervals: np.ndarray) -> None:
    col = 2 * R_METHOD_ORDER.index(method)
    for cl in (0.95, 0.9, 0.99):
        rows = [i for i, c in enumerate(CI_CASES) if c[2] == cl]
        x = np.array([CI_CASES[i][0] for i in rows])
        n = np.array([CI_CASES[i][1] for i in rows])
        ci = binom_ci(x, n, method=method, conf_level=cl)
        assert isinstance(ci, ConfidenceIntervalArray)
        ref = r_intervals[rows]
        for ours, theirs in ((ci.low, ref[:, col]), (ci.high, ref[:, col + 1])):
            exact = ours == theirs
            rel = np.abs(ours - theirs) / np.where(theirs == 0, 1.0, np.abs(theirs))
            assert (exact | (rel <= REL_TOL)).all(), (method, cl, ours, theirs)


# ---------------------------------------------------------------------------
# hand derivations


def test_clopper_pearson_closed_forms() -> None:
    # x = 0: P(X >= 0) = 1 leaves only the upper limit, where
    # P(X <= 0) = (1 - p)^n = alpha/2, so p = 1 - (alpha/2)^(1/n).
    # x = n: symmetric, lower limit p^n = alpha/2, so p = (alpha/2)^(1/n).
    for n in (1, 2, 10, 250):
        ci0 = binom_ci(0, n)
        assert ci0.low == 0.0
        assert ci0.high == pytest.approx(1.0 - 0.025 ** (1.0 / n), rel=1e-13)
        cin = binom_ci(n, n)
        assert cin.high == 1.0
        assert cin.low == pytest.approx(0.025 ** (1.0 / n), rel=1e-13)


def _binom_tail_ge(x: int, n: int, p: float) -> float:
    # P(X >= x) summed term by term with exact binomial coefficients
    return sum(math.comb(n, k) * p**k * (1.0 - p) ** (n - k) for k in range(x, n + 1))


def test_clopper_pearson_solves_tail_equations() -> None:
    # The lower limit p_L solves P(X >= x | p_L) = alpha/2 and the upper
    # p_U solves P(X <= x | p_U) = alpha/2 (Clopper & Pearson 1934).
    for x, n in ((1, 5), (3, 12), (7, 30)):
        ci = binom_ci(x, n, conf_level=0.9)
        assert _binom_tail_ge(x, n, ci.low) == pytest.approx(0.05, rel=1e-10)
        assert 1.0 - _binom_tail_ge(x + 1, n, ci.high) == pytest.approx(0.05, rel=1e-10)


def test_mid_p_closed_forms_and_equations() -> None:
    # x = 0: the upper limit solves (1 - p)^n / 2 = alpha/2, i.e. p = 1 - alpha^(1/n);
    # x = n: the lower limit solves p^n / 2 = alpha/2, i.e. p = alpha^(1/n).
    n = 20
    assert binom_ci(0, n, method="mid-p").high == pytest.approx(1 - 0.05 ** (1 / n), rel=1e-13)
    assert binom_ci(n, n, method="mid-p").low == pytest.approx(0.05 ** (1 / n), rel=1e-13)
    # interior: P(X > x) + P(X = x)/2 = alpha/2 at the lower limit
    x = 6
    ci = binom_ci(x, n, method="mid-p")
    pmf = math.comb(n, x) * ci.low**x * (1 - ci.low) ** (n - x)
    assert _binom_tail_ge(x + 1, n, ci.low) + pmf / 2 == pytest.approx(0.025, rel=1e-10)


def test_wilson_at_zero() -> None:
    # With x = 0 the score interval's upper limit is (z^2/2n + z*sqrt(z^2/4n^2)) / (1 + z^2/n)
    # = z^2 / (n + z^2); the lower limit is 0.
    z = 1.959963984540054  # qnorm(0.975)
    for n in (1, 7, 40):
        ci = binom_ci(0, n, method="wilson")
        assert ci.low == 0.0
        assert ci.high == pytest.approx(z**2 / (n + z**2), rel=1e-12)


def test_wilson_cc_has_no_correction_at_half() -> None:
    # R's YATES = min(0.5, |x - n/2|) vanishes when x = n/2, so the corrected
    # interval equals the uncorrected one there.
    assert binom_ci(5, 10, method="wilson-cc") == binom_ci(5, 10, method="wilson")
    assert binom_ci(6, 10, method="wilson-cc") != binom_ci(6, 10, method="wilson")


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 300), frac=st.floats(0, 1), method=st.sampled_from(METHODS))
def test_interval_properties(n: int, frac: float, method: str) -> None:
    # Every method is symmetric in successes and failures and stays in [0, 1].
    x = round(frac * n)
    ci = binom_ci(x, n, method=method)
    mirror = binom_ci(n - x, n, method=method)
    assert 0.0 <= ci.low <= ci.high <= 1.0
    assert ci.low == pytest.approx(1.0 - mirror.high, abs=1e-12)
    assert ci.high == pytest.approx(1.0 - mirror.low, abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_array_input_matches_scalars(method: str) -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(1, 500, size=60)
    x = (rng.random(60) * (n + 1)).astype(int).clip(0, n)
    x[:3] = [0, n[1], 1]
    ci = binom_ci(x, n, method=method, conf_level=0.9)
    assert isinstance(ci, ConfidenceIntervalArray)
    assert len(ci) == 60
    for i in range(60):
        one = binom_ci(int(x[i]), int(n[i]), method=method, conf_level=0.9)
        assert ci.low[i] == pytest.approx(one.low, rel=1e-12, abs=1e-300)
        assert ci.high[i] == pytest.approx(one.high, rel=1e-12, abs=1e-300)
        assert ci.interval(i) == ConfidenceInterval(float(ci.low[i]), float(ci.high[i]))
    with pytest.raises(ValueError):
        ci.low[0] = 0.5  # results are read-only


@pytest.mark.parametrize("method", ["clopper-pearson", "jeffreys", "mid-p"])
def test_repeated_pairs_map_back_in_order(method: str) -> None:
    # Distinct (x, n) pairs are solved once and mapped back to every position.
    x = np.array([[3, 0, 3, 7], [7, 0, 10, 3]])
    n = np.array([[10, 10, 12, 10], [10, 5, 10, 10]])
    ci = binom_ci(x, n, method=method)
    assert isinstance(ci, ConfidenceIntervalArray)
    for i, j in np.ndindex(x.shape):
        one = binom_ci(int(x[i, j]), int(n[i, j]), method=method)
        assert (ci.low[i, j], ci.high[i, j]) == pytest.approx((one.low, one.high), rel=1e-13)


def test_broadcasting_and_shape() -> None:
    ci = binom_ci(np.array([[0, 1], [2, 3]]), 3, method="wilson")
    assert isinstance(ci, ConfidenceIntervalArray)
    assert ci.low.shape == (2, 2)
    assert ci.low[1, 1] == binom_ci(3, 3, method="wilson").low


# ---------------------------------------------------------------------------
# binom_test

TEST_CASES = [
    (7, 100, 0.1),
    (0, 10, 0.3),
    (10, 10, 0.3),
    (3, 20, 0.5),
    (682, 925, 0.75),
    (5, 20, 0.2),
    (1, 1, 0.5),
    (0, 1, 0.5),
    (2, 2, 0.3),
    (10, 20, 0.5),
    (500_000, 1_000_000, 0.5),
    (499_000, 1_000_000, 0.5),
    (1_234, 1_000_000, 0.001),
    (0, 5, 0.0),
    (3, 5, 0.0),
    (5, 5, 1.0),
    (4, 5, 1.0),
]

# One row per (x, n, p): two-sided, less and greater p-values with their
# conf.int, then SAS's rule as twice the near tail from pbinom.
R_TEST = """
res <- t(apply(d, 1, function(r) {
  x <- r[1]; n <- r[2]; p <- r[3]
  out <- c()
  for (alt in c("two.sided", "less", "greater")) {
    b <- binom.test(x, n, p, alternative = alt)
    out <- c(out, as.numeric(b$p.value), b$conf.int)
  }
  near <- if (x > n * p) pbinom(x - 1, n, p, lower.tail = FALSE) else pbinom(x, n, p)
  c(out, min(1, 2 * near))
}))
put(res)
"""


@pytest.mark.r
def test_binom_test_matches_r() -> None:
    ref = run_rows(R_TEST, [list(c) for c in TEST_CASES])
    for (x, n, p), row in zip(TEST_CASES, ref, strict=True):
        for k, alt in enumerate(("two-sided", "less", "greater")):
            res = binom_test(x, n, p, alternative=alt)
            assert isinstance(res, BinomTestResult)
            expected_p, lo, hi = row[3 * k : 3 * k + 3]
            assert rel_diff(res.p_value, expected_p) <= REL_TOL, (x, n, p, alt)
            assert rel_diff(res.conf_int.low, lo) <= REL_TOL, (x, n, p, alt)
            assert rel_diff(res.conf_int.high, hi) <= REL_TOL, (x, n, p, alt)
            assert res.estimate == x / n
        sas = binom_test(x, n, p, two_sided_rule="sas")
        assert rel_diff(sas.p_value, row[9]) <= REL_TOL, (x, n, p, "sas")


def test_two_sided_rules_by_hand() -> None:
    # n = 2, p = 0.3: d(0) = 0.49, d(1) = 0.42, d(2) = 0.09. Observed x = 2.
    # R: outcomes with d(y) <= 0.09 * (1 + 1e-7) are y = 2 only -> p = 0.09.
    # SAS: x/n = 1 > 0.3, so the near tail is P(X >= 2) = 0.09, doubled -> 0.18.
    r = binom_test(2, 2, 0.3)
    sas = binom_test(2, 2, 0.3, two_sided_rule="sas")
    assert r.p_value == pytest.approx(0.09, rel=1e-12)
    assert sas.p_value == pytest.approx(0.18, rel=1e-12)
    assert (r.two_sided_rule, sas.two_sided_rule) == ("r", "sas")
    # p = 0.5, n = 4, x = 1: symmetric, both rules give 2 * P(X <= 1) = 2 * 5/16.
    assert binom_test(1, 4).p_value == pytest.approx(10 / 16, rel=1e-12)
    assert binom_test(1, 4, two_sided_rule="sas").p_value == pytest.approx(10 / 16, rel=1e-12)
    # x at the mean: R returns exactly 1.
    assert binom_test(5, 10).p_value == 1.0


def test_bisection_count_equals_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    # Long outcome ranges are counted by bisection on the unimodal density;
    # forcing that path everywhere must reproduce R's element-by-element scan.
    cases = [(7, 100, 0.1), (0, 50, 0.2), (50, 50, 0.2), (33, 100, 1 / 3), (32, 100, 1 / 3)]
    cases += [(1_234, 1_000_000, 0.001), (499_000, 1_000_000, 0.5), (682, 925, 0.75)]
    scanned = [binom_test(x, n, p).p_value for x, n, p in cases]
    monkeypatch.setattr(binomial, "VECTOR_SCAN_LIMIT", 0)
    assert [binom_test(x, n, p).p_value for x, n, p in cases] == scanned


R_SYMMETRIC = """
put(t(apply(d, 1, function(r) 2 * pbinom(r[1] - 1, r[2], 0.5, lower.tail = FALSE))))
"""


@pytest.mark.r
def test_binom_test_huge_n() -> None:
    # n = 1e9 (bisection path). With p = 0.5 the distribution is symmetric, so R's
    # rule gives 2 * P(X >= x) for x above n/2 (binom.test itself would allocate
    # a vector of 5e8 densities).
    x, n = 500_030_000, 1_000_000_000
    ref = float(run_rows(R_SYMMETRIC, [[x, n]])[0, 0])
    assert rel_diff(binom_test(x, n).p_value, ref) <= REL_TOL


def test_binom_test_one_sided_intervals() -> None:
    # R: "less" gives [0, upper] at level conf_level (alpha not halved).
    less = binom_test(3, 10, alternative="less", conf_level=0.9)
    assert less.conf_int.low == 0.0
    assert less.conf_int.high == binom_ci(3, 10, conf_level=0.8).high
    greater = binom_test(3, 10, alternative="greater", conf_level=0.9)
    assert greater.conf_int.high == 1.0
    assert greater.conf_int.low == binom_ci(3, 10, conf_level=0.8).low


# ---------------------------------------------------------------------------
# bad input: every message names the argument


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"x": -1, "n": 10}, InputError, "x"),
        ({"x": 1.5, "n": 10}, InputError, "x"),
        ({"x": "3", "n": 10}, InputTypeError, "x"),
        ({"x": True, "n": 10}, InputTypeError, "x"),
        ({"x": float("nan"), "n": 10}, InputError, "x"),
        ({"x": 3, "n": 0}, InputError, "n"),
        ({"x": 3, "n": float("inf")}, InputError, "n"),
        ({"x": 11, "n": 10}, InputError, "x must not exceed n"),
        ({"x": [1, 2, 3], "n": [10, 10]}, InputError, "x and n"),
        ({"x": [], "n": 10}, InputError, "x"),
        ({"x": 3, "n": 10, "method": "exact"}, InputError, "method"),
        ({"x": 3, "n": 10, "method": 1}, InputTypeError, "method"),
        ({"x": 3, "n": 10, "conf_level": 1.5}, InputError, "conf_level"),
        ({"x": 3, "n": 10, "conf_level": "95%"}, InputTypeError, "conf_level"),
    ],
)
def test_binom_ci_bad_input(kwargs: dict[str, object], exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name):
        binom_ci(**kwargs)  # type: ignore[arg-type]


def test_method_error_lists_allowed_values() -> None:
    with pytest.raises(InputError) as info:
        binom_ci(1, 2, method="score")
    for m in METHODS:
        assert repr(m) in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"p": 1.5}, InputError, "p must"),
        ({"p": -0.1}, InputError, "p must"),
        ({"p": "0.5"}, InputTypeError, "p must"),
        ({"alternative": "two.sided"}, InputError, "alternative"),
        ({"two_sided_rule": "stata"}, InputError, "two_sided_rule"),
        ({"conf_level": 0}, InputError, "conf_level"),
        ({"x": [1, 2]}, InputTypeError, "x and n"),
        ({"n": 2}, InputError, "x must not exceed n"),
    ],
)
def test_binom_test_bad_input(kwargs: dict[str, object], exc: type[Exception], name: str) -> None:
    args: dict[str, object] = {"x": 3, "n": 10}
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        binom_test(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["clopper-pearson", "mid-p"])
def test_distinct_pairs_of_large_counts_are_not_merged(method: str) -> None:
    # With n near 1e9 the pair key x * (max n + 1) + n passes 2**53; built in
    # floats it made (123456789, 10**9 + 1) and (123456788, 10**9) one key, and
    # both got the interval of one of them.
    x = np.array([123_456_789, 123_456_788, 123_456_789])
    n = np.array([10**9 + 1, 10**9, 10**9 + 1])
    ci = binom_ci(x, n, method=method)
    assert isinstance(ci, ConfidenceIntervalArray)
    for i in range(3):
        one = binom_ci(int(x[i]), int(n[i]), method=method)
        assert (ci.low[i], ci.high[i]) == (one.low, one.high)
    assert ci.low[0] != ci.low[1]
