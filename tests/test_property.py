"""Property: corrupting any cells of a valid cohort gives a clean error or a clean run.

Never a traceback, never a lost row: either every problem is reported as a
DataIssue naming the file (and, for a cell, its line and column), or the run
completes and raw rows = analysed + excluded in every table.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE_RAW, EXAMPLE_STUDY, load_study, read_rows, write_rows
from her2cohort.cleaning import clean_cohort
from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.errors import CohortDataError

STUDY = load_study(EXAMPLE_STUDY)
TABLES = ("patients", "specimens", "treatment_lines")
SIZES = {t: (len(read_rows(EXAMPLE_RAW / f"{t}.csv")) - 1, len(read_rows(EXAMPLE_RAW / f"{t}.csv")[0])) for t in TABLES}

cell_values = st.one_of(
    st.sampled_from(["", "NA", "3+", "2+", "IHC 1+", "0", "-1", "1e9", "2015-02-30", "2012-01-01", "2030-01-01", "male", "yes", "EX-001", "S-001a", "baseline", "post_progression", "nan", "inf", " 4.36 ", "100%", "x" * 5000]),
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-10**6, 10**6).map(str),
)

corruption = st.tuples(
    st.sampled_from(TABLES),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    cell_values,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corruption, min_size=1, max_size=4))
def test_corrupted_cells_give_clean_error_or_clean_run(corruptions):
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        shutil.copytree(EXAMPLE_RAW, raw)
        # corrupt the rows in memory and write each table once: a value such as "\r"
        # breaks the file's line structure, and re-reading it would move the cells
        contents = {table: read_rows(raw / f"{table}.csv") for table in TABLES}
        for table, row, column, value in corruptions:
            n_rows, n_columns = SIZES[table]
            contents[table][1 + row % n_rows][column % n_columns] = value
        for table in {table for table, *_ in corruptions}:
            write_rows(raw / f"{table}.csv", contents[table])
        try:
            cohort = clean_cohort(raw, STUDY)
        except CohortDataError as err:
            assert err.issues
            for issue in err.issues:
                assert issue.file.startswith(str(raw))
                assert issue.expected
            return
        counts = cohort.row_counts.set_index("table")
        for table in TABLES:
            raw_rows = len(pd.read_csv(raw / f"{table}.csv", dtype=str, keep_default_na=False).dropna(how="all"))
            assert counts.loc[table, "raw_rows"] == raw_rows
        assert (counts["raw_rows"] == counts["analysed"] + counts["excluded"]).all()
        assert len(cohort.patients) == counts.loc["patients", "analysed"]
        classified = classify_specimens(cohort.specimens, STUDY["her2_guideline"])
        assert len(analysis_set(cohort.patients, classified, STUDY["comparison"])) == len(cohort.patients)
