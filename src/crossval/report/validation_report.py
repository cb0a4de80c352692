"""Formatting of ``crossval validate`` results (text table and JSON report)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from typing import Any

from crossval.compare.validate import ValidationRun
from crossval.report._table import text_table


def _fmt_rel(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    return f"{x:.1e}"


def validation_rows(run: ValidationRun) -> list[dict[str, Any]]:
    """One row per method × dataset × quantity × engine: the worst difference over cases."""
    acc: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for chk in run.checks:
        if chk.error is not None:
            key = (chk.function, chk.dataset, "(error)", chk.against)
            acc[key] = {"worst": math.inf, "passed": False, "tol": "-", "note": chk.error}
            counts[key] += 1
            continue
        for c in chk.comparisons:
            key = (chk.function, chk.dataset, c.quantity, chk.against)
            row = acc.setdefault(key, {"worst": 0.0, "passed": True, "tol": "", "note": ""})
            counts[key] += 1
            row["worst"] = max(row["worst"], c.worst_rel_diff)
            row["passed"] = row["passed"] and c.passed
            t = c.tolerance
            row["tol"] = (
                "info" if t.informational else "exact" if t.exact
                else f"R-scale {t.uniroot_abs:.0e}" if t.uniroot_abs is not None
                else f"{t.rel:.0e}" + (f", abs {t.abs:.0e}" if t.abs else "")
                + (f" x {t.abs_per}" if t.abs and t.abs_per else "")
            )
            if t.convention and not row["note"]:
                row["note"] = f"convention: {t.convention}"
            if not c.passed and c.detail:
                row["note"] = f"{chk.case_id}: {c.detail}"
    return [
        {
            "function": k[0], "dataset": k[1], "quantity": k[2], "against": k[3],
            "cases": counts[k], "worst_rel_diff": v["worst"], "tolerance": v["tol"],
            "passed": v["passed"], "note": v["note"],
        }
        for k, v in sorted(acc.items())
    ]


def worst_per_method(
    run: ValidationRun,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str, str], float]]:
    """Worst relative difference per (method, engine), split by whether a convention applied.

    Informational quantities (e.g. iteration counts) are left out of both.
    """
    strict: dict[tuple[str, str], float] = {}
    by_convention: dict[tuple[str, str, str], float] = {}
    for chk in run.checks:
        for c in chk.comparisons:
            t = c.tolerance
            if t.convention:
                key3 = (chk.function, chk.against, t.convention)
                by_convention[key3] = max(by_convention.get(key3, 0.0), c.worst_rel_diff)
            elif not t.informational:
                key = (chk.function, chk.against)
                strict[key] = max(strict.get(key, 0.0), c.worst_rel_diff)
    return strict, by_convention


def render_text(run: ValidationRun, *, only_failures: bool = False) -> str:
    """A table method × dataset × quantity with the worst relative difference."""
    rows = validation_rows(run)
    header = ("method", "dataset", "quantity", "vs", "cases", "worst rel diff", "tol", "")
    shown = [r for r in rows if not (only_failures and r["passed"])]
    table = [header] + [
        (r["function"], r["dataset"], r["quantity"], r["against"], str(r["cases"]),
         _fmt_rel(r["worst_rel_diff"]), r["tolerance"], "ok" if r["passed"] else "FAIL")
        for r in shown
    ]
    lines = text_table(table, rule=False)
    for r in shown:
        if r["note"] and not r["passed"]:
            lines.append(f"  ! {r['function']}/{r['dataset']}/{r['quantity']}: {r['note']}")
    lines.append("")
    lines.append("worst relative difference per method (quantities held to the promised")
    lines.append("tolerance; values compared under a named convention listed after):")
    strict, by_convention = worst_per_method(run)
    for (fn, against), worst in sorted(strict.items()):
        lines.append(f"  {fn:<14} vs {against:<18} {_fmt_rel(worst)}")
    for (fn, against, convention), worst in sorted(by_convention.items()):
        lines.append(f"  {fn:<14} vs {against:<18} {_fmt_rel(worst)}  convention: {convention}")
    n_cases = len({c.case_id for c in run.checks})
    n_fail = sum(not c.passed for c in run.checks)
    lines.append("")
    lines.append(f"live R: {'yes' if run.live_r else 'no'} ({run.live_r_reason})")
    lines.append(
        f"{n_cases} reference cases, {len(run.checks)} comparisons: "
        f"{len(run.checks) - n_fail} passed, {n_fail} failed"
    )
    return "\n".join(lines)


def render_json(run: ValidationRun) -> str:
    """The machine-readable validation report, with every version involved."""

    def num(x: float) -> float | str:
        return x if math.isfinite(x) else ("inf" if x > 0 else "nan")

    doc = {
        "passed": run.passed,
        "versions": dict(run.versions),
        "live_r": run.live_r,
        "live_r_reason": run.live_r_reason,
        "summary": [
            {**r, "worst_rel_diff": num(r["worst_rel_diff"])} for r in validation_rows(run)
        ],
        "cases": [
            {
                "id": c.case_id, "function": c.function, "dataset": c.dataset,
                "against": c.against, "passed": c.passed, "error": c.error,
                "quantities": [
                    {"quantity": q.quantity, "worst_rel_diff": num(q.worst_rel_diff),
                     "passed": q.passed, "convention": q.tolerance.convention,
                     "detail": q.detail}
                    for q in c.comparisons
                ],
            }
            for c in run.checks
        ],
    }
    return json.dumps(doc, indent=2)
