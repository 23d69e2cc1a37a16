"""Internal validation of a data-driven ROC cutoff: Harrell's optimism-corrected AUC.

A cutoff chosen on the data (the Youden optimum of a predictor, e.g. "baseline
H-score <= 170 predicts loss of HER2 positivity") looks better on those data
than it will on new patients. Harrell's bootstrap (Harrell, Lee & Mark 1996;
``rms::validate``) estimates by how much:

    optimism  = mean over resamples b of [ A_b(resample b) - A_b(original data) ]
    corrected = apparent - optimism

where ``A_b`` is the performance of the rule *fitted on resample b*. What is
fitted here, precisely:

* **the rule**: "positive if predictor >= c" (direction "<") or "<= c" (">"),
  with c the Youden-optimal threshold of the resample (pROC's midpoint,
  :func:`her2cohort.stats.roc.youden_cutoff`). The direction is the original
  data's (pROC's ``ci.coords`` keeps it too): it is not re-chosen per resample.
* **its performance**: the AUC of the dichotomised predictor, which for a
  binary rule is ``(sensitivity + specificity) / 2`` (the Mann-Whitney AUC of a
  two-valued score; equivalently (Youden index + 1) / 2). The apparent value is
  that of the original data's optimum, ``max(se + sp) / 2``, defined even when
  the optimum is tied; ``A_b(resample b)`` likewise. ``A_b(original data)`` is
  the sensitivity and specificity of resample b's cutoff on the original data.
* **the continuous predictor's AUC** has nothing fitted (the ranks of a fixed
  score, with the direction fixed): its "optimism" is ``mean(AUC_b) - AUC``,
  the bootstrap's resampling noise around zero, reported beside it
  (``boot_mean_minus_apparent``) but never subtracted; its estimate is the
  apparent AUC.

Resamples are those of :func:`her2cohort.stats.roc.bootstrap_cutoff_ci` for the
same ``seed`` and ``stratified`` (:func:`her2cohort.stats._resample.resample_positions`),
so a cutoff's CI and its optimism come from the same replicates. A resample
whose optimum is tied has no single rule to carry to the original data: with
``best_policy="omit"`` (default) it is left out of the optimism and counted in
``note``. R (pROC on each resample, base R for the means) is given the same
positions in ``tests/r/rigor_validation.R`` and agrees to 1e-12.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from her2cohort.stats._result import result_frame
from her2cohort.stats.roc import (
    _PROC,
    Direction,
    _best_index,
    _bootstrap,
    _build,
    _check_bootstrap_args,
    _delong_placements,
    _join,
    _missing_note,
    _replicate_notes,
)

__all__ = ["bootstrap_replicates", "optimism_corrected_auc"]


def _rule_rates(cases, controls, cutoff, direction):
    """Sensitivity and specificity of pROC's rule at ``cutoff`` (``>=`` for "<", ``<=`` for ">")."""
    if direction == "<":
        return float(np.mean(cases >= cutoff)), float(np.mean(controls < cutoff))
    return float(np.mean(cases <= cutoff)), float(np.mean(controls > cutoff))


def _mann_whitney(cases, controls, direction) -> float:
    return float(_delong_placements(cases, controls, direction)[0].mean())


def bootstrap_replicates(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    *,
    control_level=None,
    direction: Direction = "auto",
    n_boot: int = 200,
    seed: int = 20190101,
    stratified: bool = True,
    best_policy: Literal["omit", "random", "stop"] = "omit",
) -> pd.DataFrame:
    """Every bootstrap replicate of :func:`optimism_corrected_auc`, one row each (an audit table).

    Columns: replicate (1-based), used, tied, one_class, threshold, sensitivity,
    specificity (the resample's optimum on the resample), auc_cutoff_boot
    (``(se + sp) / 2`` there), sensitivity_original, specificity_original and
    auc_cutoff_original (that cutoff on the original data), optimism (the
    difference), auc_continuous_boot (the continuous predictor's AUC on the
    resample, its direction the original's).
    """
    _check_bootstrap_args(best_policy, n_boot, 0.95)
    boot = _bootstrap(data, outcome, predictor, event_level, control_level, direction, n_boot, seed, stratified, best_policy)
    roc, values, is_case, positions, reps = boot.roc, boot.values, boot.is_case, boot.positions, boot.reps
    rows = []
    for b in range(positions.shape[0]):
        row = {
            "replicate": b + 1,
            "used": bool(reps.used[b]),
            "tied": bool(reps.tied[b]),
            "one_class": bool(reps.one_class[b]),
            "threshold": reps.threshold[b],
            "sensitivity": reps.sensitivity[b],
            "specificity": reps.specificity[b],
            "auc_cutoff_boot": reps.criterion[b] / 2,
            "sensitivity_original": math.nan,
            "specificity_original": math.nan,
            "auc_cutoff_original": math.nan,
            "optimism": math.nan,
            "auc_continuous_boot": math.nan,
        }
        if not reps.one_class[b]:
            sample = positions[b]
            row["auc_continuous_boot"] = _mann_whitney(values[sample[is_case[sample]]], values[sample[~is_case[sample]]], roc.direction)
        if reps.used[b]:
            se, sp = _rule_rates(roc.cases, roc.controls, reps.threshold[b], roc.direction)
            row.update(sensitivity_original=se, specificity_original=sp, auc_cutoff_original=(se + sp) / 2)
            row["optimism"] = row["auc_cutoff_boot"] - row["auc_cutoff_original"]
        rows.append(row)
    return pd.DataFrame(rows)


