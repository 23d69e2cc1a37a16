"""Reading one number out of the pipeline's result tables.

A selector names a table and a cell::

    {from: characteristics_by_change,                 # results/{study}/stats/{id}.csv
     row: {variable: sex, level: male, group: persistent},
     value: percent}

``from`` is an analysis id, ``flow`` (``clean/flow.csv``) or ``guideline``
(the thresholds the study's HER2 classifier applies,
:func:`her2cohort.classify.guideline_thresholds`). ``row`` keeps the rows whose
columns equal the given values (compared as numbers when both are numbers,
``true``/``false`` case-insensitively, text otherwise); exactly one row must
remain unless ``aggregate`` (``sum``, ``min``, ``max``, ``count``) says how to
combine several. ``scale`` multiplies (100 for a proportion printed as a
percentage). ``parse: number`` takes the number out of text such as ``"> 212"``.
``variant`` reads the table of one of the analysis's declared variants
(``stats/{id}--{variant}.csv``).

A computed entry combines named selectors with arithmetic
(``compute: "100 * a / b"``); only numbers, names, ``+ - * /``, parentheses and
``min``/``max``/``abs`` are allowed.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd


class SelectionError(ValueError):
    """A selector that does not pick exactly one value (names the selector)."""


def canonical(value: Any) -> str:
    """The form two cells are compared in: numbers as floats, booleans lower-case."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        return repr(float(text))
    except ValueError:
        return text


@dataclass
class Tables:
    """The result tables of one study, read on demand (all cells as text)."""

    stats_dir: Any
    flow: pd.DataFrame | None = None
    guideline: pd.DataFrame | None = None

    def __post_init__(self):
        self._cache: dict[str, pd.DataFrame] = {}

    def has_variant(self, name: str, variant: str) -> bool:
        return (self.stats_dir / f"{name}--{variant}.csv").exists()

    def get(self, name: str, variant: str | None = None) -> pd.DataFrame:
        key = name if variant is None else f"{name}--{variant}"
        if key not in self._cache:
            if name == "flow" and self.flow is not None:
                table = self.flow
            elif name == "guideline" and self.guideline is not None:
                table = self.guideline
            else:
                path = self.stats_dir / f"{key}.csv"
                if not path.exists():
                    raise SelectionError(f"no result table {key!r} (expected {path})")
                table = pd.read_csv(path, dtype=str, keep_default_na=False)
            self._cache[key] = table.astype(str)
        return self._cache[key]


def _number(text: str, parse: str | None) -> float:
    if text in ("", "nan", "NaN", "NA"):
        return math.nan
    if parse == "number":
        found = re.search(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)
        if not found:
            raise SelectionError(f"no number in {text!r}")
        return float(found.group())
    if text.lower() in ("true", "false"):
        return float(text.lower() == "true")
    try:
        return float(text)
    except ValueError:
        raise SelectionError(f"cell {text!r} is not a number (add parse: number to read the number in text)") from None


def select(tables: Tables, selector: Mapping[str, Any]) -> float:
    """The number a selector points at (NaN where the table holds NA)."""
    table = tables.get(selector["from"], selector.get("variant"))
    rows = table
    for column, wanted in (selector.get("row") or {}).items():
        if column not in rows.columns:
            raise SelectionError(f"table {selector['from']!r} has no column {column!r} (columns: {', '.join(table.columns)})")
        rows = rows[rows[column].map(canonical) == canonical(wanted)]
    column = selector["value"]
    if column not in table.columns:
        raise SelectionError(f"table {selector['from']!r} has no column {column!r} (columns: {', '.join(table.columns)})")
    aggregate = selector.get("aggregate")
    if aggregate == "count":
        value = float(len(rows))
    else:
        values = [_number(v, selector.get("parse")) for v in rows[column]]
        if aggregate is None:
            if len(values) != 1:
                raise SelectionError(f"{len(values)} rows of {selector['from']!r} match {dict(selector.get('row') or {})}; expected exactly one")
            value = values[0]
        elif not values:
            raise SelectionError(f"no row of {selector['from']!r} matches {dict(selector.get('row') or {})}")
        else:
            value = {"sum": sum, "min": min, "max": max}[aggregate](values)
    return value * float(selector.get("scale", 1))


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.USub: operator.neg}
_FUNCTIONS = {"min": min, "max": max, "abs": abs}


def evaluate(expression: str, names: Mapping[str, float]) -> float:
    """Arithmetic on named values; division by zero gives NaN (a count with no denominator)."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise SelectionError(f"{expression!r}: unknown name {node.id!r}")
            return names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                return math.nan
            return _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS:
            return _FUNCTIONS[node.func.id](*(walk(a) for a in node.args))
        raise SelectionError(f"{expression!r}: only numbers, names, + - * /, parentheses, min, max and abs are allowed")

    return float(walk(ast.parse(expression, mode="eval")))


def reproduce(tables: Tables, entry: Mapping[str, Any], variant: str | None = None) -> float:
    """The reproduced value of a mapping entry (a selector, or a computation over several)."""

    def one(selector: Mapping[str, Any]) -> float:
        # a variant re-runs one analysis with other parameters: it applies to
        # the selectors that read that analysis, the others stay as they are
        if variant is not None and tables.has_variant(selector["from"], variant):
            selector = {**selector, "variant": variant}
        return select(tables, selector)

    if "compute" in entry:
        return evaluate(entry["compute"], {name: one(selector) for name, selector in entry["with"].items()})
    return one(entry)
