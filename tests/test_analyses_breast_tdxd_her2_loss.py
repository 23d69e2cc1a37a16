"""Declared analyses of breast_tdxd_her2_loss on the committed raw data, against R, and the
table and figure types they feed (``tests`` layout, ``transitions`` figure).

Every number the abstract prints is an input of the reconstruction: the counts and
percentages must equal the printed ones (read from data/published/, never copied here).
The paired tests and CIs have no published counterpart; they are checked against R on the
same raw data (tests/r/breast_tdxd_her2_loss.R -> tests/fixtures/r/breast_tdxd_her2_loss/).
"""

from __future__ import annotations


import pandas as pd
import pytest

from conftest import ROOT, load_mapping, load_published
from her2cohort.analyses import run_analysis
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.sources import Sources
from her2cohort.numbers import Printed, percent
from her2cohort.render.tables import LAYOUTS
from her2cohort.results import Results
from her2cohort.render.figures.transitions import direction, transitions_figure
from recount import assert_printed, cleaned, published_by_location

STUDY = "breast_tdxd_her2_loss"
R = ROOT / "tests" / "fixtures" / "r" / STUDY


@pytest.fixture(scope="module")
def study():
    built = cleaned(STUDY)
    config = built.config
    results = {}
    for analysis in config["analyses"]:
        results[analysis["id"]] = run_analysis(built.analysis, analysis, config.get("derive"))
        for variant in analysis.get("variants", {}):
            results[f"{analysis['id']}--{variant}"] = run_analysis(built.analysis, analysis, config.get("derive"), variant)
    return config, results


@pytest.fixture(scope="module")
def published():
    return published_by_location(STUDY)


def test_every_declared_analysis_and_variant_returns_rows(study):
    config, results = study
    for analysis in config["analyses"]:
        for key in [analysis["id"], *(f"{analysis['id']}--{v}" for v in analysis.get("variants", {}))]:
            assert len(results[key]) > 0, key
            assert (results[key]["analysis"] == analysis["id"]).all()


def test_the_abstract_counts_are_the_shift_tables_cells(study, published):
    _, results = study
    shift = results["ihc_shift"].astype({"before": int, "after": int})
    expressing = shift[shift.before >= 1]
    loss = expressing[expressing.after == 0]["n"].sum()
    decrease = expressing[(expressing.after >= 1) & (expressing.after < expressing.before)]["n"].sum()
    assert shift["n"].sum() == published["Abstract / Results / total / n"]["value"]
    assert expressing["n"].sum() == results["her2_loss"]["n"].iloc[0]
    assert loss == results["her2_loss"]["successes"].iloc[0]
    assert decrease == results["her2_decrease"]["successes"].iloc[0]
    assert_printed(published, "Abstract / Results / pre-treatment HER2 expression (1+, 2+, or 3+) / n", results["her2_loss"]["n"].iloc[0])
    assert_printed(published, "Abstract / Results / HER2 loss / n", loss)
    assert_printed(published, "Abstract / Results / HER2 loss / %", 100 * results["her2_loss"]["estimate"].iloc[0])
    assert_printed(published, "Abstract / Results / HER2 decrease / n", decrease)
    assert_printed(published, "Abstract / Results / HER2 decrease / %", 100 * results["her2_decrease"]["estimate"].iloc[0])


def test_shift_table_agrees_with_r(study):
    _, results = study
    r = pd.read_csv(R / "shift.csv")
    ours = results["ihc_shift"].astype({"before": int, "after": int}).set_index(["before", "after"])["n"]
    theirs = r.set_index(["before", "after"])["n"]
    assert ours.sort_index().tolist() == theirs.sort_index().tolist()


@pytest.mark.parametrize("analysis,term", [("her2_loss", "loss"), ("her2_decrease", "decrease"), ("her2_loss_or_decrease", "loss_or_decrease")])
def test_proportions_and_exact_cis_agree_with_binom_test(study, analysis, term):
    _, results = study
    r = pd.read_csv(R / "proportions.csv").set_index("term").loc[term]
    row = results[analysis].iloc[0]
    assert row["successes"] == r["x"] and row["n"] == r["n"]
    for column in ("estimate", "conf_low", "conf_high"):
        assert row[column] == pytest.approx(r[column], rel=1e-6), column
    # the abstract tests no null proportion and the study declares none: no binomial p
    assert pd.isna(row["p_value"]) and pd.isna(row["statistic"])


