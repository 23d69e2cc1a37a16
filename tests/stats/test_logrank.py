"""Log-rank tests against R's survdiff (fixtures from tests/r/kaplan_meier.R).

Tolerance rel 1e-6 (survdiff is exact arithmetic; fixtures carry 15 significant digits).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.logrank import logrank_test

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "kaplan_meier"

DATASETS = {
    "lung": pd.read_csv(DATA / "lung.csv").assign(event=lambda d: d["status"] - 1),  # 2 = dead
    "veteran": pd.read_csv(DATA / "veteran.csv").assign(event=lambda d: d["status"]),
    "remission": pd.read_csv(DATA / "km_remission.csv").assign(time=lambda d: d["weeks"], event=lambda d: d["relapse"]),
}
LOGRANK = pd.read_csv(FIXTURES / "logrank.csv", keep_default_na=False, na_values=["NA"])
CASES = sorted(set(map(tuple, LOGRANK[["dataset", "group_var", "strata_var", "rho"]].to_numpy())))


def assert_r(actual, expected) -> None:
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=1e-6, atol=0)


@pytest.mark.parametrize("dataset,group_var,strata_var,rho", CASES)
def test_matches_survdiff(dataset, group_var, strata_var, rho):
    expected = LOGRANK[
        (LOGRANK.dataset == dataset)
        & (LOGRANK.group_var == group_var)
        & (LOGRANK.strata_var == strata_var)
        & (LOGRANK.rho == rho)
    ].reset_index(drop=True)
    got = logrank_test(DATASETS[dataset], "time", "event", group_var, strata=strata_var or None, rho=rho)
    assert list(got.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    test, groups = got.iloc[0], got.iloc[1:].reset_index(drop=True)
    assert test["statistic_name"] == "chi2"
    assert_r(test["statistic"], expected["chisq"].iloc[0])
    assert test["df"] == expected["df"].iloc[0]
    assert_r(test["p_value"], expected["p_value"].iloc[0])
    labels = [f"{g:g}" if isinstance(g, float) else str(g) for g in groups["group"]]  # ph.ecog is read as float
    assert labels == expected["group"].astype(str).tolist()
    assert groups["n"].tolist() == expected["n"].tolist()
    for column in ("observed", "expected", "oe2_e", "oe2_v"):
        assert_r(groups[column], expected[column])
    assert test["n"] == expected["n"].sum()


def test_terms_use_r_labels():
    got = logrank_test(DATASETS["lung"], "time", "event", "ph.ecog")
    assert got["term"].tolist() == ["logrank", "ph.ecog=0", "ph.ecog=1", "ph.ecog=2", "ph.ecog=3"]
    assert "1 row(s) with missing values dropped" in got["note"].iloc[0]


def test_agrees_with_lifelines_where_lifelines_has_the_test():
    lifelines = pytest.importorskip("lifelines")
    from lifelines.statistics import multivariate_logrank_test

    vet = DATASETS["veteran"]
    theirs = multivariate_logrank_test(vet["time"], vet["celltype"], vet["event"])
    ours = logrank_test(vet, "time", "event", "celltype").iloc[0]
    assert ours["statistic"] == pytest.approx(theirs.test_statistic, rel=1e-9)
    # lifelines has no stratified test: the stratified statistic is a different number.
    stratified = logrank_test(vet, "time", "event", "trt", strata="celltype").iloc[0]
    unstratified = multivariate_logrank_test(vet["time"], vet["trt"], vet["event"]).test_statistic
    assert abs(stratified["statistic"] - unstratified) > 0.5


# ---------------------------------------------------------------- degenerate


def test_one_group_is_na_with_note():
    data = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": [1, 0, 1], "arm": ["a", "a", "a"]})
    test = logrank_test(data, "time", "event", "arm").iloc[0]
    assert np.isnan(test["statistic"]) and np.isnan(test["p_value"])
    assert "fewer than two groups" in test["note"]


def test_no_events_is_na_with_note():
    data = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "event": 0, "arm": ["a", "b", "a", "b"]})
    test = logrank_test(data, "time", "event", "arm").iloc[0]
    assert np.isnan(test["statistic"]) and "no events" in test["note"]


def test_empty_group_is_listed_and_excluded_as_r_does():
    lung = DATASETS["lung"].copy()
    lung["arm"] = pd.Categorical(lung["sex"].map({1: "m", 2: "f"}), categories=["m", "f", "other"])
    got = logrank_test(lung, "time", "event", "arm")
    empty = got[got["group"] == "other"].iloc[0]
    assert empty["n"] == 0 and np.isnan(empty["observed"]) and "no observations" in empty["note"]
    reference = LOGRANK[(LOGRANK.dataset == "lung") & (LOGRANK.group_var == "sex") & (LOGRANK.rho == 0)]
    assert got.iloc[0]["df"] == 1
    assert got.iloc[0]["statistic"] == pytest.approx(reference["chisq"].iloc[0], rel=1e-6)


def test_group_without_expected_events_leaves_the_test():
    # Group "c" is censored before any death: expected 0, so R drops it from the df.
    data = pd.DataFrame(
        {
            "time": [0.5, 0.6, 1, 2, 3, 4, 5, 6],
            "event": [0, 0, 1, 1, 0, 1, 1, 0],
            "arm": ["c", "c", "a", "b", "a", "b", "a", "b"],
        }
    )
    got = logrank_test(data, "time", "event", "arm")
    assert got.iloc[0]["df"] == 1
    row_c = got[got["group"] == "c"].iloc[0]
    assert row_c["expected"] == 0 and np.isnan(row_c["oe2_e"])


def test_invalid_input_raises():
    lung = DATASETS["lung"]
    with pytest.raises(StatisticsError, match="status - 1"):
        logrank_test(lung, "time", "status", "sex")
    with pytest.raises(StatisticsError, match="rho"):
        logrank_test(lung, "time", "event", "sex", rho=-1)
    with pytest.raises(StatisticsError, match="not in data"):
        logrank_test(lung, "time", "event", "arm")
