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


def has_her2_data(specimens: pd.DataFrame | None) -> bool:
    """Whether a cleaned specimens table carries HER2 data: a value in one of the
    classifier's input columns (:data:`her2cohort.rawdata.HER2_COLUMNS`)."""
    from her2cohort.rawdata import her2_columns_with_data

    return bool(her2_columns_with_data(specimens))


def classify_cohort(specimens: pd.DataFrame, guideline: str | None) -> pd.DataFrame:
    """The specimens of a cohort, classified by ``guideline`` (:func:`classify_specimens`)
    when they carry HER2 data (:func:`has_her2_data`).

    Without HER2 data (no specimen, or specimens with other variables only) they
    are returned as they are, less their HER2 columns (every cell empty): a
    cohort without HER2 data gets no HER2 variable, and needs no guideline.
    With HER2 data and no guideline, the error names the study key.
    """
    from her2cohort.errors import StudyConfigError
    from her2cohort.rawdata import HER2_COLUMNS

    if specimens is None or specimens.empty:
        return specimens
    if not has_her2_data(specimens):
        return specimens.drop(columns=[c for c in HER2_COLUMNS if c in specimens])
    if not guideline:
        raise StudyConfigError(f"her2_guideline: missing; the specimens carry HER2 data to classify (name one of {', '.join(GUIDELINES)})")
    return classify_specimens(specimens, guideline)


# ---------------------------------------------------------------------------
# What each rule left undecided, and why (the classify log and classification.csv)
# ---------------------------------------------------------------------------

#: Order of the statuses in :func:`classification_summary`.
STATUS_ORDER = (POSITIVE, NEGATIVE, INDETERMINATE, "not classified")


def specimen_rules(classified: pd.DataFrame, guideline: str) -> pd.Series:
    """The rule each specimen was classified by: the guideline, or under
    ``asco_cap_at_diagnosis`` the release in force at its collection
    (``asco_cap_2013``...; ``asco_cap_at_diagnosis`` when the date is unknown)."""
    if guideline != "asco_cap_at_diagnosis":
        return pd.Series(guideline, index=classified.index, dtype="object")
    release = classified["asco_cap_release"] if "asco_cap_release" in classified else pd.Series(np.nan, index=classified.index)
    year = pd.to_numeric(release, errors="coerce").astype("Int64").astype("string")
    return ("asco_cap_" + year).fillna(guideline).astype("object")


