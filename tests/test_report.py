"""Audit reports rendered from a hand-built AuditResult, one format at a time."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from crossval.audit.findings import AuditResult, Finding
from crossval.errors import InputError, InputTypeError
from crossval.report import FORMATS, render, summary_line
from crossval.report.audit_html import render_html
from crossval.report.audit_report import render_markdown
from crossval.report.audit_text import render_text
from crossval.report.svg_interval_plot import interval_plot

ANSI = re.compile(r"\x1b\[[0-9;]*m")
EVIL = "<script>alert('x')</script>"

CI_DETAILS = {
    "reported_interval": [0.212, 0.488],
    "estimate": 0.34,
    "stated_method": "clopper-pearson",
    "method_intervals": {
        "clopper-pearson": [0.21207, 0.48752],
        "wilson": [0.22363, 0.47803],
        "wald": [0.20869, 0.47131],
    },
}

CI_FAIL = Finding(
    id="orr-ci",
    section="Abstract",
    location="Abstract, objective response rate",
    check="ci-method",
    status="fail",
    reported=("34.0%", "95% CI 21.2%–48.8%"),
    expected="22.4%–47.8% (wilson, 17/50)",
    message=(
        "The interval printed does not match the method the Methods section names; "
        "it is reproduced by none of the other methods either, so a transcription error "
        "in the upper bound is the most likely explanation."
    ),
    details=CI_DETAILS,
)
PASS = Finding(
    id="ecog-0",
    section="Table 1",
    location="Table 1, row 'ECOG performance status score'",
    check="count-percentage",
    status="pass",
    reported=("17 (34.0%)",),
    expected="34.0%",
    message="17/50 = 34.0%.",
)
WARN = Finding(
    id=f"p-value {EVIL}",
    section="Table 1",
    location="Table 1 | footnote b",
    check="p-value",
    status="warn",
    reported=("P = 0.05 | NS",),
    expected=None,
    message="Rounds to the threshold \x1b[31m; state more digits.",
    details={"p": float("nan"), "bound": float("inf"), "n": np.int64(50), "x": np.float64(0.5)},
)
UNVERIFIABLE = Finding(
    id="os-hr",
    section="Results 3.2",
    location="Results 3.2, overall survival",
    check="hr-ci",
    status="unverifiable",
    reported=("HR 0.71 (95% CI 0.52–0.97)",),
    expected=None,
    message="The paper gives no patient-level data for overall survival.",
)
FINDINGS = (CI_FAIL, PASS, WARN, UNVERIFIABLE)


@pytest.fixture
def result() -> AuditResult:
    return AuditResult(source="claims/alter.yaml", paper=f"ALTER {EVIL}", findings=FINDINGS)


def _no_ci_result() -> AuditResult:
    return AuditResult(source="s.yaml", paper="P", findings=(PASS, UNVERIFIABLE))


# --- options ----------------------------------------------------------------


def test_unknown_format_lists_the_allowed_set(result: AuditResult) -> None:
    with pytest.raises(InputError) as err:
        render(result, format="pdf")
    for name in FORMATS:
        assert repr(name) in str(err.value)


def test_format_must_be_a_string(result: AuditResult) -> None:
    with pytest.raises(InputTypeError):
        render(result, format=None)  # type: ignore[arg-type]


def test_format_is_keyword_only(result: AuditResult) -> None:
    with pytest.raises(TypeError):
        render(result, "json")  # type: ignore[misc]


def test_summary_line(result: AuditResult) -> None:
    assert summary_line(result) == "4 findings: 1 pass, 1 fail, 1 warn, 1 unverifiable"


# --- text -------------------------------------------------------------------


def test_text_groups_rows_under_section_headings_in_order(result: AuditResult) -> None:
    lines = render_text(result, width=120).splitlines()
    headings = [i for i, line in enumerate(lines) if line in ("Abstract", "Table 1", "Results 3.2")]
    assert [lines[i] for i in headings] == ["Abstract", "Table 1", "Results 3.2"]
    abstract, table1, results = headings
    block = "\n".join(lines[abstract:table1])
    for piece in ("FAIL", "orr-ci", "ci-method", "34.0%", "95% CI 21.2%–48.8%", "(wilson, 17/50)"):
        assert piece in block
    assert "ecog-0" in "\n".join(lines[table1:results])
    assert "os-hr" in "\n".join(lines[results:])


def test_text_row_holds_status_id_check_figures_and_crossval_number(
    result: AuditResult,
) -> None:
    text = render_text(result, width=200)
    row = next(line for line in text.splitlines() if "ecog-0" in line)
    assert re.search(r"^PASS\s+ecog-0\s+count-percentage\s+17 \(34\.0%\)\s+34\.0%$", row)
    warn_row = next(line for line in text.splitlines() if line.startswith("WARN"))
    assert warn_row.rstrip().endswith("—")  # crossval has no number for it


def test_text_puts_the_check_under_the_id_when_columns_are_tight(result: AuditResult) -> None:
    lines = render_text(result, width=80).splitlines()
    assert re.match(r"STATUS\s+ID / CHECK\s+REPORTED\s+CROSSVAL$", lines[5])
    i = next(i for i, line in enumerate(lines) if line.startswith("PASS"))
    assert re.search(r"^PASS\s+ecog-0\s+17 \(34\.0%\)\s+34\.0%$", lines[i])
    assert lines[i + 1].strip() == "(count-percentage)"
    wide = render_text(result, width=160).splitlines()
    assert wide[5].split() == ["STATUS", "ID", "CHECK", "REPORTED", "CROSSVAL"]


def test_text_ends_with_failures_then_the_summary(result: AuditResult) -> None:
    text = render_text(result, width=100)
    tail = text[text.index("Failures (1)") :]
    assert "orr-ci" in tail and "transcription error" in tail
    assert "ecog-0" not in tail and "os-hr" not in tail
    assert text.rstrip().splitlines()[-1] == summary_line(result)


def test_text_without_failures_has_no_failure_list() -> None:
    assert "Failures" not in render_text(_no_ci_result(), width=100)


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_text_fits_the_terminal_width_and_keeps_every_word(result: AuditResult, width: int) -> None:
    text = render_text(result, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    # the message is wrapped, not cut: its words all come back in order
    words = " ".join(text.split())
    assert "transcription error in the upper bound is the most likely explanation." in words


def test_text_uses_the_terminal_width_by_default(
    result: AuditResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "70")
    assert max(len(line) for line in render(result).splitlines()) <= 70


def test_text_has_no_escape_codes_unless_asked(result: AuditResult) -> None:
    plain = render(result, format="text")
    # not even the ESC the WARN message carries: it is shown escaped
    assert "\x1b" not in plain
    assert "\\x1b[31m" in plain


def test_text_colours_each_status(result: AuditResult) -> None:
    text = render(result, format="text", color=True)
    assert "\x1b[31mFAIL" in text
    assert "\x1b[32mPASS" in text
    assert "\x1b[33mWARN" in text
    assert "\x1b[36mUNVERIFIABLE" in text
    # colour changes nothing but the codes
    assert ANSI.sub("", text).splitlines()[-1] == summary_line(result)


@pytest.mark.parametrize("fmt", ["json", "markdown", "html"])
def test_colour_never_leaks_into_other_formats(result: AuditResult, fmt: str) -> None:
    assert "\x1b" not in render(result, format=fmt, color=True)


# --- json -------------------------------------------------------------------


def _strict_json(text: str) -> object:
    def reject(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


def test_json_shape_key_by_key(result: AuditResult) -> None:
    doc = _strict_json(render(result, format="json"))
    assert isinstance(doc, dict)
    assert list(doc) == ["source", "notes", "findings", "summary"]
    assert doc["source"] == "claims/alter.yaml" and doc["notes"] == []
    assert doc["summary"] == {"pass": 1, "fail": 1, "warn": 1, "unverifiable": 1, "total": 4}
    assert [f["id"] for f in doc["findings"]] == [f.id for f in FINDINGS]
    for out, finding in zip(doc["findings"], FINDINGS, strict=True):
        assert list(out) == [
            "id", "location", "check", "status", "reported", "expected", "message",
            "section", "details",
        ]
        assert out["location"] == finding.location
        assert out["check"] == finding.check
        assert out["status"] == finding.status
        assert out["reported"] == list(finding.reported)
        assert out["expected"] == finding.expected
        assert out["message"] == finding.message
        assert out["section"] == finding.section


def test_json_details_nan_and_inf_become_null(result: AuditResult) -> None:
    doc = _strict_json(render(result, format="json"))
    assert isinstance(doc, dict)
    warn = doc["findings"][2]
    assert warn["details"] == {"p": None, "bound": None, "n": 50, "x": 0.5}
    assert warn["expected"] is None
    ci = doc["findings"][0]["details"]
    assert ci["method_intervals"]["wilson"] == [0.22363, 0.47803]


def test_json_is_stable(result: AuditResult) -> None:
    assert render(result, format="json") == render(result, format="json")


def test_json_refuses_details_with_no_json_form() -> None:
    bad = Finding("a", "S", "L", "c", "pass", (), None, "m", details={"x": object()})
    with pytest.raises(TypeError, match=re.escape("'a' details.x")):
        render(AuditResult("s", "p", (bad,)), format="json")


# --- markdown ---------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_has_a_table_per_section_and_the_summary(result: AuditResult) -> None:
    text = render_markdown(result)
    assert [h for h in text.splitlines() if h.startswith("## ")] == [
        "## Abstract", "## Table 1", "## Results 3.2", "## Failures (1)",
    ]
    assert text.count("| Status | ID |") == 3
    assert f"**{summary_line(result)}**" in text


def test_markdown_escapes_pipes_so_rows_keep_seven_cells(result: AuditResult) -> None:
    rows = [line for line in render_markdown(result).splitlines() if line.startswith("| ")]
    assert len(rows) == 2 * 3 + len(FINDINGS)  # header and rule per section, one row each
    assert all(len(_cells(row)) == 7 for row in rows)
    warn = next(row for row in rows if "p-value" in row)
    assert "Table 1 \\| footnote b" in warn and "P = 0.05 \\| NS" in warn


def test_markdown_carries_no_raw_html(result: AuditResult) -> None:
    text = render_markdown(result)
    assert "<script" not in text
    assert "&lt;script&gt;" in text


# --- html -------------------------------------------------------------------


def test_html_is_self_contained_and_scriptless(result: AuditResult) -> None:
    page = render_html(result)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    lowered = page.lower()
    for forbidden in ("<script", "<link", "src=", "@import", "url(", "javascript:", "onerror"):
        assert forbidden not in lowered, forbidden
    # the only URL is the SVG namespace, which is a name and never fetched
    assert set(re.findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/2000/svg"}


def test_html_escapes_every_claims_string(result: AuditResult) -> None:
    page = render_html(result)
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert page.count(escaped) >= 2  # in the paper title and in the claim id
    assert "Table 1 | footnote b" in page


def test_html_escapes_strings_inside_the_plot() -> None:
    details = dict(CI_DETAILS, stated_method=EVIL)
    details["method_intervals"] = {EVIL: [0.2, 0.5], "wilson": [0.22, 0.48]}
    finding = Finding("ci", "S", "L", "ci-method", "warn", ("x",), None, "m", details=details)
    page = render_html(AuditResult("s", "p", (finding,)))
    assert "<script" not in page.lower()


def test_html_has_a_table_per_section(result: AuditResult) -> None:
    page = render_html(result)
    assert page.count("<table>") == 3
    assert [m for m in re.findall(r"<h2>(.*?)</h2>", page)] == [
        "Failures (1)", "Abstract", "Table 1", "Results 3.2",
    ]


def test_html_failure_list_links_to_the_row(result: AuditResult) -> None:
    page = render_html(result)
    link = re.search(r'<a href="#([^"]+)">orr-ci</a>', page)
    assert link is not None
    assert f'<tr id="{link.group(1)}" class="fail">' in page


def test_html_plots_every_ci_finding_and_nothing_else(result: AuditResult) -> None:
    page = render_html(result)
    assert page.count("<svg") == 1
    svg = page[page.index("<svg") : page.index("</svg>")]
    for label in ("reported", "clopper-pearson (stated)", "wilson", "wald"):
        assert label in svg
    assert "<svg" not in render_html(_no_ci_result())


def test_html_plots_two_ci_findings_twice() -> None:
    second = Finding("dcr-ci", "Abstract", "L", "ci-method", "pass", (), "x", "m", CI_DETAILS)
    page = render_html(AuditResult("s", "p", (CI_FAIL, second)))
    assert page.count("<svg") == 2


# --- svg --------------------------------------------------------------------


def _bars(svg: str) -> dict[str, str]:
    """Fill colour of each row's bar, keyed by the row's label."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    rects = root.findall(f"{ns}rect")
    labels = [t.text for t in root.findall(f"{ns}text") if t.get("x") == "6"]
    assert len(rects) == len(labels)
    return {str(label): str(rect.get("fill")) for label, rect in zip(labels, rects, strict=True)}


