"""Cox models and the proportional-hazards test against R (tests/r/cox.R, survival 3.5-3).

Tolerance: rel=1e-6 throughout. cox.py repeats R's coxfit6 iterations (same
start, steps, step-halving and stopping rule), so its coefficients are R's up
to floating-point rounding (observed agreement ~1e-13), not merely
within a convergence tolerance; the tests, p-values and cox.zph statistics are
then closed-form in those coefficients.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort.stats._result import RESULT_COLUMNS, StatisticsError
from her2cohort.stats.cox import cox_model, proportional_hazards_test

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "r" / "cox"
REL = 1e-6


def _lung() -> pd.DataFrame:
    lung = pd.read_csv(DATA / "lung.csv")
    lung["dead"] = (lung["status"] == 2).astype(int)  # survival::lung codes 1 = censored, 2 = dead
    return lung


LUNG = _lung()
VETERAN = pd.read_csv(DATA / "veteran.csv")
TIES = pd.read_csv(DATA / "cox_ties.csv")
MONOTONE = pd.read_csv(DATA / "cox_monotone.csv")
COLLINEAR = pd.read_csv(DATA / "cox_collinear.csv")

LUNG_ARGS = dict(data=LUNG, time="time", event="dead")
VET_ARGS = dict(data=VETERAN, time="time", event="status")
CELLTYPE_REF = {"celltype": "squamous"}

# model name in the fixtures -> our call (same model as tests/r/cox.R)
MODELS = {
    "lung_age": dict(**LUNG_ARGS, covariates=["age"]),
    "lung_sex": dict(**LUNG_ARGS, covariates=["sex"]),
    "lung_ecog": dict(**LUNG_ARGS, covariates=["ph.ecog"]),
    "lung_multi": dict(**LUNG_ARGS, covariates=["age", "sex", "ph.ecog"]),
    "lung_multi_breslow": dict(**LUNG_ARGS, covariates=["age", "sex", "ph.ecog"], ties="breslow"),
    "lung_strata_sex": dict(**LUNG_ARGS, covariates=["age", "ph.ecog"], strata="sex"),
    "veteran_multi": dict(
        **VET_ARGS, covariates=["trt", "celltype", "karno"], reference_levels=CELLTYPE_REF
    ),
    "veteran_strata": dict(**VET_ARGS, covariates=["trt", "karno"], strata="celltype"),
    "ties_efron": dict(data=TIES, time="time", event="event", covariates=["x", "arm"]),
    "ties_breslow": dict(
        data=TIES, time="time", event="event", covariates=["x", "arm"], ties="breslow"
    ),
    "monotone": dict(data=MONOTONE, time="time", event="event", covariates=["group", "x"]),
    "collinear": dict(data=COLLINEAR, time="time", event="event", covariates=["x1", "x2", "z"]),
}
# R's coefficient names -> ours
R_TERMS = {
    "celltypeadeno": "celltype:adeno vs squamous",
    "celltypelarge": "celltype:large vs squamous",
    "celltypesmallcell": "celltype:smallcell vs squamous",
    "armtreated": "arm:treated vs control",
    "groupB": "group:B vs A",
    "groupC": "group:C vs A",
}

R_COEF = pd.read_csv(FIXTURES / "coef.csv")
R_TESTS = pd.read_csv(FIXTURES / "tests.csv").set_index("model")
R_ZPH = pd.read_csv(FIXTURES / "zph.csv")

_FITS: dict[str, pd.DataFrame] = {}


def fitted(model: str) -> pd.DataFrame:
    if model not in _FITS:
        _FITS[model] = cox_model(**MODELS[model]).set_index("term")
    return _FITS[model]


def test_fixtures_come_from_the_expected_r():
    versions = pd.read_csv(FIXTURES / "versions.csv").set_index("software")["version"]
    assert versions["survival"] == "3.5.3"
    assert versions["R"].startswith("R version 4.2.2")


@pytest.mark.parametrize("model", list(MODELS))
def test_coefficients_match_r(model):
    ours = fitted(model)
    expected = R_COEF[R_COEF["model"] == model]
    assert len(expected) > 0
    assert list(ours.index[ours["row_kind"] == "coefficient"]) == [
        R_TERMS.get(t, t) for t in expected["term"]
    ]
    for r in expected.itertuples():
        row = ours.loc[R_TERMS.get(r.term, r.term)]
        if math.isnan(r.coef):  # R: NA (collinear)
            assert math.isnan(row["estimate"]) and "collinear" in row["note"]
            continue
        if model == "monotone" and r.term == "groupC":  # R: -19.4, "may be infinite"
            assert math.isnan(row["estimate"]) and math.isnan(row["std_error"])
            assert "monotone likelihood" in row["note"] and "-infinity" in row["note"]
            continue
        assert row["coef"] == pytest.approx(r.coef, rel=REL)
        assert row["estimate"] == pytest.approx(r.exp_coef, rel=REL)
        assert row["std_error"] == pytest.approx(r.se_coef, rel=REL)
        assert row["statistic"] == pytest.approx(r.z, rel=REL)
        assert row["p_value"] == pytest.approx(r.p, rel=REL)
        assert row["conf_low"] == pytest.approx(r.conf_low, rel=REL)
        assert row["conf_high"] == pytest.approx(r.conf_high, rel=REL)
        assert row["statistic_name"] == "z" and row["conf_level"] == 0.95
        assert row["note"] == ""


@pytest.mark.parametrize("model", list(MODELS))
def test_model_tests_match_r(model):
    ours = fitted(model)
    r = R_TESTS.loc[model]
    for term, stat in (
        ("likelihood_ratio_test", "lr"),
        ("wald_test", "wald"),
        ("score_test", "score"),
    ):
        row = ours.loc[term]
        assert row["n"] == r["n"] and row["n_events"] == r["nevent"]
        if model == "monotone" and stat == "wald":  # uses the infinite coefficient
            assert math.isnan(row["statistic"]) and "monotone" in row["note"]
            continue
        assert row["statistic"] == pytest.approx(r[stat], rel=REL)
        assert row["df"] == r[f"{stat}_df"]
        assert row["p_value"] == pytest.approx(r[f"{stat}_p"], rel=REL)
        assert row["loglik_null"] == pytest.approx(r["loglik_null"], rel=REL)
        assert row["loglik"] == pytest.approx(r["loglik"], rel=REL)
    assert ours.loc["concordance", "estimate"] == pytest.approx(r["concordance"], rel=REL)


ZPH_CALLS = {name: (name, {}) for name in MODELS}
ZPH_CALLS.update(
    {
        "veteran_multi_coefwise": ("veteran_multi", {"terms": False}),
        "veteran_multi_identity": ("veteran_multi", {"transform": "identity"}),
        "veteran_multi_rank": ("veteran_multi", {"transform": "rank"}),
        "veteran_multi_log": ("veteran_multi", {"transform": "log"}),
    }
)


@pytest.mark.parametrize("name", list(ZPH_CALLS))
def test_proportional_hazards_test_matches_cox_zph(name):
    model, extra = ZPH_CALLS[name]
    ours = proportional_hazards_test(**MODELS[model], **extra).set_index("term")
    expected = R_ZPH[R_ZPH["model"] == name]
    assert len(expected) > 0
    assert list(ours.index) == [R_TERMS.get(t, t) for t in expected["term"]]
    for r in expected.itertuples():
        row = ours.loc[R_TERMS.get(r.term, r.term)]
        assert row["statistic"] == pytest.approx(r.chisq, rel=REL)
        assert row["df"] == r.df
        assert row["p_value"] == pytest.approx(r.p, rel=REL)
        assert row["statistic_name"] == "chi2"


# ---- shape, naming, conventions --------------------------------------------


def test_result_shape_and_convention():
    out = cox_model(**MODELS["veteran_multi"])
    assert list(out.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert {"coef", "row_kind", "n_events", "loglik", "loglik_null"} <= set(out.columns)
    assert out["row_kind"].tolist() == ["coefficient"] * 5 + ["model_test"] * 3 + ["concordance"]
    assert (out["convention"].iloc[:8] == "survival::coxph(ties = 'efron'); summary.coxph").all()
    zph = proportional_hazards_test(**MODELS["veteran_multi"])
    assert zph["convention"].iloc[0] == "survival::cox.zph(fit, transform = 'km', terms = TRUE)"


def test_missing_rows_dropped_and_reported():
    out = fitted("lung_multi")  # ph.ecog has one NA, as R's na.omit
    assert out.loc["likelihood_ratio_test", "n"] == 227
    assert "1 observation(s) deleted due to missingness" in out.loc["wald_test", "note"]


def test_numeric_column_as_categorical_with_reference_level():
    numeric = cox_model(**MODELS["veteran_multi"]).set_index("term")
    as_factor = cox_model(
        **{**MODELS["veteran_multi"], "reference_levels": {"trt": 1, "celltype": "squamous"}}
    )
    as_factor = as_factor.set_index("term")
    assert "trt:2 vs 1" in as_factor.index
    assert as_factor.loc["trt:2 vs 1", "estimate"] == pytest.approx(
        numeric.loc["trt", "estimate"], rel=1e-12
    )


def test_categorical_dtype_order_sets_default_reference():
    data = VETERAN.copy()
    data["celltype"] = pd.Categorical(
        data["celltype"], categories=["squamous", "smallcell", "adeno", "large"]
    )
    out = cox_model(data, "time", "status", ["trt", "celltype", "karno"]).set_index("term")
    reference = fitted("veteran_multi")
    for level in ("smallcell", "adeno", "large"):
        term = f"celltype:{level} vs squamous"
        assert out.loc[term, "estimate"] == pytest.approx(
            reference.loc[term, "estimate"], rel=1e-12
        )
    # plain strings: sorted levels, the first ("adeno") is the default reference
    default = cox_model(VETERAN, "time", "status", ["celltype"]).set_index("term")
    assert "celltype:squamous vs adeno" in default.index


def test_strata_from_several_columns():
    data = LUNG.assign(old=(LUNG["age"] >= 65).astype(int))
    out = cox_model(data, "time", "dead", ["ph.ecog"], strata=["sex", "old"]).set_index("term")
    single = cox_model(
        data.assign(combo=data["sex"] * 10 + data["old"]),
        "time",
        "dead",
        ["ph.ecog"],
        strata="combo",
    ).set_index("term")
    assert out.loc["ph.ecog", "estimate"] == pytest.approx(
        single.loc["ph.ecog", "estimate"], rel=1e-12
    )
    assert out.loc["ph.ecog", "estimate"] != pytest.approx(
        fitted("lung_ecog").loc["ph.ecog", "estimate"], rel=1e-3
    )


def test_efron_equals_breslow_without_ties():
    data = LUNG.dropna(subset=["ph.ecog"]).drop_duplicates("time")
    efron = cox_model(data, "time", "dead", ["age", "sex"]).set_index("term")
    breslow = cox_model(data, "time", "dead", ["age", "sex"], ties="breslow").set_index("term")
    assert efron.loc["sex", "coef"] == pytest.approx(breslow.loc["sex", "coef"], rel=1e-12)


def test_near_equal_times_are_tied_as_r_timefix():
    # R's coxph(timefix = TRUE) treats times closer than ~1.5e-8 as tied
    data = TIES.astype({"time": float})
    data.loc[data.index[::2], "time"] += 1e-12
    out = cox_model(data, "time", "event", ["x", "arm"]).set_index("term")
    assert out.loc["x", "coef"] == pytest.approx(fitted("ties_efron").loc["x", "coef"], rel=REL)


# ---- where the usual Python defaults differ from R ------------------------


def test_statsmodels_default_is_breslow_but_r_default_is_efron():
    from statsmodels.duration.hazard_regression import PHReg

    exog = pd.DataFrame({"x": TIES["x"], "treated": (TIES["arm"] == "treated").astype(float)})
    default = PHReg(TIES["time"], exog, status=TIES["event"]).fit().params
    efron_r = fitted("ties_efron").loc["x", "coef"]
    breslow_ours = fitted("ties_breslow").loc["x", "coef"]
    assert default[0] == pytest.approx(breslow_ours, rel=1e-6)
    assert abs(default[0] / efron_r - 1) > 0.05  # a visible difference on tied data
    assert cox_model(**MODELS["ties_efron"]).loc[0, "coef"] == pytest.approx(efron_r, rel=1e-12)


def test_lifelines_defaults_differ_from_r_and_we_do_not():
    """lifelines' default convergence stops ~4e-6 (relative) short of R's
    coefficients, and its proportional_hazard_test is the pre-3.0 cox.zph
    (regression of scaled Schoenfeld residuals), not survival 3.x's score test."""
    lifelines = pytest.importorskip("lifelines")
    from lifelines.statistics import proportional_hazard_test as lifelines_zph

    data = LUNG[["time", "dead", "age", "sex", "ph.ecog"]].dropna()
    cph = lifelines.CoxPHFitter().fit(data, "time", "dead")
    r_sex = R_COEF.query("model == 'lung_multi' and term == 'sex'")["coef"].item()
    assert cph.params_["sex"] != pytest.approx(r_sex, rel=1e-6)
    assert cph.params_["sex"] == pytest.approx(r_sex, rel=1e-4)
    assert fitted("lung_multi").loc["sex", "coef"] == pytest.approx(r_sex, rel=1e-9)

    old_style = lifelines_zph(cph, data, time_transform="km").summary["test_statistic"]
    r_age = R_ZPH.query("model == 'lung_multi' and term == 'age'")["chisq"].item()
    ours = proportional_hazards_test(**MODELS["lung_multi"]).set_index("term")
    assert ours.loc["age", "statistic"] == pytest.approx(r_age, rel=REL)
    assert abs(old_style["age"] - r_age) > 0.1


