"""Informative censoring: follow-up ended by an event that says something about prognosis.

**Detected** when a Cox model or log-rank test uses an endpoint declared with
``censor_at`` dates (e.g. PFS censored at conversion surgery) and some
analysed patients are censored at such a date (their time equals the
``{date}_months`` column of the analysis set on the origin's scale).
Censoring assumes those patients would have fared like the patients still
followed; a patient who becomes resectable is not such a patient.

**Rigorous analysis**: the sensitivity analysis that counts those censorings
as events (the worst case for the censored patients), the same test re-run
(:func:`her2cohort.stats.cox.cox_model` or
:func:`her2cohort.stats.logrank.logrank_test` with the study's parameters).
Verdict: :func:`her2cohort.rigor.verdict.compare_tests`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from her2cohort.analyses import CATALOGUE
from her2cohort.rigor._context import SURVIVAL_TESTS, Context, number, paper_test, tested_rows
from her2cohort.rigor._rows import attempt, rigor_row
from her2cohort.rigor.verdict import compare_tests
from her2cohort.stats._result import StatisticsError

CHECK = "informative_censoring"
WEAKNESS = "censoring at an informative event"


def check(context: Context) -> list[dict]:
    rows = []
    for analysis in context.analyses(*SURVIVAL_TESTS):
        params = analysis.get("params", {})
        endpoint = context.endpoint_of(params.get("time", ""))
        if endpoint is None or not endpoint[1].get("censor_at"):
            continue
        name, spec = endpoint
        frame = context.frame(analysis)
        origin = context.origin_months(spec, frame)
        if origin is None:
            continue
        time = pd.to_numeric(frame[params["time"]], errors="coerce")
        censored = frame[params["event"]].astype(float) == 0
        hit = pd.Series(False, index=frame.index)
        reasons = []
        for date in spec["censor_at"]:
            column = date.replace("_date", "_months")
            if column not in frame.columns:
                continue
            at = pd.to_numeric(frame[column], errors="coerce") - origin
            # the endpoint's time is (date - origin) in months: the same subtraction, so equal numbers
            this = censored & np.isclose(time, at, rtol=0, atol=1e-9) & at.notna()
            if this.any():
                reasons.append(f"{int(this.sum())} at {date.removesuffix('_date').replace('_', ' ')}")
            hit |= this
        if hit.any():
            rows += attempt(CHECK, WEAKNESS, analysis["id"], _analyse, context, analysis, name, frame, hit, reasons)
    return rows


def _analyse(context, analysis, endpoint, frame, hit, reasons) -> dict:
    params = analysis["params"]
    settings = context.settings
    changed = frame.copy()
    changed[params["event"]] = np.where(hit, 1, changed[params["event"]].astype(float)).astype(int)
    result = CATALOGUE[analysis["type"]](changed, **params)
    rows = tested_rows(result)
    rigorous = rows.iloc[0] if len(rows) else result.iloc[0]
    paper = paper_test(context.results, analysis)
    if paper is None:
        raise StatisticsError(f"the analysis {analysis['id']} has no test on these data")
    paper_estimate = number(paper.get("estimate")) if paper is not None else math.nan
    estimate = number(rigorous.get("estimate"))
    verdict, rule = compare_tests(number(paper["p_value"]), number(rigorous["p_value"]), paper_estimate, estimate, alpha=settings.alpha)
    return rigor_row(
        CHECK, WEAKNESS, analysis["id"],
        term=str(paper["term"]),
        detected=f"{endpoint} is censored at {', '.join(reasons)} of {len(frame)} analysed patients",
        paper_method=str(paper["method"]),
        paper_estimate_kind="hazard ratio" if not math.isnan(paper_estimate) else "",
        paper_estimate=paper_estimate,
        paper_conf_low=number(paper.get("conf_low")), paper_conf_high=number(paper.get("conf_high")),
        paper_p=number(paper["p_value"]),
        rigorous_analysis="sensitivity: those censorings as events",
        rigorous_method=f"{rigorous['method']}, the {int(hit.sum())} censorings counted as events",
        rigorous_estimate_kind="hazard ratio" if not math.isnan(estimate) else "",
        rigorous_estimate=estimate, rigorous_conf_low=number(rigorous.get("conf_low")), rigorous_conf_high=number(rigorous.get("conf_high")),
        rigorous_p=number(rigorous["p_value"]),
        n=len(frame), verdict=verdict, rule=rule,
    )
