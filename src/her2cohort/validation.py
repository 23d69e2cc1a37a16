"""A published design applied to a new cohort: each finding of the paper beside the cohort's estimate.

A study file with ``extends: {design}`` (:func:`her2cohort.config.resolve_design`)
runs the design's analyses on its own cohort. This module compares the
cohort's results with the numbers the design's paper prints
(``data/published/{design}.yaml``), reading them where the design's
replication mapping says they are (``config/replication/{design}.yaml``,
expanded by :func:`her2cohort.replication.load_mapping`): an entry ``from:
pfs_cox_by_change, row: {row_kind: coefficient}, value: estimate`` says that
the printed HR is the ``estimate`` of that row, so the new cohort's HR is the
``estimate`` of the same row of its own ``results/{study}/stats``. The audit
asks whether the pipeline reproduces the paper; this asks whether another
cohort confirms it.

Findings
--------
Only printed numbers that are results of the paper are compared. A printed
number is a **finding** when its mapping entry reads one result row (a
selector, not an arithmetic of several, not ``not_computable``), its
``evidence`` is not ``not_this_study`` (citations, protocol constants), and it
is one of:

``ratio``
    the ``estimate`` of a ``cox``, ``logistic``, ``firth_logistic`` or
    ``association`` row printed as a hazard or odds ratio; its printed CI
    limits and p (the same row) belong to it;
``auc``
    the ``estimate`` of a ``roc_cutoff`` or ``roc_curve`` row printed as an AUC (null 0.5);
``median``
    the ``estimate`` of a ``median_survival`` row (a median survival time), with its CI;
``proportion``
    the ``estimate`` of a ``proportion`` row, a ``row_percent``,
    ``column_percent``, ``percent_of_total`` or ``after_percent_of_total`` of
    a ``shift_table`` (how many patients changed), a ``sensitivity`` or
    ``specificity`` (``roc_cutoff``, ``sensitivity_specificity``);
``test``
    the ``p_value`` of a row whose estimate the paper does not print: a
    Table 2 test (``baseline_table`` test rows), a rank, log-rank, McNemar or
    Bowker test, or a model's p printed alone.

Everything else **describes the cohort** rather than a finding and is not
compared: counts (they scale with the cohort), Table 1 and Table 2 cells
(``baseline_table`` summaries: the table's test is the finding), medians and
ranges of a variable, the baseline composition of a shift table
(``before_percent_of_total``), follow-up, the flow of patients, data-chosen
cutoffs, and arithmetic of several results (``compute``, ``aggregate``). This
is decided by what the number is, not by its ``evidence``: a median PFS or a
response rate is a finding although it is a ``reconstruction_input`` of the
bundled synthetic cohort (what the generator matched says nothing about a new
cohort), while a ``printed_counts`` Table 1 percentage describes the paper's
patients. :func:`classify` gives every printed number its category.

Tests of the difference (each two-sided, the cohorts independent)
-----------------------------------------------------------------
``ratio``
    z = (ln new - ln printed) / sqrt(SE_new^2 + SE_printed^2), each SE from its
    own 95% CI on the log scale, SE = (ln high - ln low) / (2 x 1.959964); when the
    paper prints no CI but an exact p, SE_printed = |ln printed| / z_p with
    z_p = Phi^-1(1 - p/2) (Altman & Bland, BMJ 2011;343:d2090); p = 2(1 - Phi(|z|)).
``auc``
    the same on the linear scale (SEs from the 95% CIs; the cohort's is DeLong's).
``median``
    the same on the scale on which the paper's CI is symmetric: the design's
    mapping states it in the limits' ``ci_se`` tolerance (``scale: linear``
    for SPSS's median +- 1.96 SE), log otherwise.
``proportion``
    the two counts x_paper / n_paper and x_new / n_new in a 2 x 2 table
    tested by the pipeline's test policy ``fisher_if_expected_lt5``
    (:func:`her2cohort.stats.contingency.association_test`: Fisher's exact
    test when an expected count is < 5, else Pearson's chi-square without
    continuity correction). The paper's count is the printed count of the
    same result row; its denominator the printed one of the row or else the
    one whole number with which that count gives the printed percentage at
    its printed precision. A printed proportion without such counts is taken
    as a fixed value: the exact binomial test of x_new of n_new against it
    (:func:`her2cohort.stats.proportions.binom_test`, R ``binom.test``),
    which ignores the paper's own sampling error.
``test``
    none (a p alone has no estimate to compare).

The ``difference`` column is the cohort's value minus the printed one in the
printed units (HR, months, percentage points, AUC).

Agreement and verdict
---------------------
**Direction** (ratios, AUC): the two estimates on the same side of the null
(1 for a ratio, 0.5 for an AUC), the audit's rule
(:func:`her2cohort.replication.tolerance.side`); a printed estimate equal to
the null claims no direction (NA). **Significance**: each side significant
when its p < 0.05 (a printed bound "< 0.001" is significant, "> 0.05" not),
or, without a p, when its 95% CI excludes the null; NA when neither is known.

Verdicts, in this order:

``not comparable``
    the cohort has no value for the finding (the analysis gave NA, see its
    ``note``), or neither significance nor a test of the difference can be
    assessed (e.g. an AUC printed without CI or p on the same side of 0.5);
``contradicts``
    the cohort's estimate lies on the other side of the null while either
    result is significant (or significance cannot be judged); or the cohort's
    result is significant where the paper's is not; or, for a finding without
    a null (a proportion, a median), the test of the difference gives p < 0.05;
``same direction, not significant``
    the paper's result is significant, the cohort's is not, and nothing
    contradicts the paper's direction (the cohort's estimate on its side of
    the null, or a test without an estimate);
``confirms``
    both significant in the same direction (or a test without an estimate:
    both significant), or both not significant; for a finding without a
    null, the test of the difference gives p >= 0.05.

For ratios the verdict rests on direction and significance; the test of the
difference is reported beside it (a confirmed effect may still be smaller).
Numbers are printed through :mod:`her2cohort.numbers` (the cohort's at the
paper's printed precision), each recorded by a :class:`~her2cohort.numbers.Printed`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Mapping

import pandas as pd

from her2cohort.numbers import DASH, Printed, half_up, is_missing, short
from her2cohort.replication.selectors import select
from her2cohort.replication.tolerance import Z95, side
from her2cohort.results import Results, SelectionError

#: The columns of the tidy validation table.
COLUMNS = [
    "study", "design", "location", "quantity", "finding", "analysis", "row", "variant", "column",
    "printed", "paper_estimate", "paper_conf_low", "paper_conf_high", "paper_p", "paper_p_comparator", "paper_count", "paper_denominator",
    "estimate", "conf_low", "conf_high", "p_value", "count", "denominator",
    "difference", "difference_scale", "difference_statistic", "difference_p", "difference_test",
    "direction_agrees", "paper_significant", "significant", "significance_agrees",
    "verdict", "explanation", "paper_note",
]  # fmt: skip
VERDICTS = ["confirms", "same direction, not significant", "contradicts", "not comparable"]
#: Significance level of both the paper's and the cohort's results.
ALPHA = 0.05

#: Columns that are a finding's estimate, by analysis type (the module docstring's list).
ESTIMATE_COLUMNS = {
    "cox": ("estimate",),
    "logistic": ("estimate",),
    "firth_logistic": ("estimate",),
    "association": ("estimate",),
    "roc_cutoff": ("estimate", "sensitivity", "specificity"),
    "roc_curve": ("estimate",),
    "median_survival": ("estimate",),
    "proportion": ("estimate",),
    "sensitivity_specificity": ("sensitivity", "specificity"),
    "shift_table": ("row_percent", "column_percent", "percent_of_total", "after_percent_of_total"),
}
#: Analysis types whose printed p is a finding of its own when the paper prints no estimate of that row.
TEST_TYPES = set(ESTIMATE_COLUMNS) | {"baseline_table", "paired_rank", "rank_sum", "kruskal_wallis", "logrank", "mcnemar", "mcnemar_exact", "bowker", "stuart_maxwell"}
#: Printed kinds of an estimate, and the finding they make.
FINDING_KIND = {
    "hazard_ratio": "ratio",
    "odds_ratio": "ratio",
    "auc": "auc",
    "median": "median",
    "percentage": "proportion",
    "sensitivity": "proportion",
    "specificity": "proportion",
    "rate": "proportion",
    "fraction": "proportion",
}
#: The null of the findings that have one.
NULL = {"ratio": 1.0, "auc": 0.5}
#: (count, denominator) columns of a proportion's row; a count of None is round(value x denominator).
COUNT_COLUMNS = {
    ("proportion", "estimate"): ("successes", "n"),
    ("shift_table", "row_percent"): ("n", "before_total"),
    ("shift_table", "column_percent"): ("n", "after_total"),
    ("shift_table", "percent_of_total"): ("n", "total"),
    ("shift_table", "after_percent_of_total"): ("after_total", "total"),
    ("sensitivity_specificity", "sensitivity"): ("true_positive", "n_cases"),
    ("sensitivity_specificity", "specificity"): ("true_negative", "n_controls"),
    ("roc_cutoff", "sensitivity"): (None, "n_cases"),
    ("roc_cutoff", "specificity"): (None, "n_controls"),
}
#: Result columns that hold percentages (the others hold fractions).
PERCENT_COLUMNS = {"row_percent", "column_percent", "percent_of_total", "after_percent_of_total", "before_percent_of_total", "percent"}


@dataclass
class Finding:
    """One finding of the paper: the result row it is read from and the printed numbers of that row."""

    analysis: str
    row: dict
    variant: str | None
    column: str  # the estimate's column, or "p_value" for a test
    kind: str  # ratio, auc, median, proportion, test
    analysis_type: str
    printed: dict = field(default_factory=dict)  # role (estimate, conf_low, conf_high, p, count, denominator) -> published entry
    entries: dict = field(default_factory=dict)  # role -> mapping entry

    @property
    def location(self) -> str:
        head = self.printed.get("estimate") or self.printed["p"]
        return head["location"]


def _locations(entry: Mapping) -> list[str]:
    return [entry["at"]] if isinstance(entry["at"], str) else list(entry["at"])


def _row_key(entry: Mapping) -> tuple:
    return (entry["from"], json.dumps(entry.get("row") or {}, sort_keys=True, default=str), entry.get("variant"))


def _is_selector(entry: Mapping) -> bool:
    return "from" in entry and "compute" not in entry and "not_computable" not in entry and "aggregate" not in entry and "parse" not in entry


def classify(mapping: Mapping[str, Any], published: Mapping[str, Any], types: Mapping[str, str]) -> tuple[list[Finding], dict[str, str]]:
    """The findings of a paper, and the category of every printed location.

    ``mapping``: the design's expanded mapping (:func:`her2cohort.replication.load_mapping`);
    ``published``: its published file; ``types``: analysis id -> type (the study's
    declarations). Categories: ``finding`` (a finding's estimate or its p alone), ``with
    a finding`` (its CI limits, p or counts), ``describes the cohort``, ``arithmetic of
    several results``, ``not computable`` (the mapping's ``not_computable``) and ``not
    this study`` (``evidence: not_this_study``).
    """
    by_location = {entry["location"]: entry for entry in published["numbers"]}
    category: dict[str, str] = {}
    rows: dict[tuple, list[tuple[str, dict, dict]]] = {}  # row key -> [(column, entry, published entry)]
    for entry in mapping["reproduce"]:
        locations = _locations(entry)
        first = by_location[locations[0]]
        if first["evidence"] == "not_this_study":
            label = "not this study"
        elif "not_computable" in entry:
            label = "not computable"
        elif not _is_selector(entry):
            label = "arithmetic of several results"
        else:
            label = "describes the cohort"
            rows.setdefault(_row_key(entry), []).append((entry["value"], entry, first))
        for location in locations:
            category[location] = label if by_location[location]["evidence"] != "not_this_study" else "not this study"
    findings = []
    for key, members in rows.items():
        analysis, _, variant = key
        kind_of = types.get(analysis)
        if kind_of is None:
            continue
        columns: dict[str, tuple[dict, dict]] = {}
        for column, entry, printed in members:  # a column mapped twice: the first entry is the finding's
            columns.setdefault(column, (entry, printed))
        estimates = [c for c in ESTIMATE_COLUMNS.get(kind_of, ()) if c in columns and columns[c][1]["kind"] in FINDING_KIND]
        # a CI or a ratio's p attaches to the "estimate" column only (the tidy frames carry one CI per row)
        attached = {"conf_low": "conf_low", "conf_high": "conf_high", "p_value": "p"}
        for column in estimates:
            entry, printed = columns[column]
            finding = Finding(analysis, dict(entry.get("row") or {}), variant, column, FINDING_KIND[printed["kind"]], kind_of)
            finding.printed["estimate"], finding.entries["estimate"] = printed, entry
            if column == "estimate":
                for source, role in attached.items():
                    if source in columns:
                        finding.entries[role], finding.printed[role] = columns[source]
            counts = COUNT_COLUMNS.get((kind_of, column))
            if counts:
                for source, role in zip(counts, ("count", "denominator")):
                    if source is not None and source in columns:
                        finding.entries[role], finding.printed[role] = columns[source]
            findings.append(finding)
        if "p_value" in columns and "estimate" not in estimates and kind_of in TEST_TYPES and columns["p_value"][1]["kind"] == "p_value":
            entry, printed = columns["p_value"]
            finding = Finding(analysis, dict(entry.get("row") or {}), variant, "p_value", "test", kind_of)
            finding.printed["p"], finding.entries["p"] = printed, entry
            findings.append(finding)
    for finding in findings:
        key = (finding.analysis, json.dumps(finding.row, sort_keys=True, default=str), finding.variant)
        for role, entry in finding.entries.items():
            head = role == "estimate" or (role == "p" and finding.kind == "test")
            # every entry of the row that reads this column (the same number mapped twice) shares its label
            for _, other, _ in (m for m in rows[key] if m[0] == entry["value"]):
                for location in _locations(other):
                    if category.get(location) != "not this study":
                        category[location] = "finding" if head and other is entry else "with a finding"
    findings.sort(key=lambda f: list(by_location).index(f.location))
    return findings, category


# ---------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------


def _normal_p(z: float) -> float:
    return 2 * NormalDist().cdf(-abs(z))


def _transform(scale: str):
    return math.log if scale == "log" else (lambda x: x)


def _se_from_ci(low: float, high: float, scale: str) -> float:
    if any(is_missing(v) or math.isinf(v) for v in (low, high)) or (scale == "log" and min(low, high) <= 0):
        return math.nan
    t = _transform(scale)
    return (t(high) - t(low)) / (2 * Z95)


def _value(printed: Mapping | None) -> float:
    return math.nan if printed is None else float(printed["value"])


def _paper_significance(p_entry: Mapping | None, low: float, high: float, null: float | None) -> bool | None:
    if p_entry is not None:
        value, comparator = float(p_entry["value"]), p_entry.get("comparator")
        if comparator in ("<", "<="):
            return True if value <= ALPHA else None
        if comparator in (">", ">="):
            return False if value >= ALPHA else None
        return value < ALPHA
    if null is not None and not (math.isnan(low) or math.isnan(high)):
        return not (low <= null <= high)
    return None


def _cohort_significance(p: float, low: float, high: float, null: float | None) -> bool | None:
    if not math.isnan(p):
        return p < ALPHA
    if null is not None and not (math.isnan(low) or math.isnan(high)):
        return not (low <= null <= high)
    return None


def _ci_scale(finding: Finding) -> str:
    if finding.kind == "ratio":
        return "log"
    if finding.kind == "auc":
        return "linear"
    for role in ("conf_low", "conf_high", "estimate"):
        rule = (finding.entries.get(role) or {}).get("tolerance") or {}
        if rule.get("rule") == "ci_se":
            return rule.get("scale", "log")
    return "log"


def _unit(finding: Finding) -> float:
    """Printed value per unit of proportion (100 for a percentage printed from a fraction or a percent column)."""
    entry = finding.entries["estimate"]
    return float(entry.get("scale", 1)) * (100.0 if finding.column in PERCENT_COLUMNS else 1.0)


def _recovered_denominator(count: int, printed: Mapping, unit: float) -> int | None:
    """The one whole n with which ``count`` prints as the printed proportion; None if none or several."""
    value, decimals = float(printed["value"]), int(printed["precision"])
    fraction = value / unit
    if count <= 0 or not 0 < fraction <= 1:
        return None
    target = half_up(value, decimals)
    guess = count / fraction
    candidates = [n for n in range(max(count, math.floor(guess * 0.8) - 2), math.ceil(guess * 1.25) + 3) if half_up(count / n * unit, decimals) == target]
    return candidates[0] if len(candidates) == 1 else None


def _proportion_test(finding: Finding, x_new: float, n_new: float) -> dict:
    """Counts and the test of two proportions (module docstring)."""
    from her2cohort.stats._result import StatisticsError
    from her2cohort.stats.contingency import association_test
    from her2cohort.stats.proportions import binom_test

    out = {"paper_count": math.nan, "paper_denominator": math.nan}
    unit = _unit(finding)
    printed = finding.printed["estimate"]
    if "count" in finding.printed:
        out["paper_count"] = _value(finding.printed["count"])
    if "denominator" in finding.printed:
        out["paper_denominator"] = _value(finding.printed["denominator"])
    elif not math.isnan(out["paper_count"]):
        recovered = _recovered_denominator(int(out["paper_count"]), printed, unit)
        out["paper_denominator"] = math.nan if recovered is None else float(recovered)
    if math.isnan(x_new) or math.isnan(n_new) or n_new < 1:
        return {**out, "difference_test": "", "difference_p": math.nan, "difference_statistic": math.nan, "why": "the cohort has no count for it"}
    x_paper, n_paper = out["paper_count"], out["paper_denominator"]
    try:
        if not (math.isnan(x_paper) or math.isnan(n_paper)) and 0 <= x_paper <= n_paper:
            table = [[int(x_paper), int(n_paper - x_paper)], [int(x_new), int(n_new - x_new)]]
            result = association_test(table, policy="fisher_if_expected_lt5").iloc[0]
            return {**out, "difference_test": f"{result['method']}, 2 x 2 of the paper's and the cohort's counts (policy fisher_if_expected_lt5)",
                    "difference_p": float(result["p_value"]), "difference_statistic": float(result["statistic"]) if not is_missing(result["statistic"]) else math.nan}  # fmt: skip
        fixed = float(printed["value"]) / unit
        if 0 < fixed < 1:
            result = binom_test(int(x_new), int(n_new), fixed).iloc[0]
            return {**out, "difference_test": "exact binomial test of the cohort's count against the printed proportion (the paper prints no counts for it)",
                    "difference_p": float(result["p_value"]), "difference_statistic": float(result["statistic"])}  # fmt: skip
    except StatisticsError as err:
        return {**out, "difference_test": "", "difference_p": math.nan, "difference_statistic": math.nan, "why": str(err)}
    return {**out, "difference_test": "", "difference_p": math.nan, "difference_statistic": math.nan, "why": "the paper prints no denominator that can be recovered (a count of 0, or none), and a printed proportion of 0 or 100% admits no binomial test"}


def _estimate_test(finding: Finding, estimate: float, low: float, high: float) -> dict:
    """The z test of two estimates with their SEs on the CI's scale (module docstring)."""
    scale = _ci_scale(finding)
    printed = _value(finding.printed.get("estimate"))
    se_paper = _se_from_ci(_value(finding.printed.get("conf_low")), _value(finding.printed.get("conf_high")), scale)
    source = "its 95% CI"
    p_entry = finding.printed.get("p")
    if math.isnan(se_paper) and scale == "log" and p_entry is not None and not p_entry.get("comparator") and 0 < float(p_entry["value"]) < 1 and printed > 0 and printed != 1:
        se_paper = abs(math.log(printed)) / NormalDist().inv_cdf(1 - float(p_entry["value"]) / 2)
        source = "its printed p"
    se_new = _se_from_ci(low, high, scale)
    out = {"difference_scale": scale, "difference_test": "", "difference_p": math.nan, "difference_statistic": math.nan}
    if math.isnan(estimate) or math.isnan(printed) or (scale == "log" and min(estimate, printed) <= 0):
        return {**out, "why": "no estimate to compare on the log scale" if scale == "log" else "no estimate"}
    if math.isnan(se_paper):
        return {**out, "why": "the paper prints no CI (or exact p) to give its standard error"}
    if math.isnan(se_new):
        return {**out, "why": "the cohort's CI is not finite (a limit not reached or not estimable)"}
    t = _transform(scale)
    z = (t(estimate) - t(printed)) / math.sqrt(se_new**2 + se_paper**2)
    words = "log-scale" if scale == "log" else "linear"
    return {**out, "difference_statistic": z, "difference_p": _normal_p(z),
            "difference_test": f"{words} z test, the paper's SE from {source}, the cohort's from its 95% CI"}  # fmt: skip


def _read(results: Results, finding: Finding, column: str, scaled_like: str | None = None) -> float:
    """A column of the finding's row in the cohort's results (scaled as the mapping scales ``scaled_like``)."""
    entry = (finding.entries.get(scaled_like) if scaled_like else None) or finding.entries.get("estimate") or finding.entries["p"]
    selector = {"from": finding.analysis, "row": finding.row, "value": column}
    if finding.variant:
        selector["variant"] = finding.variant
    if scaled_like and "scale" in entry:
        selector["scale"] = entry["scale"]
    try:
        return select(results, selector)
    except SelectionError:
        return math.nan


def compare(finding: Finding, results: Results) -> dict:
    """One finding of the paper beside the cohort's result: values, the test of the difference, agreement, verdict."""
    null = NULL.get(finding.kind)
    row: dict[str, Any] = {
        "paper_estimate": _value(finding.printed.get("estimate")),
        "paper_conf_low": _value(finding.printed.get("conf_low")),
        "paper_conf_high": _value(finding.printed.get("conf_high")),
        "paper_p": _value(finding.printed.get("p")),
        "paper_p_comparator": (finding.printed.get("p") or {}).get("comparator", ""),
        "paper_count": math.nan, "paper_denominator": math.nan, "count": math.nan, "denominator": math.nan,
        "difference": math.nan, "difference_scale": "", "difference_statistic": math.nan, "difference_p": math.nan, "difference_test": "",
    }  # fmt: skip
    try:
        results.row(finding.analysis, finding.row, finding.variant)
        missing_row = ""
    except SelectionError as err:
        missing_row = str(err)
    estimate = _read(results, finding, finding.column, "estimate") if finding.kind != "test" else math.nan
    low = _read(results, finding, "conf_low", "conf_low") if "estimate" in finding.entries and finding.column == "estimate" else math.nan
    high = _read(results, finding, "conf_high", "conf_high") if "estimate" in finding.entries and finding.column == "estimate" else math.nan
    p = _read(results, finding, "p_value", "p") if ("p" in finding.entries or finding.column == "estimate") else math.nan
    row.update(estimate=estimate, conf_low=low, conf_high=high, p_value=p)
    why = ""
    if finding.kind == "proportion":
        count_column, denominator_column = COUNT_COLUMNS.get((finding.analysis_type, finding.column), (None, None))
        n_new = _read(results, finding, denominator_column) if denominator_column else math.nan
        raw = _read(results, finding, finding.column)  # unscaled: a fraction, or a percent column
        x_new = _read(results, finding, count_column) if count_column else (round(raw * n_new) if not math.isnan(raw) and not math.isnan(n_new) else math.nan)
        row.update(count=x_new, denominator=n_new)
        tested = _proportion_test(finding, x_new, n_new)
        why = tested.pop("why", "")
        row.update(tested, difference_scale="counts" if tested["difference_test"] else "")
        row["difference"] = estimate - row["paper_estimate"]
    elif finding.kind in ("ratio", "auc", "median"):
        tested = _estimate_test(finding, estimate, low, high)
        why = tested.pop("why", "")
        row.update(tested)
        row["difference"] = estimate - row["paper_estimate"]
    # agreement
    direction = None
    if null is not None and not math.isnan(estimate) and side(row["paper_estimate"], null) != 0:
        direction = side(estimate, null) == side(row["paper_estimate"], null)
    paper_sig = _paper_significance(finding.printed.get("p"), row["paper_conf_low"], row["paper_conf_high"], null)
    cohort_sig = _cohort_significance(p, low, high, null)
    row.update(
        direction_agrees=direction,
        paper_significant=paper_sig,
        significant=cohort_sig,
        significance_agrees=None if paper_sig is None or cohort_sig is None else paper_sig == cohort_sig,
    )
    value_missing = math.isnan(p) if finding.kind == "test" else math.isnan(estimate)
    row["verdict"], row["explanation"] = verdict(finding, row, null, value_missing, missing_row or why)
    return row


def verdict(finding: Finding, row: Mapping[str, Any], null: float | None, value_missing: bool, why: str = "") -> tuple[str, str]:
    """The verdict of one compared finding (the module docstring's rules, in their order) and why, in words."""
    direction, paper_sig, cohort_sig, diff_p = row["direction_agrees"], row["paper_significant"], row["significant"], row["difference_p"]
    null_text = "" if null is None else short(null, 6)
    if value_missing:
        return "not comparable", f"the cohort has no value for it ({why or 'NA: see the analysis note'})"
    if direction is False and (paper_sig is None or cohort_sig is None or paper_sig or cohort_sig):
        return "contradicts", f"the cohort's estimate lies on the other side of {null_text} from the paper's" + (", and is significant" if cohort_sig else "")
    if paper_sig is not None and cohort_sig is not None:
        if paper_sig and cohort_sig:
            return "confirms", "both significant (p < 0.05)" + (f", on the same side of {null_text}" if direction else "")
        if paper_sig and not cohort_sig:
            return "same direction, not significant", "the paper's result is significant, the cohort's is not" + (f" (its estimate on the paper's side of {null_text})" if direction else " (a test without an estimate: no direction)")
        if cohort_sig and not paper_sig:
            return "contradicts", "significant in the cohort (p < 0.05), not in the paper"
        return "confirms", "neither significant (p >= 0.05)"
    if not math.isnan(diff_p):
        if diff_p < ALPHA:
            return "contradicts", "the test of the difference gives p < 0.05"
        return "confirms", "the test of the difference gives p >= 0.05"
    reason = why or "no p, CI or counts on both sides to judge significance or test the difference"
    agreed = f"same side of {null_text}; " if direction else ""
    return "not comparable", agreed + reason


def validation_table(study: str, design: str, published: Mapping[str, Any], mapping: Mapping[str, Any], types: Mapping[str, str], results: Results) -> pd.DataFrame:
    """One row per finding of the design's paper (module docstring), in the published file's order.

    ``mapping``: the design's expanded replication mapping; ``types``: analysis id -> type
    of the study (the design's analyses, as the study inherits them); ``results``: the
    cohort's results (:class:`her2cohort.results.Results` of ``results/{study}/stats``).
    """
    findings, _ = classify(mapping, published, types)
    rows = []
    for finding in findings:
        compared = compare(finding, results)
        # the finding's own printed numbers (estimate, CI, p), not the counts printed beside a proportion
        own = [finding.entries[role] for role in ("estimate", "conf_low", "conf_high", "p") if role in finding.entries]
        notes = [entry["discrepant"] for entry in own if entry.get("discrepant")]
        rows.append(
            {
                "study": study,
                "design": design,
                "location": finding.location,
                "quantity": (finding.printed.get("estimate") or finding.printed["p"])["quantity"],
                "finding": finding.kind,
                "analysis": finding.analysis,
                "row": json.dumps(finding.row, sort_keys=True, default=str),
                "variant": finding.variant or "",
                "column": finding.column,
                "printed": printed_text(finding),
                **compared,
                "paper_note": "the design's audit finds this printed number contradicts the paper's own numbers (discrepant)" if notes else "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def printed_text(finding: Finding) -> str:
    """The paper's numbers of a finding as printed (its own texts, not reformatted)."""
    texts = finding.printed
    parts = []
    if "estimate" in texts:
        parts.append(texts["estimate"]["printed"])
        if "conf_low" in texts and "conf_high" in texts:
            parts[-1] += f" ({texts['conf_low']['printed']}\u2013{texts['conf_high']['printed']})"
        if "count" in texts:
            parts.append(f"n {texts['count']['printed']}" + (f" of {texts['denominator']['printed']}" if "denominator" in texts else ""))
    if "p" in texts:
        p_text = texts["p"]["printed"]
        parts.append(p_text if p_text.lstrip().lower().startswith("p") else f"p {p_text}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# The readable report
# ---------------------------------------------------------------------------


def _flag(value: Any, yes: str, no: str) -> str:
    if value is None or is_missing(value):
        return DASH
    return yes if bool(value) else no


def validation_markdown(frame: pd.DataFrame, published: Mapping[str, Any], mapping: Mapping[str, Any], types: Mapping[str, str], title: str = "") -> tuple[str, Printed]:
    """The validation as Markdown, and the record of every number it prints (``{study}/validation_numbers.csv``)."""
    printed = Printed()
    by_location = {entry["location"]: entry for entry in published["numbers"]}
    _, category = classify(mapping, published, types)
    study = frame["study"].iloc[0] if len(frame) else ""
    design = frame["design"].iloc[0] if len(frame) else ""
    counts = frame["verdict"].value_counts().to_dict()
    lines = [f"# Validation of {study} against the paper of {design}", ""]
    if title:
        lines += [f"{title}.", ""]
    summary = "; ".join(f"{v}: {printed('count', counts.get(v, 0), where='summary', source=f'rows with verdict {v}')}" for v in VERDICTS)
    lines += [
        f"The design of `config/studies/{design}.yaml` applied to this cohort (`extends: {design}`), "
        f"compared with the paper: {published.get('citation', design)}",
        "",
        f"Findings the paper prints: {printed('count', len(frame), where='summary', source='findings')} ({summary}).",
        "",
        "| Finding | Paper | This cohort | Difference (test) | Direction | Significance | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for record in frame.to_dict("records"):
        location = record["location"]
        estimate_entry = by_location[location]
        decimals = int(estimate_entry["precision"])
        where = location
        cohort = _cohort_text(record, decimals, printed, where)
        difference = DASH
        if not is_missing(record["difference"]):
            difference = printed("number", record["difference"], decimals=decimals, where=f"{where} / difference", source="cohort - paper")
            if not is_missing(record["difference_p"]):
                difference += f" ({printed('p_phrase', record['difference_p'], where=f'{where} / difference p', source=record['difference_test'])})"
        direction = _flag(record["direction_agrees"], "same side", "opposite")
        significance = _significance_text(record)
        label = f"{location} ({record['quantity']})"
        paper = record["printed"] + (" (the paper contradicts itself here: see its replication audit)" if record["paper_note"] else "")
        lines.append(f"| {label} | {paper} | {cohort} | {difference} | {direction} | {significance} | **{record['verdict']}**: {record['explanation']} |")
    tally: dict[str, int] = {}
    for location in (entry["location"] for entry in published["numbers"]):
        tally[category.get(location, "describes the cohort")] = tally.get(category.get(location, "describes the cohort"), 0) + 1
    order = ["finding", "with a finding", "describes the cohort", "arithmetic of several results", "not computable", "not this study"]
    described = "; ".join(f"{name}: {printed('count', tally[name], where='categories', source=f'printed numbers: {name}')}" for name in order if name in tally)
    lines += [
        "",
        "## What is compared",
        "",
        f"Every number the paper prints ({printed('count', len(published['numbers']), where='categories', source='printed numbers')}; "
        f"a number printed in several places counted in each), by category: {described}. "
        "A finding is a ratio (HR, OR) with its CI and p, an AUC, a median survival, a proportion (a response rate, how many patients "
        "changed, a sensitivity), or a test's p printed without an estimate; counts, Table 1 cells, medians and ranges of a variable, "
        "follow-up, cutoffs and arithmetic of several results describe the paper's cohort and are not compared "
        "(her2cohort.validation).",
        "",
        "Tests of the difference: a ratio on the log scale and an AUC on the linear scale, z = difference / sqrt(SE_cohort^2 + SE_paper^2), "
        "each SE from its own 95% CI (the paper's from its exact p when it prints no CI); a median on the scale its printed CI is symmetric on; "
        "a proportion by the two counts (Fisher's exact test when an expected count is < 5, else chi-square without correction), "
        "or the exact binomial test against the printed proportion when the paper prints no counts.",
        "",
        "Verdicts: **confirms**: both significant in the same direction, or neither significant; without a null (a proportion, a median), "
        "the difference test p >= 0.05. **same direction, not significant**: the paper's result is significant, the cohort's is not, "
        "its estimate on the paper's side of the null. **contradicts**: the other side of the null while either is significant, "
        "significant where the paper is not, or a difference test p < 0.05 for a finding without a null. **not comparable**: the cohort "
        "has no value, or neither significance nor the difference can be assessed.",
        "",
    ]
    return "\n".join(lines), printed


def _cohort_text(record: Mapping, decimals: int, printed: Printed, where: str) -> str:
    kind = record["finding"]
    if kind == "test":
        return printed("p_phrase", record["p_value"], where=f"{where} / p", source=f"{record['analysis']} / p_value")
    if is_missing(record["estimate"]):
        return "NA"
    if kind == "proportion":
        text = printed("number", record["estimate"], decimals=decimals, where=where, source=f"{record['analysis']} / {record['column']}")
        if not is_missing(record["count"]) and not is_missing(record["denominator"]):
            text += f" ({printed('count', record['count'], where=f'{where} / count', source='count')} of {printed('count', record['denominator'], where=f'{where} / denominator', source='denominator')})"
        return text
    if not is_missing(record["conf_low"]) or not is_missing(record["conf_high"]):
        text = printed("estimate_ci", record["estimate"], record["conf_low"], record["conf_high"], decimals=decimals, where=where, source=f"{record['analysis']} / estimate, conf_low, conf_high")
    else:
        text = printed("number", record["estimate"], decimals=decimals, where=where, source=f"{record['analysis']} / estimate")
    if not is_missing(record["p_value"]):
        source = f"{record['analysis']} / p_value"
        text += ", " + printed("p_phrase", record["p_value"], where=f"{where} / p", source=source)
    return text


def _significance_text(record: Mapping) -> str:
    paper, cohort = record["paper_significant"], record["significant"]
    if paper is None or cohort is None or is_missing(paper) or is_missing(cohort):
        return DASH
    words = {True: "p < 0.05", False: "p >= 0.05"}
    return f"both {words[bool(paper)]}" if bool(paper) == bool(cohort) else f"paper {words[bool(paper)]}, cohort {words[bool(cohort)]}"
