"""Table 1 builder against R (tests/r/table1.R) on tests/data/table1_patients.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from her2cohort.stats._result import StatisticsError
from her2cohort.stats.table1 import TOTAL, baseline_table

HERE = Path(__file__).resolve().parent
DATA = pd.read_csv(HERE.parent / "data" / "table1_patients.csv", keep_default_na=False, na_values=[""])
FIXTURES = HERE.parent / "fixtures" / "r" / "table1"
GROUPS = ["heterogeneous", "homogeneous"]
VARIABLES = [
    {"name": "age", "kind": "continuous"},
    {"name": "cea", "kind": "continuous"},
    "sex",
    "ecog",
    "site",
    "histology",
    {"name": "metastatic_sites", "kind": "multi", "levels": ["peritoneum", "liver", "lung", "bone"]},
]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return baseline_table(DATA, VARIABLES, "group", group_levels=GROUPS)


def test_counts_and_percents_match_r(table):
    expected = pd.read_csv(FIXTURES / "counts.csv", keep_default_na=False)
    summary = table[(table.row_type == "summary") & table.kind.eq("categorical")]
    for _, row in expected.iterrows():
        got = summary[(summary.variable == row.variable) & (summary.group == row.group) & (summary.level.astype(str) == str(row.level))]
        assert len(got) == 1, row.to_dict()
        assert got.iloc[0]["n"] == row.n
        assert got.iloc[0]["percent"] == pytest.approx(row.percent, rel=1e-12)


def test_continuous_summaries_match_r(table):
    expected = pd.read_csv(FIXTURES / "continuous.csv")
    summary = table[(table.row_type == "summary") & table.kind.eq("continuous")]
    for _, row in expected.iterrows():
        got = summary[(summary.variable == row.variable) & (summary.group == row.group)].iloc[0]
        for column in ("n", "median", "q1", "q3", "minimum", "maximum", "mean", "sd"):
            assert got[column] == pytest.approx(row[column], rel=1e-12), (row.variable, row.group, column)


def test_tests_match_r_and_name_the_test_used(table):
    expected = pd.read_csv(FIXTURES / "tests.csv", keep_default_na=False, na_values=["NA"])
    tests = table[table.row_type == "test"]
    names = {"fisher": "Fisher's exact test", "chisq": "Pearson's Chi-squared test", "wilcox": "Wilcoxon rank sum"}
    for _, row in expected.iterrows():
        got = tests[(tests.variable == row.variable) & (tests.level.astype(str) == str(row.level))]
        assert len(got) == 1, row.to_dict()
        got = got.iloc[0]
        assert got["p_value"] == pytest.approx(row.p_value, rel=1e-6), row.variable
        assert names[row.method] in got["method"], (row.variable, got["method"])
        if not pd.isna(row.statistic):
            assert got["statistic"] == pytest.approx(row.statistic, rel=1e-6)
        if not pd.isna(row.estimate):  # Fisher on 2 x 2: R's conditional MLE odds ratio
            assert got["estimate"] == pytest.approx(row.estimate, rel=1e-6)


def test_multi_valued_levels_use_all_patients_as_denominator(table):
    rows = table[(table.variable == "metastatic_sites") & (table.row_type == "summary") & (table.group == TOTAL)]
    assert set(rows["denominator"]) == {len(DATA)}
    liver = rows[rows.level == "liver"].iloc[0]
    assert liver["n"] == DATA["metastatic_sites"].fillna("").str.contains("liver").sum()


def test_missing_values_are_counted_not_hidden(table):
    histology = table[(table.variable == "histology") & (table.row_type == "summary") & (table.group == TOTAL)]
    assert set(histology["n_missing"]) == {DATA["histology"].isna().sum()}
    assert histology["n"].sum() + DATA["histology"].isna().sum() == len(DATA)
    shown = baseline_table(DATA, [{"name": "histology", "missing_label": "Not available"}])
    levels = shown[shown.row_type == "summary"].set_index("level")
    assert levels.loc["Not available", "n"] == DATA["histology"].isna().sum()
    assert levels["denominator"].unique().tolist() == [len(DATA)]


def test_without_group_there_is_no_test():
    out = baseline_table(DATA, ["sex"])
    assert set(out["group"]) == {TOTAL} and (out.row_type == "summary").all()


def test_bad_arguments_are_clear_errors():
    with pytest.raises(StatisticsError, match="not in the data"):
        baseline_table(DATA, ["weight"], "group")
    with pytest.raises(StatisticsError, match="kind must be one of"):
        baseline_table(DATA, [{"name": "age", "kind": "numeric"}], "group")
    with pytest.raises(StatisticsError, match="not in group_levels"):
        baseline_table(DATA, ["sex"], "group", group_levels=["homogeneous"])
