"""lifelines as an engine: Kaplan-Meier, log-rank and Cox, as crossval's dataclasses.

Adapters for ``lifelines.KaplanMeierFitter``, ``lifelines.statistics.
multivariate_logrank_test`` and ``lifelines.CoxPHFitter`` (lifelines 0.27+;
checked with 0.30). Each returns an :class:`crossval.engines.EngineResult`.
lifelines and pandas are imported inside the functions.

lifelines' conventions, and how they show against R and crossval:

- **KM interval is log-log only.** ``KaplanMeierFitter`` has no choice of
  transform; its pointwise limits are the log-log ("exponential Greenwood")
  interval, R's ``conf.type = "log-log"`` -- R and crossval default to
  ``"log"``. Where S(t) = 1 (before the first event) lifelines reports
  [1, 1] and where S(t) = 0 it reports [0, 0]; R's log-log limits are NA
  there (the transform is undefined).
- **KM rows**: one per distinct time, as R, plus a leading time-0 row that
  lifelines adds to every curve; the adapter drops that row unless a subject
  was actually observed at time 0.
- **Median**: the first time S(t) <= 0.5, and likewise on the limit curves
  for its interval. R's ``quantile.survfit`` takes the midpoint of a stretch
  where S is flat at exactly 0.5 (within sqrt(machine eps)); lifelines takes
  its start. Not reached is ``inf`` in lifelines, ``nan`` here (R: NA).
- **No time fix**: times that differ by round-off (1 and 1 + 1e-12) stay
  distinct; R and crossval merge them (``aeqSurv``).
- **Log-rank**: ``multivariate_logrank_test`` (G-rho via
  ``weightings="fleming-harrington", p=rho``); no strata, and only the
  statistic, its df and p are reported.
- **Cox ties are Efron only**, and lifelines stops Newton-Raphson on its own
  criteria (Newton decrement or step norm < 1e-7, on standardised
  covariates, or relative log-likelihood change < 1e-9), so its
  coefficients can be ~4.5e-4 standard errors from the exact maximiser;
  crosscheck compares them by evaluating crossval's model at lifelines'
  coefficients (``crossval.compare.crosscheck``). It reports no score
  or Wald test; the null log-likelihood is taken from its likelihood-ratio
  test. With ``robust=True`` its sandwich variance is its own (not R's
  weighted dfbeta sandwich at tied times or with case weights).
- ``start`` is passed as lifelines' ``entry_col`` (left truncation), which
  gives the same partial likelihood as R's ``Surv(start, stop, event)``.
"""

from __future__ import annotations

import math
import warnings as _warnings
from typing import Any

import numpy as np

from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.engines._adapter import messages, nan_if_infinite, recording_warnings
from crossval.stats._validate import (
    as_event_array,
    as_float_array,
    as_label_array,
    check_conf_level,
    check_same_length,
    frozen_array,
)
from crossval.stats.cox import CoxResult
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.kaplan_meier import KaplanMeierResult
from crossval.stats.logrank import LogRankResult

NAME = "lifelines"
FUNCTIONS = ("kaplan_meier", "logrank", "cox_ph")


def unavailable_reason() -> str | None:
    """``None`` when lifelines (and pandas) import, else why not."""
    try:
        import lifelines  # type: ignore[import-untyped]  # noqa: F401
        import pandas  # type: ignore[import-untyped]  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install
        return f"lifelines cannot be imported ({exc}); install crossval[engines]"
    return None


def versions() -> dict[str, str]:
    """lifelines, pandas and numpy versions."""
    import lifelines
    import pandas

    return {"lifelines": str(lifelines.__version__), "pandas": str(pandas.__version__),
            "numpy": np.__version__}


def _wrap(result: Any, reported: list[str], call: str,
          record: list[_warnings.WarningMessage]) -> EngineResult[Any]:
    return EngineResult(result, engine=NAME, versions=versions(), reported=reported,
                        warnings=messages(record), call=call)


