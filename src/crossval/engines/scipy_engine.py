"""scipy.stats as an engine: KM, two-sample log-rank, binomial, Fisher and chi-square.

Adapters for ``scipy.stats.ecdf`` (Kaplan-Meier on ``CensoredData``),
``scipy.stats.logrank``, ``binomtest`` and its ``proportion_ci``,
``fisher_exact`` with ``scipy.stats.contingency.odds_ratio``, and
``chi2_contingency`` (scipy 1.11+; checked with 1.17). Each returns an
:class:`crossval.engines.EngineResult`. scipy is a dependency of crossval, so
this engine is always available.

scipy's conventions, and how they show against R and crossval:

- **ecdf's KM interval defaults to "linear"** (plain Greenwood, clipped to
  [0, 1]; crossval ``conf_type="plain"``); ``"log-log"`` is the only other
  choice. R defaults to log. It lists every distinct time, as R, but
  reports no numbers at risk, no standard errors and no median; no time fix.
- **logrank is two-sample only** and its ``statistic`` is the signed
  z-score; crossval's (and R's) statistic is the chi-square, z squared,
  which is what the adapter reports. No strata, no G-rho weights.
- **fisher_exact's ``statistic`` is the sample odds ratio** ad/bc (crossval
  ``sample_odds_ratio``). The conditional MLE R reports is
  ``scipy.stats.contingency.odds_ratio(table)`` (its default
  ``kind="conditional"``), with the conditional interval from its
  ``confidence_interval``; the adapter reports both. For tables larger
  than 2x2 the default p-value is a Monte Carlo estimate (9999 tables),
  not R's exact network algorithm; the adapter fixes the random seed (0)
  so the estimate is reproducible.
- **binomtest**'s two-sided p is R's rule (outcomes no more likely than
  the observed one, with the same relative tolerance 1 + 1e-7).
  ``proportion_ci`` defaults to ``"exact"`` (Clopper-Pearson); its
  ``"wilsoncc"`` always corrects by 1/2, while R's ``prop.test`` uses
  min(1/2, |x - n/2|), so they differ at x = n/2.
- **chi2_contingency** applies Yates' correction by default
  (``correction=True``, only when df = 1), as R's ``chisq.test`` does;
  crossval's ``chi2_test`` defaults to no correction.
"""

from __future__ import annotations

import math
import warnings as _warnings
from typing import Any

import numpy as np

from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.engines._adapter import messages, recording_warnings
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
from crossval.stats.contingency import Chi2Result, FisherResult
from crossval.stats.interval import ConfidenceInterval
from crossval.stats.kaplan_meier import CONF_TYPES, KaplanMeierResult
from crossval.stats.logrank import LogRankResult

NAME = "scipy"
FUNCTIONS = ("kaplan_meier", "logrank", "binom_ci", "binom_test", "fisher_exact", "chi2_test")

_ECDF_METHOD = {"plain": "linear", "log-log": "log-log"}
_CI_METHOD = {"clopper-pearson": "exact", "wilson": "wilson", "wilson-cc": "wilsoncc"}
_ALTERNATIVES = ("two-sided", "less", "greater")
MONTE_CARLO_SEED = 0


def unavailable_reason() -> str | None:
    """Always ``None``: scipy is one of crossval's own dependencies."""
    return None


def versions() -> dict[str, str]:
    """scipy and numpy versions."""
    import scipy

    return {"scipy": scipy.__version__, "numpy": np.__version__}


def _wrap(result: Any, reported: list[str], call: str,
          record: list[_warnings.WarningMessage]) -> EngineResult[Any]:
    return EngineResult(result, engine=NAME, versions=versions(), reported=reported,
                        warnings=messages(record), call=call)


def _censored(t: Any, e: Any) -> Any:
    from scipy import stats

    return stats.CensoredData(uncensored=t[e == 1], right=t[e == 0])


