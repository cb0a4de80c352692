"""A floor under exact r x c Fisher in numpy: the least work its partial tables need.

The network algorithm (``crossval.stats.fisher_network``) must settle every
partial table whose completions fall on both sides of the observed
probability. On the benchmark's sparse 5 x 3 table (``run.py``'s "5x3 N=300
sparse") 86,757 of them are left with two rows to fill, made from 5,865
partial tables with three rows left and 8,285 arcs, and settled against 31,381
completions at 85 nodes (counts from an instrumented run). This script
times, on random data of those sizes, only the fewest numpy steps that
settling them takes once they are known: make them from their (partial
table, arc) pairs, sort each node's completions, find each table's count
with one search (of the limits in ascending order), and sum (one exp per
table, as ``settle_sorted`` does).
Whatever the stages that find the tables cost comes on top. Run it to see
the floor on a machine:

    .venv/bin/python benchmarks/fisher_floor.py --repeat 30
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np

# run.py's "5x3 N=300 sparse", and the sizes of its network with the rows in
# ascending order (the order that finishes first); tests/test_benchmark_harness.py
# counts them again on the current network
TABLE = [[40, 35, 2], [30, 38, 3], [25, 28, 1], [20, 22, 4], [30, 20, 2]]
ENTRIES_BEFORE = 5_865
ARCS = 8_285
OPEN = 86_757
NODES = 85
COMPLETIONS = 31_381


def settle_floor(rng: np.random.Generator, repeat: int) -> tuple[float, float]:
    """Median and least seconds of the fewest numpy steps that settle ``OPEN`` partial tables."""
    item = np.sort(rng.integers(0, ENTRIES_BEFORE, OPEN))
    arc = rng.integers(0, ARCS, OPEN)
    past_before = rng.normal(size=ENTRIES_BEFORE)
    step = rng.normal(size=ARCS)
    child = rng.integers(0, NODES, ARCS)
    weight_before = np.ones(ENTRIES_BEFORE)
    per_node = np.bincount(rng.integers(0, NODES, COMPLETIONS), minlength=NODES)
    g = rng.normal(size=COMPLETIONS)
    m = rng.normal(size=COMPLETIONS)
    # node i's completions are laid end to end, shifted by i * span (span
    # wider than the spread of g), so one sort and one search serve all nodes
    span = float(g.max() - g.min()) + 2.0
    offset = span * np.repeat(np.arange(NODES), per_node)

    def settle() -> float:
        node = child[arc]
        past = past_before[item] + step[arc]
        weight = weight_before[item]
        key = g + offset
        order = np.argsort(key)
        cum = np.cumsum(np.exp(m[order]))
        needle = (0.5 - past) + span * node
        # needles searched in ascending order: here the sort and the search
        # take about half as long as searching them as they come (cache misses)
        by_needle = np.argsort(needle)
        count = np.searchsorted(key[order], needle[by_needle], side="right")
        got = count > 0
        p = past[by_needle][got]
        w = weight[by_needle][got]
        return float((w * np.exp(p - p.max()) * cum[count[got] - 1]).sum())

    settle()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        settle()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), min(times)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed repeats (default %(default)d)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    median, least = settle_floor(np.random.default_rng(args.seed), args.repeat)
    print(
        f"settling {OPEN:,} partial tables with two rows left ({NODES} nodes, "
        f"{COMPLETIONS:,} completions): median {median * 1e3:.2f} ms, least "
        f"{least * 1e3:.2f} ms over {args.repeat} runs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
