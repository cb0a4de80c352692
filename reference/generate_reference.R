# Generate crossval's R reference data: reference/r-reference.json.
#
# Run from the repository root:
#
#     Rscript reference/generate_reference.R [OUTPUT_PATH]
#
# OUTPUT_PATH defaults to reference/r-reference.json. Needs base R and the
# survival package only. The JSON is written by the small writer below (no
# JSON package is required), in the format of docs/api-contract.md
# ("Reference data format"). The output is a pure function of R, survival and
# this script: no dates, no random numbers, so re-running it on the same
# versions reproduces the file byte for byte.
#
# Conventions (see reference/README.md):
#   * numbers are written with sprintf("%.17g") so that every double
#     round-trips exactly;
#   * R's NA is written as null;
#   * non-finite values (NaN, Inf, -Inf) are also written as null, and each
#     case that has any lists them in "r_nonfinite" (field, zero-based index,
#     "NaN" / "Inf" / "-Inf") so the difference from NA is not lost;
#   * each case's "r_call" is the exact R text that was evaluated, with `d`
#     standing for the case's dataset (its embedded columns, after "subset").

suppressPackageStartupMessages(library(survival))

script_name <- "reference/generate_reference.R"
args <- commandArgs(trailingOnly = TRUE)
out_path <- if (length(args) >= 1L) args[[1L]] else "reference/r-reference.json"

# ---------------------------------------------------------------------------
# JSON writer
# ---------------------------------------------------------------------------

# Mark a vector so that it is written as a JSON array even when it has length 1.
arr <- function(x) {
  x <- unname(as.vector(x))
  structure(list(x), class = "json_array")
}

# A matrix written as a list of rows.
mat <- function(m) {
  m <- as.matrix(m)
  dimnames(m) <- NULL
  structure(list(m), class = "json_matrix")
}

json_string <- function(s) {
  s <- enc2utf8(as.character(s))
  s <- gsub("\\", "\\\\", s, fixed = TRUE)
  s <- gsub("\"", "\\\"", s, fixed = TRUE)
  s <- gsub("\n", "\\n", s, fixed = TRUE)
  s <- gsub("\r", "\\r", s, fixed = TRUE)
  s <- gsub("\t", "\\t", s, fixed = TRUE)
  paste0("\"", s, "\"")
}

json_scalar <- function(v) {
  if (is.character(v)) {
    if (is.na(v)) return("null")
    return(json_string(v))
  }
  if (is.logical(v)) {
    if (is.na(v)) return("null")
    return(if (v) "true" else "false")
  }
  if (is.factor(v)) stop("factors must be recoded before writing")
  if (!is.numeric(v)) stop("cannot write a value of class ", class(v)[1])
  if (is.na(v) || !is.finite(v)) return("null")
  if (is.integer(v)) return(sprintf("%d", v))
  sprintf("%.17g", v)
}

json_vector <- function(x) {
  if (length(x) == 0L) return("[]")
  paste0("[", paste(vapply(seq_along(x), function(i) json_scalar(x[[i]]), ""),
                    collapse = ", "), "]")
}

to_json <- function(x, indent = 0L) {
  pad <- strrep("  ", indent + 1L)
  end_pad <- strrep("  ", indent)
  if (is.null(x)) return("null")
  if (inherits(x, "json_array")) return(json_vector(x[[1L]]))
  if (inherits(x, "json_matrix")) {
    m <- x[[1L]]
    if (nrow(m) == 0L) return("[]")
    rows <- vapply(seq_len(nrow(m)), function(i) json_vector(m[i, ]), "")
    return(paste0("[\n", paste0(pad, rows, collapse = ",\n"), "\n", end_pad, "]"))
  }
  if (is.list(x)) {
    nms <- names(x)
    if (length(x) == 0L) return(if (is.null(nms)) "[]" else "{}")
    items <- vapply(x, to_json, "", indent = indent + 1L)
    if (is.null(nms)) {
      return(paste0("[\n", paste0(pad, items, collapse = ",\n"), "\n", end_pad, "]"))
    }
    if (any(nms == "") || anyDuplicated(nms)) stop("object keys must be unique and non-empty")
    return(paste0("{\n", paste0(pad, json_string(nms), ": ", items, collapse = ",\n"),
                  "\n", end_pad, "}"))
  }
  if (is.matrix(x)) return(to_json(mat(x), indent))
  if (length(x) == 1L) return(json_scalar(x))
  json_vector(x)
}

# Where an `expected` list holds NaN / Inf / -Inf (all written as null).
nonfinite_report <- function(expected) {
  out <- list()
  kind <- function(v) {
    if (is.nan(v)) "NaN" else if (is.infinite(v) && v > 0) "Inf" else "-Inf"
  }
  for (field in names(expected)) {
    v <- expected[[field]]
    if (inherits(v, "json_array")) {
      v <- v[[1L]]
      if (!is.numeric(v)) next
      bad <- which(is.nan(v) | is.infinite(v))
      for (i in bad) out[[length(out) + 1L]] <- list(field = field, index = i - 1L,
                                                     value = kind(v[[i]]))
    } else if (inherits(v, "json_matrix")) {
      m <- v[[1L]]
      bad <- which(is.nan(m) | is.infinite(m), arr.ind = TRUE)
      if (nrow(bad)) {
        bad <- bad[order(bad[, 1L], bad[, 2L]), , drop = FALSE]
        for (k in seq_len(nrow(bad))) {
          out[[length(out) + 1L]] <- list(field = field, index = arr(bad[k, ] - 1L),
                                          value = kind(m[bad[k, 1L], bad[k, 2L]]))
        }
      }
    } else if (is.numeric(v) && length(v) == 1L && (is.nan(v) || is.infinite(v))) {
      out[[length(out) + 1L]] <- list(field = field, index = NULL, value = kind(v))
    }
  }
  out
}

