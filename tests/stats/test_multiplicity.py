"""Adjusted p-values against R's p.adjust (tests/r/rigor_validation.R -> p_adjust.csv).

Holm, Hochberg, Hommel, Bonferroni and BH do R's arithmetic in R's order: equal
to the last bit. BY's constant sum(1 / (1:n)) is summed in long double by R and
exactly here: 1e-15.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.multiplicity import p_adjust, p_adjust_values

ROOT = Path(__file__).resolve().parents[2]
CASES = pd.read_csv(ROOT / "tests" / "data" / "p_adjust_cases.csv", float_precision="round_trip")
R = pd.read_csv(ROOT / "tests" / "fixtures" / "r" / "rigor_validation" / "p_adjust.csv", float_precision="round_trip")
GROUPS = [(case, method, n) for (case, method, n), _ in R.fillna({"n": 0}).groupby(["case", "method", "n"], sort=False)]


@pytest.mark.parametrize("case,method,n", GROUPS)
def test_p_adjust_is_r_to_the_last_bit(case, method, n):
    expected = R[(R["case"] == case) & (R["method"] == method) & (R["n"].fillna(0) == n)]
    p = CASES.loc[CASES["case"] == case, "p"].to_numpy()
    np.testing.assert_array_equal(expected["p"].to_numpy(), p)  # R read the same doubles
    mine = p_adjust_values(p, method, int(n) if n else None)
    if method == "BY":
        np.testing.assert_allclose(mine, expected["p_adjusted"].to_numpy(), rtol=1e-15, atol=0)
    else:
        np.testing.assert_array_equal(mine, expected["p_adjusted"].to_numpy())


def test_ties_get_one_value_and_missing_values_are_not_counted():
    p = [0.01, 0.04, 0.04, np.nan, 0.2]
    for method in ("holm", "hochberg", "hommel", "BH", "BY"):
        adjusted = p_adjust_values(p, method)
        assert adjusted[1] == adjusted[2]
        assert np.isnan(adjusted[3])
    # n = 4 tests, not 5: R evaluates n = length(p) after dropping NA
    assert p_adjust_values(p, "bonferroni")[0] == 0.04
    assert p_adjust_values(p, "bonferroni", n=10)[0] == 0.1
    with pytest.raises(StatisticsError, match="smaller than the number"):
        p_adjust_values(p, "holm", n=3)


def test_tidy_frame_and_errors():
    data = pd.DataFrame({"analysis": ["a", "b", "c"], "term": ["x", "y", "z"], "p_value": [0.01, 0.02, np.nan]})
    result = p_adjust(data, method=["holm", "BH"], label=["analysis", "term"])
    assert list(result.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert len(result) == 6
    assert list(result["term"][:3]) == ["a / x", "b / y", "c / z"]
    assert list(result["tested_analysis"][:3]) == ["a", "b", "c"]
    holm = result[result["adjustment"] == "holm"]
    assert holm["p_adjusted"].tolist()[:2] == [0.02, 0.02]
    assert (holm["n"] == 2).all()
    assert "not counted" in holm["note"].iloc[2]
    assert result["convention"].iloc[0] == "R stats::p.adjust(p, method = 'holm')"
    one = p_adjust(data.iloc[:1])
    assert one["p_adjusted"].iloc[0] == 0.01 and "not adjusted" in one["note"].iloc[0]
    with pytest.raises(StatisticsError, match="method must be one of"):
        p_adjust(data, method="sidak")
    with pytest.raises(StatisticsError, match=r"lie in \[0, 1\]"):
        p_adjust_values([0.5, 1.2])
    with pytest.raises(StatisticsError, match="not in data"):
        p_adjust(data, p_value="p")
    with pytest.raises(StatisticsError, match="no p-values"):
        p_adjust(data.iloc[0:0])
    # all missing: nothing adjusted, nothing counted
    empty = p_adjust(data.assign(p_value=np.nan))
    assert empty["p_adjusted"].isna().all() and (empty["n"] == 0).all()
