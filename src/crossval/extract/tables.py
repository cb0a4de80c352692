"""Tab-separated tables: header groups "(n = 100)", column roles, and what each row holds.

A table reads as: a header row (on the caption line) whose cells name the
groups with their sizes, optionally a second header row splitting each group
into columns ("Any grade", "Grade 3 or worse"), a P column whose header may
carry a note marker ("Pa"), and body rows.  A body row with a label and no
figures opens a characteristic ("Sex"); the indented rows under it are its
levels ("Male", "Female").  The notes printed under the table say which test
gave the P column ("a Fisher exact test for categorical variables").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crossval.extract.groups import GROUP_HEADER
from crossval.extract.methods import Stated, TableTests
from crossval.extract.model import Draft, Ids
from crossval.extract.numbers import DASH, PrintedP, normalize, parse_printed_p
from crossval.extract.sections import Block, Row

#: A count cell: "38 (38.0)", "38 (38.0%)", "0 (0)", "0".
CELL = re.compile(r"^\s*(?P<count>\d+)\s*(?:\(\s*(?P<pct>\d+(?:\.\d+)?)\s*%?\s*\))?\s*$")
#: A median with its interquartile range: "59 (53–64)".
MEDIAN_IQR = re.compile(
    rf"^\s*(?P<m>\d+(?:\.\d+)?)\s*\(\s*(?P<q1>\d+(?:\.\d+)?)\s*(?:{DASH}|to|,)\s*"
    r"(?P<q3>\d+(?:\.\d+)?)\s*\)\s*$")
_P_HEADER = re.compile(r"^\s*[Pp](?:[- ]?values?)?\s*(?P<mark>[a-z*†‡§¶])?\s*$")
_ANY_GRADE = re.compile(r"\b(?:any grades?|all grades?|any)\b", re.IGNORECASE)
_GRADE3 = re.compile(
    r"(?:grades?\s*(?:≥|>=|>)\s*[23]|grade\s*3\s*(?:or|and)\s*(?:worse|higher|above|more|4)|"
    rf"grades?\s*3\s*(?:{DASH}|to)\s*[45]|≥\s*grade\s*3|severe)", re.IGNORECASE)
_MEDIAN_ROW = re.compile(r"\bmedian\b.*\b(?:IQR|interquartile)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """A data column: the group it belongs to and its role (``value``, ``any``, ``grade3``)."""

    index: int
    group_label: str
    role: str


@dataclass(frozen=True)
class BodyRow:
    """A body row: label (indent kept apart), its group cells by label, the P cell, the line."""

    label: str
    indented: bool
    cells: dict[str, dict[str, str]]
    p: PrintedP | None
    p_text: str | None
    line: int


@dataclass(frozen=True)
class ParsedTable:
    """A table's structure; groups are (label, n) as printed in the header."""

    block: Block
    groups: tuple[tuple[str, int], ...]
    columns: tuple[Column, ...]
    p_mark: str | None
    has_p: bool
    rows: tuple[BodyRow, ...]

    @property
    def is_adverse_events(self) -> bool:
        """True when every group has an any-grade and a grade >= 3 column."""
        roles = {(c.group_label, c.role) for c in self.columns}
        return bool(self.groups) and all(
            (label, "any") in roles and (label, "grade3") in roles for label, _ in self.groups)


def _is_header_row(row: Row) -> bool:
    data = [c.strip() for c in row.cells[1:] if c.strip()]
    return bool(data) and all(not re.match(r"^[\d<>=≤≥.]", c) and not c.startswith("P =")
                              for c in data)


