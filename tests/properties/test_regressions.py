"""Failing examples the properties found, kept as plain tests.

Each test names the property that found it. Bugs fixed in the statistics or
audit code are ordinary tests; a discrepancy not yet fixed is a strict xfail
with the reason, so fixing it turns the test red until the mark is removed.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from crossval import binom_ci, binom_test, cox_ph, fisher_exact
from crossval.audit import ClaimsError, parse_claims, run_audit
from crossval.cli import main
from crossval.errors import InputError

# ----------------------------------------------------------------------- Cox


def test_cox_monotone_likelihood_reaching_zero_loglik() -> None:
    # test_cox_matches_coxph: two events, the higher covariate dies first, so
    # the likelihood rises to its supremum 0; once the log-likelihood was
    # exactly 0.0 the convergence test divided by it (ZeroDivisionError).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph([9463.330200109356, 3918.9511122919653], [1, 1],
                     [0.6, 2.787635114741791], ties="efron")
    assert not fit.converged
    assert "monotone" in fit.note
    assert fit.coef[0] > 5  # heading for +inf, as R's estimate


def test_cox_monotone_likelihood_with_singular_variance() -> None:
    # test_cox_matches_coxph: one event with the smallest x1; at the stopping
    # point the variance matrix was singular in floating point and the Wald
    # test's solve raised numpy's LinAlgError instead of returning a fit.
    time = [2.0, 12.0, 9.0, 11.0, 1.0, 10.0, 3.0, 6.0, 4.0, 8.0, 7.0, 5.0]
    event = [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    x1 = [1.3565765729887085, 1.0254597520941626, 3.0, -1.175494351e-38, -2.5263857869550246,
          1.486745004141248e-120, 2.769818735347969, -5e-324, -0.09143290671668325,
          1.093183219084069, -0.4713453958208236, 1e-09]
    x2 = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph(time, event, {"x1": x1, "x2": x2})
    assert not fit.converged
    assert "'x1'" in fit.note
    assert math.isfinite(fit.wald) or math.isnan(fit.wald)


def test_cox_both_covariates_separating_one_event_is_monotone() -> None:
    # Found by fuzzing cox_ph (tests/properties/test_bad_input.py's Cox
    # designs): both covariates separate the one event. crossval once stopped
    # where two log-likelihoods within round-off of 0 agreed by chance, the
    # information had vanished there and its inverse raised numpy's
    # LinAlgError. R runs out of iterations with huge standard errors; so
    # does crossval now, and its note says why.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph([13.5, 20.0, 19.5, 10.5], [1, 0, 0, 0],
                     {"x1": [6.623416667180774e-75, 2.0421263347825596, 1.9722162398126368,
                             2.0421263347825596],
                      "x2": [1.0, 0.0, 0.0, 0.0]},
                     ties="exact")
    assert not fit.converged
    assert "'x1', 'x2'" in fit.note and "monotone" in fit.note
    assert (fit.se > 1e10).all()


def test_cox_singular_information_at_the_stopping_point_is_an_input_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the information vanishes in floating point at the stop, no
    # standard error exists: an InputError that says why, not LinAlgError.
    import dataclasses

    from crossval.stats import cox as module

    real = module._newton_raphson

    def vanished(*args: object, **kwargs: object) -> object:
        fit = real(*args, **kwargs)
        info = dataclasses.replace(fit.info, information=np.zeros_like(fit.info.information))
        return dataclasses.replace(fit, info=info)

    monkeypatch.setattr(module, "_newton_raphson", vanished)
    with pytest.raises(InputError, match="monotone in the covariates 'x1', 'x2'"):
        cox_ph([1.0, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 1],
               {"x1": [0.5, 1, 2, 0, 1, 3], "x2": [1.0, 0, 2, 2, 1, 0]})


@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
def test_cox_likelihood_creeping_to_zero_is_not_converged(ties: str) -> None:
    # test_cox_matches_coxph: in stratum 0 the one event has the larger x, in
    # stratum 1 nobody else is at risk, so the log-likelihood rises to its
    # supremum 0 as beta -> inf. The Newton decrement vanished at beta ~ 23.6
    # and crossval reported converged=True with HR 1.8e10 and no note; R's
    # relative test never holds there and it runs out of iterations.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph([1.0, 3.0, 2.0, 2.0], [1, 1, 0, 0], [2.0, 2.0, 0.0, 4.0], ties=ties,
                     strata=[0, 1, 0, 1])
    assert not fit.converged
    assert "monotone" in fit.note and "'x1'" in fit.note


def test_cox_flat_likelihood_is_flagged_where_r_stays_silent() -> None:
    # test_cox_matches_coxph (CI run): the events' risk sets differ in x1 only
    # by 1e-8 once the first event (x1 = 3, the largest at risk) is fitted, so
    # the likelihood is flat to double precision from beta ~ 7 on. R stops
    # there silently (coef 7.29, variance 4.3e7, no "Loglik converged before
    # variable" warning: its final step happened to pass the test); crossval
    # flags it. The property now accepts this only where R's information is at
    # round-off level, as it is here.
    time = [7687.168013100199, 0.95, 6033.985609271936, 1912.0293521776182,
            8689.769337444468, 5087.550549013905, 1e-10, 9.784869778830992e-177]
    event = [0, 0, 1, 1, 1, 1, 0, 0]
    x1 = [1e-08, -1.0062626982422505e-148, -0.0, 3.0, -2.7218807883463567,
          5.239919294079391e-90, 1e-08, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph(time, event, {"x1": x1}, ties="efron")
    assert not fit.converged
    assert "monotone" in fit.note and "'x1'" in fit.note
    assert fit.se[0] > 100 * abs(fit.coef[0])  # SE 5.6e3: no information left


def test_cox_covariate_in_tiny_units_is_fitted_as_r_does() -> None:
    # test_cox_matches_coxph (thorough): x1 is 0 but for one 1e-16. crossval
    # refused it as "does not vary within the risk sets" because its
    # information was compared with x2's, i.e. in x2's units; R rescales the
    # covariates and fits it (coef 9.98e15, SE 1.07e16, x2 0.4834). The check
    # now uses each covariate's own spread, and the solves are equilibrated so
    # that the units' ratio raises no ill-conditioning warning.
    time = [8.0, 10.0, 1.0, 4.0, 3.0, 11.0, 4.0, 3.0, 3.0, 4.0, 7.0, 11.0, 3.0, 9.0, 4.0,
            6.0, 1.0, 3.0, 7.0, 1.0, 11.0, 9.0, 1.0]
    event = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    x1 = [0.0] * 23
    x1[7] = 1e-16
    x2 = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0] + [0.0] * 16
    scaled = cox_ph(time, event, {"x1": [v * 1e16 for v in x1], "x2": x2}, ties="breslow")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no LinAlgWarning either
        fit = cox_ph(time, event, {"x1": x1, "x2": x2}, ties="breslow")
    # the fit is the same as in units where x1 is 0 or 1, rescaled
    assert fit.converged and scaled.converged
    assert fit.coef[0] * 1e-16 == pytest.approx(scaled.coef[0], rel=1e-9)
    assert fit.coef[1] == pytest.approx(scaled.coef[1], rel=1e-9)
    assert fit.se[0] * 1e-16 == pytest.approx(scaled.se[0], rel=1e-9)


def test_cox_likelihood_exactly_one_is_not_converged() -> None:
    # test_cox_matches_coxph (thorough): the event subject can be separated
    # from the other two, the log-likelihood reached exactly 0.0 in floating
    # point, gradient and step were 0 and the fit was reported converged at
    # beta = (-1.2, -38.0); R: "Loglik converged before variable 1,2".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph([2.0, 2.0, 3.0], [1, 0, 1], {"x1": [1.0, 0.0, 1.0], "x2": [0.0, 1.0, 1.0]},
                     ties="breslow")
    assert not fit.converged
    assert "'x2'" in fit.note


def test_cox_likelihood_one_up_to_round_off_is_not_converged() -> None:
    # test_cox_matches_coxph (thorough): the first event's subject has the
    # smallest x of its risk set and the second is alone in its own; the
    # log-likelihood reached round-off level (even +2.8e-14), R's relative
    # test then held on noise and the fit was reported converged at -35.9.
    time = [2.5852130846373032e-138, 5634.853766617237, 8350.790957916597, 1919.080872417987,
            247.68199766997964, 2.00001, 585.9081547518309, 3707.0971899139645, 1.1,
            1808.1268145610577, 1.175494351e-38, 1e-12, 2122.9961954382766,
            136.87539336207257, 7789.46255296372, 2.2250738585072014e-308, 6139.337391220047,
            4812.809292090795, 4251.709558704753, 8310.531701247233, 7889.484972870518,
            9999.999999999998, 4988.352576832932, 3939.6899626108516, 1457.5087262866052,
            2.8078418881157413e-153, 7390.480860659082]
    event = [0] * 20 + [1, 1] + [0] * 5
    x = [4.0, 0.0, 1.0, 3.0, 4.0, 1.0, 3.0, 4.0, 0.0, 0.0, 2.0, 0.0, 1.0, 3.0, 1.0, 4.0, 2.0,
         0.0, 1.0, 1.0, 0.0, 4.0, 3.0, 4.0, 0.0, 4.0, 3.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph(time, event, x)
    assert not fit.converged
    assert "'x1'" in fit.note


@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
def test_cox_covariate_constant_within_the_only_risk_set_is_refused(ties: str) -> None:
    # test_cox_matches_coxph (thorough): every event happens at t = 3, where
    # only subjects with x1 = 1 are at risk. The information is 0 in exact
    # arithmetic but 1.8e-15 after round-off, and with one covariate the
    # check relative to the largest information passed it: crossval reported
    # a converged fit with SE 2.4e7 where R runs out of iterations.
    time = [2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 1.0, 1.0, 3.0, 2.0, 3.0, 3.0]
    event = [0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1]
    with pytest.raises(InputError, match="covariate 'x1' does not vary within the risk sets"):
        cox_ph(time, event, [float(e) for e in event], ties=ties)


def test_cox_covariate_never_at_risk_is_refused_with_or_without_strata() -> None:
    # test_cox_matches_coxph (thorough): x1 is nonzero only for a subject
    # censored before the first event, so it is 0 in every risk set. crossval
    # refuses it either way; R reports NA without strata but, with strata,
    # coefficient 0 and a variance of 8e17 (its Cholesky tolerance is relative).
    time = [6167.712846956482, 5906.129621893416, 7905.191540651839, 4591.78053348361,
            5675.904055596174, 4351.258133884365, 1469.4139433646394, 0.95, 1740.1052682817178,
            8335.948772956368]
    event = [0, 0, 1, 0, 1, 1, 1, 0, 0, 1]
    x = [0.0] * 7 + [0.95, 0.0, 0.0]
    for strata in (None, [0, 1] * 5):
        with pytest.raises(InputError, match="does not vary within the risk sets"):
            cox_ph(time, event, x, ties="exact", strata=strata)


# ------------------------------------------------------------------ binomial


@pytest.mark.parametrize(("x", "n", "p", "alternative"), [
    (37, 1999, 1 / 3, "less"),
    (1962, 1999, 2 / 3, "greater"),
])
def test_binom_test_tiny_tail_is_not_flushed_to_zero(
    x: int, n: int, p: float, alternative: str
) -> None:
    # test_binomial_matches_binom_test_and_prop_test (thorough profile) found
    # scipy.stats.binom's tails flushing this to 0; a tail this short is now
    # summed from its largest term (crossval/stats/binom_dist.py).
    # R: binom.test(37, 1999, 1/3, alternative = "less")$p.value
    r_value = 5.222622907055364e-285
    ours = binom_test(x, n, p, alternative=alternative).p_value
    assert abs(ours - r_value) <= 1e-9 * r_value  # pytest.approx's abs=1e-12 would pass 0


# -------------------------------------------------------------------- Fisher


def test_fisher_p_value_below_the_float_range_is_zero_without_warnings() -> None:
    # test_fisher_on_large_tables_returns_or_refuses_fast (thorough profile)
    # met numpy's "divide by zero encountered in log": every counted arc of a
    # node was more than 1e308 times less probable than the node's largest,
    # so its prefix sum was 0. Such sums now add nothing, without a warning.
    # R: fisher.test(matrix(c(3, 0, 4, 3, 1, 167, 1140, 0, 0, 556, 3, 4),
    #                       nrow = 3, byrow = TRUE), workspace = 2e8)$p.value
    r_value = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = fisher_exact([[3, 0, 4, 3], [1, 167, 1140, 0], [0, 556, 3, 4]]).p_value
    assert ours == r_value


# --------------------------------------------------------------------- audit

_BIG_TABLE = [[200, 195, 190, 210, 205], [180, 205, 200, 190, 225], [210, 200, 205, 195, 190],
              [190, 210, 195, 200, 205], [205, 190, 210, 205, 190]]  # arms x levels, n = 1000


def _big_table_paper(test: str) -> str:
    arms = "abcde"
    levels = "".join(
        f"      - level: L{j}\n        cells:\n" + "".join(
            f'          {arm}: "{row[j]} ({row[j] / 10:.1f})"\n'
            for arm, row in zip(arms, _BIG_TABLE, strict=True))
        for j in range(5))
    groups = "".join(f'  - {{name: {arm}, n: "1000", label: {arm} arm}}\n' for arm in arms)
    return f"""schema_version: 1
