"""Hand-derived Cox model answers: survival's tests/book1.R ... book7.R.

The data sets and closed forms are those of Therneau & Grambsch (2000),
appendix E, and of the survival package's vignette ``validate.Rnw``.  Every
expected value below is written as the formula, derived in the comments from
the risk sets, and evaluated here; none is copied from a printout.  With
r = exp(beta), a subject with covariate x has risk score r^x.

For a 0/1 covariate the risk-set variance is xbar - xbar^2, and for
xbar = a r / (a r + b) that is a b r / (a r + b)^2.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.optimize import brentq

from crossval.stats.cox import cox_ph
from crossval.stats.cox_likelihood import (
    cox_derivatives,
    cox_gradient,
    cox_information,
    cox_loglik,
    cox_score_residuals,
)

TOL = 1e-10
BETAS = (0.0, 0.5, -0.7, 1.3)

Closed = Callable[[float], tuple[float, float, float]]


def check_closed_form(closed: Closed, data: dict[str, object], ties: str) -> None:
    """crossval's loglik, score and information equal the closed forms at several beta."""
    for beta in BETAS:
        loglik, score, info = closed(beta)
        assert cox_loglik(beta, **data, ties=ties) == pytest.approx(loglik, rel=TOL, abs=TOL)
        np.testing.assert_allclose(cox_gradient(beta, **data, ties=ties), [score],
                                   rtol=TOL, atol=TOL)
        np.testing.assert_allclose(cox_information(beta, **data, ties=ties), [[info]],
                                   rtol=TOL, atol=TOL)
        both = cox_derivatives(beta, **data, ties=ties)
        assert both.loglik == pytest.approx(loglik, rel=TOL, abs=TOL)


def check_fit(closed: Closed, data: dict[str, object], ties: str, beta_hat: float) -> None:
    """The fitted model sits at the root of the closed-form score."""
    time, event, x = data["time"], data["event"], data["covariates"]
    fit = cox_ph(time, event, x, ties=ties, weights=data.get("weights"),
                 start=data.get("start"), timefix=False)
    assert fit.converged
    assert fit.coef[0] == pytest.approx(beta_hat, rel=TOL, abs=TOL)
    ll0, u0, i0 = closed(0.0)
    ll1, _, i1 = closed(beta_hat)
    assert fit.loglik[0] == pytest.approx(ll0, rel=TOL)
    assert fit.loglik[1] == pytest.approx(ll1, rel=TOL)
    assert fit.var[0, 0] == pytest.approx(1.0 / i1, rel=1e-9)
    # score test at beta = 0: U(0)^2 / I(0); Wald: beta^2 I(beta_hat); LRT: 2 (l1 - l0)
    assert fit.score == pytest.approx(u0 * u0 / i0, rel=TOL)
    assert fit.wald == pytest.approx(beta_hat * beta_hat * i1, rel=1e-9)
    assert fit.lrt == pytest.approx(2 * (ll1 - ll0), rel=1e-9)


def root(closed: Closed, lo: float, hi: float) -> float:
    return float(brentq(lambda b: closed(b)[1], lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps))


# --------------------------------------------------------------------------
# Test data 1 (book1.R Breslow, book2.R Efron, book7.R exact)
#
#   time   1  1  6  6  8  9
#   status 1  0  1  1  0  1
#   x      1  1  1  0  0  0
#
# Risk sets: t=1 all six (3 with x=1): sum 3r + 3; t=6 subjects 3..6, one with
# x=1: r + 3, two deaths (x = 1 and x = 0); t=9 subject 6 alone: 1.
DATA1: dict[str, object] = {
    "time": [1.0, 1, 6, 6, 8, 9],
    "event": [1, 0, 1, 1, 0, 1],
    "covariates": [1.0, 1, 1, 0, 0, 0],
}


