"""Degenerate cohorts real users hit, through every analysis type of the catalogue.

A group with no patients, a single patient, two, no events, all events, every
time tied, perfect separation in a logistic model, a cutoff that leaves one
side empty, no rows at all, a constant predictor, no change between time
points, a variable missing for everyone. Each analysis must either return its
tidy table, where anything not computable is NA with the reason in ``note``,
or raise a clear error (``StatisticsError``, ``StudyConfigError``: the rule
script turns it into a message naming the study file and the analysis); never
another exception, never an impossible number (p outside [0, 1], a negative
standard error, an estimate outside its own interval, a proportion above 1).

Where R computes something on the same data (tests/r/degenerate.R, fixture
tests/fixtures/r/degenerate/reference.csv), the number must be R's (1e-6
relative). Where R gives NA or NaN, stops with an error, or warns that its
number is an artefact (non-convergence, fitted probabilities 0 or 1), the
library must give NA with a note or a clear error, not a number.

The catalogue is iterated, so a new analysis type fails
:func:`test_every_catalogue_type_has_degenerate_parameters` until it is given
parameters here.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.analyses import CATALOGUE, run_analysis
from her2cohort.errors import StudyConfigError
from her2cohort.stats._result import StatisticsError

ROOT = Path(__file__).resolve().parents[1]
COHORTS = pd.read_csv(ROOT / "tests" / "data" / "degenerate_cohorts.csv", float_precision="round_trip")
REFERENCE = pd.read_csv(ROOT / "tests" / "fixtures" / "r" / "degenerate" / "reference.csv", float_precision="round_trip", keep_default_na=False, na_values=["NA"])
REL = 1e-6
CLEAR_ERRORS = (StatisticsError, StudyConfigError)


def with_derived_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns the other catalogue types read, derived from the cohort's own."""
    frame = frame.copy()
    frame["before"] = np.where(frame["x"] >= 100, "pos", "neg")
    frame["after"] = np.where(frame["y"] >= 100, "pos", "neg")
    frame["before3"] = pd.cut(frame["x"], [-np.inf, 90, 110, np.inf], labels=["0", "1", "2"]).astype(str)
    frame["after3"] = pd.cut(frame["y"], [-np.inf, 90, 110, np.inf], labels=["0", "1", "2"]).astype(str)
    frame["age"] = 50 + frame["x"] / 10
    frame["vaf"], frame["copy_number"], frame["purity"] = 0.4, 4.0, 0.5
    frame["line"], frame["start_months"], frame["end_months"], frame["progression_months"] = 1, 0.0, frame["time"], np.where(frame["event"] == 1, frame["time"], np.nan)
    frame["patient_key"] = [f"P{i:03d}" for i in range(1, len(frame) + 1)]
    # a p-value per row (p_adjust) and a "study" per row with events of 5 patients (meta_analysis)
    frame["p"] = 1 / (1 + frame["x"].abs())
    frame["events_of_5"], frame["five"] = 5 * frame["event"], 5
    # a covariate changing halfway through follow-up, and two competing causes (0 = censored)
    frame["change_time"] = np.where(frame["x"] >= 100, frame["time"] / 2, np.nan)
    frame["cause"] = frame["event"] * np.where(frame["y"] >= 100, 1, 2)
    return frame


def cohort(name: str) -> pd.DataFrame:
    return with_derived_columns(COHORTS[COHORTS["cohort"] == name].drop(columns="cohort").reset_index(drop=True))


def scenarios() -> dict[str, pd.DataFrame]:
    found = {name: cohort(name) for name in COHORTS["cohort"].unique()}
    base = found["all_events"]
    found["no_rows"] = base.iloc[0:0]
    found["constant_predictor"] = base.assign(score=1.0)
    found["no_change"] = base.assign(after=base["before"], after3=base["before3"], y=base["x"])
    found["all_missing"] = base.assign(x=np.nan, age=np.nan, score=np.nan)
    # A cutoff that leaves one side empty: everyone is below it.
    found["cutoff_one_side"] = base.assign(group=np.where(base["score"] > 10, "b", "a"), outcome=np.where(base["x"] > 1000, "yes", "no"))
    return found


SCENARIOS = scenarios()

