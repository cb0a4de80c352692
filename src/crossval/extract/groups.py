"""The paper's groups: their labels and sizes, short names for claims, and mentions in the text.

Groups come from table headers ("EGFR TKI plus anlotinib (n = 100)") and, when
no table declares them, from sentences such as "including 80 in the drug A
group and 40 in the placebo group".  A mention in running text counts only in
a group-like position ("in the X group", "with X (", "X alone", "X versus"):
"X" followed by an ordinary word ("EGFR TKI therapy") is the treatment, not
the group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crossval.extract.numbers import NUM, WORD_NUM, figure

#: A header cell or phrase naming a group and its size: "Placebo (n = 50)", "Drug [N=100]".
GROUP_HEADER = re.compile(
    r"^(?P<label>.*?\S)\s*[(\[]\s*[nN]\s*=\s*(?P<n>\d[\d,]*)\s*(?:patients)?\s*[)\]]\s*$")

_CONNECTORS = {"plus", "with", "and", "+", "alone", "only", "group", "arm", "the", "of", "in"}
#: Phrases that name everyone analysed.
OVERALL_PHRASES = re.compile(
    r"\b(?:overall population|overall cohort|whole cohort|entire cohort|total population|"
    r"all patients|both groups combined|pooled population)\b", re.IGNORECASE)
OVERALL = "overall"


@dataclass(frozen=True)
class Group:
    """A declared group: claims-file name, printed label, size, and where it was read."""

    name: str
    label: str
    n: int
    line: int
    #: For a second size of a group (a safety population printed in another table's
    #: header): the name of the group it is a size of.
    size_of: str | None = None


@dataclass(frozen=True)
class Mention:
    """Where running text names a group."""

    name: str
    start: int
    end: int


def _slug(words: Iterable[str]) -> str:
    text = "-".join(words).lower()
    text = re.sub(r"[^a-z0-9.]+", "-", text).strip("-.")
    return text or "group"


def name_groups(labels: Sequence[str]) -> list[str]:
    """Short distinct names: the words of a label that the other labels lack.

    "EGFR TKI plus anlotinib" next to "EGFR TKI" is ``anlotinib``; "EGFR TKI",
    having no word of its own, is ``egfr-tki``.
    """
    tokenised = [[w for w in re.split(r"[\s/]+", label) if w] for label in labels]
    names: list[str] = []
    for i, words in enumerate(tokenised):
        others = {w.lower() for j, ws in enumerate(tokenised) if j != i for w in ws}
        own = [w for w in words if w.lower() not in others and w.lower() not in _CONNECTORS]
        name = _slug(own) if own else _slug(words)
        if name == OVERALL or name in names:
            name = _slug(words)
        while name in names or name == OVERALL:
            name += "-2"
        names.append(name)
    return names


def _label_pattern(label: str) -> str:
    # "EGFR TKI" also matches "EGFR-TKI" and "EGFR  TKI".
    words = [re.escape(w) for w in re.split(r"[\s-]+", label) if w]
    return r"[\s-]+".join(words)


#: What may follow a label for it to name a group rather than a treatment.
_AFTER = (r"(?=\s*(?:groups?|arms?|cohorts?|alone|only)\b|\s*[,;:.)\]]|\s*\(|\s*$|"
          r"\s+(?:versus|vs\.?|and|or|over|compared)\b)")


class GroupIndex:
    """Finds mentions of the declared groups in a sentence."""

    def __init__(self, groups: Sequence[Group]) -> None:
        self.groups = list(groups)
        arms = [g for g in self.groups if g.name != OVERALL and g.size_of is None]
        ordered = sorted(arms, key=lambda g: len(g.label), reverse=True)
        self._patterns = [
            (g.name, re.compile(rf"(?<![\w-]){_label_pattern(g.label)}(?![\w-]){_AFTER}",
                                re.IGNORECASE))
            for g in ordered
        ]
        # "the combination" names the one group whose label combines treatments.
        combos = [g for g in arms if re.search(r"\b(?:plus|with|and)\b|\+", g.label)]
        self._combination = combos[0].name if len(combos) == 1 else None
        self._by_n: dict[int, str] = {}
        for g in arms:
            if sum(1 for h in arms if h.n == g.n) == 1:
                self._by_n[g.n] = g.name
        # Words of a label no other label has: "pembrolizumab" for "Pembrolizumab plus
        # chemotherapy" next to "Placebo plus chemotherapy".
        words = {g.name: _words(g.label) for g in arms}
        self._distinctive = {
            name: own - set().union(*(w for n, w in words.items() if n != name)) - _CONNECTORS
            for name, own in words.items()}

    @property
    def arms(self) -> list[Group]:
        """The compared groups (the overall population and second sizes left out)."""
        return [g for g in self.groups if g.name != OVERALL and g.size_of is None]

    def other_sizes(self, name: str) -> list[Group]:
        """Further sizes of a group printed in other tables (e.g. its safety population)."""
        return [g for g in self.groups if g.size_of == name]

    def has_overall(self) -> bool:
        """True when an overall population is declared."""
        return any(g.name == OVERALL for g in self.groups)

    def by_name(self, name: str) -> Group:
        """The group called ``name``."""
        return next(g for g in self.groups if g.name == name)

    def mentions(self, text: str, *, unknown: bool = False) -> list[Mention]:
        """Every group mention in ``text``, in order, longest label first where they overlap.

        A phrase such as "the pembrolizumab-combination group" names the one group
        whose label has a word the phrase uses; with ``unknown``, a group phrase
        that names none of the groups ("the control arm", "arm B") is returned
        with the empty name, so that a figure next to it is not given to a group
        it may not belong to.
        """
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        for name, pattern in self._patterns:
            for m in pattern.finditer(text):
                if free(m.start(), m.end()):
                    taken.append(m.span())
                    found.append(Mention(name, m.start(), m.end()))
        if self._combination:
            for m in re.finditer(r"\bthe combination(?: group| arm)?\b", text, re.IGNORECASE):
                if free(m.start(), m.end()):
                    taken.append(m.span())
                    found.append(Mention(self._combination, m.start(), m.end()))
        for m in re.finditer(r"\bgroup of (\d+)\b", text):
            sized = self._by_n.get(int(m.group(1)))
            if sized and free(m.start(), m.end()):
                taken.append(m.span())
                found.append(Mention(sized, m.start(), m.end()))
        if self.has_overall():
            for m in OVERALL_PHRASES.finditer(text):
                if free(m.start(), m.end()):
                    taken.append(m.span())
                    found.append(Mention(OVERALL, m.start(), m.end()))
        for m in _GROUP_PHRASE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            tokens = _words(m.group("words") or m.group("letter") or "")
            if tokens <= _NOT_GROUPS:
                continue
            named = [n for n, own in self._distinctive.items() if own & tokens]
            if len(named) == 1:
                found.append(Mention(named[0], m.start(), m.end()))
            elif unknown:
                found.append(Mention("", m.start(), m.end()))
            taken.append(m.span())
        return sorted(found, key=lambda x: x.start)


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[\s/-]+", text.lower()) if w}


#: "the pembrolizumab-combination group", "the control arm", "arm B", "cohort 2".
_GROUP_PHRASE = re.compile(
    r"\b(?:the|a|an|this|that|each)\s+(?P<words>(?:[\w+/-]+\s+){0,3}?[\w+/-]+)\s+"
    r"(?:groups?|arms?|cohorts?)\b|\b(?:arm|group|cohort)\s+(?P<letter>[A-Z]|\d{1,2})\b")
#: Words of a group phrase that name no treatment group ("the two groups", "this cohort").
_NOT_GROUPS = {"two", "three", "both", "same", "other", "age", "study", "whole", "entire",
               "total", "overall", "safety", "analysis", "full", "respective", "these", "all",
               "retrospective", "real-world", "real", "world", "present", "current", "our",
               "this", "second", "first", "matched", "combined", "pooled"}


#: "including 80 in the drug A group and 40 in the placebo group", "80 to the drug A arm".
_TEXT_GROUP = re.compile(
    rf"(?P<n>{NUM}|{WORD_NUM})\s+(?:patients\s+|participants\s+)?(?:were\s+)?"
    r"(?:in|to|into)\s+the\s+(?P<label>[A-Za-z0-9][\w+\-/ ]{0,48}?)\s+(?:group|arm)\b",
    re.IGNORECASE,
)


def groups_from_headers(cells: Iterable[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(label, n, line) for every header cell that names a group with its size."""
    out = []
    for cell, line in cells:
        m = GROUP_HEADER.match(cell.strip())
        if m:
            out.append((m.group("label").strip(), int(m.group("n").replace(",", "")), line))
    return out


