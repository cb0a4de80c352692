"""What every check needs besides its own claim: the other claims, the groups, references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from crossval.audit.claims import Claim, ClaimsFile
from crossval.audit.findings import Finding
from crossval.audit.rounding import Cell, parse_cell, parse_figure
from crossval.errors import InputError

#: Severity order used to combine sub-checks of one claim into one status.
_SEVERITY = {"pass": 0, "unverifiable": 1, "warn": 2, "fail": 3}


def worst(statuses: Iterable[str]) -> str:
    """The most severe status (fail > warn > unverifiable > pass)."""
    return max(statuses, key=_SEVERITY.__getitem__, default="pass")


@dataclass(frozen=True)
class ResolvedCount:
    """A count found through a reference such as ``table1-sex/Male/anlotinib``."""

    ref: str
    count: int
    text: str


@dataclass(frozen=True)
class AuditContext:
    """The claims file being audited, with look-ups the checks share.

    ``fisher_max_work`` is the work limit of Fisher's exact r×c p-values
    (``fisher_exact``'s ``max_work``; None: its default).
    """

    claims: ClaimsFile
    fisher_max_work: int | None = None

    def denominator(self, value: str) -> tuple[int, str]:
        """A denominator given as a group name or a printed number: (n, description)."""
        if value in self.claims.groups:
            group = self.claims.groups[value]
            return group.n, f"{group.label} (n = {group.n})"
        return int(value), value

    def claim(self, ref: str) -> Claim:
        """The claim a reference starts with."""
        return self.claims.claim(ref.split("/", 1)[0])

    def resolve(self, ref: str) -> Any:
        """The printed value a reference points at.

        ``id`` alone is the claim's data; ``id/level/group`` walks a categorical
        claim's levels; any other path walks the claim's mappings key by key.
        """
        claim = self.claim(ref)
        node: Any = claim.data
        for part in ref.split("/")[1:]:
            if isinstance(node, Mapping) and "levels" in node and part not in node:
                node = node["levels"]
            if isinstance(node, Mapping) and "cells" in node and part not in node:
                node = node["cells"]
            if isinstance(node, list):
                matches = [lv for lv in node if isinstance(lv, Mapping) and lv.get("level") == part]
                if not matches:
                    raise InputError(f"reference {ref!r}: claim {claim.id!r} has no level {part!r}")
                node = matches[0]["cells"]
                continue
            if not isinstance(node, Mapping) or part not in node:
                raise InputError(f"reference {ref!r}: claim {claim.id!r} has no {part!r}")
            node = node[part]
        return node

    def resolve_count(self, ref: str) -> ResolvedCount:
        """A whole-number count a reference points at (a cell ``n (p)`` or a figure)."""
        value = self.resolve(ref)
        if isinstance(value, Mapping) and "count" in value:
            value = value["count"]
        if not isinstance(value, str):
            raise InputError(f"reference {ref!r} does not point at a printed count")
        cell: Cell = parse_cell(value, field=ref)
        return ResolvedCount(ref=ref, count=int(cell.count.value), text=value)

    def figure_of(self, ref: str, field: str) -> str:
        """A printed figure field of the referenced claim (e.g. a median's ``estimate``)."""
        claim = self.claim(ref)
        value = claim.get(field)
        if not isinstance(value, str):
            raise InputError(f"claim {claim.id!r} has no printed {field!r}")
        parse_figure(value, field=f"{claim.id}.{field}")
        return value

    def finding(self, claim: Claim, *, check: str, status: str, reported: Iterable[str],
                expected: str | None, message: str,
                details: Mapping[str, Any] | None = None) -> Finding:
        """A finding for ``claim`` with its section and human location filled in."""
        return Finding(
            id=claim.id,
            section=claim.section,
            location=claim.describe_location(),
            check=check,
            status=status,
            reported=tuple(reported),
            expected=expected,
            message=message,
            details=dict(details or {}),
        )
