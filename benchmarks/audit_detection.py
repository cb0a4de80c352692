"""How often `crossval audit` catches a planted error, and how often it cries wolf.

Generates papers with ``crossval.testing.strategies`` (figures printed as
papers print them, computed with scipy rather than crossval), audits each one
as generated and again with one planted error, and prints:

- the false-fail rate: generated (consistent) papers with any failing
  finding, and failing findings among all their claims;
- the detection rate: planted errors whose claims all fail, overall and per
  kind; the explanation rate: detected errors whose message gives the
  explanation the audit owes (e.g. "the denominator of ... was used");
- collateral: planted errors that changed the verdict on another claim.

Usage::

    python benchmarks/audit_detection.py --papers 200 [--seed 1] [--max-n 300] [--json out.json]

Papers are drawn from a seeded ``random.Random``, uniformly over the space of
``random_trial_spec`` (two- or three-arm trials of 5..max-n patients per arm),
so the rates estimate typical behaviour rather than hypothesis's boundary
cases. Exit status 0, or 1 when the false-fail rate is not 0 or a planted
error goes undetected.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from typing import Any

from crossval.audit import parse_claims, run_audit
from crossval.audit.findings import AuditResult
from crossval.testing.strategies import (
    PERTURBATIONS,
    Perturbation,
    TrialSummary,
    build_summary,
    perturb,
    random_trial_spec,
)


def _audit(text: str) -> AuditResult:
    return run_audit(parse_claims(text, path="generated.yaml"))


def _plant(summary: TrialSummary, rng: random.Random) -> Perturbation | None:
    """One error of a kind chosen at random among those this paper can carry."""
    kinds = list(PERTURBATIONS)
    rng.shuffle(kinds)
    for kind in kinds:
        planted = perturb(summary, kind, rng.randrange(1000))
        if planted is not None:
            return planted
    return None


def run(papers: int, seed: int, max_n: int) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.perf_counter()
    claims_total = claims_failed = papers_failed = 0
    statuses: Counter[str] = Counter()
    planted_by_kind: Counter[str] = Counter()
    detected_by_kind: Counter[str] = Counter()
    explained_by_kind: Counter[str] = Counter()
    collateral = 0
    unplantable = 0
    examples: list[str] = []
    for _ in range(papers):
        summary = build_summary(random_trial_spec(rng, max_n=max_n))
        before = {f.id: f for f in _audit(summary.to_yaml()).findings}
        claims_total += len(before)
        failed = [f for f in before.values() if f.status == "fail"]
        statuses.update(f.status for f in before.values())
        claims_failed += len(failed)
        papers_failed += bool(failed)
        if failed and len(examples) < 5:
            examples.append(f"false fail {failed[0].id}: {failed[0].message}")
        planted = _plant(summary, rng)
        if planted is None:
            unplantable += 1
            continue
        after = {f.id: f for f in _audit(planted.to_yaml()).findings}
        planted_by_kind[planted.kind] += 1
        if all(after[t].status == "fail" for t in planted.targets):
            detected_by_kind[planted.kind] += 1
            if all(any(p in after[t].message for p in planted.expect[t])
                   for t in planted.targets):
                explained_by_kind[planted.kind] += 1
            elif len(examples) < 5:
                examples.append(f"unexplained {planted.description}: "
                                f"{after[planted.targets[0]].message}")
        elif len(examples) < 5:
            examples.append(f"missed {planted.description}")
        if any(after[c].status != before[c].status for c in after if c not in planted.targets):
            collateral += 1
    planted_total = sum(planted_by_kind.values())
    return {
        "papers": papers,
        "seed": seed,
        "max_n": max_n,
        "seconds": round(time.perf_counter() - started, 1),
        "claims": claims_total,
        "clean_statuses": dict(statuses),
        "false_fail_papers": papers_failed,
        "false_fail_rate": papers_failed / papers if papers else 0.0,
        "false_fail_claims": claims_failed,
        "false_fail_claim_rate": claims_failed / claims_total if claims_total else 0.0,
        "planted": planted_total,
        "unplantable": unplantable,
        "detected": sum(detected_by_kind.values()),
        "detection_rate": sum(detected_by_kind.values()) / planted_total if planted_total else 0.0,
        "explained": sum(explained_by_kind.values()),
        "explanation_rate": (sum(explained_by_kind.values()) / planted_total
                             if planted_total else 0.0),
        "collateral": collateral,
        "by_kind": {k: {"planted": planted_by_kind[k], "detected": detected_by_kind[k],
                        "explained": explained_by_kind[k]} for k in PERTURBATIONS},
        "examples": examples,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"crossval audit detection benchmark: {r['papers']} generated papers "
        f"(seed {r['seed']}, arms of 5-{r['max_n']}), {r['seconds']} s",
        f"false-fail rate: {r['false_fail_rate']:.1%} of papers "
        f"({r['false_fail_papers']}/{r['papers']}); {r['false_fail_claims']}/{r['claims']} claims "
        f"({r['false_fail_claim_rate']:.2%})",
        "  clean findings: " + ", ".join(f"{k} {v}" for k, v in sorted(
            r["clean_statuses"].items())),
        f"detection rate: {r['detection_rate']:.1%} ({r['detected']}/{r['planted']} planted "
        f"errors failed); explained: {r['explanation_rate']:.1%} ({r['explained']}/"
        f"{r['planted']})",
        f"collateral verdict changes: {r['collateral']}; papers where no error could be "
        f"planted: {r['unplantable']}",
        "  kind                 planted  detected  explained",
    ]
    for kind, c in r["by_kind"].items():
        lines.append(f"  {kind:<20} {c['planted']:>7}  {c['detected']:>8}  {c['explained']:>9}")
    lines.extend(f"  e.g. {e}" for e in r["examples"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100, help="papers to generate (100)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--max-n", type=int, default=300, help="largest arm (300)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    if args.papers < 1 or args.max_n < 5:
        parser.error("--papers must be >= 1 and --max-n >= 5")
    result = run(args.papers, args.seed, args.max_n)
    print(report(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    ok = result["false_fail_papers"] == 0 and result["detected"] == result["planted"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
