"""``crossval crosscheck``: every reference dataset through crossval, R, lifelines,
statsmodels and scipy; every difference within tolerance or reproduced by a
named convention. Plus the CLI: formats, exit codes, and errors that name
the row and column.
"""

from __future__ import annotations

import csv
import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crossval.cli import main
from crossval.compare.crosscheck import (
    AGREE,
    CONVENTION,
    DISAGREE,
    AnalysisCheck,
    crosscheck,
)
from crossval.compare.reference_cases import ReferenceCase, load_reference
from crossval.engines import EngineResult
from crossval.engines.registry import engine_function
from crossval.testing.pytest_plugin import r_required
from reference_data import reference_dataset, reference_datasets

REFERENCE = load_reference()
DATASETS = reference_datasets()
# heart is counting-process data ((start, stop] rows): no KM on its rows.
KM_DATASETS = sorted(n for n, d in DATASETS.items() if {"time", "status"} <= set(d["columns"]))
# lifelines' multivariate_logrank_test with Fleming-Harrington weights fails on
# an event at time 0 (a pandas length error inside lifelines 0.30).
KNOWN_ENGINE_ERRORS = {
    ("logrank/event_at_zero/group=group/rho=1", "lifelines"): "Unable to coerce to Series",
}


def _call(case: ReferenceCase) -> tuple[tuple[Any, ...], dict[str, Any]]:
    accepted = set(inspect.signature(engine_function("crossval", case.function)).parameters)
    options = {k: v for k, v in case.options.items() if k in accepted}
    a = case.arguments
    if case.function == "logrank":
        return (a["time"], a["event"], a["group"]), {**options, "strata": a.get("strata")}
    extra = {k: a[k] for k in ("strata", "weights", "start") if k in a}
    return (a["time"], a["event"], a["covariates"]), {**options, **extra}


def _cox_cases() -> list[ReferenceCase]:
    small = {"aml", "ovarian", "all_tied", "event_at_zero", "fp_noise"}
    return [c for c in REFERENCE.cases if c.function == "cox_ph"
            and "r_control=default" not in c.id  # the same fit at R's looser eps
            and (c.options.get("ties") != "exact" or c.dataset in small)]


def _assert_explained(check: AnalysisCheck, case_id: str) -> None:
    """No disagreement; engine errors only the known ones; every engine compared something."""
    problems = [
        f"{c.engine} {c.quantity}: rel diff {c.rel_diff:.3g} at {c.where} "
        f"(crossval {c.crossval_value}, {c.engine} {c.engine_value})"
        for c in check.checks if c.verdict == DISAGREE
    ]
    assert not problems, f"{case_id}: " + "; ".join(problems)
    assert check.crossval.status == "ok", check.crossval.detail
    for o in check.engines:
        if o.status == "error":
            known = KNOWN_ENGINE_ERRORS.get((case_id, o.engine))
            assert known is not None and known in o.detail, f"{case_id} {o.engine}: {o.detail}"
        if o.engine == "R" and o.status == "unavailable" and r_required():
            pytest.fail(f"CROSSVAL_REQUIRE_R=1 but R is unavailable: {o.detail}")
        if o.status == "ok":
            compared = [c for c in check.checks if c.engine == o.engine]
            assert compared, f"{case_id}: {o.engine} ran but nothing was compared"
    for c in check.checks:
        if c.verdict == CONVENTION:
            assert c.conventions and c.rel_diff_convention is not None


# ------------------------------------------------------- reference datasets


@pytest.mark.parametrize("dataset", KM_DATASETS)
def test_kaplan_meier_of_every_reference_dataset(dataset: str) -> None:
    d = reference_dataset(dataset)
    for conf_type in ("log", "log-log", "plain"):
        check = crosscheck("kaplan_meier", d["time"], d["status"], conf_type=conf_type)
        _assert_explained(check, f"kaplan_meier/{dataset}/{conf_type}")


def test_kaplan_meier_conf_types_no_python_engine_has() -> None:
    d = reference_dataset("aml")
    for conf_type in ("logit", "arcsin", "none"):
        check = crosscheck("kaplan_meier", d["time"], d["status"], conf_type=conf_type)
        _assert_explained(check, f"kaplan_meier/aml/{conf_type}")
        scipy = next(o for o in check.engines if o.engine == "scipy")
        if conf_type != "none":
            assert scipy.status == "ok" and "own defaults" in scipy.detail


