"""Helpers for the audit tests: build a small claims file from a few lines of YAML."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from crossval.audit import Finding, parse_claims, run_audit

FIXTURES = Path(__file__).parent / "fixtures"

#: Two made-up groups (100 and 50 patients) and their total, as in a 2:1 trial.
HEADER = """\
schema_version: 1
paper: {short_name: TEST, title: "made-up paper for crossval tests"}
groups:
  - {name: a, n: "100", label: "arm A"}
  - {name: b, n: "50", label: "arm B"}
  - {name: all, n: "150", label: "overall"}
claims:
"""


def claims_text(claims_yaml: str) -> str:
    """A whole claims file whose ``claims:`` list is ``claims_yaml`` (indented as list items)."""
    return HEADER + textwrap.indent(textwrap.dedent(claims_yaml).strip("\n"), "  ") + "\n"


@pytest.fixture(name="claims_text")
def claims_text_fixture() -> Callable[[str], str]:
    """``claims_text`` for tests that build a file without auditing it."""
    return claims_text


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder of made-up papers."""
    return FIXTURES


@pytest.fixture
def audit_yaml() -> Callable[[str], dict[str, Finding]]:
    """Audit a few claims given as YAML; return the findings by claim id."""

    def run(claims_yaml: str) -> dict[str, Finding]:
        result = run_audit(parse_claims(claims_text(claims_yaml), path="test.yaml"))
        return {f.id: f for f in result.findings}

    return run
