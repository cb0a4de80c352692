"""Odd or impossible figures give a finding or a ClaimsError naming the claim, never a traceback."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from crossval.audit import ClaimsError, Finding, parse_claims, run_audit

Audit = Callable[[str], dict[str, Finding]]


def test_empty_level_is_dropped_before_chi_square(audit_yaml: Audit) -> None:
    # The level "Other" is "0 (0)" in both groups, so the table
    # [[9, 1, 0], [5, 0, 0]] has an empty column, which would make chi-square
    # undefined; without it, [[9, 1], [5, 0]].  Fisher: rows 10, 5, columns
    # 14, 1, so a = 9 or 10; P(a = 9) = C(14,9)·C(1,1)/C(15,10) = 2002/3003
    # = 2/3 and P(a = 10) = C(14,10)/C(15,10) = 1001/3003 = 1/3; the observed
    # table has 2/3, so p sums both: 1.
    claims = """
- id: hist
  type: categorical
  location: {section: Table 1, table: Table 1, row: Histology}
  characteristic: Histology
  complete: false
  levels:
    - {level: Adeno, cells: {a: "9 (9.0)", b: "5 (10.0)"}}
    - {level: Squamous, cells: {a: "1 (1.0)", b: "0 (0)"}}
    - {level: Other, cells: {a: "0 (0)", b: "0 (0)"}}
- id: hist-p
  type: p-value
  location: {section: Table 1, table: Table 1, row: Histology}
  p: "P > 0.999"
  test: chi-square-yates
  table_from: hist
- id: hist-fisher
  type: p-value
  location: {section: Table 1, table: Table 1, row: Histology}
  p: "P > 0.999"
  test: fisher
  table_from: hist
"""
    found = audit_yaml(claims)
    assert found["hist-fisher"].status == "pass"
    assert found["hist-p"].check == "p-value"  # a finding, not an error


def test_single_non_empty_column_is_unverifiable(audit_yaml: Audit) -> None:
    f = audit_yaml("""
- id: p
  type: p-value
  location: {section: Table 1}
  p: "P = 1.000"
  test: fisher
  table: [["5", "0"], ["3", "0"]]
""")["p"]
    assert f.status == "unverifiable" and "fewer than two" in f.message


def test_count_above_denominator_in_a_ci_claim(audit_yaml: Audit) -> None:
    f = audit_yaml("""
- id: ci
  type: proportion-ci
  location: {section: Results}
  count: "60"
  percent: "120.0"
  denominator: b
  ci: ["10.0", "20.0"]
  method: wilson
""")["ci"]
    assert f.status == "fail" and "exceeds its denominator" in f.message


def test_non_positive_hazard_ratio(audit_yaml: Audit) -> None:
    f = audit_yaml("""
- id: hr
  type: hazard-ratio
  location: {section: Results}
  hr: "0.00"
  ci: ["0.00", "0.56"]
  p: "P = 0.01"
""")["hr"]
    assert f.status == "fail"
    assert f.message.startswith("A hazard ratio and its confidence bounds must be positive; "
                                "HR 0.00 (0.00–0.56)")


def test_power_with_equal_medians_names_the_claim(claims_text: Callable[[str], str]) -> None:
    text = claims_text("""
- id: power
  type: power
  location: {section: Methods}
  power: "80"
  alpha: "0.05"
  sided: two
  medians: {a: "5.4", b: "5.4"}
  sizes: {a: "100", b: "50"}
""")
    with pytest.raises(ClaimsError) as info:
        run_audit(parse_claims(text, path="odd.yaml"))
    assert info.value.claim_id == "power" and "differ" in str(info.value)
    assert str(info.value).startswith("odd.yaml:")


def test_levels_must_cover_the_same_groups(claims_text: Callable[[str], str]) -> None:
    text = claims_text("""
- id: sex
  type: categorical
  location: {section: Table 1}
  characteristic: Sex
  levels:
    - {level: Male, cells: {a: "38 (38.0)", b: "19 (38.0)"}}
    - {level: Female, cells: {a: "62 (62.0)"}}
""")
    with pytest.raises(ClaimsError) as info:
        parse_claims(text)
    assert (info.value.claim_id, info.value.field) == ("sex", "levels")
    assert "same groups" in str(info.value)


def test_grim_with_a_huge_denominator_is_fast(audit_yaml: Audit) -> None:
    # 50.0% of 10^9 admits 10^6 counts; the check must not list them all.
    start = time.perf_counter()
    f = audit_yaml("""
- id: big
  type: count
  location: {section: Introduction}
  percent: "50.0"
  denominator: "1000000000"
""")["big"]
    assert time.perf_counter() - start < 5
    assert f.status == "pass" and len(f.details["possible_counts"]) == 20
