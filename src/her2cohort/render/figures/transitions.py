"""``transitions``: transitions between ordered categories at two time points (e.g. HER2 IHC
0 / 1+ / 2+ / 3+ before -> after trastuzumab deruxtecan): a shift heat map and an alluvial chart.

Spec: ``from`` (a shift_table analysis: ``before``, ``after``, ``n``,
``before_total``, ``after_total``, ``row_percent``), ``level_labels``,
``labels`` (the two time points), ``views`` (``heatmap``, ``alluvial`` or both,
in that order), ``tests`` (text -> analysis id whose p is printed under the
panels), ``width``. The drawn data are the shift table with each cell's direction.

Both views order the levels the same way: the highest on top (the heat map's
rows, the alluvial chart's nodes). Direction of a transition follows the declared level order: *loss* is a move down to the
lowest level (e.g. to IHC 0), *decrease* any other move down, *unchanged*, *increase* a
move up. The alluvial chart is the ``alluvial`` figure type's panel
(:func:`her2cohort.render.figures.alluvial.alluvial_panel`) with the highest level on
top and the ribbons coloured by direction; the legend counts the patients of each.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from her2cohort.numbers import Printed
from her2cohort.render.figures.alluvial import FONT, RIBBON_ALPHA, alluvial_panel, fit_labels, line_height
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.labels import label
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of
from her2cohort.results import canonical

DIRECTIONS = ("loss", "decrease", "same", "increase")
DIRECTION_COLOURS = {"loss": PALETTE[1], "decrease": PALETTE[4], "same": "#BBBBBB", "increase": PALETTE[0]}
NODE_COLOUR = "#333333"


def direction(before_index: int, after_index: int) -> str:
    """``loss`` (down to the lowest level), ``decrease``, ``same`` or ``increase`` by level order."""
    if after_index < before_index:
        return "loss" if after_index == 0 else "decrease"
    return "same" if after_index == before_index else "increase"


def _levels(shift: pd.DataFrame) -> list:
    return list(dict.fromkeys(shift["before"]))


def _counts(shift: pd.DataFrame, levels: list) -> np.ndarray:
    index = {canonical(level): i for i, level in enumerate(levels)}
    counts = np.zeros((len(levels), len(levels)))
    for row in shift.itertuples():
        counts[index[canonical(row.before)], index[canonical(row.after)]] += float(row.n)
    return counts


def _heatmap(axis, counts: np.ndarray, levels: list, names: list[str], labels: Sequence[str], printed: Printed, source: str) -> None:
    """The shift table as a heat map, rows in the alluvial chart's order: the highest level on top."""
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    k = len(names)
    top_down = list(reversed(range(k)))  # row r of the image is level top_down[r]
    axis.imshow(counts[top_down], cmap="Blues", vmin=0, vmax=max(counts.max(), 1) * 1.15, aspect="equal")
    for i in top_down:
        for j in range(k):
            at = dict(source=cell(source, {"before": levels[i], "after": levels[j]}, "n, and 100 x n / before_total"), where=f"heat map, {names[i]} -> {names[j]}")
            n = printed("count", counts[i, j], **at)
            percent = f"\n({printed('percent', 100 * int(counts[i, j]) / rows[i], decimals=0, **at)}%)" if rows[i] else ""
            dark = counts[i, j] > 0.55 * counts.max()
            axis.text(j, k - 1 - i, f"{n}{percent}", ha="center", va="center", fontsize=6.5, color="white" if dark else "black")
    for level in range(k):  # unchanged: the diagonal
        axis.add_patch(plt.Rectangle((level - 0.5, k - 1 - level - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=0.9))
    after_n = [printed("count", c, source=cell(source, {"after": level}, "after_total"), where=f"heat map, column {name}") for level, name, c in zip(levels, names, columns)]
    before_n = {i: printed("count", rows[i], source=cell(source, {"before": levels[i]}, "before_total"), where=f"heat map, row {names[i]}") for i in top_down}
    axis.set_xticks(range(k), [f"{name}\n(n = {n})" for name, n in zip(names, after_n)])
    axis.set_yticks(range(k), [f"{names[i]} (n = {before_n[i]})" for i in top_down])
    axis.set_xlabel(f"{labels[1]}")
    axis.set_ylabel(f"{labels[0]}")
    axis.tick_params(length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)


def _alluvial(figure, axis, shift: pd.DataFrame, levels: list, names: list[str], labels: Sequence[str], directions: Mapping[str, str], printed: Printed, source: str) -> None:
    """The alluvial panel, highest level on top, ribbons coloured by direction, and the legend of directions."""
    k = len(levels)
    order = list(reversed(range(k)))  # top to bottom

    def colour(i: int, j: int) -> str:
        return DIRECTION_COLOURS[direction(order[i], order[j])]

    alluvial_panel(axis, shift, [levels[i] for i in order], printed, labels=dict(zip(levels, names)), node_colours=[NODE_COLOUR] * k,
                   ribbon_colour=colour, column_labels=labels, line_height=line_height(figure, axis), source=source)
    counts = _counts(shift, levels)
    tally = {d: sum(counts[i, j] for i in range(k) for j in range(k) if direction(i, j) == d) for d in DIRECTIONS}
    handles = [Patch(color=DIRECTION_COLOURS[d], alpha=RIBBON_ALPHA, label=f"{directions[d]} ({printed('count', tally[d], source=f'{source} / sum of n where the direction is {d}', where='legend')})")
               for d in DIRECTIONS if tally[d]]
    axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=FONT, handlelength=1.2)