def breslow1(beta: float) -> tuple[float, float, float]:
    # Breslow: both deaths at t=6 see the full risk set r + 3.
    # LL = (beta - log(3r+3)) + (beta - log(r+3)) + (0 - log(r+3)) + 0
    # U  = (1 - r/(r+1)) + (1 - r/(r+3)) + (0 - r/(r+3))   [3r/(3r+3) = r/(r+1)]
    #    = (6 + 3r - r^2) / ((r+1)(r+3))
    # I  = r/(r+1)^2 + 2 * 3r/(r+3)^2
    r = math.exp(beta)
    ll = 2 * beta - math.log(3 * r + 3) - 2 * math.log(r + 3)
    u = (6 + 3 * r - r * r) / ((r + 1) * (r + 3))
    i = r / (r + 1) ** 2 + 6 * r / (r + 3) ** 2
    return ll, u, i


def efron1(beta: float) -> tuple[float, float, float]:
    # Efron: the second death at t=6 sees subjects 3 and 4 with weight 1/2:
    # denominator r/2 + 1/2 + 2 = (r + 5)/2, mean (r/2)/((r+5)/2) = r/(r+5).
    # LL = 2 beta - log(3r+3) - log(r+3) - log((r+5)/2)
    # U  = (1 - r/(r+1)) + (1 - r/(r+3)) + (0 - r/(r+5))
    #    = (-r^3 + 23 r + 30) / ((r+1)(r+3)(r+5))
    # I  = r/(r+1)^2 + 3r/(r+3)^2 + 5r/(r+5)^2
    r = math.exp(beta)
    ll = 2 * beta - math.log(3 * r + 3) - math.log(r + 3) - math.log((r + 5) / 2)
    u = (-(r**3) + 23 * r + 30) / ((r + 1) * (r + 3) * (r + 5))
    i = r / (r + 1) ** 2 + 3 * r / (r + 3) ** 2 + 5 * r / (r + 5) ** 2
    return ll, u, i


def exact1(beta: float) -> tuple[float, float, float]:
    # Exact: at t=6 the numerator is r*1 and the denominator sums the 6 pairs of
    # {r, 1, 1, 1}: 3 pairs r*1 and 3 pairs 1*1, i.e. 3r + 3.
    # LL = 2 (beta - log(3r+3));  U = 2/(r+1);  I = 2r/(r+1)^2
    r = math.exp(beta)
    return 2 * (beta - math.log(3 * r + 3)), 2 / (r + 1), 2 * r / (r + 1) ** 2


def test_data1_breslow() -> None:
    check_closed_form(breslow1, DATA1, "breslow")
    # U = 0  <=>  r^2 - 3r - 6 = 0  <=>  r = (3 + sqrt(33))/2
    beta_hat = math.log((3 + math.sqrt(33)) / 2)
    assert breslow1(beta_hat)[1] == pytest.approx(0, abs=1e-14)
    check_fit(breslow1, DATA1, "breslow", beta_hat)


def test_data1_efron() -> None:
    check_closed_form(efron1, DATA1, "efron")
    # U = 0  <=>  r^3 - 23 r - 30 = 0; the positive root of the depressed cubic:
    # r = 2 sqrt(23/3) cos(phi/3), phi = arccos((45/23) sqrt(3/23))
    phi = math.acos(45 / 23 * math.sqrt(3 / 23))
    beta_hat = math.log(2 * math.sqrt(23 / 3) * math.cos(phi / 3))
    assert efron1(beta_hat)[1] == pytest.approx(0, abs=1e-14)
    check_fit(efron1, DATA1, "efron", beta_hat)


def test_data1_exact_is_monotone() -> None:
    check_closed_form(exact1, DATA1, "exact")
    # U = 2/(r+1) > 0 for all beta: the MLE is infinite.  Newton-Raphson adds
    # U/I = (r+1)/r per step; R stops when |1 - l_old/l_new| <= 1e-9 and warns.
    beta, ll = 0.0, exact1(0.0)[0]
    while True:
        _, u, i = exact1(beta)
        new = beta + u / i
        new_ll = exact1(new)[0]
        if abs(1 - ll / new_ll) <= 1e-9:
            break
        beta, ll = new, new_ll
    fit = cox_ph(DATA1["time"], DATA1["event"], DATA1["covariates"], ties="exact",
                 timefix=False)
    assert not fit.converged
    assert "infinite" in fit.note
    assert fit.coef[0] == pytest.approx(new, rel=1e-8)


