"""Recount of the breast HER2-low evolution study's published inputs from the reconstructed cohort.

Everything is counted with pandas from the pipeline's own cleaned and classified
data (``recount.cleaned``): the HER2 groups come from IHC + FISH as the pipeline
classifies them, never from the generator. Calendar years are the only numbers
that need dates, which cleaning turns into months: they are read with the
cleaning stage's own parser (``read_cohort``).
"""

import re

from conftest import ROOT
from recount import assert_recounted, cleaned, pd_count, percent

from her2cohort.cleaning import read_cohort
from her2cohort.rawdata import SPECIMEN_COLUMNS
from her2cohort.stats.kaplan_meier import median_follow_up

STUDY = "breast_her2_low_evolution"
GROUPS = ("zero", "low", "positive")

# Row definitions of Table 1 (cut-offs the table itself prints; the recount splits there).
AGE_CUTOFF = 50
BCFI_LOWER, BCFI_UPPER = 12, 24
KI67_CUTOFF = 30

# Sites of the recurrence biopsy (raw `site` values) for each Table 1 row.
SITES = {
    "Ipsilateral breast": "ipsilateral breast",
    "Chest wall": "chest wall",
    "Lymph node": "lymph node",
    "Contralateral breast": "contralateral breast",
    "Lung": "lung",
    "Liver": "liver",
    "Bone": "bone",
    "Others": "other",
}


def hr_positivity_cutoff() -> int:
    """The HR definition is a cut-off, not a count: the export's hr_status follows the
    data dictionary's rule (ER or PR >= 1%), which is recounted from its text."""
    spec = next(s for s in SPECIMEN_COLUMNS if s.name == "hr_status")
    return int(re.search(r">= (\d+)%", spec.description).group(1))


