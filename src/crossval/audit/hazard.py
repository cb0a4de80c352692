"""Checks of hazard ratios: CI symmetry, the p-value a CI implies, SE from events, "X% reduction".

The implied p follows Altman & Bland (2011), "How to obtain the P value from a
confidence interval": SE = (log U − log L) / (2·z), z = log HR / SE.  Every
printed figure stands for its rounding interval, so crossval propagates them:
the p range is taken over the corners of the box HR × L × U.  The events check
uses Var(log HR) ≈ 1/d1 + 1/d2 (Peto et al. 1977; Parmar, Torri & Stewart 1998)
as a plausibility rule of thumb only.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from scipy import special

from crossval.audit.claims import Claim
from crossval.audit.context import AuditContext, worst
from crossval.audit.findings import Finding
from crossval.audit.rounding import Figure, ReportedP, fmt, parse_figure, parse_p, round_like

#: SE(log HR) from the CI and from sqrt(1/d1 + 1/d2) usually agree within this
#: factor; outside it the event counts and the CI are unlikely to belong together.
SE_RATIO_RANGE = (0.8, 1.25)


def _z(conf_level: float) -> float:
    return float(special.ndtri(0.5 + conf_level / 2.0))


def implied_p(hr: float, low: float, high: float, conf_level: float = 0.95) -> float:
    """Two-sided Wald p implied by an HR and its CI (Altman & Bland 2011)."""
    se = (math.log(high) - math.log(low)) / (2.0 * _z(conf_level))
    return float(2.0 * special.ndtr(-abs(math.log(hr)) / se))


def implied_p_range(hr: Figure, low: Figure, high: Figure,
                    conf_level: float = 0.95) -> tuple[float, float]:
    """Smallest and largest implied p over the rounding intervals of HR, L and U."""
    values = []
    hr_points = [float(hr.low), float(hr.high)]
    if hr.low <= 1 <= hr.high:
        hr_points.append(1.0)
    for h, lo, hi in itertools.product(hr_points, (float(low.low), float(low.high)),
                                       (float(high.low), float(high.high))):
        if lo <= 0 or hi <= lo or h <= 0:
            continue
        values.append(implied_p(h, lo, hi, conf_level))
    return min(values), max(values)


def _p_compare(reported: ReportedP, central: float, p_range: tuple[float, float]) -> str:
    if reported.contains(central):
        return "pass"
    lo, hi = p_range
    if not (hi < float(reported.low) or lo > float(reported.high)):
        return "warn"
    return "fail"


def check_hazard_ratio(claim: Claim, ctx: AuditContext) -> Finding:
    """HR with CI and p: containment, log-scale symmetry, implied p, SE against event counts."""
    hr = parse_figure(claim.get("hr"), field="hr")
    low, high = (parse_figure(v, field="ci") for v in claim.get("ci"))
    conf = float(parse_figure(claim.get("conf_level", "95")).value) / 100.0
    reported = [hr.text, low.text, high.text]
    parts: list[tuple[str, str]] = []  # (status, sentence)
    details: dict[str, Any] = {
        "reported_interval": [float(low.value), float(high.value)],
        "estimate": float(hr.value),
        "method_intervals": {},
        "stated_method": None,
        "scale": "hazard ratio",
    }
    if min(low.value, hr.value) <= 0:
        return ctx.finding(
            claim, check="hr-ci", status="fail", reported=reported, expected="HR and bounds > 0",
            message=(f"A hazard ratio and its confidence bounds must be positive; HR {hr.text} "
                     f"({low.text}–{high.text}) is printed with a value of 0 or less (a "
                     "positive value that small needs more decimals)."),
            details=details)

    if hr.low > high.high or hr.high < low.low:
        parts.append(("fail", f"the CI {low.text}–{high.text} does not contain HR {hr.text}"))

    # Symmetry on the log scale: the geometric mean of the bounds, over their
    # rounding intervals, must reach the HR's rounding interval.
    gm = math.sqrt(float(low.value) * float(high.value))
    gm_low = math.sqrt(float(low.low) * float(high.low))
    gm_high = math.sqrt(float(low.high) * float(high.high))
    details["geometric_mean_of_bounds"] = gm
    if float(hr.low) <= gm_high and gm_low <= float(hr.high):
        parts.append(("pass", f"the CI is symmetric about the HR on the log scale "
                              f"(geometric mean of the bounds {gm:.3f})"))
    else:
        parts.append(("warn", f"the CI is not symmetric about HR {hr.text} on the log scale "
                              f"(geometric mean of the bounds {gm:.3f}); a Wald CI would be"))

    z = _z(conf)
    se_ci = (math.log(float(high.value)) - math.log(float(low.value))) / (2.0 * z)
    details["se_log_hr_from_ci"] = se_ci
    expected = None
    if claim.get("p") is not None:
        rp = parse_p(claim.get("p"))
        central = implied_p(float(hr.value), float(low.value), float(high.value), conf)
        p_range = implied_p_range(hr, low, high, conf)
        details["implied_p"] = central
        details["implied_p_range"] = list(p_range)
        reported.append(rp.text)
        expected = f"implied p = {central:.2g} (range {p_range[0]:.3g}–{p_range[1]:.3g})"
        status = _p_compare(rp, central, p_range)
        if status == "pass":
            parts.append(("pass", f"the p implied by HR and CI, {central:.2g}, agrees with "
                                  f"{rp.text}"))
        elif status == "warn":
            parts.append(("warn", f"the p implied by HR and CI is {central:.2g}, not {rp.text}; "
                                  f"only at the edge of the rounding intervals of HR and bounds "
                                  f"(range {p_range[0]:.3g}–{p_range[1]:.3g}) does it reach the "
                                  "reported value (a log-rank p may also differ from the Wald p)"))
        else:
            parts.append(("fail", f"the p implied by HR and CI is {central:.2g} (at most "
                                  f"{p_range[1]:.2g}, at least {p_range[0]:.2g} over the "
                                  f"rounding intervals), incompatible with {rp.text}"))

    if claim.get("events_from"):
        events = _event_counts(ctx, claim.get("events_from"))
        if len(events) == 2 and all(d > 0 for d in events.values()):
            se_events = math.sqrt(sum(1.0 / d for d in events.values()))
            ratio = se_ci / se_events
            details["se_log_hr_from_events"] = se_events
            details["se_ratio"] = ratio
            counts = " and ".join(str(d) for d in events.values())
            if SE_RATIO_RANGE[0] <= ratio <= SE_RATIO_RANGE[1]:
                parts.append(("pass", f"SE(log HR) from the CI, {se_ci:.3f}, is {ratio:.2f} times "
                                      f"sqrt(1/d1 + 1/d2) = {se_events:.3f} from {counts} events"))
            else:
                parts.append(("warn", f"SE(log HR) from the CI, {se_ci:.3f}, is {ratio:.2f} times "
                                      f"sqrt(1/d1 + 1/d2) = {se_events:.3f} from {counts} events, "
                                      "outside the usual 0.8–1.25"))

    status = worst(s for s, _ in parts)
    shown = [text for s, text in parts if s == status] if status != "pass" else \
        [text for _, text in parts]
    message = "; ".join(shown)
    message = message[0].upper() + message[1:] + "."
    return ctx.finding(claim, check="hr-ci", status=status, reported=reported,
                       expected=expected, message=message, details=details)


def _event_counts(ctx: AuditContext, ref: str) -> dict[str, int]:
    source = ctx.claim(ref)
    events = source.get("events") or {}
    deaths = source.get("deaths") or {}
    return {g: int(parse_figure(v).value) + int(parse_figure(deaths.get(g, "0")).value)
            for g, v in events.items()}


def check_hr_reduction(claim: Claim, ctx: AuditContext) -> Finding:
    """An "X% reduction in risk" against 1 − HR, rounding-aware."""
    pct = parse_figure(claim.get("percent"), field="percent")
    hr = parse_figure(ctx.figure_of(claim.get("hr_from"), "hr"), field="hr")
    central = (1 - hr.value) * 100
    low, high = (1 - hr.high) * 100, (1 - hr.low) * 100
    reported = [f"{pct.text}%", hr.text]
    expected = f"1 − {hr.text} = {fmt(central, max(pct.decimals, hr.decimals - 2))}%"
    details = {"computed_percent": float(central), "range": [float(low), float(high)]}
    if pct.contains(central):
        return ctx.finding(claim, check="hr-reduction", status="pass", reported=reported,
                           expected=expected,
                           message=f"A {pct.text}% reduction is 1 − HR {hr.text}.",
                           details=details)
    if pct.low <= high and low <= pct.high:
        return ctx.finding(claim, check="hr-reduction", status="warn", reported=reported,
                           expected=expected,
                           message=(f"1 − HR {hr.text} is {round_like(central, pct)}%; the "
                                    f"printed {pct.text}% agrees only at the edge of the HR's "
                                    "rounding."), details=details)
    return ctx.finding(claim, check="hr-reduction", status="fail", reported=reported,
                       expected=expected,
                       message=(f"A {pct.text}% reduction would need HR "
                                f"{fmt(1 - pct.value / 100, hr.decimals)}; 1 − HR {hr.text} "
                                f"is {round_like(central, pct)}%."), details=details)
