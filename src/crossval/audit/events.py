"""Checks of event counts and group sizes against each other and against the declared groups."""

from __future__ import annotations

from typing import Any

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext, worst
from crossval.audit.findings import Finding
from crossval.audit.rounding import parse_figure


def _totals(claim: Claim) -> dict[str, int]:
    """Events plus deaths per group (a PFS event is progression or death)."""
    deaths = claim.get("deaths") or {}
    return {g: int(parse_figure(v).value) + int(parse_figure(deaths.get(g, "0")).value)
            for g, v in claim.get("events").items()}


def check_event_counts(claim: Claim, ctx: AuditContext) -> Finding:
    """Event counts: at most the group size, equal to their source, unlike another endpoint's."""
    totals = _totals(claim)
    reported = list(claim.get("events").values()) + list((claim.get("deaths") or {}).values())
    parts: list[tuple[str, str]] = []
    details: dict[str, Any] = {"totals": totals}
    for group, total in totals.items():
        n = ctx.claims.groups[group].n
        if total > n:
            parts.append(("fail", f"{group} has {total} events but only {n} patients"))
    if claim.get("same_as"):
        other = ctx.claim(claim.get("same_as"))
        theirs = _totals(other)
        if theirs != totals:
            parts.append(("fail", f"the counts {totals} differ from {other.id} "
                                  f"({other.describe_location()}): {theirs}"))
        else:
            parts.append(("pass", f"the counts match {other.id} ({other.describe_location()})"))
    if claim.get("distinct_from"):
        other = ctx.claim(claim.get("distinct_from"))
        theirs = _totals(other)
        if theirs == totals:
            parts.append(("warn", f"the counts are identical to those of {other.id} "
                                  f"({other.describe_location()}), a different endpoint; "
                                  "identical counts for two endpoints are possible but unlikely "
                                  "and suggest a copied sentence"))
        else:
            parts.append(("pass", f"the counts differ from {other.id}, a different endpoint"))
    if not parts:
        parts.append(("pass", "no group has more events than patients"))
    status = worst(s for s, _ in parts)
    shown = [t for s, t in parts if s == status]
    message = "; ".join(shown)
    return ctx.finding(claim, check="event-counts", status=status, reported=reported,
                       expected=", ".join(f"{g}: {t}" for g, t in totals.items()),
                       message=message[0].upper() + message[1:] + ".", details=details)


def check_group_sizes(claim: Claim, ctx: AuditContext) -> Finding:
    """Group sizes printed in the text against the declared groups and their total."""
    total = int(parse_figure(claim.get("total")).value)
    parts = {g: int(parse_figure(v).value) for g, v in claim.get("parts").items()}
    reported = [claim.get("total"), *claim.get("parts").values()]
    problems = [f"{g} is printed as {v} but declared with n = {ctx.claims.groups[g].n}"
                for g, v in parts.items() if v != ctx.claims.groups[g].n]
    if sum(parts.values()) != total:
        problems.append(f"the groups sum to {sum(parts.values())}, not {total}")
    expected = f"{' + '.join(map(str, parts.values()))} = {sum(parts.values())}"
    if problems:
        return ctx.finding(claim, check="group-sizes", status="fail", reported=reported,
                           expected=expected, message="; ".join(problems) + ".", details={})
    return ctx.finding(claim, check="group-sizes", status="pass", reported=reported,
                       expected=expected,
                       message=f"The groups ({expected}) match the declared sizes and total.",
                       details={})