def kaplan_meier(
    time: Any, event: Any, *, conf_type: str = "plain", conf_level: float = 0.95
) -> EngineResult[KaplanMeierResult]:
    """scipy ``ecdf(CensoredData(...)).sf`` with ``confidence_interval(method=...)``.

    R equivalent: ``survfit(Surv(time, event) ~ 1, conf.type = "plain" or
    "log-log", timefix = FALSE)`` (Kaplan & Meier 1958; Greenwood 1926).
    """
    from scipy import stats

    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    check_same_length(time=t, event=e)
    ctype = check_option("conf_type", conf_type, CONF_TYPES)
    if ctype not in _ECDF_METHOD and ctype != "none":
        raise EngineUnsupportedError(
            f"scipy's ecdf offers only 'linear' (plain) and 'log-log' intervals; "
            f"not conf_type={ctype!r}"
        )
    level = check_conf_level(conf_level)
    with recording_warnings() as record:
        sf = stats.ecdf(_censored(t, e)).sf
        surv = np.asarray(sf.probabilities, dtype=float)
        nan_rows = np.full(surv.shape, math.nan)
        lower, upper = nan_rows, nan_rows
        if ctype != "none":
            ci = sf.confidence_interval(level, method=_ECDF_METHOD[ctype])
            lower = np.asarray(ci.low.probabilities, dtype=float)
            upper = np.asarray(ci.high.probabilities, dtype=float)
    zeros = np.zeros(surv.shape)
    result = KaplanMeierResult(
        time=frozen_array(np.asarray(sf.quantiles, dtype=float)),
        n_risk=frozen_array(zeros, np.int64), n_event=frozen_array(zeros, np.int64),
        n_censor=frozen_array(zeros, np.int64), survival=frozen_array(surv),
        std_err=frozen_array(nan_rows), lower=frozen_array(lower), upper=frozen_array(upper),
        median=math.nan, median_ci=ConfidenceInterval(math.nan, math.nan), conf_type=ctype,
        conf_level=level, median_rule="r", n=int(t.size), n_events=int(e.sum()),
    )
    reported = ["time", "survival", "conf_type", "conf_level", "n", "n_events"]
    call = "ecdf(CensoredData(uncensored=..., right=...)).sf"
    if ctype != "none":
        reported += ["lower", "upper"]
        call += f".confidence_interval({level!r}, method={_ECDF_METHOD[ctype]!r})"
    return _wrap(result, reported, call, record)


def logrank(
    time: Any, event: Any, group: Any, *, strata: Any = None, rho: float = 0.0
) -> EngineResult[LogRankResult]:
    """scipy ``logrank(x, y)`` for two groups; ``statistic`` is z squared.

    R equivalent: ``survdiff(Surv(time, event) ~ group)`` with two groups,
    without R's time fix (Mantel 1966).
    """
    from scipy import stats

    if strata is not None:
        raise EngineUnsupportedError("scipy's logrank has no strata")
    if rho != 0:
        raise EngineUnsupportedError("scipy's logrank has no G-rho weights (rho must be 0)")
    t = as_float_array("time", time, nonnegative=True)
    e = as_event_array("event", event)
    g = as_label_array("group", group)
    check_same_length(time=t, event=e, group=g)
    labels = np.unique(g)
    if labels.size != 2:
        raise EngineUnsupportedError(
            f"scipy's logrank compares two samples; group has {labels.size} values"
        )
    first = g == labels[0]
    with recording_warnings() as record:
        res = stats.logrank(_censored(t[first], e[first]), _censored(t[~first], e[~first]))
    nan2 = np.full(2, math.nan)
    result = LogRankResult(
        statistic=float(res.statistic) ** 2, df=1, p_value=float(res.pvalue),
        groups=frozen_array(labels, labels.dtype), n=frozen_array(np.zeros(2), np.int64),
        observed=frozen_array(nan2), expected=frozen_array(nan2),
        variance=frozen_array(np.full((2, 2), math.nan)), rho=0.0,
    )
    return _wrap(result, ["statistic", "df", "p_value", "rho"],
                 "logrank(CensoredData(group 1), CensoredData(group 2)); statistic ** 2",
                 record)


def binom_ci(
    x: Any, n: Any, *, method: str = "clopper-pearson", conf_level: float = 0.95
) -> EngineResult[ConfidenceInterval]:
    """scipy ``binomtest(x, n).proportion_ci(confidence_level, method=...)``.

    R equivalents: ``binom.test`` (exact = clopper-pearson; Clopper & Pearson
    1934), ``prop.test(correct = FALSE)`` (wilson; Wilson 1927); ``wilsoncc``
    is Newcombe's (1998) interval with a correction of 1/2.
    """
    from scipy import stats

    if method not in _CI_METHOD:
        raise EngineUnsupportedError(
            f"scipy's proportion_ci has no {method!r} interval; it has "
            + ", ".join(_CI_METHOD)
        )
    level = check_conf_level(conf_level)
    xi, ni = as_count("x", x), as_count("n", n)
    with recording_warnings() as record:
        ci = stats.binomtest(xi, ni).proportion_ci(level, method=_CI_METHOD[method])
    return _wrap(ConfidenceInterval(float(ci.low), float(ci.high)), ["low", "high"],
                 f"binomtest({xi}, {ni}).proportion_ci({level!r}, "
                 f"method={_CI_METHOD[method]!r})", record)


