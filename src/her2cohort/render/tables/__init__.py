"""Manuscript table layouts, registered by name (``layout:`` of a table in config/studies/{study}.yaml).

Every layout is a function ``(results, spec, printed) -> (display, tidy)``:
``results`` (:class:`her2cohort.results.Results`) is the study's analysis
results, ``spec`` the table's declaration, ``printed``
(:class:`her2cohort.numbers.Printed`) formats and records every number the
table prints. ``display`` holds strings as a journal prints them (for
Markdown, LaTeX, Word, HTML: :mod:`her2cohort.render.export`), ``tidy`` the
same numbers at full precision with the test used and its statistic beside
each p. One module per layout; this file registers them, and
:func:`render_table` draws one with its label keys checked.
"""

from __future__ import annotations

from her2cohort.render.tables.baseline import baseline
from her2cohort.render.tables.baseline_row_percent import baseline_row_percent
from her2cohort.render.tables.estimates import estimates
from her2cohort.render.tables.hazard_ratios import hazard_ratios
from her2cohort.render.tables.listing import listing
from her2cohort.render.tables.shift import shift
from her2cohort.render.tables.shift_matrix import shift_matrix
from her2cohort.render.tables.tests import tests

LAYOUTS = {
    "baseline": baseline,
    "baseline_row_percent": baseline_row_percent,
    "estimates": estimates,
    "hazard_ratios": hazard_ratios,
    "listing": listing,
    "shift": shift,
    "shift_matrix": shift_matrix,
    "tests": tests,
}


def render_table(results, spec, printed):
    """``LAYOUTS[spec["layout"]](results, spec, printed)``; a label of a level the
    table does not print (a typo in ``labels``, ``level_labels``, ``group_labels``)
    is a ValueError naming it, with the nearest level
    (:func:`her2cohort.render.labels.unknown_label_keys`)."""
    from her2cohort.render.labels import label_lookups, unknown_label_keys

    with label_lookups() as lookups:
        display, tidy = LAYOUTS[spec["layout"]](results, spec, printed)
    problems = unknown_label_keys(spec, lookups)
    if problems:
        raise ValueError("; ".join(problems))
    return display, tidy
