"""Golden numbers of crossval's own results on the reference datasets.

Each test runs one or more cases of reference/r-reference.json through
crossval and compares every numeric field of the result (not only those R
reports) with tests/test_snapshot/<test>.json. A change to a method fails here
with the list of numbers that moved, by how much; if the change is intended,
re-run with ``--crossval-regen`` and review the diff of the golden files.

Agreement with R is checked elsewhere (tests/test_validate.py); these files
hold what crossval computed when they were last reviewed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest

from crossval.compare.reference_cases import ReferenceCase, load_reference
from crossval.testing.snapshot import StatsSnapshot

# Newton-Raphson (Cox) and root-finding (Fisher's conditional MLE and its
# interval) stop at machine precision, so a different BLAS or scipy may move
# their last digits; a method change moves them far more than this.
ITERATIVE = 1e-10


@cache
def cases() -> Mapping[str, ReferenceCase]:
    return {c.id: c for c in load_reference().cases}


def run(case_id: str, **options: Any) -> Any:
    """crossval's result for a reference case, with options changed as given."""
    if case_id not in cases():
        pytest.fail(f"reference case {case_id!r} is no longer in reference/r-reference.json")
    case = cases()[case_id]
    if options:
        case = dataclasses.replace(case, options={**case.options, **options})
    return case.run()


@pytest.mark.parametrize(
    ("case_id", "options"),
    [
        pytest.param("kaplan_meier/aml/conf_type=log/conf_level=0.95", {}, id="aml-log"),
        pytest.param(
            "kaplan_meier/aml/conf_type=log/conf_level=0.95", {"median_rule": "sas"},
            id="aml-log-sas-median",
        ),
        pytest.param(
            "kaplan_meier/ovarian/conf_type=log-log/conf_level=0.95", {}, id="ovarian-loglog"
        ),
        pytest.param(
            "kaplan_meier/veteran/trt=2/conf_type=plain/conf_level=0.95", {},
            id="veteran-trt2-plain",
        ),
        pytest.param(
            "kaplan_meier/lung/sex=2/conf_type=arcsin/conf_level=0.9", {}, id="lung-f-arcsin90"
        ),
    ],
)
def test_kaplan_meier(
    stats_snapshot: StatsSnapshot, case_id: str, options: dict[str, Any]
) -> None:
    stats_snapshot.check(run(case_id, **options))


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param("logrank/aml/group=maintained/rho=0", id="aml"),
        pytest.param("logrank/veteran/group=celltype/rho=1", id="veteran-celltype-rho1"),
        pytest.param(
            "logrank/veteran/group=trt/strata=celltype/rho=0", id="veteran-trt-by-celltype"
        ),
        pytest.param("logrank/event_at_zero/group=group/rho=0", id="event-at-zero"),
    ],
)
def test_logrank(stats_snapshot: StatsSnapshot, case_id: str) -> None:
    stats_snapshot.check(run(case_id))


COX_ITERATIVE = (
    "coef", "se", "hazard_ratio", "hr_ci", "z", "p_value", "loglik", "wald", "score", "lrt",
    "wald_p", "score_p", "lrt_p", "var", "naive_var", "robust_se", "robust_score",
    "robust_score_p",
)


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param("cox_ph/ovarian/rx+age/ties=efron", id="ovarian"),
        # veteran has tied death times, so the three tie rules give three answers.
        pytest.param("cox_ph/veteran/trt+karno/ties=efron", id="veteran-efron"),
        pytest.param("cox_ph/veteran/trt+karno/ties=breslow", id="veteran-breslow"),
        pytest.param("cox_ph/veteran/trt+karno/ties=exact", id="veteran-exact"),
        pytest.param("cox_ph/lung/age+sex/robust/ties=efron", id="lung-robust"),
        pytest.param(
            "cox_ph/veteran/trt+karno+age/strata=celltype/ties=efron", id="veteran-strata"
        ),
        pytest.param("cox_ph/weighted/x+z/weights=w/robust/ties=efron", id="weighted-robust"),
        pytest.param("cox_ph/heart/age+transplant/ties=efron", id="heart-counting-process"),
    ],
)
def test_cox_ph(stats_snapshot: StatsSnapshot, case_id: str) -> None:
    result = run(case_id)
    fields = {f.name for f in dataclasses.fields(result)}
    stats_snapshot.check(result, tolerances={q: ITERATIVE for q in COX_ITERATIVE if q in fields})


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param("binom_ci/x=0/n=10/", id="0-of-10"),
        pytest.param("binom_ci/x=7/n=100/", id="7-of-100"),
        pytest.param("binom_ci/x=10/n=10/", id="10-of-10"),
    ],
)
def test_binom_ci_every_method(stats_snapshot: StatsSnapshot, prefix: str) -> None:
    # One file per (x, n): every method and level side by side.
    chosen = [c for c in cases().values() if c.id.startswith(prefix)]
    assert len(chosen) >= 14, f"expected 7 methods x 2 levels under {prefix}"
    stats_snapshot.check({c.id.removeprefix(prefix): c.run() for c in chosen})


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param("binom_test/x=0/n=10/", id="0-of-10"),
        pytest.param("binom_test/x=17/n=50/", id="17-of-50"),
    ],
)
def test_binom_test_every_alternative(stats_snapshot: StatsSnapshot, prefix: str) -> None:
    chosen = [c for c in cases().values() if c.id.startswith(prefix)]
    assert len(chosen) == 6, f"expected 2 null values x 3 alternatives under {prefix}"
    stats_snapshot.check({c.id.removeprefix(prefix): c.run() for c in chosen})


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param("fisher_exact/2x2/5-95-2-48/alternative=two-sided", id="2x2"),
        pytest.param("fisher_exact/2x2/0-5-3-4/alternative=less", id="2x2-zero-less"),
        pytest.param("fisher_exact/2x2/7-0-0-3/alternative=two-sided", id="2x2-infinite-or"),
        pytest.param("fisher_exact/rxc/4x3", id="4x3"),
    ],
)
def test_fisher_exact(stats_snapshot: StatsSnapshot, case_id: str) -> None:
    stats_snapshot.check(run(case_id), tolerances={"odds_ratio": ITERATIVE, "or_ci": ITERATIVE})


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param("chi2_test/2x2/23-77-11-39/correction=false", id="2x2"),
        # Not a table with |O - E| < 0.5, where Yates' statistic is rounding noise (~1e-30).
        pytest.param("chi2_test/2x2/0-10-10-0/correction=true", id="2x2-yates"),
        pytest.param("chi2_test/2x2/0-5-3-4/correction=true", id="2x2-small-yates"),
        pytest.param("chi2_test/rxc/4x3", id="4x3"),
    ],
)
def test_chi2_test(stats_snapshot: StatsSnapshot, case_id: str) -> None:
    stats_snapshot.check(run(case_id))
