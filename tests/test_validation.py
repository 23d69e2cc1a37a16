"""A published design applied to a new cohort: `extends` in a study file, and the validation report.

Library-level: how `extends` resolves and fails (her2cohort.config.resolve_design),
which printed numbers are findings, each test of the difference against an
independent computation, each verdict rule (her2cohort.validation), another
cohort of a design from the generator (seed, size). End to end (marked
pipeline, the ``validation`` scenario of tests/pipeline_runs.py): the two
bundled cohorts that extend the gastric designs get a validation report with a
verdict for every finding, whose numbers equal the library's own statistics
recomputed from the cohort's analysis set.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from conftest import ROOT, load_mapping, load_published, load_study
from her2cohort.numbers import reprint
from her2cohort.results import Results
from her2cohort.validation import COLUMNS, VERDICTS, classify, validation_markdown, validation_table

STUDIES = ROOT / "config" / "studies"
#: The bundled cohorts that apply a published design, and the design each extends.
VALIDATION_STUDIES = {"gastric_her2_loss_cohort_b": "gastric_her2_loss", "gastric_her2_heterogeneity_cohort_b": "gastric_her2_heterogeneity"}
Z95 = stats.norm.ppf(0.975)


# ---------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------


def write(folder: Path, name: str, study: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def studies(tmp_path) -> Path:
    """A folder of study files holding the gastric HER2-loss design (raw_dir stays relative to ROOT)."""
    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(STUDIES / "gastric_her2_loss.yaml", folder)
    return folder


def extending(**keys) -> dict:
    return {"study": "mine", "title": "My cohort", "raw_dir": "data/raw/gastric_her2_loss", "extends": "gastric_her2_loss", **keys}


def test_a_study_that_extends_a_design_takes_its_declarations_and_keeps_its_own_name_and_data(studies):
    design = load_study(STUDIES / "gastric_her2_loss.yaml")
    study = load_study(write(studies, "mine", extending()))
    for key in ("variables", "derive", "inclusion", "endpoints", "her2_guideline", "index_date", "comparison", "line_columns", "analyses", "tables", "figures", "registry_label"):
        assert study[key] == design[key], key
    assert (study["study"], study["title"], study["raw_dir"]) == ("mine", "My cohort", "data/raw/gastric_her2_loss")
    assert "source" not in study and "software" not in study  # the design's describe the paper
    assert "published" not in study and "replication" not in study
    assert study["extends"] == "gastric_her2_loss"
    assert study["validation"] == {"design": "gastric_her2_loss", "published": design["published"], "replication": design["replication"]}


def test_keys_given_replace_the_designs_lists_by_id_and_mappings_by_key(studies):
    design = load_study(STUDIES / "gastric_her2_loss.yaml")
    pfs_median = next(a for a in design["analyses"] if a["id"] == "pfs_median")
    replaced = {**pfs_median, "description": "replaced", "params": {**pfs_median["params"], "conf_level": 0.9}}
    added = {"id": "my_extra", "type": "proportion", "params": {"outcome": "responder", "success": True}}
    study = load_study(write(studies, "mine", extending(
        analyses=[replaced, added],
        derive={"age_gt_60": "age_years > 65", "age_gt_70": "age_years > 70"},
        variables=[{"name": "trastuzumab_cycles", "kind": "integer", "minimum": 0, "maximum": 500}],
        inclusion=design["inclusion"][:1],
        tables=[],  # a list without ids to merge: the design's tables stay
    )))  # fmt: skip
    ids = [a["id"] for a in study["analyses"]]
    assert ids == [a["id"] for a in design["analyses"]] + ["my_extra"]  # replaced in place, new appended
    assert study["analyses"][ids.index("pfs_median")] == replaced
    assert study["derive"]["age_gt_60"] == "age_years > 65" and study["derive"]["age_gt_70"] == "age_years > 70"
    assert study["derive"]["ecog_0_1"] == design["derive"]["ecog_0_1"]
    assert [v["name"] for v in study["variables"]] == [v["name"] for v in design["variables"]]
    assert next(v for v in study["variables"] if v["name"] == "trastuzumab_cycles")["maximum"] == 500
    assert study["inclusion"] == design["inclusion"][:1]  # any other key: replaced whole
    assert study["tables"] == design["tables"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update(extends="nowhere"), "at key 'extends': design 'nowhere' not found: no study file"),
        (lambda s: s.update(extends="mine"), "at key 'extends': a study cannot extend itself"),
        (lambda s: s.update(extends="../gastric_her2_loss"), "at key 'extends': must be the name of a study file in the same folder"),
        (lambda s: s.update(extends=5), "at key 'extends': must be the name of a study file in the same folder"),
        (lambda s: s.update(published="data/published/gastric_her2_loss.yaml"), "at key 'published': a study that extends a design is not the paper"),
        (lambda s: s.update(replication="config/replication/gastric_her2_loss.yaml"), "at key 'replication': a study that extends a design is not the paper"),
        (lambda s: s.update(validation={"design": "x", "published": "y", "replication": "z"}), "at key 'validation': a study that extends a design is not the paper"),
        (lambda s: s.pop("raw_dir"), "'raw_dir' is a required property (after extends: gastric_her2_loss)"),
        (lambda s: s.update(analyses=[{"id": "pfs_median"}]), "at key 'analyses.19': 'type' is a required property (after extends: gastric_her2_loss)"),
        (lambda s: s.update(raw_dir="data/raw/nowhere"), "at key 'raw_dir': folder 'data/raw/nowhere' not found"),
    ],
)
def test_a_bad_extending_file_is_an_error_naming_it(studies, edit, message):
    study = extending()
    edit(study)
    path = write(studies, "mine", study)
    with pytest.raises(ValueError) as caught:
        load_study(path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(str(path)) for line in lines), lines
    assert any(message in line for line in lines), lines


@pytest.mark.parametrize("key", ["extends", "raw_dir", "title", "registry_label", "analyses", "tables", "figures", "variables", "derive", "endpoints", "inclusion"])
def test_a_key_of_any_wrong_shape_in_an_extending_file_is_a_clear_error_or_loads(studies, key):
    for value in (5, None, "x", {"a": [["b"]]}, [5], [{"id": ["x"]}], [{"name": {"a": 1}}], "x" * 100_000):
        path = write(studies, "mine", extending(**{key: value}))
        try:
            load_study(path)
        except ValueError as err:
            assert all(line.startswith(str(path)) for line in str(err).splitlines()), str(err)[:500]


def test_a_chain_of_designs_is_refused_naming_the_file_and_the_design(studies):
    write(studies, "middle", extending(study="middle"))
    path = write(studies, "mine", extending(extends="middle"))
    with pytest.raises(ValueError, match=rf"{path}: at key 'extends': the design .*middle.yaml itself extends 'gastric_her2_loss'.*no chains"):
        load_study(path)


def test_an_unreadable_design_is_named_through_the_extending_file(studies):
    (studies / "broken.yaml").write_text("study: broken\nanalyses: [unclosed\n", encoding="utf-8")
    path = write(studies, "mine", extending(extends="broken"))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    assert str(caught.value).startswith(f"{path}: at key 'extends': the design cannot be read: {studies / 'broken.yaml'}, line")


def test_validation_is_set_by_extends_and_never_written(studies):
    design = yaml.safe_load((STUDIES / "gastric_her2_loss.yaml").read_text())
    path = write(studies, "gastric_her2_loss", {**design, "validation": {"design": "x", "published": "y", "replication": "z"}})
    with pytest.raises(ValueError, match="at key 'validation': set by extends"):
        load_study(path)


def test_a_design_without_a_paper_is_extended_without_validation(tmp_path):
    shutil.copy(STUDIES / "example.yaml", tmp_path)
    path = write(tmp_path, "mine", {"study": "mine", "title": "t", "raw_dir": "data/raw/example", "extends": "example"})
    study = load_study(path)
    assert "validation" not in study and study["analyses"] == load_study(STUDIES / "example.yaml")["analyses"]


def test_an_edit_to_the_design_checks_the_extending_studys_analyses_again(studies, tmp_path):
    from her2cohort import library_checksum
    from her2cohort.config import verified_marker

    path = write(studies, "mine", extending())
    verified = tmp_path / "verified"
    load_study(path, verified=verified)
    design = studies / "gastric_her2_loss.yaml"
    assert verified_marker(verified, path.read_bytes() + design.read_bytes(), library_checksum()).exists()
    text = design.read_text(encoding="utf-8").replace("params: {convention: spss}", "params: {convention: spss, no_such: 1}", 1)
    design.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"{path}: .*no_such"):
        load_study(path, verified=verified)


@pytest.mark.parametrize("study", sorted(VALIDATION_STUDIES))
def test_the_bundled_validation_studies_extend_their_design(study):
    resolved, design = load_study(STUDIES / f"{study}.yaml"), load_study(STUDIES / f"{VALIDATION_STUDIES[study]}.yaml")
    assert resolved["extends"] == VALIDATION_STUDIES[study]
    assert resolved["analyses"] == design["analyses"] and resolved["tables"] == design["tables"] and resolved["figures"] == design["figures"]
    assert resolved["raw_dir"] == f"data/raw/{study}" and resolved["validation"]["published"] == design["published"]
    raw = yaml.safe_load((STUDIES / f"{study}.yaml").read_text())
    assert "published" not in raw and "replication" not in raw


# ---------------------------------------------------------------------------
# Another cohort of a design: the generator's seed and size
# ---------------------------------------------------------------------------


def test_seed_and_size_draw_another_cohort_of_the_design(tmp_path):
    from her2cohort.reconstruct import main, reconstruct

    paper = reconstruct("gastric_her2_heterogeneity", ROOT)
    same = reconstruct("gastric_her2_heterogeneity", ROOT, seed=None, size=len(paper["patients"]))
    assert same["patients"].equals(paper["patients"])  # the paper's size and seed: the bundled cohort
    for size in (50, 133, 300):
        other = reconstruct("gastric_her2_heterogeneity", ROOT, seed=7, size=size)
        patients = other["patients"]
        assert len(patients) == size and patients["patient_id"].is_unique
        assert set(other["specimens"]["patient_id"]) <= set(patients["patient_id"])
        assert other["specimens"]["specimen_id"].is_unique
    assert not reconstruct("gastric_her2_heterogeneity", ROOT, seed=7)["patients"].equals(paper["patients"])
    # the command line: one study, written where --out says
    assert main(["--root", str(ROOT), "--seed", "7", "--size", "60", "--out", str(tmp_path / "cohort"), "gastric_her2_heterogeneity"]) == 0
    assert len(pd.read_csv(tmp_path / "cohort" / "patients.csv")) == 60
    with pytest.raises(SystemExit):
        main(["--root", str(ROOT), "--seed", "7", "gastric_her2_heterogeneity"])  # no --out: the bundled cohort is not overwritten


def test_a_spec_that_extends_another_draws_its_steps_with_its_own_seed_and_size(tmp_path):
    from her2cohort.reconstruct import load_spec

    spec = load_spec("gastric_her2_loss_cohort_b", ROOT)
    design = load_spec("gastric_her2_loss", ROOT)
    assert spec["steps"] == design["steps"] and (spec["seed"], spec["size"]) == (20240601, 400)
    folder = tmp_path / "data" / "reconstruction"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text("study: a\nextends: gastric_her2_loss\nseed: 1\nsteps: []\n")
    with pytest.raises(ValueError, match="holds only extends, seed, size, study"):
        load_spec("a", tmp_path)


# ---------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------


def design_inputs(design: str):
    study = load_study(STUDIES / f"{design}.yaml")
    published = load_published(ROOT / study["published"])
    mapping = load_mapping(ROOT / study["replication"], published)
    return published, mapping, {a["id"]: a["type"] for a in study["analyses"]}


@pytest.mark.parametrize("design", sorted(set(VALIDATION_STUDIES.values())))
def test_every_printed_number_has_one_category_and_findings_are_results_of_the_paper(design):
    published, mapping, types = design_inputs(design)
    findings, category = classify(mapping, published, types)
    by_location = {n["location"]: n for n in published["numbers"]}
    assert set(category) == set(by_location)
    for finding in findings:
        assert category[finding.location] == "finding"
        for entry in finding.printed.values():
            assert entry["evidence"] != "not_this_study"
    for location, label in category.items():
        if by_location[location]["evidence"] == "not_this_study":
            assert label == "not this study"
        if by_location[location]["kind"] in ("count", "range_low", "range_high", "iqr_low", "iqr_high", "cutoff"):
            assert label in ("describes the cohort", "with a finding", "not this study", "not computable", "arithmetic of several results"), location


def test_the_gastric_loss_findings_are_ratios_tests_proportions_medians_and_aucs():
    published, mapping, types = design_inputs("gastric_her2_loss")
    findings, category = classify(mapping, published, types)
    by = {f.location: f for f in findings}
    hr = by["Results / Treatment outcomes / PFS / loss vs persistence / HR / estimate"]
    assert hr.kind == "ratio" and set(hr.printed) == {"estimate", "conf_low", "conf_high", "p"}
    assert by["Table 2 / Gender / p"].kind == "test"
    assert by["Results / Patient characteristics / PFS / total / median / estimate"].kind == "median"  # a reconstruction input, still a finding
    assert by["Results / HER2 change / ROC / H-score / AUC"].kind == "auc"
    loss = by["Results / HER2 change / HER2 negative post-progression / total / %"]
    assert loss.kind == "proportion" and loss.printed["count"]["value"] == 14
    assert category["Table 1 / Gender / Male / total / n"] == "describes the cohort"
    assert category["Table 2 / Gender / Male / loss / %"] == "describes the cohort"  # Table 2's finding is its p
    assert category["Results / Treatment outcomes / PFS / loss vs persistence / HR / conf_low"] == "with a finding"
    assert category["Table 3 / IHC / pre 3+ / pre-treatment / %"] == "describes the cohort"  # baseline composition


# ---------------------------------------------------------------------------
# Tests of the difference and verdicts, on results built by hand
# ---------------------------------------------------------------------------


def entry(location, value, kind, printed=None, precision=2, comparator=None, evidence="patient_data"):
    out = {"location": location, "quantity": location, "printed": printed or str(value), "value": value, "precision": precision, "kind": kind, "basis": "held_out", "evidence": evidence}
    if comparator:
        out["comparator"] = comparator
    return out


def hand_made(numbers: list[dict], reproduce: list[dict], tables: dict[str, pd.DataFrame], types: dict[str, str]) -> pd.DataFrame:
    published = {"study": "paper", "numbers": numbers}
    mapping = {"study": "paper", "reproduce": reproduce}
    return validation_table("cohort", "paper", published, mapping, types, Results.from_tables(tables)).set_index("location")


def cox_row(hr, low, high, p):
    return pd.DataFrame([{"term": "x", "estimate": hr, "conf_low": low, "conf_high": high, "p_value": p, "row_kind": "coefficient"}])


def ratio_case(printed, cohort):
    """A printed HR (estimate, low, high, p[, comparator]) beside a cohort's Cox row."""
    hr, low, high, p, *comparator = printed
    numbers = [entry("HR", hr, "hazard_ratio"), entry("low", low, "conf_low"), entry("high", high, "conf_high"), entry("p", p, "p_value", precision=3, comparator=comparator[0] if comparator else None)]
    reproduce = [{"at": loc, "from": "cox", "row": {"row_kind": "coefficient"}, "value": col} for loc, col in (("HR", "estimate"), ("low", "conf_low"), ("high", "conf_high"), ("p", "p_value"))]
    return hand_made(numbers, reproduce, {"cox": cox_row(*cohort)}, {"cox": "cox"}).loc["HR"]


