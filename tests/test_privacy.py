"""Privacy: no raw identifier or calendar date in any output; identifier columns refused or dropped.

The scan reads every file under ``results/`` and ``logs/`` of a full run
(tables, statistics, figures, replication files, provenance, logs, and the
HTML report of ``snakemake --report``), including binary ones, as
tests/privacy_scan.py describes, for every patient and specimen identifier and
every date of every raw table in ``data/raw/``, in every common date form.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.cleaning import clean_cohort
from her2cohort.errors import CohortDataError
from her2cohort.rawdata import looks_like_direct_identifier
from pipeline_runs import IDENTIFIER_COLUMNS, SMALL_STUDIES, add_identifier_columns, differences, study_prefixes
from privacy_scan import dates_in, findings, read_files, tokens_in

RAW = ROOT / "data" / "raw"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID_COLUMNS = {"patient_id", "specimen_id"}


def raw_identifiers_and_dates(raw: Path = RAW) -> tuple[set[str], set[dt.date]]:
    """Every identifier (patient and specimen ids, any identifier-like column) and every date of the raw tables."""
    identifiers, dates = set(), set()
    for path in sorted(raw.glob("*/*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        id_positions = [i for i, c in enumerate(rows[0]) if c in ID_COLUMNS or looks_like_direct_identifier(c)]
        for row in rows[1:]:
            identifiers |= {row[i].strip() for i in id_positions if row[i].strip()}
            dates |= {dt.date.fromisoformat(cell.strip()) for cell in row if ISO_DATE.match(cell.strip())}
    return identifiers, dates


# ---------------------------------------------------------------------------
# The scan itself finds what it looks for, in every format
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _planted_files() -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from docx import Document

    files = {"a.csv": b"term,estimate\nEX-001,1\n", "b.md": b"| seen on 01/03/2015 |"}
    for fonttype in (3, 42):
        with plt.rc_context({"pdf.fonttype": fonttype, "svg.fonttype": "none"}):
            figure, axes = plt.subplots()
            axes.set_title("patient EX-001, 2015-03-01")
            for fmt in ("pdf", "svg"):
                buffer = io.BytesIO()
                figure.savefig(buffer, format=fmt, metadata={"pdf": {"Creator": None, "Producer": None, "CreationDate": None}, "svg": {"Date": None}}[fmt])
                files[f"f{fonttype}.{fmt}"] = buffer.getvalue()
            plt.close(figure)
    figure = plt.figure()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Title": "EX-001 1 Mar 2015"})
    plt.close(figure)
    files["f.png"] = buffer.getvalue()
    document = Document()
    document.add_table(rows=1, cols=1).cell(0, 0).text = "EX-001 (20150301)"
    buffer = io.BytesIO()
    document.save(buffer)
    files["t.docx"] = buffer.getvalue()
    import base64

    feather = io.BytesIO()
    pd.DataFrame({"id": ["EX-001"], "date": ["2015-03-01"]}).to_feather(feather, compression="lz4")
    files["t.feather"] = feather.getvalue()
    files["r.html"] = b'<a href="data:text/csv;base64,' + base64.b64encode(b"id\nEX-001\nMarch 1, 2015\n") + b'">x</a>'
    return files


@pytest.mark.parametrize("name", ["a.csv", "f3.pdf", "f42.pdf", "f3.svg", "f42.svg", "f.png", "t.docx", "r.html", "t.feather"])
def test_the_scan_finds_an_identifier_in_every_format(name):
    found = findings({name: _planted_files()[name]}, ["EX-001"], [])
    assert any("identifier 'EX-001'" in line for line in found), found


@pytest.mark.parametrize("name", ["b.md", "f3.pdf", "f42.pdf", "f3.svg", "f.png", "t.docx", "r.html", "t.feather"])
def test_the_scan_finds_a_date_in_every_format(name):
    found = findings({name: _planted_files()[name]}, [], [dt.date(2015, 3, 1)])
    assert any("date 2015-03-01" in line for line in found), found


@pytest.mark.parametrize("text", ["2015-03-01", "2015/03/01", "01/03/2015", "03/01/2015", "1.3.2015", "20150301", "D:20150301120000", "1 Mar 2015", "01-Mar-2015", "March 1, 2015", "Mar 1 2015"])
def test_every_date_form_is_recognised(text):
    assert dt.date(2015, 3, 1) in dates_in(f"x {text} y".encode())


def test_numbers_that_only_look_like_dates_are_not_dates():
    assert dates_in(b"0.2015030112,12.20150301 p=0.20150301 v1.2.3 2015") == set()
    # what a bundled script of the HTML report holds: a URL path, a version suffix
    assert dates_in(b"http://werxltd.com/wp/2015/03/01/x version:'18.2.0-next-9e3b772b8-20150301'") == set()
    assert b"EX-001" not in tokens_in(b"EX-0012 XEX-001 EX-001a")
    assert b"EX-001" in tokens_in(b"(EX-001) P_EX-001.")


# ---------------------------------------------------------------------------
# Every output of a full run
# ---------------------------------------------------------------------------


def test_raw_identifiers_are_distinctive_enough_to_scan_for():
    identifiers, dates = raw_identifiers_and_dates()
    assert len(identifiers) > 500 and len(dates) > 500
    # numbers would match counts in the outputs; every bundled id has a letter
    assert all(len(i) >= 4 and re.search("[A-Za-z]", i) for i in identifiers), sorted(i for i in identifiers if len(i) < 4)


def test_no_raw_identifier_or_date_in_any_output(pipeline_runs):
    reference = pipeline_runs.result("reference")
    assert reference.last.ok, reference.transcript()
    report = reference.details["report"]
    assert report.ok, report.output[-3000:]
    files = read_files(reference.project)
    assert "results/report.html" in files
    identifiers, dates = raw_identifiers_and_dates(reference.project / "data" / "raw")
    assert findings(files, identifiers, dates) == []


# ---------------------------------------------------------------------------
# Identifier-like columns: refused or dropped, as configured
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    ["name", "patient_name", "Patient Name", "PatientName", "first_name", "surname", "mrn", "MRN", "medical_record_number", "Medical Record Number",
     "hospital_number", "date_of_birth", "DOB", "birth_date", "birthdate", "address", "Home Address", "zip_code", "phone", "phone_number", "email", "e-mail", "ssn", "nhs_number"],
)  # fmt: skip
def test_identifier_like_column_names_are_recognised(column):
    assert looks_like_direct_identifier(column)


@pytest.mark.parametrize("column", ["patient_id", "specimen_id", "site", "regimen", "regimen_name", "drug_name", "histology", "death_date", "diagnosis_date", "last_contact_date", "borrmann_type"])
def test_ordinary_columns_are_not_identifiers(column):
    assert not looks_like_direct_identifier(column)


def test_identifier_columns_are_refused_by_default_naming_file_and_column(cohort_dir, study):
    add_identifier_columns(cohort_dir)
    with pytest.raises(CohortDataError) as caught:
        clean_cohort(cohort_dir, study)
    issues = {(Path(i.file).name, i.line, i.column) for i in caught.value.issues}
    for table in ("patients.csv", "specimens.csv", "treatment_lines.csv"):
        for column in IDENTIFIER_COLUMNS:
            assert (table, 1, column) in issues
    assert all("looks like a direct identifier" in i.expected and "identifier_columns: drop" in i.expected for i in caught.value.issues)
    assert len(caught.value.issues) == 3 * len(IDENTIFIER_COLUMNS)  # nothing else: the values were never read


def test_identifier_columns_are_dropped_unread_when_configured(cohort_dir, study):
    written = add_identifier_columns(cohort_dir)
    cohort = clean_cohort(cohort_dir, {**study, "identifier_columns": "drop"})
    assert len(cohort.notes) == 3 * len(IDENTIFIER_COLUMNS)
    for note in cohort.notes:
        assert "looks like a direct identifier: dropped unread" in note and str(cohort_dir) in note
    reference = clean_cohort(_pristine(cohort_dir), study)
    for name in ("patients", "specimens", "treatment_lines", "exclusions", "flow", "row_counts"):
        frame = getattr(cohort, name)
        assert not set(frame.columns) & set(IDENTIFIER_COLUMNS), name
        assert frame.equals(getattr(reference, name)), name
        text = frame.to_csv()
        assert not any(v in text for values in written.values() for v in values), name


def _pristine(cohort_dir: Path) -> Path:
    """The example's raw folder as shipped, next to the corrupted one."""
    import shutil

    target = cohort_dir.parent / "pristine"
    if not target.exists():
        shutil.copytree(RAW / "example", target)
    return target


