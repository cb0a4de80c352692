"""The plain-text audit report: a table per section, failures repeated, a summary line."""

from __future__ import annotations

import shutil
import textwrap
from itertools import zip_longest

from crossval.audit.findings import STATUSES, AuditResult, Finding
from crossval.report._shared import (
    by_section,
    clean,
    expected_text,
    failures,
    ordered_summary,
    status_label,
)

ANSI = {
    "fail": "\x1b[31m",
    "warn": "\x1b[33m",
    "pass": "\x1b[32m",
    "unverifiable": "\x1b[36m",
    "bold": "\x1b[1m",
}
RESET = "\x1b[0m"

MIN_WIDTH = 60
_MIN_CELL = 12
_GAP = "  "
_STATUS_W = max(len(status_label(s)) for s in STATUSES)
_HEADERS = ("STATUS", "ID", "CHECK", "REPORTED", "CROSSVAL")


def _paint(text: str, style: str, color: bool) -> str:
    return f"{ANSI[style]}{text}{RESET}" if color else text


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _column_widths(findings: tuple[Finding, ...], width: int) -> tuple[int, int, int, int]:
    """Widths of ID, CHECK, REPORTED, CROSSVAL: natural when they fit, else shared out."""
    id_w = min(24, max([len("ID")] + [len(clean(f.id)) for f in findings]))
    check_w = min(20, max([len("CHECK")] + [len(clean(f.check)) for f in findings]))
    rep_w = max([len("REPORTED")] + [len(clean(r)) for f in findings for r in f.reported])
    exp_w = max([len("CROSSVAL")] + [len(expected_text(f)) for f in findings])
    room = width - _STATUS_W - 4 * len(_GAP)
    if id_w + check_w + 2 * _MIN_CELL > room:
        # Narrow terminal: the figures matter more than long ids, which wrap.
        id_w = max(_MIN_CELL // 2, min(id_w, (room - 2 * _MIN_CELL) // 2))
        check_w = max(_MIN_CELL // 2, min(check_w, room - 2 * _MIN_CELL - id_w))
    room -= id_w + check_w
    if rep_w + exp_w > room:
        # The crossval column carries method and counts, so it gets the larger share.
        rep_w = max(_MIN_CELL, min(rep_w, room * 2 // 5))
        exp_w = max(_MIN_CELL, room - rep_w)
    return id_w, check_w, rep_w, exp_w


def _row(cells: list[list[str]], widths: list[int], status: str | None, color: bool) -> list[str]:
    """Lay out multi-line cells side by side; only the status cell is coloured."""
    out = []
    for i, parts in enumerate(zip_longest(*cells, fillvalue="")):
        padded = [p.ljust(w) for p, w in zip(parts, widths, strict=True)]
        if i == 0 and status is not None:
            padded[0] = _paint(padded[0], status, color) if parts[0] else padded[0]
        out.append(_GAP.join(padded).rstrip())
    return out


def _finding_lines(
    f: Finding, widths: list[int], msg_indent: int, width: int, color: bool
) -> list[str]:
    _, id_w, check_w, rep_w, exp_w = widths
    reported = [line for r in f.reported for line in _wrap(clean(r), rep_w)] or ["—"]
    cells = [
        [status_label(f.status)],
        _wrap(clean(f.id), id_w),
        _wrap(clean(f.check), check_w),
        reported,
        _wrap(expected_text(f), exp_w),
    ]
    lines = _row(cells, widths, f.status, color)
    pad = " " * msg_indent
    lines += [pad + line for line in _wrap(clean(f.message), max(20, width - msg_indent))]
    return lines


def _summary(result: AuditResult, color: bool) -> str:
    counts = ordered_summary(result)
    noun = "finding" if counts["total"] == 1 else "findings"
    parts = []
    for s in STATUSES:
        part = f"{counts[s]} {s}"
        parts.append(_paint(part, s, color) if counts[s] else part)
    return f"{counts['total']} {noun}: {', '.join(parts)}"


def render_text(result: AuditResult, *, color: bool = False, width: int | None = None) -> str:
    """The report for a terminal of ``width`` columns (default: the current terminal's)."""
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    width = max(MIN_WIDTH, width)
    widths = [_STATUS_W, *_column_widths(result.findings, width)]
    msg_indent = _STATUS_W + len(_GAP)

    lines = [
        _paint(f"crossval audit: {clean(result.paper)}", "bold", color),
        f"source: {clean(result.source)}",
    ]
    for section, findings in by_section(result.findings):
        title = clean(section)
        lines += ["", _paint(title, "bold", color), "─" * min(len(title), width)]
        lines += _row([[h] for h in _HEADERS], widths, None, color)
        for f in findings:
            lines += _finding_lines(f, widths, msg_indent, width, color)
    if not result.findings:
        lines += ["", "No claims to check."]

    failed = failures(result)
    if failed:
        lines += ["", _paint(f"Failures ({len(failed)})", "fail", color)]
        for f in failed:
            label = status_label(f.status)
            head = _wrap(f"{label}  {clean(f.id)} — {clean(f.location)}", width)
            head[0] = _paint(label, "fail", color) + head[0][len(label) :]
            lines += head
            lines += ["    " + line for line in _wrap(clean(f.message), width - 4)]
    lines += ["", _summary(result, color)]
    return "\n".join(lines) + "\n"
