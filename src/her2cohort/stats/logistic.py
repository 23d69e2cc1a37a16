"""Logistic regression odds ratios that agree with R.

* :func:`logistic_odds_ratios` = ``glm(family = binomial)``: maximum likelihood,
  Wald z test (``summary.glm``), Wald CI ``exp(b +/- qnorm(0.975) * se)``
  (``confint.default``, the interval EZR prints) or the profile-likelihood CI
  (``confint(glm)``, MASS in R < 4.4).
* :func:`firth_odds_ratios` = ``logistf``: Firth's penalized likelihood, profile
  penalized-likelihood CI and penalized likelihood-ratio p value, computed with
  the ``firthmodels`` package.
* :func:`check_separation` = the linear-programming check of R's
  ``detectseparation`` (Konis 2007), via ``firthmodels.detect_separation``.

Separation. When a covariate (or a combination) separates events from
non-events, the maximum-likelihood estimate is infinite. R's ``glm`` then stops
at an arbitrary huge coefficient (OR ~ 1e7-1e19) with at most a warning, and
sometimes none (logistf's ``sex2`` data: ``dia`` = 16.7 with SE 799, no
warning); statsmodels behaves the same way. Here separation is detected before
fitting by the linear program, which decides exactly whether a finite MLE exists
instead of guessing from iteration counts, huge coefficients or fitted
probabilities near 0/1 (heuristics that depend on tolerances and miss
quasi-complete separation, or flag large but finite estimates). Under separation
the ML odds ratios are returned as NA with a note naming the offending terms, or
the Firth estimates when ``on_separation="firth"``.

Design matrix. An intercept is always included. Numeric covariates enter as
they are. Other covariates (text, categorical, boolean) are categorical with
treatment contrasts against a reference level: ``reference_levels[column]`` if
given, else the first category of a pandas Categorical, else the first sorted
value (R's ``factor()`` default, up to locale collation; False before True).
Terms are named as every model of the library names them (:func:`term_name`,
as :mod:`her2cohort.stats.cox`): ``"(Intercept)"``, ``"age"``, ``"gender:Female
vs Male"``, ``"h_score_le_170:True vs False"`` (R: ``genderFemale``,
``h_score_le_170TRUE``; a boolean coded 0/1 gives the same coefficient). Rows
with a missing outcome or covariate are dropped (R's ``na.omit``) and counted in
``note``.

Scale. ``estimate``, ``conf_low`` and ``conf_high`` are odds ratios;
``log_odds`` is the coefficient and ``std_error`` its standard error (log scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit
from scipy.stats import chi2, norm

from her2cohort.stats._result import StatisticsError, result_frame, term_name

_MAX_ITER = 100
_STEP_TOL = 1e-10


@dataclass(frozen=True)
class _Design:
    X: np.ndarray
    y: np.ndarray
    terms: list[str]
    n_missing: int
    notes: tuple[str, ...]


def _as_list(covariates: str | Sequence[str]) -> list[str]:
    return [covariates] if isinstance(covariates, str) else list(covariates)


def _design(data, outcome, covariates, event_level, reference_levels) -> _Design:
    covariates = _as_list(covariates)
    reference_levels = dict(reference_levels or {})
    missing_columns = [c for c in [outcome, *covariates] if c not in data.columns]
    if missing_columns:
        raise StatisticsError(f"columns not found in data: {missing_columns}")
    unknown = set(reference_levels) - set(covariates)
    if unknown:
        raise StatisticsError(
            f"reference_levels given for non-covariates: {sorted(unknown)}"
        )
    frame = data[[outcome, *covariates]]
    complete = frame.notna().all(axis=1).to_numpy()
    frame = frame[complete]
    if frame.empty:
        raise StatisticsError(
            "no complete observation (outcome and all covariates present)"
        )

    response = frame[outcome]
    if event_level is not None:
        if not (response == event_level).any():
            raise StatisticsError(
                f"event level {event_level!r} does not occur in {outcome!r}"
            )
        y = (response == event_level).to_numpy(dtype=float)
    elif pd.api.types.is_bool_dtype(response) or set(pd.unique(response)) <= {0, 1}:
        y = response.to_numpy(dtype=float)
    else:
        raise StatisticsError(
            f"{outcome!r} is not coded 0/1: pass event_level= to name the event"
        )

    columns, terms, notes = [np.ones(len(frame))], ["(Intercept)"], []
    for name in covariates:
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if name in reference_levels:
                raise StatisticsError(
                    f"{name!r} is numeric: a reference level does not apply"
                )
            columns.append(values.to_numpy(dtype=float))
            terms.append(name)
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            levels = [c for c in values.cat.categories if (values == c).any()]
            unused = len(values.cat.categories) - len(levels)
            if unused:
                notes.append(f"{unused} unused level(s) of {name!r} dropped")
        else:
            levels = sorted(pd.unique(values), key=str)
        reference = reference_levels.get(name, levels[0])
        if reference not in levels:
            raise StatisticsError(
                f"reference level {reference!r} does not occur in {name!r} (levels: {levels})"
            )
        if len(levels) == 1:  # no contrast to estimate (R's model.matrix stops: contrasts need 2 levels)
            raise StatisticsError(
                f"{name!r} has one level in the data ({reference!r}): a covariate is constant, "
                "no contrast can be estimated (R: contrasts can be applied only to factors with 2 or more levels)"
            )
        for level in levels:
            if level != reference:
                columns.append((values == level).to_numpy(dtype=float))
                terms.append(term_name(name, level, reference))
    X = np.column_stack(columns)
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        raise StatisticsError(
            f"the design matrix has rank {rank} < {X.shape[1]} columns ({terms}): a covariate "
            "is constant or collinear with others (R would report NA for an aliased term)"
        )
    return _Design(X, y, terms, int((~complete).sum()), tuple(notes))


def _loglik(X, y, beta, offset=0.0):
    eta = X @ beta + offset
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def _newton(X, y, offset=0.0, beta=None):
    """Maximum likelihood by Newton-Raphson (= Fisher scoring for the logit link).

    Without a start, starts as R's glm.fit does (one weighted least-squares step
    from mu = (y + 0.5) / 2). Steps are capped at 5 on the log-odds scale (as
    logistf) and halved until the log-likelihood does not decrease, so a start
    far from the optimum cannot throw the fit into the region where every
    fitted probability is 0 or 1. Converged when the full Newton step is below
    1e-10. Returns (beta, loglik), or None if it does not converge.
    """
    offset = np.broadcast_to(np.asarray(offset, dtype=float), y.shape)
    if beta is None:
        mu = (y + 0.5) / 2
        weight = np.sqrt(mu * (1 - mu))
        working = np.log(mu / (1 - mu)) - offset
        beta = np.linalg.lstsq(X * weight[:, None], working * weight, rcond=None)[0]
    beta = beta.copy()
    current = _loglik(X, y, beta, offset)
    for _ in range(_MAX_ITER):
        p = expit(X @ beta + offset)
        information = (X * (p * (1 - p))[:, None]).T @ X
        score = X.T @ (y - p)
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        largest = np.max(np.abs(step))
        if largest < _STEP_TOL:
            beta = beta + step
            return beta, _loglik(X, y, beta, offset)
        if largest > 5:
            step = step * (5 / largest)
        for _ in range(40):
            candidate = _loglik(X, y, beta + step, offset)
            if candidate >= current - 1e-12 * abs(current):
                break
            step = step / 2
        else:
            return None
        beta, current = beta + step, candidate
    return None


def _information(X, beta):
    p = expit(X @ beta)
    return (X * (p * (1 - p))[:, None]).T @ X


def _profile_limits(design: _Design, beta, loglik, se, j, conf_level):
    """Exact profile-likelihood limits: 2 (l_hat - l_profile(b)) = chi2_{conf, 1}."""
    X, y = design.X, design.y
    others = np.delete(X, j, axis=1)
    critical = chi2.ppf(conf_level, 1)
    warm = {"beta": np.delete(beta, j)}

    def excess(b):
        if others.shape[1] == 0:
            profile = _loglik(X[:, [j]], y, np.array([b]))
        else:
            offset = b * X[:, j]
            # a warm start from a far-out profile point can sit where fitted
            # probabilities are 0/1; R's default start is the safe restart
            fit = _newton(others, y, offset=offset, beta=warm["beta"]) or _newton(
                others, y, offset=offset
            )
            if fit is None:
                raise StatisticsError("profile likelihood fit did not converge")
            warm["beta"], profile = fit
        return 2 * (loglik - profile) - critical

    limits = []
    for sign in (-1, 1):
        warm["beta"] = np.delete(beta, j)
        width = se[j]
        for _ in range(60):
            if excess(beta[j] + sign * width) > 0:
                break
            width *= 2
        else:
            limits.append(math.nan)
            continue
        ends = sorted((beta[j], beta[j] + sign * width))
        warm["beta"] = np.delete(beta, j)
        limits.append(brentq(excess, *ends, xtol=1e-12, rtol=4 * np.finfo(float).eps))
    return limits


def _separation(design: _Design):
    """Infinite-MLE terms by Konis' linear program (R detectseparation)."""
    from firthmodels import detect_separation

    result = detect_separation(design.X, design.y, fit_intercept=False)
    return [
        (term, "+Inf" if d > 0 else "-Inf")
        for term, d in zip(design.terms, result.directions)
        if d != 0
    ]


