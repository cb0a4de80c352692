"""The strategies generate what they promise, so the properties are not vacuous.

A property over "survival data" proves nothing about total censoring unless
the strategy actually produces totally censored data; each situation the
docs promise is found here with ``hypothesis.find``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from proptools import budget

from crossval.testing.strategies import (
    PERTURBATIONS,
    SurvivalData,
    binomial_counts,
    build_summary,
    contingency_tables,
    format_p,
    format_percent,
    perturb,
    random_trial_spec,
    reference_interval,
    survival_data,
    trial_summaries,
)

# generate only: the first example found will do, shrinking it costs seconds
FIND = settings(max_examples=2000, database=None, phases=[Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("feature", [
    "all-censored", "no-censoring", "heavy-censoring", "heavy-ties", "noise", "with-zero",
    "event-at-last-time", "large", "one-subject-group", "collinear", "separated",
])
def test_survival_data_produces(feature: str) -> None:
    strategy = survival_data(groups=(2, 3), covariates=(1, 3),
                             covariate_kinds=("binary", "continuous", "collinear", "separated"))
    found = find(strategy, lambda d: feature in d.features, settings=FIND)
    assert isinstance(found, SurvivalData)


def test_survival_data_noise_is_merged_by_timefix_only() -> None:
    # times that differ in the last bits: distinct as floats, one time for R
    found = find(survival_data(time_patterns=("noise",)),
                 lambda d: np.unique(d.time).size > np.unique(np.round(d.time, 9)).size,
                 settings=FIND)
    assert np.unique(found.time).size > np.unique(np.round(found.time, 9)).size


def test_survival_data_reaches_thousands_of_rows() -> None:
    found = find(survival_data(min_rows=2000, max_rows=5000), lambda d: len(d) >= 2000,
                 settings=FIND)
    assert len(found) >= 2000 and found.time.dtype == np.float64


@pytest.mark.parametrize(("name", "predicate"), [
    ("x = 0", lambda xn: xn[0] == 0),
    ("x = n", lambda xn: xn[0] == xn[1] > 1),
    ("n = 1", lambda xn: xn[1] == 1),
    ("n > 1e5", lambda xn: xn[1] > 100_000),
])
def test_binomial_counts_produce(name: str, predicate: Any) -> None:
    assert find(binomial_counts(), predicate, settings=FIND)


@pytest.mark.parametrize(("name", "predicate"), [
    ("5 x 5", lambda t: len(t) == 5 and len(t[0]) == 5),
    ("empty row", lambda t: any(sum(r) == 0 for r in t) and sum(map(sum, t)) > 0),
    ("empty column", lambda t: any(sum(c) == 0 for c in zip(*t, strict=True))),
    ("all zero", lambda t: sum(map(sum, t)) == 0),
    ("large counts", lambda t: max(map(max, t)) > 100_000),
])
def test_contingency_tables_produce(name: str, predicate: Any) -> None:
    assert find(contingency_tables(), predicate, settings=FIND)


@settings(max_examples=budget(20), deadline=None)
@given(trial_summaries(max_n=80))
def test_trial_summaries_are_claims_files_with_quoted_figures(summary: Any) -> None:
    text = summary.to_yaml()
    doc = yaml.safe_load(text)
    ids = [c["id"] for c in doc["claims"]]
    assert len(ids) == len(set(ids))
    for claim in doc["claims"]:
        for key in ("count", "percent", "hr", "p"):
            if key in claim:
                assert isinstance(claim[key], str), (key, claim)


def test_printing_follows_papers() -> None:
    assert format_percent(17 * 100 / 50, 1) == "34.0"
    assert format_p(0.0004) == "P < 0.001"
    assert format_p(0.0345, "3dp") == "P = 0.035"  # binary 0.0345 lies just above
    assert format_p(0.012345, "2sig") == "P = 0.012"
    assert format_p(0.004, "2dp") == "P < 0.01"
    lo, hi = reference_interval(0, 10, "clopper-pearson")
    assert lo == 0.0 and abs(hi - 30.84971078187608) < 1e-9


def test_perturb_refuses_unknown_kinds_and_says_when_it_cannot_plant() -> None:
    import random

    summary = build_summary(random_trial_spec(random.Random(0)))
    with pytest.raises(ValueError, match="kind"):
        perturb(summary, "made-up")
    planted = [perturb(summary, kind) for kind in PERTURBATIONS]
    assert any(p is not None for p in planted)
    for p in planted:
        if p is not None:
            assert p.targets and all(t in p.expect for t in p.targets)
            assert p.document != summary.document


def test_strategy_arguments_are_checked() -> None:
    for strategy, field in ((survival_data(min_rows=0), "min_rows"),
                            (survival_data(covariate_kinds=("bogus",)), "covariate_kinds"),
                            (binomial_counts(max_n=0), "max_n")):
        with pytest.raises(ValueError, match=field):
            find(strategy, lambda _: True, settings=FIND)


def test_import_crossval_does_not_import_hypothesis() -> None:
    code = ("import sys, crossval, crossval.testing, crossval.testing.pytest_plugin; "
            "import crossval.audit, crossval.cli; crossval.kaplan_meier; "
            "assert 'hypothesis' not in sys.modules, 'hypothesis imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
