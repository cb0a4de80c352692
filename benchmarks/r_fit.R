# R's side of the benchmarks: a long-lived Rscript that benchmarks/run.py drives
# over stdin, so that R's timings and crossval's can be interleaved in one run
# (the machine is shared; back-to-back repeats see the same load).
#
# Commands, one per line; each answer is one tab-separated line on stdout:
#   load PATH N        read time, event, group, age (N little-endian doubles
#                      each, written by run.py from the arrays crossval is
#                      timed on) into a data frame           -> "ok"
#   fit METHOD         km | logrank | cox_efron | cox_breslow
#   fisher R C CELLS   fisher.test on an R x C table (cells column-major); answers
#                      "fisher", or "fisher_big_workspace" when only
#                      workspace = 2e8 works, or "fisher_failed" and R's message
#   versions           R and survival versions
#   quit
# A fit answer is: method, elapsed seconds of the fit alone (the data frame is
# already built), growth of R's heap in MB at its peak (gc()'s "max used"
# since a reset, minus what was in use before), then the numbers run.py checks
# against crossval.
suppressPackageStartupMessages(library(survival))

d <- NULL

heap_mb <- function(g) sum(g[, 2])

timed <- function(f, inner = 1L) {
  before <- heap_mb(gc(reset = TRUE))
  t0 <- proc.time()[["elapsed"]]
  for (i in seq_len(inner)) value <- f()
  seconds <- (proc.time()[["elapsed"]] - t0) / inner
  list(value = value, seconds = seconds, peak = sum(gc()[, 6]) - before)
}

reply <- function(...) {
  cat(paste(..., sep = "\t"), "\n", sep = "")
  flush(stdout())
}

emit <- function(method, res, values) {
  reply(method, sprintf("%.6f", res$seconds), sprintf("%.3f", res$peak),
        paste(sprintf("%.17g", values), collapse = " "))
}

last_surv <- function(fit) fit$surv[cumsum(fit$strata)]  # group 0, then group 1

fit <- function(method) {
  if (method == "km") {
    r <- timed(function() survfit(Surv(time, event) ~ group, data = d))
    emit(method, r, last_surv(r$value))
  } else if (method == "logrank") {
    r <- timed(function() survdiff(Surv(time, event) ~ group, data = d))
    emit(method, r, r$value$chisq)
  } else if (method %in% c("cox_efron", "cox_breslow")) {
    ties <- sub("cox_", "", method)
    r <- timed(function() coxph(Surv(time, event) ~ group + age, data = d, ties = ties))
    emit(method, r, c(coef(r$value), r$value$loglik[2]))
  } else {
    reply("error", paste("unknown method", method))
  }
}

fisher <- function(v) {
  tab <- matrix(v[-(1:2)], nrow = v[1], ncol = v[2])
  # R's default FEXACT workspace fails on many balanced r x c tables of a few
  # hundred; a user would then raise it, so that is timed as well
  label <- "fisher"
  ws <- 200000
  once <- tryCatch(system.time(fisher.test(tab))[["elapsed"]], error = function(e) NA)
  if (is.na(once)) {
    label <- "fisher_big_workspace"
    ws <- 2e8
    once <- tryCatch(system.time(fisher.test(tab, workspace = ws))[["elapsed"]],
                     error = function(e) conditionMessage(e))
    if (is.character(once)) return(reply("fisher_failed", gsub("[\t\n]", " ", once)))
  }
  # repeat small problems so the clock's 1 ms resolution does not dominate
  inner <- max(1L, as.integer(ceiling(0.05 / max(once, 1e-4))))
  r <- timed(function() fisher.test(tab, workspace = ws)$p.value, inner)
  emit(label, r, r$value)
}

con <- file("stdin", open = "r")
repeat {
  line <- readLines(con, n = 1)
  if (length(line) == 0 || line == "quit") break
  words <- strsplit(line, " ", fixed = TRUE)[[1]]
  cmd <- words[1]
  if (cmd == "load") {
    n <- as.integer(words[3])
    f <- file(words[2], "rb")
    cols <- lapply(1:4, function(i) readBin(f, "double", n = n, size = 8, endian = "little"))
    close(f)
    d <- data.frame(time = cols[[1]], event = cols[[2]], group = cols[[3]], age = cols[[4]])
    rm(cols)
    invisible(gc())
    reply("ok", n)
  } else if (cmd == "fit") {
    fit(words[2])
  } else if (cmd == "fisher") {
    fisher(as.numeric(words[-1]))
  } else if (cmd == "versions") {
    reply("versions", R.version.string, as.character(packageVersion("survival")))
  } else {
    reply("error", paste("unknown command", cmd))
  }
}
