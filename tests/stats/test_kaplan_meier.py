"""Kaplan-Meier estimation against R's survival package (fixtures from tests/r/kaplan_meier.R).

Tolerance: rel 1e-6 everywhere (R's computation is exact arithmetic); the fixtures
carry 15 significant digits. atol 1e-12 only absorbs floating noise around exact
zeros (e.g. a standard error of 0 before the first event).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.kaplan_meier import (
    kaplan_meier,
    median_follow_up,
    median_survival,
    numbers_at_risk,
    survival_at,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "kaplan_meier"
RTOL, ATOL = 1e-6, 1e-12


def _load(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / name)
    return frame


DATASETS = {
    "lung": _load("lung.csv").assign(event=lambda d: d["status"] - 1),  # 1 = censored, 2 = dead
    "veteran": _load("veteran.csv").assign(event=lambda d: d["status"]),
    "exact_half": _load("km_exact_half.csv").assign(event=lambda d: d["status"]),
    "not_reached": _load("km_not_reached.csv").assign(event=lambda d: d["status"]),
    # Freireich et al. (1963) remission weeks, 6-MP vs placebo.
    "remission": _load("km_remission.csv").assign(time=lambda d: d["weeks"], event=lambda d: d["relapse"]),
}
CONVENTION = {"log": "r_log", "log-log": "r_loglog", "plain": "r_plain"}


def fixture(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, keep_default_na=False, na_values=["NA", "NaN"])


def group_of(value) -> str:
    """R writes "" for an ungrouped curve; we label it "all"."""
    return "" if value == "all" else str(value)


def assert_r(actual, expected) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=RTOL, atol=ATOL, equal_nan=True
    )


def fit_case(dataset: str, group_var: str, conf_type: str, conf_level: float = 0.95) -> pd.DataFrame:
    return kaplan_meier(
        DATASETS[dataset], "time", "event", group_var or None, conf_type=conf_type, conf_level=conf_level
    )


# ----------------------------------------------------------------- survfit table

KM_TABLE = fixture("km_table.csv")
TABLE_CASES = sorted(set(map(tuple, KM_TABLE[["dataset", "group_var", "conf_type"]].to_numpy())))


@pytest.mark.parametrize("dataset,group_var,conf_type", TABLE_CASES)
def test_survival_table_matches_survfit(dataset, group_var, conf_type):
    expected = KM_TABLE[
        (KM_TABLE.dataset == dataset) & (KM_TABLE.group_var == group_var) & (KM_TABLE.conf_type == conf_type)
    ].reset_index(drop=True)
    fit = fit_case(dataset, group_var, conf_type)
    assert fit["group"].map(group_of).tolist() == expected["group"].astype(str).tolist()
    assert_r(fit["time"], expected["time"])
    for column in ("n_risk", "n_event", "n_censor"):
        assert fit[column].tolist() == expected[column].tolist()
    assert_r(fit["survival"], expected["surv"])
    assert_r(fit["std_error"], expected["std_err"])  # of the cumulative hazard, R's fit$std.err
    assert_r(fit["conf_low"], expected["lower"])
    assert_r(fit["conf_high"], expected["upper"])


def test_fixture_has_undefined_limits_and_infinite_se():
    # The cases above must include R's NA limits and Inf standard errors, or they prove little.
    assert KM_TABLE["lower"].isna().sum() > 0
    assert np.isinf(KM_TABLE["std_err"]).sum() > 0


def test_summary_std_error_is_of_survival():
    fit = fit_case("lung", "", "log")
    assert_r(fit["std_error_survival"], fit["std_error"] * fit["survival"])


def test_kaplan_meier_attrs():
    fit = fit_case("veteran", "celltype", "log-log")
    assert fit.attrs["levels"] == ["adeno", "large", "smallcell", "squamous"]
    assert fit.attrs["n"] == {"adeno": 27, "large": 27, "smallcell": 48, "squamous": 35}
    assert fit.attrs["conf_type"] == "log-log"


# ----------------------------------------------------------- summary(times = )

SUMMARY = fixture("km_summary_times.csv")
SUMMARY_CASES = sorted(set(map(tuple, SUMMARY[["dataset", "group_var", "conf_type", "extend"]].to_numpy())))
SUMMARY_TIMES = {
    "lung": [0, 5, 100, 182.5, 365, 730, 1022, 1100],
    "veteran": [0, 30, 90, 180, 365, 600, 1000],
    "exact_half": [-1, 0, 1.5, 2, 4, 5, 8, 10, 11],
}


@pytest.mark.parametrize("dataset,group_var,conf_type,extend", SUMMARY_CASES)
def test_survival_at_matches_summary_survfit(dataset, group_var, conf_type, extend):
    expected = SUMMARY[
        (SUMMARY.dataset == dataset)
        & (SUMMARY.group_var == group_var)
        & (SUMMARY.conf_type == conf_type)
        & (SUMMARY.extend == extend)
    ].reset_index(drop=True)
    times = [0, 100, 182.5, 365, 730, 900, 1022, 1100] if group_var == "sex" else SUMMARY_TIMES[dataset]
    got = survival_at(fit_case(dataset, group_var, conf_type), times, extend=bool(extend))
    assert got["group"].map(group_of).tolist() == expected["group"].astype(str).tolist()
    assert_r(got["time"], expected["time"])
    for column in ("n_risk", "n_event", "n_censor"):
        assert got[column].tolist() == expected[column].tolist()
    assert_r(got["survival"], expected["surv"])
    assert_r(got["std_error"], expected["std_err"])  # summary() prints the SE of S
    assert_r(got["conf_low"], expected["lower"])
    assert_r(got["conf_high"], expected["upper"])


def test_survival_at_drops_times_past_follow_up_unless_extended():
    fit = fit_case("lung", "", "log")
    assert survival_at(fit, [500, 1100])["time"].tolist() == [500]
    extended = survival_at(fit, [500, 1100], extend=True)
    assert extended["n_risk"].tolist()[-1] == 0
    with pytest.raises(StatisticsError, match="extend=True"):
        survival_at(fit, [2000])


# ------------------------------------------------------------ numbers at risk


def test_numbers_at_risk_match_survminer_table():
    expected_all = fixture("km_numbers_at_risk.csv")
    for (dataset, group_var), expected in expected_all.groupby(["dataset", "group_var"], sort=False):
        times = sorted(expected["time"].unique())
        got = numbers_at_risk(fit_case(dataset, group_var, "log"), times)
        assert got["group"].map(group_of).tolist() == expected["group"].astype(str).tolist()
        for column in ("time", "n_risk", "cum_events", "cum_censored"):
            assert got[column].tolist() == expected[column].tolist(), (dataset, column)


# ------------------------------------------------------------------- medians

MEDIANS = fixture("km_medians.csv")
MEDIAN_CASES = sorted(set(map(tuple, MEDIANS[["dataset", "group_var", "conf_type", "conf_level"]].to_numpy())))


@pytest.mark.parametrize("dataset,group_var,conf_type,conf_level", MEDIAN_CASES)
def test_median_matches_print_survfit(dataset, group_var, conf_type, conf_level):
    expected = MEDIANS[
        (MEDIANS.dataset == dataset)
        & (MEDIANS.group_var == group_var)
        & (MEDIANS.conf_type == conf_type)
        & (MEDIANS.conf_level == conf_level)
    ].reset_index(drop=True)
    got = median_survival(
        DATASETS[dataset], "time", "event", group_var or None, convention=CONVENTION[conf_type], conf_level=conf_level
    )
    assert list(got.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert got["group"].map(group_of).tolist() == expected["group"].astype(str).tolist()
    assert got["n"].tolist() == expected["n"].tolist()
    assert got["n_events"].tolist() == expected["events"].tolist()
    assert_r(got["estimate"], expected["median"])
    assert_r(got["conf_low"], expected["lcl"])
    assert_r(got["conf_high"], expected["ucl"])
    # Every NA limit is explained.
    for _, row in got.iterrows():
        if np.isnan(row["conf_high"]):
            assert "upper confidence limit not reached" in row["note"]


def test_median_midpoint_when_survival_is_exactly_half():
    got = median_survival(DATASETS["exact_half"], "time", "event", "group").set_index("group")
    assert got.loc["uncensored10", "estimate"] == 5.5  # S = 0.5 on [5, 6): midpoint, as median(1:10)
    assert got.loc["ties", "estimate"] == 3.0  # tied drop to 0.5 at 2, next fall at 4
    # S stays at 0.5 to the end: print.survfit gives 2, quantile.survfit the midpoint with the
    # last follow-up time; we match print/summary and the fixture pins R's two answers.
    quantile = fixture("km_quantile.csv").set_index("group")
    assert got.loc["half_then_censored", "estimate"] == 2.0
    assert quantile.loc["half_then_censored", "quantile"] == 3.0


def test_median_and_limits_not_reached_stay_na():
    got = median_survival(DATASETS["not_reached"], "time", "event", "group").set_index("group")
    assert got.loc["upper_nr", "estimate"] == 10.5  # S(10) = 10/20 exactly, next death at 11
    assert np.isnan(got.loc["upper_nr", "conf_high"])
    assert got.loc["upper_nr", "note"] == "upper confidence limit not reached (NR)"
    assert np.isnan(got.loc["median_nr", "estimate"])
    assert "median not reached (NR)" in got.loc["median_nr", "note"]


# ----------------------------------------------------------------- SPSS median


def test_spss_median_hand_worked_example():
    # Uncensored 1..10: S(t) = 1 - t/10. Median = first S <= 0.5 = 5 (no midpoint rule);
    # u = max{S >= 0.55} = 4 (S 0.6), l = min{S <= 0.45} = 6 (S 0.4): f = 0.2 / 2 = 0.1;
    # Greenwood SE of S(5) = sqrt(0.5 * 0.5 / 10); SE(median) = that / 0.1.
    data = pd.DataFrame({"time": np.arange(1, 11), "event": 1})
    got = median_survival(data, "time", "event", convention="spss").iloc[0]
    se = np.sqrt(0.025) / 0.1
    assert got["estimate"] == 5
    assert got["std_error"] == pytest.approx(se, rel=1e-12)
    assert got["conf_low"] == pytest.approx(5 - 1.959963984540054 * se, rel=1e-12)
    assert got["conf_high"] == pytest.approx(5 + 1.959963984540054 * se, rel=1e-12)


def test_spss_median_on_remission_data():
    # Freireich remission data. The numbers below are SPSS KM output for these data as the
    # author of kaplan_meier.py recalls it (Kleinbaum & Klein, "Survival Analysis: A
    # Self-Learning Text", computer appendix); the source could not be retrieved to verify.
    # Printed to 3 decimals, hence abs=5e-4. Placebo is hand-checkable: S(8) = 8/21,
    # Greenwood SE sqrt((8/21)(13/21)/21), u = 5 (S 12/21), l = 8, f = (4/21)/3.
    got = median_survival(DATASETS["remission"], "time", "event", "rx", convention="spss").set_index("group")
    placebo, mp = got.loc["placebo"], got.loc["6-MP"]
    assert placebo["std_error"] == pytest.approx(np.sqrt(8 * 13 / 21**3) / (4 / 63), rel=1e-12)
    assert (placebo["estimate"], mp["estimate"]) == (8.0, 23.0)
    assert [placebo["std_error"], placebo["conf_low"], placebo["conf_high"]] == pytest.approx(
        [1.669, 4.729, 11.271], abs=5e-4
    )
    assert [mp["std_error"], mp["conf_low"], mp["conf_high"]] == pytest.approx([5.255, 12.700, 33.300], abs=5e-4)


def test_spss_lower_limit_truncated_at_zero():
    # S: 0.75, 0.5, 0.25, 0 at 1, 2, 50, 51: f = 0.5 / 49, SE = 0.25 / f = 24.5 -> 2 - 48 < 0.
    data = pd.DataFrame({"time": [1, 2, 50, 51], "event": 1})
    got = median_survival(data, "time", "event", convention="spss").iloc[0]
    assert got["std_error"] == pytest.approx(24.5, rel=1e-12)
    assert got["conf_low"] == 0.0
    assert got["conf_high"] == pytest.approx(2 + 1.959963984540054 * 24.5, rel=1e-12)


def test_spss_median_matches_independent_r_implementation():
    expected_all = fixture("km_spss_median.csv")
    for (dataset, group_var), expected in expected_all.groupby(["dataset", "group_var"], sort=False):
        got = median_survival(DATASETS[dataset], "time", "event", group_var or None, convention="spss")
        assert got["group"].map(group_of).tolist() == expected["group"].astype(str).tolist()
        assert_r(got["estimate"], expected["median"])
        assert_r(got["std_error"], expected["std_error"])
        assert_r(got["conf_low"], expected["lower"])
        assert_r(got["conf_high"], expected["upper"])


def test_spss_standard_error_undefined_is_explained():
    got = median_survival(DATASETS["exact_half"], "time", "event", "group", convention="spss").set_index("group")
    row = got.loc["half_then_censored"]  # S stops at 0.5: no density estimate below 0.45
    assert row["estimate"] == 2.0 and np.isnan(row["std_error"]) and np.isnan(row["conf_low"])
    assert "never falls to 0.45" in row["note"]


# ------------------------------------------------------------- median follow-up


def test_median_follow_up_matches_reverse_survfit():
    expected_all = fixture("km_follow_up.csv")
    for _, expected in expected_all.iterrows():
        data = DATASETS[expected["dataset"]]
        got = median_follow_up(data, "time", "event", conf_type=expected["conf_type"]).iloc[0]
        assert_r(
            [got["estimate"], got["conf_low"], got["conf_high"]],
            [expected["reverse_km_median"], expected["reverse_km_lcl"], expected["reverse_km_ucl"]],
        )
        simple = median_follow_up(data, "time", "event", method="censored").iloc[0]
        assert simple["estimate"] == expected["censored_median"]
        assert simple["n_censored"] == expected["n_censored"]
        assert (simple["min_time"], simple["max_time"]) == (expected["min_time"], expected["max_time"])
        # median observed time of all patients, deaths included: R median(time)
        # (lung: 228 patients, the mean of the middle two, 252 and 259)
        everyone = median_follow_up(data, "time", "event", method="all_patients").iloc[0]
        assert everyone["estimate"] == expected["all_patients_median"]
        assert everyone["convention"] == "R median(time)" and np.isnan(everyone["conf_low"]) and np.isnan(everyone["conf_high"])
        assert everyone["n"] == len(data) and everyone["n_censored"] == expected["n_censored"]
        assert (everyone["min_time"], everyone["max_time"]) == (expected["min_time"], expected["max_time"])


def test_median_follow_up_without_censoring():
    data = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": 1})
    got = median_follow_up(data, "time", "event", method="censored").iloc[0]
    assert np.isnan(got["estimate"]) and got["note"] == "no censored patients"
    reverse = median_follow_up(data, "time", "event").iloc[0]
    assert np.isnan(reverse["estimate"]) and "not reached" in reverse["note"]
    everyone = median_follow_up(data, "time", "event", method="all_patients").iloc[0]
    assert everyone["estimate"] == 2.0 and everyone["note"] == ""


def test_median_follow_up_definitions_are_named():
    data = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0, np.nan], "event": [1, 0, 1, 0, 0], "arm": ["a", "a", "b", "b", "b"]})
    with pytest.raises(StatisticsError, match="'reverse_km', 'all_patients', 'censored'"):
        median_follow_up(data, "time", "event", method="observed")
    got = median_follow_up(data, "time", "event", group="arm", method="all_patients").set_index("group")
    # R: tapply(time, arm, median) on the complete cases
    assert got.loc["a", "estimate"] == 1.5 and got.loc["b", "estimate"] == 3.5
    assert got.loc["a", "method"] == "median observed time of all patients (to event or censoring)"
    assert "1 row(s) with missing values dropped" in got.loc["a", "note"]


# ------------------------------------------------------ where lifelines differs


def test_default_band_is_r_log_not_lifelines_loglog():
    lifelines = pytest.importorskip("lifelines")
    lung = DATASETS["lung"]
    kmf = lifelines.KaplanMeierFitter().fit(lung["time"], lung["event"])
    band = kmf.confidence_interval_.iloc[1:]  # drop lifelines' t = 0 row
    ours = fit_case("lung", "", "log")
    r_log = KM_TABLE[(KM_TABLE.dataset == "lung") & (KM_TABLE.group_var == "") & (KM_TABLE.conf_type == "log")]
    assert_r(ours["conf_low"], r_log["lower"])
    # lifelines' band differs from R's default...
    assert np.max(np.abs(band.iloc[:, 0].to_numpy() - ours["conf_low"].to_numpy())) > 1e-3
    # ...and is R's log-log one.
    loglog = fit_case("lung", "", "log-log")
    np.testing.assert_allclose(band.iloc[:, 0].to_numpy(), loglog["conf_low"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(band.iloc[:, 1].to_numpy(), loglog["conf_high"].to_numpy(), rtol=1e-6)


def test_undefined_limits_stay_na_where_lifelines_fills_one():
    lifelines = pytest.importorskip("lifelines")
    data = DATASETS["not_reached"][lambda d: d["group"] == "median_nr"]
    kmf = lifelines.KaplanMeierFitter().fit(data["time"], data["event"])
    # Times 1-2 are censorings before the first death: S = 1, log-log limits undefined.
    assert kmf.confidence_interval_.loc[1.0:2.0].to_numpy().tolist() == [[1.0, 1.0]] * 2
    ours = kaplan_meier(data, "time", "event", conf_type="log-log")
    r = KM_TABLE[
        (KM_TABLE.dataset == "not_reached") & (KM_TABLE.conf_type == "log-log") & (KM_TABLE.group == "median_nr")
    ]
    assert ours["conf_low"].iloc[:2].isna().all() and r["lower"].iloc[:2].isna().all()
    assert ours["conf_high"].iloc[:2].isna().all() and r["upper"].iloc[:2].isna().all()


def test_median_midpoint_where_lifelines_does_not():
    lifelines = pytest.importorskip("lifelines")
    data = DATASETS["exact_half"][lambda d: d["group"] == "uncensored10"]
    kmf = lifelines.KaplanMeierFitter().fit(data["time"], data["event"])
    assert kmf.median_survival_time_ == 5.0
    assert median_survival(data, "time", "event")["estimate"].iloc[0] == 5.5


# ---------------------------------------------------------------- degenerate


def test_status_coded_one_two_is_refused():
    with pytest.raises(StatisticsError, match="status - 1"):
        kaplan_meier(DATASETS["lung"], "time", "status")


def test_no_complete_rows_raises():
    empty = pd.DataFrame({"time": [np.nan], "event": [1]})
    with pytest.raises(StatisticsError, match="no complete observations"):
        kaplan_meier(empty, "time", "event")


def test_bad_conf_type_and_convention_raise():
    with pytest.raises(StatisticsError, match="conf_type"):
        fit_case("lung", "", "logit")
    with pytest.raises(StatisticsError, match="convention"):
        median_survival(DATASETS["lung"], "time", "event", convention="sas")


def test_missing_values_are_dropped_and_noted():
    lung = DATASETS["lung"]
    got = median_survival(lung, "time", "event", "ph.ecog")
    assert got["n"].sum() == 227
    assert all("1 row(s) with missing values dropped" in note for note in got["note"])


def test_all_censored_and_empty_groups():
    data = pd.DataFrame(
        {
            "time": [1.0, 2.0, 3.0, 4.0],
            "event": [0, 0, 1, 1],
            "arm": pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "c"]),
        }
    )
    fit = kaplan_meier(data, "time", "event", "arm")
    assert set(fit["group"]) == {"a", "b"}  # unused level: no rows, as R
    got = median_survival(data, "time", "event", "arm").set_index("group")
    assert np.isnan(got.loc["a", "estimate"]) and "median not reached" in got.loc["a", "note"]
    assert got.loc["b", "estimate"] == 3.5  # S = 0.5 at 3, falls at 4
    assert got.loc["c", "n"] == 0 and got.loc["c", "note"] == "no observations in this group"
    assert np.isnan(got.loc["c", "estimate"])


def test_single_observation():
    data = pd.DataFrame({"time": [5.0], "event": [1]})
    fit = kaplan_meier(data, "time", "event")
    assert fit["survival"].tolist() == [0.0]
    assert np.isinf(fit["std_error"].iloc[0]) and np.isnan(fit["conf_low"].iloc[0])
    assert median_survival(data, "time", "event")["estimate"].iloc[0] == 5.0
