"""The summary-statistics t-test the audit uses for Table 1's age comparison."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from scipy import stats

from crossval.audit.design import t_test_from_stats


def test_hand_derived_student_t() -> None:
    # Means 10 and 12, SDs 2 and 2, n = 5 each: pooled variance 4, SE = 2 * sqrt(2/5)
    # = 1.2649, t = -1.5811 on 8 df; two-sided p = 2 * P(T8 <= -1.5811) ~ 0.1525.
    p = t_test_from_stats(10.0, 2.0, 5, 12.0, 2.0, 5, equal_var=True)
    t = -2.0 / (2.0 * math.sqrt(2.0 / 5.0))
    assert p == pytest.approx(2 * stats.t.cdf(t, 8), rel=1e-13)
    assert p == pytest.approx(0.1525, abs=1e-4)


@pytest.mark.parametrize("equal_var", [False, True])
@pytest.mark.parametrize(
    "summary",
    [(58.67, 8.27, 100, 60.33, 11.45, 50), (1.0, 0.1, 3, 1.5, 3.0, 40), (0.0, 1.0, 2, 0.0, 1.0, 2)],
)
def test_equals_scipy_ttest_ind_from_stats(summary: tuple[float, ...], equal_var: bool) -> None:
    m1, s1, n1, m2, s2, n2 = summary
    ours = t_test_from_stats(m1, s1, int(n1), m2, s2, int(n2), equal_var=equal_var)
    ref = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=equal_var).pvalue
    assert ours == pytest.approx(ref, rel=1e-12)


def test_audit_does_not_import_scipy_stats() -> None:
    # scipy.stats costs about a second at start-up; the audit of the bundled
    # paper must not need it (its cold-start budget is 2 s).
    code = (
        "import sys\n"
        "from crossval.audit import audit_file\n"
        "from crossval.report.audit_report import render\n"
        "render(audit_file(None), format='json')\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
