"""Drawing a study's declared figures (``figures:`` of config/studies/{study}.yaml) and writing them.

Beside each figure (PDF, SVG, 300 dpi PNG, LZW TIFF) go the data drawn in it
(``{id}_{name}.csv``), every number it prints with the value it was printed
from and the format (``{id}_numbers.csv``, :class:`her2cohort.numbers.Printed`)
and every text it draws (``{id}_texts.csv``: titles, labels, tick labels,
legends, annotations; one row each, in the order of the figure's artists).

:class:`Sources` is defined in :mod:`her2cohort.render.figures.sources` and
offered here with :func:`draw_figures`: every figure type imports it, and this
module imports the registry of types, so the two in one module would be an
import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib.axis
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd

from her2cohort.errors import StudyConfigError
from her2cohort.io import write_table
from her2cohort.numbers import Printed
from her2cohort.render.figures import CROSS_STUDY_FIGURES, FIGURES
from her2cohort.render.figures.sources import Sources
from her2cohort.render.labels import label_lookups, unknown_label_keys
from her2cohort.render.figures.multi_panel import multi_panel
from her2cohort.render.style import FONT_FAMILY, save_figure, tiff_dpi

__all__ = ["Sources", "draw_figures", "drawn_texts"]


def _labels(ticks) -> set[int]:
    return {id(text) for tick in ticks for text in (tick.label1, tick.label2)}


def _not_drawn(axis: matplotlib.axis.Axis) -> set[int]:
    """The texts of ``axis`` (its label, offset and tick labels) that drawing leaves out: all of
    them when the axes are switched off, else the tick labels of ticks hidden or outside the view."""
    ticks = [*axis.get_major_ticks(len(axis.get_majorticklocs())), *axis.get_minor_ticks(len(axis.get_minorticklocs()))]
    axis.get_majorticklabels(), axis.get_minorticklabels()  # format the tick labels, as drawing does
    if not (axis.axes.axison and axis.get_visible()):
        return {id(axis.label), id(axis.offsetText)} | _labels([*axis.get_major_ticks(), *axis.get_minor_ticks()])
    scale = axis.get_transform()
    low, high = sorted(scale.transform(np.asarray(axis.get_view_interval(), float)))
    slack = 1e-10 * (high - low)  # matplotlib's own tolerance for a tick on the edge of the view
    return _labels([t for t in ticks if not t.get_visible() or not low - slack <= float(scale.transform(np.asarray([t.get_loc()], float))[0]) <= high + slack])


def _roles(figure) -> dict[int, tuple[str, str]]:
    """(element, role) of the texts whose role is known: titles, axis labels, tick labels, legends."""
    roles = {}
    axes = [*figure.axes]
    for parent in figure.axes:
        axes += [child for child in parent.child_axes if child not in axes]
    for index, axes_ in enumerate(axes):
        element = f"axes {index + 1}"
        # the left and right titles have no public accessor (matplotlib keeps them as _left_title, _right_title)
        for text, role in ((axes_.title, "title"), (axes_._left_title, "title"), (axes_._right_title, "title")):
            roles[id(text)] = (element, role)
        for name, axis in (("x", axes_.xaxis), ("y", axes_.yaxis)):
            roles[id(axis.label)] = (element, f"{name} label")
            roles[id(axis.offsetText)] = (element, f"{name} offset")
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                roles[id(tick.label1)] = roles[id(tick.label2)] = (element, f"{name} tick")
        legend = axes_.get_legend()
        if legend is not None:
            roles.update({id(text): (element, "legend") for text in legend.get_texts()})
            roles[id(legend.get_title())] = (element, "legend title")
        roles.update({id(text): (element, "text") for text in axes_.texts})
    roles.update({id(text): ("figure", "text") for text in figure.texts})
    return roles


def drawn_texts(figure) -> pd.DataFrame:
    """Every text ``figure`` draws, one row each (element, role, text), in the order of its
    artists (``figure.findobj``): visible, not empty, and of the tick labels those on a
    tick inside the view. Tick labels are formatted as drawing formats them."""
    hidden = set()
    for axis in figure.findobj(matplotlib.axis.Axis):
        hidden |= _not_drawn(axis)
    roles = _roles(figure)
    rows, seen = [], set()
    for text in figure.findobj(matplotlib.text.Text):
        if id(text) in seen or not text.get_visible() or not text.get_text().strip():
            continue
        seen.add(id(text))
        if id(text) in hidden or (text.axes is not None and not text.axes.get_visible()):
            continue
        element, role = roles.get(id(text), ("figure" if text.axes is None else "axes", "text"))
        rows.append({"element": element, "role": role, "text": text.get_text()})
    return pd.DataFrame(rows, columns=["element", "role", "text"])


#: The keys of each figure type that name columns of the analysis set (the
#: figures that draw patients' values rather than analysis results), checked
#: before drawing: ``panels`` entries of a count scatter name their own.
ANALYSIS_SET_KEYS = {
    "paired": ("before", "after", "group"),
    "dot_plot": ("value", "group"),
    "waterfall": ("value", "group"),
    "count_scatter": ("x",),
}


def analysis_set_problems(spec: Mapping, columns) -> list[str]:
    """The keys of a figure spec (:data:`ANALYSIS_SET_KEYS`) naming no column of the
    analysis set, each with the reason (:func:`her2cohort.classify.missing_column_reason`:
    the nearest column, or that the cohort has no HER2 data)."""
    from her2cohort.classify import missing_column_reason

    named = [(key, spec.get(key)) for key in ANALYSIS_SET_KEYS.get(spec.get("type"), ())]
    if spec.get("type") == "count_scatter":
        named += [(f"panels[{i}].{key}", panel.get(key)) for i, panel in enumerate(spec.get("panels", [])) for key in ("time", "event")]
    columns = [str(c) for c in columns]
    return [
        f"{key}: {column!r} is not a column of the analysis set: {missing_column_reason(column, columns)}"
        for key, column in named
        if isinstance(column, str) and column not in columns
    ]


#: What a figure never prints: ASCII comparison and sign pairs (a journal sets ≤ ≥ ± −).
ASCII_SIGNS = {"<=": "\u2264", ">=": "\u2265", "+/-": "\u00b1", "+-": "\u00b1", "=<": "\u2264", "=>": "\u2265"}


def ascii_signs(texts: pd.DataFrame) -> list[str]:
    """The drawn texts with an ASCII sign pair (:data:`ASCII_SIGNS`), each with the sign to write."""
    return [f"{text!r}: write {sign!r} as {ASCII_SIGNS[sign]!r}" for text in texts["text"] for sign in ASCII_SIGNS if sign in str(text)]


def draw_figure(sources: Sources, spec: Mapping, printed: Printed, declared: Mapping[str, Mapping]):
    """One figure of a study: ``spec`` drawn by its type, a ``multi_panel`` figure from the
    ``declared`` specs (by id) of its panels."""
    if spec["type"] == "multi_panel":
        return multi_panel(sources, spec, printed, declared, FIGURES)
    return {**FIGURES, **CROSS_STUDY_FIGURES}[spec["type"]](sources, spec, printed)


def draw_figures(sources: Sources, specs: list[Mapping], out, where: str, declared: Mapping[str, Mapping] | None = None) -> list[str]:
    """Draw each spec of ``specs`` and write it under ``out`` (PDF, SVG, PNG, the drawn
    data as ``{id}_{name}.csv``, ``{id}_numbers.csv`` and ``{id}_texts.csv``); return a
    log line per figure. A spec that does not fit its data is an error naming ``where``
    (the study file) and the figure.

    One process for all of a study's figures: drawing them in two forked
    processes (tried: ``threads: 2`` on the rule) cut a one-figure re-run from
    17 to 15-18 s but made the cold run of all studies slower (66-74 s -> 80-88
    s: the job then holds both cores, and each child loads its fonts again).
    """
    out = Path(out)
    if sources.analysis_set is not None:  # every figure's columns first: one run names them all
        problems = [f"{where}: figure {spec['id']!r}: {problem}" for spec in specs for problem in analysis_set_problems(spec, sources.analysis_set.columns)]
        if problems:
            raise StudyConfigError("\n".join(problems))
    lines = []
    declared = declared or {spec["id"]: spec for spec in specs}  # the study's figures: a multi-panel figure draws its panels' specs
    for spec in specs:
        printed = Printed()
        try:
            with label_lookups() as lookups:
                figure, drawn = draw_figure(sources, spec, printed, declared)
            problems = unknown_label_keys(spec, lookups)  # a label of a level the figure does not draw
            if problems:
                plt.close(figure)
                raise ValueError("; ".join(problems))
        except (KeyError, ValueError) as err:
            raise StudyConfigError(f"{where}: figure {spec['id']!r}: {err}") from None
        texts = drawn_texts(figure)
        signs = ascii_signs(texts)
        if signs:
            plt.close(figure)
            raise StudyConfigError(f"{where}: figure {spec['id']!r} draws ASCII signs: " + "; ".join(signs))
        try:
            save_figure(figure, out / spec["id"], family=spec.get("font_family", FONT_FAMILY), tiff_resolution=tiff_dpi(spec))
        except ValueError as err:
            raise StudyConfigError(f"{where}: figure {spec['id']!r}: {err}") from None
        for name, table in drawn.items():
            write_table(table, out / f"{spec['id']}_{name}.csv")
        write_table(printed.frame(), out / f"{spec['id']}_numbers.csv")
        write_table(texts, out / f"{spec['id']}_texts.csv")
        lines.append(f"{spec['id']}: {spec['type']}")
    return lines
