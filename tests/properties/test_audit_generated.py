"""The audit on generated papers: consistent ones pass, a planted error fails exactly there.

Papers come from ``crossval.testing.strategies.trial_summaries``: arms with
responders (count and percentage, and a proportion with a CI by the stated
method), a Table 1 with p-values, a hazard ratio with CI and p, all printed as
papers print them and computed with scipy, not with crossval. Each planted
error (``PERTURBATIONS``) must make exactly its claims fail, with the
explanation the audit owes, and leave every other finding as it was.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from proptools import budget

from crossval.audit import parse_claims, run_audit
from crossval.audit.findings import AuditResult
from crossval.testing.strategies import (
    Perturbation,
    TrialSummary,
    perturbed_summaries,
    trial_summaries,
)

# Three-arm tables make the audit try Fisher's exact r x c test, which takes
# a second or more for a few hundred patients: the default profile keeps
# three-arm trials small, the thorough one draws arms of up to 600.
THOROUGH = budget(100) > 100
papers = (trial_summaries() if THOROUGH else
          st.one_of(trial_summaries(max_n=150, max_arms=2), trial_summaries(max_n=40)))
planted_errors = (perturbed_summaries() if THOROUGH else
                  st.one_of(perturbed_summaries(max_n=150, max_arms=2),
                            perturbed_summaries(max_n=40)))


def props(n: int) -> settings:
    return settings(max_examples=budget(n), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def audit(text: str) -> AuditResult:
    return run_audit(parse_claims(text, path="generated.yaml"))


@props(25)
@given(papers)
def test_generated_summary_passes(summary: TrialSummary) -> None:
    text = summary.to_yaml()
    result = audit(text)
    assert len(result.findings) == len(summary.document["claims"])
    for finding in result.findings:
        event(f"{finding.check}: {finding.status}")
        assert finding.status != "fail", f"{finding.id}: {finding.message}\n{text}"
        if finding.status == "warn":
            # the only warning a faithful paper earns: an HR's p recomputed from
            # the rounded HR and CI lands beyond the printed p's rounding
            assert finding.check == "hr-ci" and "edge of the rounding" in finding.message, (
                f"{finding.id}: {finding.message}\n{text}")


@props(40)
@given(planted_errors)
def test_planted_error_fails_exactly_that_figure(planted: Perturbation) -> None:
    event(planted.kind)
    before = {f.id: f for f in audit(planted.summary.to_yaml()).findings}
    after = {f.id: f for f in audit(planted.to_yaml()).findings}
    context = f"{planted.description}\n{planted.to_yaml()}"
    for cid in planted.targets:
        finding = after[cid]
        assert finding.status == "fail", f"not detected: {finding.message}\n{context}"
        assert any(phrase in finding.message for phrase in planted.expect[cid]), (
            f"wrong explanation (want one of {planted.expect[cid]}): {finding.message}\n"
            f"{context}")
        if cid in planted.reproduced_by:
            assert planted.reproduced_by[cid] in finding.details["reproduced_by"], context
    for cid, finding in after.items():
        if cid not in planted.targets:
            assert finding.status == before[cid].status, (
                f"{cid} changed from {before[cid].status} to {finding.status}: "
                f"{finding.message}\n{context}")
