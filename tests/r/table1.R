# Reference values for her2cohort.stats.table1 (Table 1 builder) on
# tests/data/table1_patients.csv: counts and percents, median / quartiles
# (quantile type 7) / range / mean / SD, and per variable the test the papers'
# policy picks (Fisher's exact when any expected count < 5, else chisq.test
# without correction; wilcox.test for continuous by two groups).
#   Rscript tests/r/table1.R   (from the repository root)
options(digits = 15, warn = 1)
out <- "tests/fixtures/r/table1"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
d <- read.csv("tests/data/table1_patients.csv", na.strings = "", stringsAsFactors = FALSE)
groups <- c("heterogeneous", "homogeneous")
policy_test <- function(x, g) {
  tab <- table(if (is.factor(x)) x else factor(x), factor(g, levels = groups))
  tab <- tab[rowSums(tab) > 0, , drop = FALSE]
  expected <- suppressWarnings(chisq.test(tab, correct = FALSE)$expected)
  if (any(expected < 5)) {
    ft <- fisher.test(tab)
    data.frame(method = "fisher", statistic = NA, p_value = ft$p.value,
               estimate = if (is.null(ft$estimate)) NA else unname(ft$estimate))
  } else {
    ct <- chisq.test(tab, correct = FALSE)
    data.frame(method = "chisq", statistic = unname(ct$statistic), p_value = ct$p.value, estimate = NA)
  }
}
tests <- list()
for (v in c("sex", "ecog", "site", "histology")) {
  ok <- !is.na(d[[v]])
  tests[[v]] <- cbind(variable = v, level = "", policy_test(d[[v]][ok], d$group[ok]))
}
for (organ in c("bone", "liver", "lung", "peritoneum")) {
  has <- factor(ifelse(grepl(organ, d$metastatic_sites), "yes", "no"), levels = c("yes", "no"))
  tests[[organ]] <- cbind(variable = "metastatic_sites", level = organ, policy_test(has, d$group))
}
for (v in c("age", "cea")) {
  w <- suppressWarnings(wilcox.test(d[[v]][d$group == groups[1]], d[[v]][d$group == groups[2]]))
  tests[[v]] <- data.frame(variable = v, level = "", method = "wilcox", statistic = unname(w$statistic), p_value = w$p.value, estimate = NA)
}
write.csv(do.call(rbind, tests), file.path(out, "tests.csv"), row.names = FALSE)
summ <- list()
for (v in c("age", "cea")) for (g in c("Total", groups)) {
  x <- if (g == "Total") d[[v]] else d[[v]][d$group == g]
  x <- x[!is.na(x)]
  q <- quantile(x, c(0.25, 0.5, 0.75), type = 7)
  summ[[paste(v, g)]] <- data.frame(variable = v, group = g, n = length(x), median = median(x), q1 = q[[1]], q3 = q[[3]],
                                    minimum = min(x), maximum = max(x), mean = mean(x), sd = sd(x))
}
write.csv(do.call(rbind, summ), file.path(out, "continuous.csv"), row.names = FALSE)
counts <- list()
for (v in c("sex", "ecog", "site", "histology")) for (g in c("Total", groups)) {
  x <- if (g == "Total") d[[v]] else d[[v]][d$group == g]
  tab <- table(x)
  counts[[paste(v, g)]] <- data.frame(variable = v, group = g, level = names(tab), n = as.vector(tab),
                                      percent = 100 * as.vector(prop.table(tab)))
}
write.csv(do.call(rbind, counts), file.path(out, "counts.csv"), row.names = FALSE)
write.csv(data.frame(software = c("R", "stats"), version = c(R.version.string, as.character(packageVersion("stats")))),
          file.path(out, "versions.csv"), row.names = FALSE)
