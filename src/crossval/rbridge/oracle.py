"""R's answer to a crossval computation, field by field.

Each ``r_*`` function runs the R equivalent of one crossval function and
returns a mapping that uses crossval's result field names, so any two engines
compare with :mod:`crossval.compare`. Internal column names (``t``, ``e``,
``g``, ``x1``...) are fixed by crossval: user-supplied names never enter an R
formula.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from crossval.errors import RError
from crossval.rbridge.session import RSession, r_session

_R_ALTERNATIVE = {"two-sided": "two.sided", "less": "less", "greater": "greater"}
_R_CI_FUNCTION = {
    "clopper-pearson": "binom.test",
    "wilson": "prop.test",
    "wilson-cc": "prop.test",
}


def _vec(x: Any) -> np.ndarray[Any, Any]:
    arr: np.ndarray[Any, Any] = np.asarray(x, dtype=float)
    # rpy2 returns R's NA_real_ as a NaN payload; keep it as an ordinary nan.
    return np.where(np.isnan(arr), np.nan, arr)


def _scalar(x: Any) -> float:
    return float(_vec(x).ravel()[0])


def _matrix(s: RSession, table: Sequence[Sequence[float]]) -> Any:
    arr = np.asarray(table, dtype=float)
    return s.base.matrix(s.ro.FloatVector(arr.ravel().tolist()), nrow=arr.shape[0], byrow=True)


def _times(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    with np.errstate(invalid="ignore"):
        out: np.ndarray[Any, Any] = a * b
    return out


def _row_sums(s: RSession, x: Any) -> np.ndarray[Any, Any]:
    if bool(s.base.is_matrix(x)[0]):
        return _vec(s.base.rowSums(x))
    return _vec(x)


def r_kaplan_meier(
    time: Any, event: Any, *, conf_type: str = "log", conf_level: float = 0.95,
    timefix: bool = True,
) -> dict[str, Any]:
    """R ``survfit(Surv(time, event) ~ 1)`` and ``quantile(fit, 0.5)``."""
    s = r_session()
    df = s.data_frame({"t": time, "e": event})
    fit = s.call(
        s.survival.survfit, formula=s.ro.Formula("survival::Surv(t, e) ~ 1"), data=df,
        **{"conf.type": conf_type, "conf.int": conf_level, "timefix": timefix},
    ).value
    surv = _vec(fit.rx2("surv"))
    out: dict[str, Any] = {
        "time": _vec(fit.rx2("time")),
        "n_risk": _vec(fit.rx2("n.risk")),
        "n_event": _vec(fit.rx2("n.event")),
        "n_censor": _vec(fit.rx2("n.censor")),
        "survival": surv,
        # summary.survfit's std.err of S(t); R gives NaN (Inf * 0) once S reaches 0.
        "std_err": _times(_vec(fit.rx2("std.err")), surv),
    }
    if conf_type != "none":
        out["lower"] = _vec(fit.rx2("lower"))
        out["upper"] = _vec(fit.rx2("upper"))
        q = s.call(s.stats.quantile, x=fit, probs=0.5).value
        out["median"] = _scalar(q.rx2("quantile"))
        out["median_ci"] = [_scalar(q.rx2("lower")), _scalar(q.rx2("upper"))]
    else:
        q = s.call(s.stats.quantile, x=fit, probs=0.5, **{"conf.int": False}).value
        out["median"] = _scalar(q)
    return out


def r_logrank(
    time: Any, event: Any, group: Any, *, strata: Any = None, rho: float = 0.0,
    timefix: bool = True,
) -> dict[str, Any]:
    """R ``survdiff(Surv(time, event) ~ group [+ strata(s)], rho = rho)``."""
    s = r_session()
    cols = {"t": time, "e": event, "g": np.asarray(group).astype(str)}
    rhs = "g"
    if strata is not None:
        cols["s"] = np.asarray(strata).astype(str)
        rhs = "g + strata(s)"
    if not timefix:
        # survdiff 3.5 forwards `timefix` into its model frame, where it fails as a
        # variable of the wrong length; only the default is usable from R.
        raise RError("R survdiff cannot be called with timefix = FALSE (survival 3.5)")
    fit = s.call(
        s.survival.survdiff, formula=s.ro.Formula(f"survival::Surv(t, e) ~ {rhs}"),
        data=s.data_frame(cols), rho=rho,
    ).value
    # With strata, survdiff keeps group x stratum matrices; its print sums the strata.
    obs = _row_sums(s, fit.rx2("obs"))
    exp = _row_sums(s, fit.rx2("exp"))
    chisq = _scalar(fit.rx2("chisq"))
    df_ = int(np.sum(exp > 0)) - 1
    pval = _scalar(s.stats.pchisq(chisq, df_, **{"lower.tail": False}))
    return {
        "statistic": chisq,
        "df": df_,
        "p_value": pval,
        "n": _vec(fit.rx2("n")),
        "observed": obs,
        "expected": exp,
        "variance": _vec(fit.rx2("var")),
    }


def r_cox_ph(
    time: Any, event: Any, covariates: Mapping[str, Any], *, ties: str = "efron",
    strata: Any = None, weights: Any = None, start: Any = None, robust: bool = False,
    conf_level: float = 0.95, timefix: bool = True, eps: float = 1e-12, iter_max: int = 100,
) -> dict[str, Any]:
    """R ``coxph(Surv([start,] time, event) ~ covariates [+ strata(s)])``."""
    s = r_session()
    cols: dict[str, Any] = {"t": time, "e": event}
    names = [f"x{i + 1}" for i in range(len(covariates))]
    for name, values in zip(names, covariates.values(), strict=True):
        cols[name] = values
    lhs = "survival::Surv(t, e)"
    if start is not None:
        cols["t0"] = start
        lhs = "survival::Surv(t0, t, e)"
    rhs = " + ".join(names)
    if strata is not None:
        cols["s"] = np.asarray(strata).astype(str)
        rhs += " + strata(s)"
    kwargs: dict[str, Any] = {
        "formula": s.ro.Formula(f"{lhs} ~ {rhs}"),
        "ties": ties,
        "robust": robust,
        "control": s.survival.coxph_control(eps=eps, **{"iter.max": iter_max, "timefix": timefix}),
    }
    kwargs["data"] = s.data_frame(cols)
    if weights is not None:
        # do.call inlines the vector, so coxph's model.frame receives values, not a name.
        kwargs["weights"] = s.ro.FloatVector(np.asarray(weights, dtype=float).tolist())
    result = s.call(s.survival.coxph, **kwargs)
    fit = result.value
    coef = _vec(fit.rx2("coefficients"))
    var = _vec(fit.rx2("var")).reshape(len(coef), len(coef))
    out: dict[str, Any] = {"coef": coef, "hazard_ratio": np.exp(coef)}
    if robust:
        naive = _vec(fit.rx2("naive.var")).reshape(len(coef), len(coef))
        out["se"] = np.sqrt(np.diag(naive))
        out["robust_se"] = np.sqrt(np.diag(var))
        used_se = out["robust_se"]
    else:
        out["se"] = np.sqrt(np.diag(var))
        used_se = out["se"]
    from scipy.stats import norm

    zq = norm.ppf(1 - (1 - conf_level) / 2)
    out["z"] = coef / used_se
    out["p_value"] = 2 * norm.sf(np.abs(out["z"]))
    out["hr_ci"] = np.column_stack([np.exp(coef - zq * used_se), np.exp(coef + zq * used_se)])
    loglik = _vec(fit.rx2("loglik"))
    out["loglik"] = loglik
    out["wald"] = _scalar(fit.rx2("wald.test"))
    out["score"] = _scalar(fit.rx2("score"))
    out["lrt"] = 2 * (loglik[1] - loglik[0])
    out["n"] = _scalar(fit.rx2("n"))
    out["n_events"] = _scalar(fit.rx2("nevent"))
    out["iterations"] = _scalar(fit.rx2("iter"))
    out["r_warnings"] = list(result.warnings)
    return out


def r_binom_ci(x: int, n: int, *, method: str, conf_level: float = 0.95) -> dict[str, Any]:
    """The interval of R ``binom.test`` (clopper-pearson) or ``prop.test`` (wilson, wilson-cc)."""
    s = r_session()
    if method == "clopper-pearson":
        res = s.call(s.stats.binom_test, x=x, n=n, **{"conf.level": conf_level}).value
    else:
        res = s.call(
            s.stats.prop_test, x=x, n=n, correct=(method == "wilson-cc"),
            **{"conf.level": conf_level},
        ).value
    ci = _vec(res.rx2("conf.int"))
    return {"low": float(ci[0]), "high": float(ci[1])}


def r_binom_test(
    x: int, n: int, p: float = 0.5, *, alternative: str = "two-sided"
) -> dict[str, Any]:
    """R ``binom.test(x, n, p, alternative)``."""
    s = r_session()
    res = s.call(s.stats.binom_test, x=x, n=n, p=p, alternative=_R_ALTERNATIVE[alternative]).value
    return {
        "p_value": _scalar(res.rx2("p.value")),
        "estimate": _scalar(res.rx2("estimate")),
        "conf_int": _vec(res.rx2("conf.int")),
    }


def r_fisher_exact(
    table: Sequence[Sequence[float]], *, alternative: str = "two-sided",
    conf_level: float = 0.95,
) -> dict[str, Any]:
    """R ``fisher.test(table, alternative, conf.level)``."""
    s = r_session()
    arr = np.asarray(table, dtype=float)
    kwargs: dict[str, Any] = {"x": _matrix(s, table)}
    if arr.shape != (2, 2):
        # FEXACT's default workspace (2e5) is too small for some 5 x 3 tables.
        kwargs["workspace"] = 2e7
    else:
        kwargs.update(alternative=_R_ALTERNATIVE[alternative], **{"conf.level": conf_level})
    res = s.call(s.stats.fisher_test, **kwargs).value
    out: dict[str, Any] = {"p_value": _scalar(res.rx2("p.value"))}
    if arr.shape == (2, 2):
        out["odds_ratio"] = _scalar(res.rx2("estimate"))
        out["or_ci"] = _vec(res.rx2("conf.int"))
    return out


def r_chi2_test(table: Sequence[Sequence[float]], *, correction: bool = False) -> dict[str, Any]:
    """R ``chisq.test(table, correct = correction)``."""
    s = r_session()
    result = s.call(s.stats.chisq_test, x=_matrix(s, table), correct=correction)
    res = result.value
    arr = np.asarray(table, dtype=float)
    return {
        "statistic": _scalar(res.rx2("statistic")),
        "df": _scalar(res.rx2("parameter")),
        "p_value": _scalar(res.rx2("p.value")),
        "expected": _vec(res.rx2("expected")).reshape(arr.shape, order="F"),
        "r_warnings": list(result.warnings),
    }


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
            if opts["method"] not in _R_CI_FUNCTION:
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

    def run(self, case: Any) -> dict[str, Any]:
        """R's answer to the case, in crossval's field names."""
        opts = self._options(case)
        if opts is None:
            raise RError(f"R has no equivalent of case {case.id!r}")
        out: dict[str, Any] = _RUNNERS[case.function](**case.arguments, **opts)
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
