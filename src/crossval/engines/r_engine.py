"""R as an engine: the live R oracle under the same interface as the other adapters.

The functions are those of :mod:`crossval.rbridge.oracle` (R's ``survival``
and ``stats`` through rpy2, returning crossval's dataclasses); this module
only gives them the engine interface the registry and ``crossval
crosscheck`` use. Starting R is deferred to the first call.

R's conventions are the reference crossval is built to reproduce (see
docs/api-contract.md), with these notes:

- ``survfit`` defaults to ``conf.type = "log"``; ``quantile.survfit`` takes
  the midpoint of a stretch where S is flat at exactly 0.5 (docs/median-rules.md).
- ``coxph`` defaults to ``ties = "efron"`` and stops when the relative
  change of the log-likelihood is <= 1e-9; the oracle calls it with
  ``eps = 1e-12, iter.max = 100`` so R's answer is its maximiser to ~1e-10.
- ``chisq.test`` defaults to Yates' correction for 2x2 tables (crossval's
  ``chi2_test`` does not); ``fisher.test`` reports the conditional MLE of
  the odds ratio, solved with ``uniroot``'s tolerance (~1e-4).
- ``binom.test`` gives the Clopper-Pearson interval and ``prop.test`` the
  Wilson interval (with min(1/2, |x - n/2|) continuity correction by
  default); base R has no other binomial interval.
"""

from __future__ import annotations

from crossval.rbridge.oracle import (
    r_binom_ci as binom_ci,
)
from crossval.rbridge.oracle import (
    r_binom_test as binom_test,
)
from crossval.rbridge.oracle import (
    r_chi2_test as chi2_test,
)
from crossval.rbridge.oracle import (
    r_cox_ph as cox_ph,
)
from crossval.rbridge.oracle import (
    r_fisher_exact as fisher_exact,
)
from crossval.rbridge.oracle import (
    r_kaplan_meier as kaplan_meier,
)
from crossval.rbridge.oracle import (
    r_logrank as logrank,
)

NAME = "R"
FUNCTIONS = ("kaplan_meier", "logrank", "cox_ph", "binom_ci", "binom_test", "fisher_exact",
             "chi2_test")

__all__ = ["FUNCTIONS", "NAME", "binom_ci", "binom_test", "chi2_test", "cox_ph",
           "fisher_exact", "kaplan_meier", "logrank", "unavailable_reason", "versions"]


def unavailable_reason() -> str | None:
    """``None`` when R with survival loads through rpy2 (this starts R), else why not."""
    from crossval.rbridge.session import r_unavailable_reason

    return r_unavailable_reason()


def versions() -> dict[str, str]:
    """R, survival and rpy2 versions (starts R)."""
    from crossval.rbridge.oracle import r_versions

    return r_versions()
