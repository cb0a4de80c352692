"""What the Python engine adapters (lifelines, statsmodels, scipy) share.

Each adapter runs its engine inside :func:`recording_warnings` and hands
:func:`messages` of the record to its :class:`crossval.engines.EngineResult`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def recording_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised inside the block (none is shown, none becomes an error)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        yield record


def messages(record: list[warnings.WarningMessage]) -> list[str]:
    """Each recorded warning's message on one line (whitespace runs folded to one space)."""
    return [" ".join(str(w.message).split()) for w in record]


def nan_if_infinite(value: float) -> float:
    """An engine's open-ended limit or never-reached time is inf; crossval (and R) say nan."""
    return math.nan if math.isinf(value) else float(value)
