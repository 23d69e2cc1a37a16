"""ROC analysis with pROC's conventions (pROC 1.18.0).

Conventions, all taken from pROC and checked against it in tests/r/roc.R:

* The two outcome levels are a *control* level and an *event* (case) level. The
  sensitivity is always the proportion of the event level called positive.
* ``direction`` says which side of a threshold is called positive:
  ``"<"`` means controls have lower values (an observation is positive when
  ``predictor >= threshold``), ``">"`` means controls have higher values
  (positive when ``predictor <= threshold``). ``"auto"`` picks ``"<"`` when
  ``median(controls) <= median(cases)`` and ``">"`` otherwise, as ``pROC::roc``
  does; the chosen direction is reported in every result. Predicting an event
  from *low* values (loss of HER2 positivity from a low baseline H-score) is
  ``event_level="loss", direction=">"``; the same curve read with the other
  level as the event is ``event_level="persistence", direction="<"``, which swaps
  sensitivity and specificity and leaves the AUC unchanged.
* Thresholds are ``-Inf``, the midpoints between consecutive distinct observed
  values, and ``+Inf`` (``pROC:::roc.utils.thresholds``, including its repair of
  midpoints that round onto an observed value).

Python's defaults differ: ``sklearn.metrics.roc_curve`` uses the observed values
themselves as thresholds (positive when ``score >= threshold``), drops
"suboptimal" points by default, has no direction argument (low-is-event needs a
negated score) and no DeLong variance. Its ``argmax(tpr - fpr)`` therefore
reports an observed value where pROC reports a midpoint, and returns only the
first of several tied optima where pROC returns all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from her2cohort.stats._resample import boot_percentile, quantile_type7, resample_positions
from her2cohort.stats._result import StatisticsError, result_frame

Direction = Literal["auto", "<", ">"]
Side = Literal[">", ">=", "<", "<="]

_PROC = "pROC 1.18.0"


@dataclass(frozen=True)
class _Roc:
    """One empirical ROC curve, in pROC's order (specificity ascending)."""

    cases: np.ndarray
    controls: np.ndarray
    direction: str
    event_level: object
    control_level: object
    thresholds: np.ndarray
    sensitivities: np.ndarray
    specificities: np.ndarray
    n_missing: int


def _split_groups(data, outcome, predictor, event_level, control_level):
    for column in (outcome, predictor):
        if column not in data.columns:
            raise StatisticsError(f"column {column!r} not found in data")
    frame = data[[outcome, predictor]]
    complete = frame.notna().all(axis=1)
    frame = frame[complete]
    levels = pd.unique(frame[outcome])
    if event_level not in set(levels):
        raise StatisticsError(
            f"event level {event_level!r} does not occur in {outcome!r} "
            f"(levels: {sorted(map(str, levels))})"
        )
    if control_level is None:
        others = [level for level in levels if level != event_level]
        if len(others) != 1:
            raise StatisticsError(
                f"{outcome!r} must have exactly two levels once missing values are "
                f"dropped, or pass control_level (levels: {sorted(map(str, levels))})"
            )
        control_level = others[0]
    try:
        values = pd.to_numeric(frame[predictor]).to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise StatisticsError(f"{predictor!r} is not numeric: {error}") from None
    if not np.isfinite(values).all():
        raise StatisticsError(f"{predictor!r} has infinite values: no ROC curve")
    is_case = (frame[outcome] == event_level).to_numpy()
    is_control = (frame[outcome] == control_level).to_numpy()
    cases, controls = values[is_case], values[is_control]
    if cases.size == 0:
        raise StatisticsError(f"no observation with {outcome} == {event_level!r}")
    if controls.size == 0:
        raise StatisticsError(f"no observation with {outcome} == {control_level!r}")
    return cases, controls, control_level, int((~complete).sum())


def _resolve_direction(cases, controls, direction):
    if direction == "auto":
        return "<" if np.median(controls) <= np.median(cases) else ">"
    if direction not in ("<", ">"):
        raise StatisticsError(
            f"direction must be 'auto', '<' or '>', not {direction!r}"
        )
    return direction


