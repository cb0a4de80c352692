"""Checks of table rows: percentages in "n (%)" cells, level sums, AE grades, duplicated rows."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext, worst
from crossval.audit.counts import other_denominators
from crossval.audit.findings import Finding
from crossval.audit.percentages import check_percent, explain_percent, pct_text
from crossval.audit.rounding import Cell, parse_cell, parse_figure


def _cell_problem(cell: Cell, n: int, ctx: AuditContext, where: str) -> tuple[str, str] | None:
    """(status, sentence) for a cell whose count or percentage is off; None when it is right."""
    if cell.count.value > n:
        return "fail", f"{where}: count {cell.count.text} exceeds the group size {n}"
    if cell.percent is None:
        return None
    count = int(cell.count.value)
    result = check_percent(count, n, cell.percent)
    if result.ok:
        return None
    if result.double_rounded:
        return "warn", (f"{where}: {cell.text} is {pct_text(count, n, cell.percent.decimals)} "
                        "only when rounded twice")
    reason = explain_percent(count, n, cell.percent, other_denominators(ctx))
    return "fail", (f"{where}: {cell.text} but {pct_text(count, n, cell.percent.decimals)} "
                    f"({reason})")


def _verdict(problems: list[tuple[str, str]]) -> tuple[str, str]:
    status = worst(s for s, _ in problems)
    return status, "; ".join(text for s, text in problems if s == status) + "."


def check_categorical(claim: Claim, ctx: AuditContext) -> Finding:
    """A categorical characteristic: each "n (%)" against its group size; levels sum to it."""
    levels = claim.get("levels")
    problems: list[tuple[str, str]] = []
    reported: list[str] = []
    sums: dict[str, int] = {}
    for level in levels:
        for group, text in level["cells"].items():
            reported.append(text)
            cell = parse_cell(text)
            n = ctx.claims.groups[group].n
            sums[group] = sums.get(group, 0) + int(cell.count.value)
            problem = _cell_problem(cell, n, ctx, f"{level['level']} / {group}")
            if problem:
                problems.append(problem)
    if claim.get("complete", True):
        for group, total in sums.items():
            n = ctx.claims.groups[group].n
            if total != n:
                problems.append(("fail", f"the levels of {group} sum to {total}, not the "
                                         f"group size {n}"))
    details: dict[str, Any] = {"level_sums": sums}
    if problems:
        status, message = _verdict(problems)
        return ctx.finding(claim, check="table-percentages", status=status, reported=reported,
                           expected=None, message=message, details=details)
    return ctx.finding(
        claim, check="table-percentages", status="pass", reported=reported,
        expected=", ".join(f"{g}: {s}" for g, s in sums.items()),
        message=(f"Every percentage matches its count and group size, and the levels sum to "
                 f"the group sizes ({', '.join(f'{g} {s}' for g, s in sums.items())})."
                 if claim.get("complete", True)
                 else "Every percentage matches its count and group size."),
        details=details)


def check_ae_row(claim: Claim, ctx: AuditContext) -> Finding:
    """An adverse-event row: each "n (%)" against the group size, grade >= 3 <= any grade."""
    problems: list[tuple[str, str]] = []
    reported: list[str] = []
    for group, cells in claim.get("cells").items():
        n = ctx.claims.groups[group].n
        any_grade = parse_cell(cells["any"])
        grade3 = parse_cell(cells["grade3"])
        reported.extend([cells["any"], cells["grade3"]])
        for label, cell in (("any grade", any_grade), ("grade >= 3", grade3)):
            problem = _cell_problem(cell, n, ctx, f"{group} {label}")
            if problem:
                problems.append(problem)
        if grade3.count.value > any_grade.count.value:
            problems.append(("fail", f"{group}: grade >= 3 count {grade3.count.text} exceeds "
                                     f"the any-grade count {any_grade.count.text}"))
    if problems:
        status, message = _verdict(problems)
        return ctx.finding(claim, check="ae-row", status=status, reported=reported,
                           expected=None, message=message, details={})
    return ctx.finding(
        claim, check="ae-row", status="pass", reported=reported, expected=None,
        message=("Every percentage matches its count and group size, and no grade >= 3 count "
                 "exceeds its any-grade count."),
        details={})


def _row_claims(ctx: AuditContext, table: str) -> list[Claim]:
    return [c for c in ctx.claims.claims
            if c.type in ("ae-row", "categorical") and c.location.get("table") == table]


def _row_name(claim: Claim) -> str:
    return str(claim.get("term") or claim.get("characteristic"))


def _row_figures(claim: Claim) -> str:
    if claim.type == "ae-row":
        return " / ".join(v for cells in claim.get("cells").values() for v in cells.values())
    return " / ".join(v for lv in claim.get("levels") for v in lv["cells"].values())


def check_duplicate_rows(claim: Claim, ctx: AuditContext) -> Finding:
    """Each row name of a table appears once; a repeated name is a duplicated or mislabelled row."""
    table = claim.get("table")
    rows = _row_claims(ctx, table)
    seen: dict[str, list[Claim]] = {}
    for row in rows:
        seen.setdefault(" ".join(_row_name(row).lower().split()), []).append(row)
    repeated = {name: group for name, group in seen.items() if len(group) > 1}
    details: dict[str, Any] = {"rows": len(rows), "repeated": {
        name: [r.id for r in group] for name, group in repeated.items()}}
    if not rows:
        return ctx.finding(claim, check="duplicate-rows", status="unverifiable", reported=[],
                           expected=None,
                           message=f"No rows of {table} are recorded in the claims file.",
                           details=details)
    if not repeated:
        return ctx.finding(claim, check="duplicate-rows", status="pass", reported=[],
                           expected=f"{len(rows)} distinct rows",
                           message=f"All {len(rows)} rows of {table} have distinct names.",
                           details=details)
    parts = []
    reported = []
    for group in repeated.values():
        name = _row_name(group[0])
        reported.append(name)
        figures = " and ".join(f"{_row_figures(r)} ({r.location.get('row', r.id)})"
                               for r in group)
        same = len({_row_figures(r) for r in group}) == 1
        kind = "with identical numbers" if same else "with different numbers"
        parts.append(f"'{name}' is listed {len(group)} times {kind}: {figures}")
    return ctx.finding(
        claim, check="duplicate-rows", status="fail", reported=reported,
        expected="each row once",
        message=("; ".join(parts) + ". At most one can be right; the other is most likely a "
                 "mislabelled row for a different term."),
        details=details)


def check_table_threshold(claim: Claim, ctx: AuditContext) -> Finding:
    """A table's inclusion rule ("at least X% in either group"): every AE row must meet it."""
    table = claim.get("table")
    threshold = parse_figure(claim.get("percent"), field="percent")
    rows = [c for c in _row_claims(ctx, table) if c.type == "ae-row"]
    below = []
    for row in rows:
        best = max(Fraction(100 * int(parse_cell(cells["any"]).count.value),
                            ctx.claims.groups[g].n)
                   for g, cells in row.get("cells").items())
        if best < threshold.value:
            below.append(f"{_row_name(row)} ({float(best):.1f}%)")
    reported = [f"{threshold.text}%"]
    if not rows:
        return ctx.finding(claim, check="table-threshold", status="unverifiable",
                           reported=reported, expected=None,
                           message=f"No adverse-event rows of {table} are recorded.", details={})
    if below:
        return ctx.finding(
            claim, check="table-threshold", status="fail", reported=reported, expected=None,
            message=(f"{len(below)} row(s) of {table} fall below the stated {threshold.text}% "
                     f"in every group: {', '.join(below)}."),
            details={"below": below})
    return ctx.finding(
        claim, check="table-threshold", status="pass", reported=reported, expected=None,
        message=(f"All {len(rows)} rows of {table} reach {threshold.text}% (any grade) in at "
                 "least one group."),
        details={})


