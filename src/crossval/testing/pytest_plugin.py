"""crossval's pytest plugin (registered through the ``pytest11`` entry point).

Installing crossval enables it in every pytest run; ``-p no:crossval`` turns it
off. It provides:

- the ``r`` marker: the test needs R with ``survival``; without it the test
  skips with the install command, or fails when ``CROSSVAL_REQUIRE_R=1``;
- the ``r`` fixture: the live :class:`crossval.rbridge.session.RSession`
  (same skip-or-fail rule);
- the ``crosscheck`` fixture: :func:`crossval.testing.crosscheck.assert_agree`;
- the ``stats_snapshot`` fixture and the ``--crossval-regen`` option: golden
  JSON files of numbers (:mod:`crossval.testing.snapshot`).

Loading the plugin never starts R and imports no rpy2: R is probed with
``Rscript`` for the marker and through ``crossval.rbridge`` only when the ``r``
fixture is requested. See docs/pytest-plugin.md.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from crossval.rbridge import INSTALL_HINT

if TYPE_CHECKING:
    from collections.abc import Callable

    from crossval.rbridge.session import RSession
    from crossval.testing.snapshot import StatsSnapshot

REQUIRE_ENV = "CROSSVAL_REQUIRE_R"
# Test-only: makes the plugin behave as on a machine without R, so the
# skip and fail paths can be tested on a machine that has R.
FAKE_NO_R_ENV = "CROSSVAL_FAKE_NO_R"
MARKER = "r: needs R with the survival package (skips without it, fails if CROSSVAL_REQUIRE_R=1)"

_written_key = pytest.StashKey[list[tuple[Path, str]]]()
_claimed_key = pytest.StashKey[dict[Path, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crossval")
    group.addoption(
        "--crossval-regen",
        action="store_true",
        default=False,
        dest="crossval_regen",
        help="rewrite the stats_snapshot golden files whose numbers moved (review the diff)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    config.stash[_written_key] = []
    config.stash[_claimed_key] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that takes the r fixture needs R whether or not it says so;
    # marking it lets `-m "not r"` deselect it.
    for item in items:
        if _uses_r_fixture(item) and item.get_closest_marker("r") is None:
            item.add_marker(pytest.mark.r)


def _uses_r_fixture(item: pytest.Item) -> bool:
    # An argument merely named `r` (a parametrized correlation, a project's own
    # fixture) is not this plugin's R session and must not be gated on R.
    info = getattr(item, "_fixtureinfo", None)
    defs = getattr(info, "name2fixturedefs", {}).get("r", ())
    if not defs:
        return False
    func = getattr(defs[-1], "func", None)
    return getattr(func, "__module__", None) == __name__


def r_required() -> bool:
    """Whether a missing R must fail the tests that need it (``CROSSVAL_REQUIRE_R=1``)."""
    return os.environ.get(REQUIRE_ENV, "") == "1"


def _faking_no_r() -> bool:
    return os.environ.get(FAKE_NO_R_ENV, "") == "1"


def rscript_problem() -> str | None:
    """Why ``Rscript`` with ``survival`` cannot run here, or None when it can."""
    if _faking_no_r():
        return f"R not found ({FAKE_NO_R_ENV}=1 simulates a machine without R)"
    return _rscript_problem(shutil.which("Rscript"))


@functools.lru_cache(maxsize=4)
def _rscript_problem(exe: str | None) -> str | None:
    # Keyed on the Rscript found, so a changed PATH is probed afresh.
    if exe is None:
        return "R not found (no Rscript on PATH)"
    try:
        proc = subprocess.run(
            [exe, "-e", 'quit(status = !requireNamespace("survival", quietly = TRUE))'],
            capture_output=True, text=True, timeout=120, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Rscript at {exe} does not run ({exc})"
    if proc.returncode != 0:
        return "R's survival package not found"
    return None


def rpy2_problem() -> str | None:
    """Why R with ``survival`` cannot be loaded in-process through rpy2, or None."""
    if _faking_no_r():
        return f"R not found ({FAKE_NO_R_ENV}=1 simulates a machine without R)"
    from crossval.rbridge.session import r_unavailable_reason

    return r_unavailable_reason()


def _skip_or_fail(problem: str) -> None:
    __tracebackhide__ = True
    message = problem if INSTALL_HINT in problem else f"{problem}; {INSTALL_HINT}"
    if r_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("r") is None:
        return
    problem = rscript_problem()
    if problem is not None:
        _skip_or_fail(problem)


@pytest.fixture(scope="session")
def r() -> RSession:
    """The live R session with ``survival`` attached (skips or fails without R)."""
    problem = rpy2_problem()
    if problem is not None:
        _skip_or_fail(problem)
    from crossval.rbridge.session import r_session

    return r_session()


@pytest.fixture
def crosscheck() -> Callable[..., Any]:
    """``crosscheck(ours, theirs, function=...)``: see ``crossval.testing.crosscheck``."""
    from crossval.testing.crosscheck import assert_agree

    return assert_agree


@pytest.fixture
def stats_snapshot(request: pytest.FixtureRequest) -> StatsSnapshot:
    """Golden JSON of numbers in ``<module_stem>/<test_name>.json`` beside the test module."""
    from crossval.testing.snapshot import StatsSnapshot

    config = request.config
    module = Path(request.path)
    nodeid = request.node.nodeid
    claimed = config.stash[_claimed_key]

    def claim(path: Path) -> None:
        owner = claimed.setdefault(path, nodeid)
        if owner != nodeid:
            from crossval.errors import InputError

            raise InputError(
                f"golden file {path.name} is already used by {owner}; "
                "pass basename= to give this check its own file"
            )

    def on_write(path: Path, what: str) -> None:
        config.stash[_written_key].append((path, what))

    return StatsSnapshot(
        module.parent / module.stem,
        request.node.name,
        regen=bool(config.getoption("crossval_regen")),
        claim=claim,
        on_write=on_write,
        display_root=config.rootpath,
    )


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int, config: pytest.Config
) -> None:
    written = config.stash.get(_written_key, [])
    if not written:
        return
    terminalreporter.section("crossval stats_snapshot")
    for path, what in written:
        try:
            shown = path.relative_to(config.rootpath)
        except ValueError:
            shown = path
        terminalreporter.write_line(f"{what}: {shown}")
    terminalreporter.write_line("review every golden file diff before committing it")
