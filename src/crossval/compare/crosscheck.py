"""``crossval crosscheck``: one analysis through every engine, every difference named.

Each quantity an engine reports is compared with crossval's under the
tolerance crossval promises (``crossval.compare.tolerances``). A difference
beyond it is called

- ``differs by convention`` only when the difference is *reproduced*: crossval
  recomputed under the engine's convention (its option value from
  :mod:`crossval.dialects`, such as lifelines' log-log interval, or one of
  the rules of :mod:`crossval.compare.conventions`, such as statsmodels
  listing event times only) agrees with the engine within tolerance. A few
  conventions are bounds instead of recomputations (an engine's own root
  finding or Monte Carlo estimate); they say so.
- ``disagree`` otherwise.

Returns data only; ``crossval.report.crosscheck_report`` formats it.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossval.compare.conventions import (
    EMPTY,
    SYSTEM,
    Convention,
    Fields,
    crossval_default,
    option_conventions,
    same_value,
    special_conventions,
    stopping_convention,
)
from crossval.compare.fields import (
    elementwise_difference,
    numeric_fields,
    off_elements,
    relative_difference,
)
from crossval.compare.tolerances import Tolerance, tolerance_for
from crossval.dialects import settings as dialect_settings
from crossval.engines import EngineResult, EngineUnsupportedError
from crossval.engines.registry import (
    CROSSVAL,
    ENGINE_NAMES,
    accepted_options,
    canonical_name,
    engine_functions,
    engine_status,
    run_engine,
)
from crossval.errors import CrossvalError, InputError

AGREE = "agree"
CONVENTION = "differs by convention"
DISAGREE = "disagree"
VERDICTS = (AGREE, CONVENTION, DISAGREE)


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class EngineOutcome:
    """What one engine did with the analysis."""

    engine: str
    # "ok", "unsupported" (the engine has no such analysis or option),
    # "unavailable" (not installed here) or "error" (it raised).
    status: str
    detail: str = ""
    result: EngineResult[Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QuantityCheck:
    """One quantity, crossval against one engine."""

    quantity: str
    engine: str
    verdict: str
    rel_diff: float  # crossval (requested options) vs the engine; inf: shapes differ
    tolerance: Tolerance
    conventions: tuple[str, ...] = ()  # the conventions that reproduce the engine
    rel_diff_convention: float | None = None  # after applying them
    where: tuple[int, ...] | None = None  # worst element of an array quantity
    crossval_value: float | None = None  # at ``where``
    engine_value: float | None = None


@dataclass(frozen=True)
class AnalysisCheck:
    """One analysis (KM, log-rank or Cox) through every engine."""

    function: str
    title: str
    options: Mapping[str, Any]
    crossval: EngineOutcome
    engines: tuple[EngineOutcome, ...]
    checks: tuple[QuantityCheck, ...]

    def verdicts(self) -> dict[str, int]:
        """How many checks got each verdict."""
        return {v: sum(c.verdict == v for c in self.checks) for v in VERDICTS}

    @property
    def failed(self) -> bool:
        """A disagreement, or an engine (crossval included) that raised."""
        return any(c.verdict == DISAGREE for c in self.checks) or any(
            o.status == "error" for o in (self.crossval, *self.engines)
        )


@dataclass(frozen=True)
class CrosscheckRun:
    """Every analysis of one data set, with the engines that ran."""

    source: str
    columns: Mapping[str, str]
    n: int
    analyses: tuple[AnalysisCheck, ...]
    engine_versions: Mapping[str, Mapping[str, str]]
    unavailable: Mapping[str, str]

    @property
    def failed(self) -> bool:
        return any(a.failed for a in self.analyses)


# ---------------------------------------------------------------- analysis


_CROSSVAL_FAILURES: tuple[type[Exception], ...] = (
    CrossvalError, ValueError, TypeError, ArithmeticError,
)


def _failure(exc: Exception) -> str:
    """An engine's exception as one line: its type and message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _run(engine: str, function: str, args: tuple[Any, ...], options: Mapping[str, Any]
         ) -> EngineOutcome:
    """Run the engine with the options it accepts; retry with its own defaults if refused.

    An option the engine lacks is dropped only when the dialect table gives
    the engine's own value for it (a convention, named in the comparison) or
    when it is at crossval's default; anything else (case weights, say) makes
    the analysis unsupported rather than silently different.
    """
    accepted = accepted_options(engine, function)
    system = SYSTEM.get(engine)
    described = {s.option for s in dialect_settings(system, function)} if system else set()
    for key, value in options.items():
        if key in accepted or key in described:
            continue
        default = crossval_default(function, key)
        if value is None or same_value(value, default):
            continue
        return EngineOutcome(engine, "unsupported",
                             f"{engine}'s {function} has no option {key}", options={})
    used = {k: v for k, v in options.items() if k in accepted}
    if engine != CROSSVAL:
        # The same analysis everywhere: an option left at crossval's default
        # goes to the engine as that default, not as the engine's own.
        for key in sorted(accepted - set(used)):
            default = crossval_default(function, key)
            if default is not None and default is not EMPTY:
                used[key] = default
    # Another engine's failure, whatever it raises from inside, is a finding
    # about that engine (reported, the others still compared); crossval's
    # own engine raises only its documented input errors, and anything else
    # from it is a bug that must surface.
    failures = _CROSSVAL_FAILURES if engine == CROSSVAL else (Exception,)
    try:
        return EngineOutcome(engine, "ok", result=run_engine(engine, function, *args, **used),
                             options=used)
    except EngineUnsupportedError as exc:
        first = str(exc)
    except failures as exc:
        return EngineOutcome(engine, "error", _failure(exc), options=used)
    # Fall back to the engine's defaults for the options the dialect table
    # describes (e.g. scipy's ecdf has no log interval: use its linear one).
    fallback = {k: v for k, v in used.items() if k not in described}
    if fallback == used:
        return EngineOutcome(engine, "unsupported", first, options=used)
    try:
        result = run_engine(engine, function, *args, **fallback)
    except EngineUnsupportedError as exc:
        return EngineOutcome(engine, "unsupported", str(exc), options=fallback)
    except failures as exc:
        return EngineOutcome(engine, "error", _failure(exc), options=fallback)
    return EngineOutcome(engine, "ok", f"with its own defaults ({first})", result=result,
                         options=fallback)


