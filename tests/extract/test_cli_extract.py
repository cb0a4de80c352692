"""``crossval extract`` and ``crossval audit PAPER.txt`` on a made-up paper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from madeup_papers import paper

from crossval import cli
from crossval.audit import load_claims

RESULTS = ("Grade 3 events occurred in 16 patients (34.0%) in the placebo group and 20 "
           "patients (25.0%) in the drug A group.")


@pytest.fixture
def paper_txt(tmp_path: Path) -> Path:
    path = tmp_path / "trial.txt"
    path.write_text(paper(RESULTS), encoding="utf-8")
    return path


def test_extract_writes_a_claims_file(paper_txt: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "claims.yaml"
    assert cli.main(["extract", str(paper_txt), "-o", str(out)]) == cli.EXIT_OK
    assert "3 claims extracted" in capsys.readouterr().out
    claims = load_claims(out)
    assert [c.type for c in claims.claims] == ["group-sizes", "count", "count"]
    assert {c.get("provenance") for c in claims.claims} == {"extracted"}


def test_extract_to_standard_output(paper_txt: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["extract", str(paper_txt)]) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.startswith("# Claims extracted by crossval")
    assert "percent: '34.0'" in captured.out  # figures stay quoted strings
    assert "claims extracted" in captured.err


def test_extract_compare_reports_recall(paper_txt: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    curated = tmp_path / "curated.yaml"
    curated.write_text("""\
schema_version: 1
paper: {short_name: T, title: made-up}
groups:
  - {name: a, n: "80", label: drug A}
  - {name: p, n: "40", label: placebo}
claims:
  - {id: g3-p, type: count, location: {section: Results 3.1}, count: "16", percent: "34.0",
     denominator: p}
  - {id: g3-a, type: count, location: {section: Results 3.1}, count: "20", percent: "25.0",
     denominator: a}
  - {id: orr, type: count, location: {section: Results 3.1}, percent: "50.0", denominator: a}
""", encoding="utf-8")
    assert cli.main(["extract", str(paper_txt), "--compare", str(curated)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    # Two of the three curated counts are printed in the text; the third is not.
    assert "2 of 3 curated claims" in out
    assert "missing: orr" in out
    assert "schema_version" not in out  # the report replaces the claims file on stdout


def test_audit_a_text_file(paper_txt: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["audit", "--format", "json", str(paper_txt)])
    doc = json.loads(capsys.readouterr().out)
    # 16/40 = 40.0%, not 34.0%: the placebo count fails.
    assert code == cli.EXIT_FAILED
    failed = [f for f in doc["findings"] if f["status"] == "fail"]
    assert [f["reported"] for f in failed] == [["16", "34.0%"]]
    assert {f["details"]["provenance"] for f in doc["findings"]} == {"extracted"}


def test_missing_paper_is_invalid_input(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["extract", str(tmp_path / "none.txt")]) == cli.EXIT_INVALID
    assert "file not found" in capsys.readouterr().err
    assert cli.main(["audit", str(tmp_path / "none.txt")]) == cli.EXIT_INVALID


def test_text_without_groups_or_figures_is_invalid_input(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nogroups.txt"
    path.write_text("Results\nSomething happened in 3 (10%) patients.\n", encoding="utf-8")
    assert cli.main(["extract", str(path)]) == cli.EXIT_INVALID
    assert "no groups and no figures found" in capsys.readouterr().err


# A single-arm paper: no groups, but a response rate with its own denominator
# and CI, and a hazard ratio, that need none. 18/40 has the Clopper-Pearson
# interval 29.3%-61.5%; 12/40's (30.0%) is 16.6%-46.5%, not the 14.7%-45.6%
# printed here.
SINGLE_ARM = ("Methods\nResponse rates are given with exact Clopper-Pearson 95% confidence "
              "intervals.\n\nResults\nThe median OS was 12.3 months (95% CI 10.1-14.5) vs "
              "9.8 months (95% CI 8.0-11.2); HR 0.71 (95% CI 0.55-0.92). ORR was 45.0% (18/40; 95% "
              "CI, 29.3%-61.5%). DCR was 30.0% (12/40; 95% CI, 14.7%-45.6%).\n")


def test_a_paper_with_no_groups_is_extracted_and_audited(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "single_arm.txt"
    path.write_text(SINGLE_ARM, encoding="utf-8")
    out = tmp_path / "claims.yaml"
    assert cli.main(["extract", str(path), "-o", str(out)]) == cli.EXIT_OK
    assert "note: no groups found" in capsys.readouterr().err
    claims = load_claims(out)
    assert claims.groups == {}
    assert {c.type for c in claims.claims} >= {"hazard-ratio", "proportion-ci"}
    assert cli.main(["audit", str(path), "--format", "json"]) == cli.EXIT_FAILED
    doc = json.loads(capsys.readouterr().out)
    assert [n.split(" (")[0] for n in doc["notes"]] == ["no groups found"]
    findings = {f["id"]: f["status"] for f in doc["findings"]}
    assert findings["abstract-orr-40"] == "pass"
    assert [s for i, s in findings.items() if i.startswith("abstract-dcr")] == ["fail"]


def test_groups_printed_with_no_patients_are_left_out_by_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A group of 0 is no denominator; declared, it stopped the generated claims file
    # with a line number in a file the user never sees.
    none = tmp_path / "none.txt"
    none.write_text("Results\nA total of 0 patients were enrolled, including 0 in the drug A "
                    "group and 0 in the placebo group.\n", encoding="utf-8")
    assert cli.main(["audit", str(none)]) == cli.EXIT_INVALID
    err = capsys.readouterr().err
    assert "the groups printed, drug A, placebo, have no patients" in err
    assert "extracted claims):" not in err
    one = tmp_path / "one.txt"
    one.write_text("Results\nA total of 40 patients were enrolled, including 40 in the drug A "
                   "group and 0 in the placebo group. 20 patients (50.0%) in the drug A group "
                   "responded.\n", encoding="utf-8")
    assert cli.main(["audit", str(one), "--format", "json"]) == cli.EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["notes"] == ["groups printed with no patients were left out: placebo"]
    assert [f["status"] for f in doc["findings"]] == ["pass"]
