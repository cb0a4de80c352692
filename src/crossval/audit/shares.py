"""A share of a part against the share of the whole it belongs to.

If every case of the part is a case of the whole (L858R mutations are
driver alterations; responders are among those with disease control), the
part's share cannot exceed the whole's in the same population. When the two
shares are printed for different populations, the part's population a
subset of the whole's (NSCLC among lung cancers), both can hold only if that
subset is small enough: part_share x subset_share <= whole_share. The bound
uses the rounding intervals of the printed figures (the part at its lowest,
the whole at its highest), so only figures that no rounding reconciles are
reported.
"""

from __future__ import annotations

from typing import Any

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext
from crossval.audit.findings import Finding
from crossval.audit.rounding import fmt, parse_figure


def check_part_of_whole(claim: Claim, ctx: AuditContext) -> Finding:
    """A part's share is at most its whole's; across populations, at most whole / subset share."""
    part = parse_figure(claim.get("part"), field="part")
    whole = parse_figure(claim.get("whole"), field="whole")
    part_is, whole_is = claim.get("part_is"), claim.get("whole_is")
    among = claim.get("part_among")
    whole_among = claim.get("whole_among") or among
    reported = [f"{part.text}%", f"{whole.text}%"]
    part_text = f"{part_is} in {part.text}% of {among}"
    whole_text = f"{whole_is} in {whole.text}% of {whole_among}"
    if part.low <= 0:
        # a part that may round from 0 fits under any whole
        bound = None
    else:
        bound = whole.high / part.low  # exact: both ends are Fractions
    details: dict[str, Any] = {
        "part_low": float(part.low), "whole_high": float(whole.high),
        "largest_subset_share": None if bound is None else float(bound),
    }
    if bound is None or bound >= 1:
        return ctx.finding(
            claim, check="part-of-whole", status="pass", reported=reported,
            expected=f"at most {whole.text}%",
            message=(f"{part_text} fits within {whole_text}, of which they are part"
                     + ("." if whole_among == among else
                        f", whatever share of {whole_among} {among} are.")),
            details=details)
    if whole_among == among:
        return ctx.finding(
            claim, check="part-of-whole", status="fail", reported=reported,
            expected=f"at most {whole.text}%",
            message=(f"{part_text} is more than {whole_text}, of which they are part: in "
                     f"one population a part cannot be more common than its whole (even at the "
                     f"edges of rounding, {fmt(part.low, part.decimals + 1)}% > "
                     f"{fmt(whole.high, whole.decimals + 1)}%). One of the two figures is "
                     "misreported, or stated for another base."),
            details=details)
    largest = bound * 100
    return ctx.finding(
        claim, check="part-of-whole", status="warn", reported=reported,
        expected=f"{among} at most {fmt(largest, 1)}% of {whole_among}",
        message=(f"{part_text} and {whole_text}, of which they are part, can both hold only if "
                 f"{among} are at most {fmt(largest, 1)}% of {whole_among} "
                 f"({fmt(whole.high, whole.decimals + 1)} / {fmt(part.low, part.decimals + 1)} "
                 f"at the edges of rounding); the paper does not print that share. If "
                 f"{among} are a larger share of {whole_among}, one of the two figures is "
                 "misquoted, most likely as a share of another base."),
        details=details)


__all__ = ["check_part_of_whole"]
