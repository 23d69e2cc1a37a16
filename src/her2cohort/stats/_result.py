"""The tidy result shape shared by every statistics function.

Inferential results follow R's ``broom::tidy`` naming (snake_case): one row per
estimate, with the convention that produced it, so that a result table can be
written to CSV and audited without knowing which function made it.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import pandas as pd

#: Label of the all-patients column of a Table 1 (here, not in table1, so that
#: the table layouts can name it without importing the statistics).
TOTAL = "Total"

#: Columns every inferential result carries, in this order. Functions may add
#: columns after these (e.g. ``n_events``); they never drop one.
RESULT_COLUMNS = [
    "term",  # what the row estimates: "odds_ratio", "hr:age", "median", ...
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
    "statistic",
    "statistic_name",  # "chi2", "W", "V", "z", "U", ...
    "df",
    "p_value",
    "method",  # the test or estimator actually used, in words
    "convention",  # the named convention / R function it matches
    "n",
    "note",  # why a value is NA, or a warning a reader must see ("" if none)
]


class StatisticsError(ValueError):
    """Input that no statistic can be computed from (a clear message, never a traceback)."""


def result_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Build a tidy result frame from row dicts, filling absent columns with NA.

    Extra keys are kept as extra columns after :data:`RESULT_COLUMNS`.
    """
    rows = list(rows)
    frame = pd.DataFrame(rows)
    for column in RESULT_COLUMNS:
        if column not in frame.columns:
            frame[column] = "" if column == "note" else math.nan
    extra = [c for c in frame.columns if c not in RESULT_COLUMNS]
    frame["note"] = frame["note"].fillna("")
    return frame[RESULT_COLUMNS + extra].reset_index(drop=True)


def term_name(variable: str, level, reference) -> str:
    """The name of a treatment contrast, the same in every model of the library
    (Cox, logistic, Firth): ``"tgrade:II vs I"``, ``"h_score_le_170:True vs False"``.
    R's ``glm`` and ``logistf`` paste the level to the variable (``tgradeII``,
    ``h_score_le_170TRUE``); the tests map R's names to these."""
    return f"{variable}:{level} vs {reference}"


def complete_cases(data: pd.DataFrame, columns: list[str], what: str) -> tuple[pd.DataFrame, int]:
    """The rows of ``data`` complete in ``columns`` (R's ``na.omit``) and how many were dropped.

    A clear error when ``data`` is not a frame, names a column it lacks, or has no
    complete row (``what`` names the columns in that message).
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise StatisticsError(f"column(s) not in data: {missing}")
    frame = data[columns].dropna()
    n_dropped = len(data) - len(frame)
    if len(frame) == 0:
        raise StatisticsError(f"no complete observations of {what}")
    return frame, n_dropped
