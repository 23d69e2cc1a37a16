"""Transitions between ordered categories at two time points (e.g. HER2 IHC 0 / 1+ / 2+ / 3+
before -> after trastuzumab deruxtecan): a shift heat map and an alluvial chart.

:func:`transitions_figure` draws a ``shift_table`` analysis result (long form: ``before``,
``after``, ``n``, ``before_total``, ``after_total``, ``row_percent``); :func:`transitions` is the
figure type ``transitions`` of :mod:`her2cohort.render.figure_catalogue`: ``from`` (the
shift_table analysis), ``level_labels``, ``labels`` (the two time points), ``views``
(``heatmap``, ``alluvial`` or both, in that order), ``tests`` (text -> analysis id whose
first row's p is printed under the panels).

Direction of a transition follows the declared level order: *loss* is a move down to the
lowest level (e.g. to IHC 0), *decrease* any other move down, *unchanged*, *increase* a
move up; the alluvial bands are coloured by it and the legend counts the patients.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from her2cohort.render.charts import width_of
from her2cohort.render.figures import PALETTE, STYLE, TWO_COLUMNS
from her2cohort.numbers import p_value as format_p
from her2cohort.results import canonical

DIRECTIONS = ("loss", "decrease", "same", "increase")
DIRECTION_COLOURS = {"loss": PALETTE[1], "decrease": PALETTE[4], "same": "#BBBBBB", "increase": PALETTE[0]}


def _name(labels: Mapping | None, level) -> str:
    """The printed name of a level; keys compare as cells do (2 == "2" == "2.0")."""
    return next((str(v) for k, v in (labels or {}).items() if canonical(k) == canonical(level)), str(level))


def direction(before_index: int, after_index: int) -> str:
    """``loss`` (down to the lowest level), ``decrease``, ``same`` or ``increase`` by level order."""
    if after_index < before_index:
        return "loss" if after_index == 0 else "decrease"
    return "same" if after_index == before_index else "increase"


def _levels(shift: pd.DataFrame) -> list:
    return list(dict.fromkeys(shift["before"]))


def _counts(shift: pd.DataFrame, levels: list) -> np.ndarray:
    index = {canonical(level): i for i, level in enumerate(levels)}
    counts = np.zeros((len(levels), len(levels)))
    for row in shift.itertuples():
        counts[index[canonical(row.before)], index[canonical(row.after)]] += float(row.n)
    return counts


def _heatmap(axis, counts: np.ndarray, names: list[str], labels: Sequence[str]) -> None:
    total = counts.sum()
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    axis.imshow(counts, cmap="Blues", vmin=0, vmax=max(counts.max(), 1) * 1.15, aspect="equal")
    for i in range(len(names)):
        for j in range(len(names)):
            n = int(counts[i, j])
            percent = f"\n({100 * n / rows[i]:.0f}%)" if rows[i] else ""
            dark = counts[i, j] > 0.55 * counts.max()
            axis.text(j, i, f"{n}{percent}", ha="center", va="center", fontsize=6.5, color="white" if dark else "black")
    for k in range(len(names)):  # unchanged: the diagonal
        axis.add_patch(plt.Rectangle((k - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=0.9))
    axis.set_xticks(range(len(names)), [f"{name}\n(n = {int(c)})" for name, c in zip(names, columns)])
    axis.set_yticks(range(len(names)), [f"{name} (n = {int(r)})" for name, r in zip(names, rows)])
    axis.set_xlabel(f"{labels[1]}")
    axis.set_ylabel(f"{labels[0]}")
    axis.tick_params(length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)
    axis.set_title(f"a Shift table (N = {int(total)}), n (% of row)", loc="left")


def _band(axis, x0: float, x1: float, top0: float, bottom0: float, top1: float, bottom1: float, colour: str) -> None:
    t = np.linspace(0, 1, 60)
    s = t * t * (3 - 2 * t)  # smoothstep: flat at both columns
    x = x0 + (x1 - x0) * t
    axis.fill_between(x, bottom0 + (bottom1 - bottom0) * s, top0 + (top1 - top0) * s, color=colour, alpha=0.65, linewidth=0)


def _alluvial(axis, counts: np.ndarray, names: list[str], labels: Sequence[str], direction_labels: Mapping[str, str]) -> dict[str, int]:
    k = len(names)
    total = counts.sum()
    gap = 0.025 * total
    bar = 0.12
    # stacks drawn with the highest level on top; positions in patients
    def stack(margins):
        tops, y = {}, total + gap * (k - 1)
        for level in reversed(range(k)):
            tops[level] = y
            y -= margins[level] + gap
        return tops

    left_tops, right_tops = stack(counts.sum(axis=1)), stack(counts.sum(axis=0))
    left_next, right_next = dict(left_tops), dict(right_tops)
    tally = dict.fromkeys(DIRECTIONS, 0)
    for i in reversed(range(k)):
        for j in reversed(range(k)):
            n = counts[i, j]
            if n == 0:
                continue
            where = direction(i, j)
            tally[where] += int(n)
            _band(axis, bar / 2, 1 - bar / 2, left_next[i], left_next[i] - n, right_next[j], right_next[j] - n, DIRECTION_COLOURS[where])
            left_next[i] -= n
            right_next[j] -= n
    for side, x, tops, margins in (("left", 0.0, left_tops, counts.sum(axis=1)), ("right", 1.0, right_tops, counts.sum(axis=0))):
        for level in range(k):
            if margins[level] == 0:
                continue
            top = tops[level]
            axis.add_patch(plt.Rectangle((x - bar / 2, top - margins[level]), bar, margins[level], facecolor="#333333", edgecolor="none"))
            text = f"{names[level]} ({int(margins[level])})"
            if side == "left":
                axis.text(x - bar / 2 - 0.03, top - margins[level] / 2, text, ha="right", va="center", fontsize=6.5)
            else:
                axis.text(x + bar / 2 + 0.03, top - margins[level] / 2, text, ha="left", va="center", fontsize=6.5)
    axis.set_xlim(-0.55, 1.55)
    axis.set_ylim(-gap, total + gap * k)
    axis.set_xticks([0, 1], list(labels))
    axis.set_yticks([])
    axis.tick_params(axis="x", length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)
    handles = [Patch(color=DIRECTION_COLOURS[d], alpha=0.65, label=f"{direction_labels[d]} ({tally[d]})") for d in DIRECTIONS if tally[d]]
    axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=6.5, handlelength=1.2)
    axis.set_title("b Transitions, patients", loc="left")
    return tally


def transitions_figure(
    shift: pd.DataFrame,
    *,
    level_labels: Mapping | None = None,
    labels: Sequence[str] = ("Before", "After"),
    views: Sequence[str] = ("heatmap", "alluvial"),
    direction_labels: Mapping[str, str] | None = None,
    footer: str = "",
    width: float = TWO_COLUMNS,
):
    """The shift heat map (counts and row %, unchanged on the outlined diagonal, margins in the
    tick labels) and/or the alluvial chart (bands coloured by direction); ``footer`` (e.g. the
    paired tests' p) is written under the panels."""
    unknown = [v for v in views if v not in ("heatmap", "alluvial")]
    if unknown or not views:
        raise ValueError(f"views must be heatmap and/or alluvial, got {list(views)}")
    levels = _levels(shift)
    names = [_name(level_labels, level) for level in levels]
    counts = _counts(shift, levels)
    directions = {"loss": f"Loss to {names[0]}", "decrease": "Decrease", "same": "Unchanged", "increase": "Increase", **(direction_labels or {})}
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(1, len(views), figsize=(width, width * (0.5 if len(views) > 1 else 0.85)), squeeze=False,
                                    gridspec_kw={"width_ratios": [1.0 if v == "heatmap" else 1.1 for v in views]})
        for axis, view in zip(axes[0], views):
            if view == "heatmap":
                _heatmap(axis, counts, names, labels)
            else:
                _alluvial(axis, counts, names, labels, directions)
                if len(views) == 1:
                    axis.set_title("Transitions, patients", loc="left")
        if len(views) == 1 and views[0] == "heatmap":
            axes[0][0].set_title(f"Shift table (N = {int(counts.sum())}), n (% of row)", loc="left")
        figure.tight_layout()
        if footer:
            figure.text(0.01, -0.01, footer, ha="left", va="top", fontsize=6.5)
    return figure


def transitions(sources, spec: Mapping):
    """The ``transitions`` figure type: a shift_table analysis (``from``) as heat map and alluvial chart."""
    shift = sources.read(spec["from"])
    texts = []
    for text, analysis in (spec.get("tests") or {}).items():
        row = sources.read(analysis).iloc[0]
        p = format_p(float(row["p_value"]))
        texts.append(f"{text}: p {p}" if p.startswith("<") else f"{text}: p = {p}")
    figure = transitions_figure(
        shift,
        level_labels=spec.get("level_labels"),
        labels=tuple(spec.get("labels", ("Before", "After"))),
        views=tuple(spec.get("views", ("heatmap", "alluvial"))),
        footer="; ".join(texts),
        width=width_of(spec.get("width", "two_columns")),
    )
    levels = _levels(shift)
    position = {canonical(level): i for i, level in enumerate(levels)}
    drawn = shift[["before", "after", "n", "before_total", "after_total", "row_percent"]].copy()
    drawn["direction"] = [direction(position[canonical(b)], position[canonical(a)]) for b, a in zip(drawn["before"], drawn["after"])]
    return figure, {"shift": drawn.reset_index(drop=True)}
