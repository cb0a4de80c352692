"""aeq_times against R's aeqSurv (live) and against hand-worked cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from crossval.errors import InputError, InputTypeError
from crossval.stats.timefix import DEFAULT_TOLERANCE, aeq_sorted_times, aeq_times
from rscript_helper import RResults, hex_floats, run_hex

EPS = np.finfo(float).eps

# ---------------------------------------------------------------- the cases


def _cases() -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """name -> (time, start or None)."""
    rng = np.random.default_rng(11)
    cases: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    base = rng.integers(1, 30, 200).astype(float)
    cases["noisy_integers"] = (base + base * rng.choice([-5.0, -1, 0, 1, 2, 7], 200) * EPS, None)
    # Unit conversions that do not round-trip exactly.
    days = rng.integers(1, 3000, 150).astype(float)
    cases["days_to_years_and_back"] = (np.concatenate([days, (days / 365.25) * 365.25]), None)
    cases["sevenths"] = (np.concatenate([np.arange(1.0, 60), np.arange(1.0, 60) / 7 * 7]), None)
    # Gaps of 1e-8 (< 1.49e-8) chain together beyond the tolerance.
    cases["chain"] = (np.concatenate([1 + 1e-8 * np.arange(12), [2.0, 3.0]]), None)
    # Near zero only the absolute rule (dy <= tol) can tie.
    cases["near_zero"] = (np.array([0.0, 1e-9, 5e-9, 3e-8, 1.0, 2.0]), None)
    # Large times: the relative rule dy / mean(|y|) <= tol ties 1e-3 apart.
    cases["large_relative"] = (np.array([1e6, 1e6 + 1e-3, 1e6 + 0.5, 2e6, 3e6]), None)
    cases["no_ties"] = (np.round(rng.exponential(10, 80), 6), None)
    # Near the largest double a plain sum of the times overflows; R's long-double
    # mean does not, so only the pair 1e-10 apart (relative) is tied.
    cases["near_largest_double"] = (
        np.array([1e308, 1e308 * (1 + 1e-10), 1.5e308, 1.7e308, 1.79e308]), None)
    stop = rng.integers(5, 40, 100).astype(float)
    start = np.floor(stop * rng.random(100))
    cases["counting"] = (
        stop * (1 + rng.choice([-2.0, 0, 3], 100) * EPS),
        start * (1 + rng.choice([-2.0, 0, 3], 100) * EPS),
    )
    return cases


CASES = _cases()

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(args[1], colClasses = "character")
for (id in unique(d$case)) {
    rows <- d[d$case == id, ]
    time <- as.numeric(rows$time)
    if (all(rows$start == "none")) {
        y <- aeqSurv(Surv(time, rep(1, length(time))))
        emit(id, "time", y[, 1])
    } else {
        y <- aeqSurv(Surv(as.numeric(rows$start), time, rep(1, length(time))))
        emit(id, "start", y[, 1])
        emit(id, "time", y[, 2])
    }
}
"""


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> RResults:
    cols: dict[str, list[str]] = {"case": [], "time": [], "start": []}
    for name, (time, start) in CASES.items():
        cols["case"] += [name] * time.size
        cols["time"] += hex_floats(time)
        cols["start"] += ["none"] * time.size if start is None else hex_floats(start)
    return run_hex(R_SCRIPT, {"data": cols}, tmp_path_factory.mktemp("timefix_r"))


@pytest.mark.r
@pytest.mark.parametrize("name", list(CASES))
def test_matches_aeqsurv_bit_for_bit(name: str, r_results: RResults) -> None:
    time, start = CASES[name]
    if start is None:
        np.testing.assert_array_equal(aeq_times(time), r_results[name, "time"])
        # The one-pass variant for sorted input (used by kaplan_meier).
        np.testing.assert_array_equal(
            aeq_sorted_times(np.sort(time)), np.sort(r_results[name, "time"])
        )
    else:
        fixed_time, fixed_start = aeq_times(time, start)
        np.testing.assert_array_equal(fixed_time, r_results[name, "time"])
        np.testing.assert_array_equal(fixed_start, r_results[name, "start"])


@pytest.mark.r
def test_cases_really_contain_near_ties(r_results: RResults) -> None:
    # Guard on the data: most cases must be changed by the fix, or the
    # comparison above would only show that both sides leave data alone.
    changed = [n for n, (t, _) in CASES.items() if not np.array_equal(r_results[n, "time"], t)]
    assert set(changed) >= {"noisy_integers", "days_to_years_and_back", "sevenths", "chain",
                            "near_zero", "large_relative", "counting"}
    assert "no_ties" not in changed