paper: {{short_name: GEN, title: generated}}
groups:
{groups}claims:
  - id: t1
    type: categorical
    location: {{section: Table 1, table: Table 1, row: Stage}}
    characteristic: Stage
    levels:
{levels}  - id: t1-p
    type: p-value
    location: {{section: Table 1, table: Table 1, row: Stage}}
    p: "P = 0.823"
    test: {test}
    table_from: t1
"""


def _fisher_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    import crossval.audit.pvalues as pvalues

    def refuse(table: object, **_: object) -> object:
        raise InputError("table of shape (5, 5) needs more than the limit of partial tables")

    monkeypatch.setattr(pvalues, "fisher_exact", refuse)


def test_audit_survives_a_table_too_large_for_exact_fisher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # test_generated_summary_passes: a three-arm Table 1 (e.g. 3 x 3 with
    # 347 patients) made the audit compute Fisher's r x c test as an
    # alternative; its documented size limit raised and the whole audit
    # stopped, although the stated test was chi-square.
    _fisher_refuses(monkeypatch)
    result = run_audit(parse_claims(_big_table_paper("chi-square")))
    finding = {f.id: f for f in result.findings}["t1-p"]
    assert finding.status == "pass", finding.message
    assert "fisher" not in finding.details["p_values"]


def test_audit_stated_fisher_beyond_the_limit_is_unverifiable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fisher_refuses(monkeypatch)
    result = run_audit(parse_claims(_big_table_paper("fisher")))
    finding = {f.id: f for f in result.findings}["t1-p"]
    assert finding.status == "unverifiable"
    assert "Fisher's exact test" in finding.message
    assert "fisher_exact(table, max_work=...)" in finding.message


def test_audit_of_a_large_table_returns_findings() -> None:
    # the same table for real: whatever Fisher's limit, the audit answers
    result = run_audit(parse_claims(_big_table_paper("chi-square")))
    assert {f.id for f in result.findings} == {"t1", "t1-p"}
    assert all(np.isfinite(p) for p in result.findings[1].details["p_values"].values())


_MEDIAN_CLAIM = """schema_version: 1
paper: {short_name: x, title: y}
groups: [{name: a, n: "10"}]
claims:
  - id: m
    type: TYPE
    location: {section: Results}
    estimate: "3"
    ci: ["1", "5"]
    group: GROUP
