# The gastric HER2-loss cohort analysed in R straight from its raw files,
# independently of the pipeline's cleaning and classification: the six
# univariable Cox models of the Results (PFS and OS by loss of HER2 positivity,
# by initial IHC 2+ vs 3+, and by HER2/CEP17 ratio >= 4.48 among the patients
# with a ratio), with Breslow ties as SPSS COXREG fits them (the convention the
# study declares: config/studies/gastric_her2_loss.yaml) and with Efron ties
# (R's default, the declared variant efron); and the median follow-up by the
# paper's definition (median observed time of all 48, deaths included) and by
# the reverse Kaplan-Meier.
#   Rscript tests/r/gastric_her2_loss.R   (from the repository root)
# Writes tests/fixtures/r/gastric_her2_loss/cox.csv (analysis, ties, quantity,
# value), follow_up.csv (analysis, quantity, value) and versions.csv;
# tests/test_analyses_gastric_her2_loss.py compares the pipeline's declared
# analyses with them at 1e-6 relative.
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out <- "tests/fixtures/r/gastric_her2_loss"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
raw <- "data/raw/gastric_her2_loss"
p <- read.csv(file.path(raw, "patients.csv"), na.strings = "", stringsAsFactors = FALSE)
s <- read.csv(file.path(raw, "specimens.csv"), na.strings = "", stringsAsFactors = FALSE)

# Inclusion (the study's three steps): progression on first-line chemotherapy,
# a post-progression biopsy, evaluable by IHC.
evaluable <- s$patient_id[s$timepoint == "post_progression" & !is.na(s$ihc_score)]
p <- p[!is.na(p$progression_date) & p$patient_id %in% evaluable, ]
stopifnot(nrow(p) == 48)

# HER2 status of a specimen (Methods): ISH ratio > 2.2 positive, < 1.8
# negative, 1.8-2.2 decided by the recount of 20 more cells (>= 2.0 positive);
# without a ratio, the reported ISH call. Positive: IHC 3+ or ISH positive;
# negative: IHC 0/1+, or 2+ with ISH negative; 2+ without ISH undetermined.
ish <- ifelse(is.na(s$ish_ratio), s$ish_result,
       ifelse(s$ish_ratio > 2.2, "positive", ifelse(s$ish_ratio < 1.8, "negative",
       ifelse(is.na(s$ish_ratio_recount), NA, ifelse(s$ish_ratio_recount >= 2, "positive", "negative")))))
ish[is.na(ish)] <- "none"
s$ihc <- as.integer(sub("+", "", s$ihc_score, fixed = TRUE))
s$status <- ifelse(s$ihc %in% 3 | ish == "positive", "positive",
            ifelse(s$ihc %in% 0:1 | (s$ihc %in% 2 & ish == "negative"), "negative", NA))
at <- function(timepoint) s[s$timepoint == timepoint, ][match(p$patient_id, s$patient_id[s$timepoint == timepoint]), ]
before <- at("baseline")
after <- at("post_progression")
p$her2_change <- factor(ifelse(before$status == "positive" & after$status == "positive", "persistent",
                        ifelse(before$status == "positive" & after$status == "negative", "loss", NA)),
                        levels = c("persistent", "loss"))
p$ihc <- factor(before$ihc, levels = c(3, 2))  # reference 3+
p$ish_ratio <- before$ish_ratio
stopifnot(!anyNA(p$her2_change), !anyNA(p$ihc))

# PFS: progression or death from the start of first-line chemotherapy; OS:
# death; censored at last contact. Months = days / (365.25 / 12), the pipeline's.
month <- 365.25 / 12
start <- as.Date(p$treatment_start_date)
days <- function(x) as.numeric(as.Date(x) - start)
pfs_event_day <- pmin(days(p$progression_date), days(p$death_date), na.rm = TRUE)
p$pfs_event <- as.integer(!is.na(pfs_event_day))
p$pfs_months <- ifelse(is.na(pfs_event_day), days(p$last_contact_date), pfs_event_day) / month
p$os_event <- as.integer(!is.na(p$death_date))
p$os_months <- ifelse(is.na(p$death_date), days(p$last_contact_date), days(p$death_date)) / month
stopifnot(sum(p$pfs_event) == 48, sum(p$os_event) == 30)

