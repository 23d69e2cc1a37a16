"""The cross-study meta-analysis: its literature table, its declaration and its forest plot.

The literature table (data/literature/her2_loss_after_anti_her2.yaml) holds only
numbers the papers print: every quoted sentence is in the paper's text (when
../shared/seeds/ is there), and every count is in its sentences. The declared
analyses, run as the rule runs them, give metafor's numbers (the her2_loss case
of tests/r/rigor_validation.R); the forest plot prints only recorded numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from her2cohort.analyses import analysis_problems, run_analysis
from her2cohort.literature import literature_table, load_literature, load_meta, result_studies
from her2cohort.numbers import Printed, reprint
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.draw import drawn_texts
from her2cohort.render.figures.sources import Sources
from her2cohort.results import Results

SCHEMAS = ROOT / "config" / "schemas"
META_FILE = ROOT / "config" / "meta" / "her2_loss_after_anti_her2.yaml"
LITERATURE = ROOT / "data" / "literature" / "her2_loss_after_anti_her2.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"
R_FITS = pd.read_csv(ROOT / "tests" / "fixtures" / "r" / "rigor_validation" / "meta_fit.csv", float_precision="round_trip")


def _meta():
    return load_meta(META_FILE, SCHEMAS / "meta.schema.yaml", SCHEMAS / "literature.schema.yaml", analysis_problems, ROOT)


#: The two result rows the literature table reads its pooled counts from, as the
#: studies' own analyses write them (a shift table row; a proportion row).
STUDY_RESULTS = {
    "gastric_her2_loss": Results.from_tables(
        {"her2_status_shift": pd.DataFrame({"before": ["positive", "positive"], "after": ["positive", "negative"], "n": [34, 14], "before_total": [48, 48]})}
    ),
    "breast_tdxd_her2_loss": Results.from_tables({"her2_loss": pd.DataFrame({"term": ["overall"], "successes": [11], "n": [34]})}),
}


def _table(results=STUDY_RESULTS):
    return literature_table(load_literature(LITERATURE, SCHEMAS / "literature.schema.yaml"), results)


def _flat(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def test_the_literature_table_pools_the_two_her2_loss_cohorts():
    table = _table()
    pooled = table[table["pool"]]
    assert pooled[["id", "events", "n"]].values.tolist() == [["gastric_her2_loss", 14, 48], ["breast_tdxd_her2_loss", 11, 34]]
    assert (table.loc[~table["pool"], "why"].str.len() > 20).all()
    assert set(table.columns) >= {"paper", "sentences", "file", "definition"}
    assert list(pooled["counts_from"]) == [
        "results/gastric_her2_loss/stats/her2_status_shift.csv (before = positive, after = negative)",
        "results/breast_tdxd_her2_loss/stats/her2_loss.csv (term = overall)",
    ]
    assert list(pooled["note"]) == ["the pipeline's counts equal the printed 14/48", "the pipeline's counts equal the printed 11/34"]


def test_pooled_counts_are_the_pipelines_never_the_printed():
    # a cohort whose counts come from a study's results: another count there is pooled, and said
    other = dict(STUDY_RESULTS)
    other["breast_tdxd_her2_loss"] = Results.from_tables({"her2_loss": pd.DataFrame({"term": ["overall"], "successes": [12], "n": [34]})})
    row = _table(other).set_index("id").loc["breast_tdxd_her2_loss"]
    assert (row["events"], row["n"], row["printed_events"], row["printed_n"]) == (12, 34, 11, 34)
    assert row["note"] == "the pipeline's counts 12/34 differ from the printed 11/34"
    # without that study's results: an error, not the printed counts
    with pytest.raises(ValueError, match="cohort 'breast_tdxd_her2_loss'.*study 'breast_tdxd_her2_loss', which were not given"):
        _table({"gastric_her2_loss": STUDY_RESULTS["gastric_her2_loss"]})
    # a row that is not there, or a column that is not a count
    missing = {**STUDY_RESULTS, "gastric_her2_loss": Results.from_tables({"her2_status_shift": pd.DataFrame({"before": ["positive"], "after": ["positive"], "n": [48], "before_total": [48]})})}
    with pytest.raises(ValueError, match="cohort 'gastric_her2_loss': result: no row of 'her2_status_shift'"):
        _table(missing)
    bad = {**STUDY_RESULTS, "breast_tdxd_her2_loss": Results.from_tables({"her2_loss": pd.DataFrame({"term": ["overall"], "successes": [0.5], "n": [34]})})}
    with pytest.raises(ValueError, match="not a whole number of patients"):
        _table(bad)
    assert result_studies(load_literature(LITERATURE, SCHEMAS / "literature.schema.yaml")) == ["gastric_her2_loss", "breast_tdxd_her2_loss"]


@pytest.mark.skipif(not SEEDS.exists(), reason="the papers' texts (../shared/seeds/) are not next to this checkout")
def test_every_quoted_sentence_is_in_its_paper_and_prints_its_counts():
    table = load_literature(LITERATURE, SCHEMAS / "literature.schema.yaml")
    for cohort in table["cohorts"]:
        text = _flat((SEEDS / cohort["source"]["file"]).read_text(encoding="utf-8"))
        quoted = []
        for sentence in cohort["source"]["sentences"]:
            quotes = re.findall(r'"(.+?)"', sentence)
            assert quotes, sentence
            for quote in quotes:
                assert _flat(quote) in text, (cohort["id"], quote)
            quoted += quotes
        words = " ".join(quoted).lower()
        spelled = {3: "three", 10: "10", 11: "11", 13: "13", 14: "fourteen", 19: "19", 34: "34", 48: "48", 71: "71"}
        for key in ("events", "n"):
            if key in cohort:
                assert spelled[cohort[key]] in words, (cohort["id"], key)


def test_the_declared_meta_analysis_is_metafors(tmp_path):
    meta = _meta()
    table = _table()
    analysis = meta["analyses"][0]
    for variant, (method, test) in {None: ("REML", "z"), "dersimonian_laird": ("DL", "z"), "hartung_knapp": ("REML", "knha")}.items():
        result = run_analysis(table, analysis, None, variant)
        assert result["analysis"].iloc[0] == "her2_loss_pooled"
        rows = result.set_index("term")
        r = R_FITS[(R_FITS["case"] == "her2_loss") & (R_FITS["method"] == method) & (R_FITS["requested_test"] == test)].iloc[0]
        assert rows.loc["pooled", "estimate"] == pytest.approx(r["pred"], rel=1e-12)
        assert rows.loc["pooled", "conf_low"] == pytest.approx(r["pred_ci_lb"], rel=1e-12)
        assert rows.loc["pooled", "conf_high"] == pytest.approx(r["pred_ci_ub"], rel=1e-12)
        assert rows.loc["prediction_interval", "conf_high"] == pytest.approx(r["pi_ub"], rel=1e-12)
        assert rows.loc["Q", "p_value"] == pytest.approx(r["QEp"], rel=1e-12)
        assert list(result.loc[result["row_kind"] == "study", "events"]) == [14, 11]


def test_a_bad_declaration_names_every_problem(tmp_path):
    meta = yaml.safe_load(META_FILE.read_text())
    meta["meta"] = "other"
    meta["analyses"][0]["type"] = "meta_analyses"
    meta["figures"][0]["from"] = "nothing"
    path = tmp_path / "config" / "meta" / "her2_loss_after_anti_her2.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(meta))
    with pytest.raises(ValueError) as caught:
        load_meta(path, SCHEMAS / "meta.schema.yaml", SCHEMAS / "literature.schema.yaml", analysis_problems, ROOT)
    assert "at key 'analyses.0.type'" in str(caught.value) and "did you mean 'meta_analysis'" in str(caught.value)
    meta["analyses"][0]["type"] = "meta_analysis"
    path.write_text(yaml.safe_dump(meta))
    with pytest.raises(ValueError) as caught:
        load_meta(path, SCHEMAS / "meta.schema.yaml", SCHEMAS / "literature.schema.yaml", analysis_problems, ROOT)
    message = str(caught.value)
    assert "at key 'meta': 'other' must be the file's name" in message
    assert "at key 'figures.0.from': 'nothing' is not an analysis" in message
    literature = yaml.safe_load(LITERATURE.read_text())
    del literature["cohorts"][0]["events"]
    literature["cohorts"][2]["pool"] = True
    literature["cohorts"][3]["pool"] = False
    del literature["cohorts"][3]["why"]
    del literature["cohorts"][1]["source"]["study"]  # counts from results need the study
    bad = tmp_path / "literature.yaml"
    bad.write_text(yaml.safe_dump(literature, allow_unicode=True))
    with pytest.raises(ValueError) as caught:
        load_literature(bad, SCHEMAS / "literature.schema.yaml")
    assert "cohorts.0" in str(caught.value) and "'events' is a required property" in str(caught.value)
    assert "cohorts.3" in str(caught.value) and "'why' is a required property" in str(caught.value)
    assert "cohorts.1.source" in str(caught.value) and "'study' is a required property" in str(caught.value)


def test_the_forest_plot_prints_only_recorded_numbers():
    meta = _meta()
    table = _table()
    tables = {}
    for analysis in meta["analyses"]:
        tables[analysis["id"]] = run_analysis(table, analysis)
        for variant in analysis.get("variants", {}):
            tables[f"{analysis['id']}--{variant}"] = run_analysis(table, analysis, None, variant)
    sources = Sources(results=Results.from_tables(tables, where=str(META_FILE)))
    for spec in meta["figures"]:
        printed = Printed()
        figure, drawn = FIGURES["meta_forest"](sources, spec, printed)
        numbers = printed.frame()
        assert all(reprint(r.kind, r.values, r.options) == r.text for r in numbers.itertuples())
        texts = " ".join(drawn_texts(figure)["text"])
        rows = drawn["rows"]
        assert list(rows["kind"]) == ["study", "study", "pooled", "prediction"]
        assert "14/48" in texts and "11/34" in texts and "25/82" in texts
        assert "29.2 (18.1–43.4)" in texts and "32.4 (18.9–49.5)" in texts
        if spec.get("variant") == "hartung_knapp":
            assert "30.5 (14.6–53.0)" in texts and "Hartung-Knapp" in texts
        else:
            assert "30.5 (21.5–41.3)" in texts and "I² = 0.0%" in texts and "p = 0.758" in texts
        import matplotlib.pyplot as plt

        plt.close(figure)
    with pytest.raises(ValueError, match="not a meta_analysis result"):
        FIGURES["meta_forest"](Sources(results=Results.from_tables({"x": pd.DataFrame({"term": ["a"]})})), {"from": "x"}, Printed())
