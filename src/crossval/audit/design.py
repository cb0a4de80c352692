"""Statements that cannot be recomputed exactly from what is printed, recomputed as far as they can.

* Power: Schoenfeld (1981), events D = (z_α + z_β)² / (p(1 − p)·log²HR) for a
  log-rank test with allocation fraction p; HR from the ratio of medians under
  exponential survival (hazard = ln 2 / median).  Whether a sample yields those
  events depends on accrual and follow-up, which papers rarely print, so the
  finding is information, never a fail.
* A t-test reported with medians and IQRs: means and SDs are approximated by
  Wan, Wang, Liu & Tong (2014), mean ≈ (q1 + m + q3)/3 and
  SD ≈ (q3 − q1) / (2·Φ⁻¹((0.75n − 0.125)/(n + 0.25))), and the Welch and
  Student p they imply are shown; the printed p stays unverifiable.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import special

from crossval.audit.claims import SIDES, Claim
from crossval.audit.context import AuditContext
from crossval.audit.findings import Finding
from crossval.audit.rounding import parse_figure, parse_p
from crossval.errors import InputError
from crossval.stats._validate import check_option


def schoenfeld_events(hr: float, alpha: float, power: float, allocation: float,
                      *, sided: str = "one") -> float:
    """Events needed for a log-rank test (Schoenfeld 1981)."""
    check_option("sided", sided, SIDES)
    z_alpha = special.ndtri(1 - alpha if sided == "one" else 1 - alpha / 2)
    z_beta = special.ndtri(power)
    return float((z_alpha + z_beta) ** 2 / (allocation * (1 - allocation) * math.log(hr) ** 2))


def schoenfeld_power(hr: float, alpha: float, events: float, allocation: float,
                     *, sided: str = "one") -> float:
    """Power of a log-rank test with a given number of events (Schoenfeld 1981)."""
    check_option("sided", sided, SIDES)
    z_alpha = special.ndtri(1 - alpha if sided == "one" else 1 - alpha / 2)
    drift = math.sqrt(events * allocation * (1 - allocation)) * abs(math.log(hr))
    return float(special.ndtr(drift - z_alpha))


def check_power(claim: Claim, ctx: AuditContext) -> Finding:
    """A sample-size statement recomputed with Schoenfeld's formula (information only)."""
    power = parse_figure(claim.get("power"), field="power")
    alpha = parse_figure(claim.get("alpha"), field="alpha")
    sided: str = claim.get("sided")
    medians = {g: parse_figure(v) for g, v in claim.get("medians").items()}
    sizes = {g: int(parse_figure(v).value) for g, v in claim.get("sizes").items()}
    groups = list(medians)
    if len(groups) != 2 or set(groups) != set(sizes):
        raise InputError("a power claim needs medians and sizes for the same two groups")
    m1, m2 = (float(medians[g].value) for g in groups)
    if min(m1, m2) <= 0 or m1 == m2:
        raise InputError(f"medians must be positive and differ to imply a hazard ratio; got "
                         f"{medians[groups[0]].text} and {medians[groups[1]].text}")
    if not (0 < power.value < 100) or not (0 < alpha.value < 1):
        raise InputError(f"power must lie in (0, 100) and alpha in (0, 1); got {power.text}% "
                         f"and {alpha.text}")
    hr = m2 / m1  # exponential survival: hazard ratio is the inverse ratio of medians
    total = sum(sizes.values())
    allocation = sizes[groups[0]] / total
    target = float(power.value) / 100.0
    a = float(alpha.value)
    events_needed = schoenfeld_events(hr, a, target, allocation, sided=sided)
    power_all = schoenfeld_power(hr, a, total, allocation, sided=sided)
    details: dict[str, Any] = {
        "hazard_ratio": hr, "allocation": allocation, "events_needed": events_needed,
        "power_if_every_patient_has_an_event": power_all, "alpha": a, "sided": sided,
    }
    sentences = [
        f"HR = {medians[groups[1]].text}/{medians[groups[0]].text} = {hr:.3f} (exponential "
        f"survival); with {sizes[groups[0]]}:{sizes[groups[1]]} allocation and {sided}-sided "
        f"α = {alpha.text}, {power.text}% power needs {math.ceil(events_needed)} events "
        f"(Schoenfeld 1981)",
        f"if all {total} patients had an event the power would be {power_all:.0%}",
    ]
    if claim.get("events_from"):
        source = ctx.claim(claim.get("events_from"))
        observed = sum(int(parse_figure(v).value) for v in source.get("events").values())
        observed += sum(int(parse_figure(v).value)
                        for v in (source.get("deaths") or {}).values())
        power_obs = schoenfeld_power(hr, a, observed, allocation, sided=sided)
        details["observed_events"] = observed
        details["power_at_observed_events"] = power_obs
        sentences.append(f"at the {observed} events observed it is {power_obs:.0%}")
    status = "unverifiable"
    tail = ("accrual and follow-up assumptions are not printed, so the events the design "
            "expected cannot be checked")
    if events_needed > total:
        status = "warn"
        tail = (f"even an event for every one of the {total} patients falls short of the "
                f"{math.ceil(events_needed)} events needed")
    return ctx.finding(
        claim, check="power", status=status,
        reported=[f"{power.text}%", alpha.text, *(m.text for m in medians.values()),
                  *claim.get("sizes").values()],
        expected=f"{math.ceil(events_needed)} events for {power.text}% power",
        message="; ".join(sentences) + f"; {tail}.",
        details=details)


