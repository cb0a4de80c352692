"""Counts with percentages, GRIM, counts restated from tables, table rows."""

from __future__ import annotations

from collections.abc import Callable

from crossval.audit import Finding

Audit = Callable[[str], dict[str, Finding]]


def count_claim(cid: str, count: str | None, percent: str | None, denominator: str) -> str:
    lines = [f"- id: {cid}", "  type: count", "  location: {section: Results}"]
    if count is not None:
        lines.append(f'  count: "{count}"')
    if percent is not None:
        lines.append(f'  percent: "{percent}"')
    quoted = f'"{denominator}"' if denominator.isdigit() else denominator
    lines.append(f"  denominator: {quoted}")
    return "\n".join(lines) + "\n"


def test_count_matches_percentage(audit_yaml: Audit) -> None:
    # 17/50 = 0.34 exactly -> 34.0%.
    f = audit_yaml(count_claim("x", "17", "34.0", "b"))["x"]
    assert (f.status, f.check) == ("pass", "count-percentage")
    assert f.reported == ("17", "34.0%")
    assert f.expected == "17/50 = 34.0%"


def test_count_off_by_one_names_the_neighbouring_count(audit_yaml: Audit) -> None:
    # 16/50 = 32.0%, so "16 (34.0%)" is wrong.  34.0% stands for [33.95, 34.05]
    # of 50, i.e. a count in [16.975, 17.025]: only 17.
    f = audit_yaml(count_claim("x", "16", "34.0", "b"))["x"]
    assert f.status == "fail"
    assert f.expected == "16/50 = 32.0%"
    assert "17/50 = 34.0%" in f.message and "neighbouring" in f.message


def test_wrong_denominator_is_named(audit_yaml: Audit) -> None:
    # 15 of 150 is 10.0%; printed as "15 (10.0%)" of arm A (n = 100, which gives
    # 15.0%), the denominator 150 of the overall group explains it.
    f = audit_yaml(count_claim("x", "15", "10.0", "a"))["x"]
    assert f.status == "fail"
    assert "15/150 = 10.0%" in f.message and "overall" in f.message


def test_boundary_counts_as_agreement_and_says_so(audit_yaml: Audit) -> None:
    # 1/8 = 12.5% exactly: the boundary between "12" and "13"; both pass.
    found = audit_yaml(count_claim("up", "1", "13", "8") + count_claim("down", "1", "12", "8"))
    assert found["up"].status == found["down"].status == "pass"
    assert "boundary" in found["up"].message


def test_double_rounding_is_a_warning(audit_yaml: Audit) -> None:
    # 156/344 = 45.3488...%: rounds to 45.3; only 45.3488 -> 45.35 -> 45.4 gives 45.4.
    f = audit_yaml(count_claim("x", "156", "45.4", "344"))["x"]
    assert f.status == "warn"
    assert "twice" in f.message and f.expected == "156/344 = 45.3%"


def test_grim_possible_and_impossible(audit_yaml: Audit) -> None:
    # 54.5% of 44: the interval [54.45, 54.55] times 44/100 is [23.958, 24.002],
    # which holds the count 24.  20.1% of 44: [20.05, 20.15] * 0.44 =
    # [8.822, 8.866] holds no whole count (8/44 = 18.2%, 9/44 = 20.5%).
    found = audit_yaml(count_claim("ok", None, "54.5", "44")
                       + count_claim("impossible", None, "20.1", "44"))
    assert (found["ok"].status, found["ok"].check) == ("pass", "grim")
    assert found["ok"].details["possible_counts"] == [24]
    assert (found["impossible"].status, found["impossible"].check) == ("fail", "grim")
    message = found["impossible"].message
    assert "8/44 = 18.2%" in message and "9/44 = 20.5%" in message


def test_count_larger_than_denominator(audit_yaml: Audit) -> None:
    f = audit_yaml(count_claim("x", "51", "102.0", "b"))["x"]
    assert f.status == "fail" and "exceeds" in f.message


