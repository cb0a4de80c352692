"""Checks of ``count`` claims: "n (p%)" of N, a bare percentage (GRIM), table counts restated."""

from __future__ import annotations

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext
from crossval.audit.findings import Finding
from crossval.audit.percentages import (
    check_percent,
    explain_percent,
    pct_text,
    possible_counts,
)
from crossval.audit.rounding import fmt, parse_figure, round_like, rounded


def other_denominators(ctx: AuditContext) -> dict[str, int]:
    """Every declared group's n, for the wrong-denominator explanation."""
    return {f"{g.label} (n = {g.n})": g.n for g in ctx.claims.groups.values()}


def check_count(claim: Claim, ctx: AuditContext) -> Finding:
    """A count with its percentage of a denominator, rounding-aware (GRIM: Brown & Heathers 2017).
    """
    n, n_text = ctx.denominator(claim.get("denominator"))
    percent = parse_figure(claim.get("percent"), field="percent") if claim.get("percent") else None
    printed_count = claim.get("count")
    reported: list[str] = []
    if printed_count is not None:
        reported.append(printed_count)
    if percent is not None:
        reported.append(f"{percent.text}%")
    details: dict[str, object] = {"denominator": n}

    count: int | None = int(parse_figure(printed_count).value) if printed_count else None
    sources = claim.get("count_from") or []
    summed = ""
    if sources:
        parts = [ctx.resolve_count(ref) for ref in sources]
        total = sum(p.count for p in parts)
        sum_text = " + ".join(p.text.split(" ")[0] for p in parts)
        details["count_from"] = {p.ref: p.count for p in parts}
        summed = " + ".join(str(p.count) for p in parts)
        if count is not None and count != total:
            return ctx.finding(
                claim, check="count-sum", status="fail", reported=reported,
                expected=f"{sum_text} = {total}",
                message=(f"The count {count} does not equal the sum of the counts it restates "
                         f"({', '.join(sources)}: {sum_text} = {total})."),
                details=details)
        count = total

    if count is not None and count > n:
        return ctx.finding(
            claim, check="count-percentage", status="fail", reported=reported,
            expected=f"a count of at most {n}",
            message=f"The count {count} exceeds its denominator {n_text}.", details=details)

    if percent is None:
        assert count is not None  # the loader requires count or percent
        return ctx.finding(
            claim, check="count-sum" if sources else "count-percentage", status="pass",
            reported=reported, expected=f"{count} of {n}",
            message=(f"The count {count} matches the sum of the counts it restates and "
                     f"does not exceed {n_text}." if sources
                     else f"The count {count} does not exceed {n_text}."),
            details=details)

    if count is None:
        fitting = possible_counts(n, percent)
        # Large denominators admit many counts; a few are enough to show.
        details["possible_counts"] = list(fitting[:20])
        if fitting:
            shown = ", ".join(map(str, fitting[:5])) + (", ..." if len(fitting) > 5 else "")
            return ctx.finding(
                claim, check="grim", status="pass", reported=reported,
                expected=pct_text(fitting[0], n, percent.decimals),
                message=(f"{percent.text}% is possible for a denominator of {n} "
                         f"(count {shown})."),
                details=details)
        below = int(percent.value * n // 100)
        neighbours = ", ".join(pct_text(c, n, percent.decimals)
                               for c in (below, below + 1) if 0 <= c <= n)
        return ctx.finding(
            claim, check="grim", status="fail", reported=reported,
            expected=f"no count of {n} gives {percent.text}% (nearest: {neighbours})",
            message=(f"{percent.text}% is impossible for a denominator of {n}: no whole count "
                     f"rounds to it (nearest: {neighbours}). The denominator or the "
                     "percentage is misreported."),
            details=details)

    result = check_percent(count, n, percent)
    details["computed_percent"] = float(result.computed)
    check = "count-sum" if sources else "count-percentage"
    if result.ok:
        edge = (" The value sits exactly on the rounding boundary, which crossval accepts "
                "(boundaries are inclusive)." if result.on_boundary else "")
        restated = ""
        if len(sources) == 1:
            restated = f" (from {sources[0]})"
        elif sources:
            restated = f" ({summed} from {', '.join(sources)})"
        return ctx.finding(
            claim, check=check, status="pass", reported=reported,
            expected=pct_text(count, n, percent.decimals),
            message=f"{count}{restated} of {n} rounds to {percent.text}%.{edge}",
            details=details)
    if result.double_rounded:
        return ctx.finding(
            claim, check=check, status="warn", reported=reported,
            expected=pct_text(count, n, percent.decimals),
            message=(f"{count}/{n} = {fmt(result.computed, percent.decimals + 2)}%, which rounds "
                     f"to {round_like(result.computed, percent)}%; {percent.text}% is reached "
                     f"only by rounding twice ({fmt(result.computed, percent.decimals + 2)} -> "
                     f"{rounded(result.computed, percent.decimals + 1)} -> {percent.text}), "
                     "agreement at the edge of rounding."),
            details=details)
    reason = explain_percent(count, n, percent, other_denominators(ctx))
    return ctx.finding(
        claim, check=check, status="fail", reported=reported,
        expected=pct_text(count, n, percent.decimals),
        message=(f"Reported {count} ({percent.text}%) of {n}, but "
                 f"{pct_text(count, n, percent.decimals)}. Most likely: {reason}."),
        details=details)
