"""``forest``: ratios with their CIs on a log axis, the printed estimate and p beside each row.

Spec: ``rows`` [{``label``, ``from`` (an analysis), ``row`` (which of its rows,
default ``{row_kind: coefficient}``)}], ``xlabel``, ``width``. The drawn data
are the estimates with their printed text.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of


def forest_figure(rows: pd.DataFrame, *, xlabel: str = "Hazard ratio (95% CI)", width: float = TWO_COLUMNS, reference: float = 1.0):
    """A forest plot of ratios on a log axis: ``rows`` has label, estimate, conf_low,
    conf_high and text (the printed "HR (CI)  p"); infinite or NA limits are drawn
    as arrows to the axis edge."""
    with plt.rc_context(STYLE):
        height = 0.25 * len(rows) + 0.7
        figure, axis = plt.subplots(figsize=(width, height))
        finite = pd.concat([rows["conf_low"], rows["conf_high"], rows["estimate"]]).replace([np.inf, -np.inf], np.nan).dropna()
        finite = finite[finite > 0]
        low, high = (float(finite.min()) / 1.5, float(finite.max()) * 1.5) if len(finite) else (0.1, 10.0)
        low, high = min(low, reference / 1.5), max(high, reference * 1.5)
        for position, row in enumerate(rows.itertuples()):
            y = len(rows) - 1 - position
            lo = row.conf_low if np.isfinite(row.conf_low) and row.conf_low > 0 else low
            hi = row.conf_high if np.isfinite(row.conf_high) else high
            axis.plot([lo, hi], [y, y], color="black", linewidth=0.9)
            if np.isfinite(row.estimate) and row.estimate > 0:
                axis.plot([row.estimate], [y], marker="s", color=PALETTE[0], markersize=4)
        axis.axvline(reference, color="grey", linewidth=0.6, linestyle="--")
        axis.set_xscale("log")
        axis.set_xlim(low, high)
        # ratios printed as journals do (0.2, 0.5, 1, 2, 5), not matplotlib's 10^-1 / 10^0 (tick labels of the scale)
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= high]
        axis.xaxis.set_major_locator(FixedLocator(ticks))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # axis scale: ticks, not results
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_ylim(-0.7, len(rows) - 0.3)
        axis.set_yticks(range(len(rows) - 1, -1, -1), list(rows["label"]))
        axis.set_xlabel(xlabel)
        axis.spines[["left"]].set_visible(False)
        axis.tick_params(axis="y", length=0)
        right = axis.secondary_yaxis("right")
        right.set_yticks(range(len(rows) - 1, -1, -1), list(rows["text"]))
        right.tick_params(length=0)
        right.spines["right"].set_visible(False)
        figure.tight_layout()
    return figure


def forest(sources: Sources, spec: Mapping, printed: Printed):
    """The ``forest`` figure type (see the module docstring)."""
    rows = []
    for item in spec["rows"]:
        where = item.get("row", {"row_kind": "coefficient"})
        record = sources.results.row(item["from"], where)
        at = dict(source=cell(item["from"], where), where=f"row {item['label']!r}")
        estimate = printed("estimate_ci", record["estimate"], record["conf_low"], record["conf_high"], decimals=2, **at)
        rows.append({
            "label": item["label"],
            "estimate": float(record["estimate"]),
            "conf_low": float(record["conf_low"]),
            "conf_high": float(record["conf_high"]),
            "p_value": float(record["p_value"]),
            "text": f"{estimate}  {printed('p_phrase', record['p_value'], **at)}",
        })
    table = pd.DataFrame(rows)
    figure = forest_figure(table, xlabel=spec.get("xlabel", "Hazard ratio (95% CI)"), width=width_of(spec.get("width", "two_columns")))
    return figure, {"estimates": table}
