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
from crossval.report import FORMATS, summary_line

PASS = Finding("a", "Abstract", "Abstract", "count-percentage", "pass", ("17 (34.0%)",), "34.0%",
               "17/50 = 34.0%.")
FAIL = Finding("b", "Abstract", "Abstract", "count-percentage", "fail", ("17 (35.0%)",), "34.0%",
               "17/50 is 34.0%, not 35.0%.")
WARN = Finding("c", "Table 1", "Table 1", "p-value", "warn", ("P = 0.05",), None, "Borderline.")

HAVE_LOADER = hasattr(crossval.audit, "audit_file")
needs_loader = pytest.mark.skipif(
    not HAVE_LOADER,
    reason="crossval.audit.audit_file (the claims loader) has not landed yet; "
    "these tests run real claims files through it",
)


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

    def audit_file(path: str | None = None) -> AuditResult:
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
    [["audit", "--format", "pdf"], ["audit", "--color", "sometimes"], ["audit", "a", "b"]],
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


@needs_loader
def test_bundled_claims_audit_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["audit", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == (1 if doc["summary"]["fail"] else 0)
    assert doc["summary"]["total"] == len(doc["findings"]) > 0


@needs_loader
def test_summary_line_matches_the_result() -> None:
    result = crossval.audit.audit_file(None)
    assert summary_line(result).startswith(f"{len(result.findings)} finding")
