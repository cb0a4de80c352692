"""Turn results into named numeric arrays and compare them quantity by quantity."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.compare.tolerances import Tolerance


def numeric_fields(result: Any) -> dict[str, NDArray[np.float64]]:
    """The numeric fields of a result dataclass (or a mapping) as float arrays.

    Intervals become ``[low, high]``; ``None`` becomes ``nan``; strings and other
    non-numeric fields are left out, since they are labels, not quantities.
    """
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        items = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    elif isinstance(result, Mapping):
        items = dict(result)
    else:
        raise TypeError(f"cannot compare a {type(result).__name__}; expected a result dataclass")
    out: dict[str, NDArray[np.float64]] = {}
    for name, value in items.items():
        arr = _as_numbers(value)
        if arr is not None:
            out[name] = arr
    return out


def _as_numbers(value: Any) -> NDArray[np.float64] | None:
    if value is None:
        return np.array(np.nan)
    if isinstance(value, (bool, np.bool_)):
        return None
    if hasattr(value, "low") and hasattr(value, "high"):
        return np.array([_num(value.low), _num(value.high)], dtype=float)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return np.array(float(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            return np.array(_nested_none_to_nan(value), dtype=float)
        except (TypeError, ValueError):
            return None
    return None


def _num(v: Any) -> float:
    return math.nan if v is None else float(v)


def _nested_none_to_nan(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        return [_nested_none_to_nan(v) for v in value]
    if hasattr(value, "low") and hasattr(value, "high"):
        return [_num(value.low), _num(value.high)]
    return math.nan if value is None else value


@dataclass(frozen=True)
class QuantityComparison:
    """How one quantity of two results compares."""

    quantity: str
    worst_rel_diff: float
    tolerance: Tolerance
    passed: bool
    detail: str


def elementwise_difference(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``|a - b| / max(|a|, |b|)`` element by element (same shapes); ``nan`` matches ``nan``.

    Equal values (zeros and infinities included) differ by 0; a ``nan`` against a
    number, or an infinity against a finite number, differs by ``inf``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    one_nan = np.isnan(a) ^ np.isnan(b)
    same = (a == b) | both_nan
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.maximum(np.abs(a), np.abs(b))
        rel = np.where(same, 0.0, np.abs(a - b) / scale)
    rel = np.where(one_nan, math.inf, rel)
    out: NDArray[np.float64] = np.where(np.isnan(rel), math.inf, rel)  # inf vs finite
    return out


def relative_difference(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Largest ``|a - b| / max(|a|, |b|)`` over elements; ``nan`` matches ``nan``.

    Equal values (zeros and infinities included) differ by 0; a ``nan`` against a
    number differs by ``inf``; arrays of different shapes by ``inf``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    return float(elementwise_difference(a, b).max())


def off_elements(ours: NDArray[np.float64], theirs: NDArray[np.float64], tol: Tolerance,
                 fields: Mapping[str, NDArray[np.float64]] | None = None) -> NDArray[np.bool_]:
    """Which elements ``tol`` does not accept (same shapes; every kind of tolerance).

    ``fields`` are crossval's own numbers, for a floor scaled by one of them
    (``tol.abs_per``): per element when it has the quantity's shape, else by
    its largest magnitude.
    """
    ours = np.asarray(ours, dtype=float)
    theirs = np.asarray(theirs, dtype=float)
    if tol.uniroot_abs is not None:
        uniroot: NDArray[np.bool_] = _uniroot_scale_differences(ours, theirs) > tol.uniroot_abs
        return uniroot
    rel = elementwise_difference(ours, theirs)
    if tol.exact:
        off: NDArray[np.bool_] = rel > 0
        return off
    off = rel > tol.rel
    if tol.abs > 0 and off.any():
        floor: Any = tol.abs
        if tol.abs_per is not None:
            per = (fields or {}).get(tol.abs_per)
            scale = np.zeros(()) if per is None else np.nan_to_num(
                np.abs(np.asarray(per, dtype=float)), nan=0.0, posinf=0.0)
            if scale.shape != ours.shape:
                scale = scale.max() if scale.size else np.zeros(())
            floor = tol.abs * scale
        with np.errstate(invalid="ignore"):
            off &= ~(np.abs(ours - theirs) <= floor)
    return off


def _uniroot_scale_differences(a: NDArray[np.float64], b: NDArray[np.float64]
                               ) -> NDArray[np.float64]:
    """``|f(a) - f(b)|`` element by element, f(v) = v for v <= 1 and 1/v above (inf -> 0)."""
    with np.errstate(divide="ignore"):
        fa = np.where(np.abs(a) > 1, 1 / a, a)
        fb = np.where(np.abs(b) > 1, 1 / b, b)
    diff = np.where((fa == fb) | (np.isnan(fa) & np.isnan(fb)), 0.0, np.abs(fa - fb))
    out: NDArray[np.float64] = np.nan_to_num(diff, nan=math.inf)
    return out


def compare_quantity(
    quantity: str, ours: NDArray[np.float64], theirs: NDArray[np.float64], tol: Tolerance,
    fields: Mapping[str, NDArray[np.float64]] | None = None,
) -> QuantityComparison:
    """Compare one quantity under its tolerance (``fields``: crossval's, for ``abs_per``)."""
    ours = np.asarray(ours, dtype=float)
    theirs = np.asarray(theirs, dtype=float)
    if ours.shape != theirs.shape:
        return QuantityComparison(
            quantity, math.inf, tol, tol.informational,
            f"shape differs: crossval {ours.shape} vs reference {theirs.shape}",
        )
    rel = relative_difference(ours, theirs)
    passed = tol.informational or not off_elements(ours, theirs, tol, fields).any()
    detail = ""
    if rel > 0 and ours.size:
        with np.errstate(invalid="ignore"):
            diff = np.abs(np.nan_to_num(ours - theirs, nan=np.inf))
        i = int(np.argmax(diff))
        where = np.unravel_index(i, ours.shape) if ours.ndim else ()
        detail = (
            f"largest difference at element {where}: "
            f"crossval {ours.flat[i]!r} vs reference {theirs.flat[i]!r}"
        )
    return QuantityComparison(quantity, rel, tol, passed, detail)