def test_data1_score_residuals_at_zero() -> None:
    # Breslow, beta = 0: hazard 1/6 at t=1, 2/4 at t=6, 1 at t=9; xbar = 1/2, 1/4, 0.
    # Row sums of (x_i - xbar(t)) dM_i(t):
    #   1: (1-1/2)(1-1/6) = 5/12            2: (1-1/2)(0-1/6) = -1/12
    #   3: (1-1/2)(-1/6) + (1-1/4)(1-1/2) = 7/24
    #   4: (0-1/2)(-1/6) + (0-1/4)(1-1/2) = -1/24
    #   5, 6: (0-1/2)(-1/6) + (0-1/4)(-1/2) = 5/24 (and (0-0)(1-1) = 0 at t=9)
    breslow = [5 / 12, -1 / 12, 7 / 24, -1 / 24, 5 / 24, 5 / 24]
    # Efron, beta = 0: t=6 is two steps with hazards 1/4 (den 4) and 1/3 (den 4 - 1/2*2),
    # means 1/4 and (1 - 1/2)/3 = 1/6; each of the two dying rows (3, 4) is credited with
    # half of each death and is at risk with weight 1 then 1/2, so dM = 1/2 - 1/4 and
    # 1/2 - (1/2)(1/3) = 1/3; rows 5, 6 have dM = -1/4 and -1/3.  With t=1 as above:
    #   3: -1/12 + (1-1/4)(1/4) + (1-1/6)(1/3) = -12/144 + 27/144 + 40/144 = 55/144
    #   4:  1/12 + (0-1/4)(1/4) + (0-1/6)(1/3) =  12/144 -  9/144 -  8/144 = -5/144
    #   5, 6: 1/12 + (0-1/4)(-1/4) + (0-1/6)(-1/3) = (12 + 9 + 8)/144 = 29/144
    efron = [5 / 12, -1 / 12, 55 / 144, -5 / 144, 29 / 144, 29 / 144]
    for ties, expected in (("breslow", breslow), ("efron", efron)):
        got = cox_score_residuals(0.0, **DATA1, ties=ties)
        np.testing.assert_allclose(got[:, 0], expected, rtol=TOL, atol=TOL)


