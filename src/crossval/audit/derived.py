"""Figures derived or restated in the text: differences, restatements, a pooled median.

All comparisons are between rounding intervals (see ``crossval.audit.rounding``):
a difference a − b of printed figures can be anything in
[a_low − b_high, a_high − b_low]; two printings of one quantity are consistent
when their intervals share a point (so 19.45 restated as 19.5 is consistent).
Two printings that both round an unknown value and share only an endpoint
(9.1 and 9.2 share 9.15) agree only at the edge of rounding: a warning.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext
from crossval.audit.findings import Finding
from crossval.audit.rounding import Figure, fmt, parse_figure, parse_p, round_like

#: Fields a restatement may repeat, and how each is printed in ``reported``.
RESTATABLE = ("estimate", "hr", "percent", "count", "ci", "p")


def _operand(claim: Claim, ctx: AuditContext, name: str) -> tuple[Figure | None, str]:
    ref = claim.get(f"{name}_from")
    if ref is not None:
        target = ctx.claim(ref)
        field = "estimate" if target.get("estimate") is not None else "value"
        text = ctx.figure_of(ref, field)
        return parse_figure(text), f"{text} ({target.id})"
    if claim.get(name) is not None:
        text = claim.get(name)
        return parse_figure(text), text
    return None, ""


def check_difference(claim: Claim, ctx: AuditContext) -> Finding:
    """A difference stated in the text (e.g. "a 3.8-month extension") against a − b."""
    value = parse_figure(claim.get("value"), field="value")
    a, a_text = _operand(claim, ctx, "minuend")
    b, b_text = _operand(claim, ctx, "subtrahend")
    reported = [value.text]
    if a is None or b is None:
        return ctx.finding(
            claim, check="difference", status="unverifiable", reported=reported, expected=None,
            message=(f"The difference {value.text} cannot be recomputed: "
                     f"{claim.get('missing', 'an operand is not printed')}."),
            details={})
    central = a.value - b.value
    low, high = a.low - b.high, a.high - b.low
    decimals = max(a.decimals, b.decimals)
    expected = f"{a.text} − {b.text} = {fmt(central, decimals)}"
    details: dict[str, Any] = {"difference": float(central), "range": [float(low), float(high)]}
    if value.contains(central):
        return ctx.finding(
            claim, check="difference", status="pass", reported=reported, expected=expected,
            message=(f"{a_text} − {b_text} = {fmt(central, decimals)}, which rounds to "
                     f"{value.text}."),
            details=details)
    if value.low <= high and low <= value.high:
        return ctx.finding(
            claim, check="difference", status="warn", reported=reported, expected=expected,
            message=(f"{a_text} − {b_text} = {fmt(central, decimals)}; {value.text} is reached "
                     "only at the edge of the operands' rounding."),
            details=details)
    alternatives = _pairs_matching(value, ctx, exclude=claim.id)
    details["reproduced_by"] = alternatives
    explanation = (f"it equals the difference {alternatives[0]}, so the wrong pair of figures "
                   "was most likely subtracted" if alternatives
                   else "no other pair of printed medians gives it")
    return ctx.finding(
        claim, check="difference", status="fail", reported=reported, expected=expected,
        message=(f"Reported {value.text}, but {a_text} − {b_text} = {fmt(central, decimals)} "
                 f"(at most {fmt(high, decimals + 1)} over rounding); {explanation}."),
        details=details)


def _pairs_matching(value: Figure, ctx: AuditContext, *, exclude: str) -> list[str]:
    """Pairs of printed medians whose difference rounds to ``value``."""
    medians = [c for c in ctx.claims.claims if c.type == "median-ci" and c.id != exclude]
    found = []
    for x, y in itertools.permutations(medians, 2):
        ex, ey = parse_figure(x.get("estimate")), parse_figure(y.get("estimate"))
        if value.contains(ex.value - ey.value):
            found.append(f"{ex.text} − {ey.text} ({x.id} − {y.id})")
    return found


def _interval(field: str, text: str) -> tuple[Fraction, Fraction]:
    if field == "p":
        rp = parse_p(text)
        return rp.low, rp.high
    fig = parse_figure(text)
    return fig.low, fig.high


def _printed(field: str, value: Any) -> list[str]:
    if field == "ci":
        return list(value)
    if field == "percent":
        return [f"{value}%"]
    return [value]


def check_restatement(claim: Claim, ctx: AuditContext) -> Finding:
    """The same figure printed again elsewhere must round-consistently match its first printing."""
    target = ctx.claim(claim.get("of"))
    strict = claim.get("strict", True)
    reported: list[str] = []
    agreements: list[str] = []
    conflicts: list[str] = []
    edges: list[str] = []
    touching: list[str] = []
    details: dict[str, Any] = {"of": target.id, "pairs": []}
    for field in RESTATABLE:
        if claim.get(field) is None:
            continue
        mine, theirs = claim.get(field), target.get(field)
        reported.extend(_printed(field, mine))
        pairs = list(zip(mine, theirs, strict=True)) if field == "ci" else [(mine, theirs)]
        for m, t in pairs:
            m_lo, m_hi = _interval(field, m)
            t_lo, t_hi = _interval(field, t)
            consistent = m_lo <= t_hi and t_lo <= m_hi
            details["pairs"].append({"field": field, "restated": m, "original": t,
                                     "consistent": consistent})
            if not consistent:
                conflicts.append(f"{field} {m} vs {t}")
            elif field != "p" and parse_figure(t).value in (m_lo, m_hi):
                # The original is printed more finely and sits exactly on a
                # rounding boundary of the restatement: either direction of
                # rounding a known half is a convention, not an error.
                edges.append(f"{m} restates {t} (they meet at the rounding boundary, "
                             "which crossval accepts)")
            elif field != "p" and (m_hi == t_lo or t_hi == m_lo):
                # Both printings round an unknown value and their intervals share
                # one point: they agree only if that value is exactly the point
                # and the two places rounded it in opposite directions.
                point = m_hi if m_hi == t_lo else m_lo
                places = max(parse_figure(m).decimals, parse_figure(t).decimals) + 1
                touching.append(f"{m} and {t} agree only if the value is exactly "
                                f"{fmt(point, places)} and the two printings rounded it in "
                                "opposite directions")
            else:
                agreements.append(f"{m} = {t}")
    where = target.describe_location()
    same = f": {', '.join(agreements)}" if agreements else ""
    if not conflicts and touching:
        return ctx.finding(
            claim, check="restatement", status="warn", reported=reported,
            expected=f"as in {where}",
            message=(f"Restates {target.id} ({where}) only at the edge of rounding: "
                     f"{'; '.join(touching)}; most likely one of them is misprinted, or they "
                     "describe different quantities."),
            details=details)
    if not conflicts:
        edge = f" {'; '.join(edges)}." if edges else ""
        return ctx.finding(
            claim, check="restatement", status="pass", reported=reported,
            expected=f"as in {where}",
            message=f"Consistent with {target.id} ({where}){same}.{edge}", details=details)
    copies = _same_text_elsewhere(claim, ctx, target.id)
    explanation = ""
    if copies:
        explanation = (f" The same printed figures appear in {', '.join(copies)}, so they were "
                       "most likely copied from there.")
    corrected = _suggest(claim, target)
    status = "fail" if strict else "warn"
    hedge = "" if strict else " (the two may describe slightly different quantities)"
    return ctx.finding(
        claim, check="restatement", status=status, reported=reported,
        expected=corrected or f"as in {where}",
        message=(f"Restates {target.id} ({where}) inconsistently{hedge}: "
                 f"{'; '.join(conflicts)}."
                 + (f" Rounded to the restatement's precision the original reads {corrected}."
                    if corrected else "")
                 + explanation),
        details=details)


def _suggest(claim: Claim, target: Claim) -> str | None:
    """What the restatement would print if it rounded the original to its own precision."""
    pieces, originals = [], []
    for field in ("estimate", "hr", "percent", "count"):
        mine, theirs = claim.get(field), target.get(field)
        if mine is not None and theirs is not None:
            pieces.append(round_like(parse_figure(theirs).value, parse_figure(mine)))
            originals.append(theirs)
    if claim.get("ci") is not None and target.get("ci") is not None:
        bounds = [round_like(parse_figure(t).value, parse_figure(m))
                  for m, t in zip(claim.get("ci"), target.get("ci"), strict=True)]
        pieces.append(f"({bounds[0]}–{bounds[1]})")
        originals.append(f"({target.get('ci')[0]}–{target.get('ci')[1]})")
    # Only worth saying when rounding changes what the original prints.
    return " ".join(pieces) if pieces and pieces != originals else None


def _same_text_elsewhere(claim: Claim, ctx: AuditContext, target_id: str) -> list[str]:
    """Other claims that print exactly the restated figures (a copy-paste trail)."""
    mine = {claim.get(f) for f in ("estimate", "hr", "percent", "count") if claim.get(f)}
    out = []
    for other in ctx.claims.claims:
        if other.id in (claim.id, target_id) or other.type == "restatement":
            continue
        theirs = {other.get(f) for f in ("estimate", "hr", "percent", "count") if other.get(f)}
        if mine & theirs:
            out.append(f"{other.id} ({other.describe_location()})")
    return out


def check_pooled_median(claim: Claim, ctx: AuditContext) -> Finding:
    """A median of the pooled sample must lie between the group medians (rounding-aware)."""
    value = parse_figure(claim.get("value"), field="value")
    medians = {g: parse_figure(v) for g, v in claim.get("group_medians").items()}
    low = min(m.low for m in medians.values())
    high = max(m.high for m in medians.values())
    reported = [value.text]
    shown = ", ".join(f"{ctx.claims.groups[g].label} {m.text}" for g, m in medians.items())
    expected = f"between {min(m.text for m in medians.values())} and " \
               f"{max(m.text for m in medians.values())}"
    if value.low <= high and low <= value.high:
        return ctx.finding(
            claim, check="pooled-median", status="pass", reported=reported, expected=expected,
            message=(f"The overall median {value.text} lies between the group medians "
                     f"({shown}), as a pooled median must; its exact value needs the data."),
            details={})
    return ctx.finding(
        claim, check="pooled-median", status="fail", reported=reported, expected=expected,
        message=(f"The overall median {value.text} lies outside the group medians ({shown}); "
                 "a pooled median cannot."),
        details={})
