"""Recount of the gastric HER2-loss study's published inputs from the reconstructed cohort.

Everything is counted with pandas from the pipeline's own cleaned and classified data
(``recount.cleaned``): the two groups are the pipeline's ``her2_change`` (persistent /
loss), never a column of the raw files.
"""

import copy

import numpy as np
import pandas as pd
from recount import assert_recounted, cleaned, km_median, pd_count, percent

from conftest import ROOT, load_published
from her2cohort.classify import genetic_heterogeneity, h_score, ish_status_gastric_equivocal_recount
from her2cohort.cleaning import clean_cohort

STUDY = "gastric_her2_loss"


def registry() -> pd.DataFrame:
    """All registry patients: the same cleaning without the inclusion criteria."""
    c = cleaned(STUDY)
    config = copy.deepcopy(c.config)
    config["inclusion"] = []
    return clean_cohort(ROOT / config["raw_dir"], config).patients


def ish_thresholds() -> dict[str, float]:
    """The cutoffs the pipeline applies (gastric_equivocal_recount), read off its classifier."""
    grid = pd.Series(np.round(np.arange(0.5, 4.0, 0.01), 2))
    first = ish_status_gastric_equivocal_recount(grid)
    recount = ish_status_gastric_equivocal_recount(pd.Series(2.0, index=grid.index), grid)
    pct = pd.Series(np.arange(0, 101, 1.0))
    het = genetic_heterogeneity(pct)
    return {
        "positive_above": float(grid[first == "positive"].min() - 0.01),  # > 2.2
        "negative_below": float(grid[first == "negative"].max() + 0.01),  # < 1.8
        "equivocal_low": float(grid[first == "equivocal"].min()),
        "equivocal_high": float(grid[first == "equivocal"].max()),
        "recount_positive": float(grid[recount == "positive"].min()),  # >= 2.0
        "het_low": float(pct[het == True].min()),  # noqa: E712  >= 5
        "het_high": float(pct[het == True].max() + 1),  # noqa: E712  < 50
    }


