"""``tests``: one row per declared test, for paired tests whose result has no estimate to print.

``rows: [{label, from, row}]`` (``section`` rows allowed): the test actually
used, its statistic (with df for chi-square), the p and the number of pairs or
patients: Wilcoxon signed-rank, Bowker, Stuart-Maxwell, McNemar. The
convention (the R function it matches) is audit language: it is in the tidy
CSV, not in the manuscript table.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from her2cohort.numbers import DASH, Printed, is_missing
from her2cohort.render.labels import statistic_text
from her2cohort.results import Results


def _statistic(record: pd.Series, printed: Printed, where: str) -> str:
    """χ² = 16.60 (df 6), z = -3.85; a count statistic as a whole number (V = 256, n12 = 11, n21 = 2)."""
    name, value = record.get("statistic_name"), record.get("statistic")
    if name in ("V", "W", "U") and not is_missing(value) and float(value) == round(float(value)):
        return f"{name} = {printed('count', value, where=where)}"
    if name == "n_12" and not is_missing(value):
        n21 = record.get("n_21")
        return f"n12 = {printed('count', value, where=where)}" + ("" if is_missing(n21) else f", n21 = {printed('count', n21, where=where)}")
    return statistic_text(record, printed, where) or DASH


def tests(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per declared test: comparison, test, statistic, p, n (the convention in the tidy table only)."""
    rows, tidy = [], []
    for item in spec["rows"]:
        if "section" in item:
            rows.append({"Comparison": item["section"], "Test": "", "Statistic": "", "p": "", "n": ""})
            continue
        record = results.row(item["from"], item.get("row"))
        n = record.get("n")
        at = lambda column: dict(source=item["from"], where=f"row {len(rows) + 1}, {column}")  # noqa: E731
        rows.append({
            "Comparison": item["label"],
            "Test": str(record["method"]),
            "Statistic": _statistic(record, printed, f"row {len(rows) + 1}, Statistic"),
            "p": printed("p_value", float(record["p_value"]), decimals=int(spec.get("p_decimals", printed.style.p_decimals)), **at("p")),
            "n": DASH if is_missing(n) else printed("count", n, **at("n")),
        })
        tidy.append({
            "label": item["label"], "analysis": item["from"], "test": record["method"], "statistic_name": record.get("statistic_name"),
            "statistic": record.get("statistic"), "df": record.get("df"), "p_value": record["p_value"], "n": n,
            "convention": record.get("convention"), "note": record.get("note"),
        })
    display = pd.DataFrame(rows)
    display.attrs = {"label_columns": 2}
    return display, pd.DataFrame(tidy)
