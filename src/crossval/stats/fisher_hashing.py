"""Grouping equal integer keys by hashing, for merging partial tables (Fisher network).

``fisher_network`` merges partial tables with the same node and past weight.
Where keys repeat (small counts) hashing groups them in linear time; where
they are mostly distinct the caller sorts instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["HASH_ROUNDS", "representatives"]

IntArray = NDArray[np.int64]


# Seeds of the hash rounds, and the constants of MurmurHash3's 64-bit finalizer.
_HASH_SEEDS = tuple(
    np.uint64(m)
    for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)
)
_FMIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
HASH_ROUNDS = 16


def _mix(x: NDArray[np.uint64], seed: np.uint64) -> NDArray[np.uint64]:
    """MurmurHash3's finalizer of ``x ^ seed``: every input bit moves every output bit.

    Keys here (node * span + binned past) are far from random; under a plain
    multiplicative hash a million keys in arithmetic progression shared 350
    thousand slots.
    """
    c1, c2, s = _FMIX
    x = x ^ seed
    x ^= x >> s
    x *= c1
    x ^= x >> s
    x *= c2
    x ^= x >> s
    return x


def representatives(key: IntArray) -> IntArray | None:
    """For each item, the index of one item with the same key (the same one for all of them).

    Hashing into a table at least as long as the keys (up to 2**23 slots;
    Knuth, TAOCP vol. 3, 6.4): every item writes its index into
    its key's slot, one write per slot survives, and the items whose key
    equals the survivor's are settled. All items of a key share a slot, so
    they are settled together, and the others try again with another
    seed. Each round is linear in the items left, where a sort would
    cost n log n. None when the first round leaves more than an eighth of the
    items (keys mostly distinct: a sort is cheaper); items left after
    ``HASH_ROUNDS`` rounds are settled by sorting.
    """
    n = key.size
    bits = min(23, max(10, n.bit_length()))
    table = np.empty(1 << bits, dtype=np.intp)
    rep = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    unsigned = key.view(np.uint64)
    left = unsigned
    shift = np.uint64(64 - bits)
    for r in range(HASH_ROUNDS):
        if todo.size == 0:
            return rep
        slot = (_mix(left, _HASH_SEEDS[r % len(_HASH_SEEDS)]) >> shift).astype(np.intp)
        table[slot] = todo
        owner = table[slot]
        same = unsigned[owner] == left
        rep[todo[same]] = owner[same]
        todo, left = todo[~same], left[~same]
        if r == 0 and todo.size > n // 8:
            # Distinct keys fill a table of 1-2 slots per key so that 21-37%
            # of them lose their slot; a few keys repeated lose far fewer.
            return None
    if todo.size:
        _, first, inverse = np.unique(key[todo], return_index=True, return_inverse=True)
        rep[todo] = todo[first[inverse.ravel()]]
    return rep
