"""Depth-of-response and count charts (her2cohort.render.figures: waterfall, dot_plot, count_scatter):
what each draws, in which order, and that the files are byte-identical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from her2cohort.numbers import Printed
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.count_scatter import count_scatter
from her2cohort.render.figures.dot_plot import dot_plot, dot_plot_figure
from her2cohort.render.figures.sources import Sources
from her2cohort.render.figures.waterfall import RECIST_THRESHOLDS, waterfall_figure
from her2cohort.render.style import PALETTE, save_figure
from her2cohort.results import Results

# nine patients: two groups, one tie across groups, one without measurable disease
DATA = pd.DataFrame({
    "group": ["a", "a", "b", "b", "a", "b", "b", "a", "b"],
    "change": [-100.0, -40.0, 25.0, -40.0, 10.0, -65.0, np.nan, -30.0, -5.0],
})


def test_waterfall_draws_one_bar_per_measurable_patient_sorted_and_coloured():
    figure, bars = waterfall_figure(DATA, "change", Printed(), group="group", group_levels=["a", "b"], group_labels={"a": "A", "b": "B"})
    axis = figure.axes[0]
    patches = axis.patches
    assert len(patches) == 8 == len(bars)  # the patient without a best % change has no bar
    heights = [p.get_height() for p in patches]
    assert heights == sorted(heights, reverse=True)  # largest increase left, deepest shrinkage right
    assert heights == list(bars["value"])
    assert list(bars["position"]) == list(range(1, 9))
    # the tie at -40%: declared group order first (a before b)
    tie = bars[bars["value"] == -40.0]
    assert list(tie["group"]) == ["a", "b"]
    colours = {"a": to_hex(PALETTE[0]), "b": to_hex(PALETTE[1])}
    assert [to_hex(p.get_facecolor()) for p in patches] == [colours[g] for g in bars["group"]]
    # RECIST 1.1 lines at -30% and +20% (and the zero line)
    lines = {round(line.get_ydata()[0], 6) for line in axis.get_lines()}
    assert set(RECIST_THRESHOLDS) <= lines and 0 in lines
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["A (n = 4)", "B (n = 4)"]
    assert "patient_key" not in bars.columns


def test_dot_plot_medians_and_quartiles_are_r_type_7():
    figure, points, summary = dot_plot_figure(DATA, "change", "group", Printed(), group_levels=["a", "b"], p_text="Mann-Whitney U: p = 0.500")
    a = summary.set_index("group").loc["a"]
    values = np.array([-100.0, -40.0, 10.0, -30.0])
    # R 4.2: quantile(c(-100, -40, 10, -30), type = 7) -> 25%: -55, 50%: -35, 75%: -20
    assert (a["q1"], a["median"], a["q3"]) == (-55.0, -35.0, -20.0)
    assert sorted(points.loc[points["group"] == "a", "value"]) == sorted(values)
    assert len(points) == 8
    assert any(t.get_text() == "Mann-Whitney U: p = 0.500" for t in figure.axes[0].texts)


def test_equal_values_are_spread_side_by_side():
    tied = pd.DataFrame({"group": ["a"] * 3 + ["b"], "change": [-100.0, -100.0, -100.0, 5.0]})
    _, points, _ = dot_plot_figure(tied, "change", "group", Printed(), group_levels=["a", "b"])
    offsets = sorted(points.loc[points["group"] == "a", "x"])
    assert offsets[0] < offsets[1] < offsets[2] and offsets[1] == pytest.approx(0.0)


def _sources(analysis_set: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> Sources:
    return Sources(results=Results.from_tables(tables), analysis_set=analysis_set)


def test_catalogue_entries_and_byte_identical_files(tmp_path):
    assert {"waterfall", "dot_plot", "count_scatter"} <= set(FIGURES)
    test = pd.DataFrame([{"method": "Wilcoxon rank sum test with continuity correction", "p_value": 0.0307}])
    sources = _sources(DATA, {"depth": test})
    spec = {"value": "change", "group": "group", "group_levels": ["a", "b"], "test": "depth", "where": "not is_missing(change)"}
    printed = Printed()
    figure, drawn = dot_plot(sources, spec, printed)
    assert any(t.get_text() == "Mann-Whitney U: p = 0.031" for t in figure.axes[0].texts)
    assert set(drawn) == {"points", "summary"}
    first = save_figure(figure, tmp_path / "a" / "dots")
    second = save_figure(dot_plot(sources, spec, Printed())[0], tmp_path / "b" / "dots")
    for x, y in zip(first, second):
        assert x.read_bytes() == y.read_bytes(), x.suffix
    figure, drawn = FIGURES["waterfall"](sources, spec, Printed())
    assert len(drawn["bars"]) == 8


def test_count_scatter_draws_every_patient_and_the_medians_reached():
    data = pd.DataFrame({
        "n": [1, 1, 2, 2, 2, 3, 1, 3],
        "months": [5.0, 9.0, 12.0, 3.0, 12.0, 20.0, 7.0, 2.0],
        "event": [1, 0, 1, 1, 1, 0, 1, 1],
        "g": ["x"] * 6 + ["y"] * 2,
    })
    medians = pd.DataFrame({"group": [1, 2, 3], "estimate": [9.0, 12.0, np.nan], "n": [2, 3, 1], "note": ["", "", "median not reached (NR)"]})
    cox = pd.DataFrame([{"row_kind": "coefficient", "term": "n", "estimate": 1.1, "conf_low": 0.8, "conf_high": 1.5, "p_value": 0.4}])
    sources = _sources(data, {"medians": medians, "cox": cox})
    spec = {"x": "n", "unit": "fragment", "panels": [{"title": "x", "time": "months", "event": "event", "where": "g == 'x'", "medians": "medians", "cox": "cox"}]}
    figure, drawn = count_scatter(sources, spec, Printed())
    axis = figure.axes[0]
    assert len(drawn["points"]) == 6
    filled, hollow = axis.collections[0].get_offsets(), axis.collections[1].get_offsets()
    assert len(filled) == 4 and len(hollow) == 2  # events and censored
    # the two equal points (2, 12.0) sit side by side, not on top of each other
    twelve = sorted(x for x, y in np.asarray(filled) if y == 12.0)
    assert len(twelve) == 2 and twelve[0] < 2 < twelve[1]
    bars = [line for line in axis.get_lines() if len(line.get_ydata()) == 2 and line.get_ydata()[0] == line.get_ydata()[1]]
    assert sorted(line.get_ydata()[0] for line in bars) == [9.0, 12.0]  # the NR median is not drawn
    assert any("HR per fragment 1.10 (0.80\u20131.50)" in t.get_text() for t in axis.texts)


def test_draw_figures_writes_every_file_and_names_a_spec_that_does_not_fit(tmp_path):
    from her2cohort.errors import StudyConfigError
    from her2cohort.render.figures.draw import draw_figures

    test = pd.DataFrame([{"method": "Wilcoxon rank sum test with continuity correction", "p_value": 0.0307}])
    sources = _sources(DATA, {"depth": test})
    base = {"value": "change", "group": "group", "group_levels": ["a", "b"]}
    specs = [{"id": "dots", "type": "dot_plot", "test": "depth", **base}, {"id": "bars", "type": "waterfall", **base}]
    assert draw_figures(sources, specs, tmp_path / "out", "study.yaml") == ["dots: dot_plot", "bars: waterfall"]
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted([f"{i}.{x}" for i in ("dots", "bars") for x in ("pdf", "svg", "png", "tiff")] + ["dots_points.csv", "dots_summary.csv", "bars_bars.csv"]
                             + [f"{i}_{kind}.csv" for i in ("dots", "bars") for kind in ("numbers", "texts")])
    bad = [specs[0], {"id": "broken", "type": "dot_plot", **base, "value": "no_such_column"}]
    with pytest.raises(StudyConfigError, match="study.yaml: figure 'broken'"):
        draw_figures(sources, bad, tmp_path / "bad", "study.yaml")
