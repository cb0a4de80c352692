"""crossval's pytest plugin: the ``r`` marker and fixture, ``crosscheck``, ``stats_snapshot``.

Most tests run a small test file through ``pytester`` (in-process) and check
its outcome and output. Missing R is simulated with ``CROSSVAL_FAKE_NO_R=1``
(the plugin's test-only switch) or an empty ``PATH``. The last test installs a
tiny outside project into a fresh virtual environment and runs its tests in a
subprocess, to prove the fixtures reach a user's project through crossval's
``pytest11`` entry point and not through any conftest.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import crossval

# Imported here, not first inside an in-process pytester run, which would
# unload it (and scipy's extension modules) again afterwards.
import crossval.stats.kaplan_meier
from crossval.compare.tolerances import FISHER_UNIROOT, Tolerance
from crossval.errors import InputError
from crossval.rbridge.session import RSession
from crossval.stats.interval import ConfidenceInterval
from crossval.testing.crosscheck import assert_agree
from crossval.testing.pytest_plugin import FAKE_NO_R_ENV, REQUIRE_ENV
from crossval.testing.snapshot import NOTE, StatsSnapshot, compare, dumps, encode, loads

pytest_plugins = ["pytester"]

APT = "apt-get update && apt-get install -y r-base-core r-cran-survival"
PIP = "pip install 'crossval[r]'"

MARKED = """
import pytest

@pytest.mark.r
def test_needs_r():
    pass
"""

USES_R_FIXTURE = """
def test_uses_r(r):
    assert r.r_version.startswith("R version ")
    out = r.call(r.stats.binom_test, x=7, n=20).value
    assert abs(float(out.rx2("p.value")[0]) - 0.2631759643554688) < 1e-12
"""


@pytest.fixture(autouse=True)
def _r_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI exports CROSSVAL_REQUIRE_R=1; each test here sets what it needs.
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    monkeypatch.delenv(FAKE_NO_R_ENV, raising=False)


def skip_reasons(result: pytest.RunResult) -> list[str]:
    """The reasons of the skipped tests, read from the run's skip summary (``-rs``)."""
    return [
        line for line in result.stdout.lines if line.startswith("SKIPPED")
    ]


# --- the r marker ---------------------------------------------------------------------------


def test_marker_is_registered_by_the_plugin(pytester: pytest.Pytester) -> None:
    # No ini file in the test project: --strict-markers accepts `r` only because
    # the plugin registers it.
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("--strict-markers", "--co", "-q")
    assert result.ret == 0, result.stdout.str()
    assert "@pytest.mark.r: needs R with the survival package" in (
        pytester.runpytest("--markers").stdout.str()
    )


def test_marked_test_skips_with_install_commands_without_r(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAKE_NO_R_ENV, "1")
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    [reason] = skip_reasons(result)
    assert "R not found" in reason
    assert APT in reason
    assert PIP in reason


def test_marked_test_skips_when_rscript_is_not_on_path(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    [reason] = skip_reasons(result)
    assert "no Rscript on PATH" in reason
    assert APT in reason


def test_missing_r_fails_marked_test_under_require(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAKE_NO_R_ENV, "1")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("-rA")
    # pytest.fail during set-up: reported as an error, and the run fails.
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "CROSSVAL_REQUIRE_R=1 but R not found" in out
    assert APT in out
    assert "SKIPPED" not in out


def test_unmarked_tests_never_probe_r(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAKE_NO_R_ENV, "1")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    pytester.makepyfile("def test_plain():\n    pass\n")
    pytester.runpytest().assert_outcomes(passed=1)


# --- the r fixture --------------------------------------------------------------------------


def test_r_fixture_skips_without_r_and_marks_its_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAKE_NO_R_ENV, "1")
    pytester.makepyfile(USES_R_FIXTURE)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    [reason] = skip_reasons(result)
    assert APT in reason and PIP in reason
    # The fixture marks its users `r`, so they can be deselected like marked tests.
    pytester.runpytest("-m", "not r").assert_outcomes(deselected=1)


