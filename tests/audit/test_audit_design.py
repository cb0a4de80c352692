"""Power statements (Schoenfeld 1981) and t-tests from medians and IQRs (Wan et al. 2014)."""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import pytest
from scipy import stats

from crossval.audit import Finding
from crossval.audit.design import schoenfeld_events
from crossval.errors import InputError

Audit = Callable[[str], dict[str, Finding]]

POWER = """
- id: power
  type: power
  location: {section: Methods}
  power: "82"
  alpha: "0.05"
  sided: one
  medians: {a: "9.2", b: "5.4"}
  sizes: {a: "100", b: "50"}
"""


def test_schoenfeld_by_hand(audit_yaml: Audit) -> None:
    # Exponential survival: hazard = ln 2/median, so HR = 5.4/9.2 = 0.58696,
    # ln HR = −0.53280.  Allocation 100:50 -> p(1 − p) = (2/3)(1/3) = 2/9.
    # D = (z_0.95 + z_0.82)² / (2/9 · ln²HR) = (1.6449 + 0.9154)² / (0.22222 · 0.28388)
    #   = 6.5551 / 0.063084 = 103.9 -> 104 events.
    z = NormalDist().inv_cdf
    events = (z(0.95) + z(0.82)) ** 2 / (2 / 9 * math.log(5.4 / 9.2) ** 2)
    assert 103.5 < events < 104
    # With every one of 150 patients an event: Φ(sqrt(150 · 2/9)·0.5328 − 1.6449) = Φ(1.431).
    power_all = NormalDist().cdf(math.sqrt(150 * 2 / 9) * abs(math.log(5.4 / 9.2)) - z(0.95))
    f = audit_yaml(POWER)["power"]
    assert (f.status, f.check) == ("unverifiable", "power")  # information, never a fail
    assert f.expected == "104 events for 82% power"
    assert math.isclose(f.details["events_needed"], events, rel_tol=1e-9)
    assert math.isclose(f.details["power_if_every_patient_has_an_event"], power_all, rel_tol=1e-9)


def test_power_out_of_reach_is_a_warning(audit_yaml: Audit) -> None:
    # Medians 6.0 vs 5.4 (HR 0.9): D = 6.5551/(2/9 · ln²0.9) = 6.5551/0.0024694
    # = 2655 events, more than the 150 patients could ever give.
    z = NormalDist().inv_cdf
    assert (z(0.95) + z(0.82)) ** 2 / (2 / 9 * math.log(0.9) ** 2) > 150
    f = audit_yaml(POWER.replace('a: "9.2"', 'a: "6.0"'))["power"]
    assert f.status == "warn" and "falls short" in f.message


def test_wan_approximation_shown_and_unverifiable(audit_yaml: Audit) -> None:
    # Wan et al. (2014): mean ≈ (q1 + m + q3)/3, SD ≈ (q3 − q1)/(2Φ⁻¹((0.75n − 0.125)/(n + 0.25))).
    # Arm A (n = 100): 59 (53–64) -> mean 58.667, Φ⁻¹(74.875/100.25 = 0.74688) = 0.6647,
    # SD = 11/1.3294 = 8.274.  Arm B (n = 50): 62 (52–67) -> mean 60.333,
    # Φ⁻¹(37.375/50.25 = 0.74378) = 0.6550, SD = 15/1.3101 = 11.450.
    inv = NormalDist().inv_cdf
    sd_a = 11 / (2 * inv((0.75 * 100 - 0.125) / 100.25))
    sd_b = 15 / (2 * inv((0.75 * 50 - 0.125) / 50.25))
    assert round(sd_a, 2) == 8.27 and round(sd_b, 2) == 11.45
    # Welch: t = (58.667 − 60.333)/sqrt(sd_a²/100 + sd_b²/50), df Welch–Satterthwaite.
    va, vb = sd_a**2 / 100, sd_b**2 / 50
    t = (58 + 2 / 3 - (60 + 1 / 3)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 99 + vb**2 / 49)
    p_welch = 2 * stats.t.sf(abs(t), df)
    f = audit_yaml("""
- id: age
  type: summary-test
  location: {section: Table 1, table: Table 1, row: Age}
  test: t-test
  p: "P = 0.163"
  summaries:
    a: {median: "59", q1: "53", q3: "64"}
    b: {median: "62", q1: "52", q3: "67"}
""")["age"]
    assert (f.status, f.check) == ("unverifiable", "t-test-from-summary")
    assert math.isclose(f.details["welch_p"], p_welch, rel_tol=1e-9)
    assert 0.35 < p_welch < 0.37
    assert "does not support P = 0.163" in f.message and "Wan et al. 2014" in f.message


def test_sided_option_lists_the_allowed_values() -> None:
    with pytest.raises(InputError, match="'one', 'two'"):
        schoenfeld_events(0.5, 0.05, 0.8, 0.5, sided="both")
