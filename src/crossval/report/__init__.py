"""Reports: turn the data crossval returns into text, JSON, Markdown or HTML.

Nothing here prints; ``crossval.cli`` writes the strings these functions return.
The audit renderers are imported on first use, so importing one report module
(say, the validation report) does not load the audit package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "FORMATS": "crossval.report.audit_report",
    "render": "crossval.report.audit_report",
    "summary_line": "crossval.report._shared",
}

__all__ = ["FORMATS", "render", "summary_line"]

if TYPE_CHECKING:
    from crossval.report._shared import summary_line
    from crossval.report.audit_report import FORMATS, render


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crossval.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
