# Reference values for the "rigor report" survival methods:
#   src/her2cohort/stats/cox.py            Cox on (start, stop] data, tmerge rows,
#                                          time-dependent Cox
#   src/her2cohort/stats/landmark.py       landmark analysis
#   src/her2cohort/stats/competing_risks.py cumulative incidence, Gray's test, Fine-Gray
# computed with survival::coxph(Surv(tstart, tstop, event) ~ ...), survival::tmerge,
# survfit / survdiff / coxph on a landmark subset built by hand, and
# cmprsk::cuminc, cmprsk::timepoints, cmprsk::crr.
#   Rscript tests/r/rigor_survival.R   (run from the repository root; needs survival
#   and cmprsk: Debian r-cran-survival r-cran-cmprsk)
# Produced with R 4.2.2, survival 3.5-3 and cmprsk 2.2-11 (see versions.csv).
#
# Inputs:  tests/data/heart.csv (survival::heart, Stanford heart transplant data in
#          (start, stop] form) and tests/data/mgus2.csv (survival::mgus2), both written
#          by tests/r/export_datasets.R; tests/data/rigor_tdc.csv (one row per patient:
#          time, status, change_time of a covariate switching 0 -> 1, age, arm) and
#          tests/data/rigor_competing.csv (time, status 0 = censored / 1 / 2 = two
#          causes, with ties, group A/B/C, stratum, x, female), written below from a
#          fixed seed and read back like the others.
# Outputs: tests/fixtures/r/rigor_survival/
#   cox_coef.csv        (start, stop] Cox models: coef, exp(coef), se, z, p, Wald CI
#   cox_tests.csv       per model: n, events, logliks, LR / Wald / score tests,
#                       concordance and its counts, iterations, warnings
#   tmerge_rows.csv     tmerge(d, d, id, event = event(time, status), tdc = tdc(change_time))
#   landmark_median.csv survfit on the landmark set: median and CI per group
#   landmark_surv.csv   summary(survfit, times = residual times) per group
#   landmark_logrank.csv survdiff on the landmark set
#   landmark_cox.csv    coxph on the landmark set: coefficients and model tests
#   landmark_n.csv      patients at risk at each landmark, by group
#   cuminc_est.csv      cuminc estimates and variances at each jump (event time of the cause)
#   cuminc_timepoints.csv timepoints(cuminc, times)
#   cuminc_ci.csv       the log(-log) interval x^exp(+-z se / (x log x)) at the jumps
#                       (Pintilie 2006, as tidycmprsk): arithmetic cross-check only
#   gray.csv            cuminc(...)$Tests (rho = 0, 1; with strata), and the upper
#                       tail p computed accurately (1 - pchisq loses digits below ~1e-10)
#   crr.csv             crr: coef, exp(coef), se, z, p (2 * pnorm(-|z|)), CI, loglik,
#                       loglik.null, pseudo LR test, converged, iterations (the least
#                       maxiter at which crr reports convergence)
#   crr_path.csv        crr's convergence criterion at each iterate (re-computed here
#                       from crr's own loop), to show how far each decision sits from gtol
#   versions.csv
# The coxph rows are extracted as tests/r/cox.R extracts them (tests/r/lib/coxph_rows.R).
suppressPackageStartupMessages({library(survival); library(cmprsk)})
source("tests/r/lib/coxph_rows.R")  # coxph_rows(), write17()
options(digits = 15)
out <- "tests/fixtures/r/rigor_survival"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

# ---- small datasets made here, deterministic ---------------------------------
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20250301)
n <- 150
tdc <- data.frame(id = 1:n, age = round(rnorm(n, 60, 10)),
                  arm = sample(c("A", "B"), n, replace = TRUE))
change <- round(rexp(n, 1 / 8) * 2) / 2               # half-month grid: ties
change[runif(n) < 0.4] <- NA                            # never changed
event_time <- rexp(n, 1 / 18)
# hazard doubles once the covariate has changed
after <- !is.na(change) & change < event_time
event_time[after] <- change[after] + (event_time[after] - change[after]) / 2
censor_time <- runif(n, 4, 40)
tdc$time <- round(pmin(event_time, censor_time) * 2) / 2 + 0.5
tdc$status <- as.integer(event_time <= censor_time)
change[1:3] <- 0                                        # changed at baseline
change[4] <- tdc$time[4]                                # changed at the last contact
change[5] <- tdc$time[5] + 3                            # after the last contact
change[6] <- -1                                         # before the origin
tdc$change_time <- change
write.csv(tdc, "tests/data/rigor_tdc.csv", row.names = FALSE, na = "")

