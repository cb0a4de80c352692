"""Bad input is quoted in errors as the user wrote it, not as numpy's scalar types.

Under numpy 2, ``repr(np.float64(1.5))`` is ``np.float64(1.5)``: an error
that quoted the element that way would name numpy's type where the user
passed a plain list. Each case below reads a value out of an array before
quoting it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import crossval
from crossval.errors import InputError

CASES: list[tuple[str, Callable[[], object], str]] = [
    ("km time inf", lambda: crossval.kaplan_meier([1, 2, np.inf], [1, 0, 1]), "element 2 is inf"),
    ("km time < 0", lambda: crossval.kaplan_meier([1, 2, -3], [1, 0, 1]), "element 2 is -3"),
    ("km event 2", lambda: crossval.kaplan_meier([1, 2, 3], [1, 0, 2]), "element 2 is 2"),
    (
        "binom n < 0",
        lambda: crossval.binom_ci(np.array([1, 2]), np.array([3, -4])),
        "got -4 at position 1",
    ),
    ("binom x 2.5", lambda: crossval.binom_test(np.float64(2.5), 10), "got 2.5"),
    (
        "cox covariate nan",
        lambda: crossval.cox_ph([1, 2, 3, 4], [1, 1, 0, 1], covariates={"x": [1, np.nan, 2, 3]}),
        "element 1 is nan",
    ),
    (
        "conf_level 1.5",
        lambda: crossval.binom_ci(1, 10, conf_level=np.float64(1.5)),
        "got 1.5",
    ),
    ("fisher cell -1", lambda: crossval.fisher_exact([[1, 2], [3, -1]]), "table[1][1] is -1"),
    ("fisher cell 1.5", lambda: crossval.fisher_exact([[1, 2], [3, 1.5]]), "table[1][1] is 1.5"),
    (
        "cox weight 0",
        lambda: crossval.cox_ph([1, 2, 3, 4], [1, 1, 0, 1], covariates={"x": [1, 0, 2, 3]},
                                weights=[1, 0, 1, 1]),
        "element 1 is 0",
    ),
]


@pytest.mark.parametrize(("what", "call", "quoted"), CASES, ids=[c[0] for c in CASES])
def test_errors_quote_plain_values(what: str, call: Callable[[], object], quoted: str) -> None:
    with pytest.raises(InputError) as err:
        call()
    message = str(err.value)
    assert quoted in message, message
    assert "np." not in message, message
