"""Argument checks shared by the statistics functions.

Each check raises :class:`crossval.errors.InputError` (a ``ValueError``) or
:class:`crossval.errors.InputTypeError` (a ``TypeError``) whose message names
the argument and the values that would have been accepted, so that bad input
never surfaces as a traceback from inside numpy or as a wrong number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.errors import InputError, InputTypeError


def shown(value: object) -> str:
    """A value as an error message quotes it: numpy scalars as the Python numbers they hold.

    (``repr(np.float64(1.5))`` is ``np.float64(1.5)`` under numpy 2, which
    names numpy's type rather than the value the user passed.)
    """
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def check_option(name: str, value: object, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise raise naming the allowed set."""
    allowed = tuple(allowed)
    if not isinstance(value, str):
        raise InputTypeError(
            f"{name} must be a string, one of {', '.join(map(repr, allowed))}; "
            f"got {type(value).__name__}"
        )
    if value not in allowed:
        raise InputError(
            f"{name}={shown(value)} is not allowed; choose one of {', '.join(map(repr, allowed))}"
        )
    return value


def check_conf_level(conf_level: object, name: str = "conf_level") -> float:
    """A confidence level strictly between 0 and 1."""
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float, np.floating)):
        raise InputTypeError(f"{name} must be a number in (0, 1); got {type(conf_level).__name__}")
    level = float(conf_level)
    if not (0.0 < level < 1.0):
        raise InputError(f"{name} must be in the open interval (0, 1); got {shown(conf_level)}")
    return level


def _as_array(name: str, values: Any) -> NDArray[Any]:
    if isinstance(values, (str, bytes)):
        raise InputTypeError(f"{name} must be a 1-d sequence of numbers; got a string")
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise InputTypeError(f"{name} must be a 1-d sequence of numbers: {exc}") from None
    if arr.ndim != 1:
        raise InputError(f"{name} must be 1-dimensional; got an array of shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{name} is empty; at least one observation is required")
    return arr


def as_float_array(
    name: str, values: Any, *, nonnegative: bool = False, allow_nan: bool = False
) -> NDArray[np.float64]:
    """A finite 1-d float array (non-negative on request)."""
    arr = _as_array(name, values)
    if arr.dtype.kind not in "biuf":
        raise InputTypeError(
            f"{name} must hold numbers; got values of dtype {arr.dtype} (e.g. {shown(arr.flat[0])})"
        )
    out = arr.astype(np.float64)
    bad = ~np.isfinite(out)
    if allow_nan:
        bad &= ~np.isnan(out)
    if bad.any() or (not allow_nan and np.isnan(out).any()):
        i = int(np.flatnonzero(~np.isfinite(out))[0])
        raise InputError(
            f"{name} must be finite; element {i} is {shown(arr[i])} "
            "(NaN and infinite values are not allowed)"
        )
    if nonnegative and (out < 0).any():
        i = int(np.flatnonzero(out < 0)[0])
        raise InputError(f"{name} must be >= 0; element {i} is {shown(arr[i])}")
    return out


def as_event_array(name: str, values: Any) -> NDArray[np.float64]:
    """Event indicators in {0, 1} (booleans accepted), returned as floats."""
    arr = _as_array(name, values)
    if arr.dtype.kind == "b":
        return arr.astype(np.float64)
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(
            f"{name} must hold 0/1 or booleans; got values of dtype {arr.dtype}"
        )
    out = arr.astype(np.float64)
    bad = ~np.isin(out, (0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name} must contain only 0 (censored) and 1 (event), or booleans; "
            f"element {i} is {shown(arr[i])}"
        )
    return out


def as_label_array(name: str, values: Any) -> NDArray[Any]:
    """Group or stratum labels: any hashable scalars, no missing values."""
    arr = _as_array(name, values)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        i = int(np.flatnonzero(np.isnan(arr))[0])
        raise InputError(f"{name} must not contain missing values; element {i} is NaN")
    if arr.dtype.kind == "O" and any(v is None for v in arr):
        raise InputError(f"{name} must not contain missing values (None)")
    return arr


def check_same_length(**arrays: Sequence[Any] | NDArray[Any] | None) -> int:
    """All given arrays have one length; the message lists each length by name."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise InputError(f"arguments must have the same length: {detail}")
    return next(iter(lengths.values()))


def as_count(name: str, value: object) -> int:
    """A non-negative whole number (an int, or a float with no fractional part)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise InputTypeError(f"{name} must be a non-negative whole number; got {shown(value)}")
    if isinstance(value, (float, np.floating)) and not (
        np.isfinite(value) and float(value).is_integer()
    ):
        raise InputError(f"{name} must be a non-negative whole number; got {shown(value)}")
    count = int(value)
    if count < 0:
        raise InputError(f"{name} must be a non-negative whole number; got {shown(value)}")
    return count


def frozen_array(values: Any, dtype: Any = np.float64) -> NDArray[Any]:
    """A read-only copy, so a frozen result cannot be changed through its arrays."""
    arr = np.array(values, dtype=dtype)
    arr.flags.writeable = False
    return arr
