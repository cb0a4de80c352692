"""crossval.stats.contingency against live R (fisher.test, chisq.test) and hand derivations."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from crossval.errors import InputError, InputTypeError
from crossval.stats import contingency
from crossval.stats.contingency import (
    CHI2_WARNING,
    Chi2Result,
    FisherResult,
    GTestResult,
    chi2_test,
    fisher_exact,
    g_test,
)
from crossval.stats.interval import ConfidenceInterval
from rscript_helper import run_rows

REL_TOL = 1e-9
# R's uniroot default tolerance, .Machine$double.eps^0.25: fisher.test's
# estimate and interval are only that close to the root on uniroot's own
# scale (the odds ratio below 1, its reciprocal above 1).
UNIROOT_TOL = 2.220446049250313e-16**0.25

# ---------------------------------------------------------------------------
# live R: fixed scripts, inputs passed as a CSV file, output read back as CSV


def run_r(script: str, rows: list[list[float]]) -> np.ndarray:
    """``run_rows`` on cases of different lengths (each: nrow, ncol, cells), padded with 0."""
    width = max(len(r) for r in rows)
    return run_rows(script, [list(r) + [0.0] * (width - len(r)) for r in rows], timeout=600)


# R code after rscript_helper.R_ROWS_PROLOGUE (``d``, ``put``).
R_HEADER = """
# a row holds nrow, ncol and the cells row by row (then padding)
as_table <- function(r) matrix(r[3:(2 + r[1] * r[2])], nrow = r[1], byrow = TRUE)
warned <- function(expr) {
  w <- 0
  val <- withCallingHandlers(expr, warning = function(c) {
    if (grepl("approximation may be incorrect", conditionMessage(c))) w <<- 1
    invokeRestart("muffleWarning")
  })
  list(val, w)
}
"""

# 2x2: fisher.test for each alternative (p, estimate, conf.int), then the
# conditional MLE and 95% limits re-solved with uniroot at tol 1e-14 in
# log(odds ratio), then chisq.test without and with Yates' correction.
R_2X2 = R_HEADER + """
tight <- function(x, m, n, k) {
  lo <- max(0, k - n); hi <- min(k, m); s <- lo:hi
  logdc <- dhyper(s, m, n, k, log = TRUE)
  w <- function(t) { v <- logdc + t * s; e <- exp(v - max(v)); e / sum(e) }
  solve <- function(f) {
    a <- -1; b <- 1
    while (f(a) * f(b) > 0) { a <- 2 * a; b <- 2 * b }
    exp(uniroot(f, c(a, b), tol = 1e-14, maxiter = 5000)$root)
  }
  mle <- if (x == lo) 0 else if (x == hi) Inf else solve(function(t) sum(s * w(t)) - x)
  low <- if (x == lo) 0 else solve(function(t) log(sum(w(t)[s >= x])) - log(0.025))
  up <- if (x == hi) Inf else solve(function(t) log(sum(w(t)[s <= x])) - log(0.025))
  c(mle, low, up)
}
res <- t(apply(d, 1, function(r) {
  t2 <- as_table(r)
  out <- c()
  for (alt in c("two.sided", "less", "greater")) {
    f <- fisher.test(t2, alternative = alt)
    out <- c(out, f$p.value, f$estimate, f$conf.int)
  }
  out <- c(out, tight(t2[1, 1], sum(t2[, 1]), sum(t2[, 2]), sum(t2[1, ])))
  for (cc in c(FALSE, TRUE)) {
    ch <- warned(chisq.test(t2, correct = cc))
    out <- c(out, ch[[1]]$statistic, ch[[1]]$p.value, ch[[2]])
  }
  out
}))
put(res)
"""

R_FISHER_RXC = R_HEADER + """
res <- t(apply(d, 1, function(r) fisher.test(as_table(r), workspace = 2e7)$p.value))
put(t(res))
"""

R_CHISQ = R_HEADER + """
res <- t(apply(d, 1, function(r) {
  tab <- as_table(r)
  ch <- warned(chisq.test(tab, correct = FALSE))
  e <- ch[[1]]$expected
  nz <- tab > 0
  g <- 2 * sum(tab[nz] * log(tab[nz] / e[nz]))
  df <- (nrow(tab) - 1) * (ncol(tab) - 1)
  c(ch[[1]]$statistic, ch[[1]]$parameter, ch[[1]]$p.value, ch[[2]], g,
    pchisq(g, df, lower.tail = FALSE))
}))
put(res)
"""

TABLES_2X2 = [
    [[38, 62], [19, 31]],
    [[23, 77], [11, 39]],
    [[29, 71], [15, 35]],
    [[99, 1], [50, 0]],
    [[5, 95], [2, 48]],
    [[63, 37], [32, 18]],
    [[3, 1], [1, 3]],
    [[12, 5], [3, 20]],
    [[1, 2], [3, 4]],
    [[10, 0], [0, 10]],
    [[0, 7], [9, 4]],
    [[2, 31], [0, 28]],
    [[2000, 3000], [2500, 2400]],
    # large counts: the odds ratio's searches sum over the few thousand support
    # points that carry weight, not all 500,000; and the searches' weights are
    # taken from the observed count, so their rounding stays small
    [[7853, 1840], [24, 283]],
    [[260_000, 240_000], [230_000, 270_000]],
    [[50_000, 1], [2, 50_000]],
]
DEGENERATE_2X2 = [[[0, 5], [0, 7]], [[0, 0], [3, 7]]]  # a zero margin

TABLES_RXC = [
    [[70, 36], [27, 12], [3, 2]],
    [[77, 37], [14, 8], [9, 5]],
    [[2, 0], [0, 2], [1, 1]],
    [[1, 0, 4], [3, 2, 0]],
    [[5, 3, 1], [4, 2, 2], [3, 6, 1], [2, 2, 4], [1, 3, 5]],
    [[20, 10, 3], [17, 11, 4], [15, 12, 5], [14, 10, 3], [12, 10, 4]],
    [[3, 0, 0, 4], [0, 5, 1, 0], [2, 2, 2, 1]],
    # 5 x 3 with N about 1000 (a baseline table with rare categories)
    [[300, 310, 305], [20, 25, 22], [3, 5, 2], [1, 0, 2], [2, 1, 4]],
    [[250, 5, 3], [240, 8, 2], [230, 4, 6], [150, 10, 1], [90, 2, 0]],
]
ZERO_MARGIN_RXC = [
    [[10, 5], [0, 0], [3, 7]],
    [[4, 0, 2], [1, 0, 6], [0, 0, 3]],
    [[0, 0, 0], [0, 0, 0], [2, 3, 4]],
]


def flat(table: list[list[int]]) -> list[float]:
    return [len(table), len(table[0]), *(v for row in table for v in row)]


def rel_diff(ours: float, ref: float) -> float:
    if ours == ref:
        return 0.0
    if ref == 0.0 or not math.isfinite(ref):
        return math.inf
    return abs(ours - ref) / abs(ref)


def uniroot_scale(value: float, below_one: bool) -> float:
    """The variable fisher.test's uniroot solves for: the odds ratio or its reciprocal."""
    return value if below_one else 1.0 / value