# Evaluate R text, collecting warnings instead of printing them.
run_call <- function(text, env) {
  warnings <- character(0)
  value <- withCallingHandlers(
    eval(parse(text = text), envir = env),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  list(value = value, warnings = unique(warnings))
}

# ---------------------------------------------------------------------------
# Datasets (every column numeric; factors recoded; NA rows dropped)
# ---------------------------------------------------------------------------

datasets <- list()
dataset_meta <- list()

add_dataset <- function(name, df, source, notes = list()) {
  for (col in names(df)) {
    if (!is.numeric(df[[col]])) stop(name, "$", col, " is not numeric")
    if (anyNA(df[[col]])) stop(name, "$", col, " has NA")
  }
  rownames(df) <- NULL
  datasets[[name]] <<- df
  dataset_meta[[name]] <<- list(source = source, column_notes = notes)
}

status_note <- "1 = event (death), 0 = censored"

# lung: status 2 -> 1 (dead), 1 -> 0 (censored).
lung0 <- survival::lung[, c("time", "status", "sex", "age", "ph.ecog")]
lung0 <- lung0[complete.cases(lung0), ]
lung0$status <- as.numeric(lung0$status == 2)
add_dataset("lung", lung0,
            paste("survival::lung, status recoded 2->1, 1->0; rows with NA in used",
                  "columns dropped (1 row, ph.ecog NA)"),
            list(status = status_note, sex = "1 = male, 2 = female",
                 ph.ecog = "ECOG performance score 0-3"))

vet <- survival::veteran
vet <- data.frame(time = as.numeric(vet$time), status = as.numeric(vet$status),
                  trt = as.numeric(vet$trt), celltype = as.numeric(vet$celltype),
                  karno = as.numeric(vet$karno), age = as.numeric(vet$age))
add_dataset("veteran", vet,
            "survival::veteran; celltype factor recoded to its level number",
            list(status = status_note, trt = "1 = standard, 2 = test",
                 celltype = "1 = squamous, 2 = smallcell, 3 = adeno, 4 = large"))

ova <- survival::ovarian
ova <- data.frame(time = as.numeric(ova$futime), status = as.numeric(ova$fustat),
                  rx = as.numeric(ova$rx), age = as.numeric(ova$age))
add_dataset("ovarian", ova, "survival::ovarian; futime -> time, fustat -> status",
            list(status = status_note, rx = "treatment group 1 or 2"))

aml0 <- survival::aml
aml0 <- data.frame(time = as.numeric(aml0$time), status = as.numeric(aml0$status),
                   maintained = as.numeric(aml0$x == "Maintained"))
add_dataset("aml", aml0,
            "survival::aml; x recoded to maintained = 1 (Maintained), 0 (Nonmaintained)",
            list(status = status_note,
                 maintained = "1 = maintenance chemotherapy, 0 = none"))

col0 <- survival::colon[survival::colon$etype == 2, ]
col0 <- data.frame(time = as.numeric(col0$time), status = as.numeric(col0$status),
                   rx = as.numeric(col0$rx),
                   rx_lev = as.numeric(col0$rx == "Lev"),
                   rx_lev5fu = as.numeric(col0$rx == "Lev+5FU"),
                   sex = as.numeric(col0$sex), age = as.numeric(col0$age))
add_dataset("colon", col0,
            paste("survival::colon, only the etype == 2 (death) records, one per patient;",
                  "rx factor recoded to its level number and to two indicator columns"),
            list(status = status_note, rx = "1 = Obs, 2 = Lev, 3 = Lev+5FU",
                 rx_lev = "1 if rx == Lev", rx_lev5fu = "1 if rx == Lev+5FU",
                 sex = "1 = male, 0 = female"))

pbc0 <- survival::pbc[!is.na(survival::pbc$trt), ]
stopifnot(nrow(pbc0) == 312L)
pbc0 <- data.frame(time = as.numeric(pbc0$time), status = as.numeric(pbc0$status == 2),
                   trt = as.numeric(pbc0$trt), age = as.numeric(pbc0$age),
                   edema = as.numeric(pbc0$edema), bili = as.numeric(pbc0$bili),
                   log_bili = log(as.numeric(pbc0$bili)),
                   albumin = as.numeric(pbc0$albumin))
add_dataset("pbc", pbc0,
            paste("survival::pbc, the 312 randomised patients (trt not NA); status =",
                  "1 for death (original status 2), 0 for censored or transplant (0, 1);",
                  "log_bili = log(bili) computed in R"),
            list(status = "1 = death, 0 = censored or liver transplant",
                 trt = "1 = D-penicillamine, 2 = placebo",
                 edema = "0, 0.5, 1 as in survival::pbc",
                 log_bili = "log(bili), natural log, computed in R"))

hrt <- survival::heart
hrt <- data.frame(start = as.numeric(hrt$start), stop = as.numeric(hrt$stop),
                  event = as.numeric(hrt$event), age = as.numeric(hrt$age),
                  year = as.numeric(hrt$year), surgery = as.numeric(hrt$surgery),
                  transplant = as.numeric(as.character(hrt$transplant)),
                  id = as.numeric(hrt$id))
add_dataset("heart", hrt,
            paste("survival::heart (Stanford heart transplant, counting-process",
                  "(start, stop] form of jasa1); transplant factor recoded 0/1"),
            list(event = status_note, transplant = "1 = after transplant (time-dependent)",
                 age = "age - 48 years", year = "year of acceptance - 1967",
                 id = "patient id (several rows per patient)"))

# Constructed edge cases.
add_dataset("all_censored",
            data.frame(time = c(2, 3, 5, 7, 11, 13), status = c(0, 0, 0, 0, 0, 0),
                       group = c(1, 1, 1, 2, 2, 2)),
            "constructed: six subjects, all censored (no events)",
            list(status = status_note))
add_dataset("one_subject", data.frame(time = 5, status = 1),
            "constructed: a single subject with an event at time 5",
            list(status = status_note))
add_dataset("all_tied",
            data.frame(time = rep(4, 8), status = c(1, 1, 0, 1, 1, 0, 1, 0),
                       group = c(1, 1, 1, 1, 2, 2, 2, 2),
                       x = c(0.5, 1.2, -0.3, 2.0, -1.1, 0.4, 0.9, -0.7)),
            "constructed: eight subjects, every time tied at 4 (5 events, 3 censored)",
            list(status = status_note))
add_dataset("event_at_zero",
            data.frame(time = c(0, 0, 1, 2, 2, 3, 5, 8, 8, 10),
                       status = c(1, 0, 1, 1, 0, 1, 0, 1, 1, 0),
                       group = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2),
                       x = c(1.5, -0.2, 0.7, 0.1, -1.3, 2.2, 0.0, -0.6, 0.8, -0.9)),
            "constructed: ten subjects, an event and a censoring at time 0",
            list(status = status_note))
