"""Plain-text tables: each column padded to its widest cell."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(rows: Sequence[Sequence[str]], *, rule: bool = True) -> list[str]:
    """``rows`` (the first is the header) as lines of columns two spaces apart.

    Trailing blanks are stripped; ``rule`` underlines the header with dashes.
    """
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if rule and n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out
