"""Run every claim of a claims file through the check for its type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from crossval.audit.claims import Claim, ClaimsFile
from crossval.audit.context import AuditContext
from crossval.audit.counts import check_count
from crossval.audit.derived import check_difference, check_pooled_median, check_restatement
from crossval.audit.design import check_power, check_summary_test
from crossval.audit.errors import ClaimsError
from crossval.audit.events import check_event_counts, check_group_sizes
from crossval.audit.findings import AuditResult, Finding
from crossval.audit.hazard import check_hazard_ratio, check_hr_reduction
from crossval.audit.intervals import check_median_ci, check_proportion_ci
from crossval.audit.loader import load_claims
from crossval.audit.pvalues import check_p_value
from crossval.audit.shares import check_part_of_whole
from crossval.audit.tables import (
    check_ae_row,
    check_categorical,
    check_duplicate_rows,
    check_row_order,
    check_table_threshold,
    check_top_rows,
)
from crossval.errors import InputError

Check = Callable[[Claim, AuditContext], Finding]

#: The check for each claim type; a test asserts it covers every type in CLAIM_FIELDS.
CHECKS: dict[str, Check] = {
    "count": check_count,
    "proportion-ci": check_proportion_ci,
    "median-ci": check_median_ci,
    "hazard-ratio": check_hazard_ratio,
    "hr-reduction": check_hr_reduction,
    "difference": check_difference,
    "restatement": check_restatement,
    "categorical": check_categorical,
    "p-value": check_p_value,
    "ae-row": check_ae_row,
    "duplicate-rows": check_duplicate_rows,
    "table-threshold": check_table_threshold,
    "top-rows": check_top_rows,
    "row-order": check_row_order,
    "event-counts": check_event_counts,
    "group-sizes": check_group_sizes,
    "power": check_power,
    "summary-test": check_summary_test,
    "pooled-median": check_pooled_median,
    "part-of-whole": check_part_of_whole,
}

#: The ALTER-L058 claims shipped with crossval (a symlink to reference/alter-l058.yaml).
BUNDLED_CLAIMS: Path = Path(__file__).resolve().parent.parent / "data" / "alter-l058.yaml"


def run_audit(claims: ClaimsFile, *, fisher_max_work: int | None = None) -> AuditResult:
    """One finding per claim, in file order; a claim no check can use raises ``ClaimsError``.

    ``fisher_max_work``: the work limit of Fisher's exact r×c p-values
    (``fisher_exact``'s ``max_work``; None: its default, 3-4 s a table).
    """
    ctx = AuditContext(claims, fisher_max_work)
    findings = []
    for claim in claims.claims:
        check = CHECKS.get(claim.type)
        if check is None:  # the loader refuses unknown types; this guards CHECKS drifting
            raise ClaimsError(f"no check for claim type {claim.type!r}", path=claims.path,
                              line=claim.line, claim_id=claim.id, field="type")
        try:
            finding = check(claim, ctx)
        except ClaimsError:
            raise
        except InputError as exc:
            raise ClaimsError(str(exc), path=claims.path, line=claim.line,
                              claim_id=claim.id) from None
        if finding.id != claim.id:  # pragma: no cover - guards a check returning the wrong claim
            raise AssertionError(f"check for {claim.id!r} returned a finding for {finding.id!r}")
        findings.append(_with_provenance(claim, finding))
    name = claims.paper.short_name
    return AuditResult(source=claims.path, paper=name, findings=tuple(findings))


def _with_provenance(claim: Claim, finding: Finding) -> Finding:
    """The finding with where its claim came from; a low-confidence reading cannot fail.

    A claim ``crossval extract`` read with low confidence may be a misreading
    of the text rather than an error of the paper, so its failure is reported
    as a warning that says so.
    """
    details = {**finding.details, "provenance": claim.get("provenance", "curated")}
    for key in ("confidence", "source_text"):
        if claim.get(key) is not None:
            details[key] = claim.get(key)
    if claim.get("confidence") == "low" and finding.status == "fail":
        return replace(finding, status="warn", details=details,
                       message=f"{finding.message} (Read from the text with low confidence, "
                               "so reported as a warning: check the reading.)")
    return replace(finding, details=details)


def audit_file(
    path: str | Path | None = None, *, fisher_max_work: int | None = None
) -> AuditResult:
    """Load and audit a claims file; ``None`` audits the bundled ALTER-L058 claims."""
    claims = load_claims(BUNDLED_CLAIMS if path is None else path)
    return run_audit(claims, fisher_max_work=fisher_max_work)
