"""Rank tests against R 4.2.2 ``wilcox.test`` / ``kruskal.test`` and ``coin`` (fixtures from tests/r/rank_tests.R)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.rank_tests import kruskal_wallis, mann_whitney, wilcoxon_signed_rank

# A numpy RuntimeWarning escaping from a degenerate input is a failure here.
pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "rank_tests"
REL = 1e-6  # R's computations here are closed-form or exact enumerations


def read_data(name: str) -> pd.DataFrame:
    # round_trip parsing gives the same doubles as R's strtod, so ties in differences agree.
    return pd.read_csv(DATA / name, float_precision="round_trip")


def fixture(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, float_precision="round_trip")


HSCORE = read_data("rank_paired_hscore.csv")
PAIRED = {
    "paired_exact": (read_data("rank_paired_exact.csv"), "after", "before"),
    "paired_ties": (read_data("rank_paired_ties.csv"), "after", "before"),
    "paired_large": (read_data("rank_paired_large.csv"), "after", "before"),
    "hscore_all": (HSCORE, "hscore_post", "hscore_pre"),
    "hscore_loss": (HSCORE[HSCORE.her2_loss == "loss"], "hscore_post", "hscore_pre"),
    "hscore_persistent": (HSCORE[HSCORE.her2_loss == "persistent"], "hscore_post", "hscore_pre"),
    "ish_all": (HSCORE, "ish_ratio_post", "ish_ratio_pre"),
    "ish_loss": (HSCORE[HSCORE.her2_loss == "loss"], "ish_ratio_post", "ish_ratio_pre"),
    "ish_persistent": (HSCORE[HSCORE.her2_loss == "persistent"], "ish_ratio_post", "ish_ratio_pre"),
}
TWO_SAMPLE = {
    "two_exact": (read_data("rank_two_sample_exact.csv"), "value", "group"),
    "two_ties": (read_data("rank_two_sample_ties.csv"), "value", "group"),
    "two_large": (read_data("rank_two_sample_large.csv"), "value", "group"),
    "hscore_pre_by_loss": (HSCORE, "hscore_pre", "her2_loss"),
    "ish_pre_by_loss": (HSCORE, "ish_ratio_pre", "her2_loss"),
}


def _options(row) -> dict:
    options = {"alternative": row.alternative, "convention": row.convention}
    if row.convention == "wilcox.test":
        options["correct"] = bool(row.correct)
        options["exact"] = {"default": None, "TRUE": True, "FALSE": False}[str(row.exact)]
    return options


def _rows(name: str):
    frame = fixture(name)
    return [
        pytest.param(row, id=f"{row.case}-{row.convention}-{row.alternative}-{row.correct}-{row.exact}")
        for row in frame.itertuples(index=False)
    ]


# ----------------------------------------------------------------------- signed rank


@pytest.mark.parametrize("row", _rows("wilcoxon_signed_rank.csv"))
def test_signed_rank_matches_r(row):
    data, x, y = PAIRED[row.case]
    result = wilcoxon_signed_rank(data, x, y, **_options(row)).iloc[0]
    assert result.p_value == pytest.approx(row.p_value, rel=REL)
    if row.convention == "wilcox.test":
        assert result.statistic == pytest.approx(row.statistic, rel=REL)
        assert result.statistic_name == "V"
        assert result.method == row.method
    elif row.convention == "spss":
        assert result.statistic == pytest.approx(row.statistic, rel=REL)
        assert result.statistic_name == "Z"


def test_signed_rank_exact_conditional_equals_r_exact_without_ties():
    data, x, y = PAIRED["paired_exact"]
    r = wilcoxon_signed_rank(data, x, y).iloc[0]
    coin = wilcoxon_signed_rank(data, x, y, convention="exact_conditional").iloc[0]
    assert r.method == "Wilcoxon signed rank exact test"
    assert coin.p_value == pytest.approx(r.p_value, rel=1e-12)


def test_signed_rank_reports_pairs_zeros_and_medians():
    result = wilcoxon_signed_rank(HSCORE, "hscore_post", "hscore_pre").iloc[0]
    complete = HSCORE.dropna(subset=["hscore_post", "hscore_pre"])
    difference = complete.hscore_post - complete.hscore_pre
    assert list(result.index[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert result.n == len(complete) == 46
    assert result.n_incomplete == 2
    assert result.n_zero == int((difference == 0).sum()) > 0
    assert result.n_ranked == result.n - result.n_zero
    assert result.median_x == complete.hscore_post.median()
    assert result.median_y == complete.hscore_pre.median()
    assert result.median_difference == difference.median()
    assert "2 incomplete pair(s) dropped" in result.note
    assert "cannot" not in result.note and "exact p not available with ties and zeros" in result.note
    assert result.term == "hscore_post - hscore_pre"
    assert math.isnan(result.estimate)


def test_signed_rank_long_format_and_arrays_agree_with_wide():
    wide = wilcoxon_signed_rank(HSCORE, "hscore_post", "hscore_pre")
    long = HSCORE.melt(
        id_vars="patient_id", value_vars=["hscore_pre", "hscore_post"], var_name="visit", value_name="hscore"
    )
    long = long.dropna()  # a missing visit row must still count as an incomplete pair
    from_long = wilcoxon_signed_rank(
        long, value="hscore", subject="patient_id", time="visit", time_levels=("hscore_post", "hscore_pre")
    )
    pd.testing.assert_frame_equal(wide, from_long)
    arrays = wilcoxon_signed_rank(x=HSCORE.hscore_post.to_numpy(), y=HSCORE.hscore_pre.to_numpy()).iloc[0]
    assert arrays.p_value == wide.p_value.iloc[0] and arrays.term == "x - y"


def test_signed_rank_long_format_rejects_duplicate_visits():
    long = pd.DataFrame({"id": [1, 1, 1, 2, 2], "t": ["a", "a", "b", "a", "b"], "v": [1.0, 2, 3, 4, 5]})
    with pytest.raises(StatisticsError, match="more than one"):
        wilcoxon_signed_rank(long, value="v", subject="id", time="t", time_levels=("a", "b"))


def test_scipy_wilcoxon_default_differs_from_r_with_ties_and_zeros():
    # scipy: no continuity correction, and for small n with ties/zeros an exact/permutation p.
    data, x, y = PAIRED["paired_ties"]
    r = (
        fixture("wilcoxon_signed_rank.csv")
        .query(
            "case == 'paired_ties' and convention == 'wilcox.test' and alternative == 'two.sided' "
            "and correct == True and exact == 'default'"
        )
        .p_value.item()
    )
    scipy_p = stats.wilcoxon(data[x], data[y]).pvalue
    ours = wilcoxon_signed_rank(data, x, y).p_value.item()
    assert abs(scipy_p - r) > 1e-3
    assert ours == pytest.approx(r, rel=REL)


def test_signed_rank_degenerate_inputs_give_na_with_reason():
    zero = wilcoxon_signed_rank(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.0]).iloc[0]
    assert math.isnan(zero.p_value) and math.isnan(zero.statistic) and "all differences are zero" in zero.note
    none = wilcoxon_signed_rank(x=[1.0, np.nan], y=[np.nan, 2.0]).iloc[0]
    assert math.isnan(none.p_value) and "no complete pairs" in none.note and none.n_incomplete == 2
    one = wilcoxon_signed_rank(x=[3.0], y=[1.0]).iloc[0]  # R: V = 1, p = 1
    assert one.statistic == 1 and one.p_value == 1


def test_signed_rank_rejects_bad_input():
    with pytest.raises(StatisticsError, match="same length"):
        wilcoxon_signed_rank(x=[1.0, 2.0], y=[1.0])
    with pytest.raises(StatisticsError, match="numeric"):
        wilcoxon_signed_rank(x=["a", "b"], y=[1.0, 2.0])
    with pytest.raises(StatisticsError, match="convention"):
        wilcoxon_signed_rank(x=[1.0, 2.0], y=[2.0, 1.0], convention="sas")
    with pytest.raises(StatisticsError, match="not in data"):
        wilcoxon_signed_rank(HSCORE, "nope", "hscore_pre")


# ----------------------------------------------------------------------- rank sum


@pytest.mark.parametrize("row", _rows("rank_sum.csv"))
def test_rank_sum_matches_r(row):
    data, value, group = TWO_SAMPLE[row.case]
    result = mann_whitney(data, value, group, **_options(row)).iloc[0]
    assert result.p_value == pytest.approx(row.p_value, rel=REL)
    if row.convention == "wilcox.test":
        assert result.statistic == pytest.approx(row.statistic, rel=REL)
        assert result.statistic_name == "W"
        assert result.method == row.method
    elif row.convention == "spss":
        assert result.statistic == pytest.approx(row.statistic, rel=REL)
        assert result.statistic_name == "Z"


def test_scipy_mannwhitneyu_auto_is_asymptotic_where_r_is_exact():
    # 12 vs 15 without ties: R uses pwilcox, scipy's "auto" the normal approximation (exact only up to 8).
    data, value, group = TWO_SAMPLE["two_exact"]
    x, y = data[data.group == "A"].value, data[data.group == "B"].value
    r = fixture("rank_sum.csv").query(
        "case == 'two_exact' and convention == 'wilcox.test' and alternative == 'two.sided' "
        "and correct == True and exact == 'default'"
    )
    assert r.method.item() == "Wilcoxon rank sum exact test"
    scipy_p = stats.mannwhitneyu(x, y).pvalue
    ours = mann_whitney(data, value, group).iloc[0]
    assert abs(scipy_p - r.p_value.item()) > 1e-3
    assert ours.p_value == pytest.approx(r.p_value.item(), rel=REL)
    assert ours.method == "Wilcoxon rank sum exact test"


def test_rank_sum_extra_columns_and_group_order():
    result = mann_whitney(HSCORE, "ish_ratio_pre", "her2_loss").iloc[0]
    loss = HSCORE[HSCORE.her2_loss == "loss"].ish_ratio_pre.dropna()
    persistent = HSCORE[HSCORE.her2_loss == "persistent"].ish_ratio_pre.dropna()
    assert (result.group_x, result.group_y, result.term) == ("loss", "persistent", "loss vs persistent")
    assert (result.n_x, result.n_y, result.n) == (len(loss), len(persistent), len(loss) + len(persistent))
    assert result.median_x == loss.median() and result.median_y == persistent.median()
    assert result.n_missing == HSCORE.ish_ratio_pre.isna().sum() > 0
    reversed_ = mann_whitney(HSCORE, "ish_ratio_pre", "her2_loss", levels=["persistent", "loss"]).iloc[0]
    assert reversed_.statistic == pytest.approx(len(loss) * len(persistent) - result.statistic)
    assert reversed_.p_value == pytest.approx(result.p_value, rel=1e-12)
    arrays = mann_whitney(loss.to_numpy(), y=persistent.to_numpy()).iloc[0]
    assert arrays.statistic == result.statistic and arrays.p_value == result.p_value


def test_rank_sum_exact_conditional_differs_from_doubling_when_asymmetric():
    # With ties the conditional null of W is not symmetric: coin's two-sided p (|W - EW| >= |w - EW|)
    # is not twice the smaller tail. Both are checked against coin/R above; here we show they differ.
    data, value, group = TWO_SAMPLE["two_ties"]
    two = mann_whitney(data, value, group, convention="exact_conditional").p_value.item()
    less = mann_whitney(data, value, group, convention="exact_conditional", alternative="less").p_value.item()
    assert two != pytest.approx(2 * less, rel=1e-6)


def test_rank_sum_degenerate_inputs_give_na_with_reason():
    empty = mann_whitney([1.0, 2.0], y=[np.nan]).iloc[0]
    assert math.isnan(empty.p_value) and "'y' has no observations" in empty.note and empty.n_missing == 1
    tied = mann_whitney([2.0, 2.0], y=[2.0, 2.0, 2.0]).iloc[0]
    assert math.isnan(tied.p_value) and "all observations are tied" in tied.note
    with pytest.raises(StatisticsError, match="exactly 2 groups"):
        mann_whitney(read_data("rank_kruskal.csv"), "value", "group")


# ----------------------------------------------------------------------- Kruskal-Wallis

KRUSKAL = {
    "kruskal3": (read_data("rank_kruskal.csv"), "value", "group"),
    "hscore_post_by_loss": (HSCORE, "hscore_post", "her2_loss"),
    "two_ties": TWO_SAMPLE["two_ties"],
}


@pytest.mark.parametrize("row", list(fixture("kruskal.csv").itertuples(index=False)), ids=lambda row: row.case)
def test_kruskal_matches_r(row):
    data, value, group = KRUSKAL[row.case]
    result = kruskal_wallis(data, value, group).iloc[0]
    assert result.statistic == pytest.approx(row.statistic, rel=REL)
    assert result.df == row.df
    assert result.p_value == pytest.approx(row.p_value, rel=REL)
    assert result.statistic_name == "chi2"


def test_kruskal_medians_arrays_and_missing():
    data, value, group = KRUSKAL["kruskal3"]
    result = kruskal_wallis(data, value, group).iloc[0]
    assert result.k == 3 and result.n == 30 and "1 missing value(s) dropped" in result.note
    assert result["median_IHC 1+"] == data[data.group == "IHC 1+"].value.median()
    samples = {name: part.value.to_numpy() for name, part in data.groupby("group")}
    assert kruskal_wallis(samples).p_value.item() == result.p_value
    assert kruskal_wallis(list(samples.values())).statistic.item() == result.statistic


def test_kruskal_degenerate_inputs_give_na_with_reason():
    one = kruskal_wallis({"a": [1.0, 2.0], "b": [np.nan]}).iloc[0]
    assert math.isnan(one.p_value) and "fewer than two non-empty groups" in one.note and "['b']" in one.note
    tied = kruskal_wallis([[1.0, 1.0], [1.0], [1.0, 1.0]]).iloc[0]
    assert math.isnan(tied.p_value) and "all observations are tied" in tied.note


# ----------------------------------------------------------------------- SPSS sign rule


def _r_row(name: str, case: str, convention: str) -> pd.Series:
    rows = fixture(name).query("case == @case and convention == @convention and alternative == 'two.sided'")
    assert len(rows) == 1, (name, case, convention)
    return rows.iloc[0]


# case -> sign of R's raw z (coin's standardised statistic: tie-corrected, no continuity correction)
SIGNED_CASES = {"paired_exact": 1, "hscore_all": -1}
SUM_CASES = {"two_exact": 1, "two_ties": -1}


@pytest.mark.parametrize("case", sorted(SIGNED_CASES))
def test_signed_rank_spss_z_is_minus_abs_z_whatever_the_order(case):
    data, x, y = PAIRED[case]
    raw = _r_row("wilcoxon_signed_rank.csv", case, "exact_conditional").statistic  # R's signed z of x - y
    r_p = _r_row("wilcoxon_signed_rank.csv", case, "spss").p_value  # wilcox.test(exact = FALSE, correct = FALSE)
    assert np.sign(raw) == SIGNED_CASES[case]
    forward = wilcoxon_signed_rank(data, x, y, convention="spss").iloc[0]
    backward = wilcoxon_signed_rank(data, y, x, convention="spss").iloc[0]  # raw z changes sign
    for result in (forward, backward):
        assert result.statistic == pytest.approx(-abs(raw), rel=REL) and result.statistic < 0
        assert result.p_value == pytest.approx(r_p, rel=REL)
        assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(raw)), rel=REL)  # two-sided, sign-free
        assert "Z = -|z|" in result.convention
    # R's convention keeps its signed statistic: V of x - y, and n(n+1)/2 - V the other way round
    v_forward = wilcoxon_signed_rank(data, x, y).iloc[0]
    v_backward = wilcoxon_signed_rank(data, y, x).iloc[0]
    assert v_forward.statistic_name == "V" and v_forward.statistic != v_backward.statistic
    n = v_forward.n_ranked
    assert v_forward.statistic + v_backward.statistic == n * (n + 1) / 2
    assert np.sign(v_forward.statistic - n * (n + 1) / 4) == SIGNED_CASES[case]


@pytest.mark.parametrize("case", sorted(SUM_CASES))
def test_rank_sum_spss_z_is_minus_abs_z_whatever_the_group_order(case):
    data, value, group = TWO_SAMPLE[case]
    raw = _r_row("rank_sum.csv", case, "exact_conditional").statistic  # R's signed z of the first group
    r_p = _r_row("rank_sum.csv", case, "spss").p_value
    assert np.sign(raw) == SUM_CASES[case]
    levels = sorted(data[group].dropna().unique())
    forward = mann_whitney(data, value, group, convention="spss").iloc[0]
    backward = mann_whitney(data, value, group, levels=levels[::-1], convention="spss").iloc[0]
    assert (forward.group_x, backward.group_x) == (levels[0], levels[1])
    for result in (forward, backward):
        assert result.statistic == pytest.approx(-abs(raw), rel=REL) and result.statistic < 0
        assert result.p_value == pytest.approx(r_p, rel=REL)
        assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(raw)), rel=REL)
        assert "Z = -|z|" in result.convention
    # R's convention keeps W of the first group: W(x) + W(y) = n_x n_y, on the side of the raw z
    w_forward = mann_whitney(data, value, group).iloc[0]
    w_backward = mann_whitney(data, value, group, levels=levels[::-1]).iloc[0]
    assert w_forward.statistic_name == "W" and w_forward.statistic + w_backward.statistic == w_forward.n_x * w_forward.n_y
    assert np.sign(w_forward.statistic - w_forward.n_x * w_forward.n_y / 2) == SUM_CASES[case]


def test_spss_z_of_a_null_difference_is_zero_not_minus_zero():
    z = wilcoxon_signed_rank(x=[1.0, 2.0, 3.0, 4.0], y=[2.0, 1.0, 4.0, 3.0], convention="spss").iloc[0]
    assert z.statistic == 0.0 and math.copysign(1.0, z.statistic) == 1.0 and z.p_value == 1.0


@pytest.mark.parametrize("alternative", ["less", "greater"])
def test_spss_convention_is_two_sided_only(alternative):
    data, x, y = PAIRED["paired_exact"]
    with pytest.raises(StatisticsError, match="two-sided"):
        wilcoxon_signed_rank(data, x, y, alternative=alternative, convention="spss")
    data, value, group = TWO_SAMPLE["two_exact"]
    with pytest.raises(StatisticsError, match="two-sided"):
        mann_whitney(data, value, group, alternative=alternative, convention="spss")
