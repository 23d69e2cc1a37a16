"""Manuscript figures: one style, journal sizes, deterministic files.

- Sizes: one column 85 mm, two columns 174 mm wide (Springer, BMC, AACR).
- Palette: Okabe-Ito, safe for colour-blind readers.
- Files: vector PDF and SVG plus a 300 dpi PNG, with no creation date, no
  random ids (``svg.hashsalt`` fixed) and no software version in the metadata,
  so that the same data give byte-identical figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from her2cohort.io import atomic_path  # noqa: E402

MM = 1 / 25.4
ONE_COLUMN, TWO_COLUMNS = 85 * MM, 174 * MM
#: Okabe & Ito (2008) colour-blind-safe palette, in the order groups are drawn.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "svg.hashsalt": "her2cohort",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "path.simplify": False,
}


def save_figure(figure, stem: str | Path, formats: Sequence[str] = ("pdf", "svg", "png")) -> list[Path]:
    """Write ``stem.pdf``, ``stem.svg`` and ``stem.png`` (300 dpi) without dates or versions."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
        "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
        "png": {"Software": None},
    }
    written = []
    with plt.rc_context(STYLE):  # the svg hash salt and font embedding apply when saving
        # The tight bounding box once, at the PNG's 300 dpi, for all three files:
        # bbox_inches="tight" would draw the figure an extra time per format (a
        # quarter of the figures job); vector files differ from their own tight
        # box by under 0.5 pt.
        figure.set_dpi(300)
        box = figure.get_tightbbox(figure.canvas.get_renderer()).padded(0.02)
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            with atomic_path(path) as partial:  # a killed job leaves no half-written figure
                figure.savefig(partial, format=fmt, dpi=300, metadata=metadata[fmt], bbox_inches=box)
            written.append(path)
    plt.close(figure)
    return written


def _step(times: np.ndarray, survival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([[0.0], times]), np.concatenate([[1.0], survival])


#: Censoring marks drawn per curve before they are thinned (see :func:`_censor_marks`).
MAX_CENSOR_MARKS = 1000
#: Thinned marks: at most one per this fraction of the time axis.
CENSOR_MARK_SPACING = 1 / 200


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
    *,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    title: str = "",
    annotation: str = "",
    annotation_loc: str = "upper right",
    group_labels: dict | None = None,
    width: float = ONE_COLUMN,
    bands: bool = False,
    kmunicate: bool = False,
):
    """Kaplan-Meier curves with censoring marks and the numbers at risk under the axis.

    ``fit`` is :func:`her2cohort.stats.kaplan_meier.kaplan_meier` output and
    ``at_risk`` its :func:`~her2cohort.stats.kaplan_meier.numbers_at_risk` at the
    tick times, so the table's columns line up with the ticks (survminer's
    layout). ``bands`` draws the confidence bands; ``kmunicate`` adds the
    cumulative events and censored rows (Morris et al., BMJ Open 2019).
    ``annotation`` (e.g. medians and the log-rank p) is written in the plot, in the
    upper right (``annotation_loc="upper right"``), right under the legend
    (``"top right"``, where a curve levels off around the middle) or in the
    ``"lower right"`` or ``"lower left"`` corner.
    """
    with plt.rc_context(STYLE):
        groups = list(dict.fromkeys(fit["group"]))
        labels = {g: (group_labels or {}).get(g, str(g)) for g in groups}
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
                    table.text(t, y, "" if pd.isna(value) else f"{int(value)}", ha="center", va="center", fontsize=7, color=colour)
                ylabels.append(f"{labels[group]} {name}" if kmunicate else labels[group])
        table.set_yticks(range(len(ylabels)), ylabels)
        table.set_title("Number at risk", loc="left", fontsize=7)
        axis.set_xticks(times)
        figure.align_ylabels()
    return figure
