# The breast T-DXd cohort analysed in R straight from its raw specimens,
# independently of the pipeline: the pre -> post IHC shift table, HER2 loss
# (IHC >= 1+ -> 0) and decrease among the patients with pre-treatment expression
# (binom.test, Clopper-Pearson), the paired tests of the shift (wilcox.test of
# R 4.2 and its SPSS form, coin's exact conditional signed-rank test, Bowker =
# mcnemar.test on the 4 x 4 table and its exact conditional p (every split of each
# mirror-cell pair's total, Binomial(total, 1/2) under symmetry, enumerated),
# coin::mh_test = Stuart-Maxwell) and McNemar on IHC 0 vs >= 1+ (corrected, and
# exact = binom.test on the discordant pairs).
#   Rscript tests/r/breast_tdxd_her2_loss.R   (from the repository root)
suppressPackageStartupMessages(library(coin))
options(digits = 15)
out <- "tests/fixtures/r/breast_tdxd_her2_loss"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
s <- read.csv("data/raw/breast_tdxd_her2_loss/specimens.csv", na.strings = "", stringsAsFactors = FALSE)
score <- function(x) as.integer(sub("+", "", x, fixed = TRUE))
pre <- s[s$timepoint == "pre_treatment" & !is.na(s$ihc_score), c("patient_id", "ihc_score")]
post <- s[s$timepoint == "post_treatment" & !is.na(s$ihc_score), c("patient_id", "ihc_score")]
# inclusion (config/studies/breast_tdxd_her2_loss.yaml): IHC before and after
d <- merge(pre, post, by = "patient_id", suffixes = c("_pre", "_post"))
d$pre <- score(d$ihc_score_pre); d$post <- score(d$ihc_score_post)
tab <- table(factor(d$pre, levels = 0:3), factor(d$post, levels = 0:3))
shift <- as.data.frame(tab, stringsAsFactors = FALSE)
names(shift) <- c("before", "after", "n")
write.csv(shift, file.path(out, "shift.csv"), row.names = FALSE)

expressing <- d$pre >= 1
loss <- expressing & d$post == 0
decrease <- d$post >= 1 & d$post < d$pre
# the estimate and its Clopper-Pearson interval; no p: binom.test's default null (0.5) is
# no hypothesis of the abstract, and the study declares no null proportion
prop <- function(what, x, n) {
  b <- binom.test(x, n)
  data.frame(term = what, x = x, n = n, estimate = unname(b$estimate), conf_low = b$conf.int[1],
             conf_high = b$conf.int[2])
}
write.csv(rbind(prop("loss", sum(loss), sum(expressing)),
                prop("decrease", sum(decrease & expressing), sum(expressing)),
                prop("loss_or_decrease", sum((loss | decrease) & expressing), sum(expressing))),
          file.path(out, "proportions.csv"), row.names = FALSE)

tests <- list()
add <- function(test, statistic, df, p) tests[[length(tests) + 1]] <<- data.frame(test = test, statistic = unname(statistic), df = unname(df), p_value = p)
w <- suppressWarnings(wilcox.test(d$pre, d$post, paired = TRUE))  # ties and zeros: normal, continuity correction
add("wilcoxon_r", w$statistic, NA, w$p.value)
# SPSS: normal approximation, tie correction, no continuity correction; its Z from the formula
ws <- wilcox.test(d$pre, d$post, paired = TRUE, exact = FALSE, correct = FALSE)
dd <- d$pre - d$post; dd <- dd[dd != 0]; n <- length(dd); rk <- rank(abs(dd)); ties <- table(rk)
z <- (sum(rk[dd > 0]) - n * (n + 1) / 4) / sqrt(n * (n + 1) * (2 * n + 1) / 24 - sum(ties^3 - ties) / 48)
stopifnot(abs(ws$p.value - 2 * pnorm(-abs(z))) < 1e-12)
add("wilcoxon_spss", -abs(z), NA, ws$p.value)  # SPSS prints Z of the smaller rank sum: -|z|
long <- data.frame(value = c(d$pre, d$post), time = factor(rep(c("pre", "post"), each = nrow(d)), levels = c("pre", "post")),
                   id = factor(rep(d$patient_id, 2)))
ct <- wilcoxsign_test(value ~ time | id, data = long, distribution = "exact", zero.method = "Wilcoxon")
add("wilcoxon_exact_conditional", statistic(ct), NA, pvalue(ct))
b <- mcnemar.test(tab)
add("bowker", b$statistic, b$parameter, b$p.value)
# exact conditional Bowker: P(X^2 >= observed) over every split n_ij of each pair total m_ij (no pair is
# empty here); the statistic as an integer numerator over lcm(m) so that ties compare exactly
up <- upper.tri(tab); above <- unclass(tab)[up]; total <- above + t(unclass(tab))[up]
stopifnot(all(total > 0))
gcd <- function(a, b) if (b == 0) a else gcd(b, a %% b)
L <- Reduce(function(a, b) a / gcd(a, b) * b, total, 1)
grid <- as.matrix(expand.grid(lapply(total, function(m) 0:m)))
numerator <- as.vector(((2 * grid - rep(total, each = nrow(grid)))^2) %*% (L / total))
weight <- apply(grid, 1, function(n) prod(dbinom(n, total, 0.5)))
add("bowker_exact", b$statistic, NA, sum(weight[numerator >= sum((2 * above - total)^2 * (L / total))]))
mh <- mh_test(tab)
add("stuart_maxwell", statistic(mh), mh@statistic@df, pvalue(mh))
zero <- table(factor(d$pre >= 1, levels = c(TRUE, FALSE)), factor(d$post >= 1, levels = c(TRUE, FALSE)))
mc <- mcnemar.test(zero)
add("mcnemar", mc$statistic, mc$parameter, mc$p.value)
ex <- binom.test(zero[1, 2], zero[1, 2] + zero[2, 1])
add("mcnemar_exact", zero[1, 2], NA, ex$p.value)
write.csv(do.call(rbind, tests), file.path(out, "tests.csv"), row.names = FALSE, na = "NA")
write.csv(data.frame(component = c("R", "coin"), version = c(R.version.string, as.character(packageVersion("coin")))),
          file.path(out, "versions.csv"), row.names = FALSE)
