"""Claim patterns in running text: what each sentence reports, read into ``Reading`` objects.

Each reader looks at one sentence (normalised and masked, see ``masking``) and
returns readings with their spans.  Readers run from the most specific form to
the least ("7.0% (95% CI 3.4%–13.8%)" before "7.0%"); a span one reader has
taken is not read again.  Which group, study and endpoint a reading belongs to
is settled afterwards, once every figure of the sentence is known (a group
named after a figure belongs to it, up to the next figure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from crossval.extract.groups import OVERALL, GroupIndex, Mention
from crossval.extract.numbers import (
    COUNT,
    DASH,
    NUM,
    P_VALUE,
    WORD_NUM,
    figure,
    read_p,
)
from crossval.extract.scope import endpoint_mentions, figure_scope
from crossval.extract.sections import Block

_I = re.IGNORECASE
NOUN = r"(?:patients?|participants?|subjects?|cases|individuals|people|men|women|children)"
UNIT = r"(?:months?|mo|weeks?|wk|days?|years?|yr)"
_X = rf"(?P<x>{COUNT})"
_PCT = rf"(?P<p>{NUM})\s?%"
_OPEN, _CLOSE = r"[(\[]\s*", r"\s*[)\]]"

#: Count forms, most specific first: (name, pattern).
_COUNT_FORMS = (
    ("x/n (p)", rf"{_X}\s*/\s*(?P<n>{NUM})\s*{_OPEN}{_PCT}{_CLOSE}"),
    ("p (x/n)", rf"{_PCT}\s*{_OPEN}(?:n\s*=\s*)?{_X}\s*/\s*(?P<n>{NUM}){_CLOSE}"),
    ("x of n (p)", rf"{_X}\s+(?:out\s+)?of\s+(?:the\s+|all\s+)?(?P<n>{NUM})"
                   rf"(?:\s+[\w-]+){{0,6}}?\s*{_OPEN}{_PCT}{_CLOSE}"),
    ("x (p) of n", rf"{_X}\s*(?:{NOUN}\s*)?{_OPEN}{_PCT}{_CLOSE}\s*(?:{NOUN}\s+)?(?:out\s+)?"
                   rf"of\s+(?:the\s+|all\s+)?(?P<n>{NUM})(?![\d.%])"),
    ("x (p)", rf"{_X}\s*(?:{NOUN}\s*)?{_OPEN}{_PCT}{_CLOSE}(?:\s*{NOUN})?"
              r"(?:\s+of\s+(?P<them>them|these|those)\b)?"),
    ("x of n", rf"{_X}\s+(?:out\s+)?of\s+(?:the\s+|all\s+)?(?P<n>{NUM})"
               rf"(?=(?:\s+[\w-]+){{0,6}}?\s+{NOUN}\b)"),
    ("p of n", rf"{_PCT}\s+of\s+(?:the\s+|all\s+)?(?P<n>{NUM})(?![\d.%])"
               rf"(?=(?:\s+[\w-]+){{0,6}}?\s+{NOUN}\b)"),
    ("p of them", rf"(?P<p>{NUM}|{WORD_NUM})\s?(?:%|\s(?:percent|per cent)\b)\s+of\s+"
                  r"(?P<them>them|these(?:\s+patients)?|those(?:\s+patients)?)\b"),
)
COUNT_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p, _I)) for name, p in _COUNT_FORMS)
BARE_PERCENT = re.compile(rf"(?P<p>{NUM}|{WORD_NUM})\s?(?:%|\s(?:percent|per cent)\b)", _I)

CI = re.compile(
    rf"(?P<lvl>\d{{2}}(?:\.\d+)?)\s?%\s*(?:CI|CIs|C\.I\.|confidence intervals?)\s*[,:]?\s*"
    rf"(?:was\s+|of\s+|=\s*)?(?P<lo>-?{NUM})\s*(?P<lop>%)?\s*(?:{UNIT}\s*)?"
    rf"(?:{DASH}|\bto\b|,)\s*(?P<hi>-?{NUM})\s*(?P<hip>%)?(?:\s*{UNIT}\b)?", _I)
_UNLABELLED_CI = re.compile(
    rf"[(\[]\s*(?P<lo>-?{NUM})\s*%?\s*(?:{DASH}|\bto\b)\s*(?P<hi>-?{NUM})\s*%?\s*"
    rf"(?:{UNIT}\s*)?[)\]]", _I)
_ESTIMATE_BEFORE_CI = re.compile(
    rf"(?:(?P<x>{COUNT})(?:\s*/\s*(?P<xn>{NUM})|\s+of\s+(?:the\s+)?(?P<xo>{NUM}))?\s*"
    rf"(?:{NOUN}\s*)?[(\[]\s*)?"
    rf"(?P<est>-?{NUM})\s*(?P<pct>%|\s(?:percent)\b)?\s*(?P<unit>{UNIT}\b)?\s*"
    rf"(?:[(\[]\s*(?P<fx>{NUM})\s*/\s*(?P<fn>{NUM})\s*[;,]\s*|[(\[,;]\s*)?$", _I)
#: "HR =", "hazard ratio [HR] =", "hazard ratio for disease progression or death,".
_HR_BEFORE = re.compile(r"(?:hazard ratio|\bHR\b)(?:\s*[\[(]HR[\])])?"
                        r"(?:\s+(?:for|of)\s+[a-z][\w\s-]{0,60}?)?\s*(?:=|:|of|was|,)?\s*$", _I)
_OTHER_RATIO_BEFORE = re.compile(
    r"(?:odds ratio|\bOR\b|risk ratio|relative risk|\bRR\b|rate ratio|mean difference|"
    r"\bMD\b|difference)\s*(?:[\[(]\w+[\])])?\s*(?:=|:|of|was|,)?\s*$", _I)
_P_AFTER = re.compile(
    r"^\s*[\])]?\s*[;,]\s*(?:(?:two-sided |stratified |unstratified )?log[- ]?rank"
    r"(?:\s+test)?[,:]?\s*|Wald(?:\s+test)?[,:]?\s*)?", _I)
_HR_ALONE = re.compile(
    rf"(?:hazard ratio|\bHR\b)(?:\s*[\[(]HR[\])])?\s*(?:=|:|of|was|,)?\s*(?P<hr>{NUM})", _I)
_QUALIFIED = re.compile(
    r"(?:approximately|approx\.|about|around|nearly|almost|over|more than|less than|fewer than|"
    r"greater than|at least|at most|up to|under|above|below|roughly|some|~|≈|>|<|≥|≤)\s*$", _I)
_RATE_NAMES = (
    (re.compile(r"\b(?:ORR|objective response rates?|overall response rates?|"
                r"(?<!control )response rates?)\b", _I), "orr"),
    (re.compile(r"\b(?:DCR|disease control rates?)\b", _I), "dcr"),
    (re.compile(r"\b(?:CBR|clinical benefit rates?)\b", _I), "cbr"),
)
_VERBS = (r"had|has|have|were|was|developed|experienced|showed|achieved|received|harbou?red|"
          r"continued|reported|underwent|required|presented|died|discontinued|responded|"
          r"progressed|relapsed|attained|displayed|exhibited")
_SUBSET = re.compile(r"\b(?:among|of those|subgroup|in patients with|of patients with|"
                     r"in those with)\b", _I)
_OWN_POPULATION = re.compile(r"^\s+of\s+(?:(?:our|the|all|these|the study)\s+)?patients\b"
                             r"(?!\s+(?:with|who|receiving|treated|on)\b)", _I)
_DIFFERENCE = re.compile(
    rf"(?P<v>{NUM})[- ](?:month|week|day|year)s?\s+(?:(?:median\s+)?[\w-]+\s+)?"
    r"(?P<what>extension|gain|improvement|prolongation|increase|benefit|advantage|difference)\b",
    _I)
_DIFFERENCE_BY = re.compile(
    r"\b(?:extend|prolong|improv|increas|lengthen)\w*\s+(?:the\s+)?(?:median\s+)?"
    rf"(?:[\w-]+\s+){{0,2}}?by\s+(?P<v>{NUM})\s+(?P<unit>months?|weeks?|days?|years?)\b", _I)
_PAIR = re.compile(
    rf"(?P<a>{NUM})\s*(?:{UNIT}\s*)?(?:vs\.?|versus|compared with|compared to)\s*"
    rf"(?P<b>{NUM})\s*{UNIT}", _I)
_REDUCTION = re.compile(
    rf"(?P<p>{NUM})\s?%\s+(?:relative\s+)?(?:risk\s+)?(?:reduction|decrease|lowering)\b", _I)
_REDUCTION_BY = re.compile(
    rf"\breduc\w*\s+(?:the\s+)?(?:risk|hazard)\s+of\s+[\w\s-]{{1,40}}?\s+by\s+(?P<p>{NUM})\s?%",
    _I)
_MEDIAN_VALUE = re.compile(rf"(?P<est>{NUM})\s*(?P<unit>{UNIT})\b", _I)
_RESPONSE = re.compile(
    r"(?P<cat>complete response|partial response|stable disease|objective response)", _I)
_RESPONSE_VERBS = r"(?:had|showed|achieved|experienced|attained|reached)"
_RESPONSE_SUBJECT = re.compile(
    rf"(?P<x>{COUNT}|no|none)\s+(?:{NOUN}\s+|of the {NOUN}\s+)?"
    rf"(?P<where>(?:in|of)\s+(?:(?!\b(?:{_RESPONSE_VERBS[3:-1]}|while|whereas|and)\b)[^,;])*?)?"
    rf"\s*{_RESPONSE_VERBS}\s+(?:a\s+|an\s+)?$", _I)
_EVENT_LIST = re.compile(
    rf"(?P<list>{COUNT}(?:\s*,\s*{COUNT})*\s*,?\s+and\s+{COUNT})\s+(?:[\w-]+\s+){{0,4}}?"
    r"(?P<what>events?|deaths|progressions)\b", _I)
_EVENTS_ONE = re.compile(
    rf"(?P<x>{COUNT}|zero|no)\s+(?:cases\s+of\s+)?(?:progressive disease|disease progression|"
    r"progressions?|PFS events|events)\b", _I)
_DEATHS_ONE = re.compile(rf"(?P<x>{COUNT}|zero|no)\s+deaths\b", _I)
_TOTAL = re.compile(
    rf"(?:(?P<t1>{NUM})\s+(?:eligible\s+)?(?:patients|participants)\s+(?:were\s+)?"
    r"(?:eligible|enrolled|included|randomi[sz]ed|analy[sz]ed)"
    rf"|sample size of\s+(?P<t2>{NUM})|with\s+(?P<t3>{NUM})\s+eligible\s+(?:patients|participants)"
    rf"|(?:a\s+)?total of\s+(?P<t4>{NUM})\s+(?:patients|participants))", _I)
_POWER = re.compile(rf"(?:(?P<a>{NUM})\s?%\s+power|power of\s+(?P<b>{NUM})\s?%)", _I)
_ALPHA = re.compile(
    r"(?P<sided>one|two)[- ]sided\s+(?:α|alpha|type I error(?: rate)?|significance level)"
    r"(?:\s+(?:level\s+)?(?:of|=|was))?\s*(?P<a>0?\.\d+)", _I)
_MEDIAN_AGE = re.compile(rf"\bmedian age (?:of|was)\s+(?P<v>{NUM})\s*(?:years|yrs)?", _I)
_TOP_ROWS = re.compile(r"\bmost (?:frequently reported|frequently occurring|frequent|common"
                       r"(?:ly reported)?)\b", _I)
_GRADE3_TEXT = re.compile(r"grade\s*(?:≥|>=)\s*3|grade 3 or (?:worse|higher|above|more)|"
                          r"grade 3[-–]4|severe", _I)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a block: original and masked text, its line and its place in the block."""

    block: Block
    block_index: int
    index: int
    text: str
    masked: str
    line: int


