"""Landmark analysis against the same analysis done by hand in R.

R reference: tests/r/rigor_survival.R: on tests/data/rigor_tdc.csv, for landmarks
3 and 6 (and 6 keeping time >= L), subset(time > L), changed_by_landmark =
change_time <= L, then survfit / summary(survfit, times) / survdiff / coxph on
time - L. Tolerance rel=1e-6 (the by-hand R and the library compute the same
closed forms; observed agreement ~1e-13).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.analyses import analysis_problems, run_analysis
from her2cohort.stats._result import StatisticsError
from her2cohort.stats.landmark import landmark_analysis

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "rigor_survival"
TDC = pd.read_csv(ROOT / "tests" / "data" / "rigor_tdc.csv")
REL = 1e-6
LANDMARKS = {"L3": (3, False), "L6": (6, False), "L6_ge": (6, True)}
TIMES = [1, 3.5, 6, 12]


def fixture(name: str, label: str) -> pd.DataFrame:
    frame = pd.read_csv(FIXTURES / f"{name}.csv")
    return frame[frame["landmark"] == label].reset_index(drop=True)


def analysed(label: str) -> pd.DataFrame:
    landmark, include = LANDMARKS[label]
    return landmark_analysis(TDC, "time", "status", "change_time", landmark, covariates=["age"], times=TIMES, include_at_landmark=include)


@pytest.mark.parametrize("label", list(LANDMARKS))
def test_at_risk_and_medians_match_r(label):
    result = analysed(label)
    at_risk = result[result["part"] == "at_risk"]
    expected = fixture("landmark_n", label)
    assert at_risk["n"].tolist() == expected["n"].tolist()
    assert at_risk["n_events"].tolist() == expected["events"].tolist()
    assert (at_risk["n_excluded"] == len(TDC) - expected["n"].sum()).all()
    medians = result[result["part"] == "median"].reset_index(drop=True)
    expected = fixture("landmark_median", label)
    assert medians["group"].tolist() == expected["group"].tolist()
    for ours, r in (("estimate", "median"), ("conf_low", "lcl"), ("conf_high", "ucl")):
        assert medians[ours].to_numpy() == pytest.approx(expected[r].to_numpy(), rel=REL, nan_ok=True)


@pytest.mark.parametrize("label", list(LANDMARKS))
def test_survival_after_the_landmark_matches_r(label):
    result = analysed(label)
    survival = result[result["part"] == "survival"].reset_index(drop=True)
    expected = fixture("landmark_surv", label)
    assert survival["group"].astype(int).tolist() == expected["group"].tolist()
    assert survival["time"].tolist() == expected["time"].tolist()
    assert survival["n"].tolist() == expected["n_risk"].tolist()
    assert np.allclose(survival["time_from_origin"], survival["time"] + LANDMARKS[label][0])
    for ours, r in (("estimate", "surv"), ("std_error", "std_err"), ("conf_low", "lower"), ("conf_high", "upper")):
        assert survival[ours].to_numpy() == pytest.approx(expected[r].to_numpy(), rel=REL)


@pytest.mark.parametrize("label", list(LANDMARKS))
def test_logrank_and_cox_match_r(label):
    result = analysed(label).set_index("term")
    logrank = fixture("landmark_logrank", label).iloc[0]
    assert result.loc["logrank", "statistic"] == pytest.approx(logrank["chisq"], rel=REL)
    assert result.loc["logrank", "p_value"] == pytest.approx(logrank["p"], rel=REL)
    assert result.loc["changed_by_landmark=0", "observed"] == logrank["observed_0"]
    assert result.loc["changed_by_landmark=0", "expected"] == pytest.approx(logrank["expected_0"], rel=REL)
    expected = fixture("landmark_cox", label).set_index("term")
    for term in ("changed_by_landmark", "age"):
        row = result.loc[term]
        assert row["coef"] == pytest.approx(expected.loc[term, "coef"], rel=REL)
        assert row["std_error"] == pytest.approx(expected.loc[term, "se"], rel=REL)
        assert row["p_value"] == pytest.approx(expected.loc[term, "p"], rel=REL)
        assert row["conf_low"] == pytest.approx(expected.loc[term, "conf_low"], rel=REL)
        assert row["conf_high"] == pytest.approx(expected.loc[term, "conf_high"], rel=REL)
    assert result.loc["likelihood_ratio_test", "statistic"] == pytest.approx(expected["lr"].iloc[0], rel=REL)
    assert result.loc["score_test", "statistic"] == pytest.approx(expected["score"].iloc[0], rel=REL)
    assert result.loc["concordance", "estimate"] == pytest.approx(expected["concordance"].iloc[0], rel=REL)
    assert (result["landmark"] == LANDMARKS[label][0]).all()
    assert result["convention"].str.startswith("R by hand: subset(data, time >").all()


def test_a_change_after_the_landmark_counts_as_unchanged():
    data = pd.DataFrame({"time": [5.0, 6.0, 7.0, 8.0, 2.0], "event": [1, 1, 0, 1, 1], "change": [1.0, 3.0, 4.0, np.nan, 1.0]})
    result = landmark_analysis(data, "time", "event", "change", 3)
    at_risk = result[result["part"] == "at_risk"].set_index("group")
    # time 2 is not at risk at 3; change 1 and 3 (<= 3) changed; 4 (after) and missing unchanged
    assert at_risk.loc[1, "n"] == 2 and at_risk.loc[0, "n"] == 2 and (at_risk["n_excluded"] == 1).all()


def test_patients_ending_at_the_landmark():
    data = pd.DataFrame({"time": [3.0, 6.0, 7.0, 8.0], "event": [1, 1, 0, 1], "change": [1.0, 1.0, np.nan, np.nan]})
    excluded = landmark_analysis(data, "time", "event", "change", 3)
    included = landmark_analysis(data, "time", "event", "change", 3, include_at_landmark=True)
    assert excluded.loc[excluded["part"] == "at_risk", "n"].sum() == 3
    assert included.loc[included["part"] == "at_risk", "n"].sum() == 4


def test_nobody_at_risk_at_the_landmark_is_na_with_a_note():
    result = landmark_analysis(TDC, "time", "status", "change_time", 1000)
    assert result["part"].unique().tolist() == ["at_risk"]
    assert (result["n"] == 0).all() and result["note"].str.contains("no patient is still at risk").all()


def test_one_group_empty_at_the_landmark():
    result = landmark_analysis(TDC.assign(change_time=np.nan), "time", "status", "change_time", 3).set_index("term")
    assert result.loc["at_risk_at_landmark"].set_index("group").loc[1, "note"].startswith("no patient at risk")
    assert np.isnan(result.loc["logrank", "p_value"]) and "fewer than two groups" in result.loc["logrank", "note"]
    assert np.isnan(result.loc["changed_by_landmark", "estimate"]) and "constant" in result.loc["changed_by_landmark", "note"]


def test_bad_landmarks_are_clear_errors():
    for bad in (float("nan"), "three", None, True):
        with pytest.raises(StatisticsError, match="landmark must be a finite number"):
            landmark_analysis(TDC, "time", "status", "change_time", bad)


def test_a_study_declares_the_new_types():
    """Each new catalogue type runs from a declaration, and a wrong parameter type is refused at load."""
    declared = [
        {"id": "lm", "type": "landmark", "params": {"time": "time", "event": "status", "change_time": "change_time", "landmark": 3, "times": [6, 12]}},
        {"id": "td", "type": "time_dependent_cox", "params": {"time": "time", "event": "status", "change_time": "change_time", "covariates": ["age"]}},
        {"id": "ci", "type": "cumulative_incidence", "params": {"time": "time", "status": "status", "group": "arm", "times": [12]}},
        {"id": "gt", "type": "gray_test", "params": {"time": "time", "status": "status", "group": "arm"}},
        {"id": "fg", "type": "fine_gray", "params": {"time": "time", "status": "status", "covariates": ["age", "arm"], "cause": 1}},
    ]
    assert analysis_problems(declared, "study.yaml") == []
    for analysis in declared:
        result = run_analysis(TDC, analysis)
        assert result["analysis"].eq(analysis["id"]).all() and result["p_value"].notna().any() | result["estimate"].notna().any()
    wrong = [{**declared[0], "params": {**declared[0]["params"], "landmark": "three"}}]
    assert analysis_problems(wrong, "study.yaml") == ["study.yaml: analyses[0] (lm): parameter 'landmark' must be a number, got 'three'"]
    unknown_column = {**declared[4], "params": {**declared[4]["params"], "status": "cause"}}
    with pytest.raises(Exception, match="parameter 'status' names 'cause'"):
        run_analysis(TDC, unknown_column)
