"""Grouped bar chart of a categorical distribution within groups (e.g. HER2 group by HR status).

The figure type ``grouped_bar`` reads a ``baseline_table`` analysis with a
``group``: for one ``variable``, a cluster of bars per column of the table (the
``Total`` column and each group, in ``group_levels`` order) and a bar per level
(in the variable's order, coloured by level), each as tall as the level's
percentage of its column (column percentages, known values only) and labelled
with its percentage (above) and n (inside); the test row's p (the table's test policy) is
written above, and the drawn numbers are returned as a table.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from her2cohort.render.charts import width_of
from her2cohort.render.figures import ONE_COLUMN, PALETTE, STYLE
from her2cohort.numbers import p_value as format_p
from her2cohort.results import canonical


def grouped_bar_figure(
    cells: pd.DataFrame,
    *,
    levels: Sequence,
    groups: Sequence,
    level_labels: Mapping | None = None,
    group_labels: Mapping | None = None,
    annotation: str = "",
    ylabel: str = "Patients (%)",
    width: float = ONE_COLUMN,
):
    """``cells``: one row per (group, level) with ``n``, ``denominator`` and ``percent``;
    bars clustered by group (tick label with the group's n), one colour per level; each
    bar labelled with its percentage above and its n inside."""
    level_labels, group_labels = level_labels or {}, group_labels or {}
    with plt.rc_context(STYLE):
        figure, axis = plt.subplots(figsize=(width, width * 0.78))
        bar = 0.8 / len(levels)
        for j, level in enumerate(levels):
            part = [cells[(cells["group"].map(canonical) == canonical(g)) & (cells["level"].map(canonical) == canonical(level))].iloc[0] for g in groups]
            x = np.arange(len(groups)) - 0.4 + bar * (j + 0.5)
            heights = [float(row["percent"]) for row in part]
            axis.bar(x, heights, width=bar * 0.92, color=PALETTE[j % len(PALETTE)], label=str(level_labels.get(level, level)), linewidth=0)
            for xi, row in zip(x, part):
                # the percentage above the bar, its n inside the bar's top (white on the level's colour)
                axis.text(xi, float(row["percent"]) + 1.0, f"{float(row['percent']):.1f}%", ha="center", va="bottom", fontsize=5.5)
                axis.text(xi, float(row["percent"]) - 1.0, f"{int(row['n'])}", ha="center", va="top", fontsize=5.5, color="white")
        sizes = [int(cells[cells["group"].map(canonical) == canonical(g)]["denominator"].iloc[0]) for g in groups]
        axis.set_xticks(range(len(groups)), [f"{group_labels.get(g, g)}\n(n = {size})" for g, size in zip(groups, sizes)])
        axis.set_ylabel(ylabel)
        top = float(cells["percent"].max())
        axis.set_ylim(0, top * 1.25 + 16)  # room above the bars for their labels, the legend and the p
        axis.legend(loc="upper left", ncol=len(levels), handlelength=1.0, columnspacing=0.9, borderaxespad=0.2)
        if annotation:  # under the legend, at the left
            axis.text(0.01, 0.89, annotation, transform=axis.transAxes, ha="left", va="top", fontsize=6.5)
        figure.tight_layout()
    return figure


def grouped_bar(sources, spec: Mapping):
    """Figure type ``grouped_bar``: ``from`` (a grouped ``baseline_table`` analysis),
    ``variable``, ``levels`` (its levels, in order), ``group_levels`` (the columns to draw,
    ``Total`` for all patients), ``level_labels``, ``group_labels``, ``ylabel``, ``width``."""
    table = sources.read(spec["from"])
    rows = table[(table["variable"] == spec["variable"])]
    cells = rows[rows["row_type"] == "summary"][["group", "level", "n", "denominator", "percent"]].reset_index(drop=True)
    test = rows[rows["row_type"] == "test"]
    annotation = ""
    if not test.empty:
        p = format_p(float(test["p_value"].iloc[0]))
        method = str(test["method"].iloc[0]).replace("Pearson's Chi-squared test", "Chi-square test")
        annotation = f"{method}: p {p}" if p.startswith("<") else f"{method}: p = {p}"
    levels = spec.get("levels") or list(dict.fromkeys(cells["level"]))
    groups = spec.get("group_levels") or list(dict.fromkeys(cells["group"]))
    figure = grouped_bar_figure(
        cells, levels=levels, groups=groups, level_labels=spec.get("level_labels"), group_labels=spec.get("group_labels"),
        annotation=annotation, ylabel=spec.get("ylabel", "Patients (%)"), width=width_of(spec.get("width")),
    )
    drawn = cells[[any(canonical(g) == canonical(c) for g in groups) for c in cells["group"]]].reset_index(drop=True)
    return figure, {"bars": drawn}
