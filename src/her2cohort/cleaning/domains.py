"""Value domains: ranges and levels of every column, checked with a pandera schema.

The second pass of cleaning (:func:`validate_domains`). The schema is built
from the same column specifications that the parsers read
(:mod:`her2cohort.rawdata`, plus the study's own variables), so a range is
declared once: an IHC percentage above 100, a negative age, a level that is not
in the list. The check is lazy (every failing cell, not the first) and each
finding names the file line of its row. Cells that failed to parse are already
NA, so this pass adds only new findings.
"""

from __future__ import annotations

import pandas as pd

from her2cohort.cleaning.cells import cell_text
from her2cohort.cleaning.reading import LINE
from her2cohort.errors import DataIssue
from her2cohort.rawdata import ColumnSpec


def domain_schema(specs: tuple[ColumnSpec, ...]):
    """A pandera schema of the value domains (ranges) of a table's columns."""
    import pandera.pandas as pa  # lazy, for start-up speed: its ~0.2 s import is paid only when validating

    columns = {}
    for spec in specs:
        checks = []
        if spec.minimum is not None:
            checks.append(pa.Check.gt(spec.minimum) if spec.exclusive_minimum else pa.Check.ge(spec.minimum))
        if spec.maximum is not None:
            checks.append(pa.Check.le(spec.maximum))
        if spec.kind in ("categorical",) and spec.levels:
            checks.append(pa.Check.isin(list(spec.levels)))
        columns[spec.name] = pa.Column(checks=checks, nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False)


def _describe_range(spec: ColumnSpec) -> str:
    low = "" if spec.minimum is None else (f"> {spec.minimum:g}" if spec.exclusive_minimum else f">= {spec.minimum:g}")
    high = "" if spec.maximum is None else f"<= {spec.maximum:g}"
    unit = f" {spec.unit}" if spec.unit and spec.unit != "%" else ("%" if spec.unit == "%" else "")
    return "expected a value " + " and ".join(p for p in (low, high) if p) + unit


def validate_domains(frame: pd.DataFrame, specs: tuple[ColumnSpec, ...], name: str) -> list[DataIssue]:
    """Check every value against its column's range and levels (pandera, lazy)."""
    import pandera.pandas as pa  # lazy, for start-up speed: its ~0.2 s import is paid only when validating

    if frame.empty:
        return []
    by_name = {spec.name: spec for spec in specs}
    try:
        domain_schema(specs).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        issues = []
        for column, index, value in zip(cases["column"], cases["index"], cases["failure_case"]):
            spec = by_name.get(column)
            line = int(frame.loc[index, LINE]) if index is not None and not pd.isna(index) else None
            expected = _describe_range(spec) if spec is not None else "invalid value"
            issues.append(DataIssue(name, line, column, cell_text(value), expected))
        return sorted(issues, key=lambda i: (i.line or 0, i.column or ""))
    return []
