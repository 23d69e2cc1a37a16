"""``grouped_bar``: a categorical distribution within groups (e.g. HER2 group by HR status).

Reads a ``baseline_table`` analysis with a ``group``: for one ``variable``, a
cluster of bars per column of the table (the ``Total`` column and each group,
in ``group_levels`` order) and a bar per level (in the variable's order,
coloured by level), each as tall as the level's percentage of its column
(column percentages, known values only) and labelled with its percentage
(above) and n (inside); the test row's p (the table's test policy) is written
above, and the drawn numbers are returned as a table.

Spec: ``from`` (a grouped ``baseline_table`` analysis), ``variable``, ``levels``
(its levels, in order), ``group_levels`` (the columns to draw, ``Total`` for all
patients), ``level_labels``, ``group_labels``, ``ylabel``, ``width``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.labels import label
from her2cohort.render.style import ONE_COLUMN, PALETTE, STYLE, width_of
from her2cohort.results import canonical, select_row, select_rows


def grouped_bar_figure(
    cells: pd.DataFrame,
    printed: Printed,
    *,
    levels: Sequence,
    groups: Sequence,
    level_labels: Mapping | None = None,
    group_labels: Mapping | None = None,
    annotation: str = "",
    ylabel: str = "Patients (%)",
    width: float = ONE_COLUMN,
    source: str = "cells",
):
    """``cells``: one row per (group, level) with ``n``, ``denominator`` and ``percent``;
    bars clustered by group (tick label with the group's n), one colour per level; each
    bar labelled with its percentage above and its n inside. ``source`` names the cells
    in the record of printed numbers."""
    with plt.rc_context(STYLE):
        figure, axis = plt.subplots(figsize=(width, width * 0.78))
        bar = 0.8 / len(levels)
        for j, level in enumerate(levels):
            part = [select_row(cells, {"group": g, "level": level}, source) for g in groups]
            x = np.arange(len(groups)) - 0.4 + bar * (j + 0.5)
            heights = [float(row["percent"]) for row in part]
            axis.bar(x, heights, width=bar * 0.92, color=PALETTE[j % len(PALETTE)], label=label(level_labels, level), linewidth=0)
            for xi, g, row in zip(x, groups, part):
                at = dict(source=cell(source, {"group": g, "level": level}), where=f"bar {label(group_labels, g)}, {label(level_labels, level)}")
                # the percentage above the bar, its n inside the bar's top (white on the level's colour)
                axis.text(xi, float(row["percent"]) + 1.0, f"{printed('percent', row['percent'], decimals=1, **at)}%", ha="center", va="bottom", fontsize=6)
                axis.text(xi, float(row["percent"]) - 1.0, printed("count", row["n"], **at), ha="center", va="top", fontsize=6, color="white")
        sizes = [printed("count", select_rows(cells, {"group": g})["denominator"].iloc[0], source=cell(source, {"group": g}, "denominator"), where="x tick label") for g in groups]
        axis.set_xticks(range(len(groups)), [f"{label(group_labels, g)}\n(n = {size})" for g, size in zip(groups, sizes)])
        axis.set_ylabel(ylabel)
        top = float(cells["percent"].max())
        axis.set_ylim(0, top * 1.25 + 16)  # room above the bars for their labels, the legend and the p
        axis.legend(loc="upper left", ncol=len(levels), handlelength=1.0, columnspacing=0.9, borderaxespad=0.2)
        if annotation:  # under the legend, at the left
            axis.text(0.01, 0.89, annotation, transform=axis.transAxes, ha="left", va="top", fontsize=6.5)
        figure.tight_layout()
    return figure


def grouped_bar(sources: Sources, spec: Mapping, printed: Printed):
    """The ``grouped_bar`` figure type (see the module docstring)."""
    variable = {"variable": spec["variable"]}
    cells = sources.results.rows(spec["from"], {**variable, "row_type": "summary"})[["group", "level", "n", "denominator", "percent"]].reset_index(drop=True)
    annotation, test_row = "", {**variable, "row_type": "test"}
    if not sources.results.rows(spec["from"], test_row).empty:  # the table's test of the variable, if its policy has one
        test = sources.results.row(spec["from"], test_row)
        method = str(test["method"]).replace("Pearson's Chi-squared test", "Chi-square test")
        annotation = f"{method}: {printed('p_phrase', test['p_value'], source=cell(spec['from'], test_row, 'p_value'), where='annotation')}"
    levels = spec.get("levels") or list(dict.fromkeys(cells["level"]))
    groups = spec.get("group_levels") or list(dict.fromkeys(cells["group"]))
    figure = grouped_bar_figure(
        cells, printed, levels=levels, groups=groups, level_labels=spec.get("level_labels"), group_labels=spec.get("group_labels"),
        annotation=annotation, ylabel=spec.get("ylabel", "Patients (%)"), width=width_of(spec.get("width")), source=cell(spec["from"], {**variable, "row_type": "summary"}),
    )
    drawn = cells[[any(canonical(g) == canonical(c) for g in groups) for c in cells["group"]]].reset_index(drop=True)
    return figure, {"bars": drawn}