"""


@pytest.mark.parametrize(("type_", "group", "field"), [
    ("[]", "a", "type"),            # test_loader_names_the_field_of_a_mutated_claim (thorough)
    ("{x: 1}", "a", "type"),
    ("median-ci", "[1, 2]", "group"),
    ("median-ci", "{a: 1}", "group"),
])
def test_loader_unhashable_values_are_claims_errors(type_: str, group: str, field: str) -> None:
    # a list or mapping where a name belongs raised "TypeError: unhashable type"
    with pytest.raises(ClaimsError, match=f"field '{field}'"):
        parse_claims(_MEDIAN_CLAIM.replace("TYPE", type_).replace("GROUP", group))


@pytest.mark.parametrize("n", [1.8446744073709552e19, 1e300, 2.0**53])
def test_binomial_counts_beyond_exact_floats_are_refused(n: float) -> None:
    # test_public_api_rejects_a_bad_argument_by_name (thorough): binom_test
    # raised numpy's "loop of ufunc does not support argument 0 of type int"
    # and binom_ci(7, 1e300) returned a nan interval
    with pytest.raises(InputError, match=r"\bn\b"):
        binom_test(7, n)
    with pytest.raises(InputError, match=r"\bn\b"):
        binom_ci(7, n)


# ------------------------------------------------------------- command line


@pytest.mark.parametrize("content", [b"{}", b'{"cases": [', b'{"cases": [{"id": 1}]}',
                                     b"", b"\xff\xfe"])
def test_cli_validate_bad_reference_exits_2(tmp_path: Path, content: bytes) -> None:
    # test_cli_exits_cleanly_on_any_arguments, before it learnt to avoid these
    reference = tmp_path / "reference.json"
    reference.write_bytes(content)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", "--no-r", "--reference", str(reference),
                     "--json", str(tmp_path / "out.json")])
    assert code == 2
    assert "reference" in err.getvalue()


@pytest.mark.parametrize("target", ["a-directory", "missing-folder/out.json"])
def test_cli_validate_unwritable_json_exits_2(tmp_path: Path, target: str) -> None:
    (tmp_path / "a-directory").mkdir()
    reference = tmp_path / "reference.json"
    reference.write_text('{"cases": []}', encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", "--no-r", "--reference", str(reference),
                     "--json", str(tmp_path / target)])
    assert code == 2
