"""The expression language of study files: derived columns, row filters, inclusion criteria.

A study file is configuration, not code. Every expression it holds (``derive``,
the ``where`` of an analysis or a figure, an inclusion criterion's ``query``)
and every expression of a reconstruction recipe (``data/reconstruction/*.yaml``)
is parsed here with :mod:`ast` and checked against a whitelist, node type by
node type; nothing is ever handed to ``eval``, ``exec``, ``DataFrame.eval`` or
``DataFrame.query``. What the language is, for the people who write studies:
``docs/study-language.md``, section "Expressions". In short:

* column names (backticks around a name that is not a Python identifier:
  ``\\`primary.ihc_score\\```), numbers, 'text', ``True``, ``False``, ``missing``;
* comparisons ``== != < <= > >=`` (chained too: ``12 <= x <= 24``),
  ``x in [...]``, ``x not in [...]``; ``and``, ``or``, ``not``;
* arithmetic ``+ - * / // % **`` (the exponent a number from -100 to 100);
* the functions of :data:`FUNCTIONS` and nothing else.

Missing values follow three-valued logic, as SQL's NULL and R's NA: a
comparison, an arithmetic operation or a function of a missing value is
missing; ``and`` / ``or`` are Kleene's (``False and missing`` is False, ``True
or missing`` is True); ``x in [...]`` of a missing x is missing. A derived
column keeps its missing values; a row filter (:func:`select`,
:func:`filter_rows`) keeps only the rows where the condition is True, so a row
where it is missing is not selected (R's ``subset()``). Division by zero is
missing too (a ratio without a denominator is unknown).

Evaluation is column-wise (numpy), never row by row, and cannot grow beyond the
data: no text arithmetic (no ``'x' * 10**9``), bounded exponents, bounded
length and nesting of the expression itself.

This module sits at the bottom of the import layers (it imports only
:mod:`her2cohort.errors`), and imports numpy and pandas only when an expression
is evaluated: checking a study file's expressions costs no pandas import.
"""

from __future__ import annotations

import ast
import difflib
import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from her2cohort.errors import StudyConfigError

#: Where the language is documented (every error message points there).
DOCUMENTATION = "docs/study-language.md, section Expressions"

#: Longest expression accepted, in characters (a study's longest is under 100).
MAX_LENGTH = 1000
#: Deepest nesting of the parsed expression (operators within operators).
MAX_DEPTH = 32
#: Largest absolute exponent of ``**``.
MAX_EXPONENT = 100
#: Largest absolute integer literal (exact in a float64).
MAX_INTEGER = 2**53

#: The functions of the language: name -> (how it is called, what it does).
FUNCTIONS: dict[str, tuple[str, str]] = {
    "is_missing": ("is_missing(x)", "True where x is missing, else False (never missing)"),
    "contains": ("contains(x, 'text')", "x (text) contains 'text' (plain text, case-sensitive, not a pattern)"),
    "startswith": ("startswith(x, 'text')", "x (text) starts with 'text' (case-sensitive)"),
    "if_else": ("if_else(condition, a, b)", "a where condition is True, b where it is False, missing where it is missing"),
    "cut": ("cut(x, [b1, b2, ...], [label0, label1, ...])", "the interval of x between the breaks, right-closed: (-inf, b1], (b1, b2], ..., (bk, inf); labels optional (0, 1, ... without)"),
    "abs": ("abs(x)", "absolute value"),
    "min": ("min(a, b)", "the smaller of two values, row by row"),
    "max": ("max(a, b)", "the larger of two values, row by row"),
}
_ARITY = {"is_missing": (1, 1), "contains": (2, 2), "startswith": (2, 2), "if_else": (3, 3), "cut": (2, 3), "abs": (1, 1), "min": (2, 2), "max": (2, 2)}

#: The missing value as a literal (``if_else(x == 'none', missing, x)``).
MISSING_NAME = "missing"

# Every node type the language has, by name. Anything else is refused.
_ALLOWED = {
    "Expression", "BoolOp", "And", "Or", "UnaryOp", "Not", "USub", "UAdd",
    "BinOp", "Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow",
    "Compare", "Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "In", "NotIn",
    "Call", "Name", "Load", "Constant", "List", "Tuple",
}

