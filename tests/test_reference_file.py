"""Integrity of the checked-in R reference data, reference/r-reference.json.

Every test but the last reads only the JSON file and docs/api-contract.md, so
they run without R. The counting checks recompute, from the dataset columns
embedded in the file, the totals that R's results must agree with (subjects,
events, censorings); they prove the embedded data are the data R was run on.

The last test re-runs reference/generate_reference.R into a temporary
directory and requires the output to be byte-identical to the checked-in file.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crossval.stats.interval import ConfidenceInterval
from crossval.testing.pytest_plugin import r_required
from rscript_helper import run_rscript

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference" / "r-reference.json"
SCRIPT = ROOT / "reference" / "generate_reference.R"
CONTRACT = ROOT / "docs" / "api-contract.md"

# Which result type each function returns (docs/api-contract.md, module table).
RESULT_TYPE = {
    "kaplan_meier": "KaplanMeierResult",
    "logrank": "LogRankResult",
    "cox_ph": "CoxResult",
    "binom_ci": "ConfidenceInterval",
    "binom_test": "BinomTestResult",
    "fisher_exact": "FisherResult",
    "chi2_test": "Chi2Result",
    "g_test": "GTestResult",
}
SURVIVAL_FUNCTIONS = {"kaplan_meier", "logrank", "cox_ph"}
COLUMN_ROLES = {"time", "event", "group", "strata", "start", "weights", "covariates"}
# Option name in a case -> vocabulary name in the contract.
OPTION_VOCABULARY = {
    "conf_type": "conf_type",
    "median_rule": "median_rule",
    "ties": "ties",
    "method": "method",
    "alternative": "alternative",
    "two_sided_rule": "two_sided_rule",
}


@cache
def reference() -> dict[str, Any]:
    with REFERENCE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def cases() -> list[dict[str, Any]]:
    return list(reference()["cases"])


def contract_text() -> str:
    return CONTRACT.read_text(encoding="utf-8")


def contract_functions() -> set[str]:
    """Function names in the contract's module table (`name(` inside backticks)."""
    names: set[str] = set()
    for line in contract_text().splitlines():
        if line.startswith("| `stats/"):
            names.update(re.findall(r"`(\w+)\(", line))
    return names


def contract_result_fields(result_type: str) -> set[str]:
    """The field names listed in the contract as ``Type(a, b (note), c)``."""
    if result_type == "ConfidenceInterval":
        return {f.name for f in dataclasses.fields(ConfidenceInterval)}
    text = contract_text()
    start = end = text.index(result_type + "(") + len(result_type) + 1
    depth = 1
    while depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    inner = text[start : end - 1]
    while re.search(r"\([^()]*\)", inner):  # drop notes such as "(p×2)"
        inner = re.sub(r"\([^()]*\)", "", inner)
    return {part.strip() for part in inner.split(",")}


def contract_vocabulary(name: str) -> set[str]:
    match = re.search(rf"^- `{name}`[^:]*: (.*)$", contract_text(), flags=re.MULTILINE)
    assert match, f"vocabulary {name} not in the contract"
    return set(re.findall(r"`([^`]+)`", match.group(1)))


def dataset_rows(case: dict[str, Any]) -> dict[str, list[Any]]:
    """The case's dataset columns after its subset."""
    columns = reference()["datasets"][case["dataset"]]["columns"]
    subset = case.get("subset")
    if subset is None:
        return columns
    keep = [v == subset["value"] for v in columns[subset["column"]]]
    return {name: [v for v, k in zip(col, keep, strict=True) if k] for name, col in columns.items()}


# --- the file as a whole ------------------------------------------------------


def test_file_parses_and_is_stamped() -> None:
    data = reference()
    assert "Do not edit" in data["_note"]
    assert data["generated_by"] == "reference/generate_reference.R"
    assert re.fullmatch(r"R version \d+\.\d+\.\d+.*", data["r_version"]), data["r_version"]
    assert re.fullmatch(r"\d+\.\d+[.-]\d+", data["survival_version"]), data["survival_version"]


def test_file_size_is_bounded() -> None:
    assert REFERENCE.stat().st_size < 5_000_000


def test_every_case_has_id_function_and_expected() -> None:
    for case in cases():
        assert isinstance(case.get("id"), str) and case["id"], case
        assert isinstance(case.get("function"), str), case["id"]
        assert isinstance(case.get("expected"), dict) and case["expected"], case["id"]
        assert isinstance(case.get("r_call"), str) and case["r_call"], case["id"]


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in cases()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates


def test_functions_are_contract_functions() -> None:
    allowed = contract_functions()
    assert {"kaplan_meier", "cox_ph", "binom_ci", "fisher_exact"} <= allowed
    unknown = {case["function"] for case in cases()} - allowed
    assert not unknown