set.seed(20250302)
n <- 200
cr <- data.frame(id = 1:n,
                 group = sample(c("A", "B", "C"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25)),
                 stratum = sample(c("s1", "s2"), n, replace = TRUE),
                 x = round(rnorm(n), 2), female = rbinom(n, 1, 0.5))
t1 <- rexp(n, 0.04 * exp(0.5 * cr$x + 0.4 * (cr$group == "B") + 0.8 * (cr$group == "C")))
t2 <- rexp(n, 0.03 * exp(-0.3 * cr$x + 0.3 * cr$female))
cens <- runif(n, 5, 60)
cr$time <- ceiling(pmin(t1, t2, cens))                  # whole months: many ties
cr$status <- ifelse(cens < pmin(t1, t2), 0L, ifelse(t1 < t2, 1L, 2L))
write.csv(cr, "tests/data/rigor_competing.csv", row.names = FALSE)

# ---- inputs ------------------------------------------------------------------
heart <- read.csv("tests/data/heart.csv")
mgus2 <- read.csv("tests/data/mgus2.csv")
tdc <- read.csv("tests/data/rigor_tdc.csv")
cr <- read.csv("tests/data/rigor_competing.csv")
# mgus2 as in survival's "compete" vignette: progression to a plasma cell malignancy
# (cause 1) or death without it (cause 2), months
mgus2$etime <- ifelse(mgus2$pstat == 0, mgus2$futime, mgus2$ptime)
mgus2$event <- ifelse(mgus2$pstat == 0, 2 * mgus2$death, 1)
mgus2 <- mgus2[!is.na(mgus2$etime) & !is.na(mgus2$event), ]

# ---- Cox on (start, stop] data --------------------------------------------------
tm <- tmerge(tdc[, c("id", "time", "status", "age", "arm")], tdc, id = id,
             event = event(time, status), tdc = tdc(change_time))
write17(data.frame(id = tm$id, tstart = tm$tstart, tstop = tm$tstop, event = tm$event,
                   tdc = tm$tdc), "tmerge_rows.csv", out)

models <- list(
  heart_efron      = list(Surv(start, stop, event) ~ age + year + surgery + transplant, heart, "efron"),
  heart_breslow    = list(Surv(start, stop, event) ~ age + year + surgery + transplant, heart, "breslow"),
  heart_strata     = list(Surv(start, stop, event) ~ age + year + transplant + strata(surgery), heart, "efron"),
  tdc_efron        = list(Surv(tstart, tstop, event) ~ tdc + age + arm, tm, "efron"),
  tdc_breslow      = list(Surv(tstart, tstop, event) ~ tdc + age + arm, tm, "breslow"),
  tdc_strata       = list(Surv(tstart, tstop, event) ~ tdc + age + strata(arm), tm, "efron"),
  # the same right-censored model written as (0, time]: must equal coxph(Surv(time, status))
  tdc_zero_start   = list(Surv(rep(0, nrow(tdc)), time, status) ~ age + arm, tdc, "efron")
)
coef_rows <- list(); test_rows <- list()
for (name in names(models)) {
  m <- models[[name]]
  rows <- coxph_rows(name, m[[1]], m[[2]], m[[3]])
  coef_rows[[name]] <- rows$coef
  test_rows[[name]] <- rows$tests
}
write17(do.call(rbind, coef_rows), "cox_coef.csv", out)
write17(do.call(rbind, test_rows), "cox_tests.csv", out)

