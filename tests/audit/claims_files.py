"""A small claims file from a few lines of YAML, for the audit tests."""

from __future__ import annotations

import textwrap

#: Two made-up groups (100 and 50 patients) and their total, as in a 2:1 trial.
HEADER = """\
schema_version: 1
paper: {short_name: TEST, title: "made-up paper for crossval tests"}
groups:
  - {name: a, n: "100", label: "arm A"}
  - {name: b, n: "50", label: "arm B"}
  - {name: all, n: "150", label: "overall"}
claims:
"""


def claims_text(claims_yaml: str) -> str:
    """A whole claims file whose ``claims:`` list is ``claims_yaml`` (indented as list items)."""
    return HEADER + textwrap.indent(textwrap.dedent(claims_yaml).strip("\n"), "  ") + "\n"
