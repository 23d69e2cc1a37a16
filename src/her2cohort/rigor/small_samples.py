"""Small samples: an asymptotic test where the counts are too small for its approximation.

**Detected**:

* a chi-square test of a table (a ``baseline_table`` test row or an
  ``association``) with an expected count below ``min_expected`` (5,
  Cochran's rule; R's own warning) -> Fisher's exact test of the same table
  (:func:`her2cohort.stats.contingency.association_test`, policy ``fisher``,
  R ``fisher.test``);
* Bowker's chi-square test of symmetry of a shift table that the library
  flags as unreliable (a pair of mirror cells with fewer than 10 patients)
  -> the exact conditional Bowker test
  (:func:`her2cohort.stats.paired_categorical.bowker_test`,
  ``distribution="exact"``);
* Stuart-Maxwell's chi-square of marginal homogeneity on a shift table whose
  declared levels are ordered, sparse by the same rule -> coin's exact
  symmetry test of the ordered categories
  (:func:`her2cohort.stats.ordinal_symmetry.ordinal_symmetry_test`, scores
  1..k: one shift in one direction, 1 df; coin has no exact Stuart-Maxwell);
* a Wilcoxon signed-rank or rank-sum test whose p is a normal approximation,
  on fewer than ``min_exact_n`` (50) patients -> the exact conditional
  permutation test (``convention="exact_conditional"``, coin's
  ``distribution = "exact"``).

* a Kaplan-Meier median with SPSS's symmetric interval (median +- 1.96 SE)
  in a group of fewer than ``min_group_n`` (10) patients -> R's ``survfit``
  interval (log scale; ``convention="r_log"`` of
  :func:`her2cohort.stats.kaplan_meier.median_survival`), verdict
  :func:`her2cohort.rigor.verdict.interval_verdict`.

Verdict of the tests: :func:`her2cohort.rigor.verdict.compare_tests`.
"""

from __future__ import annotations

import math

import pandas as pd

from her2cohort.numbers import is_missing
from her2cohort.rigor._context import Context, number, test_label, tested_rows
from her2cohort.rigor._rows import attempt, rigor_row
from her2cohort.rigor.verdict import compare_tests, interval_verdict
from her2cohort.stats._result import StatisticsError
from her2cohort.stats.contingency import association_test
from her2cohort.stats.kaplan_meier import median_survival
from her2cohort.stats.ordinal_symmetry import ordinal_symmetry_test
from her2cohort.stats.paired_categorical import bowker_test
from her2cohort.stats.rank_tests import mann_whitney, wilcoxon_signed_rank

CHECK = "small_samples"


def _row(context, analysis, paper, rigorous, weakness, detected, rigorous_analysis, n) -> dict:
    verdict, rule = compare_tests(number(paper["p_value"]), number(rigorous["p_value"]), alpha=context.settings.alpha)
    return rigor_row(
        CHECK, weakness, analysis["id"],
        term=test_label(paper), detected=detected,
        paper_method=str(paper["method"]), paper_p=number(paper["p_value"]),
        rigorous_analysis=rigorous_analysis, rigorous_method=str(rigorous["method"]), rigorous_p=number(rigorous["p_value"]),
        n=n, verdict=verdict, rule=rule, note=str(rigorous.get("note", "") or ""),
    )


def _chisq_tables(context: Context) -> list[dict]:
    rows = []
    threshold = context.settings.min_expected
    for analysis in context.analyses("baseline_table", "association"):
        params = analysis.get("params", {})
        tests = tested_rows(context.results.table(analysis["id"]))
        tests = tests[tests["method"].astype(str).str.contains("Chi-squared")]
        if tests.empty:
            continue
        frame = context.frame(analysis)
        for _, paper in tests.iterrows():
            if analysis["type"] == "baseline_table":
                spec = next(v for v in params["variables"] if (v if isinstance(v, str) else v["name"]) == paper["variable"])
                row, column = paper["variable"], params["group"]
                row_levels = None if isinstance(spec, str) else spec.get("levels")
                column_levels = params.get("group_levels")
            else:
                row, column = params["row"], params["column"]
                row_levels, column_levels = params.get("row_levels"), params.get("column_levels")
            keys = dict(row=row, column=column, row_levels=row_levels, column_levels=column_levels)
            try:
                chisq = association_test(frame, policy="chisq", **keys).iloc[0]
            except StatisticsError:
                continue
            if not number(chisq["min_expected"]) < threshold:
                continue
            fisher = association_test(frame, policy="fisher", **keys).iloc[0]
            rows.append(_row(
                context, analysis, paper, fisher,
                "chi-square test with small expected counts",
                f"{row} by {column}: smallest expected count {_short(chisq['min_expected'])} (< {_short(threshold)})",
                "Fisher's exact test", int(number(fisher.get("n"))) if not math.isnan(number(fisher.get("n"))) else len(frame),
            ))
    return rows


