"""crossval equals live R on generated cases, many cases per R call.

Each example draws a batch of cases and sends the whole batch to R in one
call (proptools.r_batch), so R's per-call cost is paid once per batch. The
tolerances are the statistics core's (crossval.compare.tolerances): 1e-9
relative for Kaplan-Meier, log-rank, binomial intervals, Fisher and
chi-square; Cox coefficients 1e-7 and standard errors 1e-6 against
``coxph.control(eps = 1e-12, iter.max = 100)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from proptools import (
    R_BINOM,
    R_COX,
    R_KAPLAN_MEIER,
    R_LOGRANK,
    R_TABLES,
    assert_close,
    budget,
    case_note,
    describe,
    r_batch,
)

from crossval import binom_ci, binom_test, chi2_test, cox_ph, fisher_exact, kaplan_meier, logrank
from crossval.errors import InputError
from crossval.rbridge.session import RSession
from crossval.stats.kaplan_meier import CONF_TYPES
from crossval.testing.strategies import (
    SurvivalData,
    binomial_counts,
    contingency_tables,
    survival_data,
)

pytestmark = pytest.mark.r

REL = 1e-9
BATCH = 25


def r_settings(n: int) -> settings:
    """``n`` batches under the default profile, not shrunk.

    Shrinking a batch costs an R call per step and ran for minutes; instead
    every assertion prints the one failing case in full, ready to paste into a
    regression test.
    """
    return settings(
        max_examples=budget(n),
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ------------------------------------------------------------------ Kaplan-Meier

km_case = st.tuples(
    survival_data(max_rows=80),
    st.sampled_from(CONF_TYPES),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)


def check_km(case: tuple[SurvivalData, str, float], theirs: dict[str, np.ndarray]) -> None:
    data, conf_type, level = case
    ctx = describe(time=data.time, event=data.event, conf_type=conf_type, conf_level=level)
    assert "error" not in theirs, f"R failed: {theirs.get('error')}\n{ctx}"
    ours = kaplan_meier(data.time, data.event, conf_type=conf_type, conf_level=level)
    for name in ("time", "n_risk", "n_event", "n_censor"):
        assert_close(name, getattr(ours, name), theirs[name], rel=0.0, context=ctx)
    for name in ("survival", "std_err", "lower", "upper"):
        assert_close(name, getattr(ours, name), theirs[name], rel=REL, context=ctx)
    assert_close("median", ours.median, theirs["median"], rel=0.0, context=ctx)
    if conf_type != "none":
        assert_close("median_ci", [ours.median_ci.low, ours.median_ci.high], theirs["median_ci"],
                     rel=0.0, context=ctx)


@r_settings(10)
@given(st.lists(km_case, min_size=BATCH, max_size=BATCH))
def test_kaplan_meier_matches_survfit(r: RSession, cases: list) -> None:
    results = r_batch(r, R_KAPLAN_MEIER, [
        {"time": d.time, "event": d.event, "conf_type": ct, "conf_level": cl}
        for d, ct, cl in cases])
    for case, theirs in zip(cases, results, strict=True):
        for feature in case[0].features:
            event(feature)
        check_km(case, theirs)


@r_settings(1)
@given(st.lists(st.tuples(survival_data(min_rows=1000, max_rows=5000),
                          st.sampled_from(["log", "log-log"]), st.just(0.95)),
                min_size=4, max_size=4))
def test_kaplan_meier_matches_survfit_on_thousands_of_rows(r: RSession, cases: list) -> None:
    results = r_batch(r, R_KAPLAN_MEIER, [
        {"time": d.time, "event": d.event, "conf_type": ct, "conf_level": cl}
        for d, ct, cl in cases])
    for case, theirs in zip(cases, results, strict=True):
        check_km(case, theirs)


# ----------------------------------------------------------------------- log-rank

logrank_case = st.tuples(
    survival_data(max_rows=80, groups=(2, 4), min_events=1),
    st.booleans(),
    st.sampled_from([0.0, 0.0, 0.5, 1.0]),
    st.integers(1, 3),
)


def _strata_for(data: SurvivalData, with_strata: bool, k: int) -> np.ndarray | None:
    if not with_strata:
        return None
    # strata cut across groups, independent of the group labels
    return (np.arange(len(data)) * 7 % k).astype(np.int64)


@r_settings(10)
@given(st.lists(logrank_case, min_size=BATCH, max_size=BATCH))
def test_logrank_matches_survdiff(r: RSession, cases: list) -> None:
    strata = [_strata_for(d, s, k) for d, s, _, k in cases]
    results = r_batch(r, R_LOGRANK, [
        {"time": d.time, "event": d.event, "group": d.group, "strata": s, "rho": rho}
        for (d, _, rho, _), s in zip(cases, strata, strict=True)])
    for (data, _, rho, _), s, theirs in zip(cases, strata, results, strict=True):
        for feature in data.features:
            event(feature)
        ctx = describe(time=data.time, event=data.event, group=data.group, strata=s, rho=rho)
        ours = logrank(data.time, data.event, data.group, strata=s, rho=rho)
        if "error" in theirs:
            # survdiff's solve() stops on a singular variance (groups that never
            # share a risk set); crossval uses the generalised inverse there
            # and reports the rank as df, so only the sums are comparable.
            event("R survdiff: singular variance")
            assert "singular" in theirs["error"], f"{theirs['error']}\n{ctx}"
            continue
        scale = float(np.max(np.abs(theirs["variance"]), initial=1.0))
        assert_close("n", ours.n, theirs["n"], rel=0.0, context=ctx)
        for name in ("observed", "expected"):
            assert_close(name, getattr(ours, name), theirs[name], rel=REL,
                         abs_floor=1e-12 * scale, context=ctx)
        assert_close("variance", np.ravel(ours.variance), theirs["variance"], rel=REL,
                     abs_floor=1e-12 * scale, context=ctx)
        assert ours.df == int(theirs["df"][0]), ctx
        # a statistic that is 0 in exact arithmetic is 1e-30 in one engine, 0 in the other
        assert_close("statistic", ours.statistic, theirs["statistic"], rel=REL, abs_floor=1e-12,
                     context=ctx)
        assert_close("p_value", ours.p_value, theirs["p_value"], rel=REL, abs_floor=1e-12,
                     context=ctx)


# ---------------------------------------------------------------------------- Cox

cox_case = st.tuples(
    survival_data(max_rows=60, covariates=(1, 3), min_events=1,
                  covariate_kinds=("binary", "continuous", "integer", "collinear",
                                   "separated")),
    st.sampled_from(["efron", "breslow", "exact"]),
    st.booleans(),
)

# R's warnings for a fit it could not finish: a monotone likelihood, too many
# iterations or a singular design.
R_FIT_WARNINGS = ("converged before", "Ran out of iterations", "singular", "infinite")


@r_settings(10)
@given(st.lists(cox_case, min_size=BATCH, max_size=BATCH))
def test_cox_matches_coxph(r: RSession, cases: list) -> None:
    strata = [_strata_for(d, s, 2) for d, _, s in cases]
    results = r_batch(r, R_COX, [
        {"time": d.time, "event": d.event, "x": d.covariate_matrix().ravel(order="F"),
         "ties": ties, "strata": s}
        for (d, ties, _), s in zip(cases, strata, strict=True)])
    for (data, ties, _), s, theirs in zip(cases, strata, results, strict=True):
        ctx = describe(time=data.time, event=data.event, covariates=dict(data.covariates),
                       ties=ties, strata=s)
        with case_note(ctx):
            check_cox(data, ties, s, theirs, ctx)


def _r_information_is_noise(data: SurvivalData, theirs: dict) -> bool:
    """R kept a coefficient whose information is round-off (its variance ~1e17).

    R's Cholesky tolerance is relative, so a covariate constant within every
    risk set can come back as coefficient 0 with an absurd variance instead of
    NA (e.g. with strata; without them R reports NA for the same data).
    """
    x = data.covariate_matrix()
    with np.errstate(divide="ignore"):  # a variance of 0: infinite information
        info = 1.0 / np.diag(theirs["var"].reshape(x.shape[1], x.shape[1]))
    spread = data.n_events * np.var(x, axis=0)
    return bool(np.any(info <= 1e-8 * spread))


def check_cox(data: SurvivalData, ties: str, s: np.ndarray | None, theirs: dict,
              ctx: str) -> None:
    r_trouble = [w for w in theirs.get("warnings", ()) if any(k in w for k in R_FIT_WARNINGS)]
    r_na = "coef" in theirs and bool(np.isnan(theirs["coef"]).any())
    try:
        ours = cox_ph(data.time, data.event, dict(data.covariates), ties=ties, strata=s)
    except InputError as exc:
        # crossval refuses designs R cannot estimate either: R stops, reports an
        # NA coefficient, or gives up on a likelihood with no maximum
        event("crossval refuses: not identifiable")
        assert "covariate" in str(exc), ctx
        assert "error" in theirs or r_na or r_trouble or _r_information_is_noise(data, theirs), (
            f"R fitted what crossval refused: {exc}")
        return
    if "error" in theirs:
        # R can stop outright on a monotone likelihood ("infinite argument in
        # coxph.wtest"); crossval must then have flagged it too
        event("R stopped; monotone likelihood")
        assert not ours.converged and ours.note, (
            f"R failed: {theirs['error']}, crossval converged at {ours.coef}")
        return
    if r_na or r_trouble or not ours.converged:
        # a monotone likelihood has no maximum; both engines must say so. Where
        # R's information is at round-off level the likelihood is flat to
        # double precision and whether its final step counts as converged is a
        # coin toss (R: 7.29 with variance 4e7 and no warning, crossval: the
        # same flatness flagged); R's silence there is not a fit to match.
        event("monotone likelihood / not converged")
        r_flat = _r_information_is_noise(data, theirs)
        assert (r_na or r_trouble or r_flat) and not ours.converged and ours.note, (
            f"R warnings {r_trouble}, R coef {theirs['coef']}, crossval converged="
            f"{ours.converged}, coef {ours.coef}")
        return
    event(f"fitted, ties={ties}")
    p = ours.coef.size
    r_var = theirs["var"].reshape(p, p)
    r_se = np.sqrt(np.diag(r_var))
    # relative to the coefficient or, near 0, to its standard error
    scale = np.maximum(np.abs(theirs["coef"]), r_se)
    assert np.all(np.abs(ours.coef - theirs["coef"]) <= 1e-7 * scale), (
        f"coef: crossval {ours.coef!r} vs R {theirs['coef']!r}\n{ctx}")
    assert_close("se", ours.se, r_se, rel=1e-6, context=ctx)
    assert_close("loglik", ours.loglik, theirs["loglik"], rel=REL, abs_floor=1e-12,
                 context=ctx)
    assert_close("score", ours.score, theirs["score"], rel=1e-6, abs_floor=1e-12,
                 context=ctx)


# ------------------------------------------------------------------- binomial

binom_case = st.tuples(
    binomial_counts(),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    st.sampled_from([0.5, 0.5, 0.1, 0.25, 0.9, 1 / 3]),
    st.sampled_from(["two-sided", "less", "greater"]),
)
R_ALT = {"two-sided": "two.sided", "less": "less", "greater": "greater"}


@r_settings(10)
@given(st.lists(binom_case, min_size=2 * BATCH, max_size=2 * BATCH))
def test_binomial_matches_binom_test_and_prop_test(r: RSession, cases: list) -> None:
    results = r_batch(r, R_BINOM, [
        {"x": x, "n": n, "level": level, "p": p0, "alternative": R_ALT[alt]}
        for (x, n), level, p0, alt in cases])
    for ((x, n), level, p0, alt), theirs in zip(cases, results, strict=True):
        ctx = describe(x=x, n=n, conf_level=level, p=p0, alternative=alt)
        assert "error" not in theirs, f"R failed: {theirs['error']}\n{ctx}"
        for method, key in (("clopper-pearson", "cp"), ("wilson", "wilson"),
                            ("wilson-cc", "wilson_cc")):
            ci = binom_ci(x, n, method=method, conf_level=level)
            assert_close(f"{method} interval", [ci.low, ci.high], theirs[key], rel=REL,
                         context=ctx)
        test = binom_test(x, n, p0, alternative=alt)
        r_p = float(theirs["p_value"][0])
        if test.p_value == 0.0 and 0.0 < r_p < 1e-280:
            # known: scipy's binomial tails flush below ~1e-283 (strict xfail in
            # test_regressions.py::test_binom_test_tiny_tail_is_not_flushed_to_zero)
            event("binom_test tail flushed to 0 (known)")
            continue
        # below 1e-300 both engines are in the subnormal range, where 0 and 5e-324 are one answer
        assert_close("binom_test p", test.p_value, r_p, rel=REL, abs_floor=1e-300, context=ctx)


# ------------------------------------------------------------- Fisher, chi-square


def _table_case(table: list[list[int]], fisher: bool, chisq: bool) -> dict:
    arr = np.asarray(table)
    return {"cells": arr.ravel(), "nrow": arr.shape[0], "fisher": fisher, "chisq": chisq}


@r_settings(10)
@given(st.lists(st.one_of(
    contingency_tables(max_rows=2, max_cols=2, max_count=10**5),
    contingency_tables(max_rows=5, max_cols=5, max_total=40),
), min_size=BATCH, max_size=BATCH))
def test_fisher_matches_fisher_test(r: RSession, tables: list) -> None:
    results = r_batch(r, R_TABLES, [_table_case(t, True, False) for t in tables])
    for table, theirs in zip(tables, results, strict=True):
        ctx = describe(table=table)
        event(f"{len(table)}x{len(table[0])}")
        ours = fisher_exact(table)
        if "error" in theirs:
            # R's FEXACT stops on an all-zero table; crossval drops empty rows
            # and columns and, as documented, gives p = 1 when too few remain
            event("all-zero table")
            assert "are zero" in theirs["error"], f"R failed: {theirs['error']}\n{ctx}"
            assert ours.p_value == 1.0, ctx
            continue
        assert 0.0 <= ours.p_value <= 1.0, ctx
        assert_close("p_value", ours.p_value, theirs["fisher_p"], rel=REL, context=ctx)
        if ours.or_ci is not None and not math.isnan(ours.odds_ratio or math.nan):
            # R solves these with uniroot's default tolerance (~1.2e-4 on t or 1/t)
            for name, a, b in (("odds_ratio", [ours.odds_ratio], theirs["odds_ratio"]),
                               ("or_ci", [ours.or_ci.low, ours.or_ci.high], theirs["or_ci"])):
                fa = np.where(np.abs(a) > 1, 1 / np.asarray(a, float), a)
                fb = np.where(np.abs(b) > 1, 1 / np.asarray(b, float), b)
                assert np.all(np.abs(fa - fb) <= 2.5e-4), f"{name}: {a} vs R {b}\n{ctx}"


@r_settings(10)
@given(st.lists(contingency_tables(), min_size=BATCH, max_size=BATCH))
def test_chi_square_matches_chisq_test(r: RSession, tables: list) -> None:
    results = r_batch(r, R_TABLES, [_table_case(t, False, True) for t in tables])
    for table, theirs in zip(tables, results, strict=True):
        ctx = describe(table=table)
        arr = np.asarray(table)
        if "error" in theirs:
            # R stops on an all-zero table; crossval refuses it too
            event("all-zero table")
            assert arr.sum() == 0, f"R failed: {theirs['error']}\n{ctx}"
            with pytest.raises(InputError, match="table"):
                chi2_test(table)
            continue
        if (arr.sum(axis=0) == 0).any() or (arr.sum(axis=1) == 0).any():
            # R returns NaN; crossval refuses and says which margin is empty
            event("empty margin")
            assert np.isnan(theirs["pearson_statistic"]).all(), ctx
            with pytest.raises(InputError, match="table"):
                chi2_test(table)
            continue
        for correction, key in ((False, "pearson"), (True, "yates")):
            ours = chi2_test(table, correction=correction)
            assert_close(f"{key} statistic", ours.statistic, theirs[f"{key}_statistic"],
                         rel=REL, abs_floor=1e-12, context=ctx)
            assert_close(f"{key} p", ours.p_value, theirs[f"{key}_p"], rel=REL, abs_floor=1e-12,
                         context=ctx)
            assert_close(f"{key} expected", np.ravel(ours.expected), theirs[f"{key}_expected"],
                         rel=REL, context=ctx)
