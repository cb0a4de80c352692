"""Per-quantity tolerances for comparing crossval with R.

The numbers are the agreement crossval promises (see README, "Agreement with
R"). Where crossval and R differ on purpose, the tolerance carries the name of
the convention, so a report can say *why* a difference is allowed instead of
just allowing it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """How close two values of one quantity must be.

    ``rel`` bounds ``|a - b| / max(|a|, |b|)``; ``exact`` asks for equality (counts,
    times, medians); ``informational`` quantities are reported but never fail
    (e.g. Newton-Raphson iteration counts, which depend on the stopping rule).
    ``convention`` names a documented reason the two engines legitimately differ.
    """

    rel: float = 0.0
    exact: bool = False
    informational: bool = False
    convention: str | None = None
    # When set, values are compared on the scale R's uniroot searched
    # (v below 1, 1/v above 1) with this absolute bound instead of ``rel``.
    uniroot_abs: float | None = None
    # Elements that differ by at most ``abs`` (times crossval's own field
    # ``abs_per`` when one is named: a coefficient's standard error, say)
    # agree whatever their relative difference. A quantity that is exactly 0
    # in theory comes out of each engine as round-off of either sign (a Cox
    # coefficient 0 by symmetry: crossval 0.0, R 1.7e-16), where every
    # relative difference is 1.
    abs: float = 0.0
    abs_per: str | None = None


EXACT = Tolerance(exact=True)
NEAR_MACHINE = Tolerance(rel=1e-9)
# A chi-square statistic is 0 when observed equals expected (two identical
# groups), where each engine leaves round-off of its own.
CHI_SQUARE = Tolerance(rel=1e-9, abs=1e-12)
# A p-value in the subnormal range (below 2.2e-308) is 0 up to underflow:
# one engine returns 1e-323 where another has flushed it to 0.
SUBNORMAL = sys.float_info.min
P_VALUE = Tolerance(rel=1e-9, abs=SUBNORMAL)
INFO = Tolerance(informational=True)

# R's fisher.test solves the conditional MLE and its limits with uniroot's
# default tol (.Machine$double.eps^0.25 ~ 1.2e-4), searching t in (0, 1) for
# values below 1 and 1/t for values above 1. An upper limit of 600 is therefore
# only known to about 600^2 * 1.2e-4: the tolerance has to live on R's scale.
# crossval converges to machine precision and is checked tightly against the
# same equations re-solved by the reference generator (FISHER_REFINED).
FISHER_UNIROOT = Tolerance(
    uniroot_abs=2.5e-4,
    convention="R fisher.test solves the conditional MLE and its limits with uniroot's "
    "default tolerance (~1.2e-4 on t or 1/t); crossval converges tightly",
)
# coxph's default convergence (eps = 1e-9 on the log-likelihood) leaves the
# coefficients accurate to ~1e-8..1e-6; reference cases fitted at R's defaults
# are compared at this looser level and say so.
COX_R_DEFAULT_EPS = Tolerance(
    rel=1e-4,
    convention="R coxph stopped at its default eps = 1e-9 on the log-likelihood; "
    "crossval iterates to machine precision",
)

# With a zero row or column margin the conditional distribution of the table is
# a single point, so the conditional MLE of the odds ratio does not exist. R's
# fisher.test returns 0 (its code tests x == lo before x == hi); crossval
# returns nan and the interval [0, inf].
FISHER_ZERO_MARGIN = Tolerance(
    informational=True,
    convention="zero margin: the conditional odds-ratio MLE is undefined; "
    "R reports 0, crossval nan",
)
# The reference file also stores R's conditional equations re-solved tightly
# (r_refined), which crossval must match closely.
FISHER_REFINED = Tolerance(rel=1e-9)

TOLERANCES: dict[str, dict[str, Tolerance]] = {
    "kaplan_meier": {
        "time": EXACT,
        "n_risk": EXACT,
        "n_event": EXACT,
        "n_censor": EXACT,
        "survival": NEAR_MACHINE,
        "std_err": NEAR_MACHINE,
        "lower": NEAR_MACHINE,
        "upper": NEAR_MACHINE,
        "median": EXACT,
        "median_ci": EXACT,
    },
    "logrank": {
        "statistic": CHI_SQUARE,
        "p_value": P_VALUE,
        "df": EXACT,
        "n": EXACT,
        # Weighted (rho > 0) observed counts are sums of weights, not integers.
        "observed": NEAR_MACHINE,
        "expected": NEAR_MACHINE,
        "variance": NEAR_MACHINE,
    },
    "cox_ph": {
        "coef": Tolerance(rel=1e-7, abs=1e-12, abs_per="se"),
        "hazard_ratio": Tolerance(rel=1e-7),
        "se": Tolerance(rel=1e-6),
        "hr_ci": Tolerance(rel=1e-6),
        "z": Tolerance(rel=1e-6, abs=1e-12),
        "p_value": Tolerance(rel=1e-6, abs=SUBNORMAL),
        "loglik": Tolerance(rel=1e-9),
        "wald": Tolerance(rel=1e-6, abs=1e-12),
        "score": Tolerance(rel=1e-6, abs=1e-12),
        # twice a difference of log-likelihoods: round-off of their size
        "lrt": Tolerance(rel=1e-6, abs=1e-12, abs_per="loglik"),
        "robust_se": Tolerance(rel=1e-6),
        "df": EXACT,
        "n": EXACT,
        "n_events": EXACT,
        "iterations": INFO,
    },
    "binom_ci": {"low": NEAR_MACHINE, "high": NEAR_MACHINE},
    "binom_test": {"p_value": P_VALUE, "estimate": NEAR_MACHINE, "conf_int": NEAR_MACHINE},
    "fisher_exact": {
        "p_value": P_VALUE,
        "odds_ratio": FISHER_UNIROOT,
        "or_ci": FISHER_UNIROOT,
    },
    "chi2_test": {
        "statistic": CHI_SQUARE,
        "p_value": P_VALUE,
        "df": EXACT,
        "expected": NEAR_MACHINE,
    },
}


def tolerance_for(
    function: str,
    quantity: str,
    *,
    r_default_eps: bool = False,
    zero_margin: bool = False,
    refined: bool = False,
) -> Tolerance:
    """The tolerance for ``quantity`` of ``function``; unknown quantities are informational.

    ``zero_margin`` and ``refined`` select the Fisher odds-ratio conventions above;
    ``r_default_eps`` the looser Cox tolerance for fits R stopped at its default eps.
    """
    if function == "fisher_exact" and quantity in {"odds_ratio", "or_ci"}:
        if zero_margin and quantity == "odds_ratio":
            return FISHER_ZERO_MARGIN
        if refined:
            return FISHER_REFINED
    if r_default_eps and function == "cox_ph" and quantity in {
        "coef", "hazard_ratio", "se", "hr_ci", "z", "p_value", "wald", "lrt", "robust_se", "loglik"
    }:
        return COX_R_DEFAULT_EPS
    return TOLERANCES.get(function, {}).get(quantity, INFO)
