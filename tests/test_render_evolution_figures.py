"""The evolution study's figure types and table layouts: alluvial, grouped bar, flow diagram,
Table 1 with row percentages, the shift matrix.

Drawn on small hand-made inputs that stress them (a node of one patient, flows of one,
long exclusion reasons). A figure passes when every number drawn is the input's and no
two texts overlap (their rendered bounding boxes are compared, so a label pushed onto
another fails here before anyone has to look at the PNG).
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from her2cohort.analyses import _shift_table
from her2cohort.numbers import Printed, percent
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.alluvial import alluvial_figure
from her2cohort.render.figures.flow import flow_figure
from her2cohort.render.figures.grouped_bar import grouped_bar_figure
from her2cohort.render.figures.sources import Sources
from her2cohort.render.style import ONE_COLUMN, TWO_COLUMNS
from her2cohort.render.tables import LAYOUTS
from her2cohort.results import Results
from her2cohort.render.tables.baseline_row_percent import row_percentages
from her2cohort.stats.table1 import baseline_table

LEVELS = ["zero", "low", "positive"]
LABELS = {"zero": "HER2-zero", "low": "HER2-low", "positive": "HER2-positive"}


def texts(figure) -> list:
    """(text, rendered bounding box) of every text drawn: the axes' own texts, titles and
    legends, and their tick and axis labels unless the axis is switched off."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    found = list(figure.texts)
    for axis in figure.axes:
        found += list(axis.texts) + [axis.title, axis._left_title, axis._right_title]
        if axis.get_legend() is not None:
            found += list(axis.get_legend().get_texts())
        if axis.axison:
            found += list(axis.get_xticklabels()) + list(axis.get_yticklabels()) + [axis.xaxis.label, axis.yaxis.label]
    found = [t for t in found if t.get_visible() and t.get_text().strip()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in found]


def assert_no_overlap(figure) -> None:
    boxes = texts(figure)
    clashes = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.shrunk(0.98, 0.98).overlaps(box_b.shrunk(0.98, 0.98))]
    assert not clashes, f"overlapping texts: {clashes}"


def shift_table(cells: dict) -> pd.DataFrame:
    rows = [{"before": b, "after": a} for (b, a), n in cells.items() for _ in range(n)]
    return _shift_table(pd.DataFrame(rows), "before", "after", LEVELS)


# a shift table with a node of one patient and flows of one
SPARSE = {("zero", "zero"): 1, ("low", "low"): 40, ("low", "zero"): 1, ("low", "positive"): 2, ("positive", "positive"): 12, ("positive", "low"): 1}


def test_alluvial_draws_every_flow_and_no_label_collides():
    table = shift_table(SPARSE)
    figure, flows = alluvial_figure([{"table": table}], LEVELS, Printed(), level_labels=LABELS, column_labels=("Primary tumour", "Recurrence"), width=ONE_COLUMN)
    assert_no_overlap(figure)
    drawn = flows.set_index(["before", "after"])["n"]
    for (before, after), n in SPARSE.items():
        assert drawn[(before, after)] == n
    assert drawn.sum() == sum(SPARSE.values())
    # a ribbon is as wide at both ends, and only those at least a text line high carry their count
    heights = flows["left_top"] - flows["left_bottom"]
    assert (heights - (flows["right_top"] - flows["right_bottom"])).abs().max() < 1e-12
    labels = [text for text, _ in texts(figure)]
    assert all(str(n) in labels for n in flows.loc[flows["labelled"], "n"])
    assert not flows.loc[flows["n"] == 1, "labelled"].any()
    # node labels give n and % of the panel
    total = sum(SPARSE.values())
    assert f"HER2-low\n43 ({percent(100 * 43 / total)}%)" in labels and f"HER2-zero\n1 ({percent(100 / total)}%)" in labels


def test_alluvial_panels_side_by_side_keep_their_labels_apart():
    panels = [{"table": shift_table(SPARSE), "title": f"{letter}  subgroup"} for letter in "ABC"]
    figure, flows = alluvial_figure(panels, LEVELS, Printed(), level_labels={"zero": "Zero", "low": "Low", "positive": "Positive"}, column_labels=("Primary", "Recurrence"), width=TWO_COLUMNS)
    assert_no_overlap(figure)
    assert sorted(flows["panel"].unique()) == ["A  subgroup", "B  subgroup", "C  subgroup"]


def test_alluvial_figure_type_reads_its_panels_and_counts_them():
    tables = {"all": shift_table(SPARSE), "few": shift_table({("low", "low"): 3, ("zero", "low"): 2})}
    spec = {"panels": [{"from": "all", "title": "A  all (n = {n})"}, {"from": "few", "title": "B  few (n = {n})"}],
            "group_levels": LEVELS, "level_labels": {"zero": "Zero", "low": "Low", "positive": "Positive"}, "labels": ["Primary", "Recurrence"]}
    figure, drawn = FIGURES["alluvial"](Sources(results=Results.from_tables(tables)), spec, Printed())
    assert_no_overlap(figure)
    assert list(drawn) == ["flows"]
    assert sorted(drawn["flows"]["panel"].unique()) == [f"A  all (n = {sum(SPARSE.values())})", "B  few (n = 5)"]


def test_alluvial_refuses_panels_too_narrow_for_their_labels():
    panels = [{"table": shift_table(SPARSE)} for _ in range(6)]
    with pytest.raises(ValueError, match="alluvial panel"):
        alluvial_figure(panels, LEVELS, Printed(), level_labels=LABELS, width=ONE_COLUMN)


