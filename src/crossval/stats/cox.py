"""Cox proportional hazards regression, fitted to agree with R's ``coxph``.

Newton-Raphson from beta = 0 with the step-halving rule of survival's
``coxfit6.c`` / ``agfit4.c``, so the path of iterates is R's.  R stops when the
relative change of the log-likelihood is <= ``eps`` (default 1e-9), which
leaves its coefficients good to only ~1e-8..1e-7.  crossval keeps iterating
until the Newton decrement U' I^-1 U (twice the log-likelihood still to gain)
is below 1e-20, i.e. until the remaining step is < 1e-10 standard errors, then
takes that last step; its coefficients are therefore the maximiser to near
machine precision and agree with ``coxph(control = coxph.control(eps = 1e-12))``.

Monotone likelihood (an infinite coefficient) is detected as R does: at the
point where R's own criterion would stop, a coefficient whose remaining Newton
step is still large relative to its size is reported (``converged=False`` and
a ``note``), and the fit is returned at that point, like R's. Where the
log-likelihood instead reaches its supremum 0 (every event explained) within
round-off, R's relative criterion never holds and R runs out of iterations;
crossval stops there and its note says so.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, stats

from crossval.errors import InputError, InputTypeError
from crossval.stats._validate import check_conf_level, check_option, frozen_array, shown
from crossval.stats.cox_likelihood import (
    TIES,
    CoxDerivatives,
    CoxInputs,
    RiskSets,
    check_cox_inputs,
    check_exact_weights,
    check_has_events,
    evaluate,
    prepare_risk_sets,
    score_residuals,
)

FloatArray = NDArray[np.float64]

MAX_ITER = 100
# R's default convergence tolerance; used only to find where R would stop
# (for its infinite-coefficient check), never as crossval's own criterion.
R_EPS = 1e-9
R_TOLER_INF = float(np.sqrt(R_EPS))
NEWTON_DECREMENT_TOL = 1e-20
COLLINEAR_TOL = 1e-10
# Largest distance of a covariate value from the covariate's mean: squares up
# to 1e200 leave room for sums over any number of rows and weights.
MAX_DEVIATION = 1e100
# Every event's conditional probability within 1e-10 of 1: only covariates that
# separate the events get a finite fit that close to the supremum 0.
LOGLIK_SUPREMUM_TOL = 1e-10


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model; field names follow crossval's API contract.

    ``se`` is always the model-based (naive) standard error; with
    ``robust=True`` the sandwich error is in ``robust_se`` and, as in R,
    ``var``, ``z``, ``p_value``, ``hr_ci`` and ``wald`` use it.
    """

    coef: FloatArray
    se: FloatArray
    hazard_ratio: FloatArray
    hr_ci: FloatArray
    z: FloatArray
    p_value: FloatArray
    loglik: tuple[float, float]
    wald: float
    score: float
    lrt: float
    df: int
    wald_p: float
    score_p: float
    lrt_p: float
    iterations: int
    converged: bool
    n: int
    n_events: int
    var: FloatArray
    robust_se: FloatArray | None
    ties: str
    covariate_names: tuple[str, ...]
    naive_var: FloatArray
    robust_score: float | None
    robust_score_p: float | None
    conf_level: float
    note: str


