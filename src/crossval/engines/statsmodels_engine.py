"""statsmodels as an engine: KM, log-rank, Cox, binomial and chi-square, as crossval's dataclasses.

Adapters for ``statsmodels.duration.survfunc.SurvfuncRight`` and
``survdiff``, ``statsmodels.duration.hazard_regression.PHReg``,
``statsmodels.stats.proportion.proportion_confint`` / ``binom_test`` and
``statsmodels.stats.contingency_tables.Table`` (statsmodels 0.14+; checked
with 0.15). Each returns an :class:`crossval.engines.EngineResult`;
statsmodels is imported inside the functions.

statsmodels' conventions, and how they show against R and crossval:

- **SurvfuncRight lists event times only**: one row per distinct event time
  (R lists censoring-only times too), with numbers at risk, events, S(t)
  and its Greenwood standard error; no censoring counts and no pointwise
  interval (only Hall-Wellner bands). Compare with R/crossval on the rows
  that have events.
- **Median**: ``quantile(0.5)`` is the first event time with S(t) < 0.5
  (strictly; "SAS uses a strict inequality"), with no midpoint rule for a
  curve flat at exactly 0.5 -- crossval's ``median_rule="sas"`` except for
  that flat case. ``quantile_ci`` is SAS LIFETEST's Brookmeyer-Crowley
  interval, default transform ``"cloglog"`` (= log-log; the adapter maps
  crossval's ``conf_type`` onto its methods); an open upper limit is
  ``inf`` there, ``nan`` here (R: NA).
- **No time fix**: times equal up to round-off stay distinct (R and
  crossval merge them, ``aeqSurv``).
- **survdiff** returns only the statistic and p (df = groups - 1);
  ``weight_type="fh", fh_p=rho`` is R's G-rho.
- **PHReg**: ``ties="breslow"`` by default (R: efron); no exact method, no
  case weights. Newton-Raphson until the parameters move < 1e-8, so its
  estimates agree with the exact maximiser to ~1e-9. ``entry`` puts a row at
  risk at event times t >= entry, where R's ``(start, stop]`` needs
  t > start: rows that enter exactly at another row's event time are in
  that risk set in statsmodels and not in R. With ``robust`` (one cluster
  per row) its sandwich uses Breslow-form score residuals even under Efron
  ties, so it differs from R's slightly when event times are tied. The
  score and Wald tests here are computed from PHReg's own score, Hessian
  and covariance.
- **proportion_confint** defaults to ``method="normal"`` (Wald, clipped to
  [0, 1]); its ``"jeffreys"`` has no boundary modification (crossval's, as
  Brown, Cai & DasGupta 2001, sets the limit to 0 at x = 0 and 1 at x = n);
  no Wilson interval with continuity correction and no mid-p.
- **Table.test_nominal_association** is Pearson's chi-square without
  continuity correction, on ``Table(table)``, whose default
  ``shift_zeros=True`` replaces every 0 cell by 0.5, so on such tables
  statistic, p and expected counts are not R's (crosscheck recomputes them
  so).
"""

from __future__ import annotations

import math
import warnings as _warnings
from typing import Any

import numpy as np
from scipy import stats

from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.engines._adapter import messages, nan_if_infinite, recording_warnings
from crossval.stats._validate import (
    as_count,
    as_event_array,
    as_float_array,
    as_label_array,
    check_conf_level,
    check_option,
    check_same_length,
    frozen_array,
)
from crossval.stats.binomial import BinomTestResult
from crossval.stats.contingency import Chi2Result
from crossval.stats.cox import CoxResult
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.kaplan_meier import CONF_TYPES, KaplanMeierResult
from crossval.stats.logrank import LogRankResult

NAME = "statsmodels"
FUNCTIONS = ("kaplan_meier", "logrank", "cox_ph", "binom_ci", "binom_test", "chi2_test")

# crossval conf_type -> SurvfuncRight.quantile_ci method
_QUANTILE_CI_METHOD = {
    "log-log": "cloglog", "plain": "linear", "log": "log", "logit": "logit",
    "arcsin": "asinsqrt",
}
# crossval binom_ci method -> proportion_confint method
_PROPORTION_METHOD = {
    "wald": "normal", "agresti-coull": "agresti_coull", "clopper-pearson": "beta",
    "wilson": "wilson", "jeffreys": "jeffreys",
}
_ALTERNATIVE = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}