#: What a refused construct is called in a message, and what to write instead.
_REFUSED = {
    "Attribute": "attribute access",
    "Subscript": "a subscript ([...] after a value)",
    "Slice": "a slice",
    "Lambda": "a lambda",
    "ListComp": "a list comprehension",
    "SetComp": "a set comprehension",
    "DictComp": "a dict comprehension",
    "GeneratorExp": "a generator expression",
    "JoinedStr": "an f-string",
    "FormattedValue": "an f-string",
    "NamedExpr": "an assignment (:=)",
    "IfExp": "Python's 'a if condition else b' (write if_else(condition, a, b))",
    "Dict": "a dict {...}",
    "Set": "a set {...}",
    "Starred": "a starred argument (*x)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield from",
    "BitAnd": "& (write and)",
    "BitOr": "| (write or)",
    "BitXor": "^",
    "Invert": "~ (write not)",
    "LShift": "<<",
    "RShift": ">>",
    "MatMult": "@",
    "Is": "is (write is_missing(x) or ==)",
    "IsNot": "is not (write not is_missing(x) or !=)",
}

#: pandas idioms of the former study files, and what the language writes instead
#: ({x}: the value the method was called on).
_PANDAS_HINTS = {
    "notna": "not is_missing({x})",
    "notnull": "not is_missing({x})",
    "isna": "is_missing({x})",
    "isnull": "is_missing({x})",
    "isin": "{x} in [...]",
    "contains": "contains({x}, 'text')",
    "startswith": "startswith({x}, 'text')",
    "where": "if_else(condition, {x}, missing)",
    "mask": "if_else(condition, missing, {x})",
    "clip": "max({x}, lower) or min({x}, upper)",
    "abs": "abs({x})",
    "fillna": "if_else(is_missing({x}), value, {x})",
    "between": "low <= {x} <= high",
    "str": "contains({x}, 'text') or startswith({x}, 'text')",
}


