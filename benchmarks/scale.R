# Benchmark 5, the R side: the analyses of benchmarks/studies/scale.yaml in R
# (survival, pROC), on an analysis set written by the Python pipeline.
#
#   Rscript benchmarks/scale.R ANALYSIS_SET.csv LABEL TIMINGS.csv CHECKS.csv [MIN_BATCH_S] [REPEATS]
#
# Times the load (read.csv) once and each analysis as the median of REPEATS
# batches (elapsed and CPU time, user + system, of this process); a batch repeats the call until it lasts MIN_BATCH_S, so that
# millisecond analyses of a 48-patient study are not lost in the clock's
# resolution. The Python side (benchmarks/versus_r.py) times its own calls the
# same way. CHECKS.csv holds a few numbers of each analysis, which the Python
# side compares with its own, so that the two sides are seen to compute the
# same thing. Needs Debian's r-cran-survival and r-cran-proc.

suppressPackageStartupMessages({
  library(survival)
  library(pROC)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: Rscript benchmarks/scale.R ANALYSIS_SET.csv LABEL TIMINGS.csv CHECKS.csv [MIN_BATCH_S] [REPEATS]")
path <- args[1]
label <- args[2]
min_batch <- if (length(args) >= 5) as.numeric(args[5]) else 0.2
repeats <- if (length(args) >= 6) as.integer(args[6]) else 5L

elapsed <- function() proc.time()[["elapsed"]]
cpu <- function() { t <- proc.time(); t[["user.self"]] + t[["sys.self"]] }

load_start <- elapsed()
load_cpu_start <- cpu()
d <- read.csv(path, stringsAsFactors = FALSE)
load_s <- elapsed() - load_start
load_cpu <- cpu() - load_cpu_start

levels_change <- c("persistent", "loss")
split_sites <- function(x) strsplit(ifelse(is.na(x), "", x), ";", fixed = TRUE)

# The source papers' policy (Python: contingency policy "fisher_if_expected_lt5"):
# Fisher's exact test when any expected count is < 5, else Pearson chi-square
# without continuity correction.
test_table <- function(tab) {
  tab <- tab[rowSums(tab) > 0, , drop = FALSE]
  if (nrow(tab) < 2) return(NA_real_)
  expected <- suppressWarnings(chisq.test(tab, correct = FALSE)$expected)
  if (any(expected < 5)) fisher.test(tab)$p.value else chisq.test(tab, correct = FALSE)$p.value
}

# Table 1 by persistence vs loss of HER2 positivity, as her2cohort.stats.table1:
# Total and per group; continuous median, quartiles (type 7), range, mean, SD,
# Mann-Whitney (wilcox.test, R defaults); categorical n (%) and the policy
# test; multi-valued sites one yes/no variable (and test) per level.
table1 <- function(d) {
  grouped <- d[!is.na(d$her2_change) & d$her2_change %in% levels_change, ]
  group <- factor(grouped$her2_change, levels = levels_change)
  blocks <- list(Total = d, persistent = d[d$her2_change %in% "persistent", ], loss = d[d$her2_change %in% "loss", ])
  out <- list()
  for (v in c("age_years", "baseline_h_score")) {
    for (b in names(blocks)) {
      x <- blocks[[b]][[v]]
      x <- x[!is.na(x)]
      out[[paste(v, b)]] <- c(quantile(x, c(0.25, 0.5, 0.75), type = 7), min(x), max(x), mean(x), sd(x))
    }
    out[[paste(v, "p")]] <- wilcox.test(grouped[[v]] ~ group)$p.value
  }
  for (v in c("sex", "ecog", "primary_site", "histology", "disease_status")) {
    for (b in names(blocks)) out[[paste(v, b)]] <- table(blocks[[b]][[v]])
    out[[paste(v, "p")]] <- test_table(table(grouped[[v]], group))
  }
  sites <- split_sites(d$metastatic_sites)
  site_levels <- sort(unique(unlist(sites)))
  site_levels <- site_levels[site_levels != ""]
  grouped_sites <- split_sites(grouped$metastatic_sites)
  for (level in site_levels) {
    has <- vapply(sites, function(s) level %in% s, logical(1))
    for (b in names(blocks)) out[[paste(level, b)]] <- sum(has[rownames(d) %in% rownames(blocks[[b]])])
    has_grouped <- factor(vapply(grouped_sites, function(s) level %in% s, logical(1)), levels = c(TRUE, FALSE))
    out[[paste(level, "p")]] <- test_table(table(has_grouped, group))
  }
  out
}

changed <- function(d) d[d$her2_change %in% levels_change, ]

analyses <- list(
  table1 = function() table1(d),
  km = function() summary(survfit(Surv(os_months, os_event) ~ her2_change, data = changed(d))),
  km_median = function() summary(survfit(Surv(os_months, os_event) ~ her2_change, data = changed(d)))$table,
  logrank = function() survdiff(Surv(os_months, os_event) ~ her2_change, data = changed(d)),
  cox = function() summary(coxph(Surv(os_months, os_event) ~ age_years + sex + baseline_h_score, data = d, ties = "efron")),
  roc_cutoff = function() {
    s <- changed(d)
    r <- roc(s$her2_change, s$baseline_h_score, levels = levels_change, direction = "auto", quiet = TRUE)
    list(r = r, best = coords(r, "best", best.method = "youden", transpose = FALSE), ci = ci.auc(r, method = "delong"))
  }
)

time_call <- function(f) {
  first <- elapsed()
  result <- f()
  once <- elapsed() - first
  inner <- max(1L, as.integer(ceiling(min_batch / max(once, 1e-4))))
  batches <- numeric(repeats)
  cpu_batches <- numeric(repeats)
  for (i in seq_len(repeats)) {
    start <- elapsed()
    cpu_start <- cpu()
    for (j in seq_len(inner)) f()
    batches[i] <- (elapsed() - start) / inner
    cpu_batches[i] <- (cpu() - cpu_start) / inner
  }
  list(result = result, median = median(batches), cpu = median(cpu_batches), inner = inner)
}

timings <- data.frame(dataset = label, analysis = "load", seconds = load_s, cpu_seconds = load_cpu, calls_per_batch = 1L, repeats = 1L, n = nrow(d))
results <- list()
for (name in names(analyses)) {
  t <- time_call(analyses[[name]])
  results[[name]] <- t$result
  timings <- rbind(timings, data.frame(dataset = label, analysis = name, seconds = t$median, cpu_seconds = t$cpu, calls_per_batch = t$inner, repeats = repeats, n = nrow(d)))
}
write.csv(timings, args[3], row.names = FALSE)

cox <- results$cox
logrank <- results$logrank
medians <- results$km_median
checks <- data.frame(
  dataset = label,
  quantity = c(
    "table1 age_years p", "table1 sex p", "km median persistent", "logrank chisq",
    "cox coef age_years", "cox coef baseline_h_score", "roc auc", "roc auc conf_low", "roc threshold"
  ),
  value = c(
    results$table1[["age_years p"]], results$table1[["sex p"]],
    medians["her2_change=persistent", "median"], logrank$chisq,
    cox$coefficients["age_years", "coef"], cox$coefficients["baseline_h_score", "coef"],
    as.numeric(results$roc_cutoff$r$auc), results$roc_cutoff$ci[1], results$roc_cutoff$best$threshold[1]
  )
)
write.csv(checks, args[4], row.names = FALSE)
