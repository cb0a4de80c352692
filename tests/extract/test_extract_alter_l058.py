"""End to end on ALTER-L058: extraction alone finds the failures of the hand-curated file.

Ids differ between the two files, so findings are compared by check and printed
figures.  Each expected failure is derived by hand in tests/audit/test_alter_l058.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from crossval import cli
from crossval.audit import AuditResult, audit_file, load_claims
from crossval.extract import audit_paper, claims_file, extract_file, recall

ROOT = Path(__file__).parents[2]
CURATED = ROOT / "reference" / "alter-l058.yaml"
PAPER = (ROOT / str(load_claims(CURATED).paper.source)).resolve()

pytestmark = pytest.mark.skipif(not PAPER.exists(), reason=f"paper text not found at {PAPER}")

#: (check, printed figures) of every failure, as the curated audit finds them.
EXPECTED_FAILURES = Counter([
    ("grim", ("20.1%",)),                  # FLOWER: 20.1% of the 44 who progressed
    ("restatement", ("20.1%",)),           # Reiwa oligoprogression given as 20.1% and 45.4%
    ("restatement", ("54.5%",)),           # Reiwa progression given as 59.0% and 54.5%
    ("count-percentage", ("77", "49.5%")),  # 77/156 = 49.4%
    ("p-value", ("P = 0.888",)),           # ECOG, Fisher p = 1
    ("p-value", ("P = 0.920",)),           # EGFR mutation, Fisher p = 1
    ("p-value", ("P = 0.888",)),           # CNS metastases, Fisher p = 1
    ("p-value", ("P = 0.956",)),           # third-generation TKI, Fisher p = 0.873
    ("ci-method", ("7.0%", "3.4%", "13.8%")),    # ORR: Wilson, not Clopper-Pearson
    ("ci-method", ("91.0%", "83.8%", "95.2%")),  # DCR: Wilson, not Clopper-Pearson
    ("ci-method", ("34.0%", "54.2%", "79.2%")),  # DCR: CI misses its estimate
    ("count-percentage", ("16", "34.0%")),  # 16/50 = 32.0%
    ("duplicate-rows", ("Vomiting",)),     # Table 2 lists Vomiting twice
    ("difference", ("3.76",)),             # 9.23 − 5.42 = 3.81; 3.76 is the PFS2 difference
    ("restatement", ("19.5", "18.0", "20.9")),  # PFS2 CI 17.77–20.73 restated as 18.0–20.9
])


def failures(result: AuditResult) -> Counter[tuple[str, tuple[str, ...]]]:
    return Counter((f.check, tuple(f.reported)) for f in result.findings if f.status == "fail")


@pytest.fixture(scope="module")
def extracted() -> AuditResult:
    return audit_paper(PAPER)


def test_curated_failures_are_the_expected_ones() -> None:
    # Guards the comparison below: the curated audit itself still finds these.
    assert failures(audit_file(CURATED)) == EXPECTED_FAILURES


def test_extraction_finds_the_same_failures_and_no_others(extracted: AuditResult) -> None:
    assert failures(extracted) == EXPECTED_FAILURES


#: Checks of claims that only a reader writes: the relation they need is in the words
#: (that EGFR mutations are driver alterations), which extraction does not read.
CURATED_ONLY = {"part-of-whole"}


def test_extraction_warns_and_leaves_unverifiable_as_the_curated_file(
        extracted: AuditResult) -> None:
    # among the warnings, Table 2's row order (inferred from the table itself)
    curated = audit_file(CURATED)
    for status in ("warn", "unverifiable"):
        def of(result: AuditResult, status: str = status) -> Counter[tuple[str, tuple[str, ...]]]:
            return Counter((f.check, tuple(f.reported)) for f in result.findings
                           if f.status == status and f.check not in CURATED_ONLY)
        assert of(extracted) == of(curated), status
    assert {f.check for f in extracted.findings} & CURATED_ONLY == set()
    assert ("part-of-whole", ("85%", "60%")) in {
        (f.check, tuple(f.reported)) for f in curated.findings if f.status == "warn"}
    assert ("row-order", ("γ-glutamyl transferase increased",)) in {
        (f.check, tuple(f.reported)) for f in extracted.findings if f.status == "warn"}


def test_failures_explain_themselves(extracted: AuditResult) -> None:
    found = {(f.check, tuple(f.reported)): f for f in extracted.findings if f.status == "fail"}
    assert "wilson" in found[("ci-method", ("7.0%", "3.4%", "13.8%"))].message
    assert "23.21 − 19.45" in found[("difference", ("3.76",))].message
    assert "17/50 = 34.0%" in found[("count-percentage", ("16", "34.0%"))].message
    # The restated 20.1% is traced to the FLOWER sentence it was copied from.
    assert "of 44" in found[("restatement", ("20.1%",))].message


def test_every_finding_says_it_was_extracted(extracted: AuditResult) -> None:
    assert {f.details["provenance"] for f in extracted.findings} == {"extracted"}
    assert {f.details["confidence"] for f in extracted.findings} <= {"high", "medium", "low"}
    assert all(f.details["source_text"] for f in extracted.findings)
    assert extracted.source == str(PAPER)


def test_recall_against_the_curated_file() -> None:
    found = recall(load_claims(CURATED), claims_file(extract_file(PAPER)))
    by_type = {t.type: (t.matched, t.curated) for t in found.by_type}
    # Every curated claim behind a failure, and all table rows, have a counterpart.
    for ctype in ("restatement", "p-value", "proportion-ci", "duplicate-rows", "difference",
                  "categorical", "ae-row", "median-ci", "hazard-ratio"):
        assert by_type[ctype][0] == by_type[ctype][1], ctype
    # The three curated counts left: "0" for a response count printed as "none", and two
    # of three grade >= 3 shares printed once for three terms ("each occurring in 8.0%").
    readable = found.curated - sum(by_type[ctype][1] for ctype in CURATED_ONLY)
    assert readable == found.curated - 1  # the EGFR share of the Introduction
    assert found.matched >= readable - 3


def test_audit_command_on_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["audit", str(PAPER)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_FAILED
    assert "extracted from the paper's text" in out
    assert "read from the text" in out  # failures show the text they were read from
