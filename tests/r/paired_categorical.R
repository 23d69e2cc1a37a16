# Reference values for the exact conditional Bowker test in her2cohort.stats.paired_categorical.
#
# Run from the repository root:  Rscript tests/r/paired_categorical.R
# Reads   tests/data/paired_categorical_tables.csv  (square count tables, long format, levels in file order):
#           tdxd_ihc       the breast T-DXd 4 x 4 IHC shift table (41 pairs) of the study's raw data
#                          (the same counts as tests/fixtures/r/breast_tdxd_her2_loss/shift.csv)
#           t2_discordant  2 x 2 (the exact test is binom.test on the discordant pairs)
#           t3_sparse      3 x 3, pair totals 2-4
#           t3_dense       3 x 3, every pair total >= 10 (the chi-square approximation is deemed reliable)
#           t4_empty_pair  4 x 4 with one pair of mirror cells both zero (mcnemar.test gives NaN)
#           t3_no_offdiag  3 x 3, all off-diagonal cells zero (no test)
# Writes  tests/fixtures/r/paired_categorical/
#         bowker.csv    per table: mcnemar.test (statistic, df, p; NaN with an empty pair), Bowker with the empty
#                       pairs dropped (statistic, df, chi-square p), the smallest pair total, whether every pair
#                       total is >= 10, and the exact conditional p = P(X^2 >= observed) given the pair totals
#                       (n_ij ~ Binomial(n_ij + n_ji, 1/2) independently) computed twice:
#                         p_exact_enumeration  expand.grid over every pair's outcomes, the statistic as an integer
#                                              numerator over lcm(pair totals) (exact comparison), dbinom weights
#                         p_exact_convolution  convolution of the pairs' distributions, integer outcome counts
#                                              / 2^(sum of pair totals) (exact while the counts are < 2^53)
#                       n_support (distinct values of the null distribution), and binom.test's p for 2 x 2
#         coin.csv      coin::symmetry_test(teststat = "quadratic") on the patients in long form: with the
#                       category factor as response (its statistic is Stuart-Maxwell's = coin::mh_test, not
#                       Bowker's), and with each observation labelled by (own category, the patient's other
#                       category), whose statistic is Bowker's; for that one coin cannot compute the exact
#                       distribution ("multivariate scores"), so approximate(nresample = 1e5) after
#                       set.seed(20250101); coin's p = #{T_sim >= T_obs - sqrt(eps)} / nresample
#         versions.csv  R and package versions that produced these files
# Produced with R 4.2.2 (Debian) and coin 1.4-2 (see versions.csv).
suppressPackageStartupMessages(library(coin))
options(digits = 15, warn = 1)
out <- "tests/fixtures/r/paired_categorical"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
num <- function(x) sprintf("%.17g", x)  # every digit, for comparisons at rel 1e-9

long <- read.csv("tests/data/paired_categorical_tables.csv", stringsAsFactors = FALSE, colClasses = "character")
tables <- list()
for (id in unique(long$table_id)) {
  s <- long[long$table_id == id, ]
  lv <- unique(s$before)
  tables[[id]] <- xtabs(as.integer(count) ~ factor(before, lv) + factor(after, lv), data = s)
}

gcd <- function(a, b) if (b == 0) a else gcd(b, a %% b)
lcm <- function(x) Reduce(function(a, b) a / gcd(a, b) * b, x, 1)

# The mirror-cell pairs i < j with n_ij + n_ji > 0: n_ij above the diagonal and the pair totals.
pairs_of <- function(m) {
  up <- upper.tri(m); above <- m[up]; total <- above + t(m)[up]
  list(above = above[total > 0], total = total[total > 0])
}

exact_enumeration <- function(above, total) {
  L <- lcm(total)
  observed <- sum((2 * above - total)^2 * (L / total))
  grid <- as.matrix(expand.grid(lapply(total, function(m) 0:m)))
  statistic <- as.vector(((2 * grid - rep(total, each = nrow(grid)))^2) %*% (L / total))
  weight <- apply(grid, 1, function(n) prod(dbinom(n, total, 0.5)))
  # the same p with R's fisher.test tolerance on the double statistic (statistic / L in floating point)
  tolerant <- sum(weight[statistic / L >= observed / L / (1 + 1e-7)])
  p <- sum(weight[statistic >= observed])
  stopifnot(abs(p - tolerant) <= 1e-15 * p)
  p
}

