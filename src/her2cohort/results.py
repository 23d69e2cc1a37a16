"""One way from a result file to a number: read a result, select exactly one row, look up a value.

Every analysis writes one tidy table, ``results/{study}/stats/{id}.csv``
(``{id}--{variant}.csv`` for a declared variant). Every table layout, figure
type, caption and the replication audit reads those tables through
:class:`Results`, and selects rows with one comparison rule, :func:`canonical`:

* numbers compare as numbers (``2 == "2" == "2.0"``);
* booleans compare case-insensitively (``True == "true" == "TRUE"``);
* text compares stripped; an empty cell (NA) matches only an empty wanted value.

A selection that matches no row, or several, is an error that lists what
exists: the values the table holds in the columns asked about.

Reading is exact: the analyses' exact copy of each table (``{id}.feather``,
:func:`her2cohort.io.write_frame`) is read when it is there; a CSV alone has its numbers parsed with Python's own float parser (pandas'
default parser can be off by an ulp, which moves a number sitting on a
rounding tie), an empty cell is NA, and the text "NA" is a level ("not
assessed"), not a missing value.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from her2cohort.errors import did_you_mean, nearest
from her2cohort.values import canonical  # noqa: F401 (the one comparison rule; the renderers import it from here)
from her2cohort.io import EXCHANGE_SUFFIX, read_exchange


class SelectionError(ValueError):
    """A selection that does not pick exactly one row or value (says what exists)."""


def read_result(path: str | Path) -> pd.DataFrame:
    """A result table as written by the analyses: exact floats, empty cell = NA, "NA" = a level."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], float_precision="round_trip")


def _shown(value: Any) -> str:
    text = canonical(value)
    return "NA" if text == "" else (str(value).strip() if not isinstance(value, float) else text.removesuffix(".0"))


def select_rows(table: pd.DataFrame, where: Mapping[str, Any] | None, name: str = "result") -> pd.DataFrame:
    """The rows of ``table`` whose columns equal the wanted values (by :func:`canonical`)."""
    rows = table
    for column, wanted in (where or {}).items():
        if column not in table.columns:
            raise SelectionError(f"{name} has no column {column!r}: {did_you_mean(column, table.columns, 'its columns')}")
        rows = rows[rows[column].map(canonical) == canonical(wanted)]
    return rows


def _nearest_values(table: pd.DataFrame, where: Mapping[str, Any]) -> str:
    """For each wanted value that no row of ``table`` holds in its column, the nearest
    value there is (an unknown term, level or group: ``did you mean term 'hr:age'?``)."""
    hints = []
    for column, wanted in where.items():
        if column not in table.columns:
            continue
        values = table[column]
        if canonical(wanted) in set(values.map(canonical)):
            continue
        close = nearest(_shown(wanted), [_shown(v) for v in values.drop_duplicates()])
        if close is not None:
            hints.append(f"{column} {close!r}")
    return f"; did you mean {' and '.join(hints)}?" if hints else ""


def _candidates(table: pd.DataFrame, where: Mapping[str, Any]) -> str:
    columns = [c for c in where if c in table.columns]
    if not columns:
        return f"{len(table)} rows"
    combos = table[columns].drop_duplicates()
    shown = ["{" + ", ".join(f"{c}: {_shown(v)}" for c, v in zip(columns, row)) + "}" for row in combos.itertuples(index=False)]
    more = f" and {len(shown) - 20} more" if len(shown) > 20 else ""
    return "; ".join(shown[:20]) + more


def select_row(table: pd.DataFrame, where: Mapping[str, Any] | None, name: str = "result") -> pd.Series:
    """Exactly one row of ``table`` matching ``where``; otherwise an error listing the rows there are."""
    where = dict(where or {})
    rows = select_rows(table, where, name)
    if len(rows) == 1:
        return rows.iloc[0]
    wanted = "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in where.items()) + "}"
    if rows.empty:
        raise SelectionError(f"no row of {name} has {wanted}; its rows: {_candidates(table, where)}{_nearest_values(table, where)}")
    differing = [c for c in rows.columns if rows[c].nunique(dropna=False) > 1]
    labels = [c for c in differing if not pd.api.types.is_float_dtype(rows[c])] or differing  # names before measurements
    raise SelectionError(f"{len(rows)} rows of {name} have {wanted}; add a column that tells them apart: {_candidates(rows, dict.fromkeys(labels))}")


class Results:
    """The result tables of one study, read once each (``stats_dir/{analysis}.csv``).

    ``extra`` holds tables that are not analysis results but are read the same
    way (``flow``: the flow of patients; ``guideline``: the thresholds of the
    study's HER2 guideline).
    """

    def __init__(self, stats_dir: str | Path, extra: Mapping[str, pd.DataFrame] | None = None, where: str = ""):
        self.stats_dir = Path(stats_dir)
        self.extra = dict(extra or {})
        self.where = where  # the study file, for errors
        self._cache: dict[str, pd.DataFrame] = {}

    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], where: str = "") -> "Results":
        """Results held in memory (``{analysis id: table}``, a variant as ``{id}--{variant}``),
        as a test or a benchmark builds them."""
        return cls(Path("/nonexistent-results"), tables, where)

    def key(self, analysis: str, variant: str | None = None) -> str:
        return analysis if variant is None else f"{analysis}--{variant}"

    def has(self, analysis: str, variant: str | None = None) -> bool:
        return analysis in self.extra or (self.stats_dir / f"{self.key(analysis, variant)}.csv").exists()

    def table(self, analysis: str, variant: str | None = None) -> pd.DataFrame:
        """The result table of ``analysis`` (or of its declared ``variant``)."""
        key = self.key(analysis, variant)
        if key not in self._cache:
            if key in self.extra:  # held in memory (a variant as "{analysis}--{variant}")
                self._cache[key] = self.extra[key]
            else:
                path = self.stats_dir / f"{key}.csv"
                if not path.exists():
                    place = f"{self.where}: " if self.where else ""
                    declared = sorted({*self.extra, *(p.stem for p in self.stats_dir.glob("*.csv"))} if self.stats_dir.is_dir() else set(self.extra))
                    hint = f"; {did_you_mean(key, declared, 'the results there are')}" if declared else ""
                    raise SelectionError(f"{place}no result {key!r}: no analysis of that id (or variant) is declared (expected {path}){hint}")
                exact = path.with_suffix(EXCHANGE_SUFFIX)  # the analyses' exact copy, when written
                self._cache[key] = read_exchange(exact) if exact.exists() else read_result(path)
        return self._cache[key]

    def row(self, analysis: str, where: Mapping[str, Any] | None = None, variant: str | None = None) -> pd.Series:
        """Exactly one row of the result (see :func:`select_row`)."""
        return select_row(self.table(analysis, variant), where, repr(self.key(analysis, variant)))

    def rows(self, analysis: str, where: Mapping[str, Any] | None = None, variant: str | None = None) -> pd.DataFrame:
        return select_rows(self.table(analysis, variant), where, repr(self.key(analysis, variant)))

    def value(self, analysis: str, column: str, where: Mapping[str, Any] | None = None, variant: str | None = None) -> Any:
        """One cell: ``column`` of the one row matching ``where``."""
        table = self.table(analysis, variant)
        if column not in table.columns:
            raise SelectionError(f"{self.key(analysis, variant)!r} has no column {column!r}: {did_you_mean(column, table.columns, 'its columns')}")
        return self.row(analysis, where, variant)[column]
