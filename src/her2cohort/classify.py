"""HER2 classification: the scoring rules of the source studies, one function each.

All functions are vectorised over pandas Series and keep missing values
missing: a specimen that cannot be classified is ``"indeterminate"`` (IHC 2+
without a usable ISH result) or NA (no IHC at all), never silently negative.

Status vocabulary: ISH ``"positive" / "negative" / "equivocal"``; HER2 status
``"positive" / "negative" / "indeterminate"``; breast three groups ``"zero" /
"low" / "positive" / "indeterminate"``.

Sources: ../shared/GUIDELINES.md, and each study's methods section (which wins).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The guideline names and the ASCO/CAP release labels live in her2cohort.guidelines
# (cleaning writes the labels without importing the classifier); asco_cap_release
# stays importable from here, beside ish_status, which reads its labels.
from her2cohort.guidelines import GUIDELINES, asco_cap_release  # noqa: F401

POSITIVE, NEGATIVE, EQUIVOCAL, INDETERMINATE = "positive", "negative", "equivocal", "indeterminate"


def _series(values, index=None, dtype=None) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(values, index=index, dtype=dtype)


def _select(conditions: list[pd.Series], choices: list[str], index) -> pd.Series:
    """np.select that leaves NA where no condition holds (conditions' NA count as False)."""
    conds = [np.asarray(c.fillna(False), dtype=bool) for c in conditions]
    out = np.select(conds, choices, default=None)
    return pd.Series(out, index=index, dtype="object")


def h_score(pct_1plus, pct_2plus, pct_3plus) -> pd.Series:
    """H-score = 1 x %1+ + 2 x %2+ + 3 x %3+ (0-300) (Hirsch et al. 2003; the gastric loss study's formula).

    Missing when any of the three percentages is missing.
    """
    p1, p2, p3 = (_series(x, dtype="float64") for x in (pct_1plus, pct_2plus, pct_3plus))
    return p1 + 2 * p2 + 3 * p3


def ish_status_gastric_equivocal_recount(ratio, recount_ratio=None) -> pd.Series:
    """ISH by the gastric HER2-loss study (Gastric Cancer 2019, Methods).

    HER2/CEP17 ratio > 2.2 positive; < 1.8 negative; 1.8-2.2 (both ends
    included) equivocal -> 20 more cells are counted and a recount ratio >= 2.0
    is positive, < 2.0 negative. Equivocal without a recount stays
    ``"equivocal"``.
    """
    ratio = _series(ratio, dtype="float64")
    recount = _series(recount_ratio, index=ratio.index, dtype="float64") if recount_ratio is not None else pd.Series(np.nan, index=ratio.index)
    equivocal = (ratio >= 1.8) & (ratio <= 2.2)
    return _select(
        [ratio > 2.2, ratio < 1.8, equivocal & (recount >= 2.0), equivocal & (recount < 2.0), equivocal],
        [POSITIVE, NEGATIVE, POSITIVE, NEGATIVE, EQUIVOCAL],
        ratio.index,
    )


def ish_status_gastric_consensus(ratio) -> pd.Series:
    """ISH by the gastric consensus (Hofmann 2008; Rüschoff 2012; ToGA): ratio >= 2.0 positive."""
    ratio = _series(ratio, dtype="float64")
    return _select([ratio >= 2.0, ratio < 2.0], [POSITIVE, NEGATIVE], ratio.index)


def asco_cap_2018_ish_group(ratio, copies) -> pd.Series:
    """ASCO/CAP 2018 dual-probe ISH group (1-5) from ratio and mean HER2 copies per cell.

    1: ratio >= 2.0 and copies >= 4.0; 2: ratio >= 2.0 and copies < 4.0;
    3: ratio < 2.0 and copies >= 6.0; 4: ratio < 2.0 and 4.0 <= copies < 6.0;
    5: ratio < 2.0 and copies < 4.0 (Wolff et al., JCO 2018;36:2105, Fig. 2).
    """
    ratio = _series(ratio, dtype="float64")
    copies = _series(copies, index=ratio.index, dtype="float64")
    groups = np.select(
        [
            (ratio >= 2.0) & (copies >= 4.0),
            (ratio >= 2.0) & (copies < 4.0),
            (ratio < 2.0) & (copies >= 6.0),
            (ratio < 2.0) & (copies >= 4.0),
            (ratio < 2.0) & (copies < 4.0),
        ],
        [1, 2, 3, 4, 5],
        default=0,
    )
    return pd.Series(groups, index=ratio.index).replace(0, pd.NA).astype("Int64")


def ish_status_asco_cap_2018(ratio, copies, ihc, recount_ratio=None, recount_copies=None) -> pd.Series:
    """ASCO/CAP 2018 breast ISH status, resolving groups 2-4 with the concurrent IHC.

    Group 1 positive; group 5 negative. Groups 2-4: IHC 3+ positive; IHC 0/1+
    negative; IHC 2+ -> recount by a second observer (``recount_*``): group 2
    negative if still group 2, group 3 positive if still group 3, group 4
    negative if still group 4; if the recount falls in another group, that
    group's rule applies (the guideline's "adjudicate" step). IHC 2+ without
    a recount, or missing IHC in groups 2-4, stays ``"equivocal"``.
    """
    ratio = _series(ratio, dtype="float64")
    index = ratio.index
    group = asco_cap_2018_ish_group(ratio, copies)
    ihc = _series(ihc, index=index, dtype="Int64")
    has_recount = recount_ratio is not None and recount_copies is not None
    regroup = asco_cap_2018_ish_group(recount_ratio, recount_copies) if has_recount else pd.Series(pd.NA, index=index, dtype="Int64")
    regroup = regroup.set_axis(index)
    # A 2+ case resolved by its recount group: 1 and 3 positive, 2, 4 and 5 negative.
    recount_status = regroup.map({1: POSITIVE, 2: NEGATIVE, 3: POSITIVE, 4: NEGATIVE, 5: NEGATIVE})
    middle = group.isin([2, 3, 4]).fillna(False)
    out = pd.Series(None, index=index, dtype="object")
    out[(group == 1).fillna(False)] = POSITIVE
    out[(group == 5).fillna(False)] = NEGATIVE
    out[middle] = EQUIVOCAL
    out[middle & (ihc == 3).fillna(False)] = POSITIVE
    out[middle & ihc.isin([0, 1]).fillna(False)] = NEGATIVE
    resolved = middle & (ihc == 2).fillna(False) & recount_status.notna()
    out[resolved] = recount_status[resolved]
    return out


def ish_status_asco_cap_2013(ratio, copies) -> pd.Series:
    """ASCO/CAP 2013 dual probe: ratio >= 2.0 positive; ratio < 2.0 with copies >= 6.0
    positive, 4.0 <= copies < 6.0 equivocal, < 4.0 negative (Wolff et al., JCO 2013;31:3997).
    """
    ratio = _series(ratio, dtype="float64")
    copies = _series(copies, index=ratio.index, dtype="float64")
    low = ratio < 2.0
    return _select(
        [ratio >= 2.0, low & (copies >= 6.0), low & (copies >= 4.0), low & (copies < 4.0)],
        [POSITIVE, POSITIVE, EQUIVOCAL, NEGATIVE],
        ratio.index,
    )


def ish_status_asco_cap_2007(ratio) -> pd.Series:
    """ASCO/CAP 2007: ratio > 2.2 positive, < 1.8 negative, 1.8-2.2 equivocal (Wolff et al., JCO 2007;25:118)."""
    ratio = _series(ratio, dtype="float64")
    return _select([ratio > 2.2, ratio < 1.8, ratio.notna()], [POSITIVE, NEGATIVE, EQUIVOCAL], ratio.index)


def ish_status(specimens: pd.DataFrame, guideline: str) -> pd.Series:
    """ISH status of each specimen by the study's guideline.

    Uses the ratio (and copies) when present; a specimen with no ratio but a
    reported call (``ish_result``) keeps the reported call. ``asco_cap_at_diagnosis``
    needs the column ``asco_cap_release`` ("2007"/"2013"/"2018"), which the
    cleaning stage derives from the collection date.
    """
    col = lambda name: specimens[name] if name in specimens else pd.Series(np.nan, index=specimens.index)  # noqa: E731
    ratio, copies = col("ish_ratio"), col("her2_copies_per_cell")
    if guideline == "gastric_equivocal_recount":
        status = ish_status_gastric_equivocal_recount(ratio, col("ish_ratio_recount"))
    elif guideline == "gastric_consensus":
        status = ish_status_gastric_consensus(ratio)
    elif guideline == "asco_cap_2007":
        status = ish_status_asco_cap_2007(ratio)
    elif guideline == "asco_cap_2013":
        status = ish_status_asco_cap_2013(ratio, copies)
    elif guideline == "asco_cap_2018":
        status = ish_status_asco_cap_2018(ratio, copies, col("ihc_score"), col("ish_ratio_recount"), col("her2_copies_recount"))
    elif guideline == "asco_cap_at_diagnosis":
        # the release is a year label; a CSV round trip (cleaned specimens.csv) reads it as a number
        release = pd.to_numeric(col("asco_cap_release"), errors="coerce").map(lambda year: None if pd.isna(year) else str(int(year)))
        by_release = {
            "2007": ish_status_asco_cap_2007(ratio),
            "2013": ish_status_asco_cap_2013(ratio, copies),
            "2018": ish_status_asco_cap_2018(ratio, copies, col("ihc_score"), col("ish_ratio_recount"), col("her2_copies_recount")),
        }
        status = pd.Series(None, index=specimens.index, dtype="object")
        for name, values in by_release.items():
            status[release == name] = values[release == name]
    else:
        raise ValueError(f"unknown HER2 guideline {guideline!r}; expected one of {', '.join(GUIDELINES)}")
    if "ish_result" in specimens:
        status = status.where(ratio.notna(), specimens["ish_result"])
    return status.astype("object").where(status.notna(), None)


def her2_status(ihc, ish) -> pd.Series:
    """HER2 status: positive = IHC 3+, or IHC 2+ with ISH positive; negative = IHC 0/1+,
    or IHC 2+ with ISH negative; IHC 2+ without a conclusive ISH = indeterminate
    (never negative by default). Gastric consensus (Hofmann 2008) and ASCO/CAP.

    A positive ISH with IHC 0/1+ is positive (ASCO/CAP 2018 group 1 is positive
    whatever the IHC; the gastric studies ran ISH on 2+ cases only). Missing IHC
    -> NA.
    """
    ihc = _series(ihc, dtype="Int64")
    ish = _series(ish, index=ihc.index, dtype="object")
    return _select(
        [ihc == 3, ish == POSITIVE, ihc.isin([0, 1]), (ihc == 2) & (ish == NEGATIVE), ihc == 2],
        [POSITIVE, POSITIVE, NEGATIVE, NEGATIVE, INDETERMINATE],
        ihc.index,
    )


def her2_group(ihc, ish) -> pd.Series:
    """Breast three groups: zero = IHC 0; low = IHC 1+, or 2+ with ISH negative;
    positive = IHC 3+ or ISH positive (Tarantino et al., JCO 2020; the breast
    evolution study's Methods). IHC 2+ without a conclusive ISH = indeterminate.
    """
    ihc = _series(ihc, dtype="Int64")
    ish = _series(ish, index=ihc.index, dtype="object")
    return _select(
        [ihc == 3, ish == POSITIVE, ihc == 0, ihc == 1, (ihc == 2) & (ish == NEGATIVE), ihc == 2],
        ["positive", "positive", "zero", "low", "low", INDETERMINATE],
        ihc.index,
    )


def her2_zero_subgroup(ihc, pct_1plus) -> pd.Series:
    """Among IHC 0: ``ultralow`` (faint incomplete staining in > 0% and <= 10% of cells)
    or ``null`` (no staining), as in DESTINY-Breast06. NA outside IHC 0 or without %1+.
    """
    ihc = _series(ihc, dtype="Int64")
    pct = _series(pct_1plus, index=ihc.index, dtype="float64")
    zero = ihc == 0
    return _select([zero & (pct > 0) & (pct <= 10), zero & (pct == 0)], ["ultralow", "null"], ihc.index)


def genetic_heterogeneity(pct_nuclei_ratio_ge2) -> pd.Series:
    """HER2 genetic heterogeneity: 5% to < 50% of tumour nuclei with HER2/CEP17 ratio
    >= 2.0 (Vance et al., Arch Pathol Lab Med 2009, as used by the gastric loss study).
    True at 5, False at 50; NA when not assessed.
    """
    pct = _series(pct_nuclei_ratio_ge2, dtype="float64")
    out = (pct >= 5) & (pct < 50)
    return out.astype("boolean").where(pct.notna())


def ihc_heterogeneity(n_fragments_tumour, n_fragments_her2_positive) -> pd.Series:
    """IHC intratumoral heterogeneity (the gastric heterogeneity study, Methods):
    ``"homogeneous"`` when every tumour-containing fragment is IHC 2+ or 3+
    throughout (positive fragments == tumour fragments), else ``"heterogeneous"``.
    NA without tumour fragments.
    """
    tumour = _series(n_fragments_tumour, dtype="Float64")
    positive = _series(n_fragments_her2_positive, index=tumour.index, dtype="Float64")
    known = tumour.notna() & positive.notna() & (tumour > 0)
    return _select([known & (positive == tumour), known], ["homogeneous", "heterogeneous"], tumour.index)


def her2_change(before, after) -> pd.Series:
    """Change of binary HER2 status between two time points: ``persistent`` (positive ->
    positive), ``loss`` (positive -> negative; the gastric loss study's "loss of
    positivity"), ``gain`` (negative -> positive), ``stable_negative``. NA when either
    status is missing or indeterminate.
    """
    b = _series(before, dtype="object")
    a = _series(after, index=b.index, dtype="object")
    return _select(
        [(b == POSITIVE) & (a == POSITIVE), (b == POSITIVE) & (a == NEGATIVE), (b == NEGATIVE) & (a == POSITIVE), (b == NEGATIVE) & (a == NEGATIVE)],
        ["persistent", "loss", "gain", "stable_negative"],
        b.index,
    )


GROUP_ORDER = {"zero": 0, "low": 1, "positive": 2}


def her2_group_change(before, after) -> pd.DataFrame:
    """Three-group evolution (breast evolution study): transition label (``"zero->low"``),
    ``discordant`` (a different group), ``direction`` (``up``/``down``/``same`` along
    zero < low < positive) and ``to_low`` (conversion to HER2-low from another group).
    """
    b = _series(before, dtype="object")
    a = _series(after, index=b.index, dtype="object")
    known = b.isin(GROUP_ORDER) & a.isin(GROUP_ORDER)
    rank_b, rank_a = b.map(GROUP_ORDER), a.map(GROUP_ORDER)
    return pd.DataFrame(
        {
            "transition": (b + "->" + a).where(known),
            "discordant": (b != a).astype("boolean").where(known),
            "direction": _select([known & (rank_a > rank_b), known & (rank_a < rank_b), known], ["up", "down", "same"], b.index),
            "to_low": ((a == "low") & (b != "low")).astype("boolean").where(known),
        },
        index=b.index,
    )


def ihc_change(before, after) -> pd.Series:
    """IHC score change (breast T-DXd study): ``loss_to_0`` (IHC >= 1+ before, 0 after),
    ``decrease`` (a lower score that is not a loss to 0), ``same``, ``increase``.
    """
    b = _series(before, dtype="Int64")
    a = _series(after, index=b.index, dtype="Int64")
    return _select([(b >= 1) & (a == 0), a < b, a == b, a > b], ["loss_to_0", "decrease", "same", "increase"], b.index)


def classify_specimens(specimens: pd.DataFrame, guideline: str) -> pd.DataFrame:
    """Add ``h_score``, ``ish_group_2018``, ``ish_status``, ``her2_status``, ``her2_group``,
    ``her2_zero_subgroup``, ``genetic_heterogeneity``, ``ihc_heterogeneity`` to a
    cleaned specimens table."""
    out = specimens.copy()
    col = lambda name: out[name] if name in out else pd.Series(np.nan, index=out.index)  # noqa: E731
    out["h_score"] = h_score(col("pct_cells_1plus"), col("pct_cells_2plus"), col("pct_cells_3plus"))
    out["ish_group_2018"] = asco_cap_2018_ish_group(col("ish_ratio"), col("her2_copies_per_cell"))
    out["ish_status"] = ish_status(out, guideline)
    out["her2_status"] = her2_status(col("ihc_score"), out["ish_status"])
    out["her2_group"] = her2_group(col("ihc_score"), out["ish_status"])
    out["her2_zero_subgroup"] = her2_zero_subgroup(col("ihc_score"), col("pct_cells_1plus"))
    out["genetic_heterogeneity"] = genetic_heterogeneity(col("pct_nuclei_ratio_ge2"))
    out["ihc_heterogeneity"] = ihc_heterogeneity(col("n_fragments_tumour"), col("n_fragments_her2_positive"))
    return out


#: Specimen variables carried into the analysis set, one column per time point.
SPECIMEN_VARIABLES = (
    "ihc_score", "h_score", "ish_ratio", "her2_copies_per_cell", "ish_status", "ish_group_2018",
    "her2_status", "her2_group", "her2_zero_subgroup", "genetic_heterogeneity", "ihc_heterogeneity",
    "pct_nuclei_ratio_ge2", "n_fragments_tumour", "n_fragments_her2_positive", "n_fragments_3plus",
    "hr_status", "ki67_percent", "site", "specimen_type", "collection_months",
    "mutation", "variant_allele_frequency", "tumour_purity", "gene_copy_number",
)


def analysis_set(patients: pd.DataFrame, classified: pd.DataFrame, comparison: dict | None = None) -> pd.DataFrame:
    """One row per patient from the cleaned patients and the classified specimens
    (:func:`classify_specimens`): clinical variables, endpoints, per-time-point HER2 variables
    and the study's own specimen variables (``{timepoint}_{variable}``) and, when the study compares two time points, the
    change variables ``her2_change``, ``her2_group_transition``, ``her2_group_discordant``,
    ``her2_group_direction``, ``her2_to_low``, ``ihc_change``, ``genetic_heterogeneity_change``.
    """
    out = patients.copy()
    if classified is None or classified.empty:
        return out
    # a study's own specimen variables (``variables:`` with ``table: specimens``,
    # e.g. the number of biopsy specimens) travel like the standard ones
    from her2cohort.rawdata import SPECIMEN_COLUMNS

    # (asco_cap_release is the cleaning stage's input to the classifier, not a variable)
    standard = {spec.name for spec in SPECIMEN_COLUMNS} | {"patient_key", "timepoint", "asco_cap_release"}
    study_variables = tuple(c for c in classified.columns if c not in standard and c not in SPECIMEN_VARIABLES)
    for timepoint in [t for t in classified["timepoint"].unique()]:
        at = classified[classified["timepoint"] == timepoint].set_index("patient_key")
        # one look-up of every patient for all variables (as Series.map, per variable, would repeat it)
        aligned = at.reindex(out["patient_key"]).set_axis(out.index)
        for variable in SPECIMEN_VARIABLES + study_variables:
            if variable in at:
                # "site" would give "primary_site" for the primary tumour's specimen,
                # which is a patient column: specimen columns say "specimen_site"
                name = f"{timepoint}_{'specimen_site' if variable == 'site' else variable}"
                if name in patients:
                    raise ValueError(f"analysis set: specimen variable {name!r} would overwrite the patient column of that name")
                out[name] = aligned[variable]
    if comparison:
        b, a = comparison["before"], comparison["after"]

        def both(variable: str) -> tuple[pd.Series, pd.Series]:
            return (
                out.get(f"{b}_{variable}", pd.Series(pd.NA, index=out.index)),
                out.get(f"{a}_{variable}", pd.Series(pd.NA, index=out.index)),
            )

        out["her2_change"] = her2_change(*both("her2_status"))
        group_change = her2_group_change(*both("her2_group"))
        for column in group_change:
            out[f"her2_group_{column}" if column != "to_low" else "her2_to_low"] = group_change[column]
        out["ihc_change"] = ihc_change(*both("ihc_score"))
        gb, ga = both("genetic_heterogeneity")
        out["genetic_heterogeneity_change"] = _select(
            [(gb == False) & (ga == False), (gb == False) & (ga == True), (gb == True) & (ga == True), (gb == True) & (ga == False)],  # noqa: E712
            ["stable_homogeneity", "to_heterogeneity", "stable_heterogeneity", "to_homogeneity"],
            out.index,
        )
    return out
