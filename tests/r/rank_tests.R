# Reference values for src/her2cohort/stats/rank_tests.py and paired_categorical.py.
#   Rscript tests/r/rank_tests.R   (run from the repository root)
#
# Computes, on the datasets tests/data/rank_*.csv:
#   wilcoxon_signed_rank.csv  stats::wilcox.test(x, y, paired = TRUE) (exact / normal, correct on/off,
#                             one-sided), SPSS-style Z (exact = FALSE, correct = FALSE; Z from the formula, printed -|z| as SPSS),
#                             coin::wilcoxsign_test(distribution = "exact", zero.method = "Wilcoxon")
#   rank_sum.csv              stats::wilcox.test(value ~ group) likewise, coin::wilcox_test(distribution = "exact")
#   kruskal.csv               stats::kruskal.test(value ~ group)
#   mcnemar.csv               stats::mcnemar.test (2 x 2 with and without correction; k x k = Bowker,
#                             plus Bowker with empty mirror-cell pairs dropped from statistic and df)
#   mcnemar_exact.csv         stats::binom.test(n12, n12 + n21) p value and Clopper-Pearson interval
#   stuart_maxwell.csv        coin::mh_test (asymptotic) and the classic Stuart-Maxwell formula
#   shift_tables.csv          table(factor(before, levels), factor(after, levels)) of the patient data
#   versions.csv              R and package versions that produced these files
# Produced with R 4.2.2 (Debian) and coin 1.4-2 (see versions.csv).
#
# Input datasets (small, synthetic, fixed; made once with a seeded numpy script):
#   rank_paired_exact.csv   12 pairs, distinct non-zero |differences| (R's exact psignrank path)
#   rank_paired_ties.csv    16 pairs with tied |differences| and 3 zero differences
#   rank_paired_large.csv   60 pairs, no ties (normal approximation because n >= 50)
#   rank_paired_hscore.csv  48 gastric-like patients: H-score 0-300 in steps of 5/10 and ISH ratio
#                           before/after, 14 with HER2 loss; missing post values and unassessed ISH
#   rank_two_sample_*.csv   12 vs 15 without ties (exact), 10 vs 13 with ties, 60 vs 55 without ties
#   rank_kruskal.csv        3 groups with ties and one missing value
#   rank_shift_tables.csv   2x2 / 3x3 / 4x4 tables: b == c, one discordant pair, empty mirror pairs,
#                           a category nobody moved into or out of
#   rank_shift_breast_ihc.csv      41 IHC pairs consistent with the T-DXd abstract's counts (illustrative)
#   rank_shift_gastric_table3.csv  48 patients; each shift table of the gastric study's Table 3 from its
#                                  printed counts (tables filled independently: joint not published)
suppressPackageStartupMessages(library(coin))
options(digits = 15, warn = 1)
out <- "tests/fixtures/r/rank_tests"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
read <- function(name) read.csv(file.path("tests/data", name), stringsAsFactors = FALSE,
                                na.strings = c("NA", ""))
num <- function(x) if (is.null(x)) NA_real_ else unname(as.numeric(x))

paired_exact <- read("rank_paired_exact.csv")
paired_ties  <- read("rank_paired_ties.csv")
paired_large <- read("rank_paired_large.csv")
hscore       <- read("rank_paired_hscore.csv")
two_exact    <- read("rank_two_sample_exact.csv")
two_ties     <- read("rank_two_sample_ties.csv")
two_large    <- read("rank_two_sample_large.csv")
kw           <- read("rank_kruskal.csv")

