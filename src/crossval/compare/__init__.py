"""Field-by-field comparison of results from two engines, with per-quantity tolerances."""