def unavailable_reason() -> str | None:
    """``None`` when statsmodels imports, else why not."""
    try:
        import statsmodels  # type: ignore[import-untyped]  # noqa: F401
    except Exception as exc:
        return f"statsmodels cannot be imported ({exc}); install crossval[engines]"
    return None


def versions() -> dict[str, str]:
    """statsmodels, scipy and numpy versions."""
    import scipy
    import statsmodels

    return {"statsmodels": str(statsmodels.__version__), "scipy": scipy.__version__,
            "numpy": np.__version__}


def _wrap(result: Any, reported: list[str], call: str,
          record: list[_warnings.WarningMessage]) -> EngineResult[Any]:
    return EngineResult(result, engine=NAME, versions=versions(), reported=reported,
                        warnings=messages(record), call=call)


def kaplan_meier(
    time: Any, event: Any, *, conf_type: str = "log-log", conf_level: float = 0.95
) -> EngineResult[KaplanMeierResult]:
    """statsmodels ``SurvfuncRight(time, event)``: rows at event times; median and its CI.

    R equivalent: ``survfit(Surv(time, event) ~ 1, timefix = FALSE)`` on its
    event-time rows, with SAS LIFETEST's median and Brookmeyer-Crowley
    interval (``quantile_ci(0.5, method=...)``; Brookmeyer & Crowley 1982).
    ``conf_type`` picks the quantile_ci transform; statsmodels has no
    pointwise limits, so ``lower``/``upper`` are not reported.
    """
    from statsmodels.duration.survfunc import SurvfuncRight  # type: ignore[import-untyped]

    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    check_same_length(time=t, event=e)
    ctype = check_option("conf_type", conf_type, CONF_TYPES)
    level = check_conf_level(conf_level)
    with recording_warnings() as record:
        sf = SurvfuncRight(t, e)
        median = float(sf.quantile(0.5))
        if ctype != "none":
            low, high = sf.quantile_ci(0.5, alpha=1.0 - level, method=_QUANTILE_CI_METHOD[ctype])
            median_ci = ConfidenceInterval(nan_if_infinite(float(low)),
                                           nan_if_infinite(float(high)))
        else:
            median_ci = ConfidenceInterval(math.nan, math.nan)
    surv = np.asarray(sf.surv_prob, dtype=float)
    n_event = np.asarray(sf.n_events, dtype=float)
    nan_rows = np.full(surv.shape, math.nan)
    result = KaplanMeierResult(
        time=frozen_array(np.asarray(sf.surv_times, dtype=float)),
        n_risk=frozen_array(np.asarray(sf.n_risk), np.int64),
        n_event=frozen_array(n_event, np.int64),
        n_censor=frozen_array(np.zeros(surv.shape), np.int64),
        survival=frozen_array(surv),
        std_err=frozen_array(np.asarray(sf.surv_prob_se, dtype=float)),
        lower=frozen_array(nan_rows),
        upper=frozen_array(nan_rows),
        median=nan_if_infinite(median),
        median_ci=median_ci,
        conf_type=ctype,
        conf_level=level,
        median_rule="sas",
        n=int(t.size),
        n_events=int(e.sum()),
    )
    reported = ["time", "n_risk", "n_event", "survival", "std_err", "median", "conf_level",
                "median_rule", "n", "n_events"]
    call = "SurvfuncRight(time, event); quantile(0.5)"
    if ctype != "none":
        reported += ["median_ci", "conf_type"]
        call += (f"; quantile_ci(0.5, alpha={1.0 - level:.6g}, "
                 f"method={_QUANTILE_CI_METHOD[ctype]!r})")
    return _wrap(result, reported, call, record)


