"""Dialects: each system's defaults, reproduced live against the system where it is installed.

SAS is not installed anywhere crossval runs, so its dialect is checked
against the documented defaults in the table; R, lifelines, statsmodels and
scipy are called directly and compared with ``crossval.dialect(...)``.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import crossval
from crossval.compare.fields import relative_difference
from crossval.dialects import FUNCTIONS, SETTINGS, SYSTEM_FUNCTIONS, SYSTEMS, settings
from crossval.errors import InputError
from reference_data import reference_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lung() -> dict[str, np.ndarray]:
    return reference_dataset("lung")


def _close(a: Any, b: Any, rel: float) -> bool:
    return relative_difference(np.asarray(a, dtype=float), np.asarray(b, dtype=float)) <= rel


# --------------------------------------------------------------- the table


def test_committed_doc_equals_the_generated_table() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_dialect_table", ROOT / "tools" / "generate_dialect_table.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    committed = (ROOT / "docs" / "dialects.md").read_text(encoding="utf-8")
    assert committed == tool.render(), (
        "docs/dialects.md differs from crossval.dialects.SETTINGS; "
        "run .venv/bin/python tools/generate_dialect_table.py"
    )


def test_every_option_row_covers_every_system_once() -> None:
    keys = [(s.function, s.option, s.system) for s in SETTINGS]
    assert len(keys) == len(set(keys))
    for function, option in {(s.function, s.option) for s in SETTINGS}:
        assert {s.system for s in settings(function=function) if s.option == option} == set(
            SYSTEMS
        )


def test_applied_values_are_accepted_by_crossval() -> None:
    # A dialect default crossval would reject is a broken dialect: call each
    # function once with every system's defaults on tiny data.
    t, e, g = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1, 0, 1, 1, 0, 1], [0, 1, 0, 1, 0, 1]
    x = [0.5, 1.5, 0.2, 2.0, 1.0, 0.1]
    calls = {
        "kaplan_meier": lambda d: d.kaplan_meier(t, e),
        "logrank": lambda d: d.logrank(t, e, g),
        "cox_ph": lambda d: d.cox_ph(t, e, x),
        "binom_ci": lambda d: d.binom_ci(3, 10),
        "binom_test": lambda d: d.binom_test(3, 10, 0.2),
        "fisher_exact": lambda d: d.fisher_exact([[3, 1], [1, 3]]),
        "chi2_test": lambda d: d.chi2_test([[3, 5], [7, 2]]),
    }
    for system in SYSTEMS:
        d = crossval.dialect(system)
        for function in SYSTEM_FUNCTIONS[system]:
            assert calls[function](d) is not None


def test_sas_defaults_are_the_documented_ones() -> None:
    sas = crossval.dialect("sas")
    assert sas.defaults("kaplan_meier") == {
        "conf_type": "log-log", "median_rule": "sas", "timefix": False,
    }
    assert sas.defaults("cox_ph")["ties"] == "breslow"
    assert sas.defaults("binom_test") == {"two_sided_rule": "sas"}
    assert sas.defaults("binom_ci") == {"method": "wald"}
    assert sas.defaults("chi2_test") == {"correction": False}
    fit = sas.kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0])
    assert (fit.conf_type, fit.median_rule) == ("log-log", "sas")


def test_sas_two_sided_rule_differs_from_r_on_a_skewed_null() -> None:
    # x = 1 of n = 20 under p = 0.2: SAS doubles the lower tail
    # 2 * P(X <= 1) = 2 * 0.8^19 * (0.8 + 20 * 0.2) = 0.1383..., R adds the
    # upper outcomes no more likely than P(X = 1).
    sas = crossval.dialect("sas").binom_test(1, 20, 0.2)
    r = crossval.dialect("r").binom_test(1, 20, 0.2)
    assert sas.p_value == pytest.approx(2 * 0.8**19 * (0.8 + 20 * 0.2), rel=1e-12)
    assert r.p_value != pytest.approx(sas.p_value, rel=1e-3)


def test_explicit_options_win_over_the_dialect() -> None:
    fit = crossval.dialect("sas").kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0], conf_type="plain")
    assert (fit.conf_type, fit.median_rule) == ("plain", "sas")


def test_unknown_system_and_missing_function_are_named() -> None:
    with pytest.raises(InputError, match="'r', 'sas', 'lifelines', 'statsmodels', 'scipy'"):
        crossval.dialect("spss")
    with pytest.raises(InputError, match="lifelines has no equivalent of crossval's binom_ci"):
        crossval.dialect("lifelines").binom_ci(1, 4)
    with pytest.raises(InputError, match="scipy has no equivalent of crossval's cox_ph"):
        crossval.dialect("scipy").cox_ph([1, 2], [1, 1], [0.0, 1.0])
    assert set(SYSTEM_FUNCTIONS["r"]) == set(FUNCTIONS)


# ------------------------------------------------------------------ lifelines


def test_lifelines_dialect_reproduces_kaplan_meier_fitter(lung: dict[str, np.ndarray]) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    t, e = lung["time"], lung["status"]
    kmf = KaplanMeierFitter().fit(t, e)
    ours = crossval.dialect("lifelines").kaplan_meier(t, e)
    ci = kmf.confidence_interval_.to_numpy()[1:]  # drop lifelines' own time-0 row
    assert np.array_equal(kmf.survival_function_.index.to_numpy()[1:], ours.time)
    assert _close(kmf.survival_function_.to_numpy()[1:, 0], ours.survival, 1e-13)
    assert _close(ci[:, 0], ours.lower, 1e-12)
    assert _close(ci[:, 1], ours.upper, 1e-12)
    assert ours.median == kmf.median_survival_time_
    med = median_survival_times(kmf.confidence_interval_)
    assert (ours.median_ci.low, ours.median_ci.high) == (med.iloc[0, 0], med.iloc[0, 1])
    # crossval's default (R's log interval) is a different interval
    assert not _close(crossval.kaplan_meier(t, e).lower, ours.lower, 1e-3)


def test_lifelines_dialect_reproduces_cox_and_logrank(lung: dict[str, np.ndarray]) -> None:
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.statistics import multivariate_logrank_test

    t, e = lung["time"], lung["status"]
    frame = pd.DataFrame({"t": t, "e": e, "age": lung["age"], "sex": lung["sex"]})
    cph = CoxPHFitter().fit(frame, "t", "e")
    ours = crossval.dialect("lifelines").cox_ph(t, e, {"age": lung["age"], "sex": lung["sex"]})
    # lifelines stops at its own criterion (step < 1e-7 on standardised covariates)
    assert _close(cph.params_.to_numpy(), ours.coef, 1e-4)
    assert _close(cph.standard_errors_.to_numpy(), ours.se, 1e-4)
    assert cph.log_likelihood_ == pytest.approx(ours.loglik[1], rel=1e-10)
    lr = multivariate_logrank_test(t, lung["ph.ecog"], e)
    mine = crossval.dialect("lifelines").logrank(t, e, lung["ph.ecog"])
    assert mine.statistic == pytest.approx(lr.test_statistic, rel=1e-12)
    assert mine.p_value == pytest.approx(lr.p_value, rel=1e-10)


# ---------------------------------------------------------------- statsmodels


def test_statsmodels_dialect_reproduces_survfunc_right_on_event_times(
    lung: dict[str, np.ndarray],
) -> None:
    from statsmodels.duration.survfunc import SurvfuncRight

    t, e = lung["time"], lung["status"]
    sf = SurvfuncRight(t, e)
    ours = crossval.dialect("statsmodels").kaplan_meier(t, e)
    events = ours.n_event > 0
    assert np.array_equal(sf.surv_times, ours.time[events])
    assert np.array_equal(sf.n_risk, ours.n_risk[events])
    assert _close(sf.surv_prob, ours.survival[events], 1e-13)
    assert _close(sf.surv_prob_se, ours.std_err[events], 1e-12)
    assert ours.median == sf.quantile(0.5)
    low, high = sf.quantile_ci(0.5)  # statsmodels' default transform, cloglog
    assert (ours.median_ci.low, ours.median_ci.high) == (low, high)
    # more rows than statsmodels lists: censoring-only times
    assert ours.time.size > sf.surv_times.size


def test_statsmodels_dialect_reproduces_phreg_and_binomial(lung: dict[str, np.ndarray]) -> None:
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.stats.contingency_tables import Table
    from statsmodels.stats.proportion import binom_test, proportion_confint

    t, e = lung["time"], lung["status"]
    x = np.column_stack([lung["age"], lung["sex"]])
    res = PHReg(t, x, status=e).fit()  # statsmodels' default ties: breslow
    ours = crossval.dialect("statsmodels").cox_ph(t, e, x)
    assert ours.ties == "breslow"
    assert _close(res.params, ours.coef, 1e-8)
    assert _close(res.bse, ours.se, 1e-7)
    assert res.llf == pytest.approx(ours.loglik[1], rel=1e-12)
    sm = crossval.dialect("statsmodels")
    for x_, n in [(0, 10), (1, 20), (7, 20), (20, 20), (33, 250)]:
        low, high = proportion_confint(x_, n)  # default method="normal" (Wald)
        ci = sm.binom_ci(x_, n)
        assert (ci.low, ci.high) == pytest.approx((low, high), rel=1e-12, abs=1e-15)
    assert sm.binom_test(3, 25, 0.3).p_value == pytest.approx(binom_test(3, 25, 0.3), rel=1e-12)
    table = np.array([[12, 5, 7], [3, 9, 4]])
    assoc = Table(table).test_nominal_association()
    mine = sm.chi2_test(table)
    assert mine.statistic == pytest.approx(assoc.statistic, rel=1e-12)
    assert mine.p_value == pytest.approx(assoc.pvalue, rel=1e-10)


# --------------------------------------------------------------------- scipy


def test_scipy_dialect_reproduces_binomtest_and_contingency() -> None:
    from scipy import stats

    sc = crossval.dialect("scipy")
    for x, n in [(0, 7), (1, 20), (7, 20), (10, 20), (19, 20), (250, 1000)]:
        ci = stats.binomtest(x, n).proportion_ci()  # default method "exact"
        mine = sc.binom_ci(x, n)
        # scipy finds the exact limits by root-finding, crossval (as R) by the
        # beta quantile: they agree to ~5e-12 relative (x = 1, n = 20).
        assert (mine.low, mine.high) == pytest.approx((ci.low, ci.high), rel=1e-10, abs=1e-300)
        for p in (0.1, 0.5, 0.7):
            assert sc.binom_test(x, n, p).p_value == pytest.approx(
                stats.binomtest(x, n, p).pvalue, rel=1e-10
            )
    for table in ([[3, 5], [7, 2]], [[12, 5, 7], [3, 9, 4]], [[0, 5], [3, 4]]):
        ref = stats.chi2_contingency(table)  # default correction=True
        mine_chi = sc.chi2_test(table)
        assert mine_chi.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert mine_chi.df == ref.dof
    two = [[3, 1], [1, 3]]
    assert sc.fisher_exact(two).sample_odds_ratio == stats.fisher_exact(two).statistic
    cond = stats.contingency.odds_ratio(two)
    assert sc.fisher_exact(two).odds_ratio == pytest.approx(cond.statistic, rel=1e-10)


def test_scipy_dialect_reproduces_ecdf_and_logrank(lung: dict[str, np.ndarray]) -> None:
    from scipy import stats

    t, e, sex = lung["time"], lung["status"], lung["sex"]
    sf = stats.ecdf(stats.CensoredData(uncensored=t[e == 1], right=t[e == 0])).sf
    ci = sf.confidence_interval()  # default method "linear"
    ours = crossval.dialect("scipy").kaplan_meier(t, e)
    assert ours.conf_type == "plain"
    assert np.array_equal(sf.quantiles, ours.time)
    assert _close(sf.probabilities, ours.survival, 1e-13)
    assert _close(ci.low.probabilities, ours.lower, 1e-12)
    assert _close(ci.high.probabilities, ours.upper, 1e-12)

    def sample(mask: np.ndarray) -> Any:
        return stats.CensoredData(uncensored=t[mask & (e == 1)], right=t[mask & (e == 0)])

    z = stats.logrank(sample(sex == 1), sample(sex == 2)).statistic
    assert crossval.dialect("scipy").logrank(t, e, sex).statistic == pytest.approx(
        z**2, rel=1e-12
    )


# ------------------------------------------------------------------------- R


def test_r_dialect_reproduces_r_defaults(r: Any, lung: dict[str, np.ndarray]) -> None:
    # Called with no options at all, so this is R's default, not the oracle's.
    t, e = lung["time"], lung["status"]
    df = r.data_frame({"t": t, "e": e, "age": lung["age"]})
    fit = r.call(r.survival.survfit, formula=r.ro.Formula("Surv(t, e) ~ 1"), data=df).value
    ours = crossval.dialect("r").kaplan_meier(t, e)
    assert _close(np.asarray(fit.rx2("lower")), ours.lower, 1e-12)
    assert str(fit.rx2("conf.type")[0]) == ours.conf_type == "log"
    cox = r.call(r.survival.coxph, formula=r.ro.Formula("Surv(t, e) ~ age"), data=df).value
    assert str(cox.rx2("method")[0]) == crossval.dialect("r").defaults("cox_ph")["ties"]
    assert float(cox.rx2("coefficients")[0]) == pytest.approx(
        float(crossval.dialect("r").cox_ph(t, e, lung["age"]).coef[0]), rel=1e-6
    )
    table = [[3.0, 5.0], [7.0, 2.0]]
    m = r.base.matrix(r.ro.FloatVector([3.0, 7.0, 5.0, 2.0]), nrow=2)
    chi = r.call(r.stats.chisq_test, x=m).value
    assert float(chi.rx2("statistic")[0]) == pytest.approx(
        crossval.dialect("r").chi2_test(table).statistic, rel=1e-12
    )
    ci = np.asarray(r.call(r.stats.binom_test, x=7, n=20).value.rx2("conf.int"))
    mine = crossval.dialect("r").binom_ci(7, 20)
    assert (mine.low, mine.high) == pytest.approx(tuple(ci), rel=1e-12)
    assert not math.isnan(mine.low)