# ------------------------------------------------------------- hand cases


def test_round_off_tie_by_hand() -> None:
    # 0.1 * 3 = 0.30000000000000004 differs from 0.3 by one ulp (5.6e-17),
    # far below sqrt(eps) = 1.49e-8: both become the smaller value, 0.3.
    out = aeq_times([0.1 * 3, 0.3, 0.5])
    np.testing.assert_array_equal(out, [0.3, 0.3, 0.5])


def test_chain_collapses_to_its_first_value_by_hand() -> None:
    # Sorted distinct values 1, 1+1e-8, ..., 1+1e-7: every gap (1e-8) is tied,
    # so the whole run maps to its smallest member, although its ends differ
    # by 1e-7 > tolerance (R's cut points keep only the run's first value).
    y = 1 + 1e-8 * np.arange(11)
    np.testing.assert_array_equal(aeq_times(y), np.ones(11))


def test_relative_rule_by_hand() -> None:
    # y = 1e6, 1e6 + 1e-3, 2e6: mean |y| = 1.333e6, gap 1e-3 / 1.333e6 = 7.5e-10
    # <= 1.49e-8, so 1e6 + 1e-3 becomes 1e6; the gap to 2e6 is not tied.
    np.testing.assert_array_equal(aeq_times([1e6 + 1e-3, 1e6, 2e6]), [1e6, 1e6, 2e6])


def test_distinct_times_are_left_alone() -> None:
    t = np.array([5.0, 1.0, 3.0, 1.0])
    out = aeq_times(t)
    np.testing.assert_array_equal(out, t)
    out[0] = 99.0  # a copy, never a view of the caller's data
    assert t[0] == 5.0


def test_times_near_the_largest_double_stay_distinct() -> None:
    # Log-rank by hand on 1e308 (group 0, event), 1.5e308 (1, event), 1.7e308
    # (0, event), 1.79e308 (1, censored): O - E for group 0 is
    # 1 - 2/4 + 0 - 1/3 + 1 - 1/2 = 2/3, V = 1/4 + 2/9 + 1/4 = 13/18, chi-square
    # (2/3)^2 / (13/18) = 8/13. Merging every time into one (an overflowed mean
    # makes every gap 0 relative to it) gave 1.
    from crossval import kaplan_meier, logrank

    time = [1e308, 1.5e308, 1.7e308, 1.79e308]
    assert logrank(time, [1, 1, 1, 0], [0, 1, 0, 1]).statistic == pytest.approx(8 / 13, rel=1e-14)
    km = kaplan_meier([1e308, 1.7e308, 1.79e308], [1, 1, 0])
    assert km.time.tolist() == [1e308, 1.7e308, 1.79e308]


def test_non_positive_tolerance_does_nothing() -> None:
    t = [1.0, 1.0 + 1e-12]
    np.testing.assert_array_equal(aeq_times(t, tolerance=0), t)
    np.testing.assert_array_equal(aeq_times(t, tolerance=-1), t)
    assert DEFAULT_TOLERANCE == math.sqrt(EPS)


def test_extra_arrays_share_one_set_of_cut_points() -> None:
    # start 1+1e-12 and stop 1 are one value after the fix, as in aeqSurv for
    # (start, stop] data where the values are pooled before cutting.
    stop, start = aeq_times([1.0, 3.0], [0.0, 1.0 + 1e-12])
    np.testing.assert_array_equal(stop, [1.0, 3.0])
    np.testing.assert_array_equal(start, [0.0, 1.0])


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda: aeq_times([1.0, math.nan]), InputError, "time must be finite"),
        (lambda: aeq_times([1.0, math.inf]), InputError, "time must be finite"),
        (lambda: aeq_times("abc"), InputTypeError, "time must be a 1-d sequence"),
        (lambda: aeq_times([1.0], [1.0, 2.0]), InputError, "extra[0] has 2"),
        (lambda: aeq_times([1.0], tolerance="0.1"), InputTypeError, "tolerance must be a number"),
        (lambda: aeq_times([1.0], tolerance=math.inf), InputError, "tolerance must be finite"),
    ],
    ids=["nan", "inf", "string", "length", "tolerance type", "tolerance inf"],
)
def test_bad_input_names_the_argument(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