def test_arguments_merely_named_r_are_not_gated_on_r(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAKE_NO_R_ENV, "1")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    pytester.makepyfile(
        test_corr="""
        import pytest

        @pytest.mark.parametrize("r", [0.1, -0.3])
        def test_correlation(r):
            assert abs(r) < 1
        """,
        test_own="""
        import pytest

        @pytest.fixture
        def r():
            return 0.5

        def test_own_fixture(r):
            assert r == 0.5
        """,
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_r_fixture_fails_without_r_under_require(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAKE_NO_R_ENV, "1")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    pytester.makepyfile(USES_R_FIXTURE)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    assert "CROSSVAL_REQUIRE_R=1 but R not found" in result.stdout.str()


def test_r_fixture_is_the_live_session(r: RSession, pytester: pytest.Pytester) -> None:
    # Taking `r` here starts R before pytester snapshots sys.modules: an
    # in-process run must not unload rpy2, which cannot initialise R twice.
    # R's binom.test(7, 20)$p.value = 2 * pbinom(7, 20, 0.5) = 0.26317596435546875.
    pytester.makepyfile(USES_R_FIXTURE)
    pytester.runpytest().assert_outcomes(passed=1)


def test_loading_the_plugin_does_not_start_r() -> None:
    code = (
        "import sys, crossval.testing.pytest_plugin\n"
        "print(sorted(m for m in sys.modules if m.startswith(('rpy2', 'crossval.rbridge.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


# --- crosscheck -----------------------------------------------------------------------------

# Kaplan-Meier by hand: times 1..4, events at 1 and 3. S = 3/4, 3/4, 3/4 * 1/2, 3/8.
KM_HAND = {
    "time": [1.0, 2.0, 3.0, 4.0],
    "n_risk": [4, 3, 2, 1],
    "survival": [0.75, 0.75, 0.375, 0.375],
    "median": 3.0,
}


def test_crosscheck_passes_within_tolerance_and_returns_comparisons() -> None:
    other = {**KM_HAND, "survival": [0.75, 0.75, 0.375 * (1 + 1e-12), 0.375]}
    comparisons = assert_agree(KM_HAND, other, function="kaplan_meier")
    assert {c.quantity for c in comparisons} == {"time", "n_risk", "survival", "median"}
    assert all(c.passed for c in comparisons)


def test_crosscheck_failure_is_a_table_of_the_differing_fields() -> None:
    other = {**KM_HAND, "survival": [0.75, 0.75, 0.376, 0.376], "median": 4.0}
    with pytest.raises(AssertionError) as info:
        assert_agree(KM_HAND, other, function="kaplan_meier")
    lines = str(info.value).splitlines()
    assert lines[0] == (
        "crossval and the other engine disagree on 2 of 4 quantities of kaplan_meier:"
    )
    assert lines[1].split() == ["quantity", "crossval", "other", "rel.", "diff", "tolerance"]
    assert set(lines[2]) == {"-", " "}
    rows = {line.split()[0]: line.split() for line in lines[3:]}
    # survival: elements 2 and 3 are both off by (0.376 - 0.375) / 0.376; the first is shown.
    assert rows["survival[2]"][:7] == [
        "survival[2]", "(2", "of", "4", "off)", "0.375", "0.376",
    ]
    assert float(rows["survival[2]"][7]) == pytest.approx(0.001 / 0.376, rel=1e-2)
    assert rows["survival[2]"][8:] == ["rel", "1e-09"]
    assert rows["median"] == ["median", "3.0", "4.0", "0.25", "exact"]
    assert set(rows) == {"survival[2]", "median"}


def test_crosscheck_table_names_the_convention() -> None:
    ours = {"p_value": 0.5, "odds_ratio": 2.0}
    with pytest.raises(AssertionError) as info:
        assert_agree(ours, {"p_value": 0.5, "odds_ratio": 2.1}, function="fisher_exact")
    message = str(info.value)
    assert "convention" in message.splitlines()[1]
    assert FISHER_UNIROOT.convention is not None
    assert FISHER_UNIROOT.convention in message
    # Within the convention's tolerance the two agree.
    assert_agree(ours, {"p_value": 0.5, "odds_ratio": 2.001}, function="fisher_exact")


def test_crosscheck_tolerances_override_per_quantity() -> None:
    other = {**KM_HAND, "survival": [0.75, 0.75, 0.3750001, 0.375]}
    with pytest.raises(AssertionError, match=r"survival\[2\]"):
        assert_agree(KM_HAND, other, function="kaplan_meier")
    assert_agree(KM_HAND, other, function="kaplan_meier", tolerances={"survival": 1e-6})
    assert_agree(
        KM_HAND, other, function="kaplan_meier", tolerances={"survival": Tolerance(rel=1e-6)}
    )
    # 0 means exact, even where the default is a relative tolerance.
    near = {**KM_HAND, "survival": [0.75, 0.75, 0.375 * (1 + 1e-12), 0.375]}
    with pytest.raises(AssertionError, match="exact"):
        assert_agree(KM_HAND, near, function="kaplan_meier", tolerances={"survival": 0})
    with pytest.raises(InputError, match="tolerances given for survivl"):
        assert_agree(KM_HAND, other, function="kaplan_meier", tolerances={"survivl": 1e-6})


def test_crosscheck_on_dataclasses_intervals_and_missing_fields() -> None:
    @dataclasses.dataclass(frozen=True)
    class Result:
        p_value: float
        or_ci: ConfidenceInterval
        alternative: str

    ours = Result(0.25, ConfidenceInterval(0.5, 4.0), "two-sided")
    assert_agree(ours, {"p_value": 0.25, "or_ci": [0.5, 4.0]}, function="fisher_exact")
    with pytest.raises(AssertionError, match=r"or_ci\[1\]\s+4\.0\s+5\.0"):
        assert_agree(ours, {"p_value": 0.25, "or_ci": [0.5, 5.0]}, function="fisher_exact")
    with pytest.raises(AssertionError, match=r"odds_ratio\s+\(missing\)\s+2\.0"):
        assert_agree(ours, {"p_value": 0.25, "odds_ratio": 2.0}, function="fisher_exact")


def test_crosscheck_refuses_to_agree_on_nothing_and_unknown_functions() -> None:
    # cox_ph iterations are informational: comparing only them would prove nothing.
    with pytest.raises(AssertionError, match="no quantity to compare"):
        assert_agree({"iterations": 4}, {"iterations": 5}, function="cox_ph")
    with pytest.raises(InputError, match="'kaplan_meier'"):
        assert_agree(KM_HAND, KM_HAND, function="kaplan-meier")


def test_crosscheck_fixture_shows_the_table_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import crossval

        def test_km(crosscheck):
            ours = crossval.kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0])
            crosscheck(ours, {"survival": [0.75, 0.75, 0.375, 0.375]}, function="kaplan_meier")
            crosscheck(ours, {"survival": [0.75, 0.7, 0.375, 0.375]}, function="kaplan_meier")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([
        r"E\s+AssertionError: crossval and the other engine disagree on 1 of 1 quantities",
        r"E\s+quantity\s+crossval\s+other\s+rel\. diff\s+tolerance",
        r"E\s+survival\[1\]\s+0\.75\s+0\.7\s+0\.0667\s+rel 1e-09",
    ])