with_ratio <- p[!is.na(p$ish_ratio), ]
with_ratio$ish_ratio_ge_4_48 <- factor(with_ratio$ish_ratio >= 4.48, levels = c(FALSE, TRUE))
stopifnot(nrow(with_ratio) == 36)

rows <- list()
put <- function(analysis, ties, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(analysis = analysis, ties = ties, quantity = quantity, value = unname(value))
}
models <- list(
  pfs_cox_by_change = list(Surv(pfs_months, pfs_event) ~ her2_change, p),
  os_cox_by_change = list(Surv(os_months, os_event) ~ her2_change, p),
  pfs_cox_by_ihc = list(Surv(pfs_months, pfs_event) ~ ihc, p),
  os_cox_by_ihc = list(Surv(os_months, os_event) ~ ihc, p),
  pfs_cox_by_ish_ratio = list(Surv(pfs_months, pfs_event) ~ ish_ratio_ge_4_48, with_ratio),
  os_cox_by_ish_ratio = list(Surv(os_months, os_event) ~ ish_ratio_ge_4_48, with_ratio)
)
for (name in names(models)) {
  for (ties in c("breslow", "efron")) {
    fit <- coxph(models[[name]][[1]], data = models[[name]][[2]], ties = ties)
    sm <- summary(fit)
    co <- sm$coefficients
    stopifnot(nrow(co) == 1)
    put(name, ties, "coef", co[1, "coef"])
    put(name, ties, "hr", co[1, "exp(coef)"])
    put(name, ties, "se", co[1, "se(coef)"])
    put(name, ties, "conf_low", sm$conf.int[1, "lower .95"])
    put(name, ties, "conf_high", sm$conf.int[1, "upper .95"])
    put(name, ties, "z", co[1, "z"])
    put(name, ties, "p", co[1, "Pr(>|z|)"])
    put(name, ties, "lr_statistic", sm$logtest["test"])
    put(name, ties, "lr_p", sm$logtest["pvalue"])
    put(name, ties, "wald_statistic", fit$wald.test)
    put(name, ties, "wald_p", pchisq(fit$wald.test, 1, lower.tail = FALSE))
    put(name, ties, "score_statistic", sm$sctest["test"])
    put(name, ties, "score_p", sm$sctest["pvalue"])
    put(name, ties, "loglik_null", fit$loglik[1])
    put(name, ties, "loglik", fit$loglik[2])
    put(name, ties, "n", fit$n)
    put(name, ties, "n_events", fit$nevent)
  }
}
write.csv(do.call(rbind, rows), file.path(out, "cox.csv"), row.names = FALSE)

# Median follow-up from the start of first-line chemotherapy: the median observed
# time of all patients (the paper's 16.2, range 2.9-59.2) and the reverse
# Kaplan-Meier median (deaths censored; R's default conf.type "log").
reverse <- summary(survfit(Surv(os_months, 1 - os_event) ~ 1, data = p))$table
follow_up <- data.frame(
  analysis = c(rep("follow_up_all_patients", 3), rep("follow_up", 3)),
  quantity = c("estimate", "min_time", "max_time", "estimate", "conf_low", "conf_high"),
  value = unname(c(median(p$os_months), range(p$os_months), reverse[["median"]], reverse[["0.95LCL"]], reverse[["0.95UCL"]])))
write.csv(follow_up, file.path(out, "follow_up.csv"), row.names = FALSE)
write.csv(data.frame(package = c("R", "survival"), version = c(R.version.string, as.character(packageVersion("survival")))),
          file.path(out, "versions.csv"), row.names = FALSE)
