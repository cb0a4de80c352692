"""From readings to claims: originals and restatements, denominators, references between claims.

The first printing of a figure in the Results text is the original; the same
figure printed again (abstract, legend, discussion) becomes a ``restatement``
of it.  Which original a restatement repeats follows the text: the endpoint
and group it names.  When the text names them loosely ("median survival" in a
legend, "PFS" where the figures are those of PFS2, an endpoint carried over
from an earlier sentence) the original whose estimate the restatement agrees
with is taken, with medium confidence; an endpoint named exactly is never
overridden, so a restatement that disagrees with the figure it names fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from crossval.extract.groups import OVERALL, GroupIndex
from crossval.extract.methods import StatedMethods
from crossval.extract.model import Draft, Ids
from crossval.extract.numbers import NUM, figure
from crossval.extract.patterns import NOUN, Reading, rate_before
from crossval.extract.scope import endpoint_family
from crossval.extract.tables import TableClaims

_I = re.IGNORECASE


def _interval(text: str) -> tuple[Fraction, Fraction]:
    """The rounding interval a printed figure stands for (both ends included)."""
    value = Fraction(text)
    decimals = len(text.partition(".")[2])
    half = Fraction(1, 2) / 10 ** decimals
    return value - half, value + half


def agrees(a: str, b: str) -> bool:
    """True when two printed figures can be printings of one value."""
    lo1, hi1 = _interval(a)
    lo2, hi2 = _interval(b)
    return lo1 <= hi2 and lo2 <= hi1


def _priority(r: Reading) -> tuple[int, int, int, int]:
    """Results text first, then other running text, then legends; then reading order."""
    block = r.sentence.block
    rank = 0 if block.kind == "paragraph" and block.text_section.startswith("Results") else \
        1 if block.kind == "paragraph" else 2
    return rank, r.sentence.block_index, r.sentence.index, r.start


def _confidence(*levels: str) -> str:
    order = {"high": 0, "medium": 1, "low": 2}
    return max(levels, key=order.__getitem__)


@dataclass
class Linker:
    """Builds drafts from readings; ``drafts`` grows as each kind is linked."""

    groups: GroupIndex
    ids: Ids
    methods: StatedMethods
    tables: list[TableClaims]
    drafts: list[Draft] = field(default_factory=list)
    median_originals: dict[tuple[str, str | None], tuple[Draft, Reading]] = field(
        default_factory=dict)
    hr_originals: dict[str, tuple[Draft, Reading]] = field(default_factory=dict)
    hr_of_reading: dict[int, str] = field(default_factory=dict)
    external_medians: dict[tuple[str, str | None], str] = field(default_factory=dict)
    external_median_ids: dict[tuple[str, str | None], str] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)

    # --- helpers ---------------------------------------------------------------------------
    def add(self, r: Reading, type_: str, key: Iterable[str], fields: dict[str, Any], *,
            confidence: str = "high", detail: str | None = None, note: str | None = None,
            snippet: str | None = None) -> Draft:
        """A draft for reading ``r``."""
        section = r.sentence.block.section
        location = {}
        part = r.sentence.block.part
        if r.sentence.block.kind == "paragraph" and part:
            detail = f"{part}; {detail}" if detail else part
        if detail:
            location["detail"] = detail
        d = Draft(id=self.ids.make(section, *key), type=type_, section=section, fields=fields,
                  line=r.sentence.line, snippet=snippet or r.snippet, confidence=confidence,
                  location=location, note=note,
                  order=(r.sentence.line, r.sentence.block_index * 10_000
                         + r.sentence.index * 1_000 + r.start))
        self.drafts.append(d)
        return d

    def group_name(self, r: Reading) -> str | None:
        """The reading's group; with a single arm every own figure is that arm's."""
        if r.group is not None:
            return r.group
        arms = self.groups.arms
        return arms[0].name if len(arms) == 1 else None

    def label(self, name: str) -> str:
        return self.groups.by_name(name).label

    # --- medians ---------------------------------------------------------------------------
    def medians(self, readings: list[Reading]) -> None:
        """Medians with CIs become ``median-ci`` claims; later printings restate them."""
        own = [r for r in readings if r.kind == "time" and r.study is None]
        for r in sorted((r for r in own if "ci" in r.values and self.group_name(r)
                         and r.endpoint), key=_priority):
            key = (str(r.endpoint), self.group_name(r))
            if key in self.median_originals:
                continue
            group = self.group_name(r)
            fields: dict[str, Any] = {"estimate": r.values["estimate"],
                                      "ci": list(r.values["ci"]), "endpoint": r.endpoint,
                                      "unit": r.values.get("unit", "months")}
            if group:
                fields["group"] = group
            d = self.add(r, "median-ci", ["median", str(r.endpoint), group or ""], fields,
                         confidence=_confidence("high" if r.endpoint_named else "medium",
                                                "high" if r.group_how in ("adjacent",
                                                                          "respectively")
                                                else "medium"),
                         detail=f"median {r.endpoint}", note=self._km_note())
            self.median_originals[key] = (d, r)
        for r in sorted(own, key=_priority):
            if any(r is orig for _, orig in self.median_originals.values()):
                continue
            target = self._median_target(r)
            if target is None:
                continue
            d, how = target
            fields = {"of": d.id, "estimate": r.values["estimate"]}
            if "ci" in r.values:
                fields["ci"] = list(r.values["ci"])
            self.add(r, "restatement", ["median", str(d.fields.get("endpoint")),
                                        str(d.fields.get("group", ""))], fields,
                     confidence=how, detail=f"restates median {d.fields.get('endpoint')}")
        self._external_medians(readings)

    def _km_note(self) -> str | None:
        names = [s.method for s in self.methods.survival]
        if "Kaplan-Meier" in names:
            where = next(s.where for s in self.methods.survival if s.method == "Kaplan-Meier")
            return f"Kaplan-Meier median (method stated in {where})."
        return None

    def _median_target(self, r: Reading) -> tuple[Draft, str] | None:
        group = self.group_name(r)
        cands = [(k, v) for k, v in self.median_originals.items()
                 if group is None or k[1] == group]
        if not cands:
            return None
        estimate = r.values["estimate"]
        exact = next((v for k, v in cands if k[0] == r.endpoint), None)
        sure = "high" if r.endpoint_named and r.group_how in ("adjacent", "respectively") \
            else "medium"
        if exact is not None and agrees(estimate, exact[0].fields["estimate"]):
            return exact[0], sure
        family = endpoint_family(str(r.endpoint))
        loose = [v for k, v in cands if endpoint_family(k[0]) == family or not r.endpoint_named]
        agreeing = [v for v in loose if agrees(estimate, v[0].fields["estimate"])]
        if len(agreeing) == 1:
            return agreeing[0][0], "medium"
        # Only an endpoint the sentence names makes a disagreeing printing a restatement.
        if exact is not None and group is not None and r.endpoint_named:
            return exact[0], sure
        return None

    def _external_medians(self, readings: list[Reading]) -> None:
        ext = sorted((r for r in readings if r.kind == "time" and r.study is not None),
                     key=_priority)
        for r in ext:
            key = (str(r.study), r.endpoint)
            if "ci" in r.values and key not in self.external_median_ids:
                d = self.add(r, "median-ci", ["median", r.study or "", str(r.endpoint or "")],
                             {"estimate": r.values["estimate"], "ci": list(r.values["ci"]),
                              **({"endpoint": r.endpoint} if r.endpoint else {}),
                              "unit": r.values.get("unit", "months")},
                             confidence="medium", detail=f"{r.study}",
                             note=f"Reported for {r.study}, not for this paper's groups.")
                self.external_median_ids[key] = d.id
        for r in ext:
            key = (str(r.study), r.endpoint)
            self.external_medians.setdefault(key, r.values["estimate"])
            target = self.external_median_ids.get(key)
            if "ci" in r.values or target is None:
                continue
            self.add(r, "restatement", ["median", r.study or ""],
                     {"of": target, "estimate": r.values["estimate"], "strict": False},
                     confidence="medium", detail=f"{r.study}",
                     note="Another printing of the same study's median; it may describe a "
                          "different subset, so a mismatch is a warning.")

    # --- hazard ratios ---------------------------------------------------------------------
    def hazard_ratios(self, readings: list[Reading]) -> None:
        """HRs with CIs become ``hazard-ratio`` claims; later printings restate them."""
        own = [r for r in readings if r.kind == "hr" and r.study is None]
        for r in sorted((r for r in own if "ci" in r.values and r.endpoint), key=_priority):
            key = str(r.endpoint)
            if key in self.hr_originals:
                continue
            fields: dict[str, Any] = {"hr": r.values["estimate"], "ci": list(r.values["ci"])}
            if r.values.get("p"):
                fields["p"] = r.values["p"]
            if r.values.get("conf_level", "95") != "95":
                fields["conf_level"] = r.values["conf_level"]
            fields["endpoint"] = key
            d = self.add(r, "hazard-ratio", ["hr", key], fields,
                         confidence="high" if r.endpoint_named else "medium",
                         detail=f"{key} hazard ratio")
            self.hr_originals[key] = (d, r)
            self.hr_of_reading[id(r)] = d.id
        for r in sorted(own, key=_priority):
            if id(r) in self.hr_of_reading:
                continue
            target = self._hr_target(r)
            if target is None:
                continue
            d, how = target
            self.hr_of_reading[id(r)] = d.id
            fields = {"of": d.id, "hr": r.values["estimate"]}
            if "ci" in r.values:
                fields["ci"] = list(r.values["ci"])
            if r.values.get("p") and d.fields.get("p"):
                fields["p"] = r.values["p"]
            self.add(r, "restatement", ["hr", str(d.fields["endpoint"])], fields,
                     confidence=how, detail=f"restates the {d.fields['endpoint']} hazard ratio")
        for r in (r for r in readings if r.kind == "hr" and r.study is not None
                  and "ci" in r.values):
            fields = {"hr": r.values["estimate"], "ci": list(r.values["ci"])}
            if r.values.get("p"):
                fields["p"] = r.values["p"]
            self.add(r, "hazard-ratio", ["hr", r.study or ""], fields, confidence="medium",
                     detail=str(r.study), note=f"Reported for {r.study}.")

    def _hr_target(self, r: Reading) -> tuple[Draft, str] | None:
        estimate = r.values["estimate"]
        exact = self.hr_originals.get(str(r.endpoint)) if r.endpoint else None
        sure = "high" if r.endpoint_named else "medium"
        if exact is not None and agrees(estimate, exact[0].fields["hr"]):
            return exact[0], sure
        family = endpoint_family(str(r.endpoint))
        loose = [v for k, v in self.hr_originals.items()
                 if endpoint_family(k) == family or not r.endpoint_named]
        agreeing = [v for v in loose if agrees(estimate, v[0].fields["hr"])]
        if len(agreeing) == 1:
            return agreeing[0][0], "medium"
        if exact is not None and r.endpoint_named:
            return exact[0], sure
        return None

    # --- reductions ------------------------------------------------------------------------
    def reductions(self, readings: list[Reading], by_sentence: dict[int, list[Reading]]) -> None:
        """"X% reduction in the risk" against 1 − HR; later printings restate the first."""
        first: dict[str, Draft] = {}
        for r in sorted((r for r in readings if r.kind == "reduction" and r.study is None),
                        key=_priority):
            pct = r.values["percent"]
            # The HR printed right after the reduction ("62% reduction ... (HR = 0.38, ...)").
            same = [x for x in by_sentence.get(id(r.sentence), []) if x.kind == "hr"
                    and id(x) in self.hr_of_reading and 0 <= x.start - r.end <= 60]
            hr_id: str | None = None
            confidence = "high"
            if same:
                hr_id = self.hr_of_reading[id(min(same, key=lambda x: abs(x.start - r.end)))]
            else:
                fitting = [d for d, _ in self.hr_originals.values()
                           if _reduction_fits(pct, d.fields["hr"])
                           and (not r.endpoint_named or endpoint_family(d.fields["endpoint"])
                                == endpoint_family(str(r.endpoint)))]
                if len(fitting) == 1:
                    hr_id, confidence = fitting[0].id, "medium"
                elif len(self.hr_originals) == 1:
                    hr_id, confidence = next(iter(self.hr_originals.values()))[0].id, "low"
            if hr_id is None:
                continue
            if hr_id in first:
                self.add(r, "restatement", ["reduction"], {"of": first[hr_id].id,
                                                           "percent": pct},
                         confidence=confidence, detail="restates a risk reduction")
                continue
            first[hr_id] = self.add(r, "hr-reduction", ["reduction"],
                                    {"percent": pct, "hr_from": hr_id}, confidence=confidence,
                                    detail="risk reduction")

    # --- differences -----------------------------------------------------------------------
    def differences(self, readings: list[Reading]) -> None:
        """Stated differences: against the pair printed with them, or the endpoint's medians."""
        for r in readings:
            if r.kind != "difference":
                continue
            value = r.values["value"]
            if "minuend" in r.values:
                self.add(r, "difference", ["difference"],
                         {"value": value, "minuend": r.values["minuend"],
                          "subtrahend": r.values["subtrahend"]},
                         detail="difference of the printed pair")
                continue
            if r.study is not None:
                minuend = self.external_medians.get((r.study, r.endpoint))
                if minuend is None:
                    continue
                self.add(r, "difference", ["difference", r.study],
                         {"value": value, "minuend": minuend,
                          "missing": f"the comparator's median {r.endpoint or ''} in "
                                     f"{r.study} is not printed"},
                         confidence="medium", detail=f"{r.study}")
                continue
            medians = [(k, v[0]) for k, v in self.median_originals.items()
                       if k[0] == r.endpoint]
            if len(medians) != 2:
                continue
            hi, lo = sorted(medians, key=lambda kv: Fraction(kv[1].fields["estimate"]),
                            reverse=True)
            self.add(r, "difference", ["difference", str(r.endpoint)],
                     {"value": value, "minuend_from": hi[1].id, "subtrahend_from": lo[1].id},
                     confidence="medium" if r.endpoint_named else "low",
                     detail=f"difference of the median {r.endpoint}s")

    # --- counts ----------------------------------------------------------------------------
    def counts(self, sentences: list[list[Reading]]) -> None:
        """Counts and percentages, their denominators, and restatements within a sentence."""
        for readings in sentences:
            counts = sorted((r for r in readings if r.kind == "count"), key=lambda r: r.start)
            resolved: list[tuple[Reading, str | None, str]] = []
            for r in counts:
                denominator, confidence = self._denominator(r, resolved)
                resolved.append((r, denominator, confidence))
            restated = self._restated_in_sentence(resolved)
            drafts: dict[int, Draft] = {}
            for r, denominator, confidence in resolved:
                if denominator is None or id(r) in restated:
                    continue
                fields: dict[str, Any] = {}
                if r.values.get("count") is not None:
                    fields["count"] = r.values["count"]
                if r.values.get("percent") is not None:
                    fields["percent"] = r.values["percent"]
                fields["denominator"] = denominator
                refs = self._count_from(r, denominator, counts)
                if refs:
                    fields["count_from"] = refs
                    confidence = _confidence(confidence, "medium")
                what = r.values.get("percent") or r.values.get("count")
                drafts[id(r)] = self.add(r, "count", ["count", str(what)], fields,
                                         confidence=confidence,
                                         detail=self._denominator_text(denominator))
            for rid, (original, conf) in restated.items():
                r = next(x for x, _, _ in resolved if id(x) == rid)
                target = drafts.get(id(original))
                if target is None or "percent" not in target.fields:
                    continue
                self.add(r, "restatement", ["restated", str(r.values["percent"])],
                         {"of": target.id, "percent": r.values["percent"]}, confidence=conf,
                         detail="the same share stated twice in one sentence")

    def _sized(self, r: Reading, group: str, sure: str) -> tuple[str, str]:
        """The group, or its safety-population size when an adverse-event figure has one.

        When a table prints a second size for a group (a safety population), an
        adverse-event sentence is read against the adverse-event table's size;
        any other figure of that group may be of either size, so it is a guess.
        """
        others = self.groups.other_sizes(group)
        if not others:
            return group, sure
        if _SAFETY.search(r.sentence.text):
            ae = {n for t in self.tables if t.is_adverse_events for n in t.group_names}
            safety = [g for g in others if g.name in ae]
            if len(safety) == 1:
                return safety[0].name, _confidence(sure, "medium")
        return group, "low"

    def _denominator_text(self, denominator: str) -> str:
        if denominator.isdigit():
            return f"of {denominator}"
        return f"of {self.label(denominator)}"

    def _overall(self) -> str | None:
        arms = self.groups.arms
        if len(arms) == 1:
            return arms[0].name
        return OVERALL if self.groups.has_overall() else None

    def _denominator(self, r: Reading,
                     earlier: list[tuple[Reading, str | None, str]]) -> tuple[str | None, str]:
        v = r.values
        if v.get("n") is not None:
            return str(v["n"]), "high"
        if v.get("them"):
            counted = [x for x, _, _ in earlier if x.values.get("count") is not None]
            return (str(counted[-1].values["count"]), "medium") if counted else (None, "low")
        own = r.study is None
        if v.get("of_other") and not (r.group and _of_the_group(r, self.groups)):
            return None, "low"
        if r.group_how == "unknown":
            return None, "low"
        # "Of the 40 responders, 12 (30.0%) ...": the share is of the 40.
        among = re.match(rf"\s*(?:of|among)\s+(?:the\s+|these\s+|all\s+)?(?P<n>{NUM})\b"
                         r"[^,;]{0,80},", r.sentence.masked[:r.start], _I)
        if (among and r.group is None and v.get("count") is not None) or \
                (among and r.group is None and v.get("elliptical")):
            assert among is not None
            return figure(among.group("n")), "medium"
        if own and r.group is not None:
            sure = "high" if r.group_how in ("adjacent", "respectively") else "medium"
            return self._sized(r, r.group, sure)
        if v.get("elliptical"):
            inherited = [(d, c) for _, d, c in earlier if d is not None]
            if inherited:
                return inherited[-1][0], "medium"
        text = r.sentence.text
        section = r.sentence.block.text_section
        if v.get("population_in"):
            return None, "low"
        if own and not section.startswith("Introduction") and not _SUBSET.search(text[:r.start]) \
                and (v.get("own_population") or v.get("elliptical") or v.get("after_noun")
                     or v.get("count") is not None):
            overall = self._overall()
            if overall is not None:
                # "of our patients" says whose share it is; otherwise the overall population is
                # a guess (a safety population may be smaller), so a mismatch only warns.
                sure = "medium" if v.get("own_population") or len(self.groups.arms) == 1 \
                    else "low"
                return overall, sure
        population = _population(r)
        if population is not None:
            return population, "medium"
        return None, "low"

    def _restated_in_sentence(
        self, resolved: list[tuple[Reading, str | None, str]]
    ) -> dict[int, tuple[Reading, str]]:
        """Readings that repeat an earlier share of the same outcome with a different figure.

        "344 (59.0%) of 583 had disease progression and ... 54.5% ... developed
        progressive disease": both shares are of one outcome in one population,
        so the second printing restates the first (the one with its count is the
        original).  Outcomes are compared as sets of word stems.
        """
        out: dict[int, tuple[Reading, str]] = {}
        with_pct = [(r, d) for r, d, _ in resolved if r.values.get("percent") is not None]
        for i, (a, da) in enumerate(with_pct):
            for b, db in with_pct[i + 1:]:
                if id(a) in out or id(b) in out:
                    continue
                if a.values["percent"] == b.values["percent"]:
                    continue
                if a.values.get("count") is not None and b.values.get("count") is not None:
                    continue  # two printed counts are two statements, not one restated
                ka, kb = _outcome(a, resolved), _outcome(b, resolved)
                if not ka or ka != kb:
                    continue
                if da is not None and db is not None and da != db and not (
                        b.values.get("them") or a.values.get("them")):
                    continue
                if da is not None and db is not None and da != db:
                    continue
                original, copy = (a, b) if a.values.get("count") is not None or \
                    b.values.get("count") is None else (b, a)
                out[id(copy)] = (original, "medium")
        return out

    def _count_from(self, r: Reading, denominator: str, counts: list[Reading]) -> list[str]:
        """Table counts a text figure restates ("38.0% were male" -> Male in every group)."""
        if r.study is not None or (denominator.isdigit() and not self._is_overall_n(denominator)):
            return []
        i = counts.index(r)
        a = counts[i - 1].end if i > 0 else 0
        b = counts[i + 1].start if i + 1 < len(counts) else len(r.sentence.text)
        window = r.sentence.text[a:b]
        groups = [g.name for g in self.groups.arms] if denominator in (OVERALL,) or \
            denominator.isdigit() else [denominator]
        hits: list[list[str]] = []
        for table in self.tables:
            if table.is_adverse_events:
                continue
            for cat_id, levels in table.levels.items():
                for level in levels:
                    if _names_level(window, level):
                        hits.append([f"{cat_id}/{level}/{g}" for g in groups])
        return hits[0] if len(hits) == 1 else []

    def _is_overall_n(self, text: str) -> bool:
        overall = self._overall()
        return overall is not None and str(self.groups.by_name(overall).n) == text

    # --- proportions with CIs ----------------------------------------------------------------
    def proportions(self, readings: list[Reading], responses: list[Reading]) -> None:
        """Rates with CIs: their count (printed, from response categories, or implied)."""
        stated = self.methods.ci_method()
        for r in readings:
            if r.kind != "proportion":
                continue
            v = r.values
            group = self.group_name(r) if r.study is None else None
            n_text = v.get("n")
            if group is None and n_text is None:
                continue
            fields: dict[str, Any] = {}
            confidence = "high" if r.group_how in ("adjacent", "respectively") or n_text \
                else "medium"
            if group is not None and not n_text:
                group, confidence = self._sized(r, group, confidence)
            n = int(n_text) if n_text else self.groups.by_name(str(group)).n
            note = None
            if v.get("count") is not None and int(v["count"]) <= n:
                fields["count"] = v["count"]
            else:
                parts = self._response_parts(rate_before(r.sentence, r.start), group, responses)
                if parts is not None:
                    fields["count_parts"] = parts
                    confidence = _confidence(confidence, "medium")
                    note = "Count from the response categories printed in the text."
                else:
                    implied = _implied_count(v["percent"], n)
                    if implied is None:
                        continue
                    fields["count"] = implied
                    confidence = _confidence(confidence, "medium")
                    note = (f"The count is not printed; {implied}/{n} is the only count that "
                            f"rounds to {v['percent']}%.")
            fields["percent"] = v["percent"]
            fields["denominator"] = str(n_text) if n_text else str(group)
            fields["ci"] = [figure(x) for x in v["ci"]]
            if stated is not None:
                fields["method"] = stated.method
                fields["method_stated_at"] = stated.where
            else:
                fields["method"] = "clopper-pearson"
                confidence = "low"
                note = (note + " " if note else "") + \
                    "No CI method is stated; Clopper-Pearson is assumed."
            if v.get("conf_level", "95") != "95":
                fields["conf_level"] = v["conf_level"]
            rate = rate_before(r.sentence, r.start)
            self.add(r, "proportion-ci", [rate or "proportion", str(group or n_text)], fields,
                     confidence=confidence, detail=rate.upper() if rate else "proportion",
                     note=note)

    def _response_parts(self, rate: str | None, group: str | None,
                        responses: list[Reading]) -> list[str] | None:
        if rate not in ("orr", "dcr") or group is None:
            return None
        counts: dict[str, str] = {}
        for r in responses:
            if group in r.values["groups"]:
                counts.setdefault(r.values["category"], r.values["count"])
        if "objective response" in counts and counts["objective response"] == "0":
            counts.setdefault("complete response", "0")
            counts.setdefault("partial response", "0")
        needed = ["complete response", "partial response"]
        if rate == "dcr":
            needed.append("stable disease")
        if not all(k in counts for k in needed):
            return None
        return [counts[k] for k in needed]

    # --- events, group sizes, power ----------------------------------------------------------
    def event_counts(self, readings: list[Reading]) -> None:
        """Event counts per group; a text statement is compared with the flowchart's."""
        merged: list[tuple[Reading, dict[str, dict[str, str]]]] = []
        by_block: dict[int, tuple[Reading, dict[str, dict[str, str]]]] = {}
        for r in readings:
            if r.kind != "events":
                continue
            if r.values.get("single"):
                key = r.sentence.block_index
                if key not in by_block:
                    by_block[key] = (r, {"events": {}, "deaths": {}})
                    merged.append(by_block[key])
                for what in ("events", "deaths"):
                    by_block[key][1][what].update(r.values.get(what, {}))
            else:
                merged.append((r, {"events": dict(r.values.get("events", {})),
                                   "deaths": dict(r.values.get("deaths", {}))}))
        arms = {g.name for g in self.groups.arms}
        flowchart: Draft | None = None
        text_statements: list[tuple[Draft, Reading]] = []
        for r, data in merged:
            if set(data["events"]) != arms:
                continue
            fields: dict[str, Any] = {"events": data["events"]}
            if set(data["deaths"]) == arms:
                fields["deaths"] = data["deaths"]
            single = bool(r.values.get("single"))
            if not single and r.endpoint:
                same = [d for d, x in text_statements if x.endpoint == r.endpoint]
                if same:
                    mine = _wording(r)
                    theirs = _wording(next(x for d, x in text_statements if d is same[0]))
                    fields["same_as" if mine == theirs else "distinct_from"] = same[0].id
                elif flowchart is not None:
                    fields["same_as"] = flowchart.id
            d = self.add(r, "event-counts", ["events", str(r.endpoint or "")], fields,
                         confidence="high" if not single else "medium",
                         detail=f"{r.endpoint or 'disease progression'} events")
            if single:
                flowchart = flowchart or d
            else:
                text_statements.append((d, r))
                self.events.setdefault(str(r.endpoint), d.id)
        if flowchart is not None:
            for d, _ in text_statements:
                if "same_as" not in d.fields and "distinct_from" not in d.fields:
                    self._set(d, "same_as", flowchart.id)
        for endpoint, (hr, _) in self.hr_originals.items():
            events = self.events.get(endpoint)
            if events:
                self._set(hr, "events_from", events)

    def _set(self, draft: Draft, name: str, value: str) -> None:
        """Add a reference to a draft already made (its id, and so references to it, kept)."""
        self.drafts[self.drafts.index(draft)] = replace(draft,
                                                        fields={**draft.fields, name: value})

    def group_sizes(self, readings: list[Reading]) -> list[tuple[Reading, dict[str, str]]]:
        """Group sizes printed in the text, per sentence (per block for legends)."""
        arms = {g.name for g in self.groups.arms}
        merged: dict[tuple[int, int], tuple[Reading, dict[str, Any]]] = {}
        for r in readings:
            if r.kind != "group-parts":
                continue
            key = (r.sentence.block_index,
                   -1 if r.sentence.block.kind == "legend" else r.sentence.index)
            if key not in merged:
                merged[key] = (r, {"parts": {}})
            merged[key][1]["parts"].update(r.values["parts"])
            if "total" in r.values:
                merged[key][1].setdefault("total", r.values["total"])
        found = []
        for r, data in merged.values():
            parts = data["parts"]
            found.append((r, parts))
            if set(parts) != arms or len(arms) < 2:
                continue
            total = data.get("total")
            note = None
            if total is None:
                total = str(sum(int(v) for v in parts.values()))
                note = "The total is not printed here; it is the sum of the groups."
            self.add(r, "group-sizes", ["group-sizes"], {"total": total, "parts": parts},
                     confidence="high" if note is None else "medium", detail="group sizes",
                     note=note)
        return found

    def power(self, readings: list[Reading], sizes: list[tuple[Reading, dict[str, str]]]) -> None:
        """A power statement with the sizes printed in the same sentence."""
        for r in readings:
            if r.kind != "power" or r.study is not None:
                continue
            medians = r.values["medians"]
            parts = next((p for s, p in sizes if s.sentence is r.sentence), {})
            if set(parts) != set(medians):
                continue
            fields: dict[str, Any] = {k: r.values[k] for k in ("power", "alpha", "sided")}
            fields["medians"] = medians
            fields["sizes"] = parts
            events = self.events.get(str(r.endpoint))
            if events:
                fields["events_from"] = events
            self.add(r, "power", ["power"], fields, confidence="medium",
                     detail="sample size and power")

    # --- table-linked statements -------------------------------------------------------------
    def top_rows(self, readings: list[Reading]) -> None:
        """"The most frequent grade >= 3 events were A (x%), B and C in group G" vs the table."""
        ae_tables = [t for t in self.tables if t.is_adverse_events]
        for r in readings:
            if r.kind != "top-rows" or r.study is not None:
                continue
            named = re.search(r"\(?(Table \d+)\)?", r.sentence.text)
            table = next((t for t in ae_tables if named and t.name == named.group(1)), None)
            if table is None and len(ae_tables) == 1:
                table = ae_tables[0]
            if table is None:
                continue
            text = r.sentence.text
            mentions = [m for m in self.groups.mentions(text) if m.start >= r.start
                        and m.name != OVERALL]
            start = r.start
            for mention in mentions:
                segment = text[start:mention.start]
                start = mention.end
                terms = _terms_in(segment, table.terms)
                if not terms:
                    continue
                fields: dict[str, Any] = {"table": table.name, "group": mention.name,
                                          "column": r.values["column"],
                                          "terms": [t for t, _, _ in terms]}
                percents = [p for _, _, p in terms]
                each = re.search(rf"\beach\b[^.;]*?(?P<p>{NUM})\s?%", segment)
                if all(percents):
                    fields["percents"] = percents
                elif each and not any(percents):
                    fields["percents"] = [each.group("p")] * len(terms)
                self.add(r, "top-rows", ["most-frequent", mention.name], fields,
                         confidence="medium", detail="most frequent events",
                         snippet=" ".join(segment.split())[:200])

    def pooled_medians(self, readings: list[Reading]) -> None:
        """An overall median age against the group medians of the table."""
        for r in readings:
            if r.kind != "median-age" or r.study is not None:
                continue
            rows = [m for t in self.tables for label, m in t.medians.items()
                    if re.search(r"\bage\b", label, _I)]
            if len(rows) != 1 or len(rows[0]) < 2:
                continue
            self.add(r, "pooled-median", ["median-age"],
                     {"value": r.values["value"], "group_medians": rows[0]},
                     confidence="medium", detail="median age")