def test_every_function_of_the_task_has_cases() -> None:
    present = {case["function"] for case in cases()}
    wanted = {
        "kaplan_meier",
        "logrank",
        "cox_ph",
        "binom_ci",
        "binom_test",
        "fisher_exact",
        "chi2_test",
    }
    assert wanted <= present


def implemented_result_fields(result_type: str) -> set[str]:
    """Fields of crossval's result class, when it is implemented (fields added to the contract)."""
    for module in ("kaplan_meier", "logrank", "cox", "binomial", "contingency", "interval"):
        try:
            mod = importlib.import_module(f"crossval.stats.{module}")
        except ImportError:
            continue
        cls = getattr(mod, result_type, None)
        if cls is not None and dataclasses.is_dataclass(cls):
            return {f.name for f in dataclasses.fields(cls)}
    return set()


def test_expected_fields_are_result_fields() -> None:
    for case in cases():
        result_type = RESULT_TYPE[case["function"]]
        fields = contract_result_fields(result_type) | implemented_result_fields(result_type)
        extra = set(case["expected"]) - fields
        assert not extra, f"{case['id']}: {sorted(extra)} not fields of the result"


def test_options_use_contract_vocabularies() -> None:
    vocab = {key: contract_vocabulary(name) for key, name in OPTION_VOCABULARY.items()}
    for case in cases():
        for key, value in case.get("options", {}).items():
            if key in vocab:
                assert value in vocab[key], f"{case['id']}: {key}={value!r}"


# --- datasets -----------------------------------------------------------------


def test_dataset_columns_have_equal_lengths_and_numbers() -> None:
    for name, ds in reference()["datasets"].items():
        assert ds["source"], name
        lengths = {col: len(values) for col, values in ds["columns"].items()}
        assert len(set(lengths.values())) == 1, f"{name}: {lengths}"
        assert ds["n_rows"] == next(iter(lengths.values())), name
        for col, values in ds["columns"].items():
            for v in values:
                ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                assert ok, f"{name}.{col}: {v!r}"


def test_case_columns_exist_in_their_dataset() -> None:
    datasets = reference()["datasets"]
    for case in cases():
        if case["function"] not in SURVIVAL_FUNCTIONS:
            assert "dataset" not in case and "inputs" in case, case["id"]
            continue
        assert "inputs" not in case, case["id"]
        columns = datasets[case["dataset"]]["columns"]
        assert set(case["columns"]) <= COLUMN_ROLES, case["id"]
        for role, ref in case["columns"].items():
            names = ref if role == "covariates" else [ref]
            for col in names:
                assert col in columns, f"{case['id']}: {role} -> {col}"
        subset = case.get("subset")
        if subset is not None:
            assert subset["value"] in columns[subset["column"]], case["id"]


def test_events_are_zero_or_one() -> None:
    for case in cases():
        if case["function"] in SURVIVAL_FUNCTIONS:
            events = dataset_rows(case)[case["columns"]["event"]]
            assert set(events) <= {0, 1}, case["id"]


# --- expected values agree with the embedded data (hand counting) --------------


def test_kaplan_meier_counts_match_the_data() -> None:
    for case in cases():
        if case["function"] != "kaplan_meier":
            continue
        rows = dataset_rows(case)
        events = rows[case["columns"]["event"]]
        exp = case["expected"]
        n = len(events)
        # Every subject is at risk at the first distinct time; each leaves exactly once.
        assert exp["n_risk"][0] == n, case["id"]
        assert sum(exp["n_event"]) == sum(events), case["id"]
        assert sum(exp["n_event"]) + sum(exp["n_censor"]) == n, case["id"]
        for i in range(len(exp["time"]) - 1):
            left = exp["n_risk"][i] - exp["n_event"][i] - exp["n_censor"][i]
            assert exp["n_risk"][i + 1] == left, case["id"]
        assert exp["time"] == sorted(exp["time"]), case["id"]
        lengths = {k: len(v) for k, v in exp.items() if isinstance(v, list) and k != "median_ci"}
        assert set(lengths.values()) == {len(exp["time"])}, case["id"]
        if case["options"]["conf_type"] == "none":
            assert "lower" not in exp and "upper" not in exp, case["id"]
        else:
            assert "lower" in exp and "upper" in exp and "median_ci" in exp, case["id"]


