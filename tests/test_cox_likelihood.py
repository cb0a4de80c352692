"""The partial likelihood, score and information, checked by identities that must hold.

Expected values come from independent computations written out here: brute
force over every subset of a risk set (exact ties), numerical derivatives,
replication of integer-weighted rows, splitting of (start, stop] intervals,
and the closed form of the exact likelihood for a binary covariate.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import comb, logsumexp

from crossval.errors import InputError, InputTypeError
from crossval.stats.cox_likelihood import (
    cox_derivatives,
    cox_gradient,
    cox_information,
    cox_loglik,
    cox_score_residuals,
)

TIES = ("efron", "breslow", "exact")


def tied_data(seed: int, n: int = 40, p: int = 2, counting: bool = False) -> dict[str, Any]:
    """Small data with many tied times, two strata and non-integer weights."""
    rng = np.random.default_rng(seed)
    time = rng.integers(2, 9, n).astype(float)
    data: dict[str, Any] = {
        "time": time,
        "event": (rng.random(n) < 0.7).astype(float),
        "covariates": rng.normal(size=(n, p)),
        "strata": rng.integers(0, 2, n),
        "weights": rng.uniform(0.5, 2.0, n),
    }
    if counting:
        data["start"] = time - rng.integers(1, 3, n)
    return data


def brute_force_loglik(beta: np.ndarray, data: dict[str, Any], ties: str) -> float:
    """The partial likelihood straight from its definition, one event time at a time."""
    x = np.atleast_2d(np.asarray(data["covariates"], dtype=float).T).T
    eta = x @ beta
    time, event = np.asarray(data["time"]), np.asarray(data["event"])
    start = data.get("start")
    strata = np.asarray(data.get("strata", np.zeros(time.size)))
    w = np.asarray(data.get("weights", np.ones(time.size)))
    total = 0.0
    for s, t in sorted({(s, t) for s, t, e in zip(strata, time, event, strict=True) if e}):
        at_risk = (strata == s) & (time >= t)
        if start is not None:
            at_risk &= np.asarray(start) < t
        dead = at_risk & (time == t) & (event == 1)
        d = int(dead.sum())
        total += float(w[dead] @ eta[dead])
        if ties == "exact":
            # sum over all subsets of size d of the product of risk scores
            members = np.flatnonzero(at_risk)
            terms = [eta[list(c)].sum() for c in itertools.combinations(members, d)]
            total -= float(logsumexp(terms))
            continue
        # scores relative to the largest one, so that exp cannot overflow
        top = eta[at_risk].max()
        s0 = float(w[at_risk] @ np.exp(eta[at_risk] - top))
        d0 = float(w[dead] @ np.exp(eta[dead] - top))
        mean_w = w[dead].sum() / d
        for k in range(d):
            f = k / d if ties == "efron" else 0.0
            total -= mean_w * (top + math.log(s0 - f * d0))
    return total


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("counting", [False, True])
def test_loglik_equals_definition(ties: str, counting: bool) -> None:
    data = tied_data(1, n=24, counting=counting)
    if ties == "exact":
        data.pop("weights")
    for beta in (np.array([0.0, 0.0]), np.array([0.4, -0.8])):
        assert cox_loglik(beta, **data, ties=ties) == pytest.approx(
            brute_force_loglik(beta, data, ties), rel=1e-12
        )


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("counting", [False, True])
def test_derivatives_match_finite_differences(ties: str, counting: bool) -> None:
    data = tied_data(2, counting=counting)
    if ties == "exact":
        data.pop("weights")
    beta = np.array([0.3, -0.5])
    h = 1e-5
    eye = np.eye(2)
    grad = cox_gradient(beta, **data, ties=ties)
    info = cox_information(beta, **data, ties=ties)
    # central differences: error O(h^2) ~ 1e-10 relative to the curvature scale
    num_grad = [
        (cox_loglik(beta + h * e, **data, ties=ties) - cox_loglik(beta - h * e, **data, ties=ties))
        / (2 * h)
        for e in eye
    ]
    num_info = -np.array([
        (cox_gradient(beta + h * e, **data, ties=ties) - cox_gradient(beta - h * e, **data,
                                                                       ties=ties)) / (2 * h)
        for e in eye
    ])
    np.testing.assert_allclose(grad, num_grad, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(info, num_info, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(info, info.T, rtol=1e-14)
    both = cox_derivatives(beta, **data, ties=ties)
    np.testing.assert_array_equal(both.gradient, grad)


def test_exact_binary_covariate_large_tie_closed_form() -> None:
    # One event time, m = 60 at risk, k = 25 with x = 1, d = 30 deaths of which j0 = 18
    # have x = 1.  Subsets of size d with j members from the x = 1 group number
    # C(k, j) C(m-k, d-j) and have product r^j, so the denominator is
    # q(r) = sum_j C(k,j) C(m-k,d-j) r^j and LL = j0 beta - log q.
    # U = j0 - E[J], I = Var[J] under P(J = j) proportional to C(k,j)C(m-k,d-j) r^j.
    m, k, d, j0 = 60, 25, 30, 18
    x = np.r_[np.ones(k), np.zeros(m - k)]
    event = np.zeros(m)
    event[:j0] = 1
    event[k : k + d - j0] = 1
    time = np.ones(m)
    for beta in (0.0, 0.7, -1.5, 4.0):
        j = np.arange(max(0, d - (m - k)), min(k, d) + 1)
        logw = np.log(comb(k, j) * comb(m - k, d - j)) + j * beta
        log_q = float(logsumexp(logw))
        prob = np.exp(logw - log_q)
        mean = float(prob @ j)
        var = float(prob @ (j - mean) ** 2)
        got = cox_derivatives(beta, time, event, x, ties="exact")
        assert got.loglik == pytest.approx(j0 * beta - log_q, rel=1e-11)
        assert got.gradient[0] == pytest.approx(j0 - mean, rel=1e-10, abs=1e-10)
        assert got.information[0, 0] == pytest.approx(var, rel=1e-10)
    # at beta = 0 all scores are 1: the denominator is C(m, d)
    assert cox_loglik(0.0, time, event, x, ties="exact") == pytest.approx(
        -math.log(comb(m, d, exact=True)), rel=1e-13
    )


@pytest.mark.parametrize("ties", TIES)
def test_without_ties_all_methods_agree(ties: str) -> None:
    rng = np.random.default_rng(3)
    n = 30
    data = {"time": rng.permutation(n) + 1.0, "event": (rng.random(n) < 0.6).astype(float),
            "covariates": rng.normal(size=(n, 2))}
    beta = np.array([0.2, 0.9])
    ref = cox_derivatives(beta, **data, ties="breslow")
    got = cox_derivatives(beta, **data, ties=ties)
    assert got.loglik == pytest.approx(ref.loglik, rel=1e-13)
    np.testing.assert_allclose(got.gradient, ref.gradient, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got.information, ref.information, rtol=1e-12)


def test_breslow_integer_weights_equal_replicated_rows() -> None:
    # Under Breslow a case weight w is exactly w copies of the row.
    rng = np.random.default_rng(4)
    n = 25
    time = rng.integers(1, 6, n).astype(float)
    event = (rng.random(n) < 0.6).astype(float)
    x = rng.normal(size=(n, 2))
    w = rng.integers(1, 4, n)
    beta = np.array([0.5, -0.3])
    weighted = cox_derivatives(beta, time, event, x, ties="breslow", weights=w)
    rep = np.repeat(np.arange(n), w)
    copies = cox_derivatives(beta, time[rep], event[rep], x[rep], ties="breslow")
    assert weighted.loglik == pytest.approx(copies.loglik, rel=1e-12)
    np.testing.assert_allclose(weighted.gradient, copies.gradient, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(weighted.information, copies.information, rtol=1e-11)


@pytest.mark.parametrize("ties", TIES)
def test_start_before_all_times_is_right_censored(ties: str) -> None:
    data = tied_data(5)
    data.pop("weights")
    beta = np.array([-0.4, 0.6])
    plain = cox_derivatives(beta, **data, ties=ties)
    counting = cox_derivatives(beta, **data, ties=ties, start=np.zeros(len(data["time"])))
    assert counting.loglik == pytest.approx(plain.loglik, rel=1e-13)
    np.testing.assert_allclose(counting.gradient, plain.gradient, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(counting.information, plain.information, rtol=1e-12)


@pytest.mark.parametrize("ties", TIES)
def test_splitting_an_interval_changes_nothing(ties: str) -> None:
    # (start, stop] split at any interior point m into (start, m] censored and
    # (m, stop] with the original status leaves every risk set unchanged.
    data = tied_data(6, counting=True)
    if ties == "exact":
        data.pop("weights")
    beta = np.array([0.7, 0.1])
    whole = cox_derivatives(beta, **data, ties=ties)
    start, stop = data["start"], data["time"]
    long = np.flatnonzero(stop - start >= 2)
    mid = start[long] + 1
    split = {k: (np.concatenate((v, v[long])) if isinstance(v, np.ndarray) else v)
             for k, v in data.items()}
    split["time"] = np.concatenate((stop.copy(), stop[long]))
    split["time"][long] = mid
    split["start"] = np.concatenate((start, mid))
    split["event"] = np.concatenate((data["event"], data["event"][long]))
    split["event"][long] = 0
    parts = cox_derivatives(beta, **split, ties=ties)
    assert parts.loglik == pytest.approx(whole.loglik, rel=1e-12)
    np.testing.assert_allclose(parts.gradient, whole.gradient, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(parts.information, whole.information, rtol=1e-11)


@pytest.mark.parametrize("ties", TIES)
def test_strata_add_up(ties: str) -> None:
    data = tied_data(7)
    data.pop("weights")
    beta = np.array([0.25, -0.25])
    whole = cox_derivatives(beta, **data, ties=ties)
    pieces = []
    for s in (0, 1):
        keep = data["strata"] == s
        pieces.append(cox_derivatives(beta, data["time"][keep], data["event"][keep],
                                      data["covariates"][keep], ties=ties))
    assert whole.loglik == pytest.approx(sum(p.loglik for p in pieces), rel=1e-13)
    np.testing.assert_allclose(whole.gradient, sum(p.gradient for p in pieces), rtol=1e-12)
    np.testing.assert_allclose(whole.information, sum(p.information for p in pieces),
                               rtol=1e-12)


@pytest.mark.parametrize("ties", TIES)
def test_huge_linear_predictor_does_not_overflow(ties: str) -> None:
    # beta * x reaches 2000, far past exp overflow; the answer is a log-sum-exp
    time = np.array([1.0, 2, 2, 3, 4, 5])
    event = np.array([1.0, 1, 1, 0, 1, 1])
    x = np.array([0.0, 10, 20, 30, 5, 40])
    beta = np.array([50.0])
    got = cox_loglik(beta, time, event, x, ties=ties)
    data = {"time": time, "event": event, "covariates": x}
    assert np.isfinite(got)
    assert got == pytest.approx(brute_force_loglik(beta, data, ties), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    ties=st.sampled_from(["efron", "breslow"]),
    counting=st.booleans(),
)
def test_weighted_score_residuals_sum_to_the_score(seed: int, ties: str, counting: bool) -> None:
    data = tied_data(seed, n=30, counting=counting)
    if not data["event"].any():
        data["event"][0] = 1.0
    beta = np.array([0.3, -0.2])
    resid = cox_score_residuals(beta, **data, ties=ties)
    np.testing.assert_allclose(data["weights"] @ resid, cox_gradient(beta, **data, ties=ties),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"beta": [0.1]}, InputError, ["beta", "2"]),
        ({"beta": [0.1, np.nan]}, InputError, ["beta", "finite"]),
        ({"beta": ["a", "b"]}, InputTypeError, ["beta"]),
        ({"ties": "discrete"}, InputError, ["ties", "'efron'"]),
        ({"event": np.zeros(40)}, InputError, ["at least one event", "event has none"]),
        ({"weights": -np.ones(40)}, InputError, ["weights", "> 0"]),
    ],
)
def test_likelihood_bad_input(kwargs: dict[str, Any], exc: type, words: list[str]) -> None:
    args: dict[str, Any] = tied_data(8) | {"beta": [0.0, 0.0]} | kwargs
    beta = args.pop("beta")
    with pytest.raises(exc) as info:
        cox_loglik(beta, **args)
    for word in words:
        assert word in str(info.value)


def test_score_residuals_refuse_exact() -> None:
    data = tied_data(9)
    data.pop("weights")
    with pytest.raises(InputError, match="exact"):
        cox_score_residuals([0.0, 0.0], **data, ties="exact")
