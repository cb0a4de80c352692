"""Test-suite set-up: hypothesis profiles.

The ``r`` marker, its skip-or-fail rule under ``CROSSVAL_REQUIRE_R=1`` and the
``r``, ``crosscheck`` and ``stats_snapshot`` fixtures come from crossval's
pytest plugin (``crossval.testing.pytest_plugin``), loaded through its
``pytest11`` entry point exactly as in a user's project.

The hypothesis profiles live here, in the conftest pytest loads before it
configures hypothesis, so ``pytest --hypothesis-profile=thorough`` works from
the repository root. ``default`` is hypothesis's own default (100 examples as
the unit; each property takes a share through ``tests/properties/proptools``)
with derandomize=True, so that the README's test command and CI draw the same
examples on every run and machine: a red CI is a real finding that reproduces,
never a new random draw. ``thorough`` multiplies every budget by twenty, lifts
the time limits and draws at random, to explore (docs/property-testing.md).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100, derandomize=True)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
