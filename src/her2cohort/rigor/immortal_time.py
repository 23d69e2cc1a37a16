"""Immortal time: a covariate known only after the endpoint's time origin, used as if known at it.

**Detected** when a Cox model or log-rank test of a survival endpoint compares
patients by a column derived (directly, through a change between two time
points, or through a derived column's expression) from specimens of a time
point collected more than ``specimen_delay_months`` after the endpoint's
origin for at least one analysed patient (``{timepoint}_collection_months``
against the origin on the index-date scale; an origin the data cannot place
is skipped). Example: HER2 change known only at the post-progression
re-biopsy, tested for first-line PFS and OS from treatment start.

**Rigorous analysis**: the covariate as time-dependent (0 until the specimen
is collected, then 1 for patients not in the reference level), in a Cox model
on (start, stop] rows (:func:`her2cohort.stats.cox.time_dependent_cox`, R
``coxph(Surv(tstart, tstop, event) ~ tdc)`` after ``tmerge``, with the
analysis's ties), and a landmark analysis at L
(:func:`her2cohort.stats.landmark.landmark_analysis`, log-rank of survival
from L by the status known at L), L the configured ``landmark_months`` or, by
default, the median time from the origin at which the covariate becomes known
among the patients who change. A covariate known only at or after each
changed patient's event or censoring cannot change during anyone's follow-up:
no analysis free of immortal time can estimate its effect (verdict "does not
hold").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from her2cohort.numbers import number as fmt
from her2cohort.numbers import p_value
from her2cohort.rigor._context import SURVIVAL_TESTS, Context, covariates_of, number, paper_test
from her2cohort.rigor._rows import attempt, rigor_row
from her2cohort.rigor.verdict import compare_tests
from her2cohort.stats._result import StatisticsError
from her2cohort.stats.cox import time_dependent_cox
from her2cohort.stats.landmark import landmark_analysis

CHECK = "immortal_time"
WEAKNESS = "covariate known only after the time origin (immortal time)"
_CHANGE = "_rigor_change_months"


def _reference(analysis: dict, column: str, values: pd.Series):
    """The level that does not change: the analysis's reference level, else its first
    group level, else the most frequent value."""
    params = analysis.get("params", {})
    if column in (params.get("reference_levels") or {}):
        return params["reference_levels"][column]
    if params.get("group_levels"):
        return params["group_levels"][0]
    return values.dropna().value_counts().index[0]


def check(context: Context) -> list[dict]:
    rows = []
    delay = context.settings.specimen_delay_months
    for analysis in context.analyses(*SURVIVAL_TESTS):
        params = analysis.get("params", {})
        endpoint = context.endpoint_of(params.get("time", ""))
        if endpoint is None:
            continue
        name, spec = endpoint
        for column in covariates_of(analysis):
            timepoints = sorted(context.sources(column, analysis))
            if not timepoints:
                continue
            frame = context.frame(analysis)
            origin = context.origin_months(spec, frame)
            if origin is None:
                continue
            # the covariate is known when the latest of its specimens is collected
            known = pd.concat([pd.to_numeric(frame[f"{t}_collection_months"], errors="coerce") for t in timepoints], axis=1).max(axis=1) - origin
            late = known > delay
            if not late.any():
                continue
            rows += attempt(CHECK, WEAKNESS, analysis["id"], _analyse, context, analysis, column, timepoints, name, frame, known, late)
    return rows


def _analyse(context, analysis, column, timepoints, endpoint, frame, known, late) -> dict:
    params = analysis["params"]
    settings = context.settings
    time, event = params["time"], params["event"]
    reference = _reference(analysis, column, frame[column])
    changed = frame[column].notna() & (frame[column].astype(str) != str(reference))
    work = frame.loc[frame[column].notna()].copy()
    work[_CHANGE] = known.where(changed).loc[work.index]
    times = pd.to_numeric(work[time], errors="coerce")
    n_changed = int(changed.loc[work.index].sum())
    # changed patients whose covariate is known before their event or censoring
    before_end = int((work[_CHANGE] < times).sum())
    median_known = float(np.median(work[_CHANGE].dropna())) if n_changed else math.nan
    detected = (
        f"{column} is derived from the {' and '.join(timepoints)} specimen(s), known when the last is collected: a median "
        f"{_months(known.median())} months (up to {_months(known.max())}) after the origin of {endpoint}, "
        f"{int(late.sum())} of {len(frame)} patients more than {_months(settings.specimen_delay_months)} months after it; "
        f"{n_changed} patients not '{reference}', {before_end} of them known before their event or censoring"
    )
    paper = paper_test(context.results, analysis)
    common = dict(
        analysis=analysis["id"],
        term=str(paper["term"]) if paper is not None else column,
        detected=detected,
        paper_method=str(paper["method"]) if paper is not None else "",
        paper_estimate=number(paper.get("estimate")) if paper is not None else math.nan,
        paper_conf_low=number(paper.get("conf_low")) if paper is not None else math.nan,
        paper_conf_high=number(paper.get("conf_high")) if paper is not None else math.nan,
        paper_p=number(paper["p_value"]) if paper is not None else math.nan,
        paper_estimate_kind="hazard ratio" if paper is not None and number(paper.get("estimate")) == number(paper.get("estimate")) else "",
        n=len(work),
    )
    if before_end == 0:
        verdict, rule = compare_tests(common["paper_p"], None, not_estimable=True, alpha=settings.alpha)
        return rigor_row(
            CHECK, WEAKNESS, **common,
            rigorous_analysis="time-dependent Cox",
            rigorous_method=f"{column} as a time-dependent covariate: never changes during follow-up",
            verdict=verdict, rule=rule,
            note=f"{column} is known only at or after the end of follow-up of every patient who changes: it cannot predict {endpoint}",
        )
    ties = params.get("ties", "efron")
    fit = time_dependent_cox(work, time, event, _CHANGE, ties=ties, concordance=False)
    term = fit[fit["row_kind"] == "coefficient"].iloc[0]
    landmark = settings.landmark_months if settings.landmark_months is not None else median_known
    notes = []
    try:
        lm = landmark_analysis(work, time, event, _CHANGE, float(landmark), ties=ties)
        lm_test = lm[lm["part"] == "logrank"]
        lm_p = number(lm_test["p_value"].iloc[0]) if len(lm_test) else math.nan
        at_risk = lm[lm["part"] == "at_risk"]
        notes.append(
            f"landmark at {_months(landmark)} months ({'configured' if settings.landmark_months is not None else 'median time the covariate becomes known'}): "
            f"{int(at_risk['n'].sum())} at risk, {int(at_risk.loc[at_risk['group'] == 1, 'n'].sum())} changed by then; log-rank p "
            + p_value(lm_p)
        )
    except StatisticsError as err:
        notes.append(f"landmark at {_months(landmark)} months: {err}")
    p, estimate = number(term["p_value"]), number(term["estimate"])
    if math.isnan(p) or math.isnan(common["paper_p"]):
        verdict, rule = compare_tests(common["paper_p"], None, not_estimable=True, alpha=settings.alpha)
        notes.append(str(term.get("note", "")))
    else:
        verdict, rule = compare_tests(common["paper_p"], p, common["paper_estimate"], estimate, alpha=settings.alpha)
    return rigor_row(
        CHECK, WEAKNESS, **common,
        rigorous_analysis="time-dependent Cox and landmark",
        rigorous_method=f"Cox with {column} (not '{reference}') time-dependent from its specimen's collection ({ties} ties); Wald p",
        rigorous_estimate_kind="hazard ratio", rigorous_estimate=estimate, rigorous_conf_low=number(term["conf_low"]), rigorous_conf_high=number(term["conf_high"]), rigorous_p=p,
        verdict=verdict, rule=rule, note="; ".join(n for n in notes if n),
    )


def _months(value) -> str:
    return fmt(value, 1)
