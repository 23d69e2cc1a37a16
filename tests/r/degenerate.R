# Reference values for degenerate cohorts (tests/test_degenerate.py).
#   Rscript tests/r/degenerate.R   (run from the repository root)
#
# On each cohort of tests/data/degenerate_cohorts.csv (a single patient, two
# patients, no events, all events, every time tied, a group with no patient,
# perfect separation of the outcome by the score) computes what R prints, or
# records that R gives NA / NaN / an error / a warning:
#   km_median      summary(survfit(Surv(time, event) ~ 1))$table (conf.type "log")
#   logrank        survdiff(Surv(time, event) ~ group)
#   cox            coxph(Surv(time, event) ~ group) (Efron) and its LR / score tests
#   wilcox_paired  wilcox.test(x, y, paired = TRUE)
#   wilcox_groups  wilcox.test(x ~ group)
#   kruskal        kruskal.test(x ~ group)
#   fisher         fisher.test(table(group, outcome))
#   binom          binom.test(sum(outcome == "yes"), n)
#   glm            glm(outcome == "yes" ~ score, binomial, epsilon = 1e-14), Wald CI (confint.default)
# Output: tests/fixtures/r/degenerate/reference.csv, one row per (cohort, analysis,
# quantity): value (NA when R gives NA or NaN) and what R said (warning or error).
suppressPackageStartupMessages(library(survival))
options(digits = 15, warn = 1)
out <- "tests/fixtures/r/degenerate"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
cohorts <- read.csv("tests/data/degenerate_cohorts.csv", stringsAsFactors = FALSE)

rows <- list()
add <- function(cohort, analysis, values, said = "") {
  for (q in names(values)) {
    v <- suppressWarnings(as.numeric(values[[q]]))
    rows[[length(rows) + 1]] <<- data.frame(cohort = cohort, analysis = analysis, quantity = q,
                                            value = if (length(v) == 0 || !is.finite(v)) NA else v,
                                            r_said = said, stringsAsFactors = FALSE)
  }
}
# Run expr; return list(value, said) where said collects warnings and the error.
capture <- function(expr) {
  said <- character()
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) { said <<- c(said, paste("error:", conditionMessage(e))); NULL }),
    warning = function(w) { said <<- c(said, paste("warning:", conditionMessage(w))); invokeRestart("muffleWarning") })
  list(value = value, said = paste(said, collapse = "; "))
}

for (name in unique(cohorts$cohort)) {
  d <- cohorts[cohorts$cohort == name, ]
  r <- capture(summary(survfit(Surv(time, event) ~ 1, data = d))$table)
  add(name, "km_median", if (is.null(r$value)) list(median = NA) else
      list(median = r$value[["median"]], conf_low = r$value[["0.95LCL"]], conf_high = r$value[["0.95UCL"]]), r$said)
  r <- capture(survdiff(Surv(time, event) ~ group, data = d))
  add(name, "logrank", if (is.null(r$value)) list(statistic = NA, p_value = NA) else
      list(statistic = r$value$chisq, p_value = pchisq(r$value$chisq, length(r$value$n) - 1, lower.tail = FALSE)), r$said)
  r <- capture(coxph(Surv(time, event) ~ group, data = d))
  if (is.null(r$value)) add(name, "cox", list(estimate = NA), r$said) else {
    f <- r$value
    s <- capture(summary(f))
    ci <- if (is.null(s$value) || is.null(s$value$conf.int)) c(NA, NA, NA) else s$value$conf.int[1, c(1, 3, 4)]
    p <- if (is.null(s$value) || is.null(s$value$coefficients)) NA else s$value$coefficients[1, 5]
    add(name, "cox", list(estimate = ci[1], conf_low = ci[2], conf_high = ci[3], p_value = p,
                          lr_statistic = if (is.null(s$value)) NA else s$value$logtest[["test"]],
                          score_statistic = if (is.null(s$value) || is.null(s$value$sctest)) NA else s$value$sctest[["test"]]),
        paste(c(r$said, s$said)[nzchar(c(r$said, s$said))], collapse = "; "))
  }
  r <- capture(wilcox.test(d$x, d$y, paired = TRUE))
  add(name, "wilcox_paired", if (is.null(r$value)) list(statistic = NA, p_value = NA) else
      list(statistic = r$value$statistic, p_value = r$value$p.value), r$said)
  r <- capture(wilcox.test(x ~ group, data = d))
  add(name, "wilcox_groups", if (is.null(r$value)) list(statistic = NA, p_value = NA) else
      list(statistic = r$value$statistic, p_value = r$value$p.value), r$said)
  r <- capture(kruskal.test(x ~ factor(group), data = d))
  add(name, "kruskal", if (is.null(r$value)) list(statistic = NA, p_value = NA) else
      list(statistic = r$value$statistic, df = r$value$parameter, p_value = r$value$p.value), r$said)
  r <- capture(fisher.test(table(factor(d$group, levels = c("a", "b")), factor(d$outcome, levels = c("no", "yes")))))
  add(name, "fisher", if (is.null(r$value)) list(estimate = NA, p_value = NA) else
      list(estimate = r$value$estimate, conf_low = r$value$conf.int[1], conf_high = r$value$conf.int[2], p_value = r$value$p.value), r$said)
  r <- capture(binom.test(sum(d$outcome == "yes"), nrow(d)))
  add(name, "binom", list(estimate = r$value$estimate, conf_low = r$value$conf.int[1], conf_high = r$value$conf.int[2],
                          p_value = r$value$p.value), r$said)
  # epsilon 1e-14: R's default (1e-8) reports the SEs of the previous iteration (see tests/r/logistic.R)
  r <- capture(glm(outcome == "yes" ~ score, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100)))
  if (is.null(r$value) || is.na(coef(r$value)[["score"]])) add(name, "glm", list(estimate = NA), r$said) else {
    ci <- suppressWarnings(confint.default(r$value))["score", ]
    add(name, "glm", list(estimate = exp(coef(r$value)[["score"]]), conf_low = exp(ci[[1]]), conf_high = exp(ci[[2]]),
                          p_value = summary(r$value)$coefficients["score", 4]), r$said)
  }
}
write.csv(do.call(rbind, rows), file.path(out, "reference.csv"), row.names = FALSE)
versions <- data.frame(package = c("R", "survival"), version = c(paste(R.version$major, R.version$minor, sep = "."),
                       as.character(packageVersion("survival"))))
write.csv(versions, file.path(out, "versions.csv"), row.names = FALSE)