def check_top_rows(claim: Claim, ctx: AuditContext) -> Finding:
    """Rows named in the text as the most frequent: no unnamed row of the table is more frequent."""
    table, group, column = claim.get("table"), claim.get("group"), claim.get("column")
    n = ctx.claims.groups[group].n
    counts: dict[str, int] = {}
    for row in _row_claims(ctx, table):
        if row.type != "ae-row" or group not in row.get("cells"):
            continue
        key = " ".join(_row_name(row).lower().split())
        count = int(parse_cell(row.get("cells")[group][column]).count.value)
        counts[key] = max(count, counts.get(key, 0))
    terms: list[str] = claim.get("terms")
    percents: list[str] = claim.get("percents") or []
    reported = [*terms, *(f"{p}%" for p in percents)]
    label = ctx.claims.groups[group].label
    if not counts:
        return ctx.finding(
            claim, check="top-rows", status="unverifiable", reported=reported, expected=None,
            message=(f"No adverse-event rows of {table} with counts for {label} are recorded "
                     "in the claims file."),
            details={"counts": counts})
    problems: list[str] = []
    named: dict[str, int] = {}
    for term in terms:
        key = " ".join(term.lower().split())
        if key not in counts:
            problems.append(f"{table} has no row '{term}' with a count for {label}")
        else:
            named[term] = counts[key]
    for term, text in zip(terms, percents, strict=False):
        if term in named and not check_percent(named[term], n, parse_figure(text)).ok:
            problems.append(f"'{term}' is printed as {text}% but "
                            f"{pct_text(named[term], n, parse_figure(text).decimals)}")
    grade = "grade >= 3" if column == "grade3" else "any-grade"
    if named:
        floor = min(named.values())
        named_keys = {" ".join(t.lower().split()) for t in named}
        above = sorted(((c, k) for k, c in counts.items() if k not in named_keys and c > floor),
                       reverse=True)
        for count, key in above:
            problems.append(f"'{key}' ({count}) is not named but is more frequent than the "
                            f"least frequent named row ({floor})")
    shown = ", ".join(f"{t} {c}" for t, c in named.items())
    if problems:
        return ctx.finding(claim, check="top-rows", status="fail", reported=reported,
                           expected=shown or None, message="; ".join(problems) + ".",
                           details={"counts": counts})
    return ctx.finding(
        claim, check="top-rows", status="pass", reported=reported, expected=shown,
        message=(f"The named rows ({shown} of {n}) are the most frequent {grade} rows of "
                 f"{table} for {label}; no other row is more frequent."),
        details={"counts": counts})