class _Crossval:
    """crossval's numeric fields under modified options, computed once per variant."""

    def __init__(self, function: str, args: tuple[Any, ...], options: Mapping[str, Any]):
        self.function = function
        self.args = args
        self.options = dict(options)
        self._cache: dict[tuple[str, ...], Fields | None] = {}

    def seed(self, fields: Fields) -> None:
        """crossval's result under the requested options, already computed."""
        self._cache[()] = fields

    def fields(self, conventions: Sequence[Convention]) -> Fields | None:
        key = tuple(c.key for c in conventions)
        if key not in self._cache:
            self._cache[key] = self._compute(conventions)
        return self._cache[key]

    def _compute(self, conventions: Sequence[Convention]) -> Fields | None:
        args, options = self.args, dict(self.options)
        for c in conventions:
            options.update(c.options)
        for c in conventions:
            if c.adjust is not None:
                args, options = c.adjust(args, options)
        try:
            result = run_engine(CROSSVAL, self.function, *args, **options)
        except (CrossvalError, ValueError, TypeError, ArithmeticError):
            return None
        fields = numeric_fields(result)
        for c in conventions:
            if c.transform is not None:
                fields.update(c.transform(fields, args, options))
        return fields


def _worst(ours: NDArray[np.float64], theirs: NDArray[np.float64]
           ) -> tuple[tuple[int, ...] | None, float | None, float | None]:
    if ours.shape != theirs.shape or ours.size == 0:
        return None, None, None
    if ours.ndim == 0:
        return (), float(ours), float(theirs)
    i = int(np.argmax(elementwise_difference(ours, theirs)))
    where = tuple(int(k) for k in np.unravel_index(i, ours.shape))
    return where, float(ours.flat[i]), float(theirs.flat[i])