def _thresholds(values: np.ndarray, direction: str) -> np.ndarray:
    """pROC:::roc.utils.thresholds: -Inf, midpoints of distinct values, +Inf."""
    unique = np.unique(values)
    lower = np.r_[-np.inf, unique]
    upper = np.r_[unique, np.inf]
    with np.errstate(invalid="ignore", over="ignore"):
        midpoints = (lower + upper) / 2
        halves = lower / 2 + upper / 2  # avoids overflow for |values| > 1e100
    thresholds = np.where(np.abs(midpoints) > 1e100, halves, midpoints)
    # Two adjacent floats have no float between them: the midpoint rounds onto one
    # of them. pROC then moves it onto the value that keeps the classification
    # rule (">=" for "<", "<=" for ">") equal to "strictly between".
    idx = np.flatnonzero(np.isin(thresholds, values))
    for i in idx:
        if direction == "<":
            thresholds[i] = unique[i]
        else:
            thresholds[i] = unique[i - 1]
    return thresholds


def _rates(cases, controls, thresholds, direction):
    """Sensitivity and specificity at each threshold (pROC roc.utils.perfs)."""
    sorted_cases, sorted_controls = np.sort(cases), np.sort(controls)
    if direction == "<":
        true_pos = cases.size - np.searchsorted(sorted_cases, thresholds, side="left")
        true_neg = np.searchsorted(sorted_controls, thresholds, side="left")
    else:
        true_pos = np.searchsorted(sorted_cases, thresholds, side="right")
        true_neg = controls.size - np.searchsorted(
            sorted_controls, thresholds, side="right"
        )
    return true_pos / cases.size, true_neg / controls.size


def _from_groups(
    cases, controls, direction, event_level=None, control_level=None, n_missing=0
):
    direction = _resolve_direction(cases, controls, direction)
    thresholds = _thresholds(np.r_[controls, cases], direction)
    sensitivities, specificities = _rates(cases, controls, thresholds, direction)
    if direction == ">":  # pROC's sort.roc: specificity ascending
        thresholds, sensitivities, specificities = (
            thresholds[::-1],
            sensitivities[::-1],
            specificities[::-1],
        )
    return _Roc(
        cases,
        controls,
        direction,
        event_level,
        control_level,
        thresholds,
        sensitivities,
        specificities,
        n_missing,
    )


def _build(data, outcome, predictor, event_level, control_level, direction) -> _Roc:
    cases, controls, control_level, n_missing = _split_groups(
        data, outcome, predictor, event_level, control_level
    )
    return _from_groups(
        cases, controls, direction, event_level, control_level, n_missing
    )


def _missing_note(roc: _Roc) -> str:
    return (
        f"{roc.n_missing} observation(s) with a missing value dropped"
        if roc.n_missing
        else ""
    )


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def roc_curve(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    *,
    control_level=None,
    direction: Direction = "auto",
) -> pd.DataFrame:
    """Every point of the empirical ROC curve, as ``pROC::coords(roc, "all")``.

    Matches ``pROC::roc(response, predictor, levels = c(control, event),
    direction = direction)`` (pROC 1.18.0): thresholds are -Inf, the midpoints
    between consecutive distinct observed values and +Inf; rows are in pROC's
    order (specificity ascending). Rows with a missing outcome or predictor are
    dropped (pROC ``na.rm = TRUE``).

    Columns: threshold, sensitivity, specificity, direction (the one used, also
    when chosen by ``"auto"``), positive_if (the rule, e.g. ``">= 0.205"``),
    event_level, control_level, n_cases, n_controls.

    Unlike ``sklearn.metrics.roc_curve`` (observed values as thresholds, points
    dropped, no direction), this is pROC's curve point for point.
    """
    roc = _build(data, outcome, predictor, event_level, control_level, direction)
    rule = ">=" if roc.direction == "<" else "<="
    return pd.DataFrame(
        {
            "threshold": roc.thresholds,
            "sensitivity": roc.sensitivities,
            "specificity": roc.specificities,
            "direction": roc.direction,
            "positive_if": [f"{rule} {t:.10g}" for t in roc.thresholds],
            "event_level": roc.event_level,
            "control_level": roc.control_level,
            "n_cases": roc.cases.size,
            "n_controls": roc.controls.size,
        }
    )


