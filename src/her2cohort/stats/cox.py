"""Cox proportional hazards models and the proportional-hazards test, as R's survival 3.x.

``cox_model`` matches ``survival::coxph`` + ``summary.coxph`` and
``proportional_hazards_test`` matches ``survival::cox.zph(fit, transform = "km",
terms = TRUE)`` (survival 3.5-3, the post-3.0 score-test algorithm).

Implementation choice: a direct numpy Newton-Raphson on the Cox partial
likelihood, written to follow survival's C routine ``coxfit6`` step by step,
rather than lifelines or statsmodels:

* It is exact where R is exact. lifelines stops on its own convergence rule
  (looser than R's: 3.6e-6 relative off R's sex coefficient on survival::lung),
  which can move a rounded p at a boundary; statsmodels
  ``PHReg`` defaults to Breslow ties, R to Efron. Following coxfit6 (start at
  beta = 0, Newton steps, step-halving when the log-likelihood falls,
  stop when ``|1 - loglik_old / loglik_new| <= 1e-9``, at most 20 iterations,
  ``coxph.control()`` defaults) gives the same iterates as R, so coefficients
  agree to rounding error, not merely to a convergence tolerance.
* It sees what R sees: the score test at beta = 0 (R's "Score (logrank)
  test"), the Cholesky tolerance R uses to declare a covariate redundant
  (``toler.chol = .Machine$double.eps^0.75`` on the centred, scaled
  information matrix) and R's rule for a coefficient drifting to infinity
  ("Loglik converged before variable ...; coefficient may be infinite").
* It scales: risk-set sums are reverse cumulative sums over the data sorted by
  time within stratum, and Efron's correction is applied per death, so one
  iteration is O(n p^2) numpy work with no Python loop over patients
  (benchmarks/README.md has the times at 10^6 patients); the concordance,
  O(n log^2 n), can be switched off.

R conventions reproduced (and where Python's usual defaults differ):

* Ties: Efron by default (R's default; statsmodels defaults to Breslow),
  Breslow as an option (``coxph(ties = "breslow")``; the method SPSS COXREG
  uses for tied event times, for a study whose paper fitted its Cox models in
  SPSS: IBM SPSS Statistics Algorithms, COXREG). Times closer than R's
  ``aeqSurv`` tolerance (``sqrt(.Machine$double.eps)``,
  ``coxph.control(timefix = TRUE)``) count as tied.
* Rows with a missing value in any variable used are dropped (``na.omit``);
  the count is stated in ``note``.
* Categorical covariates (string, categorical, boolean columns, or any column
  named in ``reference_levels``) are expanded to treatment contrasts against an
  explicit reference level, one row each, named ``"<column>:<level> vs
  <reference>"`` (e.g. ``"celltype:adeno vs squamous"``). Numeric columns
  enter as one linear term named by the column. Unused levels are dropped
  (R would keep an unused factor level as an all-zero column reported NA).
* ``std_error`` is se(coef), the standard error of the log hazard ratio, as
  ``summary.coxph`` and ``broom::tidy(exponentiate = TRUE)`` report it; the CI
  is the Wald interval ``exp(coef +/- z * se)``.
* The Wald test is the unrounded ``fit$wald.test`` (``summary.coxph`` prints it
  rounded to two decimals, but computes its p from the unrounded value).

(start, stop] ("counting process") data: ``cox_model(start=...)`` as R
``coxph(Surv(start, stop, event) ~ ...)``, following survival's C routine
``agfit4`` (risk set at t: start < t <= stop); :func:`counting_process_rows`
builds such rows from a covariate that switches from 0 to 1 at a known time, as
``survival::tmerge(..., tdc = tdc(change_time))``, and
:func:`time_dependent_cox` fits the model with it.

Not covered (R has them): case weights, robust/cluster variances,
``ties = "exact"``, penalised terms, the standard error of the concordance, and
the proportional-hazards test on (start, stop] data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame, term_name
from her2cohort.stats._ties import aeq_surv, aeq_surv_counting

__all__ = [
    "cox_model",
    "counting_process_rows",
    "time_dependent_cox",
    "proportional_hazards_test",
    "linear_predictor",
    "TIES_METHODS",
]

TIES_METHODS = ("efron", "breslow")

# survival::coxph.control() defaults.
_EPS = 1e-9
_ITER_MAX = 20
_TOLER_CHOL = np.finfo(float).eps ** 0.75
_TOLER_INF = math.sqrt(_EPS)


# --------------------------------------------------------------------------
# Data preparation: R's model.frame / model.matrix, na.omit and aeqSurv
# --------------------------------------------------------------------------


@dataclass
class _Design:
    time: np.ndarray
    event: np.ndarray  # bool
    strata: np.ndarray  # int codes 0..k-1
    x: np.ndarray  # n x p model matrix, columns as named below
    columns: list[str]
    terms: list[tuple[str, list[int]]]  # covariate -> its columns (R's fit$assign)
    n_dropped: int
    notes: list[str] = field(default_factory=list)
    start: np.ndarray | None = None  # (start, stop] data: entry times; ``time`` is stop


def _as_list(names: str | Sequence[str] | None) -> list[str]:
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _levels(series: pd.Series) -> list:
    """Observed levels in R's factor order: declared order for a pandas Categorical,
    otherwise sorted (as ``factor()`` sorts)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    return sorted(series.dropna().unique())


