"""Every stored R reference case through crossval, and through live R.

This is the suite's main agreement test: ``reference/r-reference.json`` holds
R's answers (written by ``reference/generate_reference.R``), and the tolerances
in ``crossval.compare.tolerances`` are the promised agreement.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from crossval.compare.fields import compare_quantity, relative_difference
from crossval.compare.reference_cases import load_reference
from crossval.compare.tolerances import Tolerance, tolerance_for
from crossval.compare.validate import validate


def _failures(run) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for chk in run.checks:
        if chk.error:
            out.append(f"{chk.case_id} [{chk.against}]: {chk.error}")
        for c in chk.comparisons:
            if not c.passed:
                out.append(
                    f"{chk.case_id} [{chk.against}] {c.quantity}: rel diff "
                    f"{c.worst_rel_diff:.3g} > {c.tolerance.rel:g} ({c.detail})"
                )
    return out


def test_every_reference_case_agrees_with_stored_r_output() -> None:
    run = validate(live_r="off")
    assert run.checks, "no reference cases were run"
    assert not _failures(run), "\n".join(_failures(run)[:40])


def test_reference_covers_every_function() -> None:
    ref = load_reference()
    functions = {c.function for c in ref.cases}
    assert functions >= {
        "kaplan_meier", "logrank", "cox_ph", "binom_ci", "binom_test", "fisher_exact",
        "chi2_test",
    }


@pytest.mark.r
def test_every_reference_case_agrees_with_live_r() -> None:
    run = validate(live_r="require")
    live = [c for c in run.checks if c.against == "live-r"]
    assert live, "live R was required but no case was run through it"
    assert not _failures(run), "\n".join(_failures(run)[:40])


def test_relative_difference_rules() -> None:
    # Hand cases: equal values (including inf and nan pairs) differ by 0;
    # 1 vs 1 + 1e-10 differ by 1e-10 / (1 + 1e-10); nan vs a number never agrees.
    same = np.array([0.0, np.inf, np.nan])
    assert relative_difference(same, same.copy()) == 0
    assert math.isclose(relative_difference(np.array(1.0), np.array(1.0 + 1e-10)), 1e-10,
                        rel_tol=1e-5)
    assert relative_difference(np.array(np.nan), np.array(1.0)) == math.inf
    assert relative_difference(np.array([1.0]), np.array([1.0, 2.0])) == math.inf


def test_exact_tolerance_fails_on_any_difference() -> None:
    tol = tolerance_for("kaplan_meier", "median")
    assert tol.exact
    assert not compare_quantity("median", np.array(310.0), np.array(310.0000001), tol).passed
    assert compare_quantity("median", np.array(np.nan), np.array(np.nan), tol).passed


def test_an_absolute_floor_accepts_round_off_around_zero_only() -> None:
    # A Cox coefficient 0 by symmetry: crossval 0.0, R 1.7e-16 (relative
    # difference 1). The floor is 1e-12 standard errors: 1.7e-16 is far
    # below it; 0.001 of an SE is not, nor is a nan.
    tol = tolerance_for("cox_ph", "coef")
    fields = {"se": np.array([1.0, 2.0])}
    assert compare_quantity("coef", np.array([0.0, 0.5]), np.array([1.7e-16, 0.5]), tol,
                            fields).passed
    assert not compare_quantity("coef", np.array([0.0, 0.5]), np.array([1e-3, 0.5]), tol,
                                fields).passed
    assert not compare_quantity("coef", np.array([0.0]), np.array([np.nan]), tol,
                                {"se": np.array([1.0])}).passed
    # the floor scales with each coefficient's own SE, element by element
    assert compare_quantity("coef", np.array([0.0, 0.0]), np.array([1e-13, 1.5e-12]), tol,
                            fields).passed
    assert not compare_quantity("coef", np.array([0.0, 0.0]), np.array([1.5e-12, 1e-13]), tol,
                                fields).passed
    # without crossval's SE at hand the floor is 0: only the relative rule
    assert not compare_quantity("coef", np.array([0.0]), np.array([1.7e-16]), tol).passed
    # a chi-square statistic of 0 (identical groups): an unscaled floor of 1e-12
    chi = tolerance_for("logrank", "statistic")
    assert compare_quantity("statistic", np.array(0.0), np.array(3e-30), chi).passed
    assert not compare_quantity("statistic", np.array(0.0), np.array(3e-11), chi).passed
    # lrt's floor is scaled by the largest |log-likelihood|
    lrt = tolerance_for("cox_ph", "lrt")
    assert compare_quantity("lrt", np.array(0.0), np.array(4e-11), lrt,
                            {"loglik": np.array([-100.0, -100.0])}).passed


def test_conventions_are_named() -> None:
    assert tolerance_for("fisher_exact", "odds_ratio").convention
    assert tolerance_for("cox_ph", "coef", r_default_eps=True).convention
    assert tolerance_for("cox_ph", "coef") == Tolerance(rel=1e-7, abs=1e-12, abs_per="se")


def test_validate_cli_writes_report_with_versions(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from crossval.cli import main

    out = tmp_path / "report.json"
    code = main(["validate", "--no-r", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "worst relative difference per method" in text
    assert "kaplan_meier" in text and "cox_ph" in text
    doc = json.loads(out.read_text())
    assert doc["passed"] is True
    for key in ("crossval", "numpy", "scipy", "reference_r", "reference_survival"):
        assert doc["versions"][key]
    assert {c["function"] for c in doc["cases"]} >= {"kaplan_meier", "logrank", "cox_ph"}


def test_validate_exits_1_on_a_wrong_reference_value(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from crossval.cli import main
    from crossval.compare.reference_cases import default_reference_path

    doc = json.loads(default_reference_path().read_text())
    case = next(
        c for c in doc["cases"] if c["function"] == "binom_ci" and c["expected"]["low"] > 0
    )
    doc["cases"] = [case]
    case["expected"]["low"] = case["expected"]["low"] * (1 + 1e-6)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code = main(["validate", "--no-r", "--reference", str(bad), "--json", str(tmp_path / "r.json")])
    assert code == 1
    assert "FAIL" in capsys.readouterr().out
