"""Claim patterns in running text, one made-up passage per form.

Every made-up paper declares a drug A group of 80 and a placebo group of 40
(120 overall); see madeup_papers.py.
"""

from __future__ import annotations

from typing import Any

from madeup_papers import audit, claims

CP = "Response rates are given with exact Clopper-Pearson 95% confidence intervals."


def only(found: list[dict[str, Any]], ctype: str) -> list[dict[str, Any]]:
    return [c for c in found if c["type"] == ctype]


def fields(claim: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(claim.get(n) for n in names)


# --- counts and percentages ------------------------------------------------------------------

def test_counts_with_group_named_after_them() -> None:
    found = only(claims("Grade 3 events occurred in 16 patients (34.0%) in the placebo group "
                        "and 20 patients (25.0%) in the drug A group."), "count")
    assert [fields(c, "count", "percent", "denominator", "confidence") for c in found] == [
        ("16", "34.0", "placebo", "high"), ("20", "25.0", "drug-a", "high")]
    # The snippet is the printed text the figure came from.
    assert "16 patients (34.0%) in the placebo group" in found[0]["source_text"]


def test_a_count_with_an_impossible_percentage_is_read_and_fails() -> None:
    # "90 (112.5%)" of a group of 80: a share over 100% with its count is read (and the
    # audit fails it: 90 exceeds 80); a bare "150%" stays unread (often a change).
    text = ("90 patients (112.5%) in the drug A group responded. Costs rose by 150% in the "
            "placebo group.")
    found = only(claims(text), "count")
    assert [fields(c, "count", "percent", "denominator") for c in found] == [
        ("90", "112.5", "drug-a")]
    (finding,) = [f for f in audit(text).findings if f.check == "count-percentage"]
    assert finding.status == "fail" and "exceeds its denominator" in finding.message


def test_group_named_before_the_figures() -> None:
    found = only(claims("In the placebo group, 6 (15.0%) patients had nausea."), "count")
    assert [fields(c, "count", "denominator") for c in found] == [("6", "placebo")]


def test_respectively() -> None:
    found = only(claims("Nausea occurred in 20 (25.0%) and 6 (15.0%) patients in the drug A "
                        "and placebo groups, respectively."), "count")
    assert [fields(c, "count", "denominator") for c in found] == [("20", "drug-a"),
                                                                  ("6", "placebo")]


def test_word_numbers_and_the_overall_population() -> None:
    found = only(claims("Forty-four (36.7%) patients had brain metastases."), "count")
    # No group named: the share is taken to be of everyone enrolled (120), a guess (a safety
    # population may be smaller), so low confidence.
    assert [fields(c, "count", "percent", "denominator", "confidence") for c in found] == [
        ("44", "36.7", "overall", "low")]


def test_explicit_denominators() -> None:
    text = ("Of those screened, osimertinib was used in 76.0% [114/150], 344 (59.0%) of 583 "
            "patients progressed, 7/100 (7.0%) responded and 10% of 200 patients stopped early.")
    found = only(claims(intro=text), "count")
    assert [fields(c, "count", "percent", "denominator") for c in found] == [
        ("114", "76.0", "150"), ("344", "59.0", "583"), ("7", "7.0", "100"),
        (None, "10", "200")]


def test_of_them_and_coordinated_shares() -> None:
    text = ("In the cohort, 44 of 126 patients progressed and 20.5% of them had "
            "oligoprogression and 54.5% had systemic progression (Lee et al., 2022).")
    found = only(claims(intro=text), "count")
    # "of them" is the 44 who progressed; "54.5% had" shares that population.
    assert [fields(c, "count", "percent", "denominator") for c in found] == [
        ("44", None, "126"), (None, "20.5", "44"), (None, "54.5", "44")]


def test_population_counted_earlier_in_the_sentence() -> None:
    text = "A study of 148 patients showed that 77% experienced progression (Lee et al., 2024)."
    (found,) = only(claims(intro=text), "count")
    assert fields(found, "percent", "denominator", "confidence") == ("77", "148", "medium")


def test_percentages_written_out_and_own_patients() -> None:
    text = "Seventy-five percent of our patients received drug A at full dose."
    (found,) = only(claims(discussion=text), "count")
    # 90/120 = 75%.
    assert fields(found, "percent", "denominator") == ("75", "overall")


def test_share_restated_in_one_sentence() -> None:
    text = ("In that study, 344 (59.0%) of 583 patients had disease progression and 54.5% "
            "patients who received drug B developed progressive disease (Lee et al., 2024).")
    found = claims(intro=text)
    (count,) = only(found, "count")
    (restated,) = only(found, "restatement")
    # One outcome (progression) in one population, printed as 59.0% and as 54.5%.
    assert fields(restated, "of", "percent") == (count["id"], "54.5")
    result = {f.id: f for f in audit(intro=text).findings}
    assert result[restated["id"]].status == "fail"
    assert result[count["id"]].status == "pass"  # 344/583 = 59.005%


def test_two_counts_of_different_outcomes_are_not_a_restatement() -> None:
    text = ("Ninety (75.0%) patients had exon 19 deletions and 30 (25.0%) harbored L858R "
            "mutations.")
    assert only(claims(text), "restatement") == []


# --- proportions with confidence intervals --------------------------------------------------

def test_proportion_with_ci_and_stated_method() -> None:
    text = "The objective response rate was 25·0% (95% CI 16·0 to 35·9) in the drug A group."
    (found,) = only(claims(text, methods=CP), "proportion-ci")
    # 25.0% of 80 can only be 20/80; the count is implied, so the reading is medium.
    assert fields(found, "count", "percent", "denominator", "ci", "method",
                  "method_stated_at", "confidence") == (
        "20", "25.0", "drug-a", ["16.0", "35.9"], "clopper-pearson", "Methods 2.1", "medium")
    (finding,) = [f for f in audit(text, methods=CP).findings if f.check == "ci-method"]
    # Clopper-Pearson for 20/80: 16.0%–35.9% (Beta quantiles 0.1597 and 0.3593).
    assert finding.status == "pass"


def test_proportion_with_printed_count() -> None:
    text = "In the drug A group, 20/80 (25.0%; 95% CI 16.0%–35.9%) patients responded."
    (found,) = only(claims(text, methods=CP), "proportion-ci")
    # The printed denominator is kept as printed (it is also drug A's 80).
    assert fields(found, "count", "denominator", "confidence") == ("20", "80", "high")


def test_response_categories_give_the_count() -> None:
    text = ("No patients in either group had a complete response. Twelve patients in the drug "
            "A group showed a partial response and 30 patients in the drug A group had stable "
            "disease. The ORR was 15.0% (95% CI 8.0%–24.7%) and the disease control rate was "
            "52.5% (95% CI 41.0%–63.8%) in the drug A group.")
    found = only(claims(text, methods=CP), "proportion-ci")
    # ORR = CR + PR = 0 + 12; DCR = CR + PR + SD = 0 + 12 + 30 = 42 = 52.5% of 80.
    assert [fields(c, "count_parts", "percent") for c in found] == [
        (["0", "12"], "15.0"), (["0", "12", "30"], "52.5")]


def test_no_stated_method_is_a_low_confidence_guess() -> None:
    text = "The objective response rate was 25.0% (95% CI 16.8%–35.6%) in the drug A group."
    (found,) = only(claims(text), "proportion-ci")
    assert fields(found, "method", "confidence") == ("clopper-pearson", "low")
    (finding,) = [f for f in audit(text).findings if f.check == "ci-method"]
    # 16.8%–35.6% is the Wilson interval for 20/80, not Clopper-Pearson's 16.0%–35.9%; the
    # method was assumed, so the mismatch is a warning, not a failure.
    assert finding.status == "warn"


# --- medians, hazard ratios, reductions, differences ----------------------------------------

MEDIANS = ("The median PFS was 8.1 months (95% CI, 6.0–10.2) in the drug A group versus 5.0 "
           "months (95% confidence interval: 4.1 to 6.3) in the placebo group (hazard ratio "
           "[HR] = 0.62, 95% CI 0.41–0.93; log-rank test, P = 0.021).")


def test_medians_and_hazard_ratio() -> None:
    found = claims(MEDIANS)
    medians = only(found, "median-ci")
    assert [fields(c, "estimate", "ci", "group", "endpoint") for c in medians] == [
        ("8.1", ["6.0", "10.2"], "drug-a", "PFS"), ("5.0", ["4.1", "6.3"], "placebo", "PFS")]
    (hr,) = only(found, "hazard-ratio")
    assert fields(hr, "hr", "ci", "p", "endpoint") == ("0.62", ["0.41", "0.93"], "P = 0.021",
                                                       "PFS")


def test_restatements_in_abstract_and_discussion() -> None:
    abstract = ("Median progression-free survival was 8.1 months (95% CI 6.0–10.2) with drug A "
                "versus 5.0 months (95% CI 4.1–6.3) with placebo (HR 0.62, 95% CI 0.41–0.93).")
    discussion = "The median PFS of 8.3 months in our drug A group compares well."
    found = claims(MEDIANS, abstract=abstract, discussion=discussion)
    restated = only(found, "restatement")
    assert [(c["section"] if "section" in c else c["location"]["section"],
             fields(c, "estimate", "hr")) for c in restated] == [
        ("Abstract", ("8.1", None)), ("Abstract", ("5.0", None)), ("Abstract", (None, "0.62")),
        ("Discussion", ("8.3", None))]
    result = {f.id: f.status for f in audit(MEDIANS, abstract=abstract,
                                            discussion=discussion).findings}
    # 8.3 cannot be a printing of 8.1.
    assert result[restated[-1]["id"]] == "fail"
    assert [result[c["id"]] for c in restated[:3]] == ["pass", "pass", "pass"]


def test_reduction_and_difference() -> None:
    text = MEDIANS[:-1] + ", a 38% reduction in the risk of progression."
    discussion = "Drug A extended median PFS by 3.5 months compared with placebo."
    found = claims(text, discussion=discussion)
    (reduction,) = only(found, "hr-reduction")
    (hr,) = only(found, "hazard-ratio")
    assert reduction["hr_from"] == hr["id"] and reduction["percent"] == "38"
    (difference,) = only(found, "difference")
    medians = {c["group"]: c["id"] for c in only(found, "median-ci")}
    assert fields(difference, "value", "minuend_from", "subtrahend_from") == (
        "3.5", medians["drug-a"], medians["placebo"])
    status = {f.id: f.status for f in audit(text, discussion=discussion).findings}
    # 1 − 0.62 = 38%; 8.1 − 5.0 = 3.1, at most 8.15 − 4.95 = 3.2 over rounding: not 3.5.
    assert status[reduction["id"]] == "pass"
    assert status[difference["id"]] == "fail"


def test_difference_with_its_pair_printed() -> None:
    text = ("Drug B extended the median PFS by 3 months over placebo (6.7 vs. 3.6 months, "
            "P < 0.001) (Xiang et al., 2024).")
    (difference,) = only(claims(intro=text), "difference")
    assert fields(difference, "value", "minuend", "subtrahend") == ("3", "6.7", "3.6")


# --- events, group sizes, power, response, table statements --------------------------------

def test_event_counts_respectively() -> None:
    text = ("A total of 60 and 35 PFS events occurred in the drug A group and the placebo "
            "group, respectively.")
    (events,) = only(claims(text), "event-counts")
    assert events["events"] == {"drug-a": "60", "placebo": "35"}


def test_group_sizes_in_text() -> None:
    (sizes,) = only(claims(), "group-sizes")
    assert fields(sizes, "total", "parts") == ("120", {"drug-a": "80", "placebo": "40"})


def test_power_statement() -> None:
    methods = ("A sample size of 120 would provide 80% power with a two-sided α of 0.05, "
               "assuming a median PFS of 8.0 months and 5.0 months for the drug A group (80 "
               "patients) and the placebo group (40 patients), respectively.")
    (power,) = only(claims(methods=methods), "power")
    assert fields(power, "power", "alpha", "sided", "medians", "sizes") == (
        "80", "0.05", "two", {"drug-a": "8.0", "placebo": "5.0"},
        {"drug-a": "80", "placebo": "40"})
    # The assumed medians are not results: no median claim comes from this sentence.
    assert only(claims(methods=methods), "restatement") == []


def test_most_frequent_rows_against_the_table() -> None:
    table = "\n".join([
        "TABLE 2 | Adverse events.\t\tDrug A (n = 80)\tPlacebo (n = 40)",
        "\tTerm\tAny grade\tGrade 3 or worse\tAny grade\tGrade 3 or worse",
        "\tNausea\t24 (30.0)\t4 (5.0)\t4 (10.0)\t0",
        "\tRash\t16 (20.0)\t8 (10.0)\t8 (20.0)\t1 (2.5)",
        "",
    ])
    text = ("The most frequent grade 3 or worse events were nausea (5.0%) in the drug A group "
            "and rash (2.5%) in the placebo group (Table 2).")
    found = only(claims(text, tables=table), "top-rows")
    assert [fields(c, "group", "column", "terms", "percents") for c in found] == [
        ("drug-a", "grade3", ["Nausea"], ["5.0"]), ("placebo", "grade3", ["Rash"], ["2.5"])]
    status = {f.id: f.status for f in audit(text, tables=table).findings}
    # Rash grade >= 3 in drug A is 8 > nausea's 4: nausea is not the most frequent.
    assert status[found[0]["id"]] == "fail"
    assert status[found[1]["id"]] == "pass"


def test_overall_median_between_group_medians() -> None:
    table = "\n".join([
        "TABLE 1 | Baseline.\tCharacteristic\tDrug A (n = 80)\tPlacebo (n = 40)",
        "\tAge, median (IQR), years\t61 (55–66)\t63 (57–69)",
        "",
    ])
    (pooled,) = only(claims("The median age was 65 years.", tables=table), "pooled-median")
    assert fields(pooled, "value", "group_medians") == ("65", {"drug-a": "61", "placebo": "63"})


# --- which group a figure belongs to --------------------------------------------------------

TABLE_PLUS = "\n".join([
    "TABLE 1 | Baseline.\tCharacteristic\tDrug A plus chemotherapy (n = 80)\t"
    "Placebo plus chemotherapy (n = 40)",
    "\tMen\t40 (50.0)\t20 (50.0)",
    "",
])


def test_group_named_by_a_word_of_its_label() -> None:
    text = "Nausea occurred in 6 (15.0%) patients in the placebo-combination group."
    (found,) = [c for c in only(claims(text, tables=TABLE_PLUS), "count")
                if c["location"]["section"] == "Results 3.1"]
    # "placebo" is the word only the placebo label has.
    assert fields(found, "count", "denominator") == ("6", "placebo")


def test_a_group_the_paper_does_not_declare_gets_no_denominator() -> None:
    text = "In the control arm, 12 (5.8%) patients died."
    # "the control arm" matches neither label: the 5.8% is left out rather than put against
    # a group (or everyone) it may not belong to.
    assert [c for c in only(claims(text, tables=TABLE_PLUS), "count")
            if c["location"]["section"] == "Results 3.1"] == []


def test_of_the_n_before_the_figure() -> None:
    text = "Of the 40 responders, 12 (30.0%) had a durable response."
    (found,) = only(claims(text), "count")
    assert fields(found, "count", "denominator") == ("12", "40")


def test_share_of_a_subset_is_left_out() -> None:
    text = "Among patients with brain metastases, 6 (30.0%) responded."
    assert only(claims(text), "count") == []


def test_unlabelled_interval_after_a_labelled_one() -> None:
    text = ("Median overall survival was 22·0 months (95% CI 19·1–25·2) in the drug A group "
            "and 10·7 months (8·7–13·6) in the placebo group (HR 0·56 [95% CI 0·45–0·70]; "
            "p<0·0001).")
    found = claims(text)
    assert [fields(c, "estimate", "ci", "group") for c in only(found, "median-ci")] == [
        ("22.0", ["19.1", "25.2"], "drug-a"), ("10.7", ["8.7", "13.6"], "placebo")]
    (hr,) = only(found, "hazard-ratio")
    assert fields(hr, "hr", "ci", "p", "endpoint") == ("0.56", ["0.45", "0.70"], "P < 0.0001",
                                                       "OS")


def test_follow_up_time_is_not_an_endpoint_median() -> None:
    text = "The median follow-up was 10.5 months (95% CI 9.1–11.8) in the drug A group."
    assert only(claims(text), "median-ci") == []


def test_safety_population_printed_in_a_table_header() -> None:
    tables = "\n".join([
        TABLE_PLUS,
        "TABLE 2 | Adverse events.\t\tDrug A plus chemotherapy (n = 78)\t"
        "Placebo plus chemotherapy (n = 40)",
        "\tTerm\tAny grade\tGrade ≥3\tAny grade\tGrade ≥3",
        "\tAnemia\t39 (50.0)\t6 (7.7)\t10 (25.0)\t2 (5.0)",
        "",
    ])
    text = ("Adverse events of grade 3 or higher occurred in 12 patients (15.4%) in the drug A "
            "plus chemotherapy group. Men were 40 (50.0%) of the drug A plus chemotherapy "
            "group.")
    found = [c for c in only(claims(text, tables=tables), "count")
             if c["location"]["section"] == "Results 3.1"]
    by_percent = {c["percent"]: c for c in found}
    # 12/78 = 15.4%: the adverse-event figure is read against the safety population (78) the
    # adverse-event table prints; 40/80 = 50.0% against the randomised 80, with low
    # confidence because the group has two sizes.
    assert fields(by_percent["15.4"], "denominator", "confidence") == ("drug-a-n78", "medium")
    assert fields(by_percent["50.0"], "denominator", "confidence") == ("drug-a", "low")
    assert {f.status for f in audit(text, tables=tables).findings} == {"pass"}