def in_order(values: list[int]) -> set[int]:
    """Positions of a longest non-increasing run of ``values`` (not necessarily contiguous)."""
    best = [1] * len(values)
    back = [-1] * len(values)
    for i, v in enumerate(values):
        for j in range(i):
            if values[j] >= v and best[j] + 1 > best[i]:
                best[i], back[i] = best[j] + 1, j
    kept: set[int] = set()
    i = max(range(len(values)), key=lambda k: best[k], default=-1)
    while i >= 0:
        kept.add(i)
        i = back[i]
    return kept


def check_row_order(claim: Claim, ctx: AuditContext) -> Finding:
    """A table sorted by one column (most frequent first): a row out of that order.

    A row printed out of an otherwise kept order was moved, or its count was
    misprinted: either way the table cannot be read as printed, but no figure
    is shown wrong, so it is a warning. The longest run of rows in order is
    taken as the order; the others are out of it.
    """
    table, group, column = claim.get("table"), claim.get("group"), claim.get("column")
    rows = [r for r in _row_claims(ctx, table)
            if r.type == "ae-row" and group in r.get("cells")]
    values = [int(parse_cell(r.get("cells")[group][column]).count.value) for r in rows]
    label = "grade >= 3" if column == "grade3" else "any-grade"
    order = (f"{table} is in descending order of {ctx.claims.groups[group].label} {label} "
             "counts")
    details: dict[str, Any] = {"counts": {_row_name(r): v for r, v in zip(rows, values,
                                                                       strict=True)}}
    if len(rows) < 3:
        return ctx.finding(claim, check="row-order", status="unverifiable", reported=[],
                           expected=None,
                           message=f"{table} has fewer than 3 rows with a {group} count.",
                           details=details)
    kept = in_order(values)
    out = [i for i in range(len(rows)) if i not in kept]
    details["out_of_order"] = [rows[i].id for i in out]
    if not out:
        return ctx.finding(claim, check="row-order", status="pass", reported=[],
                           expected=f"{len(rows)} rows in order",
                           message=f"{order}: all {len(rows)} rows.", details=details)
    parts = []
    for i in out:
        v = values[i]
        before = [k for k in sorted(kept) if k < i]
        after = [k for k in sorted(kept) if k > i]
        higher = [k for k in sorted(kept) if values[k] >= v]
        lower = [k for k in sorted(kept) if values[k] < v]
        fits = (f"{values[after[0]]}–{values[before[-1]]}" if before and after
                else f"at most {values[before[-1]]}" if before else f"at least {values[after[0]]}")
        near = [f"{_row_name(rows[k])} ({values[k]})"
                for k in ([higher[-1]] if higher else []) + ([lower[0]] if lower else [])]
        where = f"between {near[0]} and {near[1]}" if len(near) == 2 else f"next to {near[0]}"
        parts.append(f"'{_row_name(rows[i])}' ({v}) is printed where a count of {fits} "
                     f"would stand; in order it would stand {where}")
    return ctx.finding(
        claim, check="row-order", status="warn", reported=[_row_name(rows[i]) for i in out],
        expected=f"{len(rows)} rows in order",
        message=(f"{order} except {len(out)} of its {len(rows)} rows: " + "; ".join(parts)
                 + ". The row was moved, or its count misprinted."),
        details=details)
