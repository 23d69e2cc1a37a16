"""Reading one number out of the pipeline's result tables.

A selector names a table and a cell::

    {from: characteristics_by_change,                 # results/{study}/stats/{id}.csv
     row: {variable: sex, level: male, group: persistent},
     value: percent}

``from`` is an analysis id, ``flow`` (``clean/flow.csv``) or ``guideline``
(the thresholds the study's HER2 classifier applies,
:func:`her2cohort.thresholds.guideline_thresholds`), all read through
:class:`her2cohort.results.Results`. ``row`` keeps the rows whose columns equal
the given values by its one comparison rule (numbers as numbers, booleans
case-insensitively, text otherwise); exactly one row must remain unless
``aggregate`` (``sum``, ``min``, ``max``, ``count``) says how to combine several. ``scale`` multiplies (100 for a proportion printed as a
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
from typing import Any, Mapping

import pandas as pd

from her2cohort.numbers import is_missing
from her2cohort.results import Results, SelectionError


def tables(stats_dir, flow: pd.DataFrame | None = None, guideline: pd.DataFrame | None = None) -> Results:
    """A study's results for the audit: its analyses, the flow of patients and the guideline's thresholds."""
    extra = {name: table for name, table in (("flow", flow), ("guideline", guideline)) if table is not None}
    return Results(stats_dir, extra)


def _number(value: Any, parse: str | None) -> float:
    if is_missing(value) or (isinstance(value, str) and value.strip() in ("", "nan", "NaN")):
        return math.nan
    if isinstance(value, (bool, int, float)) and not isinstance(value, str):
        return float(value)
    text = str(value)
    if parse == "number":
        found = re.search(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)
        if not found:
            raise SelectionError(f"no number in {text!r}")
        return float(found.group())
    if text.strip().lower() in ("true", "false"):
        return float(text.strip().lower() == "true")
    try:
        return float(text)
    except ValueError:
        raise SelectionError(f"cell {text!r} is not a number (add parse: number to read the number in text)") from None


def select(results: Results, selector: Mapping[str, Any]) -> float:
    """The number a selector points at (NaN where the table holds NA)."""
    name, variant, where = selector["from"], selector.get("variant"), selector.get("row") or {}
    table = results.table(name, variant)
    column = selector["value"]
    if column not in table.columns:
        raise SelectionError(f"table {name!r} has no column {column!r} (columns: {', '.join(table.columns)})")
    aggregate = selector.get("aggregate")
    if aggregate is None:
        value = _number(results.value(name, column, where, variant), selector.get("parse"))
    else:
        rows = results.rows(name, where, variant)
        if aggregate == "count":
            value = float(len(rows))
        elif rows.empty:
            raise SelectionError(f"no row of {name!r} matches {dict(where)}")
        else:
            value = {"sum": sum, "min": min, "max": max}[aggregate](_number(v, selector.get("parse")) for v in rows[column])
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


def reproduce(tables: Results, entry: Mapping[str, Any], variant: str | None = None) -> float:
    """The reproduced value of a mapping entry (a selector, or a computation over several)."""

    def one(selector: Mapping[str, Any]) -> float:
        # a variant re-runs one analysis with other parameters: it applies to
        # the selectors that read that analysis, the others stay as they are
        if variant is not None and tables.has(selector["from"], variant):
            selector = {**selector, "variant": variant}
        return select(tables, selector)

    if "compute" in entry:
        return evaluate(entry["compute"], {name: one(selector) for name, selector in entry["with"].items()})
    return one(entry)
