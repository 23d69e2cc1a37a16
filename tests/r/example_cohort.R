# The example cohort analysed in R straight from its raw dates, independently of
# the pipeline's cleaning: PFS and OS in months (days / 30.4375), events, the
# Kaplan-Meier median PFS and OS, the log-rank test and the Cox HR of PFS by
# first-line best response (PR/CR vs other), and the Cox HR of PFS per year of age,
# among the 7 analysed patients.
#   Rscript tests/r/example_cohort.R   (from the repository root)
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out <- "tests/fixtures/r/example_cohort"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
p <- read.csv("data/raw/example/patients.csv", na.strings = "", stringsAsFactors = FALSE)
s <- read.csv("data/raw/example/specimens.csv", na.strings = "", stringsAsFactors = FALSE)
# Inclusion, as config/studies/example.yaml declares it.
evaluable <- s$patient_id[s$timepoint == "post_progression" & !is.na(s$ihc_score)]
p <- p[!is.na(p$progression_date) & p$patient_id %in% evaluable, ]
d <- function(x) as.Date(x)
start <- d(p$treatment_start_date)
pfs_end <- pmin(d(p$progression_date), d(p$death_date), na.rm = TRUE)
p$pfs_event <- as.integer(!is.na(pfs_end))
p$pfs_months <- as.numeric(ifelse(is.na(pfs_end), d(p$last_contact_date), pfs_end) - as.numeric(start)) / (365.25 / 12)
p$os_event <- as.integer(!is.na(p$death_date))
p$os_months <- as.numeric(ifelse(is.na(p$death_date), d(p$last_contact_date), d(p$death_date)) - as.numeric(start)) / (365.25 / 12)
p$responder <- ifelse(p$best_response %in% c("CR", "PR"), "yes", "no")
write.csv(p[, c("patient_id", "pfs_months", "pfs_event", "os_months", "os_event", "responder")],
          file.path(out, "endpoints.csv"), row.names = FALSE)
med <- function(fit, what) {
  t <- summary(fit)$table
  data.frame(endpoint = what, median = t[["median"]], lower = t[["0.95LCL"]], upper = t[["0.95UCL"]])
}
write.csv(rbind(med(survfit(Surv(pfs_months, pfs_event) ~ 1, data = p), "pfs"),
                med(survfit(Surv(os_months, os_event) ~ 1, data = p), "os")),
          file.path(out, "medians.csv"), row.names = FALSE, na = "NA")
lr <- survdiff(Surv(pfs_months, pfs_event) ~ responder, data = p)
cx <- coxph(Surv(pfs_months, pfs_event) ~ age_years, data = p)
write.csv(data.frame(logrank_chisq = lr$chisq, logrank_p = pchisq(lr$chisq, 1, lower.tail = FALSE),
                     cox_hr_age = exp(coef(cx))[[1]], cox_p_age = summary(cx)$coefficients[1, 5]),
          file.path(out, "pfs_by_response.csv"), row.names = FALSE)
