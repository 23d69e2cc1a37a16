"""Manuscript charts beside the Kaplan-Meier plot: paired before/after, ROC, forest.

Each function takes tidy frames and returns a matplotlib figure drawn in the
house style (:data:`her2cohort.render.figures.STYLE`, Okabe-Ito palette,
journal widths); :func:`her2cohort.render.figures.save_figure` writes it.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from her2cohort.render.figures import ONE_COLUMN, PALETTE, STYLE, TWO_COLUMNS


def width_of(name: str | float | None) -> float:
    """``one_column`` (85 mm), ``two_columns`` (174 mm) or inches."""
    if name in (None, "one_column"):
        return ONE_COLUMN
    if name == "two_columns":
        return TWO_COLUMNS
    return float(name)


def paired_figure(
    data: pd.DataFrame,
    before: str,
    after: str,
    *,
    group: str | None = None,
    group_levels: Sequence | None = None,
    group_labels: Mapping | None = None,
    p_values: Mapping | None = None,
    labels: Sequence[str] = ("Before", "After"),
    ylabel: str = "",
    width: float = TWO_COLUMNS,
    ylim: Sequence[float] | None = None,
):
    """One panel per group: a line per patient from ``before`` to ``after``, the medians
    as black bars, and the paired test's p (``p_values``: group -> text) above.

    Patients missing either value are not drawn; each panel says how many were.
    """
    with plt.rc_context(STYLE):
        levels = list(group_levels) if group_levels is not None else (list(dict.fromkeys(data[group].dropna())) if group else [None])
        figure, axes = plt.subplots(1, len(levels), figsize=(width, width * 0.42 if len(levels) > 1 else width * 0.8), sharey=True, squeeze=False)
        for index, (axis, level) in enumerate(zip(axes[0], levels)):
            part = data if level is None else data[data[group] == level]
            pairs = part[[before, after]].dropna()
            colour = PALETTE[index % len(PALETTE)]
            for x0, x1 in pairs.itertuples(index=False):
                axis.plot([0, 1], [x0, x1], color=colour, alpha=0.55, linewidth=0.8, marker="o", markersize=2.5)
            for position, column in enumerate((before, after)):
                median = float(pairs[column].median()) if len(pairs) else math.nan
                axis.plot([position - 0.12, position + 0.12], [median, median], color="black", linewidth=2, zorder=3)
                # the label goes on the outer side of each bar, where no patient line runs
                outward = -1 if position == 0 else 1
                axis.annotate(f"{median:g}", (position + outward * 0.14, median), fontsize=6.5, va="center", ha="right" if outward < 0 else "left")
            axis.set_xticks([0, 1], list(labels))
            axis.set_xlim(-0.45, 1.45)
            name = "All patients" if level is None else str((group_labels or {}).get(level, level))
            missing = len(part) - len(pairs)
            # patients without both values go on a line of their own: one long line runs into the next panel's title
            title = f"{name}\nn = {len(pairs)} pairs ({missing} without both values)" if missing else f"{name} (n = {len(pairs)})"
            if p_values and level in p_values:
                title += f"\n{p_values[level]}"
            axis.set_title(title, loc="left")
            if ylim:
                axis.set_ylim(*ylim)
        axes[0][0].set_ylabel(ylabel)
        figure.tight_layout()
    return figure


def roc_figure(curves: Sequence[Mapping], *, width: float = TWO_COLUMNS):
    """ROC curves, one panel each (``curve``: roc_curve rows; ``cutoff``: the Youden row
    with threshold, sensitivity, specificity; ``auc``: text; ``title``)."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(1, len(curves), figsize=(width, width / len(curves) + 0.2), squeeze=False)
        for index, (axis, spec) in enumerate(zip(axes[0], curves)):
            curve = spec["curve"].sort_values(["specificity", "sensitivity"], ascending=[False, True])
            colour = PALETTE[index % len(PALETTE)]
            axis.plot(1 - curve["specificity"], curve["sensitivity"], color=colour, drawstyle="default")
            axis.plot([0, 1], [0, 1], color="grey", linewidth=0.6, linestyle="--")
            cutoff = spec.get("cutoff")
            if cutoff is not None:
                x, y = 1 - float(cutoff["specificity"]), float(cutoff["sensitivity"])
                axis.plot([x], [y], marker="o", color="black", markersize=4)
                # below the point, where the area under the curve is empty; the rule on its own line
                # keeps the label narrow enough not to run past the axis or across the curve
                right = x > 0.6
                axis.annotate(spec.get("cutoff_label", "").replace(": ", "\n", 1), (x, y), xytext=(-6 if right else 6, -8), textcoords="offset points",
                              fontsize=6.5, va="top", ha="right" if right else "left", bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
            axis.set_xlim(-0.01, 1.01)
            axis.set_ylim(-0.01, 1.01)
            axis.set_aspect("equal")
            axis.set_xlabel("1 - specificity")
            if index == 0:
                axis.set_ylabel("Sensitivity")
            axis.set_title(spec.get("title", ""), loc="left")
            if spec.get("auc"):
                axis.text(0.97, 0.05, spec["auc"], transform=axis.transAxes, ha="right", va="bottom", fontsize=7)
        figure.tight_layout()
    return figure


def forest_figure(rows: pd.DataFrame, *, xlabel: str = "Hazard ratio (95% CI)", width: float = TWO_COLUMNS, reference: float = 1.0):
    """A forest plot of ratios on a log axis: ``rows`` has label, estimate, conf_low,
    conf_high and text (the printed "HR (CI)  p"); infinite or NA limits are drawn
    as arrows to the axis edge."""
    with plt.rc_context(STYLE):
        height = 0.25 * len(rows) + 0.7
        figure, axis = plt.subplots(figsize=(width, height))
        finite = pd.concat([rows["conf_low"], rows["conf_high"], rows["estimate"]]).replace([np.inf, -np.inf], np.nan).dropna()
        finite = finite[finite > 0]
        low, high = (float(finite.min()) / 1.5, float(finite.max()) * 1.5) if len(finite) else (0.1, 10.0)
        low, high = min(low, reference / 1.5), max(high, reference * 1.5)
        for position, row in enumerate(rows.itertuples()):
            y = len(rows) - 1 - position
            lo = row.conf_low if np.isfinite(row.conf_low) and row.conf_low > 0 else low
            hi = row.conf_high if np.isfinite(row.conf_high) else high
            axis.plot([lo, hi], [y, y], color="black", linewidth=0.9)
            if np.isfinite(row.estimate) and row.estimate > 0:
                axis.plot([row.estimate], [y], marker="s", color=PALETTE[0], markersize=4)
        axis.axvline(reference, color="grey", linewidth=0.6, linestyle="--")
        axis.set_xscale("log")
        axis.set_xlim(low, high)
        # ratios printed as journals do (0.2, 0.5, 1, 2, 5), not matplotlib's 10^-1 / 10^0
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= high]
        axis.xaxis.set_major_locator(FixedLocator(ticks))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_ylim(-0.7, len(rows) - 0.3)
        axis.set_yticks(range(len(rows) - 1, -1, -1), list(rows["label"]))
        axis.set_xlabel(xlabel)
        axis.spines[["left"]].set_visible(False)
        axis.tick_params(axis="y", length=0)
        right = axis.secondary_yaxis("right")
        right.set_yticks(range(len(rows) - 1, -1, -1), list(rows["text"]))
        right.tick_params(length=0)
        right.spines["right"].set_visible(False)
        figure.tight_layout()
    return figure
