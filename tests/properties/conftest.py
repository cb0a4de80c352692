"""Hypothesis profiles for the property tests.

``default`` is hypothesis's own default (100 examples as the unit); each
property asks for a share of it through ``proptools.budget`` so that the whole
directory, live R included, runs in well under a minute on two cores.
``thorough`` (``pytest tests/properties --hypothesis-profile=thorough``)
multiplies every budget by twenty and lifts the time limits; see
docs/property-testing.md.

The profiles are registered here, so pytest must load this file before it
configures hypothesis: name this directory on the command line (as above);
``pytest --hypothesis-profile=thorough`` alone does not reach it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
