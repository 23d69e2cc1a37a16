"""``dot_plot``: the "scatter plot" of the gastric heterogeneity study's Fig. 3b.

Every patient's best % change in a column per group, points that would
overlap spread sideways (a deterministic beeswarm, :func:`beeswarm_offsets`:
from the lowest value up, each point at the offset nearest the column's centre
where it touches no point already placed; ties and near-ties alike), the median (thick bar) and quartiles (R
``quantile(type = 7)``, thin bars) of each group, the RECIST lines, and the p
of the declared two-sample test (e.g. Mann-Whitney as R ``wilcox.test``) above
the columns. No patient key is written to the drawn data (the points and the
summaries).

Spec: ``value``, ``group``, ``group_levels``, ``group_labels``, ``where``,
``test`` (a two-sample test analysis whose p is printed), ``thresholds``,
``ylabel``, ``width``, ``median_decimals`` (the medians beside the bars, at most
this many decimals, default 1).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.figures.waterfall import RECIST_THRESHOLDS, levels_of, minus, threshold_lines
from her2cohort.render.labels import label, method_name
from her2cohort.render.style import ONE_COLUMN, PALETTE, STYLE, width_of


def beeswarm_offsets(values: np.ndarray, x_unit: float, y_unit: float) -> np.ndarray:
    """Sideways offsets (x units) of sorted ``values`` so that no two points' centres are
    closer than one marker diameter: ``x_unit`` and ``y_unit`` are a diameter in x and in
    y data units. From the lowest value up, each point takes the first of 0, +1, -1, +2,
    -2, ... half-diameters where it is clear of every point placed (the beeswarm of R's
    beeswarm package, method "swarm", without randomness: the same values give the same
    plot)."""
    placed: list[tuple[float, float]] = []
    offsets = np.zeros(len(values))
    for index, value in enumerate(values):
        near = [(x, y) for x, y in placed if abs(y - value) < y_unit]
        for k in range(0, 2 * len(values) + 2):
            offset = (k + 1) // 2 * (1 if k % 2 else -1) * x_unit / 2
            if all(((offset - x) / x_unit) ** 2 + ((value - y) / y_unit) ** 2 >= 1 for x, y in near):
                break
        offsets[index] = offset
        placed.append((offset, value))
    return offsets


def dot_plot_figure(
    data: pd.DataFrame,
    value: str,
    group: str,
    printed: Printed,
    *,
    group_levels: Sequence | None = None,
    group_labels: Mapping | None = None,
    p_text: str = "",
    thresholds: Sequence[float] = RECIST_THRESHOLDS,
    ylabel: str = "Best change from baseline (%)",
    width: float = ONE_COLUMN,
    marker: float = 9,
    median_decimals: int = 1,
):
    """Dots per group with median and quartiles, and the test's p (printed by the caller);
    returns the figure and the drawn points and summaries (group, value, x; and per group
    median, q1, q3, n)."""
    levels = levels_of(data, group, group_levels)
    points, summaries = [], []
    every = pd.to_numeric(data.loc[data[group].isin(levels), value], errors="coerce").dropna().to_numpy(float)
    low = min(list(every) + [-100.0])
    high = max(list(every) + list(thresholds))
    ylim = (low - 5, high + 0.15 * (high - low))
    height = width * 0.95
    # one marker diameter (points) in data units of each axis, for an axes of about 80% of the figure
    diameter = 2 * np.sqrt(marker / np.pi) * 1.15
    x_unit = diameter / (0.8 * width * 72) * (len(levels) + 0.2)
    y_unit = diameter / (0.8 * height * 72) * (ylim[1] - ylim[0])
    with plt.rc_context(STYLE):
        figure, axis = plt.subplots(figsize=(width, height))
        for index, level in enumerate(levels):
            values = pd.to_numeric(data.loc[data[group] == level, value], errors="coerce").dropna().to_numpy(float)
            values = np.sort(values)
            x = index + beeswarm_offsets(values, x_unit, y_unit)
            colour = PALETTE[index % len(PALETTE)]
            axis.scatter(x, values, s=marker, color=colour, alpha=0.8, linewidths=0, zorder=3)
            if len(values):
                q1, median, q3 = (float(q) for q in np.percentile(values, [25, 50, 75]))  # R quantile type 7
                axis.plot([index - 0.28, index + 0.28], [median, median], color="black", linewidth=1.6, zorder=2)
                for quartile in (q1, q3):
                    axis.plot([index - 0.16, index + 0.16], [quartile, quartile], color="black", linewidth=0.8, zorder=2)
                axis.plot([index, index], [q1, q3], color="black", linewidth=0.8, zorder=2)
                text = printed("short", median, decimals=median_decimals, source=cell("summary", {"group": level}, "median"), where=f"median of {label(group_labels, level)}")
                axis.annotate(minus(text), (index + 0.3, median), fontsize=6.5, va="center")
                summaries.append({"group": level, "n": len(values), "median": median, "q1": q1, "q3": q3})
            points += [{"group": level, "value": v, "x": xv} for v, xv in zip(values, x)]
        threshold_lines(axis, thresholds, printed)
        axis.axhline(0, color="black", linewidth=0.5, zorder=1)
        names = []
        for level in levels:
            n = printed("count", sum(1 for p in points if p["group"] == level), source=f"points / n where group == {level}", where="x tick label")
            names.append(f"{label(group_labels, level)}\n(n = {n})")
        axis.set_xticks(range(len(levels)), names)
        axis.set_xlim(-0.6, len(levels) - 0.4)
        axis.set_ylim(*ylim)
        axis.set_ylabel(ylabel)
        if p_text:
            axis.text(0.5, 0.98, p_text, transform=axis.transAxes, ha="center", va="top", fontsize=7)
        figure.tight_layout()
    return figure, pd.DataFrame(points), pd.DataFrame(summaries)


def dot_plot(sources: Sources, spec: Mapping, printed: Printed):
    """The ``dot_plot`` figure type (see the module docstring)."""
    p_text = ""
    if spec.get("test"):
        test = sources.results.row(spec["test"])
        name = method_name(test["method"]).replace("Wilcoxon rank sum", "Mann-Whitney U")
        p_text = f"{name}: {printed('p_phrase', test['p_value'], source=cell(spec['test'], column='p_value'), where='over the columns')}"
    figure, points, summaries = dot_plot_figure(
        sources.patients(spec.get("where"), f"figure {spec.get('id', '')!r}: where"),
        spec["value"],
        spec["group"],
        printed,
        group_levels=spec.get("group_levels"),
        group_labels=spec.get("group_labels"),
        p_text=p_text,
        thresholds=spec.get("thresholds", RECIST_THRESHOLDS),
        ylabel=spec.get("ylabel", "Best change from baseline (%)"),
        width=width_of(spec.get("width", "one_column")),
        median_decimals=int(spec.get("median_decimals", 1)),
    )
    return figure, {"points": points, "summary": summaries}
