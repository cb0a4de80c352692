"""A part's share against the share of the whole it belongs to (``part-of-whole``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crossval.audit import Finding
from crossval.errors import InputError

Audit = Callable[[str], dict[str, Finding]]


def share(id_: str, part: str, whole: str, whole_among: str | None = None) -> str:
    among = f"\n  whole_among: {whole_among}" if whole_among else ""
    return f"""
- id: {id_}
  type: part-of-whole
  location: {{section: Results}}
  part: "{part}"
  part_is: objective responses
  part_among: patients
  whole: "{whole}"
  whole_is: disease control{among}
"""


def test_same_population(audit_yaml: Audit) -> None:
    # ORR 7.0% within DCR 91.0%: pass. ORR 35% against DCR 30%: 34.5 > 30.5 even at
    # the edges of rounding, a fail. 30.4% against 30%: 30.35 <= 30.5, reconciled
    # by rounding (both could be 30.4x%), a pass.
    found = audit_yaml(share("within", "7.0", "91.0") + share("over", "35", "30")
                       + share("edge", "30.4", "30"))
    assert found["within"].status == "pass"
    assert found["over"].status == "fail"
    assert "34.5% > 30.5%" in found["over"].message
    assert found["edge"].status == "pass"


def test_across_populations(audit_yaml: Audit) -> None:
    # 85% of a subpopulation against 60% of the population it is part of: both hold
    # only if the subpopulation is at most 60.5 / 84.5 = 71.6% of it.
    found = audit_yaml(share("bounded", "85", "60", whole_among="all patients")
                       + share("free", "50", "60", whole_among="all patients"))
    bounded = found["bounded"]
    assert bounded.status == "warn"
    assert "at most 71.6% of all patients" in bounded.message
    assert bounded.details["largest_subset_share"] == pytest.approx(60.5 / 84.5, rel=1e-15)
    assert found["free"].status == "pass"
    assert "whatever share of all patients" in found["free"].message


def test_a_part_that_may_be_zero_fits(audit_yaml: Audit) -> None:
    # "0" stands for [0, 0.5): a part that may be 0 fits under any whole, even "0".
    found = audit_yaml(share("zero", "0", "0"))
    assert found["zero"].status == "pass"


def test_fields_are_required(audit_yaml: Audit) -> None:
    with pytest.raises(InputError, match="part_is"):
        audit_yaml("""
- id: bad
  type: part-of-whole
  location: {section: Results}
  part: "85"
  part_among: patients
  whole: "60"
  whole_is: disease control
""")
