"""``baseline``: Table 1 / Table 2 from a ``baseline_table`` analysis.

A row per variable level (a continuous variable: one row, median (range),
median (IQR) or mean (SD)), a column per group (``Total`` first unless
``options: {total: false}``), then ``p`` and ``Test`` on the first row of each
variable (on each level of a multi-valued variable). Labels come from the
spec (``labels``, ``level_labels``, ``group_labels``); ``options`` sets the
decimals (``decimals`` per variable, ``continuous_decimals``,
``percent_decimals``, ``p_decimals``). The tidy table carries each cell's
numbers and, per test, its statistic and Fisher's conditional odds ratio.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from her2cohort.errors import did_you_mean
from her2cohort.numbers import DASH, Printed
from her2cohort.render.labels import label, short_test, statistic_text
from her2cohort.results import Results

CELL_COLUMNS = ("n", "denominator", "percent", "n_missing", "median", "q1", "q3", "minimum", "maximum", "mean", "sd")


def baseline(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 1 / Table 2 layout from a ``baseline_table`` analysis; see the module docstring."""
    return baseline_from(results.table(spec["from"]), spec, printed)


def baseline_from(tidy: pd.DataFrame, spec: Mapping, printed: Printed, counts_only: Any = None, computed: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The layout of a ``baseline_table`` frame; ``counts_only``: a group whose categorical cells print n alone;
    ``computed``: how the frame's cells were computed from the analysis, if they were (recorded with each number)."""
    options = spec.get("options", {})
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
                    else:
                        row[heading] = printed("median_range", cell["median"], cell["minimum"], cell["maximum"], decimals=decimals, **at)
                elif counts_only is not None and group == counts_only:
                    row[heading] = printed("count", cell["n"], **at)
                else:
                    row[heading] = printed("n_percent", cell["n"], cell["percent"], decimals=int(options.get("percent_decimals", 1)), **at)
                tidy_rows.append({"variable": variable, "characteristic": name, "level": level, "group": group, **{k: cell.get(k) for k in CELL_COLUMNS}})
            show_p = not level_test.empty and (position == 0 or kind == "multi")
            if show_p:
                first = level_test.iloc[0]
                where = f"row {len(rows) + 1}, p"
                row["p"] = printed("p_value", first["p_value"], decimals=int(options.get("p_decimals", 3)), source=f"{spec['from']} / test of {variable}", where=where)
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
    return pd.DataFrame(rows).fillna(""), pd.DataFrame(tidy_rows)
