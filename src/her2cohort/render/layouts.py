"""Manuscript table layouts: tidy analysis results -> (display table, tidy table).

A study declares its tables (``tables:`` in config/studies/{study}.yaml); each
names a layout and the analyses it is drawn from. Every layout returns the
display table (strings, as a journal prints it, for Markdown / LaTeX / Word /
HTML) and a tidy table (numbers at full precision, with the test used and its
statistic beside each p, and the conditional odds ratio where Fisher's test
was used), so that a reviewer can see how each printed cell was computed.

Layouts:

``baseline``
    one ``baseline_table`` analysis: a row per variable level, a column per
    group (``Total`` first), then ``p`` and ``Test``;
``shift``
    several ``shift_table`` analyses stacked in blocks, each before-level with
    its n (%) and each after-level with n (% of the before-level), as a
    "before -> after" table prints (the gastric loss study's Table 3);
``estimates``
    chosen rows of any analyses: a label, the estimate with its 95% CI, p and
    the test (hazard ratios, odds ratios, medians, proportions); a row with
    ``interval: range`` prints the estimate with its range instead ("16.2 (range
    2.9–59.2)", from ``min_time`` and ``max_time``: a median follow-up of all
    patients, which has no CI);
``listing``, ``tests``
    rows of one analysis with chosen columns, and paired tests without an
    estimate: :mod:`her2cohort.render.listing`.
``hazard_ratios``
    Cox hazard ratios, covariates by rows and an HR (95% CI) and p column per
    endpoint: :mod:`her2cohort.render.hazard_table`.
``baseline_row_percent``, ``shift_matrix``
    Table 1 with row percentages (:mod:`her2cohort.render.row_percentages`) and
    before x after matrices (:mod:`her2cohort.render.shift_matrix`).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import pandas as pd

from her2cohort.replication.selectors import canonical
from her2cohort.render.tables import DASH, format_estimate_ci, format_n_percent, format_number, format_p
from her2cohort.render.listing import listing, tests_table
from her2cohort.render.hazard_table import hazard_ratios
from her2cohort.render.row_percentages import baseline_row_percent
from her2cohort.render.shift_matrix import shift_matrix

#: statistic symbols as journals print them
STATISTIC_SYMBOLS = {"chi2": "\u03c7\u00b2", "Z": "z", "z": "z", "W": "W", "V": "V", "H": "H", "U": "U"}

Reader = Callable[[str], pd.DataFrame]


def _label(mapping: Mapping | None, key: Any, default: Any = None) -> str:
    """The printed label of a level; keys compare as cells do (2 == "2" == "2.0", True == "true")."""
    for candidate, label in (mapping or {}).items():
        if canonical(candidate) == canonical(key):
            return str(label)
    return str(key if default is None else default)


def _short_test(method: Any) -> str:
    text = "" if method is None or (isinstance(method, float) and math.isnan(method)) else str(method)
    for needle, short in (
        ("Fisher", "Fisher's exact"),
        ("Yates", "\u03c7\u00b2 (Yates)"),
        ("Chi-squared", "\u03c7\u00b2"),
        ("chi-square", "\u03c7\u00b2"),
        ("Kruskal", "Kruskal-Wallis"),
        ("Wilcoxon rank sum", "Mann-Whitney"),
        ("Mann", "Mann-Whitney"),
        ("signed rank", "Wilcoxon signed-rank"),
        ("log-rank", "log-rank"),
        ("Cox", "Cox"),
        ("binomial", "exact binomial"),
        ("logistic", "logistic (Wald)"),
    ):
        if needle in text:
            return short
    return text


def _interval(low: float, high: float, decimals: int) -> str:
    """``25–75``; with a negative limit ``-76.0 to -32.5`` (a dash between minus signs misreads)."""
    text_low, text_high = format_number(low, decimals), format_number(high, decimals)
    negative = any(isinstance(v, (int, float)) and not math.isnan(v) and v < 0 for v in (low, high))
    return f"{text_low} to {text_high}" if negative else f"{text_low}{DASH}{text_high}"


def statistic_text(row: Mapping) -> str:
    """``χ² = 4.16 (df 1)``, ``z = 2.00``, ``OR 1.82`` (Fisher: the conditional MLE)."""
    statistic, name = row.get("statistic"), row.get("statistic_name")
    if statistic is not None and not pd.isna(statistic) and isinstance(name, str) and name not in ("successes",):
        text = f"{STATISTIC_SYMBOLS.get(name, name)} = {float(statistic):.2f}"
        df = row.get("df")
        if df is not None and not pd.isna(df) and name == "chi2":
            text += f" (df {int(df)})"
        return text
    if "Fisher" in str(row.get("method", "")) and row.get("estimate") is not None and not pd.isna(row.get("estimate")):
        return f"OR {format_estimate_ci(row['estimate'], row.get('conf_low'), row.get('conf_high'), 2)}"
    return ""


def baseline(read: Reader, spec: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 1 / Table 2 layout from a ``baseline_table`` analysis."""
    tidy = read(spec["from"])
    options = spec.get("options", {})
    labels, level_labels, group_labels = spec.get("labels"), spec.get("level_labels", {}), spec.get("group_labels")
    decimals_of = options.get("decimals", {})
    summary = tidy[tidy["row_type"] == "summary"]
    tests = tidy[tidy["row_type"] == "test"]
    groups = list(dict.fromkeys(summary["group"]))
    if not options.get("total", True) and len(groups) > 1:
        groups = [g for g in groups if g != "Total"]
    rows, tidy_rows = [], []
    for variable in dict.fromkeys(summary["variable"]):
        block = summary[summary["variable"] == variable]
        kind = block["kind"].iloc[0]
        name = _label(labels, variable, block["label"].iloc[0])
        levels = [None] if kind == "continuous" else list(dict.fromkeys(block["level"]))
        test = tests[tests["variable"] == variable]
        for position, level in enumerate(levels):
            level_test = test[test["level"].astype(str) == str(level)] if kind == "multi" else test
            row = {"Characteristic": name if position == 0 else "", "Level": "" if level is None else _label(level_labels.get(variable), level)}
            for group in groups:
                cell = block[(block["group"] == group) & (True if level is None else block["level"] == level)]
                heading = _label(group_labels, group)
                if cell.empty:
                    row[heading] = DASH
                    continue
                cell = cell.iloc[0]
                if kind == "continuous":
                    decimals = int(decimals_of.get(variable, options.get("continuous_decimals", 0)))
                    style = options.get("continuous", "median_range")
                    if style == "mean_sd":
                        row[heading] = f"{format_number(cell['mean'], decimals + 1)} ({format_number(cell['sd'], decimals + 1)})"
                    elif style == "median_iqr":
                        row[heading] = f"{format_number(cell['median'], decimals)} ({_interval(cell['q1'], cell['q3'], decimals)})"
                    else:
                        row[heading] = f"{format_number(cell['median'], decimals)} ({_interval(cell['minimum'], cell['maximum'], decimals)})"
                else:
                    row[heading] = format_n_percent(cell["n"], cell["percent"], int(options.get("percent_decimals", 1)))
                tidy_rows.append({"variable": variable, "characteristic": name, "level": level, "group": group, **{k: cell.get(k) for k in ("n", "denominator", "percent", "n_missing", "median", "q1", "q3", "minimum", "maximum", "mean", "sd")}})
            show_p = not level_test.empty and (position == 0 or kind == "multi")
            if show_p:
                first = level_test.iloc[0]
                row["p"] = format_p(first["p_value"], int(options.get("p_decimals", 3)))
                row["Test"] = _short_test(first["method"])
                tidy_rows.append({
                    "variable": variable, "characteristic": name, "level": level if kind == "multi" else None, "group": "test",
                    "p_value": first["p_value"], "test": first["method"], "statistic_name": first.get("statistic_name"),
                    "statistic": first.get("statistic"), "df": first.get("df"),
                    "odds_ratio": first["estimate"] if "Fisher" in str(first["method"]) else None,
                    "odds_ratio_conf_low": first["conf_low"] if "Fisher" in str(first["method"]) else None,
                    "odds_ratio_conf_high": first["conf_high"] if "Fisher" in str(first["method"]) else None,
                    "statistic_text": statistic_text(first), "convention": first.get("convention"),
                })
            elif not test.empty:
                row["p"], row["Test"] = "", ""
            rows.append(row)
    display = pd.DataFrame(rows).fillna("")
    return display, pd.DataFrame(tidy_rows)


