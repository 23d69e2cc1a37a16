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
  ``\\caption*``), every character ASCII (χ² as ``$\\chi^2$``); a table
  longer than a page is a ``longtable`` whose caption and headings repeat on
  each page ("Table 2. (continued)"), so run pdflatex twice, as for any
  longtable; it needs the packages of :data:`LATEX_PREAMBLE`.
- Word: three horizontal rules (booktabs: above and below the headings, under
  the body), no vertical rules, merged group headings, the heading rows
  repeated on each page, label columns left and numbers aligned on their
  leading number (:func:`number_tab_stop`: counts, estimates and p-values end
  on one line, their brackets open on another), widths by
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
LATEX_PREAMBLE = "\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n\\usepackage{caption}\n\\usepackage{array}\n\\usepackage{tabularx}\n\\usepackage{longtable}\n\\usepackage{graphicx}\n"

#: Characters of \small text on a line of an A4 article (345 pt): the width :func:`to_latex` fits a table to.
TEXT_CHARACTERS = 80
#: Lines of \\small text a ``table`` float may take on an A4 article page (its text is 592 pt
#: high, a \\small row 13.6 pt, the caption and notes take the rest); a longer table is a longtable.
PAGE_LINES = 36


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


def _latex_header(table: JournalTable) -> list[str]:
    """The heading rows: merged headings over their ``\\cmidrule``, then the headings' lines."""
    width = len(table.headings)
    lines: list[str] = []
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
    return lines


def _latex_body(table: JournalTable) -> list[str]:
    lines = []
    for r in range(len(table.display)):
        cells = [_tex_cell(str(table.display.iat[r, c]), table.marks.get((r, c), "")) for c in range(len(table.headings))]
        if table.is_section(r):
            cells[0] = rf"\textbf{{{cells[0]}}}"
        lines.append(" & ".join(cells) + r" \\")
    return lines


def _latex_notes(table: JournalTable) -> list[str]:
    notes = note_lines(table)
    if not notes:
        return []
    lines = [r"\par\smallskip\noindent\begin{minipage}{\linewidth}\footnotesize"]
    lines += [(rf"\textsuperscript{{{m}}}" if m else "") + latex_escape(text) + r"\par" for m, text in notes]
    return lines + [r"\end{minipage}"]