# --------------------------------------------------------------------------
# Test data 2 (book3.R Breslow, book4.R Efron): (start, stop] intervals
#
#   (1,2]1 x1  (2,3]1 x0  (5,6]1 x0  (2,7]1 x1  (1,8]1 x0
#   (7,9]1 x1  (3,9]1 x1  (4,9]0 x1  (8,14]0 x0  (8,17]0 x0
#
# At risk (start < t <= stop) at each event time:
#   t=2: (1,2] x1, (1,8] x0                           -> r + 1,  death x1
#   t=3: (2,3] x0, (2,7] x1, (1,8] x0                 -> r + 2,  death x0
#   t=6: (5,6] x0, (2,7] x1, (1,8] x0, (3,9], (4,9] x1 -> 3r + 2, death x0
#   t=7: (2,7] x1, (1,8] x0, (3,9] x1, (4,9] x1       -> 3r + 1, death x1
#   t=8: (1,8] x0, (7,9] x1, (3,9] x1, (4,9] x1       -> 3r + 1, death x0
#   t=9: (7,9], (3,9], (4,9] x1, (8,14], (8,17] x0    -> 3r + 2, deaths x1, x1
DATA2: dict[str, object] = {
    "start": [1.0, 2, 5, 2, 1, 7, 3, 4, 8, 8],
    "time": [2.0, 3, 6, 7, 8, 9, 9, 9, 14, 17],
    "event": [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    "covariates": [1.0, 0, 0, 1, 0, 1, 1, 1, 0, 0],
}


def _data2_common(r: float) -> tuple[float, float, float]:
    # terms for t = 2, 3, 6, 7, 8 (no ties there)
    ll = -math.log(r + 1) - math.log(r + 2) - math.log(3 * r + 2) - 2 * math.log(3 * r + 1)
    u = ((1 - r / (r + 1)) + (0 - r / (r + 2)) + (0 - 3 * r / (3 * r + 2))
         + (1 - 3 * r / (3 * r + 1)) + (0 - 3 * r / (3 * r + 1)))
    i = r / (r + 1) ** 2 + 2 * r / (r + 2) ** 2 + 6 * r / (3 * r + 2) ** 2 + 2 * 3 * r / (
        3 * r + 1
    ) ** 2
    return ll, u, i


def breslow2(beta: float) -> tuple[float, float, float]:
    # t=9, Breslow: 2 (beta - log(3r+2)); U adds 2 (1 - 3r/(3r+2)); I adds 2 * 6r/(3r+2)^2
    # (numerator: deaths at t=2, 7 and the two at 9 have x=1, so 4 beta in total)
    r = math.exp(beta)
    ll, u, i = _data2_common(r)
    return (
        ll + 2 * beta + 2 * beta - 2 * math.log(3 * r + 2),
        u + 2 * (1 - 3 * r / (3 * r + 2)),
        i + 12 * r / (3 * r + 2) ** 2,
    )


def efron2(beta: float) -> tuple[float, float, float]:
    # t=9, Efron: the two dying (both x=1, sum 2r) leave in halves: denominators
    # 3r + 2 and 3r + 2 - r = 2r + 2, means 3r/(3r+2) and 2r/(2r+2).
    r = math.exp(beta)
    ll, u, i = _data2_common(r)
    return (
        ll + 4 * beta - math.log(3 * r + 2) - math.log(2 * r + 2),
        u + (1 - 3 * r / (3 * r + 2)) + (1 - 2 * r / (2 * r + 2)),
        i + 6 * r / (3 * r + 2) ** 2 + 4 * r / (2 * r + 2) ** 2,
    )


def exact2(beta: float) -> tuple[float, float, float]:
    # t=9, exact: pairs from {r, r, r, 1, 1}: 3 pairs r^2, 6 pairs r, 1 pair 1:
    # denominator q = 3r^2 + 6r + 1, numerator r^2.  d log q / d beta = (6r^2 + 6r)/q,
    # d^2 log q = (12 r^2 + 6 r)/q - ((6r^2 + 6r)/q)^2.
    r = math.exp(beta)
    ll, u, i = _data2_common(r)
    q = 3 * r * r + 6 * r + 1
    dq = (6 * r * r + 6 * r) / q
    return (
        ll + 4 * beta - math.log(q),
        u + 2 - dq,
        i + (12 * r * r + 6 * r) / q - dq * dq,
    )


@pytest.mark.parametrize(("closed", "ties"), [(breslow2, "breslow"), (efron2, "efron"),
                                              (exact2, "exact")])
def test_data2_counting_process(closed: Closed, ties: str) -> None:
    check_closed_form(closed, DATA2, ties)
    # at beta = 0 the Breslow score is -2/15 and the information 2821/1800 (validate.Rnw)
    if ties == "breslow":
        assert closed(0.0)[1] == pytest.approx(-2 / 15, rel=1e-14)
        assert closed(0.0)[2] == pytest.approx(2821 / 1800, rel=1e-14)
    check_fit(closed, DATA2, ties, root(closed, -3.0, 3.0))


# --------------------------------------------------------------------------
# Test data 3 (book5.R Breslow, book6.R Efron): case weights, x in {0, 1, 2}
#
#   time   1  1  2  2  2  2  3  4  5
#   status 1  0  1  1  1  0  0  1  0
#   x      2  0  1  1  0  1  0  1  0
#   wt     1  2  3  4  3  2  1  2  1
#
# Weighted risk sums: t=1 everyone: r^2 + (3+4+2+2) r + (2+3+1+1) = r^2 + 11r + 7,
# sum w r^x x = 2r^2 + 11r, sum w r^x x^2 = 4r^2 + 11r; death x=2, w=1.
# t=2 rows 3..9: 11r + 5; deaths w=3 (x1), 4 (x1), 3 (x0): total weight 10.
# t=4 rows 8, 9: 2r + 1; death w=2, x=1.
DATA3: dict[str, object] = {
    "time": [1.0, 1, 2, 2, 2, 2, 3, 4, 5],
    "event": [1, 0, 1, 1, 1, 0, 0, 1, 0],
    "covariates": [2.0, 0, 1, 1, 0, 1, 0, 1, 0],
    "weights": [1.0, 2, 3, 4, 3, 2, 1, 2, 1],
}


def _data3_ends(r: float) -> tuple[float, float, float]:
    # t=1 and t=4 terms; numerator weights: 1*2 beta + 2*1 beta (+ 7 beta at t=2)
    x1 = (2 * r * r + 11 * r) / (r * r + 11 * r + 7)
    x3 = 2 * r / (2 * r + 1)
    ll = -math.log(r * r + 11 * r + 7) - 2 * math.log(2 * r + 1)
    u = (2 - x1) + 2 * (1 - x3)
    i = (4 * r * r + 11 * r) / (r * r + 11 * r + 7) - x1 * x1 + 2 * (x3 - x3 * x3)
    return ll, u, i


def breslow3(beta: float) -> tuple[float, float, float]:
    # t=2: 3 (beta - log(11r+5)) + 4 (beta - log(11r+5)) + 3 (0 - log(11r+5))
    r = math.exp(beta)
    ll, u, i = _data3_ends(r)
    x2 = 11 * r / (11 * r + 5)
    return (
        ll + 11 * beta - 10 * math.log(11 * r + 5),
        u + 7 - 10 * x2,
        i + 10 * (x2 - x2 * x2),
    )


def efron3(beta: float) -> tuple[float, float, float]:
    # t=2, Efron with survival's weighting: three steps, each with the mean death
    # weight 10/3; the dying (a = 7r + 3) are in at 1, 2/3, 1/3; the others b = 4r + 2.
    # Means: 11r/(11r+5), (14r/3 + 4r)/(2a/3 + b) = 26r/(26r+12), 19r/(19r+9).
    r = math.exp(beta)
    ll, u, i = _data3_ends(r)
    a, b = 7 * r + 3, 4 * r + 2
    means = (11 * r / (11 * r + 5), 26 * r / (26 * r + 12), 19 * r / (19 * r + 9))
    dens = (a + b, 2 * a / 3 + b, a / 3 + b)
    return (
        ll + 11 * beta - 10 / 3 * sum(math.log(d) for d in dens),
        u + 7 - 10 / 3 * sum(means),
        i + 10 / 3 * sum(m - m * m for m in means),
    )


@pytest.mark.parametrize(("closed", "ties"), [(breslow3, "breslow"), (efron3, "efron")])
def test_data3_case_weights(closed: Closed, ties: str) -> None:
    check_closed_form(closed, DATA3, ties)
    check_fit(closed, DATA3, ties, root(closed, -2.0, 4.0))


def test_data3_efron_solution_matches_vignette_value() -> None:
    # validate.Rnw reports the weighted Efron solution as beta = .87260425 (8 digits)
    assert root(efron3, -2.0, 4.0) == pytest.approx(0.87260425, abs=5e-9)


def test_data3_breslow_score_residuals_at_zero() -> None:
    # beta = 0: xbar = 13/19, 11/16, 2/3 at t = 1, 2, 4; hazards 1/19, 10/16, 2/3.
    # Unweighted score residual of row i: sum over its risk times of
    # (x_i - xbar(t)) (dN_i(t) - dLambda(t)).
    x1, x2, x3 = 13 / 19, 11 / 16, 2 / 3
    h1, h2, h3 = 1 / 19, 5 / 8, 2 / 3
    expected = [
        (2 - x1) * (1 - h1),
        (0 - x1) * (0 - h1),
        (1 - x1) * (0 - h1) + (1 - x2) * (1 - h2),
        (1 - x1) * (0 - h1) + (1 - x2) * (1 - h2),
        (0 - x1) * (0 - h1) + (0 - x2) * (1 - h2),
        (1 - x1) * (0 - h1) + (1 - x2) * (0 - h2),
        (0 - x1) * (0 - h1) + (0 - x2) * (0 - h2),
        (1 - x1) * (0 - h1) + (1 - x2) * (0 - h2) + (1 - x3) * (1 - h3),
        (0 - x1) * (0 - h1) + (0 - x2) * (0 - h2) + (0 - x3) * (0 - h3),
    ]
    got = cox_score_residuals(0.0, **DATA3, ties="breslow")
    np.testing.assert_allclose(got[:, 0], expected, rtol=TOL, atol=TOL)
    # weighted, they add up to the score U(0)
    weights = np.asarray(DATA3["weights"])
    assert float(weights @ got[:, 0]) == pytest.approx(breslow3(0.0)[1], rel=TOL)
