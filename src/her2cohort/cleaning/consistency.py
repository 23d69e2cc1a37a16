"""Checks across rows and tables: keys between patients, specimens and treatment lines, and dates in order.

The third pass of cleaning (:func:`check_consistency`), run on what the first
two passes could read (cells they reported are NA here, so that a bad cell is
one problem, not also its consequences; a check whose columns are missing is
skipped), and reported with their problems: duplicated patients and specimens, specimens and
treatment lines of unknown patients, two specimens of one patient at one time
point, one treatment line twice, event dates before the index date, last
contact before an event or after death, IHC intensity percentages that do not
sum to 100, post-treatment specimens dated before the index date. Every
finding names file, line and column, and quotes the other cell when the
problem is between two.
"""

from __future__ import annotations

import pandas as pd

from her2cohort.cleaning.cells import cell_text
from her2cohort.cleaning.reading import LINE
from her2cohort.errors import DataIssue

INTENSITY_COLUMNS = ("pct_cells_0", "pct_cells_1plus", "pct_cells_2plus", "pct_cells_3plus")
#: Intensity percentages must add up to 100 within this tolerance (rounded exports).
PERCENT_SUM_TOLERANCE = 0.5
#: Time points that follow the index treatment: their specimens cannot predate it.
POST_INDEX_TIMEPOINTS = ("post_progression", "post_treatment")


def _flag(issues: list[DataIssue], frame: pd.DataFrame, mask: pd.Series, file: str, column: str, expected, value=None) -> None:
    """One issue per row where ``mask`` holds; ``expected`` and ``value`` may be
    functions of the row (for messages that quote another cell)."""
    for _, row in frame.loc[mask.fillna(False).astype(bool)].iterrows():
        shown = value(row) if callable(value) else cell_text(row[column])
        issues.append(DataIssue(file, int(row[LINE]), column, shown, expected(row) if callable(expected) else expected))


