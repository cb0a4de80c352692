"""The data sets stored in reference/r-reference.json, for crossval's own tests."""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np

from crossval.compare.reference_cases import default_reference_path


@functools.cache
def reference_datasets() -> dict[str, Any]:
    """The file's ``datasets`` object as stored (name -> {"columns": ..., ...})."""
    doc = json.loads(default_reference_path().read_text(encoding="utf-8"))
    datasets: dict[str, Any] = doc["datasets"]
    return datasets


def reference_dataset(name: str) -> dict[str, np.ndarray]:
    """Data set ``name`` as float columns, missing values (null) as nan."""
    cols = reference_datasets()[name]["columns"]
    return {k: np.array([np.nan if v is None else v for v in vals], dtype=float)
            for k, vals in cols.items()}
