"""Which engines exist, which can run here, and a uniform way to call them.

Engines: ``crossval`` itself, ``R`` (through rpy2), ``lifelines``,
``statsmodels`` and ``scipy``. Each adapter module has ``NAME``,
``FUNCTIONS`` (the crossval function names it implements, with crossval's
argument names), ``unavailable_reason()`` and ``versions()``. An engine that
cannot be imported is listed as unavailable with the reason, never an error
until it is called.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.errors import InputError
from crossval.stats.registry import FUNCTION_NAMES, stats_function

CROSSVAL = "crossval"
ENGINE_MODULES: dict[str, str] = {
    "R": "crossval.engines.r_engine",
    "lifelines": "crossval.engines.lifelines_engine",
    "statsmodels": "crossval.engines.statsmodels_engine",
    "scipy": "crossval.engines.scipy_engine",
}
ENGINE_NAMES: tuple[str, ...] = (CROSSVAL, *ENGINE_MODULES)


@dataclass(frozen=True)
class EngineStatus:
    """Whether an engine runs here; if not, why (and how to install it)."""

    name: str
    available: bool
    reason: str | None
    functions: tuple[str, ...]
    versions: Mapping[str, str]


def engine_names() -> tuple[str, ...]:
    """Every engine crossval knows, available here or not."""
    return ENGINE_NAMES


def canonical_name(name: str) -> str:
    """The registry's spelling of an engine name (case-insensitive: ``r`` is ``R``)."""
    if not isinstance(name, str):
        raise InputError(f"engine must be a string, one of {', '.join(ENGINE_NAMES)}")
    for known in ENGINE_NAMES:
        if known.lower() == name.lower():
            return known
    raise InputError(
        f"engine={name!r} is not known; choose one of {', '.join(map(repr, ENGINE_NAMES))}"
    )


def _module(name: str) -> ModuleType:
    return importlib.import_module(ENGINE_MODULES[name])


def _crossval_versions() -> dict[str, str]:
    import scipy

    from crossval import __version__

    return {"crossval": __version__, "numpy": np.__version__, "scipy": scipy.__version__}


def engine_functions(name: str) -> tuple[str, ...]:
    """The crossval functions engine ``name`` implements (without checking it runs here)."""
    name = canonical_name(name)
    if name == CROSSVAL:
        return FUNCTION_NAMES
    return tuple(_module(name).FUNCTIONS)


def engine_status(name: str) -> EngineStatus:
    """Whether engine ``name`` can run here (for ``R`` this starts R)."""
    name = canonical_name(name)
    if name == CROSSVAL:
        return EngineStatus(name, True, None, FUNCTION_NAMES, _crossval_versions())
    module = _module(name)
    reason = module.unavailable_reason()
    versions: Mapping[str, str] = {} if reason is not None else module.versions()
    return EngineStatus(name, reason is None, reason, tuple(module.FUNCTIONS), versions)


def available_engines(names: Iterable[str] | None = None) -> tuple[EngineStatus, ...]:
    """The status of each engine in ``names`` (default: all), unavailable ones with a reason."""
    chosen = ENGINE_NAMES if names is None else tuple(canonical_name(n) for n in names)
    return tuple(engine_status(n) for n in chosen)


def engine_function(name: str, function: str) -> Callable[..., Any]:
    """The callable implementing crossval's ``function`` in engine ``name``.

    Raises :class:`crossval.engines.EngineUnsupportedError` when the engine has
    no such function.
    """
    name = canonical_name(name)
    if function not in FUNCTION_NAMES:
        raise InputError(
            f"function={function!r} is not allowed; choose one of "
            f"{', '.join(map(repr, FUNCTION_NAMES))}"
        )
    if name == CROSSVAL:
        return stats_function(function)
    module = _module(name)
    if function not in module.FUNCTIONS:
        raise EngineUnsupportedError(f"{name} has no equivalent of crossval's {function}")
    adapter: Callable[..., Any] = getattr(module, function)
    return adapter


def accepted_options(name: str, function: str) -> frozenset[str]:
    """The keyword options engine ``name`` accepts for ``function`` (crossval's names)."""
    params = inspect.signature(engine_function(name, function)).parameters.values()
    return frozenset(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)


def run_engine(name: str, function: str, /, *args: Any, **options: Any) -> EngineResult[Any]:
    """Run crossval's ``function`` in engine ``name``; every engine returns an EngineResult.

    For ``crossval`` the result is crossval's own, with every field reported.
    An option the engine does not accept raises ``EngineUnsupportedError``
    naming it, rather than being dropped silently.
    """
    name = canonical_name(name)
    fn = engine_function(name, function)
    unknown = set(options) - accepted_options(name, function)
    if unknown:
        raise EngineUnsupportedError(
            f"{name}'s {function} has no option {', '.join(sorted(unknown))}; it accepts "
            f"{', '.join(sorted(accepted_options(name, function))) or 'none'}"
        )
    if name != CROSSVAL:
        out: EngineResult[Any] = fn(*args, **options)
        return out
    result = fn(*args, **options)
    # a result's note (a Cox fit that did not converge, say) is crossval's
    # warning, shown beside the other engines' own
    note = getattr(result, "note", "")
    return EngineResult(
        result, engine=CROSSVAL, versions=_crossval_versions(),
        reported=[f.name for f in dataclasses.fields(result)],
        call=f"crossval.{function}({_describe(options)})",
        warnings=(note,) if note else (),
    )


def _describe(options: Mapping[str, Any]) -> str:
    parts = ["..."]
    for key, value in options.items():
        if isinstance(value, str | int | float | bool) or value is None:
            parts.append(f"{key}={value!r}")
        else:  # data (strata, weights): its size, not its values
            parts.append(f"{key}=<{np.size(value)} values>")
    return ", ".join(parts)
