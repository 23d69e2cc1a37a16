"""The cleaning stage: every schema rule and consistency check, rows never lost."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from conftest import read_rows, set_cell, write_rows
from her2cohort.cleaning import (
    clean_cohort,
    derive_endpoint,
    parse_date,
    parse_ihc_score,
    parse_integer,
    parse_number,
    read_cohort,
)
from her2cohort.errors import CohortDataError, StudyConfigError
from her2cohort.rawdata import DAYS_PER_MONTH

# --- cell parsers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [("0", 0), ("0+", 0), ("1+", 1), ("2+", 2), ("3+", 3), ("1", 1), ("3", 3), ("IHC 3+", 3), ("ihc2+", 2), ("HER2 2+", 2), ("2 +", 2), ("+3", 3)],
)
def test_accepted_ihc_forms(text, score):
    assert parse_ihc_score(text) == score


@pytest.mark.parametrize("text", ["4+", "1-2+", "negative", "equivocal", "2++", "3+ strong", "-1", "2.5", "IHC"])
def test_refused_ihc_forms(text):
    with pytest.raises(ValueError, match="expected an IHC score"):
        parse_ihc_score(text)


@pytest.mark.parametrize("text", ["03/04/2015", "2015-02-30", "2015-2-3", "20150203", "yesterday"])
def test_refused_dates(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


def test_numbers_and_integers():
    assert parse_number("4.36") == 4.36
    assert parse_number("35%") == 35
    assert parse_integer("3.0") == 3
    for bad, parser in [("4,36", parse_number), ("inf", parse_number), ("3.5", parse_integer)]:
        with pytest.raises(ValueError):
            parser(bad)


# --- one issue per schema rule ---------------------------------------------


def only_issue(cohort_dir, study):
    with pytest.raises(CohortDataError) as caught:
        read_cohort(cohort_dir, study)
    return caught.value.issues


@pytest.mark.parametrize(
    ("table", "line", "column", "value", "expected"),
    [
        ("patients", 2, "sex", " Unknown ", None),  # a missing marker: fine
        ("patients", 2, "sex", "X", "expected one of: male, female"),
        ("patients", 3, "age_years", "sixty", "expected a number"),
        ("patients", 3, "age_years", "130", "expected a value >= 0 and <= 120 years"),
        ("patients", 4, "ecog", "5", "expected a value >= 0 and <= 4"),
        ("patients", 4, "ecog", "1.5", "expected a whole number"),
        ("patients", 5, "treatment_start_date", "05/03/2012", "expected a date as YYYY-MM-DD"),
        ("patients", 5, "last_contact_date", "", "a value is required here"),
        ("patients", 6, "metastatic_sites", "liver;moon", "expected one of: peritoneum"),
        ("patients", 6, "best_response", "great", "expected one of: CR, PR, SD, PD, NE"),
        ("patients", 7, "borrmann_type", "V", "expected one of: I-III, IV"),
        ("patients", 7, "trastuzumab_cycles", "-1", "expected a value >= 0 and <= 200"),
        ("specimens", 2, "ihc_score", "4+", "expected an IHC score"),
        ("specimens", 3, "timepoint", "later", "expected one of: baseline"),
        ("specimens", 4, "ish_ratio", "0", "expected a value > 0 and <= 100"),
        ("specimens", 4, "ish_ratio", "-2.1", "expected a value > 0 and <= 100"),
        ("specimens", 5, "her2_copies_per_cell", "-3", "expected a value > 0"),
        ("specimens", 6, "pct_nuclei_ratio_ge2", "120", "expected a value >= 0 and <= 100%"),
        ("specimens", 2, "specimen_id", "", "a value is required here"),
        ("treatment_lines", 3, "line", "0", "expected a value >= 1 and <= 20"),
        ("treatment_lines", 3, "start_date", "2013-13-01", "expected a real calendar date"),
    ],
)
def test_each_schema_rule_names_file_line_column_and_value(cohort_dir, study, table, line, column, value, expected):
    path = cohort_dir / f"{table}.csv"
    set_cell(path, line, column, value)
    if expected is None:
        tables, _ = read_cohort(cohort_dir, study)  # a missing marker: no error, a missing value
        assert pd.isna(tables[table].loc[line - 2, column])
        return
    issues = only_issue(cohort_dir, study)
    matching = [i for i in issues if i.file == str(path) and i.line == line and i.column == column]
    assert len(matching) == 1, issues
    assert expected in matching[0].expected
    if value:
        assert matching[0].value == value.strip()
    assert f"line {line}, column '{column}'" in str(matching[0])


def test_several_errors_in_one_file_are_reported_together(cohort_dir, study):
    path = cohort_dir / "patients.csv"
    set_cell(path, 2, "sex", "X")
    set_cell(path, 5, "ecog", "7")
    set_cell(path, 9, "age_years", "old")
    issues = only_issue(cohort_dir, study)
    assert [(i.line, i.column) for i in issues] == [(2, "sex"), (5, "ecog"), (9, "age_years")]


# --- file-level problems -----------------------------------------------------


def test_unknown_column_is_refused(cohort_dir, study):
    rows = read_rows(cohort_dir / "patients.csv")
    rows[0].append("hemoglobin")
    for row in rows[1:]:
        row.append("12")
    write_rows(cohort_dir / "patients.csv", rows)
    issues = only_issue(cohort_dir, study)
    assert [(i.line, i.column) for i in issues] == [(1, "hemoglobin")]
    assert "unknown column" in issues[0].expected
    study["ignore_columns"] = ["hemoglobin"]
    read_cohort(cohort_dir, study)  # declared as ignored: fine


def test_duplicated_column_and_identifier_columns_are_refused(cohort_dir, study):
    rows = read_rows(cohort_dir / "patients.csv")
    rows[0] += ["sex", "Patient_Name"]
    for row in rows[1:]:
        row += ["male", "Doe"]
    write_rows(cohort_dir / "patients.csv", rows)
    messages = [i.expected for i in only_issue(cohort_dir, study)]
    assert any("appears twice" in m for m in messages)
    assert any("direct identifier" in m for m in messages)


def test_missing_required_column(cohort_dir, study):
    rows = [row[:-0 or None] for row in read_rows(cohort_dir / "specimens.csv")]
    index = rows[0].index("timepoint")
    write_rows(cohort_dir / "specimens.csv", [r[:index] + r[index + 1 :] for r in rows])
    issues = only_issue(cohort_dir, study)
    assert [(i.column, i.expected) for i in issues] == [("timepoint", "required column is missing")]


def test_row_with_wrong_number_of_fields(cohort_dir, study):
    path = cohort_dir / "patients.csv"
    path.write_text(path.read_text() + "EX-011,male,50\n")
    issues = only_issue(cohort_dir, study)
    assert [(i.line, i.expected) for i in issues] == [(12, "has 3 fields, the header has 18")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "the file is empty"), (b"patient_id,last_contact_date\n", "header but no rows"), (b"patient_id,last_contact_date\nP\xe9,2015-01-01\n", "not valid UTF-8")],
)
def test_empty_header_only_and_wrongly_encoded_files(cohort_dir, study, content, expected):
    (cohort_dir / "patients.csv").write_bytes(content)
    issues = only_issue(cohort_dir, study)
    assert any(expected in i.expected for i in issues)


def test_missing_patients_file(cohort_dir, study):
    (cohort_dir / "patients.csv").unlink()
    assert "file not found" in only_issue(cohort_dir, study)[0].expected


def test_byte_order_mark_and_spaces_are_accepted(cohort_dir, study):
    path = cohort_dir / "patients.csv"
    set_cell(path, 2, "sex", "  Male ")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    tables, _ = read_cohort(cohort_dir, study)
    assert tables["patients"].loc[0, "sex"] == "male"


# --- one issue per consistency check --------------------------------------


@pytest.mark.parametrize(
    ("table", "line", "column", "value", "issue_column", "expected"),
    [
        ("patients", 3, "patient_id", "EX-001", "patient_id", "duplicated patient (first at line 2)"),
        ("patients", 2, "progression_date", "2012-01-01", "treatment_start_date", "an event cannot precede the index date"),
        ("patients", 2, "death_date", "2012-01-01", "treatment_start_date", "an event cannot precede the index date"),
        ("patients", 2, "last_contact_date", "2013-01-01", "death_date", "last contact cannot precede an event"),
        ("patients", 3, "last_contact_date", "2012-09-01", "progression_date", "last contact cannot precede an event"),
        ("patients", 2, "last_contact_date", "2014-01-01", "last_contact_date", "no contact after death"),
        ("patients", 3, "death_cause", "cancer", "death_cause", "death_date is empty"),
        ("specimens", 2, "patient_id", "EX-999", "patient_id", "no such patient"),
        ("specimens", 3, "specimen_id", "S-001a", "specimen_id", "duplicated specimen"),
        ("specimens", 3, "timepoint", "baseline", "timepoint", "already has a baseline specimen"),
        ("specimens", 2, "pct_cells_0", "10", "pct_cells_0+pct_cells_1plus+pct_cells_2plus+pct_cells_3plus", "must add up to 100"),
        ("specimens", 3, "collection_date", "2012-01-01", "collection_date", "cannot be taken before"),
        ("treatment_lines", 2, "patient_id", "EX-999", "patient_id", "no such patient"),
        ("treatment_lines", 3, "line", "1", "line", "has this line twice"),
        ("treatment_lines", 3, "end_date", "2012-01-01", "end_date", "is before start_date"),
    ],
)
def test_each_consistency_check(cohort_dir, study, table, line, column, value, issue_column, expected):
    path = cohort_dir / f"{table}.csv"
    set_cell(path, line, column, value)
    issues = only_issue(cohort_dir, study)
    assert [(i.file, i.line, i.column) for i in issues if expected in i.expected] == [(str(path), line, issue_column)], issues


def test_percent_sum_tolerates_rounding(cohort_dir, study):
    set_cell(cohort_dir / "specimens.csv", 2, "pct_cells_3plus", "70.4")  # sums to 100.4
    tables, _ = read_cohort(cohort_dir, study)
    assert tables["specimens"].loc[0, "pct_cells_3plus"] == 70.4
    set_cell(cohort_dir / "specimens.csv", 2, "pct_cells_3plus", "70.6")  # sums to 100.6
    assert "must add up to 100" in only_issue(cohort_dir, study)[0].expected


def test_fragments_positive_cannot_exceed_tumour_fragments(cohort_dir, study):
    rows = read_rows(cohort_dir / "specimens.csv")  # the example has n_fragments_tumour
    rows[0] += ["n_fragments_her2_positive"]
    rows[1][rows[0].index("n_fragments_tumour")] = "3"
    rows[1] += ["4"]
    for row in rows[2:]:
        row += [""]
    write_rows(cohort_dir / "specimens.csv", rows)
    issues = only_issue(cohort_dir, study)
    assert [(i.line, i.column) for i in issues] == [(2, "n_fragments_her2_positive")]


# --- inclusion, flow and nothing lost -----------------------------------------


def test_flow_and_exclusions_of_the_example_cohort(cohort_dir, study):
    cohort = clean_cohort(cohort_dir, study)
    assert cohort.flow["n_remaining"].tolist() == [10, 9, 8, 7]
    assert cohort.flow["n_excluded"].tolist() == [0, 1, 1, 1]
    assert cohort.flow.loc[0, "label"] == study["registry_label"]
    patients_out = cohort.exclusions[cohort.exclusions["table"] == "patients"]
    assert sorted(zip(patients_out["line"], patients_out["reason"])) == [
        (8, "no progression on first-line treatment"),
        (9, "post-progression biopsy not evaluable by IHC"),
        (11, "no post-progression biopsy"),
    ]
    counts = cohort.row_counts.set_index("table")
    assert (counts["raw_rows"] == counts["analysed"] + counts["excluded"]).all()
    assert counts.loc["patients"].tolist() == [10, 7, 3]
    assert counts.loc["specimens"].tolist() == [18, 14, 4]
    assert len(cohort.patients) == 7 and len(cohort.specimens) == 14


def test_no_identifier_or_date_leaves_cleaning(cohort_dir, study):
    cohort = clean_cohort(cohort_dir, study)
    raw = pd.read_csv(cohort_dir / "patients.csv", dtype=str)
    text = "".join(frame.to_csv() for frame in (cohort.patients, cohort.specimens, cohort.treatment_lines, cohort.exclusions, cohort.flow))
    assert not any(pid in text for pid in raw["patient_id"])
    assert not any(s in text for s in pd.read_csv(cohort_dir / "specimens.csv", dtype=str)["specimen_id"])
    assert not any(column.endswith("_date") for frame in (cohort.patients, cohort.specimens, cohort.treatment_lines) for column in frame)
    import re

    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None


def test_query_criterion_and_bad_query(cohort_dir, study):
    study["inclusion"] = [{"label": "Aged 50+", "reason": "younger than 50", "require": {"query": "age_years >= 50"}}]
    cohort = clean_cohort(cohort_dir, study)
    assert cohort.flow["n_remaining"].tolist() == [10, 8]
    study["inclusion"][0]["require"]["query"] = "age >= 50"
    with pytest.raises(StudyConfigError, match=r"s.yaml: at key 'inclusion\[0\].require.query': 'age >= 50': `age`: no column named 'age'"):
        clean_cohort(cohort_dir, study, "s.yaml")


# --- dates to months and endpoints ------------------------------------------


def _patients(**columns):
    frame = pd.DataFrame({"patient_id": ["a"], **{k: [pd.Timestamp(v) if v else pd.NaT] for k, v in columns.items()}})
    return frame


def test_months_use_the_mean_gregorian_month():
    frame = _patients(treatment_start_date="2015-01-01", progression_date="2016-01-01", death_date="", last_contact_date="2016-06-01")
    out = derive_endpoint(frame, None, "pfs", {"origin": "treatment_start_date", "events": ["progression_date", "death_date"]})
    assert out.loc[0, "pfs_months"] == pytest.approx(365 / DAYS_PER_MONTH, rel=1e-12)
    assert out.loc[0, "pfs_event"] == 1


@pytest.mark.parametrize(
    ("dates", "spec", "months_days", "event"),
    [
        # no event: censored at last contact
        ({"progression_date": "", "death_date": ""}, {}, 400, 0),
        # death before progression: PFS event at death
        ({"progression_date": "", "death_date": "2015-03-01"}, {}, 59, 1),
        # conversion surgery before progression: censored at surgery
        ({"progression_date": "2015-06-01", "conversion_surgery_date": "2015-03-01"}, {"censor_at": ["conversion_surgery_date"]}, 59, 0),
        # progression before surgery: event
        ({"progression_date": "2015-02-01", "conversion_surgery_date": "2015-03-01"}, {"censor_at": ["conversion_surgery_date"]}, 31, 1),
    ],
)
def test_pfs_event_and_censoring(dates, spec, months_days, event):
    columns = {"treatment_start_date": "2015-01-01", "last_contact_date": "2016-02-05", "progression_date": "", "death_date": "", **dates}
    frame = _patients(**columns)
    out = derive_endpoint(frame, None, "pfs", {"origin": "treatment_start_date", "events": ["progression_date", "death_date"], **spec})
    assert out.loc[0, "pfs_months"] == pytest.approx(months_days / DAYS_PER_MONTH)
    assert out.loc[0, "pfs_event"] == event


def test_cause_specific_death_censors_other_deaths():
    frame = pd.concat([_patients(recurrence_date="2015-01-01", death_date="2015-04-11", last_contact_date="2015-04-11")] * 2, ignore_index=True)
    frame["death_cause"] = ["cancer", "other"]
    out = derive_endpoint(frame, None, "bcss", {"origin": "recurrence_date", "events": ["death_date"], "death_cause": "cancer"})
    assert out["bcss_event"].tolist() == [1, 0]
    assert out["bcss_months"].tolist() == pytest.approx([100 / DAYS_PER_MONTH] * 2)


def test_second_line_endpoint_from_treatment_lines(cohort_dir, study):
    cohort = clean_cohort(cohort_dir, study)
    p = cohort.patients.set_index("patient_key")
    # EX-002 (P002): line 2 from 2013-01-07 to progression 2013-02-11 = 35 days
    assert p.loc["P002", "pfs_second_line_months"] == pytest.approx(35 / DAYS_PER_MONTH)
    assert p.loc["P002", "pfs_second_line_event"] == 1
    # EX-005 (P005): line 2 ongoing, censored at last contact 2016-06-15
    assert p.loc["P005", "pfs_second_line_event"] == 0
    assert p.loc["P005", "pfs_second_line_months"] == pytest.approx((pd.Timestamp("2016-06-15") - pd.Timestamp("2014-11-10")).days / DAYS_PER_MONTH)
    # no second line: no value, not zero
    assert math.isnan(p.loc["P004", "pfs_second_line_months"])


# --- every problem of every file at once ---------------------------------------


def test_header_cells_and_cross_table_problems_of_every_file_are_reported_in_one_run(cohort_dir, study):
    # unknown columns used to stop cleaning before any cell was read, and the
    # cross-table checks ran only on a cohort without cell problems: three runs
    patients = read_rows(cohort_dir / "patients.csv")
    patients[0].append("hemoglobin")
    for row in patients[1:]:
        row.append("12")
    patients[3][patients[0].index("treatment_start_date")] = "03/04/2012"  # line 4: a bad date
    patients[2][patients[0].index("death_cause")] = "cancer"  # line 3: a cause of death, no death date
    write_rows(cohort_dir / "patients.csv", patients)
    specimens = read_rows(cohort_dir / "specimens.csv")
    specimens[0][specimens[0].index("ish_ratio")] = "ish_ration"
    specimens[2][specimens[0].index("ihc_score")] = "4+"  # line 3
    specimens[5][specimens[0].index("patient_id")] = "EX-999"  # line 6: no such patient
    write_rows(cohort_dir / "specimens.csv", specimens)
    issues = only_issue(cohort_dir, study)
    found = [(Path(i.file).name, i.line, i.column) for i in issues]
    assert found == [
        ("patients.csv", 1, "hemoglobin"),
        ("patients.csv", 3, "death_cause"),
        ("patients.csv", 4, "treatment_start_date"),
        ("specimens.csv", 1, "ish_ration"),
        ("specimens.csv", 3, "ihc_score"),
        ("specimens.csv", 6, "patient_id"),
    ], issues
    assert "did you mean 'ish_ratio'?" in issues[3].expected and "death_date is empty" in issues[1].expected and "YYYY-MM-DD" in issues[2].expected


def test_a_missing_required_column_does_not_hide_the_other_cells(cohort_dir, study):
    rows = read_rows(cohort_dir / "specimens.csv")
    index = rows[0].index("patient_id")
    rows = [r[:index] + r[index + 1 :] for r in rows]
    rows[3][rows[0].index("ihc_score")] = "5+"
    write_rows(cohort_dir / "specimens.csv", rows)
    issues = only_issue(cohort_dir, study)
    assert [(i.line, i.column) for i in issues] == [(1, "patient_id"), (4, "ihc_score")]


def test_a_value_already_reported_takes_no_part_in_the_cross_table_checks(cohort_dir, study):
    # an out-of-range percentage is one problem, not also "percentages do not add up to 100"
    set_cell(cohort_dir / "specimens.csv", 2, "pct_cells_0", "150")
    issues = only_issue(cohort_dir, study)
    assert [(i.line, i.column) for i in issues] == [(2, "pct_cells_0")]


def test_study_keys_the_data_cannot_satisfy_are_reported_with_the_data_problems(cohort_dir, study):
    set_cell(cohort_dir / "patients.csv", 3, "age_years", "sixty")
    study = {**study, "index_date": "treatment_start", "endpoints": {**study["endpoints"], "os": {"origin": "treatment_start_dat", "events": ["death_date"]}}}
    issues = only_issue(cohort_dir, study)
    assert [(Path(i.file).name, i.line, i.column) for i in issues][:1] == [("patients.csv", 3, "age_years")]
    messages = [str(i) for i in issues[1:]]
    assert messages == [
        "the study file: at key 'index_date': column 'treatment_start' is not in " + str(cohort_dir / "patients.csv") + "; did you mean 'treatment_start_date'? (its date columns: treatment_start_date, progression_date, death_date, last_contact_date)",
        "the study file: at key 'endpoints.os.origin': column 'treatment_start_dat' is not in " + str(cohort_dir / "patients.csv") + "; did you mean 'treatment_start_date'? (its date columns: treatment_start_date, progression_date, death_date, last_contact_date)",
    ]


def test_header_only_specimens_and_treatment_lines_are_a_cohort_without_them(cohort_dir, study):
    for name in ("specimens.csv", "treatment_lines.csv"):
        write_rows(cohort_dir / name, read_rows(cohort_dir / name)[:1])
    study = {**study, "endpoints": {k: v for k, v in study["endpoints"].items() if "line" not in v}}  # (no line 2 to start from)
    tables, _ = read_cohort(cohort_dir, study)
    assert tables["specimens"].empty and tables["treatment_lines"].empty
    write_rows(cohort_dir / "patients.csv", read_rows(cohort_dir / "patients.csv")[:1])
    assert [i.expected for i in only_issue(cohort_dir, study)] == ["the file has a header but no rows"]
