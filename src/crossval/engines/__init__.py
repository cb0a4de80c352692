"""Other engines' answers, as crossval's own result dataclasses.

Every adapter (R in :mod:`crossval.rbridge.oracle`, and lifelines,
statsmodels and scipy here) returns an :class:`EngineResult`: the *same*
result dataclass crossval's function returns (``KaplanMeierResult``,
``CoxResult``, ...), built from the numbers the engine gave, plus where they
came from (engine, versions, the call) and what the engine said on the way
(warnings). Fields the engine has no notion of are ``nan``/``None`` in the
dataclass and are left out of :attr:`EngineResult.reported`, so a comparison
never mistakes a fill-in for an answer.

An ``EngineResult`` is also a read-only mapping of the reported fields, so it
goes wherever crossval accepts "a result or a mapping of crossval field
names" (``crossval.compare.fields.numeric_fields``, the ``crosscheck``
fixture, ``crossval validate``) and compares only what the engine reported.

This module is a leaf: it imports no engine. The adapters import their
engine inside each function, so importing crossval never loads lifelines,
statsmodels, pandas or rpy2. See docs/engines.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from crossval._lazy import lazy_exports
from crossval.errors import CrossvalError

R = TypeVar("R")

__all__ = [
    "EngineResult",
    "EngineUnsupportedError",
    "available_engines",
    "engine_names",
    "run_engine",
]

_EXPORTS = {
    "available_engines": "crossval.engines.registry",
    "engine_names": "crossval.engines.registry",
    "run_engine": "crossval.engines.registry",
}

if TYPE_CHECKING:
    from crossval.engines.registry import available_engines, engine_names, run_engine


class EngineUnsupportedError(CrossvalError, NotImplementedError):
    """The engine cannot compute this (an option value, or a whole function, it lacks).

    The message names the engine's own convention, e.g. that lifelines' Cox
    model handles ties only by Efron's method.
    """


class EngineResult(Mapping[str, Any], Generic[R]):
    """One engine's answer: ``result`` (a crossval result dataclass) and its provenance.

    - ``result``: the dataclass, constructed from the engine's numbers;
    - ``engine``: the engine's name (``"R"``, ``"lifelines"``, ...);
    - ``versions``: versions of the engine and of the packages it used;
    - ``warnings``: warnings the engine raised, in order (R's own text for R);
    - ``call``: the engine call that produced it, for a report or an auditor;
    - ``reported``: the fields of ``result`` the engine computed.

    As a mapping it holds exactly the ``reported`` fields (``er["survival"]``
    is ``er.result.survival``). Immutable, like the dataclass it wraps.
    """

    __slots__ = ("_reported", "call", "engine", "result", "versions", "warnings")

    result: R
    engine: str
    versions: Mapping[str, str]
    warnings: tuple[str, ...]
    call: str
    _reported: tuple[str, ...]

    def __init__(
        self,
        result: R,
        *,
        engine: str,
        versions: Mapping[str, str],
        reported: Iterable[str] | None = None,
        warnings: Iterable[str] = (),
        call: str = "",
    ) -> None:
        if not dataclasses.is_dataclass(result) or isinstance(result, type):
            raise TypeError(f"result must be a result dataclass; got {type(result).__name__}")
        names = [f.name for f in dataclasses.fields(result)]
        chosen = names if reported is None else list(reported)
        unknown = [n for n in chosen if n not in names]
        if unknown:
            raise ValueError(
                f"reported names fields {type(result).__name__} does not have: {unknown}"
            )
        # dataclass order, so every engine's mapping iterates alike
        wanted = set(chosen)
        setattr_ = object.__setattr__
        setattr_(self, "result", result)
        setattr_(self, "engine", engine)
        setattr_(self, "versions", dict(versions))
        setattr_(self, "warnings", tuple(str(w) for w in warnings))
        setattr_(self, "call", call)
        setattr_(self, "_reported", tuple(n for n in names if n in wanted))

    @property
    def reported(self) -> tuple[str, ...]:
        """The fields of ``result`` that came from the engine (dataclass order)."""
        return self._reported

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __getitem__(self, key: str) -> Any:
        if key not in self._reported:
            raise KeyError(key)
        return getattr(self.result, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._reported)

    def __len__(self) -> int:
        return len(self._reported)

    # Mapping.__eq__ compares values, which fails on numpy arrays; two answers
    # are "equal" only if they are the same object (compare them with
    # crossval.compare instead).
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return (
            f"EngineResult(engine={self.engine!r}, result={type(self.result).__name__}, "
            f"reported={list(self._reported)!r}, warnings={list(self.warnings)!r})"
        )


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), __all__)
