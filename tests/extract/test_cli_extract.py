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


def test_text_without_groups_is_invalid_input(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nogroups.txt"
    path.write_text("Results\nSomething happened in 3 (10%) patients.\n", encoding="utf-8")
    assert cli.main(["extract", str(path)]) == cli.EXIT_INVALID
    assert "no groups found" in capsys.readouterr().err
