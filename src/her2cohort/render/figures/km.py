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

As a journal prints it: the time axis always reaches the last observation (the
declared ``times`` are extended by their last step until they do, with the
numbers at risk there); the y-axis label stands by its own axis whatever the
width of the at-risk labels; the annotation goes where the curves
are not (:func:`free_place`, unless ``annotation_loc`` names a corner); the
medians read "Median, months (95% CI)" and the HR names its comparison ("HR
Homo-HER2 vs Hetero-HER2", from the Cox term ``variable:level vs reference``).
A ``km`` figure can be a panel of a ``multi_panel`` figure (``figure=`` a
subfigure).
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


#: Inches between the plot and the numbers at risk: tick labels, axis label, the table's title.
GAP = 0.62
#: Explicit corners (``annotation_loc``): (x, y, ha, va) in axes fractions.
CORNERS = {
    "upper right": (0.98, 0.98, "right", "top"), "top right": (0.98, 0.98, "right", "top"),
    "lower right": (0.98, 0.02, "right", "bottom"), "lower left": (0.02, 0.02, "left", "bottom"),
}


def extended_times(times: list[float], last: float) -> list[float]:
    """The declared tick ``times`` extended by their last step until they reach ``last``
    (the last observation), so that no follow-up is cut off the axis."""
    times = sorted(float(t) for t in times)
    step = times[-1] - times[-2] if len(times) > 1 else max(times[-1], 1.0)
    while times[-1] < last:
        times.append(times[-1] + step)
    return times


def _drawn_boxes(axis, renderer) -> list:
    """The display boxes of what is drawn in ``axis``: every horizontal and vertical piece
    of its step curves, its marks and its legend."""
    from matplotlib.transforms import Bbox

    boxes = []
    for line in axis.get_lines():
        xy = axis.transData.transform(np.column_stack(line.get_data()).astype(float))
        if line.get_linestyle() in ("None", "none", "", " "):
            boxes += [Bbox([[x - 3, y - 3], [x + 3, y + 3]]) for x, y in xy]
            continue
        if line.get_drawstyle().startswith("steps"):  # (x0, y0) -> (x1, y0) -> (x1, y1)
            xy = np.repeat(xy, 2, axis=0)[1:-1]
            xy[1::2, 1] = xy[0::2, 1]
        boxes += [Bbox([np.minimum(a, b) - 1, np.maximum(a, b) + 1]) for a, b in zip(xy[:-1], xy[1:])]
    legend = axis.get_legend()
    if legend is not None:
        boxes.append(legend.get_window_extent(renderer).padded(2))
    return boxes


def free_place(axis, text, places=None, steps: int = 16) -> tuple:
    """Put ``text`` (an axes text) where it covers nothing drawn (:func:`_drawn_boxes`):
    of a grid of ``steps`` x ``steps`` positions inside the plot, the free one nearest
    the upper right corner (else the one covering least); ``places`` (x, y, ha, va),
    when given, are the only positions tried. Return the place."""
    renderer = axis.figure.canvas.get_renderer()
    boxes = _drawn_boxes(axis, renderer)
    frame = axis.get_window_extent(renderer)
    text.set_position((0.98, 0.98))
    text.set_ha("right")
    text.set_va("top")
    extent = text.get_window_extent(renderer)
    w, h = extent.width / frame.width, extent.height / frame.height
    if places is None:
        grid = []
        for x1 in np.linspace(0.98, min(0.98, 0.02 + w), steps):
            for y1 in np.linspace(0.98, min(0.98, 0.02 + h), steps):
                grid.append(((0.98 - x1) ** 2 + (0.98 - y1) ** 2, (x1, y1, "right", "top") if x1 - w / 2 > 0.5 else (x1 - w, y1, "left", "top")))
        places = [place for _, place in sorted(grid, key=lambda item: item[0])]
    best, fewest = places[0], None
    for place in places:
        x, y, ha, va = place
        text.set_position((x, y))
        text.set_ha(ha)
        text.set_va(va)
        extent = text.get_window_extent(renderer)
        covered = sum(extent.overlaps(box) for box in boxes)
        if covered == 0:
            return place
        if fewest is None or covered < fewest:
            best, fewest = place, covered
    x, y, ha, va = best
    text.set_position((x, y))
    text.set_ha(ha)
    text.set_va(va)
    return best


def km_height(width: float, n_groups: int, kmunicate: bool = False) -> float:
    """The height (inches) of a Kaplan-Meier figure ``width`` inches wide: the plot, the gap
    for the axis and the table title, and the numbers at risk."""
    rows = n_groups * (3 if kmunicate else 1)
    legend_rows = 1 if n_groups <= 2 else 2  # three long labels take two rows at a column's width
    return width * 0.62 + GAP + 0.16 * (rows + 1) + 0.2 + 0.13 * legend_rows


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
    figure=None,
):
    """Kaplan-Meier curves with censoring marks and the numbers at risk under the axis.

    ``fit`` is :func:`her2cohort.stats.kaplan_meier.kaplan_meier` output and
    ``at_risk`` its :func:`~her2cohort.stats.kaplan_meier.numbers_at_risk` at the
    tick times, so the table's columns line up with the ticks (survminer's
    layout); ``printed`` prints (and records) the counts. ``bands`` draws the
    confidence bands; ``kmunicate`` adds the cumulative events and censored rows.
    ``annotation`` (e.g. medians and the log-rank p, printed by the caller) is
    written in the plot where the curves, marks and legend leave room
    (:func:`free_place`; ``annotation_loc="auto"``) or in the named corner.
    ``figure``: a (sub)figure to draw in, else a new figure ``width`` wide.
    """
    with plt.rc_context(STYLE):
        groups = list(dict.fromkeys(fit["group"]))
        labels = {g: label(group_labels, g) for g in groups}
        rows_per_group = 3 if kmunicate else 1
        height = km_height(width, len(groups), kmunicate)
        main_height = width * 0.62
        table_height = 0.16 * (len(groups) * rows_per_group + 1)
        gap = GAP
        if figure is None:
            figure = plt.figure(figsize=(width, height))
        else:
            height = figure.bbox.height / figure.dpi if hasattr(figure, "bbox") else height
        top, bottom = 1 - 0.3 / height, 0.02 / height
        axis, table = figure.subplots(
            2, 1, sharex=True,
            gridspec_kw={"height_ratios": [main_height, table_height], "hspace": gap / ((main_height + table_height) / 2), "top": top, "bottom": bottom},
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
        if title:  # above the legend row
            axis.set_title(title, loc="left", pad=16 if len(groups) > 1 or groups[0] != "all" else 6)
        axis.set_xticks(times)
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
        # the legend and the annotation where the curves are not: placed once the layout is known
        root = figure.figure if hasattr(figure, "figure") and figure.figure is not None else figure
        root.canvas.draw()
        if len(groups) > 1 or groups[0] != "all":  # above the plot (survminer's "top"), leaving the plot to the curves
            renderer = root.canvas.get_renderer()
            # the plot's width once laid out to the figure's (render.style.fit_width): less the at-risk labels
            labels_width = max(text.get_window_extent(renderer).width for text in table.get_yticklabels())
            plot_width = figure.bbox.width - labels_width - 0.45 * root.dpi
            for columns in range(len(groups), 0, -1):  # one row if it is no wider than the plot, else as few rows as fit
                legend = axis.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=columns, borderaxespad=0.2, handlelength=1.5, columnspacing=1.2)
                if legend.get_window_extent(renderer).width <= plot_width:
                    break
            if title:  # the title over the legend
                axis.set_title(title, loc="left", pad=legend.get_window_extent(renderer).height * 72 / root.dpi + 2)
        # the title and legend inside the figure: the plot is lowered by what stands above the figure's top
        root.canvas.draw()
        renderer = root.canvas.get_renderer()
        above = max([axis.title.get_window_extent(renderer).y1] + ([axis.get_legend().get_window_extent(renderer).y1] if axis.get_legend() else []))
        room = figure.bbox.y1 - 2 * root.dpi / 72
        if above > room:
            grid = axis.get_subplotspec().get_gridspec()
            grid.update(top=grid.top - (above - room) / figure.bbox.height)
        if annotation:
            text = axis.text(0.98, 0.98, annotation, transform=axis.transAxes, fontsize=7, linespacing=1.3)
            free_place(axis, text, (CORNERS[annotation_loc],) if annotation_loc in CORNERS else None)
    return figure


