"""her2cohort.stats.logistic against R (fixtures from tests/r/logistic.R) and logistf.

References and tolerances
* glm_converged.csv (glm refitted to epsilon = 1e-14), profile_exact.csv (uniroot,
  tol 1e-12) and firth.csv (brglm2, epsilon = 1e-12): rel=1e-6.
* glm.csv, R's default glm output: coefficients at 1e-6, but SE and p only at
  rel 2e-4 / 2e-3 because R stops on a relative deviance change of 1e-8 and takes
  the SE from the weights of the previous iterate (measured: 1.0e-4 and 1.0e-3 on
  the aSAH model); MASS's profile CI at abs 2e-3 because MASS interpolates a spline
  through profile points (measured: up to 1.0e-3 on the aSAH model).
* logistf, not installable here (CRAN unreachable), via its published numbers:
  - firthmodels' test suite (jzluo/firthmodels tests/test_logistic.py,
    test_matches_logistf_with_separation): logistf output to 10 digits on the data
    of its tests/conftest.py make_separation_data(seed=42), regenerated bit for bit
    into tests/data/logistic_firth_separation.csv;
  - logistf's own tests (georgheinze/logistf tests/testthat/test-basic.R):
    coefficients of case ~ age+oc+vic+vicl+vis+dia on sex2 to 8 digits;
  - easystats/parameters' snapshot of model_parameters(logistf(...)) on sex2
    (tests/testthat/_snaps/windows/model_parameters.logistf.md): SE, profile CI,
    Chi2 to 2 decimals, p to 3.
  logistf stops at lconv = gconv = xconv = 1e-5 (logistf.control defaults), so
  its printed values carry ~1e-5 of convergence error: rel=1e-5 for the 10-digit
  values, printed precision for the others.
* firth_pl.csv (tests/r/firth.R): logistf's penalized LR chi-square, p and profile
  penalized-likelihood limits computed in R from their definitions (optim +
  uniroot, an independent route): rel=1e-8 (measured: 9e-11 on the estimates,
  <= 1e-12 on the rest). Its firth_separation rows equal logistf's own 10-digit
  output above.
* Gastric HER2-loss paper (seed 000): Table 2 counts rebuilt as 0/1 data, checked
  at the paper's printed precision.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError, term_name
from her2cohort.stats.logistic import (
    check_separation,
    firth_odds_ratios,
    logistic_odds_ratios,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "logistic"
REL = 1e-6


def _read(name):
    return pd.read_csv(DATA / name)


ASAH = _read("asah.csv").assign(wfns=lambda d: d.wfns.astype(str))
SEPARATION = _read("logistic_separation.csv")
SEX2_COVARIATES = ["age", "oc", "vic", "vicl", "vis", "dia"]

# id -> (data, outcome, covariates, event level, reference levels), as in logistic.R
MODELS = {
    "gastric_hscore": (
        _read("logistic_gastric_hscore.csv"),
        "her2_status_change",
        ["hscore_group"],
        "loss",
        {"hscore_group": ">170"},
    ),
    "gastric_hscore_printed_or": (
        _read("logistic_gastric_hscore_printed_or.csv"),
        "her2_status_change",
        ["hscore_group"],
        "loss",
        {"hscore_group": ">170"},
    ),
    "gastric_ish": (
        _read("logistic_gastric_ish.csv"),
        "her2_status_change",
        ["ish_group"],
        "loss",
        {"ish_group": ">4.36"},
    ),
    "asah": (
        ASAH,
        "outcome",
        ["age", "gender", "s100b", "wfns"],
        "Poor",
        {"gender": "Male", "wfns": "1"},
    ),
}
SEPARATED = {
    "complete": (SEPARATION[SEPARATION.set == "complete"], "y", ["x"], None, None),
    "quasi": (SEPARATION[SEPARATION.set == "quasi"], "y", ["x"], None, None),
    "category": (
        SEPARATION[SEPARATION.set == "category"],
        "y",
        ["x", "arm"],
        None,
        None,
    ),
    "firth_separation": (
        _read("logistic_firth_separation.csv"),
        "y",
        ["separator", "x1", "x2", "x3"],
        None,
        None,
    ),
    "sex2": (_read("logistic_sex2.csv"), "case", SEX2_COVARIATES, None, None),
}


def _fit(spec, function=logistic_odds_ratios, **kwargs):
    data, outcome, covariates, event, reference = spec
    return function(
        data,
        outcome,
        covariates,
        event_level=event,
        reference_levels=reference,
        **kwargs,
    )


def _fixture(name, case_id):
    return pd.read_csv(FIXTURES / name).query("id == @case_id").reset_index(drop=True)


def _ours(r_terms, spec):
    """R's term names (``glm`` and ``logistf`` paste the level to the variable:
    ``genderFemale``, ``armc``, ``xTRUE``) as the library names every model's terms,
    ``variable:level vs reference`` (:func:`her2cohort.stats._result.term_name`);
    an intercept and a numeric covariate keep their name."""
    data, _, covariates, _, reference = spec
    names = []
    for term in r_terms:
        if term == "(Intercept)" or (term in covariates and pd.api.types.is_numeric_dtype(data[term]) and not pd.api.types.is_bool_dtype(data[term])):
            names.append(term)
            continue
        variable = max((c for c in covariates if term.startswith(c)), key=len)
        level = term[len(variable):].replace("TRUE", "True").replace("FALSE", "False")
        levels = sorted(pd.unique(data[variable].dropna()), key=str)
        names.append(term_name(variable, level, (reference or {}).get(variable, levels[0])))
    return names


# maximum likelihood = glm(family = binomial) ---------------------------------


@pytest.mark.parametrize("case_id", MODELS)
def test_wald_results_match_converged_glm(case_id):
    ours = _fit(MODELS[case_id])
    ref = _fixture("glm_converged.csv", case_id)
    assert ours.term.tolist() == _ours(ref.term, MODELS[case_id])  # R's terms, R's order
    assert ours.log_odds.tolist() == pytest.approx(ref.estimate.tolist(), rel=REL)
    assert ours.estimate.tolist() == pytest.approx(
        np.exp(ref.estimate).tolist(), rel=REL
    )
    assert ours.std_error.tolist() == pytest.approx(ref.std_error.tolist(), rel=REL)
    assert ours.statistic.tolist() == pytest.approx(ref.statistic.tolist(), rel=REL)
    assert ours.p_value.tolist() == pytest.approx(ref.p_value.tolist(), rel=REL)
    # confint.default: what EZR prints
    assert np.log(ours.conf_low).tolist() == pytest.approx(
        ref.wald_low.tolist(), rel=REL
    )
    assert np.log(ours.conf_high).tolist() == pytest.approx(
        ref.wald_high.tolist(), rel=REL
    )
    assert set(ours.n) == set(ref.n)


@pytest.mark.parametrize("case_id", MODELS)
def test_default_glm_output_within_its_own_convergence(case_id):
    ours = _fit(MODELS[case_id])
    ref = _fixture("glm.csv", case_id)
    assert ours.log_odds.tolist() == pytest.approx(ref.estimate.tolist(), rel=REL)
    # R's default SE comes from the previous iterate's weights (see module docstring)
    assert ours.std_error.tolist() == pytest.approx(ref.std_error.tolist(), rel=2e-4)
    assert ours.p_value.tolist() == pytest.approx(ref.p_value.tolist(), rel=2e-3)


@pytest.mark.parametrize("case_id", MODELS)
def test_profile_likelihood_ci(case_id):
    ours = _fit(MODELS[case_id], ci_method="profile")
    exact = _fixture("profile_exact.csv", case_id)
    assert np.log(ours.conf_low).tolist() == pytest.approx(
        exact.profile_low.tolist(), rel=REL
    )
    assert np.log(ours.conf_high).tolist() == pytest.approx(
        exact.profile_high.tolist(), rel=REL
    )
    # MASS's spline-interpolated limits (confint(glm) in R 4.2.2)
    mass = _fixture("glm.csv", case_id)
    assert np.log(ours.conf_low).tolist() == pytest.approx(
        mass.mass_profile_low.tolist(), abs=2e-3
    )
    assert np.log(ours.conf_high).tolist() == pytest.approx(
        mass.mass_profile_high.tolist(), abs=2e-3
    )
    assert "profile" in ours.method.iloc[0]


def test_explicit_reference_level_inverts_the_odds_ratio():
    data, outcome, covariates, event, _ = MODELS["asah"]
    male_ref = logistic_odds_ratios(
        data,
        outcome,
        ["gender"],
        event_level=event,
        reference_levels={"gender": "Male"},
    )
    default = logistic_odds_ratios(data, outcome, ["gender"], event_level=event)
    assert male_ref.term.tolist() == ["(Intercept)", "gender:Female vs Male"]  # R: genderFemale
    assert default.term.tolist() == [
        "(Intercept)",
        "gender:Male vs Female",
    ]  # R default: first sorted
    assert male_ref.estimate.iloc[1] == pytest.approx(
        1 / default.estimate.iloc[1], rel=1e-10
    )
    with pytest.raises(StatisticsError, match="reference level 'Other'"):
        logistic_odds_ratios(
            data,
            outcome,
            ["gender"],
            event_level=event,
            reference_levels={"gender": "Other"},
        )


def test_categorical_dtype_order_gives_the_reference():
    data, outcome, covariates, event, reference = MODELS["asah"]
    ordered = data.assign(
        gender=pd.Categorical(data.gender, categories=["Male", "Female"])
    )
    by_dtype = logistic_odds_ratios(
        ordered, outcome, covariates, event_level=event, reference_levels={"wfns": "1"}
    )
    explicit = _fit(MODELS["asah"])
    pd.testing.assert_frame_equal(by_dtype, explicit)


def test_result_shape_and_scales():
    frame = _fit(MODELS["gastric_ish"])
    assert list(frame.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert frame.statistic_name.unique().tolist() == ["z"]
    assert (
        frame.convention.iloc[0]
        == "R glm(family = binomial); summary.glm; confint.default"
    )
    row = frame.iloc[1]
    assert row.estimate == pytest.approx(math.exp(row.log_odds))
    assert row.conf_low == pytest.approx(
        math.exp(row.log_odds - norm.ppf(0.975) * row.std_error)
    )
    assert (row.n, row.n_events) == (36, 9)


# gastric HER2-loss paper -------------------------------------------------------


def test_gastric_ish_odds_ratio_reproduces_the_paper():
    """Paper: OR for ISH ratio <= 4.36 = 7.19 (95% CI 1.33-38.95; p = 0.022), from
    Table 2 (persistence 23 > 4.36 / 4 <= 4.36; loss 4 / 5)."""
    row = _fit(MODELS["gastric_ish"]).iloc[1]
    assert row.term == "ish_group:<=4.36 vs >4.36"
    assert (
        round(row.estimate, 2),
        round(row.conf_low, 2),
        round(row.conf_high, 2),
    ) == (7.19, 1.33, 38.95)
    assert round(row.p_value, 3) == 0.022


def test_gastric_hscore_odds_ratio_disagrees_with_table_2():
    """Paper: OR for H-score <= 170 = 3.20 (95% CI 0.88-11.63; p = 0.077). Table 2
    (persistence 23 > 170 / 11 <= 170; loss 5 / 9) gives 3.76 (1.02-13.93; p = 0.047)
    instead. Among all splits of 34 persistence and 14 loss patients, only
    persistence 24 / 10 and loss 6 / 8 reproduce the printed OR, CI and p: one
    patient of each group moved above the cutoff, as if the regression had used
    ">= 170" where Table 2 used "> 170" (two patients at exactly 170)."""
    table2 = _fit(MODELS["gastric_hscore"]).iloc[1]
    assert (
        round(table2.estimate, 2),
        round(table2.conf_low, 2),
        round(table2.conf_high, 2),
    ) == (3.76, 1.02, 13.92)
    assert round(table2.p_value, 3) == 0.047
    printed = _fit(MODELS["gastric_hscore_printed_or"]).iloc[1]
    assert (
        round(printed.estimate, 2),
        round(printed.conf_low, 2),
        round(printed.conf_high, 2),
    ) == (3.20, 0.88, 11.63)
    assert round(printed.p_value, 3) == 0.077

    z = norm.ppf(0.975)
    matches = []
    for loss_low in range(1, 14):
        for persistence_low in range(1, 34):
            a, b, c, d = loss_low, 14 - loss_low, persistence_low, 34 - persistence_low
            log_or, se = math.log(a * d / (b * c)), math.sqrt(
                1 / a + 1 / b + 1 / c + 1 / d
            )
            printed_as = (
                round(math.exp(log_or), 2),
                round(math.exp(log_or - z * se), 2),
                round(math.exp(log_or + z * se), 2),
                round(2 * norm.sf(abs(log_or / se)), 3),
            )
            if printed_as == (3.20, 0.88, 11.63, 0.077):
                matches.append((loss_low, persistence_low))
    assert matches == [(8, 10)]


# separation ---------------------------------------------------------------------


@pytest.mark.parametrize("case_id", SEPARATED)
def test_separation_gives_na_not_a_huge_odds_ratio(case_id):
    ours = _fit(SEPARATED[case_id])
    assert ours.separation.all()
    assert ours[["estimate", "conf_low", "conf_high", "p_value"]].isna().all().all()
    assert ours.note.str.contains("separation").all()
    assert ours.note.str.contains("Inf").all()
    # what R does with the same data: a huge coefficient with a huge SE
    r_glm = _fixture("separation.csv", case_id)
    assert r_glm.estimate.abs().max() > 15 and r_glm.std_error.max() > 100


def test_r_often_does_not_even_warn():
    warned = (
        pd.read_csv(FIXTURES / "separation.csv")
        .groupby("id")
        .warning.first()
        .fillna("")
    )
    assert "fitted probabilities numerically 0 or 1" in warned["complete"]
    # sex2 (dia quasi-separated): glm prints dia = 16.7, SE 799, without any warning
    assert warned["sex2"] == warned["category"] == warned["firth_separation"] == ""


def test_statsmodels_returns_a_different_huge_coefficient():
    import statsmodels.api as sm

    data, outcome, covariates, _, _ = SEPARATED["sex2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.Logit(
            data[outcome], sm.add_constant(data[covariates].astype(float))
        ).fit(disp=0)
    r_dia = _fixture("separation.csv", "sex2").set_index("term").loc["dia", "estimate"]
    assert fit.params["dia"] > 15 and r_dia > 15
    assert abs(fit.params["dia"] - r_dia) > 1  # two programs, two arbitrary numbers
    assert _fit(SEPARATED["sex2"]).set_index("term").loc["dia"].isna()["estimate"]


def test_check_separation_names_the_infinite_terms():
    assert check_separation(*SEPARATED["complete"][:3]).direction.tolist() == [
        "-Inf",
        "+Inf",
    ]
    sex2 = check_separation(*SEPARATED["sex2"][:3]).set_index("term")
    assert sex2.loc["dia", "direction"] == "+Inf"
    assert sex2.finite.drop("dia").all()
    category = check_separation(*SEPARATED["category"][:3])
    assert category.query("not finite").term.tolist() == ["arm:c vs a"]  # R: armc
    assert check_separation(
        *MODELS["asah"][:3], event_level="Poor", reference_levels=MODELS["asah"][4]
    ).finite.all()


def test_firth_fallback_on_separation():
    ours = _fit(SEPARATED["sex2"], on_separation="firth")
    ref = _fixture("firth.csv", "sex2")
    assert ours.log_odds.tolist() == pytest.approx(ref.estimate.tolist(), rel=REL)
    assert ours.separation.all()
    assert ours.note.str.startswith(
        "separation: the maximum-likelihood estimate of dia (+Inf)"
    ).all()
    assert ours.note.str.contains("Firth penalized estimate reported").all()


# Firth = logistf -------------------------------------------------------------------

FIRTH = {**SEPARATED, "gastric_hscore": MODELS["gastric_hscore"]}


@pytest.mark.parametrize("case_id", FIRTH)
def test_firth_point_estimates_match_brglm2(case_id):
    ours = _fit(FIRTH[case_id], function=firth_odds_ratios)
    ref = _fixture("firth.csv", case_id)
    assert ours.term.tolist() == _ours(ref.term, FIRTH[case_id])
    # converged to a Newton step < 1e-10: abs 1e-9 covers coefficients near zero
    assert ours.log_odds.tolist() == pytest.approx(
        ref.estimate.tolist(), rel=REL, abs=1e-9
    )
    # logistf's SE (augmented information), evaluated in R at brglm2's estimate
    assert ours.std_error.tolist() == pytest.approx(
        ref.std_error_logistf.tolist(), rel=REL
    )
    # ... which is not brglm2's own SE
    assert not np.allclose(ours.std_error, ref.std_error_brglm2, rtol=1e-3)
    assert ours.note.eq("").all()


FIRTH_PL = pd.read_csv(FIXTURES.parent / "firth" / "firth_pl.csv")


@pytest.mark.parametrize("case_id", FIRTH_PL["id"].unique().tolist())
def test_firth_tests_and_profile_limits_match_r(case_id):
    """Penalized LR test and profile penalized-likelihood CI, as logistf(pl = TRUE) defines them."""
    ours = _fit({**SEPARATED, **MODELS}[case_id], function=firth_odds_ratios)
    ref = FIRTH_PL[FIRTH_PL["id"] == case_id]
    assert ours.term.tolist() == _ours(ref.term, {**SEPARATED, **MODELS}[case_id])
    tol = dict(rel=1e-8)
    assert ours.log_odds.tolist() == pytest.approx(ref.estimate.tolist(), **tol)
    assert ours.statistic.tolist() == pytest.approx(ref.lr_chisq.tolist(), **tol)
    assert ours.p_value.tolist() == pytest.approx(ref.p_value.tolist(), **tol)
    assert np.log(ours.conf_low).tolist() == pytest.approx(ref.pl_low.tolist(), **tol)
    assert np.log(ours.conf_high).tolist() == pytest.approx(ref.pl_high.tolist(), **tol)
    assert ours.note.eq("").all()


def test_firth_fit_does_not_stall_on_rounding_near_the_optimum():
    """A fit started at the optimum, where every change of l* is rounding noise,
    converges at once instead of halving steps until it gives up (firthmodels 0.8
    declared the 'complete' data not converged under some BLAS kernels)."""
    from her2cohort.stats.logistic import _design, _firth_fit

    data, outcome, covariates, event, reference = SEPARATED["complete"]
    design = _design(data, outcome, covariates, event, reference)
    fit, converged = _firth_fit(design.X, design.y)
    assert converged
    for scale in (1 + 1e-15, 1 - 1e-15, 1 + 1e-12):
        again, converged = _firth_fit(design.X, design.y, start=fit.beta * scale)
        assert converged
        assert again.beta.tolist() == pytest.approx(fit.beta.tolist(), rel=1e-9)


def test_firth_matches_logistf_on_firthmodels_reference_data():
    ours = _fit(SEPARATED["firth_separation"], function=firth_odds_ratios).set_index(
        "term"
    )
    order = [
        "separator",
        "x1",
        "x2",
        "x3",
        "(Intercept)",
    ]  # firthmodels puts the intercept last
    logistf = pd.DataFrame(
        {
            "coef": [
                3.6577140153,
                0.6759781501,
                -0.8633119501,
                0.3385788510,
                -0.4434562830,
            ],
            "se": [
                1.4822786334,
                0.2687886213,
                0.3874453554,
                0.1370778814,
                0.3452906671,
            ],
            "p": [
                0.0002084147149,
                0.0093173148959,
                0.0236385713206,
                0.0055887969164,
                0.1997147194,
            ],
            "lower": [
                1.3901042899,
                0.1602568036,
                -1.6677883758,
                0.0893054012,
                -1.16089382506,
            ],
            "upper": [
                8.5876062114,
                1.2568999211,
                -0.1135186948,
                0.6572681313,
                0.2295139209,
            ],
        },
        index=order,
    )
    ours = ours.loc[order]
    tol = dict(rel=1e-5)  # logistf's own convergence criteria are 1e-5
    assert ours.log_odds.tolist() == pytest.approx(logistf.coef.tolist(), **tol)
    assert ours.std_error.tolist() == pytest.approx(logistf.se.tolist(), **tol)
    assert ours.p_value.tolist() == pytest.approx(logistf.p.tolist(), **tol)
    assert np.log(ours.conf_low).tolist() == pytest.approx(
        logistf.lower.tolist(), **tol
    )
    assert np.log(ours.conf_high).tolist() == pytest.approx(
        logistf.upper.tolist(), **tol
    )
    assert ours.statistic_name.unique().tolist() == ["chi2"]


def test_firth_matches_logistf_documentation_example_sex2():
    ours = _fit(SEPARATED["sex2"], function=firth_odds_ratios)
    terms = ["(Intercept)"] + SEX2_COVARIATES
    assert ours.term.tolist() == terms
    # logistf tests/testthat/test-basic.R
    coef = [
        0.12025404,
        -1.10598130,
        -0.06881673,
        2.26887464,
        -2.11140816,
        -0.78831694,
        3.09601263,
    ]
    assert ours.log_odds.tolist() == pytest.approx(coef, rel=1e-5)
    # easystats/parameters snapshot of logistf's output (2 decimals; p 3 decimals)
    printed = {
        "se": [0.48, 0.41, 0.43, 0.54, 0.53, 0.41, 1.51],
        "low": [-0.82, -1.97, -0.94, 1.27, -3.26, -1.61, 0.77],
        "high": [1.07, -0.31, 0.79, 3.44, -1.12, 0.02, 8.03],
        "chi2": [0.06, 7.51, 0.02, 22.93, 19.10, 3.70, 7.90],
    }
    assert ours.std_error.round(2).tolist() == printed["se"]
    assert np.log(ours.conf_low).round(2).tolist() == printed["low"]
    assert np.log(ours.conf_high).round(2).tolist() == printed["high"]
    assert ours.statistic.round(2).tolist() == printed["chi2"]
    p = ours.p_value.round(3).tolist()
    assert [p[i] for i in (0, 1, 2, 5, 6)] == [0.802, 0.006, 0.875, 0.054, 0.005]
    assert p[3] < 0.001 and p[4] < 0.001


# degenerate input -----------------------------------------------------------------


def test_check_separation_with_a_single_outcome_value():
    data = pd.DataFrame({"y": [0, 0, 0], "x": [1.0, 2.0, 3.0]})
    assert check_separation(data, "y", "x").direction.tolist() == ["-Inf", ""]


def test_no_events_gives_na_with_note():
    data = pd.DataFrame({"y": [0, 0, 0, 0], "x": [1.0, 2.0, 3.0, 4.0]})
    for function in (logistic_odds_ratios, firth_odds_ratios):
        frame = function(data, "y", "x")
        assert frame.estimate.isna().all()
        assert frame.note.str.contains("no events").all()


def test_input_errors_are_clear():
    data = pd.DataFrame(
        {"y": ["a", "b", "a", "b"], "x": [1.0, 2.0, 3.0, 5.0], "k": 1.0}
    )
    with pytest.raises(StatisticsError, match="event_level"):
        logistic_odds_ratios(data, "y", "x")
    with pytest.raises(StatisticsError, match="rank"):
        logistic_odds_ratios(data, "y", ["x", "k"], event_level="b")
    with pytest.raises(StatisticsError, match="not found"):
        logistic_odds_ratios(data, "y", ["z"], event_level="b")
    with pytest.raises(StatisticsError, match="does not occur"):
        logistic_odds_ratios(data, "y", "x", event_level="c")
    with pytest.raises(StatisticsError, match="no complete observation"):
        logistic_odds_ratios(data.assign(x=np.nan), "y", "x", event_level="b")


def test_missing_values_are_dropped_and_counted():
    data, outcome, covariates, event, reference = MODELS["asah"]
    with_missing = data.copy()
    with_missing.loc[[0, 5], "s100b"] = np.nan
    frame = logistic_odds_ratios(
        with_missing, outcome, covariates, event_level=event, reference_levels=reference
    )
    assert set(frame.n) == {111}
    assert frame.note.str.contains("2 observation").all()
