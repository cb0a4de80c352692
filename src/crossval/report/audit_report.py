"""Render an :class:`~crossval.audit.findings.AuditResult` as text, JSON, Markdown or HTML.

The text and HTML renderers live in ``audit_text`` and ``audit_html``; this
module holds the dispatcher and the two small structured formats.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from crossval.audit.findings import AuditResult, Finding
from crossval.report._shared import (
    FIGURE_SEP,
    NO_VALUE,
    by_section,
    clean,
    expected_text,
    extracted_from,
    failures,
    note_lines,
    ordered_summary,
    provenance_line,
    status_label,
    summary_line,
)
from crossval.stats._validate import check_option

FORMATS = ("text", "json", "markdown", "html")


def render(result: AuditResult, *, format: str = "text", color: bool = False) -> str:
    """The audit report as one string; ``color`` adds ANSI colour to the text format only."""
    check_option("format", format, FORMATS)
    if format == "text":
        from crossval.report.audit_text import render_text

        return render_text(result, color=color)
    if format == "json":
        return render_json(result)
    if format == "markdown":
        return render_markdown(result)
    from crossval.report.audit_html import render_html

    return render_html(result)


# --- json -------------------------------------------------------------------


def _jsonable(value: Any, where: str) -> Any:
    """Plain JSON values; nan and infinities become ``None`` (JSON has no such numbers)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _jsonable(item(), where)
    raise TypeError(f"{where} is a {type(value).__name__}, which has no JSON form")


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding in the JSON report's shape (contract keys first, then extras)."""
    return {
        "id": finding.id,
        "location": finding.location,
        "check": finding.check,
        "status": finding.status,
        "reported": list(finding.reported),
        "expected": finding.expected,
        "message": finding.message,
        "section": finding.section,
        "details": _jsonable(finding.details, f"finding {finding.id!r} details"),
    }


def render_json(result: AuditResult) -> str:
    """``{"source", "notes", "findings", "summary"}``, indented, strict JSON."""
    doc = {
        "source": result.source,
        "notes": list(result.notes),
        "findings": [finding_dict(f) for f in result.findings],
        "summary": ordered_summary(result),
    }
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


# --- markdown ---------------------------------------------------------------

# Backslash first, so the escapes added for the others are not escaped again.
_MD_ESCAPES = (
    ("\\", "\\\\"),
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("|", "\\|"),
    ("`", "\\`"),
    ("*", "\\*"),
    ("_", "\\_"),
    ("[", "\\["),
    ("]", "\\]"),
)


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: no column breaks, no raw HTML, no emphasis."""
    s = clean(text)
    for raw, escaped in _MD_ESCAPES:
        s = s.replace(raw, escaped)
    return s


_MD_COLUMNS = ("Status", "ID", "Location", "Check", "Reported", "crossval", "Message")


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(result: AuditResult) -> str:
    """A heading, the summary, a table per section and the failures listed again."""
    lines = [f"# crossval audit: {md(result.paper)}", "", f"Source: {md(result.source)}", ""]
    provenance = provenance_line(result)
    if provenance:
        lines += [md(provenance), ""]
    for line in note_lines(result):
        lines += [md(line), ""]
    lines += [f"**{md(summary_line(result))}**", ""]
    for section, findings in by_section(result.findings):
        lines += [f"## {md(section)}", "", _md_row(list(_MD_COLUMNS))]
        lines.append(_md_row(["---"] * len(_MD_COLUMNS)))
        for f in findings:
            label = status_label(f.status)
            lines.append(
                _md_row(
                    [
                        f"**{label}**" if f.status == "fail" else label,
                        md(f.id),
                        md(f.location),
                        md(f.check),
                        FIGURE_SEP.join(md(r) for r in f.reported) or NO_VALUE,
                        md(expected_text(f)),
                        md(f.message),
                    ]
                )
            )
        lines.append("")
    failed = failures(result)
    if failed:
        lines += [f"## Failures ({len(failed)})", ""]
        lines += [f"- **{md(f.id)}** ({md(f.location)}): {md(f.message)}"
                  + (f" — {md(origin)}" if (origin := extracted_from(f)) else "")
                  for f in failed]
        lines.append("")
    return "\n".join(lines)
