"""Depth of response: the waterfall plot and the dot plot of the best % change of target lesions.

``waterfall``
    One bar per patient with measurable disease (a best % change of the sum of
    target-lesion diameters, RECIST 1.1), sorted from the largest increase on
    the left to the deepest shrinkage on the right, coloured by group, with the
    RECIST 1.1 thresholds drawn as dashed lines: -30% (partial response) and
    +20% (progressive disease). Ties keep the declared group order, then the
    order of the analysis set, so the figure is deterministic. Patients
    without a best % change are not drawn; the legend says how many bars each
    group has.
``dot_plot``
    The "scatter plot" of the gastric heterogeneity study's Fig. 3b: every
    patient's best % change in a column per group, equal values spread
    sideways (a deterministic beeswarm: the k-th of m equal values sits at
    offset (k - (m - 1) / 2) x step), the median (thick bar) and quartiles
    (R ``quantile(type = 7)``, thin bars) of each group, the RECIST lines, and
    the p of the declared two-sample test (e.g. Mann-Whitney as R
    ``wilcox.test``) above the columns.

Each chart function takes the analysis set and returns a matplotlib figure in
the house style (:data:`her2cohort.render.figures.STYLE`) and the drawn data;
:func:`waterfall` and :func:`dot_plot` are the figure-catalogue entries
(``figures:`` of config/studies/{study}.yaml, types ``waterfall`` and
``dot_plot``). No patient key is written to the drawn data.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from her2cohort.render.charts import width_of
from her2cohort.render.figures import ONE_COLUMN, PALETTE, STYLE, TWO_COLUMNS
from her2cohort.numbers import p_value as format_p

#: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009): partial response is a decrease
#: of >= 30% of the sum of target-lesion diameters, progression an increase of >= 20%.
RECIST_THRESHOLDS = (-30.0, 20.0)


def _levels(data: pd.DataFrame, group: str | None, group_levels: Sequence | None) -> list:
    if group is None:
        return [None]
    return list(group_levels) if group_levels is not None else list(dict.fromkeys(data[group].dropna()))


def _signed(value: float, spec: str) -> str:
    """A number with the typographic minus matplotlib's tick labels use."""
    return format(value, spec).replace("-", "\u2212")


def _threshold_lines(axis, thresholds: Sequence[float]) -> None:
    """Dashed reference lines, labelled just outside the right edge of the axes (never over the data)."""
    for value in thresholds:
        axis.axhline(value, color="grey", linewidth=0.6, linestyle="--", zorder=0)
        axis.annotate(_signed(value, "+g") + "%", (1, value), xycoords=("axes fraction", "data"), xytext=(3, 0), textcoords="offset points",
                      fontsize=6.5, va="center", ha="left", color="grey", annotation_clip=False)


def waterfall_figure(
    data: pd.DataFrame,
    value: str,
    *,
    group: str | None = None,
    group_levels: Sequence | None = None,
    group_labels: Mapping | None = None,
    thresholds: Sequence[float] = RECIST_THRESHOLDS,
    ylabel: str = "Best change from baseline (%)",
    width: float = TWO_COLUMNS,
):
    """The waterfall plot and the bars drawn (position, group, value), left to right."""
    levels = _levels(data, group, group_levels)
    order = {level: position for position, level in enumerate(levels)}
    frame = pd.DataFrame({"value": pd.to_numeric(data[value], errors="coerce"), "group": data[group] if group else None})
    frame = frame[frame["value"].notna()]
    if group is not None:
        frame = frame[frame["group"].isin(levels)]
    frame = frame.assign(_order=frame["group"].map(order) if group else 0, _row=np.arange(len(frame)))
    frame = frame.sort_values(["value", "_order", "_row"], ascending=[False, True, True], kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "position", np.arange(1, len(frame) + 1))
    colours = {level: PALETTE[index % len(PALETTE)] for index, level in enumerate(levels)}
    with plt.rc_context(STYLE):
        figure, axis = plt.subplots(figsize=(width, width * 0.45))
        axis.bar(frame["position"], frame["value"], width=0.8, color=[colours[g if group else None] for g in frame["group"]], linewidth=0)
        _threshold_lines(axis, thresholds)
        low = min(-100.0, float(frame["value"].min()) if len(frame) else -100.0)
        high = max(float(frame["value"].max()) if len(frame) else 0.0, max(thresholds, default=0.0))
        axis.set_ylim(low - 5, high + 0.12 * (high - low))
        axis.axhline(0, color="black", linewidth=0.6)
        axis.set_xlim(0.3, len(frame) + 0.7)
        axis.set_xticks([])
        axis.spines["bottom"].set_visible(False)
        axis.set_ylabel(ylabel)
        axis.set_xlabel(f"Patients with measurable disease (n = {len(frame)})")
        if group is not None:
            handles = [Patch(color=colours[level], label=f"{(group_labels or {}).get(level, level)} (n = {int((frame['group'] == level).sum())})") for level in levels]
            axis.legend(handles=handles, loc="upper right")
        figure.tight_layout()
    drawn = frame[["position", "group", "value"]] if group else frame[["position", "value"]]
    return figure, drawn


