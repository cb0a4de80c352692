"""crossval: clinical-trial statistics checked against R and against what papers report.

The statistics functions are imported on first use, so ``import crossval`` is
cheap and never starts R.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossval._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "kaplan_meier": "crossval.stats.kaplan_meier",
    "KaplanMeierResult": "crossval.stats.kaplan_meier",
    "logrank": "crossval.stats.logrank",
    "LogRankResult": "crossval.stats.logrank",
    "cox_ph": "crossval.stats.cox",
    "CoxResult": "crossval.stats.cox",
    "binom_ci": "crossval.stats.binomial",
    "binom_test": "crossval.stats.binomial",
    "BinomTestResult": "crossval.stats.binomial",
    "fisher_exact": "crossval.stats.contingency",
    "FisherResult": "crossval.stats.contingency",
    "chi2_test": "crossval.stats.contingency",
    "Chi2Result": "crossval.stats.contingency",
    "g_test": "crossval.stats.contingency",
    "GTestResult": "crossval.stats.contingency",
    "ConfidenceInterval": "crossval.stats.interval",
    "CrossvalError": "crossval.errors",
    "InputError": "crossval.errors",
    "InputTypeError": "crossval.errors",
    "RError": "crossval.errors",
    "RUnavailableError": "crossval.errors",
    "dialect": "crossval.dialects",
}

__all__ = [
    "BinomTestResult",
    "Chi2Result",
    "ConfidenceInterval",
    "CoxResult",
    "CrossvalError",
    "FisherResult",
    "GTestResult",
    "InputError",
    "InputTypeError",
    "KaplanMeierResult",
    "LogRankResult",
    "RError",
    "RUnavailableError",
    "__version__",
    "binom_ci",
    "binom_test",
    "chi2_test",
    "cox_ph",
    "dialect",
    "fisher_exact",
    "g_test",
    "kaplan_meier",
    "logrank",
]

if TYPE_CHECKING:
    from crossval.dialects import dialect
    from crossval.errors import (
        CrossvalError,
        InputError,
        InputTypeError,
        RError,
        RUnavailableError,
    )
    from crossval.stats.binomial import BinomTestResult, binom_ci, binom_test
    from crossval.stats.contingency import (
        Chi2Result,
        FisherResult,
        GTestResult,
        chi2_test,
        fisher_exact,
        g_test,
    )
    from crossval.stats.cox import CoxResult, cox_ph
    from crossval.stats.interval import ConfidenceInterval
    from crossval.stats.kaplan_meier import KaplanMeierResult, kaplan_meier
    from crossval.stats.logrank import LogRankResult, logrank


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), __all__)
