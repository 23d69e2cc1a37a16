# Reference values for her2cohort.stats.contingency and her2cohort.stats.proportions.
#
# Run from the repository root:  Rscript tests/r/contingency.R
# Reads   tests/data/contingency_tables.csv       (count tables, long format; printed paper tables + synthetic)
#         tests/data/contingency_proportions.csv  (x, n, p, alternative, conf.level)
#         tests/data/contingency_patients.csv     (patient-level records with missing values)
# Writes  tests/fixtures/r/contingency/
#         chisq.csv        chisq.test(x, correct = TRUE / FALSE): statistic, df, p, method
#         expected.csv     chisq.test(x)$expected, cell by cell
#         fisher.csv       fisher.test(x, alternative, conf.level): p, conditional MLE odds ratio, CI
#                          (r x c: first with the default workspace; when FEXACT fails, the error
#                          message is kept and the test is repeated with workspace = 2e8)
#         binom.csv        binom.test(x, n, p, alternative, conf.level): estimate, CI, p
#         patients_table.csv, patients_tests.csv
#                          table() of the patient records (NA dropped, number dropped) and the tests on it
#         binom_by_group.csv  binom.test of response (CR/PR) per HER2 pattern in the patient records
#         uniroot.csv      uniroot() roots of a few smooth functions (checks the zeroin port)
#         versions.csv     R version that produced these files
# Produced with R 4.2.2 (Debian), package stats only. Deterministic: no simulation.

options(digits = 15, stringsAsFactors = FALSE)
out_dir <- file.path("tests", "fixtures", "r", "contingency")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
num <- function(x) format(x, digits = 17)

tables <- read.csv(file.path("tests", "data", "contingency_tables.csv"), check.names = FALSE,
                   colClasses = c(printed_p = "character"))

as_matrix <- function(d) {
  rl <- unique(d$row_level)
  cl <- unique(d$column_level)
  x <- matrix(0L, length(rl), length(cl), dimnames = list(rl, cl))
  x[cbind(match(d$row_level, rl), match(d$column_level, cl))] <- as.integer(d$count)
  x
}

chisq_rows <- list()
expected_rows <- list()
fisher_rows <- list()
for (id in unique(tables$table_id)) {
  x <- as_matrix(tables[tables$table_id == id, ])
  for (correct in c(TRUE, FALSE)) {
    r <- suppressWarnings(chisq.test(x, correct = correct))
    chisq_rows[[length(chisq_rows) + 1]] <- data.frame(
      table_id = id, correct = correct, statistic = num(unname(r$statistic)),
      df = unname(r$parameter), p_value = num(r$p.value), method = r$method)
  }
  e <- suppressWarnings(chisq.test(x))$expected
  expected_rows[[length(expected_rows) + 1]] <- data.frame(
    table_id = id, row_level = rep(rownames(x), times = ncol(x)),
    column_level = rep(colnames(x), each = nrow(x)), expected = num(as.vector(e)))
  is_2x2 <- all(dim(x) == 2L)
  settings <- if (is_2x2) {
    list(list("two.sided", 0.95), list("less", 0.95), list("greater", 0.95), list("two.sided", 0.90))
  } else {
    list(list("two.sided", 0.95))
  }
  for (s in settings) {
    workspace <- 200000
    err <- ""
    r <- tryCatch(fisher.test(x, alternative = s[[1]], conf.level = s[[2]]),
                  error = function(e) conditionMessage(e))
    if (is.character(r)) {
      err <- gsub("[\r\n]+", " ", r)
      workspace <- 2e8
      r <- fisher.test(x, alternative = s[[1]], conf.level = s[[2]], workspace = workspace)
    }
    fisher_rows[[length(fisher_rows) + 1]] <- data.frame(
      table_id = id, alternative = s[[1]], conf_level = s[[2]], p_value = num(r$p.value),
      estimate = if (is_2x2) num(unname(r$estimate)) else NA,
      conf_low = if (is_2x2) num(r$conf.int[1]) else NA,
      conf_high = if (is_2x2) num(r$conf.int[2]) else NA,
      workspace = workspace, default_workspace_error = err)
  }
}
write.csv(do.call(rbind, chisq_rows), file.path(out_dir, "chisq.csv"), row.names = FALSE)
write.csv(do.call(rbind, expected_rows), file.path(out_dir, "expected.csv"), row.names = FALSE)
write.csv(do.call(rbind, fisher_rows), file.path(out_dir, "fisher.csv"), row.names = FALSE)

