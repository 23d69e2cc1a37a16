"""Inputs of tests/r/rigor_validation.R that Python must draw: the bootstrap resamples.

    .venv/bin/python tests/r/rigor_validation_inputs.py   (from the repository root)

R's random numbers are not numpy's, so R is *given* the resamples: for each
bootstrap case below, the row positions of every resample as
``her2cohort.stats._resample.resample_positions`` draws them from
``numpy.random.default_rng(seed)`` (1-based here, for R), one line per
replicate, into tests/data/rigor_bootstrap_positions.csv. The Python tests
draw them again and check they equal this file (a numpy that changed its
stream would fail there first, not as a mysterious mismatch with R).

Also writes tests/data/p_adjust_cases.csv: hand-made p-value vectors (ties,
NA, 0 and 1, one test, all NA) and 40 uniform p-values (numpy seed 20240611),
printed with 17 significant digits so R reads the same doubles.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from her2cohort.stats._resample import resample_positions  # noqa: E402
from her2cohort.stats.roc import _analysed_rows  # noqa: E402

DATA = ROOT / "tests" / "data"

ASAH = pd.read_csv(DATA / "asah.csv")
HSCORE = pd.read_csv(DATA / "roc_gastric_hscore.csv")
TIES = pd.read_csv(DATA / "roc_ties.csv")

# id -> (data, outcome, predictor, event level, direction, n_boot, seed, stratified);
# tests/r/rigor_validation.R and tests/stats/test_validation_bootstrap.py list the same cases
BOOTSTRAP_CASES = {
    "asah_s100b": (ASAH, "outcome", "s100b", "Poor", "auto", 200, 20190101, True),
    "asah_s100b_ordinary": (ASAH, "outcome", "s100b", "Poor", "auto", 200, 7, False),
    "gastric_hscore_loss": (HSCORE, "her2_status_change", "baseline_hscore", "loss", ">", 200, 20190101, True),
    "ties_dyadic": (TIES[TIES.set == "dyadic"].reset_index(drop=True), "group", "score", "case", "auto", 100, 3, True),
    # 6 patients, 2 cases, patients resampled: some resamples have no case (skipped)
    "ties_tiny_ordinary": (TIES[TIES.set == "float"].iloc[[0, 1, 2, 10, 11, 3]].reset_index(drop=True), "group", "score", "case", "auto", 100, 11, False),
}


def positions_table() -> pd.DataFrame:
    rows = []
    for case, (data, outcome, predictor, event, _direction, n_boot, seed, stratified) in BOOTSTRAP_CASES.items():
        _, is_case, _, _ = _analysed_rows(data, outcome, predictor, event, None)
        positions = resample_positions(is_case, n_boot, seed, stratified)
        for b, row in enumerate(positions, start=1):
            rows.append({"case": case, "replicate": b, "positions": " ".join(str(int(p) + 1) for p in row)})
    return pd.DataFrame(rows)


def p_value_cases() -> pd.DataFrame:
    cases = {
        "ties_na": [0.01, 0.04, 0.04, None, 0.2, 0.03, 0.5, 0.001, 0.04],
        "bounds": [0.0, 1.0, 1.0, 0.5, 0.0, 0.25],
        "single": [0.03],
        "pair": [0.02, 0.04],
        "all_na": [None, None],
        # Table 2 of the gastric HER2-loss paper: the p of each clinicopathologic factor
        "gastric_table2": [0.701, 0.452, 0.578, 0.200, 0.664, 1.00, 0.216, 0.623],
        "uniform40": list(np.random.default_rng(20240611).uniform(0, 0.2, 40)),
    }
    rows = [{"case": case, "index": i + 1, "p": p} for case, values in cases.items() for i, p in enumerate(values)]
    return pd.DataFrame(rows)


if __name__ == "__main__":
    positions_table().to_csv(DATA / "rigor_bootstrap_positions.csv", index=False)
    p_value_cases().to_csv(DATA / "p_adjust_cases.csv", index=False, float_format="%.17g")
    print("wrote tests/data/rigor_bootstrap_positions.csv and tests/data/p_adjust_cases.csv")