def _bowker(context: Context) -> list[dict]:
    rows = []
    for analysis in context.analyses("bowker"):
        paper = context.results.table(analysis["id"]).iloc[0]
        if str(paper.get("asymptotic_reliable")).lower() != "false":
            continue
        params = {k: v for k, v in analysis.get("params", {}).items() if k != "distribution"}
        exact = bowker_test(context.frame(analysis), **params, distribution="exact").iloc[0]
        rows.append(_row(
            context, analysis, paper, exact,
            "chi-square test of symmetry on a sparse shift table",
            f"{params['before']} -> {params['after']}: {str(paper['note']).split(';')[0]}",
            "exact conditional Bowker test", int(number(paper["n"])),
        ))
    return rows


def _stuart_maxwell(context: Context) -> list[dict]:
    rows = []
    for analysis in context.analyses("stuart_maxwell"):
        params = analysis.get("params", {})
        if not params.get("levels"):
            continue  # no declared order of the categories
        frame = context.frame(analysis)
        sparse = bowker_test(frame, params["before"], params["after"], params["levels"]).iloc[0]
        if str(sparse.get("asymptotic_reliable")).lower() != "false":
            continue
        paper = context.results.table(analysis["id"]).iloc[0]
        exact = ordinal_symmetry_test(frame, params["before"], params["after"], params["levels"]).iloc[0]
        rows.append(_row(
            context, analysis, paper, exact,
            "chi-square test of marginal homogeneity on a sparse shift table",
            f"{params['before']} -> {params['after']} (levels in the declared order): {str(sparse['note']).split(';')[0]}",
            "exact symmetry test of ordered categories", int(number(paper["n"])),
        ))
    return rows


def _rank_tests(context: Context) -> list[dict]:
    rows = []
    functions = {"paired_rank": wilcoxon_signed_rank, "rank_sum": mann_whitney}
    for analysis in context.analyses(*functions):
        paper = context.results.table(analysis["id"]).iloc[0]
        n = number(paper.get("n"))
        if "exact" in str(paper["method"]).lower() or math.isnan(number(paper["p_value"])) or not n < context.settings.min_exact_n:
            continue
        params = {k: v for k, v in analysis.get("params", {}).items() if k not in ("convention", "exact", "correct")}
        exact = functions[analysis["type"]](context.frame(analysis), **params, convention="exact_conditional").iloc[0]
        rows.append(_row(
            context, analysis, paper, exact,
            "normal approximation of a rank test on a small sample",
            f"{int(n)} patients (< {context.settings.min_exact_n}): {paper['method']}",
            "exact conditional rank test", int(n),
        ))
    return rows


def _median_intervals(context: Context) -> list[dict]:
    rows = []
    limit = context.settings.min_group_n
    for analysis in context.analyses("median_survival"):
        params = analysis.get("params", {})
        if params.get("convention") != "spss":
            continue
        paper_rows = context.results.table(analysis["id"])
        small = paper_rows[pd.to_numeric(paper_rows["n"], errors="coerce") < limit]
        if small.empty:
            continue
        rigorous_rows = median_survival(context.frame(analysis), **{**params, "convention": "r_log"})
        for _, paper in small.iterrows():
            group = paper.get("group")
            match = rigorous_rows if "group" not in rigorous_rows.columns or is_missing(group) else rigorous_rows[rigorous_rows["group"].astype(str) == str(group)]
            rigorous = match.iloc[0]
            verdict, rule = interval_verdict(paper["conf_low"], paper["conf_high"], rigorous["conf_low"], rigorous["conf_high"])
            rows.append(rigor_row(
                CHECK, "symmetric normal interval of a median in a small group", analysis["id"],
                term=f"{params.get('group', '')} = {group}" if not is_missing(group) else "all patients",
                detected=f"{int(number(paper['n']))} patients (< {limit}): {paper['method']}",
                paper_method=str(paper["method"]), paper_estimate_kind="median",
                paper_estimate=number(paper["estimate"]), paper_conf_low=number(paper["conf_low"]), paper_conf_high=number(paper["conf_high"]),
                rigorous_analysis="R survfit interval (log)", rigorous_method=str(rigorous["method"]), rigorous_estimate_kind="median",
                rigorous_estimate=number(rigorous["estimate"]), rigorous_conf_low=number(rigorous["conf_low"]), rigorous_conf_high=number(rigorous["conf_high"]),
                n=int(number(paper["n"])), verdict=verdict, rule=rule, note=str(rigorous.get("note", "") or ""),
            ))
    return rows


def check(context: Context) -> list[dict]:
    rows = []
    for part in (_chisq_tables, _bowker, _stuart_maxwell, _rank_tests, _median_intervals):
        rows += attempt(CHECK, "small samples", part.__name__.strip("_"), part, context)
    return rows


def _short(value) -> str:
    from her2cohort.numbers import short

    return short(value, 2)