@pytest.mark.parametrize(
    "case", [c for c in REFERENCE.cases if c.function == "logrank"], ids=lambda c: c.id
)
def test_logrank_reference_cases(case: ReferenceCase) -> None:
    args, options = _call(case)
    _assert_explained(crosscheck("logrank", *args, **options), case.id)


@pytest.mark.parametrize("case", _cox_cases(), ids=lambda c: c.id)
def test_cox_reference_cases(case: ReferenceCase) -> None:
    args, options = _call(case)
    _assert_explained(crosscheck("cox_ph", *args, **options), case.id)


def test_every_reference_dataset_is_crosschecked() -> None:
    covered = set(KM_DATASETS) | {c.dataset for c in _cox_cases()}
    covered |= {c.dataset for c in REFERENCE.cases if c.function == "logrank"}
    assert covered == set(DATASETS)


# ---------------------------------------------------- conventions, named


def test_conventions_are_named_where_they_apply() -> None:
    d = reference_dataset("lung")
    km = crosscheck("kaplan_meier", d["time"], d["status"])
    by = {(c.engine, c.quantity): c for c in km.checks}
    assert by[("R", "lower")].verdict == AGREE
    assert by[("lifelines", "lower")].verdict == CONVENTION
    assert "conf_type='log-log'" in by[("lifelines", "lower")].conventions[0]
    assert by[("statsmodels", "survival")].verdict == CONVENTION
    assert "event times only" in by[("statsmodels", "survival")].conventions[0]
    assert by[("scipy", "upper")].verdict == CONVENTION
    assert "conf_type='plain'" in by[("scipy", "upper")].conventions[0]
    cox = crosscheck("cox_ph", d["time"], d["status"], {"age": d["age"], "sex": d["sex"]},
                     robust=True)
    robust = {(c.engine, c.quantity): c for c in cox.checks}
    assert robust[("R", "robust_se")].verdict == AGREE
    sm = robust[("statsmodels", "robust_se")]
    assert sm.verdict == CONVENTION and "Breslow-form score residuals" in sm.conventions[0]
    assert sm.rel_diff > 1e-4 and (sm.rel_diff_convention or 0) < 1e-12


def test_statsmodels_conventions_at_the_edges_of_rounding() -> None:
    # 20 events before 20 others: the log-rank p is about 1e-9 and statsmodels'
    # 1 - cdf keeps it only to about 1e-16 absolute (2e-6 relative here).
    t = np.arange(1.0, 41.0)
    lr = crosscheck("logrank", t, np.ones(40), np.repeat([0, 1], 20), engines=("statsmodels",))
    (p,) = [c for c in lr.checks if c.quantity == "p_value"]
    assert p.verdict == CONVENTION and p.rel_diff > 1e-9
    assert "1 - cdf" in p.conventions[0]
    # 30 untied events, times 1..15 and 8..22: S = 15/30 after the 15th event at
    # time 11, where crossval's product gives 0.49999999999999994 and statsmodels'
    # exp(sum(log)) 0.5000000000000001; statsmodels' "first S < 0.5" then gives 12,
    # R and crossval the midpoint 11.5. Recomputed on statsmodels' own arithmetic.
    times = np.concatenate([np.arange(1.0, 16.0), np.arange(8.0, 23.0)])
    km = crosscheck("kaplan_meier", times, np.ones(30), engines=("statsmodels",))
    (median,) = [c for c in km.checks if c.quantity == "median"]
    assert median.verdict == CONVENTION and (median.rel_diff_convention or 0.0) == 0.0


def test_a_convention_excuses_only_what_it_reproduces(monkeypatch: pytest.MonkeyPatch) -> None:
    # If lifelines returned plain intervals, "lifelines is log-log" must not excuse them.
    from crossval.engines import lifelines_engine
    from crossval.stats.kaplan_meier import kaplan_meier

    real = lifelines_engine.kaplan_meier

    def plain_lifelines(time: Any, event: Any, *, conf_level: float = 0.95) -> Any:
        out = real(time, event, conf_level=conf_level)
        fake = kaplan_meier(time, event, conf_type="plain")
        import dataclasses

        result = dataclasses.replace(out.result, lower=fake.lower, upper=fake.upper)
        return EngineResult(result, engine="lifelines", versions=out.versions,
                            reported=out.reported, call=out.call)

    monkeypatch.setattr(lifelines_engine, "kaplan_meier", plain_lifelines)
    d = reference_dataset("aml")
    check = crosscheck("kaplan_meier", d["time"], d["status"], engines=["lifelines"])
    verdicts = {c.quantity: c.verdict for c in check.checks}
    assert verdicts["lower"] == verdicts["upper"] == DISAGREE
    assert check.failed