props <- read.csv(file.path("tests", "data", "contingency_proportions.csv"))
binom_rows <- lapply(seq_len(nrow(props)), function(i) {
  p <- props[i, ]
  r <- binom.test(p$x, p$n, p = p$p, alternative = p$alternative, conf.level = p$conf_level)
  data.frame(x = p$x, n = p$n, p = p$p, alternative = p$alternative, conf_level = p$conf_level,
             estimate = num(unname(r$estimate)), conf_low = num(r$conf.int[1]),
             conf_high = num(r$conf.int[2]), p_value = num(as.numeric(r$p.value)))
})
write.csv(do.call(rbind, binom_rows), file.path(out_dir, "binom.csv"), row.names = FALSE)

patients <- read.csv(file.path("tests", "data", "contingency_patients.csv"), na.strings = "")
pairs <- list(c("her2_pattern", "sex"), c("her2_pattern", "response"))
table_rows <- list()
test_rows <- list()
for (pr in pairs) {
  a <- patients[[pr[1]]]
  b <- patients[[pr[2]]]
  x <- table(a, b)  # table() drops records with NA in either variable
  n_excluded <- sum(!complete.cases(a, b))
  table_rows[[length(table_rows) + 1]] <- data.frame(
    row = pr[1], column = pr[2], row_level = rep(rownames(x), times = ncol(x)),
    column_level = rep(colnames(x), each = nrow(x)), count = as.vector(x), n_excluded = n_excluded)
  f <- fisher.test(x)
  c0 <- suppressWarnings(chisq.test(x, correct = FALSE))
  c1 <- suppressWarnings(chisq.test(x))
  test_rows[[length(test_rows) + 1]] <- data.frame(
    row = pr[1], column = pr[2], n = sum(x), n_excluded = n_excluded,
    min_expected = num(min(c0$expected)), fisher_p = num(f$p.value),
    fisher_estimate = if (all(dim(x) == 2L)) num(unname(f$estimate)) else NA,
    chisq_statistic = num(unname(c0$statistic)), chisq_p = num(c0$p.value),
    chisq_yates_statistic = num(unname(c1$statistic)), chisq_yates_p = num(c1$p.value))
}
write.csv(do.call(rbind, table_rows), file.path(out_dir, "patients_table.csv"), row.names = FALSE)
write.csv(do.call(rbind, test_rows), file.path(out_dir, "patients_tests.csv"), row.names = FALSE)

# Objective response (CR or PR) by HER2 pattern: binom.test per group, records missing either excluded.
ok <- complete.cases(patients$her2_pattern, patients$response)
responder <- patients$response[ok] %in% c("CR", "PR")
pattern <- patients$her2_pattern[ok]
group_rows <- lapply(sort(unique(pattern)), function(g) {
  r <- binom.test(sum(responder[pattern == g]), sum(pattern == g))
  data.frame(group = g, x = unname(r$statistic), n = unname(r$parameter), estimate = num(unname(r$estimate)),
             conf_low = num(r$conf.int[1]), conf_high = num(r$conf.int[2]), p_value = num(r$p.value),
             n_excluded = sum(!ok))
})
write.csv(do.call(rbind, group_rows), file.path(out_dir, "binom_by_group.csv"), row.names = FALSE)

# uniroot() on smooth functions: the Python port of R_zeroin2 must follow the same iterates.
roots <- list(
  list("cubic", function(x) x^3 - x - 1, 1, 2),
  list("cos_minus_x", function(x) cos(x) - x, 0, 1),
  list("exp_minus_5", function(x) exp(x) - 5, 0, 3),
  list("steep_logistic", function(x) 1 / (1 + exp(-40 * (x - 0.3))) - 0.01, 0, 1))
root_rows <- lapply(roots, function(r) {
  u <- uniroot(r[[2]], c(r[[3]], r[[4]]))
  data.frame(name = r[[1]], lower = r[[3]], upper = r[[4]], root = num(u$root), iter = u$iter)
})
write.csv(do.call(rbind, root_rows), file.path(out_dir, "uniroot.csv"), row.names = FALSE)

write.csv(data.frame(software = c("R", "stats"),
                     version = c(R.version.string, as.character(packageVersion("stats")))),
          file.path(out_dir, "versions.csv"), row.names = FALSE)
cat("wrote", out_dir, "\n")
