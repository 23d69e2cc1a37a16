"""Data-driven cutoffs: a cutoff chosen by ROC on the data, then tested on the same data.

**Detected** when a study declares a ``roc_cutoff`` analysis (outcome O,
predictor X) and another analysis tests a column that dichotomises X (a
derived column whose expression reads X alone, e.g. ``baseline_h_score <=
170``) against O: as a logistic covariate with outcome O, a table's variable
grouped by O, or an association with O. The cutoff was picked where the two
groups of O differ most, so a test of the split on the same patients is
biased towards significance and its AUC is optimistic.

**Rigorous analysis** (on the roc_cutoff's patients, its direction and
event level): the bootstrap percentile CI of the Youden cutoff
(:func:`her2cohort.stats.roc.bootstrap_cutoff_ci`, pROC ``ci.coords``) and
Harrell's optimism-corrected AUC of the cut predictor
(:func:`her2cohort.stats.validation_bootstrap.optimism_corrected_auc`), both
from the same resamples (``n_boot``, ``seed``). Verdict:
:func:`her2cohort.rigor.verdict.cutoff_verdict`.
"""

from __future__ import annotations

import math

from her2cohort.expressions import parse
from her2cohort.rigor._context import Context, number, paper_test
from her2cohort.rigor._rows import attempt, rigor_row
from her2cohort.rigor.verdict import cutoff_verdict
from her2cohort.stats.roc import bootstrap_cutoff_ci
from her2cohort.stats.validation_bootstrap import optimism_corrected_auc

CHECK = "data_driven_cutoff"
WEAKNESS = "cutoff chosen on the data and tested on the same data"


def _tested_against(analysis: dict, column: str, outcome: str) -> bool:
    """Does ``analysis`` test ``column`` against ``outcome``?"""
    params = analysis.get("params", {})
    kind = analysis["type"]
    if kind in ("logistic", "firth_logistic"):
        covariates = params.get("covariates", [])
        covariates = [covariates] if isinstance(covariates, str) else covariates
        return params.get("outcome") == outcome and column in covariates
    if kind == "baseline_table":
        names = [v if isinstance(v, str) else v.get("name") for v in params.get("variables", [])]
        return params.get("group") == outcome and column in names
    if kind == "association":
        return {params.get("row"), params.get("column")} == {column, outcome}
    return False


def check(context: Context) -> list[dict]:
    rows = []
    for roc in context.analyses("roc_cutoff"):
        params = roc["params"]
        outcome, predictor = params["outcome"], params["predictor"]
        users = []
        for analysis in context.analyses():
            if analysis["id"] == roc["id"]:
                continue
            for column, text in context.derived(analysis).items():
                if parse(text).columns == {predictor} and _tested_against(analysis, column, outcome):
                    users.append((analysis, column, text))
        if users:
            rows += attempt(CHECK, WEAKNESS, roc["id"], _analyse, context, roc, users)
    return rows


def _analyse(context, roc, users) -> list[dict]:
    settings = context.settings
    params = roc["params"]
    frame = context.frame(roc)
    keys = dict(outcome=params["outcome"], predictor=params["predictor"], event_level=params["event_level"],
                direction=params.get("direction", "auto"), n_boot=settings.n_boot, seed=settings.seed)
    ci = bootstrap_cutoff_ci(frame, **keys)
    optimism = optimism_corrected_auc(frame, **keys)
    value = {row.term: row for row in optimism.itertuples()}
    apparent, corrected = value["auc_cutoff_apparent"].estimate, value["auc_cutoff_corrected"].estimate
    shift = value["optimism"].estimate
    cutoff = ci[ci["term"] == "threshold"].iloc[0]
    verdict, rule = cutoff_verdict(shift, corrected, negligible=settings.optimism_negligible)
    out = []
    for analysis, column, text in users:
        paper = paper_test(context.results, analysis, column)
        out.append(rigor_row(
            CHECK, WEAKNESS, analysis["id"],
            term=column,
            detected=f"{column} = {text} dichotomises {params['predictor']}, whose cutoff is chosen by the ROC analysis {roc['id']} "
                     f"for {params['outcome']}, and is tested against {params['outcome']} on the same patients",
            paper_method=str(paper["method"]) if paper is not None else "",
            paper_estimate_kind=_kind(analysis, paper),
            paper_estimate=number(paper.get("estimate")) if paper is not None else math.nan,
            paper_conf_low=number(paper.get("conf_low")) if paper is not None else math.nan,
            paper_conf_high=number(paper.get("conf_high")) if paper is not None else math.nan,
            paper_p=number(paper["p_value"]) if paper is not None else math.nan,
            rigorous_analysis="bootstrap-validated cutoff",
            rigorous_method=f"Harrell's optimism-corrected AUC of the Youden-cut {params['predictor']}; bootstrap percentile CI of the cutoff ({settings.n_boot} stratified resamples, seed {settings.seed})",
            rigorous_estimate_kind="optimism-corrected AUC of the cut predictor (95% CI: of the cutoff)",
            rigorous_estimate=float(corrected),
            rigorous_conf_low=number(cutoff.get("conf_low")),
            rigorous_conf_high=number(cutoff.get("conf_high")),
            n=int(value["auc_cutoff_apparent"].n),
            verdict=verdict, rule=rule,
            note=f"apparent AUC of the cut predictor {_short(apparent)}, optimism {_short(shift)}, corrected {_short(corrected)}; "
                 f"Youden cutoff on these data {_short(number(cutoff.get('estimate')))}"
                 + (f" ({value['auc_cutoff_apparent'].note})" if isinstance(value["auc_cutoff_apparent"].note, str) and value["auc_cutoff_apparent"].note else ""),
        ))
    return out


def _short(value) -> str:
    from her2cohort.numbers import short

    return short(value, 3)


def _kind(analysis, paper) -> str:
    """What the paper's estimate is (an odds ratio of a logistic model or of Fisher's test), or nothing."""
    if paper is None or math.isnan(number(paper.get("estimate"))):
        return ""
    return "odds ratio"
