"""Confidence levels, the minimum-confidence filter, and provenance in findings."""

from __future__ import annotations

import pytest
from madeup_papers import audit, extract, paper

from crossval.audit import parse_claims, run_audit
from crossval.errors import InputError
from crossval.extract import extract_text

MEDIANS = ("The median PFS was 8.1 months (95% CI, 6.0–10.2) in the drug A group versus 5.0 "
           "months (95% CI, 4.1–6.3) in the placebo group.")
# The legend names neither endpoint nor group precisely: a medium-confidence restatement.
LEGEND = "[image: Curves: the median survival was 8.1 months for the drug A group.]"


def test_levels_follow_how_the_reading_was_made() -> None:
    drafts = extract(MEDIANS + "\n" + LEGEND).drafts
    levels = {d.type: d.confidence for d in drafts}
    assert levels["median-ci"] == "high"      # estimate, CI, group and endpoint together
    assert levels["restatement"] == "medium"  # "median survival": matched by its estimate


def test_minimum_confidence_drops_readings_and_what_refers_to_them() -> None:
    text = paper(MEDIANS + "\n" + LEGEND)
    every = extract_text(text)
    high = extract_text(text, min_confidence="high")
    assert {d.type for d in every.drafts} - {d.type for d in high.drafts} == {"restatement"}
    assert all(d.confidence == "high" for d in high.drafts)


def test_minimum_confidence_is_checked() -> None:
    with pytest.raises(InputError, match="min_confidence"):
        extract_text(paper(MEDIANS), min_confidence="certain")


def test_curated_claims_keep_their_provenance() -> None:
    result = run_audit(parse_claims("""\
schema_version: 1
paper: {short_name: T, title: made-up}
groups: [{name: a, n: "80"}]
claims:
  - {id: c, type: count, location: {section: Results}, count: "20", percent: "25.0",
     denominator: a}
""", path="t.yaml"))
    assert result.findings[0].details["provenance"] == "curated"


def test_a_failed_low_confidence_claim_is_a_warning() -> None:
    # No CI method is stated, so Clopper-Pearson is assumed (low confidence): the Wilson
    # bounds 16.8%–35.6% for 20/80 do not match it, which is reported as a warning.
    text = "The objective response rate was 25.0% (95% CI 16.8%–35.6%) in the drug A group."
    (finding,) = [f for f in audit(text).findings if f.check == "ci-method"]
    assert (finding.status, finding.details["confidence"]) == ("warn", "low")


def test_a_failed_high_confidence_claim_fails() -> None:
    text = "Nausea occurred in 16 patients (34.0%) in the placebo group."
    (finding,) = [f for f in audit(text).findings if f.check == "count-percentage"]
    # 16/40 = 40.0%.
    assert (finding.status, finding.details["confidence"]) == ("fail", "high")
