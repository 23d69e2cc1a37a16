"""``roc``: ROC curves, one panel each, with the study's cutoff marked and the AUC.

Spec: ``panels`` [{``curve`` (a roc_curve analysis), ``cutoff`` (a roc_cutoff
analysis: its ``term: auc`` row, the AUC with its DeLong CI; its rows without a
term, the Youden-optimal cutoffs), ``operating_point`` (a
sensitivity_specificity analysis: the cutoff the study uses, e.g. "H-score >
170" of its tables and odds ratios), ``title``}], ``width``. The point marked
is the declared operating point when there is one, else the first Youden
optimum. The drawn data are the curves.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from her2cohort.numbers import Printed, is_missing
from her2cohort.render.figures.sources import Sources, cell, signs
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of

#: The cutoff in the rule (">= 218.5"): pROC's midpoint of two observed values, at most 3 decimals.
CUTOFF_DECIMALS = 3


def roc_figure(curves: Sequence[Mapping], *, width: float = TWO_COLUMNS):
    """ROC curves, one panel each (``curve``: roc_curve rows; ``cutoff``: the Youden row
    with threshold, sensitivity, specificity; ``cutoff_label`` and ``auc``: printed
    texts; ``title``)."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(1, len(curves), figsize=(width, width / len(curves) + 0.2), squeeze=False)
        for index, (axis, panel) in enumerate(zip(axes[0], curves)):
            curve = panel["curve"].sort_values(["specificity", "sensitivity"], ascending=[False, True])
            colour = PALETTE[index % len(PALETTE)]
            axis.plot(1 - curve["specificity"], curve["sensitivity"], color=colour, drawstyle="default")
            axis.plot([0, 1], [0, 1], color="grey", linewidth=0.6, linestyle="--")
            cutoff = panel.get("cutoff")
            if cutoff is not None:
                x, y = 1 - float(cutoff["specificity"]), float(cutoff["sensitivity"])
                axis.plot([x], [y], marker="o", color="black", markersize=4)
                # below the point, where the area under the curve is empty; the rule on its own line
                # keeps the label narrow enough not to run past the axis or across the curve
                right = x > 0.6
                axis.annotate(panel.get("cutoff_label", "").replace(": ", "\n", 1), (x, y), xytext=(-6 if right else 6, -8), textcoords="offset points",
                              fontsize=6.5, va="top", ha="right" if right else "left", bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
            axis.set_xlim(-0.01, 1.01)
            axis.set_ylim(-0.01, 1.01)
            axis.set_aspect("equal")
            axis.set_xlabel("1 \u2212 specificity")
            if index == 0:
                axis.set_ylabel("Sensitivity")
            axis.set_title(panel.get("title", ""), loc="left")
            if panel.get("auc"):
                axis.text(0.97, 0.05, panel["auc"], transform=axis.transAxes, ha="right", va="bottom", fontsize=7)
        figure.tight_layout()
    return figure


def roc(sources: Sources, spec: Mapping, printed: Printed):
    """The ``roc`` figure type (see the module docstring)."""
    results = sources.results
    panels, drawn = [], []
    for panel in spec["panels"]:
        curve = results.table(panel["curve"])
        name = panel.get("title", panel["curve"])
        auc = results.row(panel["cutoff"], {"term": "auc"})
        where = f"{name}, cutoff label"
        if panel.get("operating_point"):  # the cutoff the study uses
            best = results.table(panel["operating_point"]).iloc[0]
            source = cell(panel["operating_point"])
            rule = f"{signs(best['side'])} {printed('short', best['cutoff'], decimals=CUTOFF_DECIMALS, source=f'{source} / cutoff', where=where)}"
        else:
            # the Youden optima (rows without a term); of tied optima, the first as pROC lists them
            optima = results.rows(panel["cutoff"], {"term": ""})
            best = optima[optima["threshold"].notna()].iloc[0]
            source = cell(panel["cutoff"], {"term": "NA", "optimum": "first"})
            if is_missing(best["cutoff"]):
                rule = signs(best["positive_if"])
            else:  # pROC's rule: the side (">=" or "<="), then the cutoff
                rule = f"{signs(str(best['positive_if']).split(' ', 1)[0])} {printed('short', best['cutoff'], decimals=CUTOFF_DECIMALS, source=f'{source} / cutoff', where=where)}"
        sensitivity = printed("percent", 100 * best["sensitivity"], decimals=1, source=f"{source} / 100 x sensitivity", where=where)
        specificity = printed("percent", 100 * best["specificity"], decimals=1, source=f"{source} / 100 x specificity", where=where)
        auc_text = printed("estimate_ci", auc["estimate"], auc["conf_low"], auc["conf_high"], decimals=3, source=cell(panel["cutoff"], {"term": "auc"}), where=f"{name}, AUC")
        panels.append({
            "curve": curve,
            "cutoff": best,
            "cutoff_label": f"{rule}: sens {sensitivity}%, spec {specificity}%",
            "auc": f"AUC {auc_text}",
            "title": panel.get("title", ""),
        })
        drawn.append(curve.assign(panel=name))
    figure = roc_figure(panels, width=width_of(spec.get("width", "two_columns")))
    return figure, {"curves": pd.concat(drawn, ignore_index=True)}