@pytest.fixture(scope="module")
def r_2x2() -> np.ndarray:
    return run_r(R_2X2, [flat(t) for t in TABLES_2X2])


# ---------------------------------------------------------------------------
# 2x2 Fisher


@pytest.mark.r
def test_fisher_2x2_p_values_match_r(r_2x2: np.ndarray) -> None:
    for table, row in zip(TABLES_2X2, r_2x2, strict=True):
        for k, alt in enumerate(("two-sided", "less", "greater")):
            res = fisher_exact(table, alternative=alt)
            assert isinstance(res, FisherResult)
            assert rel_diff(res.p_value, row[4 * k]) <= REL_TOL, (table, alt)


@pytest.mark.r
def test_fisher_2x2_estimates_match_tight_r_solution(r_2x2: np.ndarray) -> None:
    # R's own equations solved tightly in R agree with crossval to 1e-9.
    for table, row in zip(TABLES_2X2, r_2x2, strict=True):
        res = fisher_exact(table)
        assert res.odds_ratio is not None and res.or_ci is not None
        assert rel_diff(res.odds_ratio, row[12]) <= REL_TOL, table
        assert rel_diff(res.or_ci.low, row[13]) <= REL_TOL, table
        assert rel_diff(res.or_ci.high, row[14]) <= REL_TOL, table


