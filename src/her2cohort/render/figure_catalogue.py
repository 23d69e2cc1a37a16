"""Figures a study declares (``figures:`` in config/studies/{study}.yaml), by type.

Each type takes a :class:`Sources` (the study's analysis results, analysis set,
flow and treatment lines) and the figure's spec, and returns the figure and the
data tables drawn in it (written beside the figure as CSV, e.g. the numbers at
risk of a Kaplan-Meier plot), so that every drawn number can be read.

Types: ``km`` (Kaplan-Meier with numbers at risk, censoring marks, medians,
log-rank p and HR; ``kmunicate`` and ``bands`` options), ``paired`` (before /
after lines per patient, medians, paired-test p), ``roc`` (ROC curves with the
Youden cutoff marked), ``forest`` (ratios with CIs on a log axis), ``swimmer``
(treatment lines, :mod:`her2cohort.render.swimmer`), ``transitions`` (shift heat
map and alluvial chart, :mod:`her2cohort.render.transitions`), ``waterfall`` and
``dot_plot`` (depth of response, :mod:`her2cohort.render.waterfall`),
``count_scatter`` (survival against a count, :mod:`her2cohort.render.count_scatter`),
``alluvial`` (:mod:`her2cohort.render.alluvial`), ``flow`` (CONSORT flow diagram,
:mod:`her2cohort.render.flow_diagram`), ``grouped_bar`` (:mod:`her2cohort.render.grouped_bar`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from her2cohort.render.charts import forest_figure, paired_figure, roc_figure, width_of
from her2cohort.render.figures import km_figure
from her2cohort.render.swimmer import swimmer
from her2cohort.render.transitions import transitions
from her2cohort.render.waterfall import dot_plot, waterfall
from her2cohort.render.count_scatter import count_scatter
from her2cohort.render.alluvial import alluvial
from her2cohort.render.flow_diagram import flow
from her2cohort.render.grouped_bar import grouped_bar
from her2cohort.numbers import estimate_ci as format_estimate_ci, p_value as format_p


@dataclass
class Sources:
    read: Callable[[str], pd.DataFrame]
    analysis_set: pd.DataFrame
    flow: pd.DataFrame | None = None
    treatment_lines: pd.DataFrame | None = None


def _p_text(p: float, prefix: str = "p") -> str:
    text = format_p(p)
    return f"{prefix} {text}" if text.startswith("<") else f"{prefix} = {text}"


def _one(table: pd.DataFrame, **where) -> pd.Series:
    rows = table
    for column, value in where.items():
        rows = rows[rows[column].astype(str) == str(value)]
    if len(rows) != 1:
        raise ValueError(f"{len(rows)} rows match {where}; expected one")
    return rows.iloc[0]


def km(sources: Sources, spec: Mapping):
    from her2cohort.stats.kaplan_meier import numbers_at_risk

    fit = sources.read(spec["from"])
    if spec.get("group_levels"):  # draw (and colour) the groups in the declared order
        order = {str(level): position for position, level in enumerate(spec["group_levels"])}
        fit = fit.assign(_order=fit["group"].astype(str).map(order)).sort_values(["_order", "time"], kind="stable").drop(columns="_order")
    times = list(spec["times"])
    at_risk = numbers_at_risk(fit, times)
    labels = spec.get("group_labels", {})
    lines = []
    if "medians" in spec:
        medians = sources.read(spec["medians"])
        decimals = int(spec.get("median_decimals", 1))
        for row in medians.itertuples():
            name = labels.get(row.group, row.group) if hasattr(row, "group") and row.group != "all" else "All"
            lines.append(f"{name}: median {format_estimate_ci(row.estimate, row.conf_low, row.conf_high, decimals, na_estimate='NR')}")
    if "logrank" in spec:
        lines.append(_p_text(_one(sources.read(spec["logrank"]), term="logrank")["p_value"], "Log-rank p"))
    if "cox" in spec:
        cox = sources.read(spec["cox"])
        row = _one(cox, row_kind="coefficient", **spec.get("cox_row", {}))
        lines.append(f"HR {format_estimate_ci(row['estimate'], row['conf_low'], row['conf_high'], 2)}, {_p_text(row['p_value'])}")
    figure = km_figure(
        fit.drop(columns=[c for c in ("analysis", "type") if c in fit.columns]),
        at_risk,
        xlabel=spec.get("xlabel", "Months"),
        ylabel=spec.get("ylabel", "Survival probability"),
        title=spec.get("title", ""),
        annotation="\n".join(lines),
        annotation_loc=spec.get("annotation_loc", "upper right"),
        group_labels=labels,
        width=width_of(spec.get("width")),
        bands=bool(spec.get("bands", False)),
        kmunicate=bool(spec.get("kmunicate", False)),
    )
    return figure, {"at_risk": at_risk}


def paired(sources: Sources, spec: Mapping):
    p_values = {}
    for level, analysis in (spec.get("tests") or {}).items():
        test = sources.read(analysis).iloc[0]
        p_values[level] = f"{test['method'].split(' test')[0]}: {_p_text(test['p_value'])}"
    data = sources.analysis_set
    if spec.get("where"):
        data = data.query(spec["where"], engine="python")
    figure = paired_figure(
        data,
        spec["before"],
        spec["after"],
        group=spec.get("group"),
        group_levels=spec.get("group_levels"),
        group_labels=spec.get("group_labels"),
        p_values=p_values,
        labels=spec.get("labels", ("Before", "After")),
        ylabel=spec.get("ylabel", ""),
        width=width_of(spec.get("width", "two_columns")),
        ylim=spec.get("ylim"),
    )
    drawn = data[[c for c in [spec.get("group"), spec["before"], spec["after"]] if c]].dropna().reset_index(drop=True)
    return figure, {"pairs": drawn}


def roc(sources: Sources, spec: Mapping):
    panels, drawn = [], []
    for panel in spec["panels"]:
        curve = sources.read(panel["curve"])
        summary = sources.read(panel["cutoff"])
        auc = _one(summary, term="auc")
        best = summary[summary["term"].isna() | (summary["term"].astype(str) == "nan")] if "term" in summary else summary
        best = best[best["threshold"].notna()].iloc[0]
        panels.append({
            "curve": curve,
            "cutoff": best,
            "cutoff_label": f"{best['positive_if']}: sens {100 * best['sensitivity']:.1f}%, spec {100 * best['specificity']:.1f}%",
            "auc": f"AUC {format_estimate_ci(auc['estimate'], auc['conf_low'], auc['conf_high'], 3)}",
            "title": panel.get("title", ""),
        })
        drawn.append(curve.assign(panel=panel.get("title", panel["curve"])))
    figure = roc_figure(panels, width=width_of(spec.get("width", "two_columns")))
    return figure, {"curves": pd.concat(drawn, ignore_index=True)}


def forest(sources: Sources, spec: Mapping):
    rows = []
    for item in spec["rows"]:
        record = _one(sources.read(item["from"]), **item.get("row", {"row_kind": "coefficient"}))
        rows.append({
            "label": item["label"],
            "estimate": float(record["estimate"]),
            "conf_low": float(record["conf_low"]),
            "conf_high": float(record["conf_high"]),
            "p_value": float(record["p_value"]),
            "text": f"{format_estimate_ci(record['estimate'], record['conf_low'], record['conf_high'], 2)}  {_p_text(record['p_value'])}",
        })
    table = pd.DataFrame(rows)
    figure = forest_figure(table, xlabel=spec.get("xlabel", "Hazard ratio (95% CI)"), width=width_of(spec.get("width", "two_columns")))
    return figure, {"estimates": table}


FIGURES: dict[str, Callable] = {"km": km, "paired": paired, "roc": roc, "forest": forest, "swimmer": swimmer, "transitions": transitions, "waterfall": waterfall, "dot_plot": dot_plot, "count_scatter": count_scatter, "alluvial": alluvial, "flow": flow, "grouped_bar": grouped_bar}


def draw_figures(sources: Sources, specs: list[Mapping], out, where: str) -> list[str]:
    """Draw each spec of ``specs`` and write it under ``out`` (PDF, SVG, PNG and
    the drawn data as ``{id}_{name}.csv``); return a log line per figure. A spec
    that does not fit its data is an error naming ``where`` (the study file) and
    the figure.

    One process for all of a study's figures: drawing them in two forked
    processes (tried: ``threads: 2`` on the rule) cut a one-figure re-run from
    17 to 15-18 s but made the cold run of all studies slower (66-74 s -> 80-88
    s: the job then holds both cores, and each child loads its fonts again).
    """
    from her2cohort.errors import StudyConfigError
    from her2cohort.io import write_table
    from her2cohort.render.figures import save_figure

    out = Path(out)
    lines = []
    for spec in specs:
        try:
            figure, drawn = FIGURES[spec["type"]](sources, spec)
        except (KeyError, ValueError) as err:
            raise StudyConfigError(f"{where}: figure {spec['id']!r}: {err}") from None
        save_figure(figure, out / spec["id"])
        for name, table in drawn.items():
            write_table(table, out / f"{spec['id']}_{name}.csv")
        lines.append(f"{spec['id']}: {spec['type']}")
    return lines
