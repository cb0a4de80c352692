"""A small inline SVG comparing a reported confidence interval with each method's.

The reported interval is the top bar; each method's interval is a bar beneath
it. Dashed guides at the reported bounds run through every row, so the method
that reproduces the paper (if any) is the one whose bar ends on both guides;
bars that agree to the reported precision are drawn green as well, and bars
that agree only after rounding twice (13.7495 -> 13.75 -> 13.8) orange.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

WIDTH = 600
LABEL_X = 6  # labels, left aligned
PLOT_X0 = 170
PLOT_X1 = 480
VALUE_X = 490  # the numbers, to the right of the plot
ROW_H = 20
TOP = 8
AXIS_H = 30

_REPORTED = "#222"
_MATCH = "#2e7d32"
_NEAR = "#ef6c00"
_OTHER = "#9e9e9e"


def _pair(value: Any) -> tuple[float, float] | None:
    try:
        lo, hi = (float(v) if v is not None else math.nan for v in value)
    except (TypeError, ValueError):
        return None
    return lo, hi


def _in_percent(details: Mapping[str, Any], values: list[float]) -> tuple[float, bool]:
    """(multiplier to display units, whether the axis is in percent)."""
    unit = str(details.get("unit", "")).lower()
    if unit in ("percent", "%"):
        return 1.0, True
    if unit in ("proportion", "") and all(0.0 <= v <= 1.0 for v in values):
        return 100.0, True
    return 1.0, False  # the claim's own unit (e.g. months); shown as is


def _decimals(value: float) -> int:
    """Decimal places the printed figure had (0.212 as a proportion prints as 21.2)."""
    for d in range(5):
        if abs(value - round(value, d)) < 1e-9 * max(1.0, abs(value)):
            return d
    return 5


def _matches(reported: tuple[float, float], interval: tuple[float, float]) -> bool:
    """Both bounds equal the reported ones after rounding to the reported precision."""
    for r, m in zip(reported, interval, strict=True):
        if not (math.isfinite(r) and math.isfinite(m)):
            return False
        if abs(r - m) > 0.5 * 10.0 ** -_decimals(r) + 1e-9:
            return False
    return True


def _colour(
    method: str, reported: tuple[float, float], interval: tuple[float, float],
    details: Mapping[str, Any],
) -> str:
    """Green: reproduces the printed bounds; orange: only when rounded twice; grey: neither.

    The audit's own verdict (``reproduced_by``) wins where it gives one, so the
    plot never disagrees with the finding it illustrates.
    """
    verdict = details.get("reproduced_by")
    if isinstance(verdict, (list, tuple)):
        if method in verdict:
            return _MATCH
        twice = details.get("reproduced_by_rounding_twice")
        return _NEAR if isinstance(twice, (list, tuple)) and method in twice else _OTHER
    return _MATCH if _matches(reported, interval) else _OTHER


def _ticks(lo: float, hi: float) -> tuple[float, float, float]:
    """A 1-2-5 tick step giving about five ticks, and the domain snapped to it."""
    if hi - lo < 1e-9:  # a degenerate interval still gets a readable axis
        lo, hi = lo - 0.5, hi + 0.5
    raw = (hi - lo) / 5
    base = 10.0 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _fmt(value: float, decimals: int) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{decimals}f}"


def interval_plot(details: Mapping[str, Any], *, title: str = "") -> str | None:
    """The SVG for a CI finding's ``details``, or ``None`` when there is nothing to plot."""
    methods_raw = details.get("method_intervals")
    if not isinstance(methods_raw, Mapping) or not methods_raw:
        return None
    reported = _pair(details.get("reported_interval")) or (math.nan, math.nan)
    methods = {str(k): p for k, v in methods_raw.items() if (p := _pair(v)) is not None}
    try:
        estimate = float(details.get("estimate", math.nan))
    except (TypeError, ValueError):
        estimate = math.nan
    stated = str(details.get("stated_method", ""))

    values = [v for v in (*reported, estimate, *(x for p in methods.values() for x in p))]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return None
    scale, percent = _in_percent(details, values)
    rep = (reported[0] * scale, reported[1] * scale)
    est = estimate * scale
    shown = {m: (p[0] * scale, p[1] * scale) for m, p in methods.items()}
    decimals = max([_decimals(v) for v in rep if math.isfinite(v)] or [1])

    lo, hi, step = _ticks(min(values) * scale, max(values) * scale)
    if percent:
        lo, hi = max(lo, 0.0), min(hi, 100.0)
    span = hi - lo

    def x(v: float) -> float:
        return PLOT_X0 + (min(max(v, lo), hi) - lo) / span * (PLOT_X1 - PLOT_X0)

    suffix = "%" if percent else ""
    rows = [("reported", rep, _REPORTED, True)]
    rows += [(m, p, _colour(m, rep, p, details), m == stated) for m, p in shown.items()]
    height = TOP + ROW_H * len(rows) + AXIS_H
    bottom = TOP + ROW_H * len(rows)
    label = title or "Reported interval compared with each method's interval"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ci-plot" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(label)}</title>",
    ]
    for i, (name, (a, b), colour, strong) in enumerate(rows):
        y = TOP + ROW_H * i + ROW_H / 2
        weight = ' font-weight="bold"' if strong else ""
        text = f"{name} (stated)" if name == stated and name != "reported" else name
        tip = f"{name}: {_fmt(a, decimals + 1)}{suffix} to {_fmt(b, decimals + 1)}{suffix}"
        out.append(
            f'<text x="{LABEL_X}" y="{y + 4:.1f}"{weight}>{escape(text)}</text>'
        )
        if math.isfinite(a) and math.isfinite(b):
            thick = 8 if i == 0 else 6
            out.append(
                f'<rect x="{x(a):.1f}" y="{y - thick / 2:.1f}" width="{max(x(b) - x(a), 1):.1f}" '
                f'height="{thick}" fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
        mark = {_MATCH: " ✓", _NEAR: " ≈"}.get(colour, "")
        out.append(
            f'<text x="{VALUE_X}" y="{y + 4:.1f}">'
            f"{_fmt(a, decimals)}–{_fmt(b, decimals)}{suffix}{mark}</text>"
        )
    for bound in rep:
        if math.isfinite(bound):
            out.append(
                f'<line x1="{x(bound):.1f}" y1="{TOP}" x2="{x(bound):.1f}" y2="{bottom}" '
                f'stroke="{_REPORTED}" stroke-dasharray="2,2" stroke-width="0.8"/>'
            )
    if math.isfinite(est):
        y0 = TOP + ROW_H / 2
        out.append(
            f'<line x1="{x(est):.1f}" y1="{y0 - 8:.1f}" x2="{x(est):.1f}" y2="{y0 + 8:.1f}" '
            f'stroke="#c62828" stroke-width="2"><title>estimate: '
            f"{_fmt(est, decimals + 1)}{suffix}</title></line>"
        )
    out.append(
        f'<line x1="{PLOT_X0}" y1="{bottom}" x2="{PLOT_X1}" y2="{bottom}" stroke="#555"/>'
    )
    tick_decimals = max(0, -math.floor(math.log10(step)))
    for k in range(round(span / step) + 1):
        tick = lo + k * step
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{bottom}" x2="{x(tick):.1f}" y2="{bottom + 4}" '
            f'stroke="#555"/><text x="{x(tick):.1f}" y="{bottom + 15}" text-anchor="middle">'
            f"{tick:.{tick_decimals}f}{suffix}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
