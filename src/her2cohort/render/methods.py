"""The Statistical analysis paragraph of a study, written from its declared analyses and their results.

:func:`methods_markdown` writes ``results/{study}/methods.md``: one sentence
builder per analysis type (:data:`BUILDERS`) says which test or estimator was
used and for what, with its conventions in plain words ("95% CIs of median
survival by the log-log transformation"), from the study's declarations
(``analyses``, ``derive``, ``endpoints``) and the result tables (the ``method``
each result row names: the test actually used). Then how cutoffs were chosen,
the significance level (the study's ``significance_level``, default 0.05) and
the software: Python, the libraries that compute, and for each method the R
function it matches (:data:`R_FUNCTIONS`), against which the library is tested
on the same data (:data:`R_REFERENCE`: the versions of tests/fixtures/r).

Manuscript words only: no file names, no audit remarks (those are the tables'
and figures' ``audit_note``). Numbers are printed through
:mod:`her2cohort.numbers`.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from her2cohort import numbers
from her2cohort.results import Results

#: R and the R packages the library's conventions are tested against (tests/fixtures/r/*/versions.csv;
#: tests/test_methods_text.py checks these against the fixtures).
R_REFERENCE = {"R": "4.2.2", "survival": "3.5.3", "pROC": "1.18.0", "coin": "1.4.2", "brglm2": "0.9", "cmprsk": "2.2.11"}

#: The R function each method matches (what the statistics are tested against).
R_FUNCTIONS = {
    "fisher": "stats::fisher.test",
    "chisq": "stats::chisq.test",
    "signed_rank": "stats::wilcox.test (paired)",
    "rank_sum": "stats::wilcox.test",
    "kruskal": "stats::kruskal.test",
    "binomial": "stats::binom.test",
    "kaplan_meier": "survival::survfit",
    "logrank": "survival::survdiff",
    "cox": "survival::coxph",
    "cox_zph": "survival::cox.zph",
    "logistic": "stats::glm (binomial)",
    "firth": "brglm2::brglmFit",
    "roc": "pROC::roc, pROC::ci.auc",
    "mcnemar": "stats::mcnemar.test",
    "bowker": "stats::mcnemar.test",
    "stuart_maxwell": "coin::mh_test",
    "cumulative_incidence": "cmprsk::cuminc",
    "fine_gray": "cmprsk::crr",
    "quantile": "stats::quantile (type 7)",
}

#: Endpoint names of the usual abbreviations (an endpoint of another name is printed as its words).
ENDPOINT_NAMES = {
    "pfs": "progression-free survival (PFS)",
    "os": "overall survival (OS)",
    "bcss": "breast cancer-specific survival (BCSS)",
    "dfs": "disease-free survival (DFS)",
    "rfs": "recurrence-free survival (RFS)",
    "ttp": "time to progression (TTP)",
    "efs": "event-free survival (EFS)",
}

#: Words of each contingency-test policy (her2cohort.stats.contingency.POLICIES).
POLICY_WORDS = {
    "fisher_if_expected_lt5": "the two-sided Fisher's exact test when any expected count was below 5, otherwise by Pearson's chi-square test without continuity correction",
    "r_default": "Pearson's chi-square test, with Yates' continuity correction for 2 × 2 tables",
    "chisq": "Pearson's chi-square test without continuity correction",
    "chisq_yates": "Pearson's chi-square test with Yates' continuity correction",
    "fisher": "the two-sided Fisher's exact test",
}

#: Words of each confidence interval of a Kaplan-Meier median (her2cohort.stats.kaplan_meier.MEDIAN_CONVENTIONS).
MEDIAN_CI_WORDS = {
    "r_log": "by the log transformation (Brookmeyer–Crowley)",
    "r_loglog": "by the log-log transformation (Brookmeyer–Crowley)",
    "r_plain": "by the untransformed (plain) Greenwood interval (Brookmeyer–Crowley)",
    "spss": "as the median ± 1.96 standard errors of the Kaplan–Meier median",
}

#: Words of each Wilcoxon convention (her2cohort.stats.rank_tests.CONVENTIONS).
RANK_WORDS = {
    "wilcox.test": "exact for fewer than 50 observations without ties, otherwise by the normal approximation with continuity correction",
    "spss": "normal approximation without continuity correction",
    "exact_conditional": "exact conditional distribution",
}

_COMPARISON = re.compile(r"^\s*(?:if_else\()?\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\b")
_SIGNS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


class Context:
    """What the builders read: the study's declarations and results, the confidence level,
    and the R functions named so far (for the software sentence)."""

    def __init__(self, study: Mapping[str, Any], results: Results):
        self.study = study
        self.results = results
        self.r_functions: dict[str, str] = {}
        self.tested = False  # a test (with a P value) was used

    def uses(self, what: str, key: str, test: bool = True) -> None:
        """Record that method ``what`` (in words) matches ``R_FUNCTIONS[key]`` (``test``: it gives a P value)."""
        self.r_functions.setdefault(what, R_FUNCTIONS[key])
        self.tested |= test

    def table(self, analysis: Mapping[str, Any]) -> pd.DataFrame:
        return self.results.table(analysis["id"]) if self.results.has(analysis["id"]) else pd.DataFrame()

    def methods(self, analyses: Iterable[Mapping[str, Any]]) -> list[str]:
        """The ``method`` of every result row of ``analyses``: the tests actually used."""
        found = []
        for analysis in analyses:
            table = self.table(analysis)
            if "method" in table:
                found += [str(m) for m in table["method"].dropna() if str(m).strip()]
        return list(dict.fromkeys(found))


def _params(analysis: Mapping[str, Any]) -> Mapping[str, Any]:
    return analysis.get("params") or {}


def _join(words: list[str]) -> str:
    words = list(dict.fromkeys(w for w in words if w))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def endpoint_name(column: str, study: Mapping[str, Any]) -> str:
    """``pfs_months`` -> "progression-free survival (PFS)"; an endpoint of the study of another name as its words."""
    name = re.sub(r"_(months|event)$", "", str(column))
    base, _, rest = name.partition("_")
    if name in ENDPOINT_NAMES:
        return ENDPOINT_NAMES[name]
    if base in ENDPOINT_NAMES and rest == "second_line":
        return ENDPOINT_NAMES[base].split(" (")[0] + " on the second line of treatment"
    return name.replace("_", " ")


def _endpoints(analyses: Iterable[Mapping[str, Any]], study: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(endpoint_name(_params(a)["time"], study) for a in analyses if "time" in _params(a)))


def _date_words(column: str) -> str:
    return re.sub(r"_date$", "", column).replace("_", " ")


def endpoint_definitions(study: Mapping[str, Any], used: list[str]) -> str:
    """One sentence per declared endpoint an analysis uses: from its origin to its events."""
    parts = []
    for name, spec in (study.get("endpoints") or {}).items():
        words = endpoint_name(name, study)
        if words not in used:
            continue
        origin = f"the start of treatment line {spec['line']}" if spec.get("line") else _date_words(spec["origin"])
        events = " or ".join(_date_words(e) for e in spec["events"])
        if spec.get("death_cause") == "cancer":
            events = events.replace("death", "death from cancer")
        censor = f" (censored at {_join([_date_words(c) for c in spec['censor_at']])})" if spec.get("censor_at") else ""
        parts.append(f"{words[0].upper() + words[1:]} ran from {origin} to {events}{censor}.")
    if not parts:
        return ""
    return " ".join(parts) + " Patients without an event were censored at their last follow-up."


# --------------------------------------------------------------------------- builders


def _contingency(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    """Table 1 tests and two-way associations: the policy of each, in words."""
    sentences = []
    baseline = [a for a in analyses if a["type"] == "baseline_table"]
    describing = [a for a in baseline if any(isinstance(v, Mapping) and v.get("kind") == "continuous" for v in _params(a).get("variables", []))]
    if baseline:
        text = "Categorical variables are given as numbers and percentages of the patients with a known value"
        if describing:
            text += ", continuous variables as medians with ranges or interquartile ranges (quartiles by linear interpolation between order statistics)"
            ctx.uses("quartiles", "quantile", test=False)
        sentences.append(text + ".")
    by_policy: dict[str, list[str]] = {}
    for analysis in analyses:
        table = ctx.table(analysis)
        tested = table[table["row_type"] == "test"] if "row_type" in table else table
        methods = [str(m) for m in tested.get("method", pd.Series(dtype=str)).dropna() if str(m).strip()]
        categorical = [m for m in methods if "Fisher" in m or "Chi-squared" in m or "chi-square" in m]
        if not categorical:
            continue
        policy = _params(analysis).get("policy", "fisher_if_expected_lt5")
        purpose = "characteristics between groups" if analysis["type"] == "baseline_table" else "other associations of two categorical variables"
        by_policy.setdefault(policy, []).append(purpose)
        if any("Fisher" in m for m in categorical):
            ctx.uses("Fisher's exact test", "fisher")
        if any("Chi-squared" in m for m in categorical):
            ctx.uses("Pearson's chi-square test", "chisq")
    for policy, purposes in by_policy.items():
        words = POLICY_WORDS.get(policy, policy)
        sentences.append(f"Categorical {_join(purposes)} were compared by {words}.")
    continuous = ctx.methods(baseline)
    tests = []
    if any("rank sum" in m for m in continuous):
        tests.append("the Mann–Whitney U test (two groups)")
        ctx.uses("Mann–Whitney U test", "rank_sum")
    if any("Kruskal" in m for m in continuous):
        tests.append("the Kruskal–Wallis test (more than two groups)")
        ctx.uses("Kruskal–Wallis test", "kruskal")
    if tests:
        sentences.append(f"Continuous characteristics were compared between groups by {_join(tests)}.")
    return sentences


def _rank(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    paired = [a for a in analyses if a["type"] == "paired_rank"]
    for convention in dict.fromkeys(_params(a).get("convention", "wilcox.test") for a in paired):
        sentences.append(f"Paired values of the same patients at two time points were compared by the two-sided Wilcoxon signed-rank test ({RANK_WORDS.get(convention, convention)}; zero differences dropped).")
        ctx.uses("Wilcoxon signed-rank test", "signed_rank")
    two = [a for a in analyses if a["type"] == "rank_sum"]
    for convention in dict.fromkeys(_params(a).get("convention", "wilcox.test") for a in two):
        sentences.append(f"Continuous values of two independent groups were compared by the two-sided Mann–Whitney U test ({RANK_WORDS.get(convention, convention)}).")
        ctx.uses("Mann–Whitney U test", "rank_sum")
    if any(a["type"] == "kruskal_wallis" for a in analyses):
        sentences.append("Continuous values of more than two groups were compared by the Kruskal–Wallis test.")
        ctx.uses("Kruskal–Wallis test", "kruskal")
    return sentences


def _proportions(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    methods = ctx.methods(analyses)
    sentences = []
    if any("Clopper" in m for m in methods):
        sentences.append(f"Proportions are given with exact (Clopper–Pearson) {_level(ctx, analyses)} CIs.")
        ctx.uses("Clopper–Pearson interval", "binomial", test=False)
    if any(_params(a).get("p") is not None for a in analyses):
        sentences.append("Proportions were tested against their declared null value by the exact binomial test.")
    return sentences


def _paired_categorical(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    if any(a["type"] == "shift_table" for a in analyses):
        sentences.append("Changes of a categorical status between two time points are shown as shift tables (numbers and percentages of the earlier category).")
    tests = []
    types = {a["type"] for a in analyses}
    if "mcnemar" in types:
        tests.append("McNemar's test with continuity correction")
        ctx.uses("McNemar's test", "mcnemar")
    if "mcnemar_exact" in types:
        tests.append("the exact McNemar test (binomial test of the discordant pairs)")
        ctx.uses("exact McNemar test", "binomial")
    if "bowker" in types:
        tests.append("Bowker's test of symmetry")
        ctx.uses("Bowker's test", "bowker")
    if "stuart_maxwell" in types:
        tests.append("the Stuart–Maxwell test of marginal homogeneity")
        ctx.uses("Stuart–Maxwell test", "stuart_maxwell")
    if tests:
        sentences.append(f"Paired categorical changes were tested by {_join(tests)}.")
    return sentences


def _roc(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    roc = [a for a in analyses if a["type"] in ("roc_curve", "roc_cutoff")]
    if roc:
        text = f"Discrimination was assessed by receiver operating characteristic (ROC) curves, with the area under the curve (AUC) and its {_level(ctx, roc)} CI by DeLong's method"
        if any(a["type"] == "roc_cutoff" for a in roc):
            text += "; the optimal cutoff was the one maximising Youden's index (sensitivity + specificity − 1)"
        sentences.append(text + ".")
        ctx.uses("ROC curve and DeLong CI of the AUC", "roc")
    fixed = [a for a in analyses if a["type"] == "sensitivity_specificity"]
    if fixed:
        sentences.append("Sensitivity and specificity were computed at the cutoffs used in the tables.")
    return sentences


def _logistic(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    ml = [a for a in analyses if a["type"] == "logistic"]
    if ml:
        ci = {_params(a).get("ci_method", "wald") for a in ml}
        words = "Wald CIs" if ci == {"wald"} else "profile-likelihood CIs" if ci == {"profile"} else "Wald or profile-likelihood CIs"
        sentences.append(f"Odds ratios with {_level(ctx, ml)} CIs were estimated by maximum-likelihood logistic regression ({words}; Wald P values).")
        ctx.uses("logistic regression", "logistic")
    if any(a["type"] == "firth_logistic" for a in analyses):
        sentences.append("Where the outcome was separated by a covariate, odds ratios were estimated by Firth's penalised-likelihood logistic regression with profile penalised-likelihood CIs.")
        ctx.uses("Firth's logistic regression", "firth")
    return sentences


def _survival(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    km = [a for a in analyses if a["type"] in ("kaplan_meier", "median_survival", "numbers_at_risk", "logrank")]
    if km:
        endpoints = _endpoints(km, ctx.study)
        names = _join(endpoints)
        sentences.append(f"{names[0].upper() + names[1:]} {'was' if len(endpoints) == 1 else 'were'} estimated by the Kaplan–Meier method.")
        definitions = endpoint_definitions(ctx.study, endpoints)
        if definitions:
            sentences.append(definitions)
        ctx.uses("Kaplan–Meier estimate", "kaplan_meier", test=False)
    medians = [a for a in analyses if a["type"] == "median_survival"]
    for convention in dict.fromkeys(_params(a).get("convention", "r_log") for a in medians):
        sentences.append(f"{_level(ctx, medians)} CIs of median survival were computed {MEDIAN_CI_WORDS.get(convention, convention)}.")
    if any(a["type"] == "logrank" for a in analyses):
        sentences.append("Survival was compared between groups by the two-sided log-rank test.")
        ctx.uses("log-rank test", "logrank")
    follow = [a for a in analyses if a["type"] == "median_follow_up"]
    ways = []
    for analysis in follow:
        method = _params(analysis).get("method", "reverse_km")
        ways.append("by the reverse Kaplan–Meier method (deaths censored)" if method == "reverse_km" else "as the median observed time of all patients to death or last contact" if method == "all_patients" else "as the median observed time of the censored patients")
    if ways:
        sentences.append(f"Median follow-up was estimated {_join(ways)}.")
    return sentences


def _cox(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    cox = [a for a in analyses if a["type"] == "cox"]
    if cox:
        kinds = []
        if any(len(_params(a).get("covariates", [])) == 1 and not _params(a).get("strata") for a in cox):
            kinds.append("univariable")
        if any(len(_params(a).get("covariates", [])) > 1 for a in cox):
            kinds.append("multivariable")
        ties = {_params(a).get("ties", "efron") for a in cox}
        tie_words = _join([t.capitalize() for t in sorted(ties)]) + " method for ties"
        stratified = " (stratified where stated)" if any(_params(a).get("strata") for a in cox) else ""
        sentences.append(f"Hazard ratios with {_level(ctx, cox)} CIs were estimated by {_join(kinds) or 'Cox'} Cox proportional hazards regression{stratified} ({tie_words}; Wald CIs and P values).")
        ctx.uses("Cox regression", "cox")
    if any(a["type"] == "proportional_hazards" for a in analyses):
        sentences.append("The proportional hazards assumption was checked by the test of scaled Schoenfeld residuals.")
        ctx.uses("test of proportional hazards", "cox_zph")
    if any(a["type"] == "time_dependent_cox" for a in analyses):
        sentences.append("A covariate that changes during follow-up entered a Cox model as a time-dependent covariate (counting-process form).")
        ctx.uses("Cox regression", "cox")
    if any(a["type"] == "landmark" for a in analyses):
        sentences.append("Landmark analyses compared survival from a fixed landmark time among the patients still at risk then.")
    if any(a["type"] in ("cumulative_incidence", "gray_test", "fine_gray") for a in analyses):
        sentences.append("With competing risks, cumulative incidence was estimated and compared by Gray's test, and subdistribution hazard ratios by the Fine–Gray model.")
        ctx.uses("cumulative incidence and Gray's test", "cumulative_incidence")
        if any(a["type"] == "fine_gray" for a in analyses):
            ctx.uses("Fine–Gray model", "fine_gray")
    return sentences


def _descriptive(ctx: Context, analyses: list[Mapping[str, Any]]) -> list[str]:
    sentences = []
    if any(a["type"] == "treatment_timeline" for a in analyses):
        sentences.append("Time on each line of therapy ran from its start to its end (an ongoing line to the last contact).")
    if any(a["type"] == "clonality" for a in analyses):
        sentences.append("The share of tumour cells carrying a variant was derived from its allele frequency, the gene copy number and the tumour purity.")
    return sentences


#: The builders, in the order the paragraph is written; each takes the analyses of its types.
BUILDERS: list[tuple[tuple[str, ...], Callable[[Context, list[Mapping[str, Any]]], list[str]]]] = [
    (("treatment_timeline", "clonality"), _descriptive),
    (("baseline_table", "association"), _contingency),
    (("paired_rank", "rank_sum", "kruskal_wallis"), _rank),
    (("proportion",), _proportions),
    (("shift_table", "mcnemar", "mcnemar_exact", "bowker", "stuart_maxwell"), _paired_categorical),
    (("roc_curve", "roc_cutoff", "sensitivity_specificity"), _roc),
    (("logistic", "firth_logistic"), _logistic),
    (("kaplan_meier", "median_survival", "numbers_at_risk", "logrank", "median_follow_up"), _survival),
    (("cox", "proportional_hazards", "time_dependent_cox", "landmark", "cumulative_incidence", "gray_test", "fine_gray"), _cox),
]
COVERED = {kind for kinds, _ in BUILDERS for kind in kinds}


def _level(ctx: Context, analyses: list[Mapping[str, Any]]) -> str:
    """The confidence level of the results ("95%"); 95% when none states one."""
    levels = []
    for analysis in analyses:
        table = ctx.table(analysis)
        if "conf_level" in table:
            levels += [float(v) for v in table["conf_level"].dropna()]
    level = levels[0] if levels else 0.95
    return f"{numbers.short(100 * level, 1)}%"


#: How the words of a column name are printed (``ecog`` -> ECOG, ``h score`` -> H-score).
_WORDS = [("h score", "H-score"), ("ihc", "IHC"), ("ish", "ISH"), ("ecog", "ECOG"), ("cea", "CEA"), ("ca19 9", "CA19-9"),
          ("ki67", "Ki-67"), ("bcfi", "BCFI"), ("her2", "HER2"), ("ng ml", "ng/ml"), ("u ml", "U/ml"), ("pre treatment", "pre-treatment"),
          ("post treatment", "post-treatment"), ("post progression", "post-progression")]


def column_words(column: str) -> str:
    """A column name in words: ``baseline_ish_ratio`` -> "baseline ISH ratio", ``cea_ng_ml`` -> "CEA ng/ml"."""
    text = f" {column.replace('_', ' ')} "
    for words, printed in _WORDS:
        text = text.replace(f" {words} ", f" {printed} ")
    return text.strip()


def _labels(study: Mapping[str, Any]) -> dict[str, str]:
    """Column -> the label a table of the study prints for it."""
    found: dict[str, str] = {}
    for table in study.get("tables") or []:
        for column, text in (table.get("labels") or {}).items():
            found.setdefault(str(column), str(text))
    return found


def cutoffs(study: Mapping[str, Any], analyses: list[Mapping[str, Any]]) -> list[str]:
    """The fixed cutoffs in the study's derived columns that the analyses use, one per
    variable and value ("H-score > 170", "age (years) > 60"), printed with ≤ and ≥: the
    label a table prints for the derived column when it names the cutoff, else the
    variable's label (or its words) with the comparison."""
    derive = dict(study.get("derive") or {})
    for analysis in analyses:
        derive.update(analysis.get("derive") or {})
    used = repr([a.get("params") for a in analyses] + [a.get("where") for a in analyses])
    labels = _labels(study)
    found: dict[tuple[str, float], str] = {}
    for name, expression in derive.items():
        match = _COMPARISON.match(str(expression))
        if not (match and re.search(rf"\b{name}\b", used)):
            continue
        column, sign, value = match.groups()
        own = labels.get(name, "")
        if numbers.short(float(value), 3) in own:
            text = own.replace(">=", "≥").replace("<=", "≤")
        else:
            words = re.sub(r"\s*\([^)]*,[^)]*\)", "", labels.get(column, column_words(column)))
            text = f"{words[0].lower() + words[1:] if words[1:2].islower() else words} {_SIGNS[sign]} {numbers.short(float(value), 3)}"
        found.setdefault((column, float(value)), text)
    return list(found.values())


