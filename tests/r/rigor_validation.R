# Reference values for the "rigor report" statistics: the bootstrap-validated ROC
# cutoff and Harrell's optimism-corrected AUC (her2cohort.stats.roc.bootstrap_cutoff_ci,
# her2cohort.stats.validation_bootstrap), multiplicity (her2cohort.stats.multiplicity)
# and the random-effects meta-analysis of proportions (her2cohort.stats.meta_analysis).
#   Rscript tests/r/rigor_validation.R   (run from the repository root)
#
# Inputs (tests/data/):
#   rigor_bootstrap_positions.csv  the bootstrap resamples, drawn by numpy
#                  (tests/r/rigor_validation_inputs.py): per case and replicate the
#                  1-based row positions of the resample. R's RNG is not numpy's, so R
#                  is GIVEN the resamples and recomputes every replicate with pROC.
#   asah.csv, roc_gastric_hscore.csv, roc_ties.csv   the ROC data (see tests/r/roc.R)
#   p_adjust_cases.csv   p-value vectors (ties, NA, 0 and 1, one test, all NA, 40 uniform)
#   meta_proportions.csv events / n per study: the two HER2-loss cohorts of
#                  data/literature/her2_loss_after_anti_her2.yaml; metafor's dat.pritz1997
#                  (14 studies, two with events in every patient); zero cells; no events at
#                  all; one study; strong heterogeneity; identical studies.
# Writes tests/fixtures/r/rigor_validation/:
#   bootstrap_replicates.csv  per replicate: the resample's Youden optimum (pROC
#                  coords(x = "best", best.method = "youden")), whether it was tied,
#                  max(se + sp), that cutoff's se / sp on the original data
#                  (coords(x = cutoff, input = "threshold")), the AUC of the original
#                  predictor dichotomised at it (pROC auc, = (se + sp) / 2), and the
#                  continuous AUC on the resample (pROC auc)
#   bootstrap_summary.csv  per case: the percentile limits of threshold / se / sp over
#                  the replicates with a single optimum (quantile(type = 7), as
#                  pROC's ci.coords, and boot:::perc.ci, as boot.ci(type = "perc")),
#                  the apparent dichotomised AUC, the optimism (mean over those
#                  replicates of boot minus original) and the corrected AUC
#   p_adjust.csv   p.adjust(p, method) for holm, hochberg, hommel, bonferroni, BH, BY
#                  (and with n = 12 for one case)
#   meta_escalc.csv  escalc(measure = "PLO") yi, vi per study (add = 1/2, to = "only0")
#   meta_fit.csv   rma(yi, vi, method = DL | REML, test = z | knha): beta, se, zval,
#                  pval, ci, tau2, se.tau2, QE, QEp, I2, H2, s2w, the Fisher scoring
#                  iterations of REML (from verbose = TRUE: metafor stores no count), and
#                  predict(fit, transf = transf.ilogit): pred, ci, pi; one fit tests
#                  a null proportion (rma(yi - qlogis(0.25), vi))
#   meta_weights.csv weights(fit) per study
#   versions.csv   R, pROC, boot, metafor versions
# Numbers are written with 17 significant digits (formatC), so doubles round-trip.
suppressPackageStartupMessages({
  library(pROC)
  library(boot)
  library(metafor)
})
options(digits = 15, warn = 1)
out <- "tests/fixtures/r/rigor_validation"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

full <- function(df) {
  dbl <- vapply(df, is.double, TRUE)
  df[dbl] <- lapply(df[dbl], function(x) trimws(formatC(x, digits = 17, format = "g")))
  df
}

# ------------------------------------------------------------------ bootstrap

asah <- read.csv("tests/data/asah.csv")
hscore <- read.csv("tests/data/roc_gastric_hscore.csv")
ties <- read.csv("tests/data/roc_ties.csv")
dyadic <- ties[ties$set == "dyadic", ]
tiny <- ties[ties$set == "float", ][c(1, 2, 3, 11, 12, 4), ]  # as tests/r/rigor_validation_inputs.py
positions <- read.csv("tests/data/rigor_bootstrap_positions.csv", stringsAsFactors = FALSE)

# id, data, outcome, predictor, control level, case level, direction (as the inputs script)
cases <- list(
  list("asah_s100b", asah, "outcome", "s100b", "Good", "Poor", "auto"),
  list("asah_s100b_ordinary", asah, "outcome", "s100b", "Good", "Poor", "auto"),
  list("gastric_hscore_loss", hscore, "her2_status_change", "baseline_hscore", "persistence", "loss", ">"),
  list("ties_dyadic", dyadic, "group", "score", "control", "case", "auto"),
  list("ties_tiny_ordinary", tiny, "group", "score", "control", "case", "auto")
)

