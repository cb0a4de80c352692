"""Build small made-up papers in the plain-text layout crossval extract reads."""

from __future__ import annotations

from crossval.audit import AuditResult, parse_claims, run_audit
from crossval.extract import Extraction, extract_text, to_yaml

#: Two made-up groups, 80 and 40 patients, declared the way a results section would.
GROUPS = ("A total of 120 patients were enrolled, including 80 in the drug A group and 40 in "
          "the placebo group.")


def paper(results: str = "", *, abstract: str = "", intro: str = "", methods: str = "",
          discussion: str = "", tables: str = "") -> str:
    """A paper with an abstract, numbered sections, the two groups and the given text."""
    parts = ["Abstract", "Results", abstract or "A made-up trial.",
             "1 INTRODUCTION", intro or "Background only.",
             "2 METHODS", "2.1 Statistical analysis", methods or "Methods only.",
             "3 RESULTS", "3.1 Patients", GROUPS, results]
    if tables:
        parts.append(tables)
    parts += ["4 DISCUSSION", discussion or "Discussion only."]
    return "\n".join(p for p in parts if p) + "\n"


def extract(results: str = "", **kwargs: str) -> Extraction:
    """The extraction of a made-up paper."""
    return extract_text(paper(results, **kwargs), source="made-up.txt")


def claims(results: str = "", **kwargs: str) -> list[dict[str, object]]:
    """The extracted claims as claims-file mappings."""
    return [d.as_claim() for d in extract(results, **kwargs).drafts]


def audit(results: str = "", **kwargs: str) -> AuditResult:
    """Extract a made-up paper and audit the claims."""
    extraction = extract(results, **kwargs)
    return run_audit(parse_claims(to_yaml(extraction), path="made-up.yaml"))
