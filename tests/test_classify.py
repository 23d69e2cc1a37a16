"""Every branch of the HER2 scoring rules, boundaries included (table-driven)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from her2cohort import classify as c

NA = None


def one(series: pd.Series):
    value = series.iloc[0]
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


@pytest.mark.parametrize(
    ("p1", "p2", "p3", "expected"),
    [(0, 0, 0, 0), (100, 0, 0, 100), (0, 0, 100, 300), (10, 20, 70, 260), (20, 30, 50, 230), (NA, 20, 70, NA)],
)
def test_h_score(p1, p2, p3, expected):
    value = one(c.h_score([p1], [p2], [p3]))
    assert (value is None and expected is None) or value == expected


@pytest.mark.parametrize(
    ("ratio", "recount", "expected"),
    [
        (2.21, NA, "positive"),
        (2.2, NA, "equivocal"),  # 2.2 is inside 1.8-2.2
        (2.2, 2.0, "positive"),  # recount exactly 2.0 is positive
        (2.2, 1.99, "negative"),
        (1.8, NA, "equivocal"),  # 1.8 is inside 1.8-2.2
        (1.8, 2.4, "positive"),
        (1.79, NA, "negative"),
        (1.79, 2.5, "negative"),  # the recount is only for equivocal first counts
        (5.0, 1.0, "positive"),
        (NA, NA, NA),
    ],
)
def test_gastric_equivocal_recount(ratio, recount, expected):
    assert one(c.ish_status_gastric_equivocal_recount(pd.Series([ratio], dtype="float64"), pd.Series([recount], dtype="float64"))) == expected


@pytest.mark.parametrize(("ratio", "expected"), [(2.0, "positive"), (1.99, "negative"), (NA, NA)])
def test_gastric_consensus(ratio, expected):
    assert one(c.ish_status_gastric_consensus(pd.Series([ratio], dtype="float64"))) == expected


@pytest.mark.parametrize(
    ("ratio", "copies", "group"),
    [(2.0, 4.0, 1), (5.0, 12.0, 1), (2.0, 3.99, 2), (1.99, 6.0, 3), (1.99, 5.99, 4), (1.5, 4.0, 4), (1.5, 3.99, 5), (NA, 5.0, NA), (2.5, NA, NA)],
)
def test_asco_cap_2018_groups(ratio, copies, group):
    assert one(c.asco_cap_2018_ish_group(pd.Series([ratio], dtype="float64"), pd.Series([copies], dtype="float64"))) == group


@pytest.mark.parametrize(
    ("ratio", "copies", "ihc", "re_ratio", "re_copies", "expected"),
    [
        (2.5, 5.0, 0, NA, NA, "positive"),  # group 1 positive whatever the IHC
        (1.2, 2.0, 3, NA, NA, "negative"),  # group 5 negative whatever the IHC
        (2.4, 3.0, 3, NA, NA, "positive"),  # group 2, IHC 3+
        (2.4, 3.0, 1, NA, NA, "negative"),  # group 2, IHC 0/1+
        (2.4, 3.0, 2, 2.3, 3.5, "negative"),  # group 2, 2+, still group 2 at recount
        (2.4, 3.0, 2, NA, NA, "equivocal"),  # group 2, 2+, no recount
        (1.5, 7.0, 2, 1.6, 6.5, "positive"),  # group 3, 2+, still group 3
        (1.5, 7.0, 0, NA, NA, "negative"),
        (1.5, 7.0, 3, NA, NA, "positive"),
        (1.5, 5.0, 2, 1.5, 5.1, "negative"),  # group 4, 2+, still group 4
        (1.5, 5.0, 2, 2.2, 4.5, "positive"),  # group 4 at first count, group 1 at recount
        (1.5, 5.0, 3, NA, NA, "positive"),
        (1.5, 5.0, NA, NA, NA, "equivocal"),  # groups 2-4 need the IHC
    ],
)
def test_asco_cap_2018_status(ratio, copies, ihc, re_ratio, re_copies, expected):
    f = lambda x: pd.Series([x], dtype="float64")  # noqa: E731
    status = c.ish_status_asco_cap_2018(f(ratio), f(copies), pd.Series([ihc], dtype="Int64"), f(re_ratio), f(re_copies))
    assert one(status) == expected


@pytest.mark.parametrize(
    ("ratio", "copies", "expected_2013", "expected_2007"),
    [(2.0, 3.0, "positive", "equivocal"), (1.9, 6.0, "positive", "equivocal"), (1.9, 5.99, "equivocal", "equivocal"), (1.5, 4.0, "equivocal", "negative"), (1.5, 3.99, "negative", "negative"), (2.3, 9.0, "positive", "positive")],
)
def test_asco_cap_2013_and_2007(ratio, copies, expected_2013, expected_2007):
    f = lambda x: pd.Series([x], dtype="float64")  # noqa: E731
    assert one(c.ish_status_asco_cap_2013(f(ratio), f(copies))) == expected_2013
    assert one(c.ish_status_asco_cap_2007(f(ratio))) == expected_2007


def test_guideline_in_force_at_the_collection_date():
    dates = pd.Series(pd.to_datetime(["2010-01-01", "2013-10-06", "2013-10-07", "2018-05-29", "2018-05-30", None]))
    assert c.asco_cap_release(dates).tolist() == ["2007", "2007", "2013", "2013", "2018", pd.NA]


def test_ish_status_dispatch_uses_reported_call_only_without_ratio():
    specimens = pd.DataFrame({"ish_ratio": [2.5, math.nan, math.nan], "ish_result": ["negative", "positive", None], "ihc_score": [2, 2, 2]})
    assert c.ish_status(specimens, "gastric_consensus").tolist() == ["positive", "positive", None]
    with pytest.raises(ValueError, match="unknown HER2 guideline"):
        c.ish_status(specimens, "who_2020")


def test_ish_status_by_release():
    specimens = pd.DataFrame({"ish_ratio": [2.0, 2.0, 2.0], "her2_copies_per_cell": [3.0, 3.0, 3.0], "ihc_score": [1, 1, 1], "asco_cap_release": ["2007", "2013", "2018"]})
    assert c.ish_status(specimens, "asco_cap_at_diagnosis").tolist() == ["equivocal", "positive", "negative"]


@pytest.mark.parametrize(
    ("ihc", "ish", "status", "group"),
    [
        (3, NA, "positive", "positive"),
        (3, "negative", "positive", "positive"),
        (2, "positive", "positive", "positive"),
        (2, "negative", "negative", "low"),
        (2, NA, "indeterminate", "indeterminate"),  # never negative by default
        (2, "equivocal", "indeterminate", "indeterminate"),
        (1, NA, "negative", "low"),
        (1, "negative", "negative", "low"),
        (0, NA, "negative", "zero"),
        (0, "positive", "positive", "positive"),  # ISH-positive wins (ASCO/CAP group 1)
        (NA, "positive", "positive", "positive"),
        (NA, NA, NA, NA),
    ],
)
def test_her2_status_and_three_groups(ihc, ish, status, group):
    ihc_s, ish_s = pd.Series([ihc], dtype="Int64"), pd.Series([ish], dtype="object")
    assert one(c.her2_status(ihc_s, ish_s)) == status
    assert one(c.her2_group(ihc_s, ish_s)) == group


@pytest.mark.parametrize(("ihc", "pct1", "expected"), [(0, 0, "null"), (0, 0.5, "ultralow"), (0, 10, "ultralow"), (0, 10.5, NA), (1, 5, NA), (0, NA, NA)])
def test_her2_zero_subgroup(ihc, pct1, expected):
    assert one(c.her2_zero_subgroup(pd.Series([ihc], dtype="Int64"), pd.Series([pct1], dtype="float64"))) == expected


@pytest.mark.parametrize(("pct", "expected"), [(4.99, False), (5, True), (49.99, True), (50, False), (0, False), (100, False), (NA, NA)])
def test_genetic_heterogeneity_boundaries(pct, expected):
    assert one(c.genetic_heterogeneity(pd.Series([pct], dtype="float64"))) == expected


@pytest.mark.parametrize(("tumour", "positive", "expected"), [(4, 4, "homogeneous"), (4, 3, "heterogeneous"), (1, 0, "heterogeneous"), (0, 0, NA), (NA, 2, NA)])
def test_ihc_heterogeneity(tumour, positive, expected):
    assert one(c.ihc_heterogeneity(pd.Series([tumour], dtype="Float64"), pd.Series([positive], dtype="Float64"))) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [("positive", "positive", "persistent"), ("positive", "negative", "loss"), ("negative", "positive", "gain"), ("negative", "negative", "stable_negative"), ("positive", "indeterminate", NA), (NA, "positive", NA)],
)
def test_her2_change(before, after, expected):
    assert one(c.her2_change(pd.Series([before], dtype="object"), pd.Series([after], dtype="object"))) == expected


@pytest.mark.parametrize(
    ("before", "after", "transition", "discordant", "direction", "to_low"),
    [
        ("zero", "low", "zero->low", True, "up", True),
        ("positive", "low", "positive->low", True, "down", True),
        ("low", "low", "low->low", False, "same", False),
        ("low", "zero", "low->zero", True, "down", False),
        ("zero", "positive", "zero->positive", True, "up", False),
        ("indeterminate", "low", NA, NA, NA, NA),
    ],
)
def test_three_group_change(before, after, transition, discordant, direction, to_low):
    out = c.her2_group_change(pd.Series([before], dtype="object"), pd.Series([after], dtype="object"))
    assert [one(out[col]) for col in ("transition", "discordant", "direction", "to_low")] == [transition, discordant, direction, to_low]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [(1, 0, "loss_to_0"), (3, 0, "loss_to_0"), (3, 1, "decrease"), (2, 1, "decrease"), (2, 2, "same"), (0, 0, "same"), (0, 1, "increase"), (NA, 1, NA)],
)
def test_ihc_change(before, after, expected):
    assert one(c.ihc_change(pd.Series([before], dtype="Int64"), pd.Series([after], dtype="Int64"))) == expected


def test_analysis_set_of_the_example_cohort(cohort_dir, study):
    from her2cohort.cleaning import clean_cohort

    cohort = clean_cohort(cohort_dir, study)
    classified = c.classify_specimens(cohort.specimens, study["her2_guideline"])
    out = c.analysis_set(cohort.patients, classified, study["comparison"]).set_index("patient_key")
    assert len(out) == 7 and out.index.is_unique
    # EX-002: IHC 2+ with ratio 2.00 (equivocal) and recount 2.35 -> positive; after: IHC 1+ -> loss
    assert out.loc["P002", "baseline_ish_status"] == "positive"
    assert out.loc["P002", "her2_change"] == "loss"
    # EX-003: after IHC 2+, ratio 1.90 recount 1.60 -> ISH negative -> loss; 30% nuclei -> heterogeneity
    assert out.loc["P003", "post_progression_her2_status"] == "negative"
    assert out.loc["P003", "genetic_heterogeneity_change"] == "to_heterogeneity"
    # EX-006: 2+ -> 0 with 10% 1+ cells: loss to IHC 0, HER2-ultralow
    assert out.loc["P006", "ihc_change"] == "loss_to_0"
    assert out.loc["P006", "post_progression_her2_zero_subgroup"] == "ultralow"
    assert out["her2_change"].value_counts().to_dict() == {"persistent": 4, "loss": 3}
    assert out.loc["P001", "baseline_h_score"] == 260


# --- what each rule left undecided, and why ----------------------------------


def _specimens(rows: list[dict]) -> pd.DataFrame:
    columns = ["timepoint", "ihc_score", "ish_ratio", "her2_copies_per_cell", "ish_ratio_recount", "her2_copies_recount", "ish_result", "asco_cap_release"]
    frame = pd.DataFrame([{column: row.get(column) for column in columns} for row in rows])
    for column in columns[2:6]:
        frame[column] = frame[column].astype("float64")
    frame["ihc_score"] = frame["ihc_score"].astype("Int64")
    frame["timepoint"] = "baseline"
    return frame


@pytest.mark.parametrize(
    ("guideline", "row", "reason"),
    [
        # the user's case: ASCO/CAP 2018, IHC 2+ with a ratio and no copy number
        ("asco_cap_2018", {"ihc_score": 2, "ish_ratio": 2.4}, "IHC 2+, ISH ratio without HER2 copies per cell: no ASCO/CAP 2018 ISH group (it needs both)"),
        ("asco_cap_2018", {"ihc_score": 2, "ish_ratio": 2.4, "her2_copies_per_cell": 3.0}, "IHC 2+, ASCO/CAP 2018 ISH group 2 (ratio >= 2.0, copies < 4.0) without the second observer's recount"),
        ("asco_cap_2018", {"ihc_score": 2, "ish_ratio": 1.5, "her2_copies_per_cell": 6.5}, "IHC 2+, ASCO/CAP 2018 ISH group 3 (ratio < 2.0, copies >= 6.0) without the second observer's recount"),
        ("asco_cap_2018", {"ihc_score": 2, "ish_ratio": 1.5, "her2_copies_per_cell": 5.0, "ish_ratio_recount": 1.4}, "IHC 2+, ASCO/CAP 2018 ISH group 4 (ratio < 2.0, copies 4.0-6.0) with an incomplete recount (ratio and copies both needed)"),
        ("asco_cap_2018", {"ihc_score": 2}, "IHC 2+ without an ISH result"),
        ("gastric_consensus", {"ihc_score": 2, "ish_result": "equivocal"}, "IHC 2+, ISH reported equivocal (ish_result) without a ratio"),
        ("gastric_equivocal_recount", {"ihc_score": 2, "ish_ratio": 2.0}, "IHC 2+, ISH ratio 1.8-2.2 (equivocal) without a recount ratio"),
        ("asco_cap_2007", {"ihc_score": 2, "ish_ratio": 2.1}, "IHC 2+, ISH ratio 1.8-2.2: equivocal under ASCO/CAP 2007"),
        ("asco_cap_2013", {"ihc_score": 2, "ish_ratio": 1.5}, "IHC 2+, ISH ratio < 2.0 without HER2 copies per cell (ASCO/CAP 2013 needs them below 2.0)"),
        ("asco_cap_2013", {"ihc_score": 2, "ish_ratio": 1.5, "her2_copies_per_cell": 5.0}, "IHC 2+, ISH ratio < 2.0 with 4.0-6.0 HER2 copies per cell: equivocal under ASCO/CAP 2013"),
        ("asco_cap_at_diagnosis", {"ihc_score": 2, "ish_ratio": 2.4}, "IHC 2+, no collection date: the ASCO/CAP release in force is unknown"),
        ("asco_cap_2018", {"ish_ratio": 2.4, "her2_copies_per_cell": 3.0}, "no IHC score"),
    ],
)
def test_each_rule_says_why_it_left_a_specimen_undecided(guideline, row, reason):
    classified = c.classify_specimens(_specimens([row]), guideline)
    assert one(c.undecided_reasons(classified, guideline)) == reason
    status = one(classified["her2_status"])
    assert status == ("indeterminate" if reason != "no IHC score" else None)


def test_decided_specimens_have_no_reason():
    rows = [{"ihc_score": 3}, {"ihc_score": 0}, {"ihc_score": 2, "ish_ratio": 2.4, "her2_copies_per_cell": 5.0}, {"ihc_score": 2, "ish_ratio": 1.2, "her2_copies_per_cell": 2.0}]
    classified = c.classify_specimens(_specimens(rows), "asco_cap_2018")
    assert c.undecided_reasons(classified, "asco_cap_2018").isna().all()


def test_the_summary_counts_each_rule_s_specimens_by_status_and_reason():
    # 123 IHC 2+ specimens with a ratio but no copy number under ASCO/CAP 2018, as in the user's cohort
    rows = [{"ihc_score": 2, "ish_ratio": 2.5}] * 123 + [{"ihc_score": 3}] * 5 + [{"ihc_score": 1}] * 7 + [{"ihc_score": 2}] * 2 + [{}]
    classified = c.classify_specimens(_specimens(rows), "asco_cap_2018")
    summary = c.classification_summary(classified, "asco_cap_2018")
    assert summary.to_dict("records") == [
        {"rule": "asco_cap_2018", "her2_status": "positive", "reason": "", "n_specimens": 5},
        {"rule": "asco_cap_2018", "her2_status": "negative", "reason": "", "n_specimens": 7},
        {"rule": "asco_cap_2018", "her2_status": "indeterminate", "reason": "IHC 2+, ISH ratio without HER2 copies per cell: no ASCO/CAP 2018 ISH group (it needs both)", "n_specimens": 123},
        {"rule": "asco_cap_2018", "her2_status": "indeterminate", "reason": "IHC 2+ without an ISH result", "n_specimens": 2},
        {"rule": "asco_cap_2018", "her2_status": "not classified", "reason": "no IHC score", "n_specimens": 1},
    ]
    assert summary["n_specimens"].sum() == len(classified)
    assert int(summary.loc[summary["her2_status"] == "indeterminate", "n_specimens"].sum()) == int((classified["her2_status"] == "indeterminate").sum())
    assert c.summary_lines(summary) == [
        "asco_cap_2018: 138 specimens: 5 positive, 7 negative, 125 indeterminate, 1 not classified",
        "  123 indeterminate: IHC 2+, ISH ratio without HER2 copies per cell: no ASCO/CAP 2018 ISH group (it needs both)",
        "  2 indeterminate: IHC 2+ without an ISH result",
        "  1 not classified: no IHC score",
    ]


def test_the_summary_counts_per_release_under_asco_cap_at_diagnosis():
    rows = [{"ihc_score": 2, "ish_ratio": 2.1, "asco_cap_release": "2007"}, {"ihc_score": 2, "ish_ratio": 2.5, "asco_cap_release": "2018"}, {"ihc_score": 3, "asco_cap_release": "2013"}]
    classified = c.classify_specimens(_specimens(rows), "asco_cap_at_diagnosis")
    summary = c.classification_summary(classified, "asco_cap_at_diagnosis")
    assert list(zip(summary["rule"], summary["her2_status"])) == [("asco_cap_2007", "indeterminate"), ("asco_cap_2013", "positive"), ("asco_cap_2018", "indeterminate")]


def test_without_her2_data_nothing_is_classified_and_no_her2_column_is_added():
    specimens = pd.DataFrame({"patient_key": ["P001", "P002"], "timepoint": ["primary", "primary"], "hr_status": ["positive", "negative"], "ihc_score": [pd.NA, pd.NA]})
    patients = pd.DataFrame({"patient_key": ["P001", "P002"], "age_years": [50.0, 60.0]})
    assert not c.has_her2_data(specimens)
    classified = c.classify_cohort(specimens, None)
    assert list(classified.columns) == ["patient_key", "timepoint", "hr_status"]
    out = c.analysis_set(patients, classified, None)
    assert list(out.columns) == ["patient_key", "age_years", "primary_hr_status"]
    assert not any(c.is_her2_column(column) for column in out.columns)
    # with HER2 data, the guideline is needed and the error names the key
    with pytest.raises(Exception, match="her2_guideline"):
        c.classify_cohort(specimens.assign(ihc_score=[1, 2]), None)
