"""Monte Carlo p-value of Fisher's test for r x c tables (R's ``simulate.p.value``).

The separate path of ``contingency.fisher_exact(table, simulate=True)``: the
exact p-value is ``fisher_network``'s.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from crossval.errors import InputError

__all__ = ["fisher_rxc_simulated", "random_tables"]

IntArray = NDArray[np.int64]


#: Most simulated tables drawn at once (memory: tables x cells integers).
_SIM_CHUNK = 100_000
#: numpy's ``Generator.hypergeometric`` takes ngood and nbad below this.
_NUMPY_HYPERGEOMETRIC_MAX = 10**9


def random_tables(rows: IntArray, cols: IntArray, size: int, rng: np.random.Generator) -> IntArray:
    """``size`` random tables with the given margins under independence (size x r x c).

    Cell by cell, each is hypergeometric given what is left of its row, of
    the rows below it and of its column -- the conditional distribution that
    Patefield's (1981) algorithm, R's ``r2dtable``, also draws from.
    """
    r, c = rows.size, cols.size
    out = np.zeros((size, r, c), dtype=np.int64)
    left = np.tile(rows, (size, 1))
    for j in range(c - 1):
        need = np.full(size, cols[j], dtype=np.int64)
        below = left.sum(axis=1)
        for i in range(r - 1):
            below = below - left[:, i]
            x = rng.hypergeometric(left[:, i], below, need)
            out[:, i, j] = x
            left[:, i] -= x
            need -= x
        out[:, r - 1, j] = need
        left[:, r - 1] -= need
    out[:, :, c - 1] = left
    return out


def fisher_rxc_simulated(counts: IntArray, *, n_sim: int, seed: int | None) -> float:
    """Monte Carlo p-value of Fisher's test, as R ``fisher.test(table, simulate.p.value = TRUE)``.

    Draws ``n_sim`` tables with the observed margins under independence and
    returns (1 + #{simulated -sum(log(cell!)) <= observed / (1 + 64 eps)}) /
    (n_sim + 1), R's rule (Hope 1968). Empty rows and columns are dropped; as
    in R at least 2 rows and 2 columns must remain. The random numbers are
    numpy's (``np.random.default_rng(seed)``), so the value is R's in
    distribution, not draw for draw.
    """
    t = np.asarray(counts, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        raise InputError(
            f"table needs at least 2 non-empty rows and 2 non-empty columns for a simulated "
            f"p-value; {t.shape[0]} row(s) and {t.shape[1]} column(s) are not empty"
        )
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    # Each draw is hypergeometric between a row and the rows below it (``random_tables``);
    # numpy's sampler takes fewer than 10**9 of each kind.
    largest = max(int(rows.max()), int(rows[1:].sum()))
    if largest >= _NUMPY_HYPERGEOMETRIC_MAX:
        raise InputError(
            f"table with {int(rows.sum()):,} observations is too large for a simulated Fisher "
            f"p-value: the draws take a row total and the total of the rows below it, and "
            f"numpy's hypergeometric sampler needs each below {_NUMPY_HYPERGEOMETRIC_MAX:,} "
            f"(here {largest:,}); use chi2_test or g_test for an asymptotic p-value"
        )
    # log(x!) of the cells themselves, not looked up in a table as long as the total
    observed = -float(special.gammaln(t + 1.0).sum())
    almost_one = 1.0 + 64.0 * float(np.finfo(float).eps)
    rng = np.random.default_rng(seed)
    hits = 0
    done = 0
    while done < n_sim:
        size = min(_SIM_CHUNK, n_sim - done)
        sims = random_tables(rows, cols, size, rng)
        stats = -special.gammaln(sims + 1.0).sum(axis=(1, 2))
        hits += int(np.count_nonzero(stats <= observed / almost_one))
        done += size
    return (1.0 + hits) / (n_sim + 1.0)
