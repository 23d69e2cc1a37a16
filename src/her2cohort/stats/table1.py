"""Table 1: characteristics of a cohort, overall and by group, with a p-value per variable.

One tidy frame, one row per (variable, level, group) summary plus one ``test``
row per variable, so that a renderer can lay it out as a journal would
(``n (%)``, ``median (range)``) and a reviewer can read the test behind each p.

Conventions
-----------
- **Categorical**: n and percent of the patients of the group with a known
  value (missing values are counted in ``n_missing``, not in the denominator),
  unless ``missing_label`` is given, in which case missing is a level of its own
  and counts in the denominator (tables that print "Not available 12 (25.0)").
- **Multi-valued** (a patient with several metastatic organs, ``;``-separated):
  each level is a yes/no variable of its own; percent of all patients of the
  group (a patient with none of the levels counts in the denominator); each
  level gets its own test.
- **Continuous**: median, quartiles (R ``quantile(type = 7)``, R's default;
  SPSS uses type 6 for its percentiles), range, mean and SD (n - 1).
- **Tests**: categorical by the contingency ``policy`` of
  :func:`her2cohort.stats.contingency.association_test` (default: the source
  papers' "Fisher's exact when any expected count < 5, else Pearson chi-square
  without correction"); continuous by Mann-Whitney (two groups, R
  ``wilcox.test``) or Kruskal-Wallis (more, R ``kruskal.test``). Each test row
  names the test used; Fisher's test on a 2 x 2 table carries the conditional
  odds ratio and its CI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from her2cohort.rawdata import MULTI_VALUE_SEPARATOR
from her2cohort.stats._result import TOTAL, StatisticsError
from her2cohort.stats.contingency import association_test
from her2cohort.stats.rank_tests import kruskal_wallis, mann_whitney


KINDS = ("categorical", "continuous", "multi")


@dataclass(frozen=True)
class Variable:
    """One row block of Table 1."""

    name: str
    kind: str = "categorical"
    label: str = ""
    levels: Sequence[Any] | None = None  # display order; others follow in sorted order
    missing_label: str | None = None  # show missing as this level (in the denominator)
    test: bool = True
    extra: dict = field(default_factory=dict)

    @staticmethod
    def from_spec(spec: "Variable | dict | str") -> "Variable":
        if isinstance(spec, Variable):
            return spec
        if isinstance(spec, str):
            return Variable(spec)
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise StatisticsError(f"a variable is a column name or a mapping with a 'name', not {spec!r}")
        known = {"name", "kind", "label", "levels", "missing_label", "test"}
        return Variable(**{k: v for k, v in spec.items() if k in known}, extra={k: v for k, v in spec.items() if k not in known})


def _groups(data: pd.DataFrame, group: str | None, group_levels: Sequence | None) -> list[tuple[str, pd.DataFrame]]:
    blocks = [(TOTAL, data)]
    if group is None:
        return blocks
    if group not in data:
        raise StatisticsError(f"group column {group!r} is not in the data")
    present = data[group].dropna().unique().tolist()
    levels = list(group_levels) if group_levels is not None else sorted(present, key=str)
    unknown = sorted(set(present) - set(levels), key=str)
    if unknown:
        raise StatisticsError(f"group column {group!r} has values not in group_levels: {unknown}")
    return blocks + [(str(level), data[data[group] == level]) for level in levels]


def _ordered_levels(values: pd.Series, levels: Sequence | None) -> list:
    present = values.dropna().unique().tolist()
    if levels is None:
        return sorted(present, key=lambda v: (str(type(v)), v))
    return list(levels) + sorted(set(present) - set(levels), key=str)


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    # numpy's default "linear" method is R's quantile type 7
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return float(q1), float(median), float(q3)


def _continuous_rows(var: Variable, blocks) -> list[dict]:
    rows = []
    for label, frame in blocks:
        values = pd.to_numeric(frame[var.name], errors="coerce").to_numpy(dtype=float)
        known = values[~np.isnan(values)]
        row = {"variable": var.name, "label": var.label or var.name, "kind": var.kind, "level": "", "group": label, "row_type": "summary", "n": len(known), "n_missing": int(len(values) - len(known))}
        if len(known):
            q1, median, q3 = _quantiles(known)
            row.update(median=median, q1=q1, q3=q3, minimum=float(known.min()), maximum=float(known.max()), mean=float(known.mean()), sd=float(known.std(ddof=1)) if len(known) > 1 else math.nan)
        rows.append(row)
    return rows


def _categorical_rows(var: Variable, blocks, levels: list) -> list[dict]:
    rows = []
    for label, frame in blocks:
        values = frame[var.name]
        if var.missing_label is not None:
            values = values.astype(object).where(values.notna(), var.missing_label)
        known = values.dropna()
        counts = known.value_counts()
        for level in levels:
            n = int(counts.get(level, 0))
            rows.append({"variable": var.name, "label": var.label or var.name, "kind": var.kind, "level": level, "group": label, "row_type": "summary", "n": n, "denominator": len(known), "percent": 100 * n / len(known) if len(known) else math.nan, "n_missing": int(values.isna().sum())})
    return rows


def _indicators(values: pd.Series, levels: list) -> pd.DataFrame:
    text = values.fillna("").astype(str)
    if text.empty:
        return pd.DataFrame({level: pd.Series(dtype=bool) for level in levels}, index=values.index)
    # Split each distinct cell once (a registry has few combinations of organs, many patients).
    codes, uniques = pd.factorize(text)
    sets = [{p.strip() for p in cell.split(MULTI_VALUE_SEPARATOR) if p.strip()} for cell in uniques]
    return pd.DataFrame({level: np.array([level in s for s in sets], dtype=bool)[codes] for level in levels}, index=values.index)


def _test_row(var: Variable, level: Any, result: pd.DataFrame) -> dict:
    row = result.iloc[0].to_dict()
    keep = ("estimate", "conf_low", "conf_high", "statistic", "statistic_name", "df", "p_value", "method", "convention", "note", "policy")
    return {"variable": var.name, "label": var.label or var.name, "kind": var.kind, "level": level, "group": "", "row_type": "test", **{k: row.get(k) for k in keep}}


def baseline_table(
    data: pd.DataFrame,
    variables: Sequence["Variable | dict | str"],
    group: str | None = None,
    *,
    group_levels: Sequence | None = None,
    policy: str = "fisher_if_expected_lt5",
) -> pd.DataFrame:
    """Table 1 of ``variables`` overall and by ``group``: n (%), median (IQR,
    range; R ``quantile(type = 7)``), mean (SD), and the test of ``policy`` per
    variable (R ``chisq.test`` / ``fisher.test``; ``wilcox.test`` /
    ``kruskal.test`` for a continuous variable); see the module docstring.

    Returns a tidy frame: ``row_type == "summary"`` rows (variable, level,
    group, n, denominator, percent, n_missing; median, q1, q3, minimum,
    maximum, mean, sd for continuous variables) and ``row_type == "test"``
    rows (one per variable, or per level of a multi-valued variable) with the
    test actually used, its statistic and p. Patients with a missing group
    appear in the Total column only.
    """
    blocks = _groups(data, group, group_levels)
    group_data = data[data[group].notna()] if group is not None else data
    group_order = [label for label, _ in blocks[1:]]
    rows: list[dict] = []
    for spec in variables:
        var = Variable.from_spec(spec)
        if var.kind not in KINDS:
            raise StatisticsError(f"variable {var.name!r}: kind must be one of {KINDS}, not {var.kind!r}")
        if var.name not in data:
            raise StatisticsError(f"variable {var.name!r} is not in the data")
        testable = var.test and group is not None and len(group_order) >= 2
        if var.kind == "continuous":
            rows += _continuous_rows(var, blocks)
            if testable:
                # only the two columns the test reads: copying the whole analysis set per variable costs more than the test
                frame = pd.DataFrame({var.name: pd.to_numeric(group_data[var.name], errors="coerce"), "_group": group_data[group].astype(str)}, index=group_data.index)
                test = mann_whitney if len(group_order) == 2 else kruskal_wallis
                rows.append(_test_row(var, "", test(frame, var.name, "_group", levels=group_order)))
        elif var.kind == "categorical":
            values = data[var.name] if var.missing_label is None else data[var.name].astype(object).where(data[var.name].notna(), var.missing_label)
            levels = _ordered_levels(values, var.levels)
            rows += _categorical_rows(var, blocks, levels)
            if testable:
                frame = pd.DataFrame({"_value": values.loc[group_data.index], "_group": group_data[group].astype(str)}, index=group_data.index)
                result = association_test(frame, "_value", "_group", policy=policy, row_levels=levels, column_levels=group_order)
                rows.append(_test_row(var, "", result))
        else:  # multi-valued: one yes/no variable per level
            known_levels = var.levels or sorted({p.strip() for text in pd.unique(data[var.name].dropna().astype(str)) for p in text.split(MULTI_VALUE_SEPARATOR) if p.strip()})
            levels = list(known_levels)
            flags = _indicators(data[var.name], levels)
            for level in levels:
                for label, frame in blocks:
                    has = flags.loc[frame.index, level]
                    n = int(has.sum())
                    rows.append({"variable": var.name, "label": var.label or var.name, "kind": var.kind, "level": level, "group": label, "row_type": "summary", "n": n, "denominator": len(frame), "percent": 100 * n / len(frame) if len(frame) else math.nan, "n_missing": 0})
                if testable:
                    frame = pd.DataFrame({"_value": flags.loc[group_data.index, level].map({True: "yes", False: "no"}), "_group": group_data[group].astype(str)})
                    result = association_test(frame, "_value", "_group", policy=policy, row_levels=["yes", "no"], column_levels=group_order)
                    rows.append(_test_row(var, level, result))
    columns = ["variable", "label", "kind", "level", "group", "row_type", "n", "denominator", "percent", "n_missing", "median", "q1", "q3", "minimum", "maximum", "mean", "sd", "estimate", "conf_low", "conf_high", "statistic", "statistic_name", "df", "p_value", "method", "convention", "policy", "note"]
    out = pd.DataFrame(rows)
    for column in columns:
        if column not in out:
            out[column] = np.nan
    out["note"] = out["note"].fillna("")
    return out[columns]
