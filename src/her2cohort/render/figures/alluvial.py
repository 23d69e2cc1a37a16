"""``alluvial``: alluvial (Sankey) diagrams of shift tables, categories before -> after.

One panel per ``shift_table`` analysis (all patients, or a subgroup): two
columns of stacked nodes (the before- and after-levels, heights proportional
to their patients, the levels in the given order from top to bottom), and a
ribbon from each before-level to each after-level as wide as the patients who
moved between them (coloured by the before-level, so a node on the right shows
where its patients came from, unless the caller colours them otherwise: the
``transitions`` figure colours them by direction). Node labels (level, n and %
of the panel) sit outside the columns and are spread apart when small nodes
would make them collide; each ribbon's count is written at its left end when
the ribbon is at least a text line high (the rest are in the shift table and in
the drawn data). :func:`alluvial_panel` draws one panel on an axis (this figure
type and ``transitions`` both draw with it), :func:`fit_labels` widens the
panel to hold its labels.

Spec: ``panels`` [{``from``: a shift_table analysis, ``title``}] (or one
``from``; ``{n}`` in a title is replaced by the panel's patients),
``group_levels`` (the levels, top to bottom), ``level_labels``, ``labels``
(column headings), ``width``. The drawn data are the flows.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from her2cohort.numbers import Printed, count
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.labels import label
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of
from her2cohort.results import canonical

NODE_WIDTH = 0.06  # of the gap between the two columns (x from 0 to 1)
GAP = 0.035  # between stacked nodes, as a fraction of the panel's patients
FONT = 6.5
LINE = 1.3  # text line height in font sizes
OFFSET = 0.03  # between a node and its label, in x units of the column gap
RIBBON_ALPHA = 0.45


def _spread(centres: Sequence[float], height: float, low: float, high: float) -> list[float]:
    """Label positions as near their nodes' centres as possible, at least ``height``
    apart (centres in decreasing order, as nodes are stacked from the top), within
    [low, high]."""
    ys = list(centres)
    for _ in range(len(ys) + 2):
        for i in range(1, len(ys)):  # push each label below the one above it
            ys[i] = min(ys[i], ys[i - 1] - height)
        ys[-1] = max(ys[-1], low)
        for i in range(len(ys) - 2, -1, -1):  # and back up from the bottom
            ys[i] = max(ys[i], ys[i + 1] + height)
        ys[0] = min(ys[0], high)
    return ys


def _stack(totals: Sequence[float], scale: float, gap: float) -> list[tuple[float, float]]:
    """(top, bottom) of each node, stacked from y = 1 down."""
    spans, top = [], 1.0
    for total in totals:
        bottom = top - total * scale
        spans.append((top, bottom))
        top = bottom - gap
    return spans


def _ribbon(axis, x0: float, x1: float, left: tuple[float, float], right: tuple[float, float], colour: str) -> None:
    x = np.linspace(x0, x1, 60)
    t = (x - x0) / (x1 - x0)
    s = t * t * (3 - 2 * t)  # smoothstep: horizontal tangents at both ends
    top = left[0] + (right[0] - left[0]) * s
    bottom = left[1] + (right[1] - left[1]) * s
    axis.fill_between(x, bottom, top, color=colour, alpha=RIBBON_ALPHA, linewidth=0)


def line_height(figure, axis) -> float:
    """A text line (:data:`FONT` x :data:`LINE`) in the y units of a panel drawn on ``axis``."""
    return FONT * LINE / 72 / (figure.get_size_inches()[1] * axis.get_position().height)


def alluvial_panel(
    axis,
    table: pd.DataFrame,
    levels: Sequence,
    printed: Printed,
    *,
    labels: Mapping | None = None,
    node_colours: Sequence[str] | None = None,
    ribbon_colour: Callable[[int, int], str] | None = None,
    column_labels: Sequence[str] = ("Before", "After"),
    title: str = "",
    line_height: float = 0.05,
    source: str = "shift table",
):
    """Draw one shift table (``before``, ``after``, ``n``) on ``axis``; return the drawn flows
    with their coordinates and the node labels (left, right) drawn.

    ``levels`` top to bottom; ``node_colours`` one per level (default the palette);
    ``ribbon_colour(i, j)`` the colour of the ribbon from ``levels[i]`` to ``levels[j]``
    (default the before-level's node colour); ``printed`` prints the counts and
    percentages (``source`` names the table in its record). ``line_height`` is a text
    line in y units (the panel spans 0-1, :func:`line_height`); x runs from 0 (left
    nodes) to 1 (right nodes), and the labels lie outside, from -OFFSET leftwards and
    from 1 + OFFSET rightwards (:func:`fit_labels` widens the x range to hold them)."""
    keys = [canonical(level) for level in levels]
    colours = list(node_colours) if node_colours is not None else [PALETTE[i % len(PALETTE)] for i in range(len(levels))]
    ribbon_colour = ribbon_colour or (lambda i, j: colours[i])
    cells = {(canonical(r.before), canonical(r.after)): int(r.n) for r in table.itertuples()}
    total = float(sum(cells.values()))
    before_n = [sum(cells.get((b, a), 0) for a in keys) for b in keys]
    after_n = [sum(cells.get((b, a), 0) for b in keys) for a in keys]
    gaps = GAP * (len(levels) - 1)
    scale = (1 - gaps) / total if total else 0
    left_spans, right_spans = _stack(before_n, scale, GAP), _stack(after_n, scale, GAP)
    x_left, x_right = NODE_WIDTH, 1 - NODE_WIDTH
    drawn = []
    # ribbons: within a left node, ordered by the after-level; within a right node, by the before-level
    left_cursor = [span[0] for span in left_spans]
    right_cursor = [span[0] for span in right_spans]
    for i, before in enumerate(levels):
        for j, after in enumerate(levels):
            n = cells.get((keys[i], keys[j]), 0)
            height = n * scale
            left = (left_cursor[i], left_cursor[i] - height)
            right = (right_cursor[j], right_cursor[j] - height)
            left_cursor[i] -= height
            right_cursor[j] -= height
            if n:
                _ribbon(axis, x_left, x_right, left, right, ribbon_colour(i, j))
                if height >= line_height:
                    text = printed("count", n, source=cell(source, {"before": before, "after": after}, "n"), where=f"{title or 'panel'}, ribbon {before} -> {after}")
                    axis.text(x_left + 0.02, (left[0] + left[1]) / 2, text, fontsize=FONT - 0.5, va="center", ha="left")
            drawn.append({"before": str(before), "after": str(after), "n": n, "left_top": left[0], "left_bottom": left[1], "right_top": right[0], "right_bottom": right[1], "labelled": bool(n and height >= line_height)})
    # nodes, and their labels outside the columns
    texts = {"left": [], "right": []}
    for spans, counts, x0, side in ((left_spans, before_n, 0.0, "left"), (right_spans, after_n, x_right, "right")):
        for colour, (top, bottom) in zip(colours, spans):
            if top > bottom:
                axis.add_patch(plt.Rectangle((x0, bottom), NODE_WIDTH, top - bottom, color=colour, linewidth=0))
        centres = [(top + bottom) / 2 for top, bottom in spans]
        label_height = 2 * line_height  # two lines: the level, then n (%)
        ys = _spread(centres, label_height, label_height / 2 - 0.02, 1 - label_height / 2 + 0.02)
        column = "before" if side == "left" else "after"
        for level, n, (top, bottom), y in zip(levels, counts, spans, ys):
            x = -OFFSET if side == "left" else 1 + OFFSET
            name = label(labels, level)
            if total:
                where, counted = f"{title or 'panel'}, {side} node {name}", f"{source} / n where {column} == {level}"
                n_text = printed("count", n, source=counted, where=where)
                percent = printed("percent", 100 * n / total, decimals=1, source=f"100 x ({counted}) / {count(total)}", where=where)
                text = f"{name}\n{n_text} ({percent}%)"
            else:
                text = name
            texts[side].append(axis.text(x, y, text, fontsize=FONT, va="center", ha="right" if side == "left" else "left", linespacing=1.15))
            if abs(y - (top + bottom) / 2) > 1e-9:  # moved apart: a leader line to its node
                edge = 0.0 if side == "left" else 1.0
                axis.plot([x + (0.01 if side == "left" else -0.01), edge], [y, (top + bottom) / 2], color="grey", linewidth=0.4)
    # column headings over the nodes, extending outwards over the labels (never into each other)
    axis.text(NODE_WIDTH, 1.035, column_labels[0], fontsize=FONT + 0.5, ha="right", va="bottom", fontweight="bold")
    axis.text(1 - NODE_WIDTH, 1.035, column_labels[1], fontsize=FONT + 0.5, ha="left", va="bottom", fontweight="bold")
    if title:
        axis.set_title(title, loc="center", fontsize=7.5, pad=14)
    axis.set_xlim(0, 1)
    axis.set_ylim(-0.01, 1.01)
    axis.axis("off")
    return pd.DataFrame(drawn), texts


def fit_labels(figure, axis, pad: float = 0.03, min_gap: float = 0.5) -> None:
    """Widen the axis's x range until every text of the panel (node labels outside the
    columns, column headings over them) lies inside it. Text is anchored in data units
    and its width is fixed in inches, so each pass moves the limits closer to the
    fixed point; four passes are enough. Raises ValueError when the columns would be
    less than ``min_gap`` inches apart (too many panels for the width)."""
    renderer = figure.canvas.get_renderer()
    for _ in range(4):
        inverse = axis.transData.inverted()
        lows, highs = [0.0], [1.0]
        for text in axis.texts:
            box = inverse.transform(text.get_window_extent(renderer).get_points())
            lows.append(float(box[:, 0].min()))
            highs.append(float(box[:, 0].max()))
        per_inch = (axis.get_xlim()[1] - axis.get_xlim()[0]) / (axis.get_window_extent(renderer).width / figure.dpi)
        axis.set_xlim(min(lows) - pad * per_inch, max(highs) + pad * per_inch)
    gap = axis.get_window_extent(renderer).width / figure.dpi / (axis.get_xlim()[1] - axis.get_xlim()[0])
    if gap < min_gap:
        raise ValueError(f"alluvial panel: the columns are {gap:.2f} in apart once the labels fit (at least {min_gap} in): use fewer panels, shorter level_labels or a wider figure")


def alluvial_figure(
    panels: Sequence[Mapping],
    levels: Sequence,
    printed: Printed,
    *,
    level_labels: Mapping | None = None,
    column_labels: Sequence[str] = ("Before", "After"),
    width: float = TWO_COLUMNS,
    height: float | None = None,
):
    """One alluvial panel per entry of ``panels`` (``table``: a shift table with
    before, after, n; ``title``; ``source``: its name in the record of printed
    numbers), side by side; returns (figure, drawn flows)."""
    with plt.rc_context(STYLE):
        height = height or 3.0
        figure, axes = plt.subplots(1, len(panels), figsize=(width, height), squeeze=False)
        top = 0.84 if any(panel.get("title") for panel in panels) else 0.9
        figure.subplots_adjust(left=0.01, right=0.99, top=top, bottom=0.02, wspace=0.06)
        drawn = []
        for axis, panel in zip(axes[0], panels):
            flows, _ = alluvial_panel(axis, panel["table"], levels, printed, labels=level_labels, column_labels=column_labels,
                                      title=panel.get("title", ""), line_height=line_height(figure, axis), source=panel.get("source", "shift table"))
            fit_labels(figure, axis)
            drawn.append(flows.assign(panel=panel.get("title", "")))
    return figure, pd.concat(drawn, ignore_index=True)


def alluvial(sources: Sources, spec: Mapping, printed: Printed):
    """The ``alluvial`` figure type (see the module docstring)."""
    panels = spec.get("panels") or [{"from": spec["from"], "title": spec.get("title", "")}]
    drawn_panels = []
    for panel in panels:
        table = sources.results.table(panel["from"])
        title = panel.get("title", "")
        if "{n}" in title:  # the panel's patients (the shift table's known pairs)
            title = title.replace("{n}", printed("count", table["n"].sum(), source=f"{panel['from']} / sum of n", where=f"panel title {panel.get('title', '')!r}"))
        drawn_panels.append({"table": table, "title": title, "source": panel["from"]})
    levels = spec.get("group_levels") or list(dict.fromkeys(drawn_panels[0]["table"]["before"]))
    figure, flows = alluvial_figure(drawn_panels, levels, printed, level_labels=spec.get("level_labels"), column_labels=tuple(spec.get("labels", ("Before", "After"))),
                                    width=width_of(spec.get("width", "two_columns")))
    return figure, {"flows": flows}