def parse_table(block: Block) -> ParsedTable:
    """The structure of a table block (groups, columns, body rows)."""
    rows = list(block.rows)
    header_rows: list[Row] = []
    while rows and _is_header_row(rows[0]):
        header_rows.append(rows.pop(0))
    groups: list[tuple[str, int, int]] = []  # label, n, header position
    p_index: int | None = None
    p_mark: str | None = None
    if header_rows:
        for i, cell in enumerate(header_rows[0].cells):
            m = GROUP_HEADER.match(normalize(cell).strip())
            if m:
                groups.append((m.group("label").strip(), int(m.group("n").replace(",", "")), i))
                continue
            pm = _P_HEADER.match(cell)
            if pm and i > 0:
                p_index, p_mark = i, pm.group("mark")
    columns: list[Column] = []
    if groups:
        sub = header_rows[1] if len(header_rows) > 1 else None
        sub_cells = list(sub.cells[1:]) if sub else []
        if sub_cells and len(sub_cells) > len(groups) and len(sub_cells) % len(groups) == 0:
            span = len(sub_cells) // len(groups)
            for gi, (label, _, _) in enumerate(groups):
                for k in range(span):
                    idx = 1 + gi * span + k
                    text = sub_cells[gi * span + k]
                    role = ("grade3" if _GRADE3.search(text) else
                            "any" if _ANY_GRADE.search(text) else f"col{k + 1}")
                    columns.append(Column(idx, label, role))
        else:
            columns = [Column(pos, label, "value") for label, _, pos in groups]
    body: list[BodyRow] = []
    for row in rows:
        label_raw = row.cells[0] if row.cells else ""
        cells: dict[str, dict[str, str]] = {}
        for col in columns:
            if col.index < len(row.cells) and row.cells[col.index].strip():
                cells.setdefault(col.group_label, {})[col.role] = normalize(
                    row.cells[col.index]).strip()
        p_text = None
        if p_index is not None and p_index < len(row.cells) and row.cells[p_index].strip():
            p_text = row.cells[p_index].strip()
        body.append(BodyRow(
            label=label_raw.strip(), indented=label_raw[:1].isspace(), cells=cells,
            p=parse_printed_p(p_text) if p_text else None, p_text=p_text, line=row.line))
    return ParsedTable(block=block, groups=tuple((label, n) for label, n, _ in groups),
                       columns=tuple(columns), p_mark=p_mark, has_p=p_index is not None,
                       rows=tuple(body))


@dataclass(frozen=True)
class Characteristic:
    """A characteristic with levels ("Sex": Male, Female) or a single row of counts."""

    label: str
    levels: tuple[BodyRow, ...]
    p: PrintedP | None
    p_text: str | None
    line: int


def characteristics(table: ParsedTable) -> tuple[list[Characteristic], list[BodyRow]]:
    """Categorical characteristics, and the rows that are not (medians, single rows)."""
    found: list[Characteristic] = []
    others: list[BodyRow] = []
    current: BodyRow | None = None
    levels: list[BodyRow] = []

    def close() -> None:
        nonlocal current, levels
        if current is not None and levels:
            p = current.p or next((lv.p for lv in levels if lv.p), None)
            p_text = current.p_text or next((lv.p_text for lv in levels if lv.p_text), None)
            found.append(Characteristic(current.label, tuple(levels), p, p_text, current.line))
        elif current is not None:
            others.append(current)
        current, levels = None, []

    for row in table.rows:
        counts = row.cells and all(CELL.match(v) for cs in row.cells.values() for v in cs.values())
        if not row.cells:
            close()
            current = row
        elif counts and current is not None and (row.indented or not levels or levels[-1]
                                                 .indented == row.indented):
            levels.append(row)
        else:
            close()
            others.append(row)
    close()
    return found, others


def is_median_iqr_row(row: BodyRow) -> bool:
    """True for a row such as "Age, median (IQR), years" whose cells are "59 (53–64)"."""
    return bool(_MEDIAN_ROW.search(row.label)) and bool(row.cells) and all(
        MEDIAN_IQR.match(v) for cs in row.cells.values() for v in cs.values())


# --- claims from a table ----------------------------------------------------------------------


@dataclass(frozen=True)
class TableClaims:
    """The drafts read from one table and what prose claims may refer to."""

    drafts: list[Draft]
    #: characteristic claim id -> level names (for "38.0% were male" -> Male).
    levels: dict[str, list[str]]
    #: adverse-event term, lower case -> the term as the table prints it.
    terms: dict[str, str]
    #: row label -> {group: median} for "median (IQR)" rows.
    medians: dict[str, dict[str, str]]
    name: str
    is_adverse_events: bool
    #: The claims-file names of the table's groups.
    group_names: tuple[str, ...] = ()


