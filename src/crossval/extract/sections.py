"""Split a paper's plain text into located blocks: paragraphs, figure legends, tables, notes.

The text is what a PDF or web page export gives: one paragraph per line,
numbered headings ("2.4 Statistical analysis"), an abstract with short
sub-headings, tables as tab-separated lines whose caption ("TABLE 1 | ...")
carries the header cells, figure legends ("[image: ...]", "FIGURE 2 | ...")
that may run into the next paragraph without a space.  Every block keeps the
1-based line it starts on and the section a reader would cite
("Results 3.2", "Table 1", "Figure 2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Top-level section names by a word of their heading.
_TOP_NAMES = (
    ("introduction", "Introduction"), ("background", "Introduction"),
    ("method", "Methods"), ("result", "Results"), ("discussion", "Discussion"),
    ("conclusion", "Conclusions"), ("reference", "References"),
    ("acknowledg", "Acknowledgements"), ("funding", "Funding"),
)
#: Sections whose text is not read for claims.
SKIPPED_SECTIONS = ("References", "Acknowledgements", "Funding")

_ABSTRACT_HEADS = re.compile(
    r"^\s*(abstract|summary|objectives?|background|aims?|purpose|methods?|materials and methods|"
    r"patients and methods|results?|findings|conclusions?|interpretation|keywords?)\s*:?\s*$",
    re.IGNORECASE,
)
_BODY_HEADS = re.compile(
    r"^\s*(introduction|background|methods|materials and methods|patients and methods|results|"
    r"discussion|conclusions?|references|acknowledge?ments|funding)\s*:?\s*$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z][^\t]{0,100})$")
_CAPTION = re.compile(r"(?P<kind>FIGURE|Figure|Fig\.|TABLE|Table)\s*(?P<num>\d+)\s*(?:\||\.|:)\s*")
_GLUED_SENTENCE = re.compile(r"(?<=[a-z0-9)\]]\.)(?=[A-Z][a-z])")
_NOTE_START = re.compile(
    r"^\s*(?:[a-z*†‡§¶#]\s+\S|(?:Data|Values|Abbreviations?|Definitions?|Notes?|Percentages)\b)")


@dataclass(frozen=True)
class Row:
    """One table row: its line and its cells (the first is the row label)."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """A located piece of the paper.

    ``kind`` is ``paragraph``, ``legend`` or ``table``.  ``section`` is the
    label claims carry ("Results 3.2", "Table 1", "Figure 2"); ``text_section``
    is the section of the running text the block sits in.  ``part`` is the
    abstract's sub-heading or ``image`` for a figure's picture description.
    A table's ``text`` is its title, ``rows`` its header and body rows and
    ``notes`` the lines printed under it.
    """

    kind: str
    section: str
    text_section: str
    line: int
    text: str
    part: str | None = None
    number: str | None = None
    rows: tuple[Row, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _top_name(title: str) -> str:
    low = title.lower()
    for word, name in _TOP_NAMES:
        if word in low:
            return name
    return " ".join(w.capitalize() if w.isupper() else w for w in title.split())


def _is_subheading(line: str) -> bool:
    """A short unnumbered heading inside a section ("Efficacy", "Adverse events")."""
    text = line.strip()
    words = text.split()
    return (0 < len(words) <= 4 and text[0].isupper() and not re.search(r"[\d.,;:%()]", text)
            and "\t" not in line)


def _is_heading_text(title: str) -> bool:
    words = title.split()
    return 0 < len(words) <= 12 and not title.rstrip().endswith((".", ",", ";")) \
        and "\t" not in title


@dataclass
class _State:
    section: str = "Text"
    part: str | None = None
    tops: dict[str, str] = field(default_factory=dict)
    body_started: bool = False
    abstract_results_seen: bool = False
    figure_count: int = 0


class _Splitter:
    def __init__(self) -> None:
        self.state = _State()
        self.blocks: list[Block] = []
        self.table: dict[str, object] | None = None
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.in_notes = False
        self.notes_open = False  # "Definitions:" makes the following lines notes too

    # --- tables ---------------------------------------------------------------
    def open_table(self, number: str, title: str, header: str, line: int) -> None:
        self.close_table()
        self.table = {"number": number, "title": title.strip(), "line": line}
        self.rows = []
        if header:
            self.rows.append(Row(line, tuple(c.strip() for c in header.split("\t"))))

    def close_table(self) -> None:
        if self.table is None:
            return
        number = str(self.table["number"])
        line = self.table["line"]
        assert isinstance(line, int)
        self.blocks.append(Block(
            kind="table", section=f"Table {number}", text_section=self.state.section,
            line=line, text=str(self.table["title"]), number=number, rows=tuple(self.rows),
            notes=tuple(self.notes)))
        self.table = None
        self.rows = []
        self.notes = []
        self.in_notes = False

    def add_note_or_close(self, line: str) -> bool:
        """Attach ``line`` to the table just closed when it reads as a table note."""
        if not self.in_notes or not self.blocks or self.blocks[-1].kind != "table":
            return False
        if _NOTE_START.match(line) or self.notes_open:
            last = self.blocks[-1]
            self.blocks[-1] = Block(
                kind=last.kind, section=last.section, text_section=last.text_section,
                line=last.line, text=last.text, number=last.number, rows=last.rows,
                notes=(*last.notes, line.strip()))
            if line.rstrip().endswith(":"):
                self.notes_open = True
            return True
        self.in_notes = False
        self.notes_open = False
        return False

    # --- headings -------------------------------------------------------------
    def heading(self, line: str) -> bool:
        st = self.state
        numbered = _NUMBERED.match(line)
        if numbered and _is_heading_text(numbered.group(2)):
            number, title = numbered.group(1), numbered.group(2).strip()
            st.body_started = True
            st.part = None
            top = number.split(".")[0]
            if "." not in number:
                st.tops[top] = _top_name(title)
                st.section = st.tops[top]
            else:
                st.section = f"{st.tops.get(top, 'Section')} {number}"
            return True
        word = line.strip().rstrip(":").strip()
        if not st.body_started:
            # "Background" after the abstract's results opens the body, as "Introduction" does.
            if word.lower() == "introduction" or (word.lower() == "background"
                                                  and st.abstract_results_seen):
                st.body_started = True
                st.section, st.part = "Introduction", None
                return True
            if _ABSTRACT_HEADS.match(line):
                st.section = "Abstract"
                st.part = None if word.lower() in ("abstract", "summary") else word.capitalize()
                if word.lower().startswith(("result", "finding", "conclusion", "interpret")):
                    st.abstract_results_seen = True
                return True
            return False
        if _BODY_HEADS.match(line):
            st.section = _top_name(word)
            st.part = None
            return True
        if _is_subheading(line):
            st.part = word
            return True
        return False

    # --- running text -----------------------------------------------------------
    def add(self, kind: str, text: str, line: int, *, section: str | None = None,
            part: str | None = None, number: str | None = None) -> None:
        text = text.strip()
        if not text:
            return
        st = self.state
        self.blocks.append(Block(kind=kind, section=section or st.section,
                                 text_section=st.section, line=line, text=text,
                                 part=part if part is not None else st.part, number=number))

    def prose_line(self, line: str, lineno: int) -> None:
        """A line of text that may hold figure pictures, captions and glued paragraphs."""
        rest = line
        while rest.strip():
            image = re.match(r"\s*\[image:\s*", rest)
            if image:
                end = rest.find("]", image.end())
                end = len(rest) if end < 0 else end
                description = rest[image.end():end]
                after = rest[end + 1:]
                caption = _CAPTION.match(after)
                number = caption.group("num") if caption else str(self.state.figure_count + 1)
                self.state.figure_count = max(self.state.figure_count, int(number))
                self.add("legend", description, lineno, section=f"Figure {number}",
                         part="image", number=number)
                rest = after
                continue
            caption = _CAPTION.match(rest)
            if caption and (caption.group("kind").upper().startswith("T")):
                body = rest[caption.end():]
                title, _, header = body.partition("\t")
                # A glued figure caption before "TABLE n |" ends at the marker.
                self.open_table(caption.group("num"), title, header, lineno)
                return
            if caption:
                number = caption.group("num")
                self.state.figure_count = max(self.state.figure_count, int(number))
                body = rest[caption.end():]
                nxt = _next_caption(body)
                glued = _GLUED_SENTENCE.search(body)
                cut = min(x for x in (nxt, glued.start() if glued else None, len(body))
                          if x is not None)
                self.add("legend", body[:cut], lineno, section=f"Figure {number}",
                         part="caption", number=number)
                rest = body[cut:]
                continue
            nxt = _next_caption(rest)
            if nxt is None:
                self.add("paragraph", rest, lineno)
                return
            self.add("paragraph", rest[:nxt], lineno)
            rest = rest[nxt:]

    def feed(self, raw: str, lineno: int) -> None:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if self.table is not None and self.rows:
                self.close_table()
                self.in_notes = True
            return
        if self.table is not None:
            if line.startswith("\t"):
                cells = line.split("\t")[1:]
                self.rows.append(Row(lineno, tuple(c.rstrip() for c in cells)))
                return
            self.close_table()
            self.in_notes = True
        if self.heading(line):
            self.in_notes = False
            self.notes_open = False
            return
        if self.add_note_or_close(line):
            return
        self.prose_line(line, lineno)


def _next_caption(text: str) -> int | None:
    """Where a caption glued to a sentence or picture starts ("...flowchart.TABLE 1 |")."""
    for match in _CAPTION.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        if match.start() == 0 or (before in ".]" and match.group(0).rstrip().endswith("|")):
            return match.start()
    image = text.find("[image:")
    return image if image > 0 else None


def split_document(text: str) -> tuple[Block, ...]:
    """The blocks of a paper's text, in reading order (skipped sections left out)."""
    splitter = _Splitter()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        splitter.feed(raw, lineno)
    splitter.close_table()
    return tuple(b for b in splitter.blocks
                 if b.text_section not in SKIPPED_SECTIONS or b.kind != "paragraph")
