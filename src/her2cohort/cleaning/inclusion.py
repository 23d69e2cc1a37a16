"""Inclusion criteria: which patients the study analyses, the flow of patients, and every excluded row with its reason.

A study's YAML lists its criteria in order (``inclusion``), each a declarative
requirement (a column not missing, a value among listed ones, a specimen at a
time point, a query on patient columns in the study language of
:mod:`her2cohort.expressions`) with a label and a reason. :func:`apply_inclusion`
applies them one after the other and counts, at each step, the patients
remaining and excluded: the flow diagram of the paper.
:func:`exclusions_table` then lists every raw row that leaves the analysis:
each excluded patient with the reason of the step that excluded it, and the
specimens and treatment lines of those patients with the same reason. So
nothing is lost: each raw row is analysed or listed here.
"""

from __future__ import annotations

import pandas as pd

from her2cohort.cleaning.reading import LINE
from her2cohort.errors import StudyConfigError
from her2cohort.expressions import select


def _criterion_mask(criterion: dict, patients: pd.DataFrame, specimens: pd.DataFrame | None, source: str = "", key: str = "") -> pd.Series:
    """Patients meeting one declarative criterion (see the study schema); ``key`` is
    where it is declared in the study file ``source`` (``inclusion[2].require``)."""
    if "not_missing" in criterion:
        column = criterion["not_missing"]
        if column not in patients:
            raise StudyConfigError(f"inclusion: column {column!r} of not_missing is not in patients.csv")
        return patients[column].notna()
    if "in" in criterion:
        column, values = criterion["in"]["column"], criterion["in"]["values"]
        if column not in patients:
            raise StudyConfigError(f"inclusion: column {column!r} of in is not in patients.csv")
        return patients[column].isin(values)
    if "has_specimen" in criterion:
        timepoint = criterion["has_specimen"]
        needed = criterion.get("with", [])
        if specimens is None or specimens.empty:
            return pd.Series(False, index=patients.index)
        missing_cols = [c for c in needed if c not in specimens]
        if missing_cols:
            return pd.Series(False, index=patients.index)
        ok = specimens["timepoint"] == timepoint
        for column in needed:
            ok &= specimens[column].notna()
        return patients["patient_id"].isin(specimens.loc[ok, "patient_id"])
    if "query" in criterion:
        # the study language (her2cohort.expressions): a patient for whom the
        # query is missing does not meet it
        return select(patients, criterion["query"], source, f"{key}.query" if key else "query")
    raise StudyConfigError(f"inclusion: unknown criterion {sorted(criterion)}")


def apply_inclusion(
    patients: pd.DataFrame,
    specimens: pd.DataFrame | None,
    inclusion: list[dict],
    registry_label: str = "Registry",
    source: str = "",
) -> tuple[pd.Series, pd.DataFrame, list[tuple[int, str]]]:
    """Apply the criteria in order; return (kept mask, flow table, per-row exclusion).

    ``source``: the study file, named with the key by an error in a ``query``.

    A patient excluded at one step is not counted again at later steps, so the
    flow reads as a CONSORT-style diagram: each step's ``n_excluded`` plus its
    ``n_remaining`` equals the previous step's ``n_remaining``.
    """
    kept = pd.Series(True, index=patients.index)
    flow = [{"step": 0, "label": registry_label, "n_remaining": int(len(patients)), "n_excluded": 0, "reason": ""}]
    excluded: dict[int, str] = {}
    for number, criterion in enumerate(inclusion, start=1):
        meets = _criterion_mask(criterion["require"], patients, specimens, source, f"inclusion[{number - 1}].require")
        dropped = kept & ~meets
        for index in patients.index[dropped]:
            excluded[index] = criterion["reason"]
        kept &= meets
        flow.append({"step": number, "label": criterion["label"], "n_remaining": int(kept.sum()), "n_excluded": int(dropped.sum()), "reason": criterion["reason"]})
    return kept, pd.DataFrame(flow), sorted(excluded.items())



def exclusions_table(
    patients: pd.DataFrame,
    kept: pd.Series,
    excluded_rows: list[tuple[int, str]],
    other_tables: tuple[tuple[str, pd.DataFrame], ...],
) -> pd.DataFrame:
    """The excluded rows of every table (``table, line, reason``), from :func:`apply_inclusion`'s
    result: the patients it excluded, then the rows of ``other_tables`` (name, frame)
    whose patient is not kept, with ``patient excluded: `` and that patient's reason."""
    # Whole columns at a time, not row by row: a registry excludes many thousands.
    excluded_index = [i for i, _ in excluded_rows]
    reasons = [reason for _, reason in excluded_rows]
    exclusions = [pd.DataFrame({"table": "patients", "line": patients.loc[excluded_index, LINE].to_numpy(dtype="int64"), "reason": reasons})]
    reason_of = pd.Series(reasons, index=patients.loc[excluded_index, "patient_id"].to_numpy(), dtype=object)
    reason_of = reason_of[~reason_of.index.duplicated(keep="last")]
    for table, frame in other_tables:
        if frame.empty:
            continue
        dropped = frame[~frame["patient_id"].isin(patients.loc[kept, "patient_id"])]
        exclusions.append(pd.DataFrame({"table": table, "line": dropped[LINE].to_numpy(dtype="int64"), "reason": ("patient excluded: " + dropped["patient_id"].map(reason_of).astype(object)).to_numpy(dtype=object)}))
    if sum(len(e) for e in exclusions):
        return pd.concat(exclusions, ignore_index=True)
    return pd.DataFrame([], columns=["table", "line", "reason"])
