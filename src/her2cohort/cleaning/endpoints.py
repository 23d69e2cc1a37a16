"""Endpoints: dates -> months and event indicators.

No date leaves cleaning: each endpoint a study declares (``endpoints``: an
origin, the event dates, the censoring dates, a cause of death) becomes a time
in months and an event indicator (:func:`derive_endpoint`), each declared
interval (``intervals``) a duration in months, and the dates of specimens and
treatment lines months from the patient's index date. A month is
:data:`~her2cohort.rawdata.DAYS_PER_MONTH` days, the convention the papers'
R and SPSS analyses used.
"""

from __future__ import annotations

import pandas as pd

from her2cohort.errors import StudyConfigError
from her2cohort.rawdata import DAYS_PER_MONTH


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """(end - start) in months of :data:`~her2cohort.rawdata.DAYS_PER_MONTH` days."""
    return (end - start).dt.days / DAYS_PER_MONTH


def derive_endpoint(patients: pd.DataFrame, lines: pd.DataFrame | None, name: str, spec: dict) -> pd.DataFrame:
    """Time in months and event indicator (1 event, 0 censored) for one endpoint.

    Convention: time runs from ``origin`` (a patient date, or the start of a
    treatment ``line``) to the earliest of the ``events`` dates (event = 1);
    without an event, to the earliest of ``censor_at`` dates and
    ``last_contact_date`` (event = 0). ``death_cause`` restricts death to one
    cause (BCSS: other deaths are censored at death). A censoring date before
    the event wins (PFS censored at conversion surgery). A patient without an
    origin (no such treatment line) has no value.
    """
    frame = patients[["patient_id"]].copy()
    if "line" in spec:
        if lines is None or lines.empty:
            raise StudyConfigError(f"endpoints.{name}: uses treatment line {spec['line']} but the cohort has no treatment_lines.csv")
        line = lines[lines["line"] == spec["line"]].set_index("patient_id")
        origin = patients["patient_id"].map(line["start_date"])
        line_progression = patients["patient_id"].map(line["progression_date"])
    else:
        if spec["origin"] not in patients:
            raise StudyConfigError(f"endpoints.{name}: origin {spec['origin']!r} is not a column of patients.csv")
        origin = patients[spec["origin"]]
        line_progression = None

    def date_column(column: str) -> pd.Series:
        if line_progression is not None and column == "progression_date":
            return line_progression
        if column not in patients:
            raise StudyConfigError(f"endpoints.{name}: column {column!r} is not in patients.csv")
        return patients[column]

    event_dates = []
    for column in spec["events"]:
        dates = date_column(column)
        if column == "death_date" and spec.get("death_cause"):
            dates = dates.where(patients.get("death_cause") == spec["death_cause"])
        event_dates.append(dates.where(dates >= origin))
    first_event = pd.concat(event_dates, axis=1).min(axis=1) if event_dates else pd.Series(pd.NaT, index=patients.index)
    censor_dates = [date_column(c).where(date_column(c) >= origin) for c in spec.get("censor_at", [])]
    censor_dates.append(patients["last_contact_date"])
    if spec.get("death_cause") and "death_date" in patients:
        censor_dates.append(patients["death_date"])  # death of another cause ends follow-up
    censor = pd.concat(censor_dates, axis=1).min(axis=1)
    has_event = first_event.notna() & ~(censor < first_event)
    end = first_event.where(has_event, censor)
    frame[f"{name}_months"] = months_between(origin, end).where(origin.notna())
    frame[f"{name}_event"] = has_event.astype("Int64").where(origin.notna())
    return frame.drop(columns="patient_id")



def derive_times(out: pd.DataFrame, patients: pd.DataFrame, lines: pd.DataFrame | None, endpoints: dict, intervals: dict) -> pd.DataFrame:
    """``out`` (aligned with ``patients``) with the columns of each endpoint
    (``{name}_months``, ``{name}_event``) and each interval (``{name}``, in months) added."""
    for name, spec in endpoints.items():
        out = pd.concat([out, derive_endpoint(patients, lines, name, spec)], axis=1)
    for name, (start, end) in intervals.items():
        for column in (start, end):
            if column not in patients:
                raise StudyConfigError(f"intervals.{name}: column {column!r} is not in patients.csv")
        out[name] = months_between(patients[start], patients[end])
    return out


def months_since(frame: pd.DataFrame, start: pd.Series, dates: list[str]) -> pd.DataFrame:
    """``frame`` with each of its ``dates`` columns (``*_date``) replaced by months
    since ``start`` (``*_months``)."""
    for column in dates:
        if column in frame:
            frame[column.replace("_date", "_months")] = months_between(start, frame[column])
            frame = frame.drop(columns=column)
    return frame
