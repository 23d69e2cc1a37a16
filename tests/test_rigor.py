"""The rigor report (her2cohort.rigor): what it detects on each study, and its verdict rules.

Detection runs on the analysis set built from the committed raw data and the
declared analyses run in-process (as the rules do), with a small bootstrap.
The statistics behind the rigorous analyses are tested against R in
tests/stats (time-dependent Cox and landmark: test_cox_counting.py,
test_landmark.py; Gray and Fine-Gray: test_competing_risks.py; p.adjust,
bootstrap cutoff and optimism: the rigor-validation tests; Fisher, exact
Bowker, exact rank tests: their modules' tests); here the report's numbers are
checked to be those functions' values on the same rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from her2cohort.analyses import run_analysis
from her2cohort.results import Results
from her2cohort.rigor import CHECKS, COLUMNS, Settings, rigor_markdown, rigor_supplement, rigor_table
from her2cohort.rigor.verdict import DOES_NOT_HOLD, HOLDS, NOT_ASSESSED, WEAKER, compare_tests, cutoff_verdict, family_verdict, interval_verdict
from her2cohort.stats.competing_risks import gray_test
from her2cohort.stats.cox import cox_model, time_dependent_cox
from her2cohort.stats.multiplicity import p_adjust_values
from her2cohort.treatment_lines import add_line_columns
from recount import cleaned

SETTINGS = {"n_boot": 100}


# ---------------------------------------------------------------- verdict rules


@pytest.mark.parametrize(
    ("paper_p", "rigorous_p", "paper_estimate", "rigorous_estimate", "verdict"),
    [
        (0.01, 0.02, 2.0, 1.8, HOLDS),  # both significant, same side
        (0.30, 0.60, 0.8, 1.3, HOLDS),  # neither significant: opposite sides do not matter
        (0.01, 0.20, 2.0, 1.5, WEAKER),  # significant only in the paper's analysis
        (0.01, 0.20, None, None, WEAKER),  # a test without an estimate
        (0.40, 0.01, 1.2, 2.5, DOES_NOT_HOLD),  # significant only in the rigorous analysis
        (0.01, 0.03, 2.0, 0.5, DOES_NOT_HOLD),  # opposite sides, both significant
        (0.01, 0.30, 2.0, 0.7, DOES_NOT_HOLD),  # opposite sides, the paper significant
        (0.0499999, 0.05, None, None, WEAKER),  # 0.05 is not below 0.05
        (0.01, 0.02, 1.0, 2.0, HOLDS),  # an estimate on the null claims no side
    ],
)
def test_compare_tests_rule(paper_p, rigorous_p, paper_estimate, rigorous_estimate, verdict):
    assert compare_tests(paper_p, rigorous_p, paper_estimate, rigorous_estimate)[0] == verdict


def test_compare_tests_not_estimable_and_alpha():
    verdict, rule = compare_tests(0.6, None, not_estimable=True)
    assert verdict == DOES_NOT_HOLD and "not estimable" in rule and "p < 0.05" in rule
    assert compare_tests(0.03, 0.2, alpha=0.01)[0] == HOLDS  # neither below 0.01
    assert "p < 0.01" in compare_tests(0.03, 0.2, alpha=0.01)[1]
    assert compare_tests(0.03, None)[0] == NOT_ASSESSED  # a p the rigorous analysis could not give


@pytest.mark.parametrize(
    ("p", "verdict"),
    [
        ([0.001, 0.002, 0.5, 0.7], HOLDS),  # Holm 0.004, 0.006: both stay
        ([0.2, 0.3, 0.5], HOLDS),  # nothing significant to lose
        ([0.001, 0.03, 0.04, 0.6], WEAKER),  # Holm keeps 0.001 only
        ([0.04, 0.3, 0.5, 0.7, 0.9], DOES_NOT_HOLD),  # BH 0.2: none stays
    ],
)
def test_family_rule(p, verdict):
    holm, bh = p_adjust_values(p, "holm"), p_adjust_values(p, "BH")
    assert family_verdict(p, list(holm), list(bh))[0] == verdict


def test_family_rule_between_holm_and_bh():
    # Holm keeps none, BH keeps both: weaker, not "does not hold"
    p = [0.02, 0.025, 0.03, 0.035, 0.04]
    holm, bh = p_adjust_values(p, "holm"), p_adjust_values(p, "BH")
    assert not any(holm < 0.05) and all(bh < 0.05)
    assert family_verdict(p, list(holm), list(bh))[0] == WEAKER


@pytest.mark.parametrize(
    ("optimism", "corrected", "verdict"),
    [(0.01, 0.70, HOLDS), (0.02, 0.70, HOLDS), (0.05, 0.65, WEAKER), (0.25, 0.50, DOES_NOT_HOLD), (0.0, 0.45, DOES_NOT_HOLD)],
)
def test_cutoff_rule(optimism, corrected, verdict):
    assert cutoff_verdict(optimism, corrected)[0] == verdict
    assert "<= 0.02" in cutoff_verdict(optimism, corrected)[1]


@pytest.mark.parametrize(
    ("paper", "rigorous", "verdict"),
    [
        ((1.0, 3.0), (1.2, 2.8), HOLDS),
        ((1.0, 3.0), (1.0, 3.0), HOLDS),
        ((1.0, 3.0), (0.9, 2.8), WEAKER),
        ((1.0, 3.0), (1.2, 3.1), WEAKER),
        ((1.0, 3.0), (1.2, math.nan), WEAKER),  # a limit not reached
        ((1.0, math.nan), (1.2, math.nan), WEAKER),
    ],
)
def test_interval_rule(paper, rigorous, verdict):
    assert interval_verdict(*paper, *rigorous)[0] == verdict


def test_settings_defaults_are_the_schema_defaults():
    schema = yaml.safe_load((ROOT / "config" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    properties = schema["properties"]["rigor"]["properties"]
    defaults = Settings()
    assert set(properties) == set(vars(defaults))
    for name, spec in properties.items():
        assert spec["default"] == getattr(defaults, name), name


# ---------------------------------------------------------------- detection on the five studies


def _built(study: str):
    built = cleaned(study)
    config = built.config
    data = add_line_columns(built.analysis, built.cohort.treatment_lines, config.get("line_columns", []))
    results = {}
    for analysis in config.get("analyses", []):
        results[analysis["id"]] = run_analysis(data, analysis, config.get("derive"), treatment_lines=built.cohort.treatment_lines, results=results)
    return config, data, Results.from_tables(results), built.cohort.treatment_lines


@pytest.fixture(scope="module")
def report():
    cache = {}

    def get(study: str):
        if study not in cache:
            config, data, results, lines = _built(study)
            cache[study] = (rigor_table(config, data, results, SETTINGS, lines), config, data, results, lines)
        return cache[study]

    return get


def detected(frame: pd.DataFrame, check: str) -> dict[str, str]:
    rows = frame[frame["check"] == check]
    return {f"{r.analysis}" + (f":{r.term}" if check in ("data_driven_cutoff",) else ""): r.verdict for r in rows.itertuples()}


def test_gastric_her2_loss(report):
    frame, config, data, results, lines = report("gastric_her2_loss")
    assert list(frame.columns) == list(COLUMNS)
    # HER2 change, known at the post-progression re-biopsy, as a factor of first-line PFS and OS
    immortal = detected(frame, "immortal_time")
    assert immortal == {
        "pfs_cox_by_change": DOES_NOT_HOLD,  # the re-biopsy follows each progression: not estimable
        "pfs_logrank_by_change": DOES_NOT_HOLD,
        "os_cox_by_change": HOLDS,
        "os_logrank_by_change": HOLDS,
    }
    # second-line PFS starts after the re-biopsy: no immortal time (tdm1_pfs_logrank not flagged)
    pfs = frame[(frame["check"] == "immortal_time") & (frame["analysis"] == "pfs_cox_by_change")].iloc[0]
    assert math.isnan(pfs["rigorous_p"]) and "0 of them known before their event" in pfs["detected"]
    # the OS row is R's coxph(Surv(tstart, tstop, event) ~ tdc) through the library
    os_row = frame[(frame["check"] == "immortal_time") & (frame["analysis"] == "os_cox_by_change")].iloc[0]
    work = data.copy()
    work["change"] = (work["post_progression_collection_months"]).where(work["her2_change"] == "loss")
    fit = time_dependent_cox(work, "os_months", "os_event", "change", ties="breslow", concordance=False)
    assert os_row["rigorous_estimate"] == fit.loc[fit["row_kind"] == "coefficient", "estimate"].iloc[0]
    assert os_row["rigorous_p"] == fit.loc[fit["row_kind"] == "coefficient", "p_value"].iloc[0]
    assert os_row["paper_p"] == results.row("os_cox_by_change", {"row_kind": "coefficient"})["p_value"]
    # H-score 170 and ISH ratio 4.36 dichotomise the ROC predictors and are tested for HER2 change;
    # the 4.48 split of the Cox models is tested for survival, not for the ROC's outcome
    cutoffs = detected(frame, "data_driven_cutoff")
    assert set(cutoffs) == {
        "characteristics_by_change:h_score_gt_170",
        "loss_by_h_score:h_score_le_170",
        "characteristics_by_change:ish_ratio_gt_4_36",
        "loss_by_ish_ratio:ish_ratio_le_4_36",
    }
    # SPSS's symmetric interval of the T-DM1 median PFS of the 3 loss patients
    median = frame[(frame["check"] == "small_samples") & (frame["analysis"] == "tdm1_pfs_median_by_change")]
    assert median["term"].tolist() == ["her2_change = loss"] and median["verdict"].tolist() == [WEAKER]
    # Table 2's 13 tests are a family
    table2 = frame[(frame["check"] == "multiplicity") & (frame["analysis"] == "characteristics_by_change")].iloc[0]
    assert table2["n_tests"] == 13
    assert set(frame["check"]) == {"immortal_time", "data_driven_cutoff", "multiplicity", "small_samples"}


def test_gastric_her2_heterogeneity(report):
    frame, config, data, results, lines = report("gastric_her2_heterogeneity")
    # baseline biopsies precede treatment: no immortal time
    assert "immortal_time" not in set(frame["check"])
    # PFS censored at conversion surgery (9 patients): every PFS test, no OS test
    censoring = frame[frame["check"] == "informative_censoring"]
    assert len(censoring) and all(a.startswith("pfs_") for a in censoring["analysis"])
    assert set(censoring["analysis"]) == {a["id"] for a in config["analyses"] if a["type"] in ("cox", "logrank") and a["params"]["time"] == "pfs_months"}
    whole = censoring[censoring["analysis"] == "pfs_cox_heterogeneity"].iloc[0]
    assert "9 at conversion surgery of 87" in whole["detected"]
    # the sensitivity analysis is the same Cox model with those censorings as events
    changed = data.copy()
    hit = (changed["pfs_event"] == 0) & np.isclose(changed["pfs_months"], changed["conversion_surgery_months"], rtol=0, atol=1e-9)
    assert hit.sum() == 9
    changed.loc[hit, "pfs_event"] = 1
    analysis = next(a for a in config["analyses"] if a["id"] == "pfs_cox_heterogeneity")
    fit = cox_model(changed, **analysis["params"])
    assert whole["rigorous_p"] == fit.loc[fit["row_kind"] == "coefficient", "p_value"].iloc[0]
    # ESM 4: one univariable Cox model per factor and endpoint, 22 tests
    esm4 = frame[(frame["check"] == "multiplicity") & (frame["analysis"] == "table esm4_univariable")].iloc[0]
    assert esm4["n_tests"] == 22
    assert "competing_risks" not in set(frame["check"])


def test_breast_her2_low_evolution(report):
    frame, config, data, results, lines = report("breast_her2_low_evolution")
    # the recurrence biopsy is taken at recurrence, the origin of BCSS
    assert "immortal_time" not in set(frame["check"])
    # BCSS censors the 3 deaths from other causes: cumulative incidence and Gray's test
    competing = frame[frame["check"] == "competing_risks"]
    assert "bcss_logrank_by_her2" in set(competing["analysis"])
    whole = competing[competing["analysis"] == "bcss_logrank_by_her2"].iloc[0]
    assert "3 of 247" in whole["detected"]
    status = data[["bcss_months", "recurrence_her2_group"]].copy()
    status["status"] = np.where(data["bcss_event"] == 1, 1, np.where(data["death_cause"].notna() & (data["death_cause"] != "cancer"), 2, 0))
    gray = gray_test(status, "bcss_months", "status", "recurrence_her2_group")
    assert whole["rigorous_p"] == gray.loc[gray["cause"].astype(str) == "1", "p_value"].iloc[0]
    # the 16 log-rank tests of the survival table are one family
    tests = frame[(frame["check"] == "multiplicity") & (frame["analysis"] == "table survival_tests")].iloc[0]
    assert tests["n_tests"] == 16
    assert "informative_censoring" not in set(frame["check"]) and "data_driven_cutoff" not in set(frame["check"])


def test_breast_tdxd_her2_loss(report):
    frame, *_ = report("breast_tdxd_her2_loss")
    small = detected(frame, "small_samples")
    # Bowker's chi-square on a sparse 4 x 4 shift table -> the exact conditional test
    assert "ihc_bowker" in small
    # Stuart-Maxwell's chi-square on the same table -> coin's exact test of the ordered categories
    assert "ihc_stuart_maxwell" in small
    bowker = frame[(frame["check"] == "small_samples") & (frame["analysis"] == "ihc_bowker")].iloc[0]
    assert bowker["rigorous_method"].startswith("Bowker") or "exact" in bowker["rigorous_method"].lower()
    assert set(frame["check"]) <= {"small_samples", "multiplicity"}


def test_breast_her2_l755s_case_has_nothing_to_report(report):
    frame, *_ = report("breast_her2_l755s_case")
    assert frame.empty
    markdown, _ = rigor_markdown(frame, "breast_her2_l755s_case", tuple(CHECKS))
    assert "Nothing detected" in markdown


def test_report_prints_every_number_through_the_numbers_module(report):
    from her2cohort.numbers import reprint

    frame, *_ = report("gastric_her2_loss")
    markdown, printed = rigor_markdown(frame, "gastric_her2_loss", tuple(CHECKS))
    record = printed.frame()
    assert len(record) > 20
    assert [reprint(k, v, o) for k, v, o in zip(record["kind"], record["values"], record["options"])] == record["text"].tolist()
    assert all(text in markdown for text in record["text"])
    supplement, footnotes, _ = rigor_supplement(frame)
    assert list(supplement.columns) == ["Weakness", "Analysis", "Paper's analysis", "More rigorous analysis", "Verdict"]
    assert len(supplement) == len(frame) and any("Verdict rule, immortal time" in f for f in footnotes)


def test_a_declared_family_and_a_study_landmark(report):
    frame, config, data, results, lines = report("gastric_her2_loss")
    study = {**config, "rigor": {"families": {"survival_by_change": ["pfs_cox_by_change", "os_cox_by_change"]}, "landmark_months": 6.0}}
    out = rigor_table(study, data, results, SETTINGS, lines, checks=["immortal_time", "multiplicity"])
    declared = out[out["analysis"] == "survival_by_change"].iloc[0]
    assert declared["n_tests"] == 2
    os_row = out[(out["check"] == "immortal_time") & (out["analysis"] == "os_cox_by_change")].iloc[0]
    assert "landmark at 6.0 months (configured)" in os_row["note"]


# ---------------------------------------------------------------- detection rules on a small synthetic study


def _synthetic(delay_months: float):
    """20 patients; HER2 change known at a re-biopsy ``delay_months`` after the origin
    (half of them lose HER2); OS from the origin, which is the index date."""
    rng = np.random.default_rng(7)
    n = 20
    data = pd.DataFrame({
        "patient_key": [f"P{k:03d}" for k in range(n)],
        "os_months": rng.uniform(4, 30, n).round(2),
        "os_event": rng.integers(0, 2, n),
        "baseline_collection_months": -0.5,
        "post_collection_months": delay_months,
        "her2_change": ["loss", "persistent"] * (n // 2),
    })
    study = {
        "study": "synthetic",
        "index_date": "treatment_start_date",
        "comparison": {"before": "baseline", "after": "post"},
        "endpoints": {"os": {"origin": "treatment_start_date", "events": ["death_date"]}},
        "derive": {"lost": "her2_change == 'loss'"},
        "analyses": [
            {"id": "os_cox", "type": "cox", "params": {"time": "os_months", "event": "os_event", "covariates": ["her2_change"], "reference_levels": {"her2_change": "persistent"}}},
            {"id": "os_cox_derived", "type": "cox", "params": {"time": "os_months", "event": "os_event", "covariates": ["lost"]}},
        ],
    }
    results = Results.from_tables({a["id"]: run_analysis(data, a, study["derive"]) for a in study["analyses"]})
    return study, data, results


def test_immortal_time_is_detected_through_change_and_derived_columns():
    study, data, results = _synthetic(3.0)
    frame = rigor_table(study, data, results, SETTINGS, checks=["immortal_time"])
    assert frame["analysis"].tolist() == ["os_cox", "os_cox_derived"]
    assert frame["verdict"].isin([HOLDS, WEAKER, DOES_NOT_HOLD]).all()
    assert all("20 of 20 patients more than 1.0 months after it" in d for d in frame["detected"])


def test_a_specimen_within_the_delay_is_taken_as_known_at_the_origin():
    study, data, results = _synthetic(0.5)
    assert rigor_table(study, data, results, SETTINGS, checks=["immortal_time"]).empty
    assert len(rigor_table(study, data, results, {**SETTINGS, "specimen_delay_months": 0.25}, checks=["immortal_time"])) == 2


def test_an_origin_the_data_cannot_place_is_not_checked():
    study, data, results = _synthetic(3.0)
    study["endpoints"]["os"]["origin"] = "diagnosis_date"  # not the index date: no specimen time relative to it
    assert rigor_table(study, data, results, SETTINGS, checks=["immortal_time"]).empty
