"""Declared analyses of gastric_her2_loss, run on the analysis set built from the committed raw data.

Every analysis must return rows. Numbers the reconstruction was built to match
(counts, percentages, medians: ``basis: input``) must equal the published ones
at printed precision; the published values are read from
``data/published/gastric_her2_loss.yaml``, never copied here. Held-out numbers
(p-values, ORs, HRs, CIs, AUCs) are not expected to match a synthetic cohort:
they are computed, checked to be finite, and recorded in the test's
``user_properties`` (printed, reproduced at printed precision, match). The six
Cox models (Breslow ties as declared, and the Efron variant) are checked
against R's coxph on the raw files (``tests/r/gastric_her2_loss.R``) at 1e-6.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import ROOT
from her2cohort.analyses import run_analysis
from her2cohort.treatment_lines import add_line_columns
from recount import assert_printed, cleaned, published_by_location, rounded

STUDY = "gastric_her2_loss"
#: R on the raw files (tests/r/gastric_her2_loss.R): coxph with Breslow and Efron ties.
R = ROOT / "tests" / "fixtures" / "r" / STUDY
REL = 1e-6


def analysis_set_with_lines(built):
    """The analysis set as the classify rule writes it: with the study's line_columns."""
    return add_line_columns(built.analysis, built.cohort.treatment_lines, built.config.get("line_columns", []))


@pytest.fixture(scope="module")
def analysis_data():
    built = cleaned(STUDY)
    return built.config, analysis_set_with_lines(built)


@pytest.fixture(scope="module")
def study(analysis_data):
    config, data = analysis_data
    results = {a["id"]: run_analysis(data, a, config.get("derive")) for a in config["analyses"]}
    return config, results


@pytest.fixture(scope="module")
def published():
    return published_by_location(STUDY)


def summary(table: pd.DataFrame, variable: str, level, group: str = "Total") -> pd.Series:
    rows = table[(table.row_type == "summary") & (table.variable == variable) & (table.group == group)]
    return rows[rows.level.astype(str) == str(level)].iloc[0]


def test_every_declared_analysis_returns_rows(study):
    config, results = study
    assert [a["id"] for a in config["analyses"]] == list(results)
    for analysis_id, result in results.items():
        assert len(result) > 0, analysis_id
        assert (result["analysis"] == analysis_id).all()


# Table 1 level names of the analysis set for each published row.
TABLE1 = {
    "Gender / Male": ("sex", "male"),
    "Age / > 60": ("age_gt_60", True),
    "Borrmann type at initial diagnosis / I–III": ("borrmann_type", "I-III"),
    "Borrmann type at initial diagnosis / IV": ("borrmann_type", "IV"),
    "Borrmann type at initial diagnosis / Not available": ("borrmann_type", "Not available"),
    "Histology / WD/MD": ("histology", "WD/MD"),
    "Histology / PD/SRC": ("histology", "PD/SRC"),
    "Disease status / Initially metastatic": ("disease_status", "initially_metastatic"),
    "Disease status / Recurred": ("disease_status", "recurrent"),
    "Disease status / Locally advanced": ("disease_status", "locally_advanced"),
    "Metastatic organ / Peritoneum": ("metastatic_sites", "peritoneum"),
    "Metastatic organ / Liver": ("metastatic_sites", "liver"),
    "Metastatic organ / Lung": ("metastatic_sites", "lung"),
    "Metastatic organ / Intra-abdominal distant LN": ("metastatic_sites", "intra_abdominal_ln"),
    "Metastatic organ / Extra-abdominal distant LN": ("metastatic_sites", "extra_abdominal_ln"),
    "Metastatic organ / Bone": ("metastatic_sites", "bone"),
    "HER2 IHC / IHC 2+": ("baseline_ihc_score", 2),
    "HER2 IHC / IHC 3+": ("baseline_ihc_score", 3),
    "Cycles of trastuzumab / ≤ 10 cycles": ("trastuzumab_cycles_gt_10", False),
    "Cycles of trastuzumab / > 10 cycles": ("trastuzumab_cycles_gt_10", True),
    "Use of pertuzumab / No": ("pertuzumab_use", False),
    "Use of pertuzumab / Yes": ("pertuzumab_use", True),
}


