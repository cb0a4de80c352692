"""The R oracle: data reaches R as vectors, R errors and warnings are kept."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from crossval.errors import RError

if TYPE_CHECKING:
    from crossval.rbridge.session import RSession

# `r` is the plugin's live R session fixture: it skips when rpy2 cannot load R
# (fails under CROSSVAL_REQUIRE_R=1).
pytestmark = pytest.mark.r


def test_versions_are_recorded(r: RSession) -> None:
    assert r.r_version.startswith("R version ")
    major = int(r.survival_version.split(".")[0])
    assert major >= 3


def test_hostile_column_names_and_values_are_inert(r: RSession, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f'x"); file.create("{marker}"); ("'
    df = r.data_frame({evil: [1.0, 2.0], "label": [f'"); file.create("{marker}")', "b"]})
    names = list(r.base.names(df))
    # R keeps the name as a string (check.names may not rewrite a name that is
    # never parsed); what matters is that nothing was evaluated.
    assert evil in names
    assert list(df.rx2("label")) == [f'"); file.create("{marker}")', "b"]
    assert not marker.exists()


def test_r_error_becomes_crossval_error_with_r_message(r: RSession) -> None:
    with pytest.raises(RError, match="'n' must be a positive integer"):
        r.call(r.stats.binom_test, x=5, n=2)


def test_r_warnings_are_kept_on_the_result() -> None:
    from crossval.rbridge.oracle import r_chi2_test

    out = r_chi2_test([[1, 2], [3, 1]])
    assert any("Chi-squared approximation may be incorrect" in w for w in out.warnings)
    assert out.versions["R"].startswith("R version")


def test_km_matches_hand_computation_through_r() -> None:
    from crossval.rbridge.oracle import r_kaplan_meier

    # Product-limit by hand: 4 subjects, deaths at 1 and 3, censored at 2 and 4.
    # S(1) = 3/4; at 2 a censoring (no drop); S(3) = 3/4 * (1 - 1/2) = 3/8.
    out = r_kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0])
    np.testing.assert_allclose(out["survival"], [0.75, 0.75, 0.375, 0.375], rtol=1e-15)
    np.testing.assert_array_equal(out["n_risk"], [4, 3, 2, 1])
