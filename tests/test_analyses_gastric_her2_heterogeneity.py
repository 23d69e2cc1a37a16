"""Declared analyses of gastric_her2_heterogeneity, run on the analysis set built from the committed raw data.

Every analysis must return rows. Numbers the reconstruction was built to match
(counts, percentages, medians: ``basis: input``) must equal the published ones
at printed precision; the published values are read from
``data/published/gastric_her2_heterogeneity.yaml``, never copied here.
Held-out numbers (p-values, ORs, HRs, CIs) are not expected to match a
synthetic cohort: they are computed, checked to be finite and recorded
(``record_property``), with whether they happen to match at printed precision.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.analyses import run_analysis
from recount import assert_printed, cleaned, published_by_location, rounded

STUDY = "gastric_her2_heterogeneity"
#: Published column names -> levels of ``baseline_ihc_heterogeneity``.
GROUPS = {"hetero": "heterogeneous", "homo": "homogeneous"}


@pytest.fixture(scope="module")
def study():
    built = cleaned(STUDY)
    config = built.config
    results = {a["id"]: run_analysis(built.analysis, a, config.get("derive")) for a in config["analyses"]}
    return config, results


@pytest.fixture(scope="module")
def published():
    return published_by_location(STUDY)


def same_level(a, b) -> bool:
    if str(a) == str(b):
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def summary(table: pd.DataFrame, variable: str, level=None, group: str = "Total") -> pd.Series:
    rows = table[(table.row_type == "summary") & (table.variable == variable) & (table.group == group)]
    if level is not None:
        rows = rows[[same_level(x, level) for x in rows.level]]
    assert len(rows) == 1, (variable, level, group)
    return rows.iloc[0]


def association_row(table: pd.DataFrame, variable: str) -> pd.Series:
    return table[(table.row_type == "test") & (table.variable == variable)].iloc[0]


def coefficient(result: pd.DataFrame, term_start: str) -> pd.Series:
    rows = result[(result.row_kind == "coefficient") & result.term.str.startswith(term_start)]
    assert len(rows) == 1, term_start
    return rows.iloc[0]


def median_row(result: pd.DataFrame, group: str | None = None) -> pd.Series:
    return result.iloc[0] if group is None else result[result.group == group].iloc[0]


def test_every_declared_analysis_returns_rows(study):
    config, results = study
    assert [a["id"] for a in config["analyses"]] == list(results)
    for analysis_id, result in results.items():
        assert len(result) > 0, analysis_id
        assert (result["analysis"] == analysis_id).all()


# Table 1 rows -> (variable, level) of the analysis set with the study's derived columns.
TABLE1 = {
    "Age / ≥ 67": ("age_ge_67", True),
    "Age / < 66": ("age_ge_67", False),
    "Sex / Male": ("sex", "male"),
    "Sex / Female": ("sex", "female"),
    "ECOG PS / 0": ("ecog", 0),
    "ECOG PS / 1": ("ecog", 1),
    "Primary tumor site / EGJ": ("primary_site", "gej"),
    "Primary tumor site / Stomach": ("primary_site", "stomach"),
    "Histological type / Differentiated type": ("histology", "differentiated"),
    "Histological type / Undifferentiated type": ("histology", "undifferentiated"),
    "Visceral metastasis / Yes": ("visceral_metastasis", True),
    "Visceral metastasis / No": ("visceral_metastasis", False),
    "Previous gastrectomy / Yes": ("previous_gastrectomy", True),
    "Previous gastrectomy / No": ("previous_gastrectomy", False),
    "Platinum-based / Yes": ("platinum_based", True),
    "Platinum-based / No": ("platinum_based", False),
    "Conversion surgery / Yes": ("conversion_surgery", True),
    "Conversion surgery / No": ("conversion_surgery", False),
    "Second line chemotherapy / Yes": ("second_line", True),
    "Second line chemotherapy / No": ("second_line", False),
    "Beyond HER2 targeted therapy / Yes": ("beyond_her2", True),
    "Beyond HER2 targeted therapy / No": ("beyond_her2", False),
    "HER2 status / IHC 3+": ("baseline_ihc_score", 3),
    "HER2 status / IHC 2+/FISH positive": ("baseline_ihc_score", 2),
    "CEA (ng/ml) / ≥ 5.0": ("cea_ge_5", True),
    "CEA (ng/ml) / < 5.0": ("cea_ge_5", False),
    "CA 19-9 (U/ml) / ≥ 37.0": ("ca19_9_ge_37", True),
    "CA 19-9 (U/ml) / < 37.0": ("ca19_9_ge_37", False),
}
#: Table 1 p-value rows -> the variable whose Fisher test gives it.
TABLE1_TESTS = {
    "Age": "age_ge_67", "Sex": "sex", "ECOG PS": "ecog", "Primary tumor site": "primary_site",
    "Histological type": "histology", "Visceral metastasis": "visceral_metastasis",
    "Previous gastrectomy": "previous_gastrectomy", "Platinum-based": "platinum_based",
    "Conversion surgery": "conversion_surgery", "Second line chemotherapy": "second_line",
    "Beyond HER2 targeted therapy": "beyond_her2", "HER2 status": "baseline_ihc_score",
    "CEA (ng/ml)": "cea_ge_5", "CA 19-9 (U/ml)": "ca19_9_ge_37",
}


def test_table1_counts_percentages_and_age(study, published):
    _, results = study
    table = results["characteristics_by_heterogeneity"]
    for column, group in GROUPS.items():
        assert_printed(published, f"Table 1 / header / {column} / n", summary(table, "age_years", group=group)["n"])
        assert_printed(published, f"Table 1 / Age / {column} / median", summary(table, "age_years", group=group)["median"])
        for row, (variable, level) in TABLE1.items():
            cell = summary(table, variable, level, group)
            assert_printed(published, f"Table 1 / {row} / {column} / n", cell["n"])
            assert_printed(published, f"Table 1 / {row} / {column} / %", cell["percent"])
    # the age median is described, not tested; every other row is tested by Fisher
    tested = set(table.loc[table.row_type == "test", "variable"])
    assert tested == set(TABLE1_TESTS.values())
    assert (table.loc[table.row_type == "test", "method"] == "Fisher's exact test").all()


def test_table2_group_sizes(study, published):
    _, results = study
    table = results["characteristics_by_heterogeneity"]
    assert_printed(published, "Table 2 / Age / 67 ≥ / n", summary(table, "age_ge_67", True)["n"])
    assert_printed(published, "Table 2 / Age / < 66 / n", summary(table, "age_ge_67", False)["n"])
    assert_printed(published, "Table 2 / Platinum-based / Yes / n", summary(table, "platinum_based", True)["n"])
    assert_printed(published, "Table 2 / Platinum-based / No / n", summary(table, "platinum_based", False)["n"])
    assert_printed(published, "Table 2 / HER2 heterogeneity / Yes / n", summary(table, "age_years", group="heterogeneous")["n"])
    assert_printed(published, "Table 2 / HER2 heterogeneity / No / n", summary(table, "age_years", group="homogeneous")["n"])
    for endpoint in ("pfs", "os"):
        assert results[f"{endpoint}_cox_multivariable"]["n"].iloc[0] == summary(table, "age_years")["n"]


def test_biopsy_fragments_and_treatment(study, published):
    _, results = study
    table = results["biopsy_fragments"]
    base = "Results / Patient characteristics"
    # the study's own specimen variable reaches the analysis set as baseline_n_biopsy_specimens
    assert_printed(published, f"{base} / biopsy specimens / median", summary(table, "baseline_n_biopsy_specimens")["median"])
    tumour = summary(table, "baseline_n_fragments_tumour")
    assert_printed(published, f"{base} / fragments with cancer cells / median", tumour["median"])
    assert_printed(published, f"{base} / fragments with cancer cells / range_low", tumour["minimum"])
    assert_printed(published, f"{base} / fragments with cancer cells / range_high", tumour["maximum"])
    assert_printed(published, f"{base} / HER2-positive fragments / median", summary(table, "baseline_n_fragments_her2_positive")["median"])
    assert_printed(published, f"{base} / HER2 3+ fragments / median", summary(table, "baseline_n_fragments_3plus")["median"])
    assert_printed(published, f"{base} / HER2 IHC 3+ / n", summary(table, "baseline_ihc_score", 3)["n"])
    assert_printed(published, f"{base} / HER2 IHC 3+ / %", summary(table, "baseline_ihc_score", 3)["percent"])
    cycles = summary(table, "trastuzumab_cycles")
    assert_printed(published, "Results / Survival / trastuzumab cycles / median", cycles["median"])
    assert_printed(published, "Results / Survival / trastuzumab cycles / range_low", cycles["minimum"])
    assert_printed(published, "Results / Survival / trastuzumab cycles / range_high", cycles["maximum"])
    characteristics = results["characteristics_by_heterogeneity"]
    for row, (variable, level) in {
        "platinum doublet / %": ("platinum_based", True), "without platinum / %": ("platinum_based", False),
        "second-line therapy / %": ("second_line", True), "conversion surgery / %": ("conversion_surgery", True),
    }.items():
        assert_printed(published, f"{base} / {row}", summary(characteristics, variable, level)["percent"])
    for row, (variable, level) in {
        "without platinum / n": ("platinum_based", False), "second-line therapy / n": ("second_line", True),
        "conversion surgery / n": ("conversion_surgery", True), "second-line anti-HER2 antibody / total / n": ("beyond_her2", True),
    }.items():
        assert_printed(published, f"{base} / {row}", summary(characteristics, variable, level)["n"])
    for column, group in GROUPS.items():
        assert_printed(published, f"{base} / second-line anti-HER2 antibody / {column} / n", summary(characteristics, "beyond_her2", True, group)["n"])


def test_survival_medians(study, published):
    _, results = study
    for endpoint, label in (("pfs", "PFS"), ("os", "OS")):
        overall = results[f"{endpoint}_median"]
        assert overall["convention"].iloc[0].find("log-log") >= 0  # EZR's survfit conf.type
        assert_printed(published, f"Abstract / Results / total / median {label}", median_row(overall)["estimate"])
        assert_printed(published, f"Results / Survival / {label} / total / median", median_row(overall)["estimate"])
        by_group = results[f"{endpoint}_median_by_heterogeneity"]
        for column, group in GROUPS.items():
            m = median_row(by_group, group)["estimate"]
            assert_printed(published, f"Abstract / Results / {label} / {column} / median", m)
            assert_printed(published, f"Results / Survival / {label} / {column} / median", m)
            assert_printed(published, f"Table 4 / m{label} / {column} / biopsy specimens / median", m)


def test_follow_up(study, published):
    _, results = study
    # The printed 17.8 months is the median observed time of all 87 patients
    # (the paper does not say how it computed follow-up).
    everyone = results["follow_up_all_patients"].iloc[0]
    assert everyone["method"] == "median observed time of all patients (to event or censoring)" and everyone["n"] == 87
    observed = everyone["estimate"]
    assert_printed(published, "Abstract / Results / median follow-up", observed)
    assert_printed(published, "Results / Survival / median follow-up", observed)
    # The reverse Kaplan-Meier median is far longer here (accrual ended two years
    # before the data cut-off): not the paper's number, shown beside it and labelled.
    reverse = results["follow_up"].iloc[0]
    assert reverse["method"].startswith("reverse Kaplan-Meier")
    assert reverse["estimate"] > observed
    assert (everyone["min_time"], everyone["max_time"]) == (reverse["min_time"], reverse["max_time"])


def test_best_response_and_rates(study, published):
    _, results = study
    table = results["best_response_by_heterogeneity"]
    assert_printed(published, "Results / Response / evaluated / total / n", summary(table, "best_response", "CR")["denominator"])
    for level in ("CR", "PR", "SD", "PD"):
        cell = summary(table, "best_response", level)
        assert_printed(published, f"Results / Response / best response / {level} / total / n", cell["n"])
        assert_printed(published, f"Results / Response / best response / {level} / total / %", cell["percent"])
    for column, group in GROUPS.items():
        assert_printed(published, f"Results / Response / evaluated / {column} / n", summary(table, "best_response", "CR", group)["denominator"])
        assert_printed(published, f"Table 3 / header / {column} / n", summary(table, "best_response", "CR", group)["denominator"])
        for level in ("CR", "PR", "SD", "PD"):
            cell = summary(table, "best_response", level, group)
            assert_printed(published, f"Table 3 / {level} / {column} / n", cell["n"])
            assert_printed(published, f"Table 3 / {level} / {column} / %", cell["percent"])
    overall = results["objective_response"].iloc[0]
    assert_printed(published, "Abstract / Results / total / ORR", 100 * overall["estimate"])
    assert_printed(published, "Results / Response / ORR / total / %", 100 * overall["estimate"])
    assert_printed(published, "Results / Response / DCR / total / %", 100 * results["disease_control_rate"].iloc[0]["estimate"])
    by_group = results["objective_response_by_heterogeneity"].set_index("term")
    for column, group in GROUPS.items():
        row = by_group.loc[group]
        assert_printed(published, f"Table 3 / ORR / {column} / n", row["successes"])
        for location in (f"Table 3 / ORR / {column} / %", f"Abstract / Results / ORR / {column} / %", f"Results / Response / ORR / {column} / %"):
            assert_printed(published, location, 100 * row["estimate"])
    fisher = results["objective_response_fisher"].iloc[0]
    assert fisher["method"] == "Fisher's exact test" and fisher["table_shape"] == "2x2"


def test_depth_of_response(study, published):
    _, results = study
    table = results["depth_of_response_summary"]
    test = results["depth_of_response"].iloc[0]
    assert (test["group_x"], test["group_y"]) == ("homogeneous", "heterogeneous")
    for column, group in GROUPS.items():
        cell = summary(table, "best_percent_change", group=group)
        assert cell["median"] == test["median_x" if group == "homogeneous" else "median_y"]
        for location in (f"Abstract / Results / depth of response / {column} / median", f"Results / Response / depth of response / {column} / median"):
            assert_printed(published, location, cell["median"])
        assert_printed(published, f"Results / Response / depth of response / {column} / iqr_low", cell["q1"])
        assert_printed(published, f"Results / Response / depth of response / {column} / iqr_high", cell["q3"])


def held_out_numbers(results: dict[str, pd.DataFrame]) -> dict[str, float]:
    """location -> the value our analyses compute for each held-out number of the paper."""
    out: dict[str, float] = {}
    table1 = results["characteristics_by_heterogeneity"]
    for row, variable in TABLE1_TESTS.items():
        out[f"Table 1 / {row} / p"] = association_row(table1, variable)["p_value"]

    hetero_term = "baseline_ihc_heterogeneity:homogeneous"
    for endpoint, label in (("pfs", "PFS"), ("os", "OS")):
        hr = coefficient(results[f"{endpoint}_cox_heterogeneity"], hetero_term)
        for section in ("Abstract / Results", "Results / Survival"):
            base = f"{section} / {label} / homo vs hetero"
            out[f"{base} / HR"] = hr["estimate"]
            out[f"{base} / HR / conf_low"] = hr["conf_low"]
            out[f"{base} / HR / conf_high"] = hr["conf_high"]
            out[f"{base} / p"] = hr["p_value"]  # Wald p of coxph (the log-rank p is in *_logrank_*)
        overall = median_row(results[f"{endpoint}_median"])
        out[f"Results / Survival / {label} / total / median / conf_low"] = overall["conf_low"]
        out[f"Results / Survival / {label} / total / median / conf_high"] = overall["conf_high"]
        for column, group in GROUPS.items():
            m = median_row(results[f"{endpoint}_median_by_heterogeneity"], group)
            for base in (f"Results / Survival / {label} / {column} / median", f"Table 4 / m{label} / {column} / biopsy specimens / median"):
                out[f"{base} / conf_low"] = m["conf_low"]
                # the paper prints the homo-HER2 OS upper limit "not reached": no value to compare
                if (endpoint, column) != ("os", "homo"):
                    out[f"{base} / conf_high"] = m["conf_high"]

        model = results[f"{endpoint}_cox_multivariable"]
        for row, term, reference in (
            ("Age / < 66", "age_ge_67:False", "Age / 67 ≥"),
            ("Platinum-based / No", "platinum_based:False", "Platinum-based / Yes"),
            ("HER2 heterogeneity / No", hetero_term, "HER2 heterogeneity / Yes"),
        ):
            c = coefficient(model, term)
            out[f"Table 2 / {row} / {label} / HR"] = c["estimate"]
            out[f"Table 2 / {row} / {label} / HR / conf_low"] = c["conf_low"]
            out[f"Table 2 / {row} / {label} / HR / conf_high"] = c["conf_high"]
            out[f"Table 2 / {row.split(' / ')[0]} / {label} / p"] = c["p_value"]
            out[f"Table 2 / {reference} / {label} / HR"] = 1.0  # the reference level, by construction

    by_group = results["objective_response_by_heterogeneity"].set_index("term")
    for column, group in GROUPS.items():
        out[f"Results / Response / ORR / {column} / % / conf_low"] = 100 * by_group.loc[group, "conf_low"]
        out[f"Results / Response / ORR / {column} / % / conf_high"] = 100 * by_group.loc[group, "conf_high"]
    fisher = results["objective_response_fisher"].iloc[0]
    out["Results / Response / ORR / homo vs hetero / OR"] = fisher["estimate"]
    out["Results / Response / ORR / homo vs hetero / OR / conf_low"] = fisher["conf_low"]
    out["Results / Response / ORR / homo vs hetero / OR / conf_high"] = fisher["conf_high"]
    for location in ("Results / Response / ORR / homo vs hetero / p", "Abstract / Results / ORR / homo vs hetero / p", "Table 3 / ORR / p"):
        out[location] = fisher["p_value"]
    depth = results["depth_of_response"].iloc[0]["p_value"]
    for location in (
        "Abstract / Results / depth of response / homo vs hetero / p",
        "Results / Response / depth of response / homo vs hetero / p",
        "Fig. 3 legend / depth of response / homo vs hetero / p",
    ):
        out[location] = depth
    return out


def matches(entry: dict, value: float) -> bool:
    """Whether ``value`` prints as the paper printed (honouring "< 0.001")."""
    if entry.get("comparator") == "<":
        return value < entry["value"]
    return rounded(value, entry["precision"]) == pytest.approx(entry["value"], abs=1e-9)


def test_held_out_numbers_are_computed_and_recorded(study, published, record_property):
    _, results = study
    computed = held_out_numbers(results)
    for location, value in computed.items():
        entry = published[location]
        assert entry["basis"] == "held_out", location
        assert math.isfinite(value), location
        record_property(location, f"printed {entry['printed']}; reproduced {value:.6g}; match {matches(entry, value)}")
    # every held-out number about this cohort is computed (the Table 4 surgical
    # column and the Discussion's literature figures describe other cohorts)
    about_others = {
        loc for loc, e in published.items()
        if e["basis"] == "held_out" and ("surgical specimens" in loc or "not this cohort" in e.get("note", ""))
    }
    missing = {loc for loc, e in published.items() if e["basis"] == "held_out"} - about_others - set(computed)
    assert not missing, sorted(missing)


def test_survival_conventions_differ_where_the_paper_says(study):
    # EZR prints log-log intervals; R's default (log) gives other limits on the same data.
    config, results = study
    built = cleaned(STUDY)
    declared = next(a for a in config["analyses"] if a["id"] == "pfs_median_by_heterogeneity")
    log = run_analysis(built.analysis, {**declared, "params": {**declared["params"], "convention": "r_log"}})
    loglog = results["pfs_median_by_heterogeneity"]
    assert (log["estimate"].to_numpy() == loglog["estimate"].to_numpy()).all()
    assert not (log["conf_low"].to_numpy() == loglog["conf_low"].to_numpy()).all()


def test_results_text_counts(study, published):
    _, results = study
    base = "Results / Patient characteristics"
    groups = results["heterogeneity_groups"]
    for column, group in GROUPS.items():
        assert_printed(published, f"Abstract / Results / {column} / n", summary(groups, "baseline_ihc_heterogeneity", group)["n"])
        assert_printed(published, f"Abstract / Results / {column} / %", summary(groups, "baseline_ihc_heterogeneity", group)["percent"])
    assert_printed(published, f"{base} / hetero / %", summary(groups, "baseline_ihc_heterogeneity", "heterogeneous")["percent"])
    adjuvant = results["adjuvant_after_conversion"]
    s1 = summary(adjuvant, "adjuvant_after_conversion", "s1")["n"] + summary(adjuvant, "adjuvant_after_conversion", "s1_trastuzumab")["n"]
    assert_printed(published, f"{base} / adjuvant S-1 after conversion surgery / n", s1)
    assert_printed(published, f"{base} / adjuvant trastuzumab plus S-1 / n", summary(adjuvant, "adjuvant_after_conversion", "s1_trastuzumab")["n"])
    lines = results["second_line_anti_her2_by_heterogeneity"]
    assert_printed(published, f"{base} / second-line T-DM1 / homo / n", summary(lines, "second_line_anti_her2", "t_dm1", "homogeneous")["n"])
    assert_printed(published, f"{base} / second-line trastuzumab plus paclitaxel / n", summary(lines, "second_line_anti_her2", "trastuzumab_paclitaxel")["n"])
    # the row boundaries of the age split: nobody is 66, so "< 66" and "< 67" are the same rows
    ages = results["age_by_split"]
    assert summary(ages, "age_years", group="True")["minimum"] == 67
    assert summary(ages, "age_years", group="False")["maximum"] < 66
    for analysis, column, cutoff in (("cea_by_split", "cea_ng_ml", 5.0), ("ca19_9_by_split", "ca19_9_u_ml", 37.0)):
        assert summary(results[analysis], column, group="True")["minimum"] >= cutoff > summary(results[analysis], column, group="False")["maximum"]
    share = results["positive_fragment_share"]
    assert summary(share, "her2_positive_fragment_pct", group="homogeneous")["minimum"] == 100
    assert summary(share, "her2_positive_fragment_pct", group="heterogeneous")["maximum"] < 100


# ------------------------------------------------------------------ against R on the same cohort

R_REFERENCE = ROOT / "tests" / "fixtures" / "r" / STUDY / "reference.csv"


@pytest.fixture(scope="module")
def r_reference() -> dict[str, float]:
    """tests/r/gastric_her2_heterogeneity.R: R's values from the raw files (NA -> NaN)."""
    table = pd.read_csv(R_REFERENCE)
    return dict(zip(table["quantity"], table["value"].astype(float)))


