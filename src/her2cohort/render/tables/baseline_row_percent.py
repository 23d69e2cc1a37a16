"""``baseline_row_percent``: Table 1 with row percentages, each level's patients spread over the groups.

Some papers print Table 1 "by group" with the percentage of the *row* in each
group cell (of the 90 patients aged <= 50, 19 (21.1%) are HER2-zero, 41
(45.6%) HER2-low, 30 (33.3%) HER2-positive) and the total column as counts
only (Shi et al., BMC Cancer 2023, Table 1). The ``baseline`` layout prints
column percentages; this layout takes the same ``baseline_table`` analysis
and prints, for each categorical level, n (% of the level's patients with a
known group) in every group and the plain count in the total column.
Continuous rows (median (range)) and the p column are as in ``baseline``. The
tidy table carries ``percent`` as the row percentage, ``denominator`` as the
row total and ``percent_of = "row"``.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.tables.baseline import baseline_from, group_sizes
from her2cohort.results import Results
from her2cohort.stats._result import TOTAL


def row_percentages(tidy: pd.DataFrame) -> pd.DataFrame:
    """The ``baseline_table`` frame with each categorical group cell's percent
    and denominator over its row (the level's patients in the group columns),
    not over its column. Total cells keep their n (their percent becomes 100
    of the row when the row has patients)."""
    out = tidy.copy()
    summary = (out["row_type"] == "summary") & (out["kind"] != "continuous")
    groups = out["group"].astype(str) != TOTAL
    # the row total over the groups (patients with a missing group are in Total only)
    key = out["variable"].astype(str) + "\x1f" + out["level"].astype(str)
    row_total = out[summary & groups].groupby(key[summary & groups])["n"].sum()
    denominator = key.map(row_total)
    out.loc[summary, "denominator"] = denominator[summary]
    out.loc[summary, "percent"] = [100 * n / d if d else math.nan for n, d in zip(out.loc[summary, "n"], denominator[summary])]
    out["percent_of"] = ["row" if flag else "" for flag in summary]
    return out


def baseline_row_percent(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``baseline`` layout with row percentages in the group columns and counts in the total column."""
    table = results.table(spec["from"])
    display, tidy = baseline_from(row_percentages(table), spec, printed, counts_only=TOTAL, computed="row percentages", sizes=group_sizes(table))
    if not tidy.empty:
        tidy["percent_of"] = ["row" if (g != "test" and not pd.isna(level) and str(level) != "") else "" for g, level in zip(tidy["group"], tidy["level"])]
    return display, tidy
