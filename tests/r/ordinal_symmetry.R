# Reference values for her2cohort.stats.ordinal_symmetry.ordinal_symmetry_test:
# coin::symmetry_test on the patients of a k x k shift table in long form, the category
# an ordered factor (linear scores), exact and asymptotic, each alternative.
#   Rscript tests/r/ordinal_symmetry.R   (run from the repository root)
# Input: tests/data/ordinal_symmetry_tables.csv (case, before, after, n: the counts of
# each cell, categories numbered 1..k; scores: the score of each category).
# Writes tests/fixtures/r/ordinal_symmetry/:
#   coin.csv  per case, distribution and alternative: coin's Z and p; for k = 2 also
#             binom.test(n12, n12 + n21)$p.value (the exact McNemar test); the exact
#             distribution for unordered categories is refused by coin (its message)
#   versions.csv
suppressPackageStartupMessages(library(coin))
options(digits = 15, warn = 1)
out <- "tests/fixtures/r/ordinal_symmetry"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
num <- function(x) if (is.na(x)) NA else trimws(formatC(as.numeric(x), digits = 17, format = "g"))

tables <- read.csv("tests/data/ordinal_symmetry_tables.csv", stringsAsFactors = FALSE)
rows <- list()
for (id in unique(tables$case)) {
  t <- tables[tables$case == id, ]
  k <- max(t$before)
  scores <- as.numeric(strsplit(t$scores[1], " ")[[1]])
  before <- rep(t$before, t$n); after <- rep(t$after, t$n)
  n <- length(before)
  patients <- data.frame(
    y = factor(c(before, after), levels = seq_len(k), ordered = TRUE),
    time = factor(rep(c("before", "after"), each = n), levels = c("before", "after")),
    id = factor(rep(seq_len(n), 2)))
  unordered <- transform(patients, y = factor(y, ordered = FALSE))
  refused <- tryCatch({ symmetry_test(y ~ time | id, data = unordered, distribution = exact()); "" },
                      error = function(e) conditionMessage(e))
  for (dist in c("exact", "asymptotic")) {
    for (alt in c("two.sided", "greater", "less")) {
      d <- if (dist == "exact") exact() else asymptotic()
      fit <- symmetry_test(y ~ time | id, data = patients, distribution = d, alternative = alt,
                           scores = list(y = scores))
      binom <- NA
      if (k == 2 && alt == "two.sided") binom <- binom.test(t$n[t$before == 1 & t$after == 2],
                                                             sum(t$n[t$before != t$after]))$p.value
      rows[[length(rows) + 1]] <- data.frame(case = id, distribution = dist, alternative = alt,
                                             scores = t$scores[1], statistic = num(as.vector(statistic(fit))),
                                             p_value = num(as.vector(pvalue(fit))), binom_test = num(binom),
                                             unordered_exact_error = refused)
    }
  }
}
write.csv(do.call(rbind, rows), file.path(out, "coin.csv"), row.names = FALSE)
write.csv(data.frame(component = c("R", "coin"),
                     version = c(R.version.string, as.character(packageVersion("coin")))),
          file.path(out, "versions.csv"), row.names = FALSE)