# ---------------------------------------------------------------- signed rank
paired_sets <- list(
  paired_exact = list(d = paired_exact, x = "after", y = "before"),
  paired_ties  = list(d = paired_ties,  x = "after", y = "before"),
  paired_large = list(d = paired_large, x = "after", y = "before"),
  hscore_all        = list(d = hscore, x = "hscore_post", y = "hscore_pre"),
  hscore_loss       = list(d = hscore[hscore$her2_loss == "loss", ], x = "hscore_post", y = "hscore_pre"),
  hscore_persistent = list(d = hscore[hscore$her2_loss == "persistent", ], x = "hscore_post", y = "hscore_pre"),
  ish_all        = list(d = hscore, x = "ish_ratio_post", y = "ish_ratio_pre"),
  ish_loss       = list(d = hscore[hscore$her2_loss == "loss", ], x = "ish_ratio_post", y = "ish_ratio_pre"),
  ish_persistent = list(d = hscore[hscore$her2_loss == "persistent", ], x = "ish_ratio_post", y = "ish_ratio_pre")
)
signed_rows <- list()
add_signed <- function(case, convention, alternative, correct, exact, statistic, p, method) {
  signed_rows[[length(signed_rows) + 1]] <<- data.frame(
    case = case, convention = convention, alternative = alternative, correct = correct,
    exact = ifelse(is.na(exact), "default", as.character(exact)),
    statistic = num(statistic), p_value = num(p), method = method)
}
for (case in names(paired_sets)) {
  s <- paired_sets[[case]]
  x <- s$d[[s$x]]; y <- s$d[[s$y]]
  grid <- expand.grid(alternative = c("two.sided", "less", "greater"), correct = c(TRUE, FALSE),
                      exact = c(NA, TRUE, FALSE), stringsAsFactors = FALSE)
  for (i in seq_len(nrow(grid))) {
    g <- grid[i, ]
    ex <- if (is.na(g$exact)) NULL else g$exact
    r <- suppressWarnings(wilcox.test(x, y, paired = TRUE, alternative = g$alternative,
                                      correct = g$correct, exact = ex))
    add_signed(case, "wilcox.test", g$alternative, g$correct, g$exact, r$statistic, r$p.value, r$method)
  }
  # SPSS: normal approximation, tie correction, no continuity correction; Z from the formula.
  ok <- complete.cases(x, y); d <- x[ok] - y[ok]; d <- d[d != 0]; n <- length(d)
  r <- rank(abs(d)); v <- sum(r[d > 0]); ties <- table(r)
  z <- (v - n * (n + 1) / 4) / sqrt(n * (n + 1) * (2 * n + 1) / 24 - sum(ties^3 - ties) / 48)
  p <- wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = FALSE)$p.value
  stopifnot(abs(p - 2 * pnorm(-abs(z))) < 1e-12)
  # SPSS prints Z from the smaller of the two rank sums: -|z| (its sign carries no direction).
  add_signed(case, "spss", "two.sided", FALSE, FALSE, -abs(z), p, "SPSS asymptotic Z")
  # coin: exact conditional distribution, zeros dropped as R does.
  long <- data.frame(value = c(x[ok], y[ok]), time = factor(rep(c("x", "y"), each = sum(ok)), levels = c("x", "y")),
                     id = factor(rep(seq_len(sum(ok)), 2)))
  for (alt in c("two.sided", "less", "greater")) {
    ct <- wilcoxsign_test(value ~ time | id, data = long, distribution = "exact", zero.method = "Wilcoxon",
                          alternative = alt)
    add_signed(case, "exact_conditional", alt, NA, TRUE, statistic(ct), pvalue(ct), "coin wilcoxsign_test (Z)")
  }
}
write.csv(do.call(rbind, signed_rows), file.path(out, "wilcoxon_signed_rank.csv"), row.names = FALSE)

