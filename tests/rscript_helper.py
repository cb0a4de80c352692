"""Running R through ``Rscript`` from crossval's own tests.

A test that runs R carries the ``r`` marker. crossval's pytest plugin then
skips it before any fixture runs when R or its ``survival`` package is
missing (with the install command), and fails it instead under
``CROSSVAL_REQUIRE_R=1``; these helpers therefore only ever run where
``Rscript`` works, and fail a test that forgot the marker.

Two ways of handing numbers to R and back, each exact:

- :func:`run_hex`: named CSV tables of hexadecimal floats in, lines of
  ``id<TAB>key<TAB>values`` (hexadecimal, ``NA``/``Inf``, or ``NULL``) out,
  written by the ``emit()`` R function that :data:`R_HEX_PROLOGUE` defines;
- :func:`run_rows`: one case per row of a CSV of 17-digit decimals in, a
  numeric CSV out through the ``put()`` function of :data:`R_ROWS_PROLOGUE`.

Each test module keeps its own R code and cases; only this plumbing is shared.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

__all__ = [
    "R_HEX_PROLOGUE",
    "R_ROWS_PROLOGUE",
    "RResults",
    "hex_floats",
    "rscript",
    "run_hex",
    "run_rows",
    "run_rscript",
    "unhex",
]


def rscript() -> str:
    """The ``Rscript`` on PATH (the ``r`` marker has already skipped the test without it)."""
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.fail("Rscript is not on PATH: a test that runs R needs @pytest.mark.r",
                    pytrace=False)
    return exe


def run_rscript(*args: str | Path, timeout: float = 300, cwd: Path | None = None) -> str:
    """Run ``Rscript *args``; fail with R's stderr unless it exits 0; return its stdout."""
    proc = subprocess.run(
        [rscript(), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False,
    )
    assert proc.returncode == 0, f"Rscript failed:\n{proc.stderr}"
    return proc.stdout


# ------------------------------------------------- hexadecimal tables and lines

RResults = dict[tuple[str, str], np.ndarray | None]

# Defines args, num() (a CSV cell, hexadecimal or not, as a number) and emit()
# (one result line); run_hex writes the lines to the last argument afterwards.
R_HEX_PROLOGUE = r"""
args <- commandArgs(TRUE)
num <- function(x) suppressWarnings(as.numeric(x))
lines <- character(0)
emit <- function(id, key, x) {
    txt <- if (is.null(x)) "NULL" else paste(sprintf("%a", as.numeric(x)), collapse = " ")
    lines[[length(lines) + 1L]] <<- paste(id, key, txt, sep = "\t")
}
"""
_R_HEX_EPILOGUE = "\nwriteLines(lines, args[length(args)])\n"


def hex_floats(values: Any) -> list[str]:
    """Each value as a hexadecimal float (exact), for a CSV column R reads with num()."""
    return [float(v).hex() for v in np.asarray(values, dtype=np.float64)]


def unhex(token: str) -> float:
    """One number written by emit(): hexadecimal, ``NA``/``NaN`` or ``Inf``/``-Inf``."""
    if token in ("NA", "NaN"):
        return math.nan
    if token in ("Inf", "-Inf"):
        return math.inf if token == "Inf" else -math.inf
    return float.fromhex(token)


def run_hex(script: str, tables: dict[str, dict[str, list[str]]], tmp: Path) -> RResults:
    """Run ``script`` after :data:`R_HEX_PROLOGUE`, with each table as a CSV path argument.

    The tables are ``args[1]``, ``args[2]``, ... in order; returns every emitted
    line as ``{(id, key): values}``, with ``None`` for an emitted ``NULL``.
    """
    paths = []
    for name, cols in tables.items():
        path = tmp / f"{name}.csv"
        keys = list(cols)
        rows = zip(*(cols[k] for k in keys), strict=True)
        path.write_text(",".join(keys) + "\n" + "".join(",".join(r) + "\n" for r in rows))
        paths.append(path)
    out = tmp / "out.tsv"
    code = tmp / "script.R"
    code.write_text(R_HEX_PROLOGUE + script + _R_HEX_EPILOGUE)
    run_rscript("--vanilla", code, *paths, out)
    result: RResults = {}
    for line in out.read_text().splitlines():
        ident, key, values = line.split("\t")
        result[ident, key] = (
            None if values == "NULL" else np.array([unhex(v) for v in values.split()])
        )
    return result


# ------------------------------------------------------ decimal rows in, rows out

# Defines args, d (the input rows as a numeric matrix) and put(res) (writes
# res, one output row per case, with 17 significant digits).
R_ROWS_PROLOGUE = """
args <- commandArgs(trailingOnly = TRUE)
d <- as.matrix(read.csv(args[1], header = FALSE))
put <- function(res) write.table(formatC(res, digits = 17, format = "g"), args[2],
                                 sep = ",", quote = FALSE, row.names = FALSE, col.names = FALSE)
"""


def run_rows(script: str, rows: list[list[float]], timeout: float = 300) -> np.ndarray:
    """Run ``script`` after :data:`R_ROWS_PROLOGUE` on ``rows`` (one case per row).

    Returns the rows ``put()`` wrote, as a 2-d array.
    """
    with tempfile.TemporaryDirectory() as tmp:
        data, code, out = Path(tmp, "in.csv"), Path(tmp, "run.R"), Path(tmp, "out.csv")
        np.savetxt(data, np.asarray(rows, dtype=float), delimiter=",", fmt="%.17g")
        code.write_text(R_ROWS_PROLOGUE + script)
        run_rscript("--vanilla", code, data, out, timeout=timeout)
        return np.loadtxt(out, delimiter=",", ndmin=2)
