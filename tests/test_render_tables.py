"""Journal formats and the Markdown / LaTeX / Word renderings of a tidy Table 1."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.numbers import Printed
from her2cohort.numbers import estimate_ci as format_estimate_ci
from her2cohort.numbers import median_range as format_median_range
from her2cohort.numbers import n_percent as format_n_percent
from her2cohort.numbers import p_value as format_p
from her2cohort.render.export import to_docx, to_latex, to_markdown
from her2cohort.render.tables import LAYOUTS
from her2cohort.results import Results
from her2cohort.stats.table1 import baseline_table


@pytest.mark.parametrize(
    ("p", "printed"),
    [(0.0471, "0.047"), (0.0465, "0.047"), (0.00099, "< 0.001"), (0.001, "0.001"), (1.0, "1.000"), (0.2, "0.200"), (math.nan, "\u2013")],
)
def test_p_values_print_as_journals_print_them(p, printed):
    assert format_p(p) == printed


def test_counts_medians_and_intervals():
    assert format_n_percent(26, 76.47) == "26 (76.5)"
    # exact ties round half up as journals print (Python and R's sprintf give 31.2, 81.2)
    assert format_n_percent(5, 100 * 5 / 16) == "5 (31.3)"
    assert format_n_percent(39, 100 * 39 / 48) == "39 (81.3)"
    assert format_median_range(57, 29, 79) == "57 (29\u201379)"
    assert format_median_range(5.41, 1.2, 12.3, 2) == "5.41 (1.20\u201312.30)"
    assert format_estimate_ci(29.3, 20.5, math.nan, 1) == "29.3 (20.5\u2013NR)"
    # a median not reached (R's survfit: NA) prints NR; an NA ratio stays a dash
    assert format_estimate_ci(math.nan, 20.5, math.nan, 1, na_estimate="NR") == "NR (20.5\u2013NR)"
    assert format_estimate_ci(math.nan, math.nan, math.nan) == "\u2013"


@pytest.fixture(scope="module")
def display() -> pd.DataFrame:
    data = pd.read_csv(ROOT / "tests" / "data" / "table1_patients.csv", keep_default_na=False, na_values=[""])
    tidy = baseline_table(data, [{"name": "age", "kind": "continuous"}, "sex", {"name": "metastatic_sites", "kind": "multi", "levels": ["liver", "lung"]}], "group", group_levels=["heterogeneous", "homogeneous"])
    return LAYOUTS["baseline"](Results.from_tables({"t": tidy}), {"from": "t"}, Printed())[0]


def test_display_layout(display):
    assert list(display.columns) == ["Characteristic", "Level", "Total", "heterogeneous", "homogeneous", "p", "Test"]
    sex = display[display["Level"].isin(["female", "male"])]
    assert sex["p"].tolist()[1] == ""  # p once per categorical variable
    assert sex["p"].tolist()[0] == "0.773"  # R: chisq.test(correct = FALSE), tests/fixtures/r/table1
    organs = display[display["Level"].isin(["liver", "lung"])]
    assert organs["p"].tolist() == ["0.481", "0.561"]  # one test per level of a multi-valued variable
    assert display.iloc[0]["Total"] == "61 (32\u201385)"


def test_markdown_and_latex(display):
    markdown = to_markdown(display)
    assert markdown.splitlines()[1] == "|" + "---|" * len(display.columns)
    assert len(markdown.splitlines()) == len(display) + 2
    latex = to_latex(pd.DataFrame({"a": ["5% & <0.001"], "b": ["x_y"]}), caption="T", label="tab:t")
    assert r"5\% \& $<$0.001 & x\_y \\" in latex
    assert r"\toprule" in latex and r"\caption*{T}" in latex  # an unnumbered title: no "Table 1:" added


def test_word_document_is_readable_and_byte_stable(display, tmp_path):
    from docx import Document

    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    to_docx(display, first, "Table 1")
    to_docx(display, second, "Table 1")
    assert first.read_bytes() == second.read_bytes()
    table = Document(str(first)).tables[0]
    assert [c.text for c in table.rows[0].cells] == list(display.columns)
    assert len(table.rows) == len(display) + 1


def test_estimates_layout_prints_a_median_not_reached_as_nr():

    medians = pd.DataFrame([
        {"term": "median", "group": "homo", "estimate": math.nan, "conf_low": 20.5, "conf_high": math.nan, "p_value": math.nan, "method": "Kaplan-Meier"},
        {"term": "median", "group": "hetero", "estimate": 12.04, "conf_low": 8.1, "conf_high": 16.2, "p_value": math.nan, "method": "Kaplan-Meier"},
    ])
    spec = {"rows": [{"label": g, "from": "os_median", "row": {"group": g}, "decimals": 1} for g in ("homo", "hetero")]}
    display, _ = LAYOUTS["estimates"](Results.from_tables({"os_median": medians}), spec, Printed())
    assert list(display["Estimate (95% CI)"]) == ["NR (20.5\u2013NR)", "12.0 (8.1\u201316.2)"]


def test_estimates_layout_prints_a_follow_up_of_all_patients_with_its_range():
    # A median follow-up of all patients has no CI: "interval: range" prints its
    # range (min_time-max_time), never "16.2 (NR-NR)"; the tidy table names the limits.
    from her2cohort.stats.kaplan_meier import median_follow_up

    data = pd.DataFrame({"time": [2.9, 10.0, 16.2, 20.0, 59.2], "event": [1, 1, 0, 1, 0]})
    tables = {
        "follow_up_all_patients": median_follow_up(data, "time", "event", method="all_patients"),
        "follow_up": median_follow_up(data, "time", "event"),
    }
    spec = {"rows": [
        {"label": "Median follow-up: observed time of all patients (range)", "from": "follow_up_all_patients", "decimals": 1, "p": False, "interval": "range"},
        {"label": "Median follow-up: reverse Kaplan-Meier (95% CI)", "from": "follow_up", "decimals": 1, "p": False},
    ]}
    display, tidy = LAYOUTS["estimates"](Results.from_tables(tables), spec, Printed())
    assert display["Estimate (95% CI)"].iloc[0] == "16.2 (range 2.9\u201359.2)"
    assert "range" not in display["Estimate (95% CI)"].iloc[1]
    assert (tidy["range_low"].iloc[0], tidy["range_high"].iloc[0]) == (2.9, 59.2)
    assert math.isnan(tidy["conf_low"].iloc[0]) and math.isnan(tidy["range_low"].iloc[1])