class ExpressionError(StudyConfigError):
    """One or more expressions outside the language, or that cannot apply to the data.

    ``problems``: one line each, naming the file, the key, the expression and
    the offending part with what the language allows instead.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _where(source: str, key: str) -> str:
    if source and key:
        return f"{source}: at key '{key}'"
    return source or (f"at key '{key}'" if key else "expression")


def _problem(source: str, key: str, text: str, part: str, message: str) -> str:
    shown = text if len(text) <= 120 else text[:117] + "..."
    part = part if len(part) <= 80 else part[:77] + "..."
    return f"{_where(source, key)}: {shown!r}: `{part}`: {message} ({DOCUMENTATION})"


# ---------------------------------------------------------------------------
# Parsing and the whitelist
# ---------------------------------------------------------------------------


def _functions_list() -> str:
    return ", ".join(usage for usage, _ in FUNCTIONS.values())


def _backticks(text: str) -> tuple[str, dict[str, str], str | None]:
    """Replace each backtick-quoted column name by a placeholder identifier.

    Returns (rewritten text, placeholder -> column name, problem or None). Quotes
    are skipped, so a backtick inside 'text' stays text.
    """
    names: dict[str, str] = {}
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in "'\"":
            j = i + 1
            while j < n and text[j] != char:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif char == "`":
            j = text.find("`", i + 1)
            if j < 0:
                return text, names, "a backtick opens a column name that no backtick closes"
            name = text[i + 1 : j]
            if not name.strip() or "\n" in name:
                return text, names, "an empty column name between backticks"
            placeholder = f"_bq{len(names)}_"
            while placeholder in text:
                placeholder = "_" + placeholder
            names[placeholder] = name
            out.append(placeholder)
            i = j + 1
        else:
            out.append(char)
            i += 1
    return "".join(out), names, None


@dataclass(frozen=True)
class _Parsed:
    text: str
    rewritten: str
    placeholders: Mapping[str, str]
    tree: ast.Expression | None
    problems: tuple[tuple[str, str], ...]  # (offending part, message)

    def part(self, node: ast.AST) -> str:
        """The source text of a node, as the study file writes it (backticks restored)."""
        segment = ast.get_source_segment(self.rewritten, node) or ast.unparse(node)
        for placeholder, name in self.placeholders.items():
            segment = segment.replace(placeholder, f"`{name}`")
        return segment

    def column(self, node: ast.Name) -> str:
        return self.placeholders.get(node.id, node.id)


def _depth(tree: ast.AST) -> int:
    """Nesting depth, iteratively (a recursive walk could itself overflow)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _literal(node: ast.AST) -> tuple[bool, Any]:
    """(True, value) for a literal a list may hold: a number (signed), text, True, False."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        ok, value = _literal(node.operand)
        if ok and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, -value if isinstance(node.op, ast.USub) else value
        return False, None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)) and not isinstance(node.value, complex):
        return True, node.value
    return False, None


def _number_literal(node: ast.AST) -> float | None:
    ok, value = _literal(node)
    return value if ok and isinstance(value, (int, float)) and not isinstance(value, bool) else None


class _Checker:
    """Walk a parsed expression; collect every construct outside the language."""

    def __init__(self, parsed: _Parsed):
        self.parsed = parsed
        self.problems: list[tuple[str, str]] = []

    def refuse(self, node: ast.AST, message: str) -> None:
        self.problems.append((self.parsed.part(node), message))

    def check(self, node: ast.AST) -> None:
        name = type(node).__name__
        if name not in _ALLOWED:
            self.refuse_construct(node)
            return
        method = getattr(self, f"check_{name}", None)
        if method is not None:
            method(node)
        else:
            for child in ast.iter_child_nodes(node):
                self.check(child)

    def instead(self, attribute: ast.Attribute) -> str:
        """What to write instead of a method or attribute (a pandas idiom, or the functions)."""
        hint = _PANDAS_HINTS.get(attribute.attr)
        if hint is None:
            return f"; the functions are {_functions_list()}"
        receiver = attribute.value
        if isinstance(receiver, ast.Attribute) and receiver.attr == "str":  # x.str.contains
            receiver = receiver.value
        return "; write " + hint.format(x=self.parsed.part(receiver))

    def refuse_construct(self, node: ast.AST) -> None:
        name = type(node).__name__
        if isinstance(node, ast.Attribute):
            self.refuse(node, f"attribute access (.{node.attr}) is not part of the expression language{self.instead(node)}")
            return
        what = _REFUSED.get(name, f"{name} is not an expression")
        self.refuse(node, f"{what}: not part of the expression language")

    def check_Expression(self, node: ast.Expression) -> None:
        self.check(node.body)

    def check_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Invert):
            self.refuse(node, "~ is not part of the expression language; write not")
            return
        self.check(node.operand)

    def check_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op).__name__ not in _ALLOWED:
            what = _REFUSED.get(type(node.op).__name__, type(node.op).__name__)
            self.refuse(node, f"the operator {what} is not part of the expression language; arithmetic is + - * / // % **, logic is and, or, not")
            return
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                self.refuse(node, "arithmetic on text is not part of the expression language (+ - * / // % ** take numbers)")
                return
        if isinstance(node.op, ast.Pow):
            exponent = _number_literal(node.right)
            if exponent is None or not math.isfinite(exponent) or abs(exponent) > MAX_EXPONENT:
                self.refuse(node, f"the exponent of ** must be a number from -{MAX_EXPONENT} to {MAX_EXPONENT} (e.g. x ** 2, x ** 0.5)")
                self.check(node.left)
                return
        self.check(node.left)
        self.check(node.right)

    def check_Compare(self, node: ast.Compare) -> None:
        self.check(node.left)
        last = len(node.ops) - 1
        for index, (op, right) in enumerate(zip(node.ops, node.comparators)):
            op_name = type(op).__name__
            if op_name not in _ALLOWED:
                self.refuse(node, f"{_REFUSED.get(op_name, op_name)}: not part of the expression language; comparisons are == != < <= > >= in, not in")
                continue
            if isinstance(op, (ast.In, ast.NotIn)):
                if index != last:
                    self.refuse(node, "a list after in / not in ends the comparison (write x in [...] and ...)")
                self.check_list(right, "the values after in / not in")
            elif isinstance(right, (ast.List, ast.Tuple)):
                self.refuse(right, "a list [...] is allowed only after in / not in and as the breaks and labels of cut")
            else:
                self.check(right)

    def check_list(self, node: ast.AST, what: str, numbers_only: bool = False) -> list | None:
        if not isinstance(node, (ast.List, ast.Tuple)):
            self.refuse(node, f"{what} must be a list of values written out: [1, 2] or ['a', 'b']")
            return None
        values = []
        for element in node.elts:
            ok, value = _literal(element)
            if not ok or (numbers_only and (isinstance(value, (str, bool)))):
                kind = "numbers" if numbers_only else "numbers, 'text', True or False"
                self.refuse(element, f"{what} must be {kind} written out")
                return None
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
                self.refuse(element, "a whole number beyond ±2**53 is not exact; write it as a decimal")
                return None
            if isinstance(value, float) and not math.isfinite(value):
                self.refuse(element, "a number must be finite")
                return None
            values.append(value)
        kinds = {"text" if isinstance(v, str) else "number" for v in values}
        if len(kinds) > 1:
            self.refuse(node, f"{what} mix text and numbers")
            return None
        return values

    def check_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute):
            self.refuse(node, f"a method call (.{node.func.attr}(...)) is not part of the expression language, which has no attribute access{self.instead(node.func)}")
            return
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = node.func.id if isinstance(node.func, ast.Name) else self.parsed.part(node.func)
            self.refuse(node, f"{called!s} is not a function of the expression language; its functions are {_functions_list()}")
            return
        name = node.func.id
        usage = FUNCTIONS[name][0]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.refuse(node, f"{name} takes its arguments by position, without names or *: {usage}")
            return
        low, high = _ARITY[name]
        if not low <= len(node.args) <= high:
            self.refuse(node, f"{name} takes {low if low == high else f'{low} or {high}'} arguments: {usage}")
            return
        if name in ("contains", "startswith"):
            self.check(node.args[0])
            text = node.args[1]
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                self.refuse(text, f"the second argument of {name} must be 'text' written out: {usage}")
            return
        if name == "cut":
            self.check(node.args[0])
            breaks = self.check_list(node.args[1], "the breaks of cut", numbers_only=True)
            if breaks is not None:
                if not breaks or any(b >= c for b, c in zip(breaks, breaks[1:])):
                    self.refuse(node.args[1], "the breaks of cut must be one or more numbers in increasing order")
                elif len(node.args) == 3:
                    labels = self.check_list(node.args[2], "the labels of cut")
                    if labels is not None and len(labels) != len(breaks) + 1:
                        self.refuse(node.args[2], f"cut with {len(breaks)} break(s) has {len(breaks) + 1} intervals, so {len(breaks) + 1} labels (given {len(labels)})")
            return
        for argument in node.args:
            self.check(argument)

    def check_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.refuse(node, "an assignment is not part of the expression language")

    def check_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if value is None:
            self.refuse(node, f"None is not part of the expression language; write {MISSING_NAME}")
        elif isinstance(value, bool) or isinstance(value, str):
            return
        elif isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                self.refuse(node, "a whole number beyond ±2**53 is not exact; write it as a decimal (1e20)")
        elif isinstance(value, float):
            if not math.isfinite(value):
                self.refuse(node, "a number must be finite")
        else:
            self.refuse(node, f"{type(value).__name__} values are not part of the expression language; values are numbers, 'text', True, False and {MISSING_NAME}")

    def check_List(self, node: ast.AST) -> None:
        self.refuse(node, "a list [...] is allowed only after in / not in and as the breaks and labels of cut")

    check_Tuple = check_List


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Parsed:
    """Parse and check one expression (cached: a study repeats its filters)."""
    if not text.strip():
        return _Parsed(text, text, {}, None, ((text, "the expression is empty"),))
    if len(text) > MAX_LENGTH:
        return _Parsed(text, text, {}, None, ((text[:40] + "...", f"the expression is {len(text)} characters long; the language accepts at most {MAX_LENGTH} (derive a column in steps)"),))
    rewritten, placeholders, problem = _backticks(text)
    if problem:
        return _Parsed(text, text, {}, None, ((text, problem),))
    try:
        tree = ast.parse(rewritten.strip(), mode="eval")
    except SyntaxError as err:
        offset = (err.offset or 1) - 1
        near = rewritten.strip()[max(0, offset - 10) : offset + 10] or rewritten.strip()
        for placeholder, name in placeholders.items():
            near = near.replace(placeholder, f"`{name}`")
        return _Parsed(text, text, {}, None, ((near, f"not a valid expression ({err.msg})"),))
    except (RecursionError, MemoryError, ValueError):
        return _Parsed(text, text, {}, None, ((text[:40], "the expression is nested too deeply"),))
    parsed = _Parsed(text, rewritten.strip(), placeholders, tree, ())
    if _depth(tree) > MAX_DEPTH:
        return _Parsed(text, text, {}, None, ((text[:40] + ("..." if len(text) > 40 else ""), f"the expression is nested more than {MAX_DEPTH} levels deep"),))
    checker = _Checker(parsed)
    checker.check(tree)
    return _Parsed(text, parsed.rewritten, placeholders, tree, tuple(checker.problems))


def problems(text: str, source: str = "", key: str = "") -> list[str]:
    """Every construct of ``text`` outside the language, one message each (empty: it is valid)."""
    if not isinstance(text, str):
        shown = repr(text) if len(repr(text)) <= 60 else repr(text)[:57] + "..."
        return [f"{_where(source, key)}: {shown}: an expression must be text ({DOCUMENTATION})"]
    parsed = _parse(text)
    return [_problem(source, key, parsed.text, part, message) for part, message in parsed.problems]


@dataclass(frozen=True)
class Expression:
    """A checked expression, ready to evaluate on data frames.

    ``source`` and ``key`` say where it was written (``config/studies/x.yaml``,
    ``analyses[3].derive.h_score_le_170``): every error names them.
    """

    text: str
    source: str = ""
    key: str = ""

    @property
    def _parsed(self) -> _Parsed:
        return _parse(self.text)

    @property
    def columns(self) -> set[str]:
        """The column names the expression reads."""
        parsed = self._parsed
        called = {id(n.func) for n in ast.walk(parsed.tree) if isinstance(n, ast.Call)}
        return {parsed.column(n) for n in ast.walk(parsed.tree) if isinstance(n, ast.Name) and id(n) not in called and n.id != MISSING_NAME}

    def evaluate(self, frame, extra: Mapping[str, Any] | None = None):
        """The value of the expression for each row of ``frame`` (a Series on its index).

        ``extra``: names that are not columns of ``frame`` (name -> one value per
        row), e.g. the reconstruction's row number.
        """
        return _Evaluator(self, frame, extra).result()

    def select(self, frame, extra: Mapping[str, Any] | None = None):
        """The rows where the condition is True (a boolean Series; missing -> False)."""
        return _Evaluator(self, frame, extra).condition()


def parse(text: str, source: str = "", key: str = "") -> Expression:
    """Check ``text`` against the language; raise :class:`ExpressionError` listing every problem."""
    found = problems(text, source, key)
    if found:
        raise ExpressionError(found)
    return Expression(text, source, key)


def evaluate(frame, text: str, source: str = "", key: str = "", extra: Mapping[str, Any] | None = None):
    """A derived column: ``text`` evaluated on ``frame``, missing values kept missing."""
    return parse(text, source, key).evaluate(frame, extra)


def select(frame, text: str, source: str = "", key: str = "", extra: Mapping[str, Any] | None = None):
    """A row filter: True where ``text`` is True; False where it is False or missing."""
    return parse(text, source, key).select(frame, extra)


def filter_rows(frame, text: str | None, source: str = "", key: str = ""):
    """The rows of ``frame`` where ``text`` is True (all rows without one): the
    filter of a figure, e.g. ``filter_rows(data, spec.get("where"), study_file,
    f"figures[{i}].where")``; a row where it is missing is not kept."""
    if text is None:
        return frame
    return frame.loc[select(frame, text, source, key).to_numpy()]


# ---------------------------------------------------------------------------
# Where a study file holds expressions
# ---------------------------------------------------------------------------


def study_expressions(study: Mapping) -> Iterator[tuple[str, str]]:
    """Every expression of a study file, with its key: each entry of a ``derive``
    mapping, each ``where`` and each ``query``, at any depth (top-level derive,
    analyses, inclusion criteria, figures and their panels), in file order.
    Iterative: a file nested absurdly deep is the schema check's to report."""
    stack: list[tuple[Any, str]] = [(study, "")]
    while stack:
        node, path = stack.pop()
        children: list[tuple[Any, str]] = []
        if isinstance(node, Mapping):
            for name, value in node.items():
                here = f"{path}.{name}" if path else str(name)
                if name == "derive" and isinstance(value, Mapping):
                    for column, expression in value.items():
                        yield f"{here}.{column}", expression
                elif name in ("where", "query") and not isinstance(value, (Mapping, list)):
                    yield here, value
                else:
                    children.append((value, here))
        elif isinstance(node, list):
            children = [(value, f"{path}[{index}]") for index, value in enumerate(node)]
        stack.extend(reversed(children))


