"""Assemble a claims document (docs/claims-format.md) from a paper's plain text.

``extract_text`` runs the whole reading: sections, tables, groups, stated
methods, sentence patterns, linking; ``to_yaml`` writes the claims file.
Every claim carries ``provenance: extracted``, its ``confidence`` and the
``source_text`` it was read from; its location names the section and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from crossval.audit import AuditResult, ClaimsFile, parse_claims, run_audit
from crossval.errors import InputError
from crossval.extract.groups import (
    Group,
    GroupIndex,
    declare_groups,
    groups_from_headers,
    groups_from_text,
    label_key,
)
from crossval.extract.link import Linker
from crossval.extract.masking import mask
from crossval.extract.methods import stated_methods, table_note_tests
from crossval.extract.model import CONFIDENCES, Draft, Ids
from crossval.extract.numbers import normalize
from crossval.extract.patterns import (
    Reading,
    Sentence,
    Taken,
    last_endpoint,
    read_cis,
    read_counts,
    read_differences,
    read_events,
    read_group_parts,
    read_hr_alone,
    read_median_age,
    read_medians,
    read_power,
    read_reductions,
    read_responses,
    read_top_rows,
    settle,
)
from crossval.extract.scope import sentences, study_names
from crossval.extract.sections import Block, split_document
from crossval.extract.tables import ParsedTable, TableClaims, parse_table, table_claims
from crossval.stats._validate import check_option

#: Fields of a claim that name other claims (a claim is dropped with what it refers to).
_REF_FIELDS = ("of", "table_from", "hr_from", "events_from", "same_as", "distinct_from",
               "minuend_from", "subtrahend_from")


@dataclass(frozen=True)
class Extraction:
    """What was read from a paper: its groups and claims, ready to write as a claims file."""

    source: str
    short_name: str
    groups: tuple[Group, ...]
    drafts: tuple[Draft, ...]
    notes: tuple[str, ...] = ()  # what the reader could not do, for the person running it

    def document(self) -> dict[str, Any]:
        """The claims file as a mapping (schema_version 1)."""
        return {
            "schema_version": 1,
            "paper": {"short_name": self.short_name,
                      "title": f"{self.short_name}: figures read from {Path(self.source).name} "
                               "by crossval extract",
                      "source": self.source},
            "groups": [{"name": g.name, "n": str(g.n), "label": g.label} for g in self.groups],
            "claims": [d.as_claim() for d in self.drafts],
        }


def _sentences_of(blocks: Iterable[tuple[int, Block]]) -> list[Sentence]:
    out = []
    for bi, block in blocks:
        masked = mask(normalize(block.text))
        for si, (a, b) in enumerate(sentences(block.text)):
            out.append(Sentence(block=block, block_index=bi, index=si, text=block.text[a:b],
                                masked=masked[a:b], line=block.line))
    return out


def _read(sent: Sentence, groups: GroupIndex) -> list[Reading]:
    """Every reader on one sentence, most specific first."""
    taken = Taken()
    readings: list[Reading] = []
    power = read_power(sent, groups)
    readings += read_cis(sent, taken)
    readings += read_reductions(sent, taken)
    readings += read_differences(sent, taken)
    readings += read_events(sent, taken, groups)
    readings += read_hr_alone(sent, taken)
    if not power:  # the medians of a power statement are assumptions, not results
        readings += read_medians(sent, taken)
    readings += read_counts(sent, taken)
    readings += power
    readings += read_group_parts(sent, groups)
    readings += read_responses(sent, groups)
    readings += read_median_age(sent)
    readings += read_top_rows(sent)
    return readings


def _declare(tables: list[ParsedTable], prose: list[Sentence]) -> tuple[list[Group], list[str]]:
    """The groups read, and the labels of groups printed with no patients (left out)."""
    cells = [(cell, row.line) for t in tables for row in t.block.rows[:1] for cell in row.cells]
    found = groups_from_headers(cells)
    if not found:
        found = groups_from_text((s.text, s.line) for s in prose)
    # a group of 0 is no denominator for anything: declared, it would stop the claims file
    empty = [label for label, n, _ in found if n == 0]
    return declare_groups([f for f in found if f[1] > 0]), empty


def _drop_below(drafts: list[Draft], minimum: str) -> list[Draft]:
    """Drafts at or above ``minimum`` confidence, and no draft whose reference was dropped."""
    rank = {c: i for i, c in enumerate(CONFIDENCES)}
    kept = [d for d in drafts if rank[d.confidence] <= rank[minimum]]
    while True:
        ids = {d.id for d in kept}
        keep = [d for d in kept if all(_ref_head(d.fields.get(f)) in ids for f in _REF_FIELDS
                                       if d.fields.get(f) is not None)
                and all(_ref_head(r) in ids for r in d.fields.get("count_from", []))]
        if len(keep) == len(kept):
            return keep
        kept = keep


def _ref_head(ref: Any) -> str:
    return str(ref).split("/", 1)[0]


def extract_text(text: str, *, source: str = "<text>", min_confidence: str = "low") -> Extraction:
    """Read a paper's reported figures from its plain text (see docs/extract.md)."""
    check_option("min_confidence", min_confidence, CONFIDENCES)
    if not text.strip():
        raise InputError(f"{source}: the text is empty; nothing to extract")
    blocks = split_document(text)
    parsed = [parse_table(b) for b in blocks if b.kind == "table"]
    prose_blocks = [(i, b) for i, b in enumerate(blocks) if b.kind in ("paragraph", "legend")]
    prose = _sentences_of(prose_blocks)
    groups, empty = _declare(parsed, prose)
    index = GroupIndex(groups)
    ids = Ids()
    methods = stated_methods((s.text, s.block.section) for s in prose
                             if s.block.kind == "paragraph")
    sized = {(label_key(g.label if g.size_of is None else index.by_name(g.size_of).label), g.n):
             g.name for g in groups if g.name != "overall"}
    table_results: list[TableClaims] = []
    for table in parsed:
        labels = {label: sized[(label_key(label), n)] for label, n in table.groups
                  if (label_key(label), n) in sized}
        tests = table_note_tests(table.block.notes, table.block.section, table.p_mark)
        table_results.append(table_claims(table, labels, ids, tests, methods.table_test()))
    _own, others = study_names(b.text for _, b in prose_blocks)
    readings: list[Reading] = []
    by_sentence: dict[int, list[Reading]] = {}
    per_sentence: list[list[Reading]] = []
    carried: str | None = None
    current_block = -1
    for sent in prose:
        if sent.block_index != current_block:
            current_block, carried = sent.block_index, None
        own_default = not sent.block.text_section.startswith("Introduction")
        found = settle(_read(sent, index), sent, index, others=others,
                       own_default=own_default, carried_endpoint=carried)
        carried = last_endpoint(sent, carried)
        readings += found
        by_sentence[id(sent)] = found
        per_sentence.append(found)
    linker = Linker(index, ids, methods, table_results)
    linker.medians(readings)
    linker.hazard_ratios(readings)
    linker.reductions(readings, by_sentence)
    linker.differences(readings)
    linker.counts(per_sentence)
    linker.proportions(readings, [r for r in readings if r.kind == "response"])
    linker.event_counts(readings)
    sizes = linker.group_sizes(readings)
    linker.power(readings, sizes)
    linker.top_rows(readings)
    linker.pooled_medians(readings)
    drafts = [d for t in table_results for d in t.drafts] + linker.drafts
    drafts.sort(key=lambda d: d.order)
    drafts = _drop_below(drafts, min_confidence)
    # A single-arm paper declares no groups: its figures with their own
    # denominators (a response rate and its CI) and its hazard ratios are
    # still read; only figures by group need them.
    notes: tuple[str, ...] = ()
    if empty:
        notes += (f"groups printed with no patients were left out: {', '.join(empty)}",)
    if not groups:
        if not drafts:
            printed = (f" (the groups printed, {', '.join(empty)}, have no patients)"
                       if empty else "")
            raise InputError(f"{source}: no groups{printed} and no figures found; crossval "
                             "extract reads "
                             "groups from table headers such as 'Drug A (n = 100)' or text such "
                             "as '80 in the drug A group and 40 in the placebo group', and "
                             "figures such as '18/40 (45.0%; 95% CI 29.3%-61.5%)'")
        notes += ("no groups found (no table header such as 'Drug A (n = 100)', no text such "
                 "as '80 in the drug A group and 40 in the placebo group'): only figures that "
                 "name no group were read",)
    short_name = _own or Path(source).stem or "paper"
    return Extraction(source=source, short_name=short_name, groups=tuple(groups),
                      drafts=tuple(drafts), notes=notes)