def _over_headings(figure, axis, gap: float = 4.0) -> float:
    """Points from the top of ``axis`` to over its highest text (the alluvial panel's column headings), with
    ``gap`` for the descent of a title drawn there."""
    renderer = figure.canvas.get_renderer()
    top = max(text.get_window_extent(renderer).y1 for text in axis.texts)
    return (top - axis.get_window_extent(renderer).y1) * 72 / figure.dpi + gap


def transitions_figure(
    shift: pd.DataFrame,
    printed: Printed,
    *,
    level_labels: Mapping | None = None,
    labels: Sequence[str] = ("Before", "After"),
    views: Sequence[str] = ("heatmap", "alluvial"),
    direction_labels: Mapping[str, str] | None = None,
    footer: str = "",
    width: float = TWO_COLUMNS,
    source: str = "shift table",
):
    """The shift heat map (counts and row %, unchanged on the outlined diagonal, margins in the
    tick labels) and/or the alluvial chart (bands coloured by direction); ``footer`` (e.g. the
    paired tests' p) is written under the panels."""
    unknown = [v for v in views if v not in ("heatmap", "alluvial")]
    if unknown or not views:
        raise ValueError(f"views must be heatmap and/or alluvial, got {list(views)}")
    levels = _levels(shift)
    names = [label(level_labels, level) for level in levels]
    counts = _counts(shift, levels)
    directions = {"loss": f"Loss to {names[0]}", "decrease": "Decrease", "same": "Unchanged", "increase": "Increase", **(direction_labels or {})}
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(1, len(views), figsize=(width, width * (0.5 if len(views) > 1 else 0.85)), squeeze=False,
                                    gridspec_kw={"width_ratios": [1.0 if v == "heatmap" else 1.1 for v in views]})
        total = printed("count", counts.sum(), source=f"{source} / sum of n", where="heat map title")
        for axis, view in zip(axes[0], views):
            if view == "heatmap":
                _heatmap(axis, counts, levels, names, labels, printed, source)
                axis.set_title(f"{'a ' if len(views) > 1 else ''}Shift table (N = {total}), n (% of row)", loc="left")
            else:
                axis.axis("off")  # drawn once the layout is known: its labels and ribbon counts are sized to the panel
        figure.tight_layout()
        for axis, view in zip(axes[0], views):
            if view == "alluvial":
                slot, height = axis.get_position(), figure.get_size_inches()[1]
                axis.set_position((slot.x0, 0.5 / height, slot.width, 1 - 0.95 / height))  # room for the title and headings above, the legend below
                _alluvial(figure, axis, shift, levels, names, labels, directions, printed, source)
                pad = _over_headings(figure, axis)
                if "heatmap" in views:  # as tall as the heat map, the title on the heat map's title line
                    heatmap = axes[0][views.index("heatmap")]
                    heatmap.apply_aspect()
                    box = heatmap.get_position()
                    axis.set_position((slot.x0, box.y0, slot.width, box.height - (pad - plt.rcParams["axes.titlepad"]) / 72 / height))
                axis.set_title(f"{'b ' if len(views) > 1 else ''}Transitions, patients", loc="left", pad=_over_headings(figure, axis))
                fit_labels(figure, axis)
        if footer:
            figure.text(0.01, -0.01, footer, ha="left", va="top", fontsize=6.5)
    return figure


def transitions(sources: Sources, spec: Mapping, printed: Printed):
    """The ``transitions`` figure type (see the module docstring)."""
    shift = sources.results.table(spec["from"])
    texts = []
    for text, analysis in (spec.get("tests") or {}).items():
        texts.append(f"{text}: {printed('p_phrase', sources.results.row(analysis)['p_value'], source=cell(analysis, column='p_value'), where='footer')}")
    figure = transitions_figure(
        shift,
        printed,
        level_labels=spec.get("level_labels"),
        labels=tuple(spec.get("labels", ("Before", "After"))),
        views=tuple(spec.get("views", ("heatmap", "alluvial"))),
        footer="; ".join(texts),
        width=width_of(spec.get("width", "two_columns")),
        source=spec["from"],
    )
    levels = _levels(shift)
    position = {canonical(level): i for i, level in enumerate(levels)}
    drawn = shift[["before", "after", "n", "before_total", "after_total", "row_percent"]].copy()
    drawn["direction"] = [direction(position[canonical(b)], position[canonical(a)]) for b, a in zip(drawn["before"], drawn["after"])]
    return figure, {"shift": drawn.reset_index(drop=True)}
