"""Shift tables, McNemar, Bowker and Stuart–Maxwell against R ``mcnemar.test`` / ``binom.test`` / ``coin::mh_test``.

Fixtures from tests/r/rank_tests.R. Datasets: tests/data/rank_shift_tables.csv (small edge-case tables),
rank_shift_breast_ihc.csv (41 pairs; an illustrative IHC shift table consistent with the T-DXd abstract's
counts, the full table is not published) and rank_shift_gastric_table3.csv (48 patients; each of the
gastric study's Table 3 shift tables filled in from its printed counts, independently of one another).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.paired_categorical import (
    bowker_test,
    mcnemar_exact_test,
    mcnemar_test,
    shift_table,
    stuart_maxwell_test,
)

pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "rank_tests"
REL = 1e-6  # closed-form statistics in R; the Clopper-Pearson limits are qbeta inversions (R and scipy agree to ~1e-12)

IHC = ["0", "1+", "2+", "3+"]
BREAST = pd.read_csv(DATA / "rank_shift_breast_ihc.csv", dtype=str)
GASTRIC = pd.read_csv(DATA / "rank_shift_gastric_table3.csv", dtype=str)
GASTRIC_TABLES = {  # table id in the fixtures -> (before, after, levels)
    "gastric_her2": ("her2_pre", "her2_post", ["positive", "negative"]),
    "gastric_ihc": ("ihc_pre", "ihc_post", ["0/1+", "2+", "3+"]),
    "gastric_ish": ("ish_pre", "ish_post", ["positive", "negative"]),
    "gastric_het": ("het_pre", "het_post", ["no", "yes"]),
}


def _small_tables() -> dict[str, pd.DataFrame]:
    long = pd.read_csv(DATA / "rank_shift_tables.csv")
    return {tid: part.pivot(index="before", columns="after", values="count") for tid, part in long.groupby("table_id")}


TABLES = _small_tables()
TABLES["breast_ihc"] = shift_table(BREAST, "ihc_pre", "ihc_post", IHC)
for _tid, (_before, _after, _levels) in GASTRIC_TABLES.items():
    TABLES[_tid] = shift_table(GASTRIC, _before, _after, _levels)
TABLES["gastric_ish_na"] = shift_table(GASTRIC, "ish_pre", "ish_post", ["positive", "negative"], missing_level="NA")


def fixture(name: str) -> pd.DataFrame:
    # shift_tables.csv has a category literally called "NA"; elsewhere NA is R's missing value.
    na_values = [] if name == "shift_tables.csv" else ["NA"]
    return pd.read_csv(FIXTURES / name, keep_default_na=False, na_values=na_values)


# ----------------------------------------------------------------------- shift_table


def test_shift_tables_match_r_table():
    expected = fixture("shift_tables.csv")
    for tid in ["breast_ihc", *GASTRIC_TABLES, "gastric_ish_na"]:
        r = expected[expected.table_id == tid].pivot(index="before", columns="after", values="count")
        ours = TABLES[tid]
        r = r.loc[list(ours.index), list(ours.columns)]
        np.testing.assert_array_equal(ours.to_numpy(), r.to_numpy(), err_msg=tid)


def test_shift_table_keeps_empty_levels_and_counts_incomplete_pairs():
    table = TABLES["gastric_ihc"]
    assert list(table.index) == ["0/1+", "2+", "3+"] and table.index.name == "ihc_pre"
    assert table.loc["0/1+"].sum() == 0  # nobody was IHC 0/1+ before trastuzumab: the row is kept
    ish = TABLES["gastric_ish"]
    assert ish.attrs["n_incomplete"] == GASTRIC[["ish_pre", "ish_post"]].isna().any(axis=1).sum() == 15
    assert ish.to_numpy().sum() == 48 - 15
    assert TABLES["gastric_ish_na"].attrs["n_incomplete"] == 0
    assert list(TABLES["gastric_ish_na"].columns) == ["positive", "negative", "NA"]


def test_shift_table_rejects_unknown_levels_and_defaults_to_sorted_levels():
    with pytest.raises(StatisticsError, match=r"not in levels.*'3\+'"):
        shift_table(BREAST, "ihc_pre", "ihc_post", ["0", "1+", "2+"])
    assert list(shift_table(BREAST, "ihc_pre", "ihc_post").index) == IHC
    with pytest.raises(StatisticsError, match="not in data"):
        shift_table(BREAST, "ihc_pre", "missing_column", IHC)


def test_gastric_table3_counts_reproduce_printed_percentages():
    """Table 3 of the gastric HER2-loss paper (and the text on ISH), from the shift tables."""
    ihc = TABLES["gastric_ihc"]
    pct = ihc.div(ihc.sum(axis=1), axis=0) * 100
    assert ihc.loc["3+"].tolist() == [9, 6, 28] and ihc.loc["2+"].tolist() == [1, 2, 2]
    assert pct.loc["3+"].round(1).tolist() == [20.9, 14.0, 65.1]
    assert pct.loc["2+"].round(0).tolist() == [20, 40, 40]
    ish = TABLES["gastric_ish_na"]
    assert ish.sum(axis=1).tolist() == [39, 1, 8]
    assert (ish.loc["positive"] / 39 * 100).round(1).tolist() == [61.5, 23.1, 15.4]
    assert (ish.loc["NA"] / 8 * 100).round(0).tolist() == [75, 0, 25]
    # "Among 40 patients who had baseline ISH results, 24 (60%) were ISH+; nine of these (22.5%) were ISH-"
    baseline = ish.loc[["positive", "negative"]].to_numpy().sum()
    assert baseline == 40 and round(24 / baseline * 100, 1) == 60.0 and round(9 / baseline * 100, 1) == 22.5
    het = shift_table(GASTRIC, "het_pre", "het_post", ["no", "yes"], missing_level="NA")
    assert (het.loc["no"] / 33 * 100).round(1).tolist() == [60.6, 15.2, 24.2]
    assert (het.loc["NA"] / 14 * 100).round(1).tolist() == [35.7, 7.1, 57.1]
    # The printed pre-treatment percentages "No 33 70.8" and "NA 14 27.1" are 34/48 and 13/48, not
    # 33/48 = 68.8 and 14/48 = 29.2: the counts are supported by the post-treatment percentages above.
    assert het.sum(axis=1).tolist() == [33, 1, 14]


def test_breast_shift_table_agrees_with_abstract_counts():
    """T-DXd abstract: 41 pairs; 34 with HER2 expression before; 11 (32.4%) lost it, 10 (29.4%) decreased."""
    table = TABLES["breast_ihc"].to_numpy()
    expressed = table[1:].sum()
    loss = table[1:, 0].sum()
    decrease = sum(table[i, j] for i in range(2, 4) for j in range(1, i))
    assert (table.sum(), expressed, loss, decrease) == (41, 34, 11, 10)
    assert (round(100 * loss / expressed, 1), round(100 * decrease / expressed, 1)) == (32.4, 29.4)


# ----------------------------------------------------------------------- McNemar


@pytest.mark.parametrize(
    "row",
    list(
        fixture("mcnemar.csv")
        .query("variant in ['correct', 'uncorrected']")
        .query(
            "table_id.str.startswith('t2') or table_id in ['gastric_her2', " "'gastric_ish', 'gastric_het']",
            engine="python",
        )
        .itertuples(index=False)
    ),
    ids=lambda r: f"{r.table_id}-{r.variant}",
)
def test_mcnemar_matches_r(row):
    result = mcnemar_test(TABLES[row.table_id], correct=row.variant == "correct").iloc[0]
    assert result.statistic == pytest.approx(row.statistic, rel=REL, abs=1e-12)
    assert result.p_value == pytest.approx(row.p_value, rel=REL)
    assert result.df == row.df
    assert result.method == row.method  # including R skipping the correction when n12 == n21


def test_mcnemar_from_data_columns():
    result = mcnemar_test(GASTRIC, "her2_pre", "her2_post", ["positive", "negative"]).iloc[0]
    assert list(result.index[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert (result.n, result.n_discordant, result.n_12, result.n_21) == (48, 14, 14, 0)
    assert result.term == "her2_pre vs her2_post"
    ish = mcnemar_test(GASTRIC, "ish_pre", "ish_post", ["positive", "negative"]).iloc[0]
    assert ish.n == 33 and "15 incomplete pair(s) dropped" in ish.note


@pytest.mark.parametrize("row", list(fixture("mcnemar_exact.csv").itertuples(index=False)), ids=lambda r: r.table_id)
def test_mcnemar_exact_matches_binom_test(row):
    result = mcnemar_exact_test(TABLES[row.table_id]).iloc[0]
    assert (result.n_12, result.n_21) == (row.n12, row.n21)
    assert result.p_value == pytest.approx(row.p_value, rel=REL)
    assert result.conf_low == pytest.approx(row.p_low / (1 - row.p_low), rel=REL)
    if row.p_high < 1:
        assert result.conf_high == pytest.approx(row.p_high / (1 - row.p_high), rel=REL)
    else:
        assert result.conf_high == math.inf
    assert result.estimate == (row.n12 / row.n21 if row.n21 else math.inf)


@pytest.mark.parametrize("test", [mcnemar_test, mcnemar_exact_test, bowker_test, stuart_maxwell_test])
def test_no_discordant_pairs_or_one_category_gives_na(test):
    diagonal = np.diag([5, 3]) if test in (mcnemar_test, mcnemar_exact_test) else np.diag([5, 3, 4])
    result = test(diagonal).iloc[0]
    assert math.isnan(result.p_value) and "no discordant pairs" in result.note
    one = test(np.array([[7]])).iloc[0]
    assert math.isnan(one.p_value) and "1 x 1 table" in one.note


def test_bad_tables_raise():
    with pytest.raises(StatisticsError, match="square"):
        mcnemar_test(np.ones((2, 3)))
    with pytest.raises(StatisticsError, match="non-negative"):
        bowker_test(np.array([[1, -1], [2, 3]]))
    with pytest.raises(StatisticsError, match="bowker_test"):
        mcnemar_test(np.ones((3, 3)))
    with pytest.raises(StatisticsError, match="integer"):
        mcnemar_exact_test(np.array([[1, 2.5], [1, 1]]))
    with pytest.raises(StatisticsError, match="empty_pairs"):
        bowker_test(np.ones((3, 3)), empty_pairs="zero")


# ----------------------------------------------------------------------- Bowker

KXK = ["t3_generic", "t3_empty_pair", "t4_isolated", "t4_generic", "breast_ihc", "gastric_ihc", "gastric_ish_na"]


@pytest.mark.parametrize("tid", KXK)
def test_bowker_matches_r_mcnemar_test(tid):
    rows = fixture("mcnemar.csv").set_index(["table_id", "variant"])
    r = rows.loc[(tid, "uncorrected")]
    as_r = bowker_test(TABLES[tid], empty_pairs="na").iloc[0]
    assert as_r.df == r.df
    if math.isnan(r.statistic):  # R: 0/0 for an empty mirror pair
        assert math.isnan(as_r.statistic) and math.isnan(as_r.p_value) and "R's NaN" in as_r.note
    else:
        assert as_r.statistic == pytest.approx(r.statistic, rel=REL)
        assert as_r.p_value == pytest.approx(r.p_value, rel=REL)
    dropped_r = rows.loc[(tid, "drop_empty_pairs")]
    dropped = bowker_test(TABLES[tid]).iloc[0]
    assert dropped.statistic == pytest.approx(dropped_r.statistic, rel=REL)
    assert dropped.df == dropped_r.df
    assert dropped.p_value == pytest.approx(dropped_r.p_value, rel=REL)
    assert dropped.n_empty_pairs == r.df - dropped_r.df
    assert ("dropped from the statistic and df" in dropped.note) == (dropped.n_empty_pairs > 0)


def test_bowker_on_2x2_is_uncorrected_mcnemar():
    table = TABLES["t2_discordant"]
    assert bowker_test(table).statistic.item() == pytest.approx(mcnemar_test(table, correct=False).statistic.item())


# ----------------------------------------------------------------------- Stuart-Maxwell


@pytest.mark.parametrize("row", list(fixture("stuart_maxwell.csv").itertuples(index=False)), ids=lambda r: r.table_id)
def test_stuart_maxwell_matches_coin_mh_test(row):
    result = stuart_maxwell_test(TABLES[row.table_id]).iloc[0]
    assert result.statistic == pytest.approx(row.statistic, rel=REL, abs=1e-12)
    assert result.df == row.df
    assert result.p_value == pytest.approx(row.p_value, rel=REL)
    if not math.isnan(row.classic_statistic):  # coin's statistic is the classic Stuart-Maxwell one
        assert row.statistic == pytest.approx(row.classic_statistic, rel=1e-9, abs=1e-12)


def test_stuart_maxwell_isolated_category_uses_generalised_inverse():
    result = stuart_maxwell_test(TABLES["t4_isolated"]).iloc[0]
    assert result.df == 2 and "no patient moved into or out of ['L4']" in result.note
    from_data = stuart_maxwell_test(BREAST, "ihc_pre", "ihc_post", IHC).iloc[0]
    assert from_data.statistic == stuart_maxwell_test(TABLES["breast_ihc"]).statistic.item()


def test_statsmodels_defaults_differ_from_r():
    from statsmodels.stats.contingency_tables import SquareTable, mcnemar

    table = TABLES["t2_discordant"].to_numpy()
    r = fixture("mcnemar.csv").set_index(["table_id", "variant"]).loc[("t2_discordant", "correct")]
    assert mcnemar(table).pvalue != pytest.approx(r.p_value, rel=1e-3)  # statsmodels: exact by default
    assert mcnemar(table).pvalue == pytest.approx(mcnemar_exact_test(table).p_value.item(), rel=REL)
    assert mcnemar_test(table).p_value.item() == pytest.approx(r.p_value, rel=REL)
    isolated = TABLES["t4_isolated"].to_numpy()
    coin = fixture("stuart_maxwell.csv").set_index("table_id").loc["t4_isolated"]
    homogeneity = SquareTable(isolated, shift_zeros=False).homogeneity()
    assert homogeneity.statistic == pytest.approx(coin.statistic, rel=REL) and homogeneity.df != coin.df
    assert SquareTable(isolated, shift_zeros=False).symmetry().df == 6 != bowker_test(isolated).df.item()
