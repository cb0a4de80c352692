"""Method defaults across R, SAS, lifelines, statsmodels and scipy, as data.

Two systems given "the same" analysis differ most often not in arithmetic
but in defaults: the transform of a survival interval, the handling of tied
death times, the rule for a two-sided exact p-value. :data:`SETTINGS` is one
table of those defaults, each row naming the system's own spelling, the
crossval option value that reproduces it and where it is documented.
``crossval.dialect(system)`` turns the table into an object whose methods
are crossval's own functions with that system's defaults::

    crossval.dialect("sas").kaplan_meier(time, event)   # conf_type="log-log", median_rule="sas"
    crossval.dialect("sas").cox_ph(time, event, x)      # ties="breslow"

Options passed explicitly always win over the dialect's defaults. Rows with
``applies=False`` document a convention crossval has no option for (which
rows an engine lists, its convergence criterion); they are in the table so
``docs/dialects.md`` (generated from it by ``tools/generate_dialect_table.py``)
shows them, but a dialect cannot change them. crossval always iterates Cox
fits to machine precision, whatever the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossval.errors import InputError
from crossval.stats._validate import check_option
from crossval.stats.registry import FUNCTION_NAMES, stats_function

SYSTEMS: tuple[str, ...] = ("r", "sas", "lifelines", "statsmodels", "scipy")
SYSTEM_LABELS: dict[str, str] = {
    "r": "R 4.2 with survival 3.5",
    "sas": "SAS/STAT as its User's Guide documents LIFETEST, PHREG and FREQ",
    "lifelines": "lifelines 0.30",
    "statsmodels": "statsmodels 0.15",
    "scipy": "scipy.stats 1.17",
}
# The functions the table covers: all of crossval's cross-checked ones.
FUNCTIONS: tuple[str, ...] = FUNCTION_NAMES


@dataclass(frozen=True)
class Setting:
    """One system's default for one aspect of one crossval function.

    ``value`` is the crossval option value that reproduces the system's
    default (``None``: the system has no such function). ``applies`` says
    whether ``dialect(system)`` passes ``option=value`` to crossval;
    documentation-only rows describe the convention in ``native``.
    """

    function: str
    option: str
    system: str
    value: str | float | bool | None
    native: str
    note: str = ""
    source: str = ""
    applies: bool = True


_LIFETEST = "SAS/STAT User's Guide, The LIFETEST Procedure"
_PHREG = "SAS/STAT User's Guide, The PHREG Procedure, MODEL statement"
_FREQ = "SAS/STAT User's Guide, The FREQ Procedure"


def _row(function: str, option: str, applies: bool = True,
         **systems: tuple[Any, ...]) -> list[Setting]:
    rows = []
    for system in SYSTEMS:
        value, native, *rest = systems[system]
        note = rest[0] if rest else ""
        source = rest[1] if len(rest) > 1 else ""
        rows.append(Setting(function, option, system, value, native, note, source, applies))
    return rows


_NONE = (None, "—", "no such function")

SETTINGS: tuple[Setting, ...] = tuple([
    # ---------------------------------------------------------- Kaplan-Meier
    *_row(
        "kaplan_meier", "conf_type",
        r=("log", 'survfit(conf.type = "log")', "", "survival: ?survfit.formula"),
        sas=("log-log", "PROC LIFETEST CONFTYPE=LOGLOG",
             "pointwise limits and the quartile intervals", f"{_LIFETEST}, CONFTYPE= option"),
        lifelines=("log-log", "KaplanMeierFitter, log-log only",
                   "the only interval it computes; [1, 1] where S = 1 and [0, 0] where S = 0 "
                   "(R: NA)", "lifelines KaplanMeierFitter._bounds"),
        statsmodels=("log-log", 'SurvfuncRight.quantile_ci(method="cloglog")',
                     "the median interval only: no pointwise limits",
                     "statsmodels SurvfuncRight.quantile_ci"),
        scipy=("plain", 'ecdf(...).sf.confidence_interval(method="linear")',
               "'log-log' is its only other choice",
               "scipy.stats.EmpiricalDistributionFunction.confidence_interval"),
    ),
    *_row(
        "kaplan_meier", "median_rule",
        r=("r", "quantile.survfit", "midpoint where S is flat at exactly 0.5",
           "docs/median-rules.md"),
        sas=("sas", "LIFETEST quartile estimates",
             "first event time with S < 0.5; Brookmeyer-Crowley interval", "docs/median-rules.md"),
        lifelines=("r", "median_survival_time_, median_survival_times(confidence_interval_)",
                   "nearest: first time S <= 0.5, with no midpoint where S is flat at exactly "
                   "0.5; not reached is inf", "lifelines.utils.qth_survival_time"),
        statsmodels=("sas", "SurvfuncRight.quantile(0.5), quantile_ci(0.5)",
                     "nearest: first event time with S < 0.5, with no midpoint where S is flat "
                     "at exactly 0.5; an open upper limit is inf",
                     "statsmodels SurvfuncRight.quantile"),
        scipy=(None, "—", "ecdf computes no median"),
    ),
    *_row(
        "kaplan_meier", "timefix",
        r=(True, "survfit(timefix = TRUE)", "times equal up to round-off are merged (aeqSurv)",
           "survival: ?aeqSurv"),
        sas=(False, "—", "no merging of nearly equal times is documented"),
        lifelines=(False, "—", "times are used as given"),
        statsmodels=(False, "—", "times are used as given"),
        scipy=(False, "—", "times are used as given"),
    ),
    *_row(
        "kaplan_meier", "rows", applies=False,
        r=(None, "every distinct time (events and censorings)"),
        sas=(None, "every observed time (events and censorings)"),
        lifelines=(None, "every distinct time, plus a row at time 0"),
        statsmodels=(None, "event times only"),
        scipy=(None, "every distinct time"),
    ),
    # -------------------------------------------------------------- log-rank
    *_row(
        "logrank", "rho",
        r=(0.0, "survdiff(rho = 0)", "", "survival: ?survdiff"),
        sas=(0.0, "PROC LIFETEST STRATA / TEST=LOGRANK",
             "one of the tests LIFETEST prints by default", f"{_LIFETEST}, STRATA statement"),
        lifelines=(0.0, "multivariate_logrank_test(weightings=None)", "no strata"),
        statsmodels=(0.0, "survdiff(weight_type=None)", "reports the statistic and p only"),
        scipy=(0.0, "logrank(x, y)",
               "two samples only, no strata; its statistic is the signed z (chi-square = z**2)",
               "scipy.stats.logrank"),
    ),
    *_row(
        "logrank", "timefix",
        r=(True, "survdiff (always, through its model frame)", "", "survival: ?aeqSurv"),
        sas=(False, "—", "no merging of nearly equal times is documented"),
        lifelines=(False, "—", "times are used as given"),
        statsmodels=(False, "—", "times are used as given"),
        scipy=(False, "—", "times are used as given"),
    ),
    # -------------------------------------------------------------------- Cox
    *_row(
        "cox_ph", "ties",
        r=("efron", 'coxph(ties = "efron")', "", "survival: ?coxph"),
        sas=("breslow", "PROC PHREG MODEL / TIES=BRESLOW", "TIES=DISCRETE is crossval's 'exact'",
             f"{_PHREG}, TIES= option"),
        lifelines=("efron", "CoxPHFitter, Efron only", "no option",
                   "lifelines CoxPHFitter"),
        statsmodels=("breslow", 'PHReg(ties="breslow")', "'efron' is its only other choice",
                     "statsmodels PHReg"),
        scipy=_NONE,
    ),
    *_row(
        "cox_ph", "timefix",
        r=(True, "coxph.control(timefix = TRUE)", "", "survival: ?coxph.control"),
        sas=(False, "—", "no merging of nearly equal times is documented"),
        lifelines=(False, "—", "times are used as given"),
        statsmodels=(False, "—", "times are used as given"),
        scipy=_NONE,
    ),
    *_row(
        "cox_ph", "convergence", applies=False,
        r=(None, "relative change of log L <= 1e-9 (coxph.control eps), at most 20 iterations",
           "", "survival: ?coxph.control"),
        sas=(None, "GCONV=1E-8: relative gradient g' H^-1 g / |log L| < 1e-8",
             "Newton-Raphson", f"{_PHREG}, GCONV= option"),
        lifelines=(None, "step norm < 1e-7 or relative change of log L < 1e-9, at most 500 "
                   "steps", "on standardised covariates",
                   "lifelines CoxPHFitter._newton_raphson_for_efron_model"),
        statsmodels=(None, "Newton-Raphson until no parameter moves by more than 1e-8, at most "
                     "100 iterations", "", "statsmodels LikelihoodModel.fit (newton)"),
        scipy=_NONE,
    ),
    # --------------------------------------------------------------- binomial
    *_row(
        "binom_ci", "method",
        r=("clopper-pearson", "binom.test(x, n)$conf.int",
           "prop.test(x, n) gives 'wilson-cc'", "stats: ?binom.test"),
        sas=("wald", "PROC FREQ TABLES / BINOMIAL",
             "Wald limits, printed with the exact (Clopper-Pearson) limits",
             f"{_FREQ}, Binomial Proportion"),
        lifelines=_NONE,
        statsmodels=("wald", 'proportion_confint(method="normal")', "clipped to [0, 1]",
                     "statsmodels.stats.proportion.proportion_confint"),
        scipy=("clopper-pearson", 'binomtest(x, n).proportion_ci(method="exact")', "",
               "scipy.stats.binomtest"),
    ),
    *_row(
        "binom_test", "two_sided_rule",
        r=("r", "binom.test(x, n, p)", "sum of outcomes no more likely than the observed one",
           "stats: ?binom.test"),
        sas=("sas", "PROC FREQ TABLES / BINOMIAL; EXACT BINOMIAL",
             "twice the one-sided p in the direction of the observed proportion, at most 1",
             f"{_FREQ}, Binomial Proportion (exact test)"),
        lifelines=_NONE,
        statsmodels=("r", "binom_test(x, n, prop)", "two-sided through scipy's binomtest",
                     "statsmodels.stats.proportion.binom_test"),
        scipy=("r", "binomtest(x, n, p)", "the same rule and tolerance (1 + 1e-7) as R",
               "scipy.stats.binomtest"),
    ),
    # ------------------------------------------------------------ contingency
    *_row(
        "fisher_exact", "odds_ratio", applies=False,
        r=(None, "conditional MLE (crossval odds_ratio)", "", "stats: ?fisher.test"),
        sas=(None, "sample odds ratio (crossval sample_odds_ratio)",
             "exact conditional limits with EXACT OR", f"{_FREQ}, Odds Ratio"),
        lifelines=_NONE,
        statsmodels=(None, "no Fisher test; Table2x2.oddsratio is the sample odds ratio"),
        scipy=(None, "fisher_exact: sample odds ratio; contingency.odds_ratio: conditional MLE",
               "", "scipy.stats.fisher_exact, scipy.stats.contingency.odds_ratio"),
    ),
    *_row(
        "fisher_exact", "larger tables", applies=False,
        r=(None, "exact p (FEXACT network algorithm)"),
        sas=(None, "exact p (EXACT FISHER)"),
        lifelines=_NONE,
        statsmodels=(None, "no Fisher test"),
        scipy=(None, "Monte Carlo estimate of p (9999 tables) by default"),
    ),
    *_row(
        "chi2_test", "correction",
        r=(True, "chisq.test(correct = TRUE)", "Yates, 2x2 tables only", "stats: ?chisq.test"),
        sas=(False, "PROC FREQ TABLES / CHISQ",
             "the Chi-Square row is uncorrected; Continuity Adj. Chi-Square is printed too",
             f"{_FREQ}, Chi-Square Tests and Statistics"),
        lifelines=_NONE,
        statsmodels=(False, "Table(table).test_nominal_association()",
                     "Table replaces every 0 cell by 0.5 (shift_zeros=True)",
                     "statsmodels.stats.contingency_tables.Table"),
        scipy=(True, "chi2_contingency(correction=True)", "Yates, df = 1 only",
               "scipy.stats.chi2_contingency"),
    ),
])

# Which crossval functions each system has at all.
SYSTEM_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "r": FUNCTIONS,
    "sas": FUNCTIONS,
    "lifelines": ("kaplan_meier", "logrank", "cox_ph"),
    "statsmodels": ("kaplan_meier", "logrank", "cox_ph", "binom_ci", "binom_test",
                    "chi2_test"),
    "scipy": ("kaplan_meier", "logrank", "binom_ci", "binom_test", "fisher_exact",
              "chi2_test"),
}


def settings(system: str | None = None, function: str | None = None) -> tuple[Setting, ...]:
    """Rows of :data:`SETTINGS`, for one system and/or one function."""
    if system is not None:
        check_option("system", system, SYSTEMS)
    if function is not None:
        check_option("function", function, FUNCTIONS)
    return tuple(
        s for s in SETTINGS
        if (system is None or s.system == system) and (function is None or s.function == function)
    )


@dataclass(frozen=True)
class Dialect:
    """crossval's functions with one system's defaults (get it from :func:`dialect`)."""

    system: str

    @property
    def label(self) -> str:
        """The system's name and the versions the table describes."""
        return SYSTEM_LABELS[self.system]

    def defaults(self, function: str) -> dict[str, Any]:
        """The crossval options this dialect passes to ``function``."""
        self._check_has(function)
        return {
            s.option: s.value for s in settings(self.system, function)
            if s.applies and s.value is not None
        }

    def _check_has(self, function: str) -> None:
        check_option("function", function, FUNCTIONS)
        offered = SYSTEM_FUNCTIONS[self.system]
        if function not in offered:
            raise InputError(
                f"{self.system} has no equivalent of crossval's {function}; "
                f"dialect({self.system!r}) offers {', '.join(offered)}"
            )

    def _call(self, function: str, args: tuple[Any, ...], options: dict[str, Any]) -> Any:
        return stats_function(function)(*args, **{**self.defaults(function), **options})

    def kaplan_meier(self, time: Any, event: Any, **options: Any) -> Any:
        """``crossval.kaplan_meier`` with this system's conf_type, median rule and time fix.

        R equivalent for ``dialect("r")``: ``survfit(Surv(time, event) ~ 1)``;
        for the others see docs/dialects.md.
        """
        return self._call("kaplan_meier", (time, event), options)

    def logrank(self, time: Any, event: Any, group: Any, **options: Any) -> Any:
        """``crossval.logrank`` with this system's defaults (R: ``survdiff``)."""
        return self._call("logrank", (time, event, group), options)

    def cox_ph(self, time: Any, event: Any, covariates: Any, **options: Any) -> Any:
        """``crossval.cox_ph`` with this system's tie handling and time fix (R: ``coxph``)."""
        return self._call("cox_ph", (time, event, covariates), options)

    def binom_ci(self, x: Any, n: Any, **options: Any) -> Any:
        """``crossval.binom_ci`` with this system's default interval (R: ``binom.test``)."""
        return self._call("binom_ci", (x, n), options)

    def binom_test(self, x: Any, n: Any, p: float = 0.5, **options: Any) -> Any:
        """``crossval.binom_test`` with this system's two-sided rule (R: ``binom.test``)."""
        return self._call("binom_test", (x, n, p), options)

    def fisher_exact(self, table: Any, **options: Any) -> Any:
        """``crossval.fisher_exact`` (R: ``fisher.test``); see the table for which odds ratio."""
        return self._call("fisher_exact", (table,), options)

    def chi2_test(self, table: Any, **options: Any) -> Any:
        """``crossval.chi2_test`` with this system's continuity correction (R: ``chisq.test``)."""
        return self._call("chi2_test", (table,), options)


def dialect(system: str) -> Dialect:
    """crossval's functions with the defaults of ``system``: r, sas, lifelines, statsmodels, scipy.

    Reference: the defaults and their sources are :data:`SETTINGS`, rendered
    in docs/dialects.md.
    """
    return Dialect(check_option("system", system, SYSTEMS))