def logrank(
    time: Any, event: Any, group: Any, *, strata: Any = None, rho: float = 0.0
) -> EngineResult[LogRankResult]:
    """statsmodels ``survdiff(time, event, group, strata=, weight_type=)``.

    R equivalent: ``survdiff(Surv(time, event) ~ group [+ strata(s)], rho =
    rho)`` without R's time fix (Mantel 1966; G-rho as Harrington & Fleming
    1982 via ``weight_type="fh", fh_p=rho``). Only the statistic, p and the
    df statsmodels uses for p (groups - 1) are reported.
    """
    from statsmodels.duration.survfunc import survdiff

    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    g = as_label_array("group", group)
    s = None if strata is None else as_label_array("strata", strata)
    check_same_length(time=t, event=e, group=g, strata=s)
    labels = np.unique(g)
    kwargs: dict[str, Any] = {}
    if s is not None:
        kwargs["strata"] = s
    if rho != 0:
        kwargs.update(weight_type="fh", fh_p=float(rho))
    with recording_warnings() as record:
        chisq, pvalue = survdiff(t, e, g, **kwargs)
    k = labels.size
    result = LogRankResult(
        statistic=float(chisq), df=k - 1, p_value=float(pvalue),
        groups=frozen_array(labels, labels.dtype), n=frozen_array(np.zeros(k), np.int64),
        observed=frozen_array(np.full(k, math.nan)), expected=frozen_array(np.full(k, math.nan)),
        variance=frozen_array(np.full((k, k), math.nan)), rho=float(rho),
    )
    extra = "".join(f", {key}={'strata' if key == 'strata' else repr(v)}"
                    for key, v in kwargs.items())
    return _wrap(result, ["statistic", "df", "p_value", "rho"],
                 f"survdiff(time, event, group{extra})", record)


def cox_ph(
    time: Any, event: Any, covariates: Any, *, ties: str = "breslow", strata: Any = None,
    start: Any = None, robust: bool = False, conf_level: float = 0.95,
) -> EngineResult[CoxResult]:
    """statsmodels ``PHReg(time, covariates, status=event, entry=start, strata=, ties=).fit()``.

    R equivalent: ``coxph(Surv([start,] time, event) ~ covariates
    [+ strata(s)], ties =)`` (Cox 1972; Breslow 1974; Efron 1977), with the
    ``entry`` and robust-variance conventions in the module notes.
    ``robust=True`` fits with one cluster per row (``fit(groups=...)``).
    """
    from statsmodels.duration.hazard_regression import PHReg  # type: ignore[import-untyped]

    from crossval.stats.cox_likelihood import check_cox_inputs

    if ties == "exact":
        raise EngineUnsupportedError(
            "statsmodels PHReg handles ties by 'breslow' or 'efron' only (no exact method)"
        )
    ties = check_option("ties", ties, ("breslow", "efron"))
    level = check_conf_level(conf_level)
    inputs = check_cox_inputs(time, event, covariates, strata=strata, start=start)
    n, p = inputs.x.shape
    kwargs: dict[str, Any] = {"status": inputs.event, "ties": ties}
    if start is not None:
        kwargs["entry"] = inputs.start
    if strata is not None:
        kwargs["strata"] = inputs.strata
    with recording_warnings() as record:
        model = PHReg(inputs.time, inputs.x, **kwargs)
        res = model.fit(groups=np.arange(n)) if robust else model.fit()
        beta = np.asarray(res.params, dtype=float)
        naive = np.linalg.inv(-np.asarray(model.hessian(beta), dtype=float))
        zero = np.zeros(p)
        null_loglik = float(model.loglike(zero))
        u0 = np.asarray(model.score(zero), dtype=float)
        info0 = -np.asarray(model.hessian(zero), dtype=float)
    var = np.asarray(res.cov_params(), dtype=float)
    used_se = np.sqrt(np.diag(var))
    fitted = float(res.llf)
    lrt = 2.0 * (fitted - null_loglik)
    wald = float(beta @ np.linalg.solve(var, beta))
    score = float(u0 @ np.linalg.solve(info0, u0))
    with np.errstate(over="ignore"):  # a limit of a diverging coefficient is inf
        hr_ci = np.exp(np.asarray(res.conf_int(alpha=1.0 - level), dtype=float))
    result = CoxResult(
        coef=frozen_array(beta),
        se=frozen_array(np.sqrt(np.diag(naive))),
        hazard_ratio=frozen_array(np.exp(beta)),
        hr_ci=frozen_array(hr_ci),
        z=frozen_array(np.asarray(res.tvalues, dtype=float)),
        p_value=frozen_array(np.asarray(res.pvalues, dtype=float)),
        loglik=(null_loglik, fitted),
        wald=wald,
        score=score,
        lrt=lrt,
        df=p,
        wald_p=float(stats.chi2.sf(wald, p)),
        score_p=float(stats.chi2.sf(score, p)),
        lrt_p=float(stats.chi2.sf(lrt, p)),
        iterations=0,
        converged=True,
        n=n,
        n_events=int(inputs.event.sum()),
        var=frozen_array(var),
        robust_se=frozen_array(used_se) if robust else None,
        ties=ties,
        covariate_names=inputs.names,
        naive_var=frozen_array(naive),
        robust_score=None,
        robust_score_p=None,
        conf_level=level,
        note="; ".join(messages(record)),
    )
    reported = ["coef", "se", "hazard_ratio", "hr_ci", "z", "p_value", "loglik", "wald",
                "score", "lrt", "df", "wald_p", "score_p", "lrt_p", "n", "n_events", "var",
                "ties", "covariate_names", "naive_var", "conf_level"]
    if robust:
        reported.append("robust_se")
    options = ", ".join(f"{k}={'...' if k != 'ties' else repr(v)}" for k, v in kwargs.items())
    call = f"PHReg(time, covariates, {options}).fit({'groups=range(n)' if robust else ''})"
    return _wrap(result, reported, call, record)