def test_grouped_bar_heights_are_the_percentages():
    cells = pd.DataFrame([
        {"group": g, "level": level, "n": n, "denominator": d, "percent": 100 * n / d}
        for g, d, counts in (("Total", 247, (53, 127, 67)), ("positive", 135, (23, 92, 20)), ("negative", 112, (30, 35, 47)))
        for level, n in zip(LEVELS, counts)
    ])
    figure = grouped_bar_figure(cells, Printed(), levels=LEVELS, groups=["Total", "positive", "negative"], level_labels=LABELS,
                                group_labels={"Total": "All", "positive": "HR-positive", "negative": "HR-negative"}, annotation="Chi-square test: p < 0.001")
    assert_no_overlap(figure)
    heights = [patch.get_height() for patch in figure.axes[0].patches]
    assert len(heights) == 9
    assert sorted(heights) == pytest.approx(sorted(cells["percent"]))
    labels = [text for text, _ in texts(figure)]
    assert "HR-positive\n(n = 135)" in labels and "68.1%" in labels and "92" in labels


def test_flow_diagram_shows_every_step_and_exclusion():
    flow = pd.DataFrame([
        {"step": 0, "label": "Registry of relapsed breast cancer after surgery", "n_remaining": 260, "n_excluded": 0, "reason": ""},
        {"step": 1, "label": "IHC of the primary tumour known", "n_remaining": 251, "n_excluded": 9, "reason": "unknown HER2 IHC of the primary tumour, including the specimens that could not be retrieved from the archive"},
        {"step": 2, "label": "IHC of the recurrence known", "n_remaining": 247, "n_excluded": 4, "reason": "unknown HER2 IHC of the recurrent tumour"},
        {"step": 3, "label": "Recurrence biopsied", "n_remaining": 247, "n_excluded": 0, "reason": "no biopsy"},
        {"step": 4, "label": "Follow-up known", "n_remaining": 247, "n_excluded": 0, "reason": "no follow-up"},
    ])
    figure = flow_figure(flow, Printed())
    assert_no_overlap(figure)
    drawn = "\n".join(text for text, _ in texts(figure)).replace("\n", " ")
    for value in ("(n = 260)", "(n = 251)", "Analysed: Follow-up known (n = 247)", "Excluded (n = 9)", "Excluded (n = 4)"):
        assert value in drawn
    # CONSORT draws no box for a step that excluded nobody, and nothing but boxes and arrows
    assert "n = 0" not in drawn and "Recurrence biopsied" not in drawn and "IHC of the recurrence known (n = 247)" in drawn
    assert drawn.count("Excluded") == 2


def test_new_figure_types_are_in_the_catalogue():
    assert {"alluvial", "flow", "grouped_bar"} <= set(FIGURES)
    flow = pd.DataFrame([{"step": 0, "label": "Registry", "n_remaining": 5, "n_excluded": 0, "reason": ""}])
    figure, drawn = FIGURES["flow"](Sources(results=Results.from_tables({}), flow=flow), {}, Printed())
    assert list(drawn) == ["flow"] and len(drawn["flow"]) == 1


# ----------------------------------------------------------------------- table layouts

def small_cohort() -> pd.DataFrame:
    rows = []
    for group, counts in (("zero", {"LRR": 2, "DM": 1}), ("low", {"LRR": 3, "DM": 5}), ("positive", {"LRR": 1, "DM": 0})):
        for relapse, n in counts.items():
            rows += [{"her2": group, "relapse": relapse, "age": 40 + len(rows)} for _ in range(n)]
    return pd.DataFrame(rows)


def test_row_percentages_are_of_the_row():
    tidy = baseline_table(small_cohort(), ["relapse", {"name": "age", "kind": "continuous"}], group="her2", group_levels=LEVELS, policy="chisq")
    table = row_percentages(tidy)
    lrr = table[(table["row_type"] == "summary") & (table["level"] == "LRR")].set_index("group")
    assert lrr.loc["Total", "n"] == 6
    assert lrr.loc["zero", "percent"] == pytest.approx(100 * 2 / 6)
    assert lrr.loc["low", "percent"] == pytest.approx(100 * 3 / 6)
    assert (lrr["denominator"] == 6).all()
    display, tidy_out = LAYOUTS["baseline_row_percent"](Results.from_tables({"t": tidy}), {"from": "t", "group_labels": {"Total": "Total n"}}, Printed())
    row = display[display["Level"] == "DM"].iloc[0]
    assert row["Total n"] == "6"  # counts only in the total column
    assert row["low"] == "5 (83.3)" and row["positive"] == "0 (0.0)"
    assert display.iloc[0]["p"] != ""  # the test's p is kept
    age = display[display["Characteristic"] == "age"].iloc[0]
    assert "(" in age["Total n"] and age["Level"] == ""  # continuous rows keep median (range)
    assert set(tidy_out.loc[tidy_out["group"] != "test", "percent_of"]) <= {"row", ""}


def test_shift_matrix_rows_margins_and_changes():
    cells = {("zero", "zero"): 2, ("zero", "low"): 3, ("low", "low"): 4, ("positive", "low"): 1, ("positive", "positive"): 2}
    table = shift_table(cells)
    display, tidy = LAYOUTS["shift_matrix"](Results.from_tables({"s": table}), {"blocks": [{"label": "All", "from": "s"}], "level_labels": LABELS, "before_heading": "Primary", "after_heading": "Recurrence"}, Printed())
    assert list(display["Primary"]) == ["HER2-zero", "HER2-low", "HER2-positive", "Total"]
    zero = display.iloc[0]
    assert zero["Recurrence: HER2-low"] == "3 (60.0)" and zero["Total"] == "5 (41.7)" and zero["Changed"] == "3 (60.0)"
    total = display.iloc[-1]
    assert total["Recurrence: HER2-low"] == "8 (66.7)" and total["Total"] == "12" and total["Changed"] == "4 (33.3)"
    assert tidy[tidy["before"] == "discordant"]["n"].iloc[0] == 4