# --- stats_snapshot: the golden file format -------------------------------------------------


def test_encode_keeps_integers_booleans_intervals_and_marks_nonfinite() -> None:
    @dataclasses.dataclass(frozen=True)
    class Inner:
        estimate: float

    @dataclasses.dataclass(frozen=True)
    class Result:
        n_risk: np.ndarray
        survival: np.ndarray
        ci: ConfidenceInterval
        median: float | None
        converged: bool
        conf_type: str
        inner: Inner

    result = Result(
        np.array([4, 3], dtype=np.int64), np.array([0.75, np.nan]),
        ConfidenceInterval(0.1, math.inf), None, True, "log", Inner(-math.inf),
    )
    assert encode(result) == {
        "n_risk": [4, 3],
        "survival": [0.75, "nan"],
        "ci": [0.1, "inf"],
        "median": None,
        "converged": True,
        "inner.estimate": "-inf",
    }
    assert isinstance(encode(result)["n_risk"][0], int)


def test_golden_text_is_stable_and_reads_back_bit_for_bit() -> None:
    values = {"b": [0.1 + 0.2, 1 / 3], "a": 7, "c": "nan"}
    text = dumps(values)
    assert text == dumps(dict(reversed(list(values.items()))))
    assert text.endswith("\n")
    doc = json.loads(text)
    assert list(doc) == ["_note", "quantities"]
    assert doc["_note"] == NOTE == "generated by crossval's stats_snapshot; review every diff"
    assert list(doc["quantities"]) == ["a", "b", "c"]
    assert "0.30000000000000004" in text
    assert loads(text)["b"] == [0.1 + 0.2, 1 / 3]


