"""Recall of an extraction against a hand-curated claims file.

A curated claim has an extracted counterpart when an extracted claim of the
same type, in the same section, prints the same headline figure (a count's
percentage, a median's estimate, a table row's name, an event count's
numbers).  Each extracted claim answers for at most one curated claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from crossval.audit.claims import Claim, ClaimsFile

_RESTATED = ("estimate", "hr", "percent", "count", "ci", "p")


def _norm(value: Any) -> str:
    return " ".join(str(value).lower().replace(" ", " ").split()).replace("p = ", "").replace(
        "p ", "")


def headline(claim: Claim) -> tuple[str, ...]:
    """The figures (or names) that identify a claim across two claims files."""
    get = claim.get
    t = claim.type
    if t == "count":
        return tuple("-" if v is None else _norm(v) for v in (get("count"), get("percent")))
    if t in ("proportion-ci", "hr-reduction"):
        return (_norm(get("percent")),)
    if t == "median-ci":
        return (_norm(get("estimate")), *(_norm(v) for v in get("ci")))
    if t == "hazard-ratio":
        return (_norm(get("hr")), *(_norm(v) for v in get("ci")))
    if t == "difference":
        return (_norm(get("value")),)
    if t == "restatement":
        first = next(get(f) for f in _RESTATED if get(f) is not None)
        return (_norm(first[0] if isinstance(first, list) else first),)
    if t == "categorical":
        return (_norm(get("characteristic")),)
    if t == "p-value":
        return (_norm(claim.location.get("row", "")), _norm(get("p")))
    if t == "ae-row":
        return (_norm(get("term")), *sorted(_norm(c["any"]) for c in get("cells").values()))
    if t in ("duplicate-rows",):
        return (_norm(get("table")),)
    if t == "table-threshold":
        return (_norm(get("table")), _norm(get("percent")))
    if t == "row-order":
        return (_norm(get("table")), _norm(get("group")), _norm(get("column")))
    if t == "top-rows":
        return (_norm(get("column")), *(_norm(x) for x in get("terms")))
    if t == "event-counts":
        return tuple(sorted(_norm(v) for v in get("events").values()))
    if t == "group-sizes":
        return (_norm(get("total")), *sorted(_norm(v) for v in get("parts").values()))
    if t == "power":
        return (_norm(get("power")),)
    if t == "summary-test":
        return (_norm(get("p")),)
    if t == "pooled-median":
        return (_norm(get("value")),)
    return (claim.id,)


@dataclass(frozen=True)
class TypeRecall:
    """Curated claims of one type, and how many have an extracted counterpart."""

    type: str
    curated: int
    matched: int
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Recall:
    """Recall by type, the pairs matched, and the extracted claims no curated claim matches."""

    by_type: tuple[TypeRecall, ...]
    pairs: Mapping[str, str]
    extra: tuple[str, ...]

    @property
    def curated(self) -> int:
        """How many curated claims there are."""
        return sum(t.curated for t in self.by_type)

    @property
    def matched(self) -> int:
        """How many curated claims have an extracted counterpart."""
        return sum(t.matched for t in self.by_type)


def recall(curated: ClaimsFile, extracted: ClaimsFile) -> Recall:
    """How many curated claims have an extracted counterpart (see the module docstring)."""
    pool: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for c in extracted.claims:
        pool.setdefault((c.type, c.section, headline(c)), []).append(c.id)
    pairs: dict[str, str] = {}
    for c in curated.claims:
        candidates = pool.get((c.type, c.section, headline(c)), [])
        if candidates:
            pairs[c.id] = candidates.pop(0)
    by_type = []
    for t in _types(curated.claims):
        ids = [c.id for c in curated.claims if c.type == t]
        missing = tuple(i for i in ids if i not in pairs)
        by_type.append(TypeRecall(t, len(ids), len(ids) - len(missing), missing))
    used = set(pairs.values())
    extra = tuple(c.id for c in extracted.claims if c.id not in used)
    return Recall(tuple(by_type), pairs, extra)


def _types(claims: Iterable[Claim]) -> list[str]:
    seen: list[str] = []
    for c in claims:
        if c.type not in seen:
            seen.append(c.type)
    return seen