def check_consistency(tables: dict[str, pd.DataFrame], files: dict[str, str], index_date: str | None, whole: dict[str, bool] | None = None) -> list[DataIssue]:
    """Cross-row and cross-table checks; every finding names file, line and column.

    Run on what the earlier passes could read: a check whose columns a table
    lacks (a required column missing from the header) is skipped, cells
    already reported are NA and take no part, and a row without its key is
    in no key check. ``whole``: per table, whether every row of its file was
    read (no row of the wrong width); a specimen or treatment line is said to
    have no patient only when patients.csv was read whole. ``index_date``
    None: the study has none, and nothing is checked against it.
    """
    issues: list[DataIssue] = []
    whole = whole or {}
    patients = tables["patients"]
    pfile = files["patients"]
    has = lambda frame, *columns: frame is not None and not frame.empty and all(c in frame for c in columns)  # noqa: E731

    if has(patients, "patient_id"):
        ids = patients["patient_id"]
        first_line = patients[ids.notna()].drop_duplicates("patient_id").set_index("patient_id")[LINE]
        _flag(issues, patients, ids.notna() & ids.duplicated(), pfile, "patient_id", lambda r: f"duplicated patient (first at line {first_line[r['patient_id']]})")

    def later(a: str, b: str, message: str) -> None:
        """Dates in the order time runs: ``a`` must not be after ``b``."""
        if has(patients, a, b):
            _flag(issues, patients, patients[a] > patients[b], pfile, a, lambda r: message.format(b=b, value=cell_text(r[b])))

    if index_date is not None and has(patients, index_date):
        for event in ("progression_date", "death_date", "conversion_surgery_date", "last_contact_date"):
            later(index_date, event, f"{index_date} is after {{b}} ({{value}}): an event cannot precede the index date")
    for event in ("progression_date", "death_date", "conversion_surgery_date"):
        later(event, "last_contact_date", "is after last_contact_date ({value}): last contact cannot precede an event")
    later("last_contact_date", "death_date", "is after death_date ({value}): no contact after death")
    later("diagnosis_date", "recurrence_date", "is after recurrence_date ({value})")
    if has(patients, "death_cause", "death_date"):
        orphan = patients["death_cause"].notna() & patients["death_date"].isna()
        _flag(issues, patients, orphan, pfile, "death_cause", "a cause of death is given but death_date is empty")

    # the patients a specimen or a line may name: known only when patients.csv was read whole
    known_patients = set(patients["patient_id"].dropna()) if has(patients, "patient_id") and whole.get("patients", True) else None
    unique_patients = patients[patients["patient_id"].notna()].drop_duplicates("patient_id").set_index("patient_id") if has(patients, "patient_id") else None
    specimens = tables.get("specimens")
    if has(specimens):
        sfile = files["specimens"]
        if known_patients is not None and "patient_id" in specimens:
            unknown = specimens["patient_id"].notna() & ~specimens["patient_id"].isin(known_patients)
            _flag(issues, specimens, unknown, sfile, "patient_id", "no such patient in patients.csv")
        dup = pd.Series(False, index=specimens.index)
        if "specimen_id" in specimens:
            dup = specimens["specimen_id"].notna() & specimens["specimen_id"].duplicated()
            _flag(issues, specimens, dup, sfile, "specimen_id", "duplicated specimen")
        if has(specimens, "patient_id", "timepoint"):
            keyed = specimens["patient_id"].notna() & specimens["timepoint"].notna()
            twice = keyed & specimens.duplicated(["patient_id", "timepoint"]) & ~dup
            _flag(issues, specimens, twice, sfile, "timepoint", lambda r: f"patient {r['patient_id']!r} already has a {r['timepoint']} specimen; combine the specimens of one time point into one row (fragment counts add up)")
        present = [c for c in INTENSITY_COLUMNS if c in specimens]
        if present:
            given = specimens[present].notna().any(axis=1)
            total = specimens[present].sum(axis=1, min_count=1)
            if "pct_cells_0" in present:
                bad = given & ((total - 100).abs() > PERCENT_SUM_TOLERANCE)
                expected = "intensity percentages (0, 1+, 2+, 3+) must add up to 100"
            else:  # the unstained share is implied
                bad = given & (total > 100 + PERCENT_SUM_TOLERANCE)
                expected = "intensity percentages (1+, 2+, 3+) add up to more than 100"
            _flag(issues, specimens, bad, sfile, "+".join(present), expected, value=lambda r: cell_text(r[present].sum()))
        positive, tumour = "n_fragments_her2_positive", "n_fragments_tumour"
        if positive in specimens and tumour in specimens:
            _flag(issues, specimens, specimens[positive] > specimens[tumour], sfile, positive, lambda r: f"more HER2-positive fragments than tumour fragments ({cell_text(r[tumour])})")
        if index_date is not None and unique_patients is not None and index_date in unique_patients and has(specimens, "collection_date", "timepoint", "patient_id"):
            origin = specimens["patient_id"].map(unique_patients[index_date])
            bad = specimens["timepoint"].isin(POST_INDEX_TIMEPOINTS) & (specimens["collection_date"] < origin)
            _flag(issues, specimens, bad, sfile, "collection_date", lambda r: f"a {r['timepoint']} specimen cannot be taken before the patient's {index_date}")

    lines_table = tables.get("treatment_lines")
    if has(lines_table):
        lfile = files["treatment_lines"]
        if known_patients is not None and "patient_id" in lines_table:
            unknown = lines_table["patient_id"].notna() & ~lines_table["patient_id"].isin(known_patients)
            _flag(issues, lines_table, unknown, lfile, "patient_id", "no such patient in patients.csv")
        if has(lines_table, "patient_id", "line"):
            keyed = lines_table["patient_id"].notna() & lines_table["line"].notna()
            dup = keyed & lines_table.duplicated(["patient_id", "line"])
            _flag(issues, lines_table, dup, lfile, "line", lambda r: f"patient {r['patient_id']!r} has this line twice")
        for column in ("end_date", "progression_date"):
            if has(lines_table, column, "start_date"):
                _flag(issues, lines_table, lines_table[column] < lines_table["start_date"], lfile, column, "is before start_date")
    return sorted(issues, key=lambda i: (i.file, i.line or 0, i.column or ""))