def pipeline_values(config, results, analysis_set) -> dict[str, float]:
    """The same quantities from the pipeline's declared analyses (and declared variants)."""
    out: dict[str, float] = {}
    table1 = results["characteristics_by_heterogeneity"]
    for variable in TABLE1_TESTS.values():
        out[f"table1_fisher_p_{variable}"] = association_row(table1, variable)["p_value"]
    fisher = results["objective_response_fisher"].iloc[0]
    out.update(orr_fisher_p=fisher["p_value"], orr_fisher_or=fisher["estimate"], orr_fisher_or_low=fisher["conf_low"], orr_fisher_or_high=fisher["conf_high"])
    declared = {a["id"]: a for a in config["analyses"]}
    reversed_ = run_analysis(analysis_set, declared["objective_response_fisher"], config.get("derive"), variant="hetero_vs_homo").iloc[0]
    out.update(orr_fisher_reversed_or=reversed_["estimate"], orr_fisher_reversed_or_low=reversed_["conf_low"], orr_fisher_reversed_or_high=reversed_["conf_high"])
    by_group = results["objective_response_by_heterogeneity"].set_index("term")
    for group in ("homogeneous", "heterogeneous"):
        out[f"orr_binom_low_{group}"] = by_group.loc[group, "conf_low"]
        out[f"orr_binom_high_{group}"] = by_group.loc[group, "conf_high"]
    depth = results["depth_of_response"].iloc[0]
    out.update(depth_wilcox_W=depth["statistic"], depth_wilcox_p=depth["p_value"])
    for endpoint in ("pfs", "os"):
        overall = median_row(results[f"{endpoint}_median"])
        out.update({f"{endpoint}_median_all": overall["estimate"], f"{endpoint}_median_low_all": overall["conf_low"], f"{endpoint}_median_high_all": overall["conf_high"]})
        for group in ("homogeneous", "heterogeneous"):
            m = median_row(results[f"{endpoint}_median_by_heterogeneity"], group)
            out.update({f"{endpoint}_median_{group}": m["estimate"], f"{endpoint}_median_low_{group}": m["conf_low"], f"{endpoint}_median_high_{group}": m["conf_high"]})
        logrank = results[f"{endpoint}_logrank_by_heterogeneity"].set_index("term").loc["logrank"]
        out.update({f"{endpoint}_logrank_chisq": logrank["statistic"], f"{endpoint}_logrank_p": logrank["p_value"]})

        def cox(name, frame, term):
            row = coefficient(frame, term)
            out.update({f"{name}_hr": row["estimate"], f"{name}_se": row["std_error"], f"{name}_low": row["conf_low"], f"{name}_high": row["conf_high"], f"{name}_p": row["p_value"]})

        hetero = "baseline_ihc_heterogeneity:homogeneous"
        cox(f"{endpoint}_cox_heterogeneity", results[f"{endpoint}_cox_heterogeneity"], hetero)
        model = results[f"{endpoint}_cox_multivariable"]
        cox(f"{endpoint}_cox_multivariable_age", model, "age_ge_67:False")
        cox(f"{endpoint}_cox_multivariable_platinum", model, "platinum_based:False")
        cox(f"{endpoint}_cox_multivariable_heterogeneity", model, hetero)
        stratified = run_analysis(analysis_set, declared[f"{endpoint}_cox_multivariable"], config.get("derive"), variant="stratified")
        cox(f"{endpoint}_cox_stratified_heterogeneity", stratified, hetero)
        for group, short in (("homogeneous", "homo"), ("heterogeneous", "hetero")):
            cox(f"{endpoint}_cox_fragments_{group}", results[f"{endpoint}_cox_fragments_{short}"], "baseline_n_fragments_tumour")
    everyone, reverse = results["follow_up_all_patients"].iloc[0], results["follow_up"].iloc[0]
    out.update(follow_up_all_patients_median=everyone["estimate"], follow_up_all_patients_min=everyone["min_time"], follow_up_all_patients_max=everyone["max_time"])
    out.update(follow_up_reverse_km_median=reverse["estimate"], follow_up_reverse_km_low=reverse["conf_low"], follow_up_reverse_km_high=reverse["conf_high"])
    return out