def test_svg_is_well_formed_and_marks_the_method_that_reproduces_the_ci() -> None:
    svg = interval_plot(CI_DETAILS)
    assert svg is not None
    bars = _bars(svg)
    assert list(bars) == ["reported", "clopper-pearson (stated)", "wilson", "wald"]
    # 21.207-48.752 rounds to the printed 21.2-48.8; the others do not
    assert bars["clopper-pearson (stated)"] == "#2e7d32"
    assert bars["wilson"] == bars["wald"] == "#9e9e9e"


def test_svg_follows_the_audits_verdict_when_it_gives_one() -> None:
    # The audit says wilson reproduces the bounds only when rounded twice; the plot
    # must say the same rather than its own once-rounded comparison.
    details = dict(CI_DETAILS, reproduced_by=[], reproduced_by_rounding_twice=["wilson"])
    svg = interval_plot(details)
    assert svg is not None
    bars = _bars(svg)
    assert bars["wilson"] == "#ef6c00"
    assert bars["clopper-pearson (stated)"] == bars["wald"] == "#9e9e9e"
    assert "≈" in svg and "✓" not in svg


def test_svg_accepts_intervals_already_in_percent() -> None:
    details = {
        "unit": "%",
        "reported_interval": [3.4, 13.8],
        "estimate": 7.0,
        "method_intervals": {"clopper-pearson": [2.86, 13.89], "wilson": [3.43, 13.75]},
    }
    svg = interval_plot(details)
    assert svg is not None
    ticks = re.findall(r'text-anchor="middle">([^<]+)<', svg)
    assert "0%" in ticks and "15%" in ticks and "1500%" not in ticks


