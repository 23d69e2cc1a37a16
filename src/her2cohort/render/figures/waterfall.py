"""``waterfall``: one bar per patient with measurable disease, the best % change of the sum of
target-lesion diameters (RECIST 1.1), sorted from the largest increase on the left to the
deepest shrinkage on the right, coloured by group, with the RECIST 1.1 thresholds drawn as
dashed lines: -30% (partial response) and +20% (progressive disease).

Ties keep the declared group order, then the order of the analysis set, so the
figure is deterministic. Patients without a best % change are not drawn; the
legend says how many bars each group has. No patient key is written to the
drawn data (the bars).

Spec: ``value``, ``group``, ``group_levels``, ``group_labels``, ``where``,
``thresholds`` (default RECIST 1.1), ``ylabel``, ``width``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources
from her2cohort.render.labels import label
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of

#: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009): partial response is a decrease
#: of >= 30% of the sum of target-lesion diameters, progression an increase of >= 20%.
RECIST_THRESHOLDS = (-30.0, 20.0)


def levels_of(data: pd.DataFrame, group: str | None, group_levels: Sequence | None) -> list:
    """The groups drawn: the declared levels, or those of the data in their order (``[None]`` ungrouped)."""
    if group is None:
        return [None]
    return list(group_levels) if group_levels is not None else list(dict.fromkeys(data[group].dropna()))


def minus(text: str) -> str:
    """A printed number with the typographic minus matplotlib's tick labels use."""
    return text.replace("-", "\u2212")


def threshold_lines(axis, thresholds: Sequence[float], printed: Printed) -> None:
    """Dashed reference lines, labelled (+20%, −30%) just outside the right edge of the axes (never over the data)."""
    for value in thresholds:
        text = printed("short", value, source="thresholds (RECIST 1.1 unless the figure's config declares them)", where="threshold line label")
        axis.axhline(value, color="grey", linewidth=0.6, linestyle="--", zorder=0)
        axis.annotate(minus(("+" if value >= 0 else "") + text) + "%", (1, value), xycoords=("axes fraction", "data"), xytext=(3, 0), textcoords="offset points",
                      fontsize=6.5, va="center", ha="left", color="grey", annotation_clip=False)


def waterfall_figure(
    data: pd.DataFrame,
    value: str,
    printed: Printed,
    *,
    group: str | None = None,
    group_levels: Sequence | None = None,
    group_labels: Mapping | None = None,
    thresholds: Sequence[float] = RECIST_THRESHOLDS,
    ylabel: str = "Best change from baseline (%)",
    width: float = TWO_COLUMNS,
):
    """The waterfall plot and the bars drawn (position, group, value), left to right."""
    levels = levels_of(data, group, group_levels)
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
        threshold_lines(axis, thresholds, printed)
        low = min(-100.0, float(frame["value"].min()) if len(frame) else -100.0)
        high = max(float(frame["value"].max()) if len(frame) else 0.0, max(thresholds, default=0.0))
        axis.set_ylim(low - 5, high + 0.12 * (high - low))
        axis.axhline(0, color="black", linewidth=0.6)
        axis.set_xlim(0.3, len(frame) + 0.7)
        axis.set_xticks([])
        axis.spines["bottom"].set_visible(False)
        axis.set_ylabel(ylabel)
        axis.set_xlabel(f"Patients with measurable disease (n = {printed('count', len(frame), source=f'analysis_set: patients with {value}', where='x axis label')})")
        if group is not None:
            handles = []
            for level in levels:
                n = printed("count", int((frame["group"] == level).sum()), source=f"analysis_set: patients with {value} where {group} == {level}", where="legend")
                handles.append(Patch(color=colours[level], label=f"{label(group_labels, level)} (n = {n})"))
            axis.legend(handles=handles, loc="upper right")
        figure.tight_layout()
    drawn = frame[["position", "group", "value"]] if group else frame[["position", "value"]]
    return figure, drawn


def waterfall(sources: Sources, spec: Mapping, printed: Printed):
    """The ``waterfall`` figure type (see the module docstring)."""
    figure, drawn = waterfall_figure(
        sources.patients(spec.get("where"), f"figure {spec.get('id', '')!r}: where"),
        spec["value"],
        printed,
        group=spec.get("group"),
        group_levels=spec.get("group_levels"),
        group_labels=spec.get("group_labels"),
        thresholds=spec.get("thresholds", RECIST_THRESHOLDS),
        ylabel=spec.get("ylabel", "Best change from baseline (%)"),
        width=width_of(spec.get("width", "two_columns")),
    )
    return figure, {"bars": drawn}
