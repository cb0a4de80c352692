"""The bundled ALTER-L058 audit: exactly the figures derived below as wrong fail.

Each expected failure is derived by hand from the printed figures.  Everything
else in the claims file must not fail.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from crossval.audit import BUNDLED_CLAIMS, STATUSES, audit_file, load_claims

REFERENCE = Path(__file__).parents[2] / "reference" / "alter-l058.yaml"

EXPECTED_FAILURES = {
    # FLOWER: "20.1%" of the 44 patients who progressed.  20.1% stands for
    # [20.05, 20.15]%; of 44 that is a count in [8.822, 8.866]: no whole count
    # (8/44 = 18.2%, 9/44 = 20.5%).  GRIM-impossible.
    "intro-flower-oligo",
    # Reiwa: the same sentence gives the oligoprogression share of the 344
    # patients who progressed as 20.1% and as 156 (45.4%).  [20.05, 20.15] and
    # [45.35, 45.45] cannot both hold; 20.1% is the FLOWER figure copied.
    "intro-reiwa-oligo-restated",
    # Reiwa: progression among the 583 given as 344 (59.0%) and then as 54.5%
    # (the FLOWER systemic-progression figure).  344/583 = 59.005%.
    "intro-reiwa-progression-restated",
    # Reiwa: "49.5% [77/156]": 77/156 = 0.49359 -> 49.4%; 49.5% of 156 needs a
    # count in [77.14, 77.30]: none.
    "intro-reiwa-continued",
    # Table 1, ECOG [[23, 77], [11, 39]], footnoted Fisher: 23% vs 22% is the
    # table closest to independence (expected 22.67 in the first cell), so
    # Fisher's two-sided p sums (almost) every table: 1.000.  Pearson:
    # X² = Σ(O − E)²/E with E = 22.67, 77.33, 11.33, 38.67 and |O − E| = 1/3:
    # (1/9)(1/22.67 + 1/77.33 + 1/11.33 + 1/38.67) = 0.0190 -> p = 0.890;
    # Yates gives 1.000.  None is 0.888 ([0.8875, 0.8885]).
    "table1-ecog-p",
    # Table 1, EGFR [[63, 37], [32, 18]]: |O − E| = 1/3 again with E = 63.33,
    # 36.67, 31.67, 18.33: X² = (1/9)(0.01579 + 0.02727 + 0.03158 + 0.05455)
    # = 0.01435 -> p = 0.905; Fisher and Yates 1.000; reported 0.920.  (0.920 is
    # the chi-square p of the next row's 2×3 table.)
    "table1-egfr-p",
    # Table 1, CNS metastases [[29, 71], [15, 35]]: E = 29.33, 70.67, 14.67,
    # 35.33, |O − E| = 1/3: X² = (1/9)(0.03409 + 0.01415 + 0.06818 + 0.02830)
    # = 0.01608 -> p = 0.899; Fisher and Yates 1.000; reported 0.888.
    "table1-cns-p",
    # Table 1, third-generation TKI, 2×3 [[77, 14, 9], [37, 8, 5]]: Fisher's
    # r×c p is 0.873, chi-square 0.920, G 0.921; reported 0.956.
    "table1-tki-p",
    # ORR 7/100, "95% CI 3.4%–13.8%", stated Clopper-Pearson.  Clopper-Pearson
    # for 7/100 is 2.9%–13.9% (lower: Beta(0.025; 7, 94) = 0.0286).  Wilson:
    # centre (7 + 1.9208)/103.8415 = 0.08591, half 1.96·sqrt(7·93/100 +
    # 0.9604)/103.8415 = 0.05159 -> 3.43%–13.75%: the Wilson interval (its upper
    # bound 13.7495% gives 13.8 once rounded via 13.75).
    "results-orr-anlotinib",
    # DCR 91/100, "83.8%–95.2%", stated Clopper-Pearson (83.6%–95.8%).  Wilson:
    # centre (91 + 1.9208)/103.8415 = 0.89483, half 1.96·sqrt(91·9/100 +
    # 0.9604)/103.8415 = 0.05712 -> 83.77%–95.19%: Wilson.
    "results-dcr-anlotinib",
    # DCR 17/50 = 34.0% with "95% CI 54.2%–79.2%": the interval does not contain
    # its estimate.  Wilson for 34/50 (the percentage 34.0 used as a count):
    # centre (34 + 1.9208)/53.8415 = 0.66715, half 1.96·sqrt(34·16/50 +
    # 0.9604)/53.8415 = 0.12526 -> 54.19%–79.24%.
    "results-dcr-tki",
    # Grade >= 3 TRAEs "16 patients (34.0%)" of 50: 16/50 = 32.0%; 34.0% is 17/50.
    "safety-trae-g3-tki",
    # Table 2 lists "Vomiting" twice: 15 (15.0) / 0 / 7 (14.0) / 1 (2.0) and
    # 11 (11.0) / 0 / 5 (10.0) / 0.
    "table2-unique-rows",
    # "3.76-month extension of median PFS": 9.23 − 5.42 = 3.81, at least
    # 9.225 − 5.425 = 3.80 over rounding, so 3.76 ([3.755, 3.765]) is out of
    # reach; it is the PFS2 difference 23.21 − 19.45 = 3.76.
    "discussion-pfs-extension",
    # "19.5 months (95% CI 18.0–20.9)" restating PFS2 19.45 (17.77–20.73): 19.45
    # -> 19.5 is consistent (boundary), but 17.77 -> 17.8, not 18.0, and
    # 20.73 -> 20.7, not 20.9.
    "discussion-pfs2-tki",
}

EXPECTED_WARNINGS = {
    # "ex19del and L858R make up 85%-90% of NSCLC cases" and driver alterations
    # (of which they are part) "occur in approximately 60% of lung cancer cases":
    # both hold only if NSCLC were at most 60.5 / 84.5 = 71.6% of lung cancer.
    "intro-egfr-driver-share",
    # ALTER-L001 median PFS: "9.1 months" (Introduction) against "9.2 months"
    # (Discussion, and Methods 2.4).  9.1 stands for [9.05, 9.15], 9.2 for
    # [9.15, 9.25]: they share only 9.15, so both are right only if the median
    # is exactly 9.15 and the two places rounded it in opposite directions.
    "intro-alter-l001-median",
    # 156/344 = 45.349% -> 45.3%; 45.4% only by rounding twice (45.349 -> 45.35 -> 45.4).
    "intro-reiwa-oligo",
    # PFS2 events "86 and 40" repeat the PFS event counts exactly.
    "results-pfs2-events",
    # HR 0.54 (0.36–0.80): SE = ln(0.80/0.36)/3.92 = 0.2037, z = 0.6162/0.2037
    # = 3.025 -> p = 0.0025, not 0.0016; only the corner HR 0.535, L 0.365,
    # U 0.795 gives p = 0.00163, inside [0.00155, 0.00165].
    "results-pfs2-hr",
    # Table 2 runs in descending order of the anlotinib any-grade count (68,
    # 50, 50, 45, ..., 25, 25, then 24, 20, ..., 11) but for "γ-glutamyl
    # transferase increased" 29 (29.0), printed between Appetite decreased 25
    # and Hyperbilirubinemia 24: moved from between the 30s and Proteinuria
    # 28, or a misprinted 24-25. No figure is shown wrong, so a warning.
    "table2-row-order",
}

EXPECTED_UNVERIFIABLE = {
    # Age t-test from medians and IQRs (Wan et al. 2014 approximation shown).
    "table1-age-p",
    # Power statement: accrual and follow-up are not printed.
    "methods-power",
    # FLAURA "5.5-month PFS gain": the comparator median is not printed.
    "discussion-flaura-gain",
}


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return audit_file()


def by_status(result, status: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.id for f in result.findings if f.status == status}


def test_exactly_the_derived_errors_fail(result) -> None:  # type: ignore[no-untyped-def]
    assert by_status(result, "fail") == EXPECTED_FAILURES


def test_warnings_and_unverifiable(result) -> None:  # type: ignore[no-untyped-def]
    assert by_status(result, "warn") == EXPECTED_WARNINGS
    assert by_status(result, "unverifiable") == EXPECTED_UNVERIFIABLE


def test_every_claim_yields_exactly_one_finding(result) -> None:  # type: ignore[no-untyped-def]
    claims = load_claims(BUNDLED_CLAIMS)
    assert [f.id for f in result.findings] == [c.id for c in claims.claims]
    assert len({c.id for c in claims.claims}) == len(claims.claims)
    summary = result.summary()
    assert summary["total"] == len(claims.claims) == sum(summary[s] for s in STATUSES)
    assert result.has_failures
    assert result.paper == "ALTER-L058"


def test_bundled_file_is_the_reference_file() -> None:
    assert BUNDLED_CLAIMS.is_symlink() or BUNDLED_CLAIMS.resolve() == REFERENCE.resolve()
    assert BUNDLED_CLAIMS.resolve() == REFERENCE.resolve()


def test_failures_explain_themselves(result) -> None:  # type: ignore[no-untyped-def]
    found = {f.id: f for f in result.findings}
    assert "wilson" in found["results-orr-anlotinib"].message
    assert "wilson" in found["results-dcr-anlotinib"].message
    assert "percentage 34.0 used as the count" in found["results-dcr-tki"].message
    assert "17/50 = 34.0%" in found["safety-trae-g3-tki"].message
    assert "23.21 − 19.45" in found["discussion-pfs-extension"].message
    assert "table1-tki-p" in found["table1-egfr-p"].message
    assert "intro-flower-oligo" in found["intro-reiwa-oligo-restated"].message
    for f in result.findings:
        if f.status == "fail":
            assert f.reported and f.expected and f.message


def test_ci_details_for_the_report(result) -> None:  # type: ignore[no-untyped-def]
    for f in result.findings:
        if f.check in ("ci-method", "ci-contains", "hr-ci"):
            assert {"reported_interval", "estimate", "method_intervals",
                    "stated_method"} <= set(f.details)
    dcr = next(f for f in result.findings if f.id == "results-dcr-tki")
    assert dcr.details["reported_interval"] == [54.2, 79.2]
    assert dcr.details["estimate"] == 34.0
    assert dcr.details["stated_method"] == "clopper-pearson"
    # Wilson for 17/50 by its closed form: centre (17 + 1.9208)/53.8415, half
    # 1.96·sqrt(17·33/50 + 0.9604)/53.8415.
    z = 1.959963984540054
    centre = (17 + z * z / 2) / (50 + z * z)
    half = z * math.sqrt(17 * 33 / 50 + z * z / 4) / (50 + z * z)
    low, high = dcr.details["method_intervals"]["wilson"]
    assert math.isclose(low, 100 * (centre - half), rel_tol=1e-9)
    assert math.isclose(high, 100 * (centre + half), rel_tol=1e-9)
