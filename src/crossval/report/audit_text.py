"""The plain-text audit report: a table per section, failures repeated, a summary line."""

from __future__ import annotations

import shutil
import textwrap
from itertools import zip_longest

from crossval.audit.findings import STATUSES, AuditResult, Finding
from crossval.report._shared import (
    FIGURE_SEP,
    NO_VALUE,
    by_section,
    clean,
    expected_text,
    extracted_from,
    failures,
    note_lines,
    provenance_line,
    status_label,
    summary_line,
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
_FIGURES_ROOM = 48  # below this, the check name moves under the id
_GAP = "  "
_STATUS_W = max(len(status_label(s)) for s in STATUSES)
_HEADERS = ("STATUS", "ID", "CHECK", "REPORTED", "CROSSVAL")


def _paint(text: str, style: str, color: bool) -> str:
    return f"{ANSI[style]}{text}{RESET}" if color else text


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _column_widths(findings: tuple[Finding, ...], width: int) -> tuple[int, int, int, int]:
    """Widths of ID, CHECK, REPORTED, CROSSVAL; CHECK is 0 when it goes under the id.

    Ids come first (an auditor looks claims up by id), then the two figure
    columns; the check name gets a column of its own only when that leaves the
    figures room, and otherwise sits on the line under the id.
    """
    id_w = min(32, max([len("ID")] + [len(clean(f.id)) for f in findings]))
    check_w = min(20, max([len("CHECK")] + [len(clean(f.check)) for f in findings]))
    rep_w = max([len("REPORTED")] + [len(_figures_line(f)) for f in findings])
    exp_w = max([len("CROSSVAL")] + [len(expected_text(f)) for f in findings])
    room = width - _STATUS_W - 4 * len(_GAP)
    if room - id_w - check_w >= min(rep_w + exp_w, _FIGURES_ROOM):
        room -= id_w + check_w
    else:
        room += len(_GAP)  # one column fewer
        id_w = max(id_w, check_w + 2)
        check_w = 0
        if id_w + 2 * _MIN_CELL > room:  # narrow terminal: long ids wrap
            id_w = max(_MIN_CELL, room - 2 * _MIN_CELL)
        room -= id_w
    if rep_w + exp_w > room:
        # The crossval column carries method and counts, so it gets the larger share.
        rep_w = max(_MIN_CELL, min(rep_w, room * 2 // 5))
        exp_w = max(_MIN_CELL, room - rep_w)
    return id_w, check_w, rep_w, exp_w


def _figures_line(f: Finding) -> str:
    return FIGURE_SEP.join(clean(r) for r in f.reported)


def _pack(figures: tuple[str, ...], width: int) -> list[str]:
    """Figures side by side while they fit; a figure is split only if it alone is too wide."""
    lines: list[str] = []
    current = ""
    for figure in map(clean, figures):
        if current and len(current) + len(FIGURE_SEP) + len(figure) <= width:
            current += FIGURE_SEP + figure
            continue
        if current:
            lines.append(current)
        *full, current = _wrap(figure, width)
        lines += full
    return [*lines, current] if current else lines or [NO_VALUE]


def _row(cells: list[list[str]], widths: list[int], status: str | None, color: bool) -> list[str]:
    """Lay out multi-line cells side by side; only the status cell is coloured."""
    out = []
    for i, parts in enumerate(zip_longest(*cells, fillvalue="")):
        padded = [p.ljust(w) for p, w in zip(parts, widths, strict=True)]
        if i == 0 and status is not None:
            padded[0] = _paint(padded[0], status, color)
        out.append(_GAP.join(padded).rstrip())
    return out


def _layout(widths: tuple[int, ...]) -> tuple[list[str], list[int]]:
    """Headers and column widths, without a CHECK column when its width is 0."""
    if widths[2]:
        return list(_HEADERS), list(widths)
    return ["STATUS", "ID / CHECK", "REPORTED", "CROSSVAL"], [w for w in widths if w]


def _finding_lines(
    f: Finding, widths: tuple[int, ...], msg_indent: int, width: int, color: bool
) -> list[str]:
    _, id_w, check_w, rep_w, exp_w = widths
    status = [status_label(f.status)]
    ids = _wrap(clean(f.id), id_w)
    if check_w:
        cells = [status, ids, _wrap(clean(f.check), check_w)]
    else:
        cells = [status, [*ids, *(f"({c})" for c in _wrap(clean(f.check), id_w - 2))]]
    cells += [_pack(f.reported, rep_w), _wrap(expected_text(f), exp_w)]
    lines = _row(cells, _layout(widths)[1], f.status, color)
    pad = " " * msg_indent
    lines += [pad + line for line in _wrap(clean(f.message), max(20, width - msg_indent))]
    return lines


def render_text(result: AuditResult, *, color: bool = False, width: int | None = None) -> str:
    """The report for a terminal of ``width`` columns (default: the current terminal's)."""
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    width = max(MIN_WIDTH, width)
    widths = (_STATUS_W, *_column_widths(result.findings, width))
    headers, header_widths = _layout(widths)
    msg_indent = _STATUS_W + len(_GAP)

    lines = [
        _paint(f"crossval audit: {clean(result.paper)}", "bold", color),
        f"source: {clean(result.source)}",
    ]
    provenance = provenance_line(result)
    if provenance:
        lines.append(provenance)
    lines += [clean(line) for line in note_lines(result)]
    for section, findings in by_section(result.findings):
        title = clean(section)
        lines += ["", _paint(title, "bold", color), "─" * min(len(title), width)]
        lines += _row([[h] for h in headers], header_widths, None, color)
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
            origin = extracted_from(f)
            if origin:
                lines += ["    " + line for line in _wrap(origin, width - 4)]
    lines += ["", summary_line(result, lambda part, status: _paint(part, status, color))]
    return "\n".join(lines) + "\n"
