"""The hazard-ratio table layout (her2cohort.render.hazard_table): Table 2 / ESM 4 of a survival paper
from Cox results, with the counts per level, the reference rows and every number in the tidy table."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.numbers import Printed
from her2cohort.render.tables import LAYOUTS
from her2cohort.results import Results
from her2cohort.stats.cox import cox_model
from her2cohort.stats.table1 import baseline_table


@pytest.fixture(scope="module")
def lung():
    data = pd.read_csv(ROOT / "tests" / "data" / "lung.csv").dropna(subset=["ph.ecog"])
    return data.assign(event=data["status"] - 1, female=data["sex"] == 2, ecog_ge_2=data["ph.ecog"] >= 2)


@pytest.fixture(scope="module")
def tables(lung):
    return {
        "multi": cox_model(lung, "time", "event", ["female", "ecog_ge_2", "age"], reference_levels={"female": False, "ecog_ge_2": False}),
        "sex_only": cox_model(lung, "time", "event", ["female"], reference_levels={"female": False}),
        "counts": baseline_table(lung, [{"name": "female", "levels": [False, True]}, {"name": "ecog_ge_2", "levels": [False, True]}]),
    }


SPEC = {
    "endpoints": [{"label": "OS"}, {"label": "OS (univariable)"}],
    "counts_from": "counts",
    "covariates": [
        {"label": "Sex", "variable": "female", "levels": [{"level": False, "label": "Male"}, {"level": True, "label": "Female"}], "models": {"OS": "multi", "OS (univariable)": "sex_only"}},
        {"label": "Age (per year)", "variable": "age", "models": {"OS": "multi", "OS (univariable)": "multi"}},
    ],
}


def test_layout_rows_references_counts_and_p(tables):
    assert "hazard_ratios" in LAYOUTS
    display, tidy = LAYOUTS["hazard_ratios"](Results.from_tables(tables), SPEC, Printed())
    assert list(display.columns) == ["Covariate", "n", "OS HR (95% CI)", "OS p", "OS (univariable) HR (95% CI)", "OS (univariable) p"]
    assert list(display["Covariate"]) == ["Sex", "  Male (reference)", "  Female", "Age (per year)"]
    assert list(display["n"]) == ["", "137", "90", ""]
    assert display.loc[1, "OS HR (95% CI)"] == "1 (reference)"
    female = tables["multi"].set_index("term").loc["female:True vs False"]
    assert display.loc[2, "OS HR (95% CI)"] == f"{female['estimate']:.2f} ({female['conf_low']:.2f}\u2013{female['conf_high']:.2f})"
    assert display.loc[0, "OS p"] == f"{female['p_value']:.3f}"  # a binary covariate's p on its header row
    # the tidy table keeps full precision, the z statistic and the model's size
    row = tidy[(tidy["variable"] == "female") & (tidy["endpoint"] == "OS") & ~tidy["reference"]].iloc[0]
    assert row["estimate"] == female["estimate"] and row["statistic"] == female["statistic"] and row["n_model"] == 227
    univariable = tables["sex_only"].set_index("term").loc["female:True vs False"]
    assert tidy[(tidy["variable"] == "female") & (tidy["endpoint"] == "OS (univariable)") & ~tidy["reference"]].iloc[0]["estimate"] == univariable["estimate"]
    age = tables["multi"].set_index("term").loc["age"]
    assert display.loc[3, "OS p"] == f"{age['p_value']:.3f}"


def test_a_missing_coefficient_or_model_is_an_error_naming_it(tables):
    bad = {**SPEC, "covariates": [{"label": "Sex", "variable": "female", "levels": [{"level": False}, {"level": "other"}], "models": {"OS": "multi", "OS (univariable)": "multi"}}]}
    with pytest.raises(ValueError, match=r"no row of 'counts' has \{row_type: summary, variable: female, group: Total, level: other\}; its rows: .*level: False\}; .*level: True\}"):
        LAYOUTS["hazard_ratios"](Results.from_tables(tables), bad, Printed())
    without_counts = {key: value for key, value in bad.items() if key != "counts_from"}
    with pytest.raises(ValueError, match="analysis 'multi': 0 coefficients of 'female' at level 'other'"):
        LAYOUTS["hazard_ratios"](Results.from_tables(tables), without_counts, Printed())
    missing = {**SPEC, "covariates": [{**SPEC["covariates"][0], "models": {"OS": "multi"}}]}
    with pytest.raises(ValueError, match="no model for endpoint"):
        LAYOUTS["hazard_ratios"](Results.from_tables(tables), missing, Printed())
