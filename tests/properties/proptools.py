"""Helpers shared by the property tests: example budgets, R batches, comparisons.

R is reached only through ``crossval.rbridge.session.r_session()``. Every R
function below is fixed text that loops over a list of cases; the cases
travel as R vectors built by rpy2, never as R source text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import settings

from crossval.rbridge.session import RSession


def budget(n: int) -> int:
    """``n`` examples under the default profile, scaled with the active profile.

    The ``thorough`` profile (conftest.py) raises ``max_examples`` twentyfold
    over hypothesis's default of 100, and every property here follows it.
    """
    return max(1, round(n * settings.default.max_examples / 100))


# ----------------------------------------------------------------- R batches

# Each function takes a list of cases and returns a list of results; an R
# error in one case becomes list(error = message) for that case only, and the
# case's warnings are returned with it.
_EACH = """
crossval_each <- function(cases, body) lapply(cases, function(cs) {
  warnings <- character()
  out <- withCallingHandlers(
    tryCatch(body(cs), error = function(e) list(error = conditionMessage(e))),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  out$warnings <- warnings
  out
})
"""

R_KAPLAN_MEIER = _EACH + """
function(cases) crossval_each(cases, function(cs) {
  d <- data.frame(t = cs$time, e = cs$event)
  fit <- survival::survfit(survival::Surv(t, e) ~ 1, data = d, conf.type = cs$conf_type,
                           conf.int = cs$conf_level)
  none <- cs$conf_type == "none"
  q <- quantile(fit, probs = 0.5, conf.int = !none)
  list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
       survival = fit$surv, std_err = fit$std.err * fit$surv,
       lower = if (none) rep(NA_real_, length(fit$time)) else fit$lower,
       upper = if (none) rep(NA_real_, length(fit$time)) else fit$upper,
       median = if (none) unname(q)[1] else unname(q$quantile)[1],
       median_ci = if (none) c(NA_real_, NA_real_) else c(unname(q$lower)[1], unname(q$upper)[1]))
})
"""

R_LOGRANK = _EACH + """
function(cases) crossval_each(cases, function(cs) {
  d <- data.frame(t = cs$time, e = cs$event, g = factor(cs$group, levels = sort(unique(cs$group))))
  if (is.null(cs$strata)) {
    fit <- survival::survdiff(survival::Surv(t, e) ~ g, data = d, rho = cs$rho)
  } else {
    d$s <- cs$strata
    fit <- survival::survdiff(survival::Surv(t, e) ~ g + strata(s), data = d, rho = cs$rho)
  }
  obs <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  exp <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  df <- sum(exp > 0) - 1
  list(statistic = fit$chisq, df = df,
       p_value = pchisq(fit$chisq, df, lower.tail = FALSE),
       n = as.numeric(fit$n), observed = obs, expected = exp, variance = as.numeric(fit$var))
})
"""

R_COX = _EACH + """
function(cases) crossval_each(cases, function(cs) {
  d <- data.frame(t = cs$time, e = cs$event)
  d$X <- matrix(cs$x, nrow = length(cs$time))
  ctrl <- survival::coxph.control(eps = 1e-12, iter.max = 100)
  if (is.null(cs$strata)) {
    fit <- survival::coxph(survival::Surv(t, e) ~ X, data = d, ties = cs$ties, control = ctrl)
  } else {
    d$s <- cs$strata
    fit <- survival::coxph(survival::Surv(t, e) ~ X + strata(s), data = d, ties = cs$ties,
                           control = ctrl)
  }
  list(coef = unname(coef(fit)), var = as.numeric(fit$var), loglik = fit$loglik,
       score = fit$score, wald = unname(fit$wald.test), iter = fit$iter)
})
"""

R_BINOM = _EACH + """
function(cases) crossval_each(cases, function(cs) {
  cp <- binom.test(cs$x, cs$n, conf.level = cs$level)$conf.int
  w <- suppressWarnings(prop.test(cs$x, cs$n, correct = FALSE, conf.level = cs$level))$conf.int
  wc <- suppressWarnings(prop.test(cs$x, cs$n, correct = TRUE, conf.level = cs$level))$conf.int
  test <- binom.test(cs$x, cs$n, p = cs$p, alternative = cs$alternative)
  list(cp = as.numeric(cp), wilson = as.numeric(w), wilson_cc = as.numeric(wc),
       p_value = test$p.value)
})
"""

R_TABLES = _EACH + """
function(cases) crossval_each(cases, function(cs) {
  m <- matrix(cs$cells, nrow = cs$nrow, byrow = TRUE)
  out <- list()
  if (cs$fisher) {
    f <- if (all(dim(m) == 2)) fisher.test(m) else fisher.test(m, workspace = 2e7)
    out$fisher_p <- f$p.value
    if (all(dim(m) == 2)) {
      out$odds_ratio <- unname(f$estimate)
      out$or_ci <- as.numeric(f$conf.int)
    }
  }
  if (cs$chisq) {
    for (correct in c(FALSE, TRUE)) {
      x <- suppressWarnings(chisq.test(m, correct = correct))
      key <- if (correct) "yates" else "pearson"
      out[[paste0(key, "_statistic")]] <- unname(x$statistic)
      out[[paste0(key, "_p")]] <- x$p.value
      out[[paste0(key, "_expected")]] <- as.numeric(t(x$expected))
    }
  }
  out
})
"""


_COMPILED: dict[tuple[int, str], Any] = {}


def r_function(r: RSession, code: str) -> Any:
    """The R function defined by ``code`` (evaluated once per session)."""
    key = (id(r), code)
    if key not in _COMPILED:
        _COMPILED[key] = r.ro.r(code)
    return _COMPILED[key]


def _r_value(r: RSession, value: Any) -> Any:
    ro = r.ro
    if value is None:
        return ro.NULL
    if isinstance(value, str):
        return ro.StrVector([value])
    if isinstance(value, bool):
        return ro.BoolVector([value])
    if isinstance(value, (int, float)):
        return ro.FloatVector([float(value)])
    arr = np.asarray(value)
    if arr.dtype.kind in "biuf":
        return ro.FloatVector(arr.astype(float).ravel().tolist())
    return ro.StrVector([str(v) for v in arr.ravel().tolist()])


def r_batch(r: RSession, code: str, cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Run one R call over ``cases`` (mappings of R argument names to values).

    Returns one dict per case with numpy arrays (R's ``NA`` as ``nan``), the
    case's R ``warnings`` as a tuple and ``error`` when R stopped on it.
    """
    ro = r.ro
    items = []
    for i, case in enumerate(cases):
        fields = [(k, _r_value(r, v)) for k, v in case.items() if v is not None]
        items.append((f"c{i}", ro.vectors.ListVector(fields)))
    results = r_function(r, code)(ro.vectors.ListVector(items))
    out = []
    for res in results:
        entry: dict[str, Any] = {}
        for name, value in zip(res.names, res, strict=True):
            if name in ("warnings", "error"):
                entry[name] = tuple(str(v) for v in value)
                if name == "error":
                    entry[name] = entry[name][0]
            else:
                arr = np.asarray(value, dtype=float)
                entry[name] = np.where(np.isnan(arr), np.nan, arr)
        out.append(entry)
    return out


