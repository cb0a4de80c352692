"""Tables: group headers "(n = N)", characteristics and levels, P columns, AE tables."""

from __future__ import annotations

from madeup_papers import audit, claims

#: A baseline table: a median (IQR) row, a characteristic with levels and a P column whose
#: note says Fisher for categorical and t-test for continuous variables.
BASELINE = "\n".join([
    "TABLE 1 | Baseline.\tCharacteristic\tDrug A (n = 80)\tPlacebo (n = 40)\tPa",
    "\tAge, median (IQR), years\t61 (55–66)\t63 (57–69)\tP = 0.210",
    "\tSex",
    "\t Male\t40 (50.0)\t20 (50.0)\tP = 1.000",
    "\t Female\t40 (50.0)\t20 (50.0)",
    "\tECOG performance status",
    "\t 0\t30 (37.5)\t10 (25.0)\tP = 0.05",
    "\t 1\t50 (62.5)\t30 (75.0)",
    "",
    "Data are number (%) unless otherwise indicated.",
    "a Two independent sample t-test for continuous variables; Fisher exact test for "
    "categorical variables.",
])

#: An adverse-event table: each group spans an any-grade and a grade >= 3 column.
ADVERSE = "\n".join([
    "TABLE 2 | Adverse events occurring in at least 10% of the patients in either group."
    "\t\tDrug A (n = 80)\tPlacebo (n = 40)",
    "\tPreferred term\tAny grade\tGrade ≥3\tAny grade\tGrade ≥3",
    "\tNausea\t24 (30.0)\t2 (2.5)\t4 (10.0)\t0",
    "\tRash\t16 (20.0)\t0\t8 (20.0)\t1 (2.5)",
    "\tNausea\t9 (11.3)\t0\t2 (5.0)\t0",
    "",
    "Data are number (%).",
])


def _by_type(found: list[dict[str, object]], ctype: str) -> list[dict[str, object]]:
    return [c for c in found if c["type"] == ctype]


def test_groups_come_from_the_header() -> None:
    from madeup_papers import extract

    groups = {g.name: (g.label, g.n) for g in extract(tables=BASELINE).groups}
    # The header declares the groups; the overall population is their sum.
    assert groups == {"drug-a": ("Drug A", 80), "placebo": ("Placebo", 40),
                      "overall": ("overall population", 120)}


def test_characteristics_with_levels_and_p_values() -> None:
    found = claims(tables=BASELINE)
    cats = _by_type(found, "categorical")
    assert [c["characteristic"] for c in cats] == ["Sex", "ECOG performance status"]
    assert cats[0]["levels"] == [
        {"level": "Male", "cells": {"drug-a": "40 (50.0)", "placebo": "20 (50.0)"}},
        {"level": "Female", "cells": {"drug-a": "40 (50.0)", "placebo": "20 (50.0)"}},
    ]
    # 50.0 + 50.0 = 100: every level is printed, so the levels must sum to the group size.
    assert "complete" not in cats[0]
    ps = _by_type(found, "p-value")
    assert [(p["p"], p["test"], p["table_from"], p["test_stated_at"]) for p in ps] == [
        ("P = 1.000", "fisher", cats[0]["id"], "Table 1 note a"),
        ("P = 0.05", "fisher", cats[1]["id"], "Table 1 note a"),
    ]
    assert all(p["confidence"] == "high" for p in ps)


def test_median_iqr_row_gives_a_summary_test() -> None:
    (test,) = _by_type(claims(tables=BASELINE), "summary-test")
    assert test["test"] == "t-test"
    assert test["p"] == "P = 0.210"
    assert test["summaries"] == {"drug-a": {"median": "61", "q1": "55", "q3": "66"},
                                 "placebo": {"median": "63", "q1": "57", "q3": "69"}}


def test_table_p_values_are_audited() -> None:
    result = {f.id: f for f in audit(tables=BASELINE).findings}
    sex_p = next(f for f in result.values() if f.check == "p-value" and "1.000" in f.reported[0])
    # Identical 50% splits: Fisher's p is 1.
    assert sex_p.status == "pass"
    ecog_p = next(f for f in result.values() if f.check == "p-value" and "0.05" in f.reported[0])
    # [[30, 50], [10, 30]]: 37.5% vs 25.0%; Fisher's two-sided p is about 0.22, far from 0.05.
    assert ecog_p.status == "fail"


