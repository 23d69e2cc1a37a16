"""The cleaning stage of one cohort: the passes composed, patients pseudonymised.

:func:`read_cohort` runs the three passes over the raw tables (parse,
:mod:`.reading`; value domains, :mod:`.domains`; cross-table checks,
:mod:`.consistency`), then checks the study's keys against the data
(:func:`study_data_problems`), and raises with every problem found, so an
analyst fixes an export in one go. :func:`clean_cohort` then applies the inclusion criteria
(:mod:`.inclusion`), turns dates into months (:mod:`.endpoints`), replaces
patient identifiers by pseudonymous keys and counts each table's rows (raw =
analysed + excluded). This is the one place that knows the order of the steps;
each step lives in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from her2cohort.cleaning.consistency import check_consistency
from her2cohort.cleaning.domains import validate_domains
from her2cohort.cleaning.endpoints import derive_times, months_since
from her2cohort.cleaning.inclusion import apply_inclusion, exclusions_table
from her2cohort.cleaning.reading import LINE, read_raw_table
from her2cohort.cleaning.specs import study_specs
from her2cohort.errors import CohortDataError, DataIssue, StudyConfigError, did_you_mean
from her2cohort.guidelines import asco_cap_release
from her2cohort.rawdata import DEFAULT_IDENTIFIER_POLICY, her2_columns_with_data


@dataclass
class CleanCohort:
    """The cleaned tables of one study, pseudonymised, dates turned into months."""

    patients: pd.DataFrame
    specimens: pd.DataFrame
    treatment_lines: pd.DataFrame
    exclusions: pd.DataFrame
    flow: pd.DataFrame
    row_counts: pd.DataFrame  # per table: raw = analysed + excluded
    notes: list[str] = field(default_factory=list)  # for the clean log (e.g. identifier columns dropped)


#: The raw tables of a cohort, in the order they are read and reported; only
#: patients.csv must exist and have rows (a cohort without specimens or
#: treatment lines leaves their file out, or gives its header alone).
TABLE_ORDER = ("patients", "specimens", "treatment_lines")
OPTIONAL_TABLES = ("specimens", "treatment_lines")


def read_cohort(raw_dir: str | Path, study: dict, notes: list[str] | None = None, study_file: str = "the study file") -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Parse, validate and cross-check the raw tables of a cohort, or raise with every issue.

    Every file is read whole whatever its header holds (:func:`read_raw_table`),
    every cell checked against its domain, and the cross-table checks run on
    what could be read (:func:`check_consistency` skips a check whose columns
    are missing, and cells already reported take no part in it), then the
    study's keys are checked against the data (:func:`study_data_problems`):
    one :class:`CohortDataError` lists them all.

    Messages that are not errors (identifier columns dropped) are appended to
    ``notes``; ``study_file`` names the study file in the problems of its keys.
    """
    raw_dir = Path(raw_dir)
    specs = study_specs(study)
    ignore = tuple(study.get("ignore_columns", []))
    policy = study.get("identifier_columns", DEFAULT_IDENTIFIER_POLICY)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    issues: list[DataIssue] = []
    whole: dict[str, bool] = {}  # each row of the file was read (no file-level problem, no row of the wrong width)
    readable: dict[str, bool] = {}  # the file was read (absent, for an optional table), whatever its rows and cells
    for table in TABLE_ORDER:
        path = raw_dir / f"{table}.csv"
        files[table] = str(path)
        if not path.exists():
            if table == "patients":
                issues.append(DataIssue(str(path), None, None, None, "file not found (every cohort needs patients.csv)"))
            tables[table] = pd.DataFrame()
            whole[table] = readable[table] = table != "patients"
            continue
        frame, found = read_raw_table(
            path, specs[table], ignore_columns=ignore, identifier_columns=policy, notes=notes, rows_required=table not in OPTIONAL_TABLES
        )
        # Cells that failed to parse are NA, so the domain check adds only new findings;
        # a value outside its domain is then set to NA too, so that the cross-table
        # checks report problems of their own, not the consequences of these.
        domain = validate_domains(frame, specs[table], str(path))
        issues += sorted(found + domain, key=lambda i: (i.line or 0, i.column or ""))
        # a table without rows is a table the cohort does not have (as if its file were absent)
        tables[table] = _without(frame, domain) if len(frame) or table not in OPTIONAL_TABLES else pd.DataFrame()
        whole[table] = not any(issue.column is None for issue in found)
        readable[table] = not any(issue.line is None for issue in found if issue.expected != "the file has a header but no rows")
    issues += check_consistency(tables, files, study.get("index_date"), whole)
    issues += study_data_problems(study, tables, files, study_file, readable)
    if issues:
        # file by file (patients, specimens, treatment lines, then the study's keys), each in line order
        order = {path: position for position, path in enumerate(files.values())}
        raise CohortDataError(sorted(issues, key=lambda i: (order.get(i.file, len(order)), i.line or 0)))
    return tables, files


