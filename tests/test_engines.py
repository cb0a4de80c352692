"""Engine adapters: crossval's dataclasses from lifelines, statsmodels and scipy.

Each adapter is checked against crossval (which agrees with R, see
test_validate.py) under the engine's own convention, and each documented
convention is shown to be real: the same data under crossval's (R's)
convention gives a different answer.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import crossval
from crossval.compare.fields import numeric_fields, relative_difference
from crossval.engines import EngineResult, EngineUnsupportedError, registry
from crossval.errors import InputError
from crossval.stats.cox import CoxResult
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.kaplan_meier import KaplanMeierResult
from crossval.testing.crosscheck import assert_agree
from reference_data import reference_dataset


@pytest.fixture(scope="module")
def lung() -> dict[str, np.ndarray]:
    return reference_dataset("lung")


def _rel(a: object, b: object) -> float:
    return relative_difference(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


# -------------------------------------------------------------- EngineResult


def test_engine_result_is_a_frozen_mapping_of_reported_fields() -> None:
    ci = ConfidenceInterval(0.1, 0.4)
    er = EngineResult(ci, engine="x", versions={"x": "1"}, reported=["low"], warnings=["w"],
                      call="f()")
    assert dict(er) == {"low": 0.1}
    assert er.result is ci and er.reported == ("low",) and er.warnings == ("w",)
    assert numeric_fields(er) == {"low": np.array(0.1)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        er.engine = "y"  # type: ignore[misc]
    with pytest.raises(KeyError):
        er["high"]
    with pytest.raises(ValueError, match="does not have"):
        EngineResult(ci, engine="x", versions={}, reported=["median"])
    with pytest.raises(TypeError, match="result dataclass"):
        EngineResult({"low": 1.0}, engine="x", versions={})  # type: ignore[arg-type]


def test_engine_results_work_with_the_crosscheck_fixture(lung: dict[str, np.ndarray]) -> None:
    t, e = lung["time"], lung["status"]
    ll = registry.run_engine("lifelines", "kaplan_meier", t, e)
    # lifelines' std_err is not reported, so it is not compared (crossval has one)
    assert "std_err" not in ll
    comparisons = assert_agree(crossval.kaplan_meier(t, e, conf_type="log-log"), ll,
                               function="kaplan_meier")
    assert {c.quantity for c in comparisons} >= {"survival", "lower", "upper", "median"}
    with pytest.raises(AssertionError, match="lower"):
        assert_agree(crossval.kaplan_meier(t, e), ll, function="kaplan_meier")


# ------------------------------------------------------------------ registry


def test_registry_lists_every_engine_with_a_reason_when_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crossval.engines import lifelines_engine

    statuses = {s.name: s for s in registry.available_engines(["crossval", "scipy"])}
    assert statuses["crossval"].available and statuses["scipy"].available
    assert "fisher_exact" in statuses["scipy"].functions
    monkeypatch.setattr(lifelines_engine, "unavailable_reason",
                        lambda: "lifelines cannot be imported (simulated)")
    (status,) = registry.available_engines(["LIFELINES"])
    assert (status.name, status.available) == ("lifelines", False)
    assert "simulated" in (status.reason or "")
    with pytest.raises(InputError, match="'crossval', 'R', 'lifelines'"):
        registry.canonical_name("sas")


def test_run_engine_refuses_options_and_functions_an_engine_lacks(
    lung: dict[str, np.ndarray],
) -> None:
    t, e = lung["time"], lung["status"]
    with pytest.raises(EngineUnsupportedError, match="no option ties"):
        registry.run_engine("lifelines", "cox_ph", t, e, lung["age"], ties="breslow")
    with pytest.raises(EngineUnsupportedError, match="lifelines has no equivalent"):
        registry.run_engine("lifelines", "binom_ci", 3, 10)
    with pytest.raises(EngineUnsupportedError, match="no exact method"):
        registry.run_engine("statsmodels", "cox_ph", t, e, lung["age"], ties="exact")
    with pytest.raises(EngineUnsupportedError, match="no stratified"):
        registry.run_engine("lifelines", "logrank", t, e, lung["sex"], strata=lung["ph.ecog"])
    with pytest.raises(EngineUnsupportedError, match="two samples"):
        registry.run_engine("scipy", "logrank", t, e, lung["ph.ecog"])


def test_importing_crossval_and_the_engines_package_loads_no_engine() -> None:
    code = (
        "import sys, crossval, crossval.engines, crossval.engines.registry, crossval.dialects\n"
        "crossval.dialect('lifelines')\n"
        "bad = [m for m in ('rpy2', 'lifelines', 'statsmodels', 'pandas') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


# ----------------------------------------------------------------- lifelines


def test_lifelines_km_is_crossval_log_log_without_time_zero_row() -> None:
    # Censored before the first event (S = 1) and everyone dead at the end (S = 0).
    t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    e = [0, 1, 1, 0, 1, 1]
    ll = registry.run_engine("lifelines", "kaplan_meier", t, e).result
    ours = crossval.kaplan_meier(t, e, conf_type="log-log")
    assert isinstance(ll, KaplanMeierResult)
    assert np.array_equal(ll.time, ours.time)  # lifelines' own time-0 row dropped
    assert _rel(ll.survival, ours.survival) < 1e-15
    inner = (ours.survival > 0) & (ours.survival < 1)
    assert _rel(ll.lower[inner], ours.lower[inner]) < 1e-14
    # the convention where the log-log transform is undefined: R says NA
    assert np.isnan(ours.lower[[0, -1]]).all()
    assert ll.lower[0] == ll.upper[0] == 1.0 and ll.lower[-1] == ll.upper[-1] == 0.0
    assert ll.median == ours.median == 5.0
    # R's upper median limit is NA (its upper curve is NA once S = 0);
    # lifelines' [0, 0] limit there reaches 0.5 at t = 6.
    assert np.isnan(ours.median_ci.high) and ll.median_ci.high == 6.0


def test_lifelines_median_is_the_first_time_at_or_below_one_half() -> None:
    d = reference_dataset("median_flat")
    ll = registry.run_engine("lifelines", "kaplan_meier", d["time"], d["status"]).result
    ours = crossval.kaplan_meier(d["time"], d["status"])
    # R: midpoint of the stretch where S is flat at 0.5; lifelines: its start or
    # end, as rounding of exp(sum of logs) puts S on one side of 0.5 or the other.
    flat = ours.time[np.isclose(ours.survival, 0.5, rtol=0, atol=1e-12) & (ours.n_event > 0)]
    assert flat.size == 1
    assert ours.median != ll.median
    assert ll.median in set(ours.time[ours.n_event > 0])


def test_lifelines_cox_agrees_to_its_convergence_and_keeps_names(
    lung: dict[str, np.ndarray],
) -> None:
    cov = {"age": lung["age"], "sex": lung["sex"]}
    out = registry.run_engine("lifelines", "cox_ph", lung["time"], lung["status"], cov)
    ours = crossval.cox_ph(lung["time"], lung["status"], cov)
    assert isinstance(out.result, CoxResult)
    assert out.result.covariate_names == ("age", "sex")
    assert 0 < _rel(out.result.coef, ours.coef) < 1e-4
    # the likelihood is flat at the maximum: tight agreement despite the stopping rule
    assert _rel(out.result.loglik, ours.loglik) < 1e-12
    assert "score" not in out and "wald" not in out
    strat = registry.run_engine("lifelines", "cox_ph", lung["time"], lung["status"],
                                lung["age"], strata=lung["sex"]).result
    assert _rel(strat.coef, crossval.cox_ph(lung["time"], lung["status"], lung["age"],
                                            strata=lung["sex"]).coef) < 1e-4


def test_lifelines_weighted_fit_keeps_its_warning() -> None:
    d = reference_dataset("weighted")
    out = registry.run_engine("lifelines", "cox_ph", d["time"], d["status"], d["x"],
                              weights=d["w"])
    assert any("weights are not integers" in w for w in out.warnings)
    ours = crossval.cox_ph(d["time"], d["status"], d["x"], weights=d["w"])
    assert _rel(out.result.coef, ours.coef) < 1e-4


# --------------------------------------------------------------- statsmodels


def test_statsmodels_km_lists_event_times_only(lung: dict[str, np.ndarray]) -> None:
    t, e = lung["time"], lung["status"]
    sm = registry.run_engine("statsmodels", "kaplan_meier", t, e, conf_type="log").result
    ours = crossval.kaplan_meier(t, e, median_rule="sas")
    events = ours.n_event > 0
    assert ours.time.size > sm.time.size == int(events.sum())
    assert np.array_equal(sm.time, ours.time[events])
    assert _rel(sm.std_err, ours.std_err[events]) < 1e-14
    assert (sm.median, sm.median_ci) == (ours.median, ours.median_ci)


def test_statsmodels_cox_efron_breslow_and_entry(lung: dict[str, np.ndarray]) -> None:
    x = np.column_stack([lung["age"], lung["sex"]])
    for ties in ("efron", "breslow"):
        sm = registry.run_engine("statsmodels", "cox_ph", lung["time"], lung["status"], x,
                                 ties=ties).result
        ours = crossval.cox_ph(lung["time"], lung["status"], x, ties=ties)
        for field in ("coef", "se", "score", "wald", "lrt"):
            assert _rel(getattr(sm, field), getattr(ours, field)) < 1e-9, (ties, field)
    # entry: statsmodels counts a row at risk at an event time equal to its start
    h = reference_dataset("heart")
    hx = np.column_stack([h["age"], h["transplant"]])
    sm = registry.run_engine("statsmodels", "cox_ph", h["stop"], h["event"], hx,
                             start=h["start"], ties="efron").result
    r_rule = crossval.cox_ph(h["stop"], h["event"], hx, start=h["start"])
    gap = np.diff(np.unique(np.concatenate([h["start"], h["stop"]]))).min()
    inclusive = crossval.cox_ph(h["stop"], h["event"], hx, start=h["start"] - gap / 1024,
                                timefix=False)
    assert _rel(sm.coef, r_rule.coef) > 1e-3
    assert _rel(sm.coef, inclusive.coef) < 1e-9


def test_statsmodels_binomial_and_table_conventions() -> None:
    # Jeffreys without the boundary modification crossval (and BCD 2001) apply
    sm = registry.run_engine("statsmodels", "binom_ci", 0, 10, method="jeffreys").result
    assert sm.low > 0 and crossval.binom_ci(0, 10, method="jeffreys").low == 0
    with pytest.raises(EngineUnsupportedError, match="mid-p"):
        registry.run_engine("statsmodels", "binom_ci", 3, 10, method="mid-p")
    # Table's shift_zeros: a zero cell moves every cell by 0.5
    zero = [[0, 5], [3, 4]]
    chi = registry.run_engine("statsmodels", "chi2_test", zero).result
    assert _rel(chi.statistic, crossval.chi2_test(zero).statistic) > 0.1
    full = [[2, 5], [3, 4]]
    chi = registry.run_engine("statsmodels", "chi2_test", full).result
    assert _rel(chi.statistic, crossval.chi2_test(full).statistic) < 1e-12


# --------------------------------------------------------------------- scipy


def test_scipy_fisher_reports_both_odds_ratios() -> None:
    table = [[3, 5], [7, 2]]
    sc = registry.run_engine("scipy", "fisher_exact", table).result
    ours = crossval.fisher_exact(table)
    assert sc.sample_odds_ratio == ours.sample_odds_ratio == pytest.approx(6 / 35)
    assert _rel(sc.odds_ratio, ours.odds_ratio) < 1e-9
    assert _rel([sc.or_ci.low, sc.or_ci.high], [ours.or_ci.low, ours.or_ci.high]) < 1e-9
    assert _rel(sc.p_value, ours.p_value) < 1e-12
    big = [[1, 2, 3], [4, 5, 0]]
    first = registry.run_engine("scipy", "fisher_exact", big)
    again = registry.run_engine("scipy", "fisher_exact", big)
    assert first.result.p_value == again.result.p_value  # seeded Monte Carlo
    assert abs(first.result.p_value - crossval.fisher_exact(big).p_value) < 0.02
    assert "odds_ratio" not in first


def test_scipy_binomial_and_logrank_conventions(lung: dict[str, np.ndarray]) -> None:
    # wilsoncc corrects by 1/2 always; R's prop.test by min(1/2, |x - n/2|) = 0 at x = n/2
    sc = registry.run_engine("scipy", "binom_ci", 10, 20, method="wilson-cc").result
    assert _rel(sc.low, crossval.binom_ci(10, 20, method="wilson-cc").low) > 1e-2
    sc = registry.run_engine("scipy", "binom_ci", 7, 20, method="wilson-cc").result
    assert _rel(sc.low, crossval.binom_ci(7, 20, method="wilson-cc").low) < 1e-12
    lr = registry.run_engine("scipy", "logrank", lung["time"], lung["status"], lung["sex"])
    assert _rel(lr.result.statistic, crossval.logrank(lung["time"], lung["status"],
                                                      lung["sex"]).statistic) < 1e-12
    with pytest.raises(EngineUnsupportedError, match="'linear' \\(plain\\) and 'log-log'"):
        registry.run_engine("scipy", "kaplan_meier", lung["time"], lung["status"],
                            conf_type="log")
