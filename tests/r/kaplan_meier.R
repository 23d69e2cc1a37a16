# Reference values for src/her2cohort/stats/kaplan_meier.py and logrank.py.
#
#   Rscript tests/r/kaplan_meier.R      (run from the repository root)
#
# Reads tests/data/{lung,veteran,km_exact_half,km_not_reached,km_remission}.csv
# (km_remission: Freireich et al. 1963 6-MP vs placebo remission data) and writes
# tests/fixtures/r/kaplan_meier/:
#   km_table.csv          survfit(): every time, n.risk, n.event, n.censor, surv,
#                         std.err (of the cumulative hazard), lower, upper
#   km_summary_times.csv  summary(survfit, times=, extend=FALSE/TRUE)
#   km_medians.csv        summary(survfit)$table: median, LCL, UCL (print.survfit)
#   km_quantile.csv       quantile.survfit(0.5): differs from print.survfit when
#                         S stays at exactly 0.5 to the end of follow-up
#   km_numbers_at_risk.csv survminer-style risk table: summary(extend=TRUE)
#                         n.risk, cumsum(n.event), cumsum(n.censor)
#   km_follow_up.csv      median follow-up by its three definitions: reverse
#                         Kaplan-Meier, median observed time of all patients,
#                         median among censored patients
#   km_spss_median.csv    NOT SPSS output: a re-implementation in R of the
#                         percentile standard error formula documented in
#                         kaplan_meier.py (an independent cross-check of the
#                         arithmetic only; no SPSS reference value was available)
#   logrank.csv           survdiff(rho = 0 / 1), unstratified and stratified
#   versions.csv          R and survival versions that produced these files
# Produced with R 4.2.2 and survival 3.5-3 (see versions.csv).
suppressPackageStartupMessages(library(survival))
options(digits = 15)
out_dir <- "tests/fixtures/r/kaplan_meier"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
write_fixture <- function(x, name) {
  write.csv(x, file.path(out_dir, name), row.names = FALSE)
}

lung <- read.csv("tests/data/lung.csv")
lung$event <- lung$status - 1            # lung status: 1 = censored, 2 = dead
veteran <- read.csv("tests/data/veteran.csv")
veteran$event <- veteran$status
exact_half <- read.csv("tests/data/km_exact_half.csv")
exact_half$event <- exact_half$status
not_reached <- read.csv("tests/data/km_not_reached.csv")
not_reached$event <- not_reached$status
remission <- read.csv("tests/data/km_remission.csv")
remission$time <- remission$weeks
remission$event <- remission$relapse

# One entry per fitted case: dataset, grouping variable ("" = none), conf.type.
cases <- list(
  list(data = "lung", group = "", conf = "log"),
  list(data = "lung", group = "", conf = "log-log"),
  list(data = "lung", group = "", conf = "plain"),
  list(data = "lung", group = "sex", conf = "log"),
  list(data = "lung", group = "sex", conf = "log-log"),
  list(data = "lung", group = "sex", conf = "plain"),
  list(data = "veteran", group = "trt", conf = "log"),
  list(data = "veteran", group = "trt", conf = "log-log"),
  list(data = "veteran", group = "celltype", conf = "log"),
  list(data = "veteran", group = "celltype", conf = "log-log"),
  list(data = "veteran", group = "celltype", conf = "plain"),
  list(data = "exact_half", group = "group", conf = "log"),
  list(data = "exact_half", group = "group", conf = "log-log"),
  list(data = "exact_half", group = "group", conf = "plain"),
  list(data = "not_reached", group = "group", conf = "log"),
  list(data = "not_reached", group = "group", conf = "log-log"),
  list(data = "not_reached", group = "group", conf = "plain"),
  list(data = "remission", group = "rx", conf = "log"),
  list(data = "remission", group = "rx", conf = "log-log")
)
datasets <- list(lung = lung, veteran = veteran, exact_half = exact_half,
                 not_reached = not_reached, remission = remission)

fit_case <- function(case, conf.int = 0.95) {
  d <- datasets[[case$data]]
  f <- if (case$group == "") Surv(time, event) ~ 1 else
    as.formula(paste("Surv(time, event) ~", case$group))
  survfit(f, data = d, conf.type = case$conf, conf.int = conf.int)
}
# Group label of each row of a survfit object ("" when there are no strata):
# the level after "var=" in R's strata names.
strata_labels <- function(fit, n) {
  if (is.null(fit$strata)) return(rep("", n))
  sub("^[^=]*=", "", rep(names(fit$strata), fit$strata))
}

