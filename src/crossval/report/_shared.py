"""Pieces every audit report format shares: grouping, labels, the summary line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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


def summary_line(
    result: AuditResult, paint: Callable[[str, str], str] | None = None
) -> str:
    """``N findings: a pass, b fail, c warn, d unverifiable``.

    ``paint(part, status)``, if given, marks up each non-zero count (``"b fail"``).
    """
    counts = ordered_summary(result)
    noun = "finding" if counts["total"] == 1 else "findings"
    parts = []
    for s in STATUSES:
        part = f"{counts[s]} {s}"
        parts.append(paint(part, s) if paint is not None and counts[s] else part)
    return f"{counts['total']} {noun}: {', '.join(parts)}"


def failures(result: AuditResult) -> list[Finding]:
    """The failed findings in the order the report shows them (grouped by section)."""
    return [f for _, group in by_section(result.findings) for f in group if f.status == "fail"]


def provenance_line(result: AuditResult) -> str | None:
    """Which claims were read from the text by ``crossval extract`` (None when all curated)."""
    extracted = [f for f in result.findings if f.details.get("provenance") == "extracted"]
    if not extracted:
        return None
    levels = ", ".join(
        f"{sum(1 for f in extracted if f.details.get('confidence') == c)} {c}"
        for c in ("high", "medium", "low"))
    curated = len(result.findings) - len(extracted)
    return (f"claims: {len(extracted)} extracted from the paper's text ({levels} confidence), "
            f"{curated} hand-curated")


def note_lines(result: AuditResult) -> list[str]:
    """The audit's notes (what it could not look at), one line each."""
    return [f"note: {note}" for note in result.notes]


def extracted_from(finding: Finding) -> str | None:
    """"read from the text (medium confidence): “…”" for an extracted claim, else None."""
    if finding.details.get("provenance") != "extracted":
        return None
    confidence = finding.details.get("confidence")
    how = f" ({confidence} confidence)" if confidence else ""
    source = finding.details.get("source_text")
    return f"read from the text{how}" + (f": “{clean(source)}”" if source else "")