def _design(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    strata: str | Sequence[str] | None,
    reference_levels: Mapping[str, object] | None,
    start: str | None = None,
) -> _Design:
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    covariates = _as_list(covariates)
    strata_cols = _as_list(strata)
    reference_levels = dict(reference_levels or {})
    if not covariates:
        raise StatisticsError("a Cox model needs at least one covariate")
    used = [*([start] if start is not None else []), time, event, *covariates, *strata_cols]
    missing_cols = [c for c in dict.fromkeys(used) if c not in data.columns]
    if missing_cols:
        raise StatisticsError(f"columns not in data: {missing_cols}")
    unknown_refs = set(reference_levels) - set(covariates)
    if unknown_refs:
        raise StatisticsError(f"reference_levels names non-covariates: {sorted(unknown_refs)}")

    frame = data[list(dict.fromkeys(used))]
    complete = frame.notna().all(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    frame = frame.loc[complete]
    if len(frame) == 0:
        raise StatisticsError("no complete observations (every row has a missing value)")

    times = _finite_times(frame, time)
    events = event_indicator(frame[event], event)
    x, columns, terms = model_matrix(frame, covariates, reference_levels)

    if strata_cols:
        strata_codes = (
            frame.groupby(strata_cols, sort=True, observed=True).ngroup().to_numpy(np.int64)
        )
    else:
        strata_codes = np.zeros(len(frame), dtype=np.int64)

    notes = []
    if n_dropped:
        notes.append(f"{n_dropped} observation(s) deleted due to missingness")
    if start is None:
        return _Design(aeq_surv(times), events, strata_codes, x, columns, terms, n_dropped, notes)
    starts = _finite_times(frame, start)
    if np.any(starts >= times):
        raise StatisticsError(
            f"every interval must end after it starts: {start!r} < {time!r} fails on "
            f"{int(np.sum(starts >= times))} row(s) (R's Surv() makes such a row NA and drops it "
            "with a warning, 'Stop time must be > start time, NA created')"
        )
    starts, stops = aeq_surv_counting(starts, times)
    return _Design(stops, events, strata_codes, x, columns, terms, n_dropped, notes, starts)


def _finite_times(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise StatisticsError(f"time column {column!r} must be finite numbers")
    return values


def event_indicator(status: pd.Series, event: str) -> np.ndarray:
    """A 0/1 or boolean event column as booleans (1 = event); anything else is an error."""
    if pd.api.types.is_bool_dtype(status):
        return status.to_numpy(dtype=bool)
    values = pd.to_numeric(status, errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isin(values, (0.0, 1.0))):
        # R's Surv() would silently read 1/2 as censored/dead; being explicit is safer.
        raise StatisticsError(
            f"event column {event!r} must be 0/1 or boolean (recode e.g. lung status 1/2 "
            "as status == 2)"
        )
    return values == 1.0


def model_matrix(
    frame: pd.DataFrame, covariates: Sequence[str], reference_levels: Mapping[str, object]
) -> tuple[np.ndarray, list[str], list[tuple[str, list[int]]]]:
    """R's ``model.matrix`` without intercept: the columns, their names and each
    covariate's columns (R's ``assign``).

    Numeric covariates are one column named by the covariate; string, categorical
    and boolean ones, and any named in ``reference_levels``, are treatment
    contrasts ``"<column>:<level> vs <reference>"`` against the reference level
    (default the first: declared order of a Categorical, else sorted).
    """
    columns: list[str] = []
    blocks: list[np.ndarray] = []
    terms: list[tuple[str, list[int]]] = []
    for name in covariates:
        series = frame[name]
        if name in reference_levels or _is_categorical(series):
            levels = _levels(series)
            reference = reference_levels.get(name, levels[0] if levels else None)
            if reference not in levels:
                raise StatisticsError(
                    f"reference level {reference!r} of {name!r} is not among its observed "
                    f"levels {levels}"
                )
            others = [lv for lv in levels if lv != reference]
            values = series.to_numpy()
            cols = []
            for level in others:
                cols.append(len(columns))
                columns.append(term_name(name, level, reference))
                blocks.append((values == level).astype(float))
            if not others:  # one observed level: a constant, reported NA (R's model.matrix stops)
                cols.append(len(columns))
                columns.append(f"{name}:{reference} (only level)")
                blocks.append(np.zeros(len(frame)))
            terms.append((name, cols))
        else:
            terms.append((name, [len(columns)]))
            columns.append(name)
            blocks.append(series.to_numpy(dtype=float))
    return np.column_stack(blocks), columns, terms


# --------------------------------------------------------------------------
# The partial likelihood and its derivatives, vectorised
# --------------------------------------------------------------------------


class _RiskSets:
    """Data sorted by (stratum, time), with each death's risk set and Efron weight.

    For a death at time t in stratum s the risk set is every row of s with
    time >= t: a contiguous run of the sorted rows from the start of the tied
    block to the end of the stratum, so its sums are reverse cumulative sums.
    Efron: the m-th of d tied deaths (m = 0..d-1) sees the risk set less m/d
    of the tied deaths' total; Breslow uses m = 0 for all.
    """

    def __init__(self, time, event, strata, ties):
        order = np.lexsort((time, strata))
        self.order = order
        t, s, d = time[order], strata[order], event[order]
        n = t.size
        starts_block = np.ones(n, dtype=bool)
        starts_block[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
        block_of = np.cumsum(starts_block) - 1
        block_start = np.flatnonzero(starts_block)
        starts_stratum = np.ones(n, dtype=bool)
        starts_stratum[1:] = s[1:] != s[:-1]
        self.stratum_bounds = np.append(np.flatnonzero(starts_stratum), n)

        self.deaths = np.flatnonzero(d)  # sorted positions of the deaths
        death_block = block_of[self.deaths]
        # tied deaths: first of each run (positions in self.deaths), run lengths
        self.tied_first = np.flatnonzero(np.diff(death_block, prepend=-1) != 0)
        n_tied = np.diff(np.append(self.tied_first, self.deaths.size))
        self.risk_start = block_start[death_block[self.tied_first]]
        self.run_of_death = np.repeat(np.arange(n_tied.size), n_tied)
        if ties == "efron":
            m = np.arange(self.deaths.size) - np.repeat(self.tied_first, n_tied)
            self.efron = m / np.repeat(n_tied, n_tied)
        else:
            self.efron = np.zeros(self.deaths.size)
        self._cached_x = None

    def _tail_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum over each tied run's risk set, per stratum so that strata never cancel."""
        total = np.empty_like(values)
        for lo, hi in zip(self.stratum_bounds[:-1], self.stratum_bounds[1:]):
            total[lo:hi] = np.cumsum(values[lo:hi][::-1])[::-1]
        return total[self.risk_start]

    def _products(self, x: np.ndarray):
        """Columns x_i x_j (i <= j) and the deaths' rows, computed once per design."""
        if self._cached_x is not x:
            iu, ju = np.triu_indices(x.shape[1])
            self._cached = (
                np.asfortranarray(x),
                np.asfortranarray(x[:, iu] * x[:, ju]),
                x[self.deaths],
            )
            self._cached_x = x
        return self._cached

    def derivatives(self, x: np.ndarray, beta: np.ndarray, time_weight: np.ndarray | None = None):
        """Log partial likelihood, score and information at beta (x already sorted).

        With ``time_weight`` g (one value per death), return instead the score
        and information of the augmented model [x, g(t) x] that cox.zph's score
        test uses (survival's C routine zph1).
        """
        p = x.shape[1]
        xf, xx, x_dead = self._products(x)
        eta = xf @ beta
        eta -= eta.max()  # cancels in the partial likelihood; avoids overflow
        risk = np.exp(eta)
        columns = [
            risk,
            *(risk * xf[:, j] for j in range(p)),
            *(risk * xx[:, j] for j in range(xx.shape[1])),
        ]
        at_risk = np.empty((self.risk_start.size, len(columns)))
        dead = np.empty_like(at_risk)
        for k, column in enumerate(columns):
            at_risk[:, k] = self._tail_sums(column)
            dead[:, k] = np.add.reduceat(column[self.deaths], self.tied_first)
        run = self.run_of_death
        sums = at_risk[run]  # one row per death
        tied = self.efron > 0
        if tied.any():
            sums[tied] -= self.efron[tied, None] * dead[run[tied]]
        denom = sums[:, 0]
        mean = sums[:, 1 : 1 + p] / denom[:, None]
        second = sums[:, 1 + p :] / denom[:, None]

        def information(w):
            weighted_mean = mean if w is None else w[:, None] * mean
            total = second.sum(axis=0) if w is None else w @ second
            return _from_triangle(total, p) - mean.T @ weighted_mean

        loglik = eta[self.deaths].sum() - np.log(denom).sum()
        score = x_dead.sum(axis=0) - mean.sum(axis=0)
        if time_weight is None:
            return loglik, score, information(None)
        g = time_weight
        score_g = g @ x_dead - g @ mean
        info_xg = information(g)
        full_score = np.concatenate([score, score_g])
        full_info = np.block([[information(None), info_xg], [info_xg.T, information(g * g)]])
        return loglik, full_score, full_info


class _CountingRiskSets(_RiskSets):
    """(start, stop] data sorted by (stratum, stop), with each death's risk set.

    The risk set of a death at t in stratum s is every row of s with
    start < t <= stop (survival's agfit4): the rows with stop >= t, a reverse
    cumulative sum as for right-censored data, less those not yet entered
    (start >= t), a reverse cumulative sum over the rows ordered by start. Tied
    deaths and Efron's weights are those of :class:`_RiskSets`.
    """

    def __init__(self, start, stop, event, strata, ties):
        super().__init__(stop, event, strata, ties)
        n = stop.size
        start_sorted, stop_sorted, strata_sorted = start[self.order], stop[self.order], strata[self.order]
        # the same rows ordered by (stratum, start): strata occupy the same positions
        self.by_start = np.lexsort((start_sorted, strata_sorted))
        entries = start_sorted[self.by_start]
        first_death = self.deaths[self.tied_first]
        run_time, run_stratum = stop_sorted[first_death], strata_sorted[first_death]
        self.not_entered = np.full(first_death.size, n)  # n: an all-zero sum
        used = np.zeros(n, dtype=bool)
        bounds = self.stratum_bounds
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            runs = run_stratum == strata_sorted[lo]
            position = lo + np.searchsorted(entries[lo:hi], run_time[runs], side="left")
            self.not_entered[runs] = np.where(position < hi, position, n)
            # agreg.fit uses only the rows whose interval holds a death time of their stratum
            death_times = run_time[runs]
            used[lo:hi] = np.searchsorted(death_times, stop_sorted[lo:hi], side="right") > np.searchsorted(
                death_times, start_sorted[lo:hi], side="right"
            )
        self.used = used
        self.stop_sorted, self.strata_sorted = stop_sorted, strata_sorted

    def _tail_sums(self, values: np.ndarray) -> np.ndarray:
        by_start = values[self.by_start]
        entered_later = np.zeros(values.size + 1)
        for lo, hi in zip(self.stratum_bounds[:-1], self.stratum_bounds[1:]):
            entered_later[lo:hi] = np.cumsum(by_start[lo:hi][::-1])[::-1]
        return super()._tail_sums(values) - entered_later[self.not_entered]

    def centre(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """agfit4's centring constant and mean absolute deviation of each column (x sorted).

        survival 3.5-3's agfit4 subtracts from every row the value of its first
        used row in R's order (first stratum, latest stop; the per-stratum mean
        its comment intends is computed after that subtraction and never applied),
        then scales by the mean absolute value over the used rows. Centring
        changes no estimate; the scale sets where a pivot counts as zero.
        """
        candidates = np.flatnonzero(self.used & (self.strata_sorted == self.strata_sorted[self.used].min()))
        latest = candidates[self.stop_sorted[candidates] == self.stop_sorted[candidates].max()]
        first = latest[np.argmin(self.order[latest])]  # R's order() keeps ties in data order
        constant = x[first]
        return constant, np.abs(x[self.used] - constant).mean(axis=0)


def _from_triangle(values: np.ndarray, p: int) -> np.ndarray:
    out = np.zeros((p, p))
    out[np.triu_indices(p)] = values
    return out + np.triu(out, 1).T


def _singular_columns(info: np.ndarray, toler: float = _TOLER_CHOL) -> np.ndarray:
    """Columns survival's ``cholesky2`` declares redundant (pivot < toler * max diagonal)."""
    a = np.array(info, dtype=float)
    p = a.shape[0]
    singular = np.zeros(p, dtype=bool)
    largest = max(np.max(np.diag(a)), 0.0)
    if not largest > 0:
        return np.ones(p, dtype=bool)
    threshold = largest * toler
    for i in range(p):
        pivot = a[i, i]
        if not np.isfinite(pivot) or pivot < threshold:
            singular[i] = True
            continue
        ratio = a[i + 1 :, i] / pivot
        a[i + 1 :, i + 1 :] -= np.outer(ratio, a[i, i + 1 :])
    return singular


def _cholesky_solve(info: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """survival's cholesky2 + chsolve2: solve, with 0 for columns deemed redundant."""
    ok = ~_singular_columns(info)
    out = np.zeros_like(vector)
    out[ok] = np.linalg.solve(info[np.ix_(ok, ok)], vector[ok])
    return out


def _cholesky_inverse(info: np.ndarray) -> np.ndarray:
    """survival's cholesky2 + chinv2: inverse, with zero rows/columns for redundant ones."""
    ok = ~_singular_columns(info)
    out = np.zeros_like(info)
    out[np.ix_(ok, ok)] = np.linalg.inv(info[np.ix_(ok, ok)])
    return out


# --------------------------------------------------------------------------
# The fit: survival's coxfit6, step for step
# --------------------------------------------------------------------------


@dataclass
class _Fit:
    design: _Design
    ties: str
    keep: np.ndarray  # columns estimated (not constant / collinear)
    coef: np.ndarray  # length p, NaN where not estimated
    var: np.ndarray  # p x p, NaN rows/cols where not estimated
    loglik_null: float
    loglik: float
    score_test: float
    iterations: int
    converged: bool
    infinite: np.ndarray  # R's "coefficient may be infinite" flag, length p
    column_notes: dict[int, str]
    risk_sets: _RiskSets | None = None
    x_sorted: np.ndarray | None = None  # kept columns, sorted, uncentred


def _fit(design: _Design, ties: str) -> _Fit:
    if ties not in TIES_METHODS:
        raise StatisticsError(f"ties must be one of {TIES_METHODS}, not {ties!r}")
    p = design.x.shape[1]
    nan_p = np.full(p, np.nan)
    column_notes: dict[int, str] = {}
    if not design.event.any():
        return _Fit(
            design,
            ties,
            np.zeros(p, bool),
            nan_p,
            np.full((p, p), np.nan),
            math.nan,
            math.nan,
            math.nan,
            0,
            False,
            np.zeros(p, bool),
            {j: "no events: coefficient not estimable" for j in range(p)},
        )

    counting = design.start is not None  # (start, stop] data: survival's agfit4, else coxfit6
    if counting:
        risk_sets = _CountingRiskSets(design.start, design.time, design.event, design.strata, ties)
    else:
        risk_sets = _RiskSets(design.time, design.event, design.strata, ties)
    x = design.x[risk_sets.order]
    # coxfit6 centres and scales each column that is not all in {-1, 0, 1}; this
    # changes no estimate but sets the scale on which a pivot counts as zero.
    zero_one = np.all(np.isin(x, (-1.0, 0.0, 1.0)), axis=0)
    if counting:
        constant_row, spread = risk_sets.centre(x)
        means = np.where(zero_one, 0.0, constant_row)
        centred = x - means
    else:
        means = np.where(zero_one, 0.0, x.mean(axis=0))
        centred = x - means
        spread = np.abs(centred).mean(axis=0)
    scale = np.where(zero_one | (spread == 0), 1.0, 1.0 / np.where(spread == 0, 1.0, spread))
    xs = centred * scale

    constant = np.ptp(x, axis=0) == 0
    for j in np.flatnonzero(constant):
        column_notes[j] = "covariate is constant: coefficient not estimable (R reports NA)"
    loglik0, u0, info0 = risk_sets.derivatives(xs, np.zeros(p))
    singular = _singular_columns(info0) | constant
    for j in np.flatnonzero(singular & ~constant):
        column_notes[j] = (
            "not estimable: collinear with the covariates before it (or constant "
            "within every stratum); R reports NA ('X matrix deemed to be singular')"
        )
    keep = ~singular
    if not keep.any():
        return _Fit(
            design,
            ties,
            keep,
            nan_p,
            np.full((p, p), np.nan),
            loglik0,
            loglik0,
            math.nan,
            0,
            False,
            np.zeros(p, bool),
            column_notes,
        )
    xk = xs if keep.all() else xs[:, keep]

    u0k, info0k = u0[keep], info0[np.ix_(keep, keep)]
    step = _cholesky_solve(info0k, u0k)
    score_test = float(u0k @ step)

    beta = np.zeros(keep.sum())
    best = loglik0
    new_beta = beta + step
    halving = 0
    converged = False
    iterations = 0
    for iterations in range(1, _ITER_MAX + 1):
        new_lik, u, info = risk_sets.derivatives(xk, new_beta)
        finite = np.isfinite(new_lik) and np.all(np.isfinite(u)) and np.all(np.isfinite(info))
        if counting:
            # agfit4 also fails a step whose information matrix loses rank, and
            # declares convergence only after a full (not halved) Newton step
            finite = finite and not _singular_columns(info).any()
            last = (new_beta, new_lik, u, info)
        if finite and not (counting and halving) and abs(1 - best / new_lik) <= _EPS:
            beta, best, converged = new_beta, new_lik, True
            break
        if not finite or new_lik < best:
            halving += 1  # not improving: move back towards the last good beta
            new_beta = (new_beta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = new_lik
            beta = new_beta
            new_beta = new_beta + _cholesky_solve(info, u)
    if not converged and counting and not (last[1] - best) / abs(best) < -_EPS:
        beta, best, u, info = last  # agfit4 keeps the last iterate unless it is worse
    elif not converged:
        best, u, info = risk_sets.derivatives(xk, beta)

    var_scaled = _cholesky_inverse(info)
    late = np.diag(var_scaled) == 0  # redundant only at the final beta: R reports NA
    for j in np.flatnonzero(keep)[late]:
        column_notes[j] = (
            "information matrix singular at the fitted coefficients: "
            "coefficient not estimable (R reports NA)"
        )
    sk = scale[keep]
    coef_k = beta * sk
    var_k = var_scaled * np.outer(sk, sk)
    u_k = u / sk
    infinite_k = np.zeros(keep.sum(), dtype=bool)
    if converged:
        # R's coxph.fit test for monotone likelihood: the Newton step still
        # wanted is large relative to the coefficient.
        drift = np.abs(u_k @ var_k)
        if counting:  # agreg.fit's version of the test
            infinite_k = ~np.isfinite(u_k) | (drift > _TOLER_INF * (1 + np.abs(coef_k)))
        else:
            infinite_k = ~np.isfinite(u_k) | ((drift > _EPS) & (drift > _TOLER_INF * np.abs(coef_k)))

    coef = nan_p.copy()
    coef[keep] = coef_k
    var = np.full((p, p), np.nan)
    var[np.ix_(keep, keep)] = var_k
    infinite = np.zeros(p, dtype=bool)
    infinite[keep] = infinite_k
    keep[np.flatnonzero(keep)[late]] = False
    coef[~keep] = np.nan
    return _Fit(
        design,
        ties,
        keep,
        coef,
        var,
        loglik0,
        float(best),
        score_test,
        iterations,
        converged,
        infinite & keep,
        column_notes,
        risk_sets,
        x[:, keep],
    )


# --------------------------------------------------------------------------
# Concordance (survival::concordance as stored by coxph: reverse = TRUE)
# --------------------------------------------------------------------------


def linear_predictor(x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``x @ coef``, with identical covariate rows giving bit-identical values on every machine.

    Concordance counts a pair as tied when the two linear predictors are equal,
    so equality must mean "same covariate pattern", not "same rounding". A BLAS
    matrix-vector product does not guarantee that: the kernel OpenBLAS picks
    for the CPU blocks the rows and may fuse multiply-adds differently in a
    block's tail, so two identical rows can differ in the last bit (seen on
    survival::veteran under the SkylakeX kernel: one of 36 tied patterns split,
    C = 0.7371649 instead of R's 0.7370513). Here each row is the same sequence
    of correctly rounded IEEE-754 products and sums, column by column, so equal
    rows give equal values whatever the CPU, and R's ties are our ties.

    Not centred: R's ``coxph`` stores ``X beta - sum(means * beta)``, which
    differs by one constant and orders the patients identically.
    """
    lp = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        lp += x[:, j] * coef[j]
    return lp


def _concordance(time, event, strata, score) -> tuple[float, dict[str, float]]:
    """Harrell's C of the linear predictor, counted as survival's concordancefit.

    A pair is comparable when the shorter time is an event (a censored time
    tied with an event time counts as longer); it is concordant when the
    earlier death has the higher risk score. Pairs tied on the score count
    1/2; pairs of deaths at the same time (tied.y) are left out.
    C = (concordant + tied_x / 2) / (concordant + discordant + tied_x).

    Counting pairs (j, i) with time_j > time_i and score_j < score_i is a 2-D
    dominance count; done over the bits of the time rank (pairs are counted
    at the highest bit where their time ranks differ) it needs
    log2(#times) vectorised sorts instead of a loop over patients.
    """
    time_rank = np.unique(time, return_inverse=True)[1].astype(np.int64)
    score_rank = np.unique(score, return_inverse=True)[1].astype(np.int64)
    strata = strata.astype(np.int64)
    event = event.astype(bool)
    width = np.int64(time.size + 1)
    n_groups = np.int64(time_rank.max() + 2)

    def count_below(candidates, queries, prefix):
        """Totals over queries of candidates sharing its prefix with a lower / equal score."""
        keys = np.sort(prefix[candidates] * width + score_rank[candidates])
        base = prefix[queries] * width
        order = np.argsort(base + score_rank[queries])
        base, needle = base[order], base[order] + score_rank[queries][order]
        start = np.searchsorted(keys, base)
        below = np.searchsorted(keys, needle) - start
        not_above = np.searchsorted(keys, needle, side="right") - start
        everything = np.searchsorted(keys, base + width) - start
        return below.sum(), (not_above - below).sum(), everything.sum()

    dead = np.flatnonzero(event)
    lower = tied = comparable = 0
    for bit in range(max(int(time_rank.max()).bit_length(), 1)):
        prefix = strata * n_groups + (time_rank >> (bit + 1))
        high = ((time_rank >> bit) & 1) == 1
        queries = dead[((time_rank[dead] >> bit) & 1) == 0]
        counts = count_below(np.flatnonzero(high), queries, prefix)
        lower, tied, comparable = lower + counts[0], tied + counts[1], comparable + counts[2]
    # a time censored at the very time of a death is still at risk: comparable
    counts = count_below(np.flatnonzero(~event), dead, strata * n_groups + time_rank)
    lower, tied, comparable = lower + counts[0], tied + counts[1], comparable + counts[2]

    concordant, tied_x = float(lower), float(tied)
    discordant = float(comparable - lower - tied)
    total = concordant + discordant + tied_x
    value = (concordant + tied_x / 2) / total if total > 0 else math.nan
    return value, {"concordant": concordant, "discordant": discordant, "tied_x": tied_x}


def _concordance_counting(start, stop, event, strata, score) -> tuple[float, dict[str, float]]:
    """Harrell's C on (start, stop] data, counted as survival's concordancefit.

    Each death at time t is compared with every other row at risk at t
    (start < t <= stop, same stratum) that is not a death at t (those are
    tied.y, left out): concordant when the death has the higher risk score,
    tied_x when the scores are equal. One sort of the risk set per death time:
    O(n x death times), so it can be switched off for large data.
    """
    event = event.astype(bool)
    concordant = discordant = tied_x = 0
    for stratum in np.unique(strata):
        rows = strata == stratum
        s_start, s_stop, s_event, s_score = start[rows], stop[rows], event[rows], score[rows]
        for t in np.unique(s_stop[s_event]):
            at_risk = (s_start < t) & (s_stop >= t)
            dying = at_risk & s_event & (s_stop == t)
            others = np.sort(s_score[at_risk & ~dying])
            dead = s_score[dying]
            below = np.searchsorted(others, dead, side="left")
            not_above = np.searchsorted(others, dead, side="right")
            concordant += int(below.sum())
            tied_x += int((not_above - below).sum())
            discordant += int((others.size - not_above).sum())
    total = concordant + discordant + tied_x
    value = (concordant + tied_x / 2) / total if total > 0 else math.nan
    return value, {"concordant": float(concordant), "discordant": float(discordant), "tied_x": float(tied_x)}


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def cox_model(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: str | Sequence[str],
    strata: str | Sequence[str] | None = None,
    ties: str = "efron",
    reference_levels: Mapping[str, object] | None = None,
    conf_level: float = 0.95,
    concordance: bool = True,
    start: str | None = None,
) -> pd.DataFrame:
    """Fit a Cox proportional hazards model; tidy table of hazard ratios and model tests.

    Matches R ``summary(coxph(Surv(time, event) ~ covariates + strata(strata),
    ties = ties))`` of survival 3.x (``coxph.control()`` defaults).

    Parameters
    ----------
    data : one row per patient.
    time, event : column names; ``event`` is 0/1 or boolean (1 = event).
    covariates : column name(s). Numeric columns are linear terms; string,
        categorical and boolean columns, and any column named in
        ``reference_levels``, are categorical (treatment contrasts).
    strata : column name(s) for a stratified model (``strata(x)`` in R): a
        separate baseline hazard per stratum (combination), no coefficient.
    ties : ``"efron"`` (R's default) or ``"breslow"`` (R ``coxph(ties =
        "breslow")``, which is how SPSS COXREG handles tied event times).
    reference_levels : ``{column: reference level}``; default the first level
        (declared order of a Categorical, else sorted, as R's ``factor``).
    conf_level : level of the Wald confidence interval of each HR.
    concordance : also report Harrell's C (``fit$concordance``; no standard error).
    start : for (start, stop] ("counting process") data, the column of entry
        times; ``time`` is then the stop time: R ``coxph(Surv(start, time,
        event) ~ ...)``. A row is at risk at an event time t when
        start < t <= time (survival's agreg/agfit4), so one patient may have
        several rows, e.g. one per value of a time-varying covariate
        (:func:`counting_process_rows`). Start and stop are merged by R's
        ``aeqSurv`` together; an interval that does not end after it starts is
        an error here (R's ``Surv`` makes the row NA with the warning "Stop time
        must be > start time, NA created" and drops it: a data error is not
        dropped silently). The iteration is
        agfit4's: coxfit6's (below) except that only a full Newton step, not a
        halved one, can end it, a step whose information matrix loses rank
        counts as a failed step, and a coefficient is flagged infinite when
        ``|U V| > sqrt(1e-9) (1 + |coef|)`` (agreg.fit). ``n`` counts rows,
        as R's ``fit$n`` does. Concordance: each death against the rows at
        risk at its time (``concordancefit`` on (start, stop] data).

    Returns
    -------
    A :func:`result_frame` with ``row_kind``:

    * ``"coefficient"``, one row per model column: ``estimate`` = HR =
      exp(coef), ``coef`` = log HR, ``std_error`` = se(coef), Wald CI of the HR,
      ``statistic`` = Wald z, ``p_value`` two-sided. Terms are the column name
      for numeric covariates and ``"<column>:<level> vs <reference>"`` for levels.
    * ``"model_test"``: ``likelihood_ratio_test``, ``wald_test``,
      ``score_test`` (the log-rank test when the model has one categorical
      covariate), each a chi-square with ``df`` = number of estimated
      coefficients, as ``summary.coxph`` prints them.
    * ``"concordance"`` (if asked): ``estimate`` = C.

    ``n`` and ``n_events`` are the rows and events used; ``loglik_null`` and
    ``loglik`` are R's ``fit$loglik``.

    Degenerate input gives NA with the reason in ``note``: no events; a
    constant covariate or a covariate collinear with earlier ones (R reports
    NA coefficients); a coefficient R flags as possibly infinite (monotone
    likelihood, e.g. a level with no events: "Loglik converged before
    variable ..."), reported as NA, never as a huge or tiny HR (the Wald test,
    which would use it, is NA too; the LR and score tests remain valid and are
    reported); no convergence in 20 iterations (all estimates NA).
    """
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    design = _design(data, time, event, covariates, strata, reference_levels, start)
    fit = _fit(design, ties)
    n = int(design.time.size)
    n_events = int(design.event.sum())
    z_crit = stats.norm.ppf((1 + conf_level) / 2)
    tie_word = "Efron" if ties == "efron" else "Breslow"
    convention = f"survival::coxph(ties = '{ties}'); summary.coxph"
    method = f"Cox proportional hazards ({tie_word} ties), Wald z"
    if start is not None:
        convention = f"survival::coxph(Surv(start, stop, event), ties = '{ties}'); summary.coxph"
        method = f"Cox proportional hazards, (start, stop] data ({tie_word} ties), Wald z"
    common = {
        "n": n,
        "n_events": n_events,
        "conf_level": conf_level,
        "loglik_null": fit.loglik_null,
        "loglik": fit.loglik,
    }
    model_notes = list(design.notes)
    if not n_events:
        model_notes.append("no events: no model can be fitted")
    elif not fit.keep.any():
        model_notes.append("no estimable coefficient")
    elif not fit.converged:
        model_notes.append(
            f"did not converge in {_ITER_MAX} iterations (R: 'Ran out of iterations and did "
            "not converge'), typically a likelihood that increases without bound (e.g. a "
            "covariate separating deaths from survivors): estimates withheld"
        )

    rows = []
    for j, column in enumerate(design.columns):
        coef = fit.coef[j]
        se = math.sqrt(fit.var[j, j]) if np.isfinite(fit.var[j, j]) else math.nan
        note = fit.column_notes.get(j, "")
        if fit.infinite[j]:
            direction = "+infinity (HR -> infinity)" if coef > 0 else "-infinity (HR -> 0)"
            note = (
                "monotone likelihood: coefficient drifts to "
                + direction
                + ", e.g. a level with no events; HR not estimable (R warns 'Loglik "
                "converged before variable ...; coefficient may be infinite')"
            )
        if note or not fit.converged:
            coef = se = math.nan
            note = note or "model did not converge"
        z = coef / se if se > 0 else math.nan
        rows.append(
            {
                "term": column,
                "estimate": math.exp(coef) if np.isfinite(coef) else math.nan,
                "std_error": se,
                "conf_low": math.exp(coef - z_crit * se) if np.isfinite(coef) else math.nan,
                "conf_high": math.exp(coef + z_crit * se) if np.isfinite(coef) else math.nan,
                "statistic": z,
                "statistic_name": "z",
                "df": math.nan,
                "p_value": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else math.nan,
                "method": method,
                "convention": convention,
                "note": note,
                "row_kind": "coefficient",
                "coef": coef,
                **common,
            }
        )

    df = int(fit.keep.sum())
    usable = n_events > 0 and fit.converged and df > 0
    lr = 2 * (fit.loglik - fit.loglik_null) if usable else math.nan
    wald = math.nan
    wald_note = ""
    if usable and fit.infinite.any():
        wald_note = "not computed: a coefficient may be infinite (monotone likelihood)"
    elif usable:
        keep = fit.keep
        b = fit.coef[keep]
        wald = float(b @ np.linalg.solve(fit.var[np.ix_(keep, keep)], b))
    score = fit.score_test if n_events > 0 and df > 0 else math.nan
    joined = "; ".join(model_notes)
    for term, value, name, note in (
        ("likelihood_ratio_test", lr, "likelihood ratio", ""),
        ("wald_test", wald, "Wald", wald_note),
        ("score_test", score, "score (log-rank)", ""),
    ):
        rows.append(
            {
                "term": term,
                "statistic": value,
                "statistic_name": "chi2",
                "df": df if np.isfinite(value) else math.nan,
                "p_value": stats.chi2.sf(value, df) if np.isfinite(value) else math.nan,
                "method": f"Cox model {name} test ({tie_word} ties)",
                "convention": convention,
                "note": "; ".join(x for x in (joined, note) if x),
                "row_kind": "model_test",
                **common,
            }
        )
    if concordance:
        value = math.nan
        if usable:
            lp = linear_predictor(design.x[:, fit.keep], fit.coef[fit.keep])
            if start is None:
                value, _ = _concordance(design.time, design.event, design.strata, lp)
            else:
                value, _ = _concordance_counting(design.start, design.time, design.event, design.strata, lp)
        rows.append(
            {
                "term": "concordance",
                "estimate": value,
                "statistic_name": "",
                "method": "Harrell's C of the linear predictor (within strata)",
                "convention": "survival::coxph fit$concordance (concordancefit"
                + (", (start, stop] data" if start is not None else "")
                + ", reverse = TRUE)",
                "note": joined,
                "row_kind": "concordance",
                **common,
            }
        )
    return result_frame(rows)


def _time_transform(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return time
    if transform == "log":
        return np.log(time)
    if transform == "rank":
        return stats.rankdata(time)  # average ranks, as R's rank()
    if transform == "km":
        # 1 - KM(t-) of the whole sample, ignoring strata, as cox.zph computes it
        unique, index = np.unique(time, return_inverse=True)
        at_risk = time.size - np.concatenate([[0], np.cumsum(np.bincount(index))[:-1]])
        deaths = np.bincount(index, weights=event.astype(float))
        survival = np.cumprod(1 - deaths / at_risk)
        before = np.concatenate([[1.0], survival[:-1]])
        return 1 - before[index]
    raise StatisticsError("transform must be 'km', 'identity', 'rank' or 'log'")


def proportional_hazards_test(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: str | Sequence[str],
    strata: str | Sequence[str] | None = None,
    ties: str = "efron",
    reference_levels: Mapping[str, object] | None = None,
    transform: str = "km",
    terms: bool = True,
) -> pd.DataFrame:
    """Test of proportional hazards for the Cox model given by the same arguments as :func:`cox_model`.

    Matches R ``cox.zph(fit, transform = "km", terms = TRUE)`` of survival >= 3.0:
    a score test, at the fitted coefficients, of adding ``g(t) * x`` for each
    term (``g`` = 1 - KM(t-) of the whole sample, centred on its mean over the
    deaths), with the full 2p x 2p information matrix (survival's zph1). This
    is the current algorithm, not the pre-3.0 one that regressed scaled
    Schoenfeld residuals on time (lifelines' ``proportional_hazard_test``
    and older texts give that one; results differ).

    One row per term (a categorical covariate is one term with df = number of
    levels - 1; ``terms=False`` gives one row per coefficient) plus
    ``GLOBAL`` (df = number of coefficients); ``statistic`` is chi-square.
    ``transform`` may also be ``"identity"``, ``"rank"`` or ``"log"`` as in R.

    Coefficients R reports as NA (constant/collinear columns) are left out, as
    cox.zph does. If a coefficient may be infinite (monotone likelihood), the
    rows involving it (and GLOBAL) are computed at the coefficients where the
    fit stopped, as R does, and say so in ``note``: the statistic tends to a
    finite limit as that coefficient diverges (tested: moving it further
    changes the chi-square by < 1e-8), so it is not an artefact of the stopping
    point. No events, or no convergence: all NA with a note.
    """
    design = _design(data, time, event, covariates, strata, reference_levels)
    fit = _fit(design, ties)
    convention = f"survival::cox.zph(fit, transform = '{transform}', terms = {str(terms).upper()})"
    method = f"Cox PH score test of g(t) x interaction ({'Efron' if ties == 'efron' else 'Breslow'} ties)"
    if terms:
        groups = [(name, [j for j in cols if fit.keep[j]]) for name, cols in design.terms]
    else:
        groups = [(c, [j]) for j, c in enumerate(design.columns) if fit.keep[j]]
    groups = [(name, cols) for name, cols in groups if cols]
    n, n_events = int(design.time.size), int(design.event.sum())
    common = {
        "method": method,
        "convention": convention,
        "n": n,
        "n_events": n_events,
        "statistic_name": "chi2",
    }

    def na_rows(note):
        names = [name for name, _ in groups] if groups else list(design.columns)
        return result_frame([{"term": t, "note": note, **common} for t in [*names, "GLOBAL"]])

    if not n_events:
        return na_rows("no events: no model can be fitted")
    if not fit.converged or not fit.keep.any():
        return na_rows("the Cox model did not converge or has no estimable coefficient")

    transformed = _time_transform(design.time, design.event, transform)
    centred_g = transformed - transformed[design.event].mean()
    risk_sets = fit.risk_sets
    g_dead = centred_g[risk_sets.order][risk_sets.deaths]
    x = fit.x_sorted - fit.x_sorted.mean(axis=0)  # zph1 recentres; changes no result
    _, score, info = risk_sets.derivatives(x, fit.coef[fit.keep], time_weight=g_dead)

    position = {j: k for k, j in enumerate(np.flatnonzero(fit.keep))}
    p = len(position)
    infinite = {j for j in np.flatnonzero(fit.infinite)}
    rows = []
    for name, cols in [*groups, ("GLOBAL", list(position))]:
        idx = [position[j] for j in cols]
        notes = list(design.notes)
        if infinite & set(cols):
            notes.append(
                "a coefficient in this test may be infinite (monotone likelihood): "
                "computed, as cox.zph does, where the fit stopped; the value is the "
                "limit as that coefficient diverges"
            )
        kk = list(range(p)) + [p + k for k in idx]
        u = np.concatenate([np.zeros(p), score[p + np.array(idx)]])
        try:
            chisq = float(u @ np.linalg.solve(info[np.ix_(kk, kk)], u))
        except np.linalg.LinAlgError:
            # e.g. every death at one time: g(t) is constant, no trend to test
            # (R stops with "system is computationally singular")
            rows.append(
                {
                    "term": name,
                    "note": "information matrix singular (no variation "
                    "of g(t) over the death times?): test not computable",
                    **common,
                }
            )
            continue
        df = len(idx)
        rows.append(
            {
                "term": name,
                "statistic": chisq,
                "df": df,
                "p_value": stats.chi2.sf(chisq, df),
                "note": "; ".join(notes),
                **common,
            }
        )
    return result_frame(rows)


# --------------------------------------------------------------------------
# A covariate known from a time onwards: tmerge rows and the time-dependent Cox model
# --------------------------------------------------------------------------


def counting_process_rows(
    data: pd.DataFrame,
    time: str,
    event: str,
    change_time: str,
    covariate: str = "tdc",
    start: str = "tstart",
    stop: str = "tstop",
) -> pd.DataFrame:
    """(start, stop] rows of a covariate that is 0 until ``change_time`` and 1 after it.

    The rows of R ``survival::tmerge(data, data, id = id, event = event(time,
    event), tdc = tdc(change_time))`` (survival 3.5-3), one row per patient in:

    * follow-up is ``(0, time]``; a patient whose covariate changes at
      0 < change_time < time gets two rows, ``(0, change_time]`` with the
      covariate 0 and no event, and ``(change_time, time]`` with the covariate
      1 and the patient's event. The covariate is 1 on an interval (a, b] when
      change_time <= a: a change at the time of the event or censoring
      (change_time = time) or after it leaves the covariate 0 throughout, a
      change at or before the origin (change_time <= 0) makes it 1 throughout,
      and a missing change_time means no change (0 throughout), as tmerge does.
    * ``event`` is overwritten with the event at the end of each interval;
      every other column is repeated. ``start``, ``stop`` and ``covariate`` are
      the new columns (R's ``tstart``, ``tstop`` and the tdc's name) and must
      not already be columns of ``data``.

    Rows with a missing time or event are dropped (``attrs["n_dropped"]``);
    follow-up must be positive (tmerge refuses an interval (0, 0]).
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    missing_cols = [c for c in (time, event, change_time) if c not in data.columns]
    if missing_cols:
        raise StatisticsError(f"columns not in data: {missing_cols}")
    taken = [c for c in (start, stop, covariate) if c in data.columns]
    if taken or len({start, stop, covariate}) < 3:
        raise StatisticsError(
            f"new column names {[start, stop, covariate]} must be distinct and not columns of data: {taken}"
        )
    frame = data.loc[data[[time, event]].notna().all(axis=1).to_numpy()]
    n_dropped = len(data) - len(frame)
    times = _finite_times(frame, time)
    events = event_indicator(frame[event], event).astype(np.int64)
    if np.any(times <= 0):
        raise StatisticsError(
            f"follow-up {time!r} must be > 0: the first interval is (0, {time}] "
            f"({int(np.sum(times <= 0))} row(s) are not; tmerge refuses them too)"
        )
    change = pd.to_numeric(frame[change_time], errors="coerce").to_numpy(dtype=float)
    if np.any(frame[change_time].notna().to_numpy() & ~np.isfinite(change)):
        raise StatisticsError(f"{change_time!r} must be numbers (missing = no change)")
    with np.errstate(invalid="ignore"):
        split = (change > 0) & (change < times)
        from_origin = change <= 0
    repeats = 1 + split.astype(np.int64)
    rows = frame.iloc[np.repeat(np.arange(len(frame)), repeats)].reset_index(drop=True)
    last = np.cumsum(repeats) - 1  # each patient's last row
    first_of_split = last[split] - 1
    tstart = np.zeros(len(rows))
    tstop = np.repeat(times, repeats)
    status = np.repeat(events, repeats)
    value = np.repeat(from_origin.astype(np.int64), repeats)
    tstop[first_of_split] = change[split]
    tstart[first_of_split + 1] = change[split]
    status[first_of_split] = 0
    value[first_of_split + 1] = 1
    rows[event] = status
    rows[start] = tstart
    rows[stop] = tstop
    rows[covariate] = value
    rows.attrs["n_dropped"] = n_dropped
    return rows


def time_dependent_cox(
    data: pd.DataFrame,
    time: str,
    event: str,
    change_time: str,
    covariates: str | Sequence[str] | None = None,
    strata: str | Sequence[str] | None = None,
    ties: str = "efron",
    reference_levels: Mapping[str, object] | None = None,
    conf_level: float = 0.95,
    concordance: bool = True,
) -> pd.DataFrame:
    """Cox model with a covariate that switches from 0 to 1 at ``change_time`` (time-dependent).

    Matches R::

        rows <- tmerge(data, data, id = id, event = event(time, event),
                       tdc = tdc(change_time))
        summary(coxph(Surv(tstart, tstop, event) ~ tdc + covariates, data = rows))

    (:func:`counting_process_rows` for the rows and their conventions, and
    :func:`cox_model` with ``start`` for the fit). Unlike a Cox model on
    "changed during follow-up" as a baseline covariate, this does not credit
    the changed patients with the time they survived before changing
    (immortal-time bias). The time-dependent term is named
    ``"<change_time> (time-dependent)"``; its HR compares the hazard after the
    change with the hazard before it (or of patients who have not changed).
    ``covariates`` are baseline covariates, repeated on each row of a patient.

    One row per patient in ``data``; ``n`` counts (start, stop] rows, as R's
    ``fit$n``, and ``n_patients`` the patients. A change that happens in
    nobody's follow-up makes the term constant: NA with a note, as
    :func:`cox_model` reports a constant covariate.
    """
    covariates = _as_list(covariates)
    term = f"{change_time} (time-dependent)"
    clash = [c for c in (term, "_tstart", "_tstop") if c in data.columns]
    if clash:
        raise StatisticsError(f"data already has column(s) {clash}")
    rows = counting_process_rows(data, time, event, change_time, covariate=term, start="_tstart", stop="_tstop")
    result = cox_model(
        rows,
        "_tstop",
        event,
        [term, *covariates],
        strata=strata,
        ties=ties,
        reference_levels=reference_levels,
        conf_level=conf_level,
        concordance=concordance,
        start="_tstart",
    )
    dropped = rows.attrs["n_dropped"]
    if dropped:
        extra = f"{dropped} patient(s) without time or event dropped"
        result["note"] = [f"{note}; {extra}" if note else extra for note in result["note"]]
    result["n_patients"] = len(data) - dropped
    result["convention"] = (
        "survival::tmerge(data, data, id, event = event(time, status), tdc = tdc(change_time)); "
        + result["convention"]
    )
    return result
