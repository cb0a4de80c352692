"""Printed figures, p-values and cells, and the intervals their rounding stands for."""

from __future__ import annotations

from fractions import Fraction

import pytest

from crossval.audit.rounding import (
    agreement,
    double_rounds_to,
    parse_cell,
    parse_figure,
    parse_p,
    round_like,
)
from crossval.errors import InputError


def test_one_decimal_stands_for_plus_minus_half_a_tenth() -> None:
    # "34.0" has one decimal: half a unit in the last place is 0.05.
    fig = parse_figure("34.0")
    assert fig.decimals == 1
    assert (fig.low, fig.high) == (Fraction("33.95"), Fraction("34.05"))


def test_integer_and_percent_sign_and_dash() -> None:
    # "3" (as in "a 3-month extension") stands for [2.5, 3.5]; a % sign is ignored.
    assert (parse_figure("3").low, parse_figure("3").high) == (Fraction("2.5"), Fraction("3.5"))
    assert parse_figure("54.5%").value == Fraction("54.5")
    assert parse_figure("−0.5").value == Fraction("-0.5")  # a typographic minus


def test_boundary_is_inclusive() -> None:
    # 19.45 is exactly on the boundary between 19.4 and 19.5: both are accepted.
    assert parse_figure("19.5").contains(Fraction("19.45"))
    assert parse_figure("19.4").contains(Fraction("19.45"))
    assert not parse_figure("19.5").contains(Fraction("19.449"))


@pytest.mark.parametrize("bad", ["", "abc", "3.4.5", "1e3", "12 months"])
def test_bad_figures_name_the_field(bad: str) -> None:
    with pytest.raises(InputError, match="percent"):
        parse_figure(bad, field="percent")


def test_unquoted_number_is_refused() -> None:
    with pytest.raises(InputError, match="string"):
        parse_figure(34.0, field="percent")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        # "=": the rounding interval of the printed figure.
        ("P = 0.888", "0.8875", "0.8885"),
        ("0.0016", "0.00155", "0.00165"),
        # "P = 1.000" cannot exceed 1.
        ("P = 1.000", "0.9995", "1"),
        # "<" and ">": everything up to / from the printed value, boundary included.
        ("P < 0.0001", "0", "0.0001"),
        ("P > 0.999", "0.999", "1"),
        ("less than 0.001", "0", "0.001"),
        ("p ≤ 0.05", "0", "0.05"),
    ],
)
def test_p_forms(text: str, low: str, high: str) -> None:
    rp = parse_p(text)
    assert (rp.low, rp.high) == (Fraction(low), Fraction(high))


@pytest.mark.parametrize("bad", ["P = high", "P = 1.5", "P ~ 0.01"])
def test_bad_p_is_refused(bad: str) -> None:
    with pytest.raises(InputError, match="p"):
        parse_p(bad)


def test_cells() -> None:
    cell = parse_cell("38 (38.0)")
    assert (cell.count.value, cell.percent.value if cell.percent else None) == (38, 38)
    assert parse_cell("0").percent is None
    assert parse_cell("0 (0)").percent is not None
    with pytest.raises(InputError, match="cell"):
        parse_cell("38 [38.0]")


def test_double_rounding() -> None:
    # 156/344 = 0.453488...: to two decimals of a percent 45.35, then to one 45.4,
    # while rounding once gives 45.3.
    value = Fraction(15600, 344)
    assert round_like(value, parse_figure("45.4")) == "45.3"
    assert double_rounds_to(value, parse_figure("45.4"))
    assert agreement(value, parse_figure("45.4")) == "double"
    assert agreement(value, parse_figure("45.3")) == "exact"
    # 77/156 = 49.358%: neither once (49.4) nor twice (49.36 -> 49.4) gives 49.5.
    assert agreement(Fraction(7700, 156), parse_figure("49.5")) is None
