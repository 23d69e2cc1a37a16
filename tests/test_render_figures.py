"""Figures: journal style, numbers at risk aligned with the ticks, byte-identical files, every
number drawn printed by her2cohort.numbers and recorded, every text drawn listed."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.numbers import Printed, reprint
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.draw import Sources, draw_figures, drawn_texts
from her2cohort.render.figures.km import km_figure
from her2cohort.render.style import ONE_COLUMN, save_figure
from her2cohort.results import Results
from her2cohort.stats.kaplan_meier import kaplan_meier, numbers_at_risk

TIMES = [0, 6, 12, 18, 24, 30]


@pytest.fixture(scope="module")
def lung_fit():
    lung = pd.read_csv(ROOT / "tests" / "data" / "lung.csv")
    lung = lung.assign(event=lung["status"] - 1, months=lung["time"] / 30.4375, sex=lung["sex"].map({1: "male", 2: "female"}))
    fit = kaplan_meier(lung, "months", "event", "sex")
    return fit, numbers_at_risk(fit, TIMES)


def test_km_figure_files_are_byte_identical_and_undated(lung_fit, tmp_path):
    fit, risk = lung_fit
    first = save_figure(km_figure(fit, risk, Printed(), annotation="Log-rank p = 0.001"), tmp_path / "a" / "km")
    second = save_figure(km_figure(fit, risk, Printed(), annotation="Log-rank p = 0.001"), tmp_path / "b" / "km")
    assert [p.suffix for p in first] == [".pdf", ".svg", ".png", ".tiff"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.suffix
    svg = first[1].read_text()
    assert "<dc:date>" not in svg and not re.search(rb"CreationDate", first[0].read_bytes())


def test_numbers_at_risk_are_drawn_under_their_ticks(lung_fit, tmp_path):
    fit, risk = lung_fit
    printed = Printed()
    figure = km_figure(fit, risk, printed, kmunicate=True)
    axis, table = figure.axes
    drawn = {(round(text.get_position()[0], 6), text.get_text()) for text in table.texts}
    for _, row in risk.iterrows():
        assert (float(row["time"]), str(int(row["n_risk"]))) in drawn
        assert (float(row["time"]), str(int(row["cum_events"]))) in drawn
    assert list(axis.get_xticks()) == TIMES
    # every count drawn is recorded, with its format, as printed
    assert {(r["kind"], r["text"]) for r in printed.records} == {("count", t) for _, t in drawn}
    assert figure.get_size_inches()[0] == pytest.approx(ONE_COLUMN)
    save_figure(figure, tmp_path / "km")


def test_png_is_300_dpi(lung_fit, tmp_path):
    from PIL import Image

    fit, risk = lung_fit
    png = save_figure(km_figure(fit, risk, Printed()), tmp_path / "km", formats=("png",))[0]
    dpi = Image.open(png).info["dpi"]
    assert round(dpi[0]) == 300


# ------------------------------------------------------------- the printed-numbers contract


def _her2_by_hr() -> pd.DataFrame:
    """A grouped baseline table as the analyses write it: HER2 group by HR status (the evolution study's Fig. 1)."""
    rows = [{"variable": "her2", "row_type": "test", "group": "test", "level": "", "n": None, "denominator": None, "percent": None,
             "method": "Pearson's Chi-squared test", "p_value": 0.00012}]
    for group, denominator, counts in (("Total", 247, (53, 127, 67)), ("positive", 135, (23, 92, 20)), ("negative", 112, (30, 35, 47))):
        for level, n in zip(("zero", "low", "positive"), counts):
            rows.append({"variable": "her2", "row_type": "summary", "group": group, "level": level, "n": n, "denominator": denominator,
                         "percent": 100 * n / denominator, "method": None, "p_value": None})
    return pd.DataFrame(rows)


SPEC = {"id": "bars", "type": "grouped_bar", "from": "her2_by_hr", "variable": "her2", "levels": ["zero", "low", "positive"], "group_levels": ["Total", "positive", "negative"]}


def test_a_figure_prints_its_numbers_as_the_tables_do(tmp_path):
    """35 of 112 is 31.25%: Table 1 prints 31.3 (half up on the decimal), and so does the bar chart
    (``:.1f`` printed 31.2, rounding the binary value to even)."""
    sources = Sources(results=Results.from_tables({"her2_by_hr": _her2_by_hr()}))
    assert draw_figures(sources, [SPEC], tmp_path, "study.yaml") == ["bars: grouped_bar"]
    texts = pd.read_csv(tmp_path / "bars_texts.csv", dtype=str, keep_default_na=False)
    numbers = pd.read_csv(tmp_path / "bars_numbers.csv", dtype=str, keep_default_na=False)
    assert "31.3%" in set(texts["text"]) and "31.2%" not in set(texts["text"])
    assert "Chi-square test: p < 0.001" in set(texts["text"])
    # every number drawn was printed by her2cohort.numbers, and reprints from its recorded value
    assert [reprint(r.kind, r.values, r.options) for r in numbers.itertuples()] == list(numbers["text"])
    drawn = "\n".join(texts["text"])
    assert all(text in drawn for text in numbers["text"])
    low = numbers[numbers["source"].str.contains("group: negative, level: low")]
    assert list(low["text"]) == ["31.3", "35"] and list(low["kind"]) == ["percent", "count"]


def test_the_texts_of_a_figure_are_the_drawn_ones():
    figure, _ = FIGURES["grouped_bar"](Sources(results=Results.from_tables({"her2_by_hr": _her2_by_hr()})), SPEC, Printed())
    texts = drawn_texts(figure)
    assert list(texts.columns) == ["element", "role", "text"] and (texts["text"].str.strip() != "").all()
    ticks = texts[texts["role"] == "y tick"]["text"].str.replace("\u2212", "-").astype(float)
    low, high = figure.axes[0].get_ylim()
    assert len(ticks) > 2 and ticks.between(low, high).all()  # the ticks past the view are not drawn
    assert list(texts[texts["role"] == "x tick"]["text"]) == ["Total\n(n = 247)", "positive\n(n = 135)", "negative\n(n = 112)"]
    assert texts.equals(drawn_texts(figure))  # the same figure, the same rows in the same order


def test_a_flow_figure_can_show_what_the_guideline_left_undecided(tmp_path):
    from her2cohort import classify

    flow = pd.DataFrame({"step": [0, 1], "label": ["Registry", "Biopsied"], "n_remaining": [150, 140], "n_excluded": [0, 10], "reason": ["", "no biopsy"]})
    specimens = pd.DataFrame({"timepoint": "primary", "ihc_score": pd.array([2] * 123 + [3] * 10 + [1] * 7, dtype="Int64"), "ish_ratio": [2.5] * 123 + [None] * 17})
    summary = classify.classification_summary(classify.classify_specimens(specimens, "asco_cap_2018"), "asco_cap_2018")
    spec = {"id": "flow", "type": "flow", "legend": "c", "classification": True}
    lines = draw_figures(Sources(Results.from_tables({}), flow=flow, classification=summary), [spec], tmp_path, "study.yaml")
    assert lines == ["flow: flow"]
    texts = pd.read_csv(tmp_path / "flow_texts.csv")["text"].tolist()
    box = next(t for t in texts if t.startswith("Specimens by asco_cap_2018"))
    assert box.replace("\n", " ").startswith("Specimens by asco_cap_2018 (n = 140): 10 positive, 7 negative, 123 indeterminate 123 indeterminate: IHC 2+, ISH ratio")
    numbers = pd.read_csv(tmp_path / "flow_numbers.csv")
    assert sorted(numbers.loc[numbers["where"] == "classification box", "text"].astype(int)) == [7, 10, 123, 123, 140]
    assert pd.read_csv(tmp_path / "flow_classification.csv")["n_specimens"].sum() == 140
