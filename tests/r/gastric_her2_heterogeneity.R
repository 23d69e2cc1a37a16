# The gastric HER2-heterogeneity cohort analysed in R straight from its raw files,
# independently of the pipeline's cleaning and classification: the Fisher tests
# of Table 1 and of the ORR (conditional OR and its CI, both orientations), the
# Clopper-Pearson CIs, the Mann-Whitney test of the depth of response, the
# Kaplan-Meier medians with log-log CIs as EZR prints them, the log-rank tests,
# the univariable and multivariable Cox models of Table 2, the stratified
# reading of the text, the Cox models of ESM 5 (per tumour-bearing fragment), and
# the median follow-up by the paper's definition (median observed time of all 87,
# deaths included) and by the reverse Kaplan-Meier (log-log CI).
# EZR 1.36 runs these same R functions (fisher.test, binom.test, wilcox.test,
# survfit(conf.type = "log-log"), survdiff, coxph); none changed since.
#   Rscript tests/r/gastric_her2_heterogeneity.R   (from the repository root)
# Writes tests/fixtures/r/gastric_her2_heterogeneity/reference.csv (quantity,
# value) and versions.csv; tests/test_analyses_gastric_her2_heterogeneity.py
# compares the pipeline's declared analyses with it at 1e-6 relative.
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out <- "tests/fixtures/r/gastric_her2_heterogeneity"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
raw <- "data/raw/gastric_her2_heterogeneity"
p <- read.csv(file.path(raw, "patients.csv"), na.strings = "", stringsAsFactors = FALSE)
s <- read.csv(file.path(raw, "specimens.csv"), na.strings = "", stringsAsFactors = FALSE)

# Inclusion: an endoscopic biopsy (baseline specimen) assessable for HER2, i.e.
# with its count of tumour-bearing fragments. Homogeneous: every tumour-bearing
# fragment HER2 2+/3+ throughout (Methods).
b <- s[s$timepoint == "baseline" & !is.na(s$n_fragments_tumour), ]
p <- p[p$patient_id %in% b$patient_id, ]
b <- b[match(p$patient_id, b$patient_id), ]
stopifnot(nrow(p) == 87)
p$group <- factor(ifelse(b$n_fragments_her2_positive == b$n_fragments_tumour, "homogeneous", "heterogeneous"),
                  levels = c("heterogeneous", "homogeneous"))
p$fragments <- b$n_fragments_tumour
p$ihc <- as.integer(sub("\\+", "", b$ihc_score))

# PFS: progression or death, censored at conversion surgery (Methods) or last
# contact; OS: death. Months = days / 30.4375, the pipeline's month.
month <- 365.25 / 12
d <- function(x) as.Date(x)
start <- d(p$treatment_start_date)
event_date <- pmin(d(p$progression_date), d(p$death_date), na.rm = TRUE)
surgery <- d(p$conversion_surgery_date)
censored_at_surgery <- !is.na(surgery) & (is.na(event_date) | surgery < event_date)
p$pfs_event <- as.integer(!is.na(event_date) & !censored_at_surgery)
pfs_end <- ifelse(p$pfs_event == 1, event_date, ifelse(censored_at_surgery, surgery, d(p$last_contact_date)))
p$pfs_months <- (as.numeric(pfs_end) - as.numeric(start)) / month
p$os_event <- as.integer(!is.na(p$death_date))
p$os_months <- (as.numeric(ifelse(is.na(p$death_date), d(p$last_contact_date), d(p$death_date))) - as.numeric(start)) / month
yes <- function(x) tolower(x) %in% c("yes", "true")
p$age_ge_67 <- factor(p$age_years >= 67, levels = c(TRUE, FALSE))       # reference >= 67 (Table 2)
p$platinum <- factor(yes(p$platinum_based), levels = c(TRUE, FALSE))     # reference platinum-based
p$homo <- relevel(p$group, "heterogeneous")

ref <- list()
put <- function(name, value) ref[[name]] <<- value

# --- Table 1: fisher.test of every row, groups hetero, homo
second <- yes(p$second_line)
rows <- list(age_ge_67 = p$age_years >= 67, sex = p$sex, ecog = p$ecog, primary_site = p$primary_site,
             histology = p$histology, visceral_metastasis = yes(p$visceral_metastasis),
             previous_gastrectomy = yes(p$previous_gastrectomy), platinum_based = yes(p$platinum_based),
             conversion_surgery = !is.na(p$conversion_surgery_date), second_line = second,
             beyond_her2 = p$second_line_anti_her2 %in% c("trastuzumab_paclitaxel", "t_dm1"),
             baseline_ihc_score = p$ihc, cea_ge_5 = p$cea_ng_ml >= 5, ca19_9_ge_37 = p$ca19_9_u_ml >= 37)
for (name in names(rows)) put(paste0("table1_fisher_p_", name), fisher.test(table(rows[[name]], p$group))$p.value)