km_table <- list(); km_medians <- list(); km_summary <- list()
for (case in cases) {
  for (level in c(0.95, if (case$data == "lung" && case$group == "") 0.9)) {
    fit <- fit_case(case, level)
    key <- data.frame(dataset = case$data, group_var = case$group,
                      conf_type = case$conf, conf_level = level)
    if (level == 0.95) {
      km_table[[length(km_table) + 1]] <- cbind(key, data.frame(
        group = strata_labels(fit, length(fit$time)), time = fit$time,
        n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
        surv = fit$surv, std_err = fit$std.err, lower = fit$lower,
        upper = fit$upper))
    }
    tab <- summary(fit)$table
    if (is.null(dim(tab))) tab <- t(as.matrix(tab))
    km_medians[[length(km_medians) + 1]] <- cbind(key, data.frame(
      group = if (is.null(fit$strata)) "" else sub("^[^=]*=", "", names(fit$strata)),
      n = tab[, "records"], events = tab[, "events"], median = tab[, "median"],
      lcl = tab[, grep("LCL", colnames(tab))], ucl = tab[, grep("UCL", colnames(tab))]))
  }
}
write_fixture(do.call(rbind, km_table), "km_table.csv")
write_fixture(do.call(rbind, km_medians), "km_medians.csv")

# summary(times=): between event times, before the first, at and past the last.
summary_cases <- list(
  list(case = list(data = "lung", group = "", conf = "log"),
       times = c(0, 5, 100, 182.5, 365, 730, 1022, 1100)),
  list(case = list(data = "lung", group = "sex", conf = "log"),
       times = c(0, 100, 182.5, 365, 730, 900, 1022, 1100)),
  list(case = list(data = "veteran", group = "celltype", conf = "log-log"),
       times = c(0, 30, 90, 180, 365, 600, 1000)),
  list(case = list(data = "exact_half", group = "group", conf = "plain"),
       times = c(-1, 0, 1.5, 2, 4, 5, 8, 10, 11))
)
for (sc in summary_cases) {
  fit <- fit_case(sc$case)
  for (extend in c(FALSE, TRUE)) {
    s <- summary(fit, times = sc$times, extend = extend)
    km_summary[[length(km_summary) + 1]] <- data.frame(
      dataset = sc$case$data, group_var = sc$case$group,
      conf_type = sc$case$conf, extend = extend,
      group = if (is.null(s$strata)) "" else sub("^[^=]*=", "", as.character(s$strata)),
      time = s$time, n_risk = s$n.risk, n_event = s$n.event,
      n_censor = s$n.censor, surv = s$surv, std_err = s$std.err,
      lower = s$lower, upper = s$upper)
  }
}
write_fixture(do.call(rbind, km_summary), "km_summary_times.csv")

# quantile.survfit versus print.survfit on the exact-0.5 data set.
fit <- fit_case(list(data = "exact_half", group = "group", conf = "log"))
q <- quantile(fit, 0.5)
write_fixture(data.frame(group = sub("^[^=]*=", "", names(fit$strata)),
                         quantile = q$quantile[, 1], lower = q$lower[, 1],
                         upper = q$upper[, 1]), "km_quantile.csv")

# survminer-style numbers at risk (ggsurvplot risk.table / cumevents / cumcensor)
risk <- list()
for (sc in list(list(case = list(data = "lung", group = "sex", conf = "log"),
                     times = seq(0, 1000, by = 250)),
                list(case = list(data = "veteran", group = "trt", conf = "log"),
                     times = seq(0, 1000, by = 100)))) {
  fit <- fit_case(sc$case)
  s <- summary(fit, times = sc$times, extend = TRUE)
  g <- sub("^[^=]*=", "", as.character(s$strata))
  risk[[length(risk) + 1]] <- data.frame(
    dataset = sc$case$data, group_var = sc$case$group, group = g, time = s$time,
    n_risk = s$n.risk, cum_events = ave(s$n.event, g, FUN = cumsum),
    cum_censored = ave(s$n.censor, g, FUN = cumsum))
}
write_fixture(do.call(rbind, risk), "km_numbers_at_risk.csv")

# Median follow-up: reverse Kaplan-Meier (censoring is the event), the plain
# median observed time of all patients (deaths included) and the plain median of
# follow-up among censored patients.
fu <- list()
for (nm in c("lung", "veteran", "not_reached")) {
  d <- datasets[[nm]]
  for (ct in c("log", "log-log")) {
    rev_fit <- survfit(Surv(time, 1 - event) ~ 1, data = d, conf.type = ct)
    tab <- summary(rev_fit)$table
    fu[[length(fu) + 1]] <- data.frame(
      dataset = nm, conf_type = ct, reverse_km_median = tab[["median"]],
      reverse_km_lcl = tab[["0.95LCL"]], reverse_km_ucl = tab[["0.95UCL"]],
      all_patients_median = median(d$time),
      censored_median = median(d$time[d$event == 0]),
      n_censored = sum(d$event == 0), min_time = min(d$time), max_time = max(d$time))
  }
}
write_fixture(do.call(rbind, fu), "km_follow_up.csv")