def test_a_ratio_is_tested_on_the_log_scale_with_each_se_from_its_ci():
    row = ratio_case((1.34, 0.70, 2.55, 0.379), (2.1, 1.2, 3.675, 0.009))
    se_paper, se_cohort = (math.log(2.55) - math.log(0.70)) / (2 * Z95), (math.log(3.675) - math.log(1.2)) / (2 * Z95)
    z = (math.log(2.1) - math.log(1.34)) / math.hypot(se_paper, se_cohort)
    assert row["difference_statistic"] == pytest.approx(z, rel=1e-12)
    assert row["difference_p"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    assert row["difference"] == pytest.approx(2.1 - 1.34)
    assert row["difference_scale"] == "log"
    assert (row["direction_agrees"], row["paper_significant"], row["significant"]) == (True, False, True)
    assert row["verdict"] == "contradicts"  # significant in the cohort where the paper is not


@pytest.mark.parametrize(
    ("printed", "cohort", "expected"),
    [
        ((2.0, 1.2, 3.3, 0.01), (1.8, 1.1, 2.9, 0.02), "confirms"),  # both significant, same side
        ((1.2, 0.7, 2.1, 0.5), (0.9, 0.5, 1.6, 0.7), "confirms"),  # neither significant (direction aside)
        ((2.0, 1.2, 3.3, 0.01), (1.3, 0.8, 2.1, 0.3), "same direction, not significant"),
        ((2.0, 1.2, 3.3, 0.01), (0.8, 0.5, 1.3, 0.4), "contradicts"),  # the other side of 1
        ((2.0, 1.2, 3.3, 0.001, "<"), (0.5, 0.3, 0.8, 0.004), "contradicts"),  # significant the other way
        ((1.2, 0.7, 2.1, 0.5), (2.5, 1.5, 4.2, 0.001), "contradicts"),  # significant where the paper is not
        ((1.0, 0.5, 2.0, 0.99), (1.5, 0.9, 2.5, 0.11), "confirms"),  # a printed 1.00 claims no direction
        ((2.0, 1.2, 3.3, 0.01), (math.nan, math.nan, math.nan, math.nan), "not comparable"),
    ],
)
def test_the_verdict_of_a_ratio(printed, cohort, expected):
    assert ratio_case(printed, cohort)["verdict"] == expected


def test_a_ratio_without_a_printed_ci_takes_its_se_from_the_exact_p():
    numbers = [entry("OR", 2.5, "odds_ratio"), entry("p", 0.04, "p_value", precision=2)]
    reproduce = [{"at": "OR", "from": "model", "row": {"term": "x"}, "value": "estimate"}, {"at": "p", "from": "model", "row": {"term": "x"}, "value": "p_value"}]
    table = pd.DataFrame([{"term": "x", "estimate": 1.5, "conf_low": 0.8, "conf_high": 2.8, "p_value": 0.2}])
    row = hand_made(numbers, reproduce, {"model": table}, {"model": "logistic"}).loc["OR"]
    se_paper = math.log(2.5) / stats.norm.ppf(1 - 0.04 / 2)
    se_cohort = (math.log(2.8) - math.log(0.8)) / (2 * Z95)
    assert row["difference_statistic"] == pytest.approx((math.log(1.5) - math.log(2.5)) / math.hypot(se_paper, se_cohort), rel=1e-12)
    assert "printed p" in row["difference_test"]


def proportion_case(paper_count, printed_percent, cohort_count, cohort_n, precision=1, paper_denominator=None):
    numbers = [entry("%", printed_percent, "percentage", precision=precision, evidence="printed_counts"), entry("n", paper_count, "count", precision=0, evidence="printed_counts")]
    reproduce = [{"at": "%", "from": "rate", "value": "estimate", "scale": 100}, {"at": "n", "from": "rate", "value": "successes"}]
    if paper_denominator is not None:
        numbers.append(entry("N", paper_denominator, "count", precision=0, evidence="printed_counts"))
        reproduce.append({"at": "N", "from": "rate", "value": "n"})
    table = pd.DataFrame([{"term": "overall", "estimate": cohort_count / cohort_n, "conf_low": 0.0, "conf_high": 1.0, "p_value": math.nan, "successes": cohort_count, "n": cohort_n}])
    return hand_made(numbers, reproduce, {"rate": table}, {"rate": "proportion"}).loc["%"]


def test_a_proportion_is_tested_by_its_two_counts():
    # 14 of 48 printed as 29.2 (the denominator recovered from the count and the percentage); the cohort 40 of 80
    row = proportion_case(14, 29.2, 40, 80)
    assert (row["paper_count"], row["paper_denominator"], row["count"], row["denominator"]) == (14, 48, 40, 80)
    table = np.array([[14, 34], [40, 40]])
    expected = stats.chi2_contingency(table, correction=False)  # every expected count >= 5: chi-square without correction
    assert row["difference_p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert row["difference"] == pytest.approx(50 - 29.2)
    assert row["verdict"] == "contradicts"  # p = 0.018
    small = proportion_case(2, 40, 1, 12, precision=0)  # 2 of 5: an expected count < 5, Fisher's exact test
    assert small["paper_denominator"] == 5
    assert small["difference_p"] == pytest.approx(stats.fisher_exact([[2, 3], [1, 11]]).pvalue, rel=1e-9)
    assert small["verdict"] == "confirms"
    assert "Fisher" in small["difference_test"]


def test_a_proportion_without_counts_is_tested_against_the_printed_value():
    numbers = [entry("%", 68.6, "percentage", precision=1, evidence="reconstruction_input")]
    reproduce = [{"at": "%", "from": "rate", "value": "estimate", "scale": 100}]
    table = pd.DataFrame([{"term": "overall", "estimate": 30 / 60, "conf_low": 0.0, "conf_high": 1.0, "p_value": math.nan, "successes": 30, "n": 60}])
    row = hand_made(numbers, reproduce, {"rate": table}, {"rate": "proportion"}).loc["%"]
    assert row["difference_p"] == pytest.approx(stats.binomtest(30, 60, 0.686).pvalue, rel=1e-9)
    assert "binomial" in row["difference_test"] and row["verdict"] == "contradicts"


def test_a_median_is_tested_on_the_scale_its_printed_ci_is_symmetric_on():
    numbers = [entry("m", 8.3, "median", precision=1), entry("lo", 6.1, "conf_low", precision=1), entry("hi", 10.5, "conf_high", precision=1)]
    reproduce = [
        {"at": "m", "from": "km", "value": "estimate"},
        {"at": "lo", "from": "km", "value": "conf_low", "tolerance": {"rule": "ci_se", "ci": ["lo", "hi"], "scale": "linear"}},
        {"at": "hi", "from": "km", "value": "conf_high", "tolerance": {"rule": "ci_se", "ci": ["lo", "hi"], "scale": "linear"}},
    ]
    table = pd.DataFrame([{"term": "median", "estimate": 11.0, "conf_low": 9.0, "conf_high": 13.0, "p_value": math.nan}])
    row = hand_made(numbers, reproduce, {"km": table}, {"km": "median_survival"}).loc["m"]
    z = (11.0 - 8.3) / math.hypot(4.4 / (2 * Z95), 4.0 / (2 * Z95))
    assert row["difference_scale"] == "linear" and row["difference_statistic"] == pytest.approx(z, rel=1e-12)
    assert row["verdict"] == ("contradicts" if 2 * stats.norm.sf(z) < 0.05 else "confirms")


def test_a_test_alone_is_judged_by_significance():
    numbers = [entry("p1", 0.041, "p_value", precision=3, evidence="printed_counts"), entry("p2", 0.001, "p_value", precision=3, comparator="<")]
    reproduce = [{"at": "p1", "from": "t1", "row": {"row_type": "test"}, "value": "p_value"}, {"at": "p2", "from": "t2", "value": "p_value"}]
    tables = {"t1": pd.DataFrame([{"row_type": "test", "p_value": 0.2}]), "t2": pd.DataFrame([{"term": "x", "p_value": 0.03}])}
    frame = hand_made(numbers, reproduce, tables, {"t1": "baseline_table", "t2": "logrank"})
    assert frame.loc["p1", "verdict"] == "same direction, not significant"
    assert "no direction" in frame.loc["p1", "explanation"]
    assert frame.loc["p2", "verdict"] == "confirms"
    assert math.isnan(frame.loc["p1", "difference_p"])


def test_the_markdown_prints_each_number_through_the_numbers_module():
    frame = ratio_case((1.34, 0.70, 2.55, 0.379), (2.1, 1.2, 3.675, 0.009)).to_frame().T.reset_index(names="location")
    published = {"study": "paper", "citation": "A paper", "numbers": [entry("HR", 1.34, "hazard_ratio")]}
    markdown, printed = validation_markdown(frame, published, {"study": "paper", "reproduce": []}, {})
    record = printed.frame()
    assert "2.10 (1.20–3.67), p = 0.009" in markdown or "2.10 (1.20–3.68), p = 0.009" in markdown
    for row in record.itertuples():
        assert reprint(row.kind, row.values, row.options) == row.text
        assert row.text in markdown


# ---------------------------------------------------------------------------
# End to end: the two bundled cohorts that extend a gastric design
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validation_run(pipeline_runs):
    scenario = pipeline_runs.result("validation")
    assert scenario.last.ok, scenario.transcript()
    return scenario.project


@pytest.mark.parametrize("study", sorted(VALIDATION_STUDIES))
def test_each_validation_study_has_a_report_with_a_verdict_for_every_finding(validation_run, study):
    design = VALIDATION_STUDIES[study]
    frame = pd.read_csv(validation_run / "results" / study / "validation.csv", keep_default_na=False, na_values=[""])
    markdown = (validation_run / "results" / study / "validation.md").read_text(encoding="utf-8")
    published, mapping, types = design_inputs(design)
    findings, _ = classify(mapping, published, types)
    assert list(frame.columns) == COLUMNS
    assert list(frame["location"]) == [f.location for f in findings]
    assert set(frame["verdict"]) <= set(VERDICTS) and frame["explanation"].str.len().min() > 0
    assert (frame["design"] == design).all()
    for location, verdict in zip(frame["location"], frame["verdict"]):
        assert f"| {location} (" in markdown and f"**{verdict}**" in markdown
    numbers = pd.read_csv(validation_run / "results" / study / "validation_numbers.csv", keep_default_na=False)
    for row in numbers.itertuples():
        assert reprint(row.kind, row.values, row.options) == row.text
    # its tables and figures are the design's
    for table in load_study(STUDIES / f"{design}.yaml")["tables"]:
        assert (validation_run / "results" / study / "tables" / f"{table['id']}.md").exists()
    assert (validation_run / "logs" / study / "validation.log").exists()
    assert (validation_run / "results" / "benchmarks" / study / "validation.tsv").exists()


def test_the_reports_numbers_equal_the_librarys_statistics_recomputed_from_the_analysis_set(validation_run):
    """The new cohort's PFS HR (loss vs persistence) refitted with cox_model from its analysis set, and tested
    against the printed 1.34 (0.70-2.55) by the stated formula; the loss proportion by its two counts."""
    from her2cohort.stats.cox import cox_model

    study = "gastric_her2_loss_cohort_b"
    frame = pd.read_csv(validation_run / "results" / study / "validation.csv").set_index("location")
    data = pd.read_csv(validation_run / "results" / study / "analysis_set.csv")
    declared = next(a for a in load_study(STUDIES / f"{study}.yaml")["analyses"] if a["id"] == "pfs_cox_by_change")
    fit = cox_model(data, **declared["params"])
    coefficient = fit[fit["row_kind"] == "coefficient"].iloc[0]
    row = frame.loc["Results / Treatment outcomes / PFS / loss vs persistence / HR / estimate"]
    assert row["estimate"] == pytest.approx(coefficient["estimate"], rel=1e-9)
    assert row["p_value"] == pytest.approx(coefficient["p_value"], rel=1e-9)
    se_paper = (math.log(2.55) - math.log(0.70)) / (2 * Z95)
    se_cohort = (math.log(coefficient["conf_high"]) - math.log(coefficient["conf_low"])) / (2 * Z95)
    assert se_cohort == pytest.approx(coefficient["std_error"], rel=1e-6)  # a Wald CI: its SE is the model's
    z = (math.log(coefficient["estimate"]) - math.log(1.34)) / math.hypot(se_paper, se_cohort)
    assert row["difference_p"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    side = (coefficient["estimate"] > 1) == (1.34 > 1)
    assert bool(row["direction_agrees"]) == side
    # loss of HER2 positivity: 14 of 48 printed (29.2%), the cohort's count of loss among its patients
    loss = frame.loc["Results / HER2 change / HER2 negative post-progression / total / %"]
    before, after = data["baseline_her2_status"], data["post_progression_her2_status"]
    x, n = int(((before == "positive") & (after == "negative")).sum()), int((before.notna() & after.notna()).sum())
    assert (loss["count"], loss["denominator"], loss["paper_count"], loss["paper_denominator"]) == (x, n, 14, 48)
    table = np.array([[14, 34], [x, n - x]])
    expected = stats.chi2_contingency(table, correction=False)
    p = expected.pvalue if expected.expected_freq.min() >= 5 else stats.fisher_exact(table).pvalue
    assert loss["difference_p"] == pytest.approx(p, rel=1e-9)
    assert loss["verdict"] == ("confirms" if p >= 0.05 else "contradicts")
