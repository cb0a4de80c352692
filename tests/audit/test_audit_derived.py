"""Differences stated in the text, restated figures, pooled medians, events and group sizes."""

from __future__ import annotations

from collections.abc import Callable

from crossval.audit import Finding

Audit = Callable[[str], dict[str, Finding]]

MEDIANS = """
- id: pfs-a
  type: median-ci
  location: {section: Results}
  estimate: "9.23"
  ci: ["8.94", "10.87"]
- id: pfs-b
  type: median-ci
  location: {section: Results}
  estimate: "5.42"
  ci: ["4.83", "6.80"]
- id: pfs2-a
  type: median-ci
  location: {section: Results}
  estimate: "23.21"
  ci: ["19.28", "24.11"]
- id: pfs2-b
  type: median-ci
  location: {section: Results}
  estimate: "19.45"
  ci: ["17.77", "20.73"]
"""


def difference(cid: str, value: str) -> str:
    return f"""
- id: {cid}
  type: difference
  location: {{section: Discussion}}
  value: "{value}"
  minuend_from: pfs-a
  subtrahend_from: pfs-b
"""


def test_differences(audit_yaml: Audit) -> None:
    # 9.23 − 5.42 = 3.81; over rounding it lies in [9.225 − 5.425, 9.235 − 5.415]
    # = [3.80, 3.82].  "3.8" ([3.75, 3.85]) holds 3.81 -> pass.  "3.82"
    # ([3.815, 3.825]) misses 3.81 but meets the range -> warn.  "3.76"
    # ([3.755, 3.765]) misses the range -> fail, and 23.21 − 19.45 = 3.76 is
    # the pair that gives it.
    found = audit_yaml(MEDIANS + difference("d38", "3.8") + difference("d382", "3.82")
                       + difference("d376", "3.76"))
    assert [found[k].status for k in ("d38", "d382", "d376")] == ["pass", "warn", "fail"]
    assert found["d376"].expected == "9.23 − 5.42 = 3.81"
    assert "23.21 − 19.45 (pfs2-a − pfs2-b)" in found["d376"].message


def test_difference_with_an_unprinted_operand(audit_yaml: Audit) -> None:
    f = audit_yaml("""
- id: gain
  type: difference
  location: {section: Discussion}
  value: "5.5"
  minuend: "18.9"
  missing: the comparator median is not printed
""")["gain"]
    assert f.status == "unverifiable" and "comparator median is not printed" in f.message


def restate(cid: str, of: str, **figures: str) -> str:
    lines = [f"- id: {cid}", "  type: restatement", "  location: {section: Discussion}",
             f"  of: {of}"]
    for name, value in figures.items():
        lines.append(f"  {name}: {value}")
    return "\n" + "\n".join(lines) + "\n"


def test_restatements(audit_yaml: Audit) -> None:
    # 19.45 -> "19.5": [19.445, 19.455] and [19.45, 19.55] meet at 19.45 -> pass.
    # CI 17.77–20.73 restated as 18.0–20.9: [17.95, 18.05] misses [17.765, 17.775].
    found = audit_yaml(
        MEDIANS
        + restate("edge", "pfs2-b", estimate='"19.5"')
        + restate("ci", "pfs2-b", estimate='"19.5"', ci='["18.0", "20.9"]')
        + restate("loose", "pfs2-b", estimate='"19.6"', strict="false")
        + """
- id: pfs2-c
  type: median-ci
  location: {section: Discussion}
  estimate: "19.5"
  ci: ["17.8", "20.7"]
"""
        + restate("touch", "pfs2-c", estimate='"19.4"')
    )
    assert found["edge"].status == "pass" and "boundary" in found["edge"].message
    # "19.4" ([19.35, 19.45]) restating "19.5" ([19.45, 19.55]): both round an
    # unknown value and share only 19.45 -> warn, whatever ``strict`` says.
    assert found["touch"].status == "warn"
    assert "exactly 19.45" in found["touch"].message
    assert found["ci"].status == "fail"
    assert found["ci"].expected == "19.5 (17.8–20.7)"
    assert "ci 18.0 vs 17.77" in found["ci"].message
    assert found["loose"].status == "warn"


def test_restated_p_and_copy_trail(audit_yaml: Audit) -> None:
    # "< 0.001" ([0, 0.001]) and "< 0.0001" ([0, 0.0001]) overlap -> consistent.
    hr = """
- id: hr
  type: hazard-ratio
  location: {section: Results}
  hr: "0.38"
  ci: ["0.26", "0.56"]
  p: "P < 0.0001"
"""
    counts = """
- id: other-study
  type: count
  location: {section: Introduction}
  percent: "20.1"
  denominator: "344"
- id: this-study
  type: count
  location: {section: Introduction}
  count: "156"
  percent: "45.3"
  denominator: "344"
"""
    found = audit_yaml(hr + counts + restate("p", "hr", p='"less than 0.001"')
                       + restate("copied", "this-study", percent='"20.1"'))
    assert found["p"].status == "pass"
    assert found["copied"].status == "fail"
    assert "other-study" in found["copied"].message and "copied" in found["copied"].message


def test_pooled_median(audit_yaml: Audit) -> None:
    # A pooled median lies between the group medians 59 and 62.
    found = audit_yaml("""
- id: inside
  type: pooled-median
  location: {section: Results}
  value: "59"
  group_medians: {a: "59", b: "62"}
- id: outside
  type: pooled-median
  location: {section: Results}
  value: "64"
  group_medians: {a: "59", b: "62"}
""")
    assert found["inside"].status == "pass" and found["outside"].status == "fail"


def test_event_counts_and_group_sizes(audit_yaml: Audit) -> None:
    found = audit_yaml("""
- id: flow
  type: event-counts
  location: {section: Figure 1}
  events: {a: "86", b: "40"}
  deaths: {a: "0", b: "1"}
- id: text-pfs
  type: event-counts
  location: {section: Results}
  events: {a: "86", b: "41"}
  same_as: flow
- id: text-wrong
  type: event-counts
  location: {section: Results}
  events: {a: "86", b: "40"}
  same_as: flow
- id: other-endpoint
  type: event-counts
  location: {section: Results}
  events: {a: "86", b: "41"}
  distinct_from: text-pfs
- id: too-many
  type: event-counts
  location: {section: Results}
  events: {a: "101", b: "1"}
- id: sizes
  type: group-sizes
  location: {section: Abstract}
  total: "150"
  parts: {a: "100", b: "50"}
- id: sizes-bad
  type: group-sizes
  location: {section: Abstract}
  total: "151"
  parts: {a: "100", b: "50"}
""")
    # PFS events are progressions plus deaths: 86 + 0 and 40 + 1.
    assert found["text-pfs"].status == "pass"
    assert found["text-wrong"].status == "fail"
    assert found["other-endpoint"].status == "warn" and "identical" in found[
        "other-endpoint"].message
    assert found["too-many"].status == "fail"
    assert found["sizes"].status == "pass"
    assert found["sizes-bad"].status == "fail" and "sum to 150, not 151" in found[
        "sizes-bad"].message
