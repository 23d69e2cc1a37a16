"""One manuscript file per study: every table and figure with its label and legend, and the methods text.

``results/{study}/manuscript.docx`` and ``manuscript.md``: the Statistical
analysis paragraph (:mod:`her2cohort.render.methods`), then each table
(label and title, the table, its legend and footnotes) and each figure (the
PNG, label and legend) in manuscript order and numbering
(:mod:`her2cohort.numbering`: from the study file, never from file names).
Tables come from :func:`her2cohort.render.tables.render_table`, the path the
table files take; figures are the PNGs the figures rule wrote.

The report pages (:func:`item_page`, :func:`methods_page`) show the same item
with its legend under it and, folded away, its audit note and declaration.

Deterministic: fixed core properties and zip timestamps in the Word file.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from her2cohort.numbering import Item
from her2cohort.numbers import JournalStyle
from her2cohort.render.export import add_docx_table, markdown_table, new_document, save_docx
from her2cohort.render.html import STYLE, markdown_to_html
from her2cohort.render.tables.journal import JournalTable



def _caption(item: Item) -> str:
    """"Table 2. Change of HER2 positivity ..." (a table); "Figure 1." (a figure)."""
    return f"{item.label}. {item.title}".strip() if item.kind == "table" else f"{item.label}."


def write_docx(
    path: str | Path,
    title: str,
    methods: str,
    items: Sequence[Item],
    tables: Mapping[str, JournalTable],
    figures: Path,
    style: JournalStyle | None = None,
    closing: Sequence[JournalTable] = (),
) -> None:
    """The manuscript as Word, on the journal style's page (A4 or Letter): the methods
    paragraph, then every item in order; each table through the table files' own writer
    (:func:`her2cohort.render.export.add_docx_table`: three-line style, repeated header,
    markers and footnotes), captioned with its manuscript label."""
    from docx.shared import Pt

    document = new_document(style)
    document.core_properties.title = title
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(title, level=1)
    for block in methods.strip().split("\n\n"):
        if block.startswith("## "):
            document.add_heading(block[3:].strip(), level=2)
        else:
            document.add_paragraph(block.strip())
    for item in items:
        document.add_page_break()
        if item.kind == "table":
            add_docx_table(document, tables[item.id], caption=_caption(item), style=style)
        else:
            picture = document.add_picture(str(figures / f"{item.id}.png"))  # at its declared width (the PNG's 300 dpi)
            section = document.sections[-1]
            room = section.page_width - section.left_margin - section.right_margin
            if picture.width > room:  # a two-column figure (174 mm) on a page with less room
                picture.height, picture.width = int(picture.height * room / picture.width), room
            paragraph = document.add_paragraph()
            paragraph.add_run(_caption(item) + " ").bold = True
            paragraph.add_run(item.legend)
    for table in closing:  # tables after the declared items (the rigor table of the supplement)
        document.add_page_break()
        add_docx_table(document, table, style=style)
    save_docx(document, path)


def manuscript_markdown(
    title: str, methods: str, items: Sequence[Item], tables: Mapping[str, JournalTable], figures_link: str = "figures", closing: Sequence[JournalTable] = ()
) -> str:
    """The manuscript as Markdown (figures linked as ``{figures_link}/{id}.png``); each table
    as the table files print it (:func:`her2cohort.render.export.markdown_table`)."""
    parts = [f"# {title}", methods.strip()]
    for item in items:
        if item.kind == "table":
            parts.append(markdown_table(tables[item.id], caption=_caption(item)).strip())
        else:
            parts.append(f"![{item.label}]({figures_link}/{item.id}.png)\n\n**{_caption(item)}** {item.legend}")
    parts += [markdown_table(table).strip() for table in closing]
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- report pages

_PAGE_STYLE = STYLE + (
    "p.legend{max-width:60em;line-height:1.45}details{margin-top:1em;color:#444}summary{cursor:pointer;color:#2a5d8f}"
    "pre{font-size:11px;background:#f6f6f6;padding:6px;overflow-x:auto}img{max-width:min(100%,900px);height:auto;border:0}"
)


def _page(body: str, title: str) -> str:
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_PAGE_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n'


def _body(page_html: str) -> str:
    """The content of a page's ``<body>`` (a table page the tables rule wrote), without its
    ``<caption>``: the page prints the item's label and title above it."""
    start, end = page_html.find("<body>"), page_html.rfind("</body>")
    body = page_html[start + len("<body>") : end] if start >= 0 and end > start else page_html
    return re.sub(r"<caption>.*?</caption>", "", body, flags=re.DOTALL)


def _folded(item: Item) -> str:
    """The audit note, the paper item regenerated and the declaration, folded away."""
    shown = {k: v for k, v in item.spec.items() if k not in ("legend", "audit_note")}
    parts = []
    if item.spec.get("audit_note") or item.spec.get("regenerates"):
        lines = []
        if item.spec.get("audit_note"):
            lines.append(f"<p>{html.escape(item.spec['audit_note'])}</p>")
        if item.spec.get("regenerates"):
            lines.append(f"<p>Regenerates: {html.escape(item.spec['regenerates'])}.</p>")
        parts.append("<details><summary>Audit note</summary>" + "".join(lines) + "</details>")
    declaration = yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=100)
    parts.append(f"<details><summary>Declaration ({html.escape(item.kind)} {html.escape(item.id)} of the study file)</summary><pre>{html.escape(declaration)}</pre></details>")
    return "\n".join(parts)


def item_page(item: Item, table_page: str | None = None, png: bytes | None = None) -> str:
    """A report page: the item (the table page the tables rule wrote, or the figure's PNG),
    its label and legend under it, then the folded audit note and declaration."""
    if item.kind == "table":
        shown = f"<p><strong>{html.escape(_caption(item))}</strong></p>\n{_body(table_page or '')}"
        legend = f'<p class="legend">{html.escape(item.legend)}</p>'
    else:
        data = base64.b64encode(png or b"").decode("ascii")
        shown = f'<img src="data:image/png;base64,{data}" alt="{html.escape(item.label)}">'
        legend = f'<p class="legend"><strong>{html.escape(_caption(item))}</strong> {html.escape(item.legend)}</p>'
    return _page(f"{shown}\n{legend}\n{_folded(item)}", item.label)


def methods_page(methods: str, title: str) -> str:
    """The methods text as a report page."""
    return markdown_to_html(methods, title).replace("<style>", "<style>p{max-width:60em;line-height:1.45}", 1)


def page_name(position: int, item: Item) -> str:
    """File name of an item's report page: its manuscript position first, so that names sort in order."""
    return f"{str(position).zfill(2)}_{item.id}.html"  # a file name, not a printed number


def item_report_labels(study: Mapping[str, Any], name: str) -> dict[str, str]:
    """Report labels of the page ``name`` (:func:`page_name`): position, label, first words of the legend."""
    from her2cohort.numbering import manuscript_items

    position, _, identifier = name.partition("_")
    item = next(i for i in manuscript_items(study) if i.id == identifier)
    legend = item.legend if len(item.legend) <= 90 else item.legend[:87].rsplit(" ", 1)[0] + " …"
    return {"no.": position, "item": item.label, "legend": legend}
