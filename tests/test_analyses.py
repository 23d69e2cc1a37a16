"""The analysis catalogue: declared analyses run through the same library functions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import EXAMPLE_RAW, EXAMPLE_STUDY, ROOT, load_study
from her2cohort.analyses import CATALOGUE, prepare, run_analysis
from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.cleaning import clean_cohort
from her2cohort.errors import StudyConfigError

FIXTURES = ROOT / "tests" / "fixtures" / "r" / "example_cohort"


@pytest.fixture(scope="module")
def example():
    study = load_study(EXAMPLE_STUDY)
    cohort = clean_cohort(EXAMPLE_RAW, study)
    data = analysis_set(cohort.patients, classify_specimens(cohort.specimens, study["her2_guideline"]), study["comparison"])
    return study, data


def test_schema_lists_exactly_the_catalogue():
    schema = yaml.safe_load((ROOT / "config" / "schemas" / "study.schema.yaml").read_text())
    types = schema["properties"]["analyses"]["items"]["properties"]["type"]["enum"]
    assert sorted(types) == sorted(CATALOGUE)


def test_declared_analyses_match_r_on_the_example_cohort(example):
    study, data = example
    by_id = {a["id"]: a for a in study["analyses"]}
    expected = pd.read_csv(FIXTURES / "pfs_by_response.csv").iloc[0]
    logrank = run_analysis(data, by_id["pfs_by_response"], study["derive"])
    assert logrank.loc[0, ["analysis", "type"]].tolist() == ["pfs_by_response", "logrank"]
    assert logrank.loc[0, "statistic"] == pytest.approx(expected["logrank_chisq"], rel=1e-6)
    assert logrank.loc[0, "p_value"] == pytest.approx(expected["logrank_p"], rel=1e-6)
    median = run_analysis(data, {**by_id["pfs_median"], "params": {"time": "pfs_months", "event": "pfs_event"}})
    r_median = pd.read_csv(FIXTURES / "medians.csv").set_index("endpoint").loc["pfs", "median"]
    assert median.loc[0, "estimate"] == pytest.approx(r_median, rel=1e-12)


def test_where_and_derive(example):
    study, data = example
    paired = run_analysis(data, next(a for a in study["analyses"] if a["id"] == "h_score_before_after_loss"), study["derive"])
    assert paired.loc[0, "n"] == (data["her2_change"] == "loss").sum()
    table = run_analysis(data, study["analyses"][0], study["derive"])
    rows = table[(table.variable == "h_score_le_170") & (table.row_type == "summary") & (table.group == "Total")]
    assert rows.set_index("level").loc[True, "n"] == (data["baseline_h_score"] <= 170).sum()


def test_separation_is_reported_not_hidden(example):
    study, data = example
    result = run_analysis(data, next(a for a in study["analyses"] if a["id"] == "loss_by_h_score"), study["derive"])
    assert result["estimate"].isna().all()
    assert result["note"].str.contains("separation").all()


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        ({"id": "a", "type": "logrank", "params": {"time": "pfs_months", "events": "pfs_event", "group": "sex"}}, "params do not fit logrank"),
        ({"id": "a", "type": "t_test"}, "at key 'analyses.0.type': 't_test' is not one of"),
    ],
)
def test_bad_analyses_are_refused_when_the_study_loads(tmp_path, analysis, message):
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    study["analyses"] = [analysis]
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study))
    with pytest.raises(ValueError, match=message):
        load_study(path)


def test_repeated_ids_are_refused(tmp_path):
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    study["analyses"].append(dict(study["analyses"][0]))
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study))
    with pytest.raises(ValueError, match="id repeats"):
        load_study(path)


def test_bad_expressions_name_the_file_and_key(example):
    _, data = example
    with pytest.raises(StudyConfigError, match=r"s.yaml: at key 'analyses\[3\].where': 'no_such_column > 1': `no_such_column`: no column named"):
        prepare(data, None, "no_such_column > 1", "analyses[3]", "s.yaml")
    with pytest.raises(StudyConfigError, match=r"at key 'analyses\[3\].derive.y'"):
        prepare(data, {"y": "no_such_column + 1"}, None, "analyses[3]", "s.yaml")
    with pytest.raises(StudyConfigError, match=r"at key 'derive.z'.*did you mean 'baseline_h_score'"):
        prepare(data, None, None, "analyses[3]", "s.yaml", study_derive={"z": "baseline_h_scor > 1"})


def test_p_adjust_runs_on_the_results_of_earlier_analyses(example):
    from her2cohort.stats.multiplicity import p_adjust_values

    study, data = example
    by_id = {a["id"]: a for a in study["analyses"]}
    results = {name: run_analysis(data, by_id[name], study["derive"]) for name in ("h_score_before_after_loss", "pfs_by_response")}
    adjusted = run_analysis(data, by_id["tests_adjusted"], study["derive"], results=results)
    p = [results["h_score_before_after_loss"]["p_value"].iloc[0], results["pfs_by_response"]["p_value"].dropna().iloc[0]]
    holm = adjusted[adjusted["adjustment"] == "holm"]
    assert holm["tested_analysis"].tolist() == ["h_score_before_after_loss", "pfs_by_response"]
    assert holm["p_value"].tolist() == p
    assert holm["p_adjusted"].tolist() == p_adjust_values(p, "holm").tolist()
    assert (adjusted["n"] == 2).all()
    with pytest.raises(StudyConfigError, match="not declared before it"):
        run_analysis(data, by_id["tests_adjusted"], study["derive"], results={})


def test_data_results_must_name_earlier_analyses():
    from her2cohort.analyses import check_analyses

    analyses = [
        {"id": "adjusted", "type": "p_adjust", "data": "results", "results": ["pfs_logrank"]},
        {"id": "pfs_logrank", "type": "logrank", "params": {"time": "t", "event": "e", "group": "g"}},
        {"id": "no_list", "type": "p_adjust", "data": "results"},
        {"id": "stray", "type": "p_adjust", "results": ["pfs_logrank"]},
        {"id": "typo", "type": "p_adjust", "data": "results", "results": ["pfs_logrnk"]},
    ]
    problems = check_analyses(analyses, "study.yaml")
    assert problems[0].startswith("study.yaml: analyses[0] (adjusted): results names 'pfs_logrank', which is not an analysis declared before it")
    assert any("analyses[2] (no_list): data: results needs 'results'" in p for p in problems)
    assert any("analyses[3] (stray): 'results' is only read with data: results" in p for p in problems)
    assert any("analyses[4] (typo)" in p and "did you mean 'pfs_logrank'" in p for p in problems)
