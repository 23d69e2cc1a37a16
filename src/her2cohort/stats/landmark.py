"""Landmark analysis: survival from a fixed time by a covariate's value at that time.

A covariate that changes during follow-up (HER2 lost at a later biopsy, a
response) cannot be compared as if it were known at the start: patients who
change must first survive until they change, and counting that time in their
favour is immortal-time bias. The landmark method (Anderson, Cain & Gelber,
J Clin Oncol 1983) fixes a time L in advance, keeps the patients still at risk
at L, classifies them by the covariate's value at L and restarts the clock
there. :func:`landmark_analysis` does exactly what one does by hand in R::

    lm <- subset(data, time > L)                     # still at risk at L
    lm$changed_by_landmark <- as.integer(!is.na(lm$change_time) & lm$change_time <= L)
    lm$residual <- lm$time - L                       # the clock restarts at L
    survfit(Surv(residual, event) ~ changed_by_landmark, data = lm)
    survdiff(Surv(residual, event) ~ changed_by_landmark, data = lm)
    coxph(Surv(residual, event) ~ changed_by_landmark + covariates, data = lm)

(checked against exactly that in ``tests/r/rigor_survival.R``). The
time-dependent Cox model (:func:`her2cohort.stats.cox.time_dependent_cox`) is
the other answer to the same bias; the landmark answers a narrower question
(survival from L by the status at L) without modelling the change itself.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from her2cohort.stats._result import StatisticsError, result_frame
from her2cohort.stats.cox import cox_model, event_indicator
from her2cohort.stats.kaplan_meier import MEDIAN_CONVENTIONS, kaplan_meier, median_survival, survival_at
from her2cohort.stats.logrank import logrank_test

#: The landmark group column: 1 = changed at or before the landmark, 0 = not (yet).
GROUP = "changed_by_landmark"
_RESIDUAL = "_time_from_landmark"


def landmark_analysis(
    data: pd.DataFrame,
    time: str,
    event: str,
    change_time: str,
    landmark: float,
    covariates: str | Sequence[str] | None = None,
    times: Sequence[float] | None = None,
    ties: str = "efron",
    convention: str = "r_log",
    conf_level: float = 0.95,
    include_at_landmark: bool = False,
) -> pd.DataFrame:
    """Kaplan-Meier, log-rank and Cox from a landmark time, by the covariate's value there.

    Conventions
    -----------
    * **At risk at L**: ``time > landmark`` (alive and under observation just
      after L; R ``subset(data, time > L)``). A patient whose event or censoring
      falls exactly at L has no follow-up after L and is left out.
      ``include_at_landmark=True`` keeps ``time >= L`` instead, the rule of R
      ``survfit(start.time = L)`` (such patients enter with residual time 0).
    * **Value at L**: ``changed_by_landmark`` = 1 when ``change_time <= L``
      (the change is known at L), else 0, including a missing ``change_time``
      (no change) and a change after L (which the landmark deliberately ignores:
      the patient is analysed as unchanged). This is the value just after L of
      the covariate :func:`~her2cohort.stats.cox.counting_process_rows` builds.
    * **Clock**: residual time ``time - L``; every statistic is computed on it,
      with the conventions of :func:`~her2cohort.stats.kaplan_meier.median_survival`
      (``convention``, ``conf_level``), :func:`~her2cohort.stats.kaplan_meier.survival_at`
      (``times``, residual times after L), :func:`~her2cohort.stats.logrank.logrank_test`
      and :func:`~her2cohort.stats.cox.cox_model` (``ties``; ``changed_by_landmark``
      plus ``covariates``).

    Returns one :func:`result_frame`, column ``part`` saying which analysis a row
    comes from: ``"at_risk"`` (per group, ``n`` at risk at L and ``n_events``
    after it; ``n_excluded`` patients no longer at risk), ``"median"``,
    ``"survival"`` (``time`` = residual time, ``time_from_origin`` = L + time),
    ``"logrank"`` and ``"cox"`` (that function's rows). Every row carries
    ``landmark``. Rows with a missing time or event are dropped (noted).

    Degenerate input: nobody at risk at L gives the ``at_risk`` rows alone, NA
    with a note; a group empty at L is an ``at_risk`` row with n = 0 and a
    note, and then the log-rank test and the HR are NA with their notes (one
    group; a constant covariate).
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    if isinstance(landmark, bool) or not isinstance(landmark, (int, float)) or not math.isfinite(landmark):
        raise StatisticsError(f"landmark must be a finite number (a time on the scale of {time!r}), not {landmark!r}")
    if convention not in MEDIAN_CONVENTIONS:
        raise StatisticsError(f"convention must be one of {list(MEDIAN_CONVENTIONS)}, not {convention!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    missing = [c for c in dict.fromkeys([time, event, change_time, *covariates]) if c not in data.columns]
    if missing:
        raise StatisticsError(f"columns not in data: {missing}")
    clash = [c for c in (GROUP, _RESIDUAL) if c in data.columns or c in covariates]
    if clash:
        raise StatisticsError(f"data already has column(s) {clash}, which the landmark analysis creates")

    frame = data.loc[data[[time, event]].notna().all(axis=1).to_numpy()].copy()
    n_dropped = len(data) - len(frame)
    times_ = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(times_)):
        raise StatisticsError(f"{time!r} must be finite numbers")
    frame[event] = event_indicator(frame[event], event).astype(np.int64)
    change = pd.to_numeric(frame[change_time], errors="coerce").to_numpy(dtype=float)
    if np.any(frame[change_time].notna().to_numpy() & ~np.isfinite(change)):
        raise StatisticsError(f"{change_time!r} must be numbers (missing = no change)")
    at_risk = times_ >= landmark if include_at_landmark else times_ > landmark
    with np.errstate(invalid="ignore"):
        changed = (change <= landmark).astype(np.int64)  # NaN (no change) compares False
    frame[GROUP] = changed
    frame[_RESIDUAL] = times_ - landmark
    kept = frame.loc[at_risk]
    rule = f"{time} >= {landmark:g}" if include_at_landmark else f"{time} > {landmark:g}"
    convention_text = (
        f"R by hand: subset(data, {rule}); {GROUP} = {change_time} <= {landmark:g} (missing: 0); "
        f"Surv({time} - {landmark:g}, {event}) in survfit / survdiff / coxph"
    )
    notes = [f"{n_dropped} row(s) with missing time or event dropped"] if n_dropped else []

    rows = []
    for level in (0, 1):
        in_group = kept[GROUP] == level
        note = list(notes)
        if not in_group.any():
            note.insert(0, "no patient at risk at the landmark in this group" if len(kept) else
                        f"no patient is still at risk at the landmark ({rule}): nothing to analyse")
        rows.append(
            {
                "term": "at_risk_at_landmark",
                "group": level,
                "method": "patients at risk at the landmark, by the covariate's value there",
                "n": int(in_group.sum()),
                "n_events": int(kept.loc[in_group, event].sum()),
                "n_excluded": int((~at_risk).sum()),
                "note": "; ".join(note),
                "part": "at_risk",
                "convention": convention_text,
            }
        )
    parts = [result_frame(rows)]
    if len(kept):
        parts.append(median_survival(kept, _RESIDUAL, event, GROUP, convention, conf_level).assign(part="median"))
        if times:
            conf_type = MEDIAN_CONVENTIONS[convention] or "log"
            parts.append(_survival_rows(kept, event, times, landmark, conf_type, conf_level))
        parts.append(logrank_test(kept, _RESIDUAL, event, GROUP).assign(part="logrank"))
        cox = cox_model(kept, _RESIDUAL, event, [GROUP, *covariates], ties=ties, conf_level=conf_level)
        parts.append(cox.assign(part="cox"))
        for part in parts[1:]:
            part["convention"] = convention_text + "; " + part["convention"].astype(str)
    out = pd.concat(parts, ignore_index=True)
    out["landmark"] = float(landmark)
    out["note"] = out["note"].fillna("")
    return out


def _survival_rows(kept, event, times, landmark, conf_type, conf_level) -> pd.DataFrame:
    """Kaplan-Meier survival at residual times (summary(survfit, times)), one row per group and time."""
    fit = kaplan_meier(kept, _RESIDUAL, event, GROUP, conf_type=conf_type, conf_level=conf_level)
    method = "Kaplan-Meier survival at a time after the landmark"
    try:
        at = survival_at(fit, times)
    except StatisticsError as err:
        return result_frame([{"term": "survival", "method": method, "note": str(err), "part": "survival"}])
    return result_frame(
        {
            "term": "survival",
            "group": row.group,
            "estimate": row.survival,
            "std_error": row.std_error,
            "conf_low": row.conf_low,
            "conf_high": row.conf_high,
            "conf_level": conf_level,
            "method": method,
            "convention": f"R summary(survfit(conf.type = '{conf_type}'), times)",
            "n": row.n_risk,
            "time": row.time,
            "time_from_origin": row.time + landmark,
            "part": "survival",
        }
        for row in at.itertuples()
    )
