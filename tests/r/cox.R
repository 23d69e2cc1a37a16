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
source("tests/r/lib/coxph_rows.R")  # coxph_rows(), write17()
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
  rows <- coxph_rows(name, m[[1]], m[[2]], m[[3]])
  coef_rows[[name]] <- rows$coef
  test_rows[[name]] <- rows$tests
  fit <- rows$fit
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

write17(do.call(rbind, coef_rows), "coef.csv", out)
write17(do.call(rbind, test_rows), "tests.csv", out)
write17(do.call(rbind, zph_rows), "zph.csv", out)
write.csv(data.frame(software = c("R", "survival"),
                     version = c(R.version.string, as.character(packageVersion("survival")))),
          file.path(out, "versions.csv"), row.names = FALSE)
