"""Recount of the gastric HER2-heterogeneity study's published inputs from the reconstructed cohort.

Everything is counted from the pipeline's cleaned and classified data: the two
groups are the pipeline's own ``baseline_ihc_heterogeneity`` (from the biopsy
fragment counts), never the generator's strata.
"""

import numpy as np
import pandas as pd

from recount import assert_recounted, cleaned, km_median, pd_count, percent

STUDY = "gastric_her2_heterogeneity"
#: Upper limits of normal that split Table 1's tumour-marker rows (ng/ml, U/ml).
CEA_CUTOFF, CA19_9_CUTOFF = 5.0, 37.0


def quantile7(values: pd.Series, q: float) -> float:
    """R's quantile(type = 7), the default of R and EZR (numpy's "linear")."""
    return float(np.quantile(values.dropna().to_numpy(dtype=float), q, method="linear"))


def test_every_input_number_is_recounted():
    data = cleaned(STUDY)
    a = data.analysis
    n = len(a)
    registry = int(data.cohort.flow.loc[data.cohort.flow["step"] == 0, "n_remaining"].iloc[0])
    biopsies = data.specimens[data.specimens["timepoint"] == "baseline"]

    heterogeneity = a["baseline_ihc_heterogeneity"]
    groups = {"homo": a[heterogeneity == "homogeneous"], "hetero": a[heterogeneity == "heterogeneous"]}
    homo, hetero = groups["homo"], groups["hetero"]
    n_homo, n_hetero = len(homo), len(hetero)
    ihc3 = a["baseline_ihc_score"] == 3
    measurable = a["best_response"].notna()
    responders = a["best_response"].isin(["CR", "PR"])
    conversion = a["conversion_surgery_months"].notna()
    beyond = a["second_line_anti_her2"].isin(["trastuzumab_paclitaxel", "t_dm1"])

    r: dict[str, float] = {
        "Abstract / Methods / enrolled / n": n,
        "Results / Patient characteristics / enrolled / n": n,
        "Results / Patient characteristics / first-line trastuzumab patients / n": registry,
        # groups
        "Abstract / Results / homo / n": n_homo,
        "Abstract / Results / homo / %": percent(n_homo, n),
        "Abstract / Results / hetero / n": n_hetero,
        "Abstract / Results / hetero / %": percent(n_hetero, n),
        "Results / Patient characteristics / homo / n": n_homo,
        "Results / Patient characteristics / homo / %": percent(n_homo, n),
        "Results / Patient characteristics / hetero / n": n_hetero,
        "Results / Patient characteristics / hetero / %": percent(n_hetero, n),
        "Results / Patient characteristics / rate of HER2 heterogeneity": percent(n_hetero, n),
        "Discussion / incidence of HER2 heterogeneity": percent(n_hetero, n),
        "Table 1 / header / homo / n": n_homo,
        "Table 1 / header / hetero / n": n_hetero,
        "Table 2 / HER2 heterogeneity / Yes / n": n_hetero,
        "Table 2 / HER2 heterogeneity / No / n": n_homo,
        # the definition of homogeneity, every tumour-bearing fragment HER2-positive
        # (a 100% cut-off), recounted as the smallest share of positive fragments
        # among the patients the pipeline classified homogeneous
        "Discussion / heterogeneity cut-off / this study": 100 * float((homo["baseline_n_fragments_her2_positive"] / homo["baseline_n_fragments_tumour"]).min()),
        # biopsy fragments
        "Results / Patient characteristics / biopsy specimens / median": biopsies["n_biopsy_specimens"].median(),
        "Results / Patient characteristics / fragments with cancer cells / median": a["baseline_n_fragments_tumour"].median(),
        "Results / Patient characteristics / fragments with cancer cells / range_low": a["baseline_n_fragments_tumour"].min(),
        "Results / Patient characteristics / fragments with cancer cells / range_high": a["baseline_n_fragments_tumour"].max(),
        "Results / Patient characteristics / HER2-positive fragments / median": a["baseline_n_fragments_her2_positive"].median(),
        "Results / Patient characteristics / HER2 3+ fragments / median": a["baseline_n_fragments_3plus"].median(),
        "Results / Patient characteristics / HER2 IHC 3+ / n": pd_count(ihc3),
        "Results / Patient characteristics / HER2 IHC 3+ / %": percent(pd_count(ihc3), n),
        # treatment
        "Results / Patient characteristics / platinum doublet / %": percent(pd_count(a["platinum_based"] == True), n),  # noqa: E712
        "Results / Patient characteristics / without platinum / n": pd_count(a["platinum_based"] == False),  # noqa: E712
        "Results / Patient characteristics / without platinum / %": percent(pd_count(a["platinum_based"] == False), n),  # noqa: E712
        "Table 2 / Platinum-based / Yes / n": pd_count(a["platinum_based"] == True),  # noqa: E712
        "Table 2 / Platinum-based / No / n": pd_count(a["platinum_based"] == False),  # noqa: E712
        "Results / Patient characteristics / second-line therapy / n": pd_count(a["second_line"] == True),  # noqa: E712
        "Results / Patient characteristics / second-line therapy / %": percent(pd_count(a["second_line"] == True), n),  # noqa: E712
        "Results / Patient characteristics / conversion surgery / n": pd_count(conversion),
        "Results / Patient characteristics / conversion surgery / %": percent(pd_count(conversion), n),
        "Results / Patient characteristics / adjuvant S-1 after conversion surgery / n": pd_count(a["adjuvant_after_conversion"].isin(["s1", "s1_trastuzumab"])),
        "Results / Patient characteristics / adjuvant trastuzumab plus S-1 / n": pd_count(a["adjuvant_after_conversion"] == "s1_trastuzumab"),
        "Results / Patient characteristics / second-line anti-HER2 antibody / total / n": pd_count(beyond),
        "Results / Patient characteristics / second-line anti-HER2 antibody / homo / n": pd_count(homo["second_line_anti_her2"].isin(["trastuzumab_paclitaxel", "t_dm1"])),
        "Results / Patient characteristics / second-line anti-HER2 antibody / hetero / n": pd_count(hetero["second_line_anti_her2"].isin(["trastuzumab_paclitaxel", "t_dm1"])),
        "Results / Patient characteristics / second-line T-DM1 / homo / n": pd_count(homo["second_line_anti_her2"] == "t_dm1"),
        "Results / Patient characteristics / second-line trastuzumab plus paclitaxel / n": pd_count(a["second_line_anti_her2"] == "trastuzumab_paclitaxel"),
        "Results / Survival / trastuzumab cycles / median": a["trastuzumab_cycles"].median(),
        "Results / Survival / trastuzumab cycles / range_low": a["trastuzumab_cycles"].min(),
        "Results / Survival / trastuzumab cycles / range_high": a["trastuzumab_cycles"].max(),
        # age: the printed split is ">= 67" / "< 66"; no patient is 66, so the rows
        # are recounted with the labels exactly as printed
        "Table 1 / Age / hetero / median": hetero["age_years"].median(),
        "Table 1 / Age / homo / median": homo["age_years"].median(),
        "Table 2 / Age / 67 ≥ / n": pd_count(a["age_years"] >= 67),
        "Table 2 / Age / < 66 / n": pd_count(a["age_years"] < 66),
    }
    # Cut-offs printed as row labels, recounted as the row boundaries the cohort
    # shows: the lowest value of the upper row, and one printed step above the
    # highest value of the lower row (every patient falls in one of the two rows).
    age = a["age_years"]
    assert pd_count(age >= 67) + pd_count(age < 66) == n  # nobody is 66: both readings of the split agree
    for label, upper in (("Table 1 / Age / ≥ 67 / cutoff", True), ("Table 2 / Age / 67 ≥ / cutoff", True), ("Table 1 / Age / < 66 / cutoff", False), ("Table 2 / Age / < 66 / cutoff", False)):
        r[label] = age[age >= 67].min() if upper else age[age < 67].max() + 1
    # The tumour-marker cut-offs are definitions of the Table 1 rows, not facts
    # about the patients: recounted as the constants the rows below are counted with.
    r["Table 1 / CEA / ≥ 5.0 / cutoff"] = CEA_CUTOFF
    r["Table 1 / CA 19-9 / ≥ 37.0 / cutoff"] = CA19_9_CUTOFF

    # Table 1 rows per group: n and % of the group
    rows = {
        ("Age", "≥ 67"): lambda g: g["age_years"] >= 67,
        ("Age", "< 66"): lambda g: g["age_years"] < 66,
        ("Sex", "Male"): lambda g: g["sex"] == "male",
        ("Sex", "Female"): lambda g: g["sex"] == "female",
        ("ECOG PS", "0"): lambda g: g["ecog"] == 0,
        ("ECOG PS", "1"): lambda g: g["ecog"] == 1,
        ("Primary tumor site", "EGJ"): lambda g: g["primary_site"] == "gej",
        ("Primary tumor site", "Stomach"): lambda g: g["primary_site"] == "stomach",
        ("Histological type", "Differentiated type"): lambda g: g["histology"] == "differentiated",
        ("Histological type", "Undifferentiated type"): lambda g: g["histology"] == "undifferentiated",
        ("Visceral metastasis", "Yes"): lambda g: g["visceral_metastasis"] == True,  # noqa: E712
        ("Visceral metastasis", "No"): lambda g: g["visceral_metastasis"] == False,  # noqa: E712
        ("Previous gastrectomy", "Yes"): lambda g: g["previous_gastrectomy"] == True,  # noqa: E712
        ("Previous gastrectomy", "No"): lambda g: g["previous_gastrectomy"] == False,  # noqa: E712
        ("Platinum-based", "Yes"): lambda g: g["platinum_based"] == True,  # noqa: E712
        ("Platinum-based", "No"): lambda g: g["platinum_based"] == False,  # noqa: E712
        ("Conversion surgery", "Yes"): lambda g: g["conversion_surgery_months"].notna(),
        ("Conversion surgery", "No"): lambda g: g["conversion_surgery_months"].isna(),
        ("Second line chemotherapy", "Yes"): lambda g: g["second_line"] == True,  # noqa: E712
        ("Second line chemotherapy", "No"): lambda g: g["second_line"] == False,  # noqa: E712
        ("Beyond HER2 targeted therapy", "Yes"): lambda g: g["second_line_anti_her2"].isin(["trastuzumab_paclitaxel", "t_dm1"]),
        ("Beyond HER2 targeted therapy", "No"): lambda g: ~g["second_line_anti_her2"].isin(["trastuzumab_paclitaxel", "t_dm1"]),
        ("HER2 status", "IHC 3+"): lambda g: g["baseline_ihc_score"] == 3,
        ("HER2 status", "IHC 2+/FISH positive"): lambda g: (g["baseline_ihc_score"] == 2) & (g["baseline_ish_status"] == "positive"),
        ("CEA (ng/ml)", "≥ 5.0"): lambda g: g["cea_ng_ml"] >= CEA_CUTOFF,
        ("CEA (ng/ml)", "< 5.0"): lambda g: g["cea_ng_ml"] < CEA_CUTOFF,
        ("CA 19-9 (U/ml)", "≥ 37.0"): lambda g: g["ca19_9_u_ml"] >= CA19_9_CUTOFF,
        ("CA 19-9 (U/ml)", "< 37.0"): lambda g: g["ca19_9_u_ml"] < CA19_9_CUTOFF,
    }
    for (variable, level), mask in rows.items():
        for name, g in groups.items():
            k = pd_count(mask(g))
            r[f"Table 1 / {variable} / {level} / {name} / n"] = k
            r[f"Table 1 / {variable} / {level} / {name} / %"] = percent(k, len(g))

    # Response (RECIST 1.1, patients with measurable disease)
    evaluated = a[measurable]
    n_eval = len(evaluated)
    r["Results / Response / evaluated / total / n"] = n_eval
    for name, g in groups.items():
        e = g[g["best_response"].notna()]
        r[f"Results / Response / evaluated / {name} / n"] = len(e)
        r[f"Table 3 / header / {name} / n"] = len(e)
        for level in ("CR", "PR", "SD", "PD"):
            k = pd_count(e["best_response"] == level)
            r[f"Table 3 / {level} / {name} / n"] = k
            r[f"Table 3 / {level} / {name} / %"] = percent(k, len(e))
        orr = percent(pd_count(e["best_response"].isin(["CR", "PR"])), len(e))
        r[f"Table 3 / ORR / {name} / n"] = pd_count(e["best_response"].isin(["CR", "PR"]))
        r[f"Table 3 / ORR / {name} / %"] = orr
        r[f"Abstract / Results / ORR / {name} / %"] = orr
        r[f"Results / Response / ORR / {name} / %"] = orr
        depth = e["best_percent_change"]
        r[f"Abstract / Results / depth of response / {name} / median"] = depth.median()
        r[f"Results / Response / depth of response / {name} / median"] = depth.median()
        r[f"Results / Response / depth of response / {name} / iqr_low"] = quantile7(depth, 0.25)
        r[f"Results / Response / depth of response / {name} / iqr_high"] = quantile7(depth, 0.75)
    for level in ("CR", "PR", "SD", "PD"):
        k = pd_count(evaluated["best_response"] == level)
        r[f"Results / Response / best response / {level} / total / n"] = k
        r[f"Results / Response / best response / {level} / total / %"] = percent(k, n_eval)
    orr_total = percent(pd_count(responders), n_eval)
    r["Abstract / Results / total / ORR"] = orr_total
    r["Results / Response / ORR / total / %"] = orr_total
    r["Results / Response / DCR / total / %"] = percent(pd_count(evaluated["best_response"].isin(["CR", "PR", "SD"])), n_eval)

    # Survival: Kaplan-Meier medians (PFS censored at conversion surgery, by the config)
    for endpoint, label in (("pfs", "PFS"), ("os", "OS")):
        total = km_median(a, f"{endpoint}_months", f"{endpoint}_event")
        r[f"Abstract / Results / total / median {label}"] = total
        r[f"Results / Survival / {label} / total / median"] = total
        for name, g in groups.items():
            m = km_median(g, f"{endpoint}_months", f"{endpoint}_event")
            r[f"Abstract / Results / {label} / {name} / median"] = m
            r[f"Results / Survival / {label} / {name} / median"] = m
            r[f"Table 4 / m{label} / {name} / biopsy specimens / median"] = m
    # Median follow-up: the paper does not say how it was computed, and prints
    # the same 17.8 months as the median OS. Recounted as the median observation
    # time (to death or last contact) of all 87 patients, which equals the KM
    # median OS when, as here, nobody is censored before it. (The reverse-KM
    # median follow-up of this cohort is far longer, since accrual ended two years
    # before the cut-off.) No tolerance is needed: it matches at printed precision.
    follow_up = float(a["os_months"].median())
    r["Abstract / Results / median follow-up"] = follow_up
    r["Results / Survival / median follow-up"] = follow_up

    assert_recounted(
        STUDY,
        r,
        contradicted={
            "Results / Patient characteristics / homo / n": "printed 33, but the abstract and Table 1 give 34, "
            "33 + 53 = 86 is not the 87 analysed, and the printed 39.1% is 34/87; the cohort has 34",
        },
    )
