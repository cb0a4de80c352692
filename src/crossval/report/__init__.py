"""Reports: turn the data crossval returns into text, JSON, Markdown or HTML.

Nothing here prints; ``crossval.cli`` writes the strings these functions return.
The audit renderers are imported on first use, so importing one report module
(say, the validation report) does not load the audit package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossval._lazy import lazy_exports

_EXPORTS = {
    "FORMATS": "crossval.report.audit_report",
    "render": "crossval.report.audit_report",
    "summary_line": "crossval.report._shared",
}

__all__ = ["FORMATS", "render", "summary_line"]

if TYPE_CHECKING:
    from crossval.report._shared import summary_line
    from crossval.report.audit_report import FORMATS, render


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), __all__)