def test_logrank_counts_match_the_data() -> None:
    for case in cases():
        if case["function"] != "logrank":
            continue
        rows = dataset_rows(case)
        events = rows[case["columns"]["event"]]
        groups = rows[case["columns"]["group"]]
        exp = case["expected"]
        assert exp["groups"] == sorted(set(groups)), case["id"]
        assert exp["n"] == [groups.count(g) for g in exp["groups"]], case["id"]
        if exp["rho"] == 0:
            observed = [
                sum(e for e, g in zip(events, groups, strict=True) if g == level)
                for level in exp["groups"]
            ]
            assert exp["observed"] == observed, case["id"]
        # Expected counts add up to the observed ones (hand derivation: at each time
        # the expected deaths over the groups sum to the deaths at that time, under
        # any weight S(t-)^rho).
        assert math.isclose(sum(exp["expected"]), sum(exp["observed"]), rel_tol=1e-12)
        k = len(exp["groups"])
        assert len(exp["variance"]) == k and all(len(r) == k for r in exp["variance"])


def test_cox_counts_match_the_data() -> None:
    for case in cases():
        if case["function"] != "cox_ph":
            continue
        rows = dataset_rows(case)
        events = rows[case["columns"]["event"]]
        exp = case["expected"]
        p = len(case["columns"]["covariates"])
        assert exp["n"] == len(events), case["id"]
        assert exp["n_events"] == sum(events), case["id"]
        assert len(exp["coef"]) == p and len(exp["hr_ci"]) == p, case["id"]
        assert all(len(row) == 2 for row in exp["hr_ci"]), case["id"]
        assert exp["df"] == p, case["id"]
        assert len(exp["loglik"]) == 2, case["id"]
        assert math.isclose(
            exp["lrt"], 2 * (exp["loglik"][1] - exp["loglik"][0]), rel_tol=1e-12, abs_tol=1e-12
        ), case["id"]
        assert ("robust_se" in exp) == case["options"]["robust"], case["id"]
        control = case["options"]["r_control"]
        assert set(control) >= {"eps", "iter.max"}, case["id"]
        assert exp["iterations"] < control["iter.max"], f"{case['id']}: did not converge"


def test_binomial_and_table_inputs_are_well_formed() -> None:
    for case in cases():
        fn, inputs, exp = case["function"], case.get("inputs"), case["expected"]
        if fn in {"binom_ci", "binom_test"}:
            assert 0 <= inputs["x"] <= inputs["n"] and inputs["n"] >= 1, case["id"]
            assert case["r_source"] in {"formula", "stats::binom.test", "stats::prop.test"}
        if fn == "binom_ci":
            assert 0 <= exp["low"] <= exp["high"] <= 1, case["id"]
        if fn == "binom_test":
            assert exp["estimate"] == inputs["x"] / inputs["n"], case["id"]
            low, high = exp["conf_int"]
            assert low <= exp["estimate"] <= high, case["id"]
        if fn in {"fisher_exact", "chi2_test"}:
            table = inputs["table"]
            assert len({len(row) for row in table}) == 1, case["id"]
            assert all(isinstance(v, int) and v >= 0 for row in table for v in row)
            assert 0 <= exp["p_value"] <= 1, case["id"]
        if fn == "chi2_test":
            # Expected cell counts are row total * column total / N.
            table = inputs["table"]
            total = sum(map(sum, table))
            for i, row in enumerate(table):
                for j in range(len(row)):
                    col = sum(r[j] for r in table)
                    assert math.isclose(
                        exp["expected"][i][j], sum(row) * col / total, rel_tol=1e-12
                    ), case["id"]
            assert exp["df"] == (len(table) - 1) * (len(table[0]) - 1), case["id"]


def test_nonfinite_notes_point_at_nulls() -> None:
    for case in cases():
        for note in case.get("r_nonfinite", []):
            assert note["value"] in {"NaN", "Inf", "-Inf"}, case["id"]
            value = case[note.get("in", "expected")][note["field"]]
            index = note["index"]
            if index is None:
                assert value is None, case["id"]
            elif isinstance(index, list):
                assert value[index[0]][index[1]] is None, case["id"]
            else:
                assert value[index] is None, case["id"]


def test_fisher_refined_values_agree_with_fisher_test() -> None:
    """r_refined re-solves fisher.test's equations more tightly: same numbers to ~1%."""
    for case in cases():
        if case["function"] != "fisher_exact" or "r_refined" not in case:
            continue
        for field in ("odds_ratio", "or_ci"):
            got, want = case["r_refined"][field], case["expected"][field]
            for a, b in zip(
                got if isinstance(got, list) else [got],
                want if isinstance(want, list) else [want],
                strict=True,
            ):
                if a is None or b is None:
                    assert a is None and b is None, case["id"]
                else:
                    assert math.isclose(a, b, rel_tol=0.01, abs_tol=1e-9), case["id"]


def by_id(case_id: str) -> dict[str, Any]:
    (case,) = [c for c in cases() if c["id"] == case_id]
    return case