def test_compare_reports_moves_shapes_and_new_or_missing_quantities() -> None:
    old = {"n": 10, "p": 0.05, "s": [1.0, 0.5], "nan": "nan", "gone": 1.0, "none": None}
    new = {"n": 10, "p": 0.05, "s": [1.0, 0.5], "nan": "nan", "added": [2.0], "none": None}
    moved = {(m.quantity, m.old, m.new) for m in compare(old, new, {})}
    assert moved == {("gone", "1.0", "(missing)"), ("added", "(missing)", "shape (1,)")}
    moved_list = compare(
        {"n": 10, "s": [1.0, 0.5], "flag": True, "nan": "nan", "none": None},
        {"n": 10.0, "s": [1.0, 0.5, 0.25], "flag": False, "nan": 0.0, "none": "nan"},
        {},
    )
    assert [(m.quantity, m.old, m.new) for m in moved_list] == [
        ("flag", "true", "false"),
        ("nan", "nan", "0.0"),
        ("none", "null", "nan"),
        ("s", "shape (2,)", "shape (3,)"),
    ]


def test_integers_compare_exactly_whatever_the_tolerance() -> None:
    [m] = compare({"n": 1_000_000_000_000}, {"n": 1_000_000_000_001}, {"n": 1e-6})
    assert (m.tolerance, m.index) == ("exact", "-")
    assert compare({"x": 1.0}, {"x": 1.0 + 1e-7}, {"x": 1e-6}) == []


def test_snapshot_refuses_what_cannot_fail(tmp_path: Path) -> None:
    snap = StatsSnapshot(tmp_path, "test_x")
    with pytest.raises(InputError, match="no numbers"):
        snap.check({"conf_type": "log"})
    with pytest.raises(InputError, match="tolerances given for 'pval'"):
        snap.check({"p_value": 0.5}, tolerances={"pval": 1e-6})
    with pytest.raises(InputError, match="plain file name"):
        snap.check({"p_value": 0.5}, basename="../escape")
    assert not any(tmp_path.iterdir())


# --- stats_snapshot through pytest ----------------------------------------------------------

SNAPSHOT_TEST = """
import math

P_VALUE = {p_value!r}
N = {n!r}

def test_one(stats_snapshot):
    stats_snapshot.check(
        {{"p_value": P_VALUE, "n": N, "survival": [1.0, 0.8, 0.6, math.nan]}},
        tolerances={tolerances!r},
    )
"""


def write_snapshot_test(
    pytester: pytest.Pytester, *, p_value: float = 0.05, n: int = 10,
    tolerances: dict[str, float] | None = None,
) -> Path:
    pytester.makepyfile(
        test_snap=SNAPSHOT_TEST.format(p_value=p_value, n=n, tolerances=tolerances or {})
    )
    return pytester.path / "test_snap" / "test_one.json"


def test_snapshot_first_run_creates_the_golden_and_fails(pytester: pytest.Pytester) -> None:
    golden = write_snapshot_test(pytester)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*golden file created, review it and re-run: test_snap/test_one.json*",
        "*crossval stats_snapshot*",
        "created: test_snap/test_one.json",
    ])
    assert json.loads(golden.read_text()) == {
        "_note": NOTE,
        "quantities": {"n": 10, "p_value": 0.05, "survival": [1.0, 0.8, 0.6, "nan"]},
    }
    pytester.runpytest().assert_outcomes(passed=1)


def test_snapshot_lists_the_numbers_that_moved(pytester: pytest.Pytester) -> None:
    golden = write_snapshot_test(pytester)
    pytester.runpytest()
    before = golden.read_text()
    write_snapshot_test(pytester, p_value=0.05000001, n=11)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([
        r"E\s+AssertionError: 2 numbers moved from the golden file test_snap/test_one\.json:",
        r"E\s+n: 1 moved, largest relative change 0\.0909",
        r"E\s+p_value: 1 moved, largest relative change 2e-07",
        r"E\s+quantity\s+index\s+old\s+new\s+rel\. change\s+tolerance",
        r"E\s+n\s+-\s+10\s+11\s+0\.0909\s+exact",
        r"E\s+p_value\s+-\s+0\.05\s+0\.05000001\s+2e-07\s+rel 1e-12",
        r"E\s+If the change is intended, re-run with --crossval-regen",
    ])
    assert golden.read_text() == before


def test_snapshot_tolerance_allows_small_moves(pytester: pytest.Pytester) -> None:
    write_snapshot_test(pytester)
    pytester.runpytest()
    write_snapshot_test(pytester, p_value=0.05000001, tolerances={"p_value": 1e-6})
    pytester.runpytest().assert_outcomes(passed=1)


