"""``estimates``: chosen rows of any analyses, the estimate with its 95% CI, p and the test.

``rows: [{label, from, row, scale, decimals, p, p_from, p_row, interval}]``,
``section`` rows allowed: hazard ratios, odds ratios, medians, proportions. A
median survival time that is NA is not reached and prints "NR"; a row with
``interval: range`` prints the estimate with its range instead ("16.2 (range
2.9–59.2)", from ``min_time`` and ``max_time``: a median follow-up of all
patients, which has no CI); ``p: false`` leaves a row without p (a proportion
has one only against a declared null); ``p_from``/``p_row`` take the p from
another result (a log-rank test beside a Cox HR).
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from her2cohort.numbers import DASH, NOT_REACHED, Printed, is_missing, short
from her2cohort.render.labels import short_test
from her2cohort.results import Results


def estimates(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chosen rows of several analyses: estimate (95% CI), p, test; see the module docstring."""
    heading = spec.get("estimate_heading", "Estimate (95% CI)")
    rows, tidy = [], []
    for item in spec["rows"]:
        if "section" in item:
            rows.append({"": item["section"], heading: "", "p": "", "Test": ""})
            continue
        record = results.row(item["from"], item.get("row"))
        scale = float(item.get("scale", 1))
        decimals = int(item.get("decimals", spec.get("decimals", printed.style.estimate_decimals)))

        def value(column: str) -> float:
            return float(record[column]) * scale if column in record and not is_missing(record[column]) else math.nan

        at = dict(source=f"{item['from']} / {dict(item.get('row') or {})}" + (f" x {short(scale, 6)}" if scale != 1 else ""), where=f"row {len(rows) + 1}, {heading}")
        if item.get("interval") == "range":
            # a median with the range of the analysis row (median_follow_up: min_time, max_time), no CI
            estimate_text = DASH if math.isnan(value("estimate")) else (
                f"{printed('number', value('estimate'), decimals=decimals, **at)} (range {printed('interval', value('min_time'), value('max_time'), decimals=decimals, **at)})"
            )
        else:
            # a median survival time that is NA is not reached (her2cohort.stats.kaplan_meier)
            na_estimate = NOT_REACHED if record.get("term") == "median" else DASH
            estimate_text = printed("estimate_ci", value("estimate"), value("conf_low"), value("conf_high"), decimals=decimals, na_estimate=na_estimate, **at)
        p_source = results.row(item["p_from"], item.get("p_row")) if "p_from" in item else record
        p_value = p_source.get("p_value") if item.get("p", True) else None
        has_p = not is_missing(p_value)
        rows.append({
            "": item["label"],
            heading: estimate_text,
            "p": printed("p_value", float(p_value), source=f"{item.get('p_from', item['from'])}", where=f"row {len(rows) + 1}, p") if has_p else "",
            "Test": short_test(p_source.get("method")) if has_p else "",
        })
        tidy.append({
            "label": item["label"], "analysis": item["from"], "estimate": value("estimate"), "conf_low": value("conf_low"), "conf_high": value("conf_high"),
            "p_value": p_value, "test": p_source.get("method"), "statistic_name": p_source.get("statistic_name"), "statistic": p_source.get("statistic"),
            "convention": record.get("convention"), "n": record.get("n"),
            **({"range_low": value("min_time"), "range_high": value("max_time")} if item.get("interval") == "range" else {}),
        })
    return pd.DataFrame(rows), pd.DataFrame(tidy)
