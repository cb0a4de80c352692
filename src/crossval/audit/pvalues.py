"""Checks of p-values for contingency tables: the stated test, every other test, other rows' tables.

Tests come from ``crossval.stats.contingency``: Fisher's exact test (Fisher
1922; r×c by network enumeration, Mehta & Patel 1983), Pearson's chi-square
with and without Yates's correction (Yates 1934) and the likelihood-ratio G
test (Woolf 1957).
"""

from __future__ import annotations

from typing import Any

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext
from crossval.audit.findings import Finding
from crossval.audit.rounding import ReportedP, parse_cell, parse_p
from crossval.errors import InputError
from crossval.stats.contingency import chi2_test, fisher_exact, g_test

TEST_LABELS = {
    "fisher": "Fisher's exact test",
    "chi-square": "chi-square without continuity correction",
    "chi-square-yates": "chi-square with Yates's correction",
    "g-test": "likelihood-ratio (G) test",
}


def drop_empty(table: list[list[int]]) -> list[list[int]]:
    """The table without all-zero rows and columns.

    A level nobody has (e.g. "0 (0)" in both groups) carries no information;
    Fisher's p is unchanged without it, and chi-square and G are undefined with
    it (an expected count of 0), so, as R advises, it is dropped.
    """
    rows = [row for row in table if any(row)]
    keep = [j for j in range(len(table[0])) if any(row[j] for row in rows)]
    return [[row[j] for j in keep] for row in rows]


def table_p_values(table: list[list[int]], max_work: int | None = None) -> dict[str, float]:
    """The p of every table test crossval knows (Yates only for 2×2, where it applies).

    ``max_work`` is Fisher's work limit for r×c tables (``fisher_exact``'s).
    """
    table = drop_empty(table)
    if len(table) < 2 or len(table[0]) < 2:
        return {}
    out: dict[str, float] = {}
    try:
        out["fisher"] = float(fisher_exact(table, max_work=max_work).p_value)
    except InputError:
        # An r x c table beyond the exact enumeration's limit: the asymptotic
        # tests still apply, and one oversized table must not stop the audit.
        pass
    out["chi-square"] = float(chi2_test(table, correction=False).p_value)
    if len(table) == 2 and len(table[0]) == 2:
        out["chi-square-yates"] = float(chi2_test(table, correction=True).p_value)
    out["g-test"] = float(g_test(table).p_value)
    return out


def table_of(claim: Claim, ctx: AuditContext) -> tuple[list[list[int]], str]:
    """The table a p-value claim is about (groups as rows), with a description."""
    if claim.get("table") is not None:
        rows = [[int(c) for c in row] for row in claim.get("table")]
        return rows, str(rows)
    source = ctx.claim(claim.get("table_from"))
    if source.type != "categorical":
        raise InputError(f"claim {claim.id!r}: table_from must name a categorical claim; "
                         f"{source.id!r} is a {source.type!r} claim")
    levels = source.get("levels")
    groups = list(levels[0]["cells"])
    rows = [[int(parse_cell(lv["cells"][g]).count.value) for lv in levels] for g in groups]
    return rows, f"{source.get('characteristic')}: {rows}"


def _fmt_p(p: float) -> str:
    return f"{p:.4f}" if p >= 0.0001 else f"{p:.1e}"


def check_p_value(claim: Claim, ctx: AuditContext) -> Finding:
    """A printed p for a table: the stated test, then every test, then sibling rows' tables."""
    rp: ReportedP = parse_p(claim.get("p"))
    stated: str = claim.get("test")
    table, table_text = table_of(claim, ctx)
    p_values = table_p_values(table, ctx.fisher_max_work)
    reported = [rp.text]
    if not p_values:
        return ctx.finding(
            claim, check="p-value", status="unverifiable", reported=reported, expected=None,
            message=(f"{table_text} has fewer than two non-empty rows or columns, so no test "
                     "of association can be computed."),
            details={"table": table})
    details: dict[str, Any] = {"table": table, "p_values": p_values, "stated_test": stated,
                               "reported_p": [float(rp.low), float(rp.high)]}
    all_p = ", ".join(f"{name} {_fmt_p(p)}" for name, p in p_values.items())
    if stated == "fisher" and stated not in p_values:
        return ctx.finding(
            claim, check="p-value", status="unverifiable", reported=reported, expected=None,
            message=(f"Fisher's exact test on {table_text} is past crossval's limit of work "
                     "or memory for the exact p-value, so its p is not recomputed here (other "
                     f"tests: {all_p}); where work is the limit, `crossval audit "
                     "--fisher-max-work` or crossval.fisher_exact(table, max_work=...) "
                     "computes it given more time."),
            details=details)
    if stated not in p_values:
        raise InputError(f"claim {claim.id!r}: {stated!r} does not apply to a "
                         f"{len(table)}x{len(table[0])} table")
    expected = f"{stated} p = {_fmt_p(p_values[stated])}"
    if rp.contains(p_values[stated]):
        return ctx.finding(
            claim, check="p-value", status="pass", reported=reported, expected=expected,
            message=f"{TEST_LABELS[stated]} on {table_text} gives p = {_fmt_p(p_values[stated])}, "
                    f"consistent with {rp.text}.",
            details=details)
    others = [name for name, p in p_values.items() if name != stated and rp.contains(p)]
    details["reproduced_by"] = others
    if others:
        return ctx.finding(
            claim, check="p-value", status="fail", reported=reported, expected=expected,
            message=(f"{rp.text} is not {TEST_LABELS[stated]} (p = {_fmt_p(p_values[stated])}) "
                     f"on {table_text}; it is reproduced by {TEST_LABELS[others[0]]}: the test "
                     "was most likely not the one stated."),
            details=details)
    sibling = _sibling_match(claim, ctx, rp)
    if sibling:
        details["reproduced_by_other_table"] = sibling
        explanation = (f"it equals {TEST_LABELS[sibling['test']]} on the table of "
                       f"{sibling['claim']} ({sibling['table']}, p = {_fmt_p(sibling['p'])}): "
                       "most likely a value shifted from another row")
    else:
        explanation = "no test crossval knows reproduces it from the printed counts"
        twins = [o.id for o in ctx.claims.claims
                 if o.type == "p-value" and o.id != claim.id
                 and o.location.get("table") == claim.location.get("table")
                 and parse_p(o.get("p")).text.replace(" ", "") == rp.text.replace(" ", "")]
        if twins:
            details["same_printed_p"] = twins
            explanation += (f"; the same {rp.text} is printed for {', '.join(twins)}, which "
                            "suggests a value copied between rows")
    return ctx.finding(
        claim, check="p-value", status="fail", reported=reported, expected=expected,
        message=(f"{rp.text} is not reproduced on {table_text}: the stated "
                 f"{TEST_LABELS[stated]} gives p = {_fmt_p(p_values[stated])} (all tests: "
                 f"{all_p}); {explanation}."),
        details=details)


def _sibling_match(claim: Claim, ctx: AuditContext, rp: ReportedP) -> dict[str, Any] | None:
    """Another p-value claim in the same table whose counts reproduce this printed p."""
    table_name = claim.location.get("table")
    for other in ctx.claims.claims:
        if other.id == claim.id or other.type != "p-value":
            continue
        if table_name is None or other.location.get("table") != table_name:
            continue
        other_table, _ = table_of(other, ctx)
        for test, p in table_p_values(other_table, ctx.fisher_max_work).items():
            if rp.contains(p):
                return {"claim": other.id, "table": other_table, "test": test, "p": p}
    return None
