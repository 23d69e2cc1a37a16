"""One row of the rigor report: the columns every check fills."""

from __future__ import annotations

import math
from typing import Any

#: Columns of results/{study}/rigor.csv, in order.
COLUMNS = (
    "study", "check", "weakness", "analysis", "term", "detected",
    "paper_method", "paper_estimate_kind", "paper_estimate", "paper_conf_low", "paper_conf_high", "paper_p",
    "rigorous_analysis", "rigorous_method", "rigorous_estimate_kind", "rigorous_estimate", "rigorous_conf_low", "rigorous_conf_high", "rigorous_p",
    "n", "n_tests", "n_significant", "n_significant_holm", "n_significant_bh",
    "verdict", "rule", "note",
)


def rigor_row(check: str, weakness: str, analysis: str, **values: Any) -> dict[str, Any]:
    """A report row: every column present (NA where a check has nothing to say)."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise ValueError(f"not a rigor column: {sorted(unknown)}")
    row = {column: math.nan for column in COLUMNS}
    row.update({"check": check, "weakness": weakness, "analysis": analysis, "term": "", "detected": "", "note": "",
                "paper_method": "", "paper_estimate_kind": "", "rigorous_analysis": "", "rigorous_method": "", "rigorous_estimate_kind": ""})
    row.update(values)
    return row


def attempt(check: str, weakness: str, analysis: str, compute, *args) -> list[dict]:
    """The rows of ``compute(*args)`` (one row or a list), or, when a statistic cannot be
    computed on these data, one row saying so: the weakness stays reported."""
    from her2cohort.rigor.verdict import NOT_ASSESSED
    from her2cohort.stats._result import StatisticsError

    try:
        out = compute(*args)
    except StatisticsError as err:
        return [rigor_row(check, weakness, analysis, verdict=NOT_ASSESSED, rule="", note=f"the rigorous analysis could not be computed: {err}")]
    return out if isinstance(out, list) else [out]
