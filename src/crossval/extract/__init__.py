"""Read a paper's reported figures from its plain text into a claims file (docs/extract.md).

``extract_file`` / ``extract_text`` return an :class:`Extraction`; ``to_yaml``
writes it in the claims-file format of ``crossval audit``; ``audit_paper``
extracts and audits in one step; ``recall`` compares an extraction with a
hand-curated claims file.
"""

from crossval.extract.build import (
    Extraction,
    audit_paper,
    claims_file,
    extract_file,
    extract_text,
    to_yaml,
)
from crossval.extract.compare import Recall, TypeRecall, recall

__all__ = [
    "Extraction",
    "Recall",
    "TypeRecall",
    "audit_paper",
    "claims_file",
    "extract_file",
    "extract_text",
    "recall",
    "to_yaml",
]