def cox_ph(
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: str = "efron",
    strata: Any = None,
    weights: Any = None,
    start: Any = None,
    robust: bool = False,
    conf_level: float = 0.95,
    timefix: bool = True,
) -> CoxResult:
    """Fit a Cox proportional hazards model by maximum partial likelihood.

    R equivalent: ``coxph(Surv(time, event) ~ covariates + strata(strata),
    weights = weights, ties = ties, robust = robust)``, or ``Surv(start, time,
    event)`` for counting-process data.  Reference: Cox (1972), JRSS B 34:187;
    ties: Breslow (1974), Efron (1977), exact = Gail, Lubin & Rubinstein
    (1981); robust variance: Lin & Wei (1989), JASA 84:1074.

    ``covariates`` is a 1-d array (one covariate), an n x p array (named
    ``x1..xp``) or a mapping name -> array.  ``iterations`` counts crossval's
    own Newton steps, which run past R's stopping point (see module notes).
    Covariates that are constant or collinear within the risk sets (R: NA
    coefficients), or that lie more than ``MAX_DEVIATION`` (1e100) from their
    mean, are refused with an ``InputError`` that names them.
    """
    ties = check_option("ties", ties, TIES)
    level = check_conf_level(conf_level)
    for name, flag in (("robust", robust), ("timefix", timefix)):
        if not isinstance(flag, (bool, np.bool_)):
            raise InputTypeError(f"{name} must be True or False; got {flag!r}")
    inputs = check_cox_inputs(time, event, covariates, strata=strata, weights=weights, start=start)
    check_has_events(inputs.event, "cox_ph")
    check_exact_weights(ties, inputs.weights)
    if robust and ties == "exact":
        raise InputError(
            "robust=True is not available with ties='exact' (R has no score residuals for it); "
            "choose ties='efron' or 'breslow'"
        )
    if timefix and inputs.start is not None:
        inputs = _fix_counting_times(inputs)
    # right-censored times are fixed inside the sort the risk sets need anyway
    rs = prepare_risk_sets(inputs, fix_times=timefix and inputs.start is None)
    p = inputs.x.shape[1]
    names = inputs.names
    n = int(inputs.time.size)
    n_events = int(inputs.event.sum())
    _check_magnitude(inputs.x, names)
    # what the information of each covariate would be if it varied within the
    # risk sets as much as overall: the yardstick for "does not vary" below
    spread = float(inputs.weights @ inputs.event) * np.var(inputs.x, axis=0)
    del inputs  # the sorted copy in rs is all the fit needs; large n halves peak memory
    at_zero = evaluate(rs, np.zeros(p), ties)
    _check_rank(at_zero.information, names, spread)
    fit = _newton_raphson(rs, ties, at_zero)

    try:
        naive_var = _inverse(fit.info.information)
    except linalg.LinAlgError:
        # only after a monotone likelihood: the information vanished in floating point
        raise InputError(
            "the information matrix is singular where the fit stopped: the likelihood is "
            f"monotone in the covariates {', '.join(map(repr, names))} (an estimate "
            "is infinite; R reports 'Ran out of iterations' with huge standard errors); "
            "remove or combine the covariates that separate the events"
        ) from None
    var = naive_var
    robust_se = None
    robust_score = robust_score_p = None
    if robust:
        var, robust_score = _robust(rs, fit.beta, ties, naive_var)
        robust_se = np.sqrt(np.diag(var))
        robust_score_p = float(stats.chi2.sf(robust_score, p))

    beta = fit.beta
    # a diverging fit can leave a variance that round-off made negative: its SE is nan
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(naive_var))
        se_used = np.sqrt(np.diag(var))
    z = beta / se_used
    crit = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(over="ignore"):  # an infinite bound is the honest answer
        hr_ci = np.exp(np.column_stack((beta - crit * se_used, beta + crit * se_used)))
    try:
        wald = float(beta @ _spd_solve(var, beta))
    except linalg.LinAlgError:
        # var is singular in floating point after a monotone likelihood sent a
        # coefficient far out; R's coxph.wtest drops such directions, as pinv does
        wald = float(beta @ np.linalg.pinv(var, hermitian=True) @ beta)
    u0 = at_zero.gradient
    score = float(u0 @ _spd_solve(at_zero.information, u0))
    loglik = (at_zero.loglik, fit.info.loglik)
    lrt = 2.0 * (loglik[1] - loglik[0])
    return CoxResult(
        coef=frozen_array(beta),
        se=frozen_array(se),
        hazard_ratio=frozen_array(_exp_quiet(beta)),
        hr_ci=frozen_array(hr_ci),
        z=frozen_array(z),
        p_value=frozen_array(2.0 * stats.norm.sf(np.abs(z))),
        loglik=loglik,
        wald=wald,
        score=score,
        lrt=lrt,
        df=p,
        wald_p=float(stats.chi2.sf(wald, p)),
        score_p=float(stats.chi2.sf(score, p)),
        lrt_p=float(stats.chi2.sf(lrt, p)),
        iterations=fit.iterations,
        converged=fit.converged,
        n=n,
        n_events=n_events,
        var=frozen_array(var),
        robust_se=None if robust_se is None else frozen_array(robust_se),
        ties=ties,
        covariate_names=names,
        naive_var=frozen_array(naive_var),
        robust_score=robust_score,
        robust_score_p=robust_score_p,
        conf_level=level,
        note=_note(fit, names),
    )



