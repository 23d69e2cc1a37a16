# Export R's own reference datasets to CSV so that Python tests read exactly
# the data R's reference values were computed on.
#   Rscript tests/r/export_datasets.R   (run from the repository root)
suppressPackageStartupMessages({library(survival); library(pROC)})
options(digits = 15)
dir.create("tests/data", showWarnings = FALSE, recursive = TRUE)
write.csv(survival::lung, "tests/data/lung.csv", row.names = FALSE, na = "")
write.csv(survival::veteran, "tests/data/veteran.csv", row.names = FALSE, na = "")
data(aSAH, package = "pROC")
write.csv(aSAH, "tests/data/asah.csv", row.names = FALSE, na = "")
# (start, stop] data and a competing-risks cohort (tests/r/rigor_survival.R)
write.csv(survival::heart, "tests/data/heart.csv", row.names = FALSE, na = "")
write.csv(survival::mgus2, "tests/data/mgus2.csv", row.names = FALSE, na = "")