TABLE = """
- id: t1-sex
  type: categorical
  location: {section: Table 1, table: Table 1, row: Sex}
  characteristic: Sex
  levels:
    - {level: Male, cells: {a: "38 (38.0)", b: "19 (38.0)"}}
    - {level: Female, cells: {a: "62 (62.0)", b: "31 (62.0)"}}
"""


def test_count_restated_from_table_cells(audit_yaml: Audit) -> None:
    # 38 + 19 = 57 men of 150: 57/150 = 0.38 -> 38.0%.
    claims = TABLE + """
- id: text-male
  type: count
  location: {section: Results}
  percent: "38.0"
  denominator: all
  count_from: [t1-sex/Male/a, t1-sex/Male/b]
- id: text-male-count
  type: count
  location: {section: Results}
  count: "58"
  denominator: all
  count_from: [t1-sex/Male/a, t1-sex/Male/b]
"""
    found = audit_yaml(claims)
    assert (found["text-male"].status, found["text-male"].check) == ("pass", "count-sum")
    assert found["text-male"].details["count_from"] == {"t1-sex/Male/a": 38, "t1-sex/Male/b": 19}
    # The text's 58 is not 38 + 19 = 57.
    assert found["text-male-count"].status == "fail"
    assert "38 + 19 = 57" in found["text-male-count"].message


def test_categorical_rows(audit_yaml: Audit) -> None:
    # 19/50 = 38.0%, not 39.0%; and 38 + 61 = 99 is not the group's 100.
    bad = TABLE.replace('b: "19 (38.0)"', 'b: "19 (39.0)"').replace("t1-sex", "t1-bad")
    incomplete = TABLE.replace('a: "62 (62.0)"', 'a: "61 (61.0)"').replace("t1-sex", "t1-inc")
    found = audit_yaml(TABLE + bad + incomplete)
    assert found["t1-sex"].status == "pass"
    assert found["t1-bad"].status == "fail" and "19/50 = 38.0%" in found["t1-bad"].message
    assert found["t1-inc"].status == "fail" and "sum to 99" in found["t1-inc"].message


def ae_row(cid: str, term: str, a_any: str, a_g3: str, b_any: str, b_g3: str) -> str:
    return f"""
- id: {cid}
  type: ae-row
  location: {{section: Table 2, table: Table 2, row: "{term}"}}
  term: "{term}"
  cells:
    a: {{any: "{a_any}", grade3: "{a_g3}"}}
    b: {{any: "{b_any}", grade3: "{b_g3}"}}
"""


def test_ae_rows(audit_yaml: Audit) -> None:
    # Rash: 50/100 = 50.0%, 1/100 = 1.0%, 25/50 = 50.0%, 2/50 = 4.0% -> fine.
    # Cough: 3 grade >= 3 events among 2 any-grade events is impossible.
    found = audit_yaml(
        ae_row("rash", "Rash", "50 (50.0)", "1 (1.0)", "25 (50.0)", "2 (4.0)")
        + ae_row("cough", "Cough", "2 (2.0)", "3 (3.0)", "0", "0")
    )
    assert found["rash"].status == "pass"
    assert found["cough"].status == "fail" and "exceeds the any-grade" in found["cough"].message


def test_duplicate_rows_and_threshold(audit_yaml: Audit) -> None:
    rows = (ae_row("v1", "Vomiting", "15 (15.0)", "0", "7 (14.0)", "1 (2.0)")
            + ae_row("v2", "Vomiting", "11 (11.0)", "0", "5 (10.0)", "0")
            + ae_row("fever", "Fever", "8 (8.0)", "0", "4 (8.0)", "0"))
    checks = """
- id: dups
  type: duplicate-rows
  location: {section: Table 2, table: Table 2}
  table: Table 2
- id: threshold
  type: table-threshold
  location: {section: Table 2, table: Table 2}
  table: Table 2
  percent: "10"
"""
    found = audit_yaml(rows + checks)
    assert found["dups"].status == "fail"
    assert "'Vomiting' is listed 2 times with different numbers" in found["dups"].message
    # Fever is 8/100 = 8% and 4/50 = 8%: under 10% in both groups.
    assert found["threshold"].status == "fail" and "Fever (8.0%)" in found["threshold"].message
    clean = audit_yaml(ae_row("v1", "Vomiting", "15 (15.0)", "0", "7 (14.0)", "1 (2.0)")
                       + checks)
    assert clean["dups"].status == "pass" and clean["threshold"].status == "pass"