@pytest.mark.r
def test_fisher_2x2_estimates_within_uniroot_tolerance_of_r(r_2x2: np.ndarray) -> None:
    # fisher.test itself stops uniroot at ~1.2e-4 on the odds ratio (below 1)
    # or its reciprocal (above 1); crossval must sit within that of R.
    for table, row in zip(TABLES_2X2, r_2x2, strict=True):
        for k, alt in enumerate(("two-sided", "less", "greater")):
            res = fisher_exact(table, alternative=alt)
            assert res.odds_ratio is not None and res.or_ci is not None
            pairs = [(res.odds_ratio, row[4 * k + 1])]
            pairs += [(res.or_ci.low, row[4 * k + 2]), (res.or_ci.high, row[4 * k + 3])]
            for ours, theirs in pairs:
                if ours in (0.0, math.inf) or theirs in (0.0, math.inf):
                    assert ours == theirs, (table, alt)
                    continue
                below = theirs < 1.0
                gap = abs(uniroot_scale(ours, below) - uniroot_scale(theirs, below))
                assert gap <= 2 * UNIROOT_TOL, (table, alt, ours, theirs)


def _hyper_mean(table: list[list[int]], psi: float) -> float:
    # Noncentral hypergeometric mean of the top-left cell, with exact binomial
    # coefficients: sum s C(m, s) C(n, k - s) psi^s / sum C(m, s) C(n, k - s) psi^s.
    (a, b), (c, d) = table
    m, n, k = a + c, b + d, a + b
    support = range(max(0, k - n), min(k, m) + 1)
    weights = [math.comb(m, s) * math.comb(n, k - s) * psi**s for s in support]
    return sum(s * w for s, w in zip(support, weights, strict=True)) / sum(weights)


def test_fisher_conditional_mle_solves_mean_equation() -> None:
    # The conditional MLE makes the noncentral hypergeometric mean equal the
    # observed top-left count (Agresti 2013, sec. 16.6.4).
    for table in [t for t in TABLES_2X2 if sum(map(sum, t)) <= 1000]:  # exact integers
        res = fisher_exact(table)
        assert res.odds_ratio is not None
        if 0.0 < res.odds_ratio < math.inf:
            assert _hyper_mean(table, res.odds_ratio) == pytest.approx(table[0][0], rel=1e-11)


def test_fisher_small_table_by_hand() -> None:
    # [[3, 1], [1, 3]]: all margins 4, N = 8. P(a) = C(4, a) C(4, 4 - a) / C(8, 4)
    # = 1, 16, 36, 16, 1 over 70 for a = 0..4; observed a = 3 has 16/70.
    # two-sided: a in {0, 1, 3, 4} -> 34/70; less: a <= 3 -> 69/70; greater: a >= 3 -> 17/70.
    t = [[3, 1], [1, 3]]
    assert fisher_exact(t).p_value == pytest.approx(34 / 70, rel=1e-13)
    assert fisher_exact(t, alternative="less").p_value == pytest.approx(69 / 70, rel=1e-13)
    assert fisher_exact(t, alternative="greater").p_value == pytest.approx(17 / 70, rel=1e-13)
    assert fisher_exact(t).sample_odds_ratio == 9.0


def test_fisher_ci_closed_form_two_point_support() -> None:
    # [[99, 1], [50, 0]]: m = 149, n = 1, k = 100, so a is 99 or 100 with
    # d(100) / d(99) = C(149, 100) / C(149, 99) = 50 / 100 = 1/2. Observed a = 99 = lo:
    # MLE 0, lower limit 0; upper solves P(a <= 99) = 1 / (1 + psi / 2) = 0.025,
    # i.e. psi = 78 (R's uniroot reports 77.906). Sample OR = 99 * 0 / (1 * 50) = 0.
    res = fisher_exact([[99, 1], [50, 0]])
    assert res.odds_ratio == 0.0
    assert res.sample_odds_ratio == 0.0
    assert res.or_ci is not None
    assert res.or_ci.low == 0.0
    assert res.or_ci.high == pytest.approx(78.0, rel=1e-12)
    # Two-sided: d(99) = 2/3 and d(100) = 1/3 are both <= d(99), so p = 1.
    assert res.p_value == pytest.approx(1.0, rel=1e-14)


