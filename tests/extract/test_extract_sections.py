"""Splitting plain text into located sections, paragraphs, legends, tables and notes."""

from __future__ import annotations

from crossval.extract.scope import endpoint_mentions, figure_scope, sentences, study_names
from crossval.extract.sections import split_document

TEXT = "\n".join([
    "Objective",                                                        # 1
    "To test drug A.",                                                  # 2
    "Results",                                                          # 3
    "Drug A helped.",                                                   # 4
    " 1 INTRODUCTION",                                                  # 5
    "Background.",                                                      # 6
    "2 PATIENTS AND METHODS",                                           # 7
    "2.3 Statistical analysis",                                         # 8
    "Rates were compared.",                                             # 9
    "3 RESULTS",                                                        # 10
    "3.1 Efficacy",                                                     # 11
    "[image: Curves of PFS.]FIGURE 1 | Kaplan-Meier curves.Meanwhile, the trial went on.",  # 12
    "[image: A flowchart.]FIGURE 2 | Disposition.TABLE 1 | Baseline.\tCharacteristic\t"
    "Drug A (n = 80)\tPlacebo (n = 40)\tPa",                            # 13
    "\tSex",                                                            # 14
    "\t Male\t40 (50.0)\t20 (50.0)\tP = 1.000",                         # 15
    "\t Female\t40 (50.0)\t20 (50.0)",                                  # 16
    "",                                                                 # 17
    "Data are n (%).",                                                  # 18
    "a Fisher exact test.",                                             # 19
    "Serious events were rare.",                                        # 20
    "4 DISCUSSION",                                                     # 21
    "It worked.",                                                       # 22
])


def test_sections_and_lines() -> None:
    blocks = split_document(TEXT)
    seen = [(b.kind, b.section, b.line, b.part) for b in blocks]
    assert seen == [
        ("paragraph", "Abstract", 2, "Objective"),
        ("paragraph", "Abstract", 4, "Results"),
        ("paragraph", "Introduction", 6, None),
        ("paragraph", "Methods 2.3", 9, None),
        ("legend", "Figure 1", 12, "image"),
        ("legend", "Figure 1", 12, "caption"),
        # The paragraph glued to the legend ("curves.Meanwhile") is running text again.
        ("paragraph", "Results 3.1", 12, None),
        ("legend", "Figure 2", 13, "image"),
        ("legend", "Figure 2", 13, "caption"),
        ("table", "Table 1", 13, None),
        # Not a note (no marker, not "Data are ..."): the running text resumes.
        ("paragraph", "Results 3.1", 20, None),
        ("paragraph", "Discussion", 22, None),
    ]


def test_table_rows_header_and_notes() -> None:
    table = next(b for b in split_document(TEXT) if b.kind == "table")
    assert table.text == "Baseline."
    assert table.rows[0].cells == ("Characteristic", "Drug A (n = 80)", "Placebo (n = 40)", "Pa")
    assert table.rows[2].cells[0] == " Male"  # the indent marks a level
    assert [r.line for r in table.rows] == [13, 14, 15, 16]
    assert table.notes == ("Data are n (%).", "a Fisher exact test.")
    assert table.text_section == "Results 3.1"


def test_sentences_respect_abbreviations_and_decimals() -> None:
    text = ("PFS was 9.2 vs. 5.4 months (Xiang et al., 2024). It differed, e.g. in Fig. 2. "
            "J. Smith agreed. Done")
    spans = sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "PFS was 9.2 vs. 5.4 months (Xiang et al., 2024).",
        "It differed, e.g. in Fig. 2.",
        "J. Smith agreed.",
        "Done",
    ]


def test_endpoints_by_name_and_abbreviation() -> None:
    found = endpoint_mentions("median progression-free survival, PFS2, OS and PFS 2 (not TPFS)")
    assert [e.name for e in found] == ["PFS", "PFS2", "OS", "PFS2"]


def test_study_names_and_own_study() -> None:
    own, others = study_names([
        "This cohort study (TRIAL-X01) analysed data.",
        "In the FLAURA trial and the Reiwa Study, as in this study and the phase 3 trial.",
    ])
    assert own == "TRIAL-X01"
    assert others == {"FLAURA", "Reiwa"}


def test_scope_of_a_figure() -> None:
    sentence = ("In the FLAURA trial the median PFS was 18.9 months (Soria et al., 2018), "
                "comparable to 19.5 months in our patients.")
    others = {"FLAURA"}
    i, j = sentence.index("18.9"), sentence.index("19.5")
    assert figure_scope(sentence, i, i + 4, others=others, own_default=True).study == "FLAURA"
    own = figure_scope(sentence, j, j + 4, others=others, own_default=True)
    assert own.study is None and own.marked_own


def test_an_aside_does_not_claim_the_figures_around_it() -> None:
    sentence = ("Extending PFS by 3.8 months matters (e.g., drug B in FLAURA showed a 5.5-month "
                "gain (Soria et al., 2018)).")
    i, j = sentence.index("3.8"), sentence.index("5.5")
    assert figure_scope(sentence, i, i + 3, others={"FLAURA"}, own_default=True).study is None
    assert figure_scope(sentence, j, j + 3, others={"FLAURA"},
                        own_default=True).study == "FLAURA"


def test_introduction_figures_belong_to_cited_work() -> None:
    sentence = "A cohort of 148 patients showed that 77% progressed (Schuler et al., 2024)."
    i = sentence.index("77")
    assert figure_scope(sentence, i, i + 3, others=set(),
                        own_default=False).study == "Schuler et al., 2024"