def test_adverse_event_rows_duplicates_and_threshold() -> None:
    found = claims(tables=ADVERSE)
    rows = _by_type(found, "ae-row")
    assert [r["term"] for r in rows] == ["Nausea", "Rash", "Nausea"]
    assert rows[1]["cells"] == {"drug-a": {"any": "16 (20.0)", "grade3": "0"},
                                "placebo": {"any": "8 (20.0)", "grade3": "1 (2.5)"}}
    assert _by_type(found, "duplicate-rows")[0]["table"] == "Table 2"
    assert _by_type(found, "table-threshold")[0]["percent"] == "10"


def test_adverse_event_table_audit() -> None:
    findings = audit(tables=ADVERSE).findings
    failed = {f.check for f in findings if f.status == "fail"}
    # "Nausea" twice; and 9/80 = 11.25%, printed 11.3 (fine), 2/40 = 5.0% is below the 10%
    # threshold in both groups (11.3% in drug A reaches it), so only the duplicate fails.
    assert failed == {"duplicate-rows"}


def test_incomplete_levels_are_marked() -> None:
    table = "\n".join([
        "TABLE 1 | Baseline.\tCharacteristic\tDrug A (n = 80)\tPlacebo (n = 40)",
        "\tSmoking",
        "\t Never\t40 (50.0)\t20 (50.0)",
        "\t Current\t20 (25.0)\t10 (25.0)",
        "",
    ])
    (cat,) = _by_type(claims(tables=table), "categorical")
    # 50.0 + 25.0 = 75: a level (former smokers, say) is not printed.
    assert cat["complete"] is False


def test_ambiguous_test_statement_is_low_confidence() -> None:
    table = "\n".join([
        "TABLE 1 | Baseline.\tCharacteristic\tDrug A (n = 80)\tPlacebo (n = 40)\tP",
        "\tSex",
        "\t Male\t40 (50.0)\t4 (10.0)\tP = 0.30",
        "\t Female\t40 (50.0)\t36 (90.0)",
        "",
    ])
    methods = "Proportions were compared by chi-square test or Fisher exact test."
    (p,) = _by_type(claims(tables=table, methods=methods), "p-value")
    # No note; the Methods name two tests.  Expected counts 29.3, 50.7, 14.7, 25.3 are all
    # at least 5, so "as appropriate" means chi-square; the reading is a guess.
    assert (p["test"], p["confidence"]) == ("chi-square", "low")
    found = next(f for f in audit(tables=table, methods=methods).findings
                 if f.check == "p-value")
    # 50% vs 10% gives p < 0.001, not 0.30: a failure, reported as a warning because the
    # test was guessed.
    assert found.status == "warn"
    assert "low confidence" in found.message


def _ae_table(counts: list[tuple[str, int, int]]) -> str:
    """An adverse-event table of (term, drug A count of 80, placebo count of 40) rows."""
    head = ["TABLE 2 | Adverse events.\t\tDrug A (n = 80)\tPlacebo (n = 40)",
            "\tPreferred term\tAny grade\tGrade ≥3\tAny grade\tGrade ≥3"]
    rows = [f"\t{t}\t{a} ({100 * a / 80:.1f})\t0\t{b} ({100 * b / 40:.1f})\t0"
            for t, a, b in counts]
    return "\n".join([*head, *rows, "", "Data are number (%)."])


def test_row_order_is_inferred_from_the_table() -> None:
    # Drug A's counts fall row by row but for Fever (30, printed between 20
    # and 18); placebo's follow no order. The order claim is drug A's, and the
    # audit warns on Fever.
    tail = [("Anemia", 11, 5), ("Dry skin", 10, 3), ("Vomiting", 9, 7)]
    counts = [("Nausea", 40, 3), ("Rash", 36, 10), ("Cough", 25, 1), ("Fatigue", 20, 8),
              ("Fever", 30, 2), ("Pruritus", 18, 9), ("Headache", 12, 4), *tail]
    (order,) = _by_type(claims(tables=_ae_table(counts)), "row-order")
    assert (order["group"], order["column"], order["confidence"]) == ("drug-a", "any", "medium")
    warned = [f for f in audit(tables=_ae_table(counts)).findings if f.check == "row-order"]
    assert [(f.status, list(f.reported)) for f in warned] == [("warn", ["Fever"])]
    # no group's counts keep an order (3 and 6 of the 10 rows out of it): no claim
    shuffled = [("Nausea", 20, 3), ("Rash", 36, 10), ("Cough", 25, 1), ("Fatigue", 40, 8),
                ("Fever", 30, 2), ("Pruritus", 18, 9), ("Headache", 12, 4), *tail]
    assert _by_type(claims(tables=_ae_table(shuffled)), "row-order") == []
    # seven rows, one out of order: too short a table to read an order from
    assert _by_type(claims(tables=_ae_table(counts[:7])), "row-order") == []