exact_convolution <- function(above, total) {
  L <- lcm(total)
  observed <- sum((2 * above - total)^2 * (L / total))
  values <- 0; ways <- 1  # distribution of the statistic's numerator: values and numbers of outcomes
  for (m in total) {
    n <- 0:m
    values <- as.vector(outer(values, (2 * n - m)^2 * (L / m), "+"))
    ways <- as.vector(outer(ways, choose(m, n)))
    ways <- tapply(ways, values, sum); values <- as.numeric(names(ways)); ways <- as.vector(ways)
  }
  stopifnot(max(ways) < 2^53, sum(ways) == 2^sum(total))
  list(p = sum(ways[values >= observed]) / 2^sum(total), n_support = length(values))
}

bowker_rows <- list(); coin_rows <- list()
for (id in names(tables)) {
  t <- tables[[id]]; m <- unclass(t); k <- nrow(m)
  r <- suppressWarnings(mcnemar.test(t, correct = FALSE))
  p <- pairs_of(m)
  row <- data.frame(table_id = id, k = k, n = sum(m), statistic = num(r$statistic), df = num(r$parameter),
                    p_value = num(r$p.value), n_pairs = length(p$total),
                    min_pair_total = if (length(p$total)) min(p$total) else NA,
                    asymptotic_reliable = if (length(p$total)) all(p$total >= 10) else NA,
                    statistic_drop = NA, df_drop = NA, p_value_drop = NA, p_exact_enumeration = NA,
                    p_exact_convolution = NA, n_support = NA, p_binom_test = NA)
  if (length(p$total)) {
    st <- sum((2 * p$above - p$total)^2 / p$total)
    conv <- exact_convolution(p$above, p$total)
    row$statistic_drop <- num(st); row$df_drop <- length(p$total)
    row$p_value_drop <- num(pchisq(st, length(p$total), lower.tail = FALSE))
    row$p_exact_enumeration <- num(exact_enumeration(p$above, p$total))
    row$p_exact_convolution <- num(conv$p); row$n_support <- conv$n_support
    if (k == 2) row$p_binom_test <- num(binom.test(m[1, 2], m[1, 2] + m[2, 1])$p.value)

    # coin, on the patients in long form (one row per patient and time point)
    idx <- which(m > 0, arr.ind = TRUE)
    pre <- rep(idx[, 1], m[idx]); post <- rep(idx[, 2], m[idx]); np <- length(pre)
    patients <- data.frame(category = factor(c(pre, post), seq_len(k)),
                           transition = factor(paste(c(pre, post), c(post, pre), sep = "->")),
                           time = factor(rep(c("before", "after"), each = np), c("before", "after")),
                           id = factor(rep(seq_len(np), 2)))
    quiet <- function(expr) suppressWarnings(expr)  # "zero diagonal elements": categories nobody left
    on_category <- quiet(symmetry_test(category ~ time | id, data = patients, teststat = "quadratic"))
    on_transition <- quiet(symmetry_test(transition ~ time | id, data = patients, teststat = "quadratic"))
    exact_refused <- tryCatch({
      quiet(symmetry_test(transition ~ time | id, data = patients, teststat = "quadratic", distribution = exact()))
      ""
    }, error = function(e) conditionMessage(e))
    set.seed(20250101)
    simulated <- quiet(symmetry_test(transition ~ time | id, data = patients, teststat = "quadratic",
                                     distribution = approximate(nresample = 1e5)))
    coin_rows[[length(coin_rows) + 1]] <- data.frame(
      table_id = id, mh_test_statistic = num(statistic(quiet(mh_test(t)))),
      category_statistic = num(statistic(on_category)), category_df = on_category@statistic@df,
      transition_statistic = num(statistic(on_transition)), transition_df = on_transition@statistic@df,
      transition_p_asymptotic = num(pvalue(on_transition)),
      transition_p_approximate = num(as.vector(pvalue(simulated))), nresample = 1e5,
      exact_error = exact_refused)
  }
  bowker_rows[[length(bowker_rows) + 1]] <- row
}
write.csv(do.call(rbind, bowker_rows), file.path(out, "bowker.csv"), row.names = FALSE, na = "NA")
write.csv(do.call(rbind, coin_rows), file.path(out, "coin.csv"), row.names = FALSE, na = "NA")
write.csv(data.frame(component = c("R", "coin", "libcoin"),
                     version = c(R.version.string, as.character(packageVersion("coin")),
                                 as.character(packageVersion("libcoin")))),
          file.path(out, "versions.csv"), row.names = FALSE)
