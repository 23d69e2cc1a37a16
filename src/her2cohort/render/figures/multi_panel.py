"""``multi_panel``: the panels of one paper figure in one file, with panel letters and subgroup titles.

Spec: ``panels`` (the ids of figures declared in the same study, drawn in
reading order), ``layout`` ([rows, columns], default one row), ``titles`` (the
subgroup title of each panel, in order; default each panel figure's
``title``), ``panel_labels`` (``lower``: a, b, c; ``upper``: A, B, C; bold),
``width`` (of the whole figure). Each panel is drawn by its own figure type
into a subfigure ``width / columns`` wide (the types that can: ``km``); its
drawn data are written with the panel's letter (``{id}_{letter}_{name}.csv``)
and its printed numbers are recorded as ``panel {letter}, ...``.

The panel figures stay declared and are written on their own too (their
``{id}.png`` is what the replication audit reads); a manuscript embeds the
multi-panel figure in their place.
"""

from __future__ import annotations

import inspect
import string
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt

from her2cohort.errors import did_you_mean
from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources
from her2cohort.render.style import MM, STYLE, width_of

#: The size of a panel letter (points); bold, at the panel's top left.
LETTER_SIZE = 10


def panel_letters(style: str, n: int) -> list[str]:
    """``lower`` a, b, c ...; ``upper`` A, B, C ..."""
    if style not in ("lower", "upper"):
        raise ValueError(f"panel_labels: {style!r} is not one of lower (a, b) or upper (A, B)")
    letters = string.ascii_lowercase if style == "lower" else string.ascii_uppercase
    return list(letters[:n])


def multi_panel(sources: Sources, spec: Mapping, printed: Printed, declared: Mapping[str, Mapping], types: Mapping[str, Callable]):
    """Draw the figures ``spec["panels"]`` names (their specs from ``declared``, the study's
    figures by id) into one figure; ``types`` the registry of figure types. Return (figure, drawn)."""
    unknown = [name for name in spec["panels"] if name not in declared]
    if unknown:
        raise ValueError("; ".join(f"panels: {name!r} is not a figure of this study: {did_you_mean(name, declared, 'figures')}" for name in unknown))
    panels: Sequence[Mapping] = [declared[name] for name in spec["panels"]]
    rows, columns = spec.get("layout", [1, len(panels)])
    if rows * columns < len(panels):
        raise ValueError(f"layout: {rows} x {columns} holds {rows * columns} panels, {len(panels)} are declared")
    titles = list(spec.get("titles", [panel.get("title", "") for panel in panels]))
    if len(titles) != len(panels):
        raise ValueError(f"titles: {len(titles)} titles for {len(panels)} panels")
    letters = panel_letters(spec.get("panel_labels", "lower"), len(panels))
    width = width_of(spec.get("width", "two_columns"))
    cell = width / columns
    heights = []
    for panel in panels:
        draw = types[panel["type"]]
        if "figure" not in inspect.signature(draw).parameters or not hasattr(inspect.getmodule(draw), "panel_height"):
            raise ValueError(f"panels: figure {panel['id']!r} is a {panel['type']} figure, which cannot be drawn as a panel (km can)")
        heights.append(inspect.getmodule(draw).panel_height(sources, panel, cell))
    row_heights = [max(heights[r * columns:(r + 1) * columns]) for r in range(rows)]
    drawn = {}
    with plt.rc_context(STYLE):
        figure = plt.figure(figsize=(width, sum(row_heights)))
        cells = figure.subfigures(rows, columns, height_ratios=row_heights, squeeze=False)
        for index, (panel, title, letter) in enumerate(zip(panels, titles, letters)):
            target = cells[index // columns][index % columns]
            own = Printed()
            _, panel_drawn = types[panel["type"]](sources, {**panel, "title": title, "width": cell / MM}, own, figure=target)
            for record in own.records:
                printed.records.append({**record, "where": f"panel {letter}, {record['where']}"})
            target.text(0.0, 1.0, letter, ha="left", va="top", fontsize=LETTER_SIZE, fontweight="bold", gid="panel_label")
            drawn.update({f"{letter}_{name}": table for name, table in panel_drawn.items()})
        for index in range(len(panels), rows * columns):  # an empty cell of the grid
            cells[index // columns][index % columns].set_visible(False)
    return figure, drawn

