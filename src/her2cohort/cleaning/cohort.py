"""The cleaning stage of one cohort: the passes composed, patients pseudonymised.

:func:`read_cohort` runs the three passes over the raw tables (parse,
:mod:`.reading`; value domains, :mod:`.domains`; cross-table checks,
:mod:`.consistency`) and raises with every problem found, so an analyst fixes
an export in one go. :func:`clean_cohort` then applies the inclusion criteria
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
from her2cohort.errors import CohortDataError, DataIssue, StudyConfigError
from her2cohort.guidelines import asco_cap_release
from her2cohort.rawdata import DEFAULT_IDENTIFIER_POLICY


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


def read_cohort(raw_dir: str | Path, study: dict, notes: list[str] | None = None) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Parse, validate and cross-check the raw tables of a cohort, or raise with every issue.

    Messages that are not errors (identifier columns dropped) are appended to ``notes``.
    """
    raw_dir = Path(raw_dir)
    specs = study_specs(study)
    ignore = tuple(study.get("ignore_columns", []))
    policy = study.get("identifier_columns", DEFAULT_IDENTIFIER_POLICY)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    issues: list[DataIssue] = []
    for table in ("patients", "specimens", "treatment_lines"):
        path = raw_dir / f"{table}.csv"
        files[table] = str(path)
        if not path.exists():
            if table == "patients":
                issues.append(DataIssue(str(path), None, None, None, "file not found (every cohort needs patients.csv)"))
            tables[table] = pd.DataFrame()
            continue
        frame, found = read_raw_table(path, specs[table], ignore_columns=ignore, identifier_columns=policy, notes=notes)
        # Cells that failed to parse are NA, so the domain check adds only new findings.
        issues += sorted(found + validate_domains(frame, specs[table], str(path)), key=lambda i: (i.line or 0, i.column or ""))
        tables[table] = frame
    if issues:
        raise CohortDataError(issues)
    issues = check_consistency(tables, files, study.get("index_date", "treatment_start_date"))
    if issues:
        raise CohortDataError(issues)
    return tables, files


def pseudonymise(patients: pd.DataFrame) -> pd.Series:
    """Patient keys P001, P002, ... in the order of the raw file (stable, not the identifier)."""
    width = max(3, len(str(len(patients))))
    return pd.Series([f"P{i:0{width}d}" for i in range(1, len(patients) + 1)], index=patients.index)

def clean_cohort(raw_dir: str | Path, study: dict, source: str = "") -> CleanCohort:
    """Run the cleaning stage on one cohort folder; see the module docstring.
    ``source``: the study file, which an error in an inclusion ``query`` names."""
    notes: list[str] = []
    tables, files = read_cohort(raw_dir, study, notes)
    patients, specimens, lines = tables["patients"], tables["specimens"], tables["treatment_lines"]
    index_date = study.get("index_date", "treatment_start_date")
    if index_date not in patients:
        raise StudyConfigError(f"index_date: column {index_date!r} is not in {files['patients']}")

    kept, flow, excluded_rows = apply_inclusion(patients, specimens, study.get("inclusion", []), study.get("registry_label", "Registry"), source or f"study {study.get('study', '')!r}")
    key = pseudonymise(patients)
    exclusions_frame = exclusions_table(patients, kept, excluded_rows, (("specimens", specimens), ("treatment_lines", lines)))

    # Dates -> months, per endpoint and per declared interval.
    out = pd.DataFrame({"patient_key": key})
    date_columns = [s.name for s in study_specs(study)["patients"] if s.kind == "date"]
    keep_columns = [c for c in patients.columns if c not in date_columns and c not in ("patient_id", LINE)]
    out = pd.concat([out, patients[keep_columns]], axis=1)
    out = derive_times(out, patients, lines, study.get("endpoints", {}), study.get("intervals", {}))
    origin = patients.set_index("patient_id")[index_date]
    key_of = pd.Series(key.values, index=patients["patient_id"])

    def relative(frame: pd.DataFrame, dates: list[str]) -> pd.DataFrame:
        """The rows of kept patients, dates as months from the index date, keyed by ``patient_key``."""
        if frame.empty:
            return frame
        frame = frame[frame["patient_id"].isin(patients.loc[kept, "patient_id"])].copy()
        frame = months_since(frame, frame["patient_id"].map(origin), dates)
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
