"""``baseline``: Table 1 / Table 2 from a ``baseline_table`` analysis.

A row per variable level (a continuous variable: one row, median (range),
median (IQR) or mean (SD)), a column per group (``Total`` first unless
``options: {total: false}``), then ``p`` and ``Test`` on the first row of each
variable (on each level of a multi-valued variable). Labels come from the
spec (``labels``, ``level_labels``, ``group_labels``); ``options`` sets the
decimals (``decimals`` per variable, ``continuous_decimals``,
``percent_decimals``, ``p_decimals``; defaults from the journal style). A
continuous variable of whole numbers (age in years) prints its median with
at most one decimal and no trailing zero and its range as whole numbers
("68 (35–86)", "62.5 (38–74)", as the papers print them). Each variable's
name carries what its cells hold ("Age (years), median (range)", "Sex, n (%)";
``statistic_label: none`` leaves it off); each group's size is recorded for
its heading ("n = 34"). The tidy table carries each cell's
numbers and, per test, its statistic and Fisher's conditional odds ratio.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from her2cohort.errors import did_you_mean
from her2cohort.numbers import DASH, Printed
from her2cohort.render.labels import label, short_test, statistic_text
from her2cohort.results import Results

#: What a baseline row's cells hold, by the continuous style (``options.continuous``).
CONTINUOUS_LABELS = {"median_range": "median (range)", "median_iqr": "median (IQR)", "mean_sd": "mean (SD)"}

CELL_COLUMNS = ("n", "denominator", "percent", "n_missing", "median", "q1", "q3", "minimum", "maximum", "mean", "sd")


def baseline(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 1 / Table 2 layout from a ``baseline_table`` analysis; see the module docstring."""
    return baseline_from(results.table(spec["from"]), spec, printed)


def group_sizes(tidy: pd.DataFrame) -> dict[str, int]:
    """The patients of each group of a ``baseline_table`` frame (its "n = 34" heading): the
    largest count of any variable's block, known and missing values together (every
    block counts all patients of the group; a missing-value level counts in the denominator)."""
    summary = tidy[tidy["row_type"] == "summary"]
    sizes: dict[str, int] = {}
    for record in summary.to_dict("records"):
        missing = 0 if pd.isna(record.get("n_missing")) else int(record["n_missing"])
        if record["kind"] == "continuous":
            size = int(record["n"]) + missing
        elif record["kind"] == "multi":
            size = int(record["denominator"])
        else:
            size = (0 if pd.isna(record.get("denominator")) else int(record["denominator"])) + missing
        sizes[str(record["group"])] = max(sizes.get(str(record["group"]), 0), size)
    return sizes


def _whole_numbers(block: pd.DataFrame) -> bool:
    """The variable's data are whole numbers (ages in years): every minimum and maximum is,
    and every median is a whole or a half (a median of an even count)."""
    values = block[["minimum", "maximum"]].dropna().to_numpy().ravel()
    medians = block["median"].dropna().to_numpy()
    return len(values) > 0 and all(float(v).is_integer() for v in values) and all(float(2 * m).is_integer() for m in medians)