def test_snapshot_array_moves_are_listed_by_index(pytester: pytest.Pytester) -> None:
    write_snapshot_test(pytester)
    pytester.runpytest()
    text = (pytester.path / "test_snap.py").read_text()
    (pytester.path / "test_snap.py").write_text(text.replace("[1.0, 0.8, 0.6, math.nan]",
                                                             "[1.0, 0.8, 0.7, 0.5]"))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([
        r"E\s+survival: 2 moved, largest relative change inf",
        r"E\s+survival\s+\[2\]\s+0\.6\s+0\.7\s+0\.143\s+rel 1e-12",
        r"E\s+survival\s+\[3\]\s+nan\s+0\.5\s+inf\s+rel 1e-12",
    ])


def test_regen_rewrites_the_golden_then_it_passes(pytester: pytest.Pytester) -> None:
    golden = write_snapshot_test(pytester)
    pytester.runpytest()
    write_snapshot_test(pytester, p_value=0.06)
    result = pytester.runpytest("--crossval-regen")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*golden file rewritten by --crossval-regen: test_snap/test_one.json;"
        " 1 numbers moved, review the diff and re-run:*",
        "rewritten: test_snap/test_one.json",
    ])
    assert json.loads(golden.read_text())["quantities"]["p_value"] == 0.06
    pytester.runpytest().assert_outcomes(passed=1)
    # Nothing moved: --crossval-regen leaves the file alone and the test passes.
    mtime = golden.stat().st_mtime_ns
    pytester.runpytest("--crossval-regen").assert_outcomes(passed=1)
    assert golden.stat().st_mtime_ns == mtime


def test_snapshot_file_names_basenames_and_collisions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_names="""
        import pytest

        @pytest.mark.parametrize("x", [1, 2])
        def test_param(stats_snapshot, x):
            stats_snapshot.check({"x": x})

        def test_two_files(stats_snapshot):
            stats_snapshot.check({"a": 1.5}, basename="first")
            stats_snapshot.check({"b": 2.5}, basename="second.json")

        def test_twice(stats_snapshot):
            stats_snapshot.check({"a": 1.5})
            stats_snapshot.check({"a": 1.5})

        def test_steals(stats_snapshot):
            stats_snapshot.check({"a": 1.5}, basename="first")
        """
    )
    # Each missing golden fails its check when created: the second file of
    # test_two_files appears on the second run.
    pytester.runpytest()
    pytester.runpytest()
    names = sorted(p.name for p in (pytester.path / "test_names").iterdir())
    assert names == ["first.json", "second.json", "test_param_1_.json", "test_param_2_.json",
                     "test_twice.json"]
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines_random([
        "E * test_names/test_twice.json was already checked in this test;"
        " give each check() its own basename=",
        "E * golden file first.json is already used by test_names.py::test_two_files;"
        " pass basename= to give this check its own file",
    ])


# --- an outside project ---------------------------------------------------------------------

# A minimal PEP 517/660 build backend, so the outside project installs offline
# with nothing but pip (setuptools' editable builds would need `wheel`).
TINY_BACKEND = '''
"""Builds the tinytrial wheel (regular or editable) with the standard library only."""
import base64, hashlib, pathlib, zipfile

NAME, VERSION = "tinytrial", "0.1.0"
HERE = pathlib.Path(__file__).resolve().parent
DIST = f"{NAME}-{VERSION}.dist-info"


def _wheel(directory, files):
    files = dict(files)
    files[f"{DIST}/METADATA"] = (
        f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\nRequires-Dist: crossval\\n"
    )
    files[f"{DIST}/WHEEL"] = (
        "Wheel-Version: 1.0\\nGenerator: tiny_backend\\nRoot-Is-Purelib: true\\n"
        "Tag: py3-none-any\\n"
    )
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    files[f"{DIST}/RECORD"] = "\\n".join([*record, f"{DIST}/RECORD,,"]) + "\\n"
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(pathlib.Path(directory) / name, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {f"_{NAME}.pth": str(HERE / "src") + "\\n"})


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    src = HERE / "src"
    return _wheel(wheel_directory,
                  {p.relative_to(src).as_posix(): p.read_text() for p in src.rglob("*.py")})
'''

