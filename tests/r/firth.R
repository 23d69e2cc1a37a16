# Reference values for src/her2cohort/stats/logistic.py firth_odds_ratios: the
# quantities logistf(pl = TRUE) prints, computed from their definitions.
#   Rscript tests/r/firth.R   (run from the repository root)
# Produced with R 4.2.2 and brglm2 0.9 (tests/fixtures/r/firth/versions.csv).
#
# logistf is not installable here (not in Debian; CRAN is unreachable), so its
# three outputs are computed from the penalized log-likelihood it maximises,
#   l*(b) = sum(y log p + (1 - y) log(1 - p)) + 0.5 log det(X' W X):
#   * estimate: brglm2 (type = "AS_mean", epsilon = 1e-12), polished by Newton on
#     Firth's modified score (the exact gradient of l*) until the step is < 1e-13;
#   * penalized likelihood-ratio test of b_j = 0: 2 (l*(b_hat) - max l*(b | b_j = 0)),
#     the constrained maximum by optim(BFGS) with the analytic gradient, started
#     from the estimate, then polished by Newton on the free coefficients; the penalty
#     keeps the full X'WX, as logistf's colfit does;
#   * profile penalized-likelihood limits: uniroot (tol 1e-12) of
#     2 (l*(b_hat) - max l*(b | b_j = v)) - qchisq(0.95, 1).
# An independent route to the same definitions (optim + uniroot rather than the
# library's Newton iteration + Brent), so agreement tests the library's algorithm.
#
# Inputs:  tests/data/logistic_separation.csv, logistic_firth_separation.csv,
#          logistic_sex2.csv, logistic_gastric_hscore.csv
# Outputs: tests/fixtures/r/firth/firth_pl.csv: one row per data set x term:
#          estimate, lr_chisq, p_value, pl_low, pl_high (log-odds scale)
suppressPackageStartupMessages(library(brglm2))
options(digits = 15)
out <- "tests/fixtures/r/firth"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

sep <- read.csv("tests/data/logistic_separation.csv", na.strings = "NA")
firth_sep <- read.csv("tests/data/logistic_firth_separation.csv")
sex2 <- read.csv("tests/data/logistic_sex2.csv")
hscore <- read.csv("tests/data/logistic_gastric_hscore.csv")
hscore$her2_loss <- as.integer(hscore$her2_status_change == "loss")
hscore$hscore_group <- factor(hscore$hscore_group, levels = c(">170", "<=170"))

sets <- list(
  complete = list(y ~ x, sep[sep$set == "complete", ]),
  quasi = list(y ~ x, sep[sep$set == "quasi", ]),
  category = list(y ~ x + arm, sep[sep$set == "category", ]),
  firth_separation = list(y ~ separator + x1 + x2 + x3, firth_sep),
  sex2 = list(case ~ age + oc + vic + vicl + vis + dia, sex2),
  gastric_hscore = list(her2_loss ~ hscore_group, hscore)
)

penalized <- function(b, X, y) {
  eta <- drop(X %*% b)
  w <- plogis(eta) * plogis(-eta)
  ll <- -sum(log1p(exp(ifelse(y == 1, -eta, eta))))
  ll + 0.5 * as.numeric(determinant(crossprod(X * sqrt(w)))$modulus)
}
modified_score <- function(b, X, y) {
  eta <- drop(X %*% b); p <- plogis(eta); w <- p * plogis(-eta)
  h <- rowSums((X %*% solve(crossprod(X * sqrt(w)))) * X) * w
  drop(crossprod(X, y - p + h * (0.5 - p)))
}
# maximise l* over the coefficients not in `fixed` (named by position)
constrained <- function(X, y, start, fixed = integer(0)) {
  free <- setdiff(seq_len(ncol(X)), fixed)
  full <- function(v) { b <- start; b[free] <- v; b }
  fit <- optim(start[free], function(v) -penalized(full(v), X, y),
               function(v) -modified_score(full(v), X, y)[free],
               method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  b <- full(fit$par)
  for (i in 1:50) {  # Newton polish on Firth's score (Fisher information as Jacobian)
    eta <- drop(X %*% b); w <- plogis(eta) * plogis(-eta)
    info <- crossprod(X[, free, drop = FALSE] * sqrt(w))
    step <- solve(info, modified_score(b, X, y)[free])
    b[free] <- b[free] + step
    if (max(abs(step)) < 1e-13) break
  }
  list(beta = b, loglik = penalized(b, X, y))
}

rows <- list()
for (id in names(sets)) {
  f <- sets[[id]]
  mf <- model.frame(f[[1]], f[[2]])
  X <- model.matrix(f[[1]], mf); y <- model.response(mf)
  start <- coef(glm(f[[1]], family = binomial, data = f[[2]], method = "brglmFit",
                    type = "AS_mean", epsilon = 1e-12, maxit = 500))
  best <- constrained(X, y, start)
  crit <- qchisq(0.95, 1)
  for (j in seq_len(ncol(X))) {
    null_start <- best$beta; null_start[j] <- 0
    null <- constrained(X, y, null_start, fixed = j)
    lr <- 2 * (best$loglik - null$loglik)
    excess <- function(v) {
      s <- best$beta; s[j] <- v
      2 * (best$loglik - constrained(X, y, s, fixed = j)$loglik) - crit
    }
    limit <- function(sign) {
      width <- 1
      while (excess(best$beta[j] + sign * width) < 0) width <- 2 * width
      ends <- sort(c(best$beta[j], best$beta[j] + sign * width))
      uniroot(excess, ends, tol = 1e-12)$root
    }
    rows[[paste(id, j)]] <- data.frame(
      id = id, term = colnames(X)[j], estimate = best$beta[j], lr_chisq = lr,
      p_value = pchisq(lr, 1, lower.tail = FALSE), pl_low = limit(-1), pl_high = limit(1))
  }
}
write.csv(do.call(rbind, rows), file.path(out, "firth_pl.csv"), row.names = FALSE)
write.csv(data.frame(component = c("R", "brglm2"),
                     version = c(R.version.string, as.character(packageVersion("brglm2")))),
          file.path(out, "versions.csv"), row.names = FALSE)