# --------------------------------------------------------------- comparisons


def assert_close(
    name: str, ours: Any, theirs: Any, *, rel: float, abs_floor: float = 0.0, context: str = ""
) -> None:
    """``|ours - theirs| <= rel * max(|ours|, |theirs|) + abs_floor``, element-wise.

    ``nan`` must meet ``nan`` and infinities must be equal. ``abs_floor`` is
    for quantities whose true value is 0, where round-off leaves 1e-17 in one
    engine and 0 in the other and no relative tolerance can hold.
    """
    a = np.atleast_1d(np.asarray(ours, dtype=float))
    b = np.atleast_1d(np.asarray(theirs, dtype=float))
    if a.shape != b.shape:
        raise AssertionError(f"{name}: shape {a.shape} vs R {b.shape}\n{context}\n"
                             f"crossval {a!r}\nR        {b!r}")
    same_nan = np.isnan(a) == np.isnan(b)
    both = ~np.isnan(a) & ~np.isnan(b)
    with np.errstate(invalid="ignore"):
        equal = a == b
        close = np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + abs_floor
    ok = same_nan & (~both | equal | close)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise AssertionError(
            f"{name}[{i}]: crossval {a[i]!r} vs R {b[i]!r} (rel {rel:g}, abs {abs_floor:g}; "
            f"{int((~ok).sum())} of {a.size} off)\n{context}")


def describe(**arrays: Any) -> str:
    """A case, printed so that it can be pasted into a regression test."""
    parts = []
    for k, v in arrays.items():
        if v is None:
            continue
        if isinstance(v, Mapping):
            v = {key: np.asarray(val).tolist() for key, val in v.items()}
        elif isinstance(v, np.ndarray):
            v = v.tolist()
        parts.append(f"{k}={v!r}")
    return ", ".join(parts)


@contextlib.contextmanager
def case_note(context: str) -> Iterator[None]:
    """Attach the case to any exception raised inside, so a batch failure names its case."""
    try:
        yield
    except BaseException as exc:
        exc.add_note(f"case: {context}")
        raise
