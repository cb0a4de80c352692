"""Loading claims files: schema errors name the claim id, the field and the line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from claims_files import claims_text

from crossval.audit import (
    BUNDLED_CLAIMS,
    CHECKS,
    ClaimsError,
    load_claims,
    parse_claims,
)
from crossval.audit.claims import CLAIM_FIELDS, COMMON_FIELDS
from crossval.errors import InputError

SCHEMA = Path(__file__).parents[2] / "src" / "crossval" / "data" / "claims.schema.json"

GOOD = """
- id: orr
  type: count
  location: {section: Results}
  count: "7"
  percent: "7.0"
  denominator: a
"""


def plus(block: str) -> str:
    """GOOD followed by more claims written with any indentation."""
    return GOOD + textwrap.dedent(block)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def load_error(claims_yaml: str) -> tuple[ClaimsError, str]:
    text = claims_text(claims_yaml)
    with pytest.raises(ClaimsError) as info:
        parse_claims(text, path="paper.yaml")
    return info.value, text


def test_good_file_loads_with_lines() -> None:
    text = claims_text(GOOD)
    claims = parse_claims(text, path="paper.yaml")
    (claim,) = claims.claims
    assert claim.id == "orr" and claim.type == "count"
    assert claim.line == line_of(text, "- id: orr")
    assert claim.field_lines["percent"] == line_of(text, 'percent: "7.0"')
    assert claims.group("a").n == 100


def test_claims_error_is_an_input_error() -> None:
    assert issubclass(ClaimsError, InputError) and issubclass(ClaimsError, ValueError)


def test_unknown_type_names_id_field_line_and_known_types() -> None:
    err, text = load_error(GOOD.replace("type: count", "type: kount"))
    assert (err.claim_id, err.field, err.line) == ("orr", "type", line_of(text, "type: kount"))
    assert "paper.yaml:" in str(err) and "'orr'" in str(err) and "'type'" in str(err)
    assert "proportion-ci" in str(err)  # lists the known types


def test_unquoted_figure_is_refused_with_its_line() -> None:
    err, text = load_error(GOOD.replace('percent: "7.0"', "percent: 7.0"))
    assert (err.claim_id, err.field, err.line) == ("orr", "percent", line_of(text, "percent: 7.0"))
    assert "quoted" in str(err)


def test_missing_required_field() -> None:
    err, text = load_error(GOOD.replace("  denominator: a\n", ""))
    assert (err.claim_id, err.field) == ("orr", "denominator")
    assert err.line == line_of(text, "- id: orr")


def test_count_needs_count_or_percent() -> None:
    err, _ = load_error(GOOD.replace('  count: "7"\n', "").replace('  percent: "7.0"\n', ""))
    assert err.claim_id == "orr" and err.field == "count"


def test_unknown_field_is_refused() -> None:
    err, text = load_error(GOOD + '  pct: "7.0"\n')
    assert (err.field, err.line) == ("pct", line_of(text, "pct:"))


def test_bad_option_lists_allowed_values() -> None:
    claim = """
    - id: orr-ci
      type: proportion-ci
      location: {section: Results}
      count: "7"
      percent: "7.0"
      denominator: a
      ci: ["3.4", "13.8"]
      method: wilson score
    """
    err, text = load_error(claim)
    assert (err.claim_id, err.field, err.line) == ("orr-ci", "method", line_of(text, "method:"))
    assert "'clopper-pearson'" in str(err) and "'mid-p'" in str(err)


def test_unknown_group_lists_declared_groups() -> None:
    err, text = load_error(GOOD.replace("denominator: a", "denominator: c"))
    assert err.field == "denominator" and err.line == line_of(text, "denominator: c")
    assert "a, all, b" in str(err)


def test_a_file_with_no_groups_loads_and_refuses_a_group_by_name() -> None:
    # a single-arm paper: figures with their own denominators need no group
    no_groups = claims_text(GOOD.replace("denominator: a", 'denominator: "100"'))
    no_groups = no_groups.split("groups:")[0] + "groups: []\nclaims:" + no_groups.split(
        "claims:", 1)[1]
    claims = parse_claims(no_groups, path="paper.yaml")
    assert claims.groups == {} and [c.id for c in claims.claims] == ["orr"]
    with pytest.raises(ClaimsError, match="declared group \\(the file declares none\\)"):
        parse_claims(no_groups.replace('denominator: "100"', "denominator: a"), path="p.yaml")


@pytest.mark.parametrize("count", ["-3", "2.5", "7.0"])
def test_counts_are_whole_and_not_negative(count: str) -> None:
    err, text = load_error(GOOD.replace('count: "7"', f'count: "{count}"'))
    assert err.field == "count" and "whole number" in str(err)
    assert err.line == line_of(text, f'count: "{count}"')
    parts, _ = load_error(plus("""
        - id: dcr
          type: proportion-ci
          location: {section: Results}
          count_parts: ["7", "-1"]
          percent: "6.0"
          denominator: a
          ci: ["2.0", "12.0"]
          method: wilson
        """))
    assert parts.field == "count_parts" and "item 2" in str(parts)


@pytest.mark.parametrize(("level", "hint"), [
    ("0.95", "write '95' for a 95% interval"),
    ("1", "above 1 and below 100"),
    ("0", "above 1 and below 100"),
    ("100", "above 1 and below 100"),
])
def test_conf_level_is_a_percentage(level: str, hint: str) -> None:
    err, _ = load_error(plus(f"""
        - id: ci
          type: proportion-ci
          location: {{section: Results}}
          count: "7"
          percent: "7.0"
          denominator: a
          ci: ["2.9", "13.9"]
          method: clopper-pearson
          conf_level: "{level}"
        """))
    assert err.field == "conf_level" and hint in str(err)


def test_ci_bounds_in_wrong_order() -> None:
    err, _ = load_error("""
    - id: m
      type: median-ci
      location: {section: Results}
      estimate: "9.2"
      ci: ["12.6", "6.7"]
    """)
    assert err.field == "ci" and "exceeds" in str(err)


def test_duplicate_id_and_duplicate_key() -> None:
    err, text = load_error(GOOD + GOOD)
    assert err.claim_id == "orr" and err.field == "id"
    assert err.line == [n for n, ln in enumerate(text.splitlines(), 1) if "- id: orr" in ln][1]
    err2, text2 = load_error(GOOD + '  count: "8"\n')
    assert err2.line == line_of(text2, 'count: "8"') and "twice" in str(err2)


def test_references_must_exist_and_fit() -> None:
    err, text = load_error(plus("""
    - id: again
      type: restatement
      location: {section: Discussion}
      of: nothing
      percent: "7"
    """))
    assert (err.claim_id, err.field) == ("again", "of") and "nothing" in str(err)
    # A restatement may only repeat figures the original prints.
    err, text = load_error(plus("""
    - id: again
      type: restatement
      location: {section: Discussion}
      of: orr
      estimate: "7"
    """))
    assert (err.claim_id, err.field, err.line) == ("again", "estimate", line_of(text, "estimate:"))
    # table_from must point at a categorical claim.
    err, _ = load_error(plus("""
    - id: p
      type: p-value
      location: {section: Table 1}
      p: "P = 0.5"
      test: fisher
      table_from: orr
    """))
    assert (err.claim_id, err.field) == ("p", "table_from") and "categorical" in str(err)
    # A count reference must reach a printed count.
    err, _ = load_error(plus("""
    - id: text
      type: count
      location: {section: Results}
      percent: "7.0"
      denominator: a
      count_from: [orr/nowhere]
    """))
    assert (err.claim_id, err.field) == ("text", "count_from")


@pytest.mark.parametrize(
    "payload",
    [
        '!!python/object/apply:os.system ["echo unsafe"]',
        "!!python/name:os.system",
        '!!python/object:crossval.audit.findings.Finding {id: x}',
        "!!set {a, b}",
    ],
)
def test_unsafe_yaml_tags_are_refused(payload: str) -> None:
    text = claims_text(GOOD).replace('percent: "7.0"', f"percent: {payload}")
    with pytest.raises(ClaimsError, match="tag refused") as info:
        parse_claims(text, path="evil.yaml")
    assert info.value.line == line_of(text, "percent: !!")


def test_invalid_yaml_and_top_level_errors() -> None:
    with pytest.raises(ClaimsError, match="not valid YAML") as info:
        parse_claims("claims: [\n  - {id: x\n", path="broken.yaml")
    assert info.value.line is not None
    with pytest.raises(ClaimsError, match="schema_version must be 1"):
        parse_claims(claims_text(GOOD).replace("schema_version: 1", "schema_version: 2"))
    with pytest.raises(ClaimsError, match="empty"):
        parse_claims("")
    with pytest.raises(ClaimsError, match="unknown top-level key 'extra'"):
        parse_claims(claims_text(GOOD) + "extra: 1\n")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClaimsError, match="file not found"):
        load_claims(tmp_path / "none.yaml")


def test_every_claim_type_has_a_check() -> None:
    assert set(CHECKS) == set(CLAIM_FIELDS)


def test_json_schema_states_the_same_fields_as_the_loader() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    refs = {item["$ref"].rsplit("claim:", 1)[1]
            for item in schema["properties"]["claims"]["items"]["oneOf"]}
    assert refs == set(CLAIM_FIELDS)
    for ctype, fields in CLAIM_FIELDS.items():
        spec = schema["$defs"][f"claim:{ctype}"]
        everything = {**COMMON_FIELDS, **fields}
        assert set(spec["properties"]) == set(everything), ctype
        assert set(spec["required"]) == {k for k, v in everything.items() if v.required}, ctype
        assert spec["properties"]["type"] == {"const": ctype}


def test_json_schema_accepts_the_bundled_file_and_rejects_a_bad_one() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(BUNDLED_CLAIMS.read_text("utf-8")))) == []
    bad = yaml.safe_load(claims_text(GOOD.replace('percent: "7.0"', "percent: 7.0")))
    assert list(validator.iter_errors(bad))


def test_yaml_boolean_id_gets_a_hint() -> None:
    err, _ = load_error(GOOD.replace("id: orr", "id: no"))
    assert err.field == "id" and "quote the id" in str(err)


def test_a_check_that_cannot_use_a_claim_raises_naming_it() -> None:
    # Yates's correction applies to 2×2 tables only; asked of a 2×3 table the
    # audit stops with the claim's id and line rather than returning a finding.
    from crossval.audit import run_audit

    text = claims_text("""
    - id: stage-p
      type: p-value
      location: {section: Table 1}
      p: "P = 0.5"
      test: chi-square-yates
      table: [["1", "2", "3"], ["3", "2", "1"]]
    """)
    claims = parse_claims(text, path="paper.yaml")
    with pytest.raises(ClaimsError) as info:
        run_audit(claims)
    assert info.value.claim_id == "stage-p" and info.value.line == line_of(text, "- id: stage-p")
    assert "2x3" in str(info.value)
