"""Competing risks: a cause-specific endpoint that censors deaths from other causes.

**Detected** when a Cox model or log-rank test uses an endpoint declared with
a ``death_cause`` (e.g. breast cancer-specific survival) and the analysed
patients include deaths from another cause (the ``death_cause`` column;
such a patient is censored at death by the endpoint). Kaplan-Meier on such
an endpoint estimates survival in a world without the other causes; the
cumulative incidence of the cause is what a reader wants.

**Rigorous analysis**: Gray's test of equal cumulative incidence of the
cause across the groups (:func:`her2cohort.stats.competing_risks.gray_test`,
``cmprsk::cuminc``) and, for a single two-level covariate, the Fine-Gray
subdistribution hazard ratio (:func:`~her2cohort.stats.competing_risks.fine_gray`,
``cmprsk::crr``; its convergence is in the note). Status: 1 the cause, 2
death from another cause, 0 censored. Verdict:
:func:`her2cohort.rigor.verdict.compare_tests` on Gray's p (and the
Fine-Gray HR where there is one).
"""

from __future__ import annotations

import math

from her2cohort.rigor._context import SURVIVAL_TESTS, Context, covariates_of, number, paper_test
from her2cohort.rigor._rows import attempt, rigor_row
from her2cohort.rigor.verdict import compare_tests
from her2cohort.stats._result import StatisticsError
from her2cohort.stats.competing_risks import fine_gray, gray_test

CHECK = "competing_risks"
WEAKNESS = "deaths from other causes censored (competing risks)"
_STATUS = "_rigor_status"


def check(context: Context) -> list[dict]:
    rows = []
    if "death_cause" not in context.data.columns:
        return rows
    for analysis in context.analyses(*SURVIVAL_TESTS):
        params = analysis.get("params", {})
        endpoint = context.endpoint_of(params.get("time", ""))
        if endpoint is None or not endpoint[1].get("death_cause"):
            continue
        name, spec = endpoint
        covariates = covariates_of(analysis)
        if len(covariates) != 1:
            continue
        frame = context.frame(analysis)
        frame = frame[frame[covariates[0]].notna() & frame[params["time"]].notna() & frame[params["event"]].notna()].copy()
        event = frame[params["event"]].astype(float) == 1
        other = ~event & frame["death_cause"].notna() & (frame["death_cause"].astype(str) != str(spec["death_cause"]))
        if not other.any():
            continue
        frame[_STATUS] = 0
        frame.loc[event, _STATUS] = 1
        frame.loc[other, _STATUS] = 2
        rows += attempt(CHECK, WEAKNESS, analysis["id"], _analyse, context, analysis, covariates[0], name, spec, frame, int(event.sum()), int(other.sum()))
    return rows


def _analyse(context, analysis, covariate, endpoint, spec, frame, n_cause, n_other) -> dict:
    params = analysis["params"]
    time = params["time"]
    settings = context.settings
    gray = gray_test(frame, time, _STATUS, covariate)
    gray_row = gray[gray["cause"].astype(str) == "1"].iloc[0] if "cause" in gray.columns else gray.iloc[0]
    p = number(gray_row["p_value"])
    estimate = low = high = math.nan
    notes = []
    if frame[covariate].nunique() == 2:
        reference = (params.get("reference_levels") or {}).get(covariate)
        try:
            fg = fine_gray(frame, time, _STATUS, [covariate], reference_levels={covariate: reference} if reference is not None else None)
            coef = fg[fg["row_kind"] == "coefficient"].iloc[0] if "row_kind" in fg.columns else fg.iloc[0]
            estimate, low, high = number(coef["estimate"]), number(coef["conf_low"]), number(coef["conf_high"])
            notes.append(f"Fine-Gray {coef['term']}" + (f"; {coef['note']}" if isinstance(coef.get("note"), str) and coef["note"] else ""))
        except StatisticsError as err:
            notes.append(f"Fine-Gray not fitted: {err}")
    paper = paper_test(context.results, analysis)
    paper_estimate = number(paper.get("estimate")) if paper is not None else math.nan
    verdict, rule = compare_tests(number(paper["p_value"]) if paper is not None else math.nan, p, paper_estimate, estimate, alpha=settings.alpha)
    return rigor_row(
        CHECK, WEAKNESS, analysis["id"],
        term=str(paper["term"]) if paper is not None else covariate,
        detected=f"{endpoint} counts deaths from {spec['death_cause']} only; {n_other} of {len(frame)} analysed patients died of another cause and are censored at death ({n_cause} events)",
        paper_method=str(paper["method"]) if paper is not None else "",
        paper_estimate_kind="hazard ratio" if not math.isnan(paper_estimate) else "",
        paper_estimate=paper_estimate,
        paper_conf_low=number(paper.get("conf_low")) if paper is not None else math.nan,
        paper_conf_high=number(paper.get("conf_high")) if paper is not None else math.nan,
        paper_p=number(paper["p_value"]) if paper is not None else math.nan,
        rigorous_analysis="cumulative incidence: Gray's test, Fine-Gray",
        rigorous_method="Gray's test of the cumulative incidence of the cause (cmprsk::cuminc)" + ("; Fine-Gray subdistribution HR (cmprsk::crr)" if not math.isnan(estimate) else ""),
        rigorous_estimate_kind="subdistribution hazard ratio" if not math.isnan(estimate) else "",
        rigorous_estimate=estimate, rigorous_conf_low=low, rigorous_conf_high=high, rigorous_p=p,
        n=len(frame), verdict=verdict, rule=rule, note="; ".join(notes),
    )
