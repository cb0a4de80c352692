"""Lexing printed numbers: decimal points, minus signs, number words, p-values."""

from __future__ import annotations

import re

import pytest

from crossval.extract.numbers import (
    COUNT,
    NUM,
    P_VALUE,
    PERCENT,
    figure,
    normalize,
    parse_printed_p,
    read_p,
    word_value,
)


def test_normalize_keeps_positions_and_unifies_marks() -> None:
    text = "HR 0·38 (−1·2 to 3·4)\u00a0months"
    out = normalize(text)
    # Same length, so a span found in the normalised text locates the original.
    assert len(out) == len(text)
    assert out == "HR 0.38 (-1.2 to 3.4) months"


def test_middle_dot_between_digits_only() -> None:
    # A middle dot used as a list bullet is not a decimal point.
    assert normalize("A · B and 9·23") == "A · B and 9.23"


@pytest.mark.parametrize(("words", "value"), [
    ("Seven", 7), ("seventeen", 17), ("Forty-four", 44), ("ninety five", 95),
    ("one hundred", 100), ("zero", 0), ("no", 0),
])
def test_number_words(words: str, value: int) -> None:
    assert word_value(words) == value


def test_not_a_number_word() -> None:
    assert word_value("several") is None
    assert word_value("forty-eleven") is None  # "eleven" is not a unit word after a ten


@pytest.mark.parametrize(("printed", "as_figure"), [
    ("34.0", "34.0"),  # precision kept: 34.0 is not 34
    ("34.0%", "34.0"),
    ("1,060,600", "1060600"),
    ("Forty-four", "44"),
    ("76 percent", "76"),
])
def test_figure_keeps_printed_precision(printed: str, as_figure: str) -> None:
    assert figure(printed) == as_figure


def test_figure_rejects_words_that_are_not_numbers() -> None:
    with pytest.raises(ValueError, match="not a printed number"):
        figure("many")


def test_num_is_a_whole_token() -> None:
    # Digits inside codes ("PFS2", "T790M", "ex19del") are not numbers.
    found = re.findall(NUM, "PFS2 T790M ex19del 9.23 and 1,200")
    assert found == ["9.23", "1,200"]


def test_count_and_percent_forms() -> None:
    assert re.fullmatch(COUNT, "Seventeen", re.IGNORECASE)
    assert re.fullmatch(PERCENT, "34.0%")
    assert re.fullmatch(PERCENT, "34.0 %")
    assert re.fullmatch(PERCENT, "seventy-six percent", re.IGNORECASE)


@pytest.mark.parametrize(("text", "printed"), [
    ("P = 0.888", "P = 0.888"),
    ("p<0.001", "P < 0.001"),
    ("P ≤ 0.05", "P ≤ 0.05"),
    ("P value of 0.03", "P = 0.03"),
    ("p-values less than 0.001", "P < 0.001"),
    ("P > .999", "P > .999"),
])
def test_p_values(text: str, printed: str) -> None:
    m = P_VALUE.search(text)
    assert m is not None
    assert read_p(m).text == printed


@pytest.mark.parametrize(("cell", "printed"), [
    ("P = 0.163", "P = 0.163"), ("<0.001", "P < 0.001"), ("0.92", "P = 0.92"),
    ("P > 0.999", "P > 0.999"),
])
def test_p_cells(cell: str, printed: str) -> None:
    p = parse_printed_p(cell)
    assert p is not None and p.text == printed


def test_not_p_cells() -> None:
    assert parse_printed_p("38 (38.0)") is None
    assert parse_printed_p("1.5") is None  # not a probability
