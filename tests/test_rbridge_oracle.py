"""The R oracle returns crossval's dataclasses, with R's versions, warnings and call.

Batched calls must give exactly the one-by-one answers and warnings, and be
faster; the measured per-case costs are printed with ``-s``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

import crossval
from crossval.compare.fields import numeric_fields, relative_difference
from crossval.compare.reference_cases import load_reference
from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.errors import RError
from crossval.stats.binomial import BinomTestResult
from crossval.stats.contingency import Chi2Result, FisherResult
from crossval.stats.cox import CoxResult
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.kaplan_meier import KaplanMeierResult
from crossval.stats.logrank import LogRankResult

pytestmark = pytest.mark.r

T = [5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0, 9.0, 13.0, 13.0, 18.0]
E = [1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1]


def _rel(a: Any, b: Any) -> float:
    return relative_difference(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


def test_every_r_function_returns_crossvals_dataclass(r: Any) -> None:
    from crossval.rbridge import oracle

    g = [1, 2] * 7 + [1]
    cases = [
        (oracle.r_kaplan_meier(T, E), KaplanMeierResult),
        (oracle.r_logrank(T, E, g), LogRankResult),
        (oracle.r_cox_ph(T, E, {"x": np.arange(15.0) % 4}), CoxResult),
        (oracle.r_binom_ci(7, 20), ConfidenceInterval),
        (oracle.r_binom_test(7, 20, 0.3), BinomTestResult),
        (oracle.r_fisher_exact([[3, 1], [1, 3]]), FisherResult),
        (oracle.r_chi2_test([[12, 5], [3, 9]]), Chi2Result),
    ]
    for out, cls in cases:
        assert isinstance(out, EngineResult) and isinstance(out.result, cls)
        assert out.engine == "R"
        assert out.versions["R"] == r.r_version
        assert out.versions["survival"] == r.survival_version
        assert out.call
        assert set(out) == set(out.reported) <= {f for f in cls.__dataclass_fields__}


def test_r_answers_equal_crossvals() -> None:
    from crossval.rbridge import oracle

    km = oracle.r_kaplan_meier(T, E, conf_type="log-log")
    ours = crossval.kaplan_meier(T, E, conf_type="log-log")
    for name in ("time", "n_risk", "survival", "std_err", "lower", "upper"):
        assert _rel(km.result.__getattribute__(name), getattr(ours, name)) < 1e-13, name
    assert (km.result.median, km.result.median_ci) == (ours.median, ours.median_ci)
    assert km.result.n == ours.n and km.result.n_events == ours.n_events
    bt = oracle.r_binom_test(3, 25, 0.3).result
    assert bt.p_value == pytest.approx(crossval.binom_test(3, 25, 0.3).p_value, rel=1e-12)
    assert bt.two_sided_rule == "r"


def test_fields_r_has_no_notion_of_are_not_reported() -> None:
    from crossval.rbridge import oracle

    km = oracle.r_kaplan_meier(T, E, conf_type="none")
    assert "lower" not in km and "median_ci" not in km
    assert np.isnan(km.result.lower).all() and np.isnan(km.result.median_ci.low)
    fisher = oracle.r_fisher_exact([[3, 1], [1, 3]])
    assert fisher.result.sample_odds_ratio is None and "sample_odds_ratio" not in fisher
    big = oracle.r_fisher_exact([[3, 1, 2], [1, 3, 4]])
    assert big.result.odds_ratio is None and set(big) == {"p_value", "alternative",
                                                           "conf_level"}
    with pytest.raises(EngineUnsupportedError, match="base R has no 'mid-p'"):
        oracle.r_binom_ci(3, 10, method="mid-p")


def test_r_warnings_and_convergence_are_kept() -> None:
    from crossval.rbridge import oracle

    chi = oracle.r_chi2_test([[1, 2], [3, 1]], correction=True)
    assert chi.result.warning == "Chi-squared approximation may be incorrect"
    assert chi.result.correction and chi.warnings == (chi.result.warning,)
    # A covariate that separates the deaths: the likelihood is monotone.
    x = [0, 0, 0, 1, 1, 1, 1, 1]
    cox = oracle.r_cox_ph([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 0, 0, 0, 0], {"x": x},
                          eps=1e-9, iter_max=20)
    assert not cox.result.converged
    # R's own text, e.g. "Ran out of iterations and did not converge"
    assert any("converge" in w for w in cox.warnings)
    assert cox.result.note == "; ".join(cox.warnings)
    # A constant covariate: R's coefficient is NA and its fit has no Wald
    # test (NULL), which comes back as nan, not as an IndexError.
    flat = oracle.r_cox_ph([1, 2, 3, 4], [1, 0, 1, 1], {"x": [1.0, 1, 1, 1]})
    assert np.isnan(flat.result.coef).all() and np.isnan(flat.result.wald)


def test_groups_follow_crossvals_order_and_names_stay_out_of_r() -> None:
    from crossval.rbridge import oracle

    # As text "10" sorts before "2"; crossval (and so the oracle) sorts numbers.
    g = [2, 10] * 7 + [2]
    lr = oracle.r_logrank(T, E, g)
    ours = crossval.logrank(T, E, g)
    assert lr.result.groups.tolist() == ours.groups.tolist() == [2, 10]
    assert _rel(lr.result.observed, ours.observed) == 0
    assert _rel(lr.result.n, ours.n) == 0
    hostile = 'x"); stop("injected'
    cox = oracle.r_cox_ph(T, E, {hostile: np.arange(15.0) % 4})
    assert cox.result.covariate_names == (hostile,)
    assert "injected" not in cox.call


def test_roracle_runs_a_stored_case_for_validate() -> None:
    from crossval.rbridge.oracle import ROracle

    ref = load_reference()
    case = next(c for c in ref.cases if c.function == "logrank")
    oracle = ROracle()
    assert oracle.supports(case)
    out = oracle.run(case)
    expected = numeric_fields(case.expected)
    got = numeric_fields(out)
    assert _rel(got["statistic"], expected["statistic"]) < 1e-12


# ------------------------------------------------------------------ batched


def test_batched_binom_ci_equals_one_by_one_and_is_faster() -> None:
    from crossval.rbridge.batch import r_binom_ci_many
    from crossval.rbridge.oracle import r_binom_ci

    rng = np.random.default_rng(7)
    n = rng.integers(1, 150, 300)
    x = rng.integers(0, n + 1)
    # warm: R started, functions looked up, and the batch loop compiled by R's
    # JIT (~0.3 s the first time, which is no per-case cost)
    r_binom_ci(1, 2)
    for method in ("clopper-pearson", "wilson-cc"):
        r_binom_ci_many(x[:20], n[:20], method=method)
    for method in ("clopper-pearson", "wilson-cc"):
        # CPU time of this process (R runs in it), so other jobs on the machine
        # do not count; the best of two batched runs, as R's garbage collector
        # lands in one run or the other.
        runs = []
        for _ in range(2):
            start = time.process_time()
            many = r_binom_ci_many(x, n, method=method)
            runs.append((time.process_time() - start) / x.size)
        batched = min(runs)
        start = time.process_time()
        one = [r_binom_ci(int(a), int(b), method=method) for a, b in zip(x, n, strict=True)]
        single = (time.process_time() - start) / x.size
        for m, o in zip(many, one, strict=True):
            assert isinstance(m, EngineResult)
            assert (m.result.low, m.result.high) == (o.result.low, o.result.high)
            assert m.warnings == o.warnings
        print(f"\nbinom_ci {method}: {1e3 * single:.3f} ms one by one, "
              f"{1e3 * batched:.3f} ms batched, per case")
        assert batched < single
    assert any(m.warnings for m in many)  # prop.test warns for small counts


def test_batched_fisher_and_chi2_equal_one_by_one() -> None:
    from crossval.rbridge.batch import r_chi2_many, r_fisher_many
    from crossval.rbridge.oracle import r_chi2_test, r_fisher_exact

    rng = np.random.default_rng(3)
    tables = [rng.integers(0, 15, (2, 2)) + 1 for _ in range(25)]
    tables += [rng.integers(0, 6, (2, 3)) + 1, rng.integers(0, 6, (3, 3)) + 1]
    for many, single in (
        (r_fisher_many(tables), [r_fisher_exact(t) for t in tables]),
        (r_chi2_many(tables, correction=True),
         [r_chi2_test(t, correction=True) for t in tables]),
    ):
        for m, o in zip(many, single, strict=True):
            assert isinstance(m, EngineResult)
            assert set(m) == set(o)
            a, b = numeric_fields(m), numeric_fields(o)
            assert all(_rel(a[k], b[k]) == 0 for k in a)
            assert m.warnings == o.warnings


def test_batched_errors_stay_with_their_case() -> None:
    from crossval.rbridge.batch import r_binom_ci_many

    # binom.test refuses x > n; checked by crossval before R is asked
    with pytest.raises(crossval.InputError, match="xs\\[1\\]"):
        r_binom_ci_many([3, -1], [10, 10])
    # prop.test refuses n = 0 in R itself
    kept = r_binom_ci_many([3, 0, 4], [10, 0, 9], method="wilson", on_error="keep")
    assert isinstance(kept[1], RError) and "R error" in str(kept[1])
    assert isinstance(kept[0], EngineResult) and isinstance(kept[2], EngineResult)
    with pytest.raises(RError, match="case 1"):
        r_binom_ci_many([3, 0], [10, 0], method="wilson")
