"""R as a live oracle, through rpy2.

This package is the only place in crossval that imports rpy2, and it does so
lazily: importing ``crossval`` or ``crossval.rbridge`` never starts R.
"""

INSTALL_HINT = (
    "install R with `apt-get update && apt-get install -y r-base-core r-cran-survival` "
    "and rpy2 with `pip install 'crossval[r]'` (rpy2 3.5.17: 3.6.x does not load "
    "against Debian 12's R 4.2)"
)
