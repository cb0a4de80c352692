"""Findings: one verdict per claim of a paper, and the audit that collects them.

The shape is fixed by ``docs/audit-contract.md``; ``crossval.report`` renders it
and ``crossval.cli`` prints it, so nothing here formats for a terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crossval.errors import InputError

STATUSES: tuple[str, ...] = ("pass", "fail", "warn", "unverifiable")


@dataclass(frozen=True)
class Finding:
    """The verdict on one claim: what was printed, what crossval computes, and why."""

    id: str
    section: str
    location: str
    check: str
    status: str
    reported: tuple[str, ...]
    expected: str | None
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A status outside the contract would silently vanish from every summary.
        if self.status not in STATUSES:
            raise InputError(
                f"Finding.status={self.status!r} is not allowed; choose one of "
                f"{', '.join(map(repr, STATUSES))}"
            )


@dataclass(frozen=True)
class AuditResult:
    """All findings of one audited claims file, in claims-file order."""

    source: str
    paper: str
    findings: tuple[Finding, ...]
    # what the audit could not look at, e.g. a paper's text in which no
    # groups were found (only figures that name no group were read)
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, int]:
        """A count per status (every status present, zeros included) and ``total``."""
        counts = {status: 0 for status in STATUSES}
        for finding in self.findings:
            counts[finding.status] += 1
        counts["total"] = len(self.findings)
        return counts

    @property
    def has_failures(self) -> bool:
        """True when any finding failed."""
        return any(f.status == "fail" for f in self.findings)
