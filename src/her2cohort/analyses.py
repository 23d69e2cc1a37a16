"""The analysis catalogue: a study declares analyses by type and parameters, this runs them.

A study's YAML lists ``analyses:``, each ``{id, type, params, where, derive}``:
``type`` names a catalogue entry (:data:`CATALOGUE`), ``params`` are that
function's keyword arguments (checked against its signature before anything
runs), ``where`` restricts the analysis set and ``derive`` adds columns, both
expressions of the study language (:mod:`her2cohort.expressions`, e.g.
``h_score_le_170: "baseline_h_score <= 170"``); ``data: treatment_lines`` runs it on the
treatment lines instead of the analysis set, ``data: results`` on the result rows
of the analyses it lists under ``results:`` (a ``p_adjust`` of several tests;
:func:`run_analysis`). Each
analysis returns the tidy frame of its
library function, with ``analysis`` and ``type`` columns in front; adding an
analysis to a study is a YAML edit, not new Python.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable, Literal, Sequence

import pandas as pd

from her2cohort.config import analysis_param_errors
from her2cohort.errors import StudyConfigError, did_you_mean
from her2cohort.expressions import evaluate, select
from her2cohort.stats import competing_risks, contingency, cox, kaplan_meier, landmark, logistic, logrank, meta_analysis, molecular, multiplicity, ordinal_symmetry, paired_categorical, proportions, rank_tests, roc, table1
from her2cohort.stats import timeline, validation_bootstrap


def _shift_table(data: pd.DataFrame, before: str, after: str, levels: Sequence | None = None, missing_level: Any = None) -> pd.DataFrame:
    """The k x k shift table of ``before`` -> ``after`` in long form (R ``table(before,
    after)``, ``levels`` in order): before, after, n, with the margins and the
    percentages a shift table prints (of the row, i.e. of the patients in that
    ``before`` category; of the column; of all patients).

    A patient missing either value is left out and counted in ``n_incomplete``,
    unless ``missing_level`` names a level for a missing value (``NA``: not
    assessed)."""
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
    """Numbers at risk, cumulative events and cumulative censored of the Kaplan-Meier
    fit at each of ``times``, per group, as R ``summary(survfit(Surv(time, event) ~
    group), times, extend = TRUE)`` (survminer's risk table; the rows of a KMunicate
    table)."""
    return kaplan_meier.numbers_at_risk(kaplan_meier.kaplan_meier(data, time, event, group), times)


def _roc_cutoff(data: pd.DataFrame, outcome: str, predictor: str, event_level: Any, direction: roc.Direction = "auto", convention: Literal["pROC", "EZR"] = "pROC", conf_level: float = 0.95) -> pd.DataFrame:
    """AUC with its DeLong CI (R ``pROC::ci.auc(method = "delong")``), and the
    Youden-optimal cutoff(s) with sensitivity and specificity (``pROC::coords(roc,
    "best", best.method = "youden")``: midpoint thresholds; ``EZR`` reports the next
    observed value)."""
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
    "ordinal_symmetry": ordinal_symmetry.ordinal_symmetry_test,
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
    "bootstrap_cutoff": roc.bootstrap_cutoff_ci,
    "optimism_auc": validation_bootstrap.optimism_corrected_auc,
    "p_adjust": multiplicity.p_adjust,
    "meta_analysis": meta_analysis.meta_proportions,
}

#: What an analysis can run on (``data:`` of a declared analysis; the analysis set by default).
DATA_SOURCES = ("analysis_set", "treatment_lines", "results")


#: Parameters whose value is one of a named set, per type: the statistics module's own
#: constant (what the function accepts), checked when the study loads and listed in the
#: reference. Parameters annotated ``Literal[...]`` carry theirs in the annotation.
CHOICES: dict[str, dict[str, tuple]] = {
    "baseline_table": {"policy": tuple(contingency.POLICIES)},
    "association": {"policy": tuple(contingency.POLICIES), "alternative": contingency.ALTERNATIVES},
    "paired_rank": {"convention": rank_tests.CONVENTIONS, "alternative": contingency.ALTERNATIVES},
    "rank_sum": {"convention": rank_tests.CONVENTIONS, "alternative": contingency.ALTERNATIVES},
    "bowker": {"empty_pairs": paired_categorical.EMPTY_PAIRS, "distribution": paired_categorical.DISTRIBUTIONS},
    "kaplan_meier": {"conf_type": kaplan_meier.CONF_TYPES},
    "median_survival": {"convention": tuple(kaplan_meier.MEDIAN_CONVENTIONS)},
    "median_follow_up": {"method": tuple(kaplan_meier.FOLLOW_UP_METHODS), "conf_type": kaplan_meier.CONF_TYPES},
    "cox": {"ties": cox.TIES_METHODS},
    "proportional_hazards": {"ties": cox.TIES_METHODS, "transform": ("km", "identity", "log", "rank")},
    "time_dependent_cox": {"ties": cox.TIES_METHODS},
    "landmark": {"ties": cox.TIES_METHODS, "convention": tuple(kaplan_meier.MEDIAN_CONVENTIONS)},
}

#: What a parameter is, for the reference (docs/study-language.md), by name; a type's own
#: note under ``"{type}.{name}"``. Its type and default come from the signature.
PARAMETER_NOTES = {
    "variables": "the rows: a column name, or {name, kind (categorical, continuous, multi), levels (their order), label, missing_label (a level for a missing value), test (false: no p)}",
    "group": "the column whose levels are the groups",
    "group_levels": "the groups, in order (default: sorted)",
    "levels": "the levels, in order",
    "policy": "which test: Fisher's exact when an expected count is < 5, else chi-square (fisher_if_expected_lt5); R's chisq.test default (r_default); always chi-square, with Yates' correction, or Fisher's",
    "row": "the column of the table's rows",
    "column": "the column of the table's columns",
    "row_levels": "the rows, in order (the first row and column give the odds ratio)",
    "column_levels": "the columns, in order",
    "x": "the column of the first values (the test is on x - y)",
    "y": "the column of the second values",
    "value": "the column of the values",
    "subject": "long data: the column of the patient",
    "time_levels": "long data: the two time points, first minus second",
    "convention": "whose numbers: R's function (default) or another program's (see the description)",
    "outcome": "the outcome column",
    "success": "the outcome value counted",
    "null_proportion": "the null of R's binom.test p (none: no p)",
    "before": "the column before",
    "after": "the column after",
    "missing_level": "a level for a missing value (e.g. NA: not assessed); default: the patient is left out",
    "predictor": "the predictor column",
    "event_level": "the outcome level that is the event (the positive class)",
    "control_level": "the outcome level of the controls (default: the other)",
    "direction": "pROC's direction: controls < cases ('<'), > or chosen by the medians (auto)",
    "cutoff": "the cutoff of the rule: positive if predictor side cutoff",
    "side": "the side of the rule",
    "covariates": "the model's columns: text and true/false are contrasts against a reference level, numbers one term per unit",
    "reference_levels": "column -> its reference level (default: the first sorted)",
    "strata": "column(s) of strata, a baseline hazard each",
    "time": "the time column; or write endpoint: pfs instead of time and event",
    "event": "the event column (1/0 or true/false)",
    "times": "the times (months)",
    "ties": "tied event times: Efron (R) or Breslow (SPSS COXREG)",
    "conf_type": "the CI's scale (R survfit conf.type)",
    "conf_level": "the confidence level",
    "method": "the definition of follow-up",
    "rho": "0: log-rank; 1: Peto-Peto",
    "vaf": "the column of the variant allele frequency (a fraction)",
    "copy_number": "the column of the gene's copy number in tumour cells",
    "purity": "the column of the tumour purity (a fraction)",
    "normal_copy_number": "copies in normal cells",
    "follow_up": "the column of months to last contact that closes an ongoing line",
    "carry": "treatment-line columns written on each line's row",
    "ci_method": "Wald (what EZR and SPSS print) or profile likelihood (R confint)",
    "on_separation": "under separation: NA with a note, or the Firth estimates",
    "concordance": "a concordance row",
    "alternative": "the alternative hypothesis",
    "correct": "the continuity correction (R correct = TRUE)",
    "exact": "an exact p (none: R's rule, exact for n < 50 without ties or zeros)",
    "max_paths": "the most tables the network algorithm of an r x c Fisher's exact test visits before it refuses",
    "empty_pairs": "a pair of empty mirror cells: dropped with a note (drop) or NA (R gives NaN)",
    "distribution": "the chi-square (asymptotic), the exact conditional test, Monte Carlo, or exact when the chi-square is flagged unreliable (auto)",
    "n_resamples": "Monte Carlo: the tables drawn",
    "seed": "Monte Carlo: the seed",
    "max_support": "exact: the most statistic values computed before it refuses",
    "transform": "the time scale of the test (R cox.zph transform)",
    "terms": "one test per covariate (true) or per coefficient",
    "start": "(start, stop] data: the column of the entry time of each row (R Surv(start, stop, event)); time is then the stop",
    "change_time": "the column of the time at which the covariate switches from 0 to 1 (missing: never)",
    "landmark": "the landmark time: patients at risk after it, grouped by whether change_time <= landmark",
    "landmark.times": "residual times after the landmark at which survival is printed",
    "include_at_landmark": "keep a patient whose time equals the landmark (time >= landmark, R survfit start.time) instead of time > landmark",
    "status": "the column of the cause: censor_code for censored, any other value a cause of failure",
    "censor_code": "the value of status that means censored",
    "cause": "the value of status whose subdistribution hazard is modelled (cmprsk crr failcode)",
    "cumulative_incidence.times": "the times at which the incidence is printed (none: every time the cause occurs)",
    "cumulative_incidence.time": "the time column (to the event of any cause or to censoring)",
    "gray_test.time": "the time column (to the event of any cause or to censoring)",
    "fine_gray.time": "the time column (to the event of any cause or to censoring)",
    "gray_test.strata": "a column of strata (cmprsk cuminc strata): the test is summed over them",
    "scores": "the score of each level, in order (coin's default: 1, 2, ...); the test is on their change",
    "n_boot": "the number of bootstrap resamples",
    "best_policy": "a resample with tied best Youden cutoffs: omitted (pROC best.policy omit), one taken at random, or an error",
    "stratified": "resample within the events and the non-events separately, keeping their numbers (pROC's default)",
    "interval": "the percentile limits: pROC's (ci.coords, quantile type 7 over the replicates) or boot's (boot.ci perc, its order statistics)",
    "p_adjust.p_value": "the column of the p-values",
    "p_adjust.label": "the column(s) naming each test in the result",
    "p_adjust.n": "the size of the family, when it holds tests not in the table (default: the non-missing p-values)",
    "meta_analysis.events": "the column of the number of events in each study",
    "meta_analysis.n": "the column of the number of patients in each study",
    "meta_analysis.study": "the column naming each study (default: the row number)",
    "meta_analysis.test": "z: the normal test and CI; knha: Hartung-Knapp(-Sidik-Jonkman) t with k - 1 df",
    "add": "the continuity correction added to the events and non-events (metafor escalc add)",
    "to": "which studies get the correction (metafor escalc to): only those with 0 events or 0 non-events, all, all if any has, none",
}

#: The type of a parameter where its annotation says it badly, for the reference.
PARAMETER_TYPES = {
    "baseline_table.variables": "a list of column names or {name, ...} mappings",
}

#: The parameters an analysis's ``endpoint`` gives (her2cohort.declarations.apply_endpoints).
ENDPOINT_PARAMETERS = ("time", "event")


def parameters(kind: str) -> list[inspect.Parameter]:
    """The parameters a study writes for an analysis type: the catalogue function's, but
    the first (it takes the data)."""
    return list(inspect.signature(CATALOGUE[kind]).parameters.values())[1:]


def _choices(kind: str, name: str, hint: Any) -> tuple | None:
    import typing

    if name in CHOICES.get(kind, {}):
        return CHOICES[kind][name]
    if typing.get_origin(hint) is Literal:
        return typing.get_args(hint)
    return None


def params_schema(kind: str) -> dict:
    """The parameters of an analysis type as a JSON schema, generated from its catalogue
    function (the one source: its signature, annotations and docstring): ``properties``
    with each parameter's type (``x-type``, in words), ``enum`` (:data:`CHOICES` or a
    ``Literal``) and ``default``; ``required`` (no default); ``description``, the
    docstring's first lines (the convention and the R function it matches)."""
    import typing

    from her2cohort.config import _describe

    function = CATALOGUE[kind]
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 (an annotation that does not resolve: described as written)
        hints = {}
    properties, required = {}, []
    for parameter in parameters(kind):
        hint = hints.get(parameter.name, inspect.Parameter.empty)
        described = "any value" if hint is inspect.Parameter.empty else _describe(hint)
        if parameter.default is None:  # a null default: "none" in the default column says it
            described = described.removesuffix(" or null")
        entry: dict[str, Any] = {"x-type": PARAMETER_TYPES.get(f"{kind}.{parameter.name}", described)}
        choices = _choices(kind, parameter.name, hint)
        if choices:
            entry["enum"] = list(choices)
        if parameter.default is inspect.Parameter.empty:
            required.append(parameter.name)
        else:
            entry["default"] = parameter.default
        note = PARAMETER_NOTES.get(f"{kind}.{parameter.name}", PARAMETER_NOTES.get(parameter.name))
        if note:
            entry["description"] = note
        if parameter.name in COLUMN_PARAMETERS and f"{kind}.{parameter.name}" not in NOT_COLUMNS:
            entry["x-names-columns"] = True
        properties[parameter.name] = entry
    return {"title": kind, "description": summary(function), "type": "object", "properties": properties,
            "required": required, "additionalProperties": False}


