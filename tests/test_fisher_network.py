"""crossval.stats.fisher_network: exact r x c Fisher p-values.

Checked against exact rational enumeration, hand derivations, the earlier
stage-wise enumeration in ``tests/fisher_enumeration.py`` (an independent implementation)
and live R ``fisher.test``.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest
from scipy import special

from crossval.errors import InputError
from crossval.stats import (
    contingency,
    fisher_hashing,
    fisher_network,
    fisher_simulated,
    fisher_slices,
    fisher_splits,
)
from crossval.stats.contingency import fisher_exact
from crossval.stats.fisher_network import FISHER_MAX_WORK, fisher_rxc_pvalue
from fisher_enumeration import fisher_rxc_pvalue_enumerated
from rscript_helper import run_rows

# R's FEXACT tolerance: a table counts when P <= P(observed) * exp(TOL).
TOL_FACTOR = Fraction(1_000_000_345_254, 10**12)  # exp(3.45254e-7) to 13 digits


def rel(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / abs(b)


def exact_p(table: list[list[int]]) -> Fraction:
    """Sum of P over all tables with the margins of ``table`` and P <= P(table) exp(TOL)."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    n = sum(rows)
    num = math.prod(math.factorial(v) for v in rows + cols)

    def prob(t: list[list[int]]) -> Fraction:
        den = math.factorial(n) * math.prod(math.factorial(v) for r in t for v in r)
        return Fraction(num, den)

    limit = prob(table) * TOL_FACTOR

    def fills(total: int, caps: list[int]) -> list[list[int]]:
        if len(caps) == 1:
            return [[total]] if total <= caps[0] else []
        return [
            [v, *rest]
            for v in range(min(total, caps[0]) + 1)
            for rest in fills(total - v, caps[1:])
        ]

    def walk(i: int, left: list[int], done: list[list[int]]) -> Fraction:
        if i == len(rows) - 1:
            p = prob([*done, left])
            return p if p <= limit else Fraction(0)
        return sum(
            (walk(i + 1, [a - b for a, b in zip(left, row, strict=True)], [*done, row])
             for row in fills(rows[i], left)),
            Fraction(0),
        )

    return walk(0, cols, [])


def random_tables(seed: int, count: int, max_n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        r, c = (int(v) for v in rng.integers(2, 6, size=2))
        if (r, c) == (2, 2):
            continue
        n = int(rng.integers(1, max_n + 1))
        probs = rng.dirichlet(np.full(r * c, rng.choice([0.3, 1.0, 5.0])))
        out.append(rng.multinomial(n, probs).reshape(r, c))
    return out


# ---------------------------------------------------------------------------
# hand derivations and exact rational enumeration


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # rows 2, 2, 2; columns 3, 3; N = 6. A table is fixed by its first
        # column (a, b, c) with a + b + c = 3, each <= 2, and P = 0.4 / prod
        # n_ij!: the 6 orderings of (2, 1, 0) have P = 0.1, (1, 1, 1) has 0.4.
        # Observed (2, 0, 1): p = 6 * 0.1.
        ([[2, 0], [0, 2], [1, 1]], 0.6),
        # Observed (1, 1, 1) is the most probable table: p = 1.
        ([[1, 1], [1, 1], [1, 1]], 1.0),
        # rows 3, 1, 1; columns 3, 2. First column (a, b, c), b, c <= 1, so
        # P is proportional to 1 / (a! (3 - a)!): a = 3 gives 1/6, each of the
        # two tables with a = 2 gives 1/2, a = 1 gives 1/2; total 10/6. The
        # observed a = 3 has P = 0.1 and is the least probable: p = 0.1.
        ([[3, 0], [0, 1], [0, 1]], 0.1),
        # rows 2, 2; columns 2, 1, 1. First row (2,0,0), (1,1,0), (1,0,1),
        # (0,1,1) with weights 1/2, 1, 1, 1/2 (total 3): P = 1/6, 1/3, 1/3,
        # 1/6. Observed (2, 0, 0): p = 1/6 + 1/6.
        ([[2, 0, 0], [0, 1, 1]], 1.0 / 3.0),
        # All margins 1: the 6 permutation matrices are equally likely.
        ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], 1.0),
    ],
)
def test_hand_derived(table: list[list[int]], expected: float) -> None:
    assert fisher_rxc_pvalue(np.array(table)) == pytest.approx(expected, rel=1e-13)
    assert fisher_exact(table).p_value == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(
    "table",
    [
        [[3, 1, 2], [0, 4, 1], [2, 2, 5]],
        [[6, 0, 1], [1, 5, 2], [0, 1, 7]],
        [[4, 6, 1], [11, 15, 0], [1, 0, 1]],
        [[1, 0, 4, 2], [3, 2, 0, 1], [0, 3, 1, 1]],
        [[2, 1], [0, 3], [4, 0], [1, 1], [0, 2]],
        [[5, 0, 0], [0, 5, 0], [0, 0, 5]],
        [[2, 2, 2], [2, 2, 2], [2, 2, 2]],
    ],
)
def test_matches_exact_rational_enumeration(table: list[list[int]]) -> None:
    assert fisher_rxc_pvalue(np.array(table)) == pytest.approx(float(exact_p(table)), rel=1e-13)


