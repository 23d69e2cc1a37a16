"""Manuscript tables from tidy results: journal number formats, Markdown, LaTeX and Word.

Formats (the conventions of the source journals):

- p-values: three decimals (``0.047``), ``< 0.001`` below 0.001, ``1.000`` kept
  as printed by R/SPSS at three decimals; NA prints as an en dash.
- n (%): percentage with one decimal (``26 (76.5)``).
- median (range) and median (IQR) with the variable's own decimals.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Sequence

import pandas as pd

DASH = "\u2013"


def format_p(p: float, decimals: int = 3) -> str:
    """0.047, < 0.001 (for decimals=3), 1.000; NA -> en dash."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return DASH
    floor = 10 ** -decimals
    if p < floor:
        return f"< {floor:.{decimals}f}"
    return _half_up(p, decimals)


def _half_up(value: float, decimals: int) -> str:
    """Round the exact binary value half up, as journals print: 31.25 -> 31.3 (Python's
    and C's printf, R's sprintf included, give 31.2: ties to even), while 0.0465, whose
    double lies just below the tie, stays 0.046 as every rounding gives."""
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(float(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_number(value: float, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return _half_up(value, decimals)


def format_n_percent(n: int, percent: float, decimals: int = 1) -> str:
    """26 (76.5)"""
    return f"{int(n)} ({format_number(percent, decimals)})"


def format_median_range(median: float, low: float, high: float, decimals: int = 0) -> str:
    """57 (29\u201379)"""
    return f"{format_number(median, decimals)} ({format_number(low, decimals)}{DASH}{format_number(high, decimals)})"


def format_estimate_ci(estimate: float, low: float, high: float, decimals: int = 2, na_estimate: str = DASH) -> str:
    """1.34 (0.70\u20132.55); a limit that is NA prints NR (not reached).

    An estimate that is NA prints ``na_estimate``: a dash alone (not computable:
    its limits mean nothing either), or "NR" for a median survival time that is
    not reached, with its limits ("NR (20.5\u2013NR)", as the papers print it)."""
    def limit(x: float) -> str:
        return "NR" if x is None or (isinstance(x, float) and math.isnan(x)) else format_number(x, decimals)

    if estimate is None or (isinstance(estimate, float) and math.isnan(estimate)):
        return DASH if na_estimate == DASH else f"{na_estimate} ({limit(low)}{DASH}{limit(high)})"
    return f"{format_number(estimate, decimals)} ({limit(low)}{DASH}{limit(high)})"


def baseline_table_display(tidy: pd.DataFrame, continuous: str = "median_range", decimals: int = 0, p_decimals: int = 3) -> pd.DataFrame:
    """Lay out :func:`her2cohort.stats.table1.baseline_table` output as a journal prints it.

    One row per variable level (continuous variables: one row), one column per
    group (``Total`` first), and ``p`` (on the first row of each variable, or of
    each level of a multi-valued variable).
    """
    summary = tidy[tidy["row_type"] == "summary"]
    tests = tidy[tidy["row_type"] == "test"]
    groups = list(dict.fromkeys(summary["group"]))
    rows = []
    for variable in dict.fromkeys(summary["variable"]):
        block = summary[summary["variable"] == variable]
        label, kind = block["label"].iloc[0], block["kind"].iloc[0]
        levels = [""] if kind == "continuous" else list(dict.fromkeys(block["level"]))
        for position, level in enumerate(levels):
            row = {"Characteristic": label if position == 0 else "", "Level": "" if kind == "continuous" else str(level)}
            for group in groups:
                cell = block[(block["group"] == group) & ((block["level"] == level) if kind != "continuous" else True)]
                if cell.empty:
                    row[group] = DASH
                    continue
                cell = cell.iloc[0]
                if kind == "continuous":
                    if continuous == "median_iqr":
                        row[group] = format_median_range(cell["median"], cell["q1"], cell["q3"], decimals)
                    elif continuous == "mean_sd":
                        row[group] = f"{format_number(cell['mean'], decimals + 1)} ({format_number(cell['sd'], decimals + 1)})"
                    else:
                        row[group] = format_median_range(cell["median"], cell["minimum"], cell["maximum"], decimals)
                else:
                    row[group] = format_n_percent(cell["n"], cell["percent"])
            test = tests[(tests["variable"] == variable) & ((tests["level"].astype(str) == str(level)) if kind == "multi" else True)]
            show_p = not test.empty and (position == 0 or kind == "multi")
            row["p"] = format_p(test.iloc[0]["p_value"], p_decimals) if show_p else ""
            rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


_LATEX_ESCAPES = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "<": r"$<$", ">": r"$>$", "\u2013": "--", "\u2264": r"$\leq$", "\u2265": r"$\geq$"}


def _latex(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def to_latex(table: pd.DataFrame, caption: str = "", label: str = "") -> str:
    """A booktabs table (no pandas Styler, so no jinja2 templates and stable bytes)."""
    columns = "l" * 2 + "r" * (len(table.columns) - 2)
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{_latex(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{columns}}}", r"\toprule", " & ".join(_latex(c) for c in table.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(_latex(v) for v in row) + r" \\" for row in table.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def to_docx(table: pd.DataFrame, path: str | Path, title: str = "", footnotes: Sequence[str] = ()) -> None:
    """A Word document holding the table (python-docx), deterministic: fixed core properties."""
    import datetime
    import io

    from docx import Document

    from her2cohort.io import stable_zip, write_bytes
    from docx.shared import Pt

    document = Document()
    # python-docx stamps the current time and author; fix them so re-runs are byte-stable
    fixed = datetime.datetime(2000, 1, 1)
    core = document.core_properties
    core.author = core.last_modified_by = "her2cohort"
    core.created = core.modified = fixed
    core.revision = 1
    if title:
        document.add_paragraph(title).runs[0].bold = True
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, table.columns):
        cell.text = str(name)
        cell.paragraphs[0].runs[0].bold = True
    for values in table.itertuples(index=False):
        for cell, value in zip(grid.add_row().cells, values):
            cell.text = str(value)
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    for note in footnotes:
        document.add_paragraph(note).runs[0].font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    write_bytes(path, stable_zip(buffer.getvalue()))  # zip members carry the time of writing otherwise