def baseline_from(tidy: pd.DataFrame, spec: Mapping, printed: Printed, counts_only: Any = None, computed: str = "", sizes: Mapping | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The layout of a ``baseline_table`` frame; ``counts_only``: a group whose categorical cells print n alone;
    ``computed``: how the frame's cells were computed from the analysis, if they were (recorded with each number);
    ``sizes``: the patients of each group (default :func:`group_sizes` of ``tidy``), printed under its heading."""
    options = spec.get("options", {})
    statistic_label = spec.get("statistic_label", "none" if counts_only is not None else "row")
    labels, level_labels, group_labels = spec.get("labels"), spec.get("level_labels", {}), spec.get("group_labels")
    decimals_of = options.get("decimals", {})
    summary = tidy[tidy["row_type"] == "summary"]
    tests = tidy[tidy["row_type"] == "test"]
    groups = list(dict.fromkeys(summary["group"]))
    variables = list(dict.fromkeys(summary["variable"]))
    unknown = [v for v in level_labels if v not in variables]
    if unknown:  # a typo in a variable's name would leave its levels unlabelled without a word
        raise ValueError("; ".join(f"level_labels: {v!r} is not a variable of {spec['from']!r}: {did_you_mean(v, variables, 'its variables')}" for v in unknown))
    if not options.get("total", True) and len(groups) > 1:
        groups = [g for g in groups if g != "Total"]
    rows, tidy_rows = [], []
    for variable in dict.fromkeys(summary["variable"]):
        block = summary[summary["variable"] == variable]
        kind = block["kind"].iloc[0]
        name = label(labels, variable, block["label"].iloc[0])
        if statistic_label == "row":  # what the cells hold, after the variable's name: "Age (years), median (range)"
            name = f"{name}, {CONTINUOUS_LABELS[options.get('continuous', 'median_range')] if kind == 'continuous' else 'n (%)'}"
        whole = kind == "continuous" and options.get("continuous", "median_range") == "median_range" and _whole_numbers(block)
        levels = [None] if kind == "continuous" else list(dict.fromkeys(block["level"]))
        test = tests[tests["variable"] == variable]
        for position, level in enumerate(levels):
            level_test = test[test["level"].astype(str) == str(level)] if kind == "multi" else test
            row = {"Characteristic": name if position == 0 else "", "Level": "" if level is None else label(level_labels.get(variable), level)}
            source = ("computed from " if computed else "") + f"{spec['from']} / {{variable: {variable}" + ("" if level is None else f", level: {level}") + "}"
            for group in groups:
                cell = block[(block["group"] == group) & (True if level is None else block["level"] == level)]
                heading = label(group_labels, group)
                where = f"row {len(rows) + 1}, {heading}"
                if cell.empty:
                    row[heading] = DASH
                    continue
                cell = cell.iloc[0]
                at = dict(source=f"{source[:-1]}, group: {group}}}" + (f" ({computed})" if computed else ""), where=where)
                if kind == "continuous":
                    decimals = int(decimals_of.get(variable, options.get("continuous_decimals", 0)))
                    style = options.get("continuous", "median_range")
                    if style == "mean_sd":
                        row[heading] = f"{printed('number', cell['mean'], decimals=decimals + 1, **at)} ({printed('number', cell['sd'], decimals=decimals + 1, **at)})"
                    elif style == "median_iqr":
                        row[heading] = printed("median_range", cell["median"], cell["q1"], cell["q3"], decimals=decimals, **at)
                    elif whole:  # as the papers print whole numbers: 68 (35–86), 62.5 (38–74)
                        row[heading] = printed("median_range", cell["median"], cell["minimum"], cell["maximum"], decimals=max(decimals, 1), whole=True, **at)
                    else:
                        row[heading] = printed("median_range", cell["median"], cell["minimum"], cell["maximum"], decimals=decimals, **at)
                elif counts_only is not None and group == counts_only:
                    row[heading] = printed("count", cell["n"], **at)
                else:
                    row[heading] = printed("n_percent", cell["n"], cell["percent"], decimals=int(options.get("percent_decimals", printed.style.percent_decimals)), **at)
                tidy_rows.append({"variable": variable, "characteristic": name, "level": level, "group": group, **{k: cell.get(k) for k in CELL_COLUMNS}})
            show_p = not level_test.empty and (position == 0 or kind == "multi")
            if show_p:
                first = level_test.iloc[0]
                where = f"row {len(rows) + 1}, p"
                row["p"] = printed("p_value", first["p_value"], decimals=int(options.get("p_decimals", printed.style.p_decimals)), source=f"{spec['from']} / test of {variable}", where=where)
                row["Test"] = short_test(first["method"])
                fisher = "Fisher" in str(first["method"])
                tidy_rows.append({
                    "variable": variable, "characteristic": name, "level": level if kind == "multi" else None, "group": "test",
                    "p_value": first["p_value"], "test": first["method"], "statistic_name": first.get("statistic_name"),
                    "statistic": first.get("statistic"), "df": first.get("df"),
                    "odds_ratio": first["estimate"] if fisher else None,
                    "odds_ratio_conf_low": first["conf_low"] if fisher else None,
                    "odds_ratio_conf_high": first["conf_high"] if fisher else None,
                    "statistic_text": statistic_text(first, Printed()), "convention": first.get("convention"),
                })
            elif not test.empty:
                row["p"], row["Test"] = "", ""
            rows.append(row)
    display = pd.DataFrame(rows).fillna("")
    sizes = group_sizes(tidy) if sizes is None else sizes
    display.attrs = {
        "group_n": {label(group_labels, g): sizes[str(g)] for g in groups if str(g) in sizes},
        "group_columns": [label(group_labels, g) for g in groups if str(g) != "Total"],  # under ``group_heading``
        "label_columns": 2,
    }
    return display, pd.DataFrame(tidy_rows)