def summary(function: Callable) -> str:
    """The docstring's first paragraph, with the first sentence of the second when the first
    names no R function (the convention a type matches), in Markdown."""
    doc = inspect.getdoc(function) or ""
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]
    text = paragraphs[0] if paragraphs else ""
    if len(paragraphs) > 1 and not re.search(r"\bR\b|pROC|coin::|survival::|logistf|SPSS", text):
        first = re.split(r"(?<=[.:])\s", paragraphs[1], maxsplit=1)[0]
        if first.endswith("::") and len(paragraphs) > 2:  # "Matches R::" and a literal block: the code, inline
            code = ""
            for line in inspect.getdoc(function).split("::", 1)[1].split("\n\n")[1].splitlines():
                code += ("" if not code else " " if code.endswith(",") else "; ") + line.strip()
            text += " " + first.removesuffix("::") + f": ``{' '.join(code.split())}``."
        elif re.search(r"\bR\b|pROC|coin::|survival::|logistf", first):
            text += " " + first.rstrip(":") + ("" if first.endswith(".") else ".")
    text = re.sub(r":(?:func|data|class|mod):`~?([^`]+)`", r"`\1`", text).replace("; see the module docstring", "")
    return text.replace("``", "`")


def check_analyses(analyses: list[dict], where: str) -> list[str]:
    """Problems with declared analyses (unknown type, unknown or missing parameter,
    repeated id), including each declared variant's parameters."""
    problems, seen = [], set()
    for index, analysis in enumerate(analyses):
        label = f"{where}: analyses[{index}] ({analysis.get('id', '?')})"
        if analysis["id"] in seen:
            problems.append(f"{label}: id repeats an earlier analysis")
        problems += _results_problems(analysis, seen, label)
        seen.add(analysis["id"])
        function = CATALOGUE.get(analysis["type"])
        if function is None:
            problems.append(f"{label}: unknown type {analysis['type']!r}; {did_you_mean(analysis['type'], sorted(CATALOGUE))}")
            continue
        signature = inspect.signature(function)
        accepted = list(signature.parameters)[1:]  # the first takes the data
        if analysis.get("endpoint") and not all(name in accepted for name in ENDPOINT_PARAMETERS):
            problems.append(f"{label}: endpoint {analysis['endpoint']!r}: {analysis['type']} takes no time and event (its parameters: {', '.join(accepted)})")
            continue
        for variant, overrides in {None: {}, **analysis.get("variants", {})}.items():
            params = {**analysis.get("params", {}), **overrides}
            try:
                signature.bind(None, **params)
            except TypeError as err:
                which = f" variant {variant!r}" if variant else ""
                unknown = [name for name in params if name not in accepted]
                what = f"the parameters of {analysis['type']}"
                hint = "".join(f"; {name!r}: {did_you_mean(name, accepted, what)}" + _taken_by(name, analysis["type"]) for name in unknown)
                problems.append(f"{label}:{which} params do not fit {analysis['type']}: {err}{hint}")
    return problems


