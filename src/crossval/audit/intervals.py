"""Checks of confidence intervals: a proportion's CI by every binomial method, a median's CI.

A proportion's CI is recomputed with ``crossval.stats.binomial.binom_ci`` by
every method (Clopper & Pearson 1934; Wilson 1927; Agresti & Coull 1998;
Newcombe 1998 for the continuity-corrected Wilson, Jeffreys and mid-p), and
when the stated method does not reproduce the printed bounds crossval looks for
the method, and then the mistaken input, that does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossval.audit.claims import CI_METHODS, Claim
from crossval.audit.context import AuditContext
from crossval.audit.findings import Finding
from crossval.audit.percentages import check_percent, pct_text
from crossval.audit.rounding import Figure, agreement, fmt, parse_figure
from crossval.stats.binomial import binom_ci


@dataclass(frozen=True)
class Candidate:
    """An input (x, n) someone may have used by mistake, and how to describe it."""

    x: int
    n: int
    label: str


def method_intervals(x: int, n: int, conf_level: float) -> dict[str, list[float]]:
    """Every binomial method's interval for x/n, in percent."""
    out: dict[str, list[float]] = {}
    for method in CI_METHODS:
        ci = binom_ci(x, n, method=method, conf_level=conf_level)
        out[method] = [100.0 * float(ci.low), 100.0 * float(ci.high)]
    return out


def _matches(interval: list[float], low: Figure, high: Figure) -> str | None:
    """``"exact"`` when both bounds round to the printed ones, ``"double"`` when one needs
    rounding twice (e.g. 13.7495% -> 13.75 -> 13.8), else None."""
    kinds = {agreement(interval[0], low), agreement(interval[1], high)}
    if None in kinds:
        return None
    return "double" if "double" in kinds else "exact"


def _ci_text(interval: list[float], decimals: int) -> str:
    return f"{fmt(interval[0], decimals)}%–{fmt(interval[1], decimals)}%"


def _candidates(
    x: int, n: int, percent: Figure, claim: Claim, ctx: AuditContext
) -> list[Candidate]:
    """Mistaken inputs in order of how often they occur in practice."""
    found: list[Candidate] = []
    as_count = percent.value
    if as_count.denominator == 1 and 0 <= as_count <= n and int(as_count) != x:
        found.append(
            Candidate(int(as_count), n, f"the percentage {percent.text} used as the count"))
    found.append(Candidate(n - x, n, f"the complement {n - x}/{n}"))
    for group in ctx.claims.groups.values():
        if group.n != n and x <= group.n:
            found.append(
                Candidate(x, group.n, f"the wrong denominator {x}/{group.n} ({group.label})"))
    for other in ctx.claims.claims:
        if other.id == claim.id or other.type != "proportion-ci":
            continue
        ox = _count_of(other)
        on, _ = ctx.denominator(other.get("denominator"))
        if (ox, on) != (x, n):
            found.append(Candidate(ox, on, f"the counts of {other.id} ({ox}/{on}, swapped group)"))
    for delta in (-1, 1, -2, 2):
        if 0 <= x + delta <= n:
            found.append(Candidate(x + delta, n, f"the neighbouring count {x + delta}/{n}"))
    seen: set[tuple[int, int]] = {(x, n)}
    unique = []
    for cand in found:
        if (cand.x, cand.n) not in seen:
            seen.add((cand.x, cand.n))
            unique.append(cand)
    return unique


def _count_of(claim: Claim) -> int:
    if claim.get("count") is not None:
        return int(parse_figure(claim.get("count")).value)
    return sum(int(parse_figure(p).value) for p in claim.get("count_parts"))


