"""Writing manuscript tables: Markdown, LaTeX (booktabs), Word (three-line) and a notes sidecar.

Each writer takes a :class:`her2cohort.render.tables.journal.JournalTable`
(caption, headings with group n, merged headings, footnotes with markers; see
:func:`her2cohort.render.tables.journal.compose`) or a plain display
DataFrame (its columns as headings, no notes).

- Markdown: a bold caption, a pipe table (headings on one line: "Hetero-HER2,
  n = 53"; a merged heading before each of its columns), markers as Unicode
  superscripts, the legend and footnotes under it.
- LaTeX: a ``table`` float for pdflatex with booktabs rules, ``\\cmidrule``
  under merged headings, set at its natural width, its label columns
  wrapped, or scaled to the text width when its numbers alone are too wide,
  the caption numbered as declared ("Table 3." prints
  "Table 3." and not "Table 1: Table 3."; an unnumbered title is
  ``\\caption*``), every character ASCII (χ² as ``$\\chi^2$``); it needs the
  packages of :data:`LATEX_PREAMBLE`.
- Word: three horizontal rules (booktabs: above and below the headings, under
  the body), no vertical rules, merged group headings, the heading rows
  repeated on each page, label columns left and numbers centred, widths by
  content, 9 pt, footnotes 8 pt, A4 or Letter as the journal style declares.
  :func:`add_docx_table` appends one table to any python-docx Document (a
  manuscript); :func:`to_docx` writes one table per file.

Deterministic: the same table gives the same bytes (fixed core properties and
zip timestamps in Word files). Figures are written by
:func:`her2cohort.render.style.save_figure`; HTML pages by
:mod:`her2cohort.render.html`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from her2cohort.numbers import JournalStyle
from her2cohort.render.tables.journal import JournalTable, as_journal, note_lines, superscript

#: What a document needs to typeset the .tex tables (pdflatex).
LATEX_PREAMBLE = "\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n\\usepackage{caption}\n\\usepackage{array}\n\\usepackage{tabularx}\n\\usepackage{graphicx}\n"

#: Characters of \small text on a line of an A4 article (345 pt): the width :func:`to_latex` fits a table to.
TEXT_CHARACTERS = 80


# --------------------------------------------------------------------------- Markdown


def to_markdown(table: JournalTable | pd.DataFrame) -> str:
    """The pipe table alone: headings on one line (merged heading first), markers as superscripts."""
    table = as_journal(table)
    spanned = {c: text for text, first, last in table.spanners for c in range(first, last + 1)}
    headings = [(f"{spanned[c]} " if c in spanned else "") + table.plain_heading(c) for c in range(len(table.headings))]
    header = "| " + " | ".join(h.replace("|", "\\|") for h in headings) + " |"
    rule = "|" + "|".join("---" for _ in headings) + "|"
    body = [
        "| " + " | ".join(table.plain_cell(r, c).replace("|", "\\|") for c in range(len(headings))) + " |"
        for r in range(len(table.display))
    ]
    return "\n".join([header, rule, *body]) + "\n"


def markdown_table(table: JournalTable | pd.DataFrame, caption: str | None = None, footnotes: Sequence[str] | None = None) -> str:
    """A table as a Markdown block: "**Table 1.** Title", the pipe table, then the legend and footnotes."""
    table = as_journal(table, caption, footnotes)
    head = f"**{table.label}.** {table.title}" if table.label else f"**{table.title}**" if table.title else ""
    notes = "".join(f"\n{superscript(m) + ' ' if m else ''}{text}\n" for m, text in note_lines(table))
    return (f"{head}\n\n" if head else "") + to_markdown(table) + notes


def add_markdown_table(blocks: list[str], table: JournalTable | pd.DataFrame, caption: str | None = None, footnotes: Sequence[str] | None = None) -> list[str]:
    """Append one table (caption, table, footnotes: :func:`markdown_table`) to a list of Markdown
    blocks (a manuscript being built; join them with blank lines); returns the list."""
    blocks.append(markdown_table(table, caption, footnotes))
    return blocks


def notes_markdown(table: JournalTable) -> str:
    """The sidecar of the tidy CSV ({id}.notes.md): caption, headings, legend and footnotes."""
    lines = [f"**{table.caption}**", ""] if table.caption else []
    lines += ["Columns: " + "; ".join(table.plain_heading(c) for c in range(len(table.headings))), ""]
    lines += [f"{superscript(m) + ' ' if m else ''}{text}\n" for m, text in note_lines(table)]
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- LaTeX

_LATEX_ESCAPES = {
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "<": r"$<$", ">": r"$>$", "\u2013": "--", "\u2014": "---",
    "\u2264": r"$\leq$", "\u2265": r"$\geq$", "\u00b1": r"$\pm$", "\u2212": r"$-$", "\u00d7": r"$\times$",
    "\u221e": r"$\infty$", "\u2192": r"$\rightarrow$", "\u00b7": r"$\cdot$", "\u03c7": r"$\chi$", "\u00b2": r"$^2$",
    "\u03b1": r"$\alpha$", "\u03b2": r"$\beta$", "\u03ba": r"$\kappa$", "\u0394": r"$\Delta$", "\u00b5": r"$\mu$",
    "\u03bc": r"$\mu$", "\u2018": "`", "\u2019": "'", "\u201c": "``", "\u201d": "''", "\u00a0": "~", "\u2009": r"\,",
    "\u00e9": r"\'e", "\u00e8": r"\`e", "\u00f6": r"\"o", "\u00fc": r"\"u", "\u00e4": r"\"a", "\u2026": r"\ldots{}",
    "\u2030": r"\textperthousand{}", "\u00b0": r"$^\circ$", "\u2248": r"$\approx$", "\u2260": r"$\neq$",
}


def latex_escape(text: str) -> str:
    """Text as pdflatex prints it: specials escaped, the en dash as --, < and > and symbols as math
    (``χ²`` as ``$\\chi$$^2$``), superscript markers as ``\\textsuperscript``; ASCII out. A
    character with no LaTeX spelling here is a ValueError naming it (pdflatex would stop on it)."""
    out: list[str] = []
    for ch in str(text):
        if ch in _LATEX_ESCAPES:
            piece = _LATEX_ESCAPES[ch]
        elif ord(ch) < 128:
            piece = ch
        else:
            raise ValueError(f"no LaTeX spelling for {ch!r} (U+{ord(ch):04X}) in {text!r}: add it to her2cohort.render.export._LATEX_ESCAPES")
        math = len(piece) > 2 and piece.startswith("$") and piece.endswith("$")
        if math and out and len(out[-1]) > 2 and out[-1].startswith("$") and out[-1].endswith("$"):
            out[-1] = out[-1][:-1] + piece[1:]  # adjacent math as one: $\chi^2$
        else:
            out.append(piece)
    return "".join(out)


def _tex_cell(text: str, mark: str = "") -> str:
    r"""A cell: escaped, leading spaces (an indented level) as \quad, its marker as a superscript."""
    indent = len(text) - len(text.lstrip(" "))
    return (r"\quad " if indent else "") + latex_escape(text.lstrip(" ") if indent else text) + (rf"\textsuperscript{{{mark}}}" if mark else "")


def _wrap_heading(table: JournalTable, column: int) -> str:
    """A number column's heading in lines no longer than its cells (at least 12 characters):
    LaTeX does not wrap a centred column, so "Persistence of HER2 positivity" takes three lines."""
    if column < table.label_columns:
        return table.headings[column]
    import textwrap

    cells = max((len(str(v)) for v in table.display.iloc[:, column]), default=0)
    lines = table.headings[column].split("\n")
    return "\n".join(part for line in lines for part in (textwrap.wrap(line, max(cells, 12), break_long_words=False) or [""]))


def to_latex(table: JournalTable | pd.DataFrame, caption: str = "", label: str = "") -> str:
    """A booktabs ``table`` float (no pandas Styler: no templates, stable bytes); see the module docstring."""
    table = as_journal(table, caption or None)
    width = len(table.headings)
    lines = [r"% her2cohort table: needs \usepackage{booktabs,caption,array,tabularx,graphicx} (her2cohort.render.export.LATEX_PREAMBLE)", r"\begin{table}[htbp]", r"\centering"]
    lines.append(r"\captionsetup{labelsep=period,justification=raggedright,singlelinecheck=false}")
    if table.label:
        number = table.label.split("Table", 1)[1].strip()
        lines.append(rf"\renewcommand{{\thetable}}{{{latex_escape(number)}}}")
        lines.append(rf"\caption{{{latex_escape(table.title)}}}")
    elif table.title:
        lines.append(rf"\caption*{{{latex_escape(table.title)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    # by the columns' longest lines, in characters of \small: a table that fits is set at its
    # natural width; one whose numbers fit but whose labels do not wraps its label columns
    # (tabularx X); a table whose numbers alone are too wide is scaled to the text width
    table.headings = [_wrap_heading(table, c) for c in range(width)]
    lengths = [max(len(t) for t in [*table.headings[c].split("\n"), *map(str, table.display.iloc[:, c])]) + 3 for c in range(width)]
    kinds = ["l"] * table.label_columns + ["c"] * (width - table.label_columns)
    numbers = sum(lengths[table.label_columns :])
    layout = "natural" if sum(lengths) <= TEXT_CHARACTERS else "wrap" if numbers <= TEXT_CHARACTERS - 18 * table.label_columns else "scaled"
    if layout == "wrap":  # the label columns share the width the numbers leave, wrapping their lines
        kinds[: table.label_columns] = [r">{\raggedright\arraybackslash}X"] * table.label_columns
    columns = "".join(kinds)
    if layout == "scaled":
        lines += [r"\small", r"\resizebox{\linewidth}{!}{%", rf"\begin{{tabular}}{{{columns}}}", r"\toprule"]
    elif layout == "wrap":
        lines += [r"\small", rf"\begin{{tabularx}}{{\linewidth}}{{{columns}}}", r"\toprule"]
    else:
        lines += [r"\small", rf"\begin{{tabular}}{{{columns}}}", r"\toprule"]
    if table.spanners:
        cells, rules, column = [], [], 0
        for text, first, last in sorted(table.spanners, key=lambda s: s[1]):
            cells += [""] * (first - column)
            cells.append(rf"\multicolumn{{{last - first + 1}}}{{c}}{{{latex_escape(text)}}}")
            rules.append(rf"\cmidrule(lr){{{first + 1}-{last + 1}}}")
            column = last + 1
        cells += [""] * (width - column)
        lines += [" & ".join(cells) + r" \\", " ".join(rules)]
    depth = max(len(h.split("\n")) for h in table.headings)
    for line in range(depth):
        cells = []
        for c, heading in enumerate(table.headings):
            parts = heading.split("\n")
            text = parts[line] if line < len(parts) else ""
            cells.append(_tex_cell(text, table.heading_marks.get(c, "") if line == 0 else ""))
        lines.append(" & ".join(cells) + r" \\")
    lines.append(r"\midrule")
    for r in range(len(table.display)):
        cells = [_tex_cell(str(table.display.iat[r, c]), table.marks.get((r, c), "")) for c in range(width)]
        if table.is_section(r):
            cells[0] = rf"\textbf{{{cells[0]}}}"
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", {"scaled": r"\end{tabular}}", "wrap": r"\end{tabularx}", "natural": r"\end{tabular}"}[layout]]
    notes = note_lines(table)
    if notes:
        lines.append(r"\par\smallskip\begin{minipage}{\linewidth}\footnotesize")
        lines += [(rf"\textsuperscript{{{m}}}" if m else "") + latex_escape(text) + r"\par" for m, text in notes]
        lines.append(r"\end{minipage}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def latex_document(fragments: Sequence[str]) -> str:
    """A standalone LaTeX document of table fragments (to compile and look at them)."""
    return "\\documentclass[a4paper]{article}\n" + LATEX_PREAMBLE + "\\begin{document}\n" + "\n".join(fragments) + "\\end{document}\n"


# --------------------------------------------------------------------------- Word

#: Page sizes (width, height) in mm.
PAPERS = {"a4": (210, 297), "letter": (215.9, 279.4)}
MARGIN_MM = 25


def _border(cell, **edges) -> None:
    """Set cell borders: ``top="12"`` (eighths of a point), ``bottom="6"``; single black lines."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.append(borders)
    for edge, size in edges.items():
        element = borders.find(qn(f"w:{edge}"))
        if element is None:
            element = OxmlElement(f"w:{edge}")
            borders.append(element)
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")


