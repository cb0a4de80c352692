"""The in-memory form of a claims file (format: docs/claims-format.md).

``CLAIM_FIELDS`` is the single Python statement of which fields each claim type
takes; the loader validates against it and a test keeps
``src/crossval/data/claims.schema.json`` in step with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crossval.errors import InputError

SCHEMA_VERSION = 1

#: binom_ci methods a proportion's CI may be stated with (api-contract.md).
CI_METHODS: tuple[str, ...] = (
    "clopper-pearson", "wilson", "wilson-cc", "agresti-coull", "jeffreys", "wald", "mid-p",
)
#: tests a p-value for a contingency table may be stated with.
TABLE_TESTS: tuple[str, ...] = ("fisher", "chi-square", "chi-square-yates", "g-test")
#: tests on summary statistics (reported as medians and IQRs).
SUMMARY_TESTS: tuple[str, ...] = ("t-test", "welch-t-test", "wilcoxon")
SIDES: tuple[str, ...] = ("one", "two")
#: Columns of an adverse-event row.
AE_COLUMNS: tuple[str, ...] = ("any", "grade3")
#: Where a claim came from: written by hand, or read from the paper by ``crossval extract``.
PROVENANCES: tuple[str, ...] = ("curated", "extracted")
#: How sure an extracted reading is; a failed ``low`` claim is reported as a warning.
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a claim type: its kind (see the loader) and whether it must be present."""

    kind: str
    required: bool = False


def _f(kind: str, required: bool = False) -> FieldSpec:
    return FieldSpec(kind, required)


#: Fields every claim carries besides its type-specific ones.
COMMON_FIELDS: dict[str, FieldSpec] = {
    "id": _f("id", True),
    "type": _f("str", True),
    "location": _f("location", True),
    "note": _f("str"),
    "provenance": _f("provenance"),
    "confidence": _f("confidence"),
    "source_text": _f("str"),
}

#: Per claim type: its fields.  Kinds are documented in docs/claims-format.md.
CLAIM_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "count": {
        "count": _f("count"), "percent": _f("figure"), "denominator": _f("denominator", True),
        "count_from": _f("refs"),
    },
    "proportion-ci": {
        "count": _f("count"), "count_parts": _f("counts"), "percent": _f("figure", True),
        "denominator": _f("denominator", True), "ci": _f("pair", True),
        "method": _f("ci-method", True), "conf_level": _f("conf-level"),
        "method_stated_at": _f("str"),
    },
    "median-ci": {
        "estimate": _f("figure", True), "ci": _f("pair", True), "group": _f("group"),
        "endpoint": _f("str"), "unit": _f("str"),
    },
    "hazard-ratio": {
        "hr": _f("figure", True), "ci": _f("pair", True), "p": _f("p"),
        "events_from": _f("ref"), "conf_level": _f("conf-level"), "endpoint": _f("str"),
    },
    "hr-reduction": {"percent": _f("figure", True), "hr_from": _f("ref", True)},
    "difference": {
        "value": _f("figure", True), "minuend_from": _f("ref"), "subtrahend_from": _f("ref"),
        "minuend": _f("figure"), "subtrahend": _f("figure"), "missing": _f("str"),
    },
    "restatement": {
        "of": _f("ref", True), "strict": _f("bool"),
        "estimate": _f("figure"), "ci": _f("pair"), "hr": _f("figure"), "p": _f("p"),
        "percent": _f("figure"), "count": _f("count"),
    },
    "categorical": {
        "characteristic": _f("str", True), "levels": _f("levels", True), "complete": _f("bool"),
    },
    "p-value": {
        "p": _f("p", True), "test": _f("table-test", True), "table_from": _f("ref"),
        "table": _f("table"), "test_stated_at": _f("str"),
    },
    "ae-row": {"term": _f("str", True), "cells": _f("ae-cells", True)},
    "duplicate-rows": {"table": _f("str", True)},
    "table-threshold": {"table": _f("str", True), "percent": _f("figure", True)},
    "top-rows": {
        "table": _f("str", True), "group": _f("group", True), "column": _f("ae-column", True),
        "terms": _f("strs", True), "percents": _f("figures"),
    },
    "row-order": {
        "table": _f("str", True), "group": _f("group", True), "column": _f("ae-column", True),
    },
    "event-counts": {
        "events": _f("group-figures", True), "deaths": _f("group-figures"),
        "same_as": _f("ref"), "distinct_from": _f("ref"),
    },
    "group-sizes": {"total": _f("figure", True), "parts": _f("group-figures", True)},
    "power": {
        "power": _f("figure", True), "alpha": _f("figure", True), "sided": _f("sides", True),
        "medians": _f("group-figures", True), "sizes": _f("group-figures", True),
        "events_from": _f("ref"),
    },
    "summary-test": {
        "test": _f("summary-test", True), "p": _f("p", True), "summaries": _f("summaries", True),
    },
    "pooled-median": {"value": _f("figure", True), "group_medians": _f("group-figures", True),
                      "denominator": _f("denominator")},
    "part-of-whole": {
        "part": _f("figure", True), "part_is": _f("str", True), "part_among": _f("str", True),
        "whole": _f("figure", True), "whole_is": _f("str", True), "whole_among": _f("str"),
    },
}


@dataclass(frozen=True)
class Group:
    """A group declared once in the claims file: its name, size and printed label."""

    name: str
    n: int
    label: str


@dataclass(frozen=True)
class Claim:
    """One reported figure (or set of figures checked together) with where it is printed."""

    id: str
    type: str
    section: str
    location: Mapping[str, str]
    data: Mapping[str, Any]
    line: int
    field_lines: Mapping[str, int] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        """A type-specific field, or ``default`` when absent."""
        return self.data.get(name, default)

    def describe_location(self) -> str:
        """Human location such as "Table 1, row 'ECOG performance status score'"."""
        loc = self.location
        parts = [loc.get("table") or loc["section"]]
        if loc.get("row"):
            parts.append(f"row '{loc['row']}'")
        if loc.get("column"):
            parts.append(f"column '{loc['column']}'")
        if loc.get("detail"):
            parts.append(loc["detail"])
        return ", ".join(parts)


@dataclass(frozen=True)
class Paper:
    """What was audited: a short name, title and where the text lives."""

    short_name: str
    title: str
    source: str | None


@dataclass(frozen=True)
class ClaimsFile:
    """A loaded, validated claims file."""

    path: str
    schema_version: int
    paper: Paper
    groups: Mapping[str, Group]
    claims: tuple[Claim, ...]

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id (``InputError`` naming the known ids otherwise)."""
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise InputError(f"no claim with id {claim_id!r} in {self.path}")

    def group(self, name: str) -> Group:
        """The declared group of this name."""
        try:
            return self.groups[name]
        except KeyError:
            raise InputError(
                f"group {name!r} is not declared; declared groups: "
                f"{', '.join(self.groups) or 'none'}"
            ) from None
