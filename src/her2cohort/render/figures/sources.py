"""What a figure is drawn from: the study's results, its analysis set, flow and treatment lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from her2cohort.expressions import filter_rows

from her2cohort.results import Results


@dataclass
class Sources:
    """The inputs of a study's figures.

    ``results`` the analysis results (read by analysis id, one row selected by
    :meth:`Results.row`); ``analysis_set`` one row per patient (the drawn points
    and lines of the paired, waterfall, dot and count figures); ``flow`` the
    cleaning stage's flow table; ``treatment_lines`` the cleaned treatment lines;
    ``classification`` the classify stage's specimens by rule, HER2 status and
    reason (:func:`her2cohort.classify.classification_summary`).
    """

    results: Results
    analysis_set: pd.DataFrame | None = None
    flow: pd.DataFrame | None = None
    treatment_lines: pd.DataFrame | None = None
    classification: pd.DataFrame | None = None

    def patients(self, where: str | None = None, key: str = "") -> pd.DataFrame:
        """The analysis set, or the patients for whom ``where`` (an expression of the study
        language, :mod:`her2cohort.expressions`) is true; ``key`` names it in errors."""
        return filter_rows(self.analysis_set, where, self.results.where, key)


def cell(analysis: str, where: Mapping | None = None, column: str = "") -> str:
    """How a printed number names where it was read: ``analysis / {column: value, ...} / column``."""
    selected = "{" + ", ".join(f"{key}: {value}" for key, value in where.items()) + "}" if where else ""
    return " / ".join(part for part in (analysis, selected, column) if part)


#: ASCII sign pairs and the signs a journal sets.
SIGNS = {"<=": "\u2264", ">=": "\u2265", "+/-": "\u00b1"}


def signs(text: str) -> str:
    """``text`` with its ASCII comparison signs as a journal sets them (``>=`` as ≥, ``<=`` as ≤, ``+/-`` as ±)."""
    text = str(text)
    for ascii_sign, sign in SIGNS.items():
        text = text.replace(ascii_sign, sign)
    return text
