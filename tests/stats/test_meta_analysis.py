"""Random-effects meta-analysis of proportions against metafor 3.8 (tests/r/rigor_validation.R).

Every study's logit and variance (escalc PLO, add 1/2 to studies with a zero
cell), tau² and its SE, Q and its p, I², H², the pooled logit, its SE, the
back-transformed pooled proportion with CI and prediction interval
(predict(transf = transf.ilogit)), the weights, and the Hartung-Knapp scale, for
DL and REML, z and knha: 1e-6 relative (DL) and 1e-5 (REML), as promised;
measured 7e-15 at most. REML takes metafor's own number of Fisher-scoring
iterations on every case.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.meta_analysis import escalc_plo, meta_proportions, rma_uni

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "rigor_validation"
DATA = pd.read_csv(ROOT / "tests" / "data" / "meta_proportions.csv")
FITS = pd.read_csv(FIXTURES / "meta_fit.csv", float_precision="round_trip")
WEIGHTS = pd.read_csv(FIXTURES / "meta_weights.csv", float_precision="round_trip")
ESCALC = pd.read_csv(FIXTURES / "meta_escalc.csv", float_precision="round_trip")
TOLERANCE = {"DL": 1e-6, "REML": 1e-5}
FIT_IDS = [f"{f.case}-{f.method}-{f.requested_test}" + ("" if math.isnan(f.null_proportion) else "-null") for f in FITS.itertuples()]


def logit(p: float) -> float:
    return math.log(p / (1 - p))


@pytest.mark.parametrize("case", DATA["case"].unique())
def test_escalc_plo_with_continuity_correction(case):
    data = DATA[DATA["case"] == case]
    yi, vi, corrected, _, _ = escalc_plo(data["events"], data["n"])
    expected = ESCALC[ESCALC["case"] == case]
    np.testing.assert_allclose(yi, expected["yi"], rtol=1e-14)
    np.testing.assert_allclose(vi, expected["vi"], rtol=1e-14)
    zero = ((data["events"] == 0) | (data["events"] == data["n"])).to_numpy()
    np.testing.assert_array_equal(corrected, zero)


@pytest.mark.parametrize("fit", list(FITS.itertuples()), ids=FIT_IDS)
def test_rma_and_predict_agree_with_metafor(fit):
    data = DATA[DATA["case"] == fit.case]
    null = None if math.isnan(fit.null_proportion) else fit.null_proportion
    result = meta_proportions(data, "events", "n", "study", method=fit.method, test=fit.requested_test, null_proportion=null)
    assert list(result.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    rows = result.set_index("term")
    rel = TOLERANCE[fit.method]

    def same(mine, r):
        if isinstance(r, float) and math.isnan(r):
            assert math.isnan(mine)
        else:
            assert mine == pytest.approx(r, rel=rel, abs=1e-12)

    pooled = rows.loc["pooled"]
    assert pooled["test"] == fit.test  # k = 1: metafor uses z
    same(rows.loc["tau2", "estimate"], fit.tau2)
    same(rows.loc["tau2", "std_error"], fit.se_tau2)
    same(rows.loc["Q", "statistic"], fit.QE)
    same(rows.loc["Q", "p_value"], fit.QEp)
    same(rows.loc["I2", "estimate"], fit.I2)
    same(rows.loc["H2", "estimate"], fit.H2)
    same(pooled["s2w"], fit.s2w)
    same(pooled["logit_se"], fit.se)
    if null is None:
        same(pooled["logit_estimate"], fit.beta)
        same(pooled["estimate"], fit.pred)
        same(pooled["conf_low"], fit.pred_ci_lb)
        same(pooled["conf_high"], fit.pred_ci_ub)
        same(rows.loc["prediction_interval", "conf_low"], fit.pi_lb)
        same(rows.loc["prediction_interval", "conf_high"], fit.pi_ub)
        assert math.isnan(pooled["p_value"])  # no test without a declared null
        weights = WEIGHTS[(WEIGHTS["case"] == fit.case) & (WEIGHTS["method"] == fit.method) & (WEIGHTS["test"] == fit.requested_test)]
        np.testing.assert_allclose(result.loc[result["row_kind"] == "study", "weight"], weights["weight"], rtol=rel)
    else:
        # metafor tested rma(yi - qlogis(null), vi): the same model moved by the null's logit
        same(pooled["logit_estimate"] - logit(null), fit.beta)
        same(pooled["statistic"], fit.zval)
        same(pooled["p_value"], fit.pval)
    if fit.method == "REML" and fit.k > 1:
        assert pooled["iterations"] == fit.iterations
    if fit.test == "knha":
        assert pooled["df"] == fit.k - 1


def test_the_her2_loss_cohorts():
    data = DATA[DATA["case"] == "her2_loss"]
    rows = meta_proportions(data, "events", "n", "study").set_index("term")
    assert rows.loc["gastric_her2_loss", "estimate"] == 14 / 48
    assert rows.loc["breast_tdxd_her2_loss", "estimate"] == 11 / 34
    assert rows.loc["pooled", "estimate"] == pytest.approx(0.3051, abs=5e-5)
    assert rows.loc["tau2", "estimate"] == 0
    assert rows.loc["I2", "estimate"] == 0
    assert "tau² estimated at 0" in rows.loc["pooled", "note"]
    assert rows.loc["prediction_interval", "conf_low"] == rows.loc["pooled", "conf_low"]
    knha = meta_proportions(data, "events", "n", "study", test="knha").set_index("term")
    assert "s² = 0.0953 < 1" in knha.loc["pooled", "note"]


def test_degenerate_inputs():
    one = meta_proportions(DATA[DATA["case"] == "one_study"], "events", "n", "study", test="knha").set_index("term")
    assert one.loc["pooled", "test"] == "z" and "Hartung-Knapp needs two studies" in one.loc["pooled", "note"]
    assert one.loc["Q", "p_value"] == 1 and one.loc["I2", "estimate"] == 0
    none = meta_proportions(DATA[DATA["case"] == "all_zero"], "events", "n", "study")
    assert none["corrected"].iloc[:3].all()
    assert "3 of 3 studies with a zero cell" in none["note"].iloc[3]
    identical = meta_proportions(DATA[DATA["case"] == "identical"], "events", "n", "study", test="knha").set_index("term")
    assert identical.loc["pooled", "conf_low"] == identical.loc["pooled", "conf_high"]
    assert "s² = 0" in identical.loc["pooled", "note"]
    frame = pd.DataFrame({"x": [1, 2], "n": [10, 1]})
    with pytest.raises(StatisticsError, match="events must lie between 0 and n"):
        meta_proportions(frame, "x", "n")
    with pytest.raises(StatisticsError, match="whole number"):
        meta_proportions(pd.DataFrame({"x": [1.5], "n": [10]}), "x", "n")
    with pytest.raises(StatisticsError, match="infinite"):
        meta_proportions(pd.DataFrame({"x": [0, 3], "n": [10, 10]}), "x", "n", to="none")
    with pytest.raises(StatisticsError, match="nothing to pool"):
        meta_proportions(pd.DataFrame({"x": [np.nan], "n": [10]}), "x", "n")
    with pytest.raises(StatisticsError, match="method must be"):
        meta_proportions(DATA[DATA["case"] == "her2_loss"], "events", "n", method="PM")


def test_statsmodels_combine_effects_matches_dl_only_when_tau2_is_positive():
    from statsmodels.stats.meta_analysis import combine_effects

    for case in ("pritz1997", "heterogeneous"):
        data = DATA[DATA["case"] == case]
        yi, vi, *_ = escalc_plo(data["events"], data["n"])
        theirs = combine_effects(yi, vi, method_re="dl")
        mine, knha = rma_uni(yi, vi, "DL", "z"), rma_uni(yi, vi, "DL", "knha")
        assert theirs.tau2 == pytest.approx(mine.tau2, rel=1e-12)
        assert theirs.mean_effect_re == pytest.approx(mine.beta, rel=1e-12)
        assert theirs.q == pytest.approx(mine.q, rel=1e-12)
        intervals = theirs.conf_int(use_t=True)
        np.testing.assert_allclose(intervals[3], [knha.ci_low, knha.ci_high], rtol=1e-12)  # "random effect wls"
        np.testing.assert_allclose(theirs.conf_int(use_t=False)[1], [mine.ci_low, mine.ci_high], rtol=1e-12)
    # Q < k - 1: statsmodels keeps a negative tau² (no truncation), metafor and we use 0
    data = DATA[DATA["case"] == "her2_loss"]
    yi, vi, *_ = escalc_plo(data["events"], data["n"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = combine_effects(yi, vi, method_re="dl")
    assert theirs.tau2 == pytest.approx(-0.1064, abs=1e-4)
    assert rma_uni(yi, vi, "DL").tau2 == 0
    assert theirs.mean_effect_re != pytest.approx(rma_uni(yi, vi, "DL").beta, rel=1e-3)
