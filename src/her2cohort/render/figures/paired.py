"""``paired``: one line per patient from a value before to the value after, per group.

Spec: ``before``, ``after`` (columns of the analysis set), ``where`` (which
patients), ``group``, ``group_levels``, ``group_labels`` (a panel per group),
``tests`` (group -> a paired test analysis whose p is printed over the panel),
``labels`` (the two x positions), ``ylabel``, ``ylim``, ``width``,
``median_decimals`` (the medians beside the bars, at most this many decimals,
default 3). The drawn data are the pairs.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.labels import label, method_name
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of


def paired_figure(
    data: pd.DataFrame,
    before: str,
    after: str,
    printed: Printed,
    *,
    group: str | None = None,
    group_levels: Sequence | None = None,
    group_labels: Mapping | None = None,
    p_values: Mapping | None = None,
    labels: Sequence[str] = ("Before", "After"),
    ylabel: str = "",
    width: float = TWO_COLUMNS,
    ylim: Sequence[float] | None = None,
    median_decimals: int = 3,
):
    """One panel per group: a line per patient from ``before`` to ``after``, the medians
    as black bars, and the paired test's p (``p_values``: group -> printed text) above.

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
            name = "All patients" if level is None else label(group_labels, level)
            scope = "" if level is None else f" where {group} == {level}"
            for position, column in enumerate((before, after)):
                median = float(pairs[column].median()) if len(pairs) else math.nan
                axis.plot([position - 0.12, position + 0.12], [median, median], color="black", linewidth=2, zorder=3)
                # the label goes on the outer side of each bar, where no patient line runs
                outward = -1 if position == 0 else 1
                text = printed("short", median, decimals=median_decimals, source=f"median of analysis_set: {column}{scope}", where=f"{name}, median of {column}")
                axis.annotate(text, (position + outward * 0.14, median), fontsize=6.5, va="center", ha="right" if outward < 0 else "left")
            axis.set_xticks([0, 1], list(labels))
            axis.set_xlim(-0.45, 1.45)
            missing = len(part) - len(pairs)
            n = printed("count", len(pairs), source=f"analysis_set: patients with {before} and {after}{scope}", where=f"{name}, title")
            # patients without both values go on a line of their own: one long line runs into the next panel's title
            if missing:
                without = printed("count", missing, source=f"analysis_set: patients without {before} or {after}{scope}", where=f"{name}, title")
                title = f"{name}\nn = {n} pairs ({without} without both values)"
            else:
                title = f"{name} (n = {n})"
            if p_values and level in p_values:
                title += f"\n{p_values[level]}"
            axis.set_title(title, loc="left")
            if ylim:
                axis.set_ylim(*ylim)
        axes[0][0].set_ylabel(ylabel)
        figure.tight_layout()
    return figure


def paired(sources: Sources, spec: Mapping, printed: Printed):
    """The ``paired`` figure type (see the module docstring)."""
    p_values = {}
    for level, analysis in (spec.get("tests") or {}).items():
        test = sources.results.row(analysis)
        p_values[level] = f"{method_name(test['method'])}: {printed('p_phrase', test['p_value'], source=cell(analysis, column='p_value'), where=f'{level}, title')}"
    data = sources.patients(spec.get("where"), f"figure {spec.get('id', '')!r}: where")
    figure = paired_figure(
        data,
        spec["before"],
        spec["after"],
        printed,
        group=spec.get("group"),
        group_levels=spec.get("group_levels"),
        group_labels=spec.get("group_labels"),
        p_values=p_values,
        labels=spec.get("labels", ("Before", "After")),
        ylabel=spec.get("ylabel", ""),
        width=width_of(spec.get("width", "two_columns")),
        ylim=spec.get("ylim"),
        median_decimals=int(spec.get("median_decimals", 3)),
    )
    drawn = data[[c for c in [spec.get("group"), spec["before"], spec["after"]] if c]].dropna().reset_index(drop=True)
    return figure, {"pairs": drawn}
