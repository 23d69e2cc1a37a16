"""``hazard_ratios``: the hazard-ratio table of a survival paper: covariates by rows, one HR (95% CI) and p column per endpoint.

Layout ``hazard_ratios`` (a table of config/studies/{study}.yaml), as
multivariable and univariable Cox tables are printed (the gastric
heterogeneity study's Table 2 and ESM 4)::

    Covariate              n    PFS HR (95% CI)    PFS p    OS HR (95% CI)    OS p
    Age                                            0.046                      0.220
      >= 67 (reference)    44   1 (reference)               1 (reference)
      < 67                 43   1.69 (1.01-2.84)            1.39 (0.82-2.35)

The spec lists ``endpoints`` (``{label}``, the column groups in order) and
``covariates``, each with a ``label``, the ``variable``, its ``levels`` with
the reference first (``{level, label}``) and ``models``: per endpoint the
``cox`` analysis whose coefficient ``"{variable}:{level} vs {reference}"`` it
prints (one multivariable model for every covariate, or a univariable model
per covariate). The p beside a covariate is the
Wald p of its coefficient (what ``summary(coxph)`` prints); a covariate with
several compared levels gets its p on each level row. The counts per level
come from a ``baseline_table`` analysis (its ``Total`` column; ``counts_from``
of the table or of a covariate). ``decimals`` (default 2) and ``p_decimals``
(default 3) set the printed precision. A numeric
covariate (no ``levels``) is one row, the HR per unit.

The tidy table holds every printed number at full precision with the z
statistic, the model's n and events, and the convention of the fit.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from her2cohort.numbers import DASH, Printed, is_missing
from her2cohort.results import Results, canonical, select_row

def _coefficient(fit: pd.DataFrame, variable: str, level: Any, analysis: str) -> pd.Series:
    """The coefficient row of ``variable`` at ``level`` (``None``: a numeric covariate)."""
    rows = fit[fit["row_kind"] == "coefficient"]
    if level is None:
        chosen = rows[rows["term"].astype(str) == variable]
    else:
        prefix = f"{variable}:"
        terms = rows["term"].astype(str)
        mask = terms.str.startswith(prefix) & terms.map(lambda t: canonical(t[len(prefix):].split(" vs ")[0]) == canonical(level))
        chosen = rows[mask]
    if len(chosen) != 1:
        shown = ", ".join(rows["term"].astype(str)) or "none"
        raise ValueError(f"analysis {analysis!r}: {len(chosen)} coefficients of {variable!r} at level {level!r} (terms: {shown})")
    return chosen.iloc[0]


def _count(results: Results, source: str | None, variable: str, level: Any) -> float:
    if source is None or level is None:
        return math.nan
    where = {"row_type": "summary", "variable": variable, "group": "Total", "level": level}
    return float(select_row(results.table(source), where, repr(source))["n"])


def hazard_ratios(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Covariates by rows, HR (95% CI) and p per endpoint; see the module docstring."""
    endpoints = [e["label"] for e in spec["endpoints"]]
    decimals = int(spec.get("decimals", printed.style.estimate_decimals))
    p_decimals = int(spec.get("p_decimals", printed.style.p_decimals))
    display, tidy = [], []

    def blank(first: str, n: str = "") -> dict:
        row = {"Covariate": first, "n": n}
        for endpoint in endpoints:
            row[f"{endpoint} HR (95% CI)"] = ""
            row[f"{endpoint} p"] = ""
        return row

    def ratio(record: pd.Series, analysis: str, row_number: int, endpoint: str) -> str:
        return printed("estimate_ci", float(record["estimate"]), float(record["conf_low"]), float(record["conf_high"]), decimals=decimals,
                       source=f"{analysis} / {{term: {record['term']}}}", where=f"row {row_number}, {endpoint} HR (95% CI)")

    def p_text(record: pd.Series, analysis: str, row_number: int, endpoint: str) -> str:
        return printed("p_value", float(record["p_value"]), decimals=p_decimals, source=f"{analysis} / {{term: {record['term']}}}", where=f"row {row_number}, {endpoint} p")

    for item in spec["covariates"]:
        variable, sources = item["variable"], item["models"]
        item = {**item, "label": item.get("label", variable)}  # the study's label of the variable, else its name
        missing = [e for e in endpoints if e not in sources]
        if missing:
            raise ValueError(f"covariate {item['label']!r}: no model for endpoint(s) {missing}")
        counts_from = item.get("counts_from", spec.get("counts_from"))
        levels = item.get("levels")
        if not levels:  # a numeric covariate: one row, the HR per unit
            row = blank(item["label"])
            for endpoint in endpoints:
                record = _coefficient(results.table(sources[endpoint]), variable, None, sources[endpoint])
                row[f"{endpoint} HR (95% CI)"] = ratio(record, sources[endpoint], len(display) + 1, endpoint)
                row[f"{endpoint} p"] = p_text(record, sources[endpoint], len(display) + 1, endpoint)
                tidy.append(_tidy(item["label"], variable, None, None, False, math.nan, endpoint, sources[endpoint], record))
            display.append(row)
            continue
        reference, compared = levels[0], levels[1:]
        header = blank(item["label"])
        header_number = len(display) + 1
        level_rows = []
        for position, level in enumerate(levels):
            label = str(level.get("label", level["level"]))
            row_number = header_number + 1 + position
            n = _count(results, counts_from, variable, level["level"])
            row = blank(f"  {label}" + (" (reference)" if position == 0 else ""), "" if math.isnan(n) else printed("count", n, source=f"{counts_from} / Total of {variable}: {level['level']}", where=f"row {row_number}, n"))
            for endpoint in endpoints:
                if position == 0:
                    row[f"{endpoint} HR (95% CI)"] = printed("short", 1.0, source="the reference level: HR 1 by definition", where=f"row {row_number}, {endpoint} HR (95% CI)") + " (reference)"
                    tidy.append({"characteristic": item["label"], "variable": variable, "level": level["level"], "level_label": label, "reference": True, "n": n, "endpoint": endpoint, "analysis": sources[endpoint], "estimate": 1.0})
                    continue
                record = _coefficient(results.table(sources[endpoint]), variable, level["level"], sources[endpoint])
                row[f"{endpoint} HR (95% CI)"] = ratio(record, sources[endpoint], row_number, endpoint)
                if len(compared) == 1:
                    header[f"{endpoint} p"] = p_text(record, sources[endpoint], header_number, endpoint)
                else:
                    row[f"{endpoint} p"] = p_text(record, sources[endpoint], row_number, endpoint)
                tidy.append(_tidy(item["label"], variable, level["level"], label, False, n, endpoint, sources[endpoint], record, reference["level"]))
            level_rows.append(row)
        display += [header, *level_rows]
    frame = pd.DataFrame(display).fillna("")
    frame = frame.replace({"nan": DASH})
    # each endpoint's two columns under one merged heading; every p is the Wald test of a Cox coefficient
    frame.attrs = {
        "headings": {f"{e} {h}": h for e in endpoints for h in ("HR (95% CI)", "p")},
        "spanners": [(e, f"{e} HR (95% CI)", f"{e} p") for e in endpoints],
        "column_tests": {f"{e} p": "Cox" for e in endpoints},
        "label_columns": 1,
    }
    return frame, pd.DataFrame(tidy)


def _tidy(characteristic, variable, level, label, reference, n, endpoint, analysis, record, reference_level=None) -> dict:
    def number(column: str) -> float:
        value = record.get(column)
        return math.nan if is_missing(value) else float(value)

    return {
        "characteristic": characteristic, "variable": variable, "level": level, "level_label": label, "reference": reference,
        "reference_level": reference_level, "n": n, "endpoint": endpoint, "analysis": analysis, "term": record.get("term"),
        "estimate": number("estimate"), "conf_low": number("conf_low"), "conf_high": number("conf_high"),
        "coef": number("coef"), "std_error": number("std_error"), "statistic": number("statistic"), "statistic_name": record.get("statistic_name"),
        "p_value": number("p_value"), "method": record.get("method"), "convention": record.get("convention"),
        "n_model": number("n"), "n_events": number("n_events"),
    }
