# Reference values for her2cohort.stats.logistic.
#   Rscript tests/r/logistic.R   (run from the repository root)
#
# Inputs (tests/data/):
#   logistic_gastric_hscore.csv, logistic_gastric_ish.csv  one row per patient rebuilt
#       from Table 2 of the gastric HER2-loss paper (seed 000); ..._hscore_printed_or.csv
#       is the only 34/14 split that reproduces the paper's printed OR 3.20 (see tests)
#   logistic_sex2.csv  logistf's sex2 data (239 women), expanded from logistf's
#       aggregated table sexagg (cran/logistf data/sexagg.txt, COUNT = frequency)
#   logistic_firth_separation.csv  the data of firthmodels' tests (tests/conftest.py,
#       make_separation_data(seed = 42, n = 100)), regenerated with numpy
#   logistic_separation.csv  small hand-made data with complete / quasi-complete
#       separation (sets "complete", "quasi", "category")
#   asah.csv  pROC's aSAH
# Writes tests/fixtures/r/logistic/:
#   glm.csv         glm(family = binomial), default control: coefficient, SE, z, Wald p
#                   (summary.glm), Wald CI (confint.default = what EZR prints) and
#                   profile-likelihood CI from MASS (confint(glm) in R 4.2.2 dispatches
#                   to MASS:::confint.glm, which interpolates a spline through a grid
#                   of profile points: accurate to ~1e-3, not to 1e-6)
#   glm_converged.csv  the same models refitted with glm.control(epsilon = 1e-14): R's
#                   default stops on a relative deviance change < 1e-8 and reports SEs
#                   from the weights of the previous iterate, so its SE and p can be
#                   ~1e-4 and ~1e-3 off the converged values (aSAH model); the 1e-6
#                   tests compare to this file (its SEs still lag one iterate: ~3e-7)
#   profile_exact.csv  the same profile-likelihood limits solved exactly: uniroot on
#                   the profile deviance (glm.fit with the coefficient as an offset,
#                   epsilon = 1e-14), tol = 1e-12; this is what 1e-6 tests compare to
#   separation.csv  what glm returns under (quasi-)complete separation: huge
#                   coefficients and the warning text, to show that R does not stop
#   firth.csv       Firth's bias-reduced estimates from brglm2
#                   (glm(method = "brglmFit", type = "AS_mean"), epsilon = 1e-12): for
#                   logistic regression the mean-bias-reducing adjusted score equals
#                   Firth's penalized likelihood score, i.e. logistf's point estimate.
#                   std_error_brglm2: brglm2's SE (inverse Fisher information X'WX);
#                   std_error_logistf: logistf's SE formula (inverse of the augmented
#                   information X' diag((1 + h) w) X) evaluated at brglm2's estimate
#   versions.csv    R, MASS and brglm2 versions
# logistf (profile penalized-likelihood CIs, penalized LR p) is not installable here;
# its published values are pinned in tests/stats/test_logistic.py with their source.
# Produced with R 4.2.2, MASS 7.3-58.2, brglm2 0.9.
suppressPackageStartupMessages({library(MASS); library(brglm2)})
options(digits = 15)
out <- "tests/fixtures/r/logistic"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

hscore <- read.csv("tests/data/logistic_gastric_hscore.csv")
hscore_printed <- read.csv("tests/data/logistic_gastric_hscore_printed_or.csv")
ish <- read.csv("tests/data/logistic_gastric_ish.csv")
sex2 <- read.csv("tests/data/logistic_sex2.csv")
firth_sep <- read.csv("tests/data/logistic_firth_separation.csv")
sep <- read.csv("tests/data/logistic_separation.csv", na.strings = "NA")
asah <- read.csv("tests/data/asah.csv")

loss <- function(d) { d$her2_loss <- as.integer(d$her2_status_change == "loss"); d }
hscore <- loss(hscore); hscore_printed <- loss(hscore_printed); ish <- loss(ish)
hscore$hscore_group <- factor(hscore$hscore_group, levels = c(">170", "<=170"))
hscore_printed$hscore_group <- factor(hscore_printed$hscore_group, levels = c(">170", "<=170"))
ish$ish_group <- factor(ish$ish_group, levels = c(">4.36", "<=4.36"))
asah$poor <- as.integer(asah$outcome == "Poor")
asah$gender <- relevel(factor(asah$gender), ref = "Male")  # explicit, non-default reference
asah$wfns <- factor(asah$wfns)

models <- list(
  gastric_hscore = list(her2_loss ~ hscore_group, hscore),
  gastric_hscore_printed_or = list(her2_loss ~ hscore_group, hscore_printed),
  gastric_ish = list(her2_loss ~ ish_group, ish),
  asah = list(poor ~ age + gender + s100b + wfns, asah)
)