def undecided_reasons(classified: pd.DataFrame, guideline: str) -> pd.Series:
    """Why each specimen that is not positive or negative was left so, by the rule it
    was classified by (:func:`specimen_rules`); NA for the others.

    A specimen is *indeterminate* when it is IHC 2+ without a conclusive ISH
    result (:func:`her2_status`); *not classified* without an IHC score. The
    reasons name the missing or equivocal input: no ISH at all, an equivocal
    call reported without a ratio, an equivocal ratio without its recount
    (gastric HER2-loss study), a ratio without the HER2 copies per cell the
    ASCO/CAP 2013 and 2018 groups need, an ASCO/CAP 2018 group 2-4 without the
    second observer's recount, an ASCO/CAP 2007 or 2013 equivocal result that
    the guideline leaves equivocal, a sample without the date that says which
    ASCO/CAP release applies.
    """
    col = lambda name: classified[name] if name in classified else pd.Series(np.nan, index=classified.index)  # noqa: E731
    ihc = pd.to_numeric(col("ihc_score"), errors="coerce")
    ratio, copies = pd.to_numeric(col("ish_ratio"), errors="coerce"), pd.to_numeric(col("her2_copies_per_cell"), errors="coerce")
    recount_ratio, recount_copies = pd.to_numeric(col("ish_ratio_recount"), errors="coerce"), pd.to_numeric(col("her2_copies_recount"), errors="coerce")
    reported = col("ish_result")
    status = col("her2_status")
    rule = specimen_rules(classified, guideline)
    group = asco_cap_2018_ish_group(ratio, copies)
    undecided = status == INDETERMINATE
    no_ratio = ratio.isna()
    conditions = [
        ihc.isna() & status.isna(),
        undecided & (rule == "asco_cap_at_diagnosis"),
        undecided & no_ratio & reported.isna(),
        undecided & no_ratio & (reported == EQUIVOCAL),
        undecided & (rule == "gastric_equivocal_recount") & (ratio >= 1.8) & (ratio <= 2.2) & recount_ratio.isna(),
        undecided & (rule == "asco_cap_2007") & (ratio >= 1.8) & (ratio <= 2.2),
        undecided & (rule == "asco_cap_2013") & (ratio < 2.0) & copies.isna(),
        undecided & (rule == "asco_cap_2013") & (ratio < 2.0) & (copies >= 4.0) & (copies < 6.0),
        undecided & (rule == "asco_cap_2018") & copies.isna(),
    ]
    reasons = [
        "no IHC score",
        "IHC 2+, no collection date: the ASCO/CAP release in force is unknown",
        "IHC 2+ without an ISH result",
        "IHC 2+, ISH reported equivocal (ish_result) without a ratio",
        "IHC 2+, ISH ratio 1.8-2.2 (equivocal) without a recount ratio",
        "IHC 2+, ISH ratio 1.8-2.2: equivocal under ASCO/CAP 2007",
        "IHC 2+, ISH ratio < 2.0 without HER2 copies per cell (ASCO/CAP 2013 needs them below 2.0)",
        "IHC 2+, ISH ratio < 2.0 with 4.0-6.0 HER2 copies per cell: equivocal under ASCO/CAP 2013",
        "IHC 2+, ISH ratio without HER2 copies per cell: no ASCO/CAP 2018 ISH group (it needs both)",
    ]
    in_2018 = undecided & (rule == "asco_cap_2018") & group.isin([2, 3, 4]).fillna(False).astype(bool)
    no_recount = recount_ratio.isna() & recount_copies.isna()
    for number, words in ((2, "ratio >= 2.0, copies < 4.0"), (3, "ratio < 2.0, copies >= 6.0"), (4, "ratio < 2.0, copies 4.0-6.0")):
        conditions.append(in_2018 & (group == number).fillna(False).astype(bool) & no_recount)
        reasons.append(f"IHC 2+, ASCO/CAP 2018 ISH group {number} ({words}) without the second observer's recount")
        conditions.append(in_2018 & (group == number).fillna(False).astype(bool) & ~no_recount)
        reasons.append(f"IHC 2+, ASCO/CAP 2018 ISH group {number} ({words}) with an incomplete recount (ratio and copies both needed)")
    conditions.append(undecided)
    reasons.append("IHC 2+ without a conclusive ISH result")  # any other path to indeterminate
    conds = [np.asarray(pd.Series(c, index=classified.index).fillna(False), dtype=bool) for c in conditions]
    out = pd.Series(np.select(conds, reasons, default=None), index=classified.index, dtype="object")
    return out.where(out.notna(), None)


def classification_summary(classified: pd.DataFrame, guideline: str) -> pd.DataFrame:
    """Specimens per rule, HER2 status and reason (``rule, her2_status, reason, n_specimens``):
    how many each rule made positive and negative, and how many it left
    indeterminate or not classified, and why (:func:`undecided_reasons`). One row
    per combination that occurs; the counts add up to the specimens."""
    columns = ["rule", "her2_status", "reason", "n_specimens"]
    if classified is None or classified.empty or "her2_status" not in classified:
        return pd.DataFrame([], columns=columns)
    frame = pd.DataFrame(
        {
            "rule": specimen_rules(classified, guideline),
            "her2_status": classified["her2_status"].astype("object").where(classified["her2_status"].notna(), "not classified"),
            "reason": undecided_reasons(classified, guideline).fillna(""),
        }
    )
    counts = frame.groupby(["rule", "her2_status", "reason"], sort=False).size().rename("n_specimens").reset_index()
    rank = {status: k for k, status in enumerate(STATUS_ORDER)}
    counts["_status"] = counts["her2_status"].map(rank)
    counts = counts.sort_values(["rule", "_status", "n_specimens", "reason"], ascending=[True, True, False, True], kind="stable")
    return counts.drop(columns="_status").reset_index(drop=True)[columns]


