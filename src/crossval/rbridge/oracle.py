"""R's answer to a crossval computation, as crossval's own result dataclass.

Each ``r_*`` function runs the R equivalent of one crossval function and
returns a :class:`crossval.engines.EngineResult` wrapping the *same*
dataclass crossval's function returns (``KaplanMeierResult``,
``LogRankResult``, ``CoxResult``, ``ConfidenceInterval``, ``BinomTestResult``,
``FisherResult``, ``Chi2Result``), filled with R's numbers. Fields R has no
notion of are ``nan``/``None`` and are not in ``reported``; the result also
carries the R and survival versions, R's warnings (its own text) and the R
call. As a mapping of the reported fields it compares directly with
:mod:`crossval.compare` and the ``crosscheck`` fixture.

Data reach R only as vectors and data frames built by rpy2's conversion.
Column names inside R are fixed by crossval (``t``, ``e``, ``g``, ``x1``...):
user-supplied names never enter an R formula. Many small cases are cheaper
through :mod:`crossval.rbridge.batch` (one R call for all of them).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.errors import InputError, RError
from crossval.rbridge.session import RSession, r_session
from crossval.stats.binomial import BinomTestResult
from crossval.stats.contingency import Chi2Result, FisherResult
from crossval.stats.cox import CoxResult
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.kaplan_meier import KaplanMeierResult
from crossval.stats.logrank import LogRankResult

ENGINE = "R"

R_ALTERNATIVE = {"two-sided": "two.sided", "less": "less", "greater": "greater"}
# Base R computes these binom_ci methods; the rest have no function in R itself.
R_CI_FUNCTION = {
    "clopper-pearson": "binom.test",
    "wilson": "prop.test",
    "wilson-cc": "prop.test",
}
# coxph's messages when it stops without a finite maximiser.
_COX_NOT_CONVERGED = ("Ran out of iterations", "did not converge", "Loglik converged before")

FloatArray = NDArray[np.float64]


# ------------------------------------------------------------------ helpers


def _vec(x: Any) -> FloatArray:
    arr: FloatArray = np.asarray(x, dtype=float)
    # rpy2 returns R's NA_real_ as a NaN payload; keep it as an ordinary nan.
    return np.where(np.isnan(arr), np.nan, arr)


def _scalar(x: Any) -> float:
    # R's NULL (an absent component, e.g. coxph's wald.test when every
    # coefficient is NA) comes back empty: NA, as R prints it
    values = _vec(x).ravel()
    return float(values[0]) if values.size else math.nan


def _frozen(values: Any, dtype: Any = np.float64) -> NDArray[Any]:
    arr = np.array(values, dtype=dtype)
    arr.flags.writeable = False
    return arr


def _matrix(s: RSession, table: Any) -> Any:
    arr = np.asarray(table, dtype=float)
    return s.base.matrix(s.ro.FloatVector(arr.ravel().tolist()), nrow=arr.shape[0], byrow=True)


def _times(a: FloatArray, b: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        out: FloatArray = a * b
    return out


def _row_sums(s: RSession, x: Any) -> FloatArray:
    if bool(s.base.is_matrix(x)[0]):
        return _vec(s.base.rowSums(x))
    return _vec(x)


def r_versions(s: RSession | None = None) -> dict[str, str]:
    """The versions behind every R answer: R, survival and rpy2."""
    import rpy2

    s = s or r_session()
    return {"R": s.r_version, "survival": s.survival_version, "rpy2": str(rpy2.__version__)}


def engine_result(
    result: Any, *, reported: Iterable[str], call: str, warnings: Iterable[str] = ()
) -> EngineResult[Any]:
    """Wrap a dataclass built from R's numbers with R's provenance."""
    return EngineResult(
        result, engine=ENGINE, versions=r_versions(), reported=reported,
        warnings=warnings, call=call,
    )


def _codes(name: str, labels: Any) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """crossval's group order (sorted labels) and each row's 1-based code for R."""
    arr = np.asarray(labels)
    try:
        uniq, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        raise InputError(
            f"{name} labels must be mutually comparable (all numbers or all strings)"
        ) from None
    return uniq, codes.astype(np.intp) + 1


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return repr(value)


# ------------------------------------------------------------- survival


def r_kaplan_meier(
    time: Any, event: Any, *, conf_type: str = "log", conf_level: float = 0.95,
    timefix: bool = True,
) -> EngineResult[KaplanMeierResult]:
    """R ``survfit(Surv(time, event) ~ 1)`` with ``quantile(fit, 0.5)`` for the median.

    ``std_err`` is the standard error of S(t) (R's ``std.err`` times ``surv``,
    as ``summary.survfit`` prints it). With ``conf_type="none"`` R computes no
    limits, so ``lower``/``upper``/``median_ci`` are not reported.
    """
    s = r_session()
    df = s.data_frame({"t": time, "e": event})
    fit_call = s.call(
        s.survival.survfit, formula=s.ro.Formula("survival::Surv(t, e) ~ 1"), data=df,
        **{"conf.type": conf_type, "conf.int": conf_level, "timefix": timefix},
    )
    fit = fit_call.value
    surv = _vec(fit.rx2("surv"))
    n_event = _vec(fit.rx2("n.event"))
    nan_rows = np.full_like(surv, np.nan)
    reported = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "median",
                "conf_type", "conf_level", "median_rule", "n", "n_events"]
    if conf_type != "none":
        lower, upper = _vec(fit.rx2("lower")), _vec(fit.rx2("upper"))
        q = s.call(s.stats.quantile, x=fit, probs=0.5)
        median = _scalar(q.value.rx2("quantile"))
        median_ci = ConfidenceInterval(_scalar(q.value.rx2("lower")),
                                       _scalar(q.value.rx2("upper")))
        reported += ["lower", "upper", "median_ci"]
    else:
        lower, upper = nan_rows, nan_rows.copy()
        q = s.call(s.stats.quantile, x=fit, probs=0.5, **{"conf.int": False})
        median = _scalar(q.value)
        median_ci = ConfidenceInterval(math.nan, math.nan)
    result = KaplanMeierResult(
        time=_frozen(_vec(fit.rx2("time"))),
        n_risk=_frozen(_vec(fit.rx2("n.risk")), np.int64),
        n_event=_frozen(n_event, np.int64),
        n_censor=_frozen(_vec(fit.rx2("n.censor")), np.int64),
        survival=_frozen(surv),
        # R gives NaN (Inf * 0) once S reaches 0, as crossval does.
        std_err=_frozen(_times(_vec(fit.rx2("std.err")), surv)),
        lower=_frozen(lower),
        upper=_frozen(upper),
        median=median,
        median_ci=median_ci,
        conf_type=conf_type,
        conf_level=float(conf_level),
        median_rule="r",
        n=int(_scalar(fit.rx2("n"))),
        n_events=int(n_event.sum()),
    )
    call = (f"survfit(Surv(t, e) ~ 1, conf.type = {_fmt(conf_type)}, conf.int = {conf_level!r}, "
            f"timefix = {_fmt(bool(timefix))}); quantile(fit, probs = 0.5)")
    return engine_result(result, reported=reported, call=call,
                         warnings=fit_call.warnings + q.warnings)


def r_logrank(
    time: Any, event: Any, group: Any, *, strata: Any = None, rho: float = 0.0,
    timefix: bool = True,
) -> EngineResult[LogRankResult]:
    """R ``survdiff(Surv(time, event) ~ group [+ strata(s)], rho = rho)``.

    Groups reach R as codes in crossval's (sorted) label order, so the
    per-group arrays line up with crossval's. With strata, survdiff keeps
    group x stratum matrices of O and E; they are summed over strata, as its
    print method does.
    """
    if not timefix:
        # survdiff 3.5 forwards `timefix` into its model frame, where it fails as a
        # variable of the wrong length; only the default is usable from R.
        raise EngineUnsupportedError(
            "R survdiff cannot be called with timefix = FALSE (survival 3.5)"
        )
    s = r_session()
    labels, gcode = _codes("group", group)
    cols: dict[str, Any] = {"t": time, "e": event, "g": gcode}
    rhs = "g"
    if strata is not None:
        _, scode = _codes("strata", strata)
        cols["s"] = scode
        rhs = "g + strata(s)"
    res = s.call(
        s.survival.survdiff, formula=s.ro.Formula(f"survival::Surv(t, e) ~ {rhs}"),
        data=s.data_frame(cols), rho=rho,
    )
    fit = res.value
    exp = _row_sums(s, fit.rx2("exp"))
    k = exp.size
    result = LogRankResult(
        statistic=_scalar(fit.rx2("chisq")),
        df=int(np.sum(exp > 0)) - 1,  # survdiff's print: groups with expected > 0, minus 1
        p_value=_scalar(fit.rx2("pvalue")),
        groups=_frozen(labels, labels.dtype),
        n=_frozen(_vec(fit.rx2("n")), np.int64),
        observed=_frozen(_row_sums(s, fit.rx2("obs"))),
        expected=_frozen(exp),
        variance=_frozen(_vec(fit.rx2("var")).reshape(k, k)),
        rho=float(rho),
    )
    call = f"survdiff(Surv(t, e) ~ {rhs}, rho = {rho!r})"
    return engine_result(
        result, reported=[f.name for f in _fields(LogRankResult)], call=call,
        warnings=res.warnings,
    )


def r_cox_ph(
    time: Any, event: Any, covariates: Mapping[str, Any] | Any, *, ties: str = "efron",
    strata: Any = None, weights: Any = None, start: Any = None, robust: bool = False,
    conf_level: float = 0.95, timefix: bool = True, eps: float = 1e-12, iter_max: int = 100,
) -> EngineResult[CoxResult]:
    """R ``coxph(Surv([start,] time, event) ~ covariates [+ strata(s)], ties =, robust =)``.

    ``eps`` and ``iter_max`` go to ``coxph.control``. Their defaults (1e-12,
    100) are tighter than coxph's own (1e-9, 20) so that R's answer is its
    maximiser to ~1e-10, comparable with crossval's; pass ``eps=1e-9,
    iter_max=20`` for what a default R session prints. ``z``, ``p_value`` and
    ``hr_ci`` are computed from R's coefficients and variance exactly as
    ``summary.coxph`` does; R's warnings (e.g. "Loglik converged before
    variable ...") set ``converged=False`` and are kept in ``note``.
    """
    from crossval.stats.cox_likelihood import check_cox_inputs

    inputs = check_cox_inputs(time, event, covariates, strata=strata, weights=weights,
                              start=start)
    s = r_session()
    p = inputs.x.shape[1]
    names = [f"x{i + 1}" for i in range(p)]
    cols: dict[str, Any] = {"t": inputs.time, "e": inputs.event}
    for j, name in enumerate(names):
        cols[name] = inputs.x[:, j]
    lhs = "survival::Surv(t, e)"
    if inputs.start is not None:
        cols["t0"] = inputs.start
        lhs = "survival::Surv(t0, t, e)"
    rhs = " + ".join(names)
    if strata is not None:
        cols["s"] = inputs.strata + 1
        rhs += " + strata(s)"
    kwargs: dict[str, Any] = {
        "formula": s.ro.Formula(f"{lhs} ~ {rhs}"),
        "data": s.data_frame(cols),
        "ties": ties,
        "robust": robust,
        "control": s.survival.coxph_control(eps=eps, **{"iter.max": iter_max,
                                                        "timefix": timefix}),
    }
    if weights is not None:
        # do.call inlines the vector, so coxph's model.frame receives values, not a name.
        kwargs["weights"] = s.ro.FloatVector(inputs.weights.tolist())
    res = s.call(s.survival.coxph, **kwargs)
    fit = res.value
    coef = _vec(fit.rx2("coefficients"))
    var = _vec(fit.rx2("var")).reshape(p, p)
    naive = _vec(fit.rx2("naive.var")).reshape(p, p) if robust else var
    # R's variance can be 0 or negative after a monotone likelihood ran out of
    # iterations: se NaN or 0 and z infinite are then R's own answer
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(naive))
        used_se = np.sqrt(np.diag(var))
        z = coef / used_se
    zq = stats.norm.ppf(1 - (1 - conf_level) / 2)
    loglik = _vec(fit.rx2("loglik"))
    wald = _scalar(fit.rx2("wald.test"))
    score = _scalar(fit.rx2("score"))
    lrt = 2 * (loglik[1] - loglik[0])
    robust_score = _scalar(fit.rx2("rscore")) if robust else None
    with np.errstate(over="ignore"):  # an infinite ratio or limit is R's answer too
        hazard_ratio = np.exp(coef)
        hr_ci = np.column_stack([np.exp(coef - zq * used_se), np.exp(coef + zq * used_se)])
    converged = not any(m in w for w in res.warnings for m in _COX_NOT_CONVERGED)
    result = CoxResult(
        coef=_frozen(coef),
        se=_frozen(se),
        hazard_ratio=_frozen(hazard_ratio),
        hr_ci=_frozen(hr_ci),
        z=_frozen(z),
        p_value=_frozen(2 * stats.norm.sf(np.abs(z))),
        loglik=(float(loglik[0]), float(loglik[1])),
        wald=wald,
        score=score,
        lrt=float(lrt),
        df=p,
        wald_p=float(stats.chi2.sf(wald, p)),
        score_p=float(stats.chi2.sf(score, p)),
        lrt_p=float(stats.chi2.sf(lrt, p)),
        iterations=int(_scalar(fit.rx2("iter"))),
        converged=converged,
        n=int(_scalar(fit.rx2("n"))),
        n_events=int(_scalar(fit.rx2("nevent"))),
        var=_frozen(var),
        robust_se=_frozen(used_se) if robust else None,
        ties=ties,
        covariate_names=inputs.names,
        naive_var=_frozen(naive),
        robust_score=robust_score,
        robust_score_p=None if robust_score is None else float(stats.chi2.sf(robust_score, p)),
        conf_level=float(conf_level),
        note="; ".join(res.warnings),
    )
    reported = [f.name for f in _fields(CoxResult)]
    if not robust:
        reported = [r for r in reported if r not in {"robust_se", "robust_score",
                                                     "robust_score_p"}]
    call = (f"coxph({lhs.replace('survival::', '')} ~ {rhs}, ties = {_fmt(ties)}, "
            f"robust = {_fmt(bool(robust))}"
            + (", weights = w" if weights is not None else "")
            + f", control = coxph.control(eps = {eps!r}, iter.max = {iter_max}, "
              f"timefix = {_fmt(bool(timefix))}))")
    return engine_result(result, reported=reported, call=call, warnings=res.warnings)


# --------------------------------------------------------------- binomial


def r_binom_ci(
    x: int, n: int, *, method: str = "clopper-pearson", conf_level: float = 0.95
) -> EngineResult[ConfidenceInterval]:
    """The interval of R ``binom.test`` (clopper-pearson) or ``prop.test`` (wilson, wilson-cc).

    Other methods have no function in base R (``EngineUnsupportedError``).
    """
    _check_r_ci_method(method)
    s = r_session()
    if method == "clopper-pearson":
        res = s.call(s.stats.binom_test, x=x, n=n, **{"conf.level": conf_level})
        call = f"binom.test({x}, {n}, conf.level = {conf_level!r})$conf.int"
    else:
        correct = method == "wilson-cc"
        res = s.call(s.stats.prop_test, x=x, n=n, correct=correct,
                     **{"conf.level": conf_level})
        call = (f"prop.test({x}, {n}, correct = {_fmt(correct)}, "
                f"conf.level = {conf_level!r})$conf.int")
    ci = _vec(res.value.rx2("conf.int"))
    return engine_result(ConfidenceInterval(float(ci[0]), float(ci[1])),
                         reported=["low", "high"], call=call, warnings=res.warnings)


def _check_r_ci_method(method: str) -> None:
    if method not in R_CI_FUNCTION:
        raise EngineUnsupportedError(
            f"base R has no {method!r} binomial interval; it has "
            + ", ".join(f"{m} ({f})" for m, f in R_CI_FUNCTION.items())
        )


def r_binom_test(
    x: int, n: int, p: float = 0.5, *, alternative: str = "two-sided",
    conf_level: float = 0.95,
) -> EngineResult[BinomTestResult]:
    """R ``binom.test(x, n, p, alternative, conf.level)`` (R's two-sided rule)."""
    s = r_session()
    res = s.call(s.stats.binom_test, x=x, n=n, p=p, alternative=R_ALTERNATIVE[alternative],
                 **{"conf.level": conf_level})
    ci = _vec(res.value.rx2("conf.int"))
    result = BinomTestResult(
        x=int(x), n=int(n), p=float(p),
        p_value=_scalar(res.value.rx2("p.value")),
        estimate=_scalar(res.value.rx2("estimate")),
        conf_int=ConfidenceInterval(float(ci[0]), float(ci[1])),
        alternative=alternative,
        two_sided_rule="r",
        conf_level=float(conf_level),
    )
    call = (f"binom.test({x}, {n}, p = {p!r}, alternative = {_fmt(R_ALTERNATIVE[alternative])}, "
            f"conf.level = {conf_level!r})")
    return engine_result(result, reported=[f.name for f in _fields(BinomTestResult)],
                         call=call, warnings=res.warnings)


# ------------------------------------------------------------ contingency


def r_fisher_exact(
    table: Sequence[Sequence[float]] | Any, *, alternative: str = "two-sided",
    conf_level: float = 0.95,
) -> EngineResult[FisherResult]:
    """R ``fisher.test(table, alternative, conf.level)``.

    2x2: p-value, conditional MLE of the odds ratio (``odds_ratio``) and its
    conditional interval; R computes no sample odds ratio. Larger tables:
    the p-value only (FEXACT, with a 2e7 workspace since the default 2e5 is
    too small for some 5 x 3 tables).
    """
    s = r_session()
    arr = np.asarray(table, dtype=float)
    kwargs: dict[str, Any] = {"x": _matrix(s, arr)}
    two_by_two = arr.shape == (2, 2)
    if two_by_two:
        kwargs.update(alternative=R_ALTERNATIVE[alternative], **{"conf.level": conf_level})
        call = (f"fisher.test(x, alternative = {_fmt(R_ALTERNATIVE[alternative])}, "
                f"conf.level = {conf_level!r})")
    else:
        if alternative != "two-sided":
            raise InputError(
                f"alternative={alternative!r} is defined only for 2x2 tables; "
                f"this table is {arr.shape[0]}x{arr.shape[1]}"
            )
        kwargs["workspace"] = 2e7
        call = "fisher.test(x, workspace = 2e7)"
    res = s.call(s.stats.fisher_test, **kwargs)
    reported = ["p_value", "alternative", "conf_level"]
    odds_ratio: float | None = None
    or_ci: ConfidenceInterval | None = None
    if two_by_two:
        odds_ratio = _scalar(res.value.rx2("estimate"))
        ci = _vec(res.value.rx2("conf.int"))
        or_ci = ConfidenceInterval(float(ci[0]), float(ci[1]))
        reported += ["odds_ratio", "or_ci"]
    result = FisherResult(
        p_value=_scalar(res.value.rx2("p.value")), odds_ratio=odds_ratio,
        sample_odds_ratio=None, or_ci=or_ci, alternative=alternative,
        conf_level=float(conf_level),
    )
    return engine_result(result, reported=reported, call=call, warnings=res.warnings)


def r_chi2_test(table: Sequence[Sequence[float]] | Any, *,
                correction: bool = False) -> EngineResult[Chi2Result]:
    """R ``chisq.test(table, correct = correction)``.

    ``correction`` defaults to ``False`` as in crossval's ``chi2_test`` (R's
    own default is ``TRUE``); the result's ``correction`` says whether R
    applied Yates' correction (2x2 tables only), and ``warning`` holds R's
    "Chi-squared approximation may be incorrect" when R raised it.
    """
    s = r_session()
    arr = np.asarray(table, dtype=float)
    res = s.call(s.stats.chisq_test, x=_matrix(s, arr), correct=correction)
    method = str(res.value.rx2("method")[0])
    approx = [w for w in res.warnings if "approximation may be incorrect" in w]
    result = Chi2Result(
        statistic=_scalar(res.value.rx2("statistic")),
        df=int(_scalar(res.value.rx2("parameter"))),
        p_value=_scalar(res.value.rx2("p.value")),
        expected=_frozen(_vec(res.value.rx2("expected")).reshape(arr.shape, order="F")),
        correction="continuity correction" in method,
        warning=approx[0] if approx else None,
    )
    return engine_result(
        result, reported=[f.name for f in _fields(Chi2Result)],
        call=f"chisq.test(x, correct = {_fmt(bool(correction))})", warnings=res.warnings,
    )


def _fields(cls: type) -> tuple[Any, ...]:
    import dataclasses

    return dataclasses.fields(cls)


# ------------------------------------------------------------------ validate


class ROracle:
    """Runs stored reference cases through live R (see ``crossval validate``)."""

    # Options that only describe how the reference was produced.
    _METADATA = frozenset({"r_control", "r_source"})
    # crossval options whose non-R values R cannot compute (SAS rules and the like).
    _R_ONLY: ClassVar[dict[str, str]] = {"median_rule": "r", "two_sided_rule": "r"}

    def __init__(self) -> None:
        s = r_session()
        self.r_version = s.r_version
        self.survival_version = s.survival_version

    def _options(self, case: Any) -> dict[str, Any] | None:
        opts = {k: v for k, v in case.options.items() if k not in self._METADATA}
        for name, r_value in self._R_ONLY.items():
            if name in opts and opts.pop(name) != r_value:
                return None
        runner = _RUNNERS.get(case.function)
        if runner is None:
            return None
        if case.function == "binom_ci":
            opts.setdefault("method", "clopper-pearson")
            if opts["method"] not in R_CI_FUNCTION:
                return None
        if case.function == "cox_ph":
            control = case.options.get("r_control") or {}
            opts["eps"] = float(control.get("eps", 1e-9))
            opts["iter_max"] = int(control.get("iter.max", 20))
        accepted = set(inspect.signature(runner).parameters)
        if not set(opts) | set(case.arguments) <= accepted:
            return None
        return opts

    def supports(self, case: Any) -> bool:
        """Whether base R or survival computes this case with these options."""
        return self._options(case) is not None

    def run(self, case: Any) -> EngineResult[Any]:
        """R's answer to the case: a mapping of the fields R reported."""
        opts = self._options(case)
        if opts is None:
            raise RError(f"R has no equivalent of case {case.id!r}")
        out: EngineResult[Any] = _RUNNERS[case.function](**case.arguments, **opts)
        return out


_RUNNERS: dict[str, Any] = {
    "kaplan_meier": r_kaplan_meier,
    "logrank": r_logrank,
    "cox_ph": r_cox_ph,
    "binom_ci": r_binom_ci,
    "binom_test": r_binom_test,
    "fisher_exact": r_fisher_exact,
    "chi2_test": r_chi2_test,
}
