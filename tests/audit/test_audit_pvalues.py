"""P-values of contingency tables: stated test, other tests, other rows' tables."""

from __future__ import annotations

import math
from collections.abc import Callable

from crossval.audit import Finding

Audit = Callable[[str], dict[str, Finding]]


def p_claim(cid: str, p: str, test: str, table: str, row: str = "r") -> str:
    return f"""
- id: {cid}
  type: p-value
  location: {{section: Table 1, table: Table 1, row: {row}}}
  p: "{p}"
  test: {test}
  table: {table}
"""


DIAGONAL = '[["3", "0"], ["0", "3"]]'


def test_fisher_by_hand(audit_yaml: Audit) -> None:
    # [[3, 0], [0, 3]]: all margins 3, N = 6.  P(a = k) = C(3,k)·C(3,3−k)/C(6,3)
    # = 1/20, 9/20, 9/20, 1/20 for k = 0..3.  The observed a = 3 has 1/20; the
    # two-sided p sums the tables at most that likely: 2/20 = 0.1.
    probs = [math.comb(3, k) * math.comb(3, 3 - k) / math.comb(6, 3) for k in range(4)]
    p = sum(q for q in probs if q <= probs[3])
    assert p == 0.1
    f = audit_yaml(p_claim("x", "P = 0.100", "fisher", DIAGONAL))["x"]
    assert (f.status, f.check) == ("pass", "p-value")
    assert math.isclose(f.details["p_values"]["fisher"], p, rel_tol=1e-12)


def test_chi_square_reproduces_a_p_stated_as_fisher(audit_yaml: Audit) -> None:
    # Pearson chi-square on [[3, 0], [0, 3]]: every expected count is 1.5, so
    # X² = 4 · (1.5²/1.5) = 6 on 1 df, p = P(|Z| > √6) = erfc(√3) = 0.0143.
    p_chi = math.erfc(math.sqrt(3))
    assert f"{p_chi:.3f}" == "0.014"
    f = audit_yaml(p_claim("x", "P = 0.014", "fisher", DIAGONAL))["x"]
    assert f.status == "fail"
    assert f.details["reproduced_by"] == ["chi-square"]
    assert "chi-square without continuity correction" in f.message


def test_yates_by_hand(audit_yaml: Audit) -> None:
    # With Yates's correction |O − E| = 1.5 shrinks to 1.0: X² = 4 · 1/1.5 = 8/3,
    # p = erfc(sqrt(4/3)) = 0.1025.
    p_yates = math.erfc(math.sqrt(4 / 3))
    assert f"{p_yates:.3f}" == "0.102"
    f = audit_yaml(p_claim("x", "P = 0.102", "chi-square-yates", DIAGONAL))["x"]
    assert f.status == "pass"


def test_inequality_forms(audit_yaml: Audit) -> None:
    # [[5, 5], [5, 5]] is the most likely table given its margins, so Fisher's
    # p sums every table: 1 -> "P > 0.999" and "P = 1.000" hold.
    # [[20, 0], [0, 20]]: only it and its mirror are as extreme, p = 2/C(40,20)
    # = 1.45e-11 -> "P < 0.0001".
    assert 2 / math.comb(40, 20) < 1e-10
    found = audit_yaml(
        p_claim("gt", "P > 0.999", "fisher", '[["5", "5"], ["5", "5"]]', "a")
        + p_claim("eq", "P = 1.000", "fisher", '[["5", "5"], ["5", "5"]]', "b")
        + p_claim("lt", "P < 0.0001", "fisher", '[["20", "0"], ["0", "20"]]', "c")
        + p_claim("not-lt", "P < 0.0001", "fisher", '[["5", "5"], ["5", "5"]]', "d")
    )
    assert [found[k].status for k in ("gt", "eq", "lt", "not-lt")] == [
        "pass", "pass", "pass", "fail"]


def test_no_test_and_a_sibling_row(audit_yaml: Audit) -> None:
    # "P = 0.500" on the diagonal table: Fisher 0.1, chi-square 0.014,
    # Yates 0.102, G smaller still -> nothing reproduces it...
    found = audit_yaml(p_claim("lone", "P = 0.500", "fisher", DIAGONAL, "first"))
    assert found["lone"].status == "fail"
    assert "no test crossval knows reproduces it" in found["lone"].message
    # ...but if another row of the same table has Fisher p = 0.1 printed as
    # "P = 0.100" on a row whose own table gives p = 1, the shift is named.
    found = audit_yaml(
        p_claim("shifted", "P = 0.100", "fisher", '[["5", "5"], ["5", "5"]]', "first")
        + p_claim("source", "P = 0.100", "fisher", DIAGONAL, "second")
    )
    assert found["source"].status == "pass"
    shifted = found["shifted"]
    assert shifted.status == "fail"
    assert shifted.details["reproduced_by_other_table"]["claim"] == "source"
    assert "shifted from another row" in shifted.message


def test_r_by_c_table_from_a_categorical_claim(audit_yaml: Audit) -> None:
    # A 2×3 table with identical rows [[2, 4, 6], [1, 2, 3]] is the most likely
    # table for its margins: Fisher p = 1, chi-square X² = 0, p = 1.
    claims = """
- id: levels
  type: categorical
  location: {section: Table 1, table: Table 1, row: Stage}
  characteristic: Stage
  complete: false
  levels:
    - {level: I, cells: {a: "2 (2.0)", b: "1 (2.0)"}}
    - {level: II, cells: {a: "4 (4.0)", b: "2 (4.0)"}}
    - {level: III, cells: {a: "6 (6.0)", b: "3 (6.0)"}}
- id: levels-p
  type: p-value
  location: {section: Table 1, table: Table 1, row: Stage}
  p: "P > 0.999"
  test: fisher
  table_from: levels
"""
    found = audit_yaml(claims)
    assert found["levels"].status == "pass"
    assert found["levels-p"].status == "pass"
    assert found["levels-p"].details["table"] == [[2, 4, 6], [1, 2, 3]]
    assert "chi-square-yates" not in found["levels-p"].details["p_values"]


def test_same_unreproduced_p_on_two_rows_is_pointed_out(audit_yaml: Audit) -> None:
    # Both rows print P = 0.500, which neither table gives (diagonal: Fisher
    # 0.1; [[5, 5], [5, 5]]: 1): each names the other as a likely copy.
    found = audit_yaml(p_claim("one", "P = 0.500", "fisher", DIAGONAL, "first")
                       + p_claim("two", "P = 0.500", "fisher", '[["5", "5"], ["5", "5"]]',
                                 "second"))
    assert found["one"].details["same_printed_p"] == ["two"]
    assert found["two"].details["same_printed_p"] == ["one"]
    assert "copied between rows" in found["one"].message