def test_fisher_two_point_support_by_hand() -> None:
    # [[99, 1], [50, 0]]: column totals m = 149, n = 1, first-row total k = 100, so the
    # [1, 1] cell is 99 or 100. With odds ratio psi,
    #   P(X = 100) / P(X = 99) = psi * C(149, 100) C(1, 0) / (C(149, 99) C(1, 1))
    #                          = psi * 50 / 100,
    # so P(X <= 99) = 1 / (1 + psi / 2). The upper 95% limit solves this = 0.025:
    # psi = 2 * (1 / 0.025 - 1) = 78. x = 99 is the lower end of the support, so
    # the conditional MLE is 0 and the lower limit 0; both tables are as likely
    # as the observed one or less, so p = 1.
    case = by_id("fisher_exact/2x2/99-1-50-0/alternative=two-sided")
    assert case["expected"]["p_value"] == 1
    assert case["expected"]["odds_ratio"] == 0
    assert case["r_refined"]["or_ci"][0] == 0
    assert math.isclose(case["r_refined"]["or_ci"][1], 78.0, rel_tol=1e-12)
    # fisher.test's own root is looser (default uniroot tolerance on the 1/psi scale).
    assert math.isclose(case["expected"]["or_ci"][1], 78.0, rel_tol=0.01)


def test_zero_margin_fisher_p_is_one() -> None:
    # A zero row total leaves a single table with these margins: p = 1.
    for name in ("0-0-4-6", "2-0-5-0"):
        case = by_id(f"fisher_exact/2x2/{name}/alternative=two-sided")
        assert case["expected"]["p_value"] == 1


def test_median_rule_cases_by_hand() -> None:
    # median_flat: S = (5/6)(4/5)(3/4) = 1/2 at t = 3; t = 4 is censored, so S stays
    # 1/2 until the event at t = 5. R's rule takes the midpoint: (3 + 5) / 2 = 4.
    flat = by_id("kaplan_meier/median_flat/conf_type=log/conf_level=0.95")["expected"]
    assert flat["survival"][2] == 0.5 and flat["survival"][3] == 0.5
    assert flat["median"] == 4
    # median_flat_rounded: 12 subjects, events at 1..6, censored at 7, events at
    # 8..12. S(6) = 6/12 mathematically but R's product is 0.49999999999999989; it
    # is flat until t = 8, and R's tolerance counts it as 1/2: median (6 + 8) / 2 = 7.
    rounded = by_id("kaplan_meier/median_flat_rounded/conf_type=log/conf_level=0.95")
    surv = rounded["expected"]["survival"]
    assert surv[5] != 0.5 and abs(surv[5] - 0.5) < 1e-15 and surv[6] == surv[5]
    assert rounded["expected"]["median"] == 7


def test_timefix_merged_the_noisy_times() -> None:
    # fp_noise has 12 raw times forming 8 distinct values once each noise pair is tied.
    case = by_id("kaplan_meier/fp_noise/conf_type=log/conf_level=0.95")
    raw = reference()["datasets"]["fp_noise"]["columns"]["time"]
    assert len(set(raw)) == 12
    assert len(case["expected"]["time"]) == 8


def test_script_uses_base_r_and_survival_only() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    loaded = set(re.findall(r"\b(?:library|require|requireNamespace)\((\w+)", text))
    assert loaded == {"survival"}
    namespaced = set(re.findall(r"\b(\w+)::", text)) - {"survival", "stats"}
    assert not namespaced


# --- the file is exactly what the script writes ----------------------------------


def _r_versions() -> tuple[str, str]:
    """(R.version.string, survival version) of the local Rscript."""
    stdout = run_rscript(
        "-e",
        'cat(R.version.string, as.character(packageVersion("survival")), sep = "\\n")',
        timeout=120,
    )
    r_version, survival_version = stdout.strip().splitlines()[:2]
    return r_version, survival_version


@pytest.mark.r  # skips without R (fails under CROSSVAL_REQUIRE_R=1)
def test_regenerating_reproduces_the_checked_in_file(tmp_path: Path) -> None:
    versions = _r_versions()
    stamped = (reference()["r_version"], reference()["survival_version"])
    if versions != stamped:
        message = (
            f"reference was generated with {stamped[0]} / survival {stamped[1]}, this machine "
            f"has {versions[0]} / survival {versions[1]}: regenerate and review the diff"
        )
        if r_required():
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path / "r-reference.json"
    run_rscript(SCRIPT.relative_to(ROOT), out, cwd=ROOT, timeout=600)
    assert out.read_bytes() == REFERENCE.read_bytes(), (
        "reference/r-reference.json differs from what reference/generate_reference.R writes"
    )