def _without(frame: pd.DataFrame, issues: list[DataIssue]) -> pd.DataFrame:
    """``frame`` with the cells of ``issues`` (found at a file line, in a column) set to NA."""
    if not issues or frame.empty:
        return frame
    frame = frame.copy()
    for issue in issues:
        if issue.column in frame and issue.line is not None:
            frame.loc[frame[LINE] == issue.line, issue.column] = None
    return frame


def study_data_problems(
    study: dict, tables: dict[str, pd.DataFrame], files: dict[str, str], study_file: str = "the study file", readable: dict[str, bool] | None = None
) -> list[DataIssue]:
    """The study's keys that the cohort's data cannot satisfy, each naming the key.

    ``her2_guideline`` is needed when specimens carry HER2 data (to classify
    them); ``index_date`` when specimens have collection dates or the cohort
    has treatment lines (their dates become months from it) and must be a date
    column of patients.csv; every column an endpoint or an interval names must
    be one. Reported as issues of the study's keys, beside the data's own.
    ``readable``: per table, whether its file could be read (a file that could
    not is already a problem, and is not taken for a table without rows).
    """
    readable = readable or {}
    patients = tables["patients"]
    if "patient_id" not in patients:  # patients.csv unreadable: its columns are unknown, nothing to check against
        return []
    problems: list[tuple[str, str]] = []  # (key, what is wrong)
    specimens, lines = tables.get("specimens"), tables.get("treatment_lines")
    her2 = her2_columns_with_data(specimens)
    if her2 and not study.get("her2_guideline"):
        from her2cohort.guidelines import GUIDELINES

        problems.append((
            "her2_guideline",
            f"missing: {files['specimens']} has HER2 data ({', '.join(her2)}) to classify; "
            f"name the guideline (one of {', '.join(GUIDELINES)}), or leave those columns out of the export",
        ))
    dates = [s.name for s in study_specs(study)["patients"] if s.kind == "date" and s.name in patients]
    index_date = study.get("index_date")
    dated = []
    if specimens is not None and "collection_date" in specimens and specimens["collection_date"].notna().any():
        dated.append(f"{files['specimens']} (collection_date)")
    if lines is not None and not lines.empty:
        dated.append(f"{files['treatment_lines']} (start_date, end_date, progression_date)")
    if index_date is None and dated:
        problems.append(("index_date", f"missing: the dates of {' and '.join(dated)} become months from each patient's index date; name it (one of {', '.join(dates)})"))
    elif index_date is not None and index_date not in patients:
        problems.append(("index_date", f"column {index_date!r} is not in {files['patients']}; {did_you_mean(index_date, dates, 'its date columns')}"))
    for name, spec in study.get("endpoints", {}).items():
        if "line" in spec and (lines is None or lines.empty) and readable.get("treatment_lines", True):
            problems.append((f"endpoints.{name}", f"uses treatment line {spec['line']} but the cohort has no treatment lines ({files['treatment_lines']})"))
        named = ([("origin", spec["origin"])] if "origin" in spec else []) + [("events", c) for c in spec.get("events", [])] + [("censor_at", c) for c in spec.get("censor_at", [])]
        for key, column in named:
            if column not in patients and not ("line" in spec and column == "progression_date"):
                problems.append((f"endpoints.{name}.{key}", f"column {column!r} is not in {files['patients']}; {did_you_mean(column, dates, 'its date columns')}"))
    for name, pair in study.get("intervals", {}).items():
        for column in pair:
            if column not in patients:
                problems.append((f"intervals.{name}", f"column {column!r} is not in {files['patients']}; {did_you_mean(column, dates, 'its date columns')}"))
    return [DataIssue(study_file, None, None, None, f"at key '{key}': {message}") for key, message in problems]