def wan_mean_sd(median: float, q1: float, q3: float, n: int) -> tuple[float, float]:
    """Mean and SD from median and IQR (Wan et al. 2014, scenario S3; n >= 2)."""
    if n < 2:
        raise InputError(f"the Wan et al. (2014) approximation needs n >= 2; got n = {n}")
    mean = (q1 + median + q3) / 3.0
    eta = 2.0 * special.ndtri((0.75 * n - 0.125) / (n + 0.25))
    return mean, (q3 - q1) / eta


def t_test_from_stats(
    m1: float, s1: float, n1: int, m2: float, s2: float, n2: int, *, equal_var: bool
) -> float:
    """Two-sided two-sample t-test p from means, SDs and sizes (R ``t.test`` on summaries).

    ``equal_var=False`` is Welch's test with the Welch-Satterthwaite df (Welch
    1947); ``True`` is Student's pooled-variance test.
    """
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    if equal_var:
        df = n1 + n2 - 2.0
        pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / df
        se = math.sqrt(pooled * (1.0 / n1 + 1.0 / n2))
    else:
        df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
        se = math.sqrt(v1 + v2)
    t = (m1 - m2) / se
    return float(2.0 * special.stdtr(df, -abs(t)))


def check_summary_test(claim: Claim, ctx: AuditContext) -> Finding:
    """A t-test printed with medians and IQRs: approximated, never verified (Wan et al. 2014)."""
    rp = parse_p(claim.get("p"))
    summaries = claim.get("summaries")
    approx: dict[str, tuple[float, float, int]] = {}
    reported = [rp.text]
    for group, s in summaries.items():
        n = ctx.claims.groups[group].n
        med, q1, q3 = (float(parse_figure(s[k]).value) for k in ("median", "q1", "q3"))
        reported.append(f"{s['median']} ({s['q1']}–{s['q3']})")
        mean, sd = wan_mean_sd(med, q1, q3, n)
        approx[group] = (mean, sd, n)
    if len(approx) != 2:
        raise InputError("a summary-test claim compares exactly two groups")
    (m1, s1, n1), (m2, s2, n2) = approx.values()
    if s1 <= 0 or s2 <= 0:
        return ctx.finding(
            claim, check="t-test-from-summary", status="unverifiable", reported=reported,
            expected=None,
            message=("A t-test needs means and SDs, which are not printed, and an IQR of zero "
                     "admits no SD approximation."),
            details={"method": "Wan et al. 2014"})
    p_welch = t_test_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    p_student = t_test_from_stats(m1, s1, n1, m2, s2, n2, equal_var=True)
    details: dict[str, Any] = {
        "approximate_mean_sd": {g: {"mean": m, "sd": s, "n": n} for g, (m, s, n) in
                                approx.items()},
        "welch_p": p_welch, "student_p": p_student, "method": "Wan et al. 2014",
    }
    shown = "; ".join(f"{ctx.claims.groups[g].label}: mean ≈ {m:.2f}, SD ≈ {s:.2f}"
                      for g, (m, s, _) in approx.items())
    agree = rp.contains(p_welch) or rp.contains(p_student)
    verdict = ("which agrees with" if agree else "which does not support")
    return ctx.finding(
        claim, check="t-test-from-summary", status="unverifiable", reported=reported,
        expected=f"≈ {p_welch:.3f} (Welch, approximate)",
        message=(f"A t-test needs means and SDs, which are not printed. Approximating them from "
                 f"median and IQR (Wan et al. 2014: {shown}) gives Welch p ≈ {p_welch:.3f} and "
                 f"Student p ≈ {p_student:.3f}, {verdict} {rp.text}; the exact p needs the "
                 "group means and SDs (or the data)."),
        details=details)