# ---------------------------------------------------------------------------
# against the earlier stage-wise enumeration


def test_agrees_with_enumeration_on_random_small_tables() -> None:
    for table in random_tables(seed=20261125, count=400, max_n=40):
        expected = fisher_rxc_pvalue_enumerated(table)
        assert rel(fisher_rxc_pvalue(table), expected) <= 1e-12, table.tolist()


LARGER = [
    # (shape, N) chosen so that every way of settling is used: short and
    # long arc lists, many and few partial tables per node, cores.
    np.array([[20, 34], [37, 69], [17, 31], [45, 104], [16, 27]]),
    np.array([[17, 4, 26], [5, 2, 13], [19, 5, 23], [16, 2, 21], [17, 5, 25]]),
    np.array([[22, 19, 27], [30, 42, 41], [30, 43, 46]]),
    np.array([[36, 41, 7], [55, 41, 18], [67, 56, 15], [33, 26, 5]]),
    np.array([[7, 4, 5, 13], [2, 2, 2, 1], [6, 3, 1, 6], [7, 7, 6, 8]]),
    np.array([[18, 5, 30, 20], [14, 9, 26, 9], [8, 7, 4, 0]]),
    # equal rows: many partial tables merge
    np.array([[10, 5, 3], [10, 5, 3], [9, 6, 3], [10, 4, 4]]),
]


@pytest.mark.parametrize("table", LARGER, ids=lambda t: "x".join(map(str, t.shape)))
def test_agrees_with_enumeration_on_larger_tables(table: np.ndarray) -> None:
    assert rel(fisher_rxc_pvalue(table), fisher_rxc_pvalue_enumerated(table)) <= 1e-12


@pytest.mark.parametrize(
    "knobs",
    [
        {"_SHORT_SEGMENT": 0},  # every sorted node on its own
        {"_SHORT_SEGMENT": 10**9},  # every sorted node in the padded grid
        {"_CORE_MIN_LIST": 0},  # cores wherever they are cheaper
        {"_CORE_MIN_LIST": 10**18},  # never cores
        {"_CORE_MIN_LIST": 0, "_CORE_RTOL": 0.0},  # cores, then the fallback to lists
        # cores for every node; every reached slice listed, or subtracted where shorter
        {"_CORE_MIN_LIST": 0, "_CORE_ENTRY_COST": 0.0, "_CORE_SLICE_COST": 0.0},
        {"_CORE_MIN_LIST": 0, "_CORE_ENTRY_COST": 0, "_CORE_SLICE_COST": 0, "_CORE_DEPTH": -1},
        {"_CORE_MIN_LIST": 0, "_CORE_ENTRY_COST": 0, "_CORE_SLICE_COST": 0, "_CORE_DEPTH": 1e9},
        {"_DENSE_KEYS": 0},  # node keys through np.unique
        {"_FOLD_AT": 64},  # open pairs folded into entries as they come
        {"_FOLD_AT": 64, "_FOLD_KEEP": 0.0},  # folding given up after the first fold
        {"_FOLD_AT": 64, "fisher_hashing.HASH_ROUNDS": 0},  # merges by sorting alone
        # the stage before the last two rows settles what it holds against them as it goes
        {"_FOLD_AT": 64, "_STREAM_AT": 256},
        {"_FOLD_AT": 64, "_FOLD_KEEP": 0.0, "_STREAM_AT": 128},
        {"_NARROW_MIN_ARCS": 0},  # three-column runs narrowed wherever a node has a common part
        {"_NARROW_MIN_ARCS": 10**18},  # never narrowed
    ],
)
def test_every_settling_path_agrees(monkeypatch: pytest.MonkeyPatch, knobs: dict) -> None:
    modules = {"fisher_hashing": fisher_hashing}
    for name, value in knobs.items():
        module, _, attr = name.rpartition(".")
        monkeypatch.setattr(modules[module] if module else fisher_network, attr, value)
    for table in LARGER[:4]:
        assert rel(fisher_rxc_pvalue(table), fisher_rxc_pvalue_enumerated(table)) <= 1e-10


