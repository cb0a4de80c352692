"""Hazard ratios: log-scale symmetry, the p a CI implies, SE from events, "X% reduction"."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from crossval.audit import Finding

Audit = Callable[[str], dict[str, Finding]]

Z975 = 1.959963984540054


def implied_p(hr: float, low: float, high: float) -> float:
    """Altman & Bland (2011): SE = (ln U − ln L)/(2·1.96), z = |ln HR|/SE, p = erfc(z/√2)."""
    se = (math.log(high) - math.log(low)) / (2 * Z975)
    return math.erfc(abs(math.log(hr)) / se / math.sqrt(2))


def hr_claim(cid: str, hr: str, low: str, high: str, p: str | None = None,
             events: str | None = None) -> str:
    text = f"""
- id: {cid}
  type: hazard-ratio
  location: {{section: Results}}
  hr: "{hr}"
  ci: ["{low}", "{high}"]
"""
    if p:
        text += f'  p: "{p}"\n'
    if events:
        text += f"  events_from: {events}\n"
    return text


def events_claim(cid: str, a: str, b: str) -> str:
    return f"""
- id: {cid}
  type: event-counts
  location: {{section: Results}}
  events: {{a: "{a}", b: "{b}"}}
"""


def test_implied_p_exactly_five_percent(audit_yaml: Audit) -> None:
    # HR 0.5 with CI 0.25–1.00: ln 0.25 = −2 ln 2 and ln 1 = 0, so
    # SE = 2 ln 2/(2·1.96) and z = ln 2/SE = 1.96: p = 0.05 exactly.
    assert math.isclose(implied_p(0.5, 0.25, 1.0), 0.05, rel_tol=1e-12)
    found = audit_yaml(hr_claim("ok", "0.50", "0.25", "1.00", "P = 0.050")
                       + hr_claim("bad", "0.50", "0.25", "1.00", "P = 0.001"))
    assert (found["ok"].status, found["ok"].check) == ("pass", "hr-ci")
    assert math.isclose(found["ok"].details["implied_p"], 0.05, rel_tol=1e-9)
    assert found["bad"].status == "fail" and "incompatible with P = 0.001" in found["bad"].message


def test_implied_p_reached_only_at_the_rounding_corner_is_a_warning(audit_yaml: Audit) -> None:
    # HR 0.54 (0.36–0.80), printed P = 0.0016 (i.e. [0.00155, 0.00165]).
    central = implied_p(0.54, 0.36, 0.80)
    assert 0.0024 < central < 0.0026
    # Over the rounding box HR ∈ [0.535, 0.545], L ∈ [0.355, 0.365],
    # U ∈ [0.795, 0.805], the smallest p is at HR 0.535, L 0.365, U 0.795.
    corners = [implied_p(h, lo, hi) for h, lo, hi in
               itertools.product((0.535, 0.545), (0.355, 0.365), (0.795, 0.805))]
    assert min(corners) == implied_p(0.535, 0.365, 0.795)
    assert 0.00155 <= min(corners) <= 0.00165
    f = audit_yaml(hr_claim("x", "0.54", "0.36", "0.80", "P = 0.0016"))["x"]
    assert f.status == "warn" and "edge of the rounding" in f.message
    assert math.isclose(f.details["implied_p_range"][0], min(corners), rel_tol=1e-9)


def test_p_below_threshold(audit_yaml: Audit) -> None:
    # HR 0.38 (0.26–0.56): SE = ln(0.56/0.26)/3.92 = 0.196, z = 0.968/0.196 = 4.94,
    # p ≈ 8e-7 < 0.0001.
    assert implied_p(0.38, 0.26, 0.56) < 1e-6
    f = audit_yaml(hr_claim("x", "0.38", "0.26", "0.56", "P < 0.0001"))["x"]
    assert f.status == "pass"


def test_asymmetric_ci_is_a_warning(audit_yaml: Audit) -> None:
    # sqrt(0.30 · 0.60) = 0.424, outside HR 0.50's interval [0.495, 0.505] even
    # at the extremes sqrt(0.295·0.595) = 0.419 and sqrt(0.305·0.605) = 0.430.
    assert math.sqrt(0.305 * 0.605) < 0.495
    f = audit_yaml(hr_claim("x", "0.50", "0.30", "0.60"))["x"]
    assert f.status == "warn" and "not symmetric" in f.message


def test_ci_must_contain_hr(audit_yaml: Audit) -> None:
    f = audit_yaml(hr_claim("x", "0.70", "0.26", "0.56"))["x"]
    assert f.status == "fail" and "does not contain HR 0.70" in f.message


def test_se_against_events(audit_yaml: Audit) -> None:
    # CI 0.25–1.00 has SE = ln 4/3.92 = 0.3537.  With 16 + 16 events,
    # sqrt(1/16 + 1/16) = 0.3536: ratio 1.00.  With 10 + 10 events,
    # sqrt(0.2) = 0.4472: ratio 0.79 < 0.8 -> a plausibility warning, never a fail.
    se = math.log(4) / (2 * Z975)
    assert math.isclose(se / math.sqrt(1 / 16 + 1 / 16), 1.0, abs_tol=0.001)
    assert se / math.sqrt(0.2) < 0.8
    found = audit_yaml(events_claim("e16", "16", "16") + events_claim("e10", "10", "10")
                       + hr_claim("fits", "0.50", "0.25", "1.00", events="e16")
                       + hr_claim("loose", "0.50", "0.25", "1.00", events="e10"))
    assert found["fits"].status == "pass"
    assert math.isclose(found["fits"].details["se_ratio"], 1.0, abs_tol=0.001)
    assert found["loose"].status == "warn" and "0.79 times" in found["loose"].message


def test_reduction(audit_yaml: Audit) -> None:
    # 1 − 0.38 = 0.62 -> "62%".  HR 0.38 stands for [0.375, 0.385], so the
    # reduction lies in [61.5, 62.5]%: "61.6" is reachable only at the edge,
    # "60" not at all.
    claims = hr_claim("hr", "0.38", "0.26", "0.56") + "".join(f"""
- id: {cid}
  type: hr-reduction
  location: {{section: Results}}
  percent: "{pct}"
  hr_from: hr
""" for cid, pct in (("r62", "62"), ("r616", "61.6"), ("r60", "60")))
    found = audit_yaml(claims)
    assert [found[k].status for k in ("r62", "r616", "r60")] == ["pass", "warn", "fail"]
    assert found["r60"].check == "hr-reduction"
