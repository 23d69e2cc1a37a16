"""``listing``: the rows of one analysis, chosen columns with headings, decimals and value labels.

A case report's lines of therapy; a molecular result. ``columns``: ``[{column,
heading, decimals, scale, labels}]``; ``row`` restricts the rows;
``transpose: true`` prints one row per column instead (a single-row result
as "Quantity | Value").
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from her2cohort.errors import did_you_mean
from her2cohort.numbers import DASH, Printed, is_missing
from her2cohort.render.labels import find_label
from her2cohort.results import Results


def _cell(value: Any, column: Mapping, printed: Printed, source: str, where: str) -> str:
    text = find_label(column.get("labels"), value)
    if text is not None:
        return text
    if is_missing(value) or (isinstance(value, str) and value in ("", "nan")):
        return DASH
    if "decimals" in column:
        return printed("number", float(value) * float(column.get("scale", 1)), decimals=int(column["decimals"]), source=source, where=where)
    return str(value)


def listing(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``from`` (restricted by ``row``), the declared ``columns`` formatted."""
    table = results.rows(spec["from"], spec.get("row"))
    columns = spec["columns"]
    unknown = [c["column"] for c in columns if c["column"] not in table.columns]
    if unknown:
        raise ValueError("; ".join(f"analysis {spec['from']!r} has no column {name!r}: {did_you_mean(name, table.columns, 'its columns')}" for name in unknown))
    display = pd.DataFrame(
        [
            {
                c.get("heading", c["column"]): _cell(record[c["column"]], c, printed, f"{spec['from']} row {i + 1} / {c['column']}", f"row {i + 1}, {c.get('heading', c['column'])}")
                for c in columns
            }
            for i, record in enumerate(table.to_dict("records"))
        ]
    )
    tidy = table[[c["column"] for c in columns]].reset_index(drop=True)
    # the leading columns without decimals are labels (left aligned, wrapped when long)
    leading = next((i for i, c in enumerate(columns) if "decimals" in c), len(columns))
    if spec.get("transpose"):
        values = display.T.reset_index()
        values.columns = ["Quantity"] + (["Value"] if len(display) == 1 else [f"Row {i + 1}" for i in range(len(display))])
        display, leading = values, 1
    display.attrs = {"label_columns": max(1, min(leading, len(display.columns) - 1))}
    return display, tidy
