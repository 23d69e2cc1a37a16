"""Figures: journal style, numbers at risk aligned with the ticks, byte-identical files."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.render.figures import ONE_COLUMN, km_figure, save_figure
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
    first = save_figure(km_figure(fit, risk, annotation="Log-rank p = 0.001"), tmp_path / "a" / "km")
    second = save_figure(km_figure(fit, risk, annotation="Log-rank p = 0.001"), tmp_path / "b" / "km")
    assert [p.suffix for p in first] == [".pdf", ".svg", ".png"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.suffix
    svg = first[1].read_text()
    assert "<dc:date>" not in svg and not re.search(rb"CreationDate", first[0].read_bytes())


def test_numbers_at_risk_are_drawn_under_their_ticks(lung_fit, tmp_path):
    fit, risk = lung_fit
    figure = km_figure(fit, risk, kmunicate=True)
    axis, table = figure.axes
    drawn = {(round(text.get_position()[0], 6), text.get_text()) for text in table.texts}
    for _, row in risk.iterrows():
        assert (float(row["time"]), str(int(row["n_risk"]))) in drawn
        assert (float(row["time"]), str(int(row["cum_events"]))) in drawn
    assert list(axis.get_xticks()) == TIMES
    assert figure.get_size_inches()[0] == pytest.approx(ONE_COLUMN)
    save_figure(figure, tmp_path / "km")


def test_png_is_300_dpi(lung_fit, tmp_path):
    from PIL import Image

    fit, risk = lung_fit
    png = save_figure(km_figure(fit, risk), tmp_path / "km", formats=("png",))[0]
    dpi = Image.open(png).info["dpi"]
    assert round(dpi[0]) == 300
