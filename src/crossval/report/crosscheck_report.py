"""Formatting of ``crossval crosscheck`` results: text, JSON, Markdown and HTML.

Each analysis gets two tables: the engines' values side by side (scalars in
full, curves as their length), then one row per engine and quantity with
the largest relative difference from crossval and the verdict, naming the
convention when there is one. Nothing here prints.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from crossval.compare.crosscheck import (
    AGREE,
    CONVENTION,
    DISAGREE,
    VERDICTS,
    AnalysisCheck,
    CrosscheckRun,
    EngineOutcome,
    QuantityCheck,
    as_dict,
)
from crossval.compare.fields import numeric_fields
from crossval.report._table import text_table

FORMATS = ("text", "json", "markdown", "html")
_NONE = "—"


def render_crosscheck(run: CrosscheckRun, *, format: str = "text") -> str:
    """The report in one of :data:`FORMATS`."""
    if format == "json":
        return render_json(run)
    if format == "markdown":
        return _render_tables(run, _markdown_table, heading="## ", title="# ")
    if format == "html":
        return _render_html(run)
    return _render_tables(run, _text_table, heading="== ", title="")


def summary(run: CrosscheckRun) -> dict[str, int]:
    """Counts of each verdict over every analysis, plus engine errors."""
    counts = {v: 0 for v in VERDICTS}
    errors = 0
    for a in run.analyses:
        for v, k in a.verdicts().items():
            counts[v] += k
        errors += sum(o.status == "error" for o in (a.crossval, *a.engines))
    return {**counts, "engine errors": errors}


def summary_line(run: CrosscheckRun) -> str:
    """``N agree, M differ by convention, K disagree[, E engine errors]``."""
    c = summary(run)
    text = (f"{c[AGREE]} agree, {c[CONVENTION]} differ by convention, "
            f"{c[DISAGREE]} disagree")
    if c["engine errors"]:
        text += f", {c['engine errors']} engine error{'s' * (c['engine errors'] != 1)}"
    return text


# ------------------------------------------------------------------ cells


def _num(value: float) -> str:
    if math.isnan(value):
        return "NA"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _value(values: np.ndarray[Any, Any] | None, quantity: str) -> str:
    if values is None:
        return _NONE
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return _num(float(arr))
    if arr.ndim == 1 and arr.size == 2 and quantity.endswith(("_ci", "conf_int", "loglik")):
        return f"[{_num(float(arr[0]))}, {_num(float(arr[1]))}]"
    if arr.ndim == 1 and arr.size <= 3:
        return "[" + ", ".join(_num(float(v)) for v in arr) + "]"
    shape = "x".join(str(k) for k in arr.shape)
    return f"{shape} values" if arr.ndim > 1 else f"{arr.size} values"


def _rel(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "shape differs" if x > 0 else "-inf"
    return f"{x:.2g}"


def _difference(c: QuantityCheck) -> str:
    text = _rel(c.rel_diff)
    if c.verdict == CONVENTION and c.rel_diff_convention is not None:
        text += f" ({_rel(c.rel_diff_convention)} under it)"
    return text


def _verdict(c: QuantityCheck) -> str:
    if c.verdict == CONVENTION:
        return f"{CONVENTION}: " + "; ".join(c.conventions)
    if c.verdict == DISAGREE and c.where is not None and c.crossval_value is not None:
        at = f" at {list(c.where)}" if c.where else ""
        return (f"{DISAGREE}{at}: crossval {_num(c.crossval_value)}, "
                f"{c.engine} {_num(c.engine_value if c.engine_value is not None else math.nan)}")
    return c.verdict


def _engine_label(o: EngineOutcome) -> str:
    return o.engine if o.status == "ok" else f"{o.engine} ({o.status})"


def _values_rows(a: AnalysisCheck) -> tuple[list[str], list[list[str]]]:
    outcomes = [a.crossval, *a.engines]
    fields = [numeric_fields(o.result) if o.result is not None else None for o in outcomes]
    quantities = list(dict.fromkeys(c.quantity for c in a.checks))
    headers = ["quantity", *(_engine_label(o) for o in outcomes)]
    rows = []
    for q in quantities:
        rows.append([q, *(_value(f.get(q) if f is not None else None, q) for f in fields)])
    return headers, rows


def _check_rows(a: AnalysisCheck) -> tuple[list[str], list[list[str]]]:
    headers = ["engine", "quantity", "largest rel. diff", "verdict"]
    rows = [[c.engine, c.quantity, _difference(c), _verdict(c)] for c in a.checks]
    return headers, rows


def _notes(run: CrosscheckRun, a: AnalysisCheck) -> list[str]:
    notes = []
    for o in (a.crossval, *a.engines):
        if o.status in {"error", "unsupported"} or (o.status == "ok" and o.detail):
            notes.append(f"{o.engine}: {o.detail}")
        if o.result is not None:
            notes.append(f"{o.engine} call: {o.result.call}")
            notes.extend(f"{o.engine} warned: {w}" for w in o.result.warnings)
    return notes


def _header_lines(run: CrosscheckRun) -> list[str]:
    cols = ", ".join(f"{role} = {name}" for role, name in run.columns.items())
    lines = [f"crossval crosscheck: {run.source} (n = {run.n}; {cols})"]
    described = []
    for engine, vs in run.engine_versions.items():
        own = vs.get(engine, "")
        own = own if own.startswith(engine) else f"{engine} {own}".strip()
        rest = ", ".join(f"{k} {v}" for k, v in vs.items() if k != engine)
        described.append(f"{own} ({rest})" if rest else own)
    versions = "; ".join(described)
    lines.append(f"engines: {versions}")
    for engine, reason in run.unavailable.items():
        lines.append(f"not available: {engine} ({reason})")
    return lines


# ------------------------------------------------------------ text / md


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return text_table([headers, *rows])


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in headers) + " |",
           "|" + " --- |" * len(headers)]
    out.extend("| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows)
    return out


def _render_tables(run: CrosscheckRun, table: Any, *, heading: str, title: str) -> str:
    head = _header_lines(run)
    out = [f"{title}{head[0]}" if title else head[0], *head[1:]]
    for a in run.analyses:
        out += ["", f"{heading}{a.title}" + (" ==" if heading == "== " else ""), ""]
        if a.crossval.status != "ok":
            out.append(f"crossval could not compute this: {a.crossval.detail}")
        else:
            out += table(*_values_rows(a))
            out.append("")
            out += table(*_check_rows(a))
        notes = _notes(run, a)
        if notes:
            out.append("")
            out += [f"- {n}" if heading == "## " else f"  {n}" for n in notes]
    out += ["", f"verdicts: {summary_line(run)}"]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ HTML


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                verdict_col: int | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for r in rows:
        cls = ""
        if verdict_col is not None:
            v = r[verdict_col]
            cls = (' class="disagree"' if v.startswith(DISAGREE)
                   else ' class="convention"' if v.startswith(CONVENTION) else "")
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _render_html(run: CrosscheckRun) -> str:
    head = _header_lines(run)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(head[0])}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin:1em 0}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left}"
        "tr.disagree{background:#fdd}tr.convention{background:#ffd}</style></head><body>",
        f"<h1>{html.escape(head[0])}</h1>",
        *(f"<p>{html.escape(line)}</p>" for line in head[1:]),
    ]
    for a in run.analyses:
        parts.append(f"<h2>{html.escape(a.title)}</h2>")
        if a.crossval.status != "ok":
            parts.append(f"<p>crossval could not compute this: "
                         f"{html.escape(a.crossval.detail)}</p>")
        else:
            parts.append(_html_table(*_values_rows(a)))
            headers, rows = _check_rows(a)
            parts.append(_html_table(headers, rows, verdict_col=3))
        notes = _notes(run, a)
        if notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
                         + "</ul>")
    parts += [f"<p><strong>verdicts:</strong> {html.escape(summary_line(run))}</p>",
              "</body></html>"]
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------ JSON


def render_json(run: CrosscheckRun) -> str:
    """Every analysis, engine outcome and check, with the summary counts."""
    doc = {"summary": summary(run), "failed": run.failed, **as_dict(run)}
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
