"""Small self-contained HTML pages for the Snakemake report (tables, the replication summary).

No template engine and no timestamps: the same content gives the same bytes.
:func:`markdown_to_html` understands exactly the Markdown this project writes
(``#`` headings, paragraphs, ``-`` lists with indented continuation lines, pipe
tables, ``**bold**`` and backquoted code); it is not a general converter.
"""

from __future__ import annotations

import html
from typing import Sequence

import pandas as pd

STYLE = (
    "body{font-family:DejaVu Sans,Arial,sans-serif;font-size:13px;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:0.8em 0}th,td{border-bottom:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{border-bottom:2px solid #444}caption{text-align:left;padding-bottom:4px}p.note{font-size:12px;color:#444}"
    ".num{text-align:center}tr.section td{font-weight:bold}th.blank{border-bottom:none}th.span{text-align:center;border-bottom:1px solid #444}"
)


def page(body: str, title: str) -> str:
    return f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"


def table_html(table, title: str = "", footnotes: Sequence[str] = ()) -> str:
    """A table as an HTML page: the caption ("<b>Table 1.</b> Title"), merged headings
    (colspan), headings with their group n on a second line, markers as ``<sup>``,
    the legend and footnotes under it. ``table``: a
    :class:`her2cohort.render.tables.journal.JournalTable` or a display DataFrame
    (``title`` and ``footnotes`` then given here)."""
    from her2cohort.render.tables.journal import as_journal, note_lines

    table = as_journal(table, title or None, list(footnotes) or None)

    def sup(mark: str) -> str:
        return f"<sup>{html.escape(mark)}</sup>" if mark else ""

    def align(c: int) -> str:
        return "" if c < table.label_columns else ' class="num"'

    rows = []
    if table.spanners:
        cells, column = [], 0
        for text, first, last in sorted(table.spanners, key=lambda s: s[1]):
            cells += ['<th class="blank"></th>'] * (first - column)
            cells.append(f'<th colspan="{last - first + 1}" class="span">{html.escape(text)}</th>')
            column = last + 1
        cells += ['<th class="blank"></th>'] * (len(table.headings) - column)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("<tr>" + "".join(f"<th{align(c)}>{'<br>'.join(html.escape(x) for x in h.split(chr(10)))}{sup(table.heading_marks.get(c, ''))}</th>" for c, h in enumerate(table.headings)) + "</tr>")
    body = "".join(
        ("<tr class=\"section\">" if table.is_section(r) else "<tr>")
        + "".join(f"<td{align(c)}>{_indented(str(table.display.iat[r, c]))}{sup(table.marks.get((r, c), ''))}</td>" for c in range(len(table.headings)))
        + "</tr>\n"
        for r in range(len(table.display))
    )
    caption = f"<caption><b>{html.escape(table.label)}.</b> {html.escape(table.title)}</caption>" if table.label else (f"<caption><b>{html.escape(table.title)}</b></caption>" if table.title else "")
    notes = "".join(f'<p class="note">{sup(m)}{" " if m else ""}{html.escape(text)}</p>\n' for m, text in note_lines(table))
    return page(f"<table>{caption}<thead>{''.join(rows)}</thead>\n<tbody>\n{body}</tbody></table>\n{notes}", table.caption or "table")


def _indented(text: str) -> str:
    """A cell escaped, its leading spaces (an indented level) kept as em spaces."""
    indent = len(text) - len(text.lstrip(" "))
    return "&emsp;" * ((indent + 1) // 2) + html.escape(text[indent:])


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    cells, current, escaped = [], "", False
    for char in inner:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def _inline(text: str) -> str:
    escaped = html.escape(text)
    parts = escaped.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else _bold(p) for i, p in enumerate(parts))


def _bold(text: str) -> str:
    parts = text.split("**")
    if len(parts) % 2 == 0:  # an unpaired ** is text
        return text
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def markdown_to_html(text: str, title: str) -> str:
    out, paragraph, lines, index = [], [], text.splitlines(), 0

    items: list[list[str]] = []

    def flush():
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(' '.join(item))}</li>" for item in items) + "</ul>")
            items.clear()

    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line.startswith("|"):
            flush()
            header = _cells(line)
            index += 2  # the rule line under the header
            rows = []
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            head = "".join(f"<th>{_inline(c)}</th>" for c in header)
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>\n" for row in rows)
            out.append(f"<table><thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>")
            continue
        elif not line.strip():
            flush()
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append([line[2:].strip()])
        elif items and line.startswith("  "):  # continuation of the list item
            items[-1].append(line.strip())
        else:
            if items:
                flush()
            paragraph.append(line.strip())
        index += 1
    flush()
    return page("\n".join(out), title)