def km(sources: Sources, spec: Mapping, printed: Printed, figure=None):
    """The ``km`` figure type (see the module docstring); ``figure`` a (sub)figure to draw in."""
    # a lazy import: her2cohort.stats.kaplan_meier loads scipy, which the other figure types do without
    from her2cohort.stats.kaplan_meier import numbers_at_risk

    results = sources.results
    fit = results.table(spec["from"])
    if spec.get("group_levels"):  # draw (and colour) the groups in the declared order
        order = {canonical(level): position for position, level in enumerate(spec["group_levels"])}
        fit = fit.assign(_order=fit["group"].map(lambda g: order.get(canonical(g)))).sort_values(["_order", "time"], kind="stable").drop(columns="_order")
    times = extended_times(list(spec["times"]), float(fit["time"].max()))  # the axis reaches the last observation
    at_risk = numbers_at_risk(fit, times)
    labels = spec.get("group_labels", {})
    lines = []
    if "medians" in spec:
        decimals = int(spec.get("median_decimals", 1))
        lines.append(f"Median, {spec.get('time_unit', 'months')} (95% CI)")
        medians = results.table(spec["medians"])
        if spec.get("group_levels") and "group" in medians.columns:
            order = {canonical(level): position for position, level in enumerate(spec["group_levels"])}
            medians = medians.assign(_order=medians["group"].map(lambda g: order.get(canonical(g), len(order)))).sort_values("_order", kind="stable")
        for _, row in medians.iterrows():
            group = row.get("group", "all")
            name = "All" if canonical(group) == "all" else label(labels, group)
            median = printed("estimate_ci", row["estimate"], row["conf_low"], row["conf_high"], decimals=decimals, na_estimate="NR",
                             source=cell(spec["medians"], {"group": group}), where=f"annotation, median of {name}")
            lines.append(f"{name}: {median}")
    if "logrank" in spec:
        test = results.row(spec["logrank"], {"term": "logrank"})
        lines.append(printed("p_phrase", test["p_value"], prefix="Log-rank p", source=cell(spec["logrank"], {"term": "logrank"}, "p_value"), where="annotation, log-rank p"))
    if "cox" in spec:
        where = {"row_kind": "coefficient", **spec.get("cox_row", {})}
        row = results.row(spec["cox"], where)
        at = dict(source=cell(spec["cox"], where), where="annotation, HR")
        lines.append(f"{hazard_ratio_name(row['term'], labels)}\n{printed('estimate_ci', row['estimate'], row['conf_low'], row['conf_high'], decimals=2, **at)}, {printed('p_phrase', row['p_value'], **at)}")
    figure = km_figure(
        fit.drop(columns=[c for c in ("analysis", "type") if c in fit.columns]),
        at_risk,
        printed,
        xlabel=spec.get("xlabel", "Months"),
        ylabel=spec.get("ylabel", "Survival probability"),
        title=spec.get("title", ""),
        annotation="\n".join(lines),
        annotation_loc=spec.get("annotation_loc", "auto"),
        group_labels=labels,
        width=width_of(spec.get("width")),
        bands=bool(spec.get("bands", False)),
        kmunicate=bool(spec.get("kmunicate", False)),
        figure=figure,
    )
    return figure, {"at_risk": at_risk}


def hazard_ratio_name(term, labels: Mapping | None) -> str:
    """"HR Homo-HER2 vs Hetero-HER2": the comparison of a Cox coefficient whose term reads
    ``variable:level vs reference`` (:func:`her2cohort.stats.cox.cox`), levels printed by
    their group labels; a term of another form (a continuous covariate) gives "HR"."""
    text = "" if is_missing(term) else str(term)
    if " vs " not in text:
        return "HR"
    level, reference = text.split(":", 1)[-1].split(" vs ", 1)
    return f"HR {label(labels, level.strip())} vs {label(labels, reference.strip())}"


def panel_height(sources: Sources, spec: Mapping, width: float) -> float:
    """The height of a ``km`` panel ``width`` inches wide (see :func:`km_height`)."""
    groups = sources.results.table(spec["from"])["group"].nunique()
    return km_height(width, groups, bool(spec.get("kmunicate", False)))