def test_fisher_sample_odds_ratio_edge_cases() -> None:
    assert fisher_exact([[10, 0], [0, 10]]).sample_odds_ratio == math.inf
    assert math.isnan(fisher_exact([[0, 5], [0, 7]]).sample_odds_ratio or 0.0)
    assert fisher_exact([[1, 2], [3, 4]]).sample_odds_ratio == pytest.approx(4 / 6)


@pytest.mark.parametrize("table", DEGENERATE_2X2)
def test_fisher_2x2_zero_margin(table: list[list[int]]) -> None:
    # One-point conditional distribution: p = 1 and the interval is [0, inf]
    # as in R; the conditional likelihood is flat, so the MLE is nan (R says 0).
    res = fisher_exact(table)
    assert res.p_value == 1.0
    assert res.or_ci == ConfidenceInterval(0.0, math.inf)
    assert res.odds_ratio is not None and math.isnan(res.odds_ratio)


def test_fisher_conf_level_recorded_and_used() -> None:
    wide = fisher_exact([[12, 5], [3, 20]], conf_level=0.99)
    narrow = fisher_exact([[12, 5], [3, 20]], conf_level=0.8)
    assert (wide.conf_level, narrow.conf_level) == (0.99, 0.8)
    assert wide.or_ci is not None and narrow.or_ci is not None
    assert wide.or_ci.low < narrow.or_ci.low < narrow.or_ci.high < wide.or_ci.high


# ---------------------------------------------------------------------------
# r x c Fisher


@pytest.mark.r
def test_fisher_rxc_matches_r() -> None:
    tables = TABLES_RXC + ZERO_MARGIN_RXC
    ref = run_r(R_FISHER_RXC, [flat(t) for t in tables]).ravel()
    for table, expected in zip(tables, ref, strict=True):
        res = fisher_exact(table)
        assert res.odds_ratio is None and res.or_ci is None and res.sample_odds_ratio is None
        assert rel_diff(res.p_value, float(expected)) <= REL_TOL, (table, res.p_value, expected)


def test_fisher_rxc_by_hand() -> None:
    # [[2, 0], [0, 2], [1, 1]]: rows 2, 2, 2; columns 3, 3; N = 6.
    # P(table) = 2!2!2! 3!3! / (6! prod n_ij!) = 0.4 / prod n_ij!. A table is
    # fixed by its first column (a, b, c), a + b + c = 3, each <= 2; a row
    # contributes a!(2 - a)! = 2 if a is 0 or 2, else 1.
    # The 6 permutations of (2, 1, 0) have prod = 4, P = 0.1 each;
    # (1, 1, 1) has prod = 1, P = 0.4; total 1.
    # Observed first column (2, 0, 1): P = 0.1, so p = 6 * 0.1 = 0.6.
    assert fisher_exact([[2, 0], [0, 2], [1, 1]]).p_value == pytest.approx(0.6, rel=1e-12)
    # Observed (1, 1, 1) is the most probable table: p = 1.
    assert fisher_exact([[1, 1], [1, 1], [1, 1]]).p_value == pytest.approx(1.0, rel=1e-12)


def _brute_force_p(table: list[list[int]]) -> Fraction:
    # Enumerate every 3 x 3 table with the observed margins using exact
    # rational probabilities; ties are exact here, so no tolerance is needed.
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    n = sum(rows)

    def prob(t: list[list[int]]) -> Fraction:
        num = math.prod(math.factorial(v) for v in rows + cols)
        den = math.factorial(n) * math.prod(math.factorial(v) for r in t for v in r)
        return Fraction(num, den)

    observed = prob(table)
    total = Fraction(0)
    for a in range(min(rows[0], cols[0]) + 1):
        for b in range(min(rows[0] - a, cols[1]) + 1):
            c = rows[0] - a - b
            for d in range(min(rows[1], cols[0] - a) + 1):
                for e in range(min(rows[1] - d, cols[1] - b) + 1):
                    f = rows[1] - d - e
                    last = [cols[0] - a - d, cols[1] - b - e, cols[2] - c - f]
                    if c > cols[2] or min(last) < 0 or f < 0:
                        continue
                    p = prob([[a, b, c], [d, e, f], last])
                    if p <= observed:
                        total += p
    return total


