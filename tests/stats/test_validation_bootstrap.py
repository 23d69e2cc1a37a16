"""Bootstrap-validated ROC cutoff and Harrell's optimism-corrected AUC against pROC / boot.

R's random numbers are not numpy's, so R is given numpy's resamples
(tests/data/rigor_bootstrap_positions.csv, written by
tests/r/rigor_validation_inputs.py) and recomputes every replicate with pROC
(tests/r/rigor_validation.R -> tests/fixtures/r/rigor_validation/). Here the
resamples are drawn again from the seed and must equal that file; then every
replicate's optimum, its performance on the original data, the percentile
limits (quantile type 7 and boot's perc.ci) and the optimism must be R's at
1e-12 relative (measured: 7e-15 at most, the optimism's mean).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._resample import boot_percentile, quantile_type7, resample_positions
from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.roc import _analysed_rows, bootstrap_cutoff_ci
from her2cohort.stats.validation_bootstrap import bootstrap_replicates, optimism_corrected_auc

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "r"))
from rigor_validation_inputs import BOOTSTRAP_CASES, positions_table  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "r" / "rigor_validation"
REL = 1e-12
REPLICATES = pd.read_csv(FIXTURES / "bootstrap_replicates.csv", float_precision="round_trip")
SUMMARY = pd.read_csv(FIXTURES / "bootstrap_summary.csv", float_precision="round_trip").set_index("case")


def close(a, b, rel=REL) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=rel, atol=1e-15))


def run(case, function=bootstrap_replicates, **kwargs):
    data, outcome, predictor, event, direction, n_boot, seed, stratified = BOOTSTRAP_CASES[case]
    return function(data, outcome, predictor, event, direction=direction, n_boot=n_boot, seed=seed, stratified=stratified, **kwargs)


def test_the_resamples_given_to_r_are_numpys_draws():
    committed = pd.read_csv(ROOT / "tests" / "data" / "rigor_bootstrap_positions.csv")
    pd.testing.assert_frame_equal(positions_table(), committed)


def test_stratified_resamples_keep_the_numbers_of_cases_and_controls():
    is_case = np.r_[np.ones(7, bool), np.zeros(11, bool)]
    positions = resample_positions(is_case, 50, 1)
    assert positions.shape == (50, 18)
    assert (is_case[positions].sum(axis=1) == 7).all()
    ordinary = resample_positions(is_case, 50, 1, stratified=False)
    assert len(set(is_case[ordinary].sum(axis=1))) > 1
    np.testing.assert_array_equal(positions, resample_positions(is_case, 50, 1))


@pytest.mark.parametrize("case", sorted(BOOTSTRAP_CASES))
def test_every_replicate_is_proc_on_the_same_resample(case):
    mine = run(case)
    r = REPLICATES[REPLICATES["case"] == case].reset_index(drop=True)
    assert len(mine) == len(r)
    assert (mine["one_class"].to_numpy() == r["one_class"].to_numpy()).all()
    both = ~mine["one_class"].to_numpy()
    assert (mine["tied"].to_numpy()[both] == r["tied"].to_numpy()[both].astype(bool)).all()
    for column in ("threshold", "sensitivity", "specificity", "sensitivity_original", "specificity_original", "auc_continuous_boot"):
        assert close(mine[column], r[column]), column
    assert close(2 * mine["auc_cutoff_boot"][both], r["criterion"][both])
    # (se + sp) / 2 on the original data is pROC's AUC of the dichotomised predictor
    assert close(mine["auc_cutoff_original"], r["auc_cutoff_original"])


@pytest.mark.parametrize("case", sorted(BOOTSTRAP_CASES))
@pytest.mark.parametrize("interval", ["pROC", "boot_perc"])
def test_percentile_interval_of_the_cutoff_is_procs_and_boots(case, interval):
    result = run(case, bootstrap_cutoff_ci, interval=interval).set_index("term")
    expected = SUMMARY.loc[case]
    suffix = "" if interval == "pROC" else "_perc"
    for term in ("threshold", "sensitivity", "specificity"):
        row = result.loc[term]
        assert close([row.conf_low, row.conf_high], [expected[f"{term}{suffix}_low"], expected[f"{term}{suffix}_high"]]), term
        assert close(row.boot_median, expected[f"{term}_median"])
        assert row.n_boot_used == expected["n_used"]
    assert close(result.loc["threshold", "estimate"], expected["estimate_threshold"])


@pytest.mark.parametrize("case", sorted(BOOTSTRAP_CASES))
def test_optimism_corrected_auc_is_harrells_in_r(case):
    result = run(case, optimism_corrected_auc).set_index("term")
    expected = SUMMARY.loc[case]
    assert list(result.reset_index().columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert close(result.loc["auc_cutoff_apparent", "estimate"], expected["apparent"])
    assert close(result.loc["optimism", "estimate"], expected["optimism"])
    assert close(result.loc["auc_cutoff_corrected", "estimate"], expected["corrected"])
    assert close(result.loc["optimism", "boot_mean_apparent"], expected["boot_mean_apparent"])
    assert close(result.loc["optimism", "boot_mean_original"], expected["boot_mean_original"])
    assert close(result.loc["auc_continuous", "estimate"], expected["auc_continuous"])
    assert close(result.loc["auc_continuous", "boot_mean_minus_apparent"], expected["auc_continuous_boot_mean"] - expected["auc_continuous"])
    assert result.loc["optimism", "n_boot_used"] == expected["n_used"]
    if expected["n_tied"]:
        assert f"{int(expected['n_tied'])} of " in result.loc["optimism", "note"]
    if expected["n_one_class"]:
        assert "no case or no control" in result.loc["optimism", "note"]


def test_a_data_driven_cutoff_is_optimistic():
    # 2000 resamples of the gastric H-score: the cutoff's AUC drops by the optimism
    data, outcome, predictor, event, direction, *_ = BOOTSTRAP_CASES["gastric_hscore_loss"]
    result = optimism_corrected_auc(data, outcome, predictor, event, direction=direction).set_index("term")
    assert result.loc["optimism", "estimate"] > 0
    assert result.loc["auc_cutoff_corrected", "estimate"] < result.loc["auc_cutoff_apparent", "estimate"]
    # the continuous AUC is not corrected; its bootstrap mean is near it (nothing fitted)
    assert abs(result.loc["auc_continuous", "boot_mean_minus_apparent"]) < 0.01
    assert result.loc["optimism", "std_error"] < 0.005


def test_quantile_type7_and_boot_percentile_match_r_arithmetic():
    values = np.array([0.3, 0.1, 0.2, 0.7, 0.5])
    # R: quantile(c(0.3, 0.1, 0.2, 0.7, 0.5), c(0.025, 0.5, 0.975)) = 0.11, 0.3, 0.68
    assert close(quantile_type7(values, [0.025, 0.5, 0.975]), [0.11, 0.3, 0.68], rel=1e-14)
    # boot:::perc.ci(1:19 / 10, 0.9)[4:5]: (B + 1) * alpha = 1 and 19: the extreme order statistics
    low, high = boot_percentile(np.arange(1, 20) / 10, 0.9)
    assert (low, high) == (0.1, 1.9)
    # boot drops non-finite replicates first: none left, no interval
    assert all(math.isnan(v) for v in boot_percentile(np.array([math.inf, -math.inf]), 0.95))


def test_tied_original_optimum_and_policies():
    data, outcome, predictor, event, direction, *_ = BOOTSTRAP_CASES["ties_dyadic"]
    result = optimism_corrected_auc(data, outcome, predictor, event, direction=direction, n_boot=100, seed=3).set_index("term")
    assert math.isnan(result.loc["optimism", "cutoff"])
    assert "tied optimal thresholds" in result.loc["optimism", "note"]
    # the apparent AUC is defined even so: max(se + sp) / 2
    assert result.loc["auc_cutoff_apparent", "estimate"] == pytest.approx(SUMMARY.loc["ties_dyadic", "apparent"], rel=1e-15)
    with pytest.raises(StatisticsError, match="tied optimal thresholds"):
        optimism_corrected_auc(data, outcome, predictor, event, n_boot=100, seed=3, best_policy="stop")
    randomised = optimism_corrected_auc(data, outcome, predictor, event, n_boot=100, seed=3, best_policy="random")
    assert randomised["n_boot_used"].iloc[0] == 100
    # the random tie-break does not change the resamples
    omit = bootstrap_replicates(data, outcome, predictor, event, n_boot=100, seed=3)
    rand = bootstrap_replicates(data, outcome, predictor, event, n_boot=100, seed=3, best_policy="random")
    single = ~omit["tied"]
    pd.testing.assert_series_equal(omit["threshold"][single], rand["threshold"][single])


def test_degenerate_inputs_give_clear_errors_or_reasons():
    data = pd.DataFrame({"y": ["a", "a", "b", "b"], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(StatisticsError, match="n_boot"):
        optimism_corrected_auc(data, "y", "x", "b", n_boot=0)
    with pytest.raises(StatisticsError, match="seed"):
        optimism_corrected_auc(data, "y", "x", "b", seed=-1)
    with pytest.raises(StatisticsError, match="does not occur"):
        optimism_corrected_auc(data.assign(y="a"), "y", "x", "b")
    # perfect separation: every resample separates too, but its midpoint cutoff (between
    # the values it happened to draw) can misclassify an original patient: optimism > 0
    perfect = optimism_corrected_auc(data, "y", "x", "b", n_boot=50).set_index("term")
    assert perfect.loc["auc_cutoff_apparent", "estimate"] == 1
    assert 0 < perfect.loc["optimism", "estimate"] < 0.5
    # one patient per class, patients resampled: most resamples have a single class
    tiny = pd.DataFrame({"y": ["a", "b"], "x": [1.0, 2.0]})
    result = optimism_corrected_auc(tiny, "y", "x", "b", n_boot=20, stratified=False).set_index("term")
    assert "no case or no control" in result.loc["optimism", "note"]
