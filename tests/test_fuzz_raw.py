"""Bad raw input, everywhere: every column of every study's raw tables, and the files themselves.

Three suites, on copies of each bundled cohort with its own study file:

- **every column**: for each corrupt value (wrong type, impossible value,
  missing, very long, unicode, quoted commas ...), one cell of *every* raw
  column of the study is set to it at once (a different row for each column),
  and the cohort is cleaned;
- **every file**: empty, header only, not UTF-8, UTF-16, a duplicated column,
  an extra column, a required column missing, rows with too many or too few
  fields, a byte-order mark, CRLF line ends, blank lines;
- **random cells** (hypothesis, derandomised, a fixed number of examples): a few
  cells of any table of any study set to anything.

Each must end in a clean error or a clean run. A clean error is a
``CohortDataError`` whose every issue names a raw file of the cohort, a real
column of it and a line of it; where the value is plainly wrong for its column
(a word in a number or date column, an impossible date, a value out of range,
a missing value where one is required) the issue names exactly that file, line
and column. A clean run accounts for every raw row (raw rows = analysed +
excluded, per table) and classification gives one analysis-set row per
analysed patient. Never another exception.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, load_study, read_rows, write_rows
from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.cleaning import clean_cohort, study_specs
from her2cohort.errors import CohortDataError
from her2cohort.rawdata import MISSING_MARKERS

STUDY_FILES = sorted((ROOT / "config" / "studies").glob("*.yaml"))
STUDIES = {path.stem: load_study(path) for path in STUDY_FILES}
TABLES = ("patients", "specimens", "treatment_lines")


def copy_cohort(name: str, target: Path) -> Path:
    raw = target / name
    shutil.copytree(ROOT / STUDIES[name]["raw_dir"], raw)
    return raw


def tables_of(raw: Path) -> dict[str, Path]:
    return {t: raw / f"{t}.csv" for t in TABLES if (raw / f"{t}.csv").exists()}


def data_rows(path: Path) -> int:
    """Records in a raw file (blank lines are no records), counted independently of the cleaning code."""
    return sum(1 for row in read_rows(path)[1:] if row)


def check_clean_error(err: CohortDataError, raw: Path) -> None:
    """Every issue names a file of the cohort and, when it names them, a real column and line of it."""
    assert err.issues
    for issue in err.issues:
        if issue.file == "the study file":  # a key the data cannot satisfy, named
            assert issue.expected.startswith("at key '") and issue.line is None, issue
            continue
        path = Path(issue.file)
        assert path.parent == raw and (path.exists() or "not found" in issue.expected), issue
        assert issue.expected.strip(), issue
        if issue.line is not None:
            n_lines = len(path.read_bytes().splitlines())
            assert 1 <= issue.line <= max(n_lines, 1), issue
        if issue.column is not None and issue.line == 1:
            header = read_rows(path)[0] if path.stat().st_size else []
            assert issue.column in header or "required" in issue.expected, issue
        assert "Traceback" not in str(issue)


def check_clean_run(cohort, raw: Path, study: dict) -> None:
    """No row lost: raw = analysed + excluded per table, one analysis-set row per analysed patient."""
    counts = cohort.row_counts.set_index("table")
    for table, path in tables_of(raw).items():
        assert counts.loc[table, "raw_rows"] == data_rows(path), table
    assert (counts["raw_rows"] == counts["analysed"] + counts["excluded"]).all()
    assert len(cohort.patients) == counts.loc["patients", "analysed"]
    classified = classify_specimens(cohort.specimens, study["her2_guideline"]) if not cohort.specimens.empty else cohort.specimens
    assert len(analysis_set(cohort.patients, classified, study.get("comparison"))) == len(cohort.patients)


def clean_or_clear_error(raw: Path, study: dict):
    """Clean the cohort; a CohortDataError is checked and returned, a clean run checked and returned."""
    try:
        cohort = clean_cohort(raw, study)
    except CohortDataError as err:
        check_clean_error(err, raw)
        return err
    check_clean_run(cohort, raw, study)
    return cohort


# ---------------------------------------------------------------------------
# Every column of every study
# ---------------------------------------------------------------------------

#: name -> the corrupt value written into one cell of every column.
CORRUPTIONS = {
    "empty": "",
    "word": "abc",
    "negative": "-1",
    "huge": "1e308",
    "impossible_date": "2015-02-30",
    "day_first_date": "31/12/2015",
    "decimal_comma": "1,5",
    "unicode": "é ü 中文 \u200b",
    "quoted": 'say "no", twice',
    "very_long": "x" * 100_000,
}

#: Kinds of column in which a value can never be a word.
TYPED = {"integer", "number", "date", "ihc_score", "boolean", "categorical", "multi"}


def plainly_wrong(value: str, spec) -> bool:
    """Whether ``value`` cannot be a valid cell of the column, by an oracle independent of the parsers."""
    text = value.strip()
    if text.lower() in MISSING_MARKERS:
        return not spec.nullable
    if spec.kind in ("id", "text"):
        return False
    if spec.kind in ("categorical", "multi"):
        known = {level.lower() for level in spec.levels} | {k.lower() for k in spec.synonyms}
        return text.lower() not in known
    if spec.kind == "date":
        return True  # none of the corrupt values is a real ISO date
    if spec.kind in ("integer", "number"):
        try:
            number = float(text)
        except ValueError:
            return True
        if not math.isfinite(number):
            return True
        low, high = spec.minimum, spec.maximum
        return (low is not None and (number < low or (spec.exclusive_minimum and number == low))) or (high is not None and number > high) or (spec.kind == "integer" and number != int(number))
    return spec.kind in TYPED and text not in {"0", "1", "2", "3", "1+", "2+", "3+"}


def corrupt_every_column(raw: Path, value: str) -> list[tuple[str, int, str]]:
    """Put ``value`` in one cell of every column (row chosen per column); return (file, line, column) of each."""
    cells = []
    for table, path in tables_of(raw).items():
        rows = read_rows(path)
        n = len(rows) - 1
        if n == 0:
            continue
        for position, column in enumerate(rows[0]):
            row = 1 + (position * 7) % n
            rows[row][position] = value
            cells.append((str(path), row + 1, column))
        write_rows(path, rows)
    return cells


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
@pytest.mark.parametrize("study", sorted(STUDIES))
def test_a_corrupt_value_in_every_column_gives_a_clear_error_at_each_bad_cell_or_a_clean_run(study, corruption, tmp_path):
    raw = copy_cohort(study, tmp_path)
    value = CORRUPTIONS[corruption]
    cells = corrupt_every_column(raw, value)
    outcome = clean_or_clear_error(raw, STUDIES[study])
    specs = {table: {s.name: s for s in columns} for table, columns in study_specs(STUDIES[study]).items()}
    wrong = [(f, line, c) for f, line, c in cells if c in specs[Path(f).stem] and plainly_wrong(value, specs[Path(f).stem][c])]
    if not wrong:
        return
    assert isinstance(outcome, CohortDataError), f"accepted {value[:40]!r} in {wrong[:5]}"
    found = {(i.file, i.line, i.column) for i in outcome.issues}
    missed = [cell for cell in wrong if cell not in found]
    assert missed == [], f"{len(missed)} bad cell(s) not reported, e.g. {missed[:3]}; reported: {sorted(found)[:5]}"


# ---------------------------------------------------------------------------
# Every file
# ---------------------------------------------------------------------------


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _header_only(path: Path) -> None:
    write_rows(path, read_rows(path)[:1])


def _latin1(path: Path) -> None:
    rows = read_rows(path)
    rows[-1][-1] = "caf\u00e9"
    path.write_bytes("\n".join(",".join(r) for r in rows).encode("latin-1") + b"\n")


def _utf16(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def _duplicate_column(path: Path) -> None:
    write_rows(path, [row + row[-1:] for row in read_rows(path)])


def _extra_column(path: Path) -> None:
    rows = read_rows(path)
    write_rows(path, [rows[0] + ["ward"]] + [row + ["3B"] for row in rows[1:]])


def _missing_required_column(path: Path) -> None:
    write_rows(path, [row[1:] for row in read_rows(path)])  # the first column of every table is required


def _too_many_fields(path: Path) -> None:
    rows = read_rows(path)
    rows[-1] = rows[-1] + ["surplus"]
    write_rows(path, rows)


def _too_few_fields(path: Path) -> None:
    rows = read_rows(path)
    rows[-1] = rows[-1][:-1]
    write_rows(path, rows)


FILE_FAULTS = {
    "empty": (_empty, "the file is empty"),
    "latin1": (_latin1, "not valid UTF-8"),
    "utf16": (_utf16, "not valid UTF-8"),
    "duplicate_column": (_duplicate_column, "column appears twice"),
    "extra_column": (_extra_column, "unknown column"),
    "missing_required_column": (_missing_required_column, "required column is missing"),
    "too_many_fields": (_too_many_fields, "fields, the header has"),
    "too_few_fields": (_too_few_fields, "fields, the header has"),
}

FILE_CASES = [(s, t) for s in sorted(STUDIES) for t in TABLES if (ROOT / STUDIES[s]["raw_dir"] / f"{t}.csv").exists()]


@pytest.mark.parametrize("fault", sorted(FILE_FAULTS))
@pytest.mark.parametrize(("study", "table"), FILE_CASES, ids=[f"{s}-{t}" for s, t in FILE_CASES])
def test_a_broken_file_is_an_error_naming_it(study, table, fault, tmp_path):
    raw = copy_cohort(study, tmp_path)
    path = raw / f"{table}.csv"
    damage, expected = FILE_FAULTS[fault]
    damage(path)
    outcome = clean_or_clear_error(raw, STUDIES[study])
    assert isinstance(outcome, CohortDataError)
    assert any(i.file == str(path) and expected in i.expected for i in outcome.issues), outcome.report()


@pytest.mark.parametrize(("study", "table"), FILE_CASES, ids=[f"{s}-{t}" for s, t in FILE_CASES])
def test_a_header_only_file_is_an_error_naming_it_or_a_cohort_without_those_rows(study, table, tmp_path):
    raw = copy_cohort(study, tmp_path)
    _header_only(raw / f"{table}.csv")
    outcome = clean_or_clear_error(raw, STUDIES[study])
    if table == "patients":
        assert isinstance(outcome, CohortDataError) and any("no rows" in i.expected for i in outcome.issues)


def test_a_missing_patients_file_is_an_error_naming_it(tmp_path):
    raw = copy_cohort("example", tmp_path)
    (raw / "patients.csv").unlink()
    outcome = clean_or_clear_error(raw, STUDIES["example"])
    assert isinstance(outcome, CohortDataError) and "file not found" in outcome.issues[0].expected


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_a_byte_order_mark_crlf_line_ends_and_blank_lines_change_nothing(study, tmp_path):
    pristine = clean_cohort(ROOT / STUDIES[study]["raw_dir"], STUDIES[study])
    raw = copy_cohort(study, tmp_path)
    for path in tables_of(raw).values():
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + (text.replace("\n", "\r\n") + "\r\n\r\n").encode("utf-8"))
    cohort = clean_or_clear_error(raw, STUDIES[study])
    for name in ("patients", "specimens", "treatment_lines", "exclusions", "flow", "row_counts"):
        pd.testing.assert_frame_equal(getattr(cohort, name), getattr(pristine, name))


# ---------------------------------------------------------------------------
# Random cells of any study (hypothesis)
# ---------------------------------------------------------------------------

SHAPES = {s: {t: (len(read_rows(p)) - 1, len(read_rows(p)[0])) for t, p in tables_of(ROOT / STUDIES[s]["raw_dir"]).items()} for s in STUDIES}
SCRATCH = {}

cell_values = st.one_of(
    st.sampled_from(sorted(CORRUPTIONS.values()) + ["not assessed", "inf", "  3  ", "0", "3+", "IHC 2+", "2012-01-01", "2030-01-01", "1900-01-01", "male", "yes", "baseline", "post_progression", "positive", "100%", "-0", "1e-300", "NaN", "S00001", "EX-001"]),
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**12), 10**12).map(str),
)


@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(STUDIES)), st.lists(st.tuples(st.sampled_from(TABLES), st.integers(0, 10**6), st.integers(0, 10**6), cell_values), min_size=1, max_size=4))
def test_random_cells_of_any_study_give_a_clean_error_or_a_clean_run(tmp_path_factory, study, corruptions):
    raw = tmp_path_factory.mktemp("random") / study
    shutil.copytree(ROOT / STUDIES[study]["raw_dir"], raw)
    for table, row, column, value in corruptions:
        if table not in SHAPES[study] or SHAPES[study][table][0] == 0:
            continue
        n_rows, n_columns = SHAPES[study][table]
        path = raw / f"{table}.csv"
        rows = read_rows(path)
        rows[1 + row % n_rows][column % n_columns] = value
        write_rows(path, rows)
    clean_or_clear_error(raw, STUDIES[study])
