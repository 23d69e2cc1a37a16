"""Cox models on (start, stop] data, tmerge rows and the time-dependent Cox model, against R.

R reference: tests/r/rigor_survival.R (survival 3.5-3), fixtures in
tests/fixtures/r/rigor_survival/: survival::heart (Stanford heart transplants,
tied times) with Efron and Breslow ties and a stratified model, and a cohort
drawn from a fixed seed (tests/data/rigor_tdc.csv) whose covariate switches
from 0 to 1 at a known time, split by R's tmerge.

Tolerance: rel=1e-6 throughout. cox.py repeats agfit4's iterations (same start,
steps, step-halving, stopping rule; the iteration counts are compared), so the
coefficients are R's up to rounding (observed: 1e-12 relative), not merely
within a convergence tolerance.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats import cox
from her2cohort.stats._result import StatisticsError
from her2cohort.stats.cox import cox_model, counting_process_rows, time_dependent_cox

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "rigor_survival"
REL = 1e-6

HEART = pd.read_csv(DATA / "heart.csv")
TDC = pd.read_csv(DATA / "rigor_tdc.csv")
ROWS = counting_process_rows(TDC, "time", "status", "change_time")
HEART_ARGS = dict(data=HEART, time="stop", event="event", start="start")
TDC_ARGS = dict(data=ROWS, time="tstop", event="status", start="tstart")

# model name in the fixtures -> our call (same model as tests/r/rigor_survival.R)
MODELS = {
    "heart_efron": dict(**HEART_ARGS, covariates=["age", "year", "surgery", "transplant"]),
    "heart_breslow": dict(**HEART_ARGS, covariates=["age", "year", "surgery", "transplant"], ties="breslow"),
    "heart_strata": dict(**HEART_ARGS, covariates=["age", "year", "transplant"], strata="surgery"),
    "tdc_efron": dict(**TDC_ARGS, covariates=["tdc", "age", "arm"]),
    "tdc_breslow": dict(**TDC_ARGS, covariates=["tdc", "age", "arm"], ties="breslow"),
    "tdc_strata": dict(**TDC_ARGS, covariates=["tdc", "age"], strata="arm"),
    "tdc_zero_start": dict(data=TDC.assign(zero=0.0), time="time", event="status", start="zero", covariates=["age", "arm"]),
}
R_TERMS = {"armB": "arm:B vs A"}
R_COEF = pd.read_csv(FIXTURES / "cox_coef.csv")
R_TESTS = pd.read_csv(FIXTURES / "cox_tests.csv").set_index("model")
#: our column -> R's, for each coefficient (summary.coxph)
COEFFICIENT_COLUMNS = {
    "coef": "coef", "estimate": "exp_coef", "std_error": "se_coef", "statistic": "z",
    "p_value": "p", "conf_low": "conf_low", "conf_high": "conf_high",
}  # fmt: skip


@functools.cache
def fitted(model: str) -> pd.DataFrame:
    return cox_model(**MODELS[model]).set_index("term")


def test_fixtures_come_from_the_expected_r():
    versions = pd.read_csv(FIXTURES / "versions.csv").set_index("software")["version"].to_dict()
    assert {k: versions[k][: len(v)] for k, v in EXPECTED_VERSIONS.items()} == EXPECTED_VERSIONS


EXPECTED_VERSIONS = {"R": "R version 4.2.2", "survival": "3.5.3", "cmprsk": "2.2.11"}


def test_tmerge_rows_are_rs():
    """(0, change] with the covariate 0 and no event, then (change, time] with it 1;
    a change at or before 0 is 1 throughout, at or after the last contact or missing 0."""
    r = pd.read_csv(FIXTURES / "tmerge_rows.csv")
    ours = ROWS[["id", "tstart", "tstop", "status", "tdc"]].to_numpy(dtype=float)
    assert np.array_equal(ours, r[["id", "tstart", "tstop", "event", "tdc"]].to_numpy(dtype=float))
    by_id = ROWS.groupby("id")
    assert by_id.size().loc[[1, 2, 3, 4, 5, 6]].tolist() == [1, 1, 1, 1, 1, 1]  # change at 0, 0, 0, = time, > time, < 0
    assert ROWS.set_index("id").loc[[1, 2, 3, 4, 5, 6], "tdc"].tolist() == [1, 1, 1, 0, 0, 1]
    assert ROWS["status"].sum() == TDC["status"].sum()  # each event once, on the last row


@pytest.mark.parametrize("model", list(MODELS))
def test_coefficients_match_r(model):
    ours = fitted(model)
    expected = R_COEF[R_COEF["model"] == model]
    assert list(ours.index[ours["row_kind"] == "coefficient"]) == [R_TERMS.get(t, t) for t in expected["term"]]
    rows = ours.loc[[R_TERMS.get(t, t) for t in expected["term"]]]
    for column, r_column in COEFFICIENT_COLUMNS.items():
        assert rows[column].to_numpy() == pytest.approx(expected[r_column].to_numpy(), rel=REL), column
    for _, row in rows.iterrows():
        assert row["note"] == "" and "(start, stop]" in row["method"]
        assert row["convention"].startswith("survival::coxph(Surv(start, stop, event)")


@pytest.mark.parametrize("model", list(MODELS))
def test_model_tests_concordance_and_iterations_match_r(model):
    ours = fitted(model)
    r = R_TESTS.loc[model]
    tests = ours.loc[["likelihood_ratio_test", "wald_test", "score_test"]]
    assert tests["n"].eq(r["n"]).all() and tests["n_events"].eq(r["nevent"]).all()
    assert tests["df"].tolist() == [r["lr_df"], r["wald_df"], r["score_df"]]
    assert tests["statistic"].to_numpy() == pytest.approx([r["lr"], r["wald"], r["score"]], rel=REL)
    assert tests["p_value"].to_numpy() == pytest.approx([r["lr_p"], r["wald_p"], r["score_p"]], rel=REL)
    assert tests[["loglik_null", "loglik"]].to_numpy() == pytest.approx(np.tile([r["loglik_null"], r["loglik"]], (3, 1)), rel=REL)
    assert ours.loc["concordance", "estimate"] == pytest.approx(r["concordance"], rel=REL)
    kw = MODELS[model]
    design = cox._design(kw["data"], kw["time"], kw["event"], kw["covariates"], kw.get("strata"), None, kw["start"])
    fit = cox._fit(design, kw.get("ties", "efron"))
    assert fit.converged and fit.iterations == r["iter"]  # the same iterates as agfit4
    lp = cox.linear_predictor(design.x, fit.coef)
    _, counts = cox._concordance_counting(design.start, design.time, design.event, design.strata, lp)
    assert counts == {"concordant": r["concordant"], "discordant": r["discordant"], "tied_x": r["tied_x"]}


def test_time_dependent_cox_is_the_tmerge_model():
    result = time_dependent_cox(TDC, "time", "status", "change_time", ["age", "arm"]).set_index("term")
    expected = fitted("tdc_efron")
    assert result.loc["change_time (time-dependent)", "coef"] == pytest.approx(expected.loc["tdc", "coef"], rel=1e-12)
    assert result.loc["arm:B vs A", "std_error"] == pytest.approx(expected.loc["arm:B vs A", "std_error"], rel=1e-12)
    assert result.loc["score_test", "statistic"] == pytest.approx(R_TESTS.loc["tdc_efron", "score"], rel=REL)
    assert (result["n"] == 202).all() and (result["n_patients"] == 150).all()
    assert result["convention"].str.startswith("survival::tmerge").all()


def test_intervals_from_zero_equal_the_right_censored_model():
    """(0, time] rows are right-censored data: the agfit4 path gives coxfit6's answer."""
    counting = fitted("tdc_zero_start")
    plain = cox_model(TDC, "time", "status", ["age", "arm"]).set_index("term")
    for term in ("age", "arm:B vs A"):
        for column in ("coef", "std_error", "p_value"):
            assert counting.loc[term, column] == pytest.approx(plain.loc[term, column], rel=1e-10)
    assert counting.loc["concordance", "estimate"] == pytest.approx(plain.loc["concordance", "estimate"], rel=1e-12)