add_dataset("median_flat",
            data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 1, 1, 0, 1, 0)),
            paste("constructed: S(t) = (5/6)(4/5)(3/4) = 0.5 (up to rounding) from t = 3",
                  "until the next event at t = 5, so R's median is the midpoint 4"),
            list(status = status_note))
add_dataset("median_flat_rounded",
            data.frame(time = 1:12 + 0, status = c(1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1)),
            paste("constructed: after six events in twelve subjects R's product-limit",
                  "S(6) is 0.49999999999999989, not 0.5; S stays there until the event at",
                  "t = 8 (t = 7 is censored). quantile.survfit treats values within",
                  "sqrt(.Machine$double.eps) of 0.5 as equal, so R's median is (6 + 8)/2 = 7,",
                  "where an exact comparison would give 6"),
            list(status = status_note))
add_dataset("fp_noise",
            data.frame(time = c(1, 1 + 1e-12, 2, 2 - 2e-13, 3, 3 * (1 + 1e-14), 4, 5,
                                5 + 5e-13, 6, 7, 8),
                       status = c(1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1),
                       group = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2),
                       x = c(0.2, -0.5, 1.1, 0.3, -0.8, 0.6, 1.4, -1.2, 0.0, 0.9,
                             -0.4, 0.7)),
            paste("constructed: times that differ only by floating-point noise",
                  "(1 and 1 + 1e-12, 2 and 2 - 2e-13, 3 and 3(1 + 1e-14), 5 and",
                  "5 + 5e-13); R's aeqSurv (timefix = TRUE) treats each pair as tied"),
            list(status = status_note))
add_dataset("weighted",
            data.frame(time = c(3, 5, 5, 8, 10, 12, 12, 15, 17, 20, 22, 25, 28, 30, 33, 40),
                       status = c(1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1),
                       x = c(1.2, 0.4, -0.3, 0.8, -1.0, 0.1, 1.5, -0.6, 0.3, -0.2,
                             0.9, -1.4, 0.0, 0.6, -0.8, -0.5),
                       z = c(1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0),
                       w = c(1, 2, 0.5, 1.5, 3, 1, 2.5, 0.75, 1, 2, 1.25, 0.5, 1, 3,
                             2, 1)),
            "constructed: sixteen subjects with non-integer case weights w",
            list(status = status_note, w = "case weight"))

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

cases <- list()
add_case <- function(case) {
  nf <- nonfinite_report(case$expected)
  if (!is.null(case$r_refined)) {
    nf_refined <- lapply(nonfinite_report(case$r_refined), function(e) c(e, list(`in` = "r_refined")))
    nf <- c(nf, nf_refined)
  }
  if (length(nf)) case$r_nonfinite <- nf
  cases[[length(cases) + 1L]] <<- case
}

case_data <- function(dataset, subset) {
  d <- datasets[[dataset]]
  if (!is.null(subset)) d <- d[d[[subset$column]] == subset$value, , drop = FALSE]
  rownames(d) <- NULL
  d
}

case_env <- function(d) {
  env <- new.env(parent = globalenv())
  env$d <- d
  env
}

subset_id <- function(subset) {
  if (is.null(subset)) "" else sprintf("/%s=%s", subset$column, format(subset$value))
}

fmt_num <- function(v) format(v, digits = 15)

# --- kaplan_meier ----------------------------------------------------------

km_targets <- list(
  list(dataset = "lung", subset = NULL, full = TRUE),
  list(dataset = "lung", subset = list(column = "sex", value = 1), full = TRUE),
  list(dataset = "lung", subset = list(column = "sex", value = 2), full = TRUE),
  list(dataset = "veteran", subset = NULL, full = TRUE),
  list(dataset = "veteran", subset = list(column = "trt", value = 2), full = FALSE),
  list(dataset = "ovarian", subset = NULL, full = TRUE),
  list(dataset = "aml", subset = NULL, full = TRUE),
  list(dataset = "aml", subset = list(column = "maintained", value = 1), full = TRUE),
  list(dataset = "colon", subset = NULL, full = FALSE),
  list(dataset = "colon", subset = list(column = "rx", value = 3), full = FALSE),
  list(dataset = "pbc", subset = NULL, full = FALSE),
  list(dataset = "pbc", subset = list(column = "trt", value = 1), full = FALSE),
  list(dataset = "all_censored", subset = NULL, full = TRUE),
  list(dataset = "one_subject", subset = NULL, full = TRUE),
  list(dataset = "all_tied", subset = NULL, full = TRUE),
  list(dataset = "event_at_zero", subset = NULL, full = TRUE),
  list(dataset = "median_flat", subset = NULL, full = TRUE),
  list(dataset = "median_flat_rounded", subset = NULL, full = FALSE),
  list(dataset = "fp_noise", subset = NULL, full = TRUE)
)
conf_types <- c("log", "log-log", "plain", "logit", "arcsin", "none")