def extract_file(path: str | Path, *, min_confidence: str = "low") -> Extraction:
    """``extract_text`` on a UTF-8 text file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the text: {exc}") from None
    return extract_text(text, source=str(p), min_confidence=min_confidence)


def to_yaml(extraction: Extraction) -> str:
    """The claims file text; every figure is a quoted string, as the audit requires."""
    header = (f"# Claims extracted by crossval from {extraction.source}.\n"
              "# Every claim says how sure the reading is (confidence) and the text it was read\n"
              "# from (source_text); review the medium- and low-confidence ones.\n")
    header += "".join(f"# Note: {note}.\n" for note in extraction.notes)
    body = yaml.safe_dump(extraction.document(), sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return header + body


def claims_file(extraction: Extraction) -> ClaimsFile:
    """The extraction loaded exactly as ``crossval audit`` loads a claims file."""
    return parse_claims(to_yaml(extraction), path=f"{extraction.source} (extracted claims)")


def audit_paper(
    path: str | Path, *, min_confidence: str = "low", fisher_max_work: int | None = None
) -> AuditResult:
    """Extract a paper's claims from its text and audit them in one step (``run_audit``)."""
    extraction = extract_file(path, min_confidence=min_confidence)
    result = run_audit(claims_file(extraction), fisher_max_work=fisher_max_work)
    return replace(result, source=str(path), notes=extraction.notes)