profile_exact <- function(fit, j, level = 0.95) {
  X <- model.matrix(fit); y <- fit$y
  b <- coef(fit)[j]; se <- sqrt(diag(vcov(fit)))[j]
  crit <- qchisq(level, 1)
  excess <- function(v) {
    # far-out profile points give "fitted probabilities numerically 0 or 1": expected
    f <- suppressWarnings(glm.fit(X[, -j, drop = FALSE], y, offset = v * X[, j],
                                  family = binomial(),
                                  control = glm.control(epsilon = 1e-14, maxit = 200)))
    f$deviance - fit$deviance - crit
  }
  lim <- function(sign) {
    step <- se
    while (excess(b + sign * step) < 0) step <- 2 * step
    uniroot(excess, sort(c(b, b + sign * step)), tol = 1e-12)$root
  }
  c(lim(-1), lim(1))
}

glm_rows <- list(); tight_rows <- list(); exact_rows <- list()
for (id in names(models)) {
  fit <- glm(models[[id]][[1]], family = binomial, data = models[[id]][[2]])
  # refit to full convergence: the profile deviance is compared against this optimum
  tight <- update(fit, control = glm.control(epsilon = 1e-14, maxit = 200))
  s <- coef(summary(fit))
  wald <- confint.default(fit)
  prof <- suppressMessages(confint(fit))
  glm_rows[[id]] <- data.frame(
    id = id, term = rownames(s), estimate = s[, 1], std_error = s[, 2],
    statistic = s[, 3], p_value = s[, 4],
    wald_low = wald[, 1], wald_high = wald[, 2],
    mass_profile_low = prof[, 1], mass_profile_high = prof[, 2],
    n = nobs(fit), deviance = deviance(fit), iterations = fit$iter)
  st <- coef(summary(tight)); wt <- confint.default(tight)
  tight_rows[[id]] <- data.frame(
    id = id, term = rownames(st), estimate = st[, 1], std_error = st[, 2],
    statistic = st[, 3], p_value = st[, 4], wald_low = wt[, 1], wald_high = wt[, 2],
    n = nobs(tight), deviance = deviance(tight), iterations = tight$iter)
  exact <- t(sapply(seq_along(coef(tight)), function(j) profile_exact(tight, j)))
  exact_rows[[id]] <- data.frame(id = id, term = names(coef(tight)),
                                 estimate = unname(coef(tight)),
                                 profile_low = exact[, 1], profile_high = exact[, 2])
}
write.csv(do.call(rbind, glm_rows), file.path(out, "glm.csv"), row.names = FALSE)
write.csv(do.call(rbind, tight_rows), file.path(out, "glm_converged.csv"), row.names = FALSE)
write.csv(do.call(rbind, exact_rows), file.path(out, "profile_exact.csv"), row.names = FALSE)

# glm under separation: record what R returns and the warning it gives
sep_sets <- list(
  complete = list(y ~ x, sep[sep$set == "complete", ]),
  quasi = list(y ~ x, sep[sep$set == "quasi", ]),
  category = list(y ~ x + arm, sep[sep$set == "category", ]),
  firth_separation = list(y ~ separator + x1 + x2 + x3, firth_sep),
  # logistf's sex2: every woman using a diaphragm (dia = 1) is a case
  sex2 = list(case ~ age + oc + vic + vicl + vis + dia, sex2)
)
sep_rows <- list()
for (id in names(sep_sets)) {
  warned <- character(0)
  fit <- withCallingHandlers(
    glm(sep_sets[[id]][[1]], family = binomial, data = sep_sets[[id]][[2]]),
    warning = function(w) { warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- coef(summary(fit))
  sep_rows[[id]] <- data.frame(id = id, term = rownames(s), estimate = s[, 1],
                               std_error = s[, 2], p_value = s[, 4],
                               converged = fit$converged,
                               warning = paste(unique(warned), collapse = " | "))
}
write.csv(do.call(rbind, sep_rows), file.path(out, "separation.csv"), row.names = FALSE)

# Firth (= logistf point estimates) via brglm2
firth_sets <- c(sep_sets, list(gastric_hscore = models$gastric_hscore))
firth_rows <- list()
for (id in names(firth_sets)) {
  fit <- glm(firth_sets[[id]][[1]], family = binomial, data = firth_sets[[id]][[2]],
             method = "brglmFit", type = "AS_mean", epsilon = 1e-12, maxit = 500)
  s <- coef(summary(fit))
  # logistf reports SEs from the augmented information X' diag((1 + h) p (1 - p)) X
  # (h = hat values), not brglm2's X' diag(p (1 - p)) X: computed here from the formula
  X <- model.matrix(fit); p <- fitted(fit); w <- p * (1 - p)
  h <- rowSums((X %*% solve(crossprod(X * sqrt(w)))) * X) * w
  se_logistf <- sqrt(diag(solve(crossprod(X * sqrt(w * (1 + h))))))
  firth_rows[[id]] <- data.frame(id = id, term = rownames(s), estimate = s[, 1],
                                 std_error_brglm2 = s[, 2], std_error_logistf = se_logistf,
                                 converged = fit$converged)
}
write.csv(do.call(rbind, firth_rows), file.path(out, "firth.csv"), row.names = FALSE)

write.csv(data.frame(component = c("R", "MASS", "brglm2"),
                     version = c(R.version.string, as.character(packageVersion("MASS")),
                                 as.character(packageVersion("brglm2")))),
          file.path(out, "versions.csv"), row.names = FALSE)