def _complete(levels: tuple[BodyRow, ...], group: str) -> bool:
    """Whether the printed percentages of a characteristic add up to 100 (every level shown)."""
    total = 0.0
    decimals = 0
    for row in levels:
        cell = row.cells.get(group, {}).get("value")
        m = CELL.match(cell or "")
        if not m or m.group("pct") is None:
            return False
        total += float(m.group("pct"))
        decimals = max(decimals, len(m.group("pct").partition(".")[2]))
    # Each printed percentage may be off by half a unit of its last decimal.
    tolerance = 0.5 * len(levels) / float(10**decimals)
    return abs(total - 100.0) <= tolerance + 1e-9


def _count(cell: str | None) -> int:
    m = CELL.match(cell or "")
    return int(m.group("count")) if m else 0


def _cell(cells: dict[str, dict[str, str]], label: str, role: str) -> str | None:
    value = cells.get(label, {}).get(role)
    return value if value is not None and CELL.match(value) else None


def table_claims(table: ParsedTable, names: dict[str, str], ids: Ids,
                 tests: TableTests, text_test: Stated | None) -> TableClaims:
    """Claims for every row of a parsed table (``names``: header label -> group name)."""
    section = table.block.section
    drafts: list[Draft] = []
    levels_index: dict[str, list[str]] = {}
    terms: dict[str, str] = {}
    medians: dict[str, dict[str, str]] = {}
    labels = [label for label, _ in table.groups if label in names]

    def draft(type_: str, fields: dict[str, Any], row: str | None, line: int, snippet: str,
              key: str, confidence: str = "high", note: str | None = None) -> Draft:
        location = {"table": section}
        if row:
            location["row"] = row
        d = Draft(id=ids.make(section, key), type=type_, section=section, fields=fields,
                  line=line, snippet=snippet, confidence=confidence, location=location,
                  note=note, order=(line, 0))
        drafts.append(d)
        return d

    found, others = characteristics(table)
    if not table.is_adverse_events:
        for ch in found:
            groups = [lb for lb in labels if all(_cell(lv.cells, lb, "value") for lv in ch.levels)]
            if len(groups) < 1:
                continue
            levels = [{"level": lv.label, "cells": {names[g]: _cell(lv.cells, g, "value")
                                                    for g in groups}} for lv in ch.levels]
            complete = all(_complete(ch.levels, g) for g in groups)
            snippet = "; ".join(f"{lv.label}: " + " / ".join(
                str(_cell(lv.cells, g, "value")) for g in groups) for lv in ch.levels)
            cat = draft("categorical", {"characteristic": ch.label, "levels": levels,
                                        **({} if complete else {"complete": False})},
                        ch.label, ch.line, f"{ch.label} — {snippet}", ch.label)
            levels_index[cat.id] = [lv.label for lv in ch.levels]
            if ch.p is not None and len(groups) >= 2:
                _p_value_claim(draft, ch, cat.id, tests, text_test, table, names, groups)
    for row in others:
        if is_median_iqr_row(row):
            medians[row.label] = {names[g]: m.group("m") for g in labels
                                  for v in [row.cells.get(g, {}).get("value", "")]
                                  if (m := MEDIAN_IQR.match(v))}
            test = tests.continuous
            if row.p is not None and test is not None and len(medians[row.label]) >= 2:
                summaries = {}
                for g in labels:
                    m = MEDIAN_IQR.match(row.cells.get(g, {}).get("value", ""))
                    if m:
                        summaries[names[g]] = {"median": m.group("m"), "q1": m.group("q1"),
                                               "q3": m.group("q3")}
                draft("summary-test", {"test": test.method, "p": row.p.text,
                                       "summaries": summaries},
                      row.label, row.line, f"{row.label}: {row.p_text}", row.label + " p",
                      "low" if test.ambiguous else "high", f"test stated in {test.where}")
            continue
        if table.is_adverse_events:
            cells = {names[g]: {"any": _cell(row.cells, g, "any"),
                                "grade3": _cell(row.cells, g, "grade3")} for g in labels}
            if all(c["any"] and c["grade3"] for c in cells.values()) and cells:
                snippet = f"{row.label}: " + " / ".join(
                    f"{c['any']}, {c['grade3']}" for c in cells.values())
                d = draft("ae-row", {"term": row.label, "cells": cells}, row.label, row.line,
                          snippet, row.label)
                terms.setdefault(" ".join(row.label.lower().split()), d.fields["term"])
            continue
        for g in labels:
            for role, value in row.cells.get(g, {}).items():
                m = CELL.match(value)
                if m and m.group("pct") is not None:
                    fields: dict[str, Any] = {"count": m.group("count"),
                                              "percent": m.group("pct"),
                                              "denominator": names[g]}
                    draft("count", fields, row.label, row.line, f"{row.label}: {value}",
                          f"{row.label} {names[g]} {role if role != 'value' else ''}")
    rows_read = [d for d in drafts if d.type in ("ae-row", "categorical")]
    if len(rows_read) >= 2:
        draft("duplicate-rows", {"table": section}, None, table.block.line,
              f"{section}: {len(rows_read)} rows", "unique rows")
    ae_rows = [d for d in drafts if d.type == "ae-row"]
    if len(ae_rows) >= _ORDER_MIN_ROWS:
        _row_order_claim(draft, ae_rows, section, table.block.line,
                         {names[g]: g for g in labels})
    threshold = re.search(r"\b(?:in\s+)?(?:at least|≥|>=)\s*(?P<p>\d+(?:\.\d+)?)\s?%\s+of\s+"
                          r"(?:the\s+)?(?:patients|participants)", table.block.text, re.I)
    if threshold and table.is_adverse_events:
        draft("table-threshold", {"table": section, "percent": threshold.group("p")}, None,
              table.block.line, table.block.text, "inclusion threshold")
    return TableClaims(drafts, levels_index, terms, medians, section, table.is_adverse_events,
                       tuple(names[g] for g in labels))


