"""Words for readers: legends without audit words, numbering from the study file, the generated
Statistical analysis paragraph (methods.md) and one manuscript file per study (manuscript.docx, .md).

The end-to-end tests read the full run of every configured study (``pipeline_run``); the others
need no pipeline: declared study files, synthetic results, a two-item manuscript.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, load_study
from her2cohort.numbering import all_items, manuscript_items, numbering_problems, title_text
from her2cohort.render.manuscript import item_page, manuscript_markdown, write_docx
from her2cohort.render.tables.journal import JournalTable, Note
from her2cohort.render.methods import R_REFERENCE, methods_markdown, methods_sentences
from her2cohort.results import Results

STUDY_FILES = sorted((ROOT / "config" / "studies").glob("*.yaml"))
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())

#: Audit words that a manuscript legend never holds (they go to ``audit_note``): software and
#: R functions, conventions by their internal names, the audit, the paper as an object.
JARGON = [
    r"\bpROC\b", r"quantile type", r"\btype 7\b", r"replication", r"reproduc", r"\bthe paper\b", r"paper's",
    r"\bSPSS\b", r"\bEZR\b", r"\bR's\b", r"\bR [0-9]", r"wilcox\.test", r"chisq\.test", r"fisher\.test", r"binom\.test",
    r"kruskal\.test", r"\bcoxph\b", r"\bsurvfit\b", r"\bsurvdiff\b", r"\bglm\b", r"\bcoin\b", r"::", r"tidy CSV", r"\bCSV\b",
    r"pipeline", r"\baudit", r"configuration", r"convention", r"\bpolicy\b", r"midpoint", r"stats/", r"\bthe Results\b",
    r"\babstract\b", r"\bthe Methods\b", r"regenerat", r"reconstruct", r"->", r">=", r"<=",
]


def _items(path: Path) -> list[dict]:
    study = yaml.safe_load(path.read_text())
    return [*(study.get("tables") or []), *(study.get("figures") or [])]


@pytest.mark.parametrize("path", STUDY_FILES, ids=lambda p: p.stem)
def test_every_legend_is_written_for_readers(path):
    for item in _items(path):
        assert item.get("legend", "").strip(), f"{path.name}: {item['id']} has no legend"
        found = [word for word in JARGON if re.search(word, item["legend"])]
        assert not found, f"{path.name}: legend of {item['id']} holds audit words {found}: move them to audit_note"
        assert "caption" not in item


def test_the_jargon_scan_catches_audit_words():
    legend = "ROC curve with the Youden cutoff (pROC's midpoint thresholds); medians, R quantile type 7; the replication report compares both."
    assert [w for w in JARGON if re.search(w, legend)] == [r"\bpROC\b", r"quantile type", r"\btype 7\b", r"replication", r"midpoint"]


@pytest.mark.parametrize("path", STUDY_FILES, ids=lambda p: p.stem)
def test_numbering_of_every_study_is_consistent(path):
    assert numbering_problems(load_study(path), path.name) == []


def test_numbering_comes_from_the_study_file():
    study = {
        "tables": [
            {"id": "extra", "title": "Outcomes", "supplementary": True},
            {"id": "b", "title": "Table 2. Second", "number": 2},
            {"id": "a", "title": "Table 1. First", "number": 1},
        ],
        "figures": [
            {"id": "km_os", "number": 2, "part": "b"},
            {"id": "km_pfs", "number": 2, "part": "a"},
            {"id": "fig3"},
            {"id": "roc", "supplementary": True, "panels": [{"curve": "x"}]},
            {"id": "combined", "supplementary": True, "number": 4, "panels": ["panel_x", {"figure": "panel_y"}]},
            {"id": "panel_x", "supplementary": True, "number": 5},
            {"id": "panel_y", "supplementary": True, "number": 6},
        ],
    }
    labels = [(item.label, item.id) for item in manuscript_items(study)]
    assert labels == [
        ("Table 1", "a"), ("Table 2", "b"), ("Figure 2a", "km_pfs"), ("Figure 2b", "km_os"), ("Figure 3", "fig3"),
        ("Supplementary Table 1", "extra"), ("Supplementary Figure 1", "roc"), ("Supplementary Figure 4", "combined"),
    ]
    assert len(all_items(study)) == 10  # the panels are items, not manuscript items
    assert numbering_problems(study, "s.yaml") == []
    assert title_text("Table 2. Second") == "Second" and title_text("Supplementary Table S1: Doses") == "Doses"


def test_numbering_problems_name_the_items():
    study = {
        "tables": [{"id": "a", "title": "Table 3. First", "number": 1}, {"id": "b", "title": "Other", "number": 1}],
        "figures": [{"id": "f", "number": 1, "part": "a"}, {"id": "g", "number": 1}, {"id": "h", "panels": ["nope"]}],
    }
    problems = numbering_problems(study, "s.yaml")
    assert "s.yaml: tables 'a', 'b' share the label 'Table 1': give each its own number (or a part: a, b...)" in problems
    assert any(p.startswith("s.yaml: figures 'g', 'f' share the label 'Figure 1'") for p in problems)
    assert "s.yaml: table 'a': its title starts 'Table 3' but it is numbered 'Table 1' (number, supplementary)" in problems
    assert "s.yaml: figure 'h': panel 'nope' is not a declared figure" in problems


def test_r_reference_versions_are_those_of_the_fixtures():
    versions: dict[str, set[str]] = {}
    for path in (ROOT / "tests" / "fixtures" / "r").glob("*/versions.csv"):
        rows = list(csv.reader(path.open()))
        pairs = rows[1:] if rows[0][0] in ("component", "software", "package") else [list(pair) for pair in zip(rows[0], rows[1])]
        for name, version in pairs:
            versions.setdefault(name, set()).add(re.sub(r"^R version (\S+).*", r"\1", version).replace("7.3.58.2", "7.3-58.2"))
    for name, version in R_REFERENCE.items():
        assert versions.get(name) == {version}, (name, versions.get(name))


# --------------------------------------------------------------------------- methods text, synthetic


def _result(method: str, convention: str, **extra) -> pd.DataFrame:
    return pd.DataFrame([{"term": "x", "method": method, "convention": convention, "conf_level": 0.95, **extra}])


SOFTWARE = {"Python": "3.11.2", "her2cohort": "0.1.0", "NumPy": "2.4.6"}


def test_methods_text_names_the_tests_used_and_their_conventions_in_words():
    study = {
        "study": "s",
        "derive": {"age_gt_60": "age_years > 60", "low": "h_score <= 170"},
        "endpoints": {"pfs": {"origin": "treatment_start_date", "events": ["progression_date", "death_date"]}},
        "tables": [{"id": "t", "labels": {"age_years": "Age (years)", "low": "H-score ≤ 170"}}],
        "analyses": [
            {"id": "chars", "type": "baseline_table", "params": {"group": "g", "policy": "fisher_if_expected_lt5", "variables": ["age_gt_60", {"name": "age_years", "kind": "continuous"}]}},
            {"id": "med", "type": "median_survival", "params": {"time": "pfs_months", "event": "pfs_event", "convention": "r_loglog"}},
            {"id": "lr", "type": "logrank", "params": {"time": "pfs_months", "event": "pfs_event", "group": "g"}},
            {"id": "cox", "type": "cox", "params": {"time": "pfs_months", "event": "pfs_event", "covariates": ["low"], "ties": "breslow"}},
        ],
    }
    chars = pd.DataFrame(
        [
            {"row_type": "test", "variable": "age_gt_60", "method": "Fisher's exact test", "convention": "R stats::fisher.test"},
            {"row_type": "test", "variable": "age_years", "method": "Wilcoxon rank sum test with continuity correction", "convention": "R wilcox.test(x, y)"},
        ]
    )
    results = Results.from_tables(
        {
            "chars": chars,
            "med": _result("Kaplan-Meier median; Brookmeyer-Crowley interval", "R survival::survfit(conf.type = 'log-log')"),
            "lr": _result("log-rank (Mantel-Haenszel) test", "R survival::survdiff(rho = 0)"),
            "cox": _result("Cox proportional hazards (Breslow ties), Wald z", "survival::coxph(ties = 'breslow')"),
        }
    )
    text = methods_markdown(study, results, SOFTWARE)
    assert text.startswith("## Statistical analysis\n\n")
    for phrase in [
        "Categorical characteristics between groups were compared by the two-sided Fisher's exact test when any expected count was below 5, otherwise by Pearson's chi-square test without continuity correction.",
        "Continuous characteristics were compared between groups by the Mann–Whitney U test (two groups).",
        "Progression-free survival (PFS) was estimated by the Kaplan–Meier method.",
        "Progression-free survival (PFS) ran from treatment start to progression or death.",
        "95% CIs of median survival were computed by the log-log transformation (Brookmeyer–Crowley).",
        "Survival was compared between groups by the two-sided log-rank test.",
        "Hazard ratios with 95% CIs were estimated by univariable Cox proportional hazards regression (Breslow method for ties; Wald CIs and P values).",
        "Variables were dichotomised at fixed cutoffs (age (years) > 60; H-score ≤ 170).",
        "All tests were two-sided, and P < 0.05 was considered statistically significant.",
        "Analyses were run with the her2cohort pipeline 0.1.0 in Python 3.11.2 (NumPy 2.4.6).",
        "(R 4.2.2 with survival 3.5.3)",
        "Fisher's exact test, stats::fisher.test; Mann–Whitney U test, stats::wilcox.test;",
        "log-rank test, survival::survdiff; Cox regression, survival::coxph.",
    ]:
        assert phrase in text, phrase
    assert "Pearson's chi-square test, stats::chisq.test" not in text  # not used: no row names it
    study["significance_level"] = 0.01
    assert "P < 0.01 was considered" in " ".join(methods_sentences(study, results, SOFTWARE))


def test_methods_text_of_a_study_without_tests_states_no_significance_level():
    study = {"study": "s", "analyses": [{"id": "lines", "type": "treatment_timeline", "params": {}}]}
    text = methods_markdown(study, Results.from_tables({"lines": pd.DataFrame({"line": [1]})}), SOFTWARE)
    assert "Time on each line of therapy" in text and "significant" not in text


# --------------------------------------------------------------------------- manuscript, synthetic


def _png(path: Path, top: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 1))
    axes.plot([0, 1], [top, 0])
    figure.savefig(path, dpi=50)
    plt.close(figure)


def test_manuscript_holds_every_item_in_order_with_its_label_and_legend(tmp_path):
    study = {
        "tables": [{"id": "t1", "title": "Table 1. Patients", "legend": "Characteristics, n (%).", "footnotes": ["ECOG, Eastern Cooperative Oncology Group."]}],
        "figures": [
            {"id": "s1", "supplementary": True, "legend": "Overall survival.", "audit_note": "R survfit."},
            {"id": "f1", "legend": "Progression-free survival."},
        ],
    }
    items = manuscript_items(study)
    display = pd.DataFrame({"Characteristic": ["Age"], "Total": ["61 (35–80)"]})  # as compose() gives it
    tables = {"t1": JournalTable(id="t1", display=display, headings=list(display.columns), legend="Characteristics, n (%).", notes=[Note("ECOG, Eastern Cooperative Oncology Group.")])}
    for top, name in enumerate(("f1", "s1"), start=1):
        _png(tmp_path / f"{name}.png", top)  # two pictures (Word keeps one copy of equal bytes)
    methods = "## Statistical analysis\n\nWe compared things.\n"
    write_docx(tmp_path / "m.docx", "A study", methods, items, tables, tmp_path)
    with zipfile.ZipFile(tmp_path / "m.docx") as docx:
        xml = docx.read("word/document.xml").decode()
        assert sum(name.startswith("word/media/") for name in docx.namelist()) == 2
    text = re.sub(r"<[^>]+>", "", xml.replace("<w:tab/>", " "))  # a number cell is "<tab>61<tab>(35–80)"
    order = ["Statistical analysis", "We compared things.", "Table 1. Patients", "61 (35–80)", "Characteristics, n (%).", "ECOG, Eastern", "Figure 1.", "Progression-free survival.", "Supplementary Figure 1.", "Overall survival."]
    positions = [text.find(part) for part in order]
    assert -1 not in positions and positions == sorted(positions), dict(zip(order, positions))
    assert "R survfit" not in text  # the audit note stays out of the manuscript
    first = (tmp_path / "m.docx").read_bytes()
    write_docx(tmp_path / "m.docx", "A study", methods, items, tables, tmp_path)
    assert (tmp_path / "m.docx").read_bytes() == first  # deterministic
    markdown = manuscript_markdown("A study", methods, items, tables)
    assert markdown.index("**Table 1.** Patients") < markdown.index("![Figure 1](figures/f1.png)") < markdown.index("**Supplementary Figure 1.** Overall survival.")
    page = item_page(items[2], png=(tmp_path / "s1.png").read_bytes())
    assert page.index("<img") < page.index("Overall survival.") < page.index("<details><summary>Audit note</summary><p>R survfit.</p>")


# --------------------------------------------------------------------------- end to end

#: Per study: sentences its methods.md must hold (the tests and conventions it declares).
METHODS_WORDING = {
    "gastric_her2_loss": [
        "compared by the two-sided Fisher's exact test when any expected count was below 5, otherwise by Pearson's chi-square test without continuity correction.",
        "two-sided Wilcoxon signed-rank test (normal approximation without continuity correction; zero differences dropped).",
        "the optimal cutoff was the one maximising Youden's index (sensitivity + specificity − 1).",
        "95% CIs of median survival were computed as the median ± 1.96 standard errors of the Kaplan–Meier median.",
        "univariable Cox proportional hazards regression (Breslow method for ties; Wald CIs and P values).",
        "maximum-likelihood logistic regression (Wald CIs; Wald P values).",
        "H-score > 170; HER2 ISH ratio > 4.36",
        "(R 4.2.2 with survival 3.5.3 and pROC 1.18.0)",
    ],
    "gastric_her2_heterogeneity": [
        "were compared by the two-sided Fisher's exact test.",
        "95% CIs of median survival were computed by the log-log transformation (Brookmeyer–Crowley).",
        "univariable and multivariable Cox proportional hazards regression (Efron method for ties; Wald CIs and P values).",
        "Progression-free survival (PFS) ran from treatment start to progression or death (censored at conversion surgery).",
        "two-sided Mann–Whitney U test",
    ],
    "breast_tdxd_her2_loss": [
        "two-sided Wilcoxon signed-rank test (exact for fewer than 50 observations without ties, otherwise by the normal approximation with continuity correction; zero differences dropped).",
        "McNemar's test with continuity correction, the exact McNemar test (binomial test of the discordant pairs), Bowker's test of symmetry and the Stuart–Maxwell test of marginal homogeneity.",
        "Stuart–Maxwell test, coin::mh_test",
    ],
    "breast_her2_low_evolution": [
        "Pearson's chi-square test, with Yates' continuity correction for 2 × 2 tables.",
        "the Kruskal–Wallis test (more than two groups)",
        "95% CIs of median survival were computed by the log transformation (Brookmeyer–Crowley).",
        "Breast cancer-specific survival (BCSS) ran from recurrence to death from cancer.",
        "Median follow-up was estimated by the reverse Kaplan–Meier method (deaths censored).",
    ],
    "breast_her2_l755s_case": [
        "Time on each line of therapy ran from its start to its end (an ongoing line to the last contact).",
    ],
    "example": [
        "95% CIs of median survival were computed as the median ± 1.96 standard errors of the Kaplan–Meier median.",
        "Survival was compared between groups by the two-sided log-rank test.",
    ],
}


def test_methods_wording_is_declared_for_every_configured_study():
    assert set(CONFIG["studies"]) <= set(METHODS_WORDING)


def check_methods(project: Path, study: str) -> None:
    text = (project / "results" / study / "methods.md").read_text(encoding="utf-8")
    assert text.startswith("## Statistical analysis\n\n")
    missing = [phrase for phrase in METHODS_WORDING[study] if phrase not in text]
    assert not missing, f"{study}: methods.md lacks {missing}"
    if study == "breast_her2_l755s_case":
        assert "significant" not in text  # no test, no significance level


def check_manuscript(project: Path, study: str) -> None:
    declared = load_study(ROOT / "config" / "studies" / f"{study}.yaml")
    items = manuscript_items(declared)
    with zipfile.ZipFile(project / "results" / study / "manuscript.docx") as docx:
        text = re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode())
        images = [name for name in docx.namelist() if name.startswith("word/media/")]
    assert len(images) == sum(item.kind == "figure" for item in items)
    markers = [f"{item.label}." + (f" {item.title}" if item.kind == "table" else "") for item in items]
    positions = [text.find(marker) for marker in markers]
    assert -1 not in positions and positions == sorted(positions), dict(zip(markers, positions))
    for item in items:
        assert item.legend[:60] in text, item.id
    markdown = (project / "results" / study / "manuscript.md").read_text(encoding="utf-8")
    rigor = project / "results" / study / "rigor.csv"
    closing = int(rigor.exists() and len(pd.read_csv(rigor)) > 0)  # the rigor table closes the supplement
    assert markdown.count("**Table ") + markdown.count("**Supplementary Table ") == sum(item.kind == "table" for item in items) + closing
    if closing:
        last = max((item.number for item in items if item.kind == "table" and item.supplementary), default=0)
        assert f"**Supplementary Table {last + 1}.** Weaknesses of the design" in markdown
        assert f"Supplementary Table {last + 1}. Weaknesses of the design" in text


@pytest.mark.parametrize("study", CONFIG["studies"])
def test_every_study_has_its_methods_text(pipeline_run, study):
    check_methods(pipeline_run, study)


@pytest.mark.parametrize("study", CONFIG["studies"])
def test_every_study_has_one_manuscript_with_every_item_in_order(pipeline_run, study):
    check_manuscript(pipeline_run, study)
