"""her2cohort.stats.proportions against R binom.test (tests/r/contingency.R) and the papers."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.proportions import binom_test, clopper_pearson_ci, proportion_table

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "contingency"
BINOM = pd.read_csv(FIXTURES / "binom.csv")
REL = 1e-6


@pytest.mark.parametrize("i", range(len(BINOM)))
def test_binom_test_matches_r(i):
    ref = BINOM.iloc[i]
    got = binom_test(ref.x, ref.n, p=ref.p, alternative=ref.alternative.replace(".", "-"), conf_level=ref.conf_level)
    assert list(got.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    row = got.iloc[0]
    assert row.estimate == pytest.approx(ref.estimate, rel=REL)
    for ours, theirs in ((row.conf_low, ref.conf_low), (row.conf_high, ref.conf_high)):
        if theirs in (0.0, 1.0):  # exact ends for x = 0, x = n and one-sided intervals
            assert ours == theirs
        else:
            assert ours == pytest.approx(theirs, rel=REL)
    assert row.p_value == pytest.approx(ref.p_value, rel=REL)


def test_gastric_heterogeneity_response_rate_intervals():
    """Results: 85.2% [95% CI 66.3-95.8] (23/27) vs 58.1% [95% CI 42.1-73] (25/43)."""
    homo = clopper_pearson_ci(23, 27)
    hetero = clopper_pearson_ci(25, 43)
    assert [f"{100 * v:.1f}" for v in homo] == ["66.3", "95.8"]
    assert [f"{100 * v:.1f}" for v in hetero] == ["42.1", "73.0"]
    assert f"{100 * 23 / 27:.1f}" == "85.2" and f"{100 * 25 / 43:.1f}" == "58.1"


def test_statsmodels_default_interval_is_wald_not_clopper_pearson():
    """statsmodels' proportion_confint defaults to the normal (Wald) interval; we do not use it."""
    wald = proportion_confint(23, 27)
    beta = proportion_confint(23, 27, method="beta")
    ours = clopper_pearson_ci(23, 27)
    assert ours == pytest.approx(beta, rel=1e-12)
    assert abs(ours[0] - wald[0]) > 0.05 and abs(ours[1] - wald[1]) > 0.02
    # The Wald interval even leaves [0, 1] at x = n; Clopper-Pearson ends at exactly 1.
    assert proportion_confint(10, 10)[1] == pytest.approx(1.0) and clopper_pearson_ci(10, 10)[1] == 1.0
    assert clopper_pearson_ci(0, 10)[0] == 0.0


def test_two_sided_p_uses_r_rule_with_ties_in_the_other_tail():
    """3/10 at p = 0.5: P(X <= 3) + P(X >= 7), the tie at 7 counted by R's 1 + 1e-7 tolerance."""
    from scipy.stats import binom

    got = binom_test(3, 10, p=0.5).p_value[0]
    assert got == pytest.approx(binom.cdf(3, 10, 0.5) + binom.sf(6, 10, 0.5), rel=1e-12)
    assert binom_test(7, 20, p=0.35).p_value[0] == 1.0  # x = n p


def test_invalid_input_raises():
    with pytest.raises(StatisticsError, match="positive"):
        binom_test(0, 0, p=0.5)
    with pytest.raises(StatisticsError, match="between 0 and n"):
        binom_test(5, 3, p=0.5)
    with pytest.raises(StatisticsError, match="whole number"):
        binom_test(2.5, 10, p=0.5)
    with pytest.raises(StatisticsError, match="p must be"):
        binom_test(2, 10, p=1.5)
    with pytest.raises(StatisticsError, match="conf_level"):
        clopper_pearson_ci(2, 10, conf_level=95)
    with pytest.raises(StatisticsError, match="alternative"):
        binom_test(2, 10, p=0.5, alternative="two.sided")
    with pytest.raises(StatisticsError, match="missing"):
        binom_test(float("nan"), 10, p=0.5)
    with pytest.raises(TypeError, match="'p'"):  # no default null: R's p = 0.5 is never assumed
        binom_test(2, 10)
    with pytest.raises(StatisticsError, match="null_proportion"):
        proportion_table(pd.DataFrame({"r": [True, False]}), "r", null_proportion=1.5)


