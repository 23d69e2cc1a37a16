"""Treatment-line timeline: when each line of therapy started and stopped, how long it lasted,
whether it ended in progression, and its best response (a case report's treatment course,
drawn as a swimmer plot by :mod:`her2cohort.render.figures.swimmer`).

Input: the cleaned treatment lines (``results/{study}/clean/treatment_lines.csv``: one row
per patient and line, times in months from the study's index date), which an analysis
declared with ``data: treatment_lines`` receives joined with its patient's analysis-set
columns (:func:`her2cohort.analyses.with_patient_columns`).

Conventions (months as cleaning writes them: days / 30.4375,
:data:`her2cohort.rawdata.DAYS_PER_MONTH`):

* ``stop_months``: the line's end (``end_months``); a line with no end but a progression
  stops at the progression; a line with neither is *ongoing* at last contact and stops at
  the patient's follow-up (``follow_up``: a column of months from the index date to last
  contact), flagged ``ongoing`` (its duration is censored). Ongoing with no follow-up: NA
  with a note.
* ``duration_months`` (the row's ``estimate``) = ``stop_months - start_months``: the time
  on the line (time to treatment discontinuation).
* ``time_to_progression_months`` = ``progression_months - start_months`` when the line
  progressed (``progressed``), else NA: the line's progression-free time is then censored
  at its duration. A case report's "the response lasted for 1 year" is this time.

R equivalent (``tests/r/breast_her2_l755s_case.R``):
``as.numeric(as.Date(end) - as.Date(start)) / 30.4375`` from the raw dates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["treatment_timeline"]

#: the columns of the cleaned lines a timeline reads (``line`` and ``start_months`` required)
LINE_COLUMNS = ("line", "regimen", "start_months", "end_months", "progression_months", "best_response", "stop_reason")


def _number(value) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def treatment_timeline(lines: pd.DataFrame, follow_up: str | None = None, carry: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per treatment line: start, stop, duration, progression, best response.

    ``lines``: the cleaned treatment lines (``patient_key``, ``line``, ``start_months`` and
    optionally ``regimen``, ``end_months``, ``progression_months``, ``best_response``,
    ``stop_reason``). ``follow_up``: the column of months from the index date to last
    contact that closes an ongoing line. ``carry``: further columns copied into the result
    (e.g. ``cycles``). Conventions in the module docstring. Rows are sorted by patient and
    line; a line repeated for one patient, or a line stopping before it starts, raises
    :class:`StatisticsError` naming it.
    """
    if not isinstance(lines, pd.DataFrame):
        raise StatisticsError("lines must be a pandas DataFrame")
    carry = list(carry or [])
    for column in ["line", "start_months", *carry, *([follow_up] if follow_up else [])]:
        if column not in lines.columns:
            raise StatisticsError(f"column {column!r} not in the treatment lines (columns: {list(lines.columns)})")
    if lines.empty:
        raise StatisticsError("no treatment lines")
    frame = lines.copy()
    if "patient_key" not in frame:
        frame["patient_key"] = ""
    for column in LINE_COLUMNS:
        if column not in frame:
            frame[column] = math.nan
    repeated = frame[frame.duplicated(["patient_key", "line"], keep=False)]
    if not repeated.empty:
        first = repeated.iloc[0]
        raise StatisticsError(f"line {first['line']} appears {len(repeated)} times for patient {first['patient_key']}")
    frame = frame.sort_values(["patient_key", "line"], kind="stable")
    rows = []
    for record in frame.to_dict("records"):
        start, end, progression = _number(record["start_months"]), _number(record["end_months"]), _number(record["progression_months"])
        progressed = not math.isnan(progression)
        ongoing = math.isnan(end) and not progressed
        notes = []
        if not math.isnan(end):
            stop = end
        elif progressed:
            stop = progression
            notes.append("no end recorded: the line stops at its progression")
        else:
            stop = _number(record[follow_up]) if follow_up else math.nan
            notes.append("ongoing at last contact: duration to last contact (censored)" if not math.isnan(stop) else "ongoing, and no follow-up to close it: duration NA")
        if not math.isnan(stop) and not math.isnan(start) and stop < start:
            what = "last contact" if ongoing else "its end"
            raise StatisticsError(f"line {record['line']} of patient {record['patient_key']}: {what} ({stop:g} months) is before its start ({start:g} months)")
        duration = stop - start
        rows.append({
            "term": "duration_months",
            "estimate": duration,
            "method": "Time on the treatment line (start to end; ongoing lines to last contact)",
            "convention": "months of 30.4375 days from the line's start",
            "n": 1,
            "note": "; ".join(notes),
            "patient_key": record["patient_key"],
            "line": int(record["line"]),
            "regimen": record["regimen"],
            **{column: record[column] for column in carry},
            "best_response": record["best_response"],
            "stop_reason": record["stop_reason"],
            "start_months": start,
            "end_months": end,
            "progression_months": progression,
            "stop_months": stop,
            "duration_months": duration,
            "ongoing": ongoing,
            "progressed": progressed,
            "time_to_progression_months": progression - start if progressed else np.nan,
        })
    return result_frame(rows)
