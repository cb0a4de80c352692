"""Helpers for the audit tests: build a small claims file from a few lines of YAML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from claims_files import claims_text

from crossval.audit import Finding, parse_claims, run_audit

FIXTURES = Path(__file__).parent / "fixtures"


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
