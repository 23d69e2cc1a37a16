"""The replication audit's library: selectors, agreement, tolerances, the paper's internal checks,
and that the reproduced column is computed, never read from the published file."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import load_mapping
from her2cohort.replication import audit, consistency_checks
from her2cohort.replication.locations import fill, matches
from her2cohort.replication.selectors import evaluate, select, tables as result_tables
from her2cohort.results import SelectionError
from her2cohort.replication.tolerance import agrees, check
from her2cohort.thresholds import guideline_thresholds


def number(location, printed, value, precision, kind="count", basis="input", **extra):
    return {"location": location, "quantity": location, "printed": printed, "value": value, "precision": precision, "kind": kind, "basis": basis, **extra}


@pytest.fixture
def tables(tmp_path):
    stats = tmp_path / "stats"
    stats.mkdir()
    pd.DataFrame(
        {
            "variable": ["sex", "sex", "sex", "sex", "ecog", "sex"],
            "level": ["male", "female", "male", "female", "True", ""],
            "group": ["persistent", "persistent", "loss", "loss", "Total", ""],
            "row_type": ["summary"] * 5 + ["test"],
            "n": [26, 8, 12, 2, 46, None],
            "percent": [76.47058823529412, 23.52941176470588, 85.71428571428571, 14.285714285714286, 95.83333333333333, None],
            "p_value": [None] * 5 + [0.7006168353532165],
        }
    ).to_csv(stats / "table2.csv", index=False)
    pd.DataFrame({"variable": ["sex"], "row_type": ["test"], "p_value": [0.5]}).to_csv(stats / "table2--chisq.csv", index=False)
    pd.DataFrame({"term": ["x"], "estimate": [1.19], "conf_low": [0.63], "conf_high": [2.27], "p_value": [0.592], "std_error": [0.08]}).to_csv(stats / "cox.csv", index=False)
    flow = pd.DataFrame({"step": [0, 1], "label": ["registry", "analysed"], "n_remaining": [251, 48]})
    return result_tables(stats, flow=flow, guideline=guideline_thresholds("gastric_equivocal_recount"))


def test_selectors_pick_one_cell_and_say_why_when_they_cannot(tables):
    assert select(tables, {"from": "table2", "row": {"variable": "sex", "level": "male", "group": "loss"}, "value": "n"}) == 12
    assert select(tables, {"from": "table2", "row": {"variable": "sex", "group": "persistent"}, "value": "n", "aggregate": "sum"}) == 34
    assert select(tables, {"from": "table2", "row": {"variable": "ecog", "level": True}, "value": "n"}) == 46  # True == "True"
    assert select(tables, {"from": "table2", "row": {"variable": "sex", "level": "male", "group": "loss"}, "value": "percent", "scale": 1}) == pytest.approx(85.714285714)
    assert select(tables, {"from": "flow", "row": {"step": 0}, "value": "n_remaining"}) == 251
    assert select(tables, {"from": "guideline", "row": {"rule": "ish_positive"}, "value": "value"}) == 2.2
    assert select(tables, {"from": "table2", "row": {"variable": "sex", "row_type": "test"}, "value": "p_value", "variant": "chisq"}) == 0.5
    with pytest.raises(SelectionError, match=r"2 rows of 'table2' have \{variable: sex, group: loss\}; add a column that tells them apart: \{level: male\}; \{level: female\}"):
        select(tables, {"from": "table2", "row": {"variable": "sex", "group": "loss"}, "value": "n"})
    with pytest.raises(SelectionError, match=r"no row of 'table2' has \{variable: sex, level: 2\}; its rows: \{variable: sex, level: male\}; \{variable: sex, level: female\}; \{variable: ecog, level: True\}; \{variable: sex, level: NA\}"):
        select(tables, {"from": "table2", "row": {"variable": "sex", "level": 2}, "value": "n"})
    with pytest.raises(SelectionError, match="no column 'nn'"):
        select(tables, {"from": "table2", "value": "nn"})
    with pytest.raises(SelectionError, match="no result 'missing': no analysis of that id"):
        select(tables, {"from": "missing", "value": "n"})


def test_arithmetic_is_restricted_to_numbers_and_names():
    assert evaluate("100 * a / (a + b)", {"a": 14, "b": 34}) == pytest.approx(29.1666666)
    assert math.isnan(evaluate("a / b", {"a": 1, "b": 0}))
    with pytest.raises(SelectionError):
        evaluate("__import__('os')", {})


@pytest.mark.parametrize(
    ("value", "entry", "expected"),
    [
        (29.166, number("x", "29.2", 29.2, 1, "percentage"), True),
        (29.166, number("x", "29.1", 29.1, 1, "percentage"), False),
        (31.25, number("x", "31.3", 31.3, 1, "percentage"), True),  # half up, as journals print
        (0.0004, number("x", "< 0.001", 0.001, 3, "p_value", comparator="<"), True),
        (0.0011, number("x", "< 0.001", 0.001, 3, "p_value", comparator="<"), False),
        (170.0, number("x", "> 170", 170, 0, "cutoff", comparator=">"), True),  # a cutoff's comparator is its rule
        (math.nan, number("x", "1", 1, 0), False),
    ],
)
def test_agreement_at_the_printed_precision(value, entry, expected):
    assert agrees(value, entry) is expected


def test_tolerance_rules_state_their_numbers():
    published = {
        "low": number("low", "0.70", 0.70, 2, "conf_low"),
        "high": number("high", "2.55", 2.55, 2, "conf_high"),
    }
    hr = number("hr", "1.34", 1.34, 2, "hazard_ratio")
    ok, text = check({"rule": "within_ci", "ci": ["low", "high"]}, 1.19, hr, published, None)
    assert ok and "inside the published 95% CI 0.70-2.55" in text
    assert not check({"rule": "within_ci", "ci": ["low", "high"]}, 2.6, hr, published, None)[0]
    # one published SE on the log scale: (log 2.55 - log 0.70) / 3.92 = 0.3298
    ok, text = check({"rule": "ci_se", "ci": ["low", "high"]}, 0.70 * math.exp(0.32), published["low"], published, None)
    assert ok and "0.330" in text
    assert not check({"rule": "ci_se", "ci": ["low", "high"]}, 0.70 * math.exp(0.34), published["low"], published, None)[0]
    p = number("p", "0.379", 0.379, 3, "p_value")
    ok, text = check({"rule": "z_distance"}, 0.592, p, published, None)  # z 0.54 vs 0.88
    assert ok and "|dz| = 0.34" in text
    assert not check({"rule": "z_distance"}, 0.03, p, published, None)[0]  # the other side of 0.05
    assert check({"rule": "se", "se": {}}, 0.70, number("auc", "0.655", 0.655, 3, "auc"), published, lambda s: 0.05)[0]
    assert not check({"rule": "absolute", "max": 0.05}, 8.4, number("m", "8.3", 8.3, 1, "median"), published, None)[0]


def test_the_paper_is_checked_against_itself():
    numbers = [
        number("T1 / ECOG / 0-1 / total / n", "44", 44, 0),
        number("T1 / ECOG / 0-1 / total / %", "93.7", 93.7, 1, "percentage"),
        number("T2 / Sex / Male / loss / n", "12", 12, 0),
        number("T2 / Sex / Male / loss / %", "85.7", 85.7, 1, "percentage"),
        number("T2 / Sex / Female / loss / n", "2", 2, 0),
        number("T2 / Sex / Female / loss / %", "14.3", 14.3, 1, "percentage"),
        number("Abstract / loss / %", "29.1", 29.1, 1, "percentage"),
        number("Results / loss / %", "29.2", 29.2, 1, "percentage"),
        number("Cohort / n", "48", 48, 0),
        number("Groups / loss / n", "14", 14, 0),
        number("Groups / persistence / n", "34", 34, 0),
        number("R / PFS / HR / estimate", "1.34", 1.34, 2, "hazard_ratio"),
        number("R / PFS / HR / conf_low", "0.70", 0.70, 2, "conf_low"),
        number("R / PFS / HR / conf_high", "2.55", 2.55, 2, "conf_high"),
        number("R / PFS / p", "0.379", 0.379, 3, "p_value"),
        number("R / OS / HR / estimate", "1.67", 1.67, 2, "hazard_ratio"),
        number("R / OS / HR / conf_low", "0.84", 0.84, 2, "conf_low"),
        number("R / OS / HR / conf_high", "3.32", 3.32, 2, "conf_high"),
        number("R / OS / p", "0.042", 0.042, 3, "p_value"),
    ]
    spec = {
        "percentages": [{"match": "T1 / * / * / total / %", "denominator": 48}, {"match": "T2 / * / * / * / %", "denominator": {"sum": "T2 / {1} / * / {3} / n"}}],
        "sums": [{"total": "Cohort / n", "parts": "Groups / * / n"}],
    }
    checks = consistency_checks("s", numbers, spec, [["Results / loss / %", "Abstract / loss / %"]]).set_index("location")
    assert not checks.loc["T1 / ECOG / 0-1 / total / %", "consistent"]
    assert "44/48 = 91.67%" in checks.loc["T1 / ECOG / 0-1 / total / %", "explanation"]
    assert checks.loc["T2 / Sex / Male / loss / %", "consistent"] and checks.loc["T2 / Sex / Female / loss / %", "consistent"]
    assert not checks.loc["Abstract / loss / %", "consistent"]
    assert checks.loc["Cohort / n", "consistent"]
    assert checks.loc["R / PFS / p", "consistent"]  # Wald p of 1.34 (0.70-2.55) is 0.365-0.384
    assert not checks.loc["R / OS / p", "consistent"]  # 1.67 (0.84-3.32) implies p ~ 0.14, not 0.042


def test_patterns_and_templates():
    assert matches("Table 2 / * / * / * / %", "Table 2 / Gender / Male / loss / %")
    assert not matches("Table 2 / * / %", "Table 2 / Gender / Male / loss / %")
    assert matches("** / HR / estimate", "Results / PFS / loss vs persistence / HR / estimate")
    assert fill("Table 2 / {1} / * / {3} / n", "Table 2 / Gender / Male / loss / %") == "Table 2 / Gender / * / loss / n"


def _published(values):
    return {
        "study": "s",
        "numbers": [
            number("A / male / loss / n", str(values[0]), values[0], 0),
            number("A / sex / p", str(values[1]), values[1], 3, "p_value", "held_out"),
            number("A / protocol / cells", "20", 20, 0),
        ],
    }


MAPPING = {
    "study": "s",
    "reproduce": [
        {"at": "A / male / loss / n", "from": "table2", "row": {"variable": "sex", "level": "male", "group": "loss"}, "value": "n"},
        {"at": "A / sex / p", "from": "table2", "row": {"variable": "sex", "row_type": "test"}, "value": "p_value", "investigate": ["chisq"]},
        {"at": "A / protocol / cells", "not_computable": "a protocol parameter of the ISH count, not a result"},
    ],
}


def test_reproduced_values_are_computed_never_read_from_the_published_file(tables):
    checks = pd.DataFrame(columns=["study", "check", "location", "compared_with", "printed", "implied", "consistent", "explanation"])
    as_printed = audit("s", _published([12, 0.701]), MAPPING, tables, checks)
    altered = audit("s", _published([13, 0.5]), MAPPING, tables, checks)
    pd.testing.assert_series_equal(as_printed["reproduced"], altered["reproduced"])
    assert list(as_printed["status"]) == ["reproduced", "reproduced", "not_computable"]
    assert list(altered["status"]) == ["not_reproduced", "not_reproduced"] + ["not_computable"]
    assert altered.loc[1, "explanation"].startswith("UNEXPLAINED") and "chisq: 0.5000 (matches)" in altered.loc[1, "explanation"]


def test_a_mapping_must_cover_every_published_number_once(tmp_path):
    import yaml

    path = tmp_path / "s.yaml"
    mapping = {**MAPPING, "reproduce": MAPPING["reproduce"][:2] + [{"at": "A / male / loss / n", "from": "x", "value": "n"}, {"at": "B / nowhere", "from": "x", "value": "n"}]}
    path.write_text(yaml.safe_dump(mapping))
    with pytest.raises(ValueError) as error:
        load_mapping(path, _published([12, 0.701]))
    message = str(error.value)
    assert "'A / male / loss / n' is already mapped by reproduce[0]" in message
    assert "'B / nowhere' is not in the published file" in message
    assert "published location 'A / protocol / cells' has no entry" in message
    path.write_text(yaml.safe_dump({**MAPPING, "reproduce": [{"at": "A / sex / p", "from": "t", "value": "p", "tolerance": {"rule": "z_distance"}}]}))
    with pytest.raises(ValueError, match="'why' is a dependency of 'tolerance'"):
        load_mapping(path, _published([12, 0.701]))


def test_thresholds_are_read_off_the_classifier():
    table = guideline_thresholds("gastric_equivocal_recount").set_index(["rule", "side"])
    assert table.loc[("ish_positive", "lower"), "printed"] == "> 2.2"
    assert table.loc[("ish_negative", "upper"), "printed"] == "< 1.8"
    assert table.loc[("ish_recount_positive", "lower"), "printed"] == ">= 2"
    assert table.loc[("genetic_heterogeneity_nuclei_pct", "lower"), "printed"] == ">= 5"
    assert table.loc[("genetic_heterogeneity_nuclei_pct", "upper"), "printed"] == "< 50"
    breast = guideline_thresholds("asco_cap_2018").set_index(["rule", "side"])
    assert breast.loc[("her2_copies_per_cell_high", "lower"), "value"] == 6.0


# --- direction of effect, named reasons, where shown, the report's classes -----------------------


def _ratio(estimate, low, high, p=None):
    """A printed hazard ratio with its CI (and p) as a published file holds them, and its mapping."""
    numbers = [
        number("R / HR / estimate", f"{estimate}", estimate, 2, "hazard_ratio", "held_out", evidence="patient_data"),
        number("R / HR / conf_low", f"{low}", low, 2, "conf_low", "held_out", evidence="patient_data"),
        number("R / HR / conf_high", f"{high}", high, 2, "conf_high", "held_out", evidence="patient_data"),
    ]
    ci = ["R / HR / conf_low", "R / HR / conf_high"]
    row = {"from": "cox", "row": {"term": "x"}}
    entries = [
        {"at": "R / HR / estimate", **row, "value": "estimate", "tolerance": {"rule": "within_ci", "ci": ci}, "why": "hr_reconstructed"},
        {"at": "R / HR / conf_low", **row, "value": "conf_low", "tolerance": {"rule": "ci_se", "ci": ci}, "why": "hr_reconstructed"},
        {"at": "R / HR / conf_high", **row, "value": "conf_high", "tolerance": {"rule": "ci_se", "ci": ci}, "why": "hr_reconstructed"},
    ]
    if p is not None:
        numbers.append(number("R / p", f"{p}", p, 3, "p_value", "held_out", evidence="patient_data"))
        entries.append({"at": "R / p", **row, "value": "p_value", "tolerance": {"rule": "z_distance"}, "why": "hr_reconstructed"})
    mapping = {"study": "s", "reasons": {"hr_reconstructed": "a hazard ratio on reconstructed survival times"}, "reproduce": entries}
    return {"study": "s", "numbers": numbers}, mapping


NO_CHECKS = pd.DataFrame(columns=["study", "check", "location", "compared_with", "printed", "implied", "consistent", "explanation"])


def test_within_tolerance_needs_the_printed_direction(tables):
    # the table's HR is 1.19 (0.63-2.27), p 0.592
    same_side, mapping = _ratio(1.40, 0.80, 2.45, p=0.4)
    report = audit("s", same_side, mapping, tables, NO_CHECKS).set_index("location")
    assert report["status"].tolist() == ["within_tolerance"] * 4
    other_side, mapping = _ratio(0.80, 0.40, 1.60, p=0.5)  # 1.19 inside 0.40-1.60, but above 1 where 0.80 is below
    report = audit("s", other_side, mapping, tables, NO_CHECKS).set_index("location")
    assert report.loc["R / HR / estimate", "status"] == "not_reproduced"
    assert "reproduced 1.190 lies above 1, the printed 0.8 below it (opposite effect)" in report.loc["R / HR / estimate", "explanation"]
    assert report.loc["R / p", "status"] == "not_reproduced"  # the p of an effect in the other direction
    excluding, mapping = _ratio(1.30, 1.05, 1.70)  # the printed CI excludes 1, the reproduced 0.63-2.27 does not
    report = audit("s", excluding, mapping, tables, NO_CHECKS).set_index("location")
    assert report.loc["R / HR / estimate", "status"] == "not_reproduced"
    assert "the reproduced CI 0.630-2.270 contains 1, the printed 1.05-1.7 lies above 1" in report.loc["R / HR / estimate", "explanation"]
    on_the_null, mapping = _ratio(1.00, 0.50, 2.00)  # a printed 1.00 claims no direction
    report = audit("s", on_the_null, mapping, tables, NO_CHECKS).set_index("location")
    assert report.loc["R / HR / estimate", "status"] == "within_tolerance"


def test_direction_rule_reads_sides_unrounded():
    from her2cohort.replication.tolerance import direction_conflict

    printed = {k: number(k, str(v), v, 2, kind) for k, v, kind in (("estimate", 0.47, "hazard_ratio"), ("conf_low", 0.29, "conf_low"), ("conf_high", 0.77, "conf_high"))}
    assert direction_conflict(printed, {"estimate": 0.61, "conf_low": 0.38, "conf_high": 0.996}, 1.0) == ""  # prints 1.00, excludes 1
    assert "contains 1" in direction_conflict(printed, {"estimate": 0.61, "conf_low": 0.38, "conf_high": 1.004}, 1.0)


def test_reasons_are_named_once_and_cited_by_key(tmp_path, tables):
    import yaml

    published, mapping = _ratio(1.67, 0.84, 3.32)
    report = audit("s", published, mapping, tables, NO_CHECKS)
    assert set(report["reasons"]) == {"hr_reconstructed"}
    assert not report["explanation"].str.contains("reconstructed survival times").any()  # the text is printed once, in the report
    path = tmp_path / "s.yaml"
    pasted = {**mapping, "reasons": {}, "reproduce": [{**e, "why": "a hazard ratio on reconstructed survival times"} for e in mapping["reproduce"]]}
    path.write_text(yaml.safe_dump(pasted))
    with pytest.raises(ValueError, match=r"reproduce\[1\]\.why repeats the text of reproduce\[0\]: name it under `reasons`"):
        load_mapping(path, published)
    unknown = {**mapping, "reproduce": [{**e, "why": "hr_typo"} for e in mapping["reproduce"]]}
    path.write_text(yaml.safe_dump(unknown))
    with pytest.raises(ValueError) as error:
        load_mapping(path, published)
    assert "'hr_typo' is not a key of `reasons`" in str(error.value) and "reasons.hr_reconstructed is cited by no entry" in str(error.value)
    listed = {**mapping, "reasons": {**mapping["reasons"], "wald": "Wald CI of coxph"}}
    listed["reproduce"] = [{**mapping["reproduce"][0], "note": ["wald", "the estimate of the abstract"]}, *mapping["reproduce"][1:]]
    path.write_text(yaml.safe_dump(listed))
    row = audit("s", published, load_mapping(path, published), tables, NO_CHECKS).iloc[0]
    assert row["reasons"] == "hr_reconstructed; wald" and row["explanation"].endswith("the estimate of the abstract")


def test_counts_print_as_integers_beside_the_paper():
    from her2cohort.replication.tolerance import shown_beside

    assert shown_beside(46.0, {"precision": 0}) == "46"
    assert shown_beside(8.31, {"precision": 0}) == "8.3"
    assert shown_beside(29.1666, {"precision": 1}) == "29.17"


def test_where_a_number_is_shown():
    from her2cohort.placement import declarations
    from her2cohort.replication.shown_in import shown_in

    study = {
        "analyses": [{"id": a} for a in ("chars", "cox_os", "km_os", "unused")] + [{"id": "tests", "variants": {"exact": {}}}],
        "tables": [
            {"id": "table2", "layout": "baseline", "from": "chars", "labels": {"sex": "Gender"}, "level_labels": {"sex": {"male": "Male"}}, "group_labels": {"loss": "Loss"}, "legend": "x"},
            {"id": "outcomes", "layout": "estimates", "rows": [{"label": "OS, loss vs persistence", "from": "cox_os", "row": {"row_kind": "coefficient"}}]},
            {"id": "paired", "layout": "tests", "rows": [{"label": "Bowker, exact", "from": "tests--exact"}]},
        ],
        "figures": [{"id": "figure2", "type": "km", "from": "km_os", "cox": "cox_os", "legend": "chars are not read from legends"}],
    }
    placed = declarations(study)
    assert shown_in([{"from": "chars", "row": {"variable": "sex", "level": "male", "group": "loss"}, "value": "percent"}], placed["tables"], placed["figures"]) == "table table2 (row 'Gender: Male', column 'Loss', %)"
    assert shown_in([{"from": "cox_os", "row": {"row_kind": "coefficient"}, "value": "estimate"}], placed["tables"], placed["figures"]) == "table outcomes (row 'OS, loss vs persistence', estimate); figure figure2"
    assert shown_in([{"from": "tests", "variant": "exact", "value": "p_value"}], placed["tables"], placed["figures"]) == "table paired (row 'Bowker, exact', p)"
    assert shown_in([{"from": "unused", "value": "n"}], placed["tables"], placed["figures"]) == "stats/unused.csv only (no table or figure prints it)"
    assert "legend" not in str(placed)  # a legend's wording does not re-run the audit


def test_the_report_leads_with_what_each_number_can_prove():
    from her2cohort.replication.summary import counts_by_evidence, summary_markdown

    rows = [
        ("printed_counts", "reproduced"), ("printed_counts", "reproduced"), ("printed_counts", "discrepant"),
        ("patient_data", "within_tolerance"), ("patient_data", "not_reproduced"),
        ("reconstruction_input", "reproduced"), ("reconstruction_input", "reproduced"), ("not_this_study", "not_computable"),
    ]
    replication = pd.DataFrame(
        [{"study": "s", "location": f"L{i}", "evidence": e, "published": "1", "reproduced": 1.0, "precision": 0, "status": st, "explanation": "", "reasons": "", "shown_in": ""} for i, (e, st) in enumerate(rows)]
    )
    first = counts_by_evidence(replication).loc["s"]
    assert (first["counts: reproduced"], first["counts: paper errors"], first["patient data: within tolerance"]) == (2, 1, 1)
    assert (first["reconstruction inputs"], first["not this study"], first["total"]) == (2, 1, 8)
    markdown = summary_markdown(replication, NO_CHECKS.assign(consistent=pd.Series(dtype=bool)))
    assert "**Of the 3 numbers the printed counts determine, 2 reproduce and 1 are paper errors**" in markdown
    assert markdown.index("## What can prove each number") < markdown.index("Counts by status")


# --- the compact mapping form: each construct expands to the per-quantity entries ------------------


def _load(tmp_path, reproduce, locations, reasons=None):
    """load_mapping of a compact ``reproduce`` list against a published file printing ``locations``."""
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"study": "s", **({"reasons": reasons} if reasons else {}), "reproduce": reproduce}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_mapping(path, {"study": "s", "numbers": [number(loc, "1", 1, 0) for loc in locations]})


def test_print_writes_one_result_row_once_with_a_prefix_and_a_tolerance_set(tmp_path):
    ci = ["R / PFS / HR / conf_low", "R / PFS / HR / conf_high"]
    row = {"from": "cox", "row": {"term": "x"}}
    old = [
        {"at": "R / PFS / HR", **row, "value": "estimate", "tolerance": {"rule": "within_ci", "ci": ci}, "why": "hr_reconstructed", "investigate": ["efron"]},
        {"at": ci[0], **row, "value": "conf_low", "tolerance": {"rule": "ci_se", "ci": ci}, "why": "hr_reconstructed", "investigate": ["efron"]},
        {"at": ci[1], **row, "value": "conf_high", "tolerance": {"rule": "ci_se", "ci": ci}, "why": "hr_reconstructed", "investigate": ["efron"], "note": "a text of the limit"},
        {"at": ["R / PFS / p", "Abstract / PFS / p"], **row, "value": "p_value", "tolerance": {"rule": "z_distance"}, "why": "hr_reconstructed", "investigate": ["efron"]},
        {"at": "R / PFS / n", **row, "value": "n", "investigate": ["efron"]},  # no tolerance in the set: no why
    ]
    compact = {
        "at": "R / PFS", **row, "tolerance": "ratio", "why": "hr_reconstructed", "investigate": ["efron"],
        "print": {"estimate": "HR", "conf_low": "HR / conf_low", "conf_high": {"at": "HR / conf_high", "note": "a text of the limit"}, "p_value": ["p", "/Abstract / PFS / p"], "n": "n"},
    }
    locations = [loc for entry in old for loc in ([entry["at"]] if isinstance(entry["at"], str) else entry["at"])]
    reasons = {"hr_reconstructed": "a hazard ratio on reconstructed survival times"}
    mapping = _load(tmp_path, [compact], locations, reasons)
    assert mapping["reproduce"] == old
    assert mapping["origins"] == [f"reproduce[0].print.{c}" for c in ("estimate", "conf_low", "conf_high", "p_value", "n")]
    assert _load(tmp_path, old, locations, reasons)["reproduce"] == old  # the per-quantity form stays valid


def test_tolerances_read_the_entrys_own_limits_or_the_ones_named(tmp_path):
    from her2cohort.replication.compact import expand

    median = {"from": "km", "print": {"estimate": "median", "conf_low": "median / conf_low", "conf_high": "median / conf_high"}, "why": "km_limit"}
    spss, _ = expand([{"at": "R / OS", **median, "tolerance": "linear_limits"}])
    ci = ["R / OS / median / conf_low", "R / OS / median / conf_high"]
    assert [e.get("tolerance") for e in spss] == [None, {"rule": "ci_se", "ci": ci, "scale": "linear"}, {"rule": "ci_se", "ci": ci, "scale": "linear"}]
    assert [e.get("why") for e in spss] == [None, "km_limit", "km_limit"]  # why explains the tolerance
    # two prefixes: each location under each; the limits a rule reads named with `ci`
    both, _ = expand([{"at": ["Abstract", "Results"], **median, "tolerance": "limits", "ci": ["/Results / median / conf_low", "/Results / median / conf_high"]}])
    assert both[0]["at"] == ["Abstract / median", "Results / median"]
    assert both[1]["tolerance"] == {"rule": "ci_se", "ci": ["Results / median / conf_low", "Results / median / conf_high"]}
    # a rule's name, a rule without ci, a rule as the tolerance module states it
    own, _ = expand([{"at": "R", **median, "print": {**median["print"], "estimate": {"at": "median", "tolerance": {"rule": "ci_se", "scale": "linear"}}}, "tolerance": "z_distance"}])
    assert own[0]["tolerance"] == {"rule": "ci_se", "ci": ["R / median / conf_low", "R / median / conf_high"], "scale": "linear"}
    assert own[1]["tolerance"] == {"rule": "z_distance"}
    with pytest.raises(ValueError, match=r"reproduce\[0\]\.print\.p_value: tolerance within_ci needs the printed limits"):
        expand([{"from": "t", "print": {"p_value": "R / p"}, "tolerance": "within_ci", "why": "w"}])


def test_each_repeats_an_entry_at_several_locations(tmp_path):
    from her2cohort.replication.compact import expand

    entries, origins = expand([{"at": "Discussion / literature", "each": ["ORR / %", "/Introduction / n", ["DoR / median", "DoR / restated"]], "not_computable": "literature"}])
    assert entries == [
        {"at": "Discussion / literature / ORR / %", "not_computable": "literature"},
        {"at": "Introduction / n", "not_computable": "literature"},
        {"at": ["Discussion / literature / DoR / median", "Discussion / literature / DoR / restated"], "not_computable": "literature"},
    ]
    assert origins == ["reproduce[0].each[0]", "reproduce[0].each[1]", "reproduce[0].each[2]"]


def test_a_table_template_writes_a_grid_of_cells_once(tmp_path):
    from her2cohort.replication.compact import expand

    table = {
        "table": "Table 2",
        "from": "chars",
        "row": {"row_type": "summary"},
        "columns": {"persistence": "persistent", "loss": {"group": "loss"}},
        "values": {"n": "n", "%": {"compute": "100 * n / total", "with": {"n": {"value": "n"}, "total": {"row": {"group": "Total"}, "value": "n"}}, "note": "row_percent"}},
        "tests": {"p": {"row": {"row_type": "test"}, "value": "p_value", "investigate": ["fisher"]}},
        "rows": {"Gender": {"variable": "sex", "levels": {"Male": "male", "Female": "female"}}, "Age": {"variable": "age_years", "values": ["n"]}},
        "cells": {"Gender / Male / loss / n": {"also": "/Results / male / loss / n", "discrepant": "swapped"}, "Gender / p": {"note": "policy"}},
        "skip": ["* / Female / loss / *", "Age / p"],
    }

    def cell(at, row, value, **extra):
        return {"at": at, "from": "chars", "row": {"row_type": "summary", **row}, "value": value, **extra}

    def percent(at, row):
        full = {"row_type": "summary", **row}
        return {"at": at, "compute": "100 * n / total", "with": {"n": {"from": "chars", "row": full, "value": "n"}, "total": {"from": "chars", "row": {**full, "group": "Total"}, "value": "n"}}, "note": "row_percent"}

    male, female = {"variable": "sex", "level": "male"}, {"variable": "sex", "level": "female"}
    entries, origins = expand([table])
    assert entries == [
        cell("Table 2 / Gender / Male / persistence / n", {**male, "group": "persistent"}, "n"),
        percent("Table 2 / Gender / Male / persistence / %", {**male, "group": "persistent"}),
        cell(["Table 2 / Gender / Male / loss / n", "Results / male / loss / n"], {**male, "group": "loss"}, "n", discrepant="swapped"),
        percent("Table 2 / Gender / Male / loss / %", {**male, "group": "loss"}),
        cell("Table 2 / Gender / Female / persistence / n", {**female, "group": "persistent"}, "n"),
        percent("Table 2 / Gender / Female / persistence / %", {**female, "group": "persistent"}),
        {"at": "Table 2 / Gender / p", "from": "chars", "row": {"row_type": "test", "variable": "sex"}, "value": "p_value", "investigate": ["fisher"], "note": "policy"},
        cell("Table 2 / Age / persistence / n", {"variable": "age_years", "group": "persistent"}, "n"),
        cell("Table 2 / Age / loss / n", {"variable": "age_years", "group": "loss"}, "n"),
    ]
    assert origins[2] == "reproduce[0] (table 'Table 2', cell 'Gender / Male / loss / n')"
    with pytest.raises(ValueError) as error:
        expand([{**table, "cells": {"Gender / Male / total / n": {"note": "x"}}, "skip": ["* / * / nowhere / n"]}])
    assert "reproduce[0].cells: 'Gender / Male / total / n' is not a cell of table 'Table 2'" in str(error.value)
    assert "reproduce[0].skip: '* / * / nowhere / n' matches no cell of table 'Table 2'" in str(error.value)
    with pytest.raises(ValueError, match=r"label True is not text \(quote it"):
        expand([{**table, "rows": {"Gender": {"variable": "sex", "levels": {True: "male"}}}}])


def test_an_expansion_that_maps_a_location_twice_or_not_at_all_names_the_compact_entry(tmp_path):
    table = {"table": "T", "from": "chars", "columns": {"loss": "loss"}, "values": {"n": "n"}, "rows": {"Gender": {"variable": "sex", "levels": {"Male": "male", "Female": "female"}}}}
    row = {"from": "chars", "row": {"variable": "sex", "level": "male", "group": "loss"}}
    twice = [{"at": "T / Gender / Male / loss", **row, "print": {"n": "n", "percent": "%"}}, table]
    with pytest.raises(ValueError) as error:
        _load(tmp_path, twice, ["T / Gender / Male / loss / n", "T / Gender / Male / loss / %", "T / Gender / Female / loss / n", "T / Gender / Female / loss / %"])
    message = str(error.value)
    assert "reproduce[1] (table 'T', cell 'Gender / Male / loss / n'): location 'T / Gender / Male / loss / n' is already mapped by reproduce[0].print.n" in message
    assert "published location 'T / Gender / Female / loss / %' has no entry in reproduce (under reproduce[1] (table 'T'))" in message
    # an expanded entry is checked as if it had been written: a tolerance needs a why
    with pytest.raises(ValueError, match=r"at key 'reproduce\[0\]\.print\.p_value': 'why' is a dependency of 'tolerance'"):
        _load(tmp_path, [{"at": "T", "from": "chars", "print": {"p_value": "p"}, "tolerance": "z_distance"}], ["T / p"])


def test_a_text_is_written_once_in_the_compact_form(tmp_path):
    why = "a hazard ratio on reconstructed survival times"
    hr = {"from": "cox", "print": {"estimate": "HR", "conf_low": "HR / conf_low", "conf_high": "HR / conf_high"}, "tolerance": "ratio", "why": why}
    locations = [f"{p} / {s}" for p in ("PFS", "OS") for s in ("HR", "HR / conf_low", "HR / conf_high")]
    mapping = _load(tmp_path, [{"at": "PFS", **hr}, {"at": "OS", **hr, "why": "hr_reconstructed"}], locations, {"hr_reconstructed": "another text, named"})
    assert [e["why"] for e in mapping["reproduce"]] == [why] * 3 + ["hr_reconstructed"] * 3  # one text, one use, three numbers
    with pytest.raises(ValueError, match=r"reproduce\[1\]\.why repeats the text of reproduce\[0\]: name it under `reasons`"):
        _load(tmp_path, [{"at": "PFS", **hr}, {"at": "OS", **hr}], locations)
    note = "the printed p is the Wald p"
    table = {"table": "T", "from": "chars", "columns": {"loss": "loss"}, "values": {"n": "n"}, "rows": {"Gender": {"variable": "sex"}}, "cells": {"Gender / loss / n": {"note": note}}}
    printed = {"at": "R", "from": "cox", "print": {"p_value": {"at": "p", "note": note}}}
    with pytest.raises(ValueError, match=r"reproduce\[1\]\.cells\['Gender / loss / n'\]\.note repeats the text of reproduce\[0\]\.print\.p_value"):
        _load(tmp_path, [printed, table], ["R / p", "T / Gender / loss / n"])