#: Parameters of each catalogue type on the degenerate cohorts (columns above).
PARAMS: dict[str, dict] = {
    "baseline_table": {"variables": [{"name": "age", "kind": "continuous"}, "outcome"], "group": "group", "group_levels": ["a", "b"]},
    "association": {"row": "group", "column": "outcome", "row_levels": ["a", "b"], "column_levels": ["no", "yes"]},
    "paired_rank": {"x": "x", "y": "y"},
    "rank_sum": {"value": "x", "group": "group", "levels": ["a", "b"]},
    "kruskal_wallis": {"value": "x", "group": "group", "levels": ["a", "b"]},
    "proportion": {"outcome": "outcome", "success": "yes", "group": "group", "group_levels": ["a", "b"]},
    "shift_table": {"before": "before", "after": "after", "levels": ["neg", "pos"]},
    "mcnemar": {"before": "before", "after": "after", "levels": ["neg", "pos"]},
    "mcnemar_exact": {"before": "before", "after": "after", "levels": ["neg", "pos"]},
    "bowker": {"before": "before3", "after": "after3", "levels": ["0", "1", "2"]},
    "stuart_maxwell": {"before": "before3", "after": "after3", "levels": ["0", "1", "2"]},
    "roc_curve": {"outcome": "outcome", "predictor": "score", "event_level": "yes"},
    "roc_cutoff": {"outcome": "outcome", "predictor": "score", "event_level": "yes"},
    "sensitivity_specificity": {"outcome": "outcome", "predictor": "score", "event_level": "yes", "cutoff": 0.5, "side": ">="},
    "logistic": {"outcome": "outcome", "event_level": "yes", "covariates": ["score"]},
    "firth_logistic": {"outcome": "outcome", "event_level": "yes", "covariates": ["score"]},
    "kaplan_meier": {"time": "time", "event": "event", "group": "group"},
    "median_survival": {"time": "time", "event": "event"},
    "median_follow_up": {"time": "time", "event": "event"},
    "numbers_at_risk": {"time": "time", "event": "event", "times": [0, 3, 6], "group": "group"},
    "logrank": {"time": "time", "event": "event", "group": "group"},
    "cox": {"time": "time", "event": "event", "covariates": ["group"]},
    "proportional_hazards": {"time": "time", "event": "event", "covariates": ["group"]},
    "clonality": {"vaf": "vaf", "copy_number": "copy_number", "purity": "purity"},
    "treatment_timeline": {"follow_up": "time"},
    "bootstrap_cutoff": {"outcome": "outcome", "predictor": "score", "event_level": "yes", "n_boot": 200},
    "optimism_auc": {"outcome": "outcome", "predictor": "score", "event_level": "yes", "n_boot": 200},
    "p_adjust": {"p_value": "p", "method": ["holm", "hochberg", "BH"], "label": "patient_key"},
    "ordinal_symmetry": {"before": "before3", "after": "after3", "levels": ["0", "1", "2"]},
    "meta_analysis": {"events": "events_of_5", "n": "five", "study": "patient_key", "test": "knha"},
    "time_dependent_cox": {"time": "time", "event": "event", "change_time": "change_time"},
    "landmark": {"time": "time", "event": "event", "change_time": "change_time", "landmark": 3.0, "times": [1.0, 6.0]},
    "cumulative_incidence": {"time": "time", "status": "cause", "group": "group"},
    "gray_test": {"time": "time", "status": "cause", "group": "group"},
    "fine_gray": {"time": "time", "status": "cause", "covariates": ["group"]},
}


def run(kind: str, data: pd.DataFrame, **overrides) -> pd.DataFrame:
    # A numpy/pandas warning leaking out of a degenerate input is a failure too.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return run_analysis(data, {"id": f"degenerate_{kind}", "type": kind, "params": {**PARAMS[kind], **overrides}})


def test_every_catalogue_type_has_degenerate_parameters():
    assert sorted(set(CATALOGUE) - set(PARAMS)) == []


