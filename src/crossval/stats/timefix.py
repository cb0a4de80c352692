"""R's ``aeqSurv`` time fix: times equal up to round-off are made exactly equal.

Survival times often come out of date arithmetic or unit conversion, so two
times that are "the same" can differ in the last bits (``1/3*3`` versus
``1``).  Counting them as distinct would split a tie into two risk sets and
change every estimate downstream.  R's ``survfit``, ``survdiff`` and ``coxph``
therefore call ``aeqSurv`` by default (``timefix = TRUE``); crossval does the
same so that its numbers agree with R's.
"""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from crossval.errors import InputError, InputTypeError
from crossval.stats._validate import as_float_array, check_same_length, shown

# R: sqrt(.Machine$double.eps), the default tolerance of all.equal and aeqSurv.
DEFAULT_TOLERANCE = math.sqrt(np.finfo(np.float64).eps)

FloatArray = NDArray[np.float64]


@overload
def aeq_times(time: Any, *, tolerance: float = ...) -> FloatArray: ...


@overload
def aeq_times(
    time: Any, first_extra: Any, /, *extra: Any, tolerance: float = ...
) -> tuple[FloatArray, ...]: ...


def aeq_times(
    time: Any, *extra: Any, tolerance: float = DEFAULT_TOLERANCE
) -> FloatArray | tuple[FloatArray, ...]:
    """Merge times that differ only by round-off, as R's ``aeqSurv`` does.

    R equivalent: ``survival::aeqSurv`` (survival 3.x), applied by
    ``survfit``, ``survdiff`` and ``coxph`` when ``timefix = TRUE``.
    Reference: Therneau, *Roundoff error and tied times*, survival package
    vignette ``tiedtimes``.

    All values of ``time`` and of every array in ``extra`` (e.g. the start
    times of counting-process data) are pooled.  Sorted distinct values ``y``
    are compared with their successor: a gap ``dy`` is "tied" when
    ``dy <= tolerance`` or ``dy / mean(|y|) <= tolerance``.  Each run of tied
    values is replaced by its smallest member, so chains of tiny gaps collapse
    onto one value, exactly as ``findInterval`` on R's cut points does.

    Returns one array for a single argument and a tuple of arrays, in argument
    order, when ``extra`` arrays are given.  A caller passing (start, stop)
    pairs should check afterwards that ``start < stop`` still holds; R stops
    with "an interval has effective length 0" when it does not.
    ``tolerance <= 0`` returns the values unchanged (as R does).
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.floating)):
        raise InputTypeError(f"tolerance must be a number; got {type(tolerance).__name__}")
    tol = float(tolerance)
    if not math.isfinite(tol):
        raise InputError(f"tolerance must be finite; got {shown(tolerance)}")

    names = ["time"] + [f"extra[{i}]" for i in range(len(extra))]
    arrays = [
        as_float_array(name, values)
        for name, values in zip(names, (time, *extra), strict=True)
    ]
    if extra:
        check_same_length(**dict(zip(names, arrays, strict=True)))

    fixed = _fix(arrays, tol)
    return fixed[0] if not extra else tuple(fixed)


def aeq_sorted_times(
    sorted_time: FloatArray, *, tolerance: float = DEFAULT_TOLERANCE
) -> FloatArray:
    """``aeq_times`` for one array already sorted ascending, in a single pass.

    R equivalent: ``survival::aeqSurv`` on right-censored data.  For callers
    that sort anyway (Kaplan-Meier, risk-set code): the result equals
    ``aeq_times(sorted_time)`` without a second sort.  No checks are made;
    the input must be finite and sorted.
    """
    if tolerance <= 0 or sorted_time.size < 2:
        return sorted_time.copy()
    new = np.empty(sorted_time.size, dtype=bool)
    new[0] = True
    np.not_equal(sorted_time[1:], sorted_time[:-1], out=new[1:])
    y = sorted_time[new]
    tied = _tied_gaps(y, tolerance)
    if tied is None:
        return sorted_time.copy()
    run_start = np.concatenate(([True], ~tied))
    # Each distinct value maps to the first value of its run of tied gaps.
    first_of_run = y[run_start][np.cumsum(run_start) - 1]
    position = np.cumsum(new)
    position -= 1  # in place: one index array of n, not two
    return np.asarray(first_of_run[position], dtype=np.float64)


def _tied_gaps(y: FloatArray, tol: float) -> NDArray[np.bool_] | None:
    """Which gaps between sorted distinct values aeqSurv ties; None if none."""
    if y.size < 2:
        return None
    dy = np.diff(y)
    with np.errstate(over="ignore"):
        scale = np.mean(np.abs(y))
    if not np.isfinite(scale):
        # Times near the largest double overflow a plain sum; R's mean sums in long
        # double and stays finite. Scaled by the largest time first, so that these
        # gaps are not all "0 relative to an infinite mean" and merged.
        top = float(np.max(np.abs(y)))
        scale = top * np.mean(np.abs(y) / top)
    # Same two comparisons, in the same floating-point form, as aeqSurv;
    # the division (not a multiplication of tol) keeps the rounding identical.
    with np.errstate(divide="ignore", invalid="ignore"):
        tied = (dy <= tol) | (dy / scale <= tol)
    return tied if tied.any() else None


def _fix(arrays: list[FloatArray], tol: float) -> list[FloatArray]:
    if tol <= 0:
        return [a.copy() for a in arrays]
    y = np.unique(np.concatenate(arrays))
    tied = _tied_gaps(y, tol)
    if tied is None:
        return [a.copy() for a in arrays]
    cuts = y[np.concatenate(([True], ~tied))]
    # findInterval: the largest cut point <= x.  Every x is >= cuts[0] = min.
    return [cuts[np.searchsorted(cuts, a, side="right") - 1] for a in arrays]