replicates <- list(); summaries <- list()
for (case in cases) {
  id <- case[[1]]; d <- case[[2]]
  response <- d[[case[[3]]]]; predictor <- d[[case[[4]]]]
  lv <- c(case[[5]], case[[6]])
  r0 <- roc(response, predictor, levels = lv, direction = case[[7]], quiet = TRUE)
  direction <- r0$direction
  best0 <- coords(r0, "best", best.method = "youden", ret = c("threshold", "sensitivity", "specificity"))
  apparent <- max(r0$sensitivities + r0$specificities) / 2
  pos <- positions[positions$case == id, ]
  rows <- vector("list", nrow(pos))
  for (b in seq_len(nrow(pos))) {
    idx <- as.integer(strsplit(pos$positions[b], " ")[[1]])
    x <- predictor[idx]; y <- response[idx]
    cs <- x[y == lv[2]]; ct <- x[y == lv[1]]
    row <- data.frame(case = id, replicate = pos$replicate[b], one_class = FALSE, tied = NA,
                      threshold = NA_real_, sensitivity = NA_real_, specificity = NA_real_,
                      criterion = NA_real_, sensitivity_original = NA_real_,
                      specificity_original = NA_real_, auc_cutoff_original = NA_real_,
                      auc_continuous_boot = NA_real_)
    if (length(cs) == 0 || length(ct) == 0) {
      row$one_class <- TRUE
    } else {
      rb <- roc(controls = ct, cases = cs, direction = direction, quiet = TRUE)
      row$auc_continuous_boot <- as.numeric(auc(rb))
      row$criterion <- max(rb$sensitivities + rb$specificities)
      best <- coords(rb, "best", best.method = "youden",
                     ret = c("threshold", "sensitivity", "specificity"))
      row$tied <- nrow(best) > 1
      if (!row$tied) {
        row$threshold <- best$threshold; row$sensitivity <- best$sensitivity
        row$specificity <- best$specificity
        at <- coords(r0, x = best$threshold, input = "threshold",
                     ret = c("sensitivity", "specificity"))
        row$sensitivity_original <- at$sensitivity
        row$specificity_original <- at$specificity
        # the same, as the AUC of the predictor dichotomised at the resample's cutoff
        positive <- if (direction == "<") predictor >= best$threshold else predictor <= best$threshold
        if (length(unique(positive)) == 1) {
          row$auc_cutoff_original <- 0.5  # a constant rule: pROC needs two values; its AUC is 1/2
        } else {
          row$auc_cutoff_original <- as.numeric(auc(roc(response, as.numeric(positive), levels = lv,
                                                         direction = "<", quiet = TRUE)))
        }
      }
    }
    rows[[b]] <- row
  }
  reps <- do.call(rbind, rows)
  replicates[[id]] <- reps
  used <- reps[!reps$one_class & !is.na(reps$tied) & !reps$tied, ]
  boot_apparent <- used$criterion / 2
  optimism <- boot_apparent - used$auc_cutoff_original
  probs <- c(0 + (1 - 0.95) / 2, 0.5, 1 - (1 - 0.95) / 2)  # pROC ci.coords
  summary <- data.frame(case = id, direction = direction, n_boot = nrow(pos), n_used = nrow(used),
                        n_tied = sum(reps$tied, na.rm = TRUE), n_one_class = sum(reps$one_class),
                        estimate_threshold = if (nrow(best0) == 1) best0$threshold else NA,
                        apparent = apparent, optimism = mean(optimism),
                        corrected = apparent - mean(optimism),
                        boot_mean_apparent = mean(boot_apparent),
                        boot_mean_original = mean(used$auc_cutoff_original),
                        auc_continuous = as.numeric(auc(r0)),
                        auc_continuous_boot_mean = mean(reps$auc_continuous_boot, na.rm = TRUE))
  for (term in c("threshold", "sensitivity", "specificity")) {
    q <- quantile(used[[term]], probs, type = 7, names = FALSE)
    perc <- boot:::perc.ci(used[[term]], conf = 0.95)
    summary[[paste0(term, "_low")]] <- q[1]
    summary[[paste0(term, "_median")]] <- q[2]
    summary[[paste0(term, "_high")]] <- q[3]
    summary[[paste0(term, "_perc_low")]] <- perc[1, 4]
    summary[[paste0(term, "_perc_high")]] <- perc[1, 5]
  }
  summaries[[id]] <- summary
}
write.csv(full(do.call(rbind, replicates)), file.path(out, "bootstrap_replicates.csv"), row.names = FALSE)
write.csv(full(do.call(rbind, summaries)), file.path(out, "bootstrap_summary.csv"), row.names = FALSE)