def summary_lines(summary: pd.DataFrame) -> list[str]:
    """The classify log's words for :func:`classification_summary`: per rule, the
    specimens of each status, then each reason a specimen was left undecided."""
    lines = []
    for rule, block in summary.groupby("rule", sort=False):
        totals = block.groupby("her2_status", sort=False)["n_specimens"].sum()
        parts = ", ".join(f"{int(totals.get(status, 0))} {status}" for status in STATUS_ORDER)
        lines.append(f"{rule}: {int(block['n_specimens'].sum())} specimens: {parts}")
        for row in block[block["reason"] != ""].itertuples(index=False):
            lines.append(f"  {row.n_specimens} {row.her2_status}: {row.reason}")
    return lines


#: Specimen variables carried into the analysis set, one column per time point.
SPECIMEN_VARIABLES = (
    "ihc_score", "h_score", "ish_ratio", "her2_copies_per_cell", "ish_status", "ish_group_2018",
    "her2_status", "her2_group", "her2_zero_subgroup", "genetic_heterogeneity", "ihc_heterogeneity",
    "pct_nuclei_ratio_ge2", "n_fragments_tumour", "n_fragments_her2_positive", "n_fragments_3plus",
    "hr_status", "ki67_percent", "site", "specimen_type", "collection_months",
    "mutation", "variant_allele_frequency", "tumour_purity", "gene_copy_number",
)

#: The HER2 variables among them: a cohort without HER2 data has none of these
#: (:func:`classify_cohort`), nor the change columns of a comparison.
HER2_VARIABLES = (
    "ihc_score", "h_score", "ish_ratio", "her2_copies_per_cell", "ish_status", "ish_group_2018",
    "her2_status", "her2_group", "her2_zero_subgroup", "genetic_heterogeneity", "ihc_heterogeneity",
    "pct_nuclei_ratio_ge2", "n_fragments_tumour", "n_fragments_her2_positive", "n_fragments_3plus",
)
#: The per-patient change columns a study's ``comparison`` adds (:func:`analysis_set`).
CHANGE_COLUMNS = (
    "her2_change", "her2_group_transition", "her2_group_discordant", "her2_group_direction",
    "her2_to_low", "ihc_change", "genetic_heterogeneity_change",
)


def is_her2_column(name: str) -> bool:
    """Whether ``name`` is a HER2 column of an analysis set: ``{timepoint}_{variable}`` of a
    HER2 variable (``baseline_her2_status``), or a change column (``her2_change``)."""
    from her2cohort.rawdata import TIMEPOINTS

    return name in CHANGE_COLUMNS or any(name == f"{t}_{v}" for t in TIMEPOINTS for v in HER2_VARIABLES)


def missing_column_reason(column: str, columns, data_name: str = "the analysis set") -> str:
    """Why ``column`` is not among ``columns`` (those of an analysis set), for an error
    naming the study key that asks for it: a HER2 column of a cohort without HER2
    data says so; a change column needs the study's ``comparison``; any other name
    gets the nearest column and the columns there are."""
    from her2cohort.errors import did_you_mean

    columns = [str(c) for c in columns]
    if is_her2_column(column) and not any(is_her2_column(c) for c in columns):
        return f"a HER2 variable, and this cohort has no HER2 data (no specimen with an IHC or ISH value), so {data_name} has no HER2 column"
    if column in CHANGE_COLUMNS:
        return "a change between two time points: the study's `comparison` (before, after) adds it"
    return did_you_mean(column, columns, f"the columns of {data_name}")


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
    if comparison and "her2_status" in classified:  # (no change without HER2 data: see classify_cohort)
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