def _cell_margins(grid, mm: float) -> None:
    """Left and right margins of every cell of a table (Word's default is 1.9 mm)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(round(mm * 56.6929)))  # twentieths of a point
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    grid._tbl.tblPr.append(margins)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _no_split(row) -> None:
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _write(paragraph, text: str, mark: str = "", size: float = 9, bold: bool = False, align=None) -> None:
    from docx.shared import Pt

    paragraph.paragraph_format.space_before = Pt(1)
    paragraph.paragraph_format.space_after = Pt(1)
    _mark_size(paragraph, size)
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.name = FONT
    run.bold = bold
    if mark:
        sup = paragraph.add_run(mark)
        sup.font.size = Pt(size)
        sup.font.name = FONT
        sup.font.superscript = True


def _mark_size(paragraph, size: float) -> None:
    """The paragraph mark at ``size`` points: an empty cell is as tall as a filled one
    (the mark takes the document's default size, 11 pt, otherwise)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = paragraph._p.get_or_add_pPr()
    marks = properties.find(qn("w:rPr"))
    if marks is None:
        marks = OxmlElement("w:rPr")
        properties.append(marks)
    for tag in ("w:sz", "w:szCs"):
        if marks.find(qn(tag)) is None:
            element = OxmlElement(tag)
            element.set(qn("w:val"), str(int(size * 2)))
            marks.append(element)


def page_setup(document, style: JournalStyle) -> None:
    """The document's pages: A4 or Letter (the journal style's ``paper``), 25 mm margins."""
    from docx.shared import Mm

    width, height = PAPERS[style.paper]
    for section in document.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(MARGIN_MM)


#: Width of a character of 9 pt Times in mm (digits are 0.5 em), and a cell's side margins (1 mm each).
CHARACTER_MM, PADDING_MM = 1.6, 2.4
#: The font of Word tables (LibreOffice substitutes the metric-compatible Liberation Serif).
FONT = "Times New Roman"


def _column_texts(table: JournalTable, c: int) -> list[str]:
    """The heading lines and body cells of column ``c``."""
    return [*table.headings[c].split("\n"), *(str(v) for v in table.display.iloc[:, c])]


def _widths(table: JournalTable, total_mm: float) -> list[float]:
    """Column widths in mm summing to ``total_mm``: each number column as wide as its
    longest line (numbers never wrap), the label columns share the rest by their
    longest lines (at least 20 mm each); scaled down together when that is too wide."""
    def longest(c: int) -> int:  # a body cell's line, or a heading's longest word (headings may wrap)
        texts = [*(w for h in table.headings[c].split("\n") for w in h.split()), *(str(v) for v in table.display.iloc[:, c])]
        return max((len(t) for t in texts), default=1) + 1

    numbers = [longest(c) * CHARACTER_MM + PADDING_MM for c in range(table.label_columns, len(table.headings))]
    labels = [longest(c) for c in range(table.label_columns)]
    room = total_mm - sum(numbers)
    wanted = [n * CHARACTER_MM + PADDING_MM for n in labels]
    if room >= sum(wanted):  # everything fits on one line: the labels take their own width, the numbers the rest
        spare = (total_mm - sum(wanted) - sum(numbers)) / len(table.headings)
        return [w + spare for w in wanted + numbers]
    if room >= 20 * len(labels):
        # each label column at least as wide as its longest word (words never break), the rest by its longest line
        floors = [max(len(w) for c_text in _column_texts(table, c) for w in (c_text.split() or [""])) * CHARACTER_MM + PADDING_MM for c in range(table.label_columns)]
        if sum(floors) > room:  # even the longest words do not fit: shrink them alike
            floors = [f * room / sum(floors) for f in floors]
        spare = room - sum(floors)
        return [f + spare * n / sum(labels) for f, n in zip(floors, labels)] + numbers
    widths = [20.0] * len(labels) + numbers
    return [w * total_mm / sum(widths) for w in widths]


def add_docx_table(document, table: JournalTable | pd.DataFrame, caption: str | None = None, footnotes: Sequence[str] | None = None, style: JournalStyle | None = None):
    """Append one table to a python-docx ``document``: the caption ("**Table 1.** Title"), the
    table in three-line style (see the module docstring) and its legend and footnotes
    (markers as superscripts). ``caption``/``footnotes``/``style`` replace the table's own
    when given. Returns the docx table. The page size is the caller's (:func:`page_setup`)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    table = as_journal(table, caption, footnotes, style)
    width = len(table.headings)
    if table.caption:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True
        if table.label:
            _write(paragraph, f"{table.label}.", size=10, bold=True)
            _write(paragraph, f" {table.title}", size=10)
        else:
            _write(paragraph, table.title, size=10, bold=True)
    header_rows = (1 if table.spanners else 0) + max(len(h.split("\n")) for h in table.headings)
    grid = document.add_table(rows=header_rows + len(table.display), cols=width)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _cell_margins(grid, PADDING_MM / 2)
    section = document.sections[-1]
    usable = (section.page_width - section.left_margin - section.right_margin) / Mm(1) if section.page_width else 160
    for column, mm in zip(grid.columns, _widths(table, usable)):
        column.width = Mm(mm)
        for cell in column.cells:
            cell.width = Mm(mm)

    def align(c: int):
        return WD_ALIGN_PARAGRAPH.LEFT if c < table.label_columns else WD_ALIGN_PARAGRAPH.CENTER

    row_index = 0
    if table.spanners:
        row = grid.rows[0]
        for text, first, last in table.spanners:
            merged = row.cells[first].merge(row.cells[last]) if last > first else row.cells[first]
            _write(merged.paragraphs[0], text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            for c in range(first, last + 1):
                _border(row.cells[c], bottom=4)
        row_index = 1
    for line in range(header_rows - row_index):
        row = grid.rows[row_index + line]
        for c, heading in enumerate(table.headings):
            parts = heading.split("\n")
            if line < len(parts):
                _write(row.cells[c].paragraphs[0], parts[line], table.heading_marks.get(c, "") if line == 0 else "", bold=line == 0, align=align(c))
    for r in range(len(table.display)):
        cells = grid.rows[header_rows + r].cells
        for c in range(width):
            _write(cells[c].paragraphs[0], str(table.display.iat[r, c]), table.marks.get((r, c), ""), align=align(c), bold=c == 0 and table.is_section(r))
    # three rules: above the headings, under them, under the body
    for c in range(width):
        _border(grid.rows[0].cells[c], top=12)
        _border(grid.rows[header_rows - 1].cells[c], bottom=6)
        _border(grid.rows[-1].cells[c], bottom=12)
    for row in grid.rows[:header_rows]:
        _repeat_header(row)
    for row in grid.rows:
        _no_split(row)
    for mark, text in note_lines(table):
        paragraph = document.add_paragraph()
        if mark:
            run = paragraph.add_run(mark)
            run.font.superscript = True
            run.font.size = Pt(8)
            run.font.name = FONT
        _write(paragraph, text, size=8)
    return grid


def new_document(style: JournalStyle | None = None):
    """An empty python-docx Document with fixed core properties (byte-stable) and the style's page."""
    import datetime

    from docx import Document

    document = Document()
    # python-docx stamps the current time and author; fix them so re-runs are byte-stable
    core = document.core_properties
    core.author = core.last_modified_by = "her2cohort"
    core.created = core.modified = datetime.datetime(2000, 1, 1)
    core.revision = 1
    page_setup(document, style or JournalStyle())
    return document


def save_docx(document, path: str | Path) -> None:
    """Write a python-docx Document with stable bytes (zip members without the time of writing)."""
    import io

    from her2cohort.io import stable_zip, write_bytes

    buffer = io.BytesIO()
    document.save(buffer)
    write_bytes(path, stable_zip(buffer.getvalue()))


def to_docx(table: JournalTable | pd.DataFrame, path: str | Path, title: str = "", footnotes: Sequence[str] = (), style: JournalStyle | None = None) -> None:
    """A Word document holding one table (:func:`add_docx_table`), deterministic."""
    table = as_journal(table, title or None, list(footnotes) or None, style)
    document = new_document(table.style)
    add_docx_table(document, table)
    save_docx(document, path)


# --------------------------------------------------------------------------- all formats of one table


def write_table_files(table: JournalTable, tidy: pd.DataFrame, printed, folder: str | Path) -> list[Path]:
    """Every file of one table in ``folder``: ``{id}.csv`` (tidy, full precision) with its
    sidecar ``{id}.notes.md`` (caption, headings, legend, footnotes), ``{id}_numbers.csv``
    (every printed number and its source), ``{id}.md``, ``{id}.tex``, ``{id}.docx`` and
    ``{id}.html`` (:mod:`her2cohort.render.html`)."""
    from her2cohort.io import write_table
    from her2cohort.render.html import table_html

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / table.id
    written = [stem.with_suffix(".csv"), folder / f"{table.id}.notes.md", folder / f"{table.id}_numbers.csv"]
    write_table(tidy, written[0])
    written[1].write_text(notes_markdown(table), encoding="utf-8")
    write_table(printed.frame(), written[2])
    for suffix, text in ((".md", markdown_table(table)), (".tex", to_latex(table, label=f"tab:{table.id}")), (".html", table_html(table))):
        stem.with_suffix(suffix).write_text(text, encoding="utf-8")
        written.append(stem.with_suffix(suffix))
    to_docx(table, stem.with_suffix(".docx"))
    written.append(stem.with_suffix(".docx"))
    return written


def write_all_tables(tables: Sequence[JournalTable], folder: str | Path, style: JournalStyle | None = None) -> list[Path]:
    """The study's tables together, in declared order, as journals ask for them in a file of
    their own: ``all_tables.docx`` (one table after another, :func:`add_docx_table`) and
    ``all_tables.tex``, a standalone document pdflatex compiles (:func:`latex_document`)."""
    folder = Path(folder)
    document = new_document(style or (tables[0].style if tables else JournalStyle()))
    for index, table in enumerate(tables):
        if index:
            document.add_paragraph()
        add_docx_table(document, table)
    save_docx(document, folder / "all_tables.docx")
    (folder / "all_tables.tex").write_text(latex_document([to_latex(t, label=f"tab:{t.id}") for t in tables]), encoding="utf-8")
    return [folder / "all_tables.docx", folder / "all_tables.tex"]
