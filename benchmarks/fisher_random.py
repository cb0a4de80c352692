"""Exact r x c Fisher on random tables: crossval against R's fisher.test, table by table.

Draws ``--count`` tables of one shape with a seeded numpy generator (cell
probabilities from a symmetric Dirichlet, then a multinomial of N cells),
computes crossval's exact p-value (or its refusal) and, unless ``--no-r``,
R's ``fisher.test(table, workspace = 2e8)`` in its own Rscript process with
a time limit, and prints one Markdown row per table and a summary: how many
each computed, the CPU seconds of each, and the largest relative difference.

    .venv/bin/python benchmarks/fisher_random.py --shape 5x5 --n 45:70 --count 30 --seed 1
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np

from crossval.errors import InputError
from crossval.stats.fisher_network import FISHER_MAX_WORK, fisher_rxc_pvalue

R_CODE = """
m <- matrix(c({cells}), nrow = {rows}, byrow = TRUE)
t <- system.time(p <- tryCatch(fisher.test(m, workspace = 2e8)$p.value,
                               error = function(e) NA))[["elapsed"]]
cat(format(p, digits = 17), t, "\\n")
"""


def random_tables(
    shape: tuple[int, int],
    n_range: tuple[int, int],
    alpha: float,
    count: int,
    seed: int,
    independent: tuple[float, float] | None = None,
) -> list[np.ndarray]:
    """``count`` tables: N uniform in [low, high), cell probabilities Dirichlet(alpha).

    With ``independent`` = (row alpha, column alpha), the row and the column
    probabilities are drawn from those Dirichlets and the cells from their
    product: tables under independence, as a randomized trial's baseline
    table is (rows the levels of a characteristic, columns the arms).
    """
    rng = np.random.default_rng(seed)
    rows, cols = shape
    out = []
    for _ in range(count):
        n = int(rng.integers(*n_range))
        if independent is None:
            p = rng.dirichlet(np.full(rows * cols, alpha))
        else:
            row_p = rng.dirichlet(np.full(rows, independent[0]))
            col_p = rng.dirichlet(np.full(cols, independent[1]))
            p = np.outer(row_p, col_p).ravel()
        out.append(rng.multinomial(n, p).reshape(rows, cols))
    return out


def crossval_p(table: np.ndarray, max_work: int) -> tuple[float | None, float, str]:
    """crossval's exact p-value (None when refused), its CPU seconds, and why it was refused."""
    start = time.process_time()
    why = ""
    try:
        p: float | None = fisher_rxc_pvalue(table, max_work=max_work)
    except InputError as err:
        p = None
        why = "memory" if "needs more memory" in str(err) else "work"
    return p, time.process_time() - start, why


def r_p(table: np.ndarray, rscript: str, limit: float) -> tuple[float | None, float | None]:
    """R's p-value (None when it fails or runs past ``limit`` s) and its seconds."""
    code = R_CODE.format(cells=", ".join(map(str, table.ravel())), rows=table.shape[0])
    try:
        proc = subprocess.run(
            [rscript, "--vanilla", "-e", code],
            capture_output=True, text=True, timeout=limit, check=False,
        )
    except subprocess.TimeoutExpired:
        return None, None
    words = proc.stdout.split()
    if proc.returncode != 0 or len(words) != 2:
        return None, None
    return (None if words[0] == "NA" else float(words[0])), float(words[1])


def parse_pair(text: str, sep: str) -> tuple[int, int]:
    a, b = text.split(sep)
    return int(a), int(b)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", default="5x5", help="rows x columns (default %(default)s)")
    ap.add_argument("--n", default="45:70", help="N drawn from [low, high) (default %(default)s)")
    ap.add_argument("--alpha", type=float, default=1.0,
                    help="Dirichlet concentration of the cell probabilities (default %(default)s)")
    ap.add_argument("--independent", default=None, metavar="ROW_ALPHA,COL_ALPHA",
                    help="draw row and column probabilities from these Dirichlets and the "
                         "cells from their product (independence), instead of --alpha")
    ap.add_argument("--count", type=int, default=30, help="tables (default %(default)s)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default %(default)s)")
    ap.add_argument("--no-r", action="store_true", help="crossval alone")
    ap.add_argument("--max-work", type=float, default=float(FISHER_MAX_WORK),
                    help="crossval's work limit, as fisher_exact's max_work (default %(default)g)")
    ap.add_argument("--r-limit", type=float, default=120.0,
                    help="seconds R may take on one table (default %(default)s)")
    args = ap.parse_args(argv)
    shape = parse_pair(args.shape, "x")
    independent = None
    if args.independent is not None:
        try:
            row_alpha, col_alpha = (float(v) for v in args.independent.split(","))
        except ValueError:
            ap.error(f"--independent takes ROW_ALPHA,COL_ALPHA such as 3,20; "
                     f"got {args.independent!r}")
        independent = (row_alpha, col_alpha)
    tables = random_tables(
        shape, parse_pair(args.n, ":"), args.alpha, args.count, args.seed, independent
    )
    rscript = None if args.no_r else shutil.which("Rscript")
    if not args.no_r and rscript is None:
        print("Rscript not found: install R (see README) or pass --no-r", file=sys.stderr)
        return 2
    print(f"python benchmarks/fisher_random.py {' '.join(sys.argv[1:] if argv is None else argv)}")
    print()
    print("| # | N | crossval p | crossval CPU s | R p | R s | rel. diff |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    ours_s: list[float] = []
    refused_s: list[float] = []
    r_s: list[float] = []
    diffs: list[float] = []
    r_failed = 0
    for i, table in enumerate(tables):
        p, sec, why = crossval_p(table, int(args.max_work))
        (ours_s if p is not None else refused_s).append(sec)
        rp, rsec = r_p(table, rscript, args.r_limit) if rscript else (None, None)
        if rscript and rp is None:
            r_failed += 1
        if rsec is not None and rp is not None:
            r_s.append(rsec)
        diff = abs(p - rp) / abs(rp) if p is not None and rp else None
        if diff is not None:
            diffs.append(diff)
        print(
            f"| {i} | {int(table.sum())} | {f'refused ({why})' if p is None else f'{p:.6g}'} "
            f"| {sec:.2f} "
            f"| {'—' if rp is None else f'{rp:.6g}'} | {'—' if rsec is None else f'{rsec:.2f}'} "
            f"| {'—' if diff is None else f'{diff:.1e}'} |"
        )
    print()
    span = f"{min(ours_s):.2f}–{max(ours_s):.2f} s" if ours_s else "—"
    line = f"crossval: {len(ours_s)} of {len(tables)} computed ({span})"
    if refused_s:
        line += f", {len(refused_s)} refused after {min(refused_s):.2f}–{max(refused_s):.2f} s"
    print(line)
    if ours_s:
        fast = sum(sec <= 0.01 for sec in ours_s)
        print(f"crossval CPU seconds where computed: median {float(np.median(ours_s)):.3f}, "
              f"{fast} of {len(ours_s)} within 10 ms")
    if rscript:
        r_span = f" ({min(r_s):.2f}–{max(r_s):.2f} s)" if r_s else ""
        print(f"R: {len(tables) - r_failed} of {len(tables)} computed{r_span}, "
              f"{r_failed} failed or passed {args.r_limit:g} s")
        if diffs:
            print(f"largest relative difference where both computed: {max(diffs):.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
