"""Assert that two engines agree on a result, quantity by quantity.

Used by the ``crosscheck`` fixture of crossval's pytest plugin, and usable on
its own: it needs no pytest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.compare.fields import (
    QuantityComparison,
    compare_quantity,
    elementwise_difference,
    numeric_fields,
    off_elements,
)
from crossval.compare.tolerances import TOLERANCES, Tolerance, tolerance_for
from crossval.errors import InputError, InputTypeError
from crossval.report._table import text_table
from crossval.stats._validate import check_option

_HEADERS = ("quantity", "crossval", "other", "rel. diff", "tolerance", "convention")


def assert_agree(
    ours: Any,
    theirs: Any,
    *,
    function: str,
    tolerances: Mapping[str, Tolerance | float] | None = None,
) -> tuple[QuantityComparison, ...]:
    """Raise AssertionError, with a table of the differing fields, unless the results agree.

    ``ours`` is crossval's result, ``theirs`` the other engine's (a result
    dataclass or a mapping of crossval field names, such as the ``r_*``
    functions of ``crossval.rbridge.oracle`` return). Every quantity ``theirs``
    reports is compared under the tolerance crossval promises for ``function``
    (``crossval.compare.tolerances``); ``tolerances`` overrides it per quantity,
    with a :class:`Tolerance` or a float relative tolerance (0 means exact).
    Returns the comparisons made.
    """
    __tracebackhide__ = True
    check_option("function", function, sorted(TOLERANCES))
    overrides = _overrides(tolerances)
    mine = numeric_fields(ours)
    other = numeric_fields(theirs)
    unused = set(overrides) - set(other)
    if unused:
        raise InputError(
            f"tolerances given for {', '.join(sorted(unused))}, which the other result "
            f"does not report; it reports {', '.join(sorted(other))}"
        )

    comparisons: list[QuantityComparison] = []
    failed: list[tuple[QuantityComparison, NDArray[np.float64] | None, NDArray[np.float64]]] = []
    for quantity, value in other.items():
        tol = overrides.get(quantity) or tolerance_for(function, quantity)
        if tol.informational:
            continue
        if quantity not in mine:
            missing = QuantityComparison(
                quantity, math.inf, tol, False, "crossval has no such field"
            )
            comparisons.append(missing)
            failed.append((missing, None, value))
            continue
        comparison = compare_quantity(quantity, mine[quantity], value, tol, mine)
        comparisons.append(comparison)
        if not comparison.passed:
            failed.append((comparison, mine[quantity], value))
    if not comparisons:
        # Nothing with a tolerance was compared: agreeing on nothing proves nothing.
        raise AssertionError(
            f"crosscheck({function}): no quantity to compare; the other result has "
            f"{', '.join(sorted(other)) or 'no numeric fields'}"
        )
    if failed:
        raise AssertionError(_failure_message(function, len(comparisons), failed, mine))
    return tuple(comparisons)


def _overrides(tolerances: Mapping[str, Tolerance | float] | None) -> dict[str, Tolerance]:
    out: dict[str, Tolerance] = {}
    for quantity, tol in (tolerances or {}).items():
        if isinstance(tol, Tolerance):
            out[quantity] = tol
            continue
        if isinstance(tol, bool) or not isinstance(tol, (int, float)):
            raise InputTypeError(
                f"tolerances[{quantity!r}] must be a Tolerance or a relative tolerance (float); "
                f"got {type(tol).__name__}"
            )
        if not (math.isfinite(tol) and tol >= 0):
            raise InputError(f"tolerances[{quantity!r}] must be a finite number >= 0; got {tol!r}")
        out[quantity] = Tolerance(exact=True) if tol == 0 else Tolerance(rel=float(tol))
    return out


def describe_tolerance(tol: Tolerance) -> str:
    """``exact``, ``rel 1e-09`` or ``info``: a tolerance as a table cell."""
    if tol.informational:
        return "info"
    if tol.exact:
        return "exact"
    floor = f", abs {tol.abs:.3g}" + (f" x {tol.abs_per}" if tol.abs_per else "") if tol.abs else ""
    return f"rel {tol.rel:.3g}{floor}"


def _failure_message(
    function: str,
    n_compared: int,
    failed: list[tuple[QuantityComparison, NDArray[np.float64] | None, NDArray[np.float64]]],
    mine: Mapping[str, NDArray[np.float64]],
) -> str:
    rows = [_row(c, ours, theirs, mine) for c, ours, theirs in failed]
    lines = [
        f"crossval and the other engine disagree on {len(failed)} of {n_compared} "
        f"quantities of {function}:",
        *format_table(_HEADERS, rows),
    ]
    return "\n".join(lines)


def _row(
    c: QuantityComparison, ours: NDArray[np.float64] | None, theirs: NDArray[np.float64],
    mine: Mapping[str, NDArray[np.float64]],
) -> tuple[str, ...]:
    tol = describe_tolerance(c.tolerance)
    convention = c.tolerance.convention or ""
    if ours is None:
        return (c.quantity, "(missing)", _cell(theirs), "inf", tol, convention)
    if ours.shape != theirs.shape:
        return (
            c.quantity, f"shape {ours.shape}", f"shape {theirs.shape}", "inf", tol, convention,
        )
    if ours.ndim == 0:
        return (
            c.quantity, _num(float(ours)), _num(float(theirs)), _num(c.worst_rel_diff, 3),
            tol, convention,
        )
    # Show the worst element out of tolerance and how many are, not the whole array.
    rel = elementwise_difference(ours, theirs).ravel()
    off = off_elements(ours, theirs, c.tolerance, mine).ravel()
    i = int(np.argmax(np.where(off, rel, -1.0)))
    where = np.unravel_index(i, ours.shape)
    index = ",".join(str(int(k)) for k in where)
    n_off = int(np.count_nonzero(off))
    name = f"{c.quantity}[{index}]"
    if n_off > 1:
        name += f" ({n_off} of {ours.size} off)"
    return (
        name, _num(float(ours.flat[i])), _num(float(theirs.flat[i])), _num(float(rel[i]), 3),
        tol, convention,
    )


def _cell(values: NDArray[np.float64]) -> str:
    if values.ndim == 0:
        return _num(float(values))
    return f"array of shape {values.shape}"


def _num(value: float, digits: int | None = None) -> str:
    if math.isnan(value):
        return "nan"
    if digits is not None and math.isfinite(value):
        return f"{value:.{digits}g}"
    return repr(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as aligned text columns (empty trailing columns dropped)."""
    keep = [
        j for j in range(len(headers))
        if j < len(headers) - 1 or any(r[j] for r in rows)
    ]
    return text_table(
        [tuple(headers[j] for j in keep), *[tuple(r[j] for j in keep) for r in rows]]
    )
