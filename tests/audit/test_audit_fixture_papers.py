"""Two made-up papers: one with every figure right, one with planted errors."""

from __future__ import annotations

import math
from pathlib import Path

from crossval.audit import audit_file, load_claims

Z975 = 1.959963984540054


def test_clean_paper_passes_everything(fixtures_dir: Path) -> None:
    # The clean toy trial, derived by hand:
    # * Sex: 18/40 = 45.0%, 22/40 = 55.0%, 9/20 = 45.0%, 11/20 = 55.0%; both arms
    #   have the same split, so Fisher's p is 1 ("P > 0.999"); 18 + 9 = 27 men of
    #   60 = 45.0%.
    # * ORR 10/40 = 25.0% with the Wilson interval: centre (10 + z²/2)/(40 + z²)
    #   = 11.921/43.841 = 0.2719, half-width 1.96·sqrt(10·30/40 + z²/4)/43.841
    #   = 0.1300 -> 14.2%–40.2% (checked below).
    # * 32.5% of 40 is 13/40.
    # * Medians 8.0 − 5.0 = 3.0.
    # * HR 0.50 (0.25–1.00): z = ln 2/(ln 4/3.92) = 1.96 -> p = 0.050; 16 + 16
    #   events give sqrt(1/16 + 1/16) = 0.354 = ln 4/3.92; 1 − 0.50 = 50%.
    # * AE rows: 12/40 = 30.0%, 1/40 = 2.5%, 5/20 = 25.0%, 8/40 = 20.0%,
    #   4/20 = 20.0%, 1/20 = 5.0%; no grade >= 3 count above its any-grade count.
    centre = (10 + Z975**2 / 2) / (40 + Z975**2)
    half = Z975 * math.sqrt(10 * 30 / 40 + Z975**2 / 4) / (40 + Z975**2)
    assert (f"{100 * (centre - half):.1f}", f"{100 * (centre + half):.1f}") == ("14.2", "40.2")
    result = audit_file(fixtures_dir / "toy-clean.yaml")
    assert result.summary() == {"pass": 16, "fail": 0, "warn": 0, "unverifiable": 0,
                                "total": 16}
    assert not result.has_failures


#: The planted errors and why each is wrong.
PLANTED = {
    # 28 men in the text, but Table 1 has 18 + 9 = 27.
    "male-overall",
    # Stated Clopper-Pearson; the printed 14.2–40.2 is the Wilson interval (above).
    "orr",
    # 33.3% of 40: [33.25, 33.35]·0.4 = [13.3, 13.34] holds no whole count.
    "responders-share",
    # "3.5-month gain", but 8.0 − 5.0 = 3.0 (at most 8.05 − 4.95 = 3.1).
    "gain",
    # HR 0.50 (0.25–1.00) implies p = 0.050, not 0.030: even at the rounding
    # corner HR 0.495, L 0.255, U 0.995, z = ln(1/0.495)/(ln(0.995/0.255)/3.92)
    # = 0.703/0.347 = 2.02 -> p = 0.043 > 0.030.
    "hr",
    # The abstract's lower bound 0.22 ([0.215, 0.225]) misses 0.25 ([0.245, 0.255]).
    "abstract-hr",
    # 12/40 = 30.0%, printed 32.0%.
    "nausea",
    # "Nausea" listed twice with different numbers.
    "table2-rows",
}


def test_planted_errors_fail_and_nothing_else(fixtures_dir: Path) -> None:
    result = audit_file(fixtures_dir / "toy-planted.yaml")
    failed = {f.id for f in result.findings if f.status == "fail"}
    assert failed == PLANTED
    assert result.has_failures
    assert {f.status for f in result.findings if f.id not in PLANTED} == {"pass"}


def test_one_finding_per_claim_in_file_order(fixtures_dir: Path) -> None:
    for name in ("toy-clean.yaml", "toy-planted.yaml"):
        claims = load_claims(fixtures_dir / name)
        result = audit_file(fixtures_dir / name)
        assert [f.id for f in result.findings] == [c.id for c in claims.claims]
