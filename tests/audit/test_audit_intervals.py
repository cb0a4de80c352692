"""Confidence intervals: a proportion's CI by method and by mistaken input; a median's CI."""

from __future__ import annotations

import math
from collections.abc import Callable

from crossval.audit import Finding

Audit = Callable[[str], dict[str, Finding]]

Z975 = 1.959963984540054  # the 97.5% point of the standard normal


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval by its closed form, in percent:
    centre (x + z²/2)/(n + z²), half-width z·sqrt(x(n − x)/n + z²/4)/(n + z²)."""
    centre = (x + Z975**2 / 2) / (n + Z975**2)
    half = Z975 * math.sqrt(x * (n - x) / n + Z975**2 / 4) / (n + Z975**2)
    return 100 * (centre - half), 100 * (centre + half)


def ci_claim(cid: str, count: str, percent: str, denominator: str, low: str, high: str,
             method: str) -> str:
    return f"""
- id: {cid}
  type: proportion-ci
  location: {{section: Results}}
  count: "{count}"
  percent: "{percent}"
  denominator: {denominator}
  ci: ["{low}", "{high}"]
  method: {method}
"""


def test_hand_wilson_matches_printed_bounds() -> None:
    # The helper itself: 34/50 gives 54.19%–79.24%, printed as 54.2%–79.2%.
    low, high = wilson(34, 50)
    assert f"{low:.1f}–{high:.1f}" == "54.2–79.2"


def test_stated_method_reproduces_the_interval(audit_yaml: Audit) -> None:
    low, high = wilson(34, 50)
    f = audit_yaml(ci_claim("x", "34", "68.0", "b", f"{low:.1f}", f"{high:.1f}", "wilson"))["x"]
    assert (f.status, f.check) == ("pass", "ci-method")
    # Every CI finding carries the reported interval, the estimate, every
    # method's interval (same unit) and the stated method.
    assert f.details["reported_interval"] == [54.2, 79.2]
    assert f.details["estimate"] == 68.0
    assert f.details["stated_method"] == "wilson"
    assert set(f.details["method_intervals"]) == {
        "clopper-pearson", "wilson", "wilson-cc", "agresti-coull", "jeffreys", "wald", "mid-p"}
    w_low, w_high = f.details["method_intervals"]["wilson"]
    assert math.isclose(w_low, low, rel_tol=1e-9) and math.isclose(w_high, high, rel_tol=1e-9)


def test_clopper_pearson_zero_events(audit_yaml: Audit) -> None:
    # x = 0: the Clopper-Pearson upper bound solves (1 − p)^n = α/2, so
    # p = 1 − 0.025^(1/50) = 7.11%; the lower bound is 0.
    upper = 100 * (1 - 0.025 ** (1 / 50))
    assert f"{upper:.1f}" == "7.1"
    f = audit_yaml(ci_claim("x", "0", "0.0", "b", "0.0", "7.1", "clopper-pearson"))["x"]
    assert f.status == "pass"


def test_other_method_is_named(audit_yaml: Audit) -> None:
    # Stated Clopper-Pearson, but the bounds are Wilson's for 34/50.
    f = audit_yaml(ci_claim("x", "34", "68.0", "b", "54.2", "79.2", "clopper-pearson"))["x"]
    assert f.status == "fail"
    assert "wilson" in f.details["reproduced_by"]
    assert "clopper-pearson" not in f.details["reproduced_by"]
    assert "most likely computed with that method" in f.message


def test_interval_without_its_estimate_and_the_percentage_used_as_count(
    audit_yaml: Audit,
) -> None:
    # 17/50 = 34.0%, with the Wilson interval of 34/50 (54.2–79.2): the
    # interval misses its estimate, and "34.0" read as a count reproduces it.
    f = audit_yaml(ci_claim("x", "17", "34.0", "b", "54.2", "79.2", "clopper-pearson"))["x"]
    assert f.status == "fail"
    assert "does not contain its own estimate" in f.message
    assert "the percentage 34.0 used as the count" in f.message
    first = f.details["reproducing_inputs"][0]
    assert (first["x"], first["n"], first["method"]) == (34, 50, "wilson")


def test_complement_is_found(audit_yaml: Audit) -> None:
    # Wilson for the complement 33/50 of 17/50: centre (33 + 1.92)/53.84,
    # giving 52.2%–77.6%; printed with the estimate 34.0% of 17/50.
    low, high = wilson(33, 50)
    assert f"{low:.1f}–{high:.1f}" == "52.2–77.6"
    f = audit_yaml(ci_claim("x", "17", "34.0", "b", "52.2", "77.6", "wilson"))["x"]
    assert f.status == "fail" and "the complement 33/50" in f.message


def test_nothing_reproduces(audit_yaml: Audit) -> None:
    f = audit_yaml(ci_claim("x", "17", "34.0", "b", "10.0", "90.0", "wilson"))["x"]
    assert f.status == "fail" and "No method and no mistaken input" in f.message


def test_median_ci(audit_yaml: Audit) -> None:
    claims = """
- id: ok
  type: median-ci
  location: {section: Results}
  estimate: "9.23"
  ci: ["8.94", "10.87"]
- id: outside
  type: median-ci
  location: {section: Results}
  estimate: "9.23"
  ci: ["9.30", "10.87"]
- id: edge
  type: median-ci
  location: {section: Results}
  estimate: "9.3"
  ci: ["9.33", "10.87"]
"""
    found = audit_yaml(claims)
    assert (found["ok"].status, found["ok"].check) == ("pass", "ci-contains")
    assert found["ok"].details["reported_interval"] == [8.94, 10.87]
    assert found["outside"].status == "fail"
    # 9.3 stands for [9.25, 9.35] and 9.33 for [9.325, 9.335]: they can meet,
    # but as printed the estimate lies below the lower bound -> warn.
    assert found["edge"].status == "warn"