def test_table1_counts_and_percentages(study, published):
    _, results = study
    table = results["baseline_characteristics"]
    for row, (variable, level) in TABLE1.items():
        cell = summary(table, variable, level)
        assert_printed(published, f"Table 1 / {row} / total / n", cell["n"])
        assert_printed(published, f"Table 1 / {row} / total / %", cell["percent"])
    age = table[(table.row_type == "summary") & (table.variable == "age_years") & (table.group == "Total")].iloc[0]
    assert_printed(published, "Table 1 / Age / median / total / median", age["median"])
    assert_printed(published, "Table 1 / Age / median / total / range_low", age["minimum"])
    assert_printed(published, "Table 1 / Age / median / total / range_high", age["maximum"])


def test_table1_ecog_contradiction_is_kept(study, published):
    # Printed "44 (93.7)" contradicts Table 2 (32 + 14 = 46); the cohort follows Table 2.
    _, results = study
    cell = summary(results["baseline_characteristics"], "ecog_0_1", True)
    assert cell["n"] != published["Table 1 / ECOG performance score / 0 or 1 / total / n"]["value"]


TABLE2 = {
    "Gender / Male": ("sex", "male"),
    "Gender / Female": ("sex", "female"),
    "Age / ≤ 60": ("age_gt_60", False),
    "Age / > 60": ("age_gt_60", True),
    "ECOG performance score / 0–1": ("ecog_0_1", True),
    "ECOG performance score / 2–4": ("ecog_0_1", False),
    "Primary site / Gastroesophageal junction": ("primary_site", "gej"),
    "Primary site / Gastric": ("primary_site", "stomach"),
    "Borrmann type at diagnosis / I/II/III": ("borrmann_type", "I-III"),
    "Borrmann type at diagnosis / IV": ("borrmann_type", "IV"),
    "Histologic differentiation / WD/MD": ("histology", "WD/MD"),
    "Histologic differentiation / PD/SRC": ("histology", "PD/SRC"),
    "Disease status / Initially metastatic": ("disease_status", "initially_metastatic"),
    "Disease status / Recurred": ("disease_status", "recurrent"),
    "Disease status / Locally advanced": ("disease_status", "locally_advanced"),
    "HER2 IHC / IHC 2+": ("baseline_ihc_score", 2),
    "HER2 IHC / IHC 3+": ("baseline_ihc_score", 3),
    "H-score / > 170": ("h_score_gt_170", True),
    "H-score / ≤ 170": ("h_score_gt_170", False),
    "HER2 ISH ratio / > 4.36": ("ish_ratio_gt_4_36", 1.0),
    "HER2 ISH ratio / ≤ 4.36": ("ish_ratio_gt_4_36", 0.0),
    "Changes of genetic homogeneity / Stable homogeneity": ("genetic_homogeneity_change", "stable_homogeneity"),
    "Changes of genetic homogeneity / Change to heterogeneity": ("genetic_homogeneity_change", "to_heterogeneity"),
    "Progression time point / During combination of anti-HER2 and cytotoxic chemotherapy": ("progression_setting", "combination"),
    "Progression time point / During anti-HER2 maintenance therapy alone": ("progression_setting", "maintenance"),
    "First line chemotherapy / Capecitabine + cisplatin + trastuzumab": ("line1_regimen", "capecitabine + cisplatin + trastuzumab"),
    "First line chemotherapy / Capecitabine + oxaliplatin + trastuzumab": ("line1_regimen", "capecitabine + oxaliplatin + trastuzumab"),
    "First line chemotherapy / Capecitabine + cisplatin + trastuzumab + pertuzumab (JOSHUA)": ("line1_regimen", "capecitabine + cisplatin + trastuzumab + pertuzumab (JOSHUA)"),
    "First line chemotherapy / Capecitabine + cisplatin + trastuzumab ± pertuzumab (JACOB)": ("line1_regimen", "capecitabine + cisplatin + trastuzumab + pertuzumab or placebo (JACOB)"),
}
# Percentages printed swapped between the columns (published notes): counts only.
SWAPPED_PERCENTAGES = {"Primary site / Gastroesophageal junction", "Primary site / Gastric"}