def test_rows_entering_later_are_not_at_risk_before():
    """A row (start, stop] is in the risk set of a death at t only when start < t <= stop."""
    data = pd.DataFrame(
        {"start": [0.0, 0.0, 2.0, 0.0], "stop": [1.0, 3.0, 4.0, 4.0], "event": [1, 1, 1, 0], "x": [1.0, 0.0, 1.0, 0.0]}
    )
    design = cox._design(data, "stop", "event", ["x"], None, None, "start")
    risk_sets = cox._CountingRiskSets(design.start, design.time, design.event, design.strata, "breslow")
    # deaths at 1 (rows 0, 1, 3 at risk; row 2 enters at 2), 3 (rows 1, 2, 3), 4 (rows 2, 3)
    assert risk_sets._tail_sums(np.ones(4)).tolist() == [3.0, 3.0, 2.0]
    assert risk_sets._tail_sums(data["x"].to_numpy()[risk_sets.order]).tolist() == [1.0, 1.0, 1.0]


def test_invalid_intervals_are_clear_errors():
    bad = HEART.assign(start=HEART["stop"])
    with pytest.raises(StatisticsError, match="must end after it starts"):
        cox_model(bad, "stop", "event", ["age"], start="start")
    tiny = pd.DataFrame({"start": [0.0, 1.0, 0.0], "stop": [1.0, 1.0 + 1e-12, 2.0], "event": [1, 1, 0], "x": [0.0, 1.0, 1.0]})
    with pytest.raises(StatisticsError, match="effective length 0"):
        cox_model(tiny, "stop", "event", ["x"], start="start")
    with pytest.raises(StatisticsError, match="must be > 0"):
        counting_process_rows(TDC.assign(time=0.0), "time", "status", "change_time")
    with pytest.raises(StatisticsError, match="not columns of data"):
        counting_process_rows(TDC.assign(tdc=1), "time", "status", "change_time")


def test_missing_time_or_event_is_dropped_and_noted():
    data = TDC.copy()
    data.loc[[0, 1], "time"] = math.nan
    rows = counting_process_rows(data, "time", "status", "change_time")
    assert rows.attrs["n_dropped"] == 2 and set(rows["id"]) == set(TDC["id"][2:])
    result = time_dependent_cox(data, "time", "status", "change_time")
    assert result["note"].str.contains("2 patient\\(s\\) without time or event dropped").all()
