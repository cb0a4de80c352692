"""Reference cases: R's answers stored in ``reference/r-reference.json``.

The file is written only by ``reference/generate_reference.R`` and embeds the
data of every case, so crossval can be checked against R without R installed.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crossval.errors import InputError
from crossval.stats.registry import FUNCTION_NAMES, stats_function


def default_reference_path() -> Path:
    """``reference/r-reference.json`` of the source tree crossval runs from."""
    return Path(__file__).resolve().parents[3] / "reference" / "r-reference.json"


@dataclass(frozen=True)
class ReferenceCase:
    """One stored R computation: the call, its inputs and R's answer."""

    id: str
    function: str
    dataset: str | None
    arguments: Mapping[str, Any]
    options: Mapping[str, Any]
    expected: Mapping[str, Any]
    r_call: str
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def run(self) -> Any:
        """Compute this case with crossval's own function."""
        fn = crossval_function(self.function)
        accepted = set(inspect.signature(fn).parameters)
        options = {k: v for k, v in self.options.items() if k in accepted}
        return fn(**self.arguments, **options)


@dataclass(frozen=True)
class ReferenceSet:
    """All stored cases with the versions of R and survival that produced them."""

    path: Path
    r_version: str
    survival_version: str
    cases: tuple[ReferenceCase, ...]


def crossval_function(name: str) -> Callable[..., Any]:
    """crossval's implementation of a reference ``function`` name."""
    if name not in FUNCTION_NAMES:
        raise InputError(
            f"reference function {name!r} is unknown; known: {', '.join(sorted(FUNCTION_NAMES))}"
        )
    return stats_function(name)


def _nan(value: Any) -> Any:
    if value is None:
        return math.nan
    if isinstance(value, list):
        return [_nan(v) for v in value]
    return value


def load_reference(path: str | Path | None = None) -> ReferenceSet:
    """Read the reference file; every case's data is resolved to arrays."""
    p = Path(path) if path is not None else default_reference_path()
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"reference file {p} not found; "
            "generate it with `Rscript reference/generate_reference.R`"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"reference file {p} is not UTF-8 JSON: {exc}") from None
    except OSError as exc:
        raise InputError(f"reference file {p} cannot be read: {exc.strerror}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise InputError(f"reference file {p} has no list of 'cases'")
    datasets = doc.get("datasets", {})
    cases = []
    for i, raw in enumerate(doc["cases"]):
        try:
            cases.append(_case(raw, datasets))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            where = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
            raise InputError(
                f"reference file {p}: case {where} is malformed ({type(exc).__name__}: {exc})"
            ) from None
    return ReferenceSet(
        path=p,
        r_version=str(doc.get("r_version", "unknown")),
        survival_version=str(doc.get("survival_version", "unknown")),
        cases=tuple(cases),
    )


def _case(raw: Mapping[str, Any], datasets: Mapping[str, Any]) -> ReferenceCase:
    cid = raw["id"]
    args: dict[str, Any] = {}
    dataset = raw.get("dataset")
    if dataset is not None:
        columns = datasets[dataset]["columns"]
        keep = np.ones(len(next(iter(columns.values()))), dtype=bool)
        subset = raw.get("subset")
        if subset:
            keep = np.asarray(_nan(columns[subset["column"]]), dtype=float) == float(
                subset["value"]
            )
        for arg, col in raw.get("columns", {}).items():
            if arg == "covariates":
                names = [col] if isinstance(col, str) else list(col)
                args["covariates"] = {
                    n: np.asarray(_nan(columns[n]), dtype=float)[keep] for n in names
                }
            else:
                values = np.asarray(_nan(columns[col]))
                if values.dtype.kind in "iuf":
                    values = values.astype(float)
                args[arg] = values[keep]
    for name, value in raw.get("inputs", {}).items():
        args[name] = value
    nonfinite = raw.get("r_nonfinite", [])
    refined = raw.get("r_refined")
    return ReferenceCase(
        id=cid,
        function=raw["function"],
        dataset=dataset,
        arguments=args,
        options=dict(raw.get("options", {})),
        expected=_restore_nonfinite(raw["expected"], nonfinite, "expected"),
        r_call=raw.get("r_call", ""),
        metadata={
            **{k: v for k, v in raw.items() if k in {"r_source", "r_warnings", "r_note"}},
            **(
                {"r_refined": _restore_nonfinite(refined, nonfinite, "r_refined")}
                if refined is not None
                else {}
            ),
        },
    )


_NONFINITE = {"Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan, "NA": math.nan}


def _restore_nonfinite(
    values: Mapping[str, Any], nonfinite: list[Mapping[str, Any]], where: str
) -> dict[str, Any]:
    """Put back the infinities JSON cannot hold (the file writes them as null)."""
    out = {k: _nan(v) for k, v in values.items()}
    for entry in nonfinite:
        if entry.get("in", "expected") != where or entry["field"] not in out:
            continue
        value = _NONFINITE[entry["value"]]
        index = entry.get("index")
        if index is None or not isinstance(out[entry["field"]], list):
            out[entry["field"]] = value
            continue
        arr = np.asarray(out[entry["field"]], dtype=float)
        # A 0-based position: an int for a vector, [row, column] for a matrix.
        arr[tuple(index) if isinstance(index, list) else int(index)] = value
        out[entry["field"]] = arr.tolist()
    return out
