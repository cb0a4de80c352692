"""Statistical methods a paper states: binomial CI methods, table tests, survival methods.

Read from the running text ("estimated ... using the Clopper-Pearson method",
"compared by Chi-square test or Fisher exact test") and from table notes
("a Fisher exact test for categorical variables").  A statement naming two
tests joined by "or" is ambiguous and yields low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_I = re.IGNORECASE

#: Binomial CI methods by how papers name them (claims-file names on the right).
CI_METHOD_NAMES = (
    (re.compile(r"Clopper[- –]Pearson|exact binomial|exact \(Clopper", _I), "clopper-pearson"),
    (re.compile(r"Wilson(?: score)?[^.;]{0,40}continuity correction", _I), "wilson-cc"),
    (re.compile(r"\bWilson\b", _I), "wilson"),
    (re.compile(r"Agresti[- –]Coull", _I), "agresti-coull"),
    (re.compile(r"\bJeffreys\b", _I), "jeffreys"),
    (re.compile(r"\bmid-?p\b", _I), "mid-p"),
    (re.compile(r"\bWald\b(?! test)|normal approximation", _I), "wald"),
)
#: Tests for contingency tables.
TABLE_TEST_NAMES = (
    (re.compile(r"Fisher(?:'s|’s)?\s+(?:exact|exact probability)(?:\s+test)?", _I), "fisher"),
    (re.compile(r"(?:chi[- ]?squared?|χ2|χ²)\s*(?:test)?[^.;]{0,40}(?:Yates|continuity "
                r"correction)", _I), "chi-square-yates"),
    (re.compile(r"(?:Pearson(?:'s|’s)?\s+)?(?:chi[- ]?squared?|χ2|χ²)(?:\s+test)?", _I),
     "chi-square"),
    (re.compile(r"\bG[- ]test|likelihood[- ]ratio (?:chi-square )?test", _I), "g-test"),
)
#: Tests for a continuous variable summarised by medians and IQRs.
SUMMARY_TEST_NAMES = (
    (re.compile(r"Welch(?:'s|’s)?\s+t[- ]test", _I), "welch-t-test"),
    (re.compile(r"\bt[- ]test", _I), "t-test"),
    (re.compile(r"Wilcoxon|Mann[- –]Whitney|rank[- ]sum", _I), "wilcoxon"),
)
SURVIVAL_METHOD_NAMES = (
    (re.compile(r"Kaplan[- –]Meier", _I), "Kaplan-Meier"),
    (re.compile(r"log[- ]?rank", _I), "log-rank"),
    (re.compile(r"\bCox\b", _I), "Cox proportional hazards"),
    (re.compile(r"Brookmeyer[- –]Crowley", _I), "Brookmeyer-Crowley"),
)


@dataclass(frozen=True)
class Stated:
    """A method named in the paper and where ("Methods 2.4", "Table 1 note a")."""

    method: str
    where: str
    ambiguous: bool = False


def _names(text: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, name in table:
        for m in pattern.finditer(text):
            if all(m.end() <= a or m.start() >= b for a, b in taken):
                taken.append(m.span())
                found.append((m.start(), name))
    return sorted(found)


def _ambiguous(text: str, found: list[tuple[int, str]]) -> bool:
    """Two different tests joined by "or" ("chi-square or Fisher exact test")."""
    names = {n for _, n in found}
    return len(names) > 1 and bool(re.search(r"\bor\b|/|as appropriate", text, _I))


@dataclass(frozen=True)
class StatedMethods:
    """Everything the paper says about its methods."""

    ci: tuple[Stated, ...]
    table_tests: tuple[Stated, ...]
    survival: tuple[Stated, ...]

    def ci_method(self) -> Stated | None:
        """The binomial CI method when the paper states exactly one."""
        methods = {s.method for s in self.ci}
        return self.ci[0] if len(methods) == 1 else None

    def table_test(self) -> Stated | None:
        """The test the running text states for comparing proportions, if any."""
        return self.table_tests[0] if self.table_tests else None


def stated_methods(sentences: Iterable[tuple[str, str]]) -> StatedMethods:
    """Methods named in (sentence, section) pairs of the running text."""
    ci: list[Stated] = []
    tests: list[Stated] = []
    survival: list[Stated] = []
    for text, where in sentences:
        if re.search(r"\b(?:CI|confidence interval)s?\b", text, _I) and re.search(
                r"\b(?:rate|proportion|ORR|DCR|response)s?\b", text, _I):
            ci.extend(Stated(name, where) for _, name in _names(text, CI_METHOD_NAMES))
        found = _names(text, TABLE_TEST_NAMES)
        if found and re.search(r"\b(?:compared|comparison|tested|test(?:ed)? for|assessed|"
                                r"analy[sz]ed)\b", text, _I):
            ambiguous = _ambiguous(text, found)
            tests.extend(Stated(name, where, ambiguous) for _, name in found)
        survival.extend(Stated(name, where) for _, name in _names(text, SURVIVAL_METHOD_NAMES))
    return StatedMethods(tuple(ci), tuple(tests), tuple(survival))


@dataclass(frozen=True)
class TableTests:
    """The tests a table's notes give for its P column: categorical and continuous rows."""

    categorical: Stated | None
    continuous: Stated | None


def table_note_tests(notes: Iterable[str], table: str, mark: str | None) -> TableTests:
    """Tests named in a table's notes (the note with the P column's marker, when it has one)."""
    categorical: Stated | None = None
    continuous: Stated | None = None
    for note in notes:
        marker = re.match(r"^\s*([a-z*†‡§¶#])\s+", note)
        if mark and (not marker or marker.group(1) != mark):
            continue
        where = f"{table} note {marker.group(1)}" if marker else f"{table} note"
        for part in re.split(r";", note):
            kinds = [n for _, n in _names(part, TABLE_TEST_NAMES)]
            summaries = [n for _, n in _names(part, SUMMARY_TEST_NAMES)]
            continuous_part = re.search(r"continuous|numeric|quantitative", part, _I)
            categorical_part = re.search(r"categorical|qualitative|proportions|counts", part, _I)
            if kinds and (categorical_part or not continuous_part) and categorical is None:
                categorical = Stated(kinds[0], where, _ambiguous(part, [(0, k) for k in kinds]))
            if summaries and (continuous_part or not categorical_part) and continuous is None:
                continuous = Stated(summaries[0], where, len(set(summaries)) > 1)
    return TableTests(categorical, continuous)