def test_table2_counts_and_percentages(study, published):
    _, results = study
    table = results["characteristics_by_change"]
    for row, (variable, level) in TABLE2.items():
        for column, group in (("persistence", "persistent"), ("loss", "loss")):
            cell = summary(table, variable, level, group)
            assert_printed(published, f"Table 2 / {row} / {column} / n", cell["n"])
            if row not in SWAPPED_PERCENTAGES:
                assert_printed(published, f"Table 2 / {row} / {column} / %", cell["percent"])
    ish = table[(table.row_type == "summary") & (table.variable == "ish_ratio_gt_4_36") & (table.group == "Total")]
    assert_printed(published, "Table 2 / footnote a / initial ISH ratio available / total / n", ish["n"].sum())


def shift(results: dict, analysis_id: str) -> dict:
    long = results[analysis_id]
    return {(str(b), str(a)): int(n) for b, a, n in long[["before", "after", "n"]].itertuples(index=False)}


def test_table3_shift_tables(study, published):
    _, results = study
    status = shift(results, "her2_status_shift")
    assert_printed(published, "Table 3 / HER2 status / positive / post-progression / n", status[("positive", "positive")])
    assert_printed(published, "Table 3 / HER2 status / negative / post-progression / n", status[("positive", "negative")])
    ihc = shift(results, "ihc_shift")
    for pre in ("3", "2"):
        for label, post in (("IHC 0 or 1+", "1"), ("IHC 2+", "2"), ("IHC 3+", "3")):
            assert_printed(published, f"Table 3 / IHC / pre {pre}+ / post {label} / n", ihc[(pre, post)])
            row_total = sum(n for (b, _), n in ihc.items() if b == pre)
            assert_printed(published, f"Table 3 / IHC / pre {pre}+ / post {label} / %", 100 * ihc[(pre, post)] / row_total)
    ish = shift(results, "ish_status_shift")
    for pre, post in [("positive", "positive"), ("positive", "negative"), ("positive", "NA"), ("negative", "NA"), ("NA", "positive"), ("NA", "negative"), ("NA", "NA")]:
        assert_printed(published, f"Table 3 / ISH / pre {pre} / post {post} / n", ish[(pre, post)])
    het = shift(results, "genetic_heterogeneity_shift")
    names = {"False": "no", "True": "yes", "NA": "NA"}
    for pre, post in [("False", "False"), ("False", "True"), ("False", "NA"), ("True", "True"), ("NA", "False"), ("NA", "True"), ("NA", "NA")]:
        assert_printed(published, f"Table 3 / genetic heterogeneity / pre {names[pre]} / post {names[post]} / n", het[(pre, post)])


def test_paired_rank_medians(study, published):
    _, results = study
    overall = results["h_score_before_after"].iloc[0]
    assert_printed(published, "Abstract / Results / H-score / baseline / median", overall["median_x"])
    assert_printed(published, "Abstract / Results / H-score / post-progression / median", overall["median_y"])
    for group, analysis_id in (("loss", "h_score_before_after_loss"), ("persistence", "h_score_before_after_persistent")):
        row = results[analysis_id].iloc[0]
        assert row["method"] == "Wilcoxon signed rank test" and row["statistic_name"] == "Z"
        assert_printed(published, f"Results / HER2 change / H-score / baseline / {group} / median", row["median_x"])
        assert_printed(published, f"Results / HER2 change / H-score / post-progression / {group} / median", row["median_y"])
    for group, analysis_id in (("loss", "ish_ratio_before_after_loss"), ("persistence", "ish_ratio_before_after_persistent")):
        row = results[analysis_id].iloc[0]
        assert_printed(published, f"Results / HER2 change / ISH ratio / baseline / {group} / median", row["median_x"])
        assert_printed(published, f"Results / HER2 change / ISH ratio / post-progression / {group} / median", row["median_y"])


