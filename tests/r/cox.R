# Reference values for src/her2cohort/stats/cox.py (Cox proportional hazards
# models and the proportional-hazards test), computed with survival::coxph,
# summary.coxph and cox.zph(transform = "km", terms = TRUE).
#   Rscript tests/r/cox.R   (run from the repository root)
# Produced with R 4.2.2 and survival 3.5-3 (see tests/fixtures/r/cox/versions.csv).
#
# Inputs:  tests/data/lung.csv, tests/data/veteran.csv (exported from survival),
#          tests/data/cox_ties.csv, cox_monotone.csv, cox_collinear.csv (written
#          below from a fixed seed, then read back like the others).
# Outputs: tests/fixtures/r/cox/
#   coef.csv    one row per model x coefficient: coef, exp(coef), se(coef), z, p,
#               Wald CI of the HR (summary.coxph, conf.int = 0.95)
#   tests.csv   one row per model: n, events, loglik (null, final), LR / Wald /
#               score tests with df and p, concordance and its pair counts,
#               iterations, and any warning coxph raised
#   zph.csv     cox.zph(fit, transform = "km", terms = TRUE)$table per model
#   versions.csv
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out <- "tests/fixtures/r/cox"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

# ---- small datasets made here, deterministic ---------------------------------
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20240611)
n <- 60
ties <- data.frame(
  time  = sample(1:6, n, replace = TRUE),          # 6 distinct times: heavy ties
  event = rbinom(n, 1, 0.7),
  x     = round(rnorm(n), 2),
  arm   = sample(c("control", "treated"), n, replace = TRUE)
)
write.csv(ties, "tests/data/cox_ties.csv", row.names = FALSE)

set.seed(20240612)
n <- 45
mono <- data.frame(
  time  = round(rexp(n, 0.1), 1) + 0.1,
  event = rbinom(n, 1, 0.75),
  group = rep(c("A", "B", "C"), each = 15),
  x     = round(rnorm(n), 2)
)
mono$event[mono$group == "C"] <- 0                # level C has no events
write.csv(mono, "tests/data/cox_monotone.csv", row.names = FALSE)

set.seed(20240613)
n <- 50
coll <- data.frame(time = round(rexp(n, 0.1), 1) + 0.1, event = rbinom(n, 1, 0.8),
                   x1 = round(rnorm(n), 2))
coll$x2 <- 2 * coll$x1 + 1                         # exactly collinear with x1
coll$z <- round(runif(n), 2)
write.csv(coll, "tests/data/cox_collinear.csv", row.names = FALSE)

# ---- inputs ------------------------------------------------------------------
lung <- read.csv("tests/data/lung.csv")
veteran <- read.csv("tests/data/veteran.csv")
veteran$celltype <- relevel(factor(veteran$celltype), ref = "squamous")
ties <- read.csv("tests/data/cox_ties.csv")
mono <- read.csv("tests/data/cox_monotone.csv")
coll <- read.csv("tests/data/cox_collinear.csv")

models <- list(
  lung_age        = list(Surv(time, status) ~ age, lung, "efron"),
  lung_sex        = list(Surv(time, status) ~ sex, lung, "efron"),
  lung_ecog       = list(Surv(time, status) ~ ph.ecog, lung, "efron"),
  lung_multi      = list(Surv(time, status) ~ age + sex + ph.ecog, lung, "efron"),
  lung_multi_breslow = list(Surv(time, status) ~ age + sex + ph.ecog, lung, "breslow"),
  lung_strata_sex = list(Surv(time, status) ~ age + ph.ecog + strata(sex), lung, "efron"),
  veteran_multi   = list(Surv(time, status) ~ trt + celltype + karno, veteran, "efron"),
  veteran_strata  = list(Surv(time, status) ~ trt + karno + strata(celltype), veteran, "efron"),
  ties_efron      = list(Surv(time, event) ~ x + arm, ties, "efron"),
  ties_breslow    = list(Surv(time, event) ~ x + arm, ties, "breslow"),
  monotone        = list(Surv(time, event) ~ group + x, mono, "efron"),
  collinear       = list(Surv(time, event) ~ x1 + x2 + z, coll, "efron")
)

