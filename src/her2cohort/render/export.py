"""Writing manuscript tables: Markdown, LaTeX (booktabs) and Word.

Deterministic: the same display table gives the same bytes (fixed core
properties and zip timestamps in Word files). Figures are written by
:func:`her2cohort.render.style.save_figure`; HTML pages by
:mod:`her2cohort.render.html`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

def to_markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


_LATEX_ESCAPES = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "<": r"$<$", ">": r"$>$", "\u2013": "--", "\u2264": r"$\leq$", "\u2265": r"$\geq$"}


def latex_escape(text: str) -> str:
    """Text as LaTeX prints it: special characters escaped, the en dash as --, < and > as math."""
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def to_latex(table: pd.DataFrame, caption: str = "", label: str = "") -> str:
    """A booktabs table (no pandas Styler, so no jinja2 templates and stable bytes)."""
    columns = "l" * 2 + "r" * (len(table.columns) - 2)
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{columns}}}", r"\toprule", " & ".join(latex_escape(c) for c in table.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(latex_escape(v) for v in row) + r" \\" for row in table.itertuples(index=False)]
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