# ---- landmark analysis, by hand ------------------------------------------------
# At landmark L keep the patients still at risk (time > L; the ">=" variant keeps
# time >= L as survfit(start.time = L) does), classify the covariate by its value
# at L (changed by L: change_time <= L), restart the clock: residual time = time - L.
n_rows <- list(); med_rows <- list(); surv_rows <- list(); lr_rows <- list(); lmcox_rows <- list()
for (spec in list(list("L3", 3, ">"), list("L6", 6, ">"), list("L6_ge", 6, ">="))) {
  label <- spec[[1]]; L <- spec[[2]]
  keep <- if (spec[[3]] == ">") tdc$time > L else tdc$time >= L
  lm <- tdc[keep, ]
  lm$changed_by_landmark <- as.integer(!is.na(lm$change_time) & lm$change_time <= L)
  lm$residual <- lm$time - L
  n_rows[[label]] <- data.frame(landmark = label, group = c(0, 1),
    n = as.vector(table(factor(lm$changed_by_landmark, levels = 0:1))),
    events = as.vector(tapply(lm$status, factor(lm$changed_by_landmark, levels = 0:1), sum)))
  km <- survfit(Surv(residual, status) ~ changed_by_landmark, data = lm)
  tab <- summary(km)$table
  med_rows[[label]] <- data.frame(landmark = label, group = c(0, 1), n = tab[, "records"],
                                  events = tab[, "events"], median = tab[, "median"],
                                  lcl = tab[, "0.95LCL"], ucl = tab[, "0.95UCL"])
  st <- summary(km, times = c(1, 3.5, 6, 12))
  surv_rows[[label]] <- data.frame(landmark = label, group = sub(".*=", "", st$strata),
                                   time = st$time, n_risk = st$n.risk, surv = st$surv,
                                   std_err = st$std.err, lower = st$lower, upper = st$upper)
  sd <- survdiff(Surv(residual, status) ~ changed_by_landmark, data = lm)
  lr_rows[[label]] <- data.frame(landmark = label, chisq = sd$chisq,
                                 p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE),
                                 observed_0 = sd$obs[1], expected_0 = sd$exp[1])
  fit <- coxph(Surv(residual, status) ~ changed_by_landmark + age, data = lm)
  s <- summary(fit)
  lmcox_rows[[label]] <- data.frame(landmark = label, term = rownames(s$coefficients),
    coef = s$coefficients[, "coef"], se = s$coefficients[, "se(coef)"],
    p = s$coefficients[, "Pr(>|z|)"], conf_low = s$conf.int[, "lower .95"],
    conf_high = s$conf.int[, "upper .95"], lr = s$logtest[["test"]],
    score = s$sctest[["test"]], concordance = fit$concordance[["concordance"]])
}
write17(do.call(rbind, n_rows), "landmark_n.csv", out)
write17(do.call(rbind, med_rows), "landmark_median.csv", out)
write17(do.call(rbind, surv_rows), "landmark_surv.csv", out)
write17(do.call(rbind, lr_rows), "landmark_logrank.csv", out)
write17(do.call(rbind, lmcox_rows), "landmark_cox.csv", out)

# ---- competing risks ------------------------------------------------------------
sets <- list(
  competing = list(cr$time, cr$status, cr$group, cr$stratum),
  mgus2 = list(mgus2$etime, mgus2$event, mgus2$sex, NULL)
)
est_rows <- list(); tp_rows <- list(); ci_rows <- list(); gray_rows <- list()
z <- qnorm(0.975)
for (name in names(sets)) {
  s <- sets[[name]]
  ci_all <- cuminc(s[[1]], s[[2]])                      # one curve per cause, no groups
  ci_grp <- cuminc(s[[1]], s[[2]], s[[3]])
  for (fit_name in c("overall", "by_group")) {
    fit <- if (fit_name == "overall") ci_all else ci_grp
    curves <- fit[names(fit) != "Tests"]
    for (curve in names(curves)) {
      w <- curves[[curve]]
      jumps <- seq(3, length(w$time) - 1, by = 2)      # (time, est) after each jump
      parts <- strsplit(curve, " ")[[1]]
      est_rows[[paste(name, fit_name, curve)]] <- data.frame(
        dataset = name, fit = fit_name, group = if (fit_name == "overall") "all" else parts[1],
        cause = parts[length(parts)], time = w$time[jumps], est = w$est[jumps], var = w$var[jumps])
      x <- w$est[jumps]; se <- sqrt(w$var[jumps])
      a <- exp(z * se / (x * log(x)))
      ci_rows[[paste(name, fit_name, curve)]] <- data.frame(
        dataset = name, fit = fit_name, group = if (fit_name == "overall") "all" else parts[1],
        cause = parts[length(parts)], time = w$time[jumps],
        conf_low = pmin(x^a, x^(1 / a)), conf_high = pmax(x^a, x^(1 / a)))
    }
    times <- if (name == "mgus2") c(0, 12, 60, 120, 240, 360, 1000) else c(0, 0.5, 1, 6, 12, 24, 36.5, 48, 100)
    tp <- timepoints(fit, times)
    for (curve in rownames(tp$est)) {
      parts <- strsplit(curve, " ")[[1]]
      tp_rows[[paste(name, fit_name, curve)]] <- data.frame(
        dataset = name, fit = fit_name, group = if (fit_name == "overall") "all" else parts[1],
        cause = parts[length(parts)], time = as.numeric(colnames(tp$est)),
        est = tp$est[curve, ], var = tp$var[curve, ])
    }
  }
  variants <- list(rho0 = list(rho = 0, strata = FALSE), rho1 = list(rho = 1, strata = FALSE))
  if (!is.null(s[[4]])) variants$rho0_strata <- list(rho = 0, strata = TRUE)
  for (v in names(variants)) {
    fit <- if (variants[[v]]$strata) cuminc(s[[1]], s[[2]], s[[3]], strata = s[[4]], rho = variants[[v]]$rho)
           else cuminc(s[[1]], s[[2]], s[[3]], rho = variants[[v]]$rho)
    tests <- fit$Tests
    gray_rows[[paste(name, v)]] <- data.frame(
      dataset = name, variant = v, cause = rownames(tests), stat = tests[, "stat"],
      pv = tests[, "pv"], p_upper = pchisq(tests[, "stat"], tests[, "df"], lower.tail = FALSE),
      df = tests[, "df"])
  }
}
write17(do.call(rbind, est_rows), "cuminc_est.csv", out)
write17(do.call(rbind, tp_rows), "cuminc_timepoints.csv", out)
write17(do.call(rbind, ci_rows), "cuminc_ci.csv", out)
write17(do.call(rbind, gray_rows), "gray.csv", out)

