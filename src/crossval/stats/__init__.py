"""crossval's own statistics: pure numpy/scipy, no printing, no R.

Each module holds one family of methods; results are frozen dataclasses.
"""
