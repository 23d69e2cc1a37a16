"""``count_scatter``: survival against a count per patient (e.g. the number of biopsy fragments
with tumour cells).

The gastric heterogeneity study's ESM 5 shows "scatter plots showing the
associations between the number of biopsy specimens and the median PFS and OS
in each group". One panel per (endpoint, group): every patient's time at the
count on the x axis (filled: event; open: censored; equal points spread
sideways deterministically), the Kaplan-Meier median at each count as a black
bar (a ``median_survival`` analysis grouped by the count; a median not reached
is not drawn and the drawn-data table says so), and, since the paper names no
test for its "no correlation", the declared Cox model of the count as a linear
term (HR per unit with its Wald 95% CI and p) in the panel's corner.

Spec: ``x`` (the count column), ``xlabel``, ``width``, ``unit`` (the HR is per
this unit of x) and ``panels``, each with ``title``, ``time``, ``event``,
``where``, ``medians`` (a median_survival analysis grouped by the count),
``cox`` (a cox analysis of the count as a linear term), ``ylabel`` and
``colour`` (palette index). The drawn data are the points (count, time, event,
panel) and the medians (count, median, n, note), without patient keys.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.style import PALETTE, STYLE, width_of


def _spread(x: np.ndarray, y: np.ndarray, step: float) -> np.ndarray:
    """x offsets so that points with the same (x, y) sit side by side."""
    offsets = np.zeros(len(x))
    keys = pd.Series(list(zip(x, np.round(y, 6))))
    for _, where in keys.groupby(keys).groups.items():
        where = np.asarray(list(where))
        offsets[where] = (np.arange(len(where)) - (len(where) - 1) / 2) * step
    return offsets


def count_scatter_figure(panels: Sequence[Mapping], *, xlabel: str, width: float, columns: int = 2, step: float = 0.09):
    """``panels``: dicts with ``points`` (x, time, event), ``medians`` (x, median),
    ``title``, ``ylabel``, ``text`` (the Cox line, printed by the caller) and
    ``colour``. Every panel has the same x axis (the counts of all panels) so that
    the panels compare."""
    rows = math.ceil(len(panels) / columns)
    every = sorted({int(v) for panel in panels for v in panel["points"]["x"]})
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(rows, columns, figsize=(width, rows * width * 0.42), squeeze=False)
        for index, panel in enumerate(panels):
            axis = axes[index // columns][index % columns]
            points = panel["points"]
            x = points["x"].to_numpy(float)
            y = points["time"].to_numpy(float)
            xs = x + _spread(x, y, step)
            event = points["event"].to_numpy(bool)
            colour = panel["colour"]
            axis.scatter(xs[event], y[event], s=10, color=colour, alpha=0.75, linewidths=0, zorder=3, label="event")
            axis.scatter(xs[~event], y[~event], s=10, facecolors="white", edgecolors=colour, linewidths=0.7, zorder=3, label="censored")
            medians = panel["medians"].dropna(subset=["median"])
            for row in medians.itertuples():
                axis.plot([row.x - 0.3, row.x + 0.3], [row.median, row.median], color="black", linewidth=1.4, zorder=4)
            if every:
                axis.set_xticks(range(min(every), max(every) + 1))
                axis.set_xlim(min(every) - 0.6, max(every) + 0.6)
            # one y scale per row of panels (the same endpoint), so the spread of the groups compares
            row_panels = panels[(index // columns) * columns:(index // columns + 1) * columns]
            top = max([float(np.nanmax(p["points"]["time"])) for p in row_panels if len(p["points"])] or [1.0])
            axis.set_ylim(0, top * 1.28)
            axis.set_title(panel["title"], loc="left")
            axis.set_ylabel(panel["ylabel"])
            if index // columns == rows - 1:
                axis.set_xlabel(xlabel)
            if panel.get("text"):
                axis.text(0.98, 0.97, panel["text"], transform=axis.transAxes, ha="right", va="top", fontsize=6.5)
            if index == 0:
                axis.legend(loc="upper left", handletextpad=0.2, borderaxespad=0.2)
        for index in range(len(panels), rows * columns):
            axes[index // columns][index % columns].set_visible(False)
        figure.tight_layout()
    return figure


def count_scatter(sources: Sources, spec: Mapping, printed: Printed):
    """The ``count_scatter`` figure type (see the module docstring)."""
    x = spec["x"]
    drawn_points, drawn_medians, panels = [], [], []
    for index, panel in enumerate(spec["panels"]):
        data = sources.patients(panel.get("where"), f"figure {spec.get('id', '')!r}, panel {panel.get('title', '')!r}: where")
        points = pd.DataFrame({
            "x": pd.to_numeric(data[x], errors="coerce"),
            "time": pd.to_numeric(data[panel["time"]], errors="coerce"),
            "event": pd.to_numeric(data[panel["event"]], errors="coerce"),
        }).dropna().sort_values(["x", "time"], kind="stable").reset_index(drop=True)
        medians = sources.results.table(panel["medians"])
        medians = pd.DataFrame({"x": pd.to_numeric(medians["group"]), "median": medians["estimate"], "n": medians["n"], "note": medians["note"].fillna("")})
        title = panel.get("title", "")
        text = ""
        if panel.get("cox"):
            where = {"row_kind": "coefficient", "term": x}
            row = sources.results.row(panel["cox"], where)
            at = dict(source=cell(panel["cox"], where), where=f"panel {title!r}, corner")
            hr = printed("estimate_ci", row["estimate"], row["conf_low"], row["conf_high"], decimals=2, **at)
            text = f"HR per {spec.get('unit', 'unit')} {hr}\n{printed('p_phrase', row['p_value'], prefix='Wald p', **at)}"
        panels.append({"points": points, "medians": medians, "title": title, "ylabel": panel.get("ylabel", "Months"), "text": text, "colour": PALETTE[int(panel.get("colour", index)) % len(PALETTE)]})
        drawn_points.append(points.assign(panel=title))
        drawn_medians.append(medians.assign(panel=title))
    figure = count_scatter_figure(panels, xlabel=spec.get("xlabel", x), width=width_of(spec.get("width", "two_columns")))
    return figure, {"points": pd.concat(drawn_points, ignore_index=True), "medians": pd.concat(drawn_medians, ignore_index=True)}
