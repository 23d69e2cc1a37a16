"""``flow``: CONSORT-style flow diagram of patients from the registry to the analysed cohort.

Draws the cleaning stage's flow table (``results/{study}/clean/flow.csv``:
step, label, n_remaining, n_excluded, reason): a box per step down the page
(the registry first, then the patients left after each inclusion step that
excluded anyone), an arrow between them, and beside each arrow a box with the
patients that step excluded and why. A step that excluded nobody draws no box
(CONSORT draws none: "n = 0" boxes only lengthen the diagram); the steps all
stay in the drawn data. The last box is the analysed cohort. Nothing but boxes
and arrows: what a reader must know about the criteria goes in the legend.

Spec: ``title`` (the
prefix of the analysed box, default "Analysed"), ``classification: true`` (a
box under the analysed one with the HER2 status of their specimens by each
guideline rule, and those left indeterminate or not classified with the
reason: the classify stage's ``results/{study}/classification.csv``),
``width``. The drawn data are the flow table (and the classification).
"""

from __future__ import annotations

import textwrap
from typing import Mapping

import matplotlib.pyplot as plt
import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.style import STYLE, TWO_COLUMNS, width_of

FONT = 7
LINE = FONT * 1.35 / 72  # inches per text line
PAD = 0.07  # inches around the text inside a box


def _box(axis, x: float, y_top: float, width: float, text: str, wrap: int, align: str = "center") -> float:
    """A box of ``width`` inches whose top edge is at ``y_top``, holding ``text``
    wrapped at ``wrap`` characters; returns the box's bottom edge."""
    lines = [part for paragraph in text.split("\n") for part in (textwrap.wrap(paragraph, wrap) or [""])]
    height = len(lines) * LINE + 2 * PAD
    axis.add_patch(plt.Rectangle((x - width / 2, y_top - height), width, height, fill=False, linewidth=0.7, edgecolor="black"))
    anchor = x if align == "center" else x - width / 2 + PAD
    axis.text(anchor, y_top - height / 2, "\n".join(lines), ha=align, va="center", fontsize=FONT, linespacing=1.2)
    return y_top - height


def _classification_text(classification: pd.DataFrame, printed: Printed) -> str:
    """The classification box: per rule, its specimens by status, then each reason one was left undecided."""
    from her2cohort.classify import STATUS_ORDER

    lines = []
    for rule, block in classification.groupby("rule", sort=False):
        def n(rows: pd.DataFrame, what: str) -> str:
            return printed("count", int(rows["n_specimens"].sum()), source=f"classification / {{rule: {rule}, {what}}} / n_specimens (sum)", where="classification box")

        statuses = ", ".join(f"{n(block[block['her2_status'] == status], f'her2_status: {status}')} {status}" for status in STATUS_ORDER if (block["her2_status"] == status).any())
        lines.append(f"Specimens by {rule} (n = {n(block, 'all')}): {statuses}")
        for row in block[block["reason"].fillna("") != ""].itertuples(index=False):
            count = printed("count", int(row.n_specimens), source=f"classification / {{rule: {rule}, her2_status: {row.her2_status}, reason: {row.reason}}} / n_specimens", where="classification box")
            lines.append(f"{count} {row.her2_status}: {row.reason}")
    return "\n".join(lines) if lines else "No HER2 data: no specimen classified"


def flow_figure(flow: pd.DataFrame, printed: Printed, *, analysed_label: str = "Analysed", width: float = TWO_COLUMNS, classification: pd.DataFrame | None = None):
    """The flow table as boxes and arrows (see the module docstring); width in inches.
    ``classification``: the classify stage's summary, drawn in a box under the analysed one."""
    flow = flow.sort_values("step").reset_index(drop=True)
    last_step = flow["step"].iloc[-1]
    flow = flow[(flow.index == 0) | (flow["n_excluded"].fillna(0) > 0) | (flow["step"] == last_step)].reset_index(drop=True)
    main_x, main_width = width * 0.32, width * 0.5
    if not (flow["n_excluded"].iloc[1:].fillna(0) > 0).any():  # no exclusion box: one centred column
        main_x = width / 2
    side_x, side_width = width * 0.79, width * 0.36
    wrap_main, wrap_side = int(main_width / (FONT * 0.55 / 72)), int(side_width / (FONT * 0.55 / 72))

    def n(step: pd.Series, column: str) -> str:
        return printed("count", step[column], source=cell("flow", {"step": step["step"]}, column), where=f"box of step {step['step']}")

    with plt.rc_context(STYLE):
        figure = plt.figure(figsize=(width, 10))  # resized to the drawing below
        axis = figure.add_axes((0, 0, 1, 1))
        y = 10.0 - 0.05
        first = flow.iloc[0]
        y = _box(axis, main_x, y, main_width, f"{first['label']}\n(n = {n(first, 'n_remaining')})", wrap_main)
        for index in range(1, len(flow)):
            step = flow.iloc[index]
            excludes = step["n_excluded"] > 0
            excluded = f"Excluded (n = {n(step, 'n_excluded')}): {step['reason']}" if excludes else ""
            side_height = len(textwrap.wrap(excluded, wrap_side)) * LINE + 2 * PAD
            # the arrow between two main boxes is long enough for the exclusion box beside it
            arrow_gap = max(0.42, side_height + 0.16) if excludes else 0.3
            branch = y - arrow_gap / 2
            axis.annotate("", xy=(main_x, y - arrow_gap), xytext=(main_x, y), arrowprops={"arrowstyle": "-|>", "linewidth": 0.7, "color": "black", "shrinkA": 0, "shrinkB": 0})
            if excludes:
                side_top = branch + side_height / 2
                axis.plot([main_x, side_x - side_width / 2], [branch, branch], color="black", linewidth=0.7)
                _box(axis, side_x, side_top, side_width, excluded, wrap_side, align="left")
            last = index == len(flow) - 1
            label = f"{analysed_label}: {step['label']}" if last else step["label"]
            y = _box(axis, main_x, y - arrow_gap, main_width, f"{label}\n(n = {n(step, 'n_remaining')})", wrap_main)
        if classification is not None:
            axis.annotate("", xy=(main_x, y - 0.3), xytext=(main_x, y), arrowprops={"arrowstyle": "-|>", "linewidth": 0.7, "color": "black", "shrinkA": 0, "shrinkB": 0})
            y = _box(axis, main_x, y - 0.3, width * 0.9, _classification_text(classification, printed), int(width * 0.9 / (FONT * 0.55 / 72)), align="left")
        bottom = y - 0.05
        height = 10.0 - bottom
        figure.set_size_inches(width, height)
        axis.set_position((0, 0, 1, 1))
        axis.set_xlim(0, width)
        axis.set_ylim(bottom, 10.0)
        axis.axis("off")
    return figure


def flow(sources: Sources, spec: Mapping, printed: Printed):
    """The ``flow`` figure type (see the module docstring)."""
    if sources.flow is None or sources.flow.empty:
        raise ValueError("the flow table (clean/flow.csv) is empty")
    classification = None
    if spec.get("classification"):
        if sources.classification is None:
            raise ValueError("classification: true needs the classify stage's classification.csv")
        classification = sources.classification
    figure = flow_figure(sources.flow, printed, analysed_label=spec.get("title", "Analysed"), width=width_of(spec.get("width", "two_columns")), classification=classification)
    drawn = {"flow": sources.flow.reset_index(drop=True)}
    if classification is not None:
        drawn["classification"] = classification.reset_index(drop=True)
    return figure, drawn
