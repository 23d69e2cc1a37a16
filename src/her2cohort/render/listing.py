"""Two table layouts beside those of :mod:`her2cohort.render.layouts`.

``listing``
    the rows of one analysis, chosen columns with headings, decimals and value labels
    (a case report's lines of therapy; a molecular result). ``columns``: ``[{column,
    heading, decimals, scale, labels}]``; ``transpose: true`` prints one row per column
    instead (a single-row result as "Quantity | Value").
``tests``
    one row per test (``rows``: ``[{label, from, row}]``, ``section`` rows allowed): the
    test actually used, its statistic (with df for chi-square), the p, the number of pairs
    or patients and the convention (the R function it matches), for paired tests whose
    result has no estimate to print (Wilcoxon signed-rank, Bowker, Stuart-Maxwell, McNemar).

Each returns (display table, tidy table) as every layout does.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import pandas as pd

from her2cohort.render.tables import DASH, format_number, format_p
from her2cohort.replication.selectors import canonical

Reader = Callable[[str], pd.DataFrame]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and value in ("", "nan"))


def _cell(value: Any, column: Mapping) -> str:
    labels = column.get("labels") or {}
    for key, label in labels.items():
        if canonical(key) == canonical(value):
            return str(label)
    if _missing(value):
        return DASH
    if "decimals" in column:
        return format_number(float(value) * float(column.get("scale", 1)), int(column["decimals"]))
    return str(value)


def _select(table: pd.DataFrame, row: Mapping | None) -> pd.DataFrame:
    chosen = table
    for column, wanted in (row or {}).items():
        if column not in chosen:
            raise ValueError(f"no column {column!r} (columns: {', '.join(map(str, table.columns))})")
        chosen = chosen[chosen[column].map(canonical) == canonical(wanted)]
    return chosen


def listing(read: Reader, spec: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``from`` (restricted by ``row``), the declared ``columns`` formatted."""
    table = _select(read(spec["from"]), spec.get("row"))
    columns = spec["columns"]
    unknown = [c["column"] for c in columns if c["column"] not in table.columns]
    if unknown:
        raise ValueError(f"analysis {spec['from']!r} has no column(s) {unknown}")
    display = pd.DataFrame([{c.get("heading", c["column"]): _cell(record[c["column"]], c) for c in columns} for record in table.to_dict("records")])
    tidy = table[[c["column"] for c in columns]].reset_index(drop=True)
    if spec.get("transpose"):
        values = display.T.reset_index()
        values.columns = ["Quantity"] + (["Value"] if len(display) == 1 else [f"Row {i + 1}" for i in range(len(display))])
        display = values
    return display, tidy


def _statistic(record: pd.Series, statistic_text: Callable) -> str:
    """χ² = 16.60 (df 6), z = -3.85; a count statistic as a whole number (V = 256, n12 = 11, n21 = 2)."""
    name, value = record.get("statistic_name"), record.get("statistic")
    if name in ("V", "W", "U") and not _missing(value) and float(value) == round(float(value)):
        return f"{name} = {int(float(value))}"
    if name == "n_12" and not _missing(value):
        n21 = record.get("n_21")
        return f"n12 = {int(float(value))}" + ("" if _missing(n21) else f", n21 = {int(float(n21))}")
    return statistic_text(record) or DASH


def tests_table(read: Reader, spec: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per declared test: comparison, test, statistic, p, n, convention."""
    from her2cohort.render.layouts import statistic_text  # layouts imports this module

    rows, tidy = [], []
    for item in spec["rows"]:
        if "section" in item:
            rows.append({"Comparison": item["section"], "Test": "", "Statistic": "", "p": "", "n": "", "Convention": ""})
            continue
        chosen = _select(read(item["from"]), item.get("row"))
        if len(chosen) != 1:
            raise ValueError(f"{len(chosen)} rows of {item['from']!r} match {dict(item.get('row') or {})}; expected one")
        record = chosen.iloc[0]
        n = record.get("n")
        rows.append({
            "Comparison": item["label"],
            "Test": str(record["method"]),
            "Statistic": _statistic(record, statistic_text),
            "p": format_p(float(record["p_value"]), int(spec.get("p_decimals", 3))),
            "n": DASH if _missing(n) else f"{int(float(n))}",
            "Convention": "" if _missing(record.get("convention")) else str(record["convention"]),
        })
        tidy.append({
            "label": item["label"], "analysis": item["from"], "test": record["method"], "statistic_name": record.get("statistic_name"),
            "statistic": record.get("statistic"), "df": record.get("df"), "p_value": record["p_value"], "n": n,
            "convention": record.get("convention"), "note": record.get("note"),
        })
    return pd.DataFrame(rows), pd.DataFrame(tidy)