def test_svg_marks_no_method_when_none_reproduces_the_ci() -> None:
    details = dict(CI_DETAILS, reported_interval=[0.212, 0.497])
    svg = interval_plot(details)
    assert svg is not None
    assert "#2e7d32" not in svg and "✓" not in svg


def test_svg_axis_is_in_percent_for_proportions() -> None:
    svg = interval_plot(CI_DETAILS)
    assert svg is not None
    ticks = re.findall(r'text-anchor="middle">([^<]+)<', svg)
    assert ticks and all(t.endswith("%") for t in ticks)
    assert "20%" in ticks and "50%" in ticks
    assert "21.2–48.8%" in svg  # the printed interval, beside its bar


def test_svg_keeps_the_claims_own_unit_when_not_a_proportion() -> None:
    details = {
        "reported_interval": [5.1, 9.8],
        "estimate": 7.2,
        "method_intervals": {"log": [5.1, 9.8], "plain": [4.9, 9.5]},
    }
    svg = interval_plot(details)
    assert svg is not None
    ticks = re.findall(r'text-anchor="middle">([^<]+)<', svg)
    assert ticks and not any("%" in t for t in ticks)
    assert _bars(svg)["log"] == "#2e7d32"


def test_svg_estimate_tick_sits_inside_the_reported_bar() -> None:
    svg = interval_plot(CI_DETAILS)
    assert svg is not None
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    reported = root.findall(f"{ns}rect")[0]
    lo = float(reported.get("x", "nan"))
    hi = lo + float(reported.get("width", "nan"))
    tick = next(
        line for line in root.findall(f"{ns}line") if line.get("stroke") == "#c62828"
    )
    assert lo < float(tick.get("x1", "nan")) < hi


@pytest.mark.parametrize(
    "details",
    [{}, {"method_intervals": {}}, {"reported_interval": [0.1, 0.2]}, {"method_intervals": 3}],
)
def test_svg_needs_method_intervals(details: dict[str, object]) -> None:
    assert interval_plot(details) is None


def test_svg_survives_missing_bounds() -> None:
    details = {
        "reported_interval": [0.2, None],
        "estimate": float("nan"),
        "method_intervals": {"wilson": [0.22, 0.48], "bad": "xy"},
    }
    svg = interval_plot(details)
    assert svg is not None
    ET.fromstring(svg)
    assert "n/a" in svg


# --- every format -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_audit(fmt: str) -> None:
    out = render(AuditResult("s.yaml", "p", ()), format=fmt)
    assert out.endswith("\n")
    if fmt == "json":
        assert json.loads(out)["summary"]["total"] == 0
    else:
        assert "0 findings" in out


def test_every_format_names_every_finding(result: AuditResult) -> None:
    for fmt in FORMATS:
        out = render(result, format=fmt)
        for finding in (CI_FAIL, PASS, UNVERIFIABLE):
            assert finding.id in out, (fmt, finding.id)
