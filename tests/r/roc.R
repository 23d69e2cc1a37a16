# Reference values for her2cohort.stats.roc, computed with pROC.
#   Rscript tests/r/roc.R   (run from the repository root)
#
# Inputs (tests/data/): asah.csv (pROC's aSAH); roc_ties.csv (hand-made: Youden ties
# that are exact in floating point ("dyadic"), ties that are exact only on paper
# ("float": 0.4 + 0.8 != 0.3 + 0.9), and adjacent doubles whose midpoints round onto
# observed values ("adjacent")); roc_gastric_hscore.csv / roc_gastric_ish.csv
# (SYNTHETIC values built to reproduce the gastric HER2-loss paper's Table 2 counts,
# group medians, AUC and ROC cutoffs; not patient data).
# Writes tests/fixtures/r/roc/:
#   curves.csv     every point of every ROC curve: coords(roc, "all")
#                  (pROC thresholds: -Inf, midpoints between distinct values, +Inf)
#   summary.csv    direction chosen, AUC (auc), DeLong variance (var(method = "delong"))
#                  and 95% CI (ci.auc(method = "delong"))
#   best.csv       coords(roc, "best", best.method = "youden"): ALL tied thresholds
#   coords_at.csv  coords(roc, x = <numeric threshold>, input = "threshold")
#   versions.csv   R and pROC versions that produced these files
# Numbers are written with 17 significant digits (formatC), so doubles round-trip.
# Produced with R 4.2.2 and pROC 1.18.0 (see versions.csv). Deterministic: no
# bootstrap here (pROC's ci.coords bootstrap uses R's RNG, which Python cannot
# reproduce; tests/r/rigor_validation.R gives pROC numpy's resamples instead).
suppressPackageStartupMessages(library(pROC))
options(digits = 15)
out <- "tests/fixtures/r/roc"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

asah <- read.csv("tests/data/asah.csv")
ties <- read.csv("tests/data/roc_ties.csv")
hscore <- read.csv("tests/data/roc_gastric_hscore.csv")
ish <- read.csv("tests/data/roc_gastric_ish.csv")

# id, data, outcome column, predictor column, control level, case level, direction
cases <- list(
  list("asah_s100b", asah, "outcome", "s100b", "Good", "Poor", "auto"),
  list("asah_ndka", asah, "outcome", "ndka", "Good", "Poor", "auto"),
  list("asah_age", asah, "outcome", "age", "Good", "Poor", "auto"),
  list("asah_s100b_event_good", asah, "outcome", "s100b", "Poor", "Good", "auto"),
  list("asah_s100b_forced_gt", asah, "outcome", "s100b", "Good", "Poor", ">"),
  list("ties_dyadic", ties[ties$set == "dyadic", ], "group", "score", "control", "case", "auto"),
  list("ties_float", ties[ties$set == "float", ], "group", "score", "control", "case", "auto"),
  # adjacent doubles: midpoints round onto observed values, which pROC repairs
  list("ties_adjacent", ties[ties$set == "adjacent", ], "group", "score", "control", "case", "auto"),
  list("ties_adjacent_gt", ties[ties$set == "adjacent", ], "group", "score", "control", "case", ">"),
  list("gastric_hscore_persistence", hscore, "her2_status_change", "baseline_hscore",
       "loss", "persistence", "<"),
  list("gastric_hscore_loss", hscore, "her2_status_change", "baseline_hscore",
       "persistence", "loss", ">"),
  list("gastric_ish_persistence", ish, "her2_status_change", "baseline_ish_ratio",
       "loss", "persistence", "<"),
  list("gastric_ish_loss", ish, "her2_status_change", "baseline_ish_ratio",
       "persistence", "loss", ">")
)

# Numeric thresholds at which coords() is asked directly (observed values included,
# to pin pROC's side of the inequality: ">=" for direction "<", "<=" for ">").
coords_x <- list(
  asah_s100b = c(0.05, 0.205, 0.22, 0.5),
  asah_s100b_event_good = c(0.05, 0.205, 0.22, 0.5),
  gastric_hscore_persistence = c(170, 175, 180),
  gastric_hscore_loss = c(170, 175, 180),
  gastric_ish_persistence = c(4.36, 4.38, 4.4),
  gastric_ish_loss = c(4.36, 4.38, 4.4)
)

# write.csv keeps only 15 significant digits; thresholds of adjacent doubles need 17
full <- function(df) {
  dbl <- vapply(df, is.double, TRUE)
  df[dbl] <- lapply(df[dbl], function(x) trimws(formatC(x, digits = 17, format = "g")))
  df
}

curves <- list(); summary <- list(); best <- list(); at <- list()
for (case in cases) {
  id <- case[[1]]; d <- case[[2]]
  r <- roc(d[[case[[3]]]], d[[case[[4]]]], levels = c(case[[5]], case[[6]]),
           direction = case[[7]], quiet = TRUE)
  all <- coords(r, "all", ret = c("threshold", "sensitivity", "specificity"))
  curves[[id]] <- data.frame(id = id, all)
  ci <- ci.auc(r, method = "delong")
  summary[[id]] <- data.frame(
    id = id, control_level = case[[5]], event_level = case[[6]],
    direction_arg = case[[7]], direction = r$direction,
    n_cases = length(r$cases), n_controls = length(r$controls),
    auc = as.numeric(auc(r)), var_delong = var(r, method = "delong"),
    conf_low = ci[1], conf_high = ci[3])
  b <- coords(r, "best", best.method = "youden",
              ret = c("threshold", "sensitivity", "specificity"))
  best[[id]] <- data.frame(id = id, b)
  if (!is.null(coords_x[[id]])) {
    a <- coords(r, x = coords_x[[id]], input = "threshold",
                ret = c("threshold", "sensitivity", "specificity"))
    at[[id]] <- data.frame(id = id, a)
  }
}

write.csv(full(do.call(rbind, curves)), file.path(out, "curves.csv"), row.names = FALSE)
write.csv(full(do.call(rbind, summary)), file.path(out, "summary.csv"), row.names = FALSE)
write.csv(full(do.call(rbind, best)), file.path(out, "best.csv"), row.names = FALSE)
write.csv(full(do.call(rbind, at)), file.path(out, "coords_at.csv"), row.names = FALSE)
write.csv(data.frame(component = c("R", "pROC"),
                     version = c(R.version.string, as.character(packageVersion("pROC")))),
          file.path(out, "versions.csv"), row.names = FALSE)