for (tg in km_targets) {
  # The large datasets get a reduced grid to keep the file small.
  grid <- if (tg$full) {
    expand.grid(ct = conf_types, cl = c(0.95, 0.90), stringsAsFactors = FALSE)
  } else {
    data.frame(ct = c("log", "log-log", "plain", "none"), cl = 0.95,
               stringsAsFactors = FALSE)
  }
  d <- case_data(tg$dataset, tg$subset)
  for (k in seq_len(nrow(grid))) {
    ct <- grid$ct[k]
    cl <- grid$cl[k]
    r_call <- sprintf("survfit(Surv(time, status) ~ 1, data = d, conf.type = \"%s\", conf.int = %s)",
                      ct, fmt_num(cl))
    env <- case_env(d)
    res <- run_call(r_call, env)
    fit <- res$value
    expected <- list(
      time = arr(fit$time), n_risk = arr(fit$n.risk), n_event = arr(fit$n.event),
      n_censor = arr(fit$n.censor), survival = arr(fit$surv),
      std_err = arr(fit$std.err * fit$surv)
    )
    q <- quantile(fit, probs = 0.5)
    if (ct != "none") {
      expected$lower <- arr(fit$lower)
      expected$upper <- arr(fit$upper)
      expected$median <- unname(q$quantile)
      expected$median_ci <- arr(c(q$lower, q$upper))
    } else {
      expected$median <- unname(q)
    }
    case <- list(
      id = sprintf("kaplan_meier/%s%s/conf_type=%s/conf_level=%s", tg$dataset,
                   subset_id(tg$subset), ct, fmt_num(cl)),
      `function` = "kaplan_meier",
      dataset = tg$dataset,
      columns = list(time = "time", event = "status"),
      subset = tg$subset,
      options = list(conf_type = ct, conf_level = cl, median_rule = "r", timefix = TRUE),
      r_call = r_call,
      r_extract = paste("std_err = fit$std.err * fit$surv;",
                        "median, median_ci from quantile(fit, probs = 0.5)"),
      expected = expected
    )
    if (is.null(case$subset)) case$subset <- NULL
    if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
    add_case(case)
  }
}

# --- logrank ---------------------------------------------------------------

lr_targets <- list(
  list(dataset = "lung", group = "sex", strata = NULL, rho = c(0, 1)),
  list(dataset = "lung", group = "ph.ecog", strata = NULL, rho = c(0, 1)),
  list(dataset = "lung", group = "ph.ecog", strata = "sex", rho = 0),
  list(dataset = "veteran", group = "celltype", strata = NULL, rho = c(0, 1)),
  list(dataset = "veteran", group = "trt", strata = NULL, rho = c(0, 1)),
  list(dataset = "veteran", group = "trt", strata = "celltype", rho = c(0, 1)),
  list(dataset = "ovarian", group = "rx", strata = NULL, rho = c(0, 1)),
  list(dataset = "aml", group = "maintained", strata = NULL, rho = c(0, 1)),
  list(dataset = "colon", group = "rx", strata = NULL, rho = c(0, 1)),
  list(dataset = "colon", group = "rx", strata = "sex", rho = 0),
  list(dataset = "pbc", group = "trt", strata = NULL, rho = c(0, 1)),
  list(dataset = "pbc", group = "trt", strata = "edema", rho = 0),
  list(dataset = "all_tied", group = "group", strata = NULL, rho = c(0, 1)),
  list(dataset = "event_at_zero", group = "group", strata = NULL, rho = c(0, 1)),
  list(dataset = "fp_noise", group = "group", strata = NULL, rho = c(0, 1))
)

for (tg in lr_targets) {
  d <- case_data(tg$dataset, NULL)
  for (rho in tg$rho) {
    rhs <- if (is.null(tg$strata)) tg$group else sprintf("%s + strata(%s)", tg$group, tg$strata)
    r_call <- sprintf("survdiff(Surv(time, status) ~ %s, data = d, rho = %s)", rhs, fmt_num(rho))
    res <- run_call(r_call, case_env(d))
    fit <- res$value
    groups <- sort(unique(d[[tg$group]]))
    stopifnot(length(groups) == length(fit$n))
    if (is.matrix(fit$obs)) {
      observed <- rowSums(fit$obs)
      expd <- rowSums(fit$exp)
    } else {
      observed <- fit$obs
      expd <- fit$exp
    }
    df <- sum(1 * (expd > 0)) - 1
    expected <- list(
      statistic = fit$chisq, df = df,
      p_value = pchisq(fit$chisq, df, lower.tail = FALSE),
      groups = arr(groups), n = arr(as.vector(fit$n)),
      observed = arr(observed), expected = arr(expd), variance = mat(fit$var),
      rho = rho
    )
    columns <- list(time = "time", event = "status", group = tg$group)
    if (!is.null(tg$strata)) columns$strata <- tg$strata
    case <- list(
      id = sprintf("logrank/%s/group=%s%s/rho=%s", tg$dataset, tg$group,
                   if (is.null(tg$strata)) "" else paste0("/strata=", tg$strata), fmt_num(rho)),
      `function` = "logrank",
      dataset = tg$dataset,
      columns = columns,
      options = list(rho = rho, timefix = TRUE),
      r_call = r_call,
      r_extract = paste("observed, expected: per group, summed over strata (as print.survdiff);",
                        "df = sum(expected > 0) - 1 (as print.survdiff);",
                        "p_value = pchisq(chisq, df, lower.tail = FALSE)"),
      expected = expected
    )
    if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
    add_case(case)
  }
}

# --- cox_ph ----------------------------------------------------------------

# Tight convergence: crossval iterates to convergence, so these cases are compared
# closely. toler.chol (the Cholesky singularity threshold, R default eps^0.75 =
# 1.8e-12) is lowered below eps only to silence coxph.control's "tolerance should
# be < eps" warning; it changes no result on these well-conditioned fits.
tight <- list(eps = 1e-12, toler.chol = 1e-13, iter.max = 100L)
r_default <- list(eps = coxph.control()$eps, toler.chol = coxph.control()$toler.chol,
                  iter.max = as.integer(coxph.control()$iter.max))