def binom_test(
    x: Any, n: Any, p: float = 0.5, *, alternative: str = "two-sided",
    conf_level: float = 0.95,
) -> EngineResult[BinomTestResult]:
    """scipy ``binomtest(x, n, p, alternative)`` with its exact ``proportion_ci``.

    R equivalent: ``binom.test(x, n, p, alternative)``.
    """
    from scipy import stats

    alt = check_option("alternative", alternative, _ALTERNATIVES)
    level = check_conf_level(conf_level)
    xi, ni = as_count("x", x), as_count("n", n)
    with recording_warnings() as record:
        res = stats.binomtest(xi, ni, p, alternative=alt)
        ci = res.proportion_ci(level)
    result = BinomTestResult(
        x=xi, n=ni, p=float(p), p_value=float(res.pvalue), estimate=float(res.statistic),
        conf_int=ConfidenceInterval(float(ci.low), float(ci.high)), alternative=alt,
        two_sided_rule="r", conf_level=level,
    )
    reported = ["x", "n", "p", "p_value", "estimate", "conf_int", "alternative",
                "two_sided_rule", "conf_level"]
    return _wrap(result, reported,
                 f"binomtest({xi}, {ni}, {p!r}, alternative={alt!r}); proportion_ci({level!r})",
                 record)


def fisher_exact(
    table: Any, *, alternative: str = "two-sided", conf_level: float = 0.95
) -> EngineResult[FisherResult]:
    """scipy ``fisher_exact(table)`` and ``contingency.odds_ratio(table)`` (2x2).

    R equivalent: ``fisher.test(table)`` (Fisher 1935); the conditional MLE
    and interval as Cornfield (1956). Larger tables: Monte Carlo p-value.
    """
    from scipy import stats

    alt = check_option("alternative", alternative, _ALTERNATIVES)
    level = check_conf_level(conf_level)
    arr = np.asarray(table)
    with recording_warnings() as record:
        if arr.shape == (2, 2):
            res = stats.fisher_exact(arr, alternative=alt)
            cond = stats.contingency.odds_ratio(arr)
            ci = cond.confidence_interval(level, alternative=alt)
            result = FisherResult(
                p_value=float(res.pvalue), odds_ratio=float(cond.statistic),
                sample_odds_ratio=float(res.statistic),
                or_ci=ConfidenceInterval(float(ci.low), float(ci.high)),
                alternative=alt, conf_level=level,
            )
            reported = ["p_value", "odds_ratio", "sample_odds_ratio", "or_ci", "alternative",
                        "conf_level"]
            call = (f"fisher_exact(table, alternative={alt!r}); odds_ratio(table)"
                    f".confidence_interval({level!r}, alternative={alt!r})")
        else:
            if alt != "two-sided":
                raise EngineUnsupportedError(
                    "scipy's fisher_exact has only the two-sided test for tables larger than 2x2"
                )
            method = stats.MonteCarloMethod(rng=np.random.default_rng(MONTE_CARLO_SEED))
            res = stats.fisher_exact(arr, method=method)
            result = FisherResult(p_value=float(res.pvalue), odds_ratio=None,
                                  sample_odds_ratio=None, or_ci=None, alternative=alt,
                                  conf_level=level)
            reported = ["p_value", "alternative"]
            call = (f"fisher_exact(table, method=MonteCarloMethod("
                    f"rng=default_rng({MONTE_CARLO_SEED})))")
    return _wrap(result, reported, call, record)


def chi2_test(table: Any, *, correction: bool = True) -> EngineResult[Chi2Result]:
    """scipy ``chi2_contingency(table, correction=correction)``.

    R equivalent: ``chisq.test(table, correct = correction)`` (Pearson 1900;
    Yates 1934 when df = 1).
    """
    from scipy import stats

    arr = np.asarray(table)
    with recording_warnings() as record:
        res = stats.chi2_contingency(arr, correction=bool(correction))
    result = Chi2Result(
        statistic=float(res.statistic), df=int(res.dof), p_value=float(res.pvalue),
        expected=frozen_array(res.expected_freq),
        correction=bool(correction) and int(res.dof) == 1, warning=None,
    )
    return _wrap(result, ["statistic", "df", "p_value", "expected", "correction"],
                 f"chi2_contingency(table, correction={bool(correction)!r})", record)