# ---- degenerate input ------------------------------------------------------


def test_monotone_likelihood_ph_test_is_the_limit():
    """R computes cox.zph where the fit stopped (beta_C = -19.4); moving that
    coefficient further towards -inf leaves the chi-squares unchanged, so the
    reported values are limits, not artefacts of the stopping point."""
    from her2cohort.stats.cox import _design, _fit, _time_transform

    design = _design(MONOTONE, "time", "event", ["group", "x"], None, None)
    fit = _fit(design, "efron")
    assert fit.infinite.tolist() == [False, True, False]
    g = _time_transform(design.time, design.event, "km")
    g = (g - g[design.event].mean())[fit.risk_sets.order][fit.risk_sets.deaths]
    x = fit.x_sorted - fit.x_sorted.mean(axis=0)

    def global_chisq(shift):
        beta = fit.coef + np.array([0.0, shift, 0.0])
        _, u, info = fit.risk_sets.derivatives(x, beta, time_weight=g)
        u = np.concatenate([np.zeros(3), u[3:]])
        return u @ np.linalg.solve(info, u)

    assert global_chisq(-10.0) == pytest.approx(global_chisq(0.0), rel=1e-8)
    zph = proportional_hazards_test(**MODELS["monotone"]).set_index("term")
    assert "monotone" in zph.loc["group", "note"] and zph.loc["x", "note"] == ""