def optimism_corrected_auc(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    event_level,
    *,
    control_level=None,
    direction: Direction = "auto",
    n_boot: int = 2000,
    seed: int = 20190101,
    stratified: bool = True,
    best_policy: Literal["omit", "random", "stop"] = "omit",
) -> pd.DataFrame:
    """Harrell's optimism-corrected AUC of the Youden cutoff (module docstring for what is fitted).

    Rows (``term``):

    * ``auc_cutoff_apparent``: ``max(se + sp) / 2`` on the data, the AUC of the
      predictor dichotomised at its Youden optimum (``pROC::auc`` of
      ``predictor >= cutoff``).
    * ``optimism``: mean over the used resamples of ``(se_b + sp_b) / 2`` on the
      resample minus the same rule's ``(se + sp) / 2`` on the original data;
      ``std_error`` its Monte Carlo standard error (SD / sqrt(used)).
    * ``auc_cutoff_corrected``: apparent minus optimism.
    * ``auc_continuous``: the continuous predictor's AUC (``pROC::auc``), not
      corrected: nothing is fitted (``boot_mean_minus_apparent`` shows the
      bootstrap's noise, ``mean(AUC_b) - AUC``).

    Extra columns: cutoff (the original optimum, NA if tied), direction,
    n_boot_used, boot_mean_apparent, boot_mean_original, seed, stratified.
    R: pROC ``roc``/``coords(x = "best", best.method = "youden")``/``auc`` on
    each resample given by the same positions, ``mean`` for the optimism
    (``tests/r/rigor_validation.R``).
    """
    reps = bootstrap_replicates(
        data, outcome, predictor, event_level, control_level=control_level, direction=direction,
        n_boot=n_boot, seed=seed, stratified=stratified, best_policy=best_policy,
    )
    roc = _build(data, outcome, predictor, event_level, control_level, direction)
    best = _best_index(roc.sensitivities, roc.specificities)
    apparent = float(roc.sensitivities[best[0]] + roc.specificities[best[0]]) / 2
    cutoff = float(roc.thresholds[best[0]]) if best.size == 1 else math.nan
    used = reps[reps["used"]]
    notes = [_missing_note(roc)]
    notes += _replicate_notes(reps["tied"].to_numpy(), reps["one_class"].to_numpy(), int(n_boot), best_policy)
    if best.size > 1:
        notes.append(f"the original data have {best.size} tied optimal thresholds (the same se + sp): the apparent AUC is theirs, no single cutoff")
    if len(used):
        optimism = float(used["optimism"].mean())
        mc_se = float(used["optimism"].std(ddof=1) / math.sqrt(len(used))) if len(used) > 1 else math.nan
        mean_boot, mean_original = float(used["auc_cutoff_boot"].mean()), float(used["auc_cutoff_original"].mean())
    else:
        optimism = mc_se = mean_boot = mean_original = math.nan
        notes.append("no replicate had a single optimum: no optimism estimate")
    continuous = _mann_whitney(roc.cases, roc.controls, roc.direction)
    boot_continuous = reps["auc_continuous_boot"].dropna()
    scheme = "stratified" if stratified else "ordinary"
    method = f"Harrell's bootstrap optimism correction ({scheme}, {n_boot} resamples, numpy seed {seed})"
    convention = (
        f"{_PROC} roc(direction fixed), coords(x='best', best.method='youden') on each resample; "
        "A = (se + sp) / 2 of the dichotomised predictor (pROC auc of predictor >= cutoff); "
        "optimism = mean(A_boot - A_original); the same positions given to R"
    )
    common = {
        "n": roc.cases.size + roc.controls.size,
        "cutoff": cutoff,
        "direction": roc.direction,
        "n_boot_used": len(used),
        "boot_mean_apparent": mean_boot,
        "boot_mean_original": mean_original,
        "seed": seed,
        "stratified": bool(stratified),
        "method": method,
        "convention": convention,
        "note": _join(*notes),
    }
    rows = [
        {"term": "auc_cutoff_apparent", "estimate": apparent, **common},
        {"term": "optimism", "estimate": optimism, "std_error": mc_se, **common},
        {"term": "auc_cutoff_corrected", "estimate": apparent - optimism, **common},
        {
            "term": "auc_continuous",
            "estimate": continuous,
            **common,
            "method": "empirical ROC AUC (Mann-Whitney) of the continuous predictor: nothing fitted, not corrected",
            "convention": f"{_PROC} auc(); boot_mean_minus_apparent = mean(AUC_b) - AUC over all resamples with both classes",
            "boot_mean_minus_apparent": float(boot_continuous.mean()) - continuous if len(boot_continuous) else math.nan,
        },
    ]
    return result_frame(rows)

