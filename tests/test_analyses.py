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