def _finite(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(value)


def impossible_numbers(result: pd.DataFrame) -> list[str]:
    """Numbers no statistic can have, row by row."""
    problems = []
    for index, row in result.iterrows():
        get = {c: row[c] for c in ("estimate", "std_error", "conf_low", "conf_high", "p_value", "n", "df", "statistic") if c in result}
        where = f"row {index} ({row.get('term', '')})"
        p = get.get("p_value")
        if _finite(p) and not -1e-12 <= p <= 1 + 1e-12:
            problems.append(f"{where}: p = {p}")
        for column in ("std_error", "n", "df"):
            if _finite(get.get(column)) and get[column] < 0:
                problems.append(f"{where}: {column} = {get[column]}")
        low, high, estimate = get.get("conf_low"), get.get("conf_high"), get.get("estimate")
        if _finite(low) and _finite(high) and low > high * (1 + 1e-9) + 1e-12:
            problems.append(f"{where}: interval {low} > {high}")
        if _finite(estimate) and _finite(low) and estimate < low - 1e-9 * max(1, abs(low)):
            problems.append(f"{where}: estimate {estimate} below its interval {low}")
        if _finite(estimate) and _finite(high) and estimate > high + 1e-9 * max(1, abs(high)):
            problems.append(f"{where}: estimate {estimate} above its interval {high}")
        # (an infinite std_error is R's own value for the cumulative hazard where S = 0)
        for column in ("estimate", "conf_low", "conf_high", "p_value", "statistic"):
            value = get.get(column)
            if isinstance(value, float) and math.isinf(value):
                problems.append(f"{where}: {column} is infinite; an undefined value is NA with a note")
    for column in ("percent", "row_percent", "column_percent"):
        if column in result and (result[column].dropna() > 100 + 1e-9).any():
            problems.append(f"{column} above 100")
    return problems


def unexplained_missing_tests(result: pd.DataFrame) -> list[str]:
    """Rows that name a test statistic but have no p-value, with no note saying why."""
    if not {"statistic_name", "p_value", "note"} <= set(result.columns):
        return []
    named = result["statistic_name"].fillna("").astype(str).str.len() > 0
    missing = result["p_value"].isna() & named
    silent = result["note"].fillna("").astype(str).str.strip() == ""
    return [f"row {i} ({result.loc[i].get('term', '')}): no p-value and no note" for i in result.index[missing & silent]]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("kind", sorted(CATALOGUE))
def test_a_degenerate_cohort_gives_a_table_with_reasons_or_a_clear_error(kind, scenario):
    data = SCENARIOS[scenario]
    try:
        result = run(kind, data)
    except CLEAR_ERRORS as err:
        assert str(err).strip(), "an error must say what is wrong"
        return
    assert isinstance(result, pd.DataFrame)
    assert impossible_numbers(result) == []
    assert unexplained_missing_tests(result) == []


def test_a_derived_cutoff_that_leaves_one_side_empty():
    """``derive: score_high: "score > 10"`` puts everyone on one side: every
    analysis by that variable says so (NA with a note, or a clear error)."""
    data = SCENARIOS["all_events"]
    analyses = {
        "association": {"row": "score_high", "column": "outcome", "row_levels": [False, True], "column_levels": ["no", "yes"]},
        "logrank": {"time": "time", "event": "event", "group": "score_high"},
        "cox": {"time": "time", "event": "event", "covariates": ["score_high"]},
        "rank_sum": {"value": "x", "group": "score_high", "levels": [False, True]},
        "proportion": {"outcome": "outcome", "success": "yes", "group": "score_high", "group_levels": [False, True]},
        "logistic": {"outcome": "outcome", "event_level": "yes", "covariates": ["score_high"]},
    }
    for kind, params in analyses.items():
        try:
            result = run_analysis(data, {"id": "cut", "type": kind, "derive": {"score_high": "score > 10"}, "params": params})
        except CLEAR_ERRORS:
            continue
        computed = result[result["p_value"].notna()] if "p_value" in result else result.iloc[0:0]
        if kind == "proportion":  # the side with everyone is a real proportion; the empty side is NA with a note
            empty = result[result["term"] == True]  # noqa: E712 (the level is the boolean True)
            assert empty["estimate"].isna().all() and (empty["note"] != "").all(), result
            continue
        if kind == "association":  # Fisher's p of the only possible table is 1, as R's fisher.test; the OR is NA
            assert result["estimate"].isna().all() and result["p_value"].isin([1.0]).all() and (result["note"] != "").all(), result
            continue
        assert computed.empty, (kind, result)
        assert (result["note"].fillna("") != "").any(), (kind, result)


# ---------------------------------------------------------------------------
# Against R on the same degenerate cohorts
# ---------------------------------------------------------------------------


def _row(result: pd.DataFrame, term: str | None) -> pd.Series:
    return result.iloc[0] if term is None else result[result["term"] == term].iloc[0]


#: R analysis -> (catalogue type, parameter overrides, result row term, {R quantity: result column}).
R_EQUIVALENTS = {
    "km_median": ("median_survival", {}, "median", {"median": "estimate", "conf_low": "conf_low", "conf_high": "conf_high"}),
    "logrank": ("logrank", {}, "logrank", {"statistic": "statistic", "p_value": "p_value"}),
    "cox": ("cox", {}, None, {"estimate": "estimate", "conf_low": "conf_low", "conf_high": "conf_high", "p_value": "p_value"}),
    "wilcox_paired": ("paired_rank", {}, None, {"statistic": "statistic", "p_value": "p_value"}),
    "wilcox_groups": ("rank_sum", {}, None, {"statistic": "statistic", "p_value": "p_value"}),
    "kruskal": ("kruskal_wallis", {}, None, {"statistic": "statistic", "df": "df", "p_value": "p_value"}),
    "fisher": ("association", {"policy": "fisher"}, None, {"estimate": "estimate", "conf_low": "conf_low", "conf_high": "conf_high", "p_value": "p_value"}),
    # R's binom.test(x, n) tests p = 0.5: the library tests only a declared null, so declare R's
    "binom": ("proportion", {"group": None, "group_levels": None, "null_proportion": 0.5}, "overall", {"estimate": "estimate", "conf_low": "conf_low", "conf_high": "conf_high", "p_value": "p_value"}),
    "glm": ("logistic", {}, "score", {"estimate": "estimate", "conf_low": "conf_low", "conf_high": "conf_high", "p_value": "p_value"}),
}

#: Where R prints a number without a warning but the number is an artefact, and
#: the library deliberately gives NA with a note instead (documented in each function).
R_ARTEFACTS = {
    # glm converges to a finite but meaningless OR on two perfectly separated points;
    # the library's separation check (detectseparation's linear programme) catches it.
    ("two_patients", "glm"): "separation",
    # fisher.test prints 0 (CI 0-Inf) for a table with an empty row; the conditional
    # OR is not identifiable there.
    ("single_patient", "fisher"): "not identifiable",
    ("empty_group", "fisher"): "not identifiable",
    ("cutoff_one_side", "fisher"): "not identifiable",
}

R_CASES = sorted({(c, a) for c, a in zip(REFERENCE["cohort"], REFERENCE["analysis"])})


@pytest.mark.parametrize(("scenario", "analysis"), R_CASES, ids=[f"{c}-{a}" for c, a in R_CASES])
def test_degenerate_cohorts_agree_with_r(scenario, analysis):
    reference = REFERENCE[(REFERENCE["cohort"] == scenario) & (REFERENCE["analysis"] == analysis)].set_index("quantity")
    r_said = reference["r_said"].iloc[0]
    kind, overrides, term, columns = R_EQUIVALENTS[analysis]
    overrides = {k: v for k, v in overrides.items()}
    params = {k: v for k, v in {**PARAMS[kind], **overrides}.items() if v is not None}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = run_analysis(SCENARIOS[scenario], {"id": "r", "type": kind, "params": params})
    except CLEAR_ERRORS as err:
        # A clear error is right only where R has no number either.
        assert r_said.startswith("error") or reference["value"].isna().all(), (r_said, err)
        return
    row = _row(result, term)
    r_has_no_number = r_said.startswith("error") or "did not converge" in r_said or "numerically 0 or 1" in r_said or "NaNs produced" in r_said
    artefact = R_ARTEFACTS.get((scenario, analysis))
    if r_has_no_number or artefact:
        main = "estimate" if "estimate" in columns.values() else "p_value"
        assert pd.isna(row[main]), (scenario, analysis, r_said, row.to_dict())
        assert str(row["note"]).strip(), (scenario, analysis, row.to_dict())
        if artefact:
            assert artefact in str(row["note"]) or artefact in " ".join(result["note"].astype(str)), row["note"]
        return
    for quantity, column in columns.items():
        if quantity not in reference.index:
            continue
        expected = reference.loc[quantity, "value"]
        actual = row[column]
        if pd.isna(expected):
            assert pd.isna(actual) and str(row["note"]).strip(), (quantity, actual, row["note"])
        else:
            assert actual == pytest.approx(expected, rel=REL, abs=1e-12), (quantity, row.to_dict())