def _passes(ours: NDArray[np.float64], theirs: NDArray[np.float64], tol: Tolerance,
            fields: Fields) -> float | None:
    """The relative difference if within ``tol``, else None (``fields``: crossval's)."""
    if ours.shape != theirs.shape:
        return None
    if off_elements(ours, theirs, tol, fields).any():
        return None
    return relative_difference(ours, theirs)


def _tolerance_flags(function: str, args: tuple[Any, ...]) -> dict[str, bool]:
    """``tolerance_for``'s flags that the inputs decide (a 2x2 table with a zero margin)."""
    if function != "fisher_exact" or not args:
        return {}
    try:
        table = np.asarray(args[0], dtype=float)
    except (TypeError, ValueError):  # crossval's own check names the problem
        return {}
    if table.shape != (2, 2):
        return {}
    return {"zero_margin": bool((table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any())}


def _check_quantity(function: str, quantity: str, engine: str, theirs: NDArray[np.float64],
                    cv: _Crossval, conventions: Sequence[Convention]) -> QuantityCheck | None:
    base = cv.fields(())
    if base is None or quantity not in base:
        return None
    tol = tolerance_for(function, quantity, **_tolerance_flags(function, cv.args))
    if tol.informational:
        return None
    ours = base[quantity]
    raw = math.inf if ours.shape != theirs.shape else relative_difference(ours, theirs)
    where, ov, tv = _worst(ours, theirs)
    if _passes(ours, theirs, tol, base) is not None:
        return QuantityCheck(quantity, engine, AGREE, raw, tol, where=where,
                             crossval_value=ov, engine_value=tv)
    relevant = [c for c in conventions if c.quantities is None or quantity in c.quantities]
    for size in range(1, len(relevant) + 1):
        for subset in itertools.combinations(relevant, size):
            fields = cv.fields(subset)
            if fields is None or quantity not in fields:
                continue
            bound = [c.tolerance for c in subset if c.tolerance is not None]
            use = max(bound, key=lambda t: t.rel) if bound else tol
            if use.abs == 0 and tol.abs > 0:  # a bound loosens, never drops, the round-off floor
                use = dataclasses.replace(use, abs=tol.abs, abs_per=tol.abs_per)
            after = _passes(fields[quantity], theirs, use, fields)
            if after is not None:
                w, ov2, tv2 = _worst(fields[quantity], theirs)
                return QuantityCheck(
                    quantity, engine, CONVENTION, raw, use,
                    conventions=tuple(c.description for c in subset),
                    rel_diff_convention=after, where=w if w is not None else where,
                    crossval_value=ov2 if ov2 is not None else ov,
                    engine_value=tv2 if tv2 is not None else tv,
                )
    return QuantityCheck(quantity, engine, DISAGREE, raw, tol, where=where, crossval_value=ov,
                         engine_value=tv)


def crosscheck(function: str, *args: Any, engines: Iterable[str] | None = None,
               title: str | None = None, **options: Any) -> AnalysisCheck:
    """Run crossval's ``function`` on ``args`` in every engine and compare each quantity.

    ``engines`` defaults to every engine crossval knows; those not installed
    are recorded as unavailable. ``options`` are crossval's (e.g.
    ``conf_type="log"``); each engine gets the ones it accepts.
    """
    names = [canonical_name(n) for n in (engines if engines is not None else ENGINE_NAMES)]
    names = [n for n in dict.fromkeys(names) if n != CROSSVAL]
    own = _run(CROSSVAL, function, args, options)
    outcomes: list[EngineOutcome] = []
    checks: list[QuantityCheck] = []
    cv = _Crossval(function, args, options)
    if own.result is not None:
        cv.seed(numeric_fields(own.result))
    for name in names:
        reason = _unavailable(name)
        if reason is not None:
            outcomes.append(EngineOutcome(name, "unavailable", reason))
            continue
        if function not in engine_functions(name):
            outcomes.append(EngineOutcome(name, "unsupported",
                                          f"{name} has no equivalent of crossval's {function}"))
            continue
        outcome = _run(name, function, args, options)
        outcomes.append(outcome)
        if outcome.result is None or own.result is None:
            continue
        theirs = numeric_fields(outcome.result)
        conventions = (option_conventions(name, function, options, outcome.options)
                       + special_conventions(name, function, args, options, theirs))
        if function == "cox_ph" and not own.result.result.converged:
            conventions.append(stopping_convention())
        for quantity, value in theirs.items():
            check = _check_quantity(function, quantity, name, value, cv, conventions)
            if check is not None:
                checks.append(check)
    return AnalysisCheck(function, title or function, dict(options), own, tuple(outcomes),
                         tuple(checks))


_UNAVAILABLE: dict[str, str | None] = {}


def _unavailable(name: str) -> str | None:
    # Probing R starts it; probe each engine once per process.
    if name not in _UNAVAILABLE:
        _UNAVAILABLE[name] = engine_status(name).reason
    return _UNAVAILABLE[name]


# -------------------------------------------------------------- CSV input


MISSING = frozenset({"", "na", "nan", "null", "none", "."})


@dataclass(frozen=True)
class SurvivalData:
    """Columns read from a CSV file for ``crossval crosscheck`` (names as in the file)."""

    source: str
    time: NDArray[np.float64]
    event: NDArray[np.float64]
    group: NDArray[Any] | None = None
    covariates: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    strata: NDArray[Any] | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.time.size)


