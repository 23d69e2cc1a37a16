"""The analysis catalogue: a study declares analyses by type and parameters, this runs them.

A study's YAML lists ``analyses:``, each ``{id, type, params, where, derive}``:
``type`` names a catalogue entry (:data:`CATALOGUE`), ``params`` are that
function's keyword arguments (checked against its signature before anything
runs), ``where`` restricts the analysis set and ``derive`` adds columns, both
expressions of the study language (:mod:`her2cohort.expressions`, e.g.
``h_score_le_170: "baseline_h_score <= 170"``); ``data: treatment_lines`` runs it on the
treatment lines instead of the analysis set (:func:`run_analysis`). Each
analysis returns the tidy frame of its
library function, with ``analysis`` and ``type`` columns in front; adding an
analysis to a study is a YAML edit, not new Python.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pandas as pd

from her2cohort.config import analysis_param_errors
from her2cohort.errors import StudyConfigError, did_you_mean
from her2cohort.expressions import evaluate, select
from her2cohort.stats import competing_risks, contingency, cox, kaplan_meier, landmark, logistic, logrank, molecular, paired_categorical, proportions, rank_tests, roc, table1
from her2cohort.stats import timeline


def _shift_table(data: pd.DataFrame, before: str, after: str, levels=None, missing_level=None) -> pd.DataFrame:
    """The k x k shift table in long form: before, after, n, with the margins and the
    percentages a shift table prints (of the row, i.e. of the patients in that
    ``before`` category; of the column; of all patients)."""
    table = paired_categorical.shift_table(data, before, after, levels, missing_level=missing_level)
    long = table.stack().rename("n").reset_index()
    long.columns = ["before", "after", "n"]
    total = float(long["n"].sum())
    long["before_total"] = long.groupby("before", sort=False)["n"].transform("sum")
    long["after_total"] = long.groupby("after", sort=False)["n"].transform("sum")
    long["row_percent"] = (100 * long["n"] / long["before_total"]).where(long["before_total"] > 0)
    long["column_percent"] = (100 * long["n"] / long["after_total"]).where(long["after_total"] > 0)
    long["percent_of_total"] = 100 * long["n"] / total if total else float("nan")
    long["before_percent_of_total"] = 100 * long["before_total"] / total if total else float("nan")
    long["after_percent_of_total"] = 100 * long["after_total"] / total if total else float("nan")
    long["total"] = total
    long["n_incomplete"] = table.attrs.get("n_incomplete", 0)
    return long


def _numbers_at_risk(data: pd.DataFrame, time: str, event: str, times: list[float], group: str | None = None) -> pd.DataFrame:
    return kaplan_meier.numbers_at_risk(kaplan_meier.kaplan_meier(data, time, event, group), times)


def _roc_cutoff(data: pd.DataFrame, outcome: str, predictor: str, event_level: Any, direction: str = "auto", convention: str = "pROC", conf_level: float = 0.95) -> pd.DataFrame:
    """AUC with DeLong CI, and the Youden-optimal cutoff(s) with sensitivity and specificity."""
    auc = roc.roc_auc(data, outcome, predictor, event_level, direction=direction, conf_level=conf_level)
    best = roc.youden_cutoff(data, outcome, predictor, event_level, direction=direction, convention=convention)
    return pd.concat([auc, best], ignore_index=True)


#: type -> library function (its first parameter takes the analysis set).
CATALOGUE: dict[str, Callable[..., pd.DataFrame]] = {
    "baseline_table": table1.baseline_table,
    "association": contingency.association_test,
    "paired_rank": rank_tests.wilcoxon_signed_rank,
    "rank_sum": rank_tests.mann_whitney,
    "kruskal_wallis": rank_tests.kruskal_wallis,
    "proportion": proportions.proportion_table,
    "shift_table": _shift_table,
    "mcnemar": paired_categorical.mcnemar_test,
    "mcnemar_exact": paired_categorical.mcnemar_exact_test,
    "bowker": paired_categorical.bowker_test,
    "stuart_maxwell": paired_categorical.stuart_maxwell_test,
    "roc_curve": roc.roc_curve,
    "roc_cutoff": _roc_cutoff,
    "sensitivity_specificity": roc.sensitivity_specificity,
    "logistic": logistic.logistic_odds_ratios,
    "firth_logistic": logistic.firth_odds_ratios,
    "kaplan_meier": kaplan_meier.kaplan_meier,
    "median_survival": kaplan_meier.median_survival,
    "median_follow_up": kaplan_meier.median_follow_up,
    "numbers_at_risk": _numbers_at_risk,
    "logrank": logrank.logrank_test,
    "cox": cox.cox_model,
    "proportional_hazards": cox.proportional_hazards_test,
    "time_dependent_cox": cox.time_dependent_cox,
    "landmark": landmark.landmark_analysis,
    "cumulative_incidence": competing_risks.cumulative_incidence,
    "gray_test": competing_risks.gray_test,
    "fine_gray": competing_risks.fine_gray,
    "clonality": molecular.clonality_table,
    "treatment_timeline": timeline.treatment_timeline,
}


def check_analyses(analyses: list[dict], where: str) -> list[str]:
    """Problems with declared analyses (unknown type, unknown or missing parameter,
    repeated id), including each declared variant's parameters."""
    problems, seen = [], set()
    for index, analysis in enumerate(analyses):
        label = f"{where}: analyses[{index}] ({analysis.get('id', '?')})"
        if analysis["id"] in seen:
            problems.append(f"{label}: id repeats an earlier analysis")
        seen.add(analysis["id"])
        function = CATALOGUE.get(analysis["type"])
        if function is None:
            problems.append(f"{label}: unknown type {analysis['type']!r}; {did_you_mean(analysis['type'], sorted(CATALOGUE))}")
            continue
        signature = inspect.signature(function)
        accepted = list(signature.parameters)[1:]  # the first takes the data
        for variant, overrides in {None: {}, **analysis.get("variants", {})}.items():
            params = {**analysis.get("params", {}), **overrides}
            try:
                signature.bind(None, **params)
            except TypeError as err:
                which = f" variant {variant!r}" if variant else ""
                unknown = [name for name in params if name not in accepted]
                what = f"the parameters of {analysis['type']}"
                hint = "".join(f"; {name!r}: {did_you_mean(name, accepted, what)}" for name in unknown)
                problems.append(f"{label}:{which} params do not fit {analysis['type']}: {err}{hint}")
    return problems


