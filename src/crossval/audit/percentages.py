"""Percentages against counts and denominators, and why a percentage may be off.

The GRIM idea (Brown & Heathers 2017, "The GRIM test") applied to percentages:
a percentage printed with k decimals of a denominator N is possible only if
some whole count c has 100·c/N inside the figure's rounding interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from crossval.audit.rounding import Figure, double_rounds_to, fmt


@dataclass(frozen=True)
class PercentCheck:
    """A count/denominator against a printed percentage."""

    count: int
    n: int
    computed: Fraction
    ok: bool
    on_boundary: bool
    double_rounded: bool


def check_percent(count: int, n: int, percent: Figure) -> PercentCheck:
    """Does 100·count/n round to the printed percentage (boundary inclusive), or only twice?"""
    computed = Fraction(100 * count, n)
    ok = percent.contains(computed)
    return PercentCheck(count, n, computed, ok, percent.on_boundary(computed),
                        not ok and double_rounds_to(computed, percent))


def possible_counts(n: int, percent: Figure) -> range:
    """Every whole count c in 0..n with 100·c/n inside the percentage's rounding interval (GRIM)."""
    low = max(0, math.ceil(percent.low * n / 100))
    high = min(n, math.floor(percent.high * n / 100))
    return range(low, high + 1)


def pct_text(count: int, n: int, decimals: int) -> str:
    """``17/50 = 34.0%`` with the printed number of decimals."""
    return f"{count}/{n} = {fmt(Fraction(100 * count, n), decimals)}%"


def explain_percent(count: int, n: int, percent: Figure, other_ns: dict[str, int]) -> str:
    """The most likely reason a printed percentage does not match count/n."""
    reasons: list[str] = []
    fitting = possible_counts(n, percent)
    near = [c for c in (count - 1, count + 1, count - 2, count + 2) if c in fitting]
    if double_rounds_to(Fraction(100 * count, n), percent):
        reasons.append(
            f"rounding twice ({fmt(Fraction(100 * count, n), percent.decimals + 2)} -> "
            f"{fmt(Fraction(100 * count, n), percent.decimals + 1)} -> {percent.text}%) "
            "reproduces the printed figure"
        )
    if near:
        reasons.append(f"{percent.text}% is {pct_text(near[0], n, percent.decimals)}, "
                       f"a neighbouring count: either the count or the percentage is a typo")
    for label, other in other_ns.items():
        if other != n and count <= other and percent.contains(Fraction(100 * count, other)):
            reasons.append(f"{percent.text}% is {pct_text(count, other, percent.decimals)}: "
                           f"the denominator of {label} was used")
    if not fitting:
        reasons.append(f"no whole count of {n} gives {percent.text}% (GRIM-impossible)")
    elif not reasons:
        counts = ", ".join(map(str, fitting[:5]))
        reasons.append(f"{percent.text}% of {n} needs a count of {counts}")
    return "; ".join(reasons)
