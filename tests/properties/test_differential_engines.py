"""crossval equals other Python engines on generated cases, where their conventions match.

scipy (binomial test and intervals, Fisher 2 x 2, chi-square), statsmodels
(binomial intervals, Cox ``PHReg``) and lifelines (Kaplan-Meier, log-rank,
Cox). None of them merges times equal up to round-off, so crossval is called
with ``timefix=False`` against them. Where an engine's convention differs
the case is left out and the comment says why; where an engine stops its
iterations early the tolerance is its own, and says so.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from proptools import assert_close, budget, describe
from scipy import stats

from crossval import binom_ci, binom_test, chi2_test, cox_ph, fisher_exact, kaplan_meier, logrank
from crossval.errors import InputError
from crossval.testing.strategies import (
    SurvivalData,
    binomial_counts,
    contingency_tables,
    survival_data,
)

REL = 1e-9


def props(n: int) -> settings:
    """``n`` examples under the default profile; the engines' own start-up can be slow."""
    return settings(max_examples=budget(n), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------ scipy


@props(40)
@given(binomial_counts(), st.sampled_from([0.8, 0.9, 0.95, 0.99]),
       st.sampled_from([0.5, 0.1, 0.3, 0.9]))
def test_binomial_matches_scipy(xn: tuple[int, int], level: float, p0: float) -> None:
    x, n = xn
    ctx = describe(x=x, n=n, conf_level=level, p=p0)
    ref = stats.binomtest(x, n, p0)
    # scipy's wilsoncc always corrects by 1/2; R's prop.test (and crossval) by
    # min(1/2, |x - n/2|), so they differ only when x = n/2
    methods = [("clopper-pearson", "exact"), ("wilson", "wilson")]
    if abs(x - n / 2) >= 0.5:
        methods.append(("wilson-cc", "wilsoncc"))
    for ours_name, scipy_name in methods:
        ci = binom_ci(x, n, method=ours_name, conf_level=level)
        theirs = ref.proportion_ci(confidence_level=level, method=scipy_name)
        # scipy finds the exact limits by root finding to an absolute ~1e-13:
        # at x = 1, n = 111512, 80% its lower limit is 1e-7 off relative where
        # crossval equals R (and 1 - 0.9^(1/n)) to the last digit
        floor = 1e-12 if scipy_name == "exact" else 1e-300
        assert_close(ours_name, [ci.low, ci.high], [theirs.low, theirs.high], rel=REL,
                     abs_floor=floor, context=ctx)
    # both engines sum outcomes with density <= d(x) * (1 + 1e-7), as R does
    assert_close("binom_test p", binom_test(x, n, p0).p_value, ref.pvalue, rel=REL,
                 abs_floor=1e-300, context=ctx)


@props(40)
@given(contingency_tables(max_rows=2, max_cols=2, max_count=10**4, zero_margins=False),
       st.sampled_from(["two-sided", "less", "greater"]))
def test_fisher_2x2_matches_scipy(table: list[list[int]], alternative: str) -> None:
    ours = fisher_exact(table, alternative=alternative).p_value
    theirs = stats.fisher_exact(table, alternative=alternative).pvalue
    assert_close("p", ours, theirs, rel=REL, abs_floor=1e-300, context=describe(table=table))


@props(40)
@given(contingency_tables(zero_margins=False), st.booleans())
def test_chi_square_matches_scipy(table: list[list[int]], correction: bool) -> None:
    arr = np.asarray(table)
    assume((arr.sum(axis=0) > 0).all() and (arr.sum(axis=1) > 0).all())
    ours = chi2_test(table, correction=correction)
    theirs = stats.chi2_contingency(arr, correction=correction)
    ctx = describe(table=table, correction=correction)
    # a statistic that is 0 in exact arithmetic comes out as 1e-31 in one engine
    assert_close("statistic", ours.statistic, theirs.statistic, rel=REL, abs_floor=1e-12,
                 context=ctx)
    assert_close("p", ours.p_value, theirs.pvalue, rel=REL, abs_floor=1e-12, context=ctx)
    assert ours.df == theirs.dof
    assert_close("expected", ours.expected, theirs.expected_freq, rel=REL, context=ctx)


# ------------------------------------------------------------- statsmodels


@props(40)
@given(binomial_counts(max_n=10**5), st.sampled_from([0.9, 0.95, 0.99]))
def test_binomial_intervals_match_statsmodels(xn: tuple[int, int], level: float) -> None:
    from statsmodels.stats.proportion import proportion_confint

    x, n = xn
    methods = [("clopper-pearson", "beta"), ("wilson", "wilson"),
               ("agresti-coull", "agresti_coull"), ("wald", "normal")]
    # statsmodels' Jeffreys interval has no boundary modification at x = 0, n
    if 0 < x < n:
        methods.append(("jeffreys", "jeffreys"))
    for ours_name, sm_name in methods:
        ci = binom_ci(x, n, method=ours_name, conf_level=level)
        lo, hi = proportion_confint(x, n, alpha=1 - level, method=sm_name)
        # statsmodels leaves Wald and Agresti-Coull unclipped outside [0, 1]
        lo, hi = min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)
        assert_close(ours_name, [ci.low, ci.high], [lo, hi], rel=REL, abs_floor=1e-15,
                     context=describe(x=x, n=n, conf_level=level))


