"""Figures a journal takes: the declared width exactly, no text under 6 pt in the declared family,
TIFF beside PDF/SVG/PNG, multi-panel figures with their letters, Kaplan-Meier axes that reach
the last observation, annotations off the curves, HRs that name their comparison, the study's
cutoff on the ROC curve, a beeswarm, one row order in both transition views, no ASCII signs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from her2cohort.errors import StudyConfigError
from her2cohort.numbers import Printed
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.dot_plot import beeswarm_offsets
from her2cohort.render.figures.draw import Sources, draw_figures
from her2cohort.render.figures.km import _drawn_boxes, extended_times, hazard_ratio_name, km_figure
from her2cohort.render.style import FONT_FLOOR, MM, TWO_COLUMNS, save_figure, width_of
from her2cohort.results import Results
from her2cohort.stats.kaplan_meier import kaplan_meier, numbers_at_risk

TIMES = [0, 6, 12, 18, 24]  # the lung data run to 33.6 months: the axis must reach them


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    lung = pd.read_csv(ROOT / "tests" / "data" / "lung.csv")
    return lung.assign(event=lung["status"] - 1, months=lung["time"] / 30.4375, sex=lung["sex"].map({1: "male", 2: "female"}))


@pytest.fixture(scope="module")
def lung_fit(lung):
    return kaplan_meier(lung, "months", "event", "sex")


def _sources(lung_fit, lung) -> Sources:
    tables = {
        "km_all": lung_fit.assign(analysis="km_all"),
        "km_old": kaplan_meier(lung[lung["age"] >= 63], "months", "event", "sex").assign(analysis="km_old"),
        "cox": pd.DataFrame([{"term": "sex:female vs male", "estimate": 0.588, "conf_low": 0.424, "conf_high": 0.816, "p_value": 0.00149, "row_kind": "coefficient"}]),
    }
    return Sources(results=Results.from_tables(tables))


def _km_spec(id_: str, source: str, **extra) -> dict:
    return {"id": id_, "type": "km", "legend": "c", "from": source, "times": TIMES, "group_levels": ["male", "female"],
            "group_labels": {"male": "Male", "female": "Female"}, "xlabel": "Months", "ylabel": "Overall survival", **extra}


def _pdf_page_mm(path) -> tuple[float, float]:
    box = re.search(rb"/MediaBox \[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", path.read_bytes())
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    return (x1 - x0) / 72 * 25.4, (y1 - y0) / 72 * 25.4


def _svg_font_sizes(path) -> list[tuple[float, str]]:
    """(size in pt, family) of every text of an SVG written with svg.fonttype none."""
    styles = re.findall(r'<text style="([^"]*)"', path.read_text(encoding="utf-8"))
    found = []
    for style in styles:
        size = re.search(r"font-size: ([\d.]+)px", style)
        family = re.search(r"font-family: ([^;]+)", style)
        found.append((float(size.group(1)), family.group(1).strip("'\" ")))
    return found


# ------------------------------------------------------------------ the file as a journal takes it


@pytest.mark.parametrize("width", ["one_column", "two_columns", 120])
def test_the_saved_file_is_exactly_the_declared_width(lung_fit, tmp_path, width):
    risk = numbers_at_risk(lung_fit, TIMES)
    inches = width_of(width)
    files = save_figure(km_figure(lung_fit, risk, Printed(), width=inches, annotation="Log-rank p = 0.001"), tmp_path / "km")
    millimetres = {"one_column": 85, "two_columns": 174, 120: 120}[width]
    pdf, svg, png, tiff = files
    assert _pdf_page_mm(pdf)[0] == pytest.approx(millimetres, abs=0.01)
    svg_width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg.read_text()).group(1))
    assert svg_width / 72 * 25.4 == pytest.approx(millimetres, abs=0.01)
    from PIL import Image

    assert Image.open(png).size[0] == pytest.approx(millimetres / 25.4 * 300, abs=1)
    image = Image.open(tiff)
    assert image.info["compression"] == "tiff_lzw" and round(image.info["dpi"][0]) == 300 and image.mode == "RGB"
    assert image.size[0] == pytest.approx(millimetres / 25.4 * 300, abs=1)


def test_no_text_is_under_the_floor_and_all_are_in_the_declared_family(lung_fit, tmp_path):
    figure = km_figure(lung_fit, numbers_at_risk(lung_fit, TIMES), Printed())
    figure.axes[0].text(0.5, 0.5, "tiny", fontsize=4, transform=figure.axes[0].transAxes)
    svg = save_figure(figure, tmp_path / "km", formats=("svg",), family="Liberation Sans")[0]
    sizes = _svg_font_sizes(svg)
    assert len(sizes) > 20 and min(size for size, _ in sizes) >= FONT_FLOOR
    assert {family for _, family in sizes} == {"Liberation Sans"}


@pytest.mark.parametrize("transparent", [False, True])
def test_a_300_dpi_tiff_made_from_the_png_is_the_tiff_drawn_alone(lung_fit, tmp_path, transparent):
    """At the PNG's 300 dpi the TIFF takes the PNG's pixels instead of drawing the figure again:
    the same file as drawing it alone, for an opaque figure and one with a transparent background."""
    risk = numbers_at_risk(lung_fit, TIMES)
    files = []
    for folder, formats in (("both", ("png", "tiff")), ("alone", ("tiff",))):
        figure = km_figure(lung_fit, risk, Printed(), annotation="Log-rank p = 0.001")
        if transparent:
            figure.patch.set_alpha(0)
        files.append(save_figure(figure, tmp_path / folder / "km", formats=formats)[-1])
    assert files[0].read_bytes() == files[1].read_bytes()


def test_line_art_tiff_is_600_dpi(tmp_path, lung, lung_fit):
    draw_figures(_sources(lung_fit, lung), [_km_spec("km", "km_all")], tmp_path, "study.yaml")
    from PIL import Image

    assert round(Image.open(tmp_path / "km.tiff").info["dpi"][0]) == 600


def test_a_drawing_too_wide_for_its_width_is_an_error_not_a_cropped_file(tmp_path):
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(85 * MM, 1))
    axis = figure.add_axes((0.1, 0.1, 0.8, 0.8))
    axis.legend(handles=[plt.Line2D([], [], label="a very long legend entry " * 6)], loc="lower left", bbox_to_anchor=(0, 1))
    with pytest.raises(ValueError, match="does not fit the declared width of 85 mm"):
        save_figure(figure, tmp_path / "wide")


# ------------------------------------------------------------------ multi-panel figures


def test_a_multi_panel_figure_has_its_letters_titles_and_every_panel(tmp_path, lung, lung_fit):
    specs = [
        _km_spec("km_a", "km_all", cox="cox"),
        _km_spec("km_b", "km_old"),
        {"id": "figure", "type": "multi_panel", "legend": "c", "panels": ["km_a", "km_b"], "titles": ["All patients", "Aged 63 or more"],
         "layout": [1, 2], "panel_labels": "upper", "width": "two_columns"},
    ]
    assert draw_figures(_sources(lung_fit, lung), specs, tmp_path, "study.yaml")[-1] == "figure: multi_panel"
    texts = pd.read_csv(tmp_path / "figure_texts.csv", dtype=str, keep_default_na=False)
    assert {"A", "B", "All patients", "Aged 63 or more"} <= set(texts["text"])
    assert (texts["text"] == "Number at risk").sum() == 2  # both panels drawn in full
    svg = (tmp_path / "figure.svg").read_text(encoding="utf-8")
    assert len(re.findall(r'<text style="font-weight: 700', svg)) == 2  # the letters, bold
    assert _pdf_page_mm(tmp_path / "figure.pdf")[0] == pytest.approx(174, abs=0.01)
    numbers = pd.read_csv(tmp_path / "figure_numbers.csv", dtype=str, keep_default_na=False)
    assert numbers["where"].str.startswith("panel A, ").any() and numbers["where"].str.startswith("panel B, ").any()
    assert {"figure_A_at_risk.csv", "figure_B_at_risk.csv"} <= {p.name for p in tmp_path.iterdir()}


def test_a_multi_panel_figure_names_an_unknown_panel(tmp_path, lung, lung_fit):
    spec = {"id": "figure", "type": "multi_panel", "legend": "c", "panels": ["km_a", "km_z"]}
    with pytest.raises(StudyConfigError, match="'km_z' is not a figure of this study"):
        draw_figures(_sources(lung_fit, lung), [_km_spec("km_a", "km_all"), spec], tmp_path, "study.yaml")


# ------------------------------------------------------------------ Kaplan-Meier


def test_the_time_axis_reaches_the_last_observation(tmp_path, lung, lung_fit):
    last = float(lung_fit["time"].max())
    assert extended_times(TIMES, last) == [0, 6, 12, 18, 24, 30, 36] and last > 30
    figure, drawn = FIGURES["km"](_sources(lung_fit, lung), _km_spec("km", "km_all"), Printed())
    axis = figure.axes[0]
    assert axis.get_xlim()[1] >= last and max(axis.get_xticks()) >= last
    assert sorted(drawn["at_risk"]["time"].unique()) == [0, 6, 12, 18, 24, 30, 36]


def test_the_annotation_stands_where_the_curves_are_not_and_names_its_comparison(lung, lung_fit):
    spec = _km_spec("km", "km_all", cox="cox")
    figure, _ = FIGURES["km"](_sources(lung_fit, lung), spec, Printed())
    axis = figure.axes[0]
    (annotation,) = axis.texts
    assert "HR Female vs Male\n0.59 (0.42\u20130.82), p = 0.001" in annotation.get_text()
    renderer = figure.canvas.get_renderer()
    extent = annotation.get_window_extent(renderer)
    assert not any(extent.overlaps(box) for box in _drawn_boxes(axis, renderer))
    assert axis.get_window_extent(renderer).contains(extent.x0, extent.y0) and axis.get_window_extent(renderer).contains(extent.x1, extent.y1)


def test_the_y_label_stands_by_its_axis_whatever_the_at_risk_labels(lung, lung_fit, tmp_path):
    labels = {"male": "Male patients of the trial, all ages", "female": "Female patients of the trial, all ages"}
    figure, _ = FIGURES["km"](_sources(lung_fit, lung), _km_spec("km", "km_all", group_labels=labels, width="two_columns"), Printed())
    axis = figure.axes[0]
    renderer = figure.canvas.get_renderer()
    ticks = max(t.get_window_extent(renderer).width for t in axis.get_yticklabels())
    gap = axis.get_window_extent(renderer).x0 - axis.yaxis.label.get_window_extent(renderer).x1
    assert gap < ticks + 12 * figure.dpi / 72  # tick labels and their pads, not the at-risk labels


def test_hazard_ratio_names():
    labels = {"homogeneous": "Homo-HER2", "heterogeneous": "Hetero-HER2"}
    assert hazard_ratio_name("baseline_ihc_heterogeneity:heterogeneous vs homogeneous", labels) == "HR Hetero-HER2 vs Homo-HER2"
    assert hazard_ratio_name("age", labels) == "HR"


def test_medians_read_months_with_their_ci(lung, lung_fit):
    sources = _sources(lung_fit, lung)
    medians = pd.DataFrame([{"group": g, "estimate": e, "conf_low": lo, "conf_high": hi} for g, e, lo, hi in (("male", 8.9, 7.2, 10.3), ("female", 14.0, 11.3, 18.0))])
    sources.results = Results.from_tables({**{k: sources.results.table(k) for k in ("km_all",)}, "medians": medians})
    figure, _ = FIGURES["km"](sources, _km_spec("km", "km_all", medians="medians"), Printed())
    assert figure.axes[0].texts[0].get_text().splitlines()[:3] == ["Median, months (95% CI)", "Male: 8.9 (7.2\u201310.3)", "Female: 14.0 (11.3\u201318.0)"]


# ------------------------------------------------------------------ other types


def test_the_roc_curve_marks_the_cutoff_the_study_uses():
    curve = pd.DataFrame({"threshold": [np.inf, 250, 170, 100, -np.inf], "sensitivity": [0, 0.4, 0.676, 0.9, 1], "specificity": [1, 0.9, 0.643, 0.3, 0]})
    cutoff = pd.DataFrame([
        {"term": "auc", "estimate": 0.71, "conf_low": 0.55, "conf_high": 0.88, "threshold": np.nan, "cutoff": np.nan, "positive_if": "", "sensitivity": np.nan, "specificity": np.nan},
        {"term": "", "estimate": np.nan, "conf_low": np.nan, "conf_high": np.nan, "threshold": 218.5, "cutoff": 218.5, "positive_if": ">= 218.5", "sensitivity": 0.4, "specificity": 0.9},
    ])
    point = pd.DataFrame([{"cutoff": 170, "side": ">", "sensitivity": 0.676, "specificity": 0.643}])
    sources = Sources(results=Results.from_tables({"curve": curve, "youden": cutoff, "point": point}))
    panel = {"curve": "curve", "cutoff": "youden", "title": "H-score"}
    figure, _ = FIGURES["roc"](sources, {"panels": [{**panel, "operating_point": "point"}]}, Printed())
    marked = [line for line in figure.axes[0].get_lines() if line.get_marker() == "o"]
    assert [tuple(np.round(line.get_xydata()[0], 3)) for line in marked] == [(0.357, 0.676)]
    assert any(t.get_text().startswith("> 170\n") for t in figure.axes[0].texts)
    youden, _ = FIGURES["roc"](sources, {"panels": [panel]}, Printed())  # without one, the Youden optimum, in a journal's signs
    assert any(t.get_text().startswith("\u2265 218.5\n") for t in youden.axes[0].texts)


def test_the_beeswarm_spreads_near_ties_and_is_deterministic():
    values = np.sort(np.array([-100.0] * 4 + [-50.0, -49.5, -49.0, -48.8, 10.0]))
    offsets = beeswarm_offsets(values, 0.1, 2.0)
    for i in range(len(values)):
        for j in range(i):
            assert ((offsets[i] - offsets[j]) / 0.1) ** 2 + ((values[i] - values[j]) / 2.0) ** 2 >= 1 - 1e-9
    assert offsets[-1] == 0.0 and np.array_equal(offsets, beeswarm_offsets(values, 0.1, 2.0))


def test_heat_map_rows_and_alluvial_nodes_run_in_one_order():
    from her2cohort.render.figures.transitions import transitions_figure

    rows = [{"before": b, "after": a, "n": n} for (b, a), n in {(0, 0): 5, (0, 1): 2, (1, 0): 8, (1, 1): 8, (2, 1): 6, (2, 2): 4, (3, 2): 3, (3, 3): 1}.items()]
    shift = pd.DataFrame(rows)
    totals = shift.groupby("before")["n"].sum()
    shift = shift.assign(before_total=shift["before"].map(totals), after_total=shift["after"].map(shift.groupby("after")["n"].sum()), row_percent=100 * shift["n"] / shift["before"].map(totals))
    labels = {0: "IHC 0", 1: "IHC 1+", 2: "IHC 2+", 3: "IHC 3+"}
    figure = transitions_figure(shift, Printed(), level_labels=labels)
    heatmap, alluvial = figure.axes[:2]
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    rows_top_down = [t.get_text().split(" (")[0] for t in sorted(heatmap.get_yticklabels(), key=lambda t: -t.get_window_extent(renderer).y0)]
    left = [t for t in alluvial.texts if t.get_ha() == "right" and t.get_text().split("\n")[0] in labels.values()]
    nodes_top_down = [t.get_text().split("\n")[0] for t in sorted(left, key=lambda t: -t.get_window_extent(renderer).y0)]
    assert rows_top_down == nodes_top_down == ["IHC 3+", "IHC 2+", "IHC 1+", "IHC 0"]


def test_ascii_signs_are_refused_in_any_figure_text(tmp_path):
    from test_render_figures import SPEC, _her2_by_hr

    spec = {**SPEC, "group_labels": {"Total": "Age >= 50"}}
    with pytest.raises(StudyConfigError, match="'>=' as '\u2265'"):
        draw_figures(Sources(results=Results.from_tables({"her2_by_hr": _her2_by_hr()})), [spec], tmp_path, "study.yaml")


# ------------------------------------------------------------------ the studies' declarations


STUDIES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "config" / "studies").glob("*.yaml")}

#: The paper figures whose panels are one file, as the papers print them (shared/seeds).
MULTI_PANEL = {
    ("breast_her2_low_evolution", "figure3_bcss_by_hr"): (["figure3a_bcss_hr_positive", "figure3b_bcss_hr_negative"], "upper"),
    ("breast_her2_low_evolution", "figure4_bcss_by_relapse"): (["figure4a_bcss_lrr", "figure4b_bcss_dm", "figure4c_bcss_cbc"], "upper"),
    ("breast_her2_low_evolution", "figure_s2_low_vs_zero"): ([f"figure_s2{x}" for x in ("a_bcss_low_vs_zero", "b_low_vs_zero_hr_positive", "c_low_vs_zero_hr_negative", "d_low_vs_zero_lrr", "e_low_vs_zero_dm", "f_low_vs_zero_cbc")], "upper"),
    ("breast_her2_low_evolution", "figure_s5_bcss_by_concordance"): (["figure_s5a_bcss_by_concordance", "figure_s5b_bcss_by_concordance_lrr"], "upper"),
    ("gastric_her2_heterogeneity", "figure2_survival"): (["figure2a_pfs", "figure2b_os"], "lower"),
    ("gastric_her2_loss", "supplementary_figure2"): (["supplementary_figure2_pfs", "supplementary_figure2_os"], "lower"),
}


@pytest.mark.parametrize(("study", "figure"), sorted(MULTI_PANEL))
def test_the_papers_multi_panel_figures_are_declared(study, figure):
    spec = next(f for f in STUDIES[study]["figures"] if f["id"] == figure)
    panels, letters = MULTI_PANEL[(study, figure)]
    assert spec["type"] == "multi_panel" and spec["panels"] == panels and spec["panel_labels"] == letters
    assert len(spec["titles"]) == len(panels) and all(spec["titles"])


@pytest.mark.parametrize("study", ["gastric_her2_loss", "gastric_her2_heterogeneity", "breast_her2_low_evolution"])
def test_every_study_with_a_flow_has_a_flow_figure_without_notes(study):
    flows = [f for f in STUDIES[study]["figures"] if f["type"] == "flow"]
    assert len(flows) == 1 and "notes" not in flows[0]


def test_no_study_declares_an_ascii_sign_for_a_figure():
    found = [(study, f["id"], sign) for study, spec in STUDIES.items() for f in spec.get("figures", [])
             for sign in ("<=", ">=", "+/-") for key in ("group_labels", "level_labels", "labels", "rows", "titles", "line_labels", "response_labels", "xlabel", "ylabel", "title")
             if sign in str(f.get(key, ""))]
    assert found == []


def test_two_columns_is_174_mm():
    assert TWO_COLUMNS / MM == pytest.approx(174)


# ------------------------------------------------------------------ every figure of every study (the pipeline run)

RUN_STUDIES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["studies"]
RUN_FIGURES = [(study, f) for study in RUN_STUDIES for f in STUDIES[study].get("figures", [])]
DEFAULT_WIDTHS = {"km": "one_column", "dot_plot": "one_column", "grouped_bar": "one_column", "multi_panel": "two_columns"}


def check_figure_files(root, study: str, spec: dict) -> None:
    """The checks of one written figure (see the test below); ``root`` holds ``results/``."""
    folder = root / "results" / study / "figures"
    name = spec["id"]
    width = width_of(spec.get("width", DEFAULT_WIDTHS.get(spec["type"], "two_columns"))) / MM
    assert _pdf_page_mm(folder / f"{name}.pdf")[0] == pytest.approx(width, abs=0.01), name
    sizes = _svg_font_sizes(folder / f"{name}.svg")
    assert sizes and min(size for size, _ in sizes) >= FONT_FLOOR, name
    assert len({family for _, family in sizes}) == 1, name
    from PIL import Image

    tiff = Image.open(folder / f"{name}.tiff")
    assert tiff.info["compression"] == "tiff_lzw" and round(tiff.info["dpi"][0]) in (300, 600) and tiff.mode == "RGB", name
    texts = pd.read_csv(folder / f"{name}_texts.csv", dtype=str, keep_default_na=False)["text"]
    assert not [t for t in texts if any(sign in t for sign in ("<=", ">=", "+/-"))], name
    if spec["type"] == "multi_panel":
        letters = [chr((ord("a") if spec.get("panel_labels", "lower") == "lower" else ord("A")) + i) for i in range(len(spec["panels"]))]
        assert set(letters) <= set(texts) and set(spec["titles"]) <= set(texts), name
    if spec["type"] == "km":  # the axis and the numbers at risk reach the last observation
        fit = pd.read_csv(root / "results" / study / "stats" / f"{spec['from']}.csv")
        at_risk = pd.read_csv(folder / f"{name}_at_risk.csv")
        assert at_risk["time"].max() >= fit["time"].max(), name


@pytest.mark.parametrize(("study", "spec"), RUN_FIGURES, ids=[f"{s}-{f['id']}" for s, f in RUN_FIGURES])
def test_every_written_figure_is_as_a_journal_takes_it(pipeline_run, study, spec):
    """Every figure of every study as written by the pipeline: the declared width (PDF page),
    no text under 6 pt and one family (SVG), an RGB LZW TIFF, no ASCII signs in its texts, a
    multi-panel figure's letters and titles, a Kaplan-Meier axis reaching the last observation."""
    check_figure_files(pipeline_run, study, spec)
