"""The one comparison rule of cells, labels and selectors: :func:`canonical`.

A module of its own, importing nothing: :mod:`her2cohort.results` (which reads
result tables with pandas) re-exports it, and the study's declarations
(:mod:`her2cohort.declarations`, read by the Snakefile at every start) match a
study-level label to a level with it, without loading pandas.
"""

from __future__ import annotations

import math
from typing import Any


def canonical(value: Any) -> str:
    """The form two cells are compared in: numbers as floats, booleans lower-case, text stripped."""
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
