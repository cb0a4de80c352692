"""The property tests' hypothesis profiles are registered in ``tests/conftest.py``."""