def test_pipeline_drops_identifier_columns_with_a_message_and_they_reach_no_output(pipeline_runs):
    small = pipeline_runs.result("small")
    dropped = pipeline_runs.result("identifiers_dropped")
    assert dropped.last.ok, dropped.transcript()
    log = dropped.outputs["logs/example/clean.log"].decode()
    for table in ("patients", "specimens", "treatment_lines"):
        for column in IDENTIFIER_COLUMNS:
            message = f"data/raw/example/{table}.csv: column '{column}' looks like a direct identifier: dropped unread"
            assert message in log and message in dropped.last.output
    # No value of those columns anywhere (the dates of birth in every form), no such column in any table.
    values = [v for vs in dropped.details["identifier_values"].values() for v in vs]
    births = {dt.date.fromisoformat(v) for v in dropped.details["identifier_values"]["date_of_birth"]}
    files = read_files(dropped.project)
    assert findings(files, [], births) == []
    assert [(p, v) for p, data in files.items() for v in values if v.encode() in data] == []
    for path, data in files.items():
        if path.endswith(".csv") and data:
            header = data.split(b"\n", 1)[0].decode()
            assert not any(looks_like_direct_identifier(c) for c in header.split(",")), path
    # Everything of the study is byte-identical to a run on the cohort without them, but the clean log's messages.
    lines = differences(small.outputs, dropped.outputs, within=study_prefixes(SMALL_STUDIES))
    assert lines and all(line.startswith("differs: logs/example/clean.log") for line in lines), lines
    without_notes = "".join(line for line in log.splitlines(keepends=True) if "dropped unread" not in line)
    assert without_notes == small.outputs["logs/example/clean.log"].decode()
