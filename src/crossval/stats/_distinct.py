"""Distinct (x, n) pairs of count arrays, so that costly limits are solved once per pair."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]


def distinct_pairs(x: FloatArray, n: FloatArray) -> tuple[FloatArray, FloatArray, IndexArray]:
    """Sorted distinct pairs of two 1-d arrays of whole numbers >= 0, and each input's pair.

    Returns ``(ux, un, inverse)`` with ``x == ux[inverse]`` and ``n == un[inverse]``.
    """
    base = int(n.max()) + 1 if n.size else 1
    if base > 2**31 or int(x.max(initial=0)) >= base:
        # keys would not fit in 63 bits: sort the pairs themselves
        pairs, where = np.unique(np.stack((x, n)), axis=1, return_inverse=True)
        return pairs[0], pairs[1], where.ravel()
    # the key is built in integers: x * base + n as floats is inexact above 2**53
    key = x.astype(np.int64) * np.int64(base) + n.astype(np.int64)
    if base * base <= 4 * key.size:
        # keys span a range no wider than 4x the input: a presence table finds
        # the same sorted distinct keys as np.unique, without its sort
        present = np.zeros(base * base, dtype=bool)
        present[key] = True
        uniq = np.flatnonzero(present)
        position = np.cumsum(present, dtype=np.intp)
        position -= 1
        inverse: IndexArray = position[key]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        inverse = inverse.ravel()
    ux, un = np.divmod(uniq, np.int64(base))
    return ux.astype(np.float64), un.astype(np.float64), inverse
