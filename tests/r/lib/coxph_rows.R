# Shared by tests/r/cox.R and tests/r/rigor_survival.R (sourced; not a fixture
# script of its own, so `make r-fixtures`, which runs tests/r/*.R, skips it).
#
# coxph_rows(name, formula, data, ties): fits coxph, recording any warning, and
# returns list(coef = one row per coefficient of summary.coxph: coef, exp(coef),
# se(coef), z, p, Wald CI; tests = one row for the model: n, events, logliks,
# LR / Wald / score tests with df and p, concordance and its pair counts,
# iterations, warnings), plus the fit itself.
coxph_rows <- function(name, formula, data, ties) {
  warn <- character(0)
  # do.call puts the data itself in fit$call, so that cox.zph(fit) can rebuild
  # the model frame outside this function
  fit <- withCallingHandlers(
    do.call(coxph, list(formula, data = data, ties = ties)),
    warning = function(w) {
      warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning")
    })
  s <- summary(fit, conf.int = 0.95)
  cf <- s$coefficients
  ci <- s$conf.int
  coef <- data.frame(
    model = name, term = rownames(cf), coef = cf[, "coef"],
    exp_coef = cf[, "exp(coef)"], se_coef = cf[, "se(coef)"], z = cf[, "z"],
    p = cf[, "Pr(>|z|)"], conf_low = ci[, "lower .95"], conf_high = ci[, "upper .95"])
  cc <- fit$concordance
  tests <- data.frame(
    model = name, ties = ties, n = fit$n, nevent = fit$nevent,
    loglik_null = fit$loglik[1], loglik = fit$loglik[2],
    lr = s$logtest[["test"]], lr_df = s$logtest[["df"]], lr_p = s$logtest[["pvalue"]],
    # summary.coxph prints the Wald statistic rounded to 2 decimals (its p uses
    # the unrounded one): take the unrounded fit$wald.test.
    wald = fit$wald.test, wald_df = s$waldtest[["df"]], wald_p = s$waldtest[["pvalue"]],
    score = s$sctest[["test"]], score_df = s$sctest[["df"]], score_p = s$sctest[["pvalue"]],
    concordance = cc[["concordance"]], concordant = cc[["concordant"]],
    discordant = cc[["discordant"]], tied_x = cc[["tied.x"]], tied_y = cc[["tied.y"]],
    tied_xy = cc[["tied.xy"]], iter = fit$iter,
    warning = paste(trimws(warn), collapse = " | "))
  list(coef = coef, tests = tests, fit = fit)
}

# Each value on its own with 17 significant digits (format() of a whole column pads).
write17 <- function(df, file, out) {
  num <- vapply(df, is.numeric, logical(1))
  df[num] <- lapply(df[num], function(x)
    vapply(x, function(v) if (is.na(v)) NA_character_ else format(v, digits = 17), ""))
  write.csv(df, file.path(out, file), row.names = FALSE, na = "")
}
