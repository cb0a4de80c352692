"""Invariants that hold for every input, whatever R says.

A Kaplan-Meier curve is a non-increasing step function inside its own
confidence band; the log-rank test does not care how groups are labelled or
rows ordered; a Cox coefficient changes sign with its covariate and a
duplicated data set doubles the information; the Clopper-Pearson interval
contains its estimate, nests by level, moves with x and covers at least its
nominal level (computed exactly, not simulated); Fisher's p is a probability
and ignores which way round the table is written.
"""

from __future__ import annotations

import math
import random
import warnings
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from proptools import assert_close, budget, case_note, describe
from scipy import stats

from crossval import binom_ci, cox_ph, fisher_exact, kaplan_meier, logrank
from crossval.errors import InputError
from crossval.stats.kaplan_meier import CONF_TYPES
from crossval.testing.strategies import (
    SurvivalData,
    binomial_counts,
    contingency_tables,
    survival_data,
)


def props(n: int, **kwargs: Any) -> settings:
    """``n`` examples under the default profile (scaled by the active profile)."""
    return settings(max_examples=budget(n),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    **kwargs)


# ----------------------------------------------------------------- Kaplan-Meier


@props(40)
@given(survival_data(max_rows=200), st.sampled_from(CONF_TYPES),
       st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.999]))
def test_kaplan_meier_is_a_non_increasing_curve_inside_its_band(
    data: SurvivalData, conf_type: str, level: float
) -> None:
    fit = kaplan_meier(data.time, data.event, conf_type=conf_type, conf_level=level)
    s = np.asarray(fit.survival)
    with case_note(describe(time=data.time, event=data.event, conf_type=conf_type)):
        assert np.all((s >= 0) & (s <= 1))
        assert np.all(np.diff(s) <= 0)
        assert np.all(np.diff(fit.time) > 0)
        assert np.all(np.diff(fit.n_risk) < 0)
        assert fit.n_risk[0] == len(data) and int(fit.n_event.sum()) == data.n_events
        assert int(fit.n_event.sum() + fit.n_censor.sum()) == len(data)
        lo, hi = np.asarray(fit.lower), np.asarray(fit.upper)
        both = ~np.isnan(lo) & ~np.isnan(hi)
        # nan where R has NA (S = 0, S = 1 under log-log, conf_type none)
        tiny = 1e-12
        assert np.all(lo[both] <= s[both] + tiny) and np.all(s[both] <= hi[both] + tiny)
        assert np.all(lo[both] >= 0) and np.all(hi[both] <= 1 + tiny)
        if not math.isnan(fit.median):
            assert fit.time[0] <= fit.median <= fit.time[-1]


# ------------------------------------------------------------------- log-rank


@props(40)
@given(survival_data(max_rows=120, groups=(2, 4), min_events=1), st.randoms(use_true_random=False),
       st.sampled_from([0.0, 0.0, 1.0]), st.booleans())
def test_logrank_ignores_labels_and_row_order(
    data: SurvivalData, rnd: random.Random, rho: float, stratified: bool
) -> None:
    assert data.group is not None
    strata = (np.arange(len(data)) % 2) if stratified else None
    base = logrank(data.time, data.event, data.group, strata=strata, rho=rho)
    # relabel: the groups become strings in a shuffled order
    labels = sorted(set(data.group.tolist()))
    names = [f"arm-{c}" for c in "qwertyuiop"[: len(labels)]]
    rnd.shuffle(names)
    mapping = dict(zip(labels, names, strict=True))
    relabelled = np.array([mapping[g] for g in data.group.tolist()])
    order = np.arange(len(data))
    rnd.shuffle(order)
    other = logrank(data.time[order], data.event[order], relabelled[order],
                    strata=None if strata is None else strata[order], rho=rho)
    ctx = describe(time=data.time, event=data.event, group=data.group, rho=rho)
    assert_close("statistic", other.statistic, base.statistic, rel=1e-9, abs_floor=1e-12,
                 context=ctx)
    assert_close("p", other.p_value, base.p_value, rel=1e-9, abs_floor=1e-12, context=ctx)
    assert other.df == base.df
    # per-group results follow the groups, whatever their names and order
    where = {name: i for i, name in enumerate(other.groups.tolist())}
    perm = [where[mapping[g]] for g in base.groups.tolist()]
    scale = float(np.abs(base.expected).max())
    for name in ("observed", "expected", "n"):
        assert_close(name, np.asarray(getattr(other, name))[perm], getattr(base, name), rel=1e-9,
                     abs_floor=1e-12 * scale, context=ctx)


# ------------------------------------------------------------------------ Cox

cox_data = survival_data(max_rows=80, covariates=(1, 2), min_events=2,
                         covariate_kinds=("binary", "continuous", "integer"))