def test_declared_analyses_agree_with_r_on_the_same_cohort(study, r_reference):
    """Every statistic this study reports, against R from the raw files, at 1e-6 relative
    (R's own uniroot for the Fisher CI, so the same tolerance-limited root in both)."""
    config, results = study
    ours = pipeline_values(config, results, cleaned(STUDY).analysis)
    assert set(ours) == set(r_reference), sorted(set(ours) ^ set(r_reference))
    for quantity, expected in r_reference.items():
        if math.isnan(expected):  # R's NA: a limit not reached
            assert math.isnan(float(ours[quantity])), quantity
        else:
            assert float(ours[quantity]) == pytest.approx(expected, rel=1e-6), quantity


def test_the_reversed_fisher_table_gives_the_reciprocal_interval(study):
    """The investigation of the printed OR limit rests on this: the hetero-vs-homo
    orientation's OR and CI are the reciprocals of the homo-vs-hetero ones."""
    config, results = study
    declared = next(a for a in config["analyses"] if a["id"] == "objective_response_fisher")
    forward = results["objective_response_fisher"].iloc[0]
    backward = run_analysis(cleaned(STUDY).analysis, declared, config.get("derive"), variant="hetero_vs_homo").iloc[0]
    assert backward["estimate"] == pytest.approx(1 / forward["estimate"], rel=1e-9)
    assert backward["conf_low"] == pytest.approx(1 / forward["conf_high"], rel=1e-9)
    assert backward["conf_high"] == pytest.approx(1 / forward["conf_low"], rel=1e-9)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-12)