def pseudonymise(patients: pd.DataFrame) -> pd.Series:
    """Patient keys P001, P002, ... in the order of the raw file (stable, not the identifier)."""
    width = max(3, len(str(len(patients))))
    return pd.Series([f"P{i:0{width}d}" for i in range(1, len(patients) + 1)], index=patients.index)


def clean_cohort(raw_dir: str | Path, study: dict, study_file: str = "the study file") -> CleanCohort:
    """Run the cleaning stage on one cohort folder; see the module docstring.

    ``study_file`` names the study file in the problems of its keys and in an
    error of an inclusion ``query`` (the rule script passes its path)."""
    notes: list[str] = []
    tables, files = read_cohort(raw_dir, study, notes, study_file)
    patients, specimens, lines = tables["patients"], tables["specimens"], tables["treatment_lines"]
    index_date = study.get("index_date")

    kept, flow, excluded_rows = apply_inclusion(patients, specimens, study.get("inclusion", []), study.get("registry_label", "Registry"), study_file)
    key = pseudonymise(patients)
    exclusions_frame = exclusions_table(patients, kept, excluded_rows, (("specimens", specimens), ("treatment_lines", lines)))

    # Dates -> months, per endpoint and per declared interval.
    out = pd.DataFrame({"patient_key": key})
    date_columns = [s.name for s in study_specs(study)["patients"] if s.kind == "date"]
    keep_columns = [c for c in patients.columns if c not in date_columns and c not in ("patient_id", LINE)]
    out = pd.concat([out, patients[keep_columns]], axis=1)
    out = derive_times(out, patients, lines, study.get("endpoints", {}), study.get("intervals", {}))
    # (read_cohort made sure there is an index date when a table below has dates)
    origin = patients.set_index("patient_id")[index_date] if index_date is not None else None
    key_of = pd.Series(key.values, index=patients["patient_id"])

    def relative(frame: pd.DataFrame, dates: list[str]) -> pd.DataFrame:
        """The rows of kept patients, dates as months from the index date, keyed by ``patient_key``."""
        if frame.empty:
            return frame
        frame = frame[frame["patient_id"].isin(patients.loc[kept, "patient_id"])].copy()
        if origin is not None:
            frame = months_since(frame, frame["patient_id"].map(origin), dates)
        else:  # no index date: no table here has a date (read_cohort checked), only empty date columns
            frame = frame.drop(columns=[c for c in dates if c in frame])
        frame.insert(0, "patient_key", frame["patient_id"].map(key_of))
        return frame.drop(columns=[c for c in ("patient_id", "specimen_id", LINE) if c in frame])

    if study.get("her2_guideline") == "asco_cap_at_diagnosis" and "collection_date" in specimens:
        # Each sample is scored by the guideline in force when it was taken; the
        # release label survives cleaning, the date does not.
        specimens = specimens.assign(asco_cap_release=asco_cap_release(specimens["collection_date"]))
    clean_specimens = relative(specimens, ["collection_date"])
    clean_lines = relative(lines, ["start_date", "end_date", "progression_date"])
    counts = []
    for table, frame in (("patients", patients), ("specimens", specimens), ("treatment_lines", lines)):
        n_excluded = int((exclusions_frame["table"] == table).sum())
        counts.append({"table": table, "raw_rows": int(len(frame)), "analysed": int(len(frame)) - n_excluded, "excluded": n_excluded})
    counts_frame = pd.DataFrame(counts)
    assert (counts_frame["raw_rows"] == counts_frame["analysed"] + counts_frame["excluded"]).all()
    return CleanCohort(
        patients=out[kept.values].reset_index(drop=True),
        specimens=clean_specimens.reset_index(drop=True) if not clean_specimens.empty else clean_specimens,
        treatment_lines=clean_lines.reset_index(drop=True) if not clean_lines.empty else clean_lines,
        exclusions=exclusions_frame,
        flow=flow,
        row_counts=counts_frame,
        notes=notes,
    )