def test_narrowed_runs_agree_with_exact_enumeration(monkeypatch: pytest.MonkeyPatch) -> None:
    # every three-column step narrowed, on tables small enough to enumerate exactly
    monkeypatch.setattr(fisher_network, "_NARROW_MIN_ARCS", 0)
    tables = [t for t in random_tables(seed=20261126, count=300, max_n=40) if 3 in t.shape]
    assert len(tables) > 50
    for table in tables:
        expected = fisher_rxc_pvalue_enumerated(table)
        assert rel(fisher_rxc_pvalue(table), expected) <= 1e-12, table.tolist()


def test_cores_agree_with_exact_enumeration(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every node with two rows left settled from its core, on tables small
    # enough to enumerate exactly. A core is subtracted from its slice's
    # total only where it is the shorter part of the slice.
    for name in ("_CORE_MIN_LIST", "_CORE_ENTRY_COST", "_CORE_SLICE_COST"):
        monkeypatch.setattr(fisher_network, name, 0)
    tables = [t for t in random_tables(seed=20261127, count=300, max_n=40) if min(t.shape) <= 3]
    assert len(tables) > 100
    for table in tables:
        expected = fisher_rxc_pvalue_enumerated(table)
        assert rel(fisher_rxc_pvalue(table), expected) <= 1e-12, table.tolist()


def test_streamed_last_stage_agrees_with_exact_enumeration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the stage before the last two rows holds is settled against them
    # in chunks (here of a few hundred entries) on tables small enough to
    # enumerate exactly; the chunks must add up to the whole.
    streamed = []
    settle_last = fisher_network._Network.settle_last

    def spy(self: fisher_network._Network, children: np.ndarray, chunk: object) -> list:
        streamed.append(children.shape[1])
        return settle_last(self, children, chunk)

    monkeypatch.setattr(fisher_network._Network, "settle_last", spy)
    monkeypatch.setattr(fisher_network, "_FOLD_AT", 32)
    monkeypatch.setattr(fisher_network, "_STREAM_AT", 128)
    tables = [t for t in random_tables(seed=20261128, count=200, max_n=40) if min(t.shape) >= 3]
    assert len(tables) > 50
    for table in tables:
        expected = fisher_rxc_pvalue_enumerated(table)
        assert rel(fisher_rxc_pvalue(table), expected) <= 1e-12, table.tolist()
    assert len(streamed) > 100


def test_streaming_lifts_the_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # With memory for 8,192 items held at once, the 5 x 3 table's open pairs
    # before the last two rows do not fit when held whole, and do when they
    # are settled as they come.
    table = LARGER[1]
    monkeypatch.setattr(fisher_network, "_FOLD_AT", 64)
    monkeypatch.setattr(fisher_splits, "MAX_ITEMS", 8192)
    monkeypatch.setattr(fisher_network, "_STREAM_AT", 10**18)
    with pytest.raises(InputError, match="needs more memory"):
        fisher_rxc_pvalue(table)
    monkeypatch.setattr(fisher_network, "_STREAM_AT", 256)
    assert rel(fisher_rxc_pvalue(table), fisher_rxc_pvalue_enumerated(table)) <= 1e-12


def test_cores_past_the_budget_give_way_to_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    def over(*args: object) -> None:
        raise fisher_splits.OverBudget

    for name in ("_CORE_MIN_LIST", "_CORE_ENTRY_COST", "_CORE_SLICE_COST"):
        monkeypatch.setattr(fisher_network, name, 0)
    monkeypatch.setattr(fisher_network._Network, "settle_cores", over)
    for table in LARGER[1:4]:
        assert rel(fisher_rxc_pvalue(table), fisher_rxc_pvalue_enumerated(table)) <= 1e-12


def test_a_refusal_after_cores_gave_way_names_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # Cores stopped by memory give way to lists; if the lists then pass the
    # work limit, the refusal is for work, and says so.
    gave_way = []

    def out_of_memory(self: fisher_network._Network, *args: object) -> None:
        gave_way.append(True)
        raise fisher_splits.OverBudget(memory=True)

    for name in ("_CORE_MIN_LIST", "_CORE_ENTRY_COST", "_CORE_SLICE_COST"):
        monkeypatch.setattr(fisher_network, name, 0)
    monkeypatch.setattr(fisher_network._Network, "settle_cores", out_of_memory)
    table = LARGER[2]
    refused_after_cores = 0
    for limit in np.geomspace(1e4, 1e8, 25).astype(int):
        gave_way.clear()
        try:
            fisher_rxc_pvalue(table, max_work=int(limit))
        except InputError as err:
            assert "needs more work" in str(err), (limit, str(err))
            refused_after_cores += bool(gave_way)
    assert refused_after_cores > 0


def test_slices_against_listing_every_completion() -> None:
    # Each node's slices: peaks, modes, shares, the top slice and the node
    # total against all completions listed; the peaks concave along xd.
    rng = np.random.default_rng(20261128)
    lf = special.gammaln(np.arange(200.0) + 1.0)
    for _ in range(200):
        node = np.sort(rng.integers(0, 40, size=3))[::-1].astype(np.int64)
        small = int(rng.integers(0, node.sum() + 1))
        sl = fisher_slices.Slices.of(
            node[:, None], small, lf, fisher_splits.Work(FISHER_MAX_WORK)
        )
        a_tot, b_tot, d_tot = (int(v) for v in node)
        peaks, modes, sums, weights = [], [], [], []
        for xd in range(max(0, small - a_tot - b_tot), min(d_tot, small) + 1):
            first_xa = max(0, small - xd - b_tot)
            row = [
                -(lf[xa] + lf[small - xd - xa] + lf[xd])
                - (lf[a_tot - xa] + lf[b_tot - small + xd + xa] + lf[d_tot - xd])
                for xa in range(first_xa, min(a_tot, small - xd) + 1)
            ]
            peaks.append(max(row))
            modes.append(row[int(sl.mode[len(modes)]) - first_xa])
            sums.append(float(special.logsumexp(row)))
            weights += row
        assert sl.count[0] == len(peaks)
        np.testing.assert_allclose(sl.peak, peaks, rtol=0, atol=1e-9)
        np.testing.assert_allclose(modes, peaks, rtol=0, atol=1e-9)
        np.testing.assert_allclose(sl.share, np.exp(np.array(sums) - sl.total[0]), rtol=1e-9)
        top = max(peaks)
        assert peaks[int(sl.top[0])] >= top - 1e-9
        assert np.all(np.diff(peaks, 2) <= 1e-9)  # concave in xd
        assert sl.total[0] == pytest.approx(float(special.logsumexp(weights)), abs=1e-9)


@pytest.mark.parametrize(
    "table",
    [
        [[30, 22, 25], [18, 26, 22], [25, 20, 28], [20, 30, 34]],
        [[100, 110, 90], [105, 95, 100], [95, 100, 105]],
        [[70, 65, 68], [66, 70, 64], [65, 66, 70], [64, 68, 66], [70, 64, 64]],
        # small p-values: most of each run's mass is listed
        [[60, 30, 20], [30, 60, 25], [20, 25, 50]],
        [[40, 20, 8], [30, 30, 12], [20, 35, 15], [15, 30, 25]],
    ],
)
def test_narrowed_runs_agree_with_listing_every_arc(
    monkeypatch: pytest.MonkeyPatch, table: list[list[int]]
) -> None:
    narrowed = fisher_rxc_pvalue(np.array(table))
    monkeypatch.setattr(fisher_network, "_NARROW_MIN_ARCS", 10**18)
    listed = fisher_rxc_pvalue(np.array(table))
    assert rel(narrowed, listed) <= 1e-12, (narrowed, listed)


@pytest.mark.parametrize("rounds", [0, 1, 16])
@pytest.mark.parametrize("distinct", [3, 500, 10**6, 2**62])
def test_representatives_group_equal_keys(
    monkeypatch: pytest.MonkeyPatch, rounds: int, distinct: int
) -> None:
    # A few keys repeated many times (hash rounds settle them), keys mostly
    # distinct (None: the caller sorts) and no hash rounds at all (sort only).
    monkeypatch.setattr(fisher_hashing, "HASH_ROUNDS", rounds)
    rng = np.random.default_rng(distinct)
    key = rng.integers(0, distinct, size=20_000, dtype=np.int64) * 7919
    rep = fisher_hashing.representatives(key)
    if rounds and distinct >= 10**6:
        assert rep is None  # mostly distinct: left to a sort
        return
    assert rep is not None
    assert np.array_equal(key[rep], key)  # each item's representative has its key
    assert np.array_equal(rep[rep], rep)  # a representative represents itself
    # one representative per distinct key
    assert np.unique(rep).size == np.unique(key).size


@pytest.mark.parametrize("levels", [4, 30])  # pasts repeating (hashed) or mostly distinct (sorted)
def test_merge_keeps_one_entry_per_node_and_past(levels: int) -> None:
    lf = special.gammaln(np.arange(40, dtype=np.float64) + 1.0)
    net = fisher_network._Network(np.array([[3, 4], [5, 6]]), lf, fisher_splits.Work(10**9))
    rng = np.random.default_rng(3)
    node = rng.integers(0, 50, size=5000)
    values = -lf[rng.integers(0, levels, size=(5000, 3))].sum(axis=1)  # repeating sums
    past = values + rng.uniform(-1e-12, 1e-12, size=5000)  # round-off below the resolution
    weight = rng.integers(1, 5, size=5000).astype(float)
    out = net.merge(node, past, weight)
    expected: dict[tuple[int, float], float] = {}
    for u, v, w in zip(node.tolist(), np.round(values, 9).tolist(), weight.tolist(), strict=True):
        expected[(u, v)] = expected.get((u, v), 0.0) + w
    got: dict[tuple[int, float], float] = {}
    for u, v, w in zip(
        out.owner.tolist(), np.round(out.past, 9).tolist(), out.weight.tolist(), strict=True
    ):
        got[(u, v)] = got.get((u, v), 0.0) + w
    assert got == expected  # nothing lost, nothing merged across (node, past)
    # Pasts are binned at 1e-10, so a pair that differs by round-off can
    # straddle a bin edge and stay two entries (harmless: same future); rare.
    assert len(expected) <= out.owner.size <= 1.01 * len(expected)
    order = np.lexsort((out.past, out.owner))
    assert np.array_equal(order, np.arange(order.size))  # sorted by node, then past
    # only by hash: the same merge where keys repeat, the entries as given where not
    hashed = net.merge(node, past, weight, only_by_hash=True)
    if levels == 4:
        assert np.array_equal(hashed.owner, out.owner)
        assert np.array_equal(hashed.past, out.past)
        assert np.array_equal(hashed.weight, out.weight)
    else:
        assert hashed.owner is node and hashed.past is past and hashed.weight is weight


def test_both_row_orders_agree() -> None:
    table = np.array([[7, 4, 5, 13], [2, 2, 2, 1], [6, 3, 1, 6], [7, 7, 6, 8]])
    n = int(table.sum())
    lf = special.gammaln(np.arange(n + 2, dtype=np.float64) + 1.0)
    values = []
    for order in ([1, 2, 0, 3], [3, 1, 2, 0], [0, 1, 2, 3]):
        run = fisher_network._Network(table[order], lf, fisher_splits.Work(10**12)).run()
        try:
            while True:
                next(run)
        except StopIteration as done:
            values.append(done.value)
    assert max(values) - min(values) <= 1e-13 * max(values)


def test_invariant_to_transpose_and_permutations() -> None:
    t = np.array([[20, 10, 3], [17, 11, 4], [15, 12, 5], [14, 10, 3], [12, 10, 4]])
    p = fisher_rxc_pvalue(t)
    assert rel(fisher_rxc_pvalue(t.T), p) <= 1e-12
    assert rel(fisher_rxc_pvalue(t[::-1, [2, 0, 1]]), p) <= 1e-12


# ---------------------------------------------------------------------------
# margins and shortcuts


@pytest.mark.parametrize(
    ("table", "reduced"),
    [
        ([[10, 5], [0, 0], [3, 7], [2, 2]], [[10, 5], [3, 7], [2, 2]]),
        ([[4, 0, 2, 1], [1, 0, 6, 0], [0, 0, 3, 2]], [[4, 2, 1], [1, 6, 0], [0, 3, 2]]),
        ([[0, 0, 0], [3, 0, 1], [0, 0, 0], [1, 0, 4]], [[3, 1], [1, 4]]),
    ],
)
def test_zero_margins_are_dropped(table: list[list[int]], reduced: list[list[int]]) -> None:
    p = fisher_rxc_pvalue(np.array(table))
    if np.shape(reduced) == (2, 2):
        assert p == pytest.approx(fisher_exact(reduced).p_value, rel=1e-12)
    else:
        assert p == fisher_rxc_pvalue(np.array(reduced))
    assert p == pytest.approx(float(exact_p(reduced)), rel=1e-12)


@pytest.mark.parametrize("table", [[[0, 0, 0], [0, 0, 0], [2, 3, 4]], [[0, 5], [0, 7], [0, 1]]])
def test_one_row_or_column_left_gives_one(table: list[list[int]]) -> None:
    assert fisher_rxc_pvalue(np.array(table)) == 1.0


def test_most_probable_table_gives_one_at_once() -> None:
    # 5 x 3 with N = 1000 spread evenly: the observed table is the most
    # probable one, which the bound at the root already shows.
    table = (1000 // 15 + (np.arange(15) < 1000 % 15)).reshape(5, 3)
    assert fisher_rxc_pvalue(table) == 1.0
    assert fisher_rxc_pvalue(np.full((5, 2), 100)) == 1.0


# ---------------------------------------------------------------------------
# the work limit


def test_refuses_a_far_too_large_table_at_once() -> None:
    table = np.full((5, 5), 200)
    table[0, 0] = 260
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        fisher_exact(table)
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    # its first row alone has more ways to fill than memory allows: more
    # work would not help, and the message says so
    assert "table of shape (5, 5)" in message
    assert "needs more memory" in message and "max_work does not lift" in message
    assert "chi2_test" in message and "simulate=True" in message


def test_refuses_past_a_given_limit() -> None:
    table = np.array([[36, 41, 7], [55, 41, 18], [67, 56, 15], [33, 26, 5]])
    with pytest.raises(InputError) as err:
        fisher_rxc_pvalue(table, max_work=100_000)
    message = str(err.value)
    assert message.startswith("table of shape (4, 3) with 400 observations needs more work")
    assert "max_work = 100,000 units" in message
    assert f"FISHER_MAX_WORK = {FISHER_MAX_WORK:,}" in message
    assert "fisher_exact(table, max_work=...)" in message and "simulate=True" in message


def test_fisher_exact_takes_a_work_limit() -> None:
    # refused within 100,000 units; the default limit gives the same p as no option
    table = [[36, 41, 7], [55, 41, 18], [67, 56, 15], [33, 26, 5]]
    with pytest.raises(InputError, match="max_work = 100,000 units"):
        fisher_exact(table, max_work=100_000)
    assert fisher_exact(table, max_work=FISHER_MAX_WORK) == fisher_exact(table)
    assert fisher_exact(table, max_work=float(FISHER_MAX_WORK)) == fisher_exact(table)


def test_fisher_exact_reads_the_limit_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contingency, "FISHER_MAX_WORK", 5_000)
    with pytest.raises(InputError, match="max_work = 5,000 units"):
        fisher_exact([[36, 41, 7], [55, 41, 18], [67, 56, 15], [33, 26, 5]])


# ---------------------------------------------------------------------------
# live R: fisher.test(table, workspace = 2e8); tables passed as data

R_SCRIPT = """
p <- apply(d, 1, function(r) {
  tab <- matrix(r[3:(2 + r[1] * r[2])], nrow = r[1], byrow = TRUE)
  fisher.test(tab, workspace = 2e8)$p.value
})
put(p)
"""

R_TABLES = [
    [[21, 28], [16, 31], [19, 35]],
    [[110, 95], [90, 105], [100, 98], [85, 112], [108, 97]],  # 5 x 2, N = 1000
    [[36, 65], [23, 39], [31, 63], [56, 81], [66, 140]],  # 5 x 2, N = 600
    [[100, 100]] * 5,  # 5 x 2, N = 1000 spread evenly
    (1000 // 15 + (np.arange(15) < 1000 % 15)).reshape(5, 3).tolist(),  # 5 x 3 even
    [[17, 4, 26], [5, 2, 13], [19, 5, 23], [16, 2, 21], [17, 5, 25]],  # 5 x 3, N = 200
    [[13, 11, 9], [11, 2, 7], [12, 12, 12], [6, 14, 7], [15, 9, 10]],  # 5 x 3, N = 150
    [[5, 6, 7], [9, 10, 6], [14, 32, 39], [12, 34, 31], [5, 17, 23]],  # 5 x 3, N = 250: R ~4 s
    [[300, 310, 305], [20, 25, 22], [3, 5, 2], [1, 0, 2], [2, 1, 4]],  # 5 x 3, rare rows
    [[33, 39, 22], [114, 196, 112], [152, 214, 118]],  # 3 x 3, N = 1000
    [[116, 32, 60], [101, 32, 47], [111, 43, 58]],  # 3 x 3, N = 600
    [[36, 41, 7], [55, 41, 18], [67, 56, 15], [33, 26, 5]],  # 4 x 3, N = 400
    [[3, 9, 3, 7], [6, 19, 11, 12], [5, 12, 8, 12], [1, 5, 2, 5]],  # 4 x 4, N = 120
    [[7, 4, 5, 13], [2, 2, 2, 1], [6, 3, 1, 6], [7, 7, 6, 8]],
    [[54, 109], [88, 221], [128, 400]],
    [[2, 0], [0, 2], [1, 1]],
    [[3, 0, 0, 4], [0, 5, 1, 0], [2, 2, 2, 1]],
    [[4, 0, 2], [1, 0, 6], [0, 0, 3]],  # an empty column
    # 5 x 5 with 55-56 observations: millions of open pairs, folded as they come
    [[0, 8, 3, 0, 2], [1, 2, 0, 4, 0], [0, 3, 0, 2, 1], [2, 0, 3, 6, 2], [3, 4, 4, 4, 2]],
    [[1, 6, 1, 7, 2], [0, 1, 1, 0, 10], [3, 1, 3, 2, 2], [2, 1, 1, 1, 1], [1, 1, 0, 7, 0]],
]


@pytest.mark.r
def test_matches_r() -> None:
    width = max(2 + len(t) * len(t[0]) for t in R_TABLES)
    rows = [[len(t), len(t[0]), *(v for row in t for v in row)] for t in R_TABLES]
    data = [r + [0] * (width - len(r)) for r in rows]
    expected = run_rows(R_SCRIPT, data, timeout=600)[:, 0].tolist()
    for table, ref in zip(R_TABLES, expected, strict=True):
        ours = fisher_exact(table).p_value
        # FEXACT merges past path lengths equal within its TOL and sums in
        # another order, so its own rounding is about 1e-10 on these tables
        # (largest seen 2.3e-10); crossval agrees with exact enumeration to
        # about 1e-13.
        assert rel(ours, ref) <= 1e-9, (table, ours, ref)


# ---------------------------------------------------------------------------
# Monte Carlo p-value (simulate=True), a separate path

G650 = [[78, 39, 13], [72, 46, 16], [58, 52, 20], [65, 42, 18], [62, 49, 21]]


def test_simulated_tables_keep_the_margins_and_their_distribution() -> None:
    rows, cols = np.array([2, 2, 2]), np.array([3, 3])
    sims = fisher_simulated.random_tables(rows, cols, 60_000, np.random.default_rng(7))
    assert (sims.sum(axis=2) == rows).all() and (sims.sum(axis=1) == cols).all()
    # Under independence (hand derivation in test_hand_derived) the first
    # column is (1, 1, 1) with probability 0.4 and each ordering of (2, 1, 0)
    # with probability 0.1.
    first = sims[:, :, 0]
    share = float(np.mean((first == 1).all(axis=1)))
    assert abs(share - 0.4) < 5 * math.sqrt(0.4 * 0.6 / 60_000)
    share = float(np.mean((first == [2, 1, 0]).all(axis=1)))
    assert abs(share - 0.1) < 5 * math.sqrt(0.1 * 0.9 / 60_000)


@pytest.mark.parametrize("table", [G650, [[20, 34], [37, 69], [17, 31], [45, 104], [16, 27]]])
def test_simulated_p_is_near_the_exact_one(table: list[list[int]]) -> None:
    exact = fisher_exact(table).p_value
    res = fisher_exact(table, simulate=True, n_sim=40_000, seed=11)
    assert res.p_value == fisher_exact(table, simulate=True, n_sim=40_000, seed=11).p_value
    assert abs(res.p_value - exact) < 5 * math.sqrt(exact * (1 - exact) / 40_000)
    assert res.odds_ratio is None and res.or_ci is None


def test_simulated_p_counts_the_observed_table() -> None:
    # R's rule: (1 + hits) / (B + 1); the observed table here is the most
    # probable one, so every draw counts and p = 1.
    assert fisher_exact([[1, 1], [1, 1], [1, 1]], simulate=True, n_sim=99, seed=1).p_value == 1.0


def test_simulate_is_ignored_for_2x2_as_in_r() -> None:
    table = [[12, 5], [3, 20]]
    assert fisher_exact(table, simulate=True, seed=3) == fisher_exact(table)


@pytest.mark.parametrize(
    ("options", "exc", "pattern"),
    [
        ({"simulate": "yes"}, TypeError, "simulate must be True or False"),
        ({"simulate": True, "n_sim": 0}, InputError, "n_sim must be at least 1"),
        ({"simulate": True, "n_sim": 2.5}, InputError, "n_sim"),
        ({"simulate": True, "seed": -1}, InputError, "seed"),
        ({"max_work": 0}, InputError, "max_work must be a positive whole number"),
        ({"max_work": 2.5}, InputError, "max_work must be a non-negative whole number"),
        ({"max_work": "1e9"}, TypeError, "max_work must be a non-negative whole number"),
    ],
)
def test_simulate_options_are_checked(options: dict, exc: type[Exception], pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        fisher_exact(G650, **options)


def test_simulate_needs_two_nonempty_rows_and_columns() -> None:
    with pytest.raises(InputError, match="table needs at least 2 non-empty rows"):
        fisher_exact([[0, 0, 0], [0, 0, 0], [2, 3, 4]], simulate=True)


R_SIM = """
set.seed(20261125)
put(fisher.test(d, simulate.p.value = TRUE, B = 1e5)$p.value)
"""


@pytest.mark.r
def test_simulated_p_matches_r_within_monte_carlo_error() -> None:
    # 5 x 3 with N = 1000 spread over every cell: too large for the exact
    # path here and for R's FEXACT; both simulate with 1e5 tables.
    table = [[120, 60, 20], [110, 70, 25], [90, 80, 30], [100, 65, 28], [95, 75, 32]]
    ref = float(run_rows(R_SIM, table, timeout=600)[0, 0])
    ours = fisher_exact(table, simulate=True, n_sim=100_000, seed=5).p_value
    assert abs(ours - ref) < 5 * math.sqrt(2 * ref * (1 - ref) / 100_000)
