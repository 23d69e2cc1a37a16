"""coin's exact symmetry test for ordered categories against coin (tests/r/ordinal_symmetry.R).

Every case, distribution and alternative: coin's Z and p at 1e-12 relative (the
exact p here is an exact rational rounded once; coin sums doubles). Bowker's
exact conditional test is another test (symmetry, not a shift in one direction):
both are run on the breast T-DXd IHC table to show they differ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.ordinal_symmetry import ordinal_symmetry_test
from her2cohort.stats.paired_categorical import bowker_test, mcnemar_exact_test

ROOT = Path(__file__).resolve().parents[2]
TABLES = pd.read_csv(ROOT / "tests" / "data" / "ordinal_symmetry_tables.csv")
COIN = pd.read_csv(ROOT / "tests" / "fixtures" / "r" / "ordinal_symmetry" / "coin.csv", float_precision="round_trip")


def table(case: str) -> tuple[np.ndarray, list[float]]:
    rows = TABLES[TABLES["case"] == case]
    k = rows["before"].max()
    counts = np.zeros((k, k))
    counts[rows["before"] - 1, rows["after"] - 1] = rows["n"]
    return counts, [float(s) for s in rows["scores"].iloc[0].split()]


@pytest.mark.parametrize("case,distribution,alternative", list(COIN[["case", "distribution", "alternative"]].itertuples(index=False, name=None)))
def test_z_and_p_are_coins(case, distribution, alternative):
    counts, scores = table(case)
    expected = COIN[(COIN["case"] == case) & (COIN["distribution"] == distribution) & (COIN["alternative"] == alternative)].iloc[0]
    result = ordinal_symmetry_test(counts, scores=scores, distribution=distribution, alternative=alternative).iloc[0]
    assert result["statistic"] == pytest.approx(expected["statistic"], rel=1e-12)
    assert result["p_value"] == pytest.approx(expected["p_value"], rel=1e-12)


def test_two_by_two_exact_is_the_exact_mcnemar_test():
    counts, _ = table("two_by_two")
    expected = COIN[(COIN["case"] == "two_by_two") & (COIN["distribution"] == "exact") & (COIN["alternative"] == "two.sided")].iloc[0]
    ours = ordinal_symmetry_test(counts).iloc[0]
    assert ours["p_value"] == pytest.approx(expected["binom_test"], rel=1e-12)
    assert ours["p_value"] == pytest.approx(mcnemar_exact_test(counts)["p_value"].iloc[0], rel=1e-12)


def test_coin_has_no_exact_distribution_for_unordered_categories():
    # so Bowker's exact test (symmetry, k(k-1)/2 pairs) is computed by this package alone
    assert COIN.loc[COIN["case"] != "two_by_two", "unordered_exact_error"].str.contains("ExactNullDistribution").all()


def test_bowker_and_the_ordinal_test_ask_different_questions():
    counts, _ = table("breast_tdxd_ihc")
    bowker = bowker_test(counts, distribution="exact").iloc[0]
    ordinal = ordinal_symmetry_test(counts).iloc[0]
    assert bowker["p_value"] == pytest.approx(10112 / 2**23, rel=1e-15)  # tests/r/paired_categorical.R
    assert ordinal["p_value"] == pytest.approx(4.6253204345703125e-05, rel=1e-12)
    # as many moves up as down: symmetric in direction (ordinal p = 1), not a symmetric table
    balanced = np.array([[0, 6, 0], [0, 0, 6], [6, 0, 0]])
    assert ordinal_symmetry_test(balanced)["p_value"].iloc[0] == 1
    assert bowker_test(balanced, distribution="exact")["p_value"].iloc[0] < 0.01


def test_frame_from_patients_and_degenerate_input():
    data = pd.DataFrame({"pre": ["1+", "2+", "3+", "3+", "0"], "post": ["0", "1+", "1+", "3+", "0"]})
    result = ordinal_symmetry_test(data, "pre", "post", levels=["0", "1+", "2+", "3+"])
    assert list(result.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    row = result.iloc[0]
    assert (row["n"], row["n_changed"], row["score_change_sum"], row["score_change_variance"]) == (5, 3, -4, 6)
    assert row["estimate"] == pytest.approx(-0.8)
    assert row["p_value"] == 0.25  # 2 of the 8 sign patterns reach |S| = 4
    same = ordinal_symmetry_test(np.diag([3, 4]))
    assert np.isnan(same["p_value"].iloc[0]) and "no patient changed" in same["note"].iloc[0]
    with pytest.raises(StatisticsError, match="whole-number scores"):
        ordinal_symmetry_test(np.diag([3, 4]), scores=[0, 0.5])
    assert ordinal_symmetry_test(np.array([[1, 2], [0, 1]]), scores=[0, 0.5], distribution="asymptotic")["p_value"].notna().all()
    with pytest.raises(StatisticsError, match="one number per level"):
        ordinal_symmetry_test(np.diag([3, 4]), scores=[1, 2, 3])
    with pytest.raises(StatisticsError, match="alternative"):
        ordinal_symmetry_test(np.diag([3, 4]), alternative="two-sided")