def check_separation(
    data: pd.DataFrame,
    outcome: str,
    covariates: str | Sequence[str],
    *,
    event_level=None,
    reference_levels: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Which maximum-likelihood coefficients are infinite (complete/quasi-complete separation).

    The linear program of Konis (2007) as in R's ``detectseparation``
    (``glm(..., method = "detect_separation")``), run by
    ``firthmodels.detect_separation`` on the same design matrix as
    :func:`logistic_odds_ratios`. Columns: term, finite (bool), direction
    (``"+Inf"``, ``"-Inf"`` or ``""``).
    """
    design = _design(data, outcome, covariates, event_level, reference_levels)
    n_events = design.y.sum()
    if n_events == 0 or n_events == design.y.size:
        # a single outcome value: the intercept alone diverges (to -Inf with no events)
        infinite = {"(Intercept)": "-Inf" if n_events == 0 else "+Inf"}
    else:
        infinite = dict(_separation(design))
    return pd.DataFrame(
        {
            "term": design.terms,
            "finite": [t not in infinite for t in design.terms],
            "direction": [infinite.get(t, "") for t in design.terms],
        }
    )


def _na_rows(design, method, convention, conf_level, note):
    return result_frame(
        [
            {
                "term": term,
                "conf_level": conf_level,
                "method": method,
                "convention": convention,
                "n": design.y.size,
                "note": note,
                "log_odds": math.nan,
                "n_events": int(design.y.sum()),
            }
            for term in design.terms
        ]
    )


def _base_notes(design):
    notes = list(design.notes)
    if design.n_missing:
        notes.append(f"{design.n_missing} observation(s) with a missing value dropped")
    return notes


def logistic_odds_ratios(
    data: pd.DataFrame,
    outcome: str,
    covariates: str | Sequence[str],
    *,
    event_level=None,
    reference_levels: Mapping[str, object] | None = None,
    conf_level: float = 0.95,
    ci_method: Literal["wald", "profile"] = "wald",
    on_separation: Literal["na", "firth"] = "na",
) -> pd.DataFrame:
    """Odds ratios from maximum-likelihood logistic regression (R ``glm(family = binomial)``).

    One row per coefficient, intercept included (its "odds ratio" is the
    baseline odds). ``std_error`` and ``statistic`` (Wald z = b / se) are on the
    log-odds scale, ``p_value`` is the Wald p of ``summary.glm``. The CI is

    * ``ci_method="wald"``: ``exp(b -/+ qnorm(1 - alpha/2) * se)``, R's
      ``confint.default`` and the interval EZR prints;
    * ``ci_method="profile"``: the profile-likelihood interval of R's
      ``confint(glm)`` (MASS). MASS interpolates a spline through a grid of
      profile points (accurate to about 1e-3); we solve
      ``2 (l_hat - l_profile(b)) = qchisq(conf_level, 1)`` exactly.

    The fit is Newton-Raphson to a step below 1e-10. R's glm stops on a relative
    deviance change of 1e-8 and computes SEs from the previous iterate's weights:
    its printed coefficients agree with ours to ~2e-8, its SEs and p values only
    to ~1e-4 and ~1e-3 (aSAH model); refitted with ``epsilon = 1e-14`` R agrees
    to ~3e-7 (its SEs still lag one iterate). Separation is checked first (see module
    docstring): ``on_separation="na"`` returns NA with a note, ``"firth"``
    returns :func:`firth_odds_ratios` with the separation noted. No events or no
    non-events also gives NA with a note. Extra columns: log_odds, n_events,
    separation.
    """
    if ci_method not in ("wald", "profile"):
        raise StatisticsError("ci_method must be 'wald' or 'profile'")
    if on_separation not in ("na", "firth"):
        raise StatisticsError("on_separation must be 'na' or 'firth'")
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    design = _design(data, outcome, covariates, event_level, reference_levels)
    notes = _base_notes(design)
    method = "maximum-likelihood logistic regression; Wald z test; " + (
        "Wald CI" if ci_method == "wald" else "profile-likelihood CI"
    )
    convention = "R glm(family = binomial); summary.glm; " + (
        "confint.default"
        if ci_method == "wald"
        else "MASS confint.glm (solved exactly)"
    )

    n_events = int(design.y.sum())
    if n_events in (0, design.y.size):
        what = "no events" if n_events == 0 else "no non-events"
        frame = _na_rows(
            design,
            method,
            convention,
            conf_level,
            "; ".join([*notes, f"{what}: odds ratios are not estimable"]),
        )
        frame["separation"] = False
        return frame

    infinite = _separation(design)
    if infinite:
        described = ", ".join(f"{term} ({direction})" for term, direction in infinite)
        message = (
            f"separation: the maximum-likelihood estimate of {described} is infinite "
            "(complete or quasi-complete separation)"
        )
        if on_separation == "firth":
            frame = firth_odds_ratios(
                data,
                outcome,
                covariates,
                event_level=event_level,
                reference_levels=reference_levels,
                conf_level=conf_level,
            )
            frame["note"] = [
                "; ".join(
                    n
                    for n in (message + "; Firth penalized estimate reported", note)
                    if n
                )
                for note in frame["note"]
            ]
        else:
            frame = _na_rows(
                design,
                method,
                convention,
                conf_level,
                "; ".join(
                    [
                        *notes,
                        message
                        + "; ML odds ratios do not exist (use on_separation='firth')",
                    ]
                ),
            )
        frame["separation"] = True
        return frame

    fit = _newton(design.X, design.y)
    if fit is None:
        frame = _na_rows(
            design,
            method,
            convention,
            conf_level,
            "; ".join([*notes, "Newton-Raphson did not converge"]),
        )
        frame["separation"] = False
        return frame
    beta, loglik = fit
    se = np.sqrt(np.diag(np.linalg.inv(_information(design.X, beta))))
    z = beta / se
    if ci_method == "wald":
        half = norm.ppf(1 - (1 - conf_level) / 2) * se
        limits = np.column_stack([beta - half, beta + half])
    else:
        limits = np.array(
            [
                _profile_limits(design, beta, loglik, se, j, conf_level)
                for j in range(beta.size)
            ]
        )
    frame = result_frame(
        [
            {
                "term": term,
                "estimate": math.exp(beta[j]),
                "std_error": se[j],
                "conf_low": math.exp(limits[j, 0]),
                "conf_high": math.exp(limits[j, 1]),
                "conf_level": conf_level,
                "statistic": z[j],
                "statistic_name": "z",
                "p_value": 2 * norm.sf(abs(z[j])),
                "method": method,
                "convention": convention,
                "n": design.y.size,
                "note": "; ".join(notes),
                "log_odds": beta[j],
                "n_events": n_events,
            }
            for j, term in enumerate(design.terms)
        ]
    )
    frame["separation"] = False
    return frame


# --------------------------------------------------------------------------
# Firth's penalized likelihood, fitted as logistf.fit does
# --------------------------------------------------------------------------

# logistf.control() defaults: step cap and step-halvings per iteration.
_FIRTH_MAXSTEP = 5.0
_FIRTH_MAXHS = 5
# logistf's convergence criteria (lconv = gconv = xconv = 1e-5, at most 25
# iterations): a fit that meets them is a fit logistf reports as converged.
_LOGISTF_CONV = 1e-5
# We iterate on to a Newton step below 1e-10, which puts the estimates 1e-10
# from the root (the iteration converges linearly with a small rate), far
# below what any printed digit or R comparison sees.
_FIRTH_XCONV = 1e-10
_FIRTH_MAXIT = 200


@dataclass
class _FirthState:
    beta: np.ndarray
    loglik: float  # penalized: l(beta) + 0.5 log|X'WX|
    score: np.ndarray  # Firth's modified score X'(y - p + h (1/2 - p))
    fisher: np.ndarray  # X'WX
    hat: np.ndarray  # diagonal of W^1/2 X (X'WX)^-1 X' W^1/2


def _firth_state(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> _FirthState:
    eta = X @ beta
    # p (1 - p) as expit(eta) expit(-eta) and the log-likelihood through
    # logaddexp stay finite where p rounds to 1 (|eta| > 37), which profile
    # points far out under separation reach.
    p = expit(eta)
    w = p * expit(-eta)
    fisher = (X * w[:, None]).T @ X
    sign, logdet = np.linalg.slogdet(fisher)
    loglik = -float(np.sum(np.logaddexp(0.0, np.where(y == 1, -eta, eta))))
    if sign <= 0 or not np.isfinite(loglik) or not np.isfinite(logdet):
        return _FirthState(beta, -math.inf, np.full(beta.size, np.nan), fisher, np.full(y.size, np.nan))
    hat = np.einsum("ij,jk,ik->i", X, np.linalg.inv(fisher), X) * w
    score = X.T @ (y - p + hat * (0.5 - p))
    return _FirthState(beta, loglik + 0.5 * logdet, score, fisher, hat)


def _firth_fit(X: np.ndarray, y: np.ndarray, fixed: Mapping[int, float] | None = None, start: np.ndarray | None = None):
    """Maximise Firth's penalized log-likelihood, some coefficients held at given values.

    The iteration of ``logistf.fit`` (logistf 1.26, ``fit = "NR"``): from
    beta = 0, the step ``(X'WX)^-1 U*`` on the free coefficients (U* = Firth's
    modified score), shrunk so that no coefficient moves by more than 5, and
    halved up to 5 times while the penalized log-likelihood falls, the last
    half-step being taken in any case. A held coefficient (a penalized
    likelihood-ratio test, a profile point) keeps its value and still enters
    the penalty through the full X'WX, as logistf's ``colfit`` does.

    Two decisions here must not hinge on the last bit of floating point, since
    BLAS kernels and SIMD ``exp``/``log`` differ across CPUs in it:

    * "the log-likelihood fell" means fell by more than rounding,
      1e-12 x (1 + |l*|); a smaller change near the optimum is noise, and
      halving on it stalls the iteration (firthmodels 0.8 then declares the fit
      failed on some CPUs and not others, which is why this fit is our own);
    * convergence is a Newton step below 1e-10 for every free coefficient,
      reached by a contracting iteration whatever the rounding. A fit still
      short of that after 200 iterations is accepted if it meets logistf's own
      criteria (step, score and log-likelihood change below 1e-5), else
      reported as not converged.

    Returns (state, converged).
    """
    k = X.shape[1]
    fixed = dict(fixed or {})
    free = np.array([j for j in range(k) if j not in fixed], dtype=int)
    beta = np.zeros(k) if start is None else np.array(start, dtype=float)
    for j, value in fixed.items():
        beta[j] = value
    state = _firth_state(X, y, beta)
    if not np.isfinite(state.loglik):
        return state, False
    delta_max = math.inf
    change = math.inf
    for _ in range(_FIRTH_MAXIT):
        if free.size == 0:
            return state, True
        try:
            step = np.linalg.solve(state.fisher[np.ix_(free, free)], state.score[free])
        except np.linalg.LinAlgError:
            return state, False
        if not np.all(np.isfinite(step)):
            return state, False
        delta_max = float(np.max(np.abs(step)))
        if delta_max <= _FIRTH_XCONV:
            return state, True
        if delta_max > _FIRTH_MAXSTEP:
            step *= _FIRTH_MAXSTEP / delta_max
        noise = 1e-12 * (1 + abs(state.loglik))
        candidate = state.beta.copy()
        candidate[free] += step
        for halving in range(1, _FIRTH_MAXHS + 1):
            trial = _firth_state(X, y, candidate)
            if trial.loglik >= state.loglik - noise:
                break
            candidate[free] -= step * 2.0**-halving
        else:
            trial = _firth_state(X, y, candidate)
        if not np.isfinite(trial.loglik):
            return state, False
        # Past the maximum along the step (the directional derivative changed
        # sign): try the secant point of the derivative, as a line search would.
        # Fisher scoring on Firth's score overshoots when the penalty dominates,
        # far out on a profile under separation, and would oscillate for hundreds
        # of iterations; logistf's halving never sees it since l* still rises.
        moved = trial.beta[free] - state.beta[free]
        slope_here, slope_there = state.score[free] @ moved, trial.score[free] @ moved
        if slope_here > 0 > slope_there:
            secant = state.beta.copy()
            secant[free] += moved * (slope_here / (slope_here - slope_there))
            better = _firth_state(X, y, secant)
            if better.loglik > trial.loglik:
                trial = better
        change = trial.loglik - state.loglik
        previous_score = state.score[free]
        state = trial
    converged = (
        delta_max <= _LOGISTF_CONV
        and float(np.max(np.abs(previous_score))) <= _LOGISTF_CONV
        and change <= _LOGISTF_CONV
    )
    return state, converged


def _firth_profile_limits(X, y, fit: _FirthState, j: int, se: float, conf_level: float):
    """Profile penalized-likelihood limits of coefficient j, solved exactly.

    ``2 (l*(beta_hat) - max l*(beta | beta_j = b)) = qchisq(conf_level, 1)`` on
    each side, by Brent's method on the profile (each point a Firth fit with
    beta_j held at b). logistf (``pl = TRUE``) finds the same points by the
    Venzon-Moolgavkar iteration to its 1e-5 tolerance. Under separation the
    penalty keeps the profile bounded, so both limits are finite.
    """
    critical = chi2.ppf(conf_level, 1)
    warm = {"beta": fit.beta}

    def excess(b):
        state, converged = _firth_fit(X, y, fixed={j: b}, start=warm["beta"])
        if not converged:
            state, converged = _firth_fit(X, y, fixed={j: b})
        if not converged:
            raise StatisticsError("profile penalized-likelihood fit did not converge")
        warm["beta"] = state.beta
        return 2 * (fit.loglik - state.loglik) - critical

    limits = []
    for sign in (-1, 1):
        warm["beta"] = fit.beta
        width = se
        for _ in range(60):
            if excess(fit.beta[j] + sign * width) > 0:
                break
            width *= 2
        else:
            limits.append(math.nan)
            continue
        ends = sorted((fit.beta[j], fit.beta[j] + sign * width))
        warm["beta"] = fit.beta
        limits.append(brentq(excess, *ends, xtol=1e-12, rtol=4 * np.finfo(float).eps))
    return limits


def firth_odds_ratios(
    data: pd.DataFrame,
    outcome: str,
    covariates: str | Sequence[str],
    *,
    event_level=None,
    reference_levels: Mapping[str, object] | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Firth-penalized logistic regression odds ratios (R ``logistf`` defaults).

    Firth's (1993) penalized likelihood ``l(b) + 0.5 log|I(b)|``, maximised by
    logistf's Newton-Raphson iteration (:func:`_firth_fit`), to a step below
    1e-10 (logistf stops at 1e-5). As ``logistf(pl = TRUE)`` prints:
    ``std_error`` is logistf's Wald SE (inverse of the augmented information
    ``X' diag((1 + h) p (1 - p)) X``, which is NOT brglm2's SE), the CI is the
    profile penalized-likelihood interval, and ``p_value`` the penalized
    likelihood-ratio test (``statistic`` = 2 (l*(b_hat) - l*(b | b_j = 0)),
    chi2 with 1 df; the constrained fit keeps the full model's penalty, as
    logistf's does). Point estimates equal brglm2's ``glm(method = "brglmFit",
    type = "AS_mean")``. Finite even under separation. Extra columns: log_odds,
    n_events.
    """
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    design = _design(data, outcome, covariates, event_level, reference_levels)
    notes = _base_notes(design)
    method = (
        "Firth penalized-likelihood logistic regression; penalized likelihood-ratio "
        "test; profile penalized-likelihood CI"
    )
    convention = "R logistf (pl = TRUE): Newton-Raphson as logistf.fit, converged to 1e-10"

    def not_estimable(reason: str) -> pd.DataFrame:
        return _na_rows(design, method, convention, conf_level, "; ".join([*notes, reason]))

    n_events = int(design.y.sum())
    if n_events in (0, design.y.size):
        what = "no events" if n_events == 0 else "no non-events"
        return not_estimable(f"{what}: odds ratios are not estimable")
    X, y = design.X, design.y
    fit, converged = _firth_fit(X, y)
    if not converged:
        return not_estimable(f"Firth fit did not converge in {_FIRTH_MAXIT} iterations")
    eta = X @ fit.beta
    w = expit(eta) * expit(-eta)
    augmented = (X * ((1 + fit.hat) * w)[:, None]).T @ X
    se = np.sqrt(np.diag(np.linalg.inv(augmented)))

    statistic = np.full(fit.beta.size, np.nan)
    limits = np.full((fit.beta.size, 2), np.nan)
    failed_tests, failed_limits = [], []
    for j, term in enumerate(design.terms):
        null, null_converged = _firth_fit(X, y, fixed={j: 0.0}, start=fit.beta)
        if not null_converged:
            null, null_converged = _firth_fit(X, y, fixed={j: 0.0})
        if null_converged:
            statistic[j] = max(2 * (fit.loglik - null.loglik), 0.0)
        else:
            failed_tests.append(term)
        try:
            limits[j] = _firth_profile_limits(X, y, fit, j, se[j], conf_level)
        except StatisticsError:
            failed_limits.append(term)
    if failed_tests:
        notes.append(f"penalized likelihood-ratio test did not converge for {failed_tests}")
    failed_limits += [t for t, row in zip(design.terms, limits) if np.isnan(row).any() and t not in failed_limits]
    if failed_limits:
        notes.append(f"profile penalized-likelihood limit did not converge for {failed_limits}")
    p_values = chi2.sf(statistic, 1)
    beta = fit.beta
    return result_frame(
        [
            {
                "term": term,
                "estimate": math.exp(beta[j]),
                "std_error": se[j],
                "conf_low": math.exp(limits[j, 0]) if np.isfinite(limits[j, 0]) else math.nan,
                "conf_high": math.exp(limits[j, 1]) if np.isfinite(limits[j, 1]) else math.nan,
                "conf_level": conf_level,
                "statistic": statistic[j],
                "statistic_name": "chi2",
                "df": 1,
                "p_value": p_values[j],
                "method": method,
                "convention": convention,
                "n": design.y.size,
                "note": "; ".join(notes),
                "log_odds": beta[j],
                "n_events": n_events,
            }
            for j, term in enumerate(design.terms)
        ]
    )