cox_data = survival_data(max_rows=80, covariates=(1, 2), min_events=2,
                         covariate_kinds=("binary", "continuous", "integer"),
                         time_patterns=("continuous", "few-ties", "heavy-ties", "grid"))


def _converged(data: SurvivalData, ties: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = cox_ph(data.time, data.event, dict(data.covariates), ties=ties, timefix=False)
        except InputError:
            return None
    return fit if fit.converged else None


@props(25)
@given(cox_data, st.sampled_from(["efron", "breslow"]))
def test_cox_matches_statsmodels_phreg(data: SurvivalData, ties: str) -> None:
    import statsmodels.api as sm

    # PHReg stops on an absolute gradient tolerance, so a covariate measured in
    # units of 1e-123 never leaves beta = 0 there; crossval is scale-equivariant
    assume(all(np.all((v == 0) | (np.abs(v) > 1e-6)) for v in data.covariates.values()))
    ours = _converged(data, ties)
    assume(ours is not None)
    ctx = describe(time=data.time, event=data.event, covariates=dict(data.covariates), ties=ties)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            theirs = sm.PHReg(data.time, data.covariate_matrix(), status=data.event,
                              ties=ties).fit(disp=0)
        except np.linalg.LinAlgError:
            theirs = None
    gave_up = any("failed to converge" in str(w.message) for w in caught)
    if theirs is None or gave_up or not np.all(np.isfinite(theirs.params)):
        # PHReg's optimiser can end in nan, a singular Hessian or, saying it
        # failed to converge, at 2.6e8 (all times 0, 8 tied events, one with
        # x = 1) where R's coxph and crossval agree (2.2096): its failure
        event("statsmodels failed")
        return
    scale = np.maximum(np.abs(ours.coef), ours.se)
    assert np.all(np.abs(np.asarray(theirs.params) - ours.coef) <= 1e-7 * scale), (
        f"coef: crossval {ours.coef} vs statsmodels {theirs.params}\n{ctx}")
    # statsmodels' standard errors come from its own Hessian evaluation
    assert_close("se", ours.se, theirs.bse, rel=1e-8, context=ctx)


# ---------------------------------------------------------------- lifelines


@props(20)
@given(survival_data(max_rows=120))
def test_kaplan_meier_matches_lifelines(data: SurvivalData) -> None:
    from lifelines import KaplanMeierFitter

    ours = kaplan_meier(data.time, data.event, conf_type="log-log", timefix=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kmf = KaplanMeierFitter().fit(data.time, data.event)
    ctx = describe(time=data.time, event=data.event)
    surv = kmf.survival_function_.iloc[:, 0].loc[ours.time].to_numpy()
    assert_close("survival", ours.survival, surv, rel=REL, abs_floor=1e-15, context=ctx)
    # lifelines' default band is the exponential Greenwood (log-log) one;
    # it reports S itself where R's log-log limits are NA (S = 1) and 0 at S = 0
    band = kmf.confidence_interval_.loc[ours.time].to_numpy()
    defined = ~np.isnan(ours.lower)
    assert_close("lower", ours.lower[defined], band[defined, 0], rel=1e-9, abs_floor=1e-15,
                 context=ctx)
    assert_close("upper", ours.upper[defined], band[defined, 1], rel=1e-9, abs_floor=1e-15,
                 context=ctx)


@props(20)
@given(survival_data(max_rows=120, groups=(2, 4), min_events=1))
def test_logrank_matches_lifelines(data: SurvivalData) -> None:
    from lifelines.statistics import multivariate_logrank_test

    ours = logrank(data.time, data.event, data.group, timefix=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = multivariate_logrank_test(data.time, data.group, data.event)
    ctx = describe(time=data.time, event=data.event, group=data.group)
    assume(ours.df == len(set(data.group.tolist())) - 1)  # lifelines has no generalised inverse
    assert_close("statistic", ours.statistic, theirs.test_statistic, rel=1e-8, abs_floor=1e-10,
                 context=ctx)


@pytest.mark.filterwarnings("ignore")
@props(5)
@given(cox_data.filter(lambda d: len(d.covariates) == 1))
def test_cox_matches_lifelines(data: SurvivalData) -> None:
    import pandas as pd
    from lifelines import CoxPHFitter

    ours = _converged(data, "efron")
    assume(ours is not None)
    frame = pd.DataFrame({"t": data.time, "e": data.event, "x1": data.covariates["x1"]})
    try:
        theirs = CoxPHFitter().fit(frame, "t", "e", fit_options={"precision": 1e-14})
    except Exception:  # lifelines' own convergence failures are not crossval's concern
        assume(False)
    ctx = describe(time=data.time, event=data.event, covariates=dict(data.covariates))
    # lifelines stops on its own criteria (CoxPHFitter._newton_raphson): with
    # precision = 1e-14 the one that ends the run is a relative change of the
    # log-likelihood below r_precision = 1e-9, which leaves a Newton decrement
    # of a few times 1e-9 |log L|, (b - b_hat)^2 / (2 se^2) for one
    # coefficient. (Heavy ties, 75 events, log L = -250: 2.9e-5 SE off, over
    # an older bound of 1e-5 of the scale.)
    decrement = 5e-9 * abs(ours.loglik[1]) + 1e-14
    bound = math.sqrt(2.0 * decrement) * float(ours.se[0])
    assert abs(float(theirs.params_["x1"]) - float(ours.coef[0])) <= bound, ctx