@pytest.mark.parametrize(
    "table",
    [[[3, 1, 2], [0, 4, 1], [2, 2, 5]], [[6, 0, 1], [1, 5, 2], [0, 1, 7]], [[2, 2, 2]] * 3],
)
def test_fisher_rxc_against_exact_enumeration(table: list[list[int]]) -> None:
    expected = float(_brute_force_p(table))
    assert fisher_exact(table).p_value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("table", ZERO_MARGIN_RXC)
def test_fisher_rxc_drops_empty_rows_and_columns(table: list[list[int]]) -> None:
    arr = np.asarray(table)
    reduced = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]
    res = fisher_exact(table)
    if min(reduced.shape) < 2:
        assert res.p_value == 1.0  # as R: nothing left to test
    elif reduced.shape == (2, 2):
        assert res.p_value == pytest.approx(fisher_exact(reduced).p_value, rel=1e-12)
    else:
        assert res.p_value == fisher_exact(reduced).p_value


def test_fisher_rxc_invariant_to_transpose_and_permutation() -> None:
    t = np.array([[20, 10, 3], [17, 11, 4], [15, 12, 5], [14, 10, 3], [12, 10, 4]])
    p = fisher_exact(t).p_value
    assert fisher_exact(t.T).p_value == pytest.approx(p, rel=1e-12)
    assert fisher_exact(t[::-1, ::-1]).p_value == pytest.approx(p, rel=1e-12)


def test_fisher_rxc_too_large_raises_promptly(monkeypatch: pytest.MonkeyPatch) -> None:
    # A lowered limit shows the message; the default limit is exercised by the
    # 5 x 3 table with N = 1000 below (R's FEXACT also fails on it).
    monkeypatch.setattr(contingency, "FISHER_MAX_WORK", 1000)
    with pytest.raises(InputError, match=r"table of shape \(5, 3\).*chi2_test"):
        fisher_exact([[20, 10, 3], [17, 11, 4], [15, 12, 5], [14, 10, 3], [12, 10, 4]])


def test_fisher_2x2_too_large_raises() -> None:
    with pytest.raises(InputError, match="table counts are too large"):
        fisher_exact([[30_000_000, 30_000_000], [30_000_000, 30_000_000]])


def test_fisher_rxc_with_billions_is_refused_before_any_large_array() -> None:
    # The exact path tabulates log(k!) up to the total: 2e9 observations would be a
    # 16 GB array, past the 2**24-item bound, so the table is refused at once.
    table = [[10**9, 1, 1], [1, 10**9, 1]]
    with pytest.raises(InputError, match=r"too large for the exact r x c.*simulate=True"):
        fisher_exact(table)
    # numpy's hypergeometric sampler takes fewer than 1e9 of each kind: refused by name
    with pytest.raises(InputError, match="too large for a simulated Fisher p-value"):
        fisher_exact(table, simulate=True, n_sim=100, seed=1)
    # 8e8 observations simulate without any array as long as the total. No simulated
    # table is as improbable as this one, so p = (1 + 0) / (n_sim + 1).
    far = fisher_exact([[4 * 10**8, 1, 1], [1, 4 * 10**8, 1]], simulate=True, n_sim=200, seed=1)
    assert far.p_value == 1 / 201


def test_fisher_rxc_generic_n1000_is_refused() -> None:
    table = [[120, 60, 20], [110, 70, 25], [90, 80, 30], [100, 65, 28], [95, 75, 32]]
    with pytest.raises(InputError, match="table"):
        fisher_exact(table)


# ---------------------------------------------------------------------------
# chi-square and G


CHI_TABLES = [t for t in TABLES_2X2] + TABLES_RXC + [[[5, 0], [0, 5]], [[10, 10], [20, 20]]]