@dataclass(frozen=True)
class Reading:
    """A figure (or set of figures) read from a sentence, before it becomes a claim.

    ``group`` and ``group_how`` (``adjacent``, ``respectively``, ``sentence``,
    ``population``) say which group a figure belongs to and how that was
    decided; ``study`` is None for the paper's own figures; ``endpoint_named``
    is True when the endpoint is named in the figure's own sentence.
    """

    kind: str
    sentence: Sentence
    start: int
    end: int
    values: Mapping[str, Any]
    group: str | None = None
    group_how: str | None = None
    study: str | None = None
    marked_own: bool = False
    endpoint: str | None = None
    endpoint_named: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def snippet(self) -> str:
        """The printed text of the reading, widened to whole words, at most ~200 characters."""
        s = self.sentence.text
        a = max(0, self.start - 40)
        b = min(len(s), self.end + 60)
        while a > 0 and not s[a - 1].isspace():
            a -= 1
        while b < len(s) and not s[b].isspace():
            b += 1
        text = " ".join(s[a:b].split())
        return ("…" if a > 0 else "") + text + ("…" if b < len(s) else "")


class Taken:
    """Spans of a sentence already read."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def free(self, a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in self.spans)

    def take(self, a: int, b: int) -> None:
        self.spans.append((a, b))


def _num(text: str | None) -> str | None:
    return figure(text) if text else None


def _is_whole(text: str | None) -> bool:
    return text is not None and "." not in text


def _intervals(m: str) -> list[tuple[int, int, str, str, str]]:
    """(start, end, lower, upper, level) of every CI in a masked sentence.

    After a labelled "95% CI", a bare "(8.7–13.6)" following another estimate
    of the sentence is read as a CI at the same level (the style of "22.0
    months (95% CI 19.1–25.2) ... and 10.7 months (8.7–13.6)").
    """
    found = [(c.start(), c.end(), c.group("lo"), c.group("hi"), figure(c.group("lvl")))
             for c in CI.finditer(m)]
    if found:
        first, level = found[0][0], found[0][4]
        for u in _UNLABELLED_CI.finditer(m, first):
            if all(u.end() <= a or u.start() >= b for a, b, *_ in found):
                found.append((u.start(), u.end(), u.group("lo"), u.group("hi"), level))
    return sorted(found)


def read_cis(sent: Sentence, taken: Taken) -> list[Reading]:
    """Estimates with a confidence interval: proportions, medians, hazard ratios."""
    m = sent.masked
    out = []
    for ci_start, ci_end, lo, hi, level in _intervals(m):
        before = m[:ci_start]
        est = _ESTIMATE_BEFORE_CI.search(before)
        if not est:
            continue
        start = est.start("est") if est.group("x") is None else est.start("x")
        head = m[:est.start("est")]
        values: dict[str, Any] = {"estimate": est.group("est"), "ci": (lo, hi),
                                  "conf_level": level}
        if _HR_BEFORE.search(head):
            hr_kw = re.search(r"(?:hazard ratio|\bHR\b)[^()]*$", head, _I)
            start = hr_kw.start() if hr_kw else start
            end = ci_end
            after = m[ci_end:]
            pre = _P_AFTER.match(after)
            if pre:
                pm = P_VALUE.match(after, pre.end())
                if pm:
                    values["p"] = read_p(pm).text
                    end = ci_end + pm.end()
            kind = "hr"
        elif _OTHER_RATIO_BEFORE.search(head):
            continue
        elif est.group("pct"):
            kind = "proportion"
            values["percent"] = figure(est.group("est") + "%")
            if est.group("fx"):
                values["count"], values["n"] = est.group("fx"), est.group("fn")
            elif est.group("x") and _is_whole(est.group("x")):
                values["count"] = figure(est.group("x"))
                if est.group("xn") or est.group("xo"):
                    values["n"] = figure(est.group("xn") or est.group("xo"))
            end = ci_end
        elif est.group("unit"):
            if not _median_of_endpoint(sent, est.start("est")):
                continue  # a follow-up time, a duration of treatment: not an endpoint's median
            kind = "time"
            values["unit"] = _unit(est.group("unit"))
            end = ci_end
        else:
            continue
        if not taken.free(start, end):
            continue
        taken.take(start, end)
        out.append(Reading(kind, sent, start, end, values))
    return out


def _median_of_endpoint(sent: Sentence, start: int) -> bool:
    """True when the last "median" before ``start`` introduces an endpoint ("median PFS")."""
    medians = list(re.finditer(r"\bmedian\b", sent.text[:start], _I))
    if not medians:
        return False
    between = sent.text[medians[-1].end():start]
    if re.search(r"\bfollow[- ]?up\b|\bduration of (?:treatment|therapy|exposure)\b|"
                 r"\btime to (?:response|onset)\b|\bage\b|\bdose\b", between, _I):
        return False
    return bool(endpoint_mentions(between) or re.search(r"\bsurvival\b", between, _I))


def _unit(text: str) -> str:
    t = text.lower()
    for full in ("month", "week", "day", "year"):
        if t.startswith(full[:2]):
            return full + "s"
    return t


def read_hr_alone(sent: Sentence, taken: Taken) -> list[Reading]:
    """A hazard ratio printed without its CI ("with a hazard ratio of 0.38")."""
    out = []
    for m in _HR_ALONE.finditer(sent.masked):
        if taken.free(m.start(), m.end()):
            taken.take(m.start(), m.end())
            out.append(Reading("hr", sent, m.start(), m.end(), {"estimate": m.group("hr")}))
    return out


def read_reductions(sent: Sentence, taken: Taken) -> list[Reading]:
    """"A 62% reduction in the risk of progression", "reduced the risk of death by 30%"."""
    if not re.search(r"\b(?:risk|hazard|HR)\b", sent.text, _I):
        return []
    out = []
    for pattern in (_REDUCTION, _REDUCTION_BY):
        for m in pattern.finditer(sent.masked):
            a, b = m.span()
            if taken.free(a, b):
                taken.take(a, b)
                out.append(Reading("reduction", sent, m.start("p"), b,
                                   {"percent": m.group("p")}))
    return out


def read_differences(sent: Sentence, taken: Taken) -> list[Reading]:
    """"A 3.8-month extension of median PFS", "extended the median PFS by 3 months"."""
    out = []
    for pattern in (_DIFFERENCE, _DIFFERENCE_BY):
        for m in pattern.finditer(sent.masked):
            a, b = m.span()
            if not taken.free(a, b) or _QUALIFIED.search(sent.masked[:m.start("v")]):
                continue
            if re.search(rf"{DASH}\s*$", sent.masked[:m.start("v")]):
                continue  # "gains of 2–4 months"
            values: dict[str, Any] = {"value": m.group("v")}
            pair = _PAIR.search(sent.masked, b)
            if pair:
                values["minuend"], values["subtrahend"] = pair.group("a"), pair.group("b")
                taken.take(pair.start(), pair.end())
            taken.take(a, b)
            out.append(Reading("difference", sent, a, b, values))
    return out


def read_counts(sent: Sentence, taken: Taken) -> list[Reading]:
    """Counts with percentages and percentages with their population."""
    m = sent.masked
    out = []
    for name, pattern in COUNT_FORMS:
        for match in pattern.finditer(m):
            a, b = match.span()
            if not taken.free(a, b):
                continue
            groups = match.groupdict()
            x = groups.get("x")
            if x is not None and not _is_whole(x):
                continue
            p = groups.get("p")
            if p is not None and float(figure(p)) > 100 and x is None:
                # a bare "150%" is often a change, not a share; with its count
                # ("90 (112.5%)") it is a share, and an impossible one to report
                continue
            values: dict[str, Any] = {
                "form": name,
                "count": _num(x),
                "percent": figure(p) if p else None,
                "n": _num(groups.get("n")),
                "them": bool(groups.get("them")),
            }
            if name == "x of n" and values["n"] is not None and \
                    float(values["n"]) < float(values["count"]):
                continue
            # "7 (50%) of the responders": a share of a population the text does not count.
            values["of_other"] = bool(re.match(r"\s*of\s+(?!them\b|these\b|those\b)", m[b:], _I)
                                      and not _OWN_POPULATION.match(m[b:]))
            taken.take(a, b)
            out.append(Reading("count", sent, a, b, values))
    for match in BARE_PERCENT.finditer(m):
        a, b = match.span()
        if not taken.free(a, b):
            continue
        before, after = m[:a], m[b:]
        if _QUALIFIED.search(before) or re.search(rf"(?:{DASH}|\bto)\s*$", before):
            continue
        if re.match(rf"\s*(?:{DASH}|to\s)\s*{NUM}", after):
            continue  # first end of a range "85%–90%"
        if re.match(r"\s*(?:CI|C\.I\.|confidence|power|of the (?:variance|time)|significance|"
                    r"reduction|increase|decrease|lower|higher|improvement|gain|risk|relative|"
                    r"chance|probability|likelihood)\b", after, _I):
            continue
        if re.search(r"\bby\s*$", before, _I):
            continue
        if re.match(r"\s+of\s+", after, _I) and not _OWN_POPULATION.match(after):
            continue  # "21.98% of new cancer cases": a population the text does not count
        p = figure(match.group("p"))
        if float(p) > 100:
            continue
        nxt = re.match(r"[\s)\]]*(?P<w>[A-Za-z]+)", after)
        word = nxt.group("w").lower() if nxt else ""
        values = {
            "form": "p", "count": None, "percent": p, "n": None, "them": False,
            "elliptical": bool(re.fullmatch(_VERBS, word)),
            "own_population": bool(_OWN_POPULATION.match(after)),
            # "of the patients in the X group" is a group's share, never the whole population's.
            "population_in": bool(re.match(r"^\s+of\s+\w+\s+patients\s+in\b", after, _I)),
            "after_noun": bool(re.search(rf"\b{NOUN}\s*[(\[]\s*$", before, _I)),
        }
        taken.take(a, b)
        out.append(Reading("count", sent, a, b, values))
    return out


def read_medians(sent: Sentence, taken: Taken) -> list[Reading]:
    """Medians printed without a CI after "median PFS", "median survival" and the like."""
    m = sent.masked
    out = []
    for trigger in re.finditer(r"\bmedian\b", m, _I):
        for value in _MEDIAN_VALUE.finditer(m, trigger.end()):
            a, b = value.span()
            if not _median_of_endpoint(sent, a):
                break
            if re.search(r"\bmedian\b", m[trigger.end():a], _I):
                break  # the next trigger reads it
            if not taken.free(a, b) or _QUALIFIED.search(m[:a]) or \
                    re.search(rf"(?:{DASH}|\bby|\bto)\s*$", m[:a], _I) or \
                    re.match(rf"\s*(?:{DASH}|to\s)", m[b:]):
                continue
            taken.take(a, b)
            out.append(Reading("time", sent, a, b, {"estimate": value.group("est"),
                                                    "unit": _unit(value.group("unit"))}))
    return out


def read_events(sent: Sentence, taken: Taken, groups: GroupIndex) -> list[Reading]:
    """Event counts: "86 and 40 PFS events ... respectively", "86 cases of progressive disease"."""
    m = sent.masked
    out = []
    if re.search(r"\brespectively\b", m):
        for match in _EVENT_LIST.finditer(m):
            counts = [figure(c) for c in re.findall(COUNT, match.group("list"), _I)]
            names = _distinct([g.name for g in groups.mentions(sent.text[match.end():])
                               if g.name != OVERALL])
            if len(names) == len(counts) and taken.free(*match.span()):
                taken.take(*match.span())
                what = "deaths" if match.group("what").lower() == "deaths" else "events"
                out.append(Reading("events", sent, match.start(), match.end(),
                                   {what: dict(zip(names, counts, strict=True))}))
        return out
    named = [g.name for g in groups.mentions(sent.text) if g.name != OVERALL]
    names = _distinct(named)
    everyone = re.search(r"\b(?:either|both|each) group", sent.text, _I)
    for pattern, what in ((_EVENTS_ONE, "events"), (_DEATHS_ONE, "deaths")):
        for match in pattern.finditer(m):
            if not taken.free(*match.span()):
                continue
            value = "0" if match.group("x").lower() in ("zero", "no") else figure(match.group("x"))
            if len(names) == 1:
                targets = names
            elif everyone and not names:
                targets = [g.name for g in groups.arms]
            else:
                continue
            taken.take(*match.span())
            out.append(Reading("events", sent, match.start(), match.end(),
                               {what: dict.fromkeys(targets, value), "single": True}))
    return out


def _distinct(names: list[str]) -> list[str]:
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def read_group_parts(sent: Sentence, groups: GroupIndex) -> list[Reading]:
    """Group sizes: "100 in the X group", "X group (100 patients)", "100 received X"."""
    m, s = sent.masked, sent.text
    parts: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    for mention in groups.mentions(s):
        if mention.name == OVERALL:
            continue
        before, after = m[:mention.start], m[mention.end:]
        hit = (re.search(rf"(?P<n>{COUNT})\s+(?:{NOUN}\s+)?(?:were\s+)?(?:in|to|into)\s+the\s+$",
                         before, _I)
               or re.search(rf"(?P<n>{COUNT})\s+(?:{NOUN}\s+)?(?:received|receiving|were treated "
                            r"with|were assigned to|were allocated to)\s+(?:only\s+)?"
                            r"(?:[\w-]+\s+){0,2}?$", before, _I))
        if hit:
            parts.setdefault(mention.name, figure(hit.group("n")))
            spans.append((hit.start(), mention.end))
            continue
        hit = re.match(rf"\s*(?:group|arm)?\s*[(\[]\s*(?:n\s*=\s*)?(?P<n>{NUM})(?:\s+{NOUN})?"
                       r"\s*[)\]]", after, _I)
        if hit:
            parts.setdefault(mention.name, figure(hit.group("n")))
            spans.append((mention.start, mention.end + hit.end()))
    of = re.search(rf"\bgroup of (?P<n>{NUM})\b", m)
    labelled = [x for x in groups.mentions(s) if x.name != OVERALL
                and not re.match(r"group of", s[x.start:x.end])]
    if of and len(_distinct([x.name for x in labelled])) == 1:
        parts.setdefault(labelled[0].name, figure(of.group("n")))
        spans.append(of.span())
    total = _TOTAL.search(m)
    if not parts and not total:
        return []
    values: dict[str, Any] = {"parts": parts}
    if total:
        values["total"] = next(figure(v) for v in total.groups() if v)
        spans.append(total.span())
    a = min(x for x, _ in spans)
    b = max(y for _, y in spans)
    return [Reading("group-parts", sent, a, b, values)]


def read_power(sent: Sentence, groups: GroupIndex) -> list[Reading]:
    """A power statement: power, one- or two-sided alpha, the assumed medians and sizes."""
    m, s = sent.masked, sent.text
    power, alpha = _POWER.search(m), _ALPHA.search(m)
    if not power or not alpha:
        return []
    medians = [v for v in _MEDIAN_VALUE.finditer(m) if re.search(r"\bmedian\b", m[:v.start()])]
    names = _distinct([x.name for x in groups.mentions(s) if x.name != OVERALL])
    if len(medians) != 2 or len(names) != 2 or not re.search(r"\brespectively\b", s):
        return []
    values = {
        "power": figure(power.group("a") or power.group("b")), "alpha": alpha.group("a"),
        "sided": alpha.group("sided").lower(),
        "medians": dict(zip(names, (v.group("est") for v in medians), strict=True)),
    }
    return [Reading("power", sent, power.start(), len(m), values)]


def read_responses(sent: Sentence, groups: GroupIndex) -> list[Reading]:
    """Best-response counts per group ("Seven patients in X showed a partial response")."""
    out = []
    for cat in _RESPONSE.finditer(sent.text):
        subject = _RESPONSE_SUBJECT.search(sent.masked[:cat.start()])
        if not subject:
            continue
        where = sent.text[subject.start("where"):subject.end("where")] \
            if subject.group("where") else ""
        names = _distinct([x.name for x in groups.mentions(where) if x.name != OVERALL])
        if re.search(r"\b(?:either|both|each|all) groups?\b", where, _I) and not names:
            names = [g.name for g in groups.arms]
        if not names:
            continue
        raw = subject.group("x").lower()
        count = "0" if raw in ("no", "none") else figure(subject.group("x"))
        out.append(Reading("response", sent, subject.start(), cat.end(), {
            "category": cat.group("cat").lower(), "count": count, "groups": names}))
    return out


def read_median_age(sent: Sentence) -> list[Reading]:
    """"A median age of 59 years" (an overall median to compare with the group medians)."""
    return [Reading("median-age", sent, m.start("v"), m.end("v"), {"value": m.group("v")})
            for m in _MEDIAN_AGE.finditer(sent.masked)]


def read_top_rows(sent: Sentence) -> list[Reading]:
    """Where a sentence names the most frequent events (resolved against a table later)."""
    m = _TOP_ROWS.search(sent.text)
    if not m:
        return []
    column = "grade3" if _GRADE3_TEXT.search(sent.text[m.end():m.end() + 60]) else "any"
    return [Reading("top-rows", sent, m.start(), len(sent.text), {"column": column})]


def rate_before(sent: Sentence, start: int) -> str | None:
    """Which rate ("orr", "dcr") the text before ``start`` is about, if it names one."""
    best: tuple[int, str] | None = None
    for pattern, name in _RATE_NAMES:
        for m in pattern.finditer(sent.text[:start]):
            if best is None or m.start() > best[0]:
                best = (m.start(), name)
    return best[1] if best else None


# --- settling group, study and endpoint ----------------------------------------------------

_FIGURE_KINDS = ("count", "proportion", "time", "hr")


def _mention_for(r: Reading, figures: list[Reading], mentions: list[Mention],
                 respectively: dict[int, str]) -> tuple[str | None, str | None]:
    if id(r) in respectively:
        return respectively[id(r)] or None, "respectively" if respectively[id(r)] else "unknown"
    i = figures.index(r)
    next_start = figures[i + 1].start if i + 1 < len(figures) else len(r.sentence.text)
    prev_end = figures[i - 1].end if i > 0 else 0
    following = [x for x in mentions if r.end <= x.start < next_start]
    preceding = [x for x in mentions if prev_end <= x.start and x.end <= r.start]
    later = [x for x in mentions if x.start >= r.end]
    distinct = _distinct([x.name for x in mentions])
    if following:
        chosen, how = following[0], "adjacent"
    elif preceding:
        chosen, how = preceding[-1], "adjacent"
    elif len(distinct) == 1:
        chosen, how = mentions[0], "sentence"
    elif later and ";" not in r.sentence.text[r.end:later[0].start]:
        # A list "A (12.0%), B (5.0%) and C (5.0%) in the X group": the group after the list.
        chosen, how = later[0], "list"
    else:
        return None, None
    # A group the paper's groups do not match ("the control arm"): nobody's denominator.
    return (chosen.name, how) if chosen.name else (None, "unknown")


def _respectively(figures: list[Reading], mentions: list[Mention], text: str) -> dict[int, str]:
    """Figures listed "A and B ... in the X and Y groups, respectively" mapped in order."""
    out: dict[int, str] = {}
    for word in re.finditer(r"\brespectively\b", text):
        listed = [f for f in figures if f.end <= word.start() and f.kind in ("count", "time",
                                                                             "proportion")]
        names = [x.name for x in mentions if x.start < word.start()
                 and (not listed or x.start > listed[0].start)]
        names = _distinct(names)
        tail = listed[-len(names):] if names else []
        if names and len(tail) == len(names) and all(f.kind == tail[0].kind for f in tail):
            # Only when the figures come first and the groups after them.
            if all(x.start > tail[-1].end for x in mentions if x.name in names):
                out.update({id(f): n for f, n in zip(tail, names, strict=True)})
    return out


def settle(readings: list[Reading], sent: Sentence, groups: GroupIndex, *,
           others: set[str], own_default: bool, carried_endpoint: str | None) -> list[Reading]:
    """Each reading with its group, study and endpoint filled in."""
    mentions = groups.mentions(sent.text, unknown=True)
    figures = sorted((r for r in readings if r.kind in _FIGURE_KINDS), key=lambda r: r.start)
    respectively = _respectively(figures, mentions, sent.text)
    endpoints = endpoint_mentions(sent.text)
    out = []
    for r in readings:
        scope = figure_scope(sent.text, r.start, r.end, others=others, own_default=own_default)
        group, how = (None, None)
        if scope.study is None and r in figures:
            group, how = _mention_for(r, figures, mentions, respectively)
        # An event count names its endpoint inside its own span ("86 and 40 PFS events").
        limit = r.end if r.kind == "events" else r.start
        before = [e for e in endpoints if e.end <= limit]
        near = sorted(endpoints, key=lambda e: min(abs(e.start - r.end), abs(r.start - e.end)))
        endpoint: str | None
        if before:
            endpoint, named = before[-1].name, True
        elif r.kind in ("difference", "reduction") and near and \
                min(abs(near[0].start - r.end), abs(r.start - near[0].end)) < 60:
            endpoint, named = near[0].name, True
        else:
            endpoint, named = carried_endpoint, False
        out.append(replace(r, group=group, group_how=how, study=scope.study,
                           marked_own=scope.marked_own, endpoint=endpoint,
                           endpoint_named=named))
    return out


def last_endpoint(sent: Sentence, current: str | None) -> str | None:
    """The endpoint a later sentence of the same block inherits."""
    found = endpoint_mentions(sent.text)
    return found[-1].name if found else current
