"""A cohort without HER2 data: patients alone, the study file without her2_guideline or index_date.

A public cohort mapped onto the raw format often has no specimens (or no HER2
in them) and no treatment lines. specimens.csv and treatment_lines.csv may be
absent or hold their header alone; her2_guideline is needed only when
specimens carry HER2 data (or a comparison is declared), index_date only when
specimens or treatment lines have dates; the analysis set then has no HER2
column, and an analysis or figure that names one says why.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from conftest import ROOT, load_study
from her2cohort.analyses import run_analysis, study_column_problems
from her2cohort.classify import analysis_set, classification_summary, classify_cohort, has_her2_data, is_her2_column
from her2cohort.cleaning import clean_cohort
from her2cohort.errors import CohortDataError, StudyConfigError
from her2cohort.numbers import Printed
from her2cohort.render.figures.draw import Sources, analysis_set_problems
from her2cohort.render.figures.km import km
from her2cohort.render.tables import render_table
from her2cohort.results import Results
from pipeline_runs import NO_HER2_PATIENTS, NO_HER2_STUDY

STUDY = yaml.safe_load(NO_HER2_STUDY)


def write_cohort(folder, specimens: str | None = None, treatment_lines: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patients.csv").write_text(NO_HER2_PATIENTS, encoding="utf-8")
    if specimens is not None:
        (folder / "specimens.csv").write_text(specimens, encoding="utf-8")
    if treatment_lines is not None:
        (folder / "treatment_lines.csv").write_text(treatment_lines, encoding="utf-8")
    return folder


def analysed(folder, study=STUDY):
    cohort = clean_cohort(folder, study)
    classified = classify_cohort(cohort.specimens, study.get("her2_guideline"))
    return cohort, classified, analysis_set(cohort.patients, classified, study.get("comparison"))


@pytest.mark.parametrize("specimens", [None, "specimen_id,patient_id,timepoint\n", "specimen_id,patient_id,timepoint,ihc_score,ish_ratio\n"], ids=["absent", "header_only", "header_only_her2_columns"])
@pytest.mark.parametrize("treatment_lines", [None, "patient_id,line,regimen,start_date\n"], ids=["no_lines", "lines_header_only"])
def test_patients_alone_go_through_clean_classify_table1_and_kaplan_meier(tmp_path, specimens, treatment_lines):
    cohort, classified, data = analysed(write_cohort(tmp_path / "raw", specimens, treatment_lines))
    assert cohort.specimens.empty and cohort.treatment_lines.empty
    assert cohort.row_counts.to_dict("records") == [
        {"table": "patients", "raw_rows": 6, "analysed": 6, "excluded": 0},
        {"table": "specimens", "raw_rows": 0, "analysed": 0, "excluded": 0},
        {"table": "treatment_lines", "raw_rows": 0, "analysed": 0, "excluded": 0},
    ]
    # no HER2 column: not one of the 13 empty ones a cohort without HER2 data used to get
    assert list(data.columns) == ["patient_key", "sex", "age_years", "os_months", "os_event"]
    assert classification_summary(None, "").empty
    analyses = {a["id"]: a for a in STUDY["analyses"]}
    table1 = run_analysis(data, analyses["characteristics"])
    display, _ = render_table(Results.from_tables({"characteristics": table1}), STUDY["tables"][0], Printed())
    assert display["Total"].tolist() == ["59.5 (47–70)", "4 (66.7)", "2 (33.3)"]  # a median of whole years: its half shown (render.tables.baseline)
    assert display["Level"].tolist() == ["", "Female", "Male"]
    fit = run_analysis(data, analyses["os_km"])
    median = run_analysis(data, analyses["os_median"])
    assert fit["n_risk"].iloc[0] == 6 and int(median["n_events"].iloc[0]) == 3
    figure, drawn = km(Sources(Results.from_tables({"os_km": fit, "os_median": median}), analysis_set=data), STUDY["figures"][0], Printed())
    assert drawn["at_risk"]["n_risk"].tolist()[:2] == [6, 5]


def test_specimens_without_her2_values_give_no_her2_column(tmp_path):
    specimens = "specimen_id,patient_id,timepoint,ihc_score,hr_status\n" + "".join(f"S{i},A{i},primary,,positive\n" for i in range(1, 7))
    cohort, classified, data = analysed(write_cohort(tmp_path / "raw", specimens))
    assert not has_her2_data(cohort.specimens)
    assert "primary_hr_status" in data and not any(is_her2_column(c) for c in data.columns)


def test_the_study_file_needs_neither_her2_guideline_nor_index_date(tmp_path):
    path = tmp_path / "no_her2.yaml"
    path.write_text(NO_HER2_STUDY.replace("raw_dir: data/raw/no_her2", f"raw_dir: {write_cohort(tmp_path / 'raw')}"), encoding="utf-8")
    study = load_study(path)
    assert "her2_guideline" not in study and "index_date" not in study


def test_a_comparison_needs_her2_guideline(tmp_path):
    path = tmp_path / "no_her2.yaml"
    text = NO_HER2_STUDY.replace("raw_dir: data/raw/no_her2", f"raw_dir: {write_cohort(tmp_path / 'raw')}")
    path.write_text(text + "comparison: {before: baseline, after: post_progression}\n", encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_study(path)
    assert f"{path}: at key '(top level)': 'her2_guideline' is a dependency of 'comparison': a study that declares 'comparison' needs 'her2_guideline' too" in str(caught.value)


def test_her2_data_without_a_guideline_is_an_error_naming_the_key(tmp_path):
    specimens = "specimen_id,patient_id,timepoint,ihc_score\nS1,A1,primary,2+\n"
    with pytest.raises(CohortDataError) as caught:
        clean_cohort(write_cohort(tmp_path / "raw", specimens), STUDY, "config/studies/no_her2.yaml")
    assert [str(i) for i in caught.value.issues] == [
        f"config/studies/no_her2.yaml: at key 'her2_guideline': missing: {tmp_path / 'raw' / 'specimens.csv'} has HER2 data (ihc_score) to classify; "
        "name the guideline (one of gastric_equivocal_recount, gastric_consensus, asco_cap_2007, asco_cap_2013, asco_cap_2018, asco_cap_at_diagnosis), or leave those columns out of the export"
    ]


def test_dated_specimens_or_treatment_lines_need_an_index_date(tmp_path):
    lines = "patient_id,line,regimen,start_date\nA1,1,capecitabine,2015-01-10\n"
    specimens = "specimen_id,patient_id,timepoint,collection_date,hr_status\nS1,A1,primary,2014-12-01,positive\n"
    with pytest.raises(CohortDataError) as caught:
        clean_cohort(write_cohort(tmp_path / "raw", specimens, lines), STUDY, "config/studies/no_her2.yaml")
    (issue,) = caught.value.issues
    assert str(issue).startswith("config/studies/no_her2.yaml: at key 'index_date': missing: the dates of ")
    assert "specimens.csv (collection_date) and " in str(issue) and "treatment_lines.csv (start_date, end_date, progression_date)" in str(issue)
    # named: the dates become months from it
    cohort = clean_cohort(tmp_path / "raw", {**STUDY, "index_date": "treatment_start_date"})
    assert cohort.specimens["collection_months"].round(2).tolist() == [-1.31]  # 40 days


def test_an_analysis_or_figure_naming_a_her2_column_says_the_cohort_has_none(tmp_path):
    _, _, data = analysed(write_cohort(tmp_path / "raw"))
    analysis = {"id": "os_by_her2", "type": "logrank", "params": {"time": "os_months", "event": "os_event", "group": "baseline_her2_status"}}
    expected = (
        "analysis 'os_by_her2': parameter 'group' names 'baseline_her2_status', which is not a column of the analysis set: "
        "a HER2 variable, and this cohort has no HER2 data (no specimen with an IHC or ISH value), so the analysis set has no HER2 column"
    )
    with pytest.raises(StudyConfigError) as caught:
        run_analysis(data, analysis)
    assert str(caught.value) == expected
    change = {"id": "loss", "type": "proportion", "params": {"outcome": "her2_change", "success": "loss"}}
    problems = study_column_problems(data, [analysis, change], where="config/studies/no_her2.yaml")
    assert problems == [f"config/studies/no_her2.yaml: {expected}", problems[1]] and "parameter 'outcome' names 'her2_change'" in problems[1]
    figure = {"id": "h", "type": "paired", "before": "baseline_h_score", "after": "post_progression_h_score"}
    assert [p.split(": ", 1)[0] for p in analysis_set_problems(figure, data.columns)] == ["before", "after"]
    assert all("this cohort has no HER2 data" in p for p in analysis_set_problems(figure, data.columns))


def test_the_pipeline_runs_a_cohort_without_her2_data(pipeline_runs):
    scenario = pipeline_runs.result("no_her2")
    assert scenario.last.ok, scenario.transcript()
    out = scenario.outputs
    data = pd.read_csv(scenario.project / "results/no_her2/analysis_set.csv")
    assert list(data.columns) == ["patient_key", "sex", "age_years", "os_months", "os_event"]
    assert out["results/no_her2/classification.csv"] == b"rule,her2_status,reason,n_specimens\n"
    assert b"no HER2 data" in out["logs/no_her2/classify.log"]
    assert "| age_years, median (range) |  | 59.5 (47–70) |" in out["results/no_her2/tables/table1.md"].decode()
    assert {"results/no_her2/figures/os_figure.pdf", "results/no_her2/figures/flow_figure.png", "results/no_her2/stats/os_km.csv"} <= set(out)
    texts = pd.read_csv(scenario.project / "results/no_her2/figures/flow_figure_texts.csv")
    assert "No HER2 data: no specimen classified" in texts["text"].tolist()
