"""Decisions that must not hinge on the last bit of floating point (docs/numerics.md).

The last bit differs between machines (OpenBLAS kernels, numpy's AVX-512
loops; ``tests/other_cpus.py`` runs this whole folder under each). What a
statistic decides from floats (two survival times tied, two patients'
linear predictors tied) must therefore be decided by what the numbers mean,
as R decides it, not by rounding. Reference: tests/r/machine_independence.R
(survival 3.5-3) on tests/data/tied_times_patterns.csv, where half of the
times are ``k * 0.3`` and half ``k * 3 / 10`` (24 times, 30 distinct doubles)
and 120 patients share 27 covariate patterns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._ties import aeq_surv
from her2cohort.stats.cox import _concordance, _design, _fit, cox_model, linear_predictor
from her2cohort.stats.kaplan_meier import kaplan_meier
from her2cohort.stats.logrank import logrank_test

ROOT = Path(__file__).resolve().parents[2]
# round_trip: pandas' default float parser is not exact and would blur the noise under test
DATA = pd.read_csv(ROOT / "tests" / "data" / "tied_times_patterns.csv", float_precision="round_trip")
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "machine_independence"
REL = 1e-9


def test_the_data_has_ties_only_in_exact_arithmetic():
    assert DATA["time"].nunique() == 30
    assert DATA["time"].round(9).nunique() == 24
    assert 0.1 + 0.2 != 0.3  # the kind of tie at stake


def test_aeq_surv_merges_noise_and_leaves_real_times_alone():
    assert aeq_surv(np.array([0.1 + 0.2, 0.3, 1.0])).tolist() == [0.3, 0.3, 1.0]
    real = np.array([1.0, 1.5, 2.25, 30.4375, 30.5])  # months to several decimals
    assert aeq_surv(real) is not None and aeq_surv(real).tolist() == real.tolist()
    merged = aeq_surv(DATA["time"].to_numpy())
    assert np.unique(merged).size == 24


def test_kaplan_meier_merges_tied_times_as_survfit():
    ours = kaplan_meier(DATA, "time", "event", group="arm")
    ref = pd.read_csv(FIXTURES / "km.csv")
    assert ours["group"].astype(str).tolist() == ref["group"].tolist()
    assert ours["n_risk"].tolist() == ref["n_risk"].tolist()
    assert ours["n_event"].tolist() == ref["n_event"].tolist()
    assert ours["time"].tolist() == pytest.approx(ref["time"].tolist(), rel=1e-12)
    assert ours["survival"].tolist() == pytest.approx(ref["survival"].tolist(), rel=REL)


def test_logrank_merges_tied_times_as_survdiff():
    ours = logrank_test(DATA, "time", "event", "arm").iloc[0]
    ref = pd.read_csv(FIXTURES / "survdiff.csv").iloc[0]
    assert ours["statistic"] == pytest.approx(ref["chisq"], rel=REL)
    assert ours["df"] == ref["df"]
    assert ours["p_value"] == pytest.approx(ref["p"], rel=REL)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_and_concordance_with_tied_patterns_match_r(ties):
    ours = cox_model(DATA, "time", "event", ["arm", "grade", "marker"], ties=ties).set_index("term")
    ref = pd.read_csv(FIXTURES / "cox.csv").query("ties == @ties")
    names = {"armB": "arm:B vs A", "armC": "arm:C vs A"}
    for r in ref.itertuples():
        assert ours.loc[names.get(r.term, r.term), "coef"] == pytest.approx(r.coef, rel=REL)
        assert ours.loc[names.get(r.term, r.term), "std_error"] == pytest.approx(r.se, rel=REL)
    assert ours.loc["likelihood_ratio_test", "loglik"] == pytest.approx(ref["loglik"].iloc[0], rel=REL)
    assert ours.loc["concordance", "estimate"] == pytest.approx(ref["concordance"].iloc[0], rel=REL)
    design = _design(DATA, "time", "event", ["arm", "grade", "marker"], None, None)
    fit = _fit(design, ties)
    _, counts = _concordance(design.time, design.event, design.strata, linear_predictor(design.x, fit.coef))
    assert counts == {
        "concordant": ref["concordant"].iloc[0],
        "discordant": ref["discordant"].iloc[0],
        "tied_x": ref["tied_x"].iloc[0],
    }


def test_identical_covariate_rows_give_identical_linear_predictors():
    """Every patient of a pattern gets the same bits, wherever its row sits (a BLAS
    product blocks rows, and a block's tail may round differently)."""
    design = _design(DATA, "time", "event", ["arm", "grade", "marker"], None, None)
    coef = _fit(design, "efron").coef
    rng = np.random.default_rng(7)
    for _ in range(20):
        order = rng.permutation(len(DATA))
        lp = linear_predictor(design.x[order], coef)
        patterns = pd.DataFrame(design.x[order]).astype(str).agg("|".join, axis=1)
        assert pd.Series(lp).groupby(patterns.to_numpy()).nunique().max() == 1


def test_concordance_does_not_depend_on_row_order():
    reference = cox_model(DATA, "time", "event", ["arm", "grade", "marker"]).set_index("term")
    rng = np.random.default_rng(11)
    for _ in range(10):
        shuffled = DATA.iloc[rng.permutation(len(DATA))].reset_index(drop=True)
        again = cox_model(shuffled, "time", "event", ["arm", "grade", "marker"]).set_index("term")
        assert again.loc["concordance", "estimate"] == reference.loc["concordance", "estimate"]
