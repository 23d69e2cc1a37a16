"""Reconstructed cohorts: deterministic, blind to held-out numbers, and true to the inputs.

The recount here is independent of the generator: it runs the pipeline's own
cleaning and classification on the committed raw files and counts with pandas.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, load_published
from her2cohort.classify import h_score
from her2cohort.reconstruct import load_spec, reconstruct
from her2cohort.reconstruct.engine import ReconstructionError, anchored_values, build_cohort, calibrated_times, ihc_percentages, km_median, write_cohort
from her2cohort.reconstruct.published import input_numbers

PUBLISHED = sorted((ROOT / "data" / "published").glob("*.yaml"))
SPECS = sorted(p.stem for p in (ROOT / "data" / "reconstruction").glob("*.yaml"))


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.stem)
def test_published_files_are_valid(path):
    published = load_published(path)
    assert published["numbers"]
    # every printed "n (%)" percentage is recorded as printed, with its precision
    for entry in published["numbers"]:
        assert entry["printed"].strip()
        assert entry["precision"] >= 0


def test_all_five_studies_have_a_published_file():
    assert {p.stem for p in PUBLISHED} >= {"gastric_her2_loss", "gastric_her2_heterogeneity", "breast_tdxd_her2_loss", "breast_her2_low_evolution", "breast_her2_l755s_case"}


@pytest.mark.parametrize("study", SPECS)
def test_generator_rebuilds_the_committed_raw_files_byte_identically(study, tmp_path):
    write_cohort(reconstruct(study, ROOT), tmp_path)
    committed = ROOT / "data" / "raw" / study
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (committed / path.name).read_bytes(), path.name
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in committed.glob("*.csv")}


def test_command_line_rebuilds_the_cohort_of_the_project_given_by_root(tmp_path, monkeypatch):
    # `python -m her2cohort.reconstruct --root PROJECT study`: every path from the
    # project folder given (default: the current one), none from the package's location
    from her2cohort.reconstruct import main

    study = "breast_her2_l755s_case"
    project = tmp_path / "project"
    for relative in (f"data/reconstruction/{study}.yaml", f"data/published/{study}.yaml", "config/schemas/published.schema.yaml"):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes((ROOT / relative).read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["--root", "project", study]) == 0
    monkeypatch.chdir(project)
    assert main([]) == 0  # the current folder, every spec
    committed = ROOT / "data" / "raw" / study
    written = project / "data" / "raw" / study
    assert {p.name for p in written.iterdir()} == {p.name for p in committed.glob("*.csv")}
    for path in written.iterdir():
        assert path.read_bytes() == (committed / path.name).read_bytes(), path.name
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):  # not a project folder: said, not a traceback
        main([])


@pytest.mark.parametrize("study", SPECS)
def test_generator_never_reads_held_out_numbers(study):
    spec = load_spec(study, ROOT)
    published = load_published(ROOT / spec["published"])
    blind = copy.deepcopy(published)
    blind["numbers"] = [n for n in blind["numbers"] if n["basis"] == "input"]
    # and a held-out number changed to nonsense must not matter either
    for entry in published["numbers"]:
        if entry["basis"] == "held_out":
            entry["value"] = -999.0
    full, without = reconstruct(study, ROOT, published=published), reconstruct(study, ROOT, published=blind)
    for name in full:
        pd.testing.assert_frame_equal(full[name], without[name])


def test_a_spec_that_names_a_held_out_number_is_refused():
    spec = {"seed": 1, "groups": {"all": "@p"}, "steps": [], "dates": {}}
    with pytest.raises(ReconstructionError, match="not an input number"):
        build_cohort(spec, input_numbers({"numbers": [{"location": "p", "value": 0.04, "basis": "held_out"}]}))


# --- the engine's building blocks -------------------------------------------


@pytest.mark.parametrize(
    ("n", "minimum", "median", "maximum", "decimals", "cutoff", "above"),
    [(48, 29, 57, 79, 0, 60, 20), (34, 38, 62.5, 74, 0, 66, 12), (47, 50, 225, 300, 0, 170, 28), (14, 0, 15, 300, 0, None, None), (36, 1.5, 5.41, 12.3, 2, 4.36, 27), (2, 1, 2, 3, 0, None, None), (1, 4, 4, 4, 1, None, None)],
)
def test_anchored_values_hit_every_anchor(n, minimum, median, maximum, decimals, cutoff, above):
    values = anchored_values(n, minimum, median, maximum, decimals, cutoff, above)
    assert len(values) == n
    assert values.min() == minimum and values.max() == maximum
    assert np.median(values) == pytest.approx(median, abs=1e-12)
    assert np.all(np.round(values, decimals) == values)
    if cutoff is not None:
        assert int((values > cutoff).sum()) == above


def test_anchors_that_contradict_each_other_are_refused():
    with pytest.raises(ReconstructionError, match="contradicts the median"):
        anchored_values(10, 0, 50, 100, 0, cutoff=40, n_above=2)


@pytest.mark.parametrize(("n", "events", "median"), [(48, 48, 8.3), (34, 22, 10.8), (10, 7, 2.7), (247, 57, 40.0)])
def test_calibrated_times_give_the_exact_median_and_events(n, events, median):
    times, event = calibrated_times(np.random.default_rng(7), n, events, median, 0.0)
    assert int(event.sum()) == events
    assert km_median(times, event) == pytest.approx(median, rel=1e-12)


@pytest.mark.parametrize("ihc", [0, 1, 2, 3])
def test_ihc_percentages_agree_with_score_and_h_score(ihc):
    low, high = {0: (0, 30), 1: (11, 120), 2: (21, 210), 3: (31, 300)}[ihc]
    for h in np.linspace(low, high, 25).round():
        p0, p1, p2, p3 = ihc_percentages(ihc, h)
        assert p0 + p1 + p2 + p3 == pytest.approx(100)
        assert h_score([p1], [p2], [p3]).iloc[0] == pytest.approx(h, abs=1e-6)
        assert min(p0, p1, p2, p3) >= 0
        # the pipeline's own classification agrees with the score the percentages were made for
        stained = p1 + p2 + p3
        implied = 3 if p3 > 10 else 2 if p2 + p3 > 10 else 1 if stained > 10 else 0
        assert implied == ihc, (h, (p0, p1, p2, p3))
    with pytest.raises(ReconstructionError, match="impossible"):
        ihc_percentages(ihc, high + 5)


# --- every reconstructed study has its independent recount --------------------------


@pytest.mark.parametrize("study", [s for s in SPECS if "extends" not in load_spec(s, ROOT)])
def test_every_reconstructed_study_has_a_recount(study):
    # a spec that draws another cohort of a design (extends, seed, size) is not the paper's
    # cohort: its counts are not the paper's, and its design's recount covers the steps
    assert (ROOT / "tests" / f"test_recount_{study}.py").exists()


# --- per-patient bounds, knots, derived columns and pooled-median checks ----------------


def test_bounded_values_respect_each_patient_and_the_anchors():
    """H-scores after progression: each within what its IHC score allows and below the
    patient's baseline value, with the group's anchors and a knot still exact."""
    spec = {
        "seed": 3,
        "groups": {"all": 14},
        "steps": [
            {"kind": "joint", "columns": ["ihc"], "cells": [{"values": [0], "counts": {"all": 5}}, {"values": [1], "counts": {"all": 5}}, {"values": [2], "counts": {"all": 4}}]},
            {"kind": "continuous", "column": "base", "decimals": 0, "parts": [{"minimum": 50, "median": 135, "maximum": 290}]},
            {"kind": "continuous", "column": "post", "decimals": 0, "parts": [{"minimum": 0, "median": 15, "maximum": 120, "knots": {12: 100}, "less_than": "base", "bounds": [{"column": "ihc", "levels": {0: [0, 10], 1: [11, 100], 2: [21, 200]}}]}]},
            {"kind": "derive", "where": "ihc == 2", "values": {"fall": "base - post"}},
        ],
        "checks": [{"median": "post", "equals": 15}],
        "dates": {"index": "treatment_start_date", "accrual": ["2015-01-01", "2015-12-31"]},
    }
    rng = np.random.default_rng(spec["seed"])
    from her2cohort.reconstruct.engine import STEPS, Context, check_totals

    ctx = Context(spec, {}, rng, pd.DataFrame({"_group": ["all"] * 14}))
    for step in spec["steps"]:
        STEPS[step["kind"]](ctx, step)
    check_totals(ctx, spec["checks"])
    f = ctx.frame
    assert (f["post"] < f["base"]).all()
    assert f.loc[f["ihc"] == 0, "post"].between(0, 10).all()
    assert f.loc[f["ihc"] == 1, "post"].between(11, 100).all()
    assert f.loc[f["ihc"] == 2, "post"].between(21, 200).all()
    assert sorted(f["post"])[12] == 100 and f["post"].median() == 15
    assert f["fall"].notna().sum() == 4 and (f["fall"].dropna() > 0).all()
    spec["checks"] = [{"median": "post", "equals": 16}]
    with pytest.raises(ReconstructionError, match="median"):
        check_totals(ctx, spec["checks"])


def test_bounds_that_no_dealing_can_meet_are_refused():
    from her2cohort.reconstruct.engine import _feasible_deal

    with pytest.raises(ReconstructionError, match="bounds"):
        _feasible_deal(np.random.default_rng(1), np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0]), np.array([1.5, 1.5, 5.0]), "test")