coef_rows <- list(); test_rows <- list(); zph_rows <- list()
for (name in names(models)) {
  m <- models[[name]]
  warn <- character(0)
  fit <- withCallingHandlers(
    coxph(m[[1]], data = m[[2]], ties = m[[3]]),
    warning = function(w) {
      warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning")
    })
  s <- summary(fit, conf.int = 0.95)
  cf <- s$coefficients
  ci <- s$conf.int
  coef_rows[[name]] <- data.frame(
    model = name, term = rownames(cf), coef = cf[, "coef"],
    exp_coef = cf[, "exp(coef)"], se_coef = cf[, "se(coef)"], z = cf[, "z"],
    p = cf[, "Pr(>|z|)"], conf_low = ci[, "lower .95"], conf_high = ci[, "upper .95"])
  cc <- fit$concordance
  test_rows[[name]] <- data.frame(
    model = name, ties = m[[3]], n = fit$n, nevent = fit$nevent,
    loglik_null = fit$loglik[1], loglik = fit$loglik[2],
    lr = s$logtest[["test"]], lr_df = s$logtest[["df"]], lr_p = s$logtest[["pvalue"]],
    # summary.coxph prints the Wald statistic rounded to 2 decimals (its p uses
    # the unrounded one): take the unrounded fit$wald.test.
    wald = fit$wald.test, wald_df = s$waldtest[["df"]], wald_p = s$waldtest[["pvalue"]],
    score = s$sctest[["test"]], score_df = s$sctest[["df"]], score_p = s$sctest[["pvalue"]],
    concordance = cc[["concordance"]], concordant = cc[["concordant"]],
    discordant = cc[["discordant"]], tied_x = cc[["tied.x"]], tied_y = cc[["tied.y"]],
    tied_xy = cc[["tied.xy"]], iter = fit$iter,
    warning = paste(trimws(warn), collapse = " | "))
  z <- cox.zph(fit, transform = "km", terms = TRUE)$table
  zph_rows[[name]] <- data.frame(model = name, term = rownames(z), chisq = z[, "chisq"],
                                 df = z[, "df"], p = z[, "p"])
}
# cox.zph with one column per coefficient (terms = FALSE) and another transform,
# to pin the general algorithm, not only its default.
fit <- coxph(Surv(time, status) ~ trt + celltype + karno, data = veteran)
for (spec in list(list("veteran_multi_coefwise", "km", FALSE),
                  list("veteran_multi_identity", "identity", TRUE),
                  list("veteran_multi_rank", "rank", TRUE),
                  list("veteran_multi_log", "log", TRUE))) {
  z <- cox.zph(fit, transform = spec[[2]], terms = spec[[3]])$table
  zph_rows[[spec[[1]]]] <- data.frame(model = spec[[1]], term = rownames(z),
                                      chisq = z[, "chisq"], df = z[, "df"], p = z[, "p"])
}

write17 <- function(df, file) {
  num <- vapply(df, is.numeric, logical(1))
  # each value on its own, 17 significant digits (format() of a whole column pads)
  df[num] <- lapply(df[num], function(x)
    vapply(x, function(v) if (is.na(v)) NA_character_ else format(v, digits = 17), ""))
  write.csv(df, file.path(out, file), row.names = FALSE, na = "")
}
write17(do.call(rbind, coef_rows), "coef.csv")
write17(do.call(rbind, test_rows), "tests.csv")
write17(do.call(rbind, zph_rows), "zph.csv")
write.csv(data.frame(software = c("R", "survival"),
                     version = c(R.version.string, as.character(packageVersion("survival")))),
          file.path(out, "versions.csv"), row.names = FALSE)