def kaplan_meier(
    time: Any, event: Any, *, conf_level: float = 0.95
) -> EngineResult[KaplanMeierResult]:
    """lifelines ``KaplanMeierFitter(alpha=1 - conf_level).fit(time, event)``.

    R equivalent: ``survfit(Surv(time, event) ~ 1, conf.type = "log-log",
    timefix = FALSE)`` (Kaplan & Meier 1958; log-log limits as in Kalbfleisch
    & Prentice 1980). ``median`` is ``median_survival_time_`` and
    ``median_ci`` lifelines' ``median_survival_times`` of its interval.
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times  # type: ignore[import-untyped]

    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    check_same_length(time=t, event=e)
    level = check_conf_level(conf_level)
    with recording_warnings() as record:
        kmf = KaplanMeierFitter(alpha=1.0 - level).fit(t, e)
        table = kmf.event_table
        ci = kmf.confidence_interval_
        median_ci = median_survival_times(ci)
    # The leading entry row (nobody removed) is lifelines' own, not data.
    keep = table["removed"].to_numpy() > 0
    surv = kmf.survival_function_.to_numpy()[:, 0][keep]
    lower = ci.to_numpy()[:, 0][keep]
    upper = ci.to_numpy()[:, 1][keep]
    n_event = table["observed"].to_numpy()[keep]
    result = KaplanMeierResult(
        time=frozen_array(table.index.to_numpy(dtype=float)[keep]),
        n_risk=frozen_array(table["at_risk"].to_numpy()[keep], np.int64),
        n_event=frozen_array(n_event, np.int64),
        n_censor=frozen_array(table["censored"].to_numpy()[keep], np.int64),
        survival=frozen_array(surv),
        std_err=frozen_array(np.full(surv.shape, math.nan)),
        lower=frozen_array(lower),
        upper=frozen_array(upper),
        median=nan_if_infinite(float(kmf.median_survival_time_)),
        median_ci=ConfidenceInterval(nan_if_infinite(float(median_ci.iloc[0, 0])),
                                     nan_if_infinite(float(median_ci.iloc[0, 1]))),
        conf_type="log-log",
        conf_level=level,
        median_rule="r",
        n=int(t.size),
        n_events=int(n_event.sum()),
    )
    reported = ["time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper",
                "median", "median_ci", "conf_type", "conf_level", "n", "n_events"]
    call = (f"KaplanMeierFitter(alpha={1.0 - level:.6g}).fit(time, event); "
            "median_survival_times(confidence_interval_)")
    return _wrap(result, reported, call, record)


def logrank(
    time: Any, event: Any, group: Any, *, strata: Any = None, rho: float = 0.0
) -> EngineResult[LogRankResult]:
    """lifelines ``multivariate_logrank_test(time, group, event)``.

    R equivalent: ``survdiff(Surv(time, event) ~ group, rho = rho)`` without
    R's time fix; ``rho != 0`` uses ``weightings="fleming-harrington", p=rho,
    q=0`` (Harrington & Fleming 1982). lifelines has no stratified log-rank.
    """
    from lifelines.statistics import multivariate_logrank_test  # type: ignore[import-untyped]

    if strata is not None:
        raise EngineUnsupportedError("lifelines has no stratified log-rank test")
    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    g = as_label_array("group", group)
    check_same_length(time=t, event=e, group=g)
    labels = np.unique(g)
    kwargs: dict[str, Any] = {}
    if rho != 0:
        kwargs = {"weightings": "fleming-harrington", "p": float(rho), "q": 0.0}
    with recording_warnings() as record:
        res = multivariate_logrank_test(t, g, e, **kwargs)
    nan_k = np.full(labels.size, math.nan)
    result = LogRankResult(
        statistic=float(res.test_statistic),
        df=int(res.degrees_of_freedom),
        p_value=float(res.p_value),
        groups=frozen_array(labels, labels.dtype),
        n=frozen_array(np.zeros(labels.size), np.int64),
        observed=frozen_array(nan_k),
        expected=frozen_array(nan_k),
        variance=frozen_array(np.full((labels.size, labels.size), math.nan)),
        rho=float(rho),
    )
    extra = f", weightings='fleming-harrington', p={float(rho)!r}, q=0" if rho != 0 else ""
    return _wrap(result, ["statistic", "df", "p_value", "rho"],
                 f"multivariate_logrank_test(time, group, event{extra})", record)


def cox_ph(
    time: Any, event: Any, covariates: Any, *, strata: Any = None, weights: Any = None,
    start: Any = None, robust: bool = False, conf_level: float = 0.95,
) -> EngineResult[CoxResult]:
    """lifelines ``CoxPHFitter(alpha=1 - conf_level).fit(df, ...)`` (Efron ties only).

    R equivalent: ``coxph(Surv([start,] time, event) ~ covariates
    [+ strata(s)], ties = "efron", weights =, robust =)`` (Cox 1972; Efron
    1977). Columns are passed under fixed internal names; the covariate
    names come back as ``covariate_names``.
    """
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceWarning  # type: ignore[import-untyped]

    from crossval.stats.cox_likelihood import check_cox_inputs

    level = check_conf_level(conf_level)
    inputs = check_cox_inputs(time, event, covariates, strata=strata, weights=weights,
                              start=start)
    p = inputs.x.shape[1]
    cols = [f"x{j + 1}" for j in range(p)]
    frame = pd.DataFrame(inputs.x, columns=cols)
    frame["t"] = inputs.time
    frame["e"] = inputs.event
    fit_kwargs: dict[str, Any] = {"duration_col": "t", "event_col": "e", "robust": bool(robust)}
    if strata is not None:
        frame["s"] = inputs.strata
        fit_kwargs["strata"] = ["s"]
    if weights is not None:
        frame["w"] = inputs.weights
        fit_kwargs["weights_col"] = "w"
    if start is not None:
        frame["t0"] = inputs.start
        fit_kwargs["entry_col"] = "t0"
    with recording_warnings() as record:
        cph = CoxPHFitter(alpha=1.0 - level).fit(frame, **fit_kwargs)
        lrt_test = cph.log_likelihood_ratio_test()
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in record)
    coef = cph.params_.to_numpy(dtype=float)
    var = cph.variance_matrix_.to_numpy(dtype=float)
    se = cph.standard_errors_.to_numpy(dtype=float)
    summary = cph.summary
    z = summary["z"].to_numpy(dtype=float)
    pvals = summary["p"].to_numpy(dtype=float)
    with np.errstate(over="ignore"):  # a limit of a diverging coefficient is inf
        hr_ci = np.exp(cph.confidence_intervals_.to_numpy(dtype=float))
    fitted = float(cph.log_likelihood_)
    lrt = float(lrt_test.test_statistic)
    nan_p = np.full(p, math.nan)
    result = CoxResult(
        coef=frozen_array(coef),
        se=frozen_array(nan_p if robust else se),
        hazard_ratio=frozen_array(np.exp(coef)),
        hr_ci=frozen_array(hr_ci),
        z=frozen_array(z),
        p_value=frozen_array(pvals),
        loglik=(fitted - lrt / 2.0, fitted),
        wald=math.nan,
        score=math.nan,
        lrt=lrt,
        df=int(lrt_test.degrees_freedom),
        wald_p=math.nan,
        score_p=math.nan,
        lrt_p=float(lrt_test.p_value),
        iterations=0,
        converged=converged,
        n=len(cph.durations),
        n_events=int(np.asarray(cph.event_observed).sum()),
        var=frozen_array(var),
        robust_se=frozen_array(se) if robust else None,
        ties="efron",
        covariate_names=inputs.names,
        naive_var=frozen_array(np.full((p, p), math.nan)),
        robust_score=None,
        robust_score_p=None,
        conf_level=level,
        note="; ".join(messages(record)),
    )
    reported = ["coef", "hazard_ratio", "hr_ci", "z", "p_value", "loglik", "lrt", "df",
                "lrt_p", "converged", "n", "n_events", "var", "ties", "covariate_names",
                "conf_level"]
    reported.append("robust_se" if robust else "se")
    options = ", ".join(f"{k}={v!r}" for k, v in fit_kwargs.items())
    return _wrap(result, reported, f"CoxPHFitter(alpha={1.0 - level:.6g}).fit(df, {options})",
                 record)