def test_proportion_table_by_group_matches_r_and_counts_exclusions():
    # R's binom_by_group.csv is binom.test(x, n), whose null is 0.5: declared here to compare the p
    patients = pd.read_csv(ROOT / "tests" / "data" / "contingency_patients.csv")
    patients["responder"] = patients.response.isin(["CR", "PR"]).where(patients.response.notna())
    ref = pd.read_csv(FIXTURES / "binom_by_group.csv").set_index("group")
    got = proportion_table(patients, "responder", "her2_pattern", null_proportion=0.5).set_index("term")
    assert got.index.tolist() == ref.index.tolist()
    for group, row in ref.iterrows():
        assert got.loc[group, "n"] == row.n and got.loc[group, "statistic"] == got.loc[group, "successes"] == row.x
        for column in ("estimate", "conf_low", "conf_high", "p_value"):
            assert got.loc[group, column] == pytest.approx(row[column], rel=REL)
        assert got.loc[group, "n_excluded"] == row.n_excluded
    overall = proportion_table(patients, "responder").iloc[0]
    assert overall.term == "overall" and overall.n == patients.responder.notna().sum()
    empty = proportion_table(patients, "responder", "her2_pattern", group_levels=["homogeneous", "unknown"])
    assert empty.n.tolist() == [19, 0] and math.isnan(empty.estimate[1]) and "no evaluable" in empty.note[1]


@pytest.mark.parametrize("i", BINOM.index[BINOM.alternative == "two.sided"].tolist())
def test_proportion_table_tests_the_declared_null_as_r(i):
    """proportion_table(null_proportion = p0) gives R binom.test(x, n, p = p0) (it is two-sided)."""
    ref = BINOM.iloc[i]
    data = pd.DataFrame({"success": [True] * int(ref.x) + [False] * int(ref.n - ref.x)})
    row = proportion_table(data, "success", null_proportion=float(ref.p), conf_level=float(ref.conf_level)).iloc[0]
    assert row.statistic == row.successes == ref.x and row.n == ref.n
    assert row.estimate == pytest.approx(ref.estimate, rel=REL)
    assert row.p_value == pytest.approx(ref.p_value, rel=REL)
    assert row.method == "Exact binomial test (Clopper-Pearson interval)"
    assert row.convention == f"R stats::binom.test(x, n, p = {ref.p:g})"


def test_proportion_table_gives_no_p_without_a_declared_null():
    """No null_proportion: estimate, interval and count as R; p and statistic NA, no test named, empty note."""
    patients = pd.read_csv(ROOT / "tests" / "data" / "contingency_patients.csv")
    patients["responder"] = patients.response.isin(["CR", "PR"]).where(patients.response.notna())
    ref = pd.read_csv(FIXTURES / "binom_by_group.csv").set_index("group")
    got = proportion_table(patients, "responder", "her2_pattern").set_index("term")
    assert got.index.tolist() == ref.index.tolist()
    for group, row in ref.iterrows():
        assert got.loc[group, "successes"] == row.x and got.loc[group, "n"] == row.n
        for column in ("estimate", "conf_low", "conf_high"):
            assert got.loc[group, column] == pytest.approx(row[column], rel=REL)
        assert math.isnan(got.loc[group, "p_value"]) and not math.isnan(row.p_value)
        assert math.isnan(got.loc[group, "statistic"]) and got.loc[group, "statistic_name"] == ""
        assert got.loc[group, "note"] == ""
        assert got.loc[group, "method"] == "Clopper-Pearson exact interval"
        assert "test" not in got.loc[group, "method"].lower() and "binom.test(x, n)$conf.int" in got.loc[group, "convention"]