def analysis_problems(analyses: list[dict], where: str) -> list[str]:
    """Every problem with a study's declared analyses: types and parameter names
    (:func:`check_analyses`), then parameter values against the catalogue
    functions' annotations (:func:`her2cohort.config.analysis_param_errors`).
    Passed to :func:`her2cohort.config.load_study` by its callers."""
    problems = check_analyses(analyses, where)
    return problems or analysis_param_errors(analyses, CATALOGUE, where)


def prepare(
    data: pd.DataFrame,
    derive: dict[str, str] | None,
    where: str | None,
    key: str = "",
    source: str = "",
    study_derive: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Add derived columns (the study's ``study_derive``, then ``derive``), then keep
    the rows where ``where`` is True.

    All are expressions of :mod:`her2cohort.expressions` (one language for every
    expression of a study): a derived column keeps missing values missing, and a
    row where ``where`` is missing is not kept. ``key`` is where ``derive`` and
    ``where`` are declared in the study file ``source`` (``analyses[3]``; empty for
    the study's own): an error names ``derive.{column}``, ``{key}.derive.{column}``
    or ``{key}.where``.
    """
    prefix = f"{key}." if key else ""
    # the study's own columns once per analysis set, not once per analysis (every analysis
    # of a study starts from them: 1.7 of the analyses' 4.5 CPU-s, issue 18)
    frame = _study_derived(data, study_derive, source).copy()
    steps = [(f"derive.{name}", name, text) for name, text in (study_derive or {}).items()]
    own = [(f"{prefix}derive.{name}", name, text) for name, text in (derive or {}).items()]
    for at, name, text in own:
        frame[name] = _checked(lambda: evaluate(frame, text, source, at), source, at, text)
    steps += own
    if where:
        rows = _checked(lambda: select(frame, where, source, f"{prefix}where"), source, f"{prefix}where", where)
        frame = frame.loc[rows.to_numpy()]
        # a True/False column is held as objects while it has missing values; on
        # the rows kept it may have none: plain True/False again (a covariate, not a factor)
        for name in dict.fromkeys(name for _, name, _ in steps):
            if frame[name].dtype == object:
                frame[name] = frame[name].infer_objects()
    return frame


#: The last analysis set given the study's ``derive`` (:func:`_study_derived`): the frame it
#: was computed from (held, so that its id names it), the expressions, and the result.
_LAST_DERIVED: list = []


def _study_derived(data: pd.DataFrame, study_derive: dict[str, str] | None, source: str) -> pd.DataFrame:
    """``data`` with the study's derived columns (``derive`` of the study file), computed once for
    consecutive calls on the same frame with the same expressions (the caller copies it).

    The frame is recognised by identity, its shape and columns; every analysis of a study
    is given the same analysis set, which nothing modifies (:func:`prepare` copies)."""
    expressions = tuple((study_derive or {}).items())
    if not expressions:
        return data
    shape = (data.shape, tuple(map(str, data.columns)), tuple(map(str, data.dtypes)))
    if _LAST_DERIVED:
        held, held_shape, held_expressions, held_source, derived = _LAST_DERIVED
        if held is data and held_shape == shape and held_expressions == expressions and held_source == source:
            return derived
    frame = data.copy()
    for name, text in expressions:
        at = f"derive.{name}"
        frame[name] = _checked(lambda: evaluate(frame, text, source, at), source, at, text)
    _LAST_DERIVED[:] = [data, shape, expressions, source, frame]
    return frame


def _checked(compute: Callable[[], Any], source: str, key: str, expression: str):
    """``compute()``; an error that is not already an :class:`ExpressionError` names the key too."""
    try:
        return compute()
    except StudyConfigError:
        raise
    except Exception as err:  # a defect of the evaluator, not of the study: still say where
        raise StudyConfigError(f"{source or 'study'}: at key '{key}': {expression!r} failed: {err}") from None


#: Parameters of the catalogue functions that name columns of the data: a name, a
#: list of names, ``{name: ...}`` entries (``variables`` of a Table 1) or the
#: keys of a mapping (``reference_levels``). Checked before an analysis runs
#: (:func:`column_problems`).
COLUMN_PARAMETERS = (
    "variables", "group", "row", "column", "x", "y", "value", "subject", "time", "event", "outcome",
    "predictor", "before", "after", "covariates", "strata", "vaf", "copy_number", "purity",
    "follow_up", "carry", "reference_levels", "start", "change_time", "status",
)


def _named_columns(name: str, value) -> list[str]:
    """The column names a parameter's value gives (numbers given as data are not names)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(k) for k in value] if name == "reference_levels" else []
    if isinstance(value, (list, tuple)):
        names = []
        for item in value:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                names.append(item["name"])
        return names
    return []


def column_problems(columns, analysis: dict, label: str, data_name: str = "the analysis set", variant: str | None = None) -> list[str]:
    """The parameters of ``analysis`` (with its ``variant``) that name no column of the data,
    each with the nearest column and the columns there are; ``columns``: the data's
    columns and those its ``derive`` adds. A HER2 column of a cohort without HER2
    data says so (:func:`her2cohort.classify.classify_cohort`)."""
    from her2cohort.classify import missing_column_reason

    columns = [str(c) for c in columns]
    known = set(columns)
    params = {**analysis.get("params", {}), **(analysis.get("variants", {}).get(variant, {}) if variant else {})}
    problems = []
    for name in COLUMN_PARAMETERS:
        for column in _named_columns(name, params.get(name)):
            if column not in known:
                why = missing_column_reason(column, columns, data_name)
                problems.append(f"{label}: parameter {name!r} names {column!r}, which is not a column of {data_name}: {why}")
    return problems


def with_patient_columns(lines: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """Each treatment line with its patient's analysis-set columns (joined on
    ``patient_key``); a column both tables have keeps the line's value (a line's
    ``best_response`` is that line's, not the index treatment's)."""
    extra = [column for column in patients.columns if column not in lines.columns]
    return lines.merge(patients[["patient_key", *extra]], on="patient_key", how="left", validate="many_to_one")


def study_column_problems(data: pd.DataFrame, analyses: list[dict], study_derive: dict | None = None, treatment_lines: pd.DataFrame | None = None, where: str = "") -> list[str]:
    """Every parameter of every declared analysis (and variant) that names no column,
    before any runs: the analysis set's columns, the study's ``derive`` and the
    analysis's own (their names; the expressions are evaluated when it runs)."""
    problems = []
    place = f"{where}: " if where else ""
    derived = list(study_derive or {})
    for analysis in analyses:
        own = list(analysis.get("derive", {}))
        if analysis.get("data", "analysis_set") == "treatment_lines":
            if treatment_lines is None or "patient_key" not in treatment_lines.columns:
                continue  # run_analysis says the cohort has none
            columns = list(treatment_lines.columns) + [c for c in data.columns if c not in treatment_lines.columns] + derived + own
            data_name = "the treatment lines (with their patients' columns)"
        else:
            columns, data_name = list(data.columns) + derived + own, "the analysis set"
        for variant in (None, *analysis.get("variants", {})):
            label = f"{place}analysis {analysis['id']!r}" + (f" variant {variant!r}" if variant else "")
            problems += column_problems(columns, analysis, label, data_name, variant)
    return list(dict.fromkeys(problems))


def run_analysis(
    data: pd.DataFrame,
    analysis: dict,
    study_derive: dict[str, str] | None = None,
    variant: str | None = None,
    treatment_lines: pd.DataFrame | None = None,
    source: str = "",
    key: str | None = None,
) -> pd.DataFrame:
    """Run one declared analysis on the analysis set; return its tidy result.

    ``variant`` runs it with one of its declared ``variants`` (parameters that
    override ``params``: the same analysis under another convention, e.g. a
    chi-square with Yates' correction beside the paper's policy), which the
    replication report uses to investigate a published number that does not
    match.

    An analysis declared with ``data: treatment_lines`` runs on the cleaned
    treatment lines instead, one row per patient and line, each with its
    patient's analysis-set columns after the study's ``derive``
    (:func:`with_patient_columns`); its own ``derive`` and ``where`` then apply
    to those rows.

    ``source`` (the study file) and ``key`` (where the analysis is declared in it,
    ``analyses[3]``) name the expression of an error.
    """
    label = f"analysis {analysis['id']!r}" + (f" variant {variant!r}" if variant else "")
    key = key or f"analyses[id={analysis['id']}]"
    if analysis.get("data", "analysis_set") == "treatment_lines":
        if treatment_lines is None or "patient_key" not in treatment_lines.columns:
            raise StudyConfigError(f"{label}: declared on the treatment lines (data: treatment_lines), but the cohort has none")
        patients = prepare(data, None, None, key, source, study_derive)
        frame = prepare(with_patient_columns(treatment_lines, patients), analysis.get("derive"), analysis.get("where"), key, source)
        data_name = "the treatment lines (with their patients' columns)"
    else:
        frame = prepare(data, analysis.get("derive"), analysis.get("where"), key, source, study_derive)
        data_name = "the analysis set"
    problems = column_problems(frame.columns, analysis, label, data_name, variant)
    if problems:
        raise StudyConfigError("\n".join(problems))
    params = {**analysis.get("params", {}), **(analysis["variants"][variant] if variant else {})}
    result = CATALOGUE[analysis["type"]](frame, **params)
    result = result.reset_index(drop=True)
    result.insert(0, "type", analysis["type"])
    result.insert(0, "analysis", analysis["id"])
    if variant:
        result.insert(2, "variant", variant)
    return result
