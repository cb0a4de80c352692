"""Whose figure is it, and about what: sentences, cited studies, the paper's own study, endpoints.

A figure belongs to another study when the stretch of sentence around it
(bounded by citations) carries a citation or names another trial ("FLAURA",
"ALTER-L001"), unless it says "our", "this study" or "the current study".
In the Introduction figures are taken as other studies' unless marked as the
paper's own.  Endpoints are named by abbreviation or in full ("progression-free
survival" is PFS); "PFS2" is kept apart from "PFS" but belongs to its family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_ABBREVIATIONS = {"al", "e.g", "i.e", "vs", "fig", "figs", "no", "approx", "dr", "co", "ltd",
                  "inc", "etc", "ref", "refs", "eq", "cf", "resp", "ca", "mr", "ms", "st"}

CITATION = re.compile(
    r"\((?=[^()]*\b(?:19|20)\d{2}[a-z]?\))[^()]*[A-Z][^()]*\)"
    r"|\b[A-Z][A-Za-z'-]+ (?:et al\.?|and [A-Z][A-Za-z'-]+),? \(?(?:19|20)\d{2}[a-z]?\)?")
_OWN = re.compile(
    r"\b(?:our|we|this (?:real-world |retrospective |prospective |randomi[sz]ed |present "
    r"|current )?(?:study|trial|cohort|analysis)|the (?:current|present) "
    r"(?:real-world |retrospective |prospective )?(?:study|trial|cohort|analysis))\b",
    re.IGNORECASE)
_STUDY_NAME = re.compile(
    r"\b(?P<name>[A-Z][A-Za-z]*(?:[- ][A-Z0-9][A-Za-z0-9]*)*(?: \d{2,4})?)\s+"
    r"(?:trial|Trial|study|Study|TRIAL|STUDY)\b")
_NOT_NAMES = {"This", "The", "Our", "That", "A", "An", "In", "Phase", "Cohort", "Each", "Both",
              "Several", "Previous", "Retrospective", "Prospective", "Randomised", "Randomized",
              "Real-world", "Multicenter", "Multicentre", "Pivotal", "Current", "Present",
              "Other", "Large", "Recent", "Single"}

#: Endpoint names and their abbreviations, longest first.
_ENDPOINTS = (
    (r"PFS\s?2|second progression-free survival|progression-free survival 2", "PFS2"),
    (r"progression[- ]free survival|PFS", "PFS"),
    (r"overall survival|\bOS\b", "OS"),
    (r"disease[- ]free survival|DFS", "DFS"),
    (r"event[- ]free survival|EFS", "EFS"),
    (r"recurrence[- ]free survival|RFS", "RFS"),
    (r"metastasis[- ]free survival|MFS", "MFS"),
    (r"duration of response|DoR|DOR", "DOR"),
    (r"time to progression|TTP", "TTP"),
    (r"time to treatment failure|TTF", "TTF"),
)
ENDPOINT = re.compile("|".join(f"(?P<e{i}>(?<![A-Za-z])(?:{p})(?![A-Za-z0-9]))"
                               for i, (p, _) in enumerate(_ENDPOINTS)))


def endpoint_family(endpoint: str) -> str:
    """"PFS2" and "PFS" belong to one family: what a loose mention of either may mean."""
    return endpoint.rstrip("0123456789")


@dataclass(frozen=True)
class EndpointMention:
    """An endpoint named in text, e.g. "PFS" at 12–15."""

    name: str
    start: int
    end: int


def endpoint_mentions(text: str) -> list[EndpointMention]:
    """Every endpoint named in ``text``."""
    out = []
    for m in ENDPOINT.finditer(text):
        index = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        out.append(EndpointMention(_ENDPOINTS[index][1], m.start(), m.end()))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations, decimals and initials do not end one."""
    spans = []
    start = 0
    for m in re.finditer(r"[.!?](?=\s+[A-Z(\[\"“0-9])", text):
        word = re.search(r"([A-Za-z.]+)$", text[start:m.start()])
        previous = word.group(1).lower().rstrip(".") if word else ""
        if previous in _ABBREVIATIONS or re.fullmatch(r"[a-z]", previous or "xx"):
            continue
        if re.fullmatch(r"[A-Z]", word.group(1) if word else "xx"):
            continue  # an initial: "J. Smith"
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return spans


def study_names(texts: Iterable[str]) -> tuple[str | None, set[str]]:
    """The paper's own study name (if it gives one) and the other studies it names."""
    own: str | None = None
    others: set[str] = set()
    for text in texts:
        if own is None:
            m = re.search(r"\b(?:study|trial|cohort)\s*\((?P<name>[A-Z][A-Za-z0-9-]{2,})\)", text)
            if m:
                own = m.group("name")
        for m in _STUDY_NAME.finditer(text):
            name = m.group("name").strip()
            first = name.split()[0].split("-")[0]
            if name in _NOT_NAMES or first in _NOT_NAMES or len(name) < 3:
                continue
            if re.fullmatch(r"[A-Z][a-z]+", name) and not re.search(r"\b(?:Study|Trial)\b",
                                                                   m.group(0)):
                continue  # "Swiss study": an adjective, not a name
            others.add(name)
    if own:
        others.discard(own)
    return own, others


@dataclass(frozen=True)
class Scope:
    """Whose figure: ``study`` is None for the paper's own, else the other study or citation."""

    study: str | None
    marked_own: bool


def _paren_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every balanced (...) or [...] group, nested ones included."""
    stack: list[int] = []
    groups = []
    for i, ch in enumerate(text):
        if ch in "([":
            stack.append(i)
        elif ch in ")]" and stack:
            groups.append((stack.pop(), i + 1))
    return groups


def figure_scope(sentence: str, start: int, end: int, *, others: set[str],
                 own_default: bool) -> Scope:
    """The scope of the figure at ``start:end`` of ``sentence`` (see the module docstring).

    Asides in parentheses that do not hold the figure ("(e.g., X in FLAURA
    (Soria et al., 2018))") are left out, so that a study named in an aside
    does not claim the figures around it.
    """
    cites = [m.span() for m in CITATION.finditer(sentence)]
    chars = list(sentence)
    dropped: set[tuple[int, int]] = set()
    for a, b in _paren_groups(sentence):
        if (a <= start and end <= b) or (a, b) in cites:
            continue
        for i in range(a, b):
            chars[i] = " "
        dropped.update(c for c in cites if a <= c[0] and c[1] <= b)
    cites = [c for c in cites if c not in dropped]
    text = "".join(chars)
    left = max((c[1] for c in cites if c[1] <= start), default=0)
    right = min((c[0] for c in cites if c[0] >= end), default=len(sentence))
    window = text[left:right]
    if _OWN.search(window):
        return Scope(None, True)
    for name in sorted(others, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", window):
            return Scope(name, False)
    following = [c for c in cites if c[0] >= end]
    if following:
        return Scope(sentence[following[0][0]:following[0][1]].strip("()"), False)
    preceding = [c for c in cites if c[1] <= start]
    if preceding and not own_default:
        return Scope(sentence[preceding[-1][0]:preceding[-1][1]].strip("()"), False)
    if own_default:
        return Scope(None, False)
    return Scope("cited work", False)
