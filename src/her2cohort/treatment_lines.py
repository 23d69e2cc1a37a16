"""Treatment-line variables as patient columns of the analysis set.

A study whose tables count patients by a line of therapy (Table 2 of the
gastric HER2-loss study: first-line regimen by HER2 change; its second-line
T-DM1 response) declares ``line_columns:`` in its YAML, e.g. ``[regimen,
best_response]``. Each cleaned treatment line (``clean/treatment_lines.csv``,
one row per patient and line) then gives the patient the columns
``line{k}_{column}`` (``line1_regimen``, ``line2_best_response``), so that the
declared analyses (which see one row per patient) can group, restrict and count
by them like any clinical variable. A patient without that line has a missing
value; a line that no analysed patient received gives no column.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from her2cohort.errors import StudyConfigError

#: columns of treatment_lines.csv that can become patient columns (text-valued;
#: the dates are already endpoints, e.g. ``pfs_second_line_months``)
LINE_COLUMNS = ("regimen", "best_response", "stop_reason")


def add_line_columns(analysis_set: pd.DataFrame, treatment_lines: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The analysis set with ``line{k}_{column}`` for every line k and each of ``columns``.

    ``treatment_lines`` is the cleaned table (``patient_key``, ``line``, ...);
    patients are matched by ``patient_key``. Raises :class:`StudyConfigError`
    naming the column if one is not a line column or would overwrite a column of
    the analysis set.
    """
    unknown = [c for c in columns if c not in LINE_COLUMNS]
    if unknown:
        raise StudyConfigError(f"line_columns: {unknown} not treatment-line columns; expected some of {', '.join(LINE_COLUMNS)}")
    out = analysis_set.copy()
    if not len(columns) or treatment_lines is None or treatment_lines.empty:
        return out
    lines = treatment_lines[treatment_lines["patient_key"].isin(out["patient_key"])]
    for number in sorted(pd.unique(lines["line"].astype(int))):
        at = lines[lines["line"].astype(int) == number].set_index("patient_key")
        for column in columns:
            name = f"line{number}_{column}"
            if name in out:
                raise StudyConfigError(f"line_columns: {name!r} would overwrite the analysis-set column of that name")
            out[name] = out["patient_key"].map(at[column]) if column in at else pd.NA
    return out
