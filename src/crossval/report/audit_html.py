"""The HTML audit report: one self-contained page, no scripts, no external assets.

Every string that comes from a claims file is passed through ``html.escape``;
the page also carries a Content-Security-Policy that forbids scripts, so a
claim that slipped through unescaped still could not run anything.
"""

from __future__ import annotations

from html import escape

from crossval.audit.findings import STATUSES, AuditResult, Finding
from crossval.report._shared import (
    by_section,
    clean,
    expected_text,
    failures,
    note_lines,
    ordered_summary,
    provenance_line,
    status_label,
)
from crossval.report.svg_interval_plot import interval_plot

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 72em;
       padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.meta { color: #555; margin: 0.2em 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.35em 0.6em;
         border-bottom: 1px solid #e4e4e4; }
th { background: #f4f4f4; font-weight: 600; }
td.id, td.check { font-family: ui-monospace, monospace; white-space: nowrap; }
ul.figs { margin: 0; padding: 0; list-style: none; }
.badge { display: inline-block; min-width: 7.5em; padding: 0.1em 0.4em; border-radius: 3px;
         font-weight: 600; font-size: 0.85em; text-align: center; color: #fff; }
.badge.pass { background: #2e7d32; } .badge.fail { background: #c62828; }
.badge.warn { background: #ef6c00; } .badge.unverifiable { background: #00838f; }
tr.fail td { background: #fdecea; }
tr.plot td { border-bottom: 1px solid #e4e4e4; padding-top: 0; }
.failures li { margin: 0.3em 0; }
.legend { color: #555; font-size: 0.9em; }
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_COLUMNS = ("Status", "ID", "Location", "Check", "Reported", "crossval", "Message")


def _e(text: object) -> str:
    return escape(clean(text), quote=True)


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status_label(status))}</span>'


def _anchor(index: int) -> str:
    # Claim ids may hold spaces or quotes, which an HTML id cannot; the position can't.
    return f"finding-{index}"


def _summary(result: AuditResult) -> str:
    counts = ordered_summary(result)
    noun = "finding" if counts["total"] == 1 else "findings"
    parts = ", ".join(f"{_badge(s)} {counts[s]}" for s in STATUSES)
    return f'<p class="summary"><strong>{counts["total"]} {noun}:</strong> {parts}</p>'


def _finding_rows(f: Finding, index: int) -> list[str]:
    figures = "".join(f"<li>{_e(r)}</li>" for r in f.reported) or "<li>—</li>"
    rows = [
        f'<tr id="{_anchor(index)}" class="{_e(f.status)}">'
        f"<td>{_badge(f.status)}</td>"
        f'<td class="id">{_e(f.id)}</td>'
        f"<td>{_e(f.location)}</td>"
        f'<td class="check">{_e(f.check)}</td>'
        f'<td><ul class="figs">{figures}</ul></td>'
        f"<td>{_e(expected_text(f))}</td>"
        f"<td>{_e(f.message)}</td>"
        "</tr>"
    ]
    if "method_intervals" in f.details:
        svg = interval_plot(f.details, title=f"{clean(f.id)}: reported CI and each method's CI")
        if svg is not None:
            rows.append(f'<tr class="plot"><td></td><td colspan="6">{svg}</td></tr>')
    return rows


def render_html(result: AuditResult) -> str:
    """The whole page as a string."""
    index: dict[int, int] = {}
    for i, f in enumerate(result.findings):
        index.setdefault(id(f), i)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>crossval audit: {_e(result.paper)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>crossval audit: {_e(result.paper)}</h1>",
        f'<p class="meta">Source: <code>{_e(result.source)}</code></p>',
    ]
    provenance = provenance_line(result)
    if provenance:
        out.append(f'<p class="meta">{_e(provenance)}</p>')
    out += [f'<p class="meta">{_e(line)}</p>' for line in note_lines(result)]
    out += [
        _summary(result),
    ]
    failed = failures(result)
    if failed:
        out += [f'<section class="failures"><h2>Failures ({len(failed)})</h2>', "<ul>"]
        out += [
            f'<li><a href="#{_anchor(index[id(f)])}">{_e(f.id)}</a> — {_e(f.location)}: '
            f"{_e(f.message)}</li>"
            for f in failed
        ]
        out += ["</ul>", "</section>"]
    if any("method_intervals" in f.details for f in result.findings):
        out.append(
            '<p class="legend">Interval plots: the black bar is the interval the paper reports '
            "(red tick: its estimate); each bar beneath is one method's interval. A method "
            "reproduces the paper when its bar ends on both dashed guides; green bars (✓) agree "
            "to the printed precision, orange bars (≈) only after rounding twice, grey bars "
            "not at all.</p>"
        )
    head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
    for section, findings in by_section(result.findings):
        out += [
            f"<section><h2>{_e(section)}</h2>",
            f"<table><thead><tr>{head}</tr></thead><tbody>",
        ]
        for f in findings:
            out += _finding_rows(f, index[id(f)])
        out += ["</tbody></table></section>"]
    if not result.findings:
        out.append("<p>No claims to check.</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
