"""Cell parsers: one raw cell's text -> a typed value, or the form that was expected.

Each column kind of the data dictionary (:class:`her2cohort.rawdata.ColumnSpec`)
has one parser here, and its docstring lists the forms it accepts: real exports
write ``IHC 2+``, ``Yes`` or ``3.0`` where the dictionary says ``2+``, ``yes``,
``3``. A parser raises ``ValueError`` with the message an analyst reads
(``expected a date as YYYY-MM-DD``), so that :mod:`.reading` can name the file,
line, column and value. Forms that are ambiguous (day-first dates, ranges of
IHC scores) are refused rather than guessed. :func:`cell_text` turns a parsed
value back into the text a message quotes.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import pandas as pd

from her2cohort.errors import StudyConfigError
from her2cohort.rawdata import MULTI_VALUE_SEPARATOR, ColumnSpec

_IHC_PATTERN = re.compile(r"^(?:her2\s*)?(?:ihc\s*)?\+?\s*([0-3])\s*(\+?)\s*$", re.IGNORECASE)


def parse_ihc_score(text: str) -> int:
    """Parse an IHC score as pathology reports write it.

    Accepted (case-insensitive, surrounding spaces ignored): ``0``, ``1+``,
    ``2+``, ``3+``, the bare digits ``1``, ``2``, ``3``, with an optional ``IHC``
    or ``HER2 IHC`` prefix (``IHC 3+``, ``HER2 2+``) and spaces before the plus
    (``2 +``). ``0+`` is read as 0. Ranges (``1-2+``), words (``negative``,
    ``equivocal``) and scores above 3 are refused: they are not scores, and
    guessing would change a patient's HER2 status.
    """
    match = _IHC_PATTERN.match(text)
    if not match:
        raise ValueError("expected an IHC score: 0, 1+, 2+ or 3+ (also 'IHC 2+', '2')")
    return int(match.group(1))


_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}


def parse_boolean(text: str) -> bool:
    """``yes/no``, ``y/n``, ``true/false``, ``1/0`` (case-insensitive)."""
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected yes or no (also y/n, true/false, 1/0)")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str) -> pd.Timestamp:
    """ISO 8601 calendar dates only (``2016-07-31``).

    Day-first and month-first exports (``03/04/2015``) are ambiguous, so they are
    refused rather than guessed: convert them when mapping the export.
    """
    if not _ISO_DATE.match(text):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise ValueError("expected a real calendar date as YYYY-MM-DD") from None


def parse_number(text: str) -> float:
    """A decimal number with a point (``4.36``); a trailing ``%`` is allowed."""
    cleaned = text[:-1].strip() if text.endswith("%") else text
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError("expected a number (decimal point, e.g. 4.36)") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


def parse_integer(text: str) -> int:
    """A whole number (``3``; ``3.0`` is accepted, ``3.5`` is not)."""
    value = parse_number(text)
    if abs(value) >= 1e15:  # beyond any count or score, and beyond exact int64 storage
        raise ValueError("expected a whole number of a sensible size")
    if value != int(value):
        raise ValueError("expected a whole number")
    return int(value)


def _level_lookup(spec: ColumnSpec) -> dict[str, str]:
    lookup = {level.lower(): level for level in spec.levels}
    lookup.update({k.lower(): v for k, v in spec.synonyms.items()})
    return lookup


def _categorical_parser(spec: ColumnSpec) -> Callable[[str], str]:
    lookup = _level_lookup(spec)
    expected = "expected one of: " + ", ".join(spec.levels)

    def parse(text: str) -> str:
        key = " ".join(text.lower().replace("_", " ").split())
        for candidate in (text.lower(), key, key.replace(" ", "_")):
            if candidate in lookup:
                return lookup[candidate]
        raise ValueError(expected)

    return parse


def _multi_parser(spec: ColumnSpec) -> Callable[[str], str]:
    single = _categorical_parser(spec)

    def parse(text: str) -> str:
        parts = [p.strip() for p in text.split(MULTI_VALUE_SEPARATOR) if p.strip()]
        values = sorted({single(p) for p in parts}, key=spec.levels.index)
        return MULTI_VALUE_SEPARATOR.join(values)

    return parse


def cell_parser(spec: ColumnSpec) -> Callable[[str], Any]:
    """The parser of a column's kind (missing markers are handled before it)."""
    simple = {
        "id": str,
        "text": str,
        "integer": parse_integer,
        "number": parse_number,
        "date": parse_date,
        "boolean": parse_boolean,
        "ihc_score": parse_ihc_score,
    }
    if spec.kind in simple:
        return simple[spec.kind]
    if spec.kind == "categorical":
        return _categorical_parser(spec)
    if spec.kind == "multi":
        return _multi_parser(spec)
    raise StudyConfigError(f"column {spec.name!r}: unknown kind {spec.kind!r}")


#: The pandas dtype a column of each kind is stored in.
DTYPES = {
    "id": "object",
    "text": "object",
    "categorical": "object",
    "multi": "object",
    "integer": "Int64",
    "ihc_score": "Int64",
    "number": "float64",
    "date": "datetime64[ns]",
    "boolean": "boolean",
}


def cell_text(value: Any) -> str:
    """A parsed value as a message quotes it: ``3`` for 3.0, ``2016-07-31`` for a date."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)
