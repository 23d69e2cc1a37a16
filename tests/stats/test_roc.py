"""her2cohort.stats.roc against pROC 1.18.0 (fixtures from tests/r/roc.R).

Every curve point, AUC, DeLong variance/CI and Youden optimum is compared with
pROC at rel=1e-6 (pROC's computations are exact: counts and sorting). The
bootstrap CI of the cutoff is tested here for determinism and coverage; R's and
numpy's random number generators differ, so tests/stats/test_validation_bootstrap.py
compares it with pROC given numpy's resamples (tests/r/rigor_validation.R).

tests/data/roc_gastric_*.csv are synthetic: values constructed so that the
published counts (Table 2), medians, AUC and ROC cutoffs of the gastric HER2-loss
paper (seed 000) are reproduced; they are not patient data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.roc import (
    bootstrap_cutoff_ci,
    roc_auc,
    roc_curve,
    sensitivity_specificity,
    youden_cutoff,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "roc"
REL = 1e-6

ASAH = pd.read_csv(DATA / "asah.csv")
TIES = pd.read_csv(DATA / "roc_ties.csv")
HSCORE = pd.read_csv(DATA / "roc_gastric_hscore.csv")
ISH = pd.read_csv(DATA / "roc_gastric_ish.csv")

# id -> (data, outcome, predictor, event level, direction), as in tests/r/roc.R
CASES = {
    "asah_s100b": (ASAH, "outcome", "s100b", "Poor", "auto"),
    "asah_ndka": (ASAH, "outcome", "ndka", "Poor", "auto"),
    "asah_age": (ASAH, "outcome", "age", "Poor", "auto"),
    "asah_s100b_event_good": (ASAH, "outcome", "s100b", "Good", "auto"),
    "asah_s100b_forced_gt": (ASAH, "outcome", "s100b", "Poor", ">"),
    "ties_dyadic": (TIES[TIES.set == "dyadic"], "group", "score", "case", "auto"),
    "ties_float": (TIES[TIES.set == "float"], "group", "score", "case", "auto"),
    "ties_adjacent": (TIES[TIES.set == "adjacent"], "group", "score", "case", "auto"),
    "ties_adjacent_gt": (TIES[TIES.set == "adjacent"], "group", "score", "case", ">"),
    "gastric_hscore_persistence": (
        HSCORE,
        "her2_status_change",
        "baseline_hscore",
        "persistence",
        "<",
    ),
    "gastric_hscore_loss": (
        HSCORE,
        "her2_status_change",
        "baseline_hscore",
        "loss",
        ">",
    ),
    "gastric_ish_persistence": (
        ISH,
        "her2_status_change",
        "baseline_ish_ratio",
        "persistence",
        "<",
    ),
    "gastric_ish_loss": (ISH, "her2_status_change", "baseline_ish_ratio", "loss", ">"),
}


def _fixture(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name)


def _args(case_id):
    data, outcome, predictor, event, direction = CASES[case_id]
    return (data, outcome, predictor, event), {"direction": direction}


def test_fixture_covers_every_case():
    assert set(_fixture("summary.csv").id) == set(CASES)


@pytest.mark.parametrize("case_id", CASES)
def test_curve_matches_proc_coords_all(case_id):
    args, kwargs = _args(case_id)
    ours = roc_curve(*args, **kwargs)
    ref = _fixture("curves.csv").query("id == @case_id")
    assert len(ours) == len(ref)
    # thresholds include -Inf/+Inf, which approx compares by equality
    assert ours.threshold.tolist() == pytest.approx(ref.threshold.tolist(), rel=REL)
    assert ours.sensitivity.tolist() == pytest.approx(ref.sensitivity.tolist(), rel=REL)
    assert ours.specificity.tolist() == pytest.approx(ref.specificity.tolist(), rel=REL)
    direction = _fixture("summary.csv").set_index("id").loc[case_id, "direction"]
    assert set(ours.direction) == {direction}


@pytest.mark.parametrize("case_id", CASES)
def test_auc_delong_variance_and_ci_match_proc(case_id):
    args, kwargs = _args(case_id)
    ours = roc_auc(*args, **kwargs).iloc[0]
    ref = _fixture("summary.csv").set_index("id").loc[case_id]
    assert ours.direction == ref.direction
    assert (ours.n_cases, ours.n_controls) == (ref.n_cases, ref.n_controls)
    assert ours.estimate == pytest.approx(ref.auc, rel=REL)
    assert ours.variance == pytest.approx(ref.var_delong, rel=REL)
    assert ours.std_error == pytest.approx(math.sqrt(ref.var_delong), rel=REL)
    assert ours.conf_low == pytest.approx(ref.conf_low, rel=REL, abs=1e-12)
    assert ours.conf_high == pytest.approx(ref.conf_high, rel=REL)


@pytest.mark.parametrize("case_id", CASES)
def test_youden_returns_all_tied_thresholds_like_proc(case_id):
    args, kwargs = _args(case_id)
    ours = youden_cutoff(*args, **kwargs).sort_values("threshold")
    ref = _fixture("best.csv").query("id == @case_id").sort_values("threshold")
    assert len(ours) == len(ref)
    assert ours.threshold.tolist() == pytest.approx(ref.threshold.tolist(), rel=REL)
    assert ours.sensitivity.tolist() == pytest.approx(ref.sensitivity.tolist(), rel=REL)
    assert ours.specificity.tolist() == pytest.approx(ref.specificity.tolist(), rel=REL)


def test_ties_are_decided_by_exact_float_equality_as_in_proc():
    # 0.4 + 0.8 = 1.2000000000000002 > 0.3 + 0.9 = 1.2: pROC keeps one threshold
    best = youden_cutoff(*_args("ties_float")[0])
    assert best.threshold.tolist() == [16.0]
    # exactly representable sums tie: both thresholds are returned
    assert youden_cutoff(*_args("ties_dyadic")[0]).threshold.tolist() == [3.5, 6.5]


def test_infinite_optimum_is_reported_with_a_note():
    args, kwargs = _args("ties_adjacent_gt")
    best = youden_cutoff(*args, **kwargs)
    assert sorted(best.threshold) == [-np.inf, np.inf]
    assert best.note.str.contains("infinite threshold").all()


@pytest.mark.parametrize("case_id", sorted(_fixture("coords_at.csv").id.unique()))
def test_rates_at_a_cutoff_match_proc_coords_with_its_side(case_id):
    args, kwargs = _args(case_id)
    direction = roc_auc(*args, **kwargs).direction.iloc[0]
    side = ">=" if direction == "<" else "<="  # pROC's rule for input = "threshold"
    for row in _fixture("coords_at.csv").query("id == @case_id").itertuples():
        ours = sensitivity_specificity(*args, cutoff=row.threshold, side=side).iloc[0]
        assert ours.sensitivity == pytest.approx(row.sensitivity, rel=REL)
        assert ours.specificity == pytest.approx(row.specificity, rel=REL)


def test_side_of_the_cutoff_matters_for_observations_on_it():
    args = (HSCORE, "her2_status_change", "baseline_hscore", "persistence")
    strict = sensitivity_specificity(*args, cutoff=170, side=">").iloc[0]
    inclusive = sensitivity_specificity(*args, cutoff=170, side=">=").iloc[0]
    # one loss patient sits exactly at 170
    assert strict.true_negative == 9 and inclusive.true_negative == 8
    assert strict.specificity == pytest.approx(9 / 14)
    assert strict.positive_if == "> 170"


def test_sklearn_picks_an_observed_value_where_proc_picks_the_midpoint():
    from sklearn.metrics import roc_curve as sk_roc_curve

    is_poor = ASAH.outcome == "Poor"
    fpr, tpr, thresholds = sk_roc_curve(is_poor, ASAH.s100b)
    sk_best = thresholds[np.argmax(tpr - fpr)]
    ours = youden_cutoff(ASAH, "outcome", "s100b", "Poor").iloc[0]
    proc = _fixture("best.csv").set_index("id").loc["asah_s100b"]
    assert sk_best == pytest.approx(0.22)  # an observed s100b value
    assert ours.threshold == pytest.approx(proc.threshold, rel=REL)  # 0.205, a midpoint
    assert sk_best != pytest.approx(ours.threshold, rel=1e-3)
    # same operating point, different printed cutoff
    i = np.argmax(tpr - fpr)
    assert (tpr[i], 1 - fpr[i]) == pytest.approx((ours.sensitivity, ours.specificity))
    # and sklearn silently drops "intermediate" points of the curve by default
    assert len(thresholds) < len(roc_curve(ASAH, "outcome", "s100b", "Poor"))


def test_ezr_convention_reports_the_neighbouring_observed_value():
    args = (HSCORE, "her2_status_change", "baseline_hscore")
    proc = youden_cutoff(*args, "loss", direction=">").iloc[0]
    ezr = youden_cutoff(*args, "loss", direction=">", convention="EZR").iloc[0]
    assert proc.cutoff == 175 and proc.positive_if == "<= 175"
    assert ezr.cutoff == 170 and ezr.positive_if == "<= 170"
    assert (ezr.sensitivity, ezr.specificity) == (proc.sensitivity, proc.specificity)
    up = youden_cutoff(*args, "persistence", direction="<", convention="EZR").iloc[0]
    assert (
        up.cutoff == 180
        and up.positive_if == ">= 180"
        and up.equivalent_rule == "> 170"
    )


@pytest.mark.parametrize(
    "data, predictor, cutoff, auc, sens, spec",
    [
        (HSCORE, "baseline_hscore", "> 170", 0.655, 67.6, 64.3),
        (ISH, "baseline_ish_ratio", "> 4.36", 0.663, 85.2, 55.6),
    ],
)
def test_gastric_paper_cutoffs_with_persistence_as_positive_class(
    data, predictor, cutoff, auc, sens, spec
):
    """Paper: cutoffs "> 170" (AUC 0.655; sens 67.6%; spec 64.3%) and "> 4.36" (AUC
    0.663; sens 85.2%; spec 55.6%). The printed sensitivity is that of persistence
    (23/34 and 23/27): loss is predicted by LOW values."""
    args = (data, "her2_status_change", predictor)
    persistence = youden_cutoff(*args, "persistence", direction="<").iloc[0]
    assert persistence.equivalent_rule == cutoff
    assert round(100 * persistence.sensitivity, 1) == sens
    assert round(100 * persistence.specificity, 1) == spec
    assert (
        round(roc_auc(*args, "persistence", direction="<").estimate.iloc[0], 3) == auc
    )
    # the same analysis framed as predicting loss from low values: roles swap
    loss = youden_cutoff(*args, "loss", direction=">").iloc[0]
    assert (
        round(100 * loss.specificity, 1) == sens
        and round(100 * loss.sensitivity, 1) == spec
    )
    loss_auc = roc_auc(*args, "loss")  # "auto" finds the low-values direction
    assert loss_auc.direction.iloc[0] == ">"
    assert round(loss_auc.estimate.iloc[0], 3) == auc


def test_result_shape():
    frame = roc_auc(ASAH, "outcome", "s100b", "Poor")
    assert list(frame.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert frame.convention.iloc[0].startswith("pROC 1.18.0")


# degenerate input -------------------------------------------------------------


def test_no_case_or_unknown_level_raises():
    only_good = ASAH[ASAH.outcome == "Good"]
    with pytest.raises(StatisticsError, match="no observation"):
        roc_auc(only_good, "outcome", "s100b", "Good", control_level="Poor")
    with pytest.raises(StatisticsError, match="does not occur"):
        roc_curve(only_good, "outcome", "s100b", "Poor")
    with pytest.raises(StatisticsError, match="direction"):
        roc_curve(ASAH, "outcome", "s100b", "Poor", direction="up")


def test_more_than_two_levels_needs_control_level():
    data = ASAH.assign(wfns=ASAH.wfns.astype(str))
    with pytest.raises(StatisticsError, match="exactly two levels"):
        roc_auc(data, "wfns", "s100b", "5")
    three_vs_five = roc_auc(data, "wfns", "s100b", "5", control_level="1").iloc[0]
    assert (three_vs_five.n_cases, three_vs_five.n_controls) == (22, 39)


def test_single_case_gives_na_variance_with_note():
    data = pd.DataFrame({"y": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]})
    row = roc_auc(data, "y", "x", "b").iloc[0]
    assert row.estimate == 1.0
    assert math.isnan(row.std_error) and math.isnan(row.conf_low)
    assert "at least two cases" in row.note


def test_all_ties_and_missing_values_are_reported():
    data = pd.DataFrame(
        {"y": ["a", "a", "b", "b", None], "x": [1.0, 1.0, 1.0, 1.0, 2.0]}
    )
    row = roc_auc(data, "y", "x", "b").iloc[0]
    assert row.estimate == 0.5 and row.std_error == 0
    assert (
        "tied" in row.note
        and "1 observation(s) with a missing value dropped" in row.note
    )


def test_infinite_predictor_raises():
    data = pd.DataFrame({"y": [0, 0, 1, 1], "x": [1.0, np.inf, 2.0, 3.0]})
    with pytest.raises(StatisticsError, match="infinite"):
        roc_curve(data, "y", "x", 1)
    with pytest.raises(StatisticsError, match="not numeric"):
        roc_curve(data.assign(x=["a", "b", "c", "d"]), "y", "x", 1)


# bootstrap CI of the cutoff: determinism and coverage (against pROC: test_validation_bootstrap.py)


def test_bootstrap_is_deterministic_for_a_seed():
    kwargs = dict(n_boot=300, seed=7)
    first = bootstrap_cutoff_ci(ASAH, "outcome", "s100b", "Poor", **kwargs)
    again = bootstrap_cutoff_ci(ASAH, "outcome", "s100b", "Poor", **kwargs)
    other = bootstrap_cutoff_ci(ASAH, "outcome", "s100b", "Poor", n_boot=300, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not first[["conf_low", "conf_high", "boot_median"]].equals(
        other[["conf_low", "conf_high", "boot_median"]]
    )
    threshold = first.set_index("term").loc["threshold"]
    assert threshold.estimate == pytest.approx(0.205)
    assert threshold.conf_low <= threshold.estimate <= threshold.conf_high
    assert threshold.conf_low < threshold.conf_high


def test_bootstrap_interval_covers_the_true_optimal_cutoff():
    # controls N(0, 1), cases N(2, 1): the Youden-optimal cutoff is exactly 1
    rng = np.random.default_rng(2024)
    covered, widths = 0, []
    for replicate in range(25):
        data = pd.DataFrame(
            {
                "y": np.repeat([0, 1], 80),
                "x": np.r_[rng.normal(0, 1, 80), rng.normal(2, 1, 80)],
            }
        )
        ci = (
            bootstrap_cutoff_ci(
                data, "y", "x", 1, n_boot=200, seed=replicate, best_policy="random"
            )
            .set_index("term")
            .loc["threshold"]
        )
        covered += ci.conf_low <= 1 <= ci.conf_high
        widths.append(ci.conf_high - ci.conf_low)
    assert covered >= 20  # nominal 95%: >= 20 of 25 (binomial P(< 20) ~ 0.7%)
    assert 0.2 < np.median(widths) < 2.5


def test_bootstrap_tie_policies():
    data = TIES[TIES.set == "dyadic"]
    with pytest.raises(StatisticsError, match="tied optimal thresholds"):
        bootstrap_cutoff_ci(
            data, "group", "score", "case", n_boot=200, best_policy="stop"
        )
    omitted = bootstrap_cutoff_ci(data, "group", "score", "case", n_boot=200)
    used = omitted.n_boot_used.iloc[0]
    assert 0 < used < 200
    assert (
        f"{200 - used} of 200 replicates had tied optima (omitted)"
        in omitted.note.iloc[0]
    )
    # the original data have two optima: no single point estimate
    assert omitted.estimate.isna().all()
    assert "2 tied optimal thresholds" in omitted.note.iloc[0]
    randomised = bootstrap_cutoff_ci(
        data, "group", "score", "case", n_boot=200, best_policy="random"
    )
    assert randomised.n_boot_used.iloc[0] == 200
