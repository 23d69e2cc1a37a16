"""One figure's spec edited: only that figure is drawn again, and every file is what drawing gives."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from conftest import ROOT, load_study
from her2cohort.analyses import run_analysis
from her2cohort.classify import analysis_set, classification_summary, classify_cohort
from her2cohort.cleaning import clean_cohort
from her2cohort.errors import StudyConfigError
from her2cohort.io import write_frame
from her2cohort.render.figure_cache import draw_cached, environment_digest, inputs_digest
from her2cohort.render.figures.draw import Sources, draw_figures
from her2cohort.results import Results

STUDY = "gastric_her2_heterogeneity"
FIGURES = ("figure2a_pfs", "figure3a_waterfall", "figure3b_dot_plot")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """The study's sources, three of its figures, and those figures drawn without the cache."""
    tmp = tmp_path_factory.mktemp("figure_cache")
    study = load_study(ROOT / "config" / "studies" / f"{STUDY}.yaml")
    cohort = clean_cohort(ROOT / study["raw_dir"], study)
    classified = classify_cohort(cohort.specimens, study["her2_guideline"])
    data = analysis_set(cohort.patients, classified, study.get("comparison"))
    stats = tmp / "stats"
    for analysis in study["analyses"]:
        write_frame(run_analysis(data, analysis, study.get("derive")), stats / f"{analysis['id']}.csv")
    sources = Sources(Results(stats), data, cohort.flow, cohort.treatment_lines, classification_summary(classified, study["her2_guideline"]))
    specs = [spec for spec in study["figures"] if spec["id"] in FIGURES]
    where = f"config/studies/{STUDY}.yaml"
    plain = tmp / "plain"
    draw_figures(sources, specs, plain, where)
    return sources, specs, where, plain, stats, tmp


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_cold_then_one_edit_then_damage(drawn):
    sources, specs, where, plain, stats, tmp = drawn
    cache, inputs = tmp / "cache", inputs_digest([stats])
    environment = environment_digest("library checksum")

    def draw(specs_, folder):
        return draw_figures(sources, specs_, folder, where)

    # cold: every figure drawn, each alone, byte-identical to drawing them together
    lines, redrawn = draw_cached(draw, specs, tmp / "cold", where, inputs, cache, environment)
    assert redrawn == list(FIGURES) and files(tmp / "cold") == files(plain)
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith(".")) == [] and not (cache / ".drawing").exists()  # no scratch left
    assert lines == draw_figures(sources, specs, tmp / "again", where)
    # nothing changed: nothing drawn, the same bytes
    lines_warm, redrawn = draw_cached(draw, specs, tmp / "warm", where, inputs, cache, environment)
    assert redrawn == [] and lines_warm == lines and files(tmp / "warm") == files(plain)
    # one figure's style changed: that figure alone drawn, and as drawing it gives
    edited = copy.deepcopy(specs)
    edited[0]["annotation_loc"] = "lower left"
    lines_edit, redrawn = draw_cached(draw, edited, tmp / "edit", where, inputs, cache, environment)
    assert redrawn == ["figure2a_pfs"]
    draw_figures(sources, edited, tmp / "edit_plain", where)
    assert files(tmp / "edit") == files(tmp / "edit_plain")
    assert files(tmp / "edit") != files(plain)  # the edit shows
    # other inputs (a result changed): every figure drawn again
    _, redrawn = draw_cached(draw, edited, tmp / "data", where, inputs_digest([stats, plain / "figure2a_pfs.png"]), cache, environment)
    assert redrawn == list(FIGURES)
    # a damaged entry is drawn again, not copied
    entry = next((cache / "entries" / "figure3a_waterfall").iterdir())
    (entry / "figure3a_waterfall.png").write_bytes(b"not a png")
    _, redrawn = draw_cached(draw, edited, tmp / "damaged", where, inputs_digest([stats, plain / "figure2a_pfs.png"]), cache, environment)
    assert redrawn == ["figure3a_waterfall"]
    assert files(tmp / "damaged") == files(tmp / "edit_plain")


def test_problems_of_every_figure_drawn_are_listed(drawn, tmp_path):
    sources, specs, where, _, stats, _ = drawn
    broken = copy.deepcopy(specs)
    broken[1]["value"] = "no_such_column"
    broken[2]["value"] = "another_missing_column"
    with pytest.raises(StudyConfigError) as err:
        draw_cached(lambda s, f: draw_figures(sources, s, f, where), broken, tmp_path / "out", where, inputs_digest([stats]), tmp_path / "cache")
    assert "figure3a_waterfall" in str(err.value) and "figure3b_dot_plot" in str(err.value)


def test_the_key_changes_with_spec_inputs_library_and_settings():
    import matplotlib

    from her2cohort.render.figure_cache import figure_key

    spec = {"id": "f", "type": "km", "from": "km"}
    base = figure_key(spec, "s.yaml", "inputs", environment_digest("lib"))
    assert base == figure_key(dict(reversed(spec.items())), "s.yaml", "inputs", environment_digest("lib"))  # key order is not content
    assert base != figure_key({**spec, "annotation_loc": "lower left"}, "s.yaml", "inputs", environment_digest("lib"))
    assert base != figure_key(spec, "s.yaml", "other inputs", environment_digest("lib"))
    assert base != figure_key(spec, "s.yaml", "inputs", environment_digest("another library"))
    with matplotlib.rc_context({"lines.linewidth": 3.0}):  # a matplotlibrc that draws otherwise
        assert base != figure_key(spec, "s.yaml", "inputs", environment_digest("lib"))
