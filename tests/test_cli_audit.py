"""``crossval audit``: exit codes, colour, output file, and errors as one line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import crossval.audit
from crossval import cli
from crossval.audit.findings import AuditResult, Finding
from crossval.errors import InputError
from crossval.report import FORMATS

PASS = Finding("a", "Abstract", "Abstract", "count-percentage", "pass", ("17 (34.0%)",), "34.0%",
               "17/50 = 34.0%.")
FAIL = Finding("b", "Abstract", "Abstract", "count-percentage", "fail", ("17 (35.0%)",), "34.0%",
               "17/50 is 34.0%, not 35.0%.")
WARN = Finding("c", "Table 1", "Table 1", "p-value", "warn", ("P = 0.05",), None, "Borderline.")

@pytest.fixture
def fake_audit(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Replace the audit with canned results, to test the command on its own."""
    calls: list[object] = []
    outcomes: dict[str, AuditResult | Exception] = {
        "ok.yaml": AuditResult("ok.yaml", "P", (PASS, WARN)),
        "None": AuditResult("bundled", "ALTER-L058", (PASS,)),
        "bad.yaml": AuditResult("bad.yaml", "P", (PASS, FAIL)),
        "broken.yaml": InputError("broken.yaml, line 7: claim 'orr': field 'n' must be a whole "
                                  "number;\ngot 'fifty'"),
    }

    def audit_file(path: str | None = None, **options: object) -> AuditResult:
        calls.append(path)
        outcome = outcomes.get(str(path))
        if outcome is None:
            raise FileNotFoundError(2, "No such file or directory", str(path))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(crossval.audit, "audit_file", audit_file, raising=False)
    return calls


