"""Pieces every audit report format shares: grouping, labels, the summary line."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crossval.audit.findings import STATUSES, AuditResult, Finding

NO_VALUE = "—"
FIGURE_SEP = " · "

# C0/C1 control characters (ESC above all) from a claims file must not reach a
# terminal or a document as control codes; tab and newline are folded to spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """``text`` as a single printable line: whitespace folded, control codes shown escaped."""
    s = str(text).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def by_section(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by section, sections in order of first appearance."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.section, []).append(finding)
    return list(groups.items())


def status_label(status: str) -> str:
    """The status as reports print it (``FAIL``)."""
    return status.upper()


def expected_text(finding: Finding) -> str:
    """crossval's figure, or a dash when crossval could not compute one."""
    return NO_VALUE if finding.expected is None else clean(finding.expected)


def ordered_summary(result: AuditResult) -> dict[str, int]:
    """``result.summary()`` in a fixed key order: each status, then ``total``."""
    counts = result.summary()
    return {key: counts.get(key, 0) for key in (*STATUSES, "total")}


def summary_line(result: AuditResult) -> str:
    """``N findings: a pass, b fail, c warn, d unverifiable``."""
    counts = ordered_summary(result)
    noun = "finding" if counts["total"] == 1 else "findings"
    parts = ", ".join(f"{counts[s]} {s}" for s in STATUSES)
    return f"{counts['total']} {noun}: {parts}"


def failures(result: AuditResult) -> list[Finding]:
    """The failed findings in the order the report shows them (grouped by section)."""
    return [f for _, group in by_section(result.findings) for f in group if f.status == "fail"]
