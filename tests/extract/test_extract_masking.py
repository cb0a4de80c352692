"""Numbers that are not reported results are never read as claims."""

from __future__ import annotations

import re

import pytest
from madeup_papers import claims

from crossval.extract.masking import FILLER, mask


def _digits_left(text: str) -> list[str]:
    return re.findall(r"\d+", mask(text))


@pytest.mark.parametrize("text", [
    "Data cutoff was 20 November 2024.",
    "Patients were enrolled between January 2020 and December 2023.",
    "The database was locked on November 20, 2024.",
    "as reported before (Bray et al., 2024)",
    "as reported before (Soria et al., 2015; Park et al., 2016)",
    "in line with Hetta et al., 2025c",
    "Anlotinib (8, 10 or 12 mg) was given",
    "a dose of 10 mg/kg",
    "graded with CTCAE version 5.0 (NCI CTCAE 5)",
    "assessed per RECIST, version 1.1",
    "analysed with SAS 9.4",
    "approved by the ethics committee (2024YS-252)",
    "registered as NCT01234567",
    "patients aged 18–75 years",
    "patients between 18 and 75 years of age",
    "for ≥6 cycles with ≤5 sites",
    "on days 1–14 of each 3-week cycle",
    "see Table 2 and Figure 1a",
    "EGFR T790M and ex21L858R mutations and PFS2",
])
def test_non_result_numbers_are_masked(text: str) -> None:
    assert _digits_left(text) == []


def test_masking_keeps_length_and_results() -> None:
    text = "In 2022, 16 patients (34.0%) had an event (Lee et al., 2021); P < 0.05."
    masked = mask(text)
    assert len(masked) == len(text)
    # The year after "In" and the citation go; the count, percentage and p stay.
    assert FILLER in masked
    assert re.findall(r"\d+(?:\.\d+)?", masked) == ["16", "34.0", "0.05"]


def test_a_year_that_counts_patients_is_kept() -> None:
    assert _digits_left("In 2022 patients, the rate was 10%") == ["2022", "10"]


def _prose_claims(**text: str) -> list[dict[str, object]]:
    """Claims other than the group sizes every made-up paper declares."""
    return [c for c in claims(**text) if c["type"] != "group-sizes"]


def test_methods_full_of_numbers_give_no_claims() -> None:
    methods = (
        "Patients aged 18–75 years (between 18 and 75 years of age) with an ECOG score of 0–1 "
        "received drug A (8, 10 or 12 mg) on days 1–14 of each 3-week cycle for ≥6 cycles. "
        "Adverse events were graded with CTCAE version 5.0 (NCI CTCAE 5). The ethics committee "
        "approved the protocol (2024YS-252). Data cutoff was 20 November 2024. Analyses used "
        "SAS 9.4."
    )
    assert _prose_claims(methods=methods) == []


def test_citations_and_years_give_no_claims() -> None:
    intro = ("Lung cancer caused 1.8 million deaths in 2020 (Bray et al., 2024). Incidence rose "
             "by 12% (Smith and Jones, 2019), and 85%–90% of cases are non-small cell "
             "(Gazdar, 2009); approximately 60% carry a driver (Hanna et al., 2020).")
    assert _prose_claims(intro=intro) == []


def test_bare_percentages_of_uncounted_populations_give_no_claims() -> None:
    # "of new cancer cases": a population the text never counts; a range; "less than".
    intro = ("It accounts for 21.98% of new cancer cases. Less than 30% of the patients "
             "received it.")
    assert _prose_claims(intro=intro) == []
