# The breast HER2-low evolution cohort analysed in R straight from its raw files,
# independently of the pipeline's cleaning and classification: the tests of
# Table 1, the log-rank tests, Cox hazard ratios and Kaplan-Meier medians of
# breast cancer-specific survival (BCSS), the reverse Kaplan-Meier follow-up,
# and the discordance tests and exact CIs, as the paper's R 4.0.5 computes
# them (chisq.test, kruskal.test, survdiff, coxph, survfit, binom.test; none of
# these changed between R 4.0.5 and this R).
#   Rscript tests/r/breast_her2_low_evolution.R   (from the repository root)
# Writes tests/fixtures/r/breast_her2_low_evolution/reference.csv (quantity,
# value) and versions.csv; tests/test_analyses_breast_her2_low_evolution.py
# compares the pipeline's declared analyses with it at 1e-6 relative.
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out <- "tests/fixtures/r/breast_her2_low_evolution"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
raw <- "data/raw/breast_her2_low_evolution"
p <- read.csv(file.path(raw, "patients.csv"), na.strings = "", stringsAsFactors = FALSE)
s <- read.csv(file.path(raw, "specimens.csv"), na.strings = "", stringsAsFactors = FALSE)

# HER2 group of a specimen: IHC 0 zero, 1+ low, 3+ positive, 2+ by FISH. The
# paper scored each sample by the ASCO/CAP release in force (2007: ratio > 2.2
# positive, < 1.8 negative; 2013/2018: ratio >= 2.0 or >= 6 copies). No ratio
# of this cohort lies in 1.8-2.2 and none has >= 6 copies with a ratio < 2, so
# every release gives the same call: checked here, then ratio >= 2.0 decides.
ihc <- as.integer(sub("\\+", "", s$ihc_score))
two <- ihc == 2
stopifnot(all(!is.na(s$ish_ratio[two])), !any(s$ish_ratio[two] >= 1.8 & s$ish_ratio[two] <= 2.2),
          !any(s$ish_ratio[two] < 2 & s$her2_copies_per_cell[two] >= 6))
s$group <- ifelse(ihc == 0, "zero", ifelse(ihc == 1, "low", ifelse(ihc == 3, "positive",
                  ifelse(s$ish_ratio >= 2, "positive", "low"))))
prim <- s[s$timepoint == "primary", ]
recu <- s[s$timepoint == "recurrence", ]
p$primary_group <- prim$group[match(p$patient_id, prim$patient_id)]
p$group <- factor(recu$group[match(p$patient_id, recu$patient_id)], levels = c("zero", "low", "positive"))
p$hr <- recu$hr_status[match(p$patient_id, recu$patient_id)]
p$site <- recu$site[match(p$patient_id, recu$patient_id)]
p$ki67 <- recu$ki67_percent[match(p$patient_id, recu$patient_id)]
stopifnot(nrow(p) == 247, !anyNA(p$group), !anyNA(p$primary_group))

# Months from the first recurrence (days / 30.4375, the pipeline's month).
month <- 365.25 / 12
d <- function(x) as.Date(x)
end <- ifelse(is.na(p$death_date), p$last_contact_date, p$death_date)
p$months <- as.numeric(d(end) - d(p$recurrence_date)) / month
p$bcss <- as.integer(!is.na(p$death_date) & p$death_cause == "cancer")
p$death <- as.integer(!is.na(p$death_date))
p$bcfi <- as.numeric(d(p$recurrence_date) - d(p$diagnosis_date)) / month
p$discordant <- p$primary_group != as.character(p$group)

ref <- list()
put <- function(name, value) ref[[name]] <<- value

# --- Table 1: chisq.test() defaults (no 2 x 2 here, so no Yates), kruskal.test
p$bcfi_class <- cut(p$bcfi, c(-Inf, 12, 24 + 1e-12, Inf), right = FALSE)  # < 12, 12-24, > 24
stopifnot(all(table(p$bcfi_class) == c(sum(p$bcfi < 12), sum(p$bcfi >= 12 & p$bcfi <= 24), sum(p$bcfi > 24))))
rows <- list(age_gt_50 = p$age_years > 50, bcfi_class = p$bcfi_class, relapse_type = p$relapse_type,
             recurrence_specimen_site = p$site, recurrence_hr_status = p$hr, ki67_gt_30 = p$ki67 > 30)