def _results_problems(analysis: dict, earlier: set, label: str) -> list[str]:
    """``data: results`` needs ``results:``, naming analyses declared before this one
    (they run first, in the same job); ``results:`` means nothing without it."""
    wanted = analysis.get("results")
    if analysis.get("data") != "results":
        return [f"{label}: 'results' is only read with data: results"] if wanted is not None else []
    if not wanted:
        return [f"{label}: data: results needs 'results', the ids of the analyses whose rows it runs on"]
    return [
        f"{label}: results names {name!r}, which is not an analysis declared before it; {did_you_mean(name, sorted(earlier), 'the analyses before it')}"
        for name in wanted
        if name not in earlier
    ]


def results_table(analysis: dict, results: dict[str, pd.DataFrame] | None) -> pd.DataFrame:
    """The rows of the analyses ``analysis`` lists under ``results:``, one table (their
    columns united; a column one of them lacks is NA there), in the order listed."""
    results = results or {}
    missing = [name for name in analysis["results"] if name not in results]
    if missing:
        raise StudyConfigError(f"analysis {analysis['id']!r}: data: results names {missing}, whose results are not available (not declared before it)")
    return pd.concat([results[name] for name in analysis["results"]], ignore_index=True, sort=False)


def _taken_by(name: str, kind: str) -> str:
    """`` ('group' is a parameter of kaplan_meier, logrank, ...)``: the other types that take ``name``."""
    others = [other for other in CATALOGUE if other != kind and name in list(inspect.signature(CATALOGUE[other]).parameters)[1:]]
    if not others:
        return ""
    return f" ({name!r} is a parameter of {', '.join(others[:6])}{', ...' if len(others) > 6 else ''})"


