"""The confidence-interval result shared by every estimator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfidenceInterval:
    """A two-sided interval ``[low, high]``; ``nan`` bounds mean "not reached" (R's ``NA``)."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        """True when ``low <= value <= high`` (a ``nan`` bound never excludes)."""
        lo_ok = not (self.low == self.low) or self.low <= value
        hi_ok = not (self.high == self.high) or value <= self.high
        return bool(lo_ok and hi_ok)