@pytest.mark.r
def test_chi2_2x2_matches_r_with_and_without_correction(r_2x2: np.ndarray) -> None:
    for table, row in zip(TABLES_2X2, r_2x2, strict=True):
        for k, corr in enumerate((False, True)):
            res = chi2_test(table, correction=corr)
            assert isinstance(res, Chi2Result)
            stat, pval, warned = row[15 + 3 * k : 18 + 3 * k]
            assert rel_diff(res.statistic, stat) <= REL_TOL or abs(res.statistic - stat) < 1e-12
            assert rel_diff(res.p_value, pval) <= REL_TOL, (table, corr)
            assert (res.warning == CHI2_WARNING) == bool(warned)
            assert res.correction is corr
            assert res.df == 1


@pytest.mark.r
def test_chi2_and_g_match_r() -> None:
    ref = run_r(R_CHISQ, [flat(t) for t in CHI_TABLES])
    for table, (stat, df, pval, warned, g, gp) in zip(CHI_TABLES, ref, strict=True):
        res = chi2_test(table)
        assert res.df == int(df)
        assert rel_diff(res.statistic, stat) <= REL_TOL or abs(res.statistic - stat) < 1e-12
        assert rel_diff(res.p_value, pval) <= REL_TOL, table
        assert (res.warning == CHI2_WARNING) == bool(warned)
        gt = g_test(table)
        assert isinstance(gt, GTestResult)
        assert abs(gt.statistic - g) <= REL_TOL * max(1.0, abs(g)), table
        assert abs(gt.p_value - gp) <= REL_TOL * max(gp, 1e-300) or abs(g) < 1e-12


def test_chi2_correction_ignored_beyond_2x2() -> None:
    # R applies Yates only to 2x2 tables; the result records that it was not applied.
    t = [[70, 36], [27, 12], [3, 2]]
    asked, plain = chi2_test(t, correction=True), chi2_test(t)
    assert (asked.statistic, asked.p_value) == (plain.statistic, plain.p_value)
    assert asked.correction is False


def test_chi2_by_hand() -> None:
    # [[10, 20], [30, 40]]: n = 100, E = [[12, 18], [28, 42]], |O - E| = 2 everywhere.
    # X^2 = 4/12 + 4/18 + 4/28 + 4/42 = 0.79365079...; with Yates, (2 - 0.5)^2 = 2.25
    # replaces 4: X^2 = 2.25 * (1/12 + 1/18 + 1/28 + 1/42) = 0.44642857...
    plain = 4 * (1 / 12 + 1 / 18 + 1 / 28 + 1 / 42)
    yates = 2.25 * (1 / 12 + 1 / 18 + 1 / 28 + 1 / 42)
    res = chi2_test([[10, 20], [30, 40]])
    assert res.statistic == pytest.approx(plain, rel=1e-13)
    assert res.expected.tolist() == [[12.0, 18.0], [28.0, 42.0]]
    assert not res.expected.flags.writeable
    assert res.warning is None
    assert chi2_test([[10, 20], [30, 40]], correction=True).statistic == pytest.approx(
        yates, rel=1e-13
    )
    # R's Yates term is min(0.5, |O - E|). [[1, 1], [1, 2]]: rows 2, 3; columns 2, 3;
    # n = 5; E11 = 2 * 2 / 5 = 0.8, |O - E| = 0.2 in every cell, so the term is 0.2 and
    # the corrected statistic is exactly 0 (a fixed 0.5 would give 0.09 / E summed).
    assert chi2_test([[1, 1], [1, 2]], correction=True).statistic == pytest.approx(0.0, abs=1e-15)
    assert chi2_test([[1, 1], [1, 2]]).statistic > 0.0


def test_g_test_by_hand() -> None:
    # [[5, 0], [0, 5]]: E = 2.5 in every cell; the zero cells add 0 * log 0 = 0, so
    # G = 2 * (5 log(5 / 2.5) + 5 log(5 / 2.5)) = 20 log 2 on 1 df (Agresti 2013, eq. 3.11).
    res = g_test([[5, 0], [0, 5]])
    assert res.statistic == pytest.approx(20 * math.log(2), rel=1e-14)
    assert res.df == 1
    assert res.p_value == pytest.approx(math.erfc(math.sqrt(10 * math.log(2))), rel=1e-12)
    # An exactly independent table has O = E everywhere: G = 0, p = 1.
    indep = g_test([[10, 10], [20, 20]])
    assert indep.statistic == 0.0
    assert indep.p_value == 1.0