def analysis_problems(analyses: list[dict], where: str) -> list[str]:
    """Every problem with a study's declared analyses: types and parameter names
    (:func:`check_analyses`), then parameter values against the catalogue
    functions' annotations (:func:`her2cohort.config.analysis_param_errors`).
    Passed to :func:`her2cohort.config.load_study` by its callers."""
    problems = check_analyses(analyses, where)
    return problems or analysis_param_errors(analyses, CATALOGUE, where) or choice_problems(analyses, where)


def choice_problems(analyses: list[dict], where: str) -> list[str]:
    """A parameter given a value outside its named set (:data:`CHOICES`): ``policy:
    fisherr``, with the nearest value; the function would refuse it only when it runs."""
    problems = []
    for index, analysis in enumerate(analyses):
        for variant, params in {None: analysis.get("params", {}), **analysis.get("variants", {})}.items():
            for name, value in params.items():
                allowed = CHOICES.get(analysis["type"], {}).get(name)
                if allowed and value not in allowed:
                    which = f" variant {variant!r}" if variant else ""
                    problems.append(f"{where}: analyses[{index}] ({analysis['id']}){which}: parameter {name!r} must be one of "
                                    f"{', '.join(map(repr, allowed))}, got {value!r}" + (f"; {did_you_mean(value, allowed, 'its values')}" if isinstance(value, str) else ""))
    return problems


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
    "events", "n", "study", "label", "p_value",
)


#: Parameters of one type that share a name in COLUMN_PARAMETERS but take a value, not a column.
NOT_COLUMNS = {"p_adjust.n"}


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
        if analysis.get("data") == "results":
            continue  # the columns of results exist once those analyses have run (run_analysis checks them)
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
    results: dict[str, pd.DataFrame] | None = None,
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

    An analysis declared with ``data: results`` runs on the result rows of the
    analyses listed under ``results:`` (``results`` maps their ids to their
    tables, as written: ``analysis`` and ``type`` first), e.g. a ``p_adjust`` of
    the p-values of several tests, restricted by ``where`` (``"not
    is_missing(p_value)"``) like any other data.

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
    elif analysis.get("data") == "results":
        frame = prepare(results_table(analysis, results), analysis.get("derive"), analysis.get("where"), key, source)
        data_name = f"the results of {', '.join(analysis['results'])}"
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