def test_every_input_number_is_recounted():
    c = cleaned(STUDY)
    a = c.analysis
    n = len(a)
    P = a[a["her2_change"] == "persistent"]
    L = a[a["her2_change"] == "loss"]
    groups = {"persistence": P, "loss": L}
    b_ihc, p_ihc = a["baseline_ihc_score"], a["post_progression_ihc_score"]
    b_ish, p_ish = a["baseline_ish_status"], a["post_progression_ish_status"]
    b_het, p_het = a["baseline_genetic_heterogeneity"], a["post_progression_genetic_heterogeneity"]
    b_h, p_h = a["baseline_h_score"], a["post_progression_h_score"]
    lines = c.cohort.treatment_lines
    first = a["patient_key"].map(lines[lines["line"] == 1].set_index("patient_key")["regimen"])
    second = lines[lines["line"] == 2].set_index("patient_key")
    tdm1 = a[a["patient_key"].isin(second.index[second["regimen"] == "T-DM1"])]
    tdm1_p = tdm1[tdm1["her2_change"] == "persistent"]
    tdm1_l = tdm1[tdm1["her2_change"] == "loss"]
    response2 = tdm1["patient_key"].map(second["best_response"])
    evaluable_p = response2[tdm1_p.index].isin(["CR", "PR", "SD", "PD"])
    responders_p = pd_count(response2[tdm1_p.index].isin(["CR", "PR"]))
    loss_pfs2 = sorted(tdm1_l["pfs_second_line_months"])
    measurable = a["best_response"].isin(["CR", "PR", "SD", "PD"])
    orr = pd_count(a["best_response"].isin(["CR", "PR"]))
    dcr = pd_count(a["best_response"].isin(["CR", "PR", "SD"]))
    reg = registry()
    reg_measurable = reg["best_response"].isin(["CR", "PR", "SD", "PD"])
    t = ish_thresholds()
    flow = c.cohort.flow.set_index("step")["n_remaining"]

    # Fig. 2 examples: the persistence patient with an unchanged H-score and the highest
    # one; the loss patient with the largest fall.
    unchanged = P[P["baseline_h_score"] == P["post_progression_h_score"]]
    fig_p = unchanged.loc[unchanged["baseline_h_score"].idxmax()]
    fig_l = L.loc[(L["baseline_h_score"] - L["post_progression_h_score"]).idxmax()]
    assert (L["post_progression_h_score"] < L["baseline_h_score"]).all()  # "All patients who experienced loss ... lower"

    pre3, pre2 = a[b_ihc == 3], a[b_ihc == 2]
    b_ish_pos = a[b_ish == "positive"]
    b_ish_results = pd_count(b_ish.notna())
    het_b_known, het_p_known = pd_count(b_het.notna()), pd_count(p_het.notna())
    het_change = a["genetic_heterogeneity_change"]
    pre_no, pre_yes, pre_na = a[b_het == False], a[b_het == True], a[b_het.isna()]  # noqa: E712

    def shift(frame, column, level):
        return pd_count(frame[column] == level) if level != "NA" else pd_count(frame[column].isna())

    recount = {
        "Abstract / Methods / patients enrolled / total / n": n,
        "Abstract / Results / baseline IHC 2+ ISH+ / total / n": pd_count((b_ihc == 2) & (b_ish == "positive")),
        "Abstract / Results / baseline IHC 3+ / total / n": len(pre3),
        "Abstract / Results / loss of HER2 positivity / total / n": len(L),
        "Abstract / Results / loss of HER2 positivity / total / %": percent(len(L), n),
        "Abstract / Results / loss / post IHC 0 or 1+ / n": pd_count(L["post_progression_ihc_score"] <= 1),
        "Abstract / Results / loss / post IHC 2+ ISH- / n": pd_count((L["post_progression_ihc_score"] == 2) & (L["post_progression_ish_status"] == "negative")),
        "Abstract / Results / persistence / total / n": len(P),
        "Abstract / Results / persistence / post IHC 2+ ISH+ / n": pd_count((P["post_progression_ihc_score"] == 2) & (P["post_progression_ish_status"] == "positive")),
        "Abstract / Results / persistence / post IHC 3+ / n": pd_count(P["post_progression_ihc_score"] == 3),
        "Abstract / Results / H-score / baseline / median": b_h.median(),
        "Abstract / Results / H-score / post-progression / median": p_h.median(),
        "Abstract / Results / genetic heterogeneity / baseline / n": pd_count(b_het == True),  # noqa: E712
        "Abstract / Results / genetic heterogeneity / baseline / assessable n": het_b_known,
        "Abstract / Results / genetic heterogeneity / baseline / %": percent(pd_count(b_het == True), het_b_known),  # noqa: E712
        "Abstract / Results / genetic heterogeneity / second biopsy / n": pd_count(p_het == True),  # noqa: E712
        "Abstract / Results / genetic heterogeneity / second biopsy / assessable n": het_p_known,
        "Abstract / Results / genetic heterogeneity / second biopsy / %": percent(pd_count(p_het == True), het_p_known),  # noqa: E712
        "Abstract / Results / second-line T-DM1 / total / n": len(tdm1),
        "Abstract / Results / second-line T-DM1 / loss / n": len(tdm1_l),
        "Abstract / Results / second-line T-DM1 / loss / objective responses": pd_count(response2[tdm1_l.index].isin(["CR", "PR"])),
        "Abstract / Results / second-line T-DM1 / loss / PFS patient 1": loss_pfs2[0],
        "Abstract / Results / second-line T-DM1 / loss / PFS patient 2": loss_pfs2[1],
        "Abstract / Results / second-line T-DM1 / loss / PFS patient 3": loss_pfs2[2],
        "Abstract / Results / second-line T-DM1 / persistence / response rate": percent(responders_p, pd_count(evaluable_p)),
        "Abstract / Results / second-line T-DM1 / persistence / median PFS": km_median(tdm1_p, "pfs_second_line_months", "pfs_second_line_event"),
        # Definitions, recounted as what the pipeline applies (not about patients):
        "Methods / HER2 IHC / H-score / possible range / low": h_score([0.0], [0.0], [0.0]).iloc[0],
        "Methods / HER2 IHC / H-score / possible range / high": h_score([0.0], [0.0], [100.0]).iloc[0],
        "Methods / ISH / positive / threshold / ratio": t["positive_above"],
        "Methods / ISH / negative / threshold / ratio": t["negative_below"],
        "Methods / ISH / equivocal / range / low": t["equivocal_low"],
        "Methods / ISH / equivocal / range / high": t["equivocal_high"],
        "Methods / ISH / equivocal positive / threshold / ratio": t["recount_positive"],
        "Methods / genetic heterogeneity / nuclei amplified / lower / %": t["het_low"],
        "Methods / genetic heterogeneity / nuclei amplified / upper / %": t["het_high"],
        "Methods / genetic heterogeneity / nuclear ratio / threshold / ratio": 2.0,  # the per-nucleus cutoff is the export's (pct_nuclei_ratio_ge2)
        "Results / Patient characteristics / registry / first-line trastuzumab / total / n": int(flow[0]),
        "Results / Patient characteristics / registry / progression on first line / total / n": int(flow[1]),
        "Results / Patient characteristics / registry / repeat biopsy / total / n": int(flow[2]),
        "Results / Patient characteristics / registry / biopsy adequate for IHC and ISH / total / n": int(flow[3]),
        "Results / Patient characteristics / eligible patients / total / n": n,
        "Results / Patient characteristics / age / total / median": a["age_years"].median(),
        "Results / Patient characteristics / age / total / range_low": a["age_years"].min(),
        "Results / Patient characteristics / age / total / range_high": a["age_years"].max(),
        "Results / Patient characteristics / baseline IHC 2+ ISH+ / total / n": pd_count((b_ihc == 2) & (b_ish == "positive")),
        "Results / Patient characteristics / baseline IHC 3+ / total / n": len(pre3),
        "Results / Patient characteristics / H-score baseline / total / median": b_h.median(),
        "Results / Patient characteristics / H-score baseline / total / range_low": b_h.min(),
        "Results / Patient characteristics / H-score baseline / total / range_high": b_h.max(),
        "Results / Patient characteristics / poorly differentiated histology / total / n": pd_count(a["histology"] == "PD/SRC"),
        "Results / Patient characteristics / poorly differentiated histology / total / %": percent(pd_count(a["histology"] == "PD/SRC"), n),
        "Results / Patient characteristics / entire registry / total / N": len(reg),
        "Results / Patient characteristics / recurrent GC / registry / %": percent(pd_count(reg["disease_status"] == "recurrent"), len(reg)),
        "Results / Patient characteristics / recurrent GC / study / %": percent(pd_count(a["disease_status"] == "recurrent"), n),
        "Results / Patient characteristics / first-line treatment / XPT / n": pd_count(first.isin(["capecitabine + cisplatin + trastuzumab", "capecitabine + oxaliplatin + trastuzumab"])),
        "Results / Patient characteristics / first-line treatment / XPT + pertuzumab or placebo (JACOB) / n": pd_count(first.str.contains("JACOB")),
        "Results / Patient characteristics / first-line treatment / XPT + pertuzumab (JOSHUA) / n": pd_count(first.str.contains("JOSHUA")),
        "Results / Patient characteristics / first-line response / measurable lesions / n": pd_count(measurable),
        "Results / Patient characteristics / first-line response / objective response / %": percent(orr, pd_count(measurable)),
        "Results / Patient characteristics / first-line response / objective response / n": orr,
        "Results / Patient characteristics / first-line response / disease control / %": percent(dcr, pd_count(measurable)),
        "Results / Patient characteristics / first-line response / disease control / n": dcr,
        # follow-up: time from treatment start to last contact or death, every patient
        "Results / Patient characteristics / follow-up / total / median": a["os_months"].median(),
        "Results / Patient characteristics / follow-up / total / range_low": a["os_months"].min(),
        "Results / Patient characteristics / follow-up / total / range_high": a["os_months"].max(),
        "Results / Patient characteristics / PFS / total / median / estimate": km_median(a, "pfs_months", "pfs_event"),
        "Results / Patient characteristics / OS / total / median / estimate": km_median(a, "os_months", "os_event"),
        "Results / Patient characteristics / registry outcomes / ORR / %": percent(pd_count(reg["best_response"].isin(["CR", "PR"])), pd_count(reg_measurable)),
        "Results / Patient characteristics / registry outcomes / PFS / median": km_median(reg, "pfs_months", "pfs_event"),
        "Results / Patient characteristics / registry outcomes / OS / median": km_median(reg, "os_months", "os_event"),
        "Results / Patient characteristics / progression time point / during combination therapy / n": pd_count(a["progression_setting"] == "combination"),
        "Results / Patient characteristics / progression time point / during trastuzumab-only maintenance / n": pd_count(a["progression_setting"] == "maintenance"),
        "Results / HER2 change / baseline IHC 3+ / total / n": len(pre3),
        "Results / HER2 change / baseline IHC 2+ ISH+ / total / n": pd_count((b_ihc == 2) & (b_ish == "positive")),
        "Results / HER2 change / HER2 negative post-progression / total / n": pd_count(a["post_progression_her2_status"] == "negative"),
        "Results / HER2 change / HER2 negative post-progression / total / %": percent(pd_count(a["post_progression_her2_status"] == "negative"), n),
        "Results / HER2 change / pre 3+ / denominator / n": len(pre3),
        "Results / HER2 change / pre 3+ / post IHC 3+ / n": pd_count(pre3["post_progression_ihc_score"] == 3),
        "Results / HER2 change / pre 3+ / post IHC 3+ / %": percent(pd_count(pre3["post_progression_ihc_score"] == 3), len(pre3)),
        "Results / HER2 change / pre 3+ / post IHC 2+ / n": pd_count(pre3["post_progression_ihc_score"] == 2),
        "Results / HER2 change / pre 3+ / post IHC 2+ / %": percent(pd_count(pre3["post_progression_ihc_score"] == 2), len(pre3)),
        "Results / HER2 change / pre 3+ / post IHC 0 or 1+ / n": pd_count(pre3["post_progression_ihc_score"] <= 1),
        "Results / HER2 change / pre 3+ / post IHC 0 or 1+ / %": percent(pd_count(pre3["post_progression_ihc_score"] <= 1), len(pre3)),
        "Results / HER2 change / pre 2+ / post IHC 3+ / n": pd_count(pre2["post_progression_ihc_score"] == 3),
        "Results / HER2 change / pre 2+ / post IHC 3+ / %": percent(pd_count(pre2["post_progression_ihc_score"] == 3), len(pre2)),
        "Results / HER2 change / pre 2+ / post IHC 0 to 2+ / n": pd_count(pre2["post_progression_ihc_score"] <= 2),
        "Results / HER2 change / pre 2+ / post IHC 0 to 2+ / %": percent(pd_count(pre2["post_progression_ihc_score"] <= 2), len(pre2)),
        "Results / HER2 change / H-score / post-progression / total / median": p_h.median(),
        "Results / HER2 change / H-score / post-progression / total / range_low": p_h.min(),
        "Results / HER2 change / H-score / post-progression / total / range_high": p_h.max(),
        "Results / HER2 change / H-score / baseline / total / median": b_h.median(),
        "Results / HER2 change / H-score / baseline / loss / median": L["baseline_h_score"].median(),
        "Results / HER2 change / H-score / post-progression / loss / median": L["post_progression_h_score"].median(),
        "Results / HER2 change / H-score / baseline / persistence / median": P["baseline_h_score"].median(),
        "Results / HER2 change / H-score / post-progression / persistence / median": P["post_progression_h_score"].median(),
        "Results / HER2 change / Fig. 2a,b example / H-score / persistence / baseline": fig_p["baseline_h_score"],
        "Results / HER2 change / Fig. 2a,b example / H-score / persistence / post-progression": fig_p["post_progression_h_score"],
        "Results / HER2 change / Fig. 2c,d example / H-score / loss / baseline": fig_l["baseline_h_score"],
        "Results / HER2 change / Fig. 2c,d example / H-score / loss / post-progression": fig_l["post_progression_h_score"],
        "Results / HER2 change / ISH / baseline ISH result / total / n": b_ish_results,
        # The sentence's 24 and 9: post-progression ISH+ / ISH- among the baseline ISH+
        # patients (Table 3); as shares of those patients (contradicted: printed over 40).
        "Results / HER2 change / ISH / post ISH+ / total / n": pd_count(b_ish_pos["post_progression_ish_status"] == "positive"),
        "Results / HER2 change / ISH / post ISH+ / total / %": percent(pd_count(b_ish_pos["post_progression_ish_status"] == "positive"), len(b_ish_pos)),
        "Results / HER2 change / ISH / post ISH- / total / n": pd_count(b_ish_pos["post_progression_ish_status"] == "negative"),
        "Results / HER2 change / ISH / post ISH- / total / %": percent(pd_count(b_ish_pos["post_progression_ish_status"] == "negative"), len(b_ish_pos)),
        "Results / HER2 change / ISH ratio / baseline / persistence / median": P["baseline_ish_ratio"].median(),
        "Results / HER2 change / ISH ratio / post-progression / persistence / median": P["post_progression_ish_ratio"].median(),
        "Results / HER2 change / ISH ratio / baseline / loss / median": L["baseline_ish_ratio"].median(),
        "Results / HER2 change / ISH ratio / post-progression / loss / median": L["post_progression_ish_ratio"].median(),
        "Results / HER2 change / genetic heterogeneity / baseline homogeneous / n": pd_count(b_het == False),  # noqa: E712
        "Results / HER2 change / genetic heterogeneity / baseline assessable / n": het_b_known,
        "Results / HER2 change / genetic heterogeneity / change to heterogeneity / total / n": pd_count(het_change == "to_heterogeneity"),
        "Results / HER2 change / genetic heterogeneity / change to heterogeneity / total / %": percent(pd_count(het_change == "to_heterogeneity"), len(pre_no)),
        "Results / HER2 change / genetic heterogeneity / maintained homogeneity / total / n": pd_count(het_change == "stable_homogeneity"),
        "Results / HER2 change / genetic heterogeneity / maintained homogeneity / total / %": percent(pd_count(het_change == "stable_homogeneity"), len(pre_no)),
        "Results / Loss and clinical characteristics / ISH ratio available / total / n": pd_count(a["baseline_ish_ratio"].notna()),
        "Results / Loss and clinical characteristics / change to heterogeneity / loss / n": pd_count(L["genetic_heterogeneity_change"] == "to_heterogeneity"),
        "Results / Loss and clinical characteristics / pertuzumab combination / loss / n": pd_count(first[L.index].str.contains("JOSHUA")),
        "Results / Treatment outcomes / second-line T-DM1 / total / n": len(tdm1),
        "Results / Treatment outcomes / second-line T-DM1 / persistence / n": len(tdm1_p),
        "Results / Treatment outcomes / second-line T-DM1 / loss / n": len(tdm1_l),
        "Results / Treatment outcomes / second-line T-DM1 / loss / objective responses": pd_count(response2[tdm1_l.index].isin(["CR", "PR"])),
        "Results / Treatment outcomes / second-line T-DM1 / loss / PFS patient 1": loss_pfs2[0],
        "Results / Treatment outcomes / second-line T-DM1 / loss / PFS patient 2": loss_pfs2[1],
        "Results / Treatment outcomes / second-line T-DM1 / loss / PFS patient 3": loss_pfs2[2],
        "Results / Treatment outcomes / second-line T-DM1 / persistence / ORR": percent(responders_p, pd_count(evaluable_p)),
        "Results / Treatment outcomes / second-line T-DM1 / persistence / median PFS / estimate": km_median(tdm1_p, "pfs_second_line_months", "pfs_second_line_event"),
        "Discussion / loss of HER2 positivity / total / %": percent(len(L), n),
        "Discussion / HER2 IHC 2+ / total / n": len(pre2),
        "Discussion / HER2 IHC 2+ / total / %": percent(len(pre2), n),
        "Discussion / genetic heterogeneity / pre-treatment / %": percent(pd_count(b_het == True), het_b_known),  # noqa: E712
        "Discussion / genetic heterogeneity / post-treatment / %": percent(pd_count(p_het == True), het_p_known),  # noqa: E712
    }

    # --- Table 1 (all 48) -------------------------------------------------------------
    def t1(location, mask):
        recount[f"Table 1 / {location} / total / n"] = pd_count(mask)
        recount[f"Table 1 / {location} / total / %"] = percent(pd_count(mask), n)

    sites = a["metastatic_sites"].fillna("").str.split(";")
    t1("Gender / Male", a["sex"] == "male")
    recount["Table 1 / Age / median / total / median"] = a["age_years"].median()
    recount["Table 1 / Age / median / total / range_low"] = a["age_years"].min()
    recount["Table 1 / Age / median / total / range_high"] = a["age_years"].max()
    recount["Table 1 / Age / > 60 / cutoff"] = 60  # the printed split
    t1("Age / > 60", a["age_years"] > 60)
    t1("ECOG performance score / 0 or 1", a["ecog"] <= 1)
    t1("Borrmann type at initial diagnosis / I–III", a["borrmann_type"] == "I-III")
    t1("Borrmann type at initial diagnosis / IV", a["borrmann_type"] == "IV")
    t1("Borrmann type at initial diagnosis / Not available", a["borrmann_type"].isna())
    t1("Histology / WD/MD", a["histology"] == "WD/MD")
    t1("Histology / PD/SRC", a["histology"] == "PD/SRC")
    t1("Disease status / Initially metastatic", a["disease_status"] == "initially_metastatic")
    t1("Disease status / Recurred", a["disease_status"] == "recurrent")
    t1("Disease status / Locally advanced", a["disease_status"] == "locally_advanced")
    for label, site in [("Peritoneum", "peritoneum"), ("Liver", "liver"), ("Lung", "lung"), ("Intra-abdominal distant LN", "intra_abdominal_ln"), ("Extra-abdominal distant LN", "extra_abdominal_ln"), ("Bone", "bone")]:
        t1(f"Metastatic organ / {label}", sites.apply(lambda s, site=site: site in s))
    t1("HER2 IHC / IHC 2+", b_ihc == 2)
    t1("HER2 IHC / IHC 3+", b_ihc == 3)
    recount["Table 1 / Cycles of trastuzumab / > 10 cycles / cutoff"] = 10  # the printed split
    t1("Cycles of trastuzumab / ≤ 10 cycles", a["trastuzumab_cycles"] <= 10)
    t1("Cycles of trastuzumab / > 10 cycles", a["trastuzumab_cycles"] > 10)
    t1("Use of pertuzumab / No", ~first.str.contains("pertuzumab"))
    t1("Use of pertuzumab / Yes", first.str.contains("JOSHUA"))
    recount["Table 1 / Use of pertuzumab / footnote a / blinded (JACOB) / n"] = pd_count(first.str.contains("JACOB"))

    # --- Table 2 (by group) ---------------------------------------------------------------
    def t2(location, predicate, denominator=None):
        for name, g in groups.items():
            mask = predicate(g)
            whole = len(g) if denominator is None else pd_count(denominator(g))
            recount[f"Table 2 / {location} / {name} / n"] = pd_count(mask)
            recount[f"Table 2 / {location} / {name} / %"] = percent(pd_count(mask), whole)

    first_g = lambda g: first[g.index]  # noqa: E731
    t2("Gender / Male", lambda g: g["sex"] == "male")
    t2("Gender / Female", lambda g: g["sex"] == "female")
    recount["Table 2 / Age / > 60 / cutoff"] = 60
    t2("Age / ≤ 60", lambda g: g["age_years"] <= 60)
    t2("Age / > 60", lambda g: g["age_years"] > 60)
    t2("ECOG performance score / 0–1", lambda g: g["ecog"] <= 1)
    t2("ECOG performance score / 2–4", lambda g: g["ecog"] >= 2)
    t2("Primary site / Gastroesophageal junction", lambda g: g["primary_site"] == "gej")
    t2("Primary site / Gastric", lambda g: g["primary_site"] == "stomach")
    t2("Borrmann type at diagnosis / I/II/III", lambda g: g["borrmann_type"] == "I-III", lambda g: g["borrmann_type"].notna())
    t2("Borrmann type at diagnosis / IV", lambda g: g["borrmann_type"] == "IV", lambda g: g["borrmann_type"].notna())
    t2("Histologic differentiation / WD/MD", lambda g: g["histology"] == "WD/MD")
    t2("Histologic differentiation / PD/SRC", lambda g: g["histology"] == "PD/SRC")
    t2("Disease status / Initially metastatic", lambda g: g["disease_status"] == "initially_metastatic")
    t2("Disease status / Recurred", lambda g: g["disease_status"] == "recurrent")
    t2("Disease status / Locally advanced", lambda g: g["disease_status"] == "locally_advanced")
    t2("HER2 IHC / IHC 2+", lambda g: g["baseline_ihc_score"] == 2)
    t2("HER2 IHC / IHC 3+", lambda g: g["baseline_ihc_score"] == 3)
    recount["Table 2 / H-score / > 170 / cutoff"] = 170
    t2("H-score / > 170", lambda g: g["baseline_h_score"] > 170)
    t2("H-score / ≤ 170", lambda g: g["baseline_h_score"] <= 170)
    recount["Table 2 / HER2 ISH ratio / > 4.36 / cutoff"] = 4.36
    t2("HER2 ISH ratio / > 4.36", lambda g: g["baseline_ish_ratio"] > 4.36, lambda g: g["baseline_ish_ratio"].notna())
    t2("HER2 ISH ratio / ≤ 4.36", lambda g: g["baseline_ish_ratio"] <= 4.36, lambda g: g["baseline_ish_ratio"].notna())
    homog_known = lambda g: g["genetic_heterogeneity_change"].isin(["stable_homogeneity", "to_heterogeneity"])  # noqa: E731
    t2("Changes of genetic homogeneity / Stable homogeneity", lambda g: g["genetic_heterogeneity_change"] == "stable_homogeneity", homog_known)
    t2("Changes of genetic homogeneity / Change to heterogeneity", lambda g: g["genetic_heterogeneity_change"] == "to_heterogeneity", homog_known)
    t2("First line chemotherapy / Capecitabine + cisplatin + trastuzumab", lambda g: first_g(g) == "capecitabine + cisplatin + trastuzumab")
    t2("First line chemotherapy / Capecitabine + oxaliplatin + trastuzumab", lambda g: first_g(g) == "capecitabine + oxaliplatin + trastuzumab")
    t2("First line chemotherapy / Capecitabine + cisplatin + trastuzumab + pertuzumab (JOSHUA)", lambda g: first_g(g).str.contains("JOSHUA"))
    t2("First line chemotherapy / Capecitabine + cisplatin + trastuzumab ± pertuzumab (JACOB)", lambda g: first_g(g).str.contains("JACOB"))
    t2("Progression time point / During combination of anti-HER2 and cytotoxic chemotherapy", lambda g: g["progression_setting"] == "combination")
    t2("Progression time point / During anti-HER2 maintenance therapy alone", lambda g: g["progression_setting"] == "maintenance")
    recount["Table 2 / footnote a / initial ISH ratio available / total / n"] = pd_count(a["baseline_ish_ratio"].notna())

    # --- Table 3 (pre -> post) -------------------------------------------------------------
    def t3(location, frame, whole, mask):
        mask = pd.Series(mask)
        recount[f"Table 3 / {location} / n"] = pd_count(mask)
        recount[f"Table 3 / {location} / %"] = percent(pd_count(mask), whole)

    t3("HER2 status / positive / pre-treatment", a, n, a["baseline_her2_status"] == "positive")
    t3("HER2 status / positive / post-progression", a, n, a["post_progression_her2_status"] == "positive")
    t3("HER2 status / negative / post-progression", a, n, a["post_progression_her2_status"] == "negative")
    for label, frame in (("pre 3+", pre3), ("pre 2+", pre2)):
        t3(f"IHC / {label} / pre-treatment", a, n, a.index.isin(frame.index))
        t3(f"IHC / {label} / post IHC 0 or 1+", frame, len(frame), frame["post_progression_ihc_score"] <= 1)
        t3(f"IHC / {label} / post IHC 2+", frame, len(frame), frame["post_progression_ihc_score"] == 2)
        t3(f"IHC / {label} / post IHC 3+", frame, len(frame), frame["post_progression_ihc_score"] == 3)
    for pre_label, pre_level in (("pre positive", "positive"), ("pre negative", "negative"), ("pre NA", "NA")):
        frame = a[b_ish.isna()] if pre_level == "NA" else a[b_ish == pre_level]
        t3(f"ISH / {pre_label} / pre-treatment", a, n, a.index.isin(frame.index))
        for post_label, post_level in (("post positive", "positive"), ("post negative", "negative"), ("post NA", "NA")):
            if f"Table 3 / ISH / {pre_label} / {post_label} / n" in LOCATIONS:
                t3(f"ISH / {pre_label} / {post_label}", frame, len(frame), pd.Series(frame["post_progression_ish_status"].isna() if post_level == "NA" else frame["post_progression_ish_status"] == post_level))
    for pre_label, frame in (("pre no", pre_no), ("pre yes", pre_yes), ("pre NA", pre_na)):
        t3(f"genetic heterogeneity / {pre_label} / pre-treatment", a, n, a.index.isin(frame.index))
        post = frame["post_progression_genetic_heterogeneity"]
        for post_label, mask in (("post no", post == False), ("post yes", post == True), ("post NA", post.isna())):  # noqa: E712
            if f"Table 3 / genetic heterogeneity / {pre_label} / {post_label} / n" in LOCATIONS:
                t3(f"genetic heterogeneity / {pre_label} / {post_label}", frame, len(frame), mask)
    recount["Table 3 / footnote a / heterogeneity nuclei / lower / %"] = t["het_low"]
    recount["Table 3 / footnote a / heterogeneity nuclei / upper / %"] = t["het_high"]
    recount["Table 3 / footnote a / heterogeneity nuclear ratio / threshold / ratio"] = 2.0  # per-nucleus cutoff of the export's pct_nuclei_ratio_ge2

    assert_recounted(
        STUDY,
        recount,
        not_about_the_patient={
            "Methods / ISH / cells counted / initial / n": "laboratory procedure (20 nuclei counted); the export carries the resulting ratio",
            "Methods / ISH / cells counted / equivocal additional / n": "laboratory procedure (20 more nuclei); the export carries the recount ratio",
            "Methods / Statistical analysis / significance level / two-sided / %": "the analysis convention (two-sided 5%), not a property of the data",
            "Results / Treatment outcomes / HER2/CEP17 ratio ≥ 4.48 / cutoff": "a prognostic cutoff from another study (ref. 24)",
        },
        contradicted={
            "Abstract / Results / loss of HER2 positivity / total / %": "14/48 = 29.2% (Results, Table 3, Discussion); the abstract prints 29.1",
            "Table 1 / ECOG performance score / 0 or 1 / total / n": "Table 2 gives 32 + 14 = 46 patients with ECOG 0-1 and 2 with ECOG 2-4 (all 48)",
            "Table 1 / ECOG performance score / 0 or 1 / total / %": "93.7% fits neither 44/48 (91.7) nor Table 2's 46/48 (95.8)",
            "Table 2 / Primary site / Gastroesophageal junction / persistence / %": "percentages swapped between columns: 1/34 = 2.9%",
            "Table 2 / Primary site / Gastroesophageal junction / loss / %": "percentages swapped between columns: 2/14 = 14.3%",
            "Table 2 / Primary site / Gastric / persistence / %": "percentages swapped between columns: 33/34 = 97.1%",
            "Table 2 / Primary site / Gastric / loss / %": "percentages swapped between columns: 12/14 = 85.7%",
            "Table 3 / genetic heterogeneity / pre no / pre-treatment / %": "33/48 = 68.8% (the count 33 is supported by its rows and the text); 70.8 = 34/48",
            "Table 3 / genetic heterogeneity / pre NA / pre-treatment / %": "14/48 = 29.2% (the count 14 is supported by its rows); 27.1 = 13/48",
            "Discussion / HER2 IHC 2+ / total / %": "5/48 = 10.4% (Table 1, Table 3); 11.4 = 5/44",
            "Results / HER2 change / ISH / post ISH+ / total / %": "24 of the 39 baseline ISH+ patients = 61.5% (Table 3); the sentence divides by 40",
            "Results / HER2 change / ISH / post ISH- / total / %": "9 of the 39 baseline ISH+ patients = 23.1% (Table 3); the sentence divides by 40",
        },
    )


LOCATIONS = {entry["location"] for entry in load_published(ROOT / "data" / "published" / f"{STUDY}.yaml")["numbers"]}