# An adverse-event table of at least ten rows is taken as sorted by a group's
# any-grade count when at most one row in ten stands out of that order. Rows
# in no order come that close only by chance, and rarely: of the orders of
# ten distinct counts, 82 in 10! (one in 44,000) leave only one row out (of six,
# one in 28, which is why shorter tables are not read for an order).
_ORDER_MIN_ROWS = 10


def _row_order_claim(draft: Any, rows: list[Draft], section: str, line: int,
                     labels: dict[str, str]) -> None:
    """A ``row-order`` claim for the group whose any-grade counts the rows follow, if any."""
    from crossval.audit.tables import in_order

    best: tuple[int, str] | None = None
    for name in labels:
        values = [_count(r.fields["cells"][name]["any"]) for r in rows
                  if name in r.fields["cells"]]
        if len(values) == len(rows):
            out = len(values) - len(in_order(values))
            if best is None or out < best[0]:
                best = (out, name)
    if best is None or best[0] > max(1, len(rows) // 10):
        return
    out, name = best
    draft("row-order", {"table": section, "group": name, "column": "any"}, None, line,
          f"{section}: {len(rows)} rows", f"row order {name}", "medium",
          f"order inferred: {len(rows) - out} of {len(rows)} rows stand in descending order "
          f"of {labels[name]} any-grade counts")


def _p_value_claim(draft: Any, ch: Characteristic, table_from: str, tests: TableTests,
                   text_test: Stated | None, table: ParsedTable, names: dict[str, str],
                   groups: list[str]) -> None:
    """A characteristic's P with the test the table's notes (or else the Methods) state."""
    assert ch.p is not None
    stated = tests.categorical
    confidence = "high"
    if stated is None and text_test is not None:
        stated, confidence = text_test, "medium"
    if stated is None:
        return
    method = stated.method
    if stated.ambiguous:
        confidence = "low"
        # "chi-square or Fisher as appropriate": Fisher when an expected count is below 5.
        counts = [[_count(_cell(lv.cells, g, "value")) for lv in ch.levels] for g in groups]
        total = sum(map(sum, counts))
        cols = [sum(c[j] for c in counts) for j in range(len(ch.levels))]
        small = any(sum(row) * col / total < 5 for row in counts for col in cols if total)
        method = "fisher" if small else "chi-square"
    draft("p-value", {"p": ch.p.text, "test": method, "table_from": table_from,
                      "test_stated_at": stated.where},
          ch.label, ch.line, f"{ch.label}: {ch.p_text}", ch.label + " p", confidence)
