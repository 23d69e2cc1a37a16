"""``meta_forest``: the forest plot of a meta-analysis of proportions (a ``meta_analysis`` result).

One row per study: a square at its proportion, sized by its weight in the
random-effects model, and its 95% CI (the Wald interval of the logit,
back-transformed, as ``metafor::forest(fit, transf = transf.ilogit)``); then
the pooled proportion as a diamond spanning its CI, and the prediction interval
as a line beneath it (metafor's ``addpred``). On the right, each row's events /
n, proportion (CI) in percent and weight; beneath, tau², I², Q and its p.

Spec: ``from`` (a ``meta_analysis`` analysis), ``variant`` (one of its
variants, e.g. DL or Hartung-Knapp, instead of the declared analysis),
``xlabel``, ``title``, ``decimals`` (of the percentages, default 1), ``width``.
Every number is printed through :class:`her2cohort.numbers.Printed`. The
drawn data are the rows with their printed text.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter

from her2cohort.numbers import Printed
from her2cohort.render.figures.sources import Sources, cell
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of

_METHOD = {("REML", "z"): "REML", ("DL", "z"): "DerSimonian-Laird", ("REML", "knha"): "REML, Hartung-Knapp", ("DL", "knha"): "DerSimonian-Laird, Hartung-Knapp"}


#: The header of the text columns, aligned with each row's text (a monospaced font).
def _columns(counts: str, estimate: str, weight: str) -> str:
    """The three text columns of a row, padded to line up in a monospaced font."""
    return f"{counts.rjust(7)}  {estimate.ljust(18)} {weight.rjust(6)}"


HEADER = _columns("n/N", "% (95% CI)", "Weight")
_MONO = "DejaVu Sans Mono"


def meta_forest_figure(rows: pd.DataFrame, footer: str, *, xlabel: str, title: str | None = None, width: float = TWO_COLUMNS):
    """Draw ``rows`` (label, kind in study / pooled / prediction, estimate, conf_low,
    conf_high, weight, text; proportions in percent) as a forest plot with ``footer``."""
    with plt.rc_context(STYLE):
        n = len(rows)
        figure, axis = plt.subplots(figsize=(width, 0.27 * n + 1.0))
        positions = list(range(n - 1, -1, -1))
        weights = rows.loc[rows["kind"] == "study", "weight"]
        biggest = float(weights.max()) if len(weights) and np.isfinite(weights.max()) else 100.0
        for y, row in zip(positions, rows.itertuples()):
            if row.kind == "study":
                axis.plot([row.conf_low, row.conf_high], [y, y], color="black", linewidth=0.9)
                size = 3 + 5 * np.sqrt(max(row.weight, 0) / biggest)
                axis.plot([row.estimate], [y], marker="s", color=PALETTE[0], markersize=size, linestyle="none")
            elif row.kind == "pooled":
                diamond = [(row.conf_low, y), (row.estimate, y + 0.3), (row.conf_high, y), (row.estimate, y - 0.3)]
                axis.add_patch(Polygon(diamond, closed=True, facecolor=PALETTE[1], edgecolor="black", linewidth=0.6))
                axis.axvline(row.estimate, color="grey", linewidth=0.6, linestyle=":", zorder=0)
            else:  # the prediction interval
                axis.plot([row.conf_low, row.conf_high], [y, y], color=PALETTE[1], linewidth=1.2, linestyle="--")
        axis.axhline(positions[rows["kind"].tolist().index("pooled")] + 0.6, color="black", linewidth=0.4)
        axis.set_xlim(0, 100)
        ticks = [0, 20, 40, 60, 80, 100]
        axis.xaxis.set_major_locator(FixedLocator(ticks))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # axis scale: ticks, not results
        axis.set_ylim(-0.7, n + 0.2)
        axis.set_yticks(positions, list(rows["label"]))
        axis.set_xlabel(xlabel)
        axis.spines[["left"]].set_visible(False)
        axis.tick_params(axis="y", length=0)
        right = axis.secondary_yaxis("right")
        right.set_yticks(positions, list(rows["text"]))
        right.tick_params(length=0)
        right.spines["right"].set_visible(False)
        for label in right.get_yticklabels():
            label.set_fontfamily(_MONO)
        pad = plt.rcParams["ytick.major.pad"]  # where the tick labels of the right axis start
        axis.annotate(HEADER, xy=(1, n - 0.25), xycoords=("axes fraction", "data"), xytext=(pad, 0), textcoords="offset points",
                      ha="left", va="center", fontsize=plt.rcParams["ytick.labelsize"], fontfamily=_MONO, fontweight="bold", annotation_clip=False)
        if title:
            axis.set_title(title, loc="left")
        figure.text(0.01, 0.005, footer, fontsize=6.5, ha="left", va="bottom")
        figure.tight_layout(rect=(0, 0.05, 0.985, 1))  # the monospaced right column ends at the edge
    return figure


def meta_forest(sources: Sources, spec: Mapping, printed: Printed):
    """The ``meta_forest`` figure type (see the module docstring)."""
    analysis, variant = spec["from"], spec.get("variant")
    table = sources.results.table(analysis, variant)
    if "row_kind" not in table.columns or not (table["row_kind"] == "pooled").any():
        raise ValueError(f"{analysis!r} is not a meta_analysis result (no pooled row)")
    decimals = int(spec.get("decimals", 1))
    name = analysis + (f"--{variant}" if variant else "")
    pooled = sources.results.row(analysis, {"row_kind": "pooled"}, variant)
    prediction = sources.results.row(analysis, {"row_kind": "prediction"}, variant)

    def ci_text(record, where, at):
        source = cell(name, where, "estimate, conf_low, conf_high") + " x 100"
        return printed("estimate_ci", 100 * record["estimate"], 100 * record["conf_low"], 100 * record["conf_high"], decimals=decimals, source=source, where=at)

    rows = []
    for _, study in table[table["row_kind"] == "study"].iterrows():
        at = f"row {study['term']!r}"
        where = {"row_kind": "study", "term": study["term"]}
        counts = f"{printed('count', study['events'], source=cell(name, where, 'events'), where=at)}/{printed('count', study['n'], source=cell(name, where, 'n'), where=at)}"
        weight = printed("number", study["weight"], decimals=1, source=cell(name, where, "weight"), where=at)
        rows.append({
            "label": study["term"], "kind": "study", "estimate": 100 * float(study["estimate"]),
            "conf_low": 100 * float(study["conf_low"]), "conf_high": 100 * float(study["conf_high"]), "weight": float(study["weight"]),
            "text": _columns(counts, ci_text(study, where, at), weight + "%"),
        })
    method = _METHOD.get((pooled["tau2_method"], pooled["test"]), f"{pooled['tau2_method']}, {pooled['test']}")
    counts = f"{printed('count', pooled['events'], source=cell(name, {'row_kind': 'pooled'}, 'events'), where='pooled')}/{printed('count', pooled['n'], source=cell(name, {'row_kind': 'pooled'}, 'n'), where='pooled')}"
    rows.append({
        "label": f"Random effects ({method})", "kind": "pooled", "estimate": 100 * float(pooled["estimate"]),
        "conf_low": 100 * float(pooled["conf_low"]), "conf_high": 100 * float(pooled["conf_high"]), "weight": 100.0,
        "text": _columns(counts, ci_text(pooled, {"row_kind": "pooled"}, "pooled"), "100%"),
    })
    interval = printed("interval", 100 * prediction["conf_low"], 100 * prediction["conf_high"], decimals=decimals, source=cell(name, {"row_kind": "prediction"}, "conf_low, conf_high") + " x 100", where="prediction interval")
    rows.append({
        "label": "Prediction interval", "kind": "prediction", "estimate": 100 * float(prediction["estimate"]),
        "conf_low": 100 * float(prediction["conf_low"]), "conf_high": 100 * float(prediction["conf_high"]), "weight": np.nan,
        "text": _columns("", f"({interval})", "").rstrip(),
    })

    def stat(term, column, decimals):
        value = sources.results.value(analysis, column, {"term": term}, variant)
        return printed("number", value, decimals=decimals, source=cell(name, {"term": term}, column), where="footer")

    k = int(pooled["k"])
    footer = (
        f"{printed('count', k, source=cell(name, {'row_kind': 'pooled'}, 'k'), where='footer')} studies. Heterogeneity: τ² = {stat('tau2', 'estimate', 3)}, I² = {stat('I2', 'estimate', 1)}%, "
        f"Q = {stat('Q', 'statistic', 2)} (df = {printed('count', k - 1, where='footer', source='computed: k - 1')}), "
        f"{printed('p_phrase', sources.results.value(analysis, 'p_value', {'term': 'Q'}, variant), source=cell(name, {'term': 'Q'}, 'p_value'), where='footer')}."
    )
    frame = pd.DataFrame(rows)
    figure = meta_forest_figure(
        frame, footer, xlabel=spec.get("xlabel", "Proportion (%)"), title=spec.get("title"), width=width_of(spec.get("width", "two_columns"))
    )
    return figure, {"rows": frame}