def test_no_events_gives_na_with_note():
    data = LUNG.assign(dead=0)
    out = cox_model(data, "time", "dead", ["age", "sex"])
    assert out["estimate"].isna().all() and out["statistic"].isna().all()
    assert all("no events" in note for note in out["note"])
    zph = proportional_hazards_test(data, "time", "dead", ["age", "sex"])
    assert zph["statistic"].isna().all() and "no events" in zph["note"].iloc[0]


def test_constant_covariate_is_na_and_others_still_fit():
    data = LUNG.assign(site=1.0)
    out = cox_model(data, "time", "dead", ["age", "site"]).set_index("term")
    assert math.isnan(out.loc["site", "estimate"]) and "constant" in out.loc["site", "note"]
    assert out.loc["age", "coef"] == pytest.approx(fitted("lung_age").loc["age", "coef"], rel=1e-10)
    assert out.loc["likelihood_ratio_test", "df"] == 1


def test_single_level_factor_is_na():
    data = LUNG.assign(arm="A")
    out = cox_model(data, "time", "dead", ["age", "arm"]).set_index("term")
    assert math.isnan(out.loc["arm:A (only level)", "estimate"])
    assert "constant" in out.loc["arm:A (only level)", "note"]


def test_collinear_covariates_named_in_note():
    out = fitted("collinear")
    assert "collinear" in out.loc["x2", "note"] and out.loc["x1", "note"] == ""
    zph = proportional_hazards_test(**MODELS["collinear"])
    assert zph["term"].tolist() == ["x1", "z", "GLOBAL"]  # as cox.zph drops NA coefficients