def software_sentence(ctx: Context, software: Mapping[str, str], significance: float) -> list[str]:
    sentences = [f"All tests were two-sided, and P < {numbers.short(significance, 3)} was considered statistically significant."] if ctx.tested else []
    libraries = [f"{name} {version}" for name, version in software.items() if name not in ("Python", "her2cohort") and version]
    text = f"Analyses were run with the her2cohort pipeline {software.get('her2cohort', '')} in Python {software.get('Python', '')}".replace("  ", " ")
    if libraries:
        text += f" ({_join(libraries)})"
    sentences.append(text + ".")
    if ctx.r_functions:
        pairs = "; ".join(f"{what}, {function}" for what, function in ctx.r_functions.items())
        packages = [f"{name} {version}" for name, version in R_REFERENCE.items() if name != "R" and any(function.startswith(name + "::") for function in ctx.r_functions.values())]
        reference = f"R {R_REFERENCE['R']}" + (f" with {_join(packages)}" if packages else "")
        sentences.append(f"Each method reproduces the corresponding R function and is tested against it on the same data ({reference}): {pairs}.")
    return sentences


def methods_sentences(study: Mapping[str, Any], results: Results, software: Mapping[str, str]) -> list[str]:
    """The sentences of the Statistical analysis paragraph, in order."""
    ctx = Context(study, results)
    analyses = list(study.get("analyses") or [])
    sentences: list[str] = []
    for kinds, builder in BUILDERS:
        chosen = [a for a in analyses if a["type"] in kinds]
        if chosen:
            sentences += builder(ctx, chosen)
    other = [a for a in analyses if a["type"] not in COVERED]
    for method in ctx.methods(other):
        sentences.append(f"We also used the {method}.")
    fixed = cutoffs(study, analyses)
    if fixed:
        sentences.append(f"Variables were dichotomised at fixed cutoffs ({'; '.join(fixed)}).")
    sentences += software_sentence(ctx, software, float(study.get("significance_level", 0.05)))
    return sentences


def methods_markdown(study: Mapping[str, Any], results: Results, software: Mapping[str, str]) -> str:
    """``## Statistical analysis`` and its paragraph (results/{study}/methods.md)."""
    return "## Statistical analysis\n\n" + " ".join(methods_sentences(study, results, software)) + "\n"