def _fit(data: SurvivalData, covariates: dict, ties: str, **kw: Any) -> Any:
    """A converged fit, or None for designs without a finite maximum (not this test's topic)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = cox_ph(data.time, data.event, covariates, ties=ties, **kw)
        except InputError:
            return None
    return fit if fit.converged else None


@props(30)
@given(cox_data, st.sampled_from(["efron", "breslow", "exact"]))
def test_cox_coefficient_flips_sign_with_its_covariate(data: SurvivalData, ties: str) -> None:
    fit = _fit(data, dict(data.covariates), ties)
    assume(fit is not None)
    flipped = {k: (-v if k == "x1" else v) for k, v in data.covariates.items()}
    other = _fit(data, flipped, ties)
    ctx = describe(time=data.time, event=data.event, covariates=dict(data.covariates), ties=ties)
    assert other is not None, ctx
    scale = np.maximum(np.abs(fit.coef), fit.se)
    sign = np.array([-1.0 if k == "x1" else 1.0 for k in data.covariates])
    assert np.all(np.abs(other.coef - sign * fit.coef) <= 1e-8 * scale), ctx
    assert_close("se", other.se, fit.se, rel=1e-7, context=ctx)


@props(30)
@given(survival_data(max_rows=80, groups=(2, 2), min_events=2),
       st.sampled_from(["efron", "breslow", "exact"]))
def test_cox_hazard_ratio_inverts_when_groups_swap(data: SurvivalData, ties: str) -> None:
    assert data.group is not None
    arm = (data.group == 1).astype(float)
    fit = _fit(data, {"arm": arm}, ties)
    assume(fit is not None)
    swapped = _fit(data, {"arm": 1.0 - arm}, ties)
    ctx = describe(time=data.time, event=data.event, arm=arm, ties=ties)
    assert swapped is not None, ctx
    hr, hr_swapped = float(fit.hazard_ratio[0]), float(swapped.hazard_ratio[0])
    scale = max(abs(float(fit.coef[0])), float(fit.se[0]))
    assert abs(math.log(hr * hr_swapped)) <= 1e-8 * scale, ctx
    lo, hi = fit.hr_ci[0]
    slo, shi = swapped.hr_ci[0]
    assert_close("CI", [slo, shi], [1 / hi, 1 / lo], rel=1e-7, context=ctx)


@props(30)
@given(cox_data)
def test_cox_duplicated_data_doubles_the_information(data: SurvivalData) -> None:
    # Breslow only: duplicating rows doubles every tie, and Efron's and the
    # exact likelihood of 2d tied deaths are not the square of those of d.
    fit = _fit(data, dict(data.covariates), "breslow")
    assume(fit is not None)
    twice = SurvivalData(
        time=np.concatenate([data.time, data.time]),
        event=np.concatenate([data.event, data.event]),
        covariates={k: np.concatenate([v, v]) for k, v in data.covariates.items()})
    other = _fit(twice, dict(twice.covariates), "breslow")
    ctx = describe(time=data.time, event=data.event, covariates=dict(data.covariates))
    assert other is not None, ctx
    scale = np.maximum(np.abs(fit.coef), fit.se)
    assert np.all(np.abs(other.coef - fit.coef) <= 1e-8 * scale), ctx
    info = np.linalg.inv(fit.naive_var)
    assert_close("information", np.linalg.inv(other.naive_var), 2 * info, rel=1e-7,
                 abs_floor=1e-9 * float(np.abs(info).max()), context=ctx)
    # every risk-set sum doubles too: each of the 2d deaths loses log 2
    shift = 2 * data.n_events * math.log(2)
    assert_close("loglik", other.loglik, 2 * np.asarray(fit.loglik) - shift, rel=1e-9,
                 abs_floor=1e-9, context=ctx)


# ---------------------------------------------------------- Clopper-Pearson

LEVELS = [0.8, 0.9, 0.95, 0.99]


@props(60)
@given(binomial_counts(), st.sampled_from(LEVELS))
def test_clopper_pearson_contains_estimate_and_nests(xn: tuple[int, int], level: float) -> None:
    x, n = xn
    ci = binom_ci(x, n, conf_level=level)
    assert 0.0 <= ci.low <= x / n <= ci.high <= 1.0, (x, n, level, ci)
    wider = binom_ci(x, n, conf_level=min(0.999, level + 0.05))
    assert wider.low <= ci.low and ci.high <= wider.high, (x, n, level, ci, wider)
    if x == 0:
        assert ci.low == 0.0
    if x == n:
        assert ci.high == 1.0


@props(25)
@given(st.integers(1, 400), st.sampled_from(LEVELS), st.lists(st.floats(1e-6, 1 - 1e-6),
                                                              max_size=20))
@example(n=1, level=0.95, extra=[])
@example(n=10, level=0.95, extra=[0.5])
def test_clopper_pearson_is_monotone_in_x_and_covers(n: int, level: float,
                                                     extra: list[float]) -> None:
    x = np.arange(n + 1)
    ci = binom_ci(x, n, conf_level=level)
    low, high = np.asarray(ci.low), np.asarray(ci.high)
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) > 0), n
    # exact coverage on a grid, including just inside and outside each limit,
    # where the coverage function jumps and is smallest
    edges = np.concatenate([low[1:], high[:-1]])
    grid = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 101), extra,
                           np.nextafter(edges, 0), np.nextafter(edges, 1)])
    pmf = stats.binom.pmf(x[None, :], n, grid[:, None])
    inside = (low[None, :] <= grid[:, None]) & (grid[:, None] <= high[None, :])
    coverage = (pmf * inside).sum(axis=1)
    worst = int(np.argmin(coverage))
    event(f"min coverage - nominal {'< 0.001' if coverage[worst] - level < 1e-3 else '>= 0.001'}")
    assert coverage[worst] >= level - 1e-9, (n, level, grid[worst], coverage[worst])


# --------------------------------------------------------------------- Fisher


@props(40, deadline=None)
@given(st.one_of(contingency_tables(max_rows=2, max_cols=2, max_count=10**5),
                 contingency_tables(max_total=30)))
def test_fisher_p_is_a_probability_unchanged_by_transposition(table: list[list[int]]) -> None:
    # r x c totals stay small: 5 x 5 tables of 50-60 already exceed the
    # enumeration limit (test_bad_input.py checks that refusal separately)
    p = fisher_exact(table).p_value
    assert 0.0 <= p <= 1.0, table
    transposed = [list(col) for col in zip(*table, strict=True)]
    assert_close("p transposed", fisher_exact(transposed).p_value, p, rel=1e-9,
                 context=describe(table=table))
    flipped = table[::-1]
    assert_close("p rows reversed", fisher_exact(flipped).p_value, p, rel=1e-9,
                 context=describe(table=table))