cox_targets <- list(
  list(dataset = "lung", covs = c("age", "sex"), ties = c("efron", "breslow", "exact")),
  list(dataset = "lung", covs = "age", ties = c("efron", "breslow", "exact")),
  list(dataset = "lung", covs = c("age", "sex", "ph.ecog"), ties = c("efron", "breslow")),
  list(dataset = "lung", covs = c("age", "sex"), ties = c("efron", "breslow"), robust = TRUE),
  list(dataset = "lung", covs = c("age", "sex"), ties = "efron", control = "default"),
  list(dataset = "lung", covs = c("age", "ph.ecog"), ties = c("efron", "breslow"),
       strata = "sex"),
  list(dataset = "veteran", covs = c("trt", "karno"), ties = c("efron", "breslow", "exact")),
  list(dataset = "veteran", covs = c("trt", "karno"), ties = "efron", control = "default"),
  list(dataset = "veteran", covs = c("trt", "karno", "age"), ties = c("efron", "breslow"),
       strata = "celltype"),
  list(dataset = "ovarian", covs = c("rx", "age"), ties = c("efron", "breslow", "exact")),
  list(dataset = "ovarian", covs = c("rx", "age"), ties = "efron", control = "default"),
  list(dataset = "aml", covs = "maintained", ties = c("efron", "breslow", "exact")),
  list(dataset = "colon", covs = c("rx_lev", "rx_lev5fu", "age", "sex"),
       ties = c("efron", "breslow")),
  list(dataset = "colon", covs = c("rx_lev", "rx_lev5fu"), ties = "efron", strata = "sex"),
  list(dataset = "pbc", covs = c("age", "log_bili", "albumin", "edema"),
       ties = c("efron", "breslow")),
  list(dataset = "pbc", covs = c("trt", "age", "log_bili"), ties = "efron",
       control = "default"),
  list(dataset = "heart", covs = c("age", "year", "surgery", "transplant"),
       ties = c("efron", "breslow"), start = TRUE),
  # No ties = "exact" on (start, stop] data: survival 3.5.3 returns an unclassed
  # list there (summary() fails), so there is no R result to record.
  list(dataset = "heart", covs = c("age", "transplant"), ties = c("efron", "breslow"),
       start = TRUE),
  list(dataset = "weighted", covs = c("x", "z"), ties = c("efron", "breslow"), weights = "w"),
  list(dataset = "weighted", covs = c("x", "z"), ties = "efron", weights = "w",
       robust = TRUE),
  list(dataset = "weighted", covs = "x", ties = c("efron", "breslow"), weights = "w"),
  list(dataset = "all_tied", covs = "x", ties = c("efron", "breslow", "exact")),
  list(dataset = "event_at_zero", covs = "x", ties = c("efron", "breslow", "exact")),
  list(dataset = "fp_noise", covs = "x", ties = c("efron", "breslow", "exact"))
)

for (tg in cox_targets) {
  d <- case_data(tg$dataset, NULL)
  robust <- isTRUE(tg$robust)
  is_default <- identical(tg$control, "default")
  ctrl <- if (is_default) r_default else tight
  for (ties in tg$ties) {
    surv <- if (isTRUE(tg$start)) "Surv(start, stop, event)" else "Surv(time, status)"
    rhs <- paste(tg$covs, collapse = " + ")
    if (!is.null(tg$strata)) rhs <- sprintf("%s + strata(%s)", rhs, tg$strata)
    extra <- ""
    if (!is.null(tg$weights)) extra <- sprintf("%s, weights = %s", extra, tg$weights)
    extra <- sprintf("%s, ties = \"%s\", robust = %s", extra, ties, if (robust) "TRUE" else "FALSE")
    if (!is_default) {
      extra <- sprintf("%s, control = coxph.control(eps = %s, toler.chol = %s, iter.max = %d)",
                       extra, fmt_num(ctrl$eps), fmt_num(ctrl$toler.chol), ctrl$iter.max)
    }
    r_call <- sprintf("coxph(%s ~ %s, data = d%s)", surv, rhs, extra)
    res <- run_call(r_call, case_env(d))
    fit <- res$value
    s <- summary(fit, conf.int = 0.95)
    coefs <- unname(coef(fit))
    model_var <- if (robust) fit$naive.var else fit$var
    df <- sum(!is.na(coefs))
    lrt <- 2 * diff(fit$loglik)
    expected <- list(
      coef = arr(coefs),
      se = arr(sqrt(diag(as.matrix(model_var)))),
      hazard_ratio = arr(exp(coefs)),
      hr_ci = mat(s$conf.int[, c("lower .95", "upper .95"), drop = FALSE]),
      z = arr(s$coefficients[, "z"]),
      p_value = arr(s$coefficients[, "Pr(>|z|)"]),
      loglik = arr(fit$loglik),
      wald = unname(fit$wald.test),
      score = unname(fit$score),
      lrt = lrt,
      df = df,
      wald_p = pchisq(unname(fit$wald.test), df, lower.tail = FALSE),
      score_p = pchisq(unname(fit$score), df, lower.tail = FALSE),
      lrt_p = pchisq(lrt, df, lower.tail = FALSE),
      iterations = as.integer(fit$iter),
      n = as.integer(fit$n),
      n_events = fit$nevent,
      var = mat(fit$var)
    )
    if (robust) {
      expected$robust_se <- arr(sqrt(diag(as.matrix(fit$var))))
      expected$naive_var <- mat(fit$naive.var)
      expected$robust_score <- unname(fit$rscore)
      expected$robust_score_p <- pchisq(unname(fit$rscore), df, lower.tail = FALSE)
    }
    columns <- list()
    if (isTRUE(tg$start)) {
      columns$start <- "start"
      columns$time <- "stop"
      columns$event <- "event"
    } else {
      columns$time <- "time"
      columns$event <- "status"
    }
    columns$covariates <- arr(tg$covs)
    if (!is.null(tg$strata)) columns$strata <- tg$strata
    if (!is.null(tg$weights)) columns$weights <- tg$weights
    id <- sprintf("cox_ph/%s/%s%s%s%s/ties=%s%s", tg$dataset, paste(tg$covs, collapse = "+"),
                  if (is.null(tg$strata)) "" else paste0("/strata=", tg$strata),
                  if (is.null(tg$weights)) "" else paste0("/weights=", tg$weights),
                  if (robust) "/robust" else "", ties, if (is_default) "/r_control=default" else "")
    note <- "se and var are model-based; hr_ci from summary(fit)$conf.int at 0.95"
    if (robust) {
      note <- paste("robust = TRUE: var is R's fit$var, the robust (sandwich) variance, and",
                    "robust_se = sqrt(diag(var)); naive_var is R's fit$naive.var and se =",
                    "sqrt(diag(naive_var)); as in R, z, p_value, hr_ci, wald and wald_p use the",
                    "robust variance; score is the model-based score test (fit$score) and",
                    "robust_score R's robust score test (fit$rscore)")
    }
    case <- list(
      id = id,
      `function` = "cox_ph",
      dataset = tg$dataset,
      columns = columns,
      options = list(ties = ties, robust = robust, conf_level = 0.95, timefix = TRUE,
                     r_control = list(eps = ctrl$eps, toler.chol = ctrl$toler.chol,
                                      iter.max = ctrl$iter.max)),
      r_call = r_call,
      r_extract = paste("se = sqrt(diag(fit$var)), or of fit$naive.var when robust; loglik = fit$loglik; wald = fit$wald.test;",
                        "score = fit$score; lrt = 2 * diff(fit$loglik); iterations = fit$iter;",
                        "n_events = fit$nevent; *_p = pchisq(stat, df, lower.tail = FALSE)"),
      r_note = note,
      expected = expected
    )
    if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
    add_case(case)
  }
}

