"""Errors that suggest: an unknown key, column, term or level lists the valid ones and names the nearest.

One implementation (:func:`her2cohort.errors.did_you_mean`, difflib's closest
match, case ignored) behind every such error: the study file's keys and
values (schema), raw columns (cleaning), analysis parameters naming no column,
labels of levels a table or figure does not print, result rows and columns
(:func:`her2cohort.results.select_row`), analysis parameters and results.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from conftest import EXAMPLE_STUDY, SCHEMAS, load_study, read_rows, write_rows
from her2cohort.analyses import check_analyses, run_analysis
from her2cohort.cleaning import read_cohort
from her2cohort.config import schema_errors
from her2cohort.declarations import expand_each
from her2cohort.errors import CohortDataError, StudyConfigError, did_you_mean, nearest
from her2cohort.numbers import Printed
from her2cohort.render.tables import render_table
from her2cohort.results import Results, SelectionError, select_row


def test_the_nearest_valid_name_and_the_valid_ones():
    assert nearest("agee", ["sex", "age_years", "ecog"]) == "age_years"
    assert nearest("AGE_YEARS", ["sex", "age_years"]) == "age_years"  # case ignored
    assert nearest("zzz", ["sex", "age_years"]) is None
    assert did_you_mean("agee", ["sex", "age_years"], "columns") == "did you mean 'age_years'? (columns: sex, age_years)"
    assert did_you_mean("zzz", ["sex"]) == "(expected one of: sex)"
    many = did_you_mean("x", [f"c{i}" for i in range(100)])
    assert many.endswith("c79 and 20 more)")


def test_an_unknown_key_or_value_of_the_study_file():
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    study["her2_guidline"] = study.pop("her2_guideline")
    study["her2_guidline"] = "asco_cap_2019"
    study["figures"] = [{"id": "f", "type": "km", "legend": "c", "from": "x", "time": [0, 1]}]
    study["analyses"][0]["type"] = "baseline_tabel"
    errors = schema_errors(study, SCHEMAS / "study.schema.yaml", "example.yaml")
    assert any("('her2_guidline' was unexpected); 'her2_guidline': did you mean 'her2_guideline'? (keys allowed here: study, title," in e for e in errors), errors
    assert "example.yaml: at key 'figures.0': figure 'f' (type km): 'time' is not a key of km; did you mean 'times'? (keys of km: from, times, medians," in "\n".join(errors), errors
    assert any(e.startswith("example.yaml: at key 'analyses.0.type': 'baseline_tabel' is not one of") and e.endswith("did you mean 'baseline_table'?") for e in errors), errors


def test_a_key_of_another_figure_type_or_table_layout_is_an_error_there():
    """Each table layout and figure type has its own keys (config/schemas/study.schema.yaml,
    $defs/figure_{type}, $defs/table_{layout}): one that another type takes is refused,
    naming the type, its keys and the types that take it."""
    study = expand_each(yaml.safe_load(EXAMPLE_STUDY.read_text()), "example.yaml")[0]  # the schema checks the items `each` stands for
    study["figures"] = [{"id": "x", "type": "roc", "legend": "c", "panels": [{"curve": "a", "cutoff": "b"}], "kmunicate": True}]
    study["tables"] = [{"id": "t", "layout": "estimates", "title": "T", "legend": "c", "rows": [{"label": "a", "from": "b"}], "blocks": []}]
    errors = schema_errors(study, SCHEMAS / "study.schema.yaml", "example.yaml")
    assert errors == [
        "example.yaml: at key 'figures.0': figure 'x' (type roc): 'kmunicate' is not a key of roc ('kmunicate' is a key of km) "
        "(keys of roc: panels, width, id, type, legend, audit_note, number, supplementary, part, regenerates, font_family, line_art)",
        "example.yaml: at key 'tables.0': table 't' (layout estimates): 'blocks' is not a key of estimates ('blocks' is a key of shift, shift_matrix) "
        "(keys of estimates: rows, decimals, estimate_heading, id, layout, title, legend, audit_note, number, supplementary, regenerates, footnotes, "
        "group_heading, test_column, abbreviations)",
    ]


def test_an_unknown_raw_column_names_the_nearest_column_the_file_lacks(cohort_dir, study):
    rows = read_rows(cohort_dir / "patients.csv")
    rows[0][rows[0].index("age_years")] = "Age_Year"
    write_rows(cohort_dir / "patients.csv", rows)
    with pytest.raises(CohortDataError) as caught:
        read_cohort(cohort_dir, study)
    (issue,) = caught.value.issues
    assert issue.column == "Age_Year"
    assert "ignore_columns; did you mean 'age_years'? (the columns of patients.csv: patient_id, sex, age_years, ecog," in issue.expected


def test_an_analysis_parameter_naming_no_column(study):
    data = pd.DataFrame({"patient_key": ["P1", "P2"], "pfs_months": [1.0, 2.0], "pfs_event": [1, 0], "sex": ["male", "female"]})
    analysis = {"id": "km", "type": "kaplan_meier", "params": {"time": "pfs_month", "event": "pfs_event", "group": "sexx"}}
    with pytest.raises(StudyConfigError) as caught:
        run_analysis(data, analysis)
    assert str(caught.value).splitlines() == [
        "analysis 'km': parameter 'group' names 'sexx', which is not a column of the analysis set: did you mean 'sex'? (the columns of the analysis set: patient_key, pfs_months, pfs_event, sex)",
        "analysis 'km': parameter 'time' names 'pfs_month', which is not a column of the analysis set: did you mean 'pfs_months'? (the columns of the analysis set: patient_key, pfs_months, pfs_event, sex)",
    ]


def test_an_unknown_parameter_name_of_an_analysis():
    problems = check_analyses([{"id": "a", "type": "logrank", "params": {"time": "t", "events": "e", "group": "g"}}], "example.yaml")
    assert problems == ["example.yaml: analyses[0] (a): params do not fit logrank: missing a required argument: 'event'; 'events': did you mean 'event'? (the parameters of logrank: time, event, group, strata, rho) ('events' is a parameter of meta_analysis)"]


def _table1() -> pd.DataFrame:
    data = pd.DataFrame({"sex": ["male", "female", "female"], "age_years": [50.0, 60.0, 70.0]})
    return run_analysis(data, {"id": "t1", "type": "baseline_table", "params": {"variables": ["sex", {"name": "age_years", "kind": "continuous"}]}})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"level_labels": {"sex": {"mael": "Male"}}}, "level_labels.sex: 'mael' matches nothing printed here: did you mean 'male'? (printed here: female, male)"),
        ({"labels": {"sexx": "Sex"}}, "labels: 'sexx' matches nothing printed here: did you mean 'sex'? (printed here: sex, age_years)"),
        ({"level_labels": {"gender": {"male": "Male"}}}, "level_labels: 'gender' is not a variable of 't1': (its variables: sex, age_years)"),
        ({"group_labels": {"Totl": "All"}}, "group_labels: 'Totl' matches nothing printed here: did you mean 'Total'? (printed here: Total)"),
    ],
)
def test_a_label_of_a_level_the_table_does_not_print(edit, message):
    spec = {"id": "table1", "layout": "baseline", "from": "t1", **edit}
    with pytest.raises(ValueError) as caught:
        render_table(Results.from_tables({"t1": _table1()}), spec, Printed())
    assert str(caught.value) == message


def test_labels_of_printed_levels_are_fine():
    spec = {"id": "table1", "layout": "baseline", "from": "t1", "labels": {"sex": "Sex"}, "level_labels": {"sex": {"male": "Male", "female": "Female"}}}
    display, _ = render_table(Results.from_tables({"t1": _table1()}), spec, Printed())
    assert display["Level"].tolist() == ["Female", "Male", ""]


def test_an_unknown_term_of_a_result_row():
    table = pd.DataFrame({"term": ["hr:age_years", "hr:sex_male", "logrank"], "estimate": [1.1, 0.8, 3.2]})
    with pytest.raises(SelectionError) as caught:
        select_row(table, {"term": "hr:age_year"}, "'cox_os'")
    assert str(caught.value) == "no row of 'cox_os' has {term: hr:age_year}; its rows: {term: hr:age_years}; {term: hr:sex_male}; {term: logrank}; did you mean term 'hr:age_years'?"
    with pytest.raises(SelectionError, match=r"'cox_os' has no column 'terms': did you mean 'term'\? \(its columns: term, estimate\)"):
        select_row(table, {"terms": "logrank"}, "'cox_os'")
    with pytest.raises(SelectionError, match=r"no result 'cox_pfs'.*did you mean 'cox_os'\?"):
        Results.from_tables({"cox_os": table}).table("cox_pfs")


def test_an_unknown_column_of_a_listing(study):
    table = pd.DataFrame({"line": [1, 2], "regimen": ["a", "b"]})
    spec = {"id": "lines", "layout": "listing", "from": "timeline", "columns": [{"column": "regimens"}]}
    with pytest.raises(ValueError, match=r"analysis 'timeline' has no column 'regimens': did you mean 'regimen'\?"):
        render_table(Results.from_tables({"timeline": table}), spec, Printed())


def test_a_study_file_lists_every_problem_with_its_suggestion(tmp_path):
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    study["titel"] = study.pop("title")
    study["analyses"][2]["params"]["tim"] = study["analyses"][2]["params"].pop("time")
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3, lines  # the unknown key, the missing title, the analysis: in one run
    assert "'titel': did you mean 'title'?" in lines[0] and "'title' is a required property" in lines[1]
    assert "analyses[2] (pfs_median): params do not fit median_survival" in lines[2] and "'tim': did you mean 'time'?" in lines[2]