def test_operating_points_are_table2_proportions(study):
    # The paper's ROC sensitivity/specificity: persistence is the positive class.
    _, results = study
    table = results["characteristics_by_change"]
    h = results["h_score_gt_170_operating_point"].iloc[0]
    assert h["sensitivity"] == pytest.approx(summary(table, "h_score_gt_170", True, "persistent")["percent"] / 100)
    assert h["specificity"] == pytest.approx(summary(table, "h_score_gt_170", False, "loss")["percent"] / 100)
    ish = results["ish_ratio_gt_4_36_operating_point"].iloc[0]
    assert ish["sensitivity"] == pytest.approx(summary(table, "ish_ratio_gt_4_36", 1.0, "persistent")["percent"] / 100)
    assert ish["specificity"] == pytest.approx(summary(table, "ish_ratio_gt_4_36", 0.0, "loss")["percent"] / 100)


def test_response_survival_and_follow_up(study, published):
    _, results = study
    orr = results["objective_response"].iloc[0]
    assert_printed(published, "Results / Patient characteristics / first-line response / measurable lesions / n", orr["n"])
    assert_printed(published, "Results / Patient characteristics / first-line response / objective response / n", orr["successes"])
    assert_printed(published, "Results / Patient characteristics / first-line response / objective response / %", 100 * orr["estimate"])
    dcr = results["disease_control"].iloc[0]
    assert_printed(published, "Results / Patient characteristics / first-line response / disease control / n", dcr["successes"])
    assert_printed(published, "Results / Patient characteristics / first-line response / disease control / %", 100 * dcr["estimate"])
    assert_printed(published, "Results / Patient characteristics / PFS / total / median / estimate", results["pfs_median"].iloc[0]["estimate"])
    assert_printed(published, "Results / Patient characteristics / OS / total / median / estimate", results["os_median"].iloc[0]["estimate"])
    follow = results["follow_up_all_patients"].iloc[0]
    assert_printed(published, "Results / Patient characteristics / follow-up / total / median", follow["estimate"])
    assert_printed(published, "Results / Patient characteristics / follow-up / total / range_low", follow["min_time"])
    assert_printed(published, "Results / Patient characteristics / follow-up / total / range_high", follow["max_time"])


def test_follow_up_median_is_not_the_reverse_km(study, published):
    # The paper's 16.2 is the median observed time of all 48 patients (the recount's
    # definition); the reverse Kaplan-Meier estimate, shown beside it, is another number.
    _, results = study
    follow = results["follow_up"].iloc[0]
    assert follow["method"].startswith("reverse Kaplan-Meier")
    assert rounded(follow["estimate"], 1) != published["Results / Patient characteristics / follow-up / total / median"]["value"]


def test_line_columns_come_from_the_treatment_lines():
    # line1_regimen / line2_best_response are the cleaned treatment lines, matched by patient
    built = cleaned(STUDY)
    data = analysis_set_with_lines(built)
    lines = built.cohort.treatment_lines
    for number in (1, 2):
        expected = data["patient_key"].map(lines[lines["line"] == number].set_index("patient_key")["regimen"])
        pd.testing.assert_series_equal(data[f"line{number}_regimen"], expected, check_names=False)
    assert data["line2_regimen"].isna().sum() == len(data) - (lines["line"] == 2).sum()
    assert "line3_regimen" not in data  # no patient has a third line


