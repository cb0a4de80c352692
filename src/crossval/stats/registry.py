"""crossval's statistics functions by name, and the module that holds each.

The engine registry (engine ``crossval``), the reference cases and the
dialects all find crossval's implementation of a function name here.
Looking a function up imports only its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

FUNCTION_MODULES: dict[str, str] = {
    "kaplan_meier": "crossval.stats.kaplan_meier",
    "logrank": "crossval.stats.logrank",
    "cox_ph": "crossval.stats.cox",
    "binom_ci": "crossval.stats.binomial",
    "binom_test": "crossval.stats.binomial",
    "fisher_exact": "crossval.stats.contingency",
    "chi2_test": "crossval.stats.contingency",
}
FUNCTION_NAMES: tuple[str, ...] = tuple(FUNCTION_MODULES)


def stats_function(name: str) -> Callable[..., Any]:
    """crossval's own ``name``, one of :data:`FUNCTION_NAMES` (callers check the name)."""
    fn: Callable[..., Any] = getattr(import_module(FUNCTION_MODULES[name]), name)
    return fn
