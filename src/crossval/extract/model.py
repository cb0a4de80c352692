"""Extracted claims before they become a claims file, and the ids they are given."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: How sure the reading is.  ``high``: every figure and its group or denominator
#: is printed together ("16 patients (34.0%) in the EGFR TKI group", a table
#: cell under "(n = 50)").  ``medium``: one part is taken from the context by a
#: stated rule (the overall population when no group is named, "of them", the
#: figure a restatement repeats, a count implied by its percentage).
#: ``low``: a guess between readings (a test stated as "chi-square or Fisher",
#: no CI method stated); the audit reports a failed low-confidence claim as a
#: warning.
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")


@dataclass(frozen=True)
class Draft:
    """One claim read from the paper: its type, fields as printed, where and how sure."""

    id: str
    type: str
    section: str
    fields: Mapping[str, Any]
    line: int
    snippet: str
    confidence: str = "high"
    location: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    order: tuple[int, int] = (0, 0)

    def as_claim(self) -> dict[str, Any]:
        """The claim as a claims-file mapping (docs/claims-format.md)."""
        location = {"section": self.section, **self.location}
        detail = location.get("detail")
        location["detail"] = f"line {self.line}" + (f": {detail}" if detail else "")
        claim: dict[str, Any] = {"id": self.id, "type": self.type, "location": location}
        claim.update(self.fields)
        if self.note:
            claim["note"] = self.note
        claim["provenance"] = "extracted"
        claim["confidence"] = self.confidence
        claim["source_text"] = self.snippet
        return claim


def slug(text: str) -> str:
    """Lower-case letters, digits and dots joined by hyphens."""
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "x"


class Ids:
    """Readable unique claim ids: ``results-3.2-median-pfs-anlotinib``, ``table2-vomiting-2``."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, section: str, *parts: str) -> str:
        """A new id from the section and a few words; a repeat gets ``-2``, ``-3``..."""
        head = slug(section).replace("table-", "table").replace("figure-", "figure")
        base = "-".join([head, *(slug(p) for p in parts if p)])[:80].strip("-.")
        candidate, k = base, 2
        while candidate in self._used:
            candidate = f"{base}-{k}"
            k += 1
        self._used.add(candidate)
        return candidate