def check_proportion_ci(claim: Claim, ctx: AuditContext) -> Finding:
    """A proportion with its CI: estimate, containment, the method that reproduces the bounds."""
    x = _count_of(claim)
    n, n_text = ctx.denominator(claim.get("denominator"))
    percent = parse_figure(claim.get("percent"), field="percent")
    low, high = (parse_figure(v, field="ci") for v in claim.get("ci"))
    conf = float(parse_figure(claim.get("conf_level", "95")).value) / 100.0
    stated: str = claim.get("method")
    decimals = max(low.decimals, high.decimals)
    reported = [f"{percent.text}%", f"{low.text}%", f"{high.text}%"]
    if x > n:
        return ctx.finding(
            claim, check="ci-method", status="fail", reported=reported, expected=None,
            message=f"The count {x} exceeds its denominator {n_text}.",
            details={"unit": "%", "reported_interval": [float(low.value), float(high.value)],
                     "estimate": float(percent.value), "method_intervals": {},
                     "stated_method": stated})
    intervals = method_intervals(x, n, conf)
    details: dict[str, Any] = {
        "unit": "%",
        "reported_interval": [float(low.value), float(high.value)],
        "estimate": float(percent.value),
        "method_intervals": intervals,
        "stated_method": stated,
        "count": x,
        "denominator": n,
        "conf_level": conf,
    }
    problems: list[str] = []
    pc = check_percent(x, n, percent)
    if not pc.ok:
        problems.append(f"the estimate {percent.text}% is not {pct_text(x, n, percent.decimals)}")
    # Rounding-aware: the CI fails to contain the estimate only if no values
    # inside the rounding intervals would make it do so.
    contains = not (percent.low > high.high or percent.high < low.low)
    if not contains:
        problems.append(f"the interval {low.text}%–{high.text}% does not contain its own "
                        f"estimate {percent.text}%")
    stated_match = _matches(intervals[stated], low, high)
    exact = [m for m in CI_METHODS if m != stated and _matches(intervals[m], low, high) == "exact"]
    twice = [m for m in CI_METHODS if m != stated and _matches(intervals[m], low, high) == "double"]
    details["reproduced_by"] = ([stated] if stated_match == "exact" else []) + exact
    details["reproduced_by_rounding_twice"] = ([stated] if stated_match == "double" else []) + twice
    expected = f"{_ci_text(intervals[stated], decimals)} ({stated}, {x}/{n})"
    exact_text = _ci_text(intervals[stated], decimals + 3)

    if stated_match and not problems:
        if stated_match == "exact":
            return ctx.finding(
                claim, check="ci-method", status="pass", reported=reported, expected=expected,
                message=(f"The {stated} interval for {x}/{n} rounds to the printed "
                         f"{low.text}%–{high.text}%."),
                details=details)
        return ctx.finding(
            claim, check="ci-method", status="warn", reported=reported, expected=expected,
            message=(f"The {stated} interval for {x}/{n} is {exact_text}; it gives the printed "
                     f"{low.text}%–{high.text}% only when rounded twice (agreement at the edge "
                     "of rounding)."),
            details=details)
    if stated_match:
        return ctx.finding(
            claim, check="ci-method", status="fail", reported=reported, expected=expected,
            message=(f"The interval is the {stated} interval for {x}/{n}, but "
                     f"{'; '.join(problems)}."),
            details=details)
    others = exact or twice
    if others:
        problems.append(f"the stated {stated} interval for {x}/{n} is "
                        f"{_ci_text(intervals[stated], decimals)}")
        how = ""
        if not exact:
            how = (f" ({others[0]}: {_ci_text(intervals[others[0]], decimals + 3)}, "
                   "matching once rounded twice)")
        return ctx.finding(
            claim, check="ci-method", status="fail", reported=reported, expected=expected,
            message=(f"Reported {low.text}%–{high.text}% ({stated}); {'; '.join(problems)}. "
                     f"The printed bounds are the {' / '.join(others)} interval for {x}/{n}"
                     f"{how}: the interval was most likely computed with that method, not "
                     f"{stated}."),
            details=details)

    matches: list[str] = []
    tried: list[str] = []
    for cand in _candidates(x, n, percent, claim, ctx):
        tried.append(cand.label)
        cand_intervals = method_intervals(cand.x, cand.n, conf)
        order = [stated] + [m for m in CI_METHODS if m != stated]
        for method in order:
            if _matches(cand_intervals[method], low, high) == "exact":
                matches.append(f"the {method} interval for {cand.label} "
                               f"({_ci_text(cand_intervals[method], decimals)})")
                details.setdefault("reproducing_inputs", []).append(
                    {"x": cand.x, "n": cand.n, "method": method, "input": cand.label,
                     "interval": cand_intervals[method]})
    problems.append(f"no method reproduces it from {x}/{n} ({n_text}); the stated {stated} "
                    f"interval is {_ci_text(intervals[stated], decimals)}")
    if matches:
        explanation = f"The printed bounds are {matches[0]}"
        if len(matches) > 1:
            explanation += f" (also: {'; '.join(matches[1:3])})"
        explanation += "."
    else:
        explanation = ("No method and no mistaken input crossval tries reproduces the bounds "
                       f"(tried: {', '.join(tried[:6])}{', ...' if len(tried) > 6 else ''}).")
    return ctx.finding(
        claim, check="ci-method", status="fail", reported=reported, expected=expected,
        message=f"Reported {percent.text}% ({low.text}%–{high.text}%): {'; '.join(problems)}. "
                + explanation,
        details=details)


def check_median_ci(claim: Claim, ctx: AuditContext) -> Finding:
    """A median with its CI: the interval must contain the estimate (rounding-aware)."""
    est = parse_figure(claim.get("estimate"), field="estimate")
    low, high = (parse_figure(v, field="ci") for v in claim.get("ci"))
    unit = claim.get("unit", "")
    suffix = f" {unit}" if unit else ""
    details: dict[str, Any] = {
        "reported_interval": [float(low.value), float(high.value)],
        "estimate": float(est.value),
        "method_intervals": {},
        "stated_method": None,
        "unit": unit,
    }
    reported = [est.text, low.text, high.text]
    contains = not (est.low > high.high or est.high < low.low)
    strictly = low.value <= est.value <= high.value
    if contains and strictly:
        return ctx.finding(
            claim, check="ci-contains", status="pass", reported=reported,
            expected=f"{low.text} <= {est.text} <= {high.text}",
            message=(f"The interval {low.text}–{high.text}{suffix} contains the estimate "
                     f"{est.text}."),
            details=details)
    if contains:
        return ctx.finding(
            claim, check="ci-contains", status="warn", reported=reported,
            expected=f"{low.text} <= {est.text} <= {high.text}",
            message=(f"The estimate {est.text} lies outside {low.text}–{high.text}{suffix} as "
                     "printed, and inside only at the edge of rounding."),
            details=details)
    return ctx.finding(
        claim, check="ci-contains", status="fail", reported=reported,
        expected=f"an interval containing {est.text}",
        message=(f"The interval {low.text}–{high.text}{suffix} does not contain its estimate "
                 f"{est.text}; one of the three figures is misprinted."),
        details=details)

