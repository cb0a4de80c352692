"""Audit a paper's reported figures: load a claims file, check every claim, return findings.

See docs/audit-contract.md for the data this package hands to ``crossval.report``
and docs/claims-format.md for the claims-file format.
"""

from crossval.audit.claims import Claim, ClaimsFile, Group, Paper
from crossval.audit.errors import ClaimsError
from crossval.audit.findings import STATUSES, AuditResult, Finding
from crossval.audit.loader import load_claims, parse_claims
from crossval.audit.runner import BUNDLED_CLAIMS, CHECKS, audit_file, run_audit

__all__ = [
    "BUNDLED_CLAIMS",
    "CHECKS",
    "STATUSES",
    "AuditResult",
    "Claim",
    "ClaimsError",
    "ClaimsFile",
    "Finding",
    "Group",
    "Paper",
    "audit_file",
    "load_claims",
    "parse_claims",
    "run_audit",
]