TINY_PYPROJECT = """
[build-system]
requires = []
build-backend = "tiny_backend"
backend-path = ["."]

[project]
name = "tinytrial"
version = "0.1.0"
dependencies = ["crossval"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "--strict-markers -p no:cacheprovider"
"""

TINY_PACKAGE = '''
"""tinytrial: a product-limit estimate written by someone else."""


def product_limit(time, event):
    """Kaplan-Meier at each distinct time: dict of crossval field names."""
    out = {"time": [], "n_risk": [], "n_event": [], "survival": []}
    s = 1.0
    for t in sorted(set(time)):
        at_risk = sum(1 for u in time if u >= t)
        deaths = sum(1 for u, e in zip(time, event) if u == t and e)
        s *= 1 - deaths / at_risk
        out["time"].append(float(t))
        out["n_risk"].append(at_risk)
        out["n_event"].append(deaths)
        out["survival"].append(s)
    return out
'''

TINY_TESTS = '''
import pytest

import crossval
from tinytrial import product_limit

TIME = [5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
EVENT = [1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1]


def test_agrees_with_crossval(crosscheck):
    comparisons = crosscheck(
        crossval.kaplan_meier(TIME, EVENT), product_limit(TIME, EVENT), function="kaplan_meier"
    )
    assert {c.quantity for c in comparisons} == {"time", "n_risk", "n_event", "survival"}


def test_disagreement_names_the_element(crosscheck):
    wrong = product_limit(TIME, EVENT)
    wrong["survival"][3] += 1e-6
    with pytest.raises(AssertionError, match=r"survival\\[3\\]"):
        crosscheck(crossval.kaplan_meier(TIME, EVENT), wrong, function="kaplan_meier")


def test_snapshot(stats_snapshot):
    stats_snapshot.check(product_limit(TIME, EVENT))


def test_plugin_came_from_the_entry_point(pytestconfig):
    plugin = pytestconfig.pluginmanager.get_plugin("crossval")
    assert plugin.__name__ == "crossval.testing.pytest_plugin"
    dists = [d for p, d in pytestconfig.pluginmanager.list_plugin_distinfo() if p is plugin]
    assert [d.project_name for d in dists] == ["crossval"]
'''


def _parent_site_packages() -> list[str]:
    """This environment's own site-packages (empty outside a virtual environment)."""
    if sys.prefix == sys.base_prefix:
        return []
    return [p for p in site.getsitepackages() if p.startswith(sys.prefix)]


def test_outside_project_gets_the_fixtures_through_the_entry_point(tmp_path: Path) -> None:
    project = tmp_path / "tinytrial"
    (project / "src" / "tinytrial").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "pyproject.toml").write_text(TINY_PYPROJECT)
    (project / "tiny_backend.py").write_text(TINY_BACKEND)
    (project / "src" / "tinytrial" / "__init__.py").write_text(TINY_PACKAGE)
    (project / "tests" / "test_tiny.py").write_text(textwrap.dedent(TINY_TESTS))

    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True, timeout=60,
    )
    python = venv / "bin" / "python"
    venv_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    # Inherit this environment's packages (crossval, pytest, pip) without copying them.
    (Path(venv_site) / "_inherit_parent.pth").write_text("".join(
        f"import site; site.addsitedir({p!r})\n" for p in _parent_site_packages()
    ))
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PIP_", "CROSSVAL_", "PYTHON"))
    }
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "-e", str(project)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run(
        [python, "-c", "import tinytrial; print(tinytrial.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True, timeout=60,
    ).stdout.strip()
    assert Path(where) == project / "src" / "tinytrial" / "__init__.py"
    assert not list(tmp_path.rglob("conftest.py"))

    def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "-m", "pytest", *args], cwd=project, env=env,
            capture_output=True, text=True, timeout=120,
        )

    first = run_pytest()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "golden file created, review it and re-run: tests/test_tiny/test_snapshot.json" in (
        first.stdout
    )
    assert "3 passed" in first.stdout
    second = run_pytest("-v")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "4 passed" in second.stdout
    plugins_line = next(ln for ln in second.stdout.splitlines() if ln.startswith("plugins:"))
    assert f"crossval-{crossval.__version__}" in plugins_line
    # Without crossval's plugin the fixtures do not exist: nothing else provided them.
    without = run_pytest("-p", "no:crossval")
    assert without.returncode == 1
    assert "fixture 'crosscheck' not found" in without.stdout
