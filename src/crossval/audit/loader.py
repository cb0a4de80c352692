"""Load and validate a claims file (format: docs/claims-format.md).

Validation is done here, in Python, rather than with a JSON Schema library so
that every message can name the claim id, the field and the line, and so that
crossval needs no extra runtime dependency; ``claims.schema.json`` states the
same rules for editors and is kept in step by a test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crossval.audit.claims import (
    AE_COLUMNS,
    CI_METHODS,
    CLAIM_FIELDS,
    COMMON_FIELDS,
    CONFIDENCES,
    PROVENANCES,
    SCHEMA_VERSION,
    SIDES,
    SUMMARY_TESTS,
    TABLE_TESTS,
    Claim,
    ClaimsFile,
    Group,
    Paper,
)
from crossval.audit.context import AuditContext
from crossval.audit.errors import ClaimsError
from crossval.audit.rounding import parse_cell, parse_figure, parse_p
from crossval.audit.yaml_lines import LineDict, LineList, load_yaml
from crossval.errors import InputError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TOP_KEYS = ("schema_version", "paper", "groups", "claims")
_LOCATION_KEYS = ("section", "table", "row", "column", "detail")


def _line(container: Any, key: str | int | None = None) -> int | None:
    if isinstance(container, LineDict):
        if isinstance(key, str) and key in container.key_lines:
            return container.key_lines[key]
        return container.line
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return None


class _Validator:
    def __init__(self, path: str, groups: dict[str, Group], claim_ids: set[str]) -> None:
        self.path = path
        self.groups = groups
        self.claim_ids = claim_ids

    def error(self, message: str, *, line: int | None, claim_id: str | None,
              field: str | None) -> ClaimsError:
        return ClaimsError(message, path=self.path, line=line, claim_id=claim_id, field=field)

    def check(self, kind: str, value: Any, *, claim_id: str, field: str, line: int | None) -> None:
        def fail(message: str, at: int | None = line) -> ClaimsError:
            return self.error(message, line=at, claim_id=claim_id, field=field)

        if kind in ("str", "id"):
            if not isinstance(value, str) or not value.strip():
                raise fail(f"must be a non-empty string; got {value!r}")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise fail(f"must be true or false; got {value!r}")
        elif kind == "figure":
            self._figure(value, fail)
        elif kind == "count":
            self._figure(value, fail)
            self._whole(value, fail)
        elif kind == "counts":
            if not isinstance(value, list) or not value:
                raise fail("must be a non-empty list of quoted counts, e.g. ['7', '84']")
            for i, item in enumerate(value):
                def fail_item(m: str, i: int = i) -> ClaimsError:
                    return fail(f"item {i + 1}: {m}", _line(value, i))
                self._figure(item, fail_item)
                self._whole(item, fail_item)
        elif kind == "conf-level":
            self._figure(value, fail)
            level = float(parse_figure(value).value)
            if 0 < level < 1:
                raise fail(f"is a percentage such as '95'; {value!r} would be a {value}% "
                           f"interval (write '{level * 100:g}' for a {level * 100:g}% interval)")
            if not 1 < level < 100:
                raise fail(f"is a percentage above 1 and below 100 such as '95'; got {value!r}")
        elif kind == "figures":
            if not isinstance(value, list) or not value:
                raise fail("must be a non-empty list of quoted figures, e.g. ['7', '84']")
            for i, item in enumerate(value):
                self._figure(item, lambda m, i=i: fail(f"item {i + 1}: {m}", _line(value, i)))
        elif kind == "pair":
            if not isinstance(value, list) or len(value) != 2:
                raise fail("must be a list of two quoted figures [lower, upper], "
                           "e.g. ['3.4', '13.8']")
            for i, item in enumerate(value):
                self._figure(item, lambda m, i=i: fail(f"{('lower', 'upper')[i]} bound: {m}",
                                                      _line(value, i)))
            if parse_figure(value[0]).value > parse_figure(value[1]).value:
                raise fail(f"lower bound {value[0]!r} exceeds upper bound {value[1]!r}")
        elif kind == "p":
            if not isinstance(value, str):
                raise fail("must be a quoted p-value such as 'P = 0.888' or 'P < 0.0001'; "
                           f"got {value!r}")
            try:
                parse_p(value, field=field)
            except InputError as exc:
                raise fail(str(exc)) from None
        elif kind == "denominator":
            if isinstance(value, str) and value in self.groups:
                return
            if isinstance(value, str) and value.isdigit() and int(value) > 0:
                return
            declared = ", ".join(sorted(self.groups)) or "the file declares none"
            raise fail(
                f"must name a declared group ({declared}) or be a quoted "
                f"positive whole number such as '583'; got {value!r}"
            )
        elif kind == "group":
            self._group(value, fail)
        elif kind == "ref":
            self._ref(value, fail)
        elif kind == "refs":
            if not isinstance(value, list) or not value:
                raise fail("must be a non-empty list of claim references")
            for i, item in enumerate(value):
                self._ref(item, lambda m, i=i: fail(f"item {i + 1}: {m}", _line(value, i)))
        elif kind == "strs":
            if not isinstance(value, list) or not value or not all(
                    isinstance(v, str) and v.strip() for v in value):
                raise fail("must be a non-empty list of names")
        elif kind in ("ci-method", "table-test", "summary-test", "sides", "ae-column",
                      "provenance", "confidence"):
            allowed = {"ci-method": CI_METHODS, "table-test": TABLE_TESTS,
                       "summary-test": SUMMARY_TESTS, "sides": SIDES,
                       "ae-column": AE_COLUMNS, "provenance": PROVENANCES,
                       "confidence": CONFIDENCES}[kind]
            if value not in allowed:
                raise fail(f"{value!r} is not allowed; choose one of "
                           f"{', '.join(map(repr, allowed))}")
        elif kind == "location":
            self._location(value, fail)
        elif kind == "group-figures":
            self._group_map(value, fail, lambda v, f: self._figure(v, f))
        elif kind == "ae-cells":
            def ae_cell(v: Any, f: Any) -> None:
                self._mapping_of(v, f, ("any", "grade3"), lambda c, g: self._cell(c, g))
            self._group_map(value, fail, ae_cell)
        elif kind == "summaries":
            def summary(v: Any, f: Any) -> None:
                self._mapping_of(v, f, ("median", "q1", "q3"), lambda c, g: self._figure(c, g))
            self._group_map(value, fail, summary)
        elif kind == "levels":
            self._levels(value, fail)
        elif kind == "table":
            self._table(value, fail)
        else:  # pragma: no cover - CLAIM_FIELDS uses only the kinds above
            raise AssertionError(kind)

    @staticmethod
    def _figure(value: Any, fail: Any) -> None:
        if not isinstance(value, str):
            raise fail(
                f"figures must be quoted strings so their printed precision is kept "
                f"(write '{value}' in quotes); got the unquoted {type(value).__name__} {value!r}"
            )
        try:
            parse_figure(value)
        except InputError as exc:
            raise fail(str(exc)) from None

    @staticmethod
    def _whole(value: str, fail: Any) -> None:
        number = parse_figure(value).value
        if number < 0 or number.denominator != 1 or "." in value:
            raise fail(f"must be a quoted whole number of cases, 0 or more, such as '7'; "
                       f"got {value!r}")

    @staticmethod
    def _cell(value: Any, fail: Any) -> None:
        if not isinstance(value, str):
            raise fail(f"cells must be quoted strings such as '38 (38.0)'; got {value!r}")
        try:
            parse_cell(value)
        except InputError as exc:
            raise fail(str(exc)) from None

    def _declared(self) -> str:
        if not self.groups:
            return "the file declares no groups"
        return "declared: " + ", ".join(map(repr, self.groups))

    def _group(self, value: Any, fail: Any) -> None:
        if not isinstance(value, str) or value not in self.groups:
            raise fail(f"{value!r} is not a declared group; {self._declared()}")

    def _ref(self, value: Any, fail: Any) -> None:
        if not isinstance(value, str) or not value:
            raise fail(f"must be a claim id (optionally followed by /key/...); got {value!r}")
        head = value.split("/", 1)[0]
        if head not in self.claim_ids:
            raise fail(f"refers to unknown claim {head!r}")

    def _location(self, value: Any, fail: Any) -> None:
        if not isinstance(value, LineDict):
            raise fail("must be a mapping with at least 'section', e.g. {section: Abstract}")
        if "section" not in value:
            raise fail("needs 'section' (e.g. 'Abstract', 'Results 3.2', 'Table 1')")
        for key, item in value.items():
            if key not in _LOCATION_KEYS:
                raise fail(f"unknown location key {key!r}; allowed: {', '.join(_LOCATION_KEYS)}",
                           _line(value, key))
            if not isinstance(item, str) or not item.strip():
                raise fail(f"location {key!r} must be a non-empty string", _line(value, key))

    def _group_map(self, value: Any, fail: Any, each: Any) -> None:
        if not isinstance(value, LineDict) or not value:
            raise fail("must be a mapping from declared group names to figures")
        for key, item in value.items():
            at = _line(value, key)
            if key not in self.groups:
                raise fail(f"{key!r} is not a declared group; {self._declared()}", at)
            each(item, lambda m, key=key, at=at: fail(f"group {key!r}: {m}", at))

    @staticmethod
    def _mapping_of(value: Any, fail: Any, keys: tuple[str, ...], each: Any) -> None:
        if not isinstance(value, LineDict):
            raise fail(f"must be a mapping with keys {', '.join(keys)}")
        for key in keys:
            if key not in value:
                raise fail(f"needs {key!r} (keys: {', '.join(keys)})")
        for key, item in value.items():
            if key not in keys:
                raise fail(f"unknown key {key!r}; allowed: {', '.join(keys)}", _line(value, key))
            each(item, lambda m, key=key: fail(f"{key}: {m}", _line(value, key)))

    def _levels(self, value: Any, fail: Any) -> None:
        if not isinstance(value, LineList) or len(value) < 2:
            raise fail("must list at least two levels, each {level: ..., cells: {group: 'n (p)'}}")
        first_groups: list[str] | None = None
        for i, item in enumerate(value):
            at = _line(value, i)
            if not isinstance(item, LineDict) or set(item) != {"level", "cells"}:
                raise fail("each level needs exactly 'level' and 'cells'", at)
            if not isinstance(item["level"], str):
                raise fail(f"level name must be a string; got {item['level']!r}", at)
            self._group_map(item["cells"],
                            lambda m, at=at, lv=item["level"]: fail(f"level {lv!r}: {m}", at),
                            lambda c, f: self._cell(c, f))
            if first_groups is None:
                first_groups = list(item["cells"])
            elif list(item["cells"]) != first_groups:
                raise fail(f"level {item['level']!r} has cells for {list(item['cells'])}, but "
                           f"the first level has {first_groups}; give every level the same "
                           "groups in the same order", at)

    def _table(self, value: Any, fail: Any) -> None:
        if not isinstance(value, list) or len(value) < 2:
            raise fail("must be a list of at least two rows of quoted counts")
        widths = set()
        for i, row in enumerate(value):
            at = _line(value, i)
            if not isinstance(row, list) or len(row) < 2:
                raise fail(f"row {i + 1} must list at least two counts", at)
            widths.add(len(row))
            for cell in row:
                if not (isinstance(cell, str) and cell.isdigit()):
                    raise fail(
                        f"row {i + 1}: counts must be quoted whole numbers; got {cell!r}", at)
        if len(widths) != 1:
            raise fail("all rows must have the same number of counts")


def _require_mapping(value: Any, what: str, path: str, line: int | None) -> LineDict:
    if not isinstance(value, LineDict):
        raise ClaimsError(f"{what} must be a mapping", path=path, line=line)
    return value


def parse_claims(text: str, *, path: str = "<string>") -> ClaimsFile:
    """Validate claims-file text (see ``load_claims``)."""
    doc = load_yaml(text, path=path)
    if doc is None:
        raise ClaimsError("the file is empty; expected schema_version, paper, groups, claims",
                          path=path, line=1)
    top = _require_mapping(doc, "the top level", path, 1)
    for key in top:
        if key not in _TOP_KEYS:
            raise ClaimsError(f"unknown top-level key {key!r}; allowed: {', '.join(_TOP_KEYS)}",
                              path=path, line=_line(top, key), field=key)
    for key in _TOP_KEYS:
        if key not in top:
            raise ClaimsError(f"missing top-level key {key!r}", path=path, line=1, field=key)
    version = top["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ClaimsError(f"schema_version must be {SCHEMA_VERSION}; got {version!r}",
                          path=path, line=_line(top, "schema_version"), field="schema_version")

    paper_map = _require_mapping(top["paper"], "'paper'", path, _line(top, "paper"))
    for key in paper_map:
        if key not in ("short_name", "title", "source"):
            raise ClaimsError(f"unknown key {key!r}; allowed: short_name, title, source",
                              path=path, line=_line(paper_map, key), field=f"paper.{key}")
    for key in ("short_name", "title"):
        if not isinstance(paper_map.get(key), str):
            raise ClaimsError("must be a string", path=path, line=_line(paper_map, key),
                              field=f"paper.{key}")
    source = paper_map.get("source")
    if source is not None and not isinstance(source, str):
        raise ClaimsError("must be a string", path=path, line=_line(paper_map, "source"),
                          field="paper.source")
    paper = Paper(short_name=paper_map["short_name"], title=paper_map["title"], source=source)

    groups = _load_groups(top["groups"], path, _line(top, "groups"))

    claims_list = top["claims"]
    if not isinstance(claims_list, LineList) or not claims_list:
        raise ClaimsError("'claims' must be a non-empty list", path=path,
                          line=_line(top, "claims"), field="claims")
    ids: dict[str, int] = {}
    for i, raw in enumerate(claims_list):
        at = _line(claims_list, i)
        if not isinstance(raw, LineDict):
            raise ClaimsError("each claim must be a mapping", path=path, line=at)
        cid = raw.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            hint = (" (YAML reads unquoted yes/no/on/off as booleans: quote the id)"
                    if isinstance(cid, bool) else "")
            raise ClaimsError(
                f"claim number {i + 1} needs an 'id' of letters, digits, '.', '_' or '-' "
                f"(got {cid!r}){hint}", path=path, line=_line(raw, "id"), field="id")
        if cid in ids:
            raise ClaimsError(f"duplicate id (first used on line {ids[cid]})", path=path,
                              line=_line(raw, "id"), claim_id=cid, field="id")
        ids[cid] = _line(raw, "id") or 0

    validator = _Validator(path, groups, set(ids))
    claims = tuple(_load_claim(raw, validator) for raw in claims_list)
    loaded = ClaimsFile(path=path, schema_version=SCHEMA_VERSION, paper=paper, groups=groups,
                        claims=claims)
    _check_references(loaded)
    return loaded


#: Reference fields and the claim types they may point at.
_REF_TARGETS: dict[str, tuple[str, ...]] = {
    "table_from": ("categorical",),
    "hr_from": ("hazard-ratio",),
    "events_from": ("event-counts",),
    "same_as": ("event-counts",),
    "distinct_from": ("event-counts",),
    "minuend_from": ("median-ci",),
    "subtrahend_from": ("median-ci",),
}


def _check_references(claims: ClaimsFile) -> None:
    """References point at claims of a fitting type and at printed values that exist."""
    ctx = AuditContext(claims)
    by_id = {c.id: c for c in claims.claims}
    for claim in claims.claims:
        def fail(message: str, field: str, claim: Claim = claim) -> ClaimsError:
            return ClaimsError(message, path=claims.path,
                               line=claim.field_lines.get(field, claim.line),
                               claim_id=claim.id, field=field)

        for field, types in _REF_TARGETS.items():
            ref = claim.get(field)
            if ref is not None and by_id[ref.split("/")[0]].type not in types:
                target = by_id[ref.split("/")[0]]
                raise fail(f"must refer to a {' or '.join(types)} claim; {target.id!r} is a "
                           f"{target.type!r} claim", field)
        for ref in claim.get("count_from") or []:
            try:
                ctx.resolve_count(ref)
            except InputError as exc:
                raise fail(str(exc), "count_from") from None
        if claim.type == "restatement":
            target = by_id[claim.get("of")]
            if target.type == "restatement":
                raise fail("must refer to the original figure, not to another restatement", "of")
            for name in ("estimate", "ci", "hr", "p", "percent", "count"):
                if claim.get(name) is not None and target.get(name) is None:
                    raise fail(f"restates {name!r}, but {target.id!r} (a {target.type!r} claim) "
                               f"prints no {name!r}", name)


def _load_groups(value: Any, path: str, line: int | None) -> dict[str, Group]:
    # An empty list is a paper that compares no groups (a single-arm trial):
    # its claims then name no group, and one that does is refused by name.
    if not isinstance(value, LineList):
        raise ClaimsError("'groups' must be a list of {name, n, label} (an empty list [] when "
                          "the paper compares no groups)", path=path, line=line,
                          field="groups")
    groups: dict[str, Group] = {}
    for i, raw in enumerate(value):
        at = _line(value, i)
        if not isinstance(raw, LineDict):
            raise ClaimsError("each group must be a mapping {name, n, label}", path=path, line=at,
                              field="groups")
        for key in raw:
            if key not in ("name", "n", "label"):
                raise ClaimsError(f"unknown key {key!r}; allowed: name, n, label", path=path,
                                  line=_line(raw, key), field=f"groups.{key}")
        name = raw.get("name")
        if not isinstance(name, str) or not _ID.match(name):
            raise ClaimsError(f"group name must be a simple identifier; got {name!r}", path=path,
                              line=_line(raw, "name"), field="groups.name")
        if name in groups:
            raise ClaimsError(f"group {name!r} is declared twice", path=path,
                              line=_line(raw, "name"), field="groups.name")
        n = raw.get("n")
        if not (isinstance(n, str) and n.isdigit() and int(n) > 0):
            raise ClaimsError(f"group {name!r}: n must be a quoted positive whole number such as "
                              f"'100'; got {n!r}", path=path, line=_line(raw, "n"),
                              field="groups.n")
        label = raw.get("label", name)
        if not isinstance(label, str):
            raise ClaimsError("label must be a string", path=path, line=_line(raw, "label"),
                              field="groups.label")
        groups[name] = Group(name=name, n=int(n), label=label)
    return groups


def _load_claim(raw: LineDict, validator: _Validator) -> Claim:
    cid: str = raw["id"]
    path = validator.path
    ctype = raw.get("type")
    # a list or mapping here is unhashable: test the type before the membership
    if not isinstance(ctype, str) or ctype not in CLAIM_FIELDS:
        raise ClaimsError(
            f"unknown claim type {ctype!r}; known types: {', '.join(sorted(CLAIM_FIELDS))}",
            path=path, line=_line(raw, "type"), claim_id=cid, field="type")
    spec = {**COMMON_FIELDS, **CLAIM_FIELDS[ctype]}
    for key in raw:
        if key not in spec:
            raise ClaimsError(
                f"unknown field for a {ctype!r} claim; allowed: {', '.join(spec)}",
                path=path, line=_line(raw, key), claim_id=cid, field=key)
    for key, fspec in spec.items():
        if key not in raw:
            if fspec.required:
                raise ClaimsError(f"missing required field of a {ctype!r} claim", path=path,
                                  line=raw.line, claim_id=cid, field=key)
            continue
        validator.check(fspec.kind, raw[key], claim_id=cid, field=key, line=_line(raw, key))
    _cross_field_rules(ctype, raw, validator)
    location = {k: v for k, v in raw["location"].items()}
    data = {k: v for k, v in raw.items() if k not in ("id", "type", "location")}
    return Claim(id=cid, type=ctype, section=location["section"], location=location, data=data,
                 line=raw.line, field_lines=dict(raw.key_lines))


def _cross_field_rules(ctype: str, raw: LineDict, validator: _Validator) -> None:
    cid = raw["id"]

    def need_one_of(*names: str) -> None:
        if not any(n in raw for n in names):
            raise validator.error(f"a {ctype!r} claim needs one of: {', '.join(names)}",
                                  line=raw.line, claim_id=cid, field=names[0])

    def not_both(a: str, b: str) -> None:
        if a in raw and b in raw:
            raise validator.error(f"give either {a!r} or {b!r}, not both",
                                  line=_line(raw, b), claim_id=cid, field=b)

    if ctype == "count":
        need_one_of("count", "percent")
    elif ctype == "proportion-ci":
        need_one_of("count", "count_parts")
        not_both("count", "count_parts")
    elif ctype == "p-value":
        need_one_of("table_from", "table")
        not_both("table_from", "table")
    elif ctype == "difference":
        need_one_of("minuend_from", "minuend")
        not_both("minuend_from", "minuend")
        not_both("subtrahend_from", "subtrahend")
        if "subtrahend_from" not in raw and "subtrahend" not in raw and "missing" not in raw:
            raise validator.error(
                "give 'subtrahend_from' or 'subtrahend', or say in 'missing' what is not printed",
                line=raw.line, claim_id=cid, field="subtrahend")
    elif ctype == "restatement":
        figures = ("estimate", "ci", "hr", "p", "percent", "count")
        need_one_of(*figures)
    elif ctype == "top-rows" and "percents" in raw and len(raw["percents"]) != len(raw["terms"]):
        raise validator.error("needs one printed percentage per term (or none)",
                              line=_line(raw, "percents"), claim_id=cid, field="percents")


def load_claims(path: str | Path) -> ClaimsFile:
    """Load a claims file (docs/claims-format.md); ``ClaimsError`` names claim id, field, line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClaimsError("file not found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimsError(f"cannot read the file: {exc}", path=str(p)) from None
    return parse_claims(text, path=str(p))
