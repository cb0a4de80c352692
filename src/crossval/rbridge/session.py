"""One embedded R session, started on first use.

Data always reaches R as R vectors built by rpy2's conversion, never pasted
into R source text: the only R code crossval evaluates is the fixed text in
this package, so no dataset, claims file or column name can run R code.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crossval.errors import RError, RUnavailableError
from crossval.rbridge import INSTALL_HINT

# Calls an R function on a named argument list, keeping warnings and turning an
# R error into data instead of an exception in R's C stack.
_CALL_WITH_HANDLERS = """
function(f, args) {
  warnings <- character()
  value <- withCallingHandlers(
    tryCatch(do.call(f, args),
             error = function(e) structure(list(message = conditionMessage(e)),
                                           class = "crossval_r_error")),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(value = value, warnings = warnings,
       failed = inherits(value, "crossval_r_error"))
}
"""


@dataclass(frozen=True)
class RCallResult:
    """What an R call returned, with the warnings R raised on the way."""

    value: Any
    warnings: tuple[str, ...]


class RSession:
    """The embedded R with ``survival`` attached; get it from :func:`r_session`."""

    def __init__(self) -> None:
        try:
            import rpy2.rinterface_lib.callbacks as callbacks
            import rpy2.robjects as ro
            from rpy2.robjects.packages import importr
        except Exception as exc:  # ImportError, or rpy2 failing to find libR
            raise RUnavailableError(f"rpy2 cannot load R ({exc}); {INSTALL_HINT}") from None
        # R's console chatter would otherwise reach the user's terminal.
        callbacks.consolewrite_warnerror = lambda _s: None
        callbacks.consolewrite_print = lambda _s: None
        self.ro = ro
        try:
            self.survival = importr("survival")
        except Exception as exc:
            raise RUnavailableError(
                f"R's survival package cannot be loaded ({exc}); {INSTALL_HINT}"
            ) from None
        # Attached, not only loaded: survival finds `strata()` in a formula by name.
        ro.r("suppressPackageStartupMessages(library(survival))")
        self.stats = importr("stats")
        self.base = importr("base")
        self._call = ro.r(_CALL_WITH_HANDLERS)
        self.r_version = str(ro.r("R.version.string")[0])
        self.survival_version = str(ro.r('as.character(packageVersion("survival"))')[0])

    def call(self, function: Any, /, **kwargs: Any) -> RCallResult:
        """Call an R function with named arguments (R names, e.g. ``conf.type``).

        An R error becomes :class:`crossval.errors.RError` with R's message; R's
        warnings are kept on the result.
        """
        args = self.ro.vectors.ListVector(kwargs) if kwargs else self.ro.vectors.ListVector({})
        out = self._call(function, args)
        warnings = tuple(str(w) for w in out.rx2("warnings"))
        if bool(out.rx2("failed")[0]):
            raise RError(f"R error: {out.rx2('value').rx2('message')[0]}")
        return RCallResult(out.rx2("value"), warnings)

    def data_frame(self, columns: Mapping[str, Any]) -> Any:
        """An R data.frame from named numeric or string columns (names are not code)."""
        import numpy as np

        ro = self.ro
        cols: dict[str, Any] = {}
        for name, values in columns.items():
            arr = np.asarray(values)
            if arr.dtype.kind in "biuf":
                cols[name] = ro.FloatVector(arr.astype(float).tolist())
            else:
                cols[name] = ro.StrVector([str(v) for v in arr.tolist()])
        return ro.DataFrame(cols)


@functools.lru_cache(maxsize=1)
def r_session() -> RSession:
    """The process's R session (started once; raises RUnavailableError without R)."""
    return RSession()


def r_unavailable_reason() -> str | None:
    """``None`` when R with survival loads, else why not and how to install it."""
    try:
        r_session()
    except RUnavailableError as exc:
        return str(exc)
    return None