# --- Response: ORR homo vs hetero (rows homo, hetero; columns responder yes, no)
e <- p[!is.na(p$best_response), ]
e$responder <- factor(e$best_response %in% c("CR", "PR"), levels = c(TRUE, FALSE))
orr <- fisher.test(table(factor(e$group, levels = c("homogeneous", "heterogeneous")), e$responder))
put("orr_fisher_p", orr$p.value)
put("orr_fisher_or", unname(orr$estimate))
put("orr_fisher_or_low", orr$conf.int[1])
put("orr_fisher_or_high", orr$conf.int[2])
reverse <- fisher.test(table(factor(e$group, levels = c("heterogeneous", "homogeneous")), e$responder))
put("orr_fisher_reversed_or", unname(reverse$estimate))
put("orr_fisher_reversed_or_low", reverse$conf.int[1])
put("orr_fisher_reversed_or_high", reverse$conf.int[2])
for (g in c("homogeneous", "heterogeneous")) {
  x <- sum(e$responder[e$group == g] == "TRUE")
  n <- sum(e$group == g)
  ci <- binom.test(x, n)$conf.int
  put(paste0("orr_binom_low_", g), ci[1])
  put(paste0("orr_binom_high_", g), ci[2])
}
w <- suppressWarnings(wilcox.test(e$best_percent_change[e$group == "homogeneous"], e$best_percent_change[e$group == "heterogeneous"]))
put("depth_wilcox_W", unname(w$statistic))
put("depth_wilcox_p", w$p.value)

# --- Kaplan-Meier medians, log-log CI (EZR); NR is written as NA
median_of <- function(fit, name) {
  t <- summary(fit)$table
  if (is.null(dim(t))) t <- t(as.matrix(t))
  for (i in seq_len(nrow(t))) {
    level <- if (nrow(t) == 1) "all" else sub("^[^=]*=", "", rownames(t)[i])
    put(paste0(name, "_median_", level), unname(t[i, "median"]))
    put(paste0(name, "_median_low_", level), unname(t[i, "0.95LCL"]))
    put(paste0(name, "_median_high_", level), unname(t[i, "0.95UCL"]))
  }
}
for (endpoint in c("pfs", "os")) {
  time <- p[[paste0(endpoint, "_months")]]
  status <- p[[paste0(endpoint, "_event")]]
  median_of(survfit(Surv(time, status) ~ 1, conf.type = "log-log"), endpoint)
  median_of(survfit(Surv(time, status) ~ p$group, conf.type = "log-log"), endpoint)
  lr <- survdiff(Surv(time, status) ~ p$group)
  put(paste0(endpoint, "_logrank_chisq"), lr$chisq)
  put(paste0(endpoint, "_logrank_p"), pchisq(lr$chisq, 1, lower.tail = FALSE))
  cox_row <- function(fit, term, name) {
    sm <- summary(fit)$coefficients
    ci <- summary(fit)$conf.int
    put(paste0(name, "_hr"), sm[term, "exp(coef)"])
    put(paste0(name, "_se"), sm[term, "se(coef)"])
    put(paste0(name, "_low"), ci[term, "lower .95"])
    put(paste0(name, "_high"), ci[term, "upper .95"])
    put(paste0(name, "_p"), sm[term, "Pr(>|z|)"])
  }
  cox_row(coxph(Surv(time, status) ~ homo, data = p), "homohomogeneous", paste0(endpoint, "_cox_heterogeneity"))
  multi <- coxph(Surv(time, status) ~ age_ge_67 + platinum + homo, data = p)
  cox_row(multi, "age_ge_67FALSE", paste0(endpoint, "_cox_multivariable_age"))
  cox_row(multi, "platinumFALSE", paste0(endpoint, "_cox_multivariable_platinum"))
  cox_row(multi, "homohomogeneous", paste0(endpoint, "_cox_multivariable_heterogeneity"))
  stratified <- coxph(Surv(time, status) ~ homo + strata(age_ge_67, platinum), data = p)
  cox_row(stratified, "homohomogeneous", paste0(endpoint, "_cox_stratified_heterogeneity"))
  for (g in c("homogeneous", "heterogeneous")) {
    part <- p$group == g
    cox_row(coxph(Surv(time[part], status[part]) ~ p$fragments[part]), "p$fragments[part]", paste0(endpoint, "_cox_fragments_", g))
  }
}

# --- Median follow-up: observed time of all patients (the paper's 17.8) and reverse Kaplan-Meier
put("follow_up_all_patients_median", median(p$os_months))
put("follow_up_all_patients_min", min(p$os_months))
put("follow_up_all_patients_max", max(p$os_months))
reverse <- summary(survfit(Surv(os_months, 1 - os_event) ~ 1, data = p, conf.type = "log-log"))$table
put("follow_up_reverse_km_median", reverse[["median"]])
put("follow_up_reverse_km_low", reverse[["0.95LCL"]])
put("follow_up_reverse_km_high", reverse[["0.95UCL"]])

values <- unlist(ref)
write.csv(data.frame(quantity = names(values), value = unname(values)), file.path(out, "reference.csv"), row.names = FALSE, na = "NA")
write.csv(data.frame(package = c("R", "survival"), version = c(R.version.string, as.character(packageVersion("survival")))),
          file.path(out, "versions.csv"), row.names = FALSE)