def _exp_quiet(beta: FloatArray) -> FloatArray:
    # exp of a diverging coefficient is inf; the fit already says it did not converge
    with np.errstate(over="ignore"):
        out: FloatArray = np.exp(beta)
    return out

def _note(fit: _Fit, names: tuple[str, ...]) -> str:
    if fit.infinite and fit.at_r_stop:
        which = ", ".join(repr(names[k]) for k in fit.infinite)
        return (
            f"the log-likelihood converged before the coefficient of {which}: the likelihood "
            "is monotone and the estimate may be infinite (R's warning where it stops there); "
            "estimates are those where R's criterion, a relative change of the "
            "log-likelihood of at most 1e-9, first holds"
        )
    if fit.infinite:
        which = ", ".join(repr(names[k]) for k in fit.infinite)
        return (
            f"the log-likelihood reached its supremum 0 (every event explained) within "
            f"round-off, with the coefficient of {which} still moving: the likelihood is "
            "monotone and the estimate infinite; estimates are where crossval stopped (R's "
            "relative criterion never holds at 0: R runs out of iterations)"
        )
    if not fit.converged:
        return (
            f"did not converge in {MAX_ITER} Newton-Raphson iterations (R: 'Ran out of "
            "iterations and did not converge'); estimates are the best found"
        )
    return ""


def _fix_counting_times(inputs: CoxInputs) -> CoxInputs:
    """R's aeqSurv on (start, stop] data, as coxph does with timefix = TRUE."""
    # imported here so that the fitter does not depend on timefix at import time
    from crossval.stats.timefix import aeq_times

    assert inputs.start is not None
    time, start = aeq_times(inputs.time, inputs.start)
    if (start >= time).any():
        i = int(np.flatnonzero(start >= time)[0])
        raise InputError(
            f"start and time of row {i} ({shown(inputs.start[i])}, {shown(inputs.time[i])}) "
            "are equal "
            "up to round-off, so the interval has length 0 (R: 'an interval has effective "
            "length 0'); pass timefix=False to keep them distinct"
        )
    return dataclasses.replace(inputs, time=time, start=start)


def _check_magnitude(x: FloatArray, names: tuple[str, ...]) -> None:
    """Refuse covariates so far from their mean that sums of their squares overflow."""
    # from the column extremes: the same number as max |x - mean| (a rounded
    # subtraction is monotone), without an n x p temporary beside the sorted copy
    mean = x.mean(axis=0)
    deviation = np.maximum(x.max(axis=0) - mean, mean - x.min(axis=0))
    for j, dev in enumerate(deviation):
        if not dev <= MAX_DEVIATION:
            raise InputError(
                f"covariate {names[j]!r} lies as far as {dev:.3g} from its mean; crossval "
                f"needs at most {MAX_DEVIATION:g}, so that the score and information (sums of "
                f"squared deviations) stay inside double precision; rescale it, e.g. divide "
                f"it by {dev:.0e}, which multiplies its coefficient by the same factor"
            )


