"""Properties that must hold for every input: a correctly rounded figure always passes."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from crossval.audit import audit_file
from crossval.audit.percentages import check_percent, possible_counts
from crossval.audit.rounding import parse_figure


def printed(value: Fraction, decimals: int, rounding: str) -> str:
    """How a paper would print ``value`` with ``decimals`` places under a rounding rule."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-decimals), rounding=rounding))


counts = st.integers(min_value=1, max_value=2000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n)))


@given(counts, st.integers(min_value=0, max_value=3),
       st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN]))
def test_correctly_rounded_percentages_always_pass(
    count_n: tuple[int, int], decimals: int, rounding: str
) -> None:
    # Whatever the rounding rule for ties, the printed figure's interval
    # (boundaries included) holds the exact value, and GRIM finds the count.
    count, n = count_n
    figure = parse_figure(printed(Fraction(100 * count, n), decimals, rounding))
    assert check_percent(count, n, figure).ok
    assert count in possible_counts(n, figure)


@given(counts, st.integers(min_value=0, max_value=2))
def test_grim_counts_are_exactly_those_that_round(count_n: tuple[int, int], decimals: int) -> None:
    count, n = count_n
    figure = parse_figure(printed(Fraction(100 * count, n), decimals, ROUND_HALF_UP))
    for c in possible_counts(n, figure):
        assert figure.low <= Fraction(100 * c, n) <= figure.high
    for c in (min(possible_counts(n, figure)) - 1, max(possible_counts(n, figure)) + 1):
        if 0 <= c <= n:
            assert not figure.low <= Fraction(100 * c, n) <= figure.high


def test_every_finding_is_json_serialisable() -> None:
    # The report writes details into JSON and HTML as they are.
    for finding in audit_file().findings:
        json.dumps({"reported": finding.reported, "expected": finding.expected,
                    "message": finding.message, "details": dict(finding.details)},
                   allow_nan=False)
