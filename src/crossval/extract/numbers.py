"""Printed numbers as papers write them: decimals, number words, ranges, percentages, p-values.

Everything here works on text already passed through :func:`normalize`, which
keeps every character position (so a match's span also locates the figure in
the original text) while turning the typographic variants into one form: a
middle dot between digits becomes a decimal point, the minus sign becomes a
hyphen-minus, and the many Unicode spaces become plain spaces.  Dashes that
join a range (en dash, em dash, figure dash) are kept and matched by ``DASH``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Characters that join the two ends of a printed range ("3.4–13.8").
DASH = r"[\u2010\u2011\u2012\u2013\u2014\u2015-]"

#: A decimal number as printed, without sign: "0.38", "1,060,600", "9.23".
NUM = r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])"

_UNITS = {
    "zero": 0, "no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_UNIT_WORDS = "|".join(sorted((w for w in _UNITS if w not in ("no", "none")),
                              key=len, reverse=True))
_TEN_WORDS = "|".join(_TENS)

#: A count written in words, "Seven" to "Ninety-nine" and "one hundred".
WORD_NUM = (rf"\b(?:one hundred|(?:{_TEN_WORDS})(?:[- ](?:{_UNIT_WORDS}))?|{_UNIT_WORDS})\b")

#: A count in digits or in words.
COUNT = rf"(?:{NUM}|{WORD_NUM})"

#: A percentage with its sign or spelled out: "34.0%", "34.0 %", "76 percent".
PERCENT = rf"(?:{NUM}|{WORD_NUM})\s?(?:%|\s(?:percent|per cent)\b)"

_TRANSLATE = str.maketrans({
    "\u2212": "-",  # minus sign
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u2002": " ", "\u2003": " ",
})
_MIDDLE_DOT = re.compile(r"(?<=\d)[\u00b7\u2219\u22c5](?=\d)")


def normalize(text: str) -> str:
    """``text`` with one form for decimal points, minus signs and spaces; same length."""
    return _MIDDLE_DOT.sub(".", text.translate(_TRANSLATE))


def word_value(text: str) -> int | None:
    """The value of a number written in words ("Forty-four" is 44), or None."""
    words = text.lower().replace("-", " ").split()
    if words == ["one", "hundred"]:
        return 100
    if len(words) == 1:
        if words[0] in _UNITS:
            return _UNITS[words[0]]
        return _TENS.get(words[0])
    if len(words) == 2 and words[0] in _TENS and words[1] in _UNITS and 0 < _UNITS[words[1]] < 10:
        return _TENS[words[0]] + _UNITS[words[1]]
    return None


def figure(text: str) -> str:
    """A printed number as a claims-file figure: digits kept exactly, words and commas resolved.

    "34.0" stays "34.0" (its precision matters); "1,060,600" becomes "1060600";
    "Forty-four" becomes "44".
    """
    stripped = text.strip().rstrip("%").strip()
    for suffix in (" percent", " per cent"):
        if stripped.lower().endswith(suffix):
            stripped = stripped[: -len(suffix)].strip()
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", stripped):
        return stripped.replace(",", "")
    value = word_value(stripped)
    if value is None:
        raise ValueError(f"not a printed number: {text!r}")
    return str(value)


@dataclass(frozen=True)
class PrintedP:
    """A p-value as printed: the relation and the number, e.g. ``("<", "0.0001")``."""

    relation: str
    number: str

    @property
    def text(self) -> str:
        """The claims-file form: "P = 0.888", "P < 0.0001"."""
        return f"P {self.relation} {self.number}"


_RELATIONS = {"=": "=", "<": "<", ">": ">", "≤": "≤", "≥": "≥", "<=": "≤", ">=": "≥",
              "less than": "<", "greater than": ">", "of": "="}

#: "P = 0.888", "p<0.001", "P value of 0.03", "p-values less than 0.001".
P_VALUE = re.compile(
    r"\b[Pp](?:[- ]?values?)?\s*(?P<rel>=|<=|>=|<|>|≤|≥|less than|greater than|of)\s*"
    r"(?P<num>(?:0?\.\d+|[01](?:\.0+)?))(?![\d.])"
)


def read_p(match: re.Match[str]) -> PrintedP:
    """The printed p of a ``P_VALUE`` match."""
    return PrintedP(_RELATIONS[match.group("rel")], match.group("num"))


def parse_printed_p(text: str) -> PrintedP | None:
    """A table cell or snippet that is only a p-value ("P = 0.163", "<0.001", "0.92")."""
    t = normalize(text).strip()
    match = P_VALUE.fullmatch(t)
    if match:
        return read_p(match)
    bare = re.fullmatch(r"(?P<rel><=|>=|<|>|≤|≥|=)?\s*(?P<num>0?\.\d+|[01](?:\.0+)?)", t)
    if bare:
        return PrintedP(_RELATIONS[bare.group("rel") or "="], bare.group("num"))
    return None