def test_asymptotic_tests_with_billions_in_the_margins() -> None:
    # [[2e9, 3e9], [2e9, 3e9]] is exactly independent: E = O in every cell, so X^2 = G
    # = 0 and p = 1. Row total x column total = 5e9 x 4e9 = 2e19 passes the int64
    # range; expected counts must come from doubles, as in R.
    table = [[2 * 10**9, 3 * 10**9], [2 * 10**9, 3 * 10**9]]
    chi = chi2_test(table)
    assert chi.statistic == 0.0 and chi.p_value == 1.0
    assert chi.expected.tolist() == [[2e9, 3e9], [2e9, 3e9]]
    g = g_test(table)
    assert g.statistic == 0.0 and g.p_value == 1.0
    # [[1e15, 1], [1, 1e15]]: every margin is m = 1e15 + 1 and n = 2m, so E = m / 2 in
    # every cell and |O - E| = (m - 2) / 2 = (1e15 - 1) / 2, giving
    # X^2 = 4 ((1e15 - 1) / 2)^2 / ((1e15 + 1) / 2) = 2 (1e15 - 1)^2 / (1e15 + 1).
    big = chi2_test([[10**15, 1], [1, 10**15]])
    assert big.expected[0, 0] == pytest.approx((1e15 + 1) / 2, rel=1e-15)
    assert big.statistic == pytest.approx(2 * (1e15 - 1) ** 2 / (1e15 + 1), rel=1e-14)


# ---------------------------------------------------------------------------
# bad input: every message names the argument


BAD_TABLES = [
    ([1, 2, 3], InputError, "table must be 2-dimensional"),
    ([[1, 2, 3]], InputError, "table must have at least 2 rows"),
    ([[[1, 2], [3, 4]]], InputError, "table must be 2-dimensional"),
    ([[1, -2], [3, 4]], InputError, r"table\[0\]\[1\]"),
    ([[1, 2.5], [3, 4]], InputError, r"table\[0\]\[1\]"),
    ([[1, float("nan")], [3, 4]], InputError, "table must not contain NaN"),
    ([[1, float("inf")], [3, 4]], InputError, r"table\[0\]\[1\]"),
    ([["a", "b"], ["c", "d"]], InputTypeError, "table must hold counts"),
    ([[True, False], [False, True]], InputTypeError, "table must hold counts"),
    ([[1, 2], [3]], InputTypeError, "table must be a 2-d array"),
    ("1 2 3 4", InputTypeError, "table"),
]


@pytest.mark.parametrize(("table", "exc", "pattern"), BAD_TABLES)
@pytest.mark.parametrize("func", [fisher_exact, chi2_test, g_test])
def test_bad_tables(func: object, table: object, exc: type[Exception], pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        func(table)  # type: ignore[operator]


def test_integer_valued_floats_accepted() -> None:
    assert fisher_exact([[3.0, 1.0], [1.0, 3.0]]) == fisher_exact([[3, 1], [1, 3]])


@pytest.mark.parametrize("func", [chi2_test, g_test])
def test_zero_margin_refused_by_asymptotic_tests(func: object) -> None:
    with pytest.raises(InputError, match="table has an empty row"):
        func([[10, 5], [0, 0], [3, 7]])  # type: ignore[operator]
    with pytest.raises(InputError, match="table has an empty column"):
        func([[10, 0], [3, 0]])  # type: ignore[operator]
    with pytest.raises(InputError, match="table has no counts"):
        func([[0, 0], [0, 0]])  # type: ignore[operator]


def test_option_errors_name_argument() -> None:
    with pytest.raises(InputError, match="alternative") as info:
        fisher_exact([[1, 2], [3, 4]], alternative="two.sided")
    assert "'two-sided'" in str(info.value) and "'less'" in str(info.value)
    with pytest.raises(InputError, match=r"alternative.*only for 2x2"):
        fisher_exact([[1, 2], [3, 4], [5, 6]], alternative="less")
    with pytest.raises(InputError, match="conf_level"):
        fisher_exact([[1, 2], [3, 4]], conf_level=95)
    with pytest.raises(InputTypeError, match="correction"):
        chi2_test([[1, 2], [3, 4]], correction="yes")  # type: ignore[arg-type]