# --- binom_ci ----------------------------------------------------------------

binom_grid <- list(c(0, 10), c(10, 10), c(0, 1), c(1, 1), c(3, 10), c(17, 50), c(33, 50),
                   c(7, 100), c(91, 100), c(0, 1000), c(13, 1000), c(500, 1000))

formula_text <- list(
  `agresti-coull` = paste("z = qnorm(1 - a/2); nt = n + z^2; pt = (x + z^2/2) / nt;",
                          "pt -/+ z * sqrt(pt * (1 - pt) / nt), clipped to [0, 1]",
                          "(Agresti & Coull 1998)"),
  jeffreys = paste("qbeta(a/2, x + 0.5, n - x + 0.5), qbeta(1 - a/2, x + 0.5, n - x + 0.5);",
                   "lower = 0 when x = 0, upper = 1 when x = n (Brown, Cai & DasGupta 2001)"),
  wald = "p = x/n; p -/+ qnorm(1 - a/2) * sqrt(p * (1 - p) / n), clipped to [0, 1]",
  `mid-p` = paste("lower solves pbinom(x - 1, n, p, lower.tail = FALSE) - 0.5 * dbinom(x, n, p)",
                  "= a/2, upper solves pbinom(x - 1, n, p) + 0.5 * dbinom(x, n, p) = a/2,",
                  "both by uniroot(c(0, 1), tol = 1e-15); lower = 0 when x = 0, upper = 1",
                  "when x = n")
)

binom_formula_ci <- function(method, x, n, level) {
  a <- 1 - level
  z <- qnorm(1 - a / 2)
  if (method == "agresti-coull") {
    nt <- n + z^2
    pt <- (x + z^2 / 2) / nt
    h <- z * sqrt(pt * (1 - pt) / nt)
    return(c(max(0, pt - h), min(1, pt + h)))
  }
  if (method == "jeffreys") {
    lo <- if (x == 0) 0 else qbeta(a / 2, x + 0.5, n - x + 0.5)
    hi <- if (x == n) 1 else qbeta(1 - a / 2, x + 0.5, n - x + 0.5)
    return(c(lo, hi))
  }
  if (method == "wald") {
    p <- x / n
    h <- z * sqrt(p * (1 - p) / n)
    return(c(max(0, p - h), min(1, p + h)))
  }
  if (method == "mid-p") {
    # P(X > x) + P(X = x)/2 = a/2 for the lower bound; P(X < x) + P(X = x)/2 = a/2 upper.
    f_lo <- function(p) pbinom(x - 1, n, p, lower.tail = FALSE) - 0.5 * dbinom(x, n, p) - a / 2
    f_hi <- function(p) pbinom(x - 1, n, p) + 0.5 * dbinom(x, n, p) - a / 2
    lo <- if (x == 0) 0 else uniroot(f_lo, c(0, 1), tol = 1e-15)$root
    hi <- if (x == n) 1 else uniroot(f_hi, c(0, 1), tol = 1e-15)$root
    return(c(lo, hi))
  }
  stop("unknown method ", method)
}

binom_methods <- c("clopper-pearson", "wilson", "wilson-cc", "agresti-coull", "jeffreys",
                   "wald", "mid-p")

for (xn in binom_grid) {
  x <- xn[[1]]
  n <- xn[[2]]
  for (level in c(0.95, 0.90)) {
    for (method in binom_methods) {
      warn <- character(0)
      note <- NULL
      if (method %in% c("clopper-pearson", "wilson", "wilson-cc")) {
        r_call <- switch(method,
          `clopper-pearson` = sprintf("binom.test(%d, %d, conf.level = %s)$conf.int",
                                      as.integer(x), as.integer(n), fmt_num(level)),
          wilson = sprintf("prop.test(%d, %d, conf.level = %s, correct = FALSE)$conf.int",
                           as.integer(x), as.integer(n), fmt_num(level)),
          `wilson-cc` = sprintf("prop.test(%d, %d, conf.level = %s, correct = TRUE)$conf.int",
                                as.integer(x), as.integer(n), fmt_num(level)))
        res <- run_call(r_call, new.env(parent = globalenv()))
        ci <- as.vector(res$value)
        warn <- res$warnings
        r_source <- if (method == "clopper-pearson") "stats::binom.test" else "stats::prop.test"
        if (method == "wilson-cc") {
          note <- paste("recorded as prop.test returns it: the continuity correction is",
                        "min(0.5, abs(x - n * 0.5)), i.e. it shrinks towards the default null",
                        "p = 0.5, and a bound is 0 (1) when x/n -/+ correction/n crosses 0 (1)")
        }
      } else {
        r_call <- sprintf("binom_formula_ci(\"%s\", %d, %d, %s)", method, as.integer(x),
                          as.integer(n), fmt_num(level))
        ci <- binom_formula_ci(method, x, n, level)
        r_source <- "formula"
        note <- formula_text[[method]]
      }
      case <- list(
        id = sprintf("binom_ci/x=%d/n=%d/method=%s/conf_level=%s", as.integer(x), as.integer(n),
                     method, fmt_num(level)),
        `function` = "binom_ci",
        inputs = list(x = as.integer(x), n = as.integer(n)),
        options = list(method = method, conf_level = level),
        r_call = r_call,
        r_source = r_source,
        expected = list(low = ci[[1]], high = ci[[2]])
      )
      if (!is.null(note)) case$r_formula <- note
      if (method == "mid-p") case$r_uniroot_tol <- 1e-15
      if (length(warn)) case$r_warnings <- as.list(warn)
      add_case(case)
    }
  }
}