# ---------------------------------------------------------------- rank sum
two_sets <- list(
  two_exact = list(d = two_exact, value = "value", group = "group"),
  two_ties  = list(d = two_ties,  value = "value", group = "group"),
  two_large = list(d = two_large, value = "value", group = "group"),
  hscore_pre_by_loss = list(d = hscore, value = "hscore_pre", group = "her2_loss"),
  ish_pre_by_loss    = list(d = hscore, value = "ish_ratio_pre", group = "her2_loss")
)
sum_rows <- list()
add_sum <- function(case, convention, alternative, correct, exact, statistic, p, method) {
  sum_rows[[length(sum_rows) + 1]] <<- data.frame(
    case = case, convention = convention, alternative = alternative, correct = correct,
    exact = ifelse(is.na(exact), "default", as.character(exact)),
    statistic = num(statistic), p_value = num(p), method = method)
}
for (case in names(two_sets)) {
  s <- two_sets[[case]]
  d <- s$d[complete.cases(s$d[[s$value]], s$d[[s$group]]), ]
  g <- factor(d[[s$group]])
  x <- d[[s$value]][g == levels(g)[1]]; y <- d[[s$value]][g == levels(g)[2]]
  grid <- expand.grid(alternative = c("two.sided", "less", "greater"), correct = c(TRUE, FALSE),
                      exact = c(NA, TRUE, FALSE), stringsAsFactors = FALSE)
  for (i in seq_len(nrow(grid))) {
    gr <- grid[i, ]
    ex <- if (is.na(gr$exact)) NULL else gr$exact
    r <- suppressWarnings(wilcox.test(x, y, alternative = gr$alternative, correct = gr$correct, exact = ex))
    add_sum(case, "wilcox.test", gr$alternative, gr$correct, gr$exact, r$statistic, r$p.value, r$method)
  }
  nx <- length(x); ny <- length(y); r <- rank(c(x, y)); ties <- table(r)
  w <- sum(r[seq_len(nx)]) - nx * (nx + 1) / 2
  z <- (w - nx * ny / 2) / sqrt((nx * ny / 12) * ((nx + ny + 1) - sum(ties^3 - ties) / ((nx + ny) * (nx + ny - 1))))
  p <- wilcox.test(x, y, exact = FALSE, correct = FALSE)$p.value
  stopifnot(abs(p - 2 * pnorm(-abs(z))) < 1e-12)
  # SPSS prints Z from the smaller of the two U's: -|z| (its sign carries no direction).
  add_sum(case, "spss", "two.sided", FALSE, FALSE, -abs(z), p, "SPSS asymptotic Z")
  long <- data.frame(value = c(x, y), group = factor(rep(c("x", "y"), c(nx, ny)), levels = c("x", "y")))
  for (alt in c("two.sided", "less", "greater")) {
    ct <- wilcox_test(value ~ group, data = long, distribution = "exact", alternative = alt)
    add_sum(case, "exact_conditional", alt, NA, TRUE, statistic(ct), pvalue(ct), "coin wilcox_test (Z)")
  }
}
write.csv(do.call(rbind, sum_rows), file.path(out, "rank_sum.csv"), row.names = FALSE)

# ---------------------------------------------------------------- Kruskal-Wallis
kw_cases <- list(
  kruskal3        = list(d = kw, value = "value", group = "group"),
  hscore_post_by_loss = list(d = hscore, value = "hscore_post", group = "her2_loss"),
  two_ties        = list(d = two_ties, value = "value", group = "group")
)
kw_rows <- lapply(names(kw_cases), function(case) {
  s <- kw_cases[[case]]
  r <- kruskal.test(s$d[[s$value]], factor(s$d[[s$group]]))
  data.frame(case = case, statistic = num(r$statistic), df = num(r$parameter), p_value = num(r$p.value))
})
write.csv(do.call(rbind, kw_rows), file.path(out, "kruskal.csv"), row.names = FALSE)

# ---------------------------------------------------------------- shift tables
small <- read("rank_shift_tables.csv")
breast <- read("rank_shift_breast_ihc.csv")
gastric <- read("rank_shift_gastric_table3.csv")
tables <- list()
for (id in unique(small$table_id)) {
  s <- small[small$table_id == id, ]
  lv <- sort(unique(s$before))
  tables[[id]] <- xtabs(count ~ factor(before, lv) + factor(after, lv), data = s)
}
tables$breast_ihc  <- table(factor(breast$ihc_pre, c("0", "1+", "2+", "3+")), factor(breast$ihc_post, c("0", "1+", "2+", "3+")))
tables$gastric_her2 <- table(factor(gastric$her2_pre, c("positive", "negative")), factor(gastric$her2_post, c("positive", "negative")))
tables$gastric_ihc <- table(factor(gastric$ihc_pre, c("0/1+", "2+", "3+")), factor(gastric$ihc_post, c("0/1+", "2+", "3+")))
tables$gastric_ish <- table(factor(gastric$ish_pre, c("positive", "negative")), factor(gastric$ish_post, c("positive", "negative")))
tables$gastric_het <- table(factor(gastric$het_pre, c("no", "yes")), factor(gastric$het_post, c("no", "yes")))
tables$gastric_ish_na <- table(factor(ifelse(is.na(gastric$ish_pre), "NA", gastric$ish_pre), c("positive", "negative", "NA")),
                               factor(ifelse(is.na(gastric$ish_post), "NA", gastric$ish_post), c("positive", "negative", "NA")))

