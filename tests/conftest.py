"""Shared test set-up: tests marked ``r`` need R with survival.

Without R they skip with the install command; with ``CROSSVAL_REQUIRE_R=1``
(set by ``.ci/run``) a missing R fails them instead, so CI can never pass by
silently skipping every comparison with R.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest

INSTALL = "apt-get update && apt-get install -y r-base-core r-cran-survival"


def r_required() -> bool:
    return os.environ.get("CROSSVAL_REQUIRE_R", "") == "1"


@functools.lru_cache(maxsize=1)
def rscript_problem() -> str | None:
    """Why R with survival cannot run here, or None when it can."""
    exe = shutil.which("Rscript")
    if exe is None:
        return f"R not found: install with `{INSTALL}`"
    proc = subprocess.run(
        [exe, "-e", 'quit(status = !requireNamespace("survival", quietly = TRUE))'],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        return f"R's survival package not found: install with `{INSTALL}`"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("r") is None:
        return
    problem = rscript_problem()
    if problem is None:
        return
    if r_required():
        pytest.fail(f"CROSSVAL_REQUIRE_R=1 but {problem}", pytrace=False)
    pytest.skip(problem)