for (name in names(rows)) {
  test <- suppressWarnings(chisq.test(table(rows[[name]], p$group)))
  put(paste0("table1_chisq_statistic_", name), unname(test$statistic))
  put(paste0("table1_chisq_p_", name), test$p.value)
}
kw <- kruskal.test(age_years ~ group, data = p)
put("table1_kruskal_statistic_age_years", unname(kw$statistic))
put("table1_kruskal_p_age_years", kw$p.value)

# --- BCSS: log-rank (survdiff), Cox against HER2-low, medians (conf.type "log")
logrank_p <- function(data, formula) {
  test <- survdiff(formula, data = data)
  pchisq(test$chisq, length(test$n) - 1, lower.tail = FALSE)
}
subsets <- list(all = rep(TRUE, nrow(p)), hr_positive = p$hr == "positive", hr_negative = p$hr == "negative",
                lrr = p$relapse_type == "LRR", dm = p$relapse_type == "DM", cbc = p$relapse_type == "CBC")
for (name in names(subsets)) {
  part <- p[subsets[[name]], ]
  put(paste0("bcss_logrank_by_her2_p_", name), logrank_p(part, Surv(months, bcss) ~ group))
  low_zero <- part[part$group != "positive", ]
  put(paste0("bcss_logrank_low_vs_zero_p_", name), logrank_p(low_zero, Surv(months, bcss) ~ group))
}
for (name in c("all", "lrr", "dm", "cbc")) {
  put(paste0("bcss_logrank_by_concordance_p_", name), logrank_p(p[subsets[[name]], ], Surv(months, bcss) ~ discordant))
}
p$group_vs_low <- relevel(p$group, ref = "low")
cox <- summary(coxph(Surv(months, bcss) ~ group_vs_low, data = p, ties = "efron"))
for (level in c("zero", "positive")) {
  row <- paste0("group_vs_low", level)
  put(paste0("bcss_cox_hr_", level), cox$conf.int[row, "exp(coef)"])
  put(paste0("bcss_cox_conf_low_", level), cox$conf.int[row, "lower .95"])
  put(paste0("bcss_cox_conf_high_", level), cox$conf.int[row, "upper .95"])
  put(paste0("bcss_cox_p_", level), cox$coefficients[row, "Pr(>|z|)"])
}
medians <- summary(survfit(Surv(months, bcss) ~ group, data = p, conf.type = "log"))$table
for (level in c("zero", "low", "positive")) {
  row <- paste0("group=", level)
  put(paste0("bcss_median_", level), medians[row, "median"])
  put(paste0("bcss_median_conf_low_", level), medians[row, "0.95LCL"])
  put(paste0("bcss_median_conf_high_", level), medians[row, "0.95UCL"])
}
follow <- summary(survfit(Surv(months, 1 - death) ~ 1, data = p, conf.type = "log"))$table
put("follow_up_median", follow[["median"]])
put("follow_up_conf_low", follow[["0.95LCL"]])
put("follow_up_conf_high", follow[["0.95UCL"]])

# --- Discordance: chisq.test() defaults (Yates on the 2 x 2 of HR status), exact CIs
hr_test <- chisq.test(table(p$discordant, p$hr))
put("discordance_hr_chisq_yates_p", hr_test$p.value)
put("discordance_hr_chisq_p", chisq.test(table(p$discordant, p$hr), correct = FALSE)$p.value)
put("discordance_hr_fisher_p", fisher.test(table(p$discordant, p$hr))$p.value)
put("discordance_relapse_chisq_p", chisq.test(table(p$discordant, p$relapse_type))$p.value)
overall <- binom.test(sum(p$discordant), nrow(p))
put("discordance_conf_low", overall$conf.int[1])
put("discordance_conf_high", overall$conf.int[2])

reference <- data.frame(quantity = names(ref), value = unlist(ref), row.names = NULL)
write.csv(reference, file.path(out, "reference.csv"), row.names = FALSE, na = "NA")
write.csv(data.frame(R = R.version.string, survival = as.character(packageVersion("survival"))),
          file.path(out, "versions.csv"), row.names = FALSE)