def latex_lines(table: JournalTable, lengths: Sequence[int]) -> int:
    """Lines of \\small text the table takes: its heading lines and its rows, a label cell wider
    than the characters its column gets counting as the lines it wraps into."""
    numbers = sum(lengths[table.label_columns :])
    room = max(TEXT_CHARACTERS - numbers, 18 * max(table.label_columns, 1)) / max(table.label_columns, 1)
    header = (1 if table.spanners else 0) + max(len(h.split("\n")) for h in table.headings)
    rows = 0
    for r in range(len(table.display)):
        rows += max([1] + [-(-len(str(table.display.iat[r, c])) // int(room)) for c in range(table.label_columns)])
    return header + rows


def to_latex(table: JournalTable | pd.DataFrame, caption: str = "", label: str = "") -> str:
    """A booktabs table for pdflatex (no pandas Styler: no templates, stable bytes); see the module
    docstring. A table of more than :data:`PAGE_LINES` lines is a ``longtable`` that breaks across
    pages, its caption and headings repeated (marked "continued") on each page, its label
    columns wrapped to the width the numbers leave; a shorter one is a ``table`` float."""
    table = as_journal(table, caption or None)
    width = len(table.headings)
    # by the columns' longest lines, in characters of \small: a table that fits is set at its
    # natural width; one whose numbers fit but whose labels do not wraps its label columns
    # (tabularx X); a table whose numbers alone are too wide is scaled to the text width
    table.headings = [_wrap_heading(table, c) for c in range(width)]
    lengths = [max(len(t) for t in [*table.headings[c].split("\n"), *map(str, table.display.iloc[:, c])]) + 3 for c in range(width)]
    kinds = ["l"] * table.label_columns + ["c"] * (width - table.label_columns)
    numbers = sum(lengths[table.label_columns :])
    layout = "natural" if sum(lengths) <= TEXT_CHARACTERS else "wrap" if numbers <= TEXT_CHARACTERS - 18 * table.label_columns else "scaled"
    long = latex_lines(table, lengths) > PAGE_LINES
    if long and layout != "natural":
        # longtable takes no X column and cannot be scaled: the label columns wrap in a fixed share
        # of the room the numbers leave (at least a tenth of the line each), in \footnotesize
        # (90 characters a line) when the numbers are too wide for \small
        line = TEXT_CHARACTERS if layout == "wrap" else TEXT_CHARACTERS * 9 // 8
        share = max(0.97 * (line - numbers) / line / table.label_columns, 0.1)  # 3% for the estimate's error
        kinds[: table.label_columns] = [rf">{{\raggedright\arraybackslash\hspace{{0pt}}}}p{{\dimexpr {round(share, 3)}\linewidth-2\tabcolsep\relax}}"] * table.label_columns
    elif layout == "wrap":  # the label columns share the width the numbers leave, wrapping their lines
        kinds[: table.label_columns] = [r">{\raggedright\arraybackslash\hspace{0pt}}X"] * table.label_columns
    columns = "".join(kinds)
    number = table.label.split("Table", 1)[1].strip() if table.label else ""
    if number:
        title, continued = rf"\caption{{{latex_escape(table.title)}}}", r"\caption[]{(continued)}"
    else:
        title, continued = rf"\caption*{{{latex_escape(table.title)}}}", rf"\caption*{{{latex_escape(table.title)} (continued)}}"
    lines = [r"% her2cohort table: needs \usepackage{booktabs,caption,array,tabularx,longtable,graphicx} (her2cohort.render.export.LATEX_PREAMBLE)"]
    setup = r"\captionsetup{labelsep=period,justification=raggedright,singlelinecheck=false}"
    if long:
        # not a float: the group keeps the table's number, size and column gap its own
        lines += [r"\begingroup", r"\footnotesize\setlength{\tabcolsep}{4pt}" if layout == "scaled" else r"\small", setup, r"\setlength{\LTcapwidth}{\linewidth}"]
        if number:
            lines.append(rf"\renewcommand{{\thetable}}{{{latex_escape(number)}}}")
        lines += [rf"\begin{{longtable}}{{{columns}}}", title + (rf"\label{{{label}}}" if label else "") + r" \\", r"\toprule"]
        header = _latex_header(table)
        lines += [*header, r"\midrule", r"\endfirsthead", continued + r" \\", r"\toprule", *header, r"\midrule", r"\endhead"]
        lines += [r"\midrule", rf"\multicolumn{{{width}}}{{r}}{{\footnotesize\itshape continued on the next page}} \\", r"\endfoot", r"\bottomrule", r"\endlastfoot"]
        lines += _latex_body(table)
        lines.append(r"\end{longtable}")
        lines += _latex_notes(table)
        return "\n".join([*lines, r"\endgroup", ""])
    lines += [r"\begin{table}[htbp]", r"\centering", setup]
    if number:
        lines.append(rf"\renewcommand{{\thetable}}{{{latex_escape(number)}}}")
    if table.title:
        lines.append(title)
    if label:
        lines.append(rf"\label{{{label}}}")
    if layout == "scaled":
        lines += [r"\small", r"\resizebox{\linewidth}{!}{%", rf"\begin{{tabular}}{{{columns}}}", r"\toprule"]
    elif layout == "wrap":
        lines += [r"\small", rf"\begin{{tabularx}}{{\linewidth}}{{{columns}}}", r"\toprule"]
    else:
        lines += [r"\small", rf"\begin{{tabular}}{{{columns}}}", r"\toprule"]
    lines += [*_latex_header(table), r"\midrule", *_latex_body(table)]
    lines += [r"\bottomrule", {"scaled": r"\end{tabular}}", "wrap": r"\end{tabularx}", "natural": r"\end{tabular}"}[layout]]
    lines += _latex_notes(table)
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


#: A cell's side margins together (1.2 mm each), in mm.
PADDING_MM = 2.4
#: The font of Word tables (LibreOffice substitutes the metric-compatible Liberation Serif).
FONT = "Times New Roman"


#: Advance widths of Times Roman in thousandths of an em (Adobe's Times-Roman AFM; Liberation
#: Serif has the same), for the characters of number cells and narrow or wide letters; any other
#: capital counts as 667, any other character as 500 (a digit).
_TIMES_WIDTHS = {" ": 250, "(": 333, ")": 333, ".": 250, ",": 250, "/": 278, ":": 278, ";": 278, "%": 833, "<": 564, ">": 564, "=": 564, "+": 564, "\u2212": 564, "\u00b1": 564, "\u2264": 549, "\u2265": 549, "\u2013": 500, "\u00d7": 564, "N": 722, "R": 667, "A": 722, "E": 611, "I": 333, "i": 278, "l": 278, "t": 278, "f": 333, "r": 333, "m": 778, "w": 722}


def text_mm(text: str, size: float = 9) -> float:
    """The printed width of ``text`` in Times Roman at ``size`` points, in mm."""
    return sum(_TIMES_WIDTHS.get(ch, 667 if ch.isupper() else 500) for ch in text) / 1000 * size * 25.4 / 72


def split_number(text: str) -> tuple[str, str]:
    """A number cell as its leading number and the rest: "34 (70.8)" as ("34", "(70.8)"),
    "0.86 (0.45–1.62)" as ("0.86", "(0.45–1.62)"), "< 0.001" as ("< 0.001", "")."""
    at = text.find(" (")
    return (text, "") if at < 0 else (text[:at], text[at + 1 :])


def number_tab_stop(texts: Sequence[str], text_width_mm: float, size: float = 9) -> float:
    """Where, in mm from a cell's text edge, a column's leading numbers end: the cells of a number
    column are set as ``<tab>number<tab>(rest)`` with a right tab stop there and a left one a
    space further (``text_width_mm``: the column less its cell margins), so counts, estimates and p-values line up on their last digit and their
    brackets on one line, the block centred in the column (as a decimal tab would, but also for
    cells with no decimal point, "67 (35–86)" beside "2.4 (0.1–9.8)")."""
    parts = [split_number(t) for t in texts if t]
    if not parts:
        return 0.0
    lead = max(text_mm(a, size) for a, _ in parts)
    rest = max((text_mm(" " + b, size) for _, b in parts if b), default=0.0)
    return max(0.0, (text_width_mm - lead - rest) / 2) + lead


def _aligned_number(paragraph, text: str, stop_mm: float, mark: str = "", size: float = 9) -> None:
    """Write a number cell against the column's tab stops (:func:`number_tab_stop`)."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Mm

    tabs = paragraph.paragraph_format.tab_stops
    tabs.add_tab_stop(Mm(stop_mm), WD_TAB_ALIGNMENT.RIGHT)
    tabs.add_tab_stop(Mm(stop_mm + text_mm(" ", size)), WD_TAB_ALIGNMENT.LEFT)
    lead, rest = split_number(text)
    _write(paragraph, "\t" + lead + ("\t" + rest if rest else ""), mark, size=size)


def _widths(table: JournalTable, total_mm: float) -> list[float]:
    """Column widths in mm summing to ``total_mm``, measured in Times Roman (:func:`text_mm`; a
    heading is bold, a tenth wider): each number column as wide as its widest cell or heading
    word (numbers never wrap), the label columns share the rest by their longest lines, each
    at least as wide as its longest word; scaled down together when that is too wide."""
    def heading_words(c: int) -> list[str]:
        return [w for h in table.headings[c].split("\n") for w in h.split()]

    def widest(c: int, words: bool) -> float:  # a body cell with its marker (or, for a label column, its longest word)
        cells = [str(v) + table.marks.get((r, c), "") for r, v in enumerate(table.display.iloc[:, c])]
        if words:
            cells = [w for cell in cells for w in (cell.split() or [""])]
        return max([text_mm(t) for t in cells] + [1.1 * text_mm(w) for w in heading_words(c)] + [0.0]) + PADDING_MM + 1.5  # 1.5 mm: another renderer's metrics

    numbers = [widest(c, False) for c in range(table.label_columns, len(table.headings))]
    wanted = [widest(c, False) for c in range(table.label_columns)]
    room = total_mm - sum(numbers)
    if room >= sum(wanted):  # everything fits on one line: the labels take their own width, the numbers the rest
        spare = (total_mm - sum(wanted) - sum(numbers)) / len(table.headings)
        return [w + spare for w in wanted + numbers]
    floors = [widest(c, True) for c in range(table.label_columns)]  # words never break
    if room >= sum(floors):
        spare = room - sum(floors)
        extra = [max(w - f, 0.0) for w, f in zip(wanted, floors)]
        return [f + spare * e / (sum(extra) or 1.0) for f, e in zip(floors, extra)] + numbers
    widths = floors + numbers
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
    widths = _widths(table, usable)
    for column, mm in zip(grid.columns, widths):
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
            parts = heading.split("\n")  # a heading of fewer lines leaves its cell empty, at the table's size and spacing
            text = parts[line] if line < len(parts) else ""
            _write(row.cells[c].paragraphs[0], text, table.heading_marks.get(c, "") if line == 0 else "", bold=line == 0, align=align(c))
    stops = {c: number_tab_stop([str(v) for v in table.display.iloc[:, c]], mm - PADDING_MM) for c, mm in enumerate(widths) if c >= table.label_columns}
    for r in range(len(table.display)):
        cells = grid.rows[header_rows + r].cells
        for c in range(width):
            text, mark = str(table.display.iat[r, c]), table.marks.get((r, c), "")
            if c in stops and text:
                _aligned_number(cells[c].paragraphs[0], text, stops[c], mark)
            else:
                _write(cells[c].paragraphs[0], text, mark, align=align(c), bold=c == 0 and table.is_section(r))
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
