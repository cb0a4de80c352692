"""Numbers that are not reported results: hidden before any claim pattern looks at a sentence.

Dates, years, reference citations, doses, version numbers, ethics-approval and
registration codes, eligibility thresholds ("≥6 cycles", "aged 18–75 years"),
cross-references ("Table 2", "Figure 1a") and codes that mix letters and digits
("PFS2", "T790M") are overwritten with a filler character of the same length, so
every span found afterwards still points at the same place in the original
text.  The claim patterns are anchored on statistical forms ("n (p%)", "95%
CI"), so masking is a second line of defence, and the one that keeps a figure
such as "(Bray et al., 2024)" from ever reading as a count with a percentage.
"""

from __future__ import annotations

import re

from crossval.extract.numbers import DASH

FILLER = "\u00a4"  # ¤: neither a digit, a letter, a space nor punctuation the patterns use

_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
           r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_YEAR = r"(?:19|20)\d{2}[a-z]?"

_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    # Citations: "(Bray et al., 2024)", "(Soria et al., 2015; Park et al., 2016)",
    # "(Gazdar, 2009)", "(Hellman and Weichselbaum, 1995)", "(Hetta et al., 2025c)".
    rf"\((?=[^()]*\b{_YEAR}\))[^()]*[A-Z][^()]*\)",
    rf"\b[A-Z][A-Za-z'-]+ (?:et al\.?|and [A-Z][A-Za-z'-]+),? \(?{_YEAR}\)?",
    # Dates: "20 November 2024", "November 20, 2024", "January 2020", "2024-11-20".
    rf"\b\d{{1,2}} {_MONTHS},? {_YEAR}\b",
    rf"\b{_MONTHS} \d{{1,2}},? {_YEAR}\b",
    rf"\b{_MONTHS},? {_YEAR}\b",
    r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
    # A year after a word that introduces one ("in 2022", "since 2010", "between 2019 and").
    rf"\b(?:in|In|since|from|until|by|during|between|through) (?P<m>{_YEAR})\b"
    r"(?![ ]?%| (?:patients|participants|subjects|cases))",
    rf"(?<={DASH}){_YEAR}\b(?![ ]?%)",
    # Doses: "8, 10 or 12 mg", "10 mg/kg", "200 mg/m2", "2 × 10^6 cells".
    r"\b\d+(?:\.\d+)?(?:(?:, ?| or | and |/| to |" + DASH + r")\d+(?:\.\d+)?)*"
    r" ?(?:mg|g|µg|μg|mcg|ng|mL|ml|L|IU|U|mmol|mol|Gy|cGy|kg)(?:/(?:kg|m2|m²|day|d|dL|L))?\b",
    # Versions and software: "version 5.0", "RECIST 1.1", "CTCAE 5", "SAS 9.4", "R 4.2".
    r"\b(?:version|v|Version|ver\.)\s*\d+(?:\.\d+)*",
    r"\b(?:RECIST|CTCAE|MedDRA|SAS|SPSS|Stata|STATA|GraphPad Prism|Prism|ICD|"
    r"ICD-O|TNM|AJCC|WHO)(?:,?\s+(?:version\s+)?)\d+(?:\.\d+)*(?:th|st|nd|rd)?\b",
    # Codes mixing letters and digits: "ALTER-L058", "PFS2", "T790M", "2024YS-252",
    # "NCT01234567", "19del", "ex21L858R", "3rd", "PD-1".
    r"\b[A-Za-z][A-Za-z-]*\d[\w-]*",
    r"\b\d+[A-Za-z][\w-]*",
    r"\b[A-Z]{1,5}-\d+\b",
    # Eligibility and definitions: "aged 18–75 years", "between 18 and 75 years of age",
    # "≥6 cycles", "≤5 sites", "<3 months" (a p-value keeps its relation: "P < 0.05").
    r"\b(?:aged?|between)\s+\d+\s*(?:and|to|" + DASH + r")\s*\d+\s*(?:years?|yrs?)\b",
    r"\b\d+\s*(?:to|" + DASH + r")\s*\d+\s*years? (?:of age|old)\b",
    r"(?<![Pp]\s)(?<![Pp])(?<!value\s)(?<!values\s)(?<!value)"
    r"(?:≥|≤|<|>|=<|>=|<=)\s*\d+(?:\.\d+)?",
    # Cross-references and schedule: "Table 2", "Figure 1a", "days 1–14", "grade 3",
    # "phase 3", "stage 4", "exon 19", "cycle 2", "line 2", "score of 0–1".
    r"\b(?:Tables?|TABLES?|Figures?|FIGURES?|Fig\.|Figs\.|Supplementary|Appendix|Section|"
    r"Sections|Refs?\.?|Reference)\s*\d+[a-z]?(?:\s*(?:and|,|" + DASH + r")\s*\d+[a-z]?)*",
    r"\b(?:days?|weeks?|cycles?|grades?|Grades?|phase|Phase|stage|Stage|exon|Exon|lines?|"
    r"arms?|cohorts?|levels?|scores? of|scores? from)\s+\d+(?:\s*(?:or|and|to|/|,|" + DASH
    + r")\s*\d+)*",
    # Every third week: "3-week cycle", "each 3-weekly".
    r"\b\d+-week(?:ly)?\b",
))


def mask(text: str) -> str:
    """``text`` with every non-result number span overwritten by ``FILLER`` (same length)."""
    chars = list(text)
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            # A pattern with a group "m" needs context to recognise its span but hides only "m".
            start, end = match.span("m") if "m" in pattern.groupindex else match.span()
            for i in range(start, end):
                if not chars[i].isspace():
                    chars[i] = FILLER
    return "".join(chars)
