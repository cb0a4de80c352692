"""Testing helpers for crossval's users: a pytest plugin and, later, hypothesis strategies."""