def groups_from_text(sentences: Iterable[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(label, n, line) from sentences that name at least two groups with their sizes."""
    out: list[tuple[str, int, int]] = []
    for sentence, line in sentences:
        found = [(m.group("label").strip(), int(figure(m.group("n"))), line)
                 for m in _TEXT_GROUP.finditer(sentence)]
        labels = {f[0].lower() for f in found}
        if len(labels) >= 2:
            out.extend(f for f in found if f[0].lower() not in {o[0].lower() for o in out})
    return out


def declare_groups(found: Sequence[tuple[str, int, int]]) -> list[Group]:
    """Groups from (label, n, line) readings: first reading of a label wins; overall added.

    The overall population (the sum) is declared when there are two or more
    groups, so that a percentage of everyone analysed has a denominator.
    """
    seen: dict[str, tuple[str, int, int]] = {}
    other_sizes: list[tuple[str, int, int]] = []
    for label, n, line in found:
        key = label_key(label)
        if key not in seen:
            seen[key] = (label, n, line)
        elif seen[key][1] != n and all((label_key(o[0]), o[1]) != (key, n) for o in other_sizes):
            other_sizes.append((label, n, line))
    entries = list(seen.values())
    names = name_groups([e[0] for e in entries])
    groups = [Group(name, label, n, line) for name, (label, n, line) in zip(names, entries,
                                                                            strict=True)]
    if len(groups) >= 2:
        groups.append(Group(OVERALL, "overall population", sum(g.n for g in groups),
                            min(g.line for g in groups)))
    by_key = {label_key(g.label): g.name for g in groups}
    for label, n, line in other_sizes:
        primary = by_key[label_key(label)]
        groups.append(Group(f"{primary}-n{n}", f"{label} (n = {n})", n, line, size_of=primary))
    return groups


def label_key(label: str) -> str:
    """A label compared without case and hyphenation ("EGFR-TKI" is "EGFR TKI")."""
    return " ".join(re.split(r"[\s-]+", label.lower()))