def _scale_engine_field(monkeypatch: pytest.MonkeyPatch, engine: str, function: str,
                        name: str, factor: float) -> None:
    """Make ``engine`` report field ``name`` of its ``function`` result times ``factor``."""
    import dataclasses
    import importlib

    module = importlib.import_module(f"crossval.engines.{engine}_engine")
    real = getattr(module, function)

    def scaled(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        result = dataclasses.replace(out.result, **{name: getattr(out.result, name) * factor})
        return EngineResult(result, engine=engine, versions=out.versions,
                            reported=out.reported, call=out.call)

    monkeypatch.setattr(module, function, scaled)


def test_a_wrong_engine_answer_is_a_disagreement(monkeypatch: pytest.MonkeyPatch) -> None:
    _scale_engine_field(monkeypatch, "scipy", "logrank", "statistic", 1.01)
    d = reference_dataset("lung")
    check = crosscheck("logrank", d["time"], d["status"], d["sex"], engines=["scipy"])
    verdicts = {c.quantity: c.verdict for c in check.checks}
    assert verdicts["statistic"] == DISAGREE and verdicts["p_value"] == AGREE


# x separates the events (all events at x = 0): the likelihood is monotone and
# the coefficient of x infinite; each engine stops somewhere along the way
_SEPARATED = (np.arange(1.0, 7.0), np.array([1, 1, 1, 0, 0, 0]),
              {"x": np.array([0.0, 0, 0, 1, 1, 1])})
_STOPPED = {"coef", "hazard_ratio", "se", "z", "p_value", "wald", "loglik", "lrt"}


@pytest.mark.parametrize("engine", ["R", "lifelines", "statsmodels"])
def test_a_monotone_cox_fit_compares_what_does_not_depend_on_the_stop(engine: str) -> None:
    check = crosscheck("cox_ph", *_SEPARATED, engines=[engine])
    (outcome,) = check.engines
    if outcome.status == "unavailable":
        if engine == "R" and r_required():
            pytest.fail(f"CROSSVAL_REQUIRE_R=1 but R is unavailable: {outcome.detail}")
        pytest.skip(f"{engine} is not installed here: {outcome.detail}")
    assert check.crossval.result is not None
    assert not check.crossval.result.result.converged
    assert any("monotone" in w for w in check.crossval.result.warnings)
    verdicts = {c.quantity: c for c in check.checks}
    # the score test is at beta = 0, before any stop: it must agree (lifelines
    # reports none)
    assert "score" not in verdicts or verdicts["score"].verdict == AGREE
    assert verdicts["n_events"].verdict == AGREE
    moved = [q for q in _STOPPED if q in verdicts and verdicts[q].verdict == CONVENTION]
    assert moved, "every engine stops elsewhere than crossval on some quantity"
    for q in moved:
        # where the stop is, or (lifelines) crossval's model at lifelines' stop
        said = " ".join(verdicts[q].conventions)
        assert "not estimates" in said or "at lifelines' coefficients" in said, said
    assert not any(c.verdict == DISAGREE for c in check.checks)


def test_a_converged_cox_fit_gets_no_stopping_point_excuse(monkeypatch: pytest.MonkeyPatch) -> None:
    _scale_engine_field(monkeypatch, "statsmodels", "cox_ph", "coef", 1.01)
    d = reference_dataset("lung")
    check = crosscheck("cox_ph", d["time"], d["status"], {"age": d["age"]},
                       engines=["statsmodels"])
    assert check.crossval.result is not None and check.crossval.result.result.converged
    verdicts = {c.quantity: c.verdict for c in check.checks}
    assert verdicts["coef"] == DISAGREE


def test_lifelines_is_compared_at_its_own_stopping_point() -> None:
    # Four rows: lifelines stops at Newton decrement ~9e-8 (< its 1e-7), 4e-4
    # standard errors short of the maximum, 0.2% off on a coefficient near 0.
    # crossval's model at lifelines' coefficients reproduces every number.
    time = np.array([1.0, 2, 3, 4])
    event = np.array([1, 0, 1, 0])
    check = crosscheck("cox_ph", time, event, {"x": np.array([1.0, 2, 3, 1])},
                       engines=["lifelines"])
    if check.engines[0].status == "unavailable":
        pytest.skip(f"lifelines is not installed here: {check.engines[0].detail}")
    verdicts = {c.quantity: c for c in check.checks}
    coef = verdicts["coef"]
    assert coef.verdict == CONVENTION and coef.rel_diff > 1e-3
    for q in ("coef", "se", "z", "p_value", "loglik", "lrt", "hr_ci"):
        c = verdicts[q]
        assert c.verdict in (AGREE, CONVENTION), (q, c.verdict)
        if c.verdict == CONVENTION:
            assert c.rel_diff_convention is not None and c.rel_diff_convention <= 1e-9, q


def test_lifelines_stopping_where_its_rule_would_not_is_a_disagreement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _scale_engine_field(monkeypatch, "lifelines", "cox_ph", "coef", 1.01)
    d = reference_dataset("lung")
    check = crosscheck("cox_ph", d["time"], d["status"], {"age": d["age"]},
                       engines=["lifelines"])
    if check.engines[0].status == "unavailable":
        pytest.skip(f"lifelines is not installed here: {check.engines[0].detail}")
    verdicts = {c.quantity: c.verdict for c in check.checks}
    # 1% off on age's coefficient (0.019, se 0.0092) is 0.02 standard errors:
    # a Newton decrement near 2e-4, which lifelines' rule would not stop at
    assert verdicts["coef"] == DISAGREE


def test_a_coefficient_zero_by_symmetry_agrees_with_rs_round_off() -> None:
    # Three deaths at one time, all at risk, x = 0, 0, 1: Efron's likelihood
    # b - 3 log(2 + e^b) peaks at e^b = 1, b = 0 exactly. crossval gives 0.0,
    # R 1.7e-16: relative difference 1, but 1.6e-16 standard errors.
    check = crosscheck("cox_ph", np.zeros(3), np.ones(3), {"x": np.array([0.0, 0, 1])},
                       engines=["R"])
    (outcome,) = check.engines
    if outcome.status == "unavailable":
        if r_required():
            pytest.fail(f"CROSSVAL_REQUIRE_R=1 but R is unavailable: {outcome.detail}")
        pytest.skip(f"R is not installed here: {outcome.detail}")
    verdicts = {c.quantity: c for c in check.checks}
    assert check.crossval.result is not None
    assert check.crossval.result.result.coef[0] == 0.0
    for q in ("coef", "z", "wald", "score", "hazard_ratio"):
        assert verdicts[q].verdict == AGREE, (q, verdicts[q])
    assert not check.failed


# Edge cases where a Python engine follows its own convention; each needs the
# named convention (or, where scipy lacks the interval, its own default).
_PY_ENGINE_CASES = [
    # statsmodels' Jeffreys keeps the Beta quantile at x = 0 (crossval: 0)
    ("binom_ci", (0, 100000), {"method": "jeffreys"}, "statsmodels", "Jeffreys"),
    ("binom_ci", (10, 10), {"method": "jeffreys", "conf_level": 0.5}, "statsmodels",
     "Jeffreys"),
    # scipy root-finds 5.0e-10 to 1.2e-13 absolute (2.5e-4 relative)
    ("binom_ci", (1, 1000), {"conf_level": 0.999999}, "scipy", "root finding"),
    ("binom_ci", (1, 1000), {"method": "mid-p", "conf_level": 0.999999}, "scipy",
     "root finding"),
    # scipy's wilsoncc corrects by 1/2 at x = n/2 where R and crossval do not
    ("binom_ci", (5, 10), {"method": "wilson-cc"}, "scipy", "min(1/2, |x - n/2|)"),
    ("binom_ci", (5, 10), {"method": "wilson-cc", "conf_level": 0.999999}, "scipy",
     "min(1/2, |x - n/2|)"),
    # statsmodels' Table replaces 0 cells by 0.5; and its p is 1 - cdf
    ("chi2_test", ([[0, 5], [5, 0]],), {}, "statsmodels", "0.5"),
    ("chi2_test", ([[100, 0], [0, 100]],), {}, "statsmodels", "1 - cdf"),
    # scipy's r x c p-value is a Monte Carlo estimate
    ("fisher_exact", ([[0, 1], [2, 3], [4, 0]],), {}, "scipy", "Monte Carlo"),
]


@pytest.mark.parametrize(("function", "args", "options", "engine", "named"), _PY_ENGINE_CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in _PY_ENGINE_CASES])
def test_python_engine_conventions_on_binomial_and_tables(
        function: str, args: tuple[Any, ...], options: dict[str, Any], engine: str,
        named: str) -> None:
    check = crosscheck(function, *args, engines=[engine], **options)
    verdicts = [c for c in check.checks if c.engine == engine]
    assert verdicts and not [c for c in verdicts if c.verdict == DISAGREE], verdicts
    said = " ".join(d for c in verdicts for d in c.conventions)
    assert named in said, said