def _swarm_offsets(values: np.ndarray, step: float) -> np.ndarray:
    """Sideways offsets of equal values: the k-th of m ties at (k - (m - 1) / 2) x step."""
    offsets = np.zeros(len(values))
    for unique in np.unique(values):
        where = np.flatnonzero(values == unique)
        offsets[where] = (np.arange(len(where)) - (len(where) - 1) / 2) * step
    return offsets


def dot_plot_figure(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    group_levels: Sequence | None = None,
    group_labels: Mapping | None = None,
    p_text: str = "",
    thresholds: Sequence[float] = RECIST_THRESHOLDS,
    ylabel: str = "Best change from baseline (%)",
    width: float = ONE_COLUMN,
    step: float = 0.045,
):
    """Dots per group with median and quartiles, and the test's p; returns the figure and
    the drawn points and summaries (group, value, x; and per group median, q1, q3, n)."""
    levels = _levels(data, group, group_levels)
    points, summaries = [], []
    with plt.rc_context(STYLE):
        figure, axis = plt.subplots(figsize=(width, width * 0.95))
        for index, level in enumerate(levels):
            values = pd.to_numeric(data.loc[data[group] == level, value], errors="coerce").dropna().to_numpy(float)
            values = np.sort(values)
            x = index + _swarm_offsets(values, step)
            colour = PALETTE[index % len(PALETTE)]
            axis.scatter(x, values, s=9, color=colour, alpha=0.8, linewidths=0, zorder=3)
            if len(values):
                q1, median, q3 = (float(q) for q in np.percentile(values, [25, 50, 75]))  # R quantile type 7
                axis.plot([index - 0.28, index + 0.28], [median, median], color="black", linewidth=1.6, zorder=4)
                for quartile in (q1, q3):
                    axis.plot([index - 0.16, index + 0.16], [quartile, quartile], color="black", linewidth=0.8, zorder=4)
                axis.plot([index, index], [q1, q3], color="black", linewidth=0.8, zorder=4)
                axis.annotate(_signed(median, "g"), (index + 0.3, median), fontsize=6.5, va="center")
                summaries.append({"group": level, "n": len(values), "median": median, "q1": q1, "q3": q3})
            points += [{"group": level, "value": v, "x": xv} for v, xv in zip(values, x)]
        _threshold_lines(axis, thresholds)
        axis.axhline(0, color="black", linewidth=0.5, zorder=1)
        names = [f"{(group_labels or {}).get(level, level)}\n(n = {int(sum(1 for p in points if p['group'] == level))})" for level in levels]
        axis.set_xticks(range(len(levels)), names)
        axis.set_xlim(-0.6, len(levels) - 0.4)
        low = min([p["value"] for p in points] + [-100.0])
        high = max([p["value"] for p in points] + list(thresholds))
        axis.set_ylim(low - 5, high + 0.15 * (high - low))
        axis.set_ylabel(ylabel)
        if p_text:
            axis.text(0.5, 0.98, p_text, transform=axis.transAxes, ha="center", va="top", fontsize=7)
        figure.tight_layout()
    return figure, pd.DataFrame(points), pd.DataFrame(summaries)


def _subset(sources, spec: Mapping) -> pd.DataFrame:
    data = sources.analysis_set
    if spec.get("where"):
        data = data.query(spec["where"], engine="python")
    return data


def waterfall(sources, spec: Mapping):
    """Figure-catalogue entry ``waterfall``: keys value, group, group_levels, group_labels,
    where, thresholds (default RECIST 1.1), ylabel, width."""
    figure, drawn = waterfall_figure(
        _subset(sources, spec),
        spec["value"],
        group=spec.get("group"),
        group_levels=spec.get("group_levels"),
        group_labels=spec.get("group_labels"),
        thresholds=spec.get("thresholds", RECIST_THRESHOLDS),
        ylabel=spec.get("ylabel", "Best change from baseline (%)"),
        width=width_of(spec.get("width", "two_columns")),
    )
    return figure, {"bars": drawn}


def dot_plot(sources, spec: Mapping):
    """Figure-catalogue entry ``dot_plot``: keys value, group, group_levels, group_labels,
    where, test (a two-sample test analysis whose p is printed), thresholds, ylabel, width."""
    p_text = ""
    if spec.get("test"):
        test = sources.read(spec["test"]).iloc[0]
        name = str(test["method"]).split(" test")[0].replace("Wilcoxon rank sum", "Mann-Whitney U")
        p = format_p(float(test["p_value"]))
        p_text = f"{name}: p {p}" if p.startswith("<") else f"{name}: p = {p}"
    figure, points, summaries = dot_plot_figure(
        _subset(sources, spec),
        spec["value"],
        spec["group"],
        group_levels=spec.get("group_levels"),
        group_labels=spec.get("group_labels"),
        p_text=p_text,
        thresholds=spec.get("thresholds", RECIST_THRESHOLDS),
        ylabel=spec.get("ylabel", "Best change from baseline (%)"),
        width=width_of(spec.get("width", "one_column")),
    )
    return figure, {"points": points, "summary": summaries}
