"""Shift tables, McNemar, Bowker and Stuart–Maxwell against R ``mcnemar.test`` / ``binom.test`` / ``coin::mh_test``.

Fixtures from tests/r/rank_tests.R; for the exact conditional Bowker test and coin's symmetry_test from
tests/r/paired_categorical.R on tests/data/paired_categorical_tables.csv (the T-DXd study's 4 x 4 IHC table and
small edge cases). Datasets of rank_tests.R: tests/data/rank_shift_tables.csv (small edge-case tables),
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


# ----------------------------------------------------------------------- Bowker: exact conditional, Monte Carlo
# Fixtures from tests/r/paired_categorical.R on tests/data/paired_categorical_tables.csv.

BOWKER_FIXTURES = ROOT / "tests" / "fixtures" / "r" / "paired_categorical"
# round_trip: pandas' default float parser can miss the last bit of R's 17 digits
BOWKER_R = pd.read_csv(BOWKER_FIXTURES / "bowker.csv", float_precision="round_trip").set_index("table_id")
COIN_R = pd.read_csv(BOWKER_FIXTURES / "coin.csv", float_precision="round_trip").set_index("table_id")
EXACT_REL = 1e-9  # R's enumeration sums dbinom weights in floating point; its convolution is exact
N_RESAMPLES = 100_000


def _bowker_tables() -> dict[str, pd.DataFrame]:
    long = pd.read_csv(DATA / "paired_categorical_tables.csv", dtype={"before": str, "after": str})
    tables = {}
    for tid, part in long.groupby("table_id", sort=False):
        levels = list(dict.fromkeys(part["before"]))
        tables[tid] = part.pivot(index="before", columns="after", values="count").loc[levels, levels]
    return tables


BOWKER_TABLES = _bowker_tables()
TESTED = [tid for tid in BOWKER_R.index if not math.isnan(BOWKER_R.loc[tid, "p_exact_convolution"])]


def _within_4_se(estimate: float, p: float, draws: int) -> bool:
    return abs(estimate - p) <= 4 * math.sqrt(p * (1 - p) / draws)


def test_bowker_tdxd_table_is_the_studys_shift_table():
    r = pd.read_csv(ROOT / "tests" / "fixtures" / "r" / "breast_tdxd_her2_loss" / "shift.csv")
    study = r.pivot(index="before", columns="after", values="n").to_numpy()
    np.testing.assert_array_equal(BOWKER_TABLES["tdxd_ihc"].to_numpy(), study)


@pytest.mark.parametrize("tid", TESTED)
def test_bowker_exact_matches_r_enumeration(tid):
    r = BOWKER_R.loc[tid]
    exact = bowker_test(BOWKER_TABLES[tid], distribution="exact").iloc[0]
    # R's convolution is exact (integer counts / 2^M) and so is ours: the same double
    assert exact.p_value == r.p_exact_convolution
    assert exact.p_value == pytest.approx(r.p_exact_enumeration, rel=EXACT_REL)
    assert exact.statistic == pytest.approx(r.statistic_drop, rel=1e-12)
    assert exact.method == "Exact conditional test of symmetry (Bowker's statistic)" and math.isnan(exact.df)
    asymptotic = bowker_test(BOWKER_TABLES[tid]).iloc[0]
    assert asymptotic.statistic == exact.statistic  # one statistic, whatever the distribution
    assert asymptotic.p_value == pytest.approx(r.p_value_drop, rel=1e-12) and asymptotic.df == r.df_drop
    for result in (exact, asymptotic):
        assert result.asymptotic_reliable == r.asymptotic_reliable and result.min_pair_total == r.min_pair_total


def test_bowker_exact_tdxd_table():
    """Breast T-DXd 4 x 4 IHC shift table: chi-square p 0.0109, exact conditional p 10112 / 2^23 = 0.00121."""
    table = BOWKER_TABLES["tdxd_ihc"]
    asymptotic = bowker_test(table).iloc[0]
    exact = bowker_test(table, distribution="exact").iloc[0]
    assert (asymptotic.statistic, asymptotic.df) == (pytest.approx(16.6, rel=1e-12), 6)
    assert round(asymptotic.p_value, 4) == 0.0109
    assert exact.p_value == 10112 / 2**23
    assert asymptotic.note == (
        "chi-square approximation unreliable: 5 of 6 mirror-cell pair(s) have n_ij + n_ji < 10 "
        "(expected count < 5 under symmetry); use the exact conditional test (distribution='exact')"
    )
    assert not asymptotic.asymptotic_reliable and exact.note == ""


def test_bowker_exact_on_2x2_is_binom_test():
    r = BOWKER_R.loc["t2_discordant"]
    exact = bowker_test(BOWKER_TABLES["t2_discordant"], distribution="exact").p_value.item()
    assert exact == pytest.approx(r.p_binom_test, rel=EXACT_REL)
    assert exact == pytest.approx(mcnemar_exact_test(BOWKER_TABLES["t2_discordant"]).p_value.item(), rel=EXACT_REL)


@pytest.mark.parametrize("tid", TESTED)
def test_bowker_monte_carlo_is_within_4_se_of_exact(tid):
    exact = BOWKER_R.loc[tid, "p_exact_convolution"]
    simulated = bowker_test(BOWKER_TABLES[tid], distribution="monte_carlo", n_resamples=N_RESAMPLES, seed=1).iloc[0]
    assert _within_4_se(simulated.p_value, exact, N_RESAMPLES), (simulated.p_value, exact)
    assert simulated.method == "Monte Carlo conditional test of symmetry (Bowker's statistic)"
    assert simulated.n_resamples == N_RESAMPLES and "100000 draws, numpy seed 1" in simulated.convention
    again = bowker_test(BOWKER_TABLES[tid], distribution="monte_carlo", n_resamples=N_RESAMPLES, seed=1)
    assert again.p_value.item() == simulated.p_value  # seeded: the same draws
    assert (simulated.p_value * (N_RESAMPLES + 1)) == pytest.approx(round(simulated.p_value * (N_RESAMPLES + 1)))


@pytest.mark.parametrize("tid", TESTED)
def test_coin_symmetry_test_statistics(tid):
    """coin's quadratic symmetry_test: on the category factor Stuart-Maxwell (= mh_test), on the
    (own, other) category labels Bowker; its Monte Carlo p (#/B) lies within 4 SE of our exact p."""
    coin = COIN_R.loc[tid]
    table = BOWKER_TABLES[tid]
    bowker = bowker_test(table).iloc[0]
    assert coin.transition_statistic == pytest.approx(bowker.statistic, rel=1e-9)
    assert coin.transition_df == bowker.df
    assert coin.category_statistic == pytest.approx(coin.mh_test_statistic, rel=1e-12)
    assert coin.category_statistic == pytest.approx(stuart_maxwell_test(table).statistic.item(), rel=1e-9)
    if table.shape[0] > 2:  # for 2 x 2 both are the uncorrected McNemar statistic
        assert coin.category_statistic != pytest.approx(bowker.statistic, rel=1e-3)
    exact = bowker_test(table, distribution="exact").p_value.item()
    assert _within_4_se(coin.transition_p_approximate, exact, int(coin.nresample))
    assert coin.exact_error == "cannot compute exact distribution with multivariate scores"


def test_bowker_reliability_flag_and_auto_policy():
    dense, sparse = BOWKER_TABLES["t3_dense"], BOWKER_TABLES["t3_sparse"]
    assert bowker_test(dense).asymptotic_reliable.item() is True and bowker_test(dense).note.item() == ""
    flagged = bowker_test(sparse).iloc[0]
    assert isinstance(flagged.asymptotic_reliable, np.bool_) and not flagged.asymptotic_reliable
    assert flagged.min_pair_total == 2
    assert "chi-square approximation unreliable: 3 of 3 mirror-cell pair(s)" in flagged.note
    assert "distribution='exact'" in flagged.note
    auto_dense = bowker_test(dense, distribution="auto").iloc[0]
    assert auto_dense.p_value == bowker_test(dense).p_value.item() and auto_dense.df == 3
    assert auto_dense.method == "Bowker's test of symmetry (McNemar's Chi-squared test)"
    assert auto_dense.note == (
        "distribution 'auto' chose the chi-square test: every mirror-cell pair has n_ij + n_ji >= 10"
    )
    auto_sparse = bowker_test(sparse, distribution="auto").iloc[0]
    assert auto_sparse.p_value == bowker_test(sparse, distribution="exact").p_value.item() == 1 / 32
    assert auto_sparse.method.startswith("Exact conditional")
    assert auto_sparse.note.startswith("distribution 'auto' chose the exact test: 3 of 3 mirror-cell pair(s)")


def test_bowker_exact_with_empty_pairs_and_no_discordant_pairs():
    table = BOWKER_TABLES["t4_empty_pair"]
    exact = bowker_test(table, distribution="exact").iloc[0]
    assert exact.p_value == BOWKER_R.loc["t4_empty_pair", "p_exact_convolution"]
    assert "1 empty mirror-cell pair(s)" in exact.note and exact.n_empty_pairs == 1
    as_r = bowker_test(table, distribution="exact", empty_pairs="na").iloc[0]
    assert math.isnan(as_r.p_value) and "R's NaN" in as_r.note  # mcnemar.test: NaN
    assert math.isnan(BOWKER_R.loc["t4_empty_pair", "p_value"])
    for distribution in ("exact", "monte_carlo", "auto"):
        none = bowker_test(BOWKER_TABLES["t3_no_offdiag"], distribution=distribution).iloc[0]
        assert math.isnan(none.p_value) and none.note == "no discordant pairs: no test"


def test_bowker_exact_turns_to_monte_carlo_beyond_max_support():
    table = BOWKER_TABLES["tdxd_ihc"]
    assert BOWKER_R.loc["tdxd_ihc", "n_support"] == 60
    within = bowker_test(table, distribution="exact", max_support=60).iloc[0]
    assert within.method.startswith("Exact conditional")
    beyond = bowker_test(table, distribution="exact", max_support=59, seed=7).iloc[0]
    assert beyond.method.startswith("Monte Carlo") and beyond.n_resamples == 100_000
    assert beyond.note == "the exact distribution has more than 59 distinct values: Monte Carlo instead"
    assert beyond.p_value == bowker_test(table, distribution="monte_carlo", seed=7).p_value.item()


def test_bowker_monte_carlo_with_python_integers_agrees_with_int64(monkeypatch):
    import her2cohort.stats.paired_categorical as module

    table = BOWKER_TABLES["t4_empty_pair"]
    in_int64 = bowker_test(table, distribution="monte_carlo", n_resamples=5000).p_value.item()
    monkeypatch.setattr(module, "INT64_BOUND", 0)  # every lcm too large for int64: object arrays of Python ints
    assert bowker_test(table, distribution="monte_carlo", n_resamples=5000).p_value.item() == in_int64


def test_bowker_distribution_arguments_are_checked():
    with pytest.raises(StatisticsError, match="distribution must be one of"):
        bowker_test(np.ones((3, 3)), distribution="permutation")
    with pytest.raises(StatisticsError, match="integer counts"):
        bowker_test(np.array([[1, 2.5, 0], [1, 1, 0], [0, 1, 1]]), distribution="exact")
    with pytest.raises(StatisticsError, match="at least 1"):
        bowker_test(np.ones((3, 3)), distribution="monte_carlo", n_resamples=0)