def test_p_values_in_the_subnormal_range_agree() -> None:
    # 0 of 100000 at p = 1/2: crossval 1e-323, scipy 0 (flushed): both 0
    check = crosscheck("binom_test", 0, 100000, 0.5, engines=["scipy"])
    (p,) = [c for c in check.checks if c.quantity == "p_value"]
    assert p.verdict == AGREE and p.crossval_value == pytest.approx(1e-323, rel=0.5)


@pytest.mark.r
def test_fishers_odds_ratio_against_r_uses_its_uniroot_tolerance() -> None:
    # R solves the conditional MLE and its limits with uniroot (~1.2e-4 on t or
    # 1/t): 626.24 against R's 621.93 is inside; a zero margin leaves the MLE
    # undefined (R 0, crossval nan), which is not compared.
    check = crosscheck("fisher_exact", [[3, 1], [1, 3]], engines=["R"])
    if check.engines[0].status == "unavailable":
        if r_required():
            pytest.fail(f"CROSSVAL_REQUIRE_R=1 but R is unavailable: {check.engines[0].detail}")
        pytest.skip(f"R is not installed here: {check.engines[0].detail}")
    verdicts = {c.quantity: c.verdict for c in check.checks}
    assert verdicts["odds_ratio"] == verdicts["or_ci"] == verdicts["p_value"] == AGREE
    zero = crosscheck("fisher_exact", [[0, 0], [0, 5]], engines=["R"])
    assert not zero.failed and "odds_ratio" not in {c.quantity for c in zero.checks}