def _check_rank(
    info: FloatArray, names: tuple[str, ...], spread: FloatArray | None = None
) -> None:
    """Refuse covariates that are constant or collinear within the risk sets.

    The information matrix has the same null space at every finite beta, so
    beta = 0 suffices.  R drops such columns (coefficient NA); a silent drop
    would hide the problem from an auditor, so crossval stops and names them.
    """
    diag = np.diag(info).copy()
    for j, v in enumerate(diag):
        # relative to the covariate's own overall spread, so that the check does
        # not depend on the units of the other covariates (R's coxph rescales
        # them before its Cholesky test): a covariate constant within every risk
        # set has an information of round-off size only
        own = float(diag.max()) if spread is None else float(spread[j])
        if not v > COLLINEAR_TOL * max(own, 1e-300):
            raise InputError(
                f"covariate {names[j]!r} does not vary within the risk sets (it is constant, "
                "or constant within every stratum), so its coefficient is not identifiable "
                "(R's coxph reports NA for it); remove it"
            )
    d = np.sqrt(diag)
    corr = info / np.outer(d, d)
    kept: list[int] = []
    for j in range(corr.shape[0]):
        if kept:
            sub = corr[np.ix_(kept, kept)]
            cross = corr[kept, j]
            coef = linalg.solve(sub, cross, assume_a="pos")
            residual = corr[j, j] - cross @ coef
        else:
            coef = np.zeros(0)
            residual = corr[j, j]
        if residual <= COLLINEAR_TOL:
            involved = [names[k] for k, c in zip(kept, coef, strict=True) if abs(c) > 1e-8]
            raise InputError(
                f"covariates are collinear: {names[j]!r} is a linear combination of "
                f"{', '.join(map(repr, involved))} within the risk sets (R's coxph reports NA "
                f"for {names[j]!r}); remove one of them"
            )
        kept.append(j)


@dataclass(frozen=True)
class _Fit:
    beta: FloatArray
    info: CoxDerivatives
    iterations: int
    converged: bool
    infinite: list[int]  # coefficients R would call possibly infinite
    # stopped where R's own criterion first holds (else: at the supremum 0,
    # where that criterion never holds and R runs out of iterations)
    at_r_stop: bool = False


def _newton_step(info: CoxDerivatives) -> FloatArray | None:
    try:
        return _spd_solve(info.information, info.gradient)
    except (linalg.LinAlgError, ValueError):
        return None


def _finite(info: CoxDerivatives) -> bool:
    return bool(
        np.isfinite(info.loglik)
        and np.isfinite(info.gradient).all()
        and np.isfinite(info.information).all()
    )