def _audit_parser() -> argparse.ArgumentParser:
    sub = next(
        a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    parser: argparse.ArgumentParser = sub.choices["audit"]
    return parser


def test_cli_formats_are_the_report_formats() -> None:
    fmt = next(a for a in _audit_parser()._actions if a.dest == "format")
    assert tuple(fmt.choices or ()) == FORMATS


@pytest.mark.parametrize(
    "argv",
    [["audit", "--format", "pdf"], ["audit", "--color", "sometimes"], ["audit", "a", "b"],
     ["audit", "--fisher-max-work", "0"], ["audit", "--fisher-max-work", "2.5"],
     ["audit", "--fisher-max-work", "lots"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert "usage:" in capsys.readouterr().err


# --- the command, with the audit stubbed ------------------------------------


def test_exit_0_when_nothing_fails(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", "ok.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == "2 findings: 1 pass, 0 fail, 1 warn, 0 unverifiable"


def test_exit_1_when_a_claim_fails(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", "bad.yaml"]) == 1
    assert "17/50 is 34.0%, not 35.0%." in capsys.readouterr().out


def test_no_claims_audits_the_bundled_file(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit"]) == 0
    assert fake_audit == [None]
    assert "ALTER-L058" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("broken.yaml", ["line 7", "'orr'", "'n'", "got 'fifty'"]),
        ("missing.yaml", ["missing.yaml"]),
    ],
)
def test_invalid_input_exits_2_with_one_line_on_stderr(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str], path: str, words: list[str]
) -> None:
    assert cli.main(["audit", path]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("crossval audit: ")
    assert "Traceback" not in err
    for word in words:
        assert word in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_reaches_the_report(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    assert cli.main(["audit", "bad.yaml", "--format", fmt]) == 1
    out = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(out)["summary"]["fail"] == 1
    elif fmt == "html":
        assert out.startswith("<!DOCTYPE html>")
    elif fmt == "markdown":
        assert out.startswith("# crossval audit")
    else:
        assert out.startswith("crossval audit")


def _tty(monkeypatch: pytest.MonkeyPatch, is_tty: bool) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: is_tty)


@pytest.mark.parametrize(
    ("flag", "tty", "no_color", "coloured"),
    [
        ("auto", True, False, True),
        ("auto", False, False, False),
        ("auto", True, True, False),
        ("always", False, True, True),
        ("never", True, False, False),
    ],
)
def test_color_flag(
    fake_audit: list[object],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    tty: bool,
    no_color: bool,
    coloured: bool,
) -> None:
    _tty(monkeypatch, tty)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    cli.main(["audit", "bad.yaml", "--color", flag])
    assert ("\x1b[" in capsys.readouterr().out) is coloured


def test_output_file(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _tty(monkeypatch, True)  # auto colour still stays out of a file
    monkeypatch.delenv("NO_COLOR", raising=False)
    target = tmp_path / "report.json"
    assert cli.main(["audit", "bad.yaml", "--format", "json", "-o", str(target)]) == 1
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [f["id"] for f in doc["findings"]] == ["a", "b"]
    out = capsys.readouterr().out
    assert str(target) in out and "1 fail" in out
    assert "\x1b" not in target.read_text(encoding="utf-8")


def test_output_file_that_cannot_be_written_exits_2(
    fake_audit: list[object], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "no-such-dir" / "report.html"
    assert cli.main(["audit", "ok.yaml", "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(target) in err


# --- real claims files through the real loader ------------------------------

HEAD = """\
schema_version: 1
paper: {short_name: TEST-1, title: "A small test paper"}
groups:
  - {name: arm, n: "50", label: "Study arm"}
  - {name: big, n: "100", label: "Other arm"}
claims:
"""

COUNT_OK = """\
  - id: arm-response
    type: count
    location: {section: Results, detail: "response"}
    count: "17"
    percent: "34.0"
    denominator: arm
"""

COUNT_BAD = """\
  - id: arm-grade3
    type: count
    location: {section: Results, detail: "grade 3 events"}
    count: "16"
    percent: "34.0"
    denominator: arm
"""

CI_WILSON_PRINTED = """\
  - id: big-orr-ci
    type: proportion-ci
    location: {section: Results, detail: "objective response rate"}
    count: "7"
    percent: "7.0"
    denominator: big
    ci: ["3.4", "13.8"]
    method: clopper-pearson
"""


def _claims(tmp_path: Path, *claims: str, name: str = "claims.yaml") -> str:
    path = tmp_path / name
    path.write_text(HEAD + "".join(claims), encoding="utf-8")
    return str(path)


def test_claims_file_that_passes_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", _claims(tmp_path, COUNT_OK)]) == 0
    out = capsys.readouterr().out
    assert "arm-response" in out
    assert out.rstrip().splitlines()[-1] == "1 finding: 1 pass, 0 fail, 0 warn, 0 unverifiable"


def test_claims_file_with_a_wrong_figure_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", _claims(tmp_path, COUNT_OK, COUNT_BAD), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    statuses = {f["id"]: f["status"] for f in doc["findings"]}
    assert statuses == {"arm-response": "pass", "arm-grade3": "fail"}
    wrong = doc["findings"][1]
    assert wrong["reported"] == ["16", "34.0%"]
    assert wrong["expected"] == "16/50 = 32.0%"
    assert wrong["section"] == "Results"


def test_ci_claim_gets_a_plot_in_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _claims(tmp_path, COUNT_OK, CI_WILSON_PRINTED)
    assert cli.main(["audit", path, "--format", "html"]) == 1
    page = capsys.readouterr().out
    assert page.count("<svg") == 1
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "clopper-pearson (stated)" in svg and "wilson" in svg


@pytest.mark.parametrize(
    ("claims", "line", "words"),
    [
        ((COUNT_OK, COUNT_BAD.replace('"16"', "16")), 16, ["'arm-grade3'", "'count'"]),
        (
            (COUNT_OK, CI_WILSON_PRINTED.replace("clopper-pearson", "wilson score")),
            20,
            ["'big-orr-ci'", "'method'", "'clopper-pearson'"],
        ),
        ((COUNT_OK.replace("denominator: arm", "denominator: nobody"),), 12,
         ["'arm-response'", "'denominator'"]),
        ((COUNT_OK.replace("type: count", "type: countt"),), 8, ["'arm-response'", "'type'"]),
        ((COUNT_OK, COUNT_OK), 13, ["'arm-response'", "duplicate"]),
        ((COUNT_OK, "  - id: [unclosed\n"), None, []),
    ],
)
def test_invalid_claims_file_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    claims: tuple[str, ...],
    line: int | None,
    words: list[str],
) -> None:
    path = _claims(tmp_path, *claims)
    assert cli.main(["audit", path]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"crossval audit: {path}")
    assert "Traceback" not in err
    if line is not None:
        assert err.startswith(f"crossval audit: {path}:{line}: ")
    for word in words:
        assert word in err


@pytest.mark.parametrize("make", ["missing", "directory", "binary"])
def test_unreadable_claims_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str
) -> None:
    path = tmp_path / "claims.yaml"
    if make == "directory":
        path.mkdir()
    elif make == "binary":
        path.write_bytes(b"\xff\xfe\x00bad")
    assert cli.main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "claims.yaml" in err


def test_output_file_from_a_claims_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "audit.md"
    path = _claims(tmp_path, COUNT_OK, COUNT_BAD)
    assert cli.main(["audit", path, "--format", "markdown", "-o", str(target)]) == 1
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# crossval audit: TEST-1") and "## Failures (1)" in text
    assert capsys.readouterr().out.strip() == (
        f"2 findings: 1 pass, 1 fail, 0 warn, 0 unverifiable; report written to {target}"
    )


def test_bundled_claims_audit(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["audit", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["total"] == len(doc["findings"]) > 0
    assert code == (1 if doc["summary"]["fail"] else 0)
    result = crossval.audit.audit_file(None)
    assert [f["id"] for f in doc["findings"]] == [f.id for f in result.findings]


# A 4 x 3 table (N = 400) whose exact Fisher p, 0.4632, needs about 1e5 units of work.
FISHER_4X3 = """\
  - id: stage-p
    type: p-value
    location: {section: Table 1, table: Table 1, row: Stage}
    p: "P = 0.463"
    test: fisher
    table: [["36", "41", "7"], ["55", "41", "18"], ["67", "56", "15"], ["33", "26", "5"]]
"""


def test_fisher_work_limit_reaches_the_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _claims(tmp_path, FISHER_4X3)
    assert cli.main(["audit", path, "--format", "json"]) == 0
    (computed,) = json.loads(capsys.readouterr().out)["findings"]
    assert computed["status"] == "pass"
    assert cli.main(["audit", path, "--format", "json", "--fisher-max-work", "1e3"]) == 0
    (limited,) = json.loads(capsys.readouterr().out)["findings"]
    assert limited["status"] == "unverifiable"
    assert "--fisher-max-work" in limited["message"]
    assert "fisher" not in limited["details"]["p_values"]


def test_fisher_work_limit_must_be_a_positive_whole_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["audit", "--fisher-max-work", "2.5"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--fisher-max-work" in err and "positive whole number of work units" in err