def test_top_rows(audit_yaml: Audit) -> None:
    # Grade >= 3 in arm A: Rash 3, Cough 2, Fatigue 1.  Naming Rash and Cough as
    # the most frequent is right; naming Rash and Fatigue skips Cough (2 > 1);
    # "Rash (3.0%)" is 3/100; "Rash (4.0%)" is not.
    rows = (ae_row("rash", "Rash", "20 (20.0)", "3 (3.0)", "0", "0")
            + ae_row("cough", "Cough", "10 (10.0)", "2 (2.0)", "0", "0")
            + ae_row("fatigue", "Fatigue", "10 (10.0)", "1 (1.0)", "0", "0"))

    def top(cid: str, terms: str, percents: str = "") -> str:
        extra = f"\n  percents: {percents}" if percents else ""
        return f"""
- id: {cid}
  type: top-rows
  location: {{section: Results}}
  table: Table 2
  group: a
  column: grade3
  terms: {terms}{extra}
"""

    found = audit_yaml(rows + top("right", "[Rash, Cough]", '["3.0", "2.0"]')
                       + top("skips", "[Rash, Fatigue]")
                       + top("wrong-pct", "[Rash]", '["4.0"]')
                       + top("unknown", "[Nausea]"))
    assert found["right"].status == "pass" and found["right"].check == "top-rows"
    assert found["skips"].status == "fail" and "'cough' (2)" in found["skips"].message
    assert found["wrong-pct"].status == "fail" and "3/100 = 3.0%" in found["wrong-pct"].message
    assert found["unknown"].status == "fail" and "no row 'Nausea'" in found["unknown"].message
    # A table with no recorded rows is not evidence against the text: unverifiable, as
    # for the other table checks.
    elsewhere = audit_yaml(rows + top("other", "[Rash]").replace("Table 2", "Table 9"))["other"]
    assert elsewhere.status == "unverifiable" and "No adverse-event rows of Table 9" in \
        elsewhere.message


def _order_claim(cid: str, column: str = "any") -> str:
    return f"""
- id: {cid}
  type: row-order
  location: {{section: Table 2, table: Table 2}}
  table: Table 2
  group: a
  column: {column}
"""


def test_row_order(audit_yaml: Audit) -> None:
    # Arm A any-grade: 40, 30, 30, 35, 20, 10. Ties keep the order; 35 after
    # 30, 30 is the one row out of it: in order it stands between Rash (40)
    # and Cough (30), and at its place a count of 20-30 would fit.
    counts = [("Rash", 40), ("Cough", 30), ("Fever", 30), ("Nausea", 35), ("Fatigue", 20),
              ("Pruritus", 10)]
    rows = "".join(ae_row(name.lower(), name, f"{n} ({n}.0)", "0", "0", "0")
                   for name, n in counts)
    found = audit_yaml(rows + _order_claim("order") + _order_claim("g3", "grade3"))
    order = found["order"]
    assert order.status == "warn" and list(order.reported) == ["Nausea"]
    assert "'Nausea' (35) is printed where a count of 20–30 would stand" in order.message
    assert "between Rash (40) and Cough (30)" in order.message
    # all grade >= 3 counts are 0: in order
    assert found["g3"].status == "pass"
    in_order = "".join(ae_row(name.lower(), name, f"{n} ({n}.0)", "0", "0", "0")
                       for name, n in sorted(counts, key=lambda c: -c[1]))
    assert audit_yaml(in_order + _order_claim("order"))["order"].status == "pass"
    two = "".join(ae_row(name.lower(), name, f"{n} ({n}.0)", "0", "0", "0")
                  for name, n in counts[:2])
    assert audit_yaml(two + _order_claim("order"))["order"].status == "unverifiable"
