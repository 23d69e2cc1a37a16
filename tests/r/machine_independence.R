# Reference values for the decisions that must not depend on the last bit of
# floating point (README "Numbers on every machine"; docs/numerics.md):
#   * survival times equal in exact arithmetic but not as doubles (k * 0.3 against
#     k * 3 / 10): survfit, survdiff and coxph merge them (timefix = TRUE, aeqSurv);
#   * covariate patterns shared by many patients: coxph's concordance counts
#     pairs with equal linear predictors as tied.
#   Rscript tests/r/machine_independence.R   (run from the repository root)
# Produced with R 4.2.2 and survival 3.5-3 (versions.csv).
#
# Inputs:  tests/data/tied_times_patterns.csv, written below from a fixed seed with
#          17 significant digits (write.csv's 15 would round the noise away).
# Outputs: tests/fixtures/r/machine_independence/
#   km.csv        summary(survfit(Surv(time, event) ~ arm)): time, n.risk, n.event, surv
#   survdiff.csv  survdiff(Surv(time, event) ~ arm): chisq, df, p
#   cox.csv       coxph(Surv(time, event) ~ arm + grade + marker, ties = efron / breslow):
#                 coefficients, loglik, concordance and its pair counts
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out <- "tests/fixtures/r/machine_independence"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20261207)
n <- 120
k <- sample(1:24, n, replace = TRUE)
made <- data.frame(
  time = ifelse(seq_len(n) %% 2 == 0, k * 0.3, k * 3 / 10),
  event = rbinom(n, 1, 0.7),
  arm = sample(c("A", "B", "C"), n, replace = TRUE),
  grade = sample(1:3, n, replace = TRUE),
  marker = sample(c(0.5, 1.5, 2.5), n, replace = TRUE)
)
lines <- c("time,event,arm,grade,marker",
           sprintf("%.17g,%d,%s,%d,%.17g", made$time, made$event, made$arm, made$grade, made$marker))
writeLines(lines, "tests/data/tied_times_patterns.csv")

d <- read.csv("tests/data/tied_times_patterns.csv")
stopifnot(identical(d$time, made$time))
cat("distinct doubles:", length(unique(d$time)), " distinct times:", length(unique(k)), "\n")

fit <- survfit(Surv(time, event) ~ arm, data = d)
s <- summary(fit, censored = TRUE)
write.csv(data.frame(group = sub("arm=", "", as.character(s$strata)), time = s$time,
                     n_risk = s$n.risk, n_event = s$n.event, survival = s$surv),
          file.path(out, "km.csv"), row.names = FALSE)

sd <- survdiff(Surv(time, event) ~ arm, data = d)
write.csv(data.frame(chisq = sd$chisq, df = length(sd$n) - 1,
                     p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)),
          file.path(out, "survdiff.csv"), row.names = FALSE)

rows <- list()
for (ties in c("efron", "breslow")) {
  cf <- coxph(Surv(time, event) ~ arm + grade + marker, data = d, ties = ties)
  cc <- cf$concordance
  rows[[ties]] <- data.frame(ties = ties, term = names(coef(cf)), coef = unname(coef(cf)),
                             se = unname(sqrt(diag(vcov(cf)))), loglik = cf$loglik[2],
                             concordance = unname(cc["concordance"]),
                             concordant = unname(cc["concordant"]), discordant = unname(cc["discordant"]),
                             tied_x = unname(cc["tied.x"]), tied_y = unname(cc["tied.y"]))
}
write.csv(do.call(rbind, rows), file.path(out, "cox.csv"), row.names = FALSE)
write.csv(data.frame(software = c("R", "survival"),
                     version = c(R.version.string, as.character(packageVersion("survival")))),
          file.path(out, "versions.csv"), row.names = FALSE)