def test_first_line_regimens_and_pertuzumab(study, published):
    _, results = study
    table1 = results["baseline_characteristics"]
    blinded = summary(table1, "pertuzumab_use", "Blinded (JACOB)")
    assert_printed(published, "Table 1 / Use of pertuzumab / footnote a / blinded (JACOB) / n", blinded["n"])
    assert_printed(published, "Results / Patient characteristics / first-line treatment / XPT + pertuzumab or placebo (JACOB) / n", blinded["n"])
    assert_printed(published, "Results / Patient characteristics / first-line treatment / XPT / n", summary(table1, "pertuzumab_use", False)["n"])
    # 4 x 2 first-line table: Fisher-Freeman-Halton by the policy (expected counts < 5)
    test = results["characteristics_by_change"].query("row_type == 'test' and variable == 'line1_regimen'").iloc[0]
    assert test["method"] == "Fisher's exact test"


def test_follow_up_is_the_median_observed_time_of_all_patients(study):
    # R on the raw files (tests/r/gastric_her2_loss.R): median(os_months) and its
    # range, and the reverse Kaplan-Meier survfit(Surv(os_months, 1 - os_event) ~ 1).
    _, results = study
    reference = pd.read_csv(R / "follow_up.csv")
    for analysis, expected in reference.groupby("analysis"):
        row = results[analysis].iloc[0]
        for quantity, value in zip(expected["quantity"], expected["value"]):
            assert row[quantity] == pytest.approx(value, rel=REL), (analysis, quantity)
    everyone = results["follow_up_all_patients"].iloc[0]
    assert everyone["convention"] == "R median(time)" and everyone["n"] == 48
    assert math.isnan(everyone["conf_low"]) and math.isnan(everyone["conf_high"])
    reverse = results["follow_up"].iloc[0]
    assert (everyone["min_time"], everyone["max_time"]) == (reverse["min_time"], reverse["max_time"])


def test_tdm1_response_among_evaluable(study, published):
    # 44% is 4 of the 9 evaluable persistence patients (one NE); none of the 3 loss patients responded
    _, results = study
    response = results["tdm1_response"].set_index("term")
    assert_printed(published, "Results / Treatment outcomes / second-line T-DM1 / persistence / ORR", 100 * response.loc["persistent", "estimate"])
    assert response.loc["persistent", "n"] == 9
    assert_printed(published, "Results / Treatment outcomes / second-line T-DM1 / loss / objective responses", response.loc["loss", "successes"])
    patients = results["tdm1_patients"].query("row_type == 'summary'").set_index("group")
    for k, stat in ((1, "minimum"), (2, "median"), (3, "maximum")):
        assert_printed(published, f"Results / Treatment outcomes / second-line T-DM1 / loss / PFS patient {k}", patients.loc["loss", stat])


def test_tdm1_median_under_r_is_the_reconstruction_target(study, published):
    # the variant r_log (R's midpoint rule) gives the printed 2.7 the reconstruction aimed at
    config, _ = study
    analysis = next(a for a in config["analyses"] if a["id"] == "tdm1_pfs_median_by_change")
    data = analysis_set_with_lines(cleaned(STUDY))
    medians = run_analysis(data, analysis, config.get("derive"), "r_log").set_index("group")
    assert_printed(published, "Results / Treatment outcomes / second-line T-DM1 / persistence / median PFS / estimate", medians.loc["persistent", "estimate"])


