"""Manuscript figure types, registered by name (``type:`` of a figure in config/studies/{study}.yaml).

Every type is a function ``(sources, spec, printed) -> (figure, drawn)``:
``sources`` (:class:`her2cohort.render.figures.sources.Sources`) holds the
study's analysis results (:class:`her2cohort.results.Results`), analysis set,
flow and treatment lines, ``spec`` the figure's declaration, ``printed``
(:class:`her2cohort.numbers.Printed`) formats and records every number the
figure draws; ``figure`` is a matplotlib figure in the house style
(:mod:`her2cohort.render.style`) and ``drawn`` the data tables drawn in it
(name -> DataFrame). One module per type, holding its spec handling and its
drawing; :mod:`her2cohort.render.figures.draw` writes the files. This file only
registers them.
"""

from __future__ import annotations

from her2cohort.render.figures.alluvial import alluvial
from her2cohort.render.figures.count_scatter import count_scatter
from her2cohort.render.figures.dot_plot import dot_plot
from her2cohort.render.figures.flow import flow
from her2cohort.render.figures.forest import forest
from her2cohort.render.figures.grouped_bar import grouped_bar
from her2cohort.render.figures.km import km
from her2cohort.render.figures.meta_forest import meta_forest
from her2cohort.render.figures.paired import paired
from her2cohort.render.figures.roc import roc
from her2cohort.render.figures.swimmer import swimmer
from her2cohort.render.figures.transitions import transitions
from her2cohort.render.figures.waterfall import waterfall

FIGURES = {
    "alluvial": alluvial,
    "count_scatter": count_scatter,
    "dot_plot": dot_plot,
    "flow": flow,
    "forest": forest,
    "grouped_bar": grouped_bar,
    "km": km,
    "paired": paired,
    "roc": roc,
    "swimmer": swimmer,
    "transitions": transitions,
    "waterfall": waterfall,
}

#: Every figure type a study can declare: those above, and ``multi_panel`` (declared
#: figures of the study drawn as the panels of one; :mod:`.multi_panel`, drawn by
#: :func:`her2cohort.render.figures.draw.draw_figure`).
STUDY_FIGURE_TYPES = tuple(sorted((*FIGURES, "multi_panel")))

#: Figures of results pooled across studies (config/meta/*.yaml, her2cohort.literature),
#: not declarable in a study file.
CROSS_STUDY_FIGURES = {"meta_forest": meta_forest}