# ------------------------------------------------------------------ multiplicity

pcases <- read.csv("tests/data/p_adjust_cases.csv", stringsAsFactors = FALSE)
adjusted <- list()
for (id in unique(pcases$case)) {
  p <- pcases$p[pcases$case == id]
  for (m in c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY")) {
    adjusted[[paste(id, m)]] <- data.frame(case = id, method = m, n = NA_integer_,
                                           index = seq_along(p), p = p, p_adjusted = p.adjust(p, m))
  }
}
p <- pcases$p[pcases$case == "ties_na"]
for (m in c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY")) {
  adjusted[[paste("n12", m)]] <- data.frame(case = "ties_na", method = m, n = 12L, index = seq_along(p),
                                           p = p, p_adjusted = p.adjust(p, m, n = 12))
}
write.csv(full(do.call(rbind, adjusted)), file.path(out, "p_adjust.csv"), row.names = FALSE)

# ------------------------------------------------------------------ meta-analysis

meta <- read.csv("tests/data/meta_proportions.csv", stringsAsFactors = FALSE)
escalcs <- list(); fits <- list(); weights_ <- list()
# metafor keeps no iteration count: its verbose output says "converged after N iterations"
fitted <- function(yi, vi, method, test) {
  said <- capture.output(fit <- rma(yi = yi, vi = vi, method = method, test = test, verbose = TRUE),
                         type = "output")
  said <- c(said, "")
  hit <- regmatches(said, regexpr("converged after [0-9]+ iterations", said))
  fit$iter <- if (length(hit)) as.integer(gsub("[^0-9]", "", hit[1])) else NA_integer_
  fit
}
fit_row <- function(id, m, t, fit, null = NA) {
  pr <- predict(fit, transf = transf.ilogit)
  data.frame(case = id, method = m, test = t, requested_test = t, null_proportion = null,
             k = fit$k, beta = as.numeric(fit$beta), se = fit$se, zval = fit$zval, pval = fit$pval,
             ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, tau2 = fit$tau2,
             se_tau2 = if (is.null(fit$se.tau2)) NA else fit$se.tau2,
             QE = fit$QE, QEp = fit$QEp, I2 = fit$I2, H2 = fit$H2, s2w = fit$s2w,
             iterations = if (is.null(fit$iter)) NA else fit$iter, dfs = if (is.null(fit$ddf)) NA else fit$ddf,
             pred = pr$pred, pred_ci_lb = pr$ci.lb, pred_ci_ub = pr$ci.ub,
             pi_lb = pr$pi.lb, pi_ub = pr$pi.ub)
}
for (id in unique(meta$case)) {
  d <- meta[meta$case == id, ]
  es <- escalc(measure = "PLO", xi = events, ni = n, data = d, add = 1 / 2, to = "only0")
  escalcs[[id]] <- data.frame(case = id, study = d$study, events = d$events, n = d$n,
                              yi = as.numeric(es$yi), vi = as.numeric(es$vi))
  for (m in c("DL", "REML")) {
    for (t in c("z", "knha")) {
      fit <- fitted(as.numeric(es$yi), es$vi, method = m, test = t)  # k = 1: metafor warns and uses z
      row <- fit_row(id, m, fit$test, fit)
      row$requested_test <- t
      fits[[paste(id, m, t)]] <- row
      weights_[[paste(id, m, t)]] <- data.frame(case = id, method = m, test = t, study = d$study,
                                                weight = as.numeric(weights(fit)))
    }
  }
}
# a declared null proportion: metafor tests a logit of 0, so the outcomes are shifted
es <- escalc(measure = "PLO", xi = events, ni = n, data = meta[meta$case == "pritz1997", ])
for (t in c("z", "knha")) {
  fit <- fitted(as.numeric(es$yi) - qlogis(0.75), es$vi, method = "REML", test = t)
  row <- fit_row("pritz1997", "REML", t, fit, 0.75)
  fits[[paste("null", t)]] <- row
}
write.csv(full(do.call(rbind, escalcs)), file.path(out, "meta_escalc.csv"), row.names = FALSE)
write.csv(full(do.call(rbind, fits)), file.path(out, "meta_fit.csv"), row.names = FALSE)
write.csv(full(do.call(rbind, weights_)), file.path(out, "meta_weights.csv"), row.names = FALSE)

write.csv(data.frame(component = c("R", "pROC", "boot", "metafor"),
                     version = c(R.version.string, as.character(packageVersion("pROC")),
                                 as.character(packageVersion("boot")),
                                 as.character(packageVersion("metafor")))),
          file.path(out, "versions.csv"), row.names = FALSE)