# --- binom_test --------------------------------------------------------------

bt_grid <- list(c(0, 10), c(10, 10), c(3, 10), c(1, 1), c(17, 50), c(33, 50), c(7, 100),
                c(91, 100), c(13, 1000))
alt_r <- c(`two-sided` = "two.sided", less = "less", greater = "greater")

for (xn in bt_grid) {
  x <- as.integer(xn[[1]])
  n <- as.integer(xn[[2]])
  for (p in c(0.5, 0.3)) {
    for (alt in names(alt_r)) {
      r_call <- sprintf("binom.test(%d, %d, p = %s, alternative = \"%s\")", x, n, fmt_num(p),
                        alt_r[[alt]])
      res <- run_call(r_call, new.env(parent = globalenv()))
      bt <- res$value
      case <- list(
        id = sprintf("binom_test/x=%d/n=%d/p=%s/alternative=%s", x, n, fmt_num(p), alt),
        `function` = "binom_test",
        inputs = list(x = x, n = n, p = p),
        options = list(alternative = alt, two_sided_rule = "r"),
        r_call = r_call,
        r_source = "stats::binom.test",
        expected = list(p_value = unname(bt$p.value), estimate = unname(bt$estimate),
                        conf_int = arr(as.vector(bt$conf.int)))
      )
      if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
      add_case(case)
    }
  }
}

# --- fisher_exact ------------------------------------------------------------

tables_2x2 <- list(
  list(name = "38-62-19-31", t = rbind(c(38, 62), c(19, 31))),
  list(name = "23-77-11-39", t = rbind(c(23, 77), c(11, 39))),
  list(name = "29-71-15-35", t = rbind(c(29, 71), c(15, 35))),
  list(name = "99-1-50-0", t = rbind(c(99, 1), c(50, 0))),
  list(name = "5-95-2-48", t = rbind(c(5, 95), c(2, 48))),
  list(name = "63-37-32-18", t = rbind(c(63, 37), c(32, 18))),
  list(name = "0-5-3-4", t = rbind(c(0, 5), c(3, 4))),
  list(name = "0-10-10-0", t = rbind(c(0, 10), c(10, 0))),
  list(name = "7-0-0-3", t = rbind(c(7, 0), c(0, 3))),
  list(name = "3-1-1-3", t = rbind(c(3, 1), c(1, 3))),
  list(name = "0-0-4-6", t = rbind(c(0, 0), c(4, 6)), zero_margin = TRUE),
  list(name = "2-0-5-0", t = rbind(c(2, 0), c(5, 0)), zero_margin = TRUE)
)
alt_tables <- c("38-62-19-31", "5-95-2-48", "0-5-3-4", "3-1-1-3")

tables_rxc <- list(
  list(name = "3x2-70-36-27-12-3-2", t = rbind(c(70, 36), c(27, 12), c(3, 2))),
  list(name = "3x2-77-37-14-8-9-5", t = rbind(c(77, 37), c(14, 8), c(9, 5))),
  list(name = "2x3-10-12-8-3-9-15", t = rbind(c(10, 12, 8), c(3, 9, 15))),
  list(name = "4x3", t = rbind(c(8, 5, 2), c(6, 7, 4), c(3, 6, 8), c(1, 4, 9))),
  list(name = "5x3-n63", t = rbind(c(6, 4, 2), c(5, 5, 3), c(3, 5, 5), c(2, 4, 7), c(1, 3, 8))),
  # A larger 5 x 3 (N = 126): R's network algorithm handles it in well under a
  # second; a full enumeration of its tables is much larger.
  list(name = "5x3-n126", t = rbind(c(12, 8, 5), c(10, 9, 7), c(7, 10, 9), c(5, 9, 12),
                                    c(3, 6, 14)))
)

matrix_text <- function(t) {
  sprintf("matrix(c(%s), nrow = %d, byrow = TRUE)",
          paste(as.integer(t(t)), collapse = ", "), nrow(t))
}

# fisher.test finds the conditional MLE and its limits with uniroot at the default
# tolerance, and solves for the upper limit on the scale t = 1/ncp, so a large
# limit can be off by a percent or more (for [[3, 1], [1, 3]] the upper 95% limit
# is off by about 4 in 622). r_refined solves the same conditional equations
# (Fisher's noncentral hypergeometric distribution of the [1, 1] cell given the
# margins) on the log odds-ratio scale with tol 1e-13, so crossval's values can
# also be checked closely.
fisher_refined <- function(tab, alternative, conf_level) {
  m <- sum(tab[, 1])
  n <- sum(tab[, 2])
  k <- sum(tab[1, ])
  x <- tab[1, 1]
  lo <- max(0, k - n)
  hi <- min(k, m)
  support <- lo:hi
  log_base <- dhyper(support, m, n, k, log = TRUE)
  probs <- function(log_ncp) {
    w <- log_base + support * log_ncp
    w <- exp(w - max(w))
    w / sum(w)
  }
  mean_at <- function(log_ncp) sum(support * probs(log_ncp))
  p_le <- function(log_ncp) sum(probs(log_ncp)[support <= x])
  p_ge <- function(log_ncp) sum(probs(log_ncp)[support >= x])
  solve_log <- function(f) {
    uniroot(f, c(-50, 50), tol = 1e-13, maxiter = 10000L)$root
  }
  estimate <- if (x == lo) 0 else if (x == hi) Inf else exp(solve_log(function(u) mean_at(u) - x))
  # Upper limit: the odds ratio at which P(X <= x) = alpha; lower: P(X >= x) = alpha.
  upper_at <- function(alpha) if (x == hi) Inf else exp(solve_log(function(u) p_le(u) - alpha))
  lower_at <- function(alpha) if (x == lo) 0 else exp(solve_log(function(u) p_ge(u) - alpha))
  ci <- switch(alternative,
    less = c(0, upper_at(1 - conf_level)),
    greater = c(lower_at(1 - conf_level), Inf),
    `two-sided` = c(lower_at((1 - conf_level) / 2), upper_at((1 - conf_level) / 2)))
  list(odds_ratio = estimate, or_ci = arr(ci))
}