# crr's own loop (cmprsk 2.2-11, R/cmprsk.R), repeated to record the criterion
# max(|U| * max(|b|, 1)) / (max(|loglik|, 1) * gtol) at each iterate: crr converges
# at the first iterate where it is < 1.
crr_path <- function(ftime, fstatus, cov1, failcode) {
  path <- numeric(0)
  for (k in 0:10) {
    fit <- suppressWarnings(crr(ftime, fstatus, cov1, failcode = failcode, maxiter = k,
                                variance = FALSE))
    crit <- max(abs(fit$score) * pmax(abs(fit$coef), 1)) / (max(abs(fit$loglik), 1) * 1e-6)
    path <- c(path, crit)
    if (fit$converged) break
  }
  path
}
crr_rows <- list(); path_rows <- list()
fits <- list(
  competing_cause1 = list(cr, "time", "status", ~ x + female + group, 1),
  competing_cause2 = list(cr, "time", "status", ~ x + female + group, 2),
  competing_x_only = list(cr, "time", "status", ~ x, 1),
  mgus2_cause1     = list(mgus2, "etime", "event", ~ age + sex, 1),
  mgus2_cause2     = list(mgus2, "etime", "event", ~ age + sex, 2)
)
for (name in names(fits)) {
  f <- fits[[name]]
  cov1 <- model.matrix(f[[4]], data = f[[1]])[, -1, drop = FALSE]
  fit <- crr(f[[1]][[f[[2]]]], f[[1]][[f[[3]]]], cov1, failcode = f[[5]])
  iterations <- NA
  for (k in 0:10) {
    if (crr(f[[1]][[f[[2]]]], f[[1]][[f[[3]]]], cov1, failcode = f[[5]], maxiter = k,
            variance = FALSE)$converged) { iterations <- k; break }
  }
  se <- sqrt(diag(fit$var))
  zz <- fit$coef / se
  crr_rows[[name]] <- data.frame(
    model = name, term = names(fit$coef), coef = fit$coef, exp_coef = exp(fit$coef),
    se = se, z = zz, p = 2 * pnorm(-abs(zz)),
    conf_low = exp(fit$coef - z * se), conf_high = exp(fit$coef + z * se),
    loglik = fit$loglik, loglik_null = fit$loglik.null,
    lr = -2 * (fit$loglik.null - fit$loglik), lr_df = length(fit$coef),
    lr_p = pchisq(-2 * (fit$loglik.null - fit$loglik), length(fit$coef), lower.tail = FALSE),
    n = fit$n, converged = fit$converged, iterations = iterations)
  path <- crr_path(f[[1]][[f[[2]]]], f[[1]][[f[[3]]]], cov1, f[[5]])
  path_rows[[name]] <- data.frame(model = name, iterate = seq_along(path) - 1, criterion = path)
}
write17(do.call(rbind, crr_rows), "crr.csv", out)
write17(do.call(rbind, path_rows), "crr_path.csv", out)

write.csv(data.frame(software = c("R", "survival", "cmprsk"),
                     version = c(R.version.string, as.character(packageVersion("survival")),
                                 as.character(packageVersion("cmprsk")))),
          file.path(out, "versions.csv"), row.names = FALSE)
