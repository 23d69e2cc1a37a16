"""The cutoffs the HER2 classifier applies, read off the classifier itself.

A paper's Methods print its cutoffs (ISH ratio > 2.2 positive, genetic
heterogeneity 5% to < 50% of nuclei, H-score 0-300). The replication report
compares them with what our code does; restating them here as constants would
only compare the paper with a second copy of itself. So each boundary is found
by probing the classification function: bisection to 1e-9 between a value on
each side, then a test at the rounded boundary says whether it belongs to the
class (``>=``) or not (``>``).

:func:`guideline_thresholds` returns a tidy table, one row per boundary:
``guideline, rule, side, value, comparator, printed`` (``printed`` as a Methods
section would print it, e.g. ``> 2.2``).
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from her2cohort import classify


def _boundary(inside: Callable[[float], bool], outside_value: float, inside_value: float, decimals: int = 6) -> tuple[float, bool]:
    """The boundary between a value outside the class and one inside, and whether it is included."""
    low, high = outside_value, inside_value
    for _ in range(200):
        middle = (low + high) / 2
        if inside(middle):
            high = middle
        else:
            low = middle
        if abs(high - low) < 1e-10:
            break
    value = round((low + high) / 2, decimals)
    return value, inside(value)


def _rows(guideline: str, rule: str, inside: Callable[[float], bool], probes: list[tuple[str, float, float]]) -> list[dict]:
    rows = []
    for side, outside_value, inside_value in probes:
        value, included = _boundary(inside, outside_value, inside_value)
        if side == "lower":
            comparator = ">=" if included else ">"
        else:
            comparator = "<=" if included else "<"
        rows.append({"guideline": guideline, "rule": rule, "side": side, "value": value, "comparator": comparator, "printed": f"{comparator} {value:g}"})
    return rows


def _ish(function: Callable, label: str, **fixed) -> Callable[[float], bool]:
    def inside(ratio: float) -> bool:
        return function(pd.Series([ratio]), **{k: pd.Series([v]) for k, v in fixed.items()}).iloc[0] == label

    return inside


def guideline_thresholds(guideline: str) -> pd.DataFrame:
    """Every boundary the classifier uses for a study's guideline, plus the H-score range
    and genetic heterogeneity cutoffs that apply to all studies."""
    rows: list[dict] = []
    if guideline == "gastric_equivocal_recount":
        rule = classify.ish_status_gastric_equivocal_recount
        rows += _rows(guideline, "ish_positive", _ish(rule, classify.POSITIVE), [("lower", 2.0, 5.0)])
        rows += _rows(guideline, "ish_negative", _ish(rule, classify.NEGATIVE), [("upper", 5.0, 1.0)])
        rows += _rows(guideline, "ish_equivocal", _ish(rule, classify.EQUIVOCAL), [("lower", 1.0, 2.0), ("upper", 5.0, 2.0)])
        # an equivocal first count (2.0) resolved by the recount ratio
        recount = lambda r: rule(pd.Series([2.0]), pd.Series([r])).iloc[0] == classify.POSITIVE  # noqa: E731
        rows += _rows(guideline, "ish_recount_positive", recount, [("lower", 1.0, 3.0)])
    elif guideline in ("gastric_consensus", "asco_cap_2007"):
        function = classify.ish_status_gastric_consensus if guideline == "gastric_consensus" else classify.ish_status_asco_cap_2007
        rows += _rows(guideline, "ish_positive", _ish(function, classify.POSITIVE), [("lower", 1.0, 5.0)])
        if guideline == "asco_cap_2007":
            rows += _rows(guideline, "ish_negative", _ish(function, classify.NEGATIVE), [("upper", 5.0, 1.0)])
    elif guideline in ("asco_cap_2013", "asco_cap_2018", "asco_cap_at_diagnosis"):
        group = classify.asco_cap_2018_ish_group
        ratio_rule = lambda r: group(pd.Series([r]), pd.Series([3.0])).iloc[0] == 2  # noqa: E731  ratio >= 2.0, copies < 4
        rows += _rows("asco_cap_2018", "ish_ratio", ratio_rule, [("lower", 1.0, 3.0)])
        copies_4 = lambda c: group(pd.Series([1.5]), pd.Series([c])).iloc[0] in (3, 4)  # noqa: E731
        copies_6 = lambda c: group(pd.Series([1.5]), pd.Series([c])).iloc[0] == 3  # noqa: E731
        rows += _rows("asco_cap_2018", "her2_copies_per_cell", copies_4, [("lower", 1.0, 5.0)])
        rows += _rows("asco_cap_2018", "her2_copies_per_cell_high", copies_6, [("lower", 5.0, 8.0)])
    heterogeneous = lambda pct: bool(classify.genetic_heterogeneity(pd.Series([pct])).iloc[0])  # noqa: E731
    rows += _rows("all", "genetic_heterogeneity_nuclei_pct", heterogeneous, [("lower", 0.0, 20.0), ("upper", 90.0, 20.0)])
    h_low = float(classify.h_score(pd.Series([0.0]), pd.Series([0.0]), pd.Series([0.0])).iloc[0])
    h_high = float(classify.h_score(pd.Series([0.0]), pd.Series([0.0]), pd.Series([100.0])).iloc[0])
    rows += [
        {"guideline": "all", "rule": "h_score_range", "side": "lower", "value": h_low, "comparator": ">=", "printed": f"{h_low:g}"},
        {"guideline": "all", "rule": "h_score_range", "side": "upper", "value": h_high, "comparator": "<=", "printed": f"{h_high:g}"},
    ]
    return pd.DataFrame(rows, columns=["guideline", "rule", "side", "value", "comparator", "printed"])