def binom_ci(
    x: Any, n: Any, *, method: str = "wald", conf_level: float = 0.95
) -> EngineResult[ConfidenceInterval]:
    """statsmodels ``proportion_confint(x, n, alpha=1 - conf_level, method=...)``.

    R equivalents as crossval's ``binom_ci`` (statsmodels' ``normal`` is
    ``wald``, ``beta`` is ``clopper-pearson``; Brown, Cai & DasGupta 2001).
    """
    from statsmodels.stats.proportion import proportion_confint  # type: ignore[import-untyped]

    if method not in _PROPORTION_METHOD:
        raise EngineUnsupportedError(
            f"statsmodels proportion_confint has no {method!r} interval; it has "
            + ", ".join(_PROPORTION_METHOD)
        )
    level = check_conf_level(conf_level)
    xi, ni = as_count("x", x), as_count("n", n)
    sm_method = _PROPORTION_METHOD[method]
    with recording_warnings() as record:
        low, high = proportion_confint(xi, ni, alpha=1.0 - level, method=sm_method)
    return _wrap(ConfidenceInterval(float(low), float(high)), ["low", "high"],
                 f"proportion_confint({xi}, {ni}, alpha={1.0 - level:.6g}, "
                 f"method={sm_method!r})", record)


def binom_test(
    x: Any, n: Any, p: float = 0.5, *, alternative: str = "two-sided"
) -> EngineResult[BinomTestResult]:
    """statsmodels ``binom_test(x, n, prop=p, alternative=...)``: the p-value only.

    R equivalent: ``binom.test(x, n, p)$p.value`` (two-sided via scipy's
    ``binomtest``, the same minimum-likelihood rule as R).
    """
    from statsmodels.stats.proportion import binom_test as sm_binom_test

    alt = check_option("alternative", alternative, tuple(_ALTERNATIVE))
    xi, ni = as_count("x", x), as_count("n", n)
    with recording_warnings() as record:
        pval = float(sm_binom_test(xi, ni, prop=p, alternative=_ALTERNATIVE[alt]))
    result = BinomTestResult(
        x=xi, n=ni, p=float(p), p_value=pval, estimate=math.nan,
        conf_int=ConfidenceInterval(math.nan, math.nan), alternative=alt,
        two_sided_rule="r", conf_level=math.nan,
    )
    return _wrap(result, ["x", "n", "p", "p_value", "alternative"],
                 f"binom_test({xi}, {ni}, prop={p!r}, alternative={_ALTERNATIVE[alt]!r})",
                 record)


def chi2_test(table: Any, *, correction: bool = False) -> EngineResult[Chi2Result]:
    """statsmodels ``Table(table).test_nominal_association()`` (Pearson, no correction).

    R equivalent: ``chisq.test(table, correct = FALSE)`` (Pearson 1900) for
    tables without a zero cell; see the module notes for ``shift_zeros``.
    """
    from statsmodels.stats.contingency_tables import Table  # type: ignore[import-untyped]

    if correction:
        raise EngineUnsupportedError(
            "statsmodels' Table.test_nominal_association has no continuity correction"
        )
    arr = np.asarray(table, dtype=float)
    with recording_warnings() as record:
        tab = Table(arr)
        res = tab.test_nominal_association()
        expected = np.asarray(tab.fittedvalues, dtype=float)
    result = Chi2Result(
        statistic=float(res.statistic), df=int(res.df), p_value=float(res.pvalue),
        expected=frozen_array(expected), correction=False, warning=None,
    )
    return _wrap(result, ["statistic", "df", "p_value", "expected", "correction"],
                 "Table(table).test_nominal_association()", record)
