"""The example cohort end to end against R (tests/r/example_cohort.R).

R computes the endpoints straight from the raw dates with its own inclusion
code, so this checks the cleaning stage's date arithmetic and inclusion as well
as the survival statistics on the pipeline's own output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import EXAMPLE_RAW, EXAMPLE_STUDY, load_study
from her2cohort.cleaning import clean_cohort
from her2cohort.stats.cox import cox_model
from her2cohort.stats.kaplan_meier import median_survival
from her2cohort.stats.logrank import logrank_test

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "r" / "example_cohort"


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    frame = clean_cohort(EXAMPLE_RAW, load_study(EXAMPLE_STUDY)).patients
    return frame.assign(responder=frame["best_response"].isin(["CR", "PR"]).map({True: "yes", False: "no"}))


def test_endpoints_match_r(patients):
    expected = pd.read_csv(FIXTURES / "endpoints.csv")
    assert len(patients) == len(expected)
    # the pipeline's keys follow the raw file order, as R's rows do
    for column in ("pfs_months", "os_months"):
        assert patients[column].tolist() == pytest.approx(expected[column].tolist(), rel=1e-12)
    for column in ("pfs_event", "os_event"):
        assert patients[column].astype(int).tolist() == expected[column].tolist()


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_median_survival_matches_r(patients, endpoint):
    expected = pd.read_csv(FIXTURES / "medians.csv").set_index("endpoint").loc[endpoint]
    row = median_survival(patients, f"{endpoint}_months", f"{endpoint}_event").iloc[0]
    assert row["estimate"] == pytest.approx(expected["median"], rel=1e-12)
    assert row["conf_low"] == pytest.approx(expected["lower"], rel=1e-12)
    assert pd.isna(row["conf_high"]) and pd.isna(expected["upper"])  # not reached, in both


def test_logrank_and_cox_match_r(patients):
    expected = pd.read_csv(FIXTURES / "pfs_by_response.csv").iloc[0]
    test = logrank_test(patients, "pfs_months", "pfs_event", "responder").iloc[0]
    assert test["statistic"] == pytest.approx(expected["logrank_chisq"], rel=1e-6)
    assert test["p_value"] == pytest.approx(expected["logrank_p"], rel=1e-6)
    cox = cox_model(patients, "pfs_months", "pfs_event", ["age_years"])
    age = cox[cox["term"] == "age_years"].iloc[0]
    assert age["estimate"] == pytest.approx(expected["cox_hr_age"], rel=1e-6)
    assert age["p_value"] == pytest.approx(expected["cox_p_age"], rel=1e-6)