def shift(read: Reader, spec: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Before -> after blocks (a shift table per block)."""
    rows, tidy = [], []
    before_heading, after_heading = spec.get("before_heading", "Before"), spec.get("after_heading", "After")
    for block in spec["blocks"]:
        table = read(block["from"])
        labels = block.get("level_labels", {})
        after_labels = block.get("after_labels", labels)
        shown_after = None if block.get("after_levels") is None else [str(a) for a in block["after_levels"]]
        labelled = False  # the block's name goes on its first printed row only
        for before in dict.fromkeys(table["before"]):
            part = table[table["before"] == before]
            if part["before_total"].iloc[0] == 0 and block.get("drop_empty", True):
                continue
            first = True
            for record in part.itertuples():
                if (record.n == 0 and block.get("drop_zero_cells", False)) or (shown_after is not None and str(record.after) not in shown_after):
                    continue
                rows.append({
                    "Block": "" if labelled else block["label"],
                    before_heading: _label(labels, before) if first else "",
                    "n (%)": format_n_percent(record.before_total, record.before_percent_of_total) if first else "",
                    after_heading: _label(after_labels, record.after),
                    "n (% of row)": format_n_percent(record.n, record.row_percent),
                })
                first, labelled = False, True
            for record in part.itertuples():
                tidy.append({"block": block["label"], "analysis": block["from"], "before": record.before, "after": record.after, "n": record.n,
                             "before_total": record.before_total, "row_percent": record.row_percent, "before_percent_of_total": record.before_percent_of_total})
    return pd.DataFrame(rows), pd.DataFrame(tidy)


def _select_row(table: pd.DataFrame, row: Mapping | None) -> pd.Series:
    chosen = table
    for column, wanted in (row or {}).items():
        chosen = chosen[chosen[column].astype(str) == str(wanted)]
    if len(chosen) != 1:
        raise ValueError(f"{len(chosen)} rows match {dict(row or {})}; expected one")
    return chosen.iloc[0]


def estimates(read: Reader, spec: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chosen rows of several analyses: estimate (95% CI), p, test."""
    rows, tidy = [], []
    for item in spec["rows"]:
        if "section" in item:
            rows.append({"": item["section"], spec.get("estimate_heading", "Estimate (95% CI)"): "", "p": "", "Test": ""})
            continue
        record = _select_row(read(item["from"]), item.get("row"))
        scale = float(item.get("scale", 1))
        decimals = int(item.get("decimals", spec.get("decimals", 2)))
        value = lambda column: float(record[column]) * scale if column in record and not pd.isna(record[column]) else math.nan  # noqa: E731
        # a median survival time that is NA is not reached (her2cohort.stats.kaplan_meier)
        na_estimate = "NR" if record.get("term") == "median" else DASH
        if item.get("interval") == "range":
            # a median with the range of the analysis row (median_follow_up: min_time, max_time), no CI
            estimate_text = DASH if math.isnan(value("estimate")) else (
                f"{format_number(value('estimate'), decimals)} (range {_interval(value('min_time'), value('max_time'), decimals)})"
            )
        else:
            estimate_text = format_estimate_ci(value("estimate"), value("conf_low"), value("conf_high"), decimals, na_estimate)
        p_source = _select_row(read(item["p_from"]), item.get("p_row")) if "p_from" in item else record
        # "p: false" leaves a row without p (a proportion has one only against a declared null_proportion)
        p_value = p_source.get("p_value") if item.get("p", True) else None
        rows.append({
            "": item["label"],
            spec.get("estimate_heading", "Estimate (95% CI)"): estimate_text,
            "p": format_p(float(p_value)) if p_value is not None and not pd.isna(p_value) else "",
            "Test": _short_test(p_source.get("method")) if p_value is not None and not pd.isna(p_value) else "",
        })
        tidy.append({
            "label": item["label"], "analysis": item["from"], "estimate": value("estimate"), "conf_low": value("conf_low"), "conf_high": value("conf_high"),
            "p_value": p_value, "test": p_source.get("method"), "statistic_name": p_source.get("statistic_name"), "statistic": p_source.get("statistic"),
            "convention": record.get("convention"), "n": record.get("n"),
            **({"range_low": value("min_time"), "range_high": value("max_time")} if item.get("interval") == "range" else {}),
        })
    return pd.DataFrame(rows), pd.DataFrame(tidy)


LAYOUTS: dict[str, Callable[[Reader, Mapping], tuple[pd.DataFrame, pd.DataFrame]]] = {
    "baseline": baseline,
    "shift": shift,
    "estimates": estimates,
    "listing": listing,
    "tests": tests_table,
    "hazard_ratios": hazard_ratios,
    "baseline_row_percent": baseline_row_percent,
    "shift_matrix": shift_matrix,
}
