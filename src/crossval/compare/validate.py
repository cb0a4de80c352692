"""``crossval validate``: every reference case through crossval, and live R when present.

Returns data only; ``crossval.report.validation_report`` formats it.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from crossval import __version__
from crossval.compare.fields import QuantityComparison, compare_quantity, numeric_fields
from crossval.compare.reference_cases import ReferenceCase, load_reference
from crossval.compare.tolerances import tolerance_for
from crossval.errors import CrossvalError


@dataclass(frozen=True)
class CaseCheck:
    """One case compared against one engine (the stored reference or live R)."""

    case_id: str
    function: str
    dataset: str
    # "reference" (stored R output), "reference-refined" (R's equations re-solved
    # tightly by the generator) or "live-r".
    against: str
    comparisons: tuple[QuantityComparison, ...]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.comparisons)


@dataclass(frozen=True)
class ValidationRun:
    """Everything ``crossval validate`` found, with the versions that produced it."""

    checks: tuple[CaseCheck, ...]
    versions: Mapping[str, str]
    live_r: bool
    live_r_reason: str

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def worst_by_method(self) -> dict[tuple[str, str], tuple[float, bool, str | None]]:
        """``(function, quantity) -> (worst relative difference, all passed, convention)``."""
        out: dict[tuple[str, str], tuple[float, bool, str | None]] = {}
        for chk in self.checks:
            for c in chk.comparisons:
                key = (chk.function, c.quantity)
                worst, ok, conv = out.get(key, (0.0, True, None))
                out[key] = (
                    max(worst, c.worst_rel_diff),
                    ok and c.passed,
                    conv or c.tolerance.convention,
                )
        return out


def compare_with_expected(
    case: ReferenceCase, ours: Any, expected: Mapping[str, Any] | Any, against: str
) -> CaseCheck:
    """Compare crossval's result with another engine's, quantity by quantity."""
    mine = numeric_fields(ours)
    theirs = numeric_fields(expected)
    flags = {
        "r_default_eps": _uses_r_default_eps(case),
        "zero_margin": _has_zero_margin(case),
        "refined": against == "reference-refined",
    }
    comparisons = []
    for quantity, value in theirs.items():
        tol = tolerance_for(case.function, quantity, **flags)
        if quantity not in mine:
            if tol.informational:
                continue
            comparisons.append(
                QuantityComparison(quantity, math.inf, tol, False, "crossval has no such field")
            )
            continue
        comparisons.append(compare_quantity(quantity, mine[quantity], value, tol, mine))
    return CaseCheck(case.id, case.function, case.dataset or "-", against, tuple(comparisons))


def _has_zero_margin(case: ReferenceCase) -> bool:
    table = case.arguments.get("table")
    if table is None:
        return False
    arr = np.asarray(table, dtype=float)
    return bool((arr.sum(axis=0) == 0).any() or (arr.sum(axis=1) == 0).any())


def _uses_r_default_eps(case: ReferenceCase) -> bool:
    control = case.options.get("r_control")
    if case.function != "cox_ph":
        return False
    return not (isinstance(control, Mapping) and float(control.get("eps", 1e-9)) < 1e-9)


def _run_case(case: ReferenceCase) -> tuple[Any, str | None]:
    try:
        return case.run(), None
    except (CrossvalError, ValueError, TypeError, ArithmeticError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def validate(
    reference: str | Path | None = None,
    *,
    live_r: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> ValidationRun:
    """Run every reference case through crossval and, when R is available, live R.

    ``live_r`` is ``"auto"`` (use R when it loads), ``"require"`` (fail if it does
    not) or ``"off"``.
    """
    from crossval.stats._validate import check_option

    check_option("live_r", live_r, ("auto", "require", "off"))
    ref = load_reference(reference)
    versions: dict[str, str] = {
        "crossval": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "reference_r": ref.r_version,
        "reference_survival": ref.survival_version,
        "reference_file": str(ref.path),
    }
    oracle, reason = _live_oracle(live_r)
    if oracle is not None:
        versions["live_r"] = oracle.r_version
        versions["live_survival"] = oracle.survival_version
    checks: list[CaseCheck] = []
    for case in ref.cases:
        if progress:
            progress(case.id)
        ours, error = _run_case(case)
        if error is not None:
            checks.append(CaseCheck(case.id, case.function, case.dataset or "-", "reference",
                                    (), error))
            continue
        checks.append(compare_with_expected(case, ours, case.expected, "reference"))
        refined = case.metadata.get("r_refined")
        if refined is not None:
            checks.append(compare_with_expected(case, ours, refined, "reference-refined"))
        if oracle is not None and oracle.supports(case):
            try:
                theirs = oracle.run(case)
            except CrossvalError as exc:
                checks.append(CaseCheck(case.id, case.function, case.dataset or "-", "live-r",
                                        (), f"R: {exc}"))
                continue
            checks.append(compare_with_expected(case, ours, theirs, "live-r"))
    return ValidationRun(tuple(checks), versions, oracle is not None, reason)


def _live_oracle(mode: str) -> tuple[Any, str]:
    if mode == "off":
        return None, "live R not requested (--no-r)"
    from crossval.rbridge.oracle import ROracle
    from crossval.rbridge.session import r_unavailable_reason

    reason = r_unavailable_reason()
    if reason is not None:
        if mode == "require":
            from crossval.errors import RUnavailableError

            raise RUnavailableError(reason)
        return None, reason
    return ROracle(), "live R used"
