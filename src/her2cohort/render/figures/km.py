"""``km``: Kaplan-Meier curves with censoring marks, numbers at risk, medians, log-rank p and HR.

Spec: ``from`` (a kaplan_meier analysis), ``times`` (the ticks, and the times of
the numbers at risk), ``group_levels`` (drawing and colour order),
``group_labels``, ``medians`` (a median_survival analysis: each group's median
with its CI, NR when not reached; ``median_decimals``, default 1), ``logrank``
(its ``term: logrank`` row's p), ``cox`` (the coefficient row, chosen by
``cox_row``: the HR with its CI and p), ``xlabel``, ``ylabel``, ``title``,
``annotation_loc``, ``width``, ``bands`` (confidence bands) and ``kmunicate``
(cumulative events and censored under the numbers at risk, Morris et al., BMJ
Open 2019). The drawn data are the numbers at risk.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from her2cohort.numbers import Printed, is_missing, short
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.labels import label
from her2cohort.render.style import ONE_COLUMN, PALETTE, STYLE, width_of
from her2cohort.results import canonical

#: Censoring marks drawn per curve before they are thinned (see :func:`_censor_marks`).
MAX_CENSOR_MARKS = 1000
#: Thinned marks: at most one per this fraction of the time axis.
CENSOR_MARK_SPACING = 1 / 200


def _step(times: np.ndarray, survival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([[0.0], times]), np.concatenate([[1.0], survival])


def _censor_marks(censored: pd.DataFrame, span: float) -> pd.DataFrame:
    """The censoring marks to draw: every one, unless a curve has more than
    :data:`MAX_CENSOR_MARKS` censoring times (a registry: thousands of patients
    censored on distinct days); then the first censoring time in each 1/200 of
    the time axis. Closer marks (under 0.4 mm at one column's width) merge into
    a solid band that hides the curve. Only the marks are thinned: the step
    function is drawn through every time, and the numbers at risk count every
    censored patient. No bundled study comes near the threshold."""
    if len(censored) <= MAX_CENSOR_MARKS or not span > 0:
        return censored
    slot = np.floor(censored["time"].to_numpy(float) / (span * CENSOR_MARK_SPACING))
    return censored[np.r_[True, slot[1:] != slot[:-1]]]


def km_figure(
    fit: pd.DataFrame,
    at_risk: pd.DataFrame,
    printed: Printed,
    *,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    title: str = "",
    annotation: str = "",
    annotation_loc: str = "upper right",
    group_labels: Mapping | None = None,
    width: float = ONE_COLUMN,
    bands: bool = False,
    kmunicate: bool = False,
):
    """Kaplan-Meier curves with censoring marks and the numbers at risk under the axis.

    ``fit`` is :func:`her2cohort.stats.kaplan_meier.kaplan_meier` output and
    ``at_risk`` its :func:`~her2cohort.stats.kaplan_meier.numbers_at_risk` at the
    tick times, so the table's columns line up with the ticks (survminer's
    layout); ``printed`` prints (and records) the counts. ``bands`` draws the
    confidence bands; ``kmunicate`` adds the cumulative events and censored rows.
    ``annotation`` (e.g. medians and the log-rank p, printed by the caller) is
    written in the plot, in the upper right (``annotation_loc="upper right"``),
    right under the legend (``"top right"``, where a curve levels off around the
    middle) or in the ``"lower right"`` or ``"lower left"`` corner.
    """
    with plt.rc_context(STYLE):
        groups = list(dict.fromkeys(fit["group"]))
        labels = {g: label(group_labels, g) for g in groups}
        rows_per_group = 3 if kmunicate else 1
        table_height = 0.16 * (len(groups) * rows_per_group + 1)
        main_height = width * 0.62
        gap = 0.82  # inches between the plot and the table: tick labels, axis label, table title
        figure, (axis, table) = plt.subplots(
            2, 1, figsize=(width, main_height + gap + table_height), sharex=True,
            gridspec_kw={"height_ratios": [main_height, table_height], "hspace": gap / ((main_height + table_height) / 2)},
        )
        times = sorted(at_risk["time"].unique())
        for colour, group in zip(PALETTE, groups):
            curve = fit[fit["group"] == group]
            x, y = _step(curve["time"].to_numpy(float), curve["survival"].to_numpy(float))
            axis.step(x, y, where="post", color=colour, label=labels[group])
            if bands:
                low = np.concatenate([[1.0], curve["conf_low"].to_numpy(float)])
                high = np.concatenate([[1.0], curve["conf_high"].to_numpy(float)])
                axis.fill_between(x, low, high, step="post", color=colour, alpha=0.15, linewidth=0)
            censored = _censor_marks(curve[curve["n_censor"] > 0], float(fit["time"].max()))
            axis.plot(censored["time"], censored["survival"], linestyle="none", marker="|", markersize=5, markeredgewidth=0.8, color=colour)
        axis.set_ylim(0, 1.02)
        axis.set_ylabel(ylabel)
        axis.set_xlim(0, max(times) * 1.02 if times else None)
        if title:
            axis.set_title(title, loc="left")
        if len(groups) > 1 or groups[0] != "all":
            axis.legend(loc="upper right")
        if annotation:
            # upper right, under the legend: where falling curves leave room
            text_x, text_y, va, ha = {
                "upper right": (0.98, 0.70 if len(groups) > 1 else 0.95, "top", "right"),
                "top right": (0.98, 0.95, "top", "right"),
                "lower right": (0.98, 0.04, "bottom", "right"),
                "lower left": (0.03, 0.04, "bottom", "left"),
            }[annotation_loc]
            if annotation_loc == "top right" and axis.get_legend() is not None:
                figure.canvas.draw()  # the legend's extent is known once drawn
                text_y = axis.get_legend().get_window_extent().transformed(axis.transAxes.inverted()).y0 - 0.01
            axis.text(text_x, text_y, annotation, transform=axis.transAxes, fontsize=7, va=va, ha=ha)
        # numbers at risk, one row per group (and KMunicate rows), aligned with the ticks
        table.set_ylim(-0.5, len(groups) * rows_per_group - 0.5)
        table.invert_yaxis()
        table.spines[["left", "bottom"]].set_visible(False)
        table.tick_params(left=False, bottom=False, labelbottom=False)
        table.tick_params(axis="y", pad=14)  # room for a three-digit count at time 0
        axis.tick_params(labelbottom=True)
        axis.set_xlabel(xlabel)
        ylabels = []
        for index, (colour, group) in enumerate(zip(PALETTE, groups)):
            rows = at_risk[at_risk["group"] == group].set_index("time")
            kinds = [("n_risk", "at risk")] + ([("cum_events", "events"), ("cum_censored", "censored")] if kmunicate else [])
            for offset, (column, name) in enumerate(kinds):
                y = index * rows_per_group + offset
                for t in times:
                    value = rows[column].get(t, np.nan) if column in rows else np.nan
                    text = "" if is_missing(value) else printed(
                        "count", value, source=cell("at_risk", {"group": group, "time": short(t)}, column), where=f"table, {labels[group]} {name}, {short(t)}"
                    )
                    table.text(t, y, text, ha="center", va="center", fontsize=7, color=colour)
                ylabels.append(f"{labels[group]} {name}" if kmunicate else labels[group])
        table.set_yticks(range(len(ylabels)), ylabels)
        table.set_title("Number at risk", loc="left", fontsize=7)
        axis.set_xticks(times)
        figure.align_ylabels()
    return figure


def km(sources: Sources, spec: Mapping, printed: Printed):
    """The ``km`` figure type (see the module docstring)."""
    # a lazy import: her2cohort.stats.kaplan_meier loads scipy, which the other figure types do without
    from her2cohort.stats.kaplan_meier import numbers_at_risk

    results = sources.results
    fit = results.table(spec["from"])
    if spec.get("group_levels"):  # draw (and colour) the groups in the declared order
        order = {canonical(level): position for position, level in enumerate(spec["group_levels"])}
        fit = fit.assign(_order=fit["group"].map(lambda g: order.get(canonical(g)))).sort_values(["_order", "time"], kind="stable").drop(columns="_order")
    times = list(spec["times"])
    at_risk = numbers_at_risk(fit, times)
    labels = spec.get("group_labels", {})
    lines = []
    if "medians" in spec:
        decimals = int(spec.get("median_decimals", 1))
        for _, row in results.table(spec["medians"]).iterrows():
            group = row.get("group", "all")
            name = "All" if canonical(group) == "all" else label(labels, group)
            median = printed("estimate_ci", row["estimate"], row["conf_low"], row["conf_high"], decimals=decimals, na_estimate="NR",
                             source=cell(spec["medians"], {"group": group}), where=f"annotation, median of {name}")
            lines.append(f"{name}: median {median}")
    if "logrank" in spec:
        test = results.row(spec["logrank"], {"term": "logrank"})
        lines.append(printed("p_phrase", test["p_value"], prefix="Log-rank p", source=cell(spec["logrank"], {"term": "logrank"}, "p_value"), where="annotation, log-rank p"))
    if "cox" in spec:
        where = {"row_kind": "coefficient", **spec.get("cox_row", {})}
        row = results.row(spec["cox"], where)
        at = dict(source=cell(spec["cox"], where), where="annotation, HR")
        lines.append(f"HR {printed('estimate_ci', row['estimate'], row['conf_low'], row['conf_high'], decimals=2, **at)}, {printed('p_phrase', row['p_value'], **at)}")
    figure = km_figure(
        fit.drop(columns=[c for c in ("analysis", "type") if c in fit.columns]),
        at_risk,
        printed,
        xlabel=spec.get("xlabel", "Months"),
        ylabel=spec.get("ylabel", "Survival probability"),
        title=spec.get("title", ""),
        annotation="\n".join(lines),
        annotation_loc=spec.get("annotation_loc", "upper right"),
        group_labels=labels,
        width=width_of(spec.get("width")),
        bands=bool(spec.get("bands", False)),
        kmunicate=bool(spec.get("kmunicate", False)),
    )
    return figure, {"at_risk": at_risk}