shift_rows <- list()
for (id in names(tables)) {
  t <- tables[[id]]
  k <- nrow(t)
  for (i in seq_len(k)) for (j in seq_len(k))
    shift_rows[[length(shift_rows) + 1]] <- data.frame(table_id = id, before = rownames(t)[i], after = colnames(t)[j],
                                                       count = as.integer(t[i, j]))
}
write.csv(do.call(rbind, shift_rows), file.path(out, "shift_tables.csv"), row.names = FALSE)

mc_rows <- list(); ex_rows <- list(); sm_rows <- list()
for (id in names(tables)) {
  t <- tables[[id]]; m <- unclass(t); k <- nrow(m)
  for (correct in if (k == 2) c(TRUE, FALSE) else FALSE) {
    r <- suppressWarnings(mcnemar.test(t, correct = correct))
    mc_rows[[length(mc_rows) + 1]] <- data.frame(table_id = id, variant = ifelse(correct, "correct", "uncorrected"),
      statistic = num(r$statistic), df = num(r$parameter), p_value = num(r$p.value), method = r$method)
  }
  if (k > 2) {
    # Bowker with the mirror-cell pairs that are both zero left out of statistic and df.
    up <- upper.tri(m); a <- m[up]; b <- t(m)[up]; keep <- (a + b) > 0
    st <- sum((a[keep] - b[keep])^2 / (a[keep] + b[keep]))
    mc_rows[[length(mc_rows) + 1]] <- data.frame(table_id = id, variant = "drop_empty_pairs", statistic = st,
      df = sum(keep), p_value = pchisq(st, sum(keep), lower.tail = FALSE), method = "Bowker, empty pairs dropped")
  }
  if (k == 2 && m[1, 2] + m[2, 1] > 0) {
    b <- binom.test(m[1, 2], m[1, 2] + m[2, 1], p = 0.5)
    ex_rows[[length(ex_rows) + 1]] <- data.frame(table_id = id, n12 = m[1, 2], n21 = m[2, 1], p_value = b$p.value,
      p_low = b$conf.int[1], p_high = b$conf.int[2])
  }
  if (sum(m) - sum(diag(m)) > 0) {
    mh <- withCallingHandlers(mh_test(t), warning = function(w) {
      message(id, ": coin warns: ", conditionMessage(w)); invokeRestart("muffleWarning") })
    d <- (rowSums(m) - colSums(m))[-k]
    V <- -(m + t(m)); diag(V) <- rowSums(m) + colSums(m) - 2 * diag(m); V <- V[-k, -k, drop = FALSE]
    classic <- tryCatch(drop(t(d) %*% solve(V) %*% d), error = function(e) NA_real_)
    sm_rows[[length(sm_rows) + 1]] <- data.frame(table_id = id, statistic = num(statistic(mh)), df = num(mh@statistic@df),
      p_value = num(pvalue(mh)), classic_statistic = classic)
  }
}
write.csv(do.call(rbind, mc_rows), file.path(out, "mcnemar.csv"), row.names = FALSE)
write.csv(do.call(rbind, ex_rows), file.path(out, "mcnemar_exact.csv"), row.names = FALSE)
write.csv(do.call(rbind, sm_rows), file.path(out, "stuart_maxwell.csv"), row.names = FALSE)

write.csv(data.frame(component = c("R", "coin", "libcoin"),
                     version = c(R.version.string, as.character(packageVersion("coin")),
                                 as.character(packageVersion("libcoin")))),
          file.path(out, "versions.csv"), row.names = FALSE)
