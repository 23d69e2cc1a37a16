"""Recount of the T-DXd study's published inputs from the reconstructed cohort."""

from recount import assert_recounted, cleaned, pd_count, percent


def test_every_input_number_is_recounted():
    a = cleaned("breast_tdxd_her2_loss").analysis
    expressing = a["pre_treatment_ihc_score"] >= 1
    loss = expressing & (a["post_treatment_ihc_score"] == 0)
    decrease = (a["post_treatment_ihc_score"] >= 1) & (a["post_treatment_ihc_score"] < a["pre_treatment_ihc_score"])
    assert_recounted(
        "breast_tdxd_her2_loss",
        {
            "Abstract / Results / total / n": len(a),
            "Abstract / Results / pre-treatment HER2 expression (1+, 2+, or 3+) / n": pd_count(expressing),
            "Abstract / Results / HER2 loss / n": pd_count(loss),
            "Abstract / Results / HER2 loss (restated) / n": pd_count(loss),
            "Abstract / Results / HER2 loss / %": percent(pd_count(loss), pd_count(expressing)),
            "Abstract / Results / HER2 decrease / n": pd_count(decrease),
            "Abstract / Results / HER2 decrease / %": percent(pd_count(decrease), pd_count(expressing)),
        },
    )