def read_survival_csv(
    path: str | Path, *, time: str, event: str, group: str | None = None,
    covariates: Sequence[str] = (), strata: str | None = None,
) -> SurvivalData:
    """Read the named columns of a CSV file (header row first) with the stdlib csv module.

    Every problem is an :class:`crossval.errors.InputError` naming the
    column, and the row (1-based data row, with its line in the file) for
    missing or non-numeric cells; up to ten cell problems are listed at once.
    """
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{p} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InputError(f"{p} is not valid CSV: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{p} is empty; the first line must name the columns")
    header = [h.strip() for h in rows[0]]
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise InputError(f"{p}: column {dupes[0]!r} appears more than once in the header")
    wanted = {"time": time, "event": event}
    if group:
        wanted["group"] = group
    if strata:
        wanted["strata"] = strata
    for i, name in enumerate(covariates):
        wanted[f"covariate {i + 1}"] = name
    for role, name in wanted.items():
        if name not in header:
            raise InputError(
                f"{p}: no column {name!r} (given as the {role} column); the columns are "
                + ", ".join(repr(h) for h in header)
            )
    body = [(line, r) for line, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise InputError(f"{p} has a header but no data rows")
    problems: list[str] = []

    def column(name: str, numeric: bool) -> list[Any]:
        j = header.index(name)
        values: list[Any] = []
        for k, (line, r) in enumerate(body, start=1):
            cell = r[j].strip() if j < len(r) else ""
            where = f"row {k} (line {line}), column {name!r}"
            if cell.lower() in MISSING:
                problems.append(f"{where}: missing value")
                values.append(math.nan)
                continue
            if not numeric:
                values.append(cell)
                continue
            try:
                number = float(cell)
            except ValueError:
                problems.append(f"{where}: {cell!r} is not a number")
                values.append(math.nan)
                continue
            if not math.isfinite(number):
                problems.append(f"{where}: {cell!r} is not a finite number")
            values.append(number)
        return values

    t = column(time, True)
    e = column(event, True)
    g = column(group, False) if group else None
    s = column(strata, False) if strata else None
    x = {name: column(name, True) for name in covariates}
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise InputError(f"{p}: " + "; ".join(problems[:10]) + more)
    ev = np.asarray(e, dtype=float)
    bad = np.flatnonzero(~np.isin(ev, (0.0, 1.0)))
    if bad.size:
        k = int(bad[0])
        raise InputError(
            f"{p}: row {k + 1} (line {body[k][0]}), column {event!r}: the event column must be "
            f"0 (censored) or 1 (event); got {e[k]!r}"
        )
    tv = np.asarray(t, dtype=float)
    neg = np.flatnonzero(tv < 0)
    if neg.size:
        k = int(neg[0])
        raise InputError(
            f"{p}: row {k + 1} (line {body[k][0]}), column {time!r}: times must be >= 0; "
            f"got {t[k]!r}"
        )
    return SurvivalData(
        source=str(p), time=tv, event=ev,
        group=None if g is None else _labels(g),
        covariates={name: np.asarray(v, dtype=float) for name, v in x.items()},
        strata=None if s is None else _labels(s),
        columns={role: name for role, name in wanted.items()},
    )


def _labels(values: list[str]) -> NDArray[Any]:
    # Numeric labels sort as numbers (2 before 10); anything else as text.
    try:
        return np.asarray([float(v) for v in values])
    except ValueError:
        return np.asarray(values, dtype=object).astype(str)


def _indicators(name: str, labels: NDArray[Any]) -> dict[str, NDArray[np.float64]]:
    levels = np.unique(labels)
    return {f"{name}={_label(level)}": (labels == level).astype(float) for level in levels[1:]}


def _label(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def crosscheck_data(data: SurvivalData, *, engines: Iterable[str] | None = None
                    ) -> CrosscheckRun:
    """KM always; log-rank with a group; Cox with covariates (or the group as indicators)."""
    names = list(engines) if engines is not None else list(ENGINE_NAMES)
    analyses = [crosscheck("kaplan_meier", data.time, data.event, engines=names,
                           title="Kaplan-Meier (all rows)")]
    gname = data.columns.get("group", "group")
    if data.group is not None:
        title = f"Log-rank test by {gname}" + (
            f", stratified by {data.columns['strata']}" if data.strata is not None else "")
        analyses.append(crosscheck("logrank", data.time, data.event, data.group,
                                   engines=names, title=title, strata=data.strata))
    covariates: dict[str, NDArray[np.float64]] = dict(data.covariates)
    if not covariates and data.group is not None:
        covariates = _indicators(gname, data.group)
    if covariates:
        title = "Cox model on " + ", ".join(covariates) + (
            f", stratified by {data.columns['strata']}" if data.strata is not None else "")
        analyses.append(crosscheck("cox_ph", data.time, data.event, covariates,
                                   engines=names, title=title, strata=data.strata))
    versions: dict[str, Mapping[str, str]] = {}
    unavailable: dict[str, str] = {}
    for a in analyses:
        for o in (a.crossval, *a.engines):
            if o.result is not None:
                versions.setdefault(o.engine, o.result.versions)
            elif o.status == "unavailable":
                unavailable[o.engine] = o.detail
    return CrosscheckRun(data.source, dict(data.columns), data.n, tuple(analyses), versions,
                         unavailable)


def as_dict(obj: Any) -> Any:
    """A crosscheck result as plain JSON-ready data (numbers, strings, lists)."""
    if isinstance(obj, EngineResult):
        return {"engine": obj.engine, "call": obj.call, "versions": dict(obj.versions),
                "warnings": list(obj.warnings),
                "values": {k: as_dict(v) for k, v in numeric_fields(obj).items()}}
    if isinstance(obj, Tolerance):
        # an unbounded convention's rel is inf: as_dict writes it "inf", as any float
        return {"rel": as_dict(obj.rel), "exact": obj.exact, "abs": as_dict(obj.abs),
                "abs_per": obj.abs_per, "convention": obj.convention}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: as_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): as_dict(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return as_dict(obj.tolist())
    if isinstance(obj, list | tuple):
        return [as_dict(v) for v in obj]
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else str(value)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
