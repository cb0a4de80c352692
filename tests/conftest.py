"""crossval's own tests need no conftest set-up.

The ``r`` marker, its skip-or-fail rule under ``CROSSVAL_REQUIRE_R=1`` and the
``r``, ``crosscheck`` and ``stats_snapshot`` fixtures come from crossval's
pytest plugin (``crossval.testing.pytest_plugin``), loaded through its
``pytest11`` entry point exactly as in a user's project.
"""