# analysis (or analysis--variant) -> (row of tests.csv written by R on the same raw data, the
# row whose statistic ours equals): coin's exact test reports a standardised Z, ours (and R's
# wilcox.test) the signed-rank sum V, so the exact test's V is checked against wilcox.test's
R_TESTS = {
    "ihc_wilcoxon": ("wilcoxon_r", "wilcoxon_r"),
    "ihc_wilcoxon--spss": ("wilcoxon_spss", "wilcoxon_spss"),
    "ihc_wilcoxon--exact_conditional": ("wilcoxon_exact_conditional", "wilcoxon_r"),
    "ihc_bowker": ("bowker", "bowker"),
    "ihc_bowker--exact": ("bowker_exact", "bowker"),
    "ihc_stuart_maxwell": ("stuart_maxwell", "stuart_maxwell"),
    "ihc_zero_mcnemar": ("mcnemar", "mcnemar"),
    "ihc_zero_mcnemar_exact": ("mcnemar_exact", "mcnemar_exact"),
}


@pytest.mark.parametrize("analysis", sorted(R_TESTS))
def test_paired_tests_agree_with_r(study, analysis):
    _, results = study
    r = pd.read_csv(R / "tests.csv").set_index("test")
    p_row, statistic_row = R_TESTS[analysis]
    row = results[analysis].iloc[0]
    assert row["p_value"] == pytest.approx(r.loc[p_row, "p_value"], rel=1e-6)
    assert row["statistic"] == pytest.approx(r.loc[statistic_row, "statistic"], rel=1e-6)
    if not pd.isna(r.loc[p_row, "df"]):
        assert row["df"] == r.loc[p_row, "df"]


def test_paired_tests_table_prints_each_test_with_its_statistic(study):
    config, results = study
    spec = next(t for t in config["tables"] if t["id"] == "table_paired_tests")
    display, tidy = LAYOUTS["tests"](Results.from_tables(results), spec, Printed())
    tests = [row for row in spec["rows"] if "from" in row]
    assert len(tidy) == len(tests) and len(display) == len(spec["rows"])
    assert list(tidy["p_value"]) == [results[row["from"]]["p_value"].iloc[0] for row in tests]
    bowker = display[display["Comparison"].str.startswith("Symmetry")].iloc[0]
    assert bowker["Statistic"] == f"\u03c7\u00b2 = {results['ihc_bowker']['statistic'].iloc[0]:.2f} (df 6)"
    exact = display[display["Comparison"].str.startswith("McNemar, exact")].iloc[0]
    row = results["ihc_zero_mcnemar_exact"].iloc[0]
    assert exact["Statistic"] == f"n12 = {int(row['n_12'])}, n21 = {int(row['n_21'])}"


def test_transition_directions_follow_the_level_order():
    assert [direction(3, 0), direction(2, 1), direction(1, 1), direction(0, 2)] == ["loss", "decrease", "same", "increase"]


def test_transitions_figure_draws_the_shift_table(study):
    config, results = study
    spec = next(f for f in config["figures"] if f["id"] == "figure_ihc_transitions")
    sources = Sources(results=Results.from_tables(results), analysis_set=pd.DataFrame())
    figure, drawn = FIGURES["transitions"](sources, spec, Printed())
    shift = drawn["shift"]
    assert shift["n"].tolist() == results["ihc_shift"]["n"].tolist()
    heatmap, alluvial = figure.axes
    cells = [t.get_text() for t in heatmap.texts]
    assert len(cells) == len(shift)
    # the heat map draws IHC 3+ at the top (the alluvial's order): its cells are the table's counts
    assert sorted(int(text.split("\n")[0]) for text in cells) == sorted(int(n) for n in shift["n"])
    legend = [t.get_text() for t in alluvial.get_legend().get_texts()]
    counted = shift.groupby("direction")["n"].sum()
    assert legend[0] == f"Loss to IHC 0 ({int(counted['loss'])})"
    assert f"Decrease ({int(counted['decrease'])})" in legend
    footer = figure.texts[0].get_text()
    assert footer.startswith("Wilcoxon signed-rank: p ")
    # the alluvial figure type's panel: each node labelled with its level, n and % of the patients
    nodes = [t.get_text() for t in alluvial.texts]
    total = shift["n"].sum()
    for level, name in spec["level_labels"].items():
        for side in ("before", "after"):
            n = shift.loc[shift[side] == level, "n"].sum()
            assert f"{name}\n{n} ({percent(100 * n / total)}%)" in nodes


def test_transitions_figure_refuses_an_unknown_view(study):
    _, results = study
    with pytest.raises(ValueError, match="views"):
        transitions_figure(results["ihc_shift"], Printed(), views=("sankey",))


def test_replication_mapping_covers_every_published_number():
    published = load_published(ROOT / "data" / "published" / f"{STUDY}.yaml")
    mapping = load_mapping(ROOT / "config" / "replication" / f"{STUDY}.yaml", published)
    located = {loc for entry in mapping["reproduce"] for loc in ([entry["at"]] if isinstance(entry["at"], str) else entry["at"])}
    assert located == {n["location"] for n in published["numbers"]}