def test_loss_h_score_p_is_determined_by_the_signs(study):
    # all 14 loss patients fall: SPSS's asymptotic Z standardises the smaller rank sum (0 here, the
    # rises), so it prints Z = -|z| = -3.30 (her2cohort.stats.rank_tests, SPSS sign rule), p 0.00098
    _, results = study
    row = results["h_score_before_after_loss"].iloc[0]
    n = 14
    z = (0 - n * (n + 1) / 4) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert row["n_ranked"] == n and row["statistic"] == pytest.approx(z, rel=1e-12)
    assert row["median_x"] > row["median_y"]  # the direction is in the medians, not in the sign of Z
    assert row["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)  # 2 (1 - Phi(|z|))


def test_tdm1_second_line(study, published):
    _, results = study
    medians = results["tdm1_pfs_median_by_change"].set_index("group")
    assert_printed(published, "Results / Treatment outcomes / second-line T-DM1 / persistence / n", medians.loc["persistent", "n"])
    assert_printed(published, "Results / Treatment outcomes / second-line T-DM1 / loss / n", medians.loc["loss", "n"])
    logrank = results["tdm1_pfs_logrank"]
    assert logrank.iloc[0]["n"] == published["Results / Treatment outcomes / second-line T-DM1 / total / n"]["value"]


@pytest.mark.xfail(strict=True, reason=(
    "the reconstruction matched the T-DM1 persistence median with R's midpoint rule (S = 0.5 exactly "
    "between the 5th and 6th of 10 events); SPSS's KM median, the paper's software and the convention "
    "declared here, is the first time S <= 0.5, a different number"))
def test_tdm1_persistence_median_under_spss(study, published):
    _, results = study
    medians = results["tdm1_pfs_median_by_change"].set_index("group")
    assert_printed(published, "Results / Treatment outcomes / second-line T-DM1 / persistence / median PFS / estimate", medians.loc["persistent", "estimate"])


def test_genetic_heterogeneity_rates(study, published):
    _, results = study
    before = results["genetic_heterogeneity_baseline"].iloc[0]
    after = results["genetic_heterogeneity_post"].iloc[0]
    assert_printed(published, "Abstract / Results / genetic heterogeneity / baseline / n", before["successes"])
    assert_printed(published, "Abstract / Results / genetic heterogeneity / baseline / assessable n", before["n"])
    assert_printed(published, "Abstract / Results / genetic heterogeneity / baseline / %", 100 * before["estimate"])
    assert_printed(published, "Abstract / Results / genetic heterogeneity / second biopsy / n", after["successes"])
    assert_printed(published, "Abstract / Results / genetic heterogeneity / second biopsy / assessable n", after["n"])
    assert_printed(published, "Abstract / Results / genetic heterogeneity / second biopsy / %", 100 * after["estimate"])


def held_out(results: dict) -> dict[str, float]:
    """Held-out location -> the number our analyses compute for it (unrounded)."""
    table2 = results["characteristics_by_change"]
    tests = table2[table2.row_type == "test"].set_index("variable")["p_value"]
    out = {
        "Table 2 / Gender / p": tests["sex"],
        "Table 2 / Age / p": tests["age_gt_60"],
        "Table 2 / ECOG performance score / p": tests["ecog_0_1"],
        "Table 2 / Primary site / p": tests["primary_site"],
        "Table 2 / Borrmann type at diagnosis / p": tests["borrmann_type"],
        "Table 2 / Histologic differentiation / p": tests["histology"],
        "Table 2 / Disease status / p": tests["disease_status"],
        "Table 2 / HER2 IHC / p": tests["baseline_ihc_score"],
        "Table 2 / H-score / p": tests["h_score_gt_170"],
        "Table 2 / HER2 ISH ratio / p": tests["ish_ratio_gt_4_36"],
        "Table 2 / Changes of genetic homogeneity / p": tests["genetic_homogeneity_change"],
        "Table 2 / Progression time point / p": tests["progression_setting"],
        "Results / Loss and clinical characteristics / H-score ≤ 170 / p": tests["h_score_gt_170"],
        "Results / Loss and clinical characteristics / ISH ratio ≤ 4.36 vs > 4.36 / p": tests["ish_ratio_gt_4_36"],
        "Abstract / Results / H-score / baseline vs post-progression / p": results["h_score_before_after"].iloc[0]["p_value"],
        "Results / HER2 change / H-score / baseline vs post-progression / total / p": results["h_score_before_after"].iloc[0]["p_value"],
        "Results / HER2 change / H-score / baseline vs post-progression / loss / p": results["h_score_before_after_loss"].iloc[0]["p_value"],
        "Results / HER2 change / H-score / baseline vs post-progression / persistence / p": results["h_score_before_after_persistent"].iloc[0]["p_value"],
        "Results / HER2 change / ISH ratio / baseline vs post-progression / persistence / p": results["ish_ratio_before_after_persistent"].iloc[0]["p_value"],
        "Results / HER2 change / ISH ratio / baseline vs post-progression / loss / p": results["ish_ratio_before_after_loss"].iloc[0]["p_value"],
    }
    for name, analysis_id in (("H-score", "roc_h_score"), ("ISH ratio", "roc_ish_ratio")):
        roc = results[analysis_id]
        best = roc[roc.term.isna()].iloc[0]
        out[f"Results / HER2 change / ROC / {name} / AUC"] = roc.iloc[0]["estimate"]
        out[f"Results / HER2 change / ROC / {name} / cutoff"] = float(best["equivalent_rule"].split()[-1])
        out[f"Results / HER2 change / ROC / {name} / sensitivity"] = 100 * best["sensitivity"]
        out[f"Results / HER2 change / ROC / {name} / specificity"] = 100 * best["specificity"]
    for label, analysis_id, term in (("H-score ≤ 170", "loss_by_h_score", "h_score_le_170:True vs False"), ("ISH ratio ≤ 4.36", "loss_by_ish_ratio", "ish_ratio_le_4_36:True vs False")):
        row = results[analysis_id].set_index("term").loc[term]
        base = f"Results / HER2 change / logistic regression / {label}"
        out.update({f"{base} / OR / estimate": row["estimate"], f"{base} / OR / conf_low": row["conf_low"],
                    f"{base} / OR / conf_high": row["conf_high"], f"{base} / p": row["p_value"]})
    for endpoint in ("PFS", "OS"):
        for label, suffix in (("loss vs persistence", "change"), ("IHC 2+ vs 3+", "ihc"), ("ISH ratio ≥ 4.48", "ish_ratio")):
            fit = results[f"{endpoint.lower()}_cox_by_{suffix}"]
            row = fit[fit.row_kind == "coefficient"].iloc[0]
            base = f"Results / Treatment outcomes / {endpoint} / {label}"
            out.update({f"{base} / HR / estimate": row["estimate"], f"{base} / HR / conf_low": row["conf_low"],
                        f"{base} / HR / conf_high": row["conf_high"], f"{base} / p": row["p_value"]})
    for endpoint, analysis_id in (("PFS", "pfs_median"), ("OS", "os_median")):
        row = results[analysis_id].iloc[0]
        out[f"Results / Patient characteristics / {endpoint} / total / median / conf_low"] = row["conf_low"]
        out[f"Results / Patient characteristics / {endpoint} / total / median / conf_high"] = row["conf_high"]
    tdm1 = results["tdm1_pfs_median_by_change"].set_index("group").loc["persistent"]
    out["Results / Treatment outcomes / second-line T-DM1 / persistence / median PFS / conf_low"] = tdm1["conf_low"]
    out["Results / Treatment outcomes / second-line T-DM1 / persistence / median PFS / conf_high"] = tdm1["conf_high"]
    out["Results / Treatment outcomes / second-line T-DM1 / loss vs persistence / p"] = results["tdm1_pfs_logrank"].iloc[0]["p_value"]
    return out


def test_held_out_numbers_are_computed_and_recorded(study, published, request):
    _, results = study
    computed = held_out(results)
    for location, value in computed.items():
        entry = published[location]
        assert entry["basis"] == "held_out", location
        assert math.isfinite(value), location
        shown = rounded(value, entry["precision"])
        request.node.user_properties.append((location, f"printed {entry['printed']}; reproduced {shown}; match {shown == entry['value']}"))


def test_line_columns_refuse_unknown_or_clashing_columns():
    from her2cohort.errors import StudyConfigError

    data = pd.DataFrame({"patient_key": ["P001", "P002"], "line1_regimen": ["x", "y"]})
    lines = pd.DataFrame({"patient_key": ["P001"], "line": [1], "regimen": ["T-DM1"], "best_response": ["PR"]})
    with pytest.raises(StudyConfigError, match="start_date"):
        add_line_columns(data.drop(columns="line1_regimen"), lines, ["start_date"])
    with pytest.raises(StudyConfigError, match="line1_regimen"):
        add_line_columns(data, lines, ["regimen"])
    out = add_line_columns(data.drop(columns="line1_regimen"), lines, ["regimen", "best_response"])
    assert out["line1_regimen"].tolist()[0] == "T-DM1" and pd.isna(out["line1_regimen"].tolist()[1])
    assert out["line1_best_response"].tolist()[0] == "PR"


COX_ANALYSES = ["pfs_cox_by_change", "os_cox_by_change", "pfs_cox_by_ihc", "os_cox_by_ihc", "pfs_cox_by_ish_ratio", "os_cox_by_ish_ratio"]
#: R quantity (tests/r/gastric_her2_loss.R) -> (row of our result, column)
COX_QUANTITIES = {
    "coef": ("coefficient", "coef"), "hr": ("coefficient", "estimate"), "se": ("coefficient", "std_error"),
    "conf_low": ("coefficient", "conf_low"), "conf_high": ("coefficient", "conf_high"),
    "z": ("coefficient", "statistic"), "p": ("coefficient", "p_value"),
    "lr_statistic": ("likelihood_ratio_test", "statistic"), "lr_p": ("likelihood_ratio_test", "p_value"),
    "wald_statistic": ("wald_test", "statistic"), "wald_p": ("wald_test", "p_value"),
    "score_statistic": ("score_test", "statistic"), "score_p": ("score_test", "p_value"),
    "loglik_null": ("coefficient", "loglik_null"), "loglik": ("coefficient", "loglik"),
    "n": ("coefficient", "n"), "n_events": ("coefficient", "n_events"),
}


def test_every_cox_analysis_is_breslow_with_efron_as_variant(study):
    # SPSS COXREG (the paper's SPSS 21) handles ties by Breslow's method; R's Efron is the variant
    config, results = study
    declared = [a for a in config["analyses"] if a["type"] == "cox"]
    assert sorted(a["id"] for a in declared) == sorted(COX_ANALYSES)
    for analysis in declared:
        assert analysis["params"]["ties"] == "breslow" and analysis["variants"]["efron"] == {"ties": "efron"}
        assert (results[analysis["id"]].query("row_kind != 'concordance'")["method"].str.contains("Breslow ties")).all()


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("analysis_id", COX_ANALYSES)
def test_cox_models_agree_with_r(study, analysis_data, analysis_id, ties):
    """coxph(ties = "breslow") (the declared analysis) and coxph(ties = "efron") (variant efron), at 1e-6."""
    config, results = study
    _, data = analysis_data
    if ties == "breslow":
        result = results[analysis_id]
    else:
        declared = next(a for a in config["analyses"] if a["id"] == analysis_id)
        result = run_analysis(data, declared, config.get("derive"), "efron")
    reference = pd.read_csv(R / "cox.csv").query("analysis == @analysis_id and ties == @ties").set_index("quantity")["value"]
    assert sorted(reference.index) == sorted(COX_QUANTITIES)
    rows = {"coefficient": result[result.row_kind == "coefficient"]}
    rows.update({term: result[result.term == term] for term in ("likelihood_ratio_test", "wald_test", "score_test")})
    assert all(len(row) == 1 for row in rows.values())
    for quantity, (row, column) in COX_QUANTITIES.items():
        assert rows[row][column].iloc[0] == pytest.approx(reference[quantity], rel=REL), (quantity, ties)
    assert rows["coefficient"]["convention"].iloc[0] == f"survival::coxph(ties = '{ties}'); summary.coxph"