def _delong_placements(cases, controls, direction):
    """Structural components of the Mann-Whitney AUC (DeLong et al. 1988)."""
    if direction == ">":
        cases, controls = -cases, -controls
    sorted_cases, sorted_controls = np.sort(cases), np.sort(controls)
    below = np.searchsorted(sorted_controls, cases, side="left")
    below_or_tied = np.searchsorted(sorted_controls, cases, side="right")
    case_placements = (below + below_or_tied) / 2 / controls.size
    above = cases.size - np.searchsorted(sorted_cases, controls, side="right")
    above_or_tied = cases.size - np.searchsorted(sorted_cases, controls, side="left")
    control_placements = (above + above_or_tied) / 2 / cases.size
    return case_placements, control_placements


def roc_auc(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    *,
    control_level=None,
    direction: Direction = "auto",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """AUC with DeLong's standard error and confidence interval.

    Matches ``pROC::auc(roc)``, ``pROC::var(roc, method = "delong")`` and
    ``pROC::ci.auc(roc, method = "delong")`` (pROC 1.18.0): the AUC is the
    Mann-Whitney probability P(case ranks on the positive side of a control) with
    ties counted 1/2, for the direction used; the variance is
    ``var(V10)/n_cases + var(V01)/n_controls`` of DeLong's placements (sample
    variances, denominator n - 1); the CI is ``AUC +/- z * SE`` truncated to
    [0, 1], exactly as pROC. An explicit direction that is the wrong way round
    gives an AUC below 0.5, as in pROC.

    One tidy row (term ``"auc"``); extra columns: direction, variance,
    event_level, control_level, n_cases, n_controls. With fewer than two cases
    or two controls the variance and CI are NA (pROC returns NA).
    """
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    roc = _build(data, outcome, predictor, event_level, control_level, direction)
    case_pl, control_pl = _delong_placements(roc.cases, roc.controls, roc.direction)
    auc = float(case_pl.mean())
    notes = [_missing_note(roc)]
    variance = conf_low = conf_high = math.nan
    if roc.cases.size < 2 or roc.controls.size < 2:
        notes.append("DeLong variance needs at least two cases and two controls")
    else:
        variance = float(
            np.var(control_pl, ddof=1) / roc.controls.size
            + np.var(case_pl, ddof=1) / roc.cases.size
        )
        z = norm.ppf(1 - (1 - conf_level) / 2)
        conf_low = max(0.0, auc - z * math.sqrt(variance))
        conf_high = min(1.0, auc + z * math.sqrt(variance))
    if np.unique(np.r_[roc.cases, roc.controls]).size == 1:
        notes.append(
            "all predictor values are tied: the predictor carries no information"
        )
    return result_frame(
        [
            {
                "term": "auc",
                "estimate": auc,
                "std_error": math.sqrt(variance),
                "conf_low": conf_low,
                "conf_high": conf_high,
                "conf_level": conf_level,
                "method": "empirical ROC AUC (Mann-Whitney) with DeLong variance",
                "convention": f"{_PROC} auc(); var(method='delong'); ci.auc(method='delong')",
                "n": roc.cases.size + roc.controls.size,
                "note": _join(*notes),
                "direction": roc.direction,
                "variance": variance,
                "event_level": roc.event_level,
                "control_level": roc.control_level,
                "n_cases": roc.cases.size,
                "n_controls": roc.controls.size,
            }
        ]
    )


def _best_index(sensitivities, specificities):
    # pROC: optim.crit = se + r * sp with r = (1 - 0.5) / (1 * 0.5) = 1, and
    # keeps every point with optim.crit == max(optim.crit): exact float equality,
    # so 0.4 + 0.8 and 0.3 + 0.9 are NOT tied (1.2000000000000002 != 1.2).
    criterion = sensitivities + 1.0 * specificities
    return np.flatnonzero(criterion == criterion.max())


def _observed_cutoff(roc: _Roc, threshold: float):
    """EZR-style cutoff: the observed value next to ``threshold`` on its positive side."""
    values = np.unique(np.r_[roc.cases, roc.controls])
    if roc.direction == "<":
        candidates = values[values >= threshold]
        return (candidates[0] if candidates.size else math.nan), ">="
    candidates = values[values <= threshold]
    return (candidates[-1] if candidates.size else math.nan), "<="


def youden_cutoff(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    *,
    control_level=None,
    direction: Direction = "auto",
    convention: Literal["pROC", "EZR"] = "pROC",
) -> pd.DataFrame:
    """Youden-optimal cutoff(s): ``pROC::coords(roc, "best", best.method = "youden")``.

    Returns one row per optimal threshold: when several thresholds tie on
    sensitivity + specificity, all of them are returned, as pROC does (ties
    decided by exact floating-point equality of ``se + sp``, as pROC). Columns:
    threshold (pROC's midpoint), sensitivity, specificity, youden_index
    (se + sp - 1), direction, cutoff, positive_if, equivalent_rule, convention,
    event_level, control_level, n_cases, n_controls.

    ``convention="pROC"``: ``cutoff`` is pROC's threshold (midpoint between two
    observed values) and ``positive_if`` pROC's rule (``>=`` for direction "<",
    ``<=`` for ">").
    ``convention="EZR"``: ``cutoff`` is the *observed value* next to the midpoint
    on the positive side (the next value up for "<", down for ">"), with the same
    inclusive rule. Sensitivity and specificity are identical under both
    conventions; only the printed number changes (pROC 172.5 -> EZR 180 when the
    observed values are 170 and 180). ``equivalent_rule`` gives the same
    classification as a strict inequality against the observed value on the
    other side (e.g. ``"> 170"``), the form papers often print. This EZR
    convention is the one described to us for EZR's ROC output; EZR's source
    could not be checked here (CRAN unreachable), so it is not R-verified.
    """
    if convention not in ("pROC", "EZR"):
        raise StatisticsError("convention must be 'pROC' or 'EZR'")
    roc = _build(data, outcome, predictor, event_level, control_level, direction)
    values = np.unique(np.r_[roc.cases, roc.controls])
    rows = []
    for i in _best_index(roc.sensitivities, roc.specificities):
        threshold = float(roc.thresholds[i])
        notes = [_missing_note(roc)]
        if roc.direction == "<":
            cutoff, side = threshold, ">="
            other = values[values < threshold]
            equivalent = f"> {other[-1]:.10g}" if other.size else "all positive"
        else:
            cutoff, side = threshold, "<="
            other = values[values > threshold]
            equivalent = f"< {other[0]:.10g}" if other.size else "all positive"
        if convention == "EZR":
            cutoff, side = _observed_cutoff(roc, threshold)
        if not math.isfinite(threshold):
            notes.append(
                "the optimum is an infinite threshold: every observation is "
                "called "
                + (
                    "negative"
                    if (threshold > 0) == (roc.direction == "<")
                    else "positive"
                )
            )
        rows.append(
            {
                "threshold": threshold,
                "sensitivity": float(roc.sensitivities[i]),
                "specificity": float(roc.specificities[i]),
                "youden_index": float(roc.sensitivities[i] + roc.specificities[i] - 1),
                "direction": roc.direction,
                "cutoff": cutoff,
                "positive_if": (
                    f"{side} {cutoff:.10g}"
                    if not math.isnan(cutoff)
                    else "none (no observation is called positive)"
                ),
                "equivalent_rule": equivalent,
                "convention": convention,
                "event_level": roc.event_level,
                "control_level": roc.control_level,
                "n_cases": roc.cases.size,
                "n_controls": roc.controls.size,
                "note": _join(*notes),
            }
        )
    return pd.DataFrame(rows)


_SIDES = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def sensitivity_specificity(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    cutoff: float,
    side: Side,
    *,
    control_level=None,
) -> pd.DataFrame:
    """Sensitivity and specificity of the rule "positive if ``predictor side cutoff``".

    The side is explicit (``">"``, ``">="``, ``"<"``, ``"<="``) because it
    matters whenever observations sit exactly on the cutoff ("> 170" and
    ">= 170" differ for a patient at 170). ``pROC::coords(roc, x = cutoff,
    input = "threshold")`` uses ``">="`` for direction "<" and ``"<="`` for ">".
    One row: cutoff, side, positive_if, true_positive, false_negative,
    true_negative, false_positive, sensitivity, specificity, n_cases, n_controls,
    event_level, control_level, note.
    """
    if side not in _SIDES:
        raise StatisticsError(f"side must be one of {list(_SIDES)}, not {side!r}")
    cases, controls, control_level, n_missing = _split_groups(
        data, outcome, predictor, event_level, control_level
    )
    positive = _SIDES[side]
    true_positive = int(positive(cases, cutoff).sum())
    false_positive = int(positive(controls, cutoff).sum())
    return pd.DataFrame(
        [
            {
                "cutoff": cutoff,
                "side": side,
                "positive_if": f"{side} {cutoff:.10g}",
                "true_positive": true_positive,
                "false_negative": cases.size - true_positive,
                "true_negative": controls.size - false_positive,
                "false_positive": false_positive,
                "sensitivity": true_positive / cases.size,
                "specificity": (controls.size - false_positive) / controls.size,
                "n_cases": cases.size,
                "n_controls": controls.size,
                "event_level": event_level,
                "control_level": control_level,
                "note": (
                    f"{n_missing} observation(s) with a missing value dropped"
                    if n_missing
                    else ""
                ),
            }
        ]
    )


def _analysed_rows(data, outcome, predictor, event_level, control_level):
    """The rows an ROC analysis uses, in data order: predictor values, which are cases,
    the control level and the number of rows dropped for a missing value.

    Bootstrap positions (:func:`her2cohort.stats._resample.resample_positions`)
    index these rows; ``values[is_case]`` and ``values[~is_case]`` are the cases
    and controls in the order :func:`_split_groups` gives them."""
    cases, controls, control_level, n_missing = _split_groups(data, outcome, predictor, event_level, control_level)
    frame = data[[outcome, predictor]].dropna()
    frame = frame[(frame[outcome] == event_level) | (frame[outcome] == control_level)]
    values = pd.to_numeric(frame[predictor]).to_numpy(dtype=float)
    is_case = (frame[outcome] == event_level).to_numpy()
    return values, is_case, control_level, n_missing


@dataclass(frozen=True)
class _Replicates:
    """The Youden optimum of each bootstrap resample (NaN where the replicate was not used)."""

    threshold: np.ndarray
    sensitivity: np.ndarray
    specificity: np.ndarray
    criterion: np.ndarray  # max(se + sp) of the resample: defined even when the optimum is tied
    tied: np.ndarray  # the resample had several optimal thresholds
    one_class: np.ndarray  # an ordinary resample without a case or without a control
    used: np.ndarray  # a single optimum was kept (after best_policy)


def _bootstrap_optima(values, is_case, direction, positions, best_policy, seed) -> _Replicates:
    """Rebuild the ROC curve on each resample (the original ``direction``) and take its
    Youden optimum; tied optima follow ``best_policy`` as pROC's ``enforce.best.policy``
    ("omit": the replicate is not used; "random": one of them, drawn from
    ``numpy.random.default_rng([seed, 1])``, a stream apart from the resamples';
    "stop": an error)."""
    n_boot = positions.shape[0]
    out = {name: np.full(n_boot, np.nan) for name in ("threshold", "sensitivity", "specificity", "criterion")}
    tied, one_class, used = (np.zeros(n_boot, dtype=bool) for _ in range(3))
    tie_rng = np.random.default_rng([seed, 1]) if best_policy == "random" else None
    for b in range(n_boot):
        rows = positions[b]
        case_rows = is_case[rows]
        cases, controls = values[rows[case_rows]], values[rows[~case_rows]]
        if cases.size == 0 or controls.size == 0:
            one_class[b] = True
            continue
        replicate = _from_groups(cases, controls, direction)
        best = _best_index(replicate.sensitivities, replicate.specificities)
        out["criterion"][b] = replicate.sensitivities[best[0]] + replicate.specificities[best[0]]
        if best.size > 1:
            tied[b] = True
            if best_policy == "stop":
                raise StatisticsError(
                    f"bootstrap replicate {b + 1} has {best.size} tied optimal thresholds; "
                    "use best_policy='omit' or 'random'"
                )
            if best_policy == "omit":
                continue
            best = best[tie_rng.integers(0, best.size)]
        else:
            best = best[0]
        used[b] = True
        out["threshold"][b] = replicate.thresholds[best]
        out["sensitivity"][b] = replicate.sensitivities[best]
        out["specificity"][b] = replicate.specificities[best]
    return _Replicates(tied=tied, one_class=one_class, used=used, **out)


@dataclass(frozen=True)
class _Bootstrap:
    """An ROC curve, the rows it is built from, their resamples and each resample's optimum."""

    roc: _Roc
    values: np.ndarray
    is_case: np.ndarray
    positions: np.ndarray
    reps: _Replicates


def _bootstrap(data, outcome, predictor, event_level, control_level, direction, n_boot, seed, stratified, best_policy) -> _Bootstrap:
    """The curve of the data and the Youden optimum of each of its ``n_boot`` resamples
    (:func:`her2cohort.stats._resample.resample_positions`, :func:`_bootstrap_optima`)."""
    roc = _build(data, outcome, predictor, event_level, control_level, direction)
    values, is_case, _, _ = _analysed_rows(data, outcome, predictor, event_level, roc.control_level)
    positions = resample_positions(is_case, n_boot, seed, stratified)
    reps = _bootstrap_optima(values, is_case, roc.direction, positions, best_policy, seed)
    return _Bootstrap(roc, values, is_case, positions, reps)


def _check_bootstrap_args(best_policy, n_boot, conf_level, interval="pROC"):
    if best_policy not in ("omit", "random", "stop"):
        raise StatisticsError("best_policy must be 'omit', 'random' or 'stop'")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise StatisticsError("n_boot must be a whole number of at least 1")
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    if interval not in ("pROC", "boot_perc"):
        raise StatisticsError("interval must be 'pROC' (quantile type 7) or 'boot_perc' (boot.ci type 'perc')")


def _replicate_notes(tied: np.ndarray, one_class: np.ndarray, n_boot: int, best_policy: str) -> list[str]:
    """What happened to the replicates that were not used as drawn."""
    notes = []
    if one_class.any():
        notes.append(f"{int(one_class.sum())} of {n_boot} ordinary resamples had no case or no control (skipped)")
    if tied.any():
        action = {"omit": "omitted", "random": "resolved at random"}[best_policy]
        notes.append(f"{int(tied.sum())} of {n_boot} replicates had tied optima ({action})")
    return notes


def bootstrap_cutoff_ci(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    *,
    control_level=None,
    direction: Direction = "auto",
    n_boot: int = 2000,
    conf_level: float = 0.95,
    seed: int = 20190101,
    best_policy: Literal["omit", "random", "stop"] = "omit",
    stratified: bool = True,
    interval: Literal["pROC", "boot_perc"] = "pROC",
) -> pd.DataFrame:
    """Bootstrap percentile CI of the Youden-optimal cutoff, its sensitivity and specificity.

    Follows ``pROC::ci.coords(roc, x = "best", best.method = "youden",
    boot.stratified = stratified, best.policy = best_policy)``: each resample's
    ROC curve is rebuilt with the direction of the original curve (pROC's
    midpoint thresholds), its Youden optimum taken, and the interval is the
    percentile interval of the replicates.

    Resamples: ``n_boot`` row-position vectors from ``numpy.random.default_rng(seed)``
    (:func:`her2cohort.stats._resample.resample_positions`; stratified: cases and
    controls resampled separately, as pROC's default; ``stratified=False``:
    patients resampled, a resample without a case or a control skipped). R's RNG
    differs, so R is *given* the same positions (``tests/r/rigor_validation.R``)
    and pROC's curve, optimum and quantiles agree with this function to 1e-12.

    ``interval``: ``"pROC"`` (default) the type-7 quantiles at ``(1 -
    conf_level) / 2`` and ``1 - (1 - conf_level) / 2`` (``quantile(type = 7)``,
    what ``ci.coords`` prints); ``"boot_perc"`` ``boot::boot.ci(type = "perc")``
    (boot's ``norm.inter``; infinite thresholds dropped, as boot drops them).

    When a replicate has tied optima, ``best_policy`` decides as in pROC:
    ``"omit"`` drops the replicate, ``"random"`` picks one of them (from a
    second stream, ``default_rng([seed, 1])``, so the resamples do not depend on
    the policy), ``"stop"`` raises. pROC's default is ``"stop"``, which aborts
    on most small data sets; ours is ``"omit"`` and the number omitted is
    reported in ``note``.

    Rows: threshold, sensitivity, specificity; ``estimate`` is the value at the
    original data's optimum (NA with a note if that optimum is tied); extra
    columns boot_median, n_boot_used, direction, seed, stratified, interval.
    """
    _check_bootstrap_args(best_policy, n_boot, conf_level, interval)
    boot = _bootstrap(data, outcome, predictor, event_level, control_level, direction, n_boot, seed, stratified, best_policy)
    roc, reps = boot.roc, boot.reps
    alpha = (1 - conf_level) / 2
    original = _best_index(roc.sensitivities, roc.specificities)
    notes = [_missing_note(roc), *_replicate_notes(reps.tied, reps.one_class, int(n_boot), best_policy)]
    if original.size > 1:
        notes.append(
            f"the original data have {original.size} tied optimal thresholds: "
            "no single point estimate"
        )
    point = (roc.thresholds, roc.sensitivities, roc.specificities)
    draws = (reps.threshold, reps.sensitivity, reps.specificity)
    scheme = "stratified" if stratified else "ordinary"
    rows = []
    for j, term in enumerate(("threshold", "sensitivity", "specificity")):
        values_j = draws[j][reps.used]
        if values_j.size:
            low, median, high = quantile_type7(values_j, [alpha, 0.5, 1 - alpha])
            if interval == "boot_perc":
                low, high = boot_percentile(values_j, conf_level)
        else:
            low = median = high = math.nan
        note = list(notes)
        if term == "threshold" and not np.isfinite(values_j).all():
            note.append("some replicates chose an infinite threshold")
        rows.append(
            {
                "term": term,
                "estimate": (
                    float(point[j][original[0]]) if original.size == 1 else math.nan
                ),
                "conf_low": low,
                "conf_high": high,
                "conf_level": conf_level,
                "method": f"{scheme} bootstrap percentile CI of the Youden optimum "
                f"({n_boot} replicates, numpy seed {seed})",
                "convention": f"{_PROC} ci.coords(x='best', best.method='youden', "
                f"boot.stratified={'TRUE' if stratified else 'FALSE'}, best.policy='{best_policy}')"
                + ("; boot::boot.ci(type='perc') limits" if interval == "boot_perc" else "; quantile(type=7) limits")
                + "; resamples from numpy, the same positions given to R",
                "n": roc.cases.size + roc.controls.size,
                "note": _join(*note),
                "boot_median": median,
                "n_boot_used": int(reps.used.sum()),
                "direction": roc.direction,
                "seed": seed,
                "stratified": bool(stratified),
                "interval": interval,
            }
        )
    return result_frame(rows)