def study_problems(study: Mapping, source: str) -> list[str]:
    """Every problem of every expression of a study file (see :func:`study_expressions`);
    a value that is not text is left to the schema check, which names it."""
    found: list[str] = []
    for key, text in study_expressions(study):
        if isinstance(text, str):
            found += problems(text, source, key)
    return found


# ---------------------------------------------------------------------------
# Evaluation: column-wise, three-valued
# ---------------------------------------------------------------------------


@dataclass
class _Value:
    """Values for every row: ``kind`` is number, bool, text, missing (all missing, any
    kind) or other (a column of a kind the language does not compute with);
    ``data`` a numpy array (its entries where ``na`` is True mean nothing); ``na`` the
    missing mask."""

    kind: str
    data: Any
    na: Any


_KIND_NAMES = {"number": "a number", "bool": "True/False", "text": "text", "other": "values the language does not compute with"}


class _Evaluator:
    def __init__(self, expression: Expression, frame, extra: Mapping[str, Any] | None):
        import numpy as np
        import pandas as pd

        self.np, self.pd = np, pd
        self.expression = expression
        self.parsed = expression._parsed
        if self.parsed.problems:
            raise ExpressionError([_problem(expression.source, expression.key, self.parsed.text, part, message) for part, message in self.parsed.problems])
        self.frame = frame
        self.extra = extra or {}
        self.n = len(frame)
        self.cache: dict[str, _Value] = {}

    # -- errors ---------------------------------------------------------------

    def fail(self, node: ast.AST, message: str):
        raise ExpressionError([_problem(self.expression.source, self.expression.key, self.parsed.text, self.parsed.part(node), message)])

    # -- results --------------------------------------------------------------

    def result(self):
        np, pd = self.np, self.pd
        value = self.visit(self.parsed.tree.body)
        index = self.frame.index
        na = value.na
        if value.kind == "missing":
            return pd.Series(np.full(self.n, np.nan), index=index, dtype=float)
        if value.kind == "number":
            data = value.data
            if na.any():
                data = data.astype(float)
                data[na] = np.nan
            return pd.Series(data, index=index)
        if value.kind == "bool" and not na.any():
            return pd.Series(value.data.astype(bool), index=index)
        data = value.data.astype(object)
        data[na] = np.nan
        return pd.Series(data, index=index, dtype=object)

    def condition(self):
        node = self.parsed.tree.body
        value = self.visit(node)
        if value.kind == "missing":
            return self.pd.Series(self.np.zeros(self.n, dtype=bool), index=self.frame.index)
        if value.kind != "bool":
            self.fail(node, f"a condition must be True or False for each row; this gives {_KIND_NAMES[value.kind]}")
        return self.pd.Series(value.data.astype(bool) & ~value.na, index=self.frame.index)

    # -- values ---------------------------------------------------------------

    def constant(self, kind: str, value: Any) -> _Value:
        np = self.np
        dtype = {"number": None, "bool": bool, "text": object}[kind]
        data = np.full(self.n, value, dtype=dtype)
        return _Value(kind, data, np.zeros(self.n, dtype=bool))

    def all_missing(self, kind: str = "missing") -> _Value:
        np = self.np
        data = {"number": np.full(self.n, np.nan), "bool": np.zeros(self.n, dtype=bool), "text": np.full(self.n, "", dtype=object)}.get(kind, np.full(self.n, np.nan))
        return _Value(kind, data, np.ones(self.n, dtype=bool))

    def column(self, node: ast.Name) -> _Value:
        name = self.parsed.column(node)
        if name in self.cache:
            return self.cache[name]
        if name in self.extra:
            series = self.pd.Series(self.np.asarray(self.extra[name]), index=self.frame.index)
        elif name in self.frame.columns:
            series = self.frame[name]
            if isinstance(series, self.pd.DataFrame):
                self.fail(node, f"the data has several columns named {name!r}")
        else:
            names = [str(c) for c in self.frame.columns] + list(self.extra)
            close = difflib.get_close_matches(name, names, n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            self.fail(node, f"no column named {name!r} in the data{hint}")
        value = self.from_series(series)
        self.cache[name] = value
        return value

    def from_series(self, series) -> _Value:
        np, pd = self.np, self.pd
        api = pd.api.types
        na = series.isna().to_numpy(dtype=bool)
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            series, dtype = series.astype(object), np.dtype(object)
        if api.is_bool_dtype(dtype):
            return _Value("bool", series.to_numpy(dtype=bool, na_value=False), na)
        if api.is_integer_dtype(dtype) and not na.any():
            return _Value("number", series.to_numpy(dtype=np.int64), na)
        if api.is_numeric_dtype(dtype):
            return _Value("number", series.to_numpy(dtype=float, na_value=np.nan), na)
        if api.is_object_dtype(dtype) or api.is_string_dtype(dtype):
            if na.all():
                return _Value("missing", np.full(self.n, np.nan), na)
            inferred = api.infer_dtype(series, skipna=True)
            values = series.to_numpy(dtype=object, copy=True)
            if inferred == "string":
                values[na] = ""
                return _Value("text", values, na)
            if inferred == "boolean":
                values[na] = False
                return _Value("bool", values.astype(bool), na)
            if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
                values[na] = np.nan
                return _Value("number", values.astype(float), na)
            return _Value("other", values, na)
        return _Value("other", series.to_numpy(dtype=object), na)

    # -- the walk -------------------------------------------------------------

    def visit(self, node: ast.AST) -> _Value:
        method = getattr(self, f"visit_{type(node).__name__}")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> _Value:
        value = node.value
        if isinstance(value, bool):
            return self.constant("bool", value)
        if isinstance(value, str):
            return self.constant("text", value)
        return self.constant("number", value)

    def visit_Name(self, node: ast.Name) -> _Value:
        if node.id == MISSING_NAME:
            return self.all_missing()
        return self.column(node)

    def number(self, node: ast.AST, value: _Value, what: str) -> _Value:
        """A value used as a number: True/False count as 1/0 (as in R), missing stays missing."""
        np = self.np
        if value.kind == "number":
            return value
        if value.kind == "bool":
            return _Value("number", value.data.astype(np.int64), value.na)
        if value.kind == "missing":
            return self.all_missing("number")
        self.fail(node, f"{what} takes numbers; this is {_KIND_NAMES[value.kind]}")

    def boolean(self, node: ast.AST, value: _Value, what: str) -> _Value:
        if value.kind == "bool":
            return value
        if value.kind == "missing":
            return self.all_missing("bool")
        self.fail(node, f"{what} takes True/False values (a comparison, is_missing(...)); this is {_KIND_NAMES[value.kind]}")

    def finish_number(self, data, na) -> _Value:
        """Missing where an input was, or where the result is undefined (0/0, x/0)."""
        np = self.np
        if data.dtype.kind == "f":
            na = na | np.isnan(data)
        if na.any():
            data = data.astype(float)
            data[na] = np.nan
        return _Value("number", data, na)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> _Value:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            value = self.boolean(node.operand, operand, "not")
            return _Value("bool", ~value.data, value.na)
        value = self.number(node.operand, operand, "- and +")
        return _Value("number", -value.data if isinstance(node.op, ast.USub) else value.data, value.na)

    def visit_BinOp(self, node: ast.BinOp) -> _Value:
        np = self.np
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}[type(node.op)]
        left = self.number(node.left, self.visit(node.left), symbol)
        right = self.number(node.right, self.visit(node.right), symbol)
        a, b = left.data, right.data
        na = left.na | right.na
        integers = a.dtype.kind in "iu" and b.dtype.kind in "iu"
        with np.errstate(all="ignore"):
            if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
                operation = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}[type(node.op)]
                exact = operation(a.astype(float), b.astype(float))
                data = operation(a, b) if integers and not (np.abs(exact) >= 2.0**62).any() else exact
            elif isinstance(node.op, ast.Pow):
                data = np.power(a.astype(float), b.astype(float))
                if integers and (b >= 0).all() and not (np.abs(data) >= 2.0**62).any():
                    data = data.astype(np.int64)  # exact below 2**53, as the inputs are
            else:
                zero = b == 0
                na = na | zero
                if integers and not isinstance(node.op, ast.Div):
                    safe = np.where(zero, 1, b)
                    data = np.floor_divide(a, safe) if isinstance(node.op, ast.FloorDiv) else np.mod(a, safe)
                else:
                    operation = {ast.Div: np.true_divide, ast.FloorDiv: np.floor_divide, ast.Mod: np.mod}[type(node.op)]
                    data = operation(a.astype(float), np.where(zero, 1.0, b.astype(float)))
        return self.finish_number(data, na)

    def visit_BoolOp(self, node: ast.BoolOp) -> _Value:
        word = "and" if isinstance(node.op, ast.And) else "or"
        values = [self.boolean(child, self.visit(child), word) for child in node.values]
        result = values[0]
        for value in values[1:]:
            result = self.kleene(result, value, isinstance(node.op, ast.And))
        return result

    def kleene(self, a: _Value, b: _Value, conjunction: bool) -> _Value:
        a_true, a_false = a.data & ~a.na, ~a.data & ~a.na
        b_true, b_false = b.data & ~b.na, ~b.data & ~b.na
        if conjunction:
            true, false = a_true & b_true, a_false | b_false
        else:
            true, false = a_true | b_true, a_false & b_false
        return _Value("bool", true, ~(true | false))

    def visit_Compare(self, node: ast.Compare) -> _Value:
        left_node, left = node.left, self.visit(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                value = self.membership(left_node, left, right_node, isinstance(op, ast.NotIn))
                result = value if result is None else self.kleene(result, value, True)
                break  # the checker allows a list only at the end
            right = self.visit(right_node)
            value = self.compare(node, op, left, right)
            result = value if result is None else self.kleene(result, value, True)
            left_node, left = right_node, right
        return result

    def comparable(self, node: ast.AST, left: _Value, right: _Value) -> tuple[Any, Any]:
        np = self.np
        kinds = {left.kind, right.kind}
        if kinds <= {"number", "bool"}:
            return (left.data.astype(np.int64) if left.kind == "bool" else left.data), (right.data.astype(np.int64) if right.kind == "bool" else right.data)
        if kinds == {"text"} or "other" in kinds:
            return left.data, right.data
        self.fail(node, f"compares {_KIND_NAMES[left.kind]} with {_KIND_NAMES[right.kind]}")

    def compare(self, node: ast.AST, op: ast.cmpop, left: _Value, right: _Value) -> _Value:
        np = self.np
        na = left.na | right.na
        if "missing" in (left.kind, right.kind):
            return self.all_missing("bool")
        a, b = self.comparable(node, left, right)
        operation = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal}[type(op)]
        try:
            with np.errstate(invalid="ignore"):
                data = np.asarray(operation(a, b), dtype=bool)
        except TypeError:
            self.fail(node, f"these values cannot be ordered ({_KIND_NAMES[left.kind]}, {_KIND_NAMES[right.kind]})")
        return _Value("bool", data & ~na, na)

    def membership(self, node: ast.AST, left: _Value, list_node: ast.AST, negate: bool) -> _Value:
        np, pd = self.np, self.pd
        values = [_literal(element)[1] for element in list_node.elts]
        if left.kind == "missing":
            return self.all_missing("bool")
        listed = "text" if any(isinstance(v, str) for v in values) else "number"
        if values and left.kind in ("number", "bool") and listed == "text" or left.kind == "text" and values and listed == "number":
            self.fail(list_node, f"compares {_KIND_NAMES[left.kind]} with {'text' if listed == 'text' else 'numbers'}")
        data = left.data.astype(np.int64) if left.kind == "bool" else left.data
        found = pd.Series(data).isin(values).to_numpy(dtype=bool) if values else np.zeros(self.n, dtype=bool)
        if negate:
            found = ~found
        return _Value("bool", found & ~left.na, left.na.copy())

    def visit_Call(self, node: ast.Call) -> _Value:
        return getattr(self, f"call_{node.func.id}")(node, node.args)

    def call_is_missing(self, node, args) -> _Value:
        value = self.visit(args[0])
        return _Value("bool", value.na.copy(), self.np.zeros(self.n, dtype=bool))

    def text(self, node, value: _Value, name: str) -> _Value:
        if value.kind == "missing":
            return self.all_missing("text")
        if value.kind != "text":
            self.fail(node, f"{name} takes text; this is {_KIND_NAMES[value.kind]}")
        return value

    def call_contains(self, node, args) -> _Value:
        np = self.np
        value = self.text(args[0], self.visit(args[0]), "contains")
        found = np.strings.find(value.data.astype(str), args[1].value) >= 0
        return _Value("bool", found & ~value.na, value.na)

    def call_startswith(self, node, args) -> _Value:
        np = self.np
        value = self.text(args[0], self.visit(args[0]), "startswith")
        found = np.asarray(np.strings.startswith(value.data.astype(str), args[1].value), dtype=bool)
        return _Value("bool", found & ~value.na, value.na)

    def call_if_else(self, node, args) -> _Value:
        np = self.np
        condition = self.boolean(args[0], self.visit(args[0]), "the condition of if_else")
        yes, no = self.visit(args[1]), self.visit(args[2])
        kinds = {yes.kind, no.kind} - {"missing"}
        if not kinds:
            return self.all_missing()
        if kinds == {"number", "bool"}:
            yes, no = self.number(args[1], yes, "if_else"), self.number(args[2], no, "if_else")
            kind = "number"
        elif len(kinds) > 1:
            self.fail(node, f"if_else gives {_KIND_NAMES[yes.kind]} or {_KIND_NAMES[no.kind]}; both must be of one kind")
        else:
            (kind,) = kinds
            if yes.kind == "missing":
                yes = self.all_missing(kind)
            if no.kind == "missing":
                no = self.all_missing(kind)
        data = np.where(condition.data, yes.data, no.data)
        na = condition.na | np.where(condition.data, yes.na, no.na)
        if kind == "number":
            return self.finish_number(data, na)
        return _Value(kind, data, na)

    def call_cut(self, node, args) -> _Value:
        np = self.np
        value = self.number(args[0], self.visit(args[0]), "cut")
        breaks = np.asarray([_literal(b)[1] for b in args[1].elts], dtype=float)
        labels = [_literal(label)[1] for label in args[2].elts] if len(args) == 3 else list(range(len(breaks) + 1))
        # right-closed intervals: x == a break falls in the interval that ends there
        position = np.searchsorted(breaks, np.where(value.na, 0.0, value.data.astype(float)), side="left")
        if all(isinstance(label, str) for label in labels):
            data = np.asarray(labels, dtype=object)[position]
            return _Value("text", data, value.na.copy())
        data = np.asarray(labels)[position]
        if data.dtype == bool:
            return _Value("bool", data, value.na.copy())
        return self.finish_number(data, value.na.copy())

    def call_abs(self, node, args) -> _Value:
        value = self.number(args[0], self.visit(args[0]), "abs")
        return self.finish_number(self.np.abs(value.data), value.na)

    def pairwise(self, args, name: str, operation) -> _Value:
        a = self.number(args[0], self.visit(args[0]), name)
        b = self.number(args[1], self.visit(args[1]), name)
        return self.finish_number(operation(a.data, b.data), a.na | b.na)

    def call_min(self, node, args) -> _Value:
        return self.pairwise(args, "min", self.np.minimum)

    def call_max(self, node, args) -> _Value:
        return self.pairwise(args, "max", self.np.maximum)
