"""crossval.stats.fisher_slices: closed forms and bounds along runs of three-column splits.

Each is checked against brute force: every x of a range, every split, every
table with the given margins.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import special

from crossval.stats.fisher_slices import (
    above_interval,
    dual_bound,
    node_log_totals,
    refine_mode,
    run_log_totals,
)

LF = special.gammaln(np.arange(200, dtype=np.float64) + 1.0)


def concave_family(rng: np.random.Generator, size: int):  # type: ignore[no-untyped-def]
    """Random concave functions on random integer ranges: -(x - c)^2 / w - log(x!) sums."""
    lo = rng.integers(0, 30, size)
    hi = lo + rng.integers(0, 40, size)
    centre = rng.uniform(lo - 5, hi + 5)
    width = rng.uniform(0.5, 30.0, size)
    tilt = rng.uniform(-2.0, 2.0, size)

    def value(x: np.ndarray, sel: np.ndarray) -> np.ndarray:
        return -((x - centre[sel]) ** 2) / width[sel] + tilt[sel] * x - LF[x] * 0.1

    return lo, hi, value


def test_refine_mode_finds_the_argmax_from_a_guess_one_off() -> None:
    rng = np.random.default_rng(1)
    lo, hi, value = concave_family(rng, 500)
    truth = np.array(
        [lo[i] + np.argmax(value(np.arange(lo[i], hi[i] + 1), np.full(hi[i] - lo[i] + 1, i)))
         for i in range(lo.size)]
    )
    for off in (-1, 0, 1):
        got = refine_mode(value, truth + off, lo, hi)
        at = np.arange(lo.size)
        # ties may pick either neighbour: compare the values reached
        np.testing.assert_array_equal(value(got, at), value(truth, at))


def test_above_interval_is_where_the_function_exceeds_the_limit() -> None:
    rng = np.random.default_rng(2)
    lo, hi, value = concave_family(rng, 600)
    at = np.arange(lo.size)
    mode = np.array(
        [lo[i] + np.argmax(value(np.arange(lo[i], hi[i] + 1), np.full(hi[i] - lo[i] + 1, i)))
         for i in range(lo.size)]
    )
    # limits below, at and above each function's range of values
    limit = value(mode, at) - rng.choice([-1.0, 0.0, 0.5, 5.0, 50.0], lo.size)
    cut, first, last = above_interval(value, lo, mode, hi, limit)
    expected_cut = []
    for i in range(lo.size):
        xs = np.arange(lo[i], hi[i] + 1)
        above = xs[value(xs, np.full(xs.size, i)) > limit[i]]
        if above.size:
            expected_cut.append(i)
            k = expected_cut.index(i)
            assert (first[k], last[k]) == (above.min(), above.max())
            assert above.size == above.max() - above.min() + 1  # one interval
    assert cut.tolist() == expected_cut
    assert 0 < cut.size < lo.size  # both kinds occur


def tables(rows: tuple[int, ...], cols: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """Every table with the given margins (brute force)."""

    def fill(i: int, left: tuple[int, ...]):  # type: ignore[no-untyped-def]
        if i == len(rows) - 1:
            yield [left]
            return
        for row in itertools.product(*(range(c + 1) for c in left)):
            if sum(row) == rows[i]:
                for rest in fill(i + 1, tuple(a - b for a, b in zip(left, row, strict=True))):
                    yield [list(row), *rest]

    yield from fill(0, cols)


@pytest.mark.parametrize("share", [0.3, 0.5, 0.8])
@pytest.mark.parametrize(
    ("rows", "node"),
    [((3, 4), (5, 4, 2)), ((5, 2, 6), (7, 5, 3)), ((1, 8), (6, 6, 6)), ((4, 4, 4), (12, 3, 0))],
)
def test_dual_bound_is_at_least_the_most_probable_completion(
    rows: tuple[int, ...], node: tuple[int, int, int], share: float
) -> None:
    const, v = dual_bound(np.array(node)[:, None], np.array(rows), LF, share)
    total = sum(rows)
    # every child of the node whose columns sum to the rows' total
    for child in itertools.product(*(range(c + 1) for c in node)):
        if sum(child) != total:
            continue
        best = max(
            -sum(math.lgamma(x + 1) for r in t for x in r) for t in tables(rows, child)
        )
        bound = const[0] - float(v[:, 0] @ np.array(child))
        assert bound >= best - 1e-12, (child, bound, best)


def test_run_and_node_totals_are_the_sums_of_their_splits() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        node = np.sort(rng.integers(0, 25, 3))[::-1]
        total = int(rng.integers(0, node.sum() + 1))
        a, b, d = (int(x) for x in node)
        splits = [
            (xa, xb, total - xa - xb)
            for xa in range(a + 1)
            for xb in range(b + 1)
            if 0 <= total - xa - xb <= d
        ]

        def logw(s: tuple[int, int, int], caps: tuple[int, int, int] = (a, b, d)) -> float:
            return -sum(float(LF[x] + LF[c - x]) for x, c in zip(s, caps, strict=True))

        whole = special.logsumexp([logw(s) for s in splits])
        got = node_log_totals(node[:, None], total, LF)[0]
        assert got == pytest.approx(whole, rel=1e-13, abs=1e-12)
        for xa in {s[0] for s in splits}:
            run = special.logsumexp([logw(s) for s in splits if s[0] == xa])
            one = run_log_totals(
                np.array([xa]), np.array([total - xa]), node[:1], node[1:2], node[2:], LF
            )[0]
            assert one == pytest.approx(run, rel=1e-13, abs=1e-12)