fisher_uniroot_note <- paste(
  "odds_ratio is R's conditional MLE and or_ci its conditional limits, both solved with",
  "uniroot at its default tolerance (.Machine$double.eps^0.25, see r_uniroot_tol): compare",
  "them loosely; p_value (two-sided) sums the probabilities <= d(x) * (1 + 1e-7)")

for (tb in tables_2x2) {
  alts <- if (tb$name %in% alt_tables) names(alt_r) else "two-sided"
  for (alt in alts) {
    r_call <- sprintf("fisher.test(%s, alternative = \"%s\", conf.level = 0.95)",
                      matrix_text(tb$t), alt_r[[alt]])
    res <- run_call(r_call, new.env(parent = globalenv()))
    ft <- res$value
    case <- list(
      id = sprintf("fisher_exact/2x2/%s/alternative=%s", tb$name, alt),
      `function` = "fisher_exact",
      inputs = list(table = mat(tb$t)),
      options = list(alternative = alt, conf_level = 0.95),
      r_call = r_call,
      r_source = "stats::fisher.test",
      r_uniroot_tol = .Machine$double.eps^0.25,
      r_note = fisher_uniroot_note,
      expected = list(p_value = unname(ft$p.value), odds_ratio = unname(ft$estimate),
                      or_ci = arr(as.vector(ft$conf.int))),
      r_refined = fisher_refined(tb$t, alt, 0.95),
      r_refined_note = paste("odds_ratio and or_ci re-solved in this script from the same",
                             "conditional equations on the log odds-ratio scale with uniroot",
                             "tol 1e-13 (about 1e-12 relative); not fisher.test output")
    )
    if (isTRUE(tb$zero_margin)) {
      case$r_note <- paste("a zero margin: the conditional distribution is a single point,",
                           "so p = 1;", fisher_uniroot_note)
    }
    if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
    add_case(case)
  }
}

for (tb in tables_rxc) {
  r_call <- sprintf("fisher.test(%s, workspace = 2e7)", matrix_text(tb$t))
  res <- run_call(r_call, new.env(parent = globalenv()))
  ft <- res$value
  case <- list(
    id = sprintf("fisher_exact/rxc/%s", tb$name),
    `function` = "fisher_exact",
    inputs = list(table = mat(tb$t)),
    options = list(alternative = "two-sided"),
    r_call = r_call,
    r_source = "stats::fisher.test",
    r_note = paste("r x c exact test (network algorithm); tables whose probability is within",
                   "a relative 1e-7 of the observed one count as 'as extreme'"),
    expected = list(p_value = unname(ft$p.value))
  )
  if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
  add_case(case)
}

# --- chi2_test ---------------------------------------------------------------

for (tb in tables_2x2) {
  if (isTRUE(tb$zero_margin)) next
  for (correct in c(FALSE, TRUE)) {
    r_call <- sprintf("chisq.test(%s, correct = %s)", matrix_text(tb$t),
                      if (correct) "TRUE" else "FALSE")
    res <- run_call(r_call, new.env(parent = globalenv()))
    ct <- res$value
    case <- list(
      id = sprintf("chi2_test/2x2/%s/correction=%s", tb$name, tolower(correct)),
      `function` = "chi2_test",
      inputs = list(table = mat(tb$t)),
      options = list(correction = correct),
      r_call = r_call,
      r_source = "stats::chisq.test",
      expected = list(statistic = unname(ct$statistic), df = unname(ct$parameter),
                      p_value = unname(ct$p.value), expected = mat(ct$expected))
    )
    if (correct) {
      case$r_note <- "Yates correction as chisq.test applies it: min(0.5, abs(x - E)) per cell"
    }
    if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
    add_case(case)
  }
}

for (tb in tables_rxc) {
  r_call <- sprintf("chisq.test(%s)", matrix_text(tb$t))
  res <- run_call(r_call, new.env(parent = globalenv()))
  ct <- res$value
  case <- list(
    id = sprintf("chi2_test/rxc/%s", tb$name),
    `function` = "chi2_test",
    inputs = list(table = mat(tb$t)),
    options = list(correction = FALSE),
    r_call = r_call,
    r_source = "stats::chisq.test",
    expected = list(statistic = unname(ct$statistic), df = unname(ct$parameter),
                    p_value = unname(ct$p.value), expected = mat(ct$expected))
  )
  if (length(res$warnings)) case$r_warnings <- as.list(res$warnings)
  add_case(case)
}

# ---------------------------------------------------------------------------
# Write
# ---------------------------------------------------------------------------

ids <- vapply(cases, function(cs) cs$id, "")
if (anyDuplicated(ids)) stop("duplicate case ids: ", paste(ids[duplicated(ids)], collapse = ", "))

dataset_json <- lapply(names(datasets), function(nm) {
  df <- datasets[[nm]]
  list(source = dataset_meta[[nm]]$source,
       n_rows = nrow(df),
       column_notes = if (length(dataset_meta[[nm]]$column_notes)) {
         dataset_meta[[nm]]$column_notes
       } else {
         structure(list(), names = character(0))
       },
       columns = structure(lapply(names(df), function(col) arr(df[[col]])), names = names(df)))
})
names(dataset_json) <- names(datasets)

out <- list(
  `_note` = paste("Generated by reference/generate_reference.R. Do not edit.",
                  "Regenerate with: Rscript reference/generate_reference.R"),
  generated_by = script_name,
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  conventions = list(
    na = "R's NA is written as null",
    nonfinite = paste("NaN, Inf and -Inf are written as null; cases holding any list them in",
                      "r_nonfinite (field, zero-based index, value; \"in\": \"r_refined\" when",
                      "the field is in r_refined rather than expected)"),
    numbers = "doubles written with sprintf(\"%.17g\") and round-trip exactly",
    r_call = "the exact R text evaluated; `d` is the case's dataset after its subset"
  ),
  datasets = dataset_json,
  cases = cases
)

text <- to_json(out)
con <- file(out_path, open = "wb")
writeBin(charToRaw(enc2utf8(paste0(text, "\n"))), con)
close(con)
cat(sprintf("wrote %s: %d datasets, %d cases\n", out_path, length(datasets), length(cases)))