def test_one_event_still_fits_and_tests_are_finite():
    data = LUNG.iloc[:30].assign(dead=[1] + [0] * 29)
    out = cox_model(data, "time", "dead", ["age"]).set_index("term")
    # with one event the likelihood is monotone or fits; either way no silent huge HR
    hr = out.loc["age", "estimate"]
    assert math.isnan(hr) or 1e-3 < hr < 1e3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(event="status"), "0/1 or boolean"),  # lung's 1/2 coding
        (dict(covariates=["nope"]), "not in data"),
        (dict(covariates=[]), "at least one covariate"),
        (dict(ties="exact"), "ties must be"),
        (dict(reference_levels={"sex": 3}), "not among its observed levels"),
        (dict(reference_levels={"inst": 1}), "non-covariates"),
        (dict(conf_level=95), "conf_level"),
    ],
)
def test_bad_input_raises_clear_error(kwargs, message):
    call = dict(data=LUNG, time="time", event="dead", covariates=["age", "sex"])
    call.update(kwargs)
    with pytest.raises(StatisticsError, match=message):
        cox_model(**call)


def test_all_rows_missing_raises():
    data = LUNG.assign(age=np.nan)
    with pytest.raises(StatisticsError, match="no complete observations"):
        cox_model(data, "time", "dead", ["age"])