# The percentile standard error of kaplan_meier.py's "spss" convention, written
# again in R from the formula alone (Klein & Moeschberger 2003, section 4.5,
# practical note 3: density by a uniform kernel between the last event time with S >= 0.55 and
# the first with S <= 0.45). Cross-checks the arithmetic; it is not SPSS output.
spss_median <- function(time, event, level = 0.95) {
  fit <- survfit(Surv(time, event) ~ 1)
  ev <- fit$n.event > 0
  t <- c(0, fit$time[ev]); s <- c(1, fit$surv[ev])
  se_s <- c(0, (fit$std.err * fit$surv)[ev])
  tol <- sqrt(.Machine$double.eps)      # exact fractions such as 11/20 are not exact in floating point
  i <- which(s <= 0.5 + tol)
  if (length(i) == 0) return(c(NA, NA, NA, NA))
  i <- i[1]
  u <- max(which(s >= 0.55 - tol)); l <- which(s <= 0.45 + tol)
  if (length(l) == 0) return(c(t[i], NA, NA, NA))
  l <- l[1]
  dens <- (s[u] - s[l]) / (t[l] - t[u])
  se <- se_s[i] / dens
  z <- qnorm(1 - (1 - level) / 2)
  c(t[i], se, max(0, t[i] - z * se), t[i] + z * se)
}
spss <- list()
for (nm in c("lung", "veteran", "exact_half", "not_reached", "remission")) {
  d <- datasets[[nm]]
  gv <- c(lung = "sex", veteran = "celltype", exact_half = "group",
          not_reached = "group", remission = "rx")[[nm]]
  for (g in c("", sort(unique(as.character(d[[gv]]))))) {
    dd <- if (g == "") d else d[as.character(d[[gv]]) == g, ]
    r <- spss_median(dd$time, dd$event)
    spss[[length(spss) + 1]] <- data.frame(
      dataset = nm, group_var = if (g == "") "" else gv, group = g,
      median = r[1], std_error = r[2], lower = r[3], upper = r[4])
  }
}
write_fixture(do.call(rbind, spss), "km_spss_median.csv")

# Log-rank (rho = 0) and Peto-Peto (rho = 1) tests as print.survdiff shows them.
lr_cases <- list(
  list(data = "lung", formula = Surv(time, event) ~ sex, group = "sex", strata = "", rho = 0),
  list(data = "lung", formula = Surv(time, event) ~ sex, group = "sex", strata = "", rho = 1),
  list(data = "lung", formula = Surv(time, event) ~ ph.ecog, group = "ph.ecog", strata = "", rho = 0),
  list(data = "veteran", formula = Surv(time, event) ~ trt, group = "trt", strata = "", rho = 0),
  list(data = "veteran", formula = Surv(time, event) ~ celltype, group = "celltype", strata = "", rho = 0),
  list(data = "veteran", formula = Surv(time, event) ~ celltype, group = "celltype", strata = "", rho = 1),
  list(data = "veteran", formula = Surv(time, event) ~ trt + strata(celltype),
       group = "trt", strata = "celltype", rho = 0),
  list(data = "veteran", formula = Surv(time, event) ~ trt + strata(celltype),
       group = "trt", strata = "celltype", rho = 1),
  list(data = "lung", formula = Surv(time, event) ~ sex + strata(ph.ecog),
       group = "sex", strata = "ph.ecog", rho = 0),
  list(data = "remission", formula = Surv(time, event) ~ rx, group = "rx", strata = "", rho = 0)
)
lr <- list()
for (case in lr_cases) {
  sd <- survdiff(case$formula, data = datasets[[case$data]], rho = case$rho)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  exp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  df <- sum(exp > 0) - 1
  lr[[length(lr) + 1]] <- data.frame(
    dataset = case$data, group_var = case$group, strata_var = case$strata,
    rho = case$rho, group = sub("^[^=]*=", "", names(sd$n)), n = as.vector(sd$n),
    observed = obs, expected = exp, oe2_e = (obs - exp)^2 / exp,
    oe2_v = (obs - exp)^2 / diag(sd$var), chisq = sd$chisq, df = df,
    p_value = pchisq(sd$chisq, df, lower.tail = FALSE))
}
write_fixture(do.call(rbind, lr), "logrank.csv")

write_fixture(data.frame(
  software = c("R", "survival"),
  version = c(R.version.string, as.character(packageVersion("survival")))),
  "versions.csv")
