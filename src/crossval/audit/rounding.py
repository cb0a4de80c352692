"""Printed figures and the intervals their rounding stands for.

A figure printed with k decimals, v, stands for every true value in
[v - 0.5·10^-k, v + 0.5·10^-k].  The boundary is treated inclusively: a true
value of exactly 19.45 may legitimately be printed as 19.4 or 19.5 depending on
the rounding rule (half-up, half-even, or binary floating point), so crossval
accepts both and says so.  Bounds are exact ``Fraction`` values so that a count
ratio such as 17/50 is compared without floating-point error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from crossval.errors import InputError

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_MINUS = str.maketrans({"−": "-", "–": "-", "‒": "-"})


@dataclass(frozen=True)
class Figure:
    """A number exactly as printed, its value and the rounding interval it stands for."""

    text: str
    value: Fraction
    decimals: int
    low: Fraction
    high: Fraction

    def contains(self, value: Fraction | float) -> bool:
        """True when ``value`` rounds to this figure (boundary included)."""
        return within(value, self.low, self.high)

    def on_boundary(self, value: Fraction | float) -> bool:
        """True when ``value`` sits exactly on an end of the rounding interval."""
        v = Fraction(value) if not isinstance(value, Fraction) else value
        return v in (self.low, self.high)


def parse_figure(text: str, *, field: str = "figure") -> Figure:
    """Parse a printed number such as ``"34.0"``, ``"34.0%"`` or ``"0.38"`` (see module doc)."""
    if not isinstance(text, str):
        raise InputError(f"{field} must be a printed number as a string, e.g. '34.0'; got {text!r}")
    cleaned = text.strip().translate(_MINUS).rstrip("%").strip().replace(",", "")
    if not _NUMBER.match(cleaned):
        raise InputError(f"{field} must be a printed number such as '34.0' or '0.38'; got {text!r}")
    try:
        dec = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise InputError(f"{field} is not a number: {text!r}") from None
    exponent = dec.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    value = Fraction(dec)
    half = Fraction(1, 2) / Fraction(10) ** decimals
    return Figure(text=text, value=value, decimals=decimals, low=value - half, high=value + half)


def within(value: Fraction | float, low: Fraction | float, high: Fraction | float) -> bool:
    """Inclusive ``low <= value <= high``; floats get a 1e-12 relative allowance (binary error)."""
    if isinstance(value, Fraction) and isinstance(low, Fraction) and isinstance(high, Fraction):
        return low <= value <= high
    v, lo, hi = float(value), float(low), float(high)
    slack = 1e-12 * max(1.0, abs(v))
    return lo - slack <= v <= hi + slack


def rounded(value: Fraction | float, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places (exact for fractions)."""
    if isinstance(value, Fraction):
        dec = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        dec = Decimal(repr(float(value)))
    return dec.quantize(Decimal(1).scaleb(-decimals), rounding="ROUND_HALF_UP")


def round_like(value: Fraction | float, figure: Figure) -> str:
    """``value`` rounded half-up to the figure's number of decimals, for messages."""
    return str(rounded(value, figure.decimals))


def double_rounds_to(value: Fraction | float, figure: Figure) -> bool:
    """True when rounding first to one extra decimal and then to the printed one gives the figure.

    Rounding twice (45.349 -> 45.35 -> 45.4, or a proportion printed as 0.1375
    by software and then turned into 13.8%) leaves a printed figure one unit
    off in its last place; crossval reports such agreement as a warning.
    """
    once = rounded(value, figure.decimals + 1)
    return Fraction(rounded(Fraction(once), figure.decimals)) == figure.value


def agreement(value: Fraction | float, figure: Figure) -> str | None:
    """``"exact"`` if ``value`` rounds to the figure, ``"double"`` if only rounding twice does."""
    if figure.contains(value):
        return "exact"
    if double_rounds_to(value, figure):
        return "double"
    return None


def fmt(value: Fraction | float, decimals: int) -> str:
    """A number with a fixed number of decimals, for messages."""
    return f"{float(value):.{decimals}f}"


@dataclass(frozen=True)
class ReportedP:
    """A printed p-value: ``P = 0.888``, ``P < 0.0001``, ``P > 0.999`` and the like.

    ``low``/``high`` bound the true p the text allows: the rounding interval for
    ``=``, ``[0, v]`` for ``<`` and ``[v, 1]`` for ``>`` (boundaries inclusive,
    because "P < 0.0001" is conventionally printed for anything that rounds to it).
    """

    text: str
    relation: str
    figure: Figure
    low: Fraction
    high: Fraction

    def contains(self, p: float) -> bool:
        """True when a computed p is compatible with the printed one."""
        return within(p, self.low, self.high)


_P_TEXT = re.compile(
    r"^\s*(?:p(?:[- ]?values?)?\s*)?(=|<|>|≤|≥|<=|>=|less than|greater than)?\s*([0-9.]+)\s*$",
    re.IGNORECASE,
)


def parse_p(text: str, *, field: str = "p") -> ReportedP:
    """Parse a printed p such as ``"P = 0.888"``, ``"P < 0.0001"``, ``"less than 0.001"``."""
    if not isinstance(text, str):
        raise InputError(
            f"{field} must be a printed p-value string such as 'P = 0.888'; got {text!r}")
    match = _P_TEXT.match(text.translate(_MINUS))
    if not match:
        raise InputError(
            f"{field} must look like 'P = 0.888', 'P < 0.0001', 'P > 0.999' or '0.0016'; "
            f"got {text!r}"
        )
    rel_text = (match.group(1) or "=").lower()
    aliases = {"less than": "<", "greater than": ">", "≤": "<", "<=": "<", "≥": ">", ">=": ">"}
    relation = aliases.get(rel_text, rel_text)
    figure = parse_figure(match.group(2), field=field)
    if not (0 <= figure.value <= 1):
        raise InputError(f"{field} must lie between 0 and 1; got {text!r}")
    if relation == "<":
        low, high = Fraction(0), figure.value
    elif relation == ">":
        low, high = figure.value, Fraction(1)
    else:
        low, high = max(Fraction(0), figure.low), min(Fraction(1), figure.high)
    return ReportedP(text=text, relation=relation, figure=figure, low=low, high=high)


@dataclass(frozen=True)
class Cell:
    """A table cell printed as ``n (p)``, ``n (p%)`` or a bare ``n``."""

    text: str
    count: Figure
    percent: Figure | None


_CELL = re.compile(r"^\s*([0-9]+)\s*(?:\(\s*([0-9.]+)\s*%?\s*\))?\s*$")


def parse_cell(text: str, *, field: str = "cell") -> Cell:
    """Parse a count cell such as ``"38 (38.0)"``, ``"0 (0)"`` or ``"0"``."""
    if not isinstance(text, str):
        raise InputError(f"{field} must be a printed cell string such as '38 (38.0)'; got {text!r}")
    match = _CELL.match(text)
    if not match:
        raise InputError(f"{field} must look like '38 (38.0)' or '0'; got {text!r}")
    count = parse_figure(match.group(1), field=field)
    percent = parse_figure(match.group(2), field=field) if match.group(2) else None
    return Cell(text=text, count=count, percent=percent)