def test_every_input_number_is_recounted():
    c = cleaned(STUDY)
    a = c.analysis
    n = len(a)
    group = a["recurrence_her2_group"]
    primary = a["primary_her2_group"]
    discordant = a["her2_group_discordant"].fillna(False).astype(bool)
    hr = a["recurrence_hr_status"]
    relapse = a["relapse_type"]
    site = a["recurrence_specimen_site"]
    age = a["age_years"]
    bcfi = a["bcfi_months"]
    ki67 = a["recurrence_ki67_percent"]
    group_n = {g: pd_count(group == g) for g in GROUPS}
    r = {}

    # --- inclusion windows: calendar years of the raw dates (parsed by the cleaning stage)
    tables, _ = read_cohort(ROOT / c.config["raw_dir"], c.config)
    patients = tables["patients"]
    r["Abstract / Methods / inclusion period / start"] = patients["recurrence_date"].dt.year.min()
    r["Abstract / Methods / inclusion period / end"] = patients["recurrence_date"].dt.year.max()
    r["Methods / Study population / surgery period / start"] = patients["diagnosis_date"].dt.year.min()
    r["Methods / Study population / surgery period / end"] = patients["diagnosis_date"].dt.year.max()
    r["Methods / Pathological assessment / HR positivity / cutoff"] = hr_positivity_cutoff()

    # --- HER2 at recurrence
    for prefix in ("Abstract / Results", "Results / Clinicopathological characteristics"):
        for g in GROUPS:
            r[f"{prefix} / HER2 at recurrence / {g} / n"] = group_n[g]
            r[f"{prefix} / HER2 at recurrence / {g} / %"] = percent(group_n[g], n)
    for location in ("Abstract / Results / total / n", "Results / Clinicopathological characteristics / total / n", "Discussion / para 1 / total / n"):
        r[location] = n
    low_share = percent(group_n["low"], n)
    r["Discussion / para 1 / HER2-low share of recurrent lesions / %"] = low_share
    r["Discussion / para 2 / HER2-low share of recurrent lesions / %"] = low_share
    r["Conclusion / HER2-low share of recurrent tumours / %"] = low_share
    for status, label in (("positive", "HR-positive"), ("negative", "HR-negative")):
        among = hr == status
        r[f"Abstract / Results / HER2-low share / {label} / %"] = percent(pd_count(among & (group == "low")), pd_count(among))

    # --- Table 1 (and its restatements in the Results): rows by recurrence group
    def row(location: str, mask, results: str | None = None) -> None:
        r[f"{location} / total / n"] = pd_count(mask)
        for g in GROUPS:
            k = pd_count(mask & (group == g))
            r[f"{location} / {g} / n"] = k
            r[f"{location} / {g} / %"] = percent(k, pd_count(mask))  # row percentages

    for label, frame in (("total", a), *((g, a[group == g]) for g in GROUPS)):
        r[f"Table 1 / Age at recurrence (median, range) / {label} / median"] = frame["age_years"].median()
        r[f"Table 1 / Age at recurrence (median, range) / {label} / range low"] = frame["age_years"].min()
        r[f"Table 1 / Age at recurrence (median, range) / {label} / range high"] = frame["age_years"].max()
    r["Table 1 / Age at recurrence (years) / cutoff"] = AGE_CUTOFF
    row("Table 1 / Age at recurrence (years) / ≤ 50", age <= AGE_CUTOFF)
    row("Table 1 / Age at recurrence (years) / > 50", age > AGE_CUTOFF)
    r["Table 1 / BCFI (months) / cutoff lower"] = BCFI_LOWER
    r["Table 1 / BCFI (months) / cutoff upper"] = BCFI_UPPER
    bcfi_classes = {
        "< 12": bcfi < BCFI_LOWER,
        "12–24": (bcfi >= BCFI_LOWER) & (bcfi <= BCFI_UPPER),
        "> 24": bcfi > BCFI_UPPER,
    }
    for label, mask in bcfi_classes.items():
        row(f"Table 1 / BCFI (months) / {label}", mask)
    for label in ("LRR", "DM", "CBC"):
        row(f"Table 1 / Type of the first relapse / {label}", relapse == label)
    for label, value in SITES.items():
        row(f"Table 1 / Site of biopsy or resection / {label}", site == value)
    for label, value in (("Positive", "positive"), ("Negative", "negative")):
        row(f"Table 1 / HR status of relapse site / {label}", hr == value)
    r["Table 1 / Ki-67 index of relapsed site / cutoff"] = KI67_CUTOFF
    row("Table 1 / Ki-67 index of relapsed site / ≤ 30%", ki67 <= KI67_CUTOFF)
    row("Table 1 / Ki-67 index of relapsed site / > 30%", ki67 > KI67_CUTOFF)
    r["Table 1 / Ki-67 index of relapsed site / unknown / total / n"] = int(ki67.isna().sum())

    # --- Results, clinicopathological characteristics (percentages over all 247)
    res = "Results / Clinicopathological characteristics"
    r[f"{res} / time primary diagnosis to recurrence biopsy / median"] = (a["recurrence_collection_months"] - a["primary_collection_months"]).median()
    r[f"{res} / age at recurrence / median"] = age.median()
    r[f"{res} / age at recurrence / range low"] = age.min()
    r[f"{res} / age at recurrence / range high"] = age.max()
    r[f"{res} / age at recurrence > 50 / n"] = pd_count(age > AGE_CUTOFF)
    r[f"{res} / age at recurrence > 50 / %"] = percent(pd_count(age > AGE_CUTOFF), n)
    r[f"{res} / recurrence site samples / n"] = int((c.specimens["timepoint"] == "recurrence").sum())
    for label in ("LRR", "DM", "CBC"):
        k = pd_count(relapse == label)
        r[f"{res} / type of relapse / {label} / n"] = k
        r[f"{res} / type of relapse / {label} / %"] = percent(k, n)
        for g in GROUPS:
            r[f"{res} / type of relapse / {label} / {g} / %"] = percent(pd_count((relapse == label) & (group == g)), k)
    for label, key in (("< 12 months", "< 12"), ("12–24 months", "12–24"), ("> 24 months", "> 24")):
        k = pd_count(bcfi_classes[key])
        r[f"{res} / BCFI / {label} / n"] = k
        r[f"{res} / BCFI / {label} / %"] = percent(k, n)
    r[f"{res} / HR-positive / n"] = pd_count(hr == "positive")
    r[f"{res} / HR-positive / %"] = percent(pd_count(hr == "positive"), n)
    for status, label in (("positive", "HR-positive"), ("negative", "HR-negative")):
        among = hr == status
        for g in GROUPS:
            k = pd_count(among & (group == g))
            r[f"{res} / {label} / {g} / n"] = k
            r[f"{res} / {label} / {g} / %"] = percent(k, pd_count(among))
    r[f"{res} / Ki-67 / median"] = ki67.median()  # among the 218 known
    r[f"{res} / Ki-67 > 30% / n"] = pd_count(ki67 > KI67_CUTOFF)
    r[f"{res} / Ki-67 > 30% / %"] = percent(pd_count(ki67 > KI67_CUTOFF), n)  # the paper's denominator: all 247

    # --- Survival from recurrence
    surv = "Results / Survival by HER2 status at relapse"
    # Median follow-up: reverse Kaplan-Meier on death from any cause (the project's
    # convention; the paper does not say), range over all patients.
    follow_up = median_follow_up(a, "os_months", "os_event").iloc[0]
    r[f"{surv} / follow-up after recurrence / median"] = follow_up["estimate"]
    r[f"{surv} / follow-up after recurrence / range low"] = follow_up["min_time"]
    r[f"{surv} / follow-up after recurrence / range high"] = follow_up["max_time"]
    bcss_death = a["bcss_event"] == 1
    r[f"{surv} / BCSS deaths / total / n"] = pd_count(bcss_death)
    for g in GROUPS:
        k = pd_count(bcss_death & (group == g))
        r[f"{surv} / BCSS deaths / {g} / n"] = k
        r[f"{surv} / BCSS deaths / {g} / %"] = percent(k, group_n[g])

    # --- Evolution primary -> recurrence
    n_discordant = pd_count(discordant)
    for location in (
        "Abstract / Results / HER2 discordance primary vs recurrence / %",
        "Results / HER2 evolution / discordance overall / %",
        "Discussion / para 1 / discordance overall / %",
        "Discussion / para 5 / discordance overall / %",
    ):
        r[location] = percent(n_discordant, n)
    r["Results / HER2 evolution / discordance overall / n"] = n_discordant
    r["Results / HER2 evolution / discordance overall / N"] = pd_count(group.notna() & primary.notna())
    zero_low = pd_count((primary == "zero") & (group == "low"))
    positive_low = pd_count((primary == "positive") & (group == "low"))
    low_low = pd_count((primary == "low") & (group == "low"))
    n_primary = {g: pd_count(primary == g) for g in GROUPS}
    for prefix in ("Abstract / Results", "Results / HER2 evolution"):
        r[f"{prefix} / primary zero shifted to low / n"] = zero_low
        r[f"{prefix} / primary zero shifted to low / %"] = percent(zero_low, n_primary["zero"])
        r[f"{prefix} / primary positive shifted to low / n"] = positive_low
        r[f"{prefix} / primary positive shifted to low / %"] = percent(positive_low, n_primary["positive"])
    r["Results / HER2 evolution / primary zero shifted to low / N"] = n_primary["zero"]
    r["Results / HER2 evolution / primary positive shifted to low / N"] = n_primary["positive"]
    r["Results / HER2 evolution / primary low remained low / n"] = low_low
    r["Results / HER2 evolution / primary low remained low / %"] = percent(low_low, n_primary["low"])
    r["Results / HER2 evolution / primary low remained low / N"] = n_primary["low"]
    r["Discussion / para 5 / primary zero shifted to low / %"] = percent(zero_low, n_primary["zero"])
    r["Discussion / para 5 / primary positive shifted to low / %"] = percent(positive_low, n_primary["positive"])
    to_low = pd_count(a["her2_to_low"])
    r["Discussion / para 5 / shifted to low / n"] = to_low
    r["Discussion / para 5 / shifted to low / %"] = percent(to_low, n)
    r["Discussion / para 1 / shifted to low / %"] = percent(to_low, n)
    # HER2 conversion rates by HR status of the relapse site and by type of relapse
    for status, label in (("positive", "HR-positive"), ("negative", "HR-negative")):
        r[f"Results / HER2 evolution / conversion / {label} / %"] = percent(pd_count(discordant & (hr == status)), pd_count(hr == status))
    for label in ("LRR", "DM", "CBC"):
        r[f"Results / HER2 evolution / conversion / {label} / %"] = percent(pd_count(discordant & (relapse == label)), pd_count(relapse == label))
    r["Results / HER2 evolution / conversion / CBC / n"] = pd_count(discordant & (relapse == "CBC"))
    r["Results / HER2 evolution / conversion / CBC / N"] = pd_count(relapse == "CBC")
    # discordance that a negative/positive dichotomy would not see: zero <-> low shifts
    zero_low_either = pd_count(((primary == "zero") & (group == "low")) | ((primary == "low") & (group == "zero")))
    r["Discussion / para 5 / discordance excluded by dichotomous classification / %"] = percent(zero_low_either, n)

    assert_recounted(
        STUDY,
        r,
        tolerances={
            # printed "approximately 50%": a rounded restatement of 51.4%
            "Conclusion / HER2-low share of recurrent tumours / %": 1.5,
        },
        contradicted={
            "Results / Clinicopathological characteristics / recurrence site samples / n": (
                "254 samples, but the relapse types that follow add up to 89 + 92 + 66 = 247 with percentages "
                "over 247, and Table 1's sites also add up to 247: one recurrence specimen per patient"
            ),
            "Results / HER2 evolution / primary zero shifted to low / n": (
                "Results print 20 of 51; the abstract's 25 (49.0%), the Discussion's 49.0% and 44 (= 25 + 19) "
                "and the recurrence margin 127 HER2-low = zero->low + 83 + 19 all need 25"
            ),
            "Results / HER2 evolution / primary zero shifted to low / %": "39.2% = 20/51, see the count: the data give 25/51 = 49.0%",
            "Discussion / para 5 / discordance excluded by dichotomous classification / %": (
                "no count over 247 gives 22.0%; the zero<->low shifts are 52 + a - d with a + d = 8 "
                "(an even number), and the nearest, 54 (21.9%), is the one reconstructed"
            ),
        },
    )