def _newton_raphson(rs: RiskSets, ties: str, at_zero: CoxDerivatives) -> _Fit:
    """Maximise the partial likelihood, following coxfit6's step-halving path.

    A trial point that lowers the log-likelihood (or overflows) is pulled back
    towards the last accepted one, with ever stronger pulls, as coxfit6 does.
    """
    beta = np.zeros(rs.xt.shape[0])
    best = at_zero
    step = _newton_step(best)
    if step is None:
        raise InputError("the information matrix at beta = 0 is singular; check the covariates")
    new = beta + step
    halving = 0
    r_checked = False
    for iteration in range(1, MAX_ITER + 1):
        # a trial point far out may underflow a risk set's sum (log 0) or
        # overflow; such a point counts as worse and is pulled back, as in
        # coxfit6, so numpy's warnings about it would only be noise
        with np.errstate(all="ignore"):
            cur = evaluate(rs, new, ties)
        cur_step = _newton_step(cur) if _finite(cur) else None
        if cur_step is None:
            worse = True
        else:
            # coxfit6's fabs(1 - loglik/newlk) is inf or nan, never <= eps, when
            # newlk is 0 (a monotone likelihood driven to its supremum); within
            # round-off of 0 the ratio is one of two rounding errors, which R's
            # own (differently rounded) sums need not repeat: the supremum is
            # then handled below, not taken for R's stop
            if not r_checked and abs(cur.loglik) > LOGLIK_SUPREMUM_TOL and abs(
                1.0 - best.loglik / cur.loglik
            ) <= R_EPS:
                # where R (eps = 1e-9) would stop: its infinite-coefficient check
                r_checked = True
                infinite = _infinite_coefficients(new, cur_step)
                if infinite:
                    return _Fit(new, cur, iteration, False, infinite, at_r_stop=True)
            if float(cur.gradient @ cur_step) <= NEWTON_DECREMENT_TOL:
                # If R's relative test never held, the log-likelihood is creeping
                # up to its supremum 0 (every event explained), where the
                # decrement vanishes although the steps do not; R runs out of
                # iterations there.
                infinite = [] if r_checked else _infinite_coefficients(new, cur_step)
                if not infinite and abs(cur.loglik) <= LOGLIK_SUPREMUM_TOL:
                    # the likelihood is 1 up to round-off (which can even make the
                    # log positive), so gradient and step are 0: the supremum,
                    # reached only at infinity by every coefficient that has moved
                    infinite = [int(k) for k in np.flatnonzero(new != 0)]
                if infinite:
                    return _Fit(new, cur, iteration, False, infinite)
                # one more Newton step from here changes beta by < 1e-10 SE; the
                # information is kept from this point (its change is of that order)
                return _Fit(new + cur_step, cur, iteration, True, [])
            slack = 0.0
            if r_checked:
                # past R's stop the loglik changes at round-off level; do not halve on noise
                slack = 64 * np.finfo(float).eps * abs(best.loglik)
            worse = cur.loglik < best.loglik - slack
        if worse or cur_step is None:
            halving += 1
            new = (new + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = cur
            beta = new
            new = new + cur_step
    # out of iterations with the log-likelihood at its supremum 0 within
    # round-off: the monotone case whose decrement never vanished in floating
    # point (R runs out of iterations too)
    infinite = ([int(k) for k in np.flatnonzero(beta != 0)]
                if abs(best.loglik) <= LOGLIK_SUPREMUM_TOL else [])
    return _Fit(beta, best, MAX_ITER, False, infinite)


def _infinite_coefficients(beta: FloatArray, step: FloatArray) -> list[int]:
    """R's coxph.fit check: the Newton step is still large relative to the coefficient."""
    step = np.abs(step)
    flagged = (step > R_EPS) & (step > R_TOLER_INF * np.abs(beta))
    return [int(k) for k in np.flatnonzero(flagged)]


def _equilibrated(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``a`` scaled to unit diagonal, and the scale: D^-1 a D^-1 and D = sqrt(diag(a)).

    Covariates in very different units give information matrices whose
    condition number is only their units' ratio (R's coxph rescales the
    covariates for the same reason); scaled, the factorisation sees the
    conditioning that matters and does not warn about the rest.
    """
    with np.errstate(invalid="ignore"):  # a negative diagonal: left unscaled
        d = np.sqrt(np.diag(a))
    if not (np.all(np.isfinite(d)) and np.all(d > 0)):
        return a, np.ones(a.shape[0])
    return a / np.outer(d, d), d


# Once scaled, an information matrix is ill-conditioned only where a
# coefficient diverges (the rank check refuses collinear designs first); the
# fit reports that itself (converged=False and its note), so scipy's
# LinAlgWarning would only repeat it from inside the solver.


def _spd_solve(a: FloatArray, b: FloatArray) -> FloatArray:
    """a^-1 b for symmetric positive definite ``a`` (LinAlgError when it is not)."""
    s, d = _equilibrated(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        x = linalg.solve(s, b / d, assume_a="pos")
    return np.asarray(x, dtype=np.float64) / d


def _inverse(info: FloatArray) -> FloatArray:
    s, d = _equilibrated(info)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        inv = linalg.inv(s)
    return np.asarray(inv, dtype=np.float64) / np.outer(d, d)


def _robust(
    rs: RiskSets, beta: FloatArray, ties: str, naive_var: FloatArray
) -> tuple[FloatArray, float]:
    """Sandwich variance D'D from weighted dfbeta residuals, and R's robust score test.

    As ``coxph(robust = TRUE)`` with every row its own cluster: D = W L V,
    with L the score residuals at the estimate, W the case weights and V the
    model-based variance; the robust score test uses L at beta = 0.
    """
    w = rs.weights()[np.argsort(rs.order)][:, None]
    dfbeta = (w * score_residuals(rs, beta, ties)) @ naive_var
    var = dfbeta.T @ dfbeta
    resid0 = w * score_residuals(rs, np.zeros_like(beta), ties)
    u = resid0.sum(axis=0)
    rscore = float(u @ _spd_solve(resid0.T @ resid0, u))
    return var, rscore