_SAFETY = re.compile(r"\b(?:adverse|AEs?|TRAEs?|toxicit|side effects?|safety|grade\s*(?:≥|3|[IV]))",
                     _I)
_SUBSET = re.compile(
    r"\b(?:among|of those|subgroups?|(?:in|of) (?:the )?(?:patients|those|participants) "
    r"(?:with|who|aged|older|younger|without|receiving|treated|having))\b", _I)
_STOP = {"a", "an", "the", "disease", "of", "with", "their", "any", "to", "from", "who", "that",
         "patients", "patient", "had", "has", "have", "were", "was", "in", "on", "and"}


def _stem(word: str) -> str:
    for suffix in ("ions", "ion", "ives", "ive", "ed", "ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _outcome(r: Reading, resolved: list[tuple[Reading, str | None, str]]) -> frozenset[str]:
    """The stems of what a share is of: "had disease progression" -> {progress}."""
    readings = [x for x, _, _ in resolved]
    i = readings.index(r)
    end = readings[i + 1].start if i + 1 < len(readings) else len(r.sentence.text)
    # The original words: masking would make "ex19del" and "ex21L858R" look alike.
    clause = r.sentence.text[r.end:end]
    verbs = list(re.finditer(r"\b(?:had|has|have|developed|experienced|showed|achieved|"
                             r"received|harbou?red|continued|underwent|presented)\b", clause))
    if not verbs:
        return frozenset()
    obj = re.split(r"[,;(\[]|\band\b|\bin the\b|\bwhile\b|\bwhereas\b|\.(?!\d)",
                   clause[verbs[-1].end():])[0]
    words = re.findall(r"[a-z0-9]+", obj.lower())
    return frozenset(_stem(w) for w in words if w not in _STOP)


def _of_the_group(r: Reading, groups: GroupIndex) -> bool:
    """"257 (62.7%) of the drug A group": the share is of the group named right after it."""
    after = r.sentence.text[r.end:]
    following = [m for m in groups.mentions(after) if m.name == r.group]
    return bool(following) and bool(re.fullmatch(r"\s*(?:patients\s+)?of\s+(?:the\s+)?",
                                                  after[:following[0].start]))


def _population(r: Reading) -> str | None:
    """A population counted earlier in the sentence: "148 ... patients ... 77% experienced"."""
    before = r.sentence.masked[:r.start]
    found = list(re.finditer(rf"(?<![/\d.])(?P<n>{NUM})\s+(?:[\w-]+\s+){{0,6}}?{NOUN}\b", before,
                             _I))
    if len(found) != 1 or "." in found[0].group("n"):
        return None
    return figure(found[0].group("n"))


def _names_level(window: str, level: str) -> bool:
    if len(level) <= 3 or level.isdigit() or level.lower() in ("yes", "no", "other", "unknown"):
        return bool(len(level) >= 2 and not level.isdigit()
                    and level.lower() not in ("yes", "no") and re.search(
                        rf"(?<![\w-]){re.escape(level)}(?![\w-])", window))
    return bool(re.search(rf"(?<![\w-]){re.escape(level)}(?![\w-])", window, _I))


def _terms_in(segment: str, terms: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """Table terms named in a segment, in order, each with a "(p%)" printed after it."""
    found: list[tuple[int, str, str, str | None]] = []
    taken: list[tuple[int, int]] = []
    for key in sorted(terms, key=len, reverse=True):
        pattern = r"[\s-]+".join(re.escape(w) for w in key.split())
        for m in re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", segment, _I):
            if all(m.end() <= a or m.start() >= b for a, b in taken):
                taken.append(m.span())
                pct = re.match(rf"\s*\(\s*(?P<p>{NUM})\s?%\s*\)", segment[m.end():])
                found.append((m.start(), segment[m.start():m.end()], key,
                              pct.group("p") if pct else None))
    found.sort()
    return [(terms[key], key, p) for _, _, key, p in found]


def _implied_count(percent: str, n: int) -> str | None:
    """The count of n that rounds to the printed percentage, when exactly one does."""
    lo, hi = _interval(percent)
    fits = [k for k in range(n + 1) if lo <= Fraction(100 * k, n) <= hi]
    return str(fits[0]) if len(fits) == 1 else None


def _reduction_fits(percent: str, hr: str) -> bool:
    lo, hi = _interval(percent)
    h_lo, h_hi = _interval(hr)
    return lo <= 100 * (1 - h_lo) and 100 * (1 - h_hi) <= hi


def _wording(r: Reading) -> str:
    """A statement's words without its figures and groups, to tell two statements apart."""
    text = r.sentence.masked
    text = re.sub(rf"{NUM}|\bmeanwhile\b|\ba total of\b|\brespectively\b", " ", text, flags=_I)
    return " ".join(re.findall(r"[a-z]+", text.lower()))