def test_an_engine_that_fails_inside_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # statsmodels' Newton step raised IndexError on a Cox fit with no events:
    # whatever another engine raises is that engine's error in the report
    from crossval.engines import scipy_engine

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IndexError("tuple index out of range\n  (deep inside)")

    monkeypatch.setattr(scipy_engine, "logrank", broken)
    d = reference_dataset("lung")
    check = crosscheck("logrank", d["time"], d["status"], d["sex"], engines=["scipy"])
    (outcome,) = check.engines
    assert outcome.status == "error"
    assert outcome.detail == "IndexError: tuple index out of range (deep inside)"
    assert check.crossval.status == "ok" and check.failed


def test_crossval_failing_inside_is_a_bug_that_surfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    import crossval.compare.crosscheck as module

    real = module.run_engine

    def crossval_broken(engine: str, *args: Any, **kwargs: Any) -> Any:
        if engine == "crossval":
            raise IndexError("a bug in crossval")
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(module, "run_engine", crossval_broken)
    d = reference_dataset("lung")
    with pytest.raises(IndexError, match="a bug in crossval"):
        crosscheck("logrank", d["time"], d["status"], d["sex"], engines=["scipy"])


def test_cli_reports_an_engine_failure_with_exit_1(
    aml_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from crossval.engines import scipy_engine

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("strata")

    monkeypatch.setattr(scipy_engine, "logrank", broken)
    code = main(["crosscheck", str(aml_csv), "--time", "weeks", "--event", "died",
                 "--group", "arm", "--engines", "scipy"])
    assert code == 1
    assert "scipy: KeyError: 'strata'" in capsys.readouterr().out


@pytest.mark.r
@pytest.mark.parametrize(
    ("table", "scale", "verdict"),
    [
        # r x c: FEXACT's merging of past probabilities is a named, bounded convention
        ([[12, 9, 7], [8, 11, 10], [6, 9, 13]], 1 + 5e-9, CONVENTION),
        ([[12, 9, 7], [8, 11, 10], [6, 9, 13]], 1 + 5e-6, DISAGREE),
        # 2x2 p-values come from the hypergeometric, with no merging to excuse
        ([[12, 9], [8, 11]], 1 + 5e-9, DISAGREE),
    ],
)
def test_fexact_merging_excuses_only_small_rxc_differences(
    monkeypatch: pytest.MonkeyPatch, table: list[list[int]], scale: float, verdict: str,
) -> None:
    import dataclasses

    from crossval.engines import r_engine

    real = r_engine.fisher_exact

    def shifted(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        result = dataclasses.replace(out.result, p_value=out.result.p_value * scale)
        return EngineResult(result, engine="R", versions=out.versions,
                            reported=out.reported, call=out.call)

    monkeypatch.setattr(r_engine, "fisher_exact", shifted)
    check = crosscheck("fisher_exact", table, engines=["R"])
    p = {c.quantity: c for c in check.checks}["p_value"]
    assert p.verdict == verdict
    if verdict == CONVENTION:
        assert "FEXACT merges partial tables" in p.conventions[0]


@pytest.mark.r
def test_r_takes_part_and_agrees_exactly() -> None:
    d = reference_dataset("veteran")
    check = crosscheck("cox_ph", d["time"], d["status"], {"trt": d["trt"], "karno": d["karno"]},
                       engines=["R"])
    (r_outcome,) = check.engines
    assert r_outcome.status == "ok"
    assert {c.verdict for c in check.checks} == {AGREE}
    assert max(c.rel_diff for c in check.checks) < 1e-9


# ---------------------------------------------------------------------- CLI


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def aml_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = reference_dataset("aml")
    rows = [[f"{d['time'][i]:g}", int(d["status"][i]), "Maintained" if d["maintained"][i]
             else "Nonmaintained"] for i in range(d["time"].size)]
    return _write_csv(tmp_path_factory.mktemp("cc") / "aml.csv", ["weeks", "died", "arm"], rows)


def test_cli_on_data_with_no_events_reports_every_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No events: crossval refuses the log-rank test and Cox with its own
    # message, and what the other engines raise (statsmodels 0.15's PHReg an
    # IndexError) is reported per engine; nothing escapes as a traceback.
    path = _write_csv(tmp_path / "none.csv", ["t", "e", "arm", "x"],
                      [["1", "0", "a", "1"], ["2", "0", "b", "2"], ["3", "0", "a", "3"],
                       ["4", "0", "b", "1"]])
    code = main(["crosscheck", str(path), "--time", "t", "--event", "e", "--group", "arm",
                 "--covariates", "x", "--engines", "scipy,statsmodels,lifelines"])
    out = capsys.readouterr().out
    assert code == 1
    assert "crossval: InputError: event has no events (all 0)" in out
    assert "crossval: InputError: cox_ph needs at least one event" in out
    assert "== Kaplan-Meier (all rows) ==" in out


def test_cli_json_of_a_monotone_fit_is_strict_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the stopping-point convention has no bound (rel = inf): JSON has no inf,
    # so it is written "inf", as every non-finite number of the report is
    path = _write_csv(tmp_path / "sep.csv", ["t", "e", "x"],
                      [[str(t), str(e), str(x)] for t, e, x in zip(
                          range(1, 7), [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], strict=True)])
    out = tmp_path / "report.json"
    code = main(["crosscheck", str(path), "--time", "t", "--event", "e", "--covariates", "x",
                 "--engines", "statsmodels", "--format", "json", "-o", str(out)])
    capsys.readouterr()
    assert code == 0

    def reject(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    doc = json.loads(out.read_text(encoding="utf-8"), parse_constant=reject)
    tolerances = [c["tolerance"] for a in doc["analyses"] for c in a["checks"]
                  if c["verdict"] == CONVENTION]
    assert any(t["rel"] == "inf" for t in tolerances), tolerances


def test_cli_text_report_and_exit_code(aml_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["crosscheck", str(aml_csv), "--time", "weeks", "--event", "died",
                 "--group", "arm", "--engines", "scipy,statsmodels,lifelines"])
    out = capsys.readouterr().out
    assert code == 0
    assert "== Kaplan-Meier (all rows) ==" in out
    assert "== Log-rank test by arm ==" in out
    assert "== Cox model on arm=Nonmaintained ==" in out
    assert "differs by convention: statsmodels lists event times only" in out
    assert "verdicts:" in out and " 0 disagree" in out


def test_cli_formats(aml_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["crosscheck", str(aml_csv), "--time", "weeks", "--event", "died",
            "--group", "arm", "--engines", "scipy"]
    assert main([*base, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed"] is False and doc["summary"]["disagree"] == 0
    assert [a["function"] for a in doc["analyses"]] == ["kaplan_meier", "logrank", "cox_ph"]
    assert main([*base, "--format", "markdown"]) == 0
    assert "| engine | quantity | largest rel. diff | verdict |" in capsys.readouterr().out
    report = tmp_path / "report.html"
    assert main([*base, "--format", "html", "-o", str(report)]) == 0
    assert "report written to" in capsys.readouterr().out
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<table>" in text


def test_cli_formats_match_the_report_module() -> None:
    from crossval.cli import build_parser
    from crossval.report.crosscheck_report import FORMATS

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices["crosscheck"]  # type: ignore[attr-defined]
    fmt = next(a for a in parser._actions if a.dest == "format")
    assert tuple(fmt.choices) == FORMATS


def test_cli_exit_1_on_disagreement(aml_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from crossval.engines import scipy_engine

    real = scipy_engine.logrank

    def wrong(*args: Any, **kwargs: Any) -> Any:
        import dataclasses

        out = real(*args, **kwargs)
        return EngineResult(dataclasses.replace(out.result, p_value=0.5), engine="scipy",
                            versions=out.versions, reported=out.reported, call=out.call)

    monkeypatch.setattr(scipy_engine, "logrank", wrong)
    code = main(["crosscheck", str(aml_csv), "--time", "weeks", "--event", "died",
                 "--group", "arm", "--engines", "scipy"])
    assert code == 1
    assert "disagree: crossval" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        ([["1", "1"]], ["--time", "weeks", "--event", "status"],
         "no column 'status' (given as the event column); the columns are 'weeks', 'died'"),
        ([["1", "1"]], ["--time", "weeks", "--event", "died", "--covariates", "age"],
         "no column 'age' (given as the covariate 1 column)"),
        ([["1", "1"], ["", "0"], ["3", "NA"]], ["--time", "weeks", "--event", "died"],
         "row 2 (line 3), column 'weeks': missing value; row 3 (line 4), column 'died': "
         "missing value"),
        ([["1", "1"], ["2 weeks", "0"]], ["--time", "weeks", "--event", "died"],
         "row 2 (line 3), column 'weeks': '2 weeks' is not a number"),
        ([["1", "1"], ["2", "2"]], ["--time", "weeks", "--event", "died"],
         "row 2 (line 3), column 'died': the event column must be 0 (censored) or 1"),
        ([["-1", "1"]], ["--time", "weeks", "--event", "died"],
         "row 1 (line 2), column 'weeks': times must be >= 0"),
        ([], ["--time", "weeks", "--event", "died"], "has a header but no data rows"),
        ([["1", "1"]], ["--time", "weeks", "--event", "died", "--engines", "spss"],
         "engine='spss' is not known"),
    ],
)
def test_cli_bad_input_is_named_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[str]],
    options: list[str], message: str,
) -> None:
    path = _write_csv(tmp_path / "d.csv", ["weeks", "died"], rows)
    assert main(["crosscheck", str(path), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crossval crosscheck: ")
    assert message in err


def test_cli_unreadable_and_empty_files_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crosscheck", str(tmp_path / "nope.csv"), "--time", "t", "--event", "e"]) == 2
    assert "cannot read" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert main(["crosscheck", str(empty), "--time", "t", "--event", "e"]) == 2
    assert "is empty" in capsys.readouterr().err
    dup = _write_csv(tmp_path / "dup.csv", ["t", "t", "e"], [["1", "2", "1"]])
    assert main(["crosscheck", str(dup), "--time", "t", "--event", "e"]) == 2
    assert "column 't' appears more than once" in capsys.readouterr().err