# ------------------------------------------------------------------ the replication mapping

MAPPING = ROOT / "config" / "replication" / f"{STUDY}.yaml"


def test_numbers_fixed_by_printed_counts_get_no_tolerance(published):
    """Fisher p-values, the conditional OR and its CI, and Clopper-Pearson limits are fixed by
    counts the reconstruction reproduces: they must be reproduced or declared discrepant,
    never let through by a tolerance."""
    from conftest import load_mapping, load_published

    mapping = load_mapping(MAPPING, load_published(ROOT / "data" / "published" / f"{STUDY}.yaml"))  # expanded: one entry per quantity
    fixed = {f"Table 1 / {row} / p" for row in TABLE1_TESTS} | {
        "Abstract / Results / ORR / homo vs hetero / p", "Results / Response / ORR / homo vs hetero / p", "Table 3 / ORR / p",
        "Results / Response / ORR / homo vs hetero / OR", "Results / Response / ORR / homo vs hetero / OR / conf_low", "Results / Response / ORR / homo vs hetero / OR / conf_high",
    } | {f"Results / Response / ORR / {g} / % / {side}" for g in ("homo", "hetero") for side in ("conf_low", "conf_high")}
    seen = set()
    for entry in mapping["reproduce"]:
        at = [entry["at"]] if isinstance(entry["at"], str) else entry["at"]
        for location in set(at) & fixed:
            seen.add(location)
            assert "tolerance" not in entry and "not_computable" not in entry, location
            assert published[location]["basis"] == "held_out", location
    assert seen == fixed