# ---- scale -----------------------------------------------------------------


def test_large_sample_agrees_with_independent_implementation():
    """Vectorised risk sets at 3x10^4 patients with ties, against statsmodels'
    Breslow fit (an independent implementation) and the simulated truth."""
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(7)
    n = 30_000
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.uniform(size=n)])
    truth = np.array([0.3, -0.5, 0.2])
    event_time = rng.exponential(1 / np.exp(x @ truth))
    censor = rng.exponential(2.0, n)
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(
        time=np.round(np.minimum(event_time, censor), 2),
        event=(event_time <= censor).astype(int),
        centre=rng.integers(0, 3, n),
    )
    ours = cox_model(
        data, "time", "event", ["a", "b", "c"], ties="breslow", strata="centre", concordance=False
    ).set_index("term")
    reference = PHReg(
        data["time"], data[["a", "b", "c"]], status=data["event"], strata=data["centre"]
    ).fit()
    assert ours.loc[["a", "b", "c"], "coef"].to_numpy() == pytest.approx(reference.params, rel=1e-6)
    assert ours.loc[["a", "b", "c"], "std_error"].to_numpy() == pytest.approx(
        reference.bse, rel=1e-6
    )
    efron = cox_model(data, "time", "event", ["a", "b", "c"], strata="centre").set_index("term")
    assert efron.loc[["a", "b", "c"], "coef"].to_numpy() == pytest.approx(truth, abs=0.05)
