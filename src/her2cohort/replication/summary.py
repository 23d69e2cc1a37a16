"""A readable summary of the replication audit (results/replication.md), led by what each number can prove.

A printed number reproduced from the reconstructed cohort proves different
things depending on what pins it down (``evidence`` in
data/published/{study}.yaml):

``printed_counts``
    determined by numbers the paper itself prints (a test p of a printed table,
    a percentage of a printed count): it must reproduce exactly, or the paper
    is wrong. These are the audit's real findings, and the report leads with them.
``patient_data``
    depends on patient-level data the paper does not publish (hazard ratios,
    medians' CIs, rank tests on continuous values): the reconstructed cohort can
    agree within a stated tolerance at best, and disagreement is expected.
``reconstruction_input``
    a target the synthetic cohort was built to match: reproducing it is circular
    and shows only that the generator works.
``not_this_study``
    a citation or a protocol constant: listed apart, never counted.
"""

from __future__ import annotations

import pandas as pd

from her2cohort.replication.audit import EVIDENCE, STATUSES
from her2cohort.replication.tolerance import shown_beside

#: The class names as the report prints them.
EVIDENCE_WORDS = {
    "printed_counts": "determined by printed counts",
    "patient_data": "depends on unpublished patient data",
    "reconstruction_input": "reconstruction input (circular)",
    "not_this_study": "not a result of this study",
}
#: Columns of the first table: (evidence class, status or None for the class total, heading).
_FIRST_TABLE = [
    ("printed_counts", "reproduced", "counts: reproduced"),
    ("printed_counts", "discrepant", "counts: paper errors"),
    ("printed_counts", "not_reproduced", "counts: not reproduced"),
    ("patient_data", "reproduced", "patient data: reproduced"),
    ("patient_data", "within_tolerance", "patient data: within tolerance"),
    ("patient_data", "not_reproduced", "patient data: not reproduced"),
    ("patient_data", "discrepant", "patient data: paper errors"),
    ("patient_data", "not_computable", "patient data: not computable"),
    ("reconstruction_input", None, "reconstruction inputs"),
    ("not_this_study", None, "not this study"),
]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _reproduced(row) -> str:
    return shown_beside(float(row.reproduced), {"precision": int(row.precision)}) if pd.notna(row.reproduced) else "NA"


def counts_by_status(replication: pd.DataFrame) -> pd.DataFrame:
    """Rows: studies (and ``all``); columns: status counts and the total."""
    table = pd.crosstab(replication["study"], replication["status"]).reindex(columns=STATUSES, fill_value=0)
    table.loc["all"] = table.sum()
    table["total"] = table.sum(axis=1)
    return table


def counts_by_evidence(replication: pd.DataFrame) -> pd.DataFrame:
    """The report's first table: per study (and ``all``), numbers by what can prove them and their status."""
    studies = list(dict.fromkeys(replication["study"]))
    rows = {}
    for study in [*studies, "all"]:
        part = replication if study == "all" else replication[replication["study"] == study]
        counts = {}
        for evidence, status, heading in _FIRST_TABLE:
            chosen = part[part["evidence"] == evidence]
            counts[heading] = int(len(chosen) if status is None else (chosen["status"] == status).sum())
        unclassified = int((~part["evidence"].isin(EVIDENCE)).sum())
        if unclassified:
            counts["unclassified"] = unclassified
        counts["total"] = len(part)
        rows[study] = counts
    return pd.DataFrame.from_dict(rows, orient="index").fillna(0).astype(int)


def headline(replication: pd.DataFrame) -> list[str]:
    """The report's first sentences, computed from the rows."""
    counts = replication[replication["evidence"] == "printed_counts"]["status"].value_counts()
    patient = replication[replication["evidence"] == "patient_data"]["status"].value_counts()
    n_counts, n_patient = int(counts.sum()), int(patient.sum())
    inputs = replication[replication["evidence"] == "reconstruction_input"]
    apart = int((replication["evidence"] == "not_this_study").sum())
    other = n_counts - int(counts.get("reproduced", 0)) - int(counts.get("discrepant", 0))
    return [
        f"**Of the {n_counts} numbers the printed counts determine, {int(counts.get('reproduced', 0))} reproduce "
        f"and {int(counts.get('discrepant', 0))} are paper errors** (the paper contradicts its own counts)"
        + (f"; {other} are neither, each a defect of the pipeline until explained." if other else "; none is left unexplained."),
        f"**Of the {n_patient} numbers that depend on unpublished patient data, {int(patient.get('reproduced', 0))} reproduce "
        f"at the printed precision, {int(patient.get('within_tolerance', 0))} lie within their stated tolerance and in the "
        f"printed direction, {int(patient.get('not_reproduced', 0))} do not, {int(patient.get('discrepant', 0))} are "
        f"contradicted by the paper itself and {int(patient.get('not_computable', 0))} cannot be computed here.**",
        f"{len(inputs)} numbers were targets of the cohort reconstruction ({int((inputs['status'] == 'reproduced').sum())} "
        f"reproduce: that shows the generator works, nothing more); {apart} printed numbers are not results of these "
        "studies (citations, protocol constants) and are listed apart.",
    ]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|", *("| " + " | ".join(r) + " |" for r in rows)]


def _rows(chosen: pd.DataFrame) -> list[str]:
    header = ["location", "published", "reproduced", "status", "explanation", "reasons", "shown in"]
    return _table(
        header,
        [
            [_cell(r.location), _cell(r.published), _reproduced(r), r.status, _cell(r.explanation), _cell(r.reasons), _cell(r.shown_in)]
            for r in chosen.itertuples()
        ],
    )


def summary_markdown(
    replication: pd.DataFrame,
    consistency: pd.DataFrame,
    titles: dict[str, str] | None = None,
    reasons: dict[str, dict[str, str]] | None = None,
) -> str:
    """The whole report: what each number can prove (first table), then per study the findings
    on printed counts, the patient-data numbers, the inputs that did not reproduce, the numbers
    that are not results of the study, the named reasons, and the paper's internal checks.

    ``reasons``: study -> reason key -> text (the mappings' ``reasons``), printed once each.
    """
    titles, reasons = titles or {}, reasons or {}
    replication = replication.fillna({"evidence": "", "reasons": "", "shown_in": "", "explanation": ""})
    lines = ["# Replication report", ""]
    lines += [
        "Every number printed in each paper beside the number the pipeline computes from the study's",
        "reconstructed cohort (synthetic patients built from the paper's own aggregates). What a match",
        "proves depends on what pins the number down, so every number is classed by what can prove it:",
        "",
        "- **determined by printed counts**: a test p of a printed table, a percentage of printed counts;",
        "  it must reproduce exactly, or the paper contradicts itself (a paper error, with the check that fails);",
        "- **depends on unpublished patient data**: hazard ratios, CIs of medians, rank tests on continuous",
        "  values; the reconstruction can only agree within a stated tolerance, and a ratio must agree in",
        "  direction (same side of 1) to count as within tolerance;",
        "- **reconstruction input**: a count or median the synthetic cohort was built to match; reproducing it",
        "  is circular and shows only that the generator works;",
        "- **not a result of this study**: citations and protocol constants, listed apart and never counted.",
        "",
        *(line for sentence in headline(replication) for line in (sentence, "")),
        "## What can prove each number",
        "",
    ]
    first = counts_by_evidence(replication)
    lines += _table(["study", *first.columns], [[str(study), *(str(v) for v in row)] for study, row in first.iterrows()])
    lines += ["", "Counts by status, all classes together:", ""]
    by_status = counts_by_status(replication)
    lines += _table(["study", *by_status.columns], [[str(study), *(str(int(v)) for v in row)] for study, row in by_status.iterrows()])

    for study in dict.fromkeys(replication["study"]):
        rows = replication[replication["study"] == study]
        lines += ["", f"## {study}" + (f": {titles[study]}" if study in titles else ""), ""]
        for evidence in EVIDENCE:
            part = rows[rows["evidence"] == evidence]
            summary = ", ".join(f"{status} {int((part['status'] == status).sum())}" for status in STATUSES if (part["status"] == status).any())
            lines.append(f"- {EVIDENCE_WORDS[evidence]}: {len(part)}" + (f" ({summary})" if summary else ""))
        sections = [
            ("Determined by printed counts: paper errors and anything not reproduced", rows[(rows["evidence"] == "printed_counts") & (rows["status"] != "reproduced")]),
            ("Depending on unpublished patient data: every number not reproduced at the printed precision", rows[(rows["evidence"] == "patient_data") & (rows["status"] != "reproduced")]),
            ("Reconstruction inputs that do not reproduce", rows[(rows["evidence"] == "reconstruction_input") & (rows["status"] != "reproduced")]),
            ("Not results of this study (listed apart, not counted)", rows[rows["evidence"] == "not_this_study"]),
            ("Not classified", rows[~rows["evidence"].isin(EVIDENCE)]),
        ]
        for heading, chosen in sections:
            if chosen.empty:
                continue
            order = {status: i for i, status in enumerate(["discrepant", "not_reproduced", "within_tolerance", "not_computable", "reproduced"])}
            chosen = chosen.sort_values("status", key=lambda s: s.map(order), kind="stable")
            lines += ["", f"### {heading} ({len(chosen)})", "", *_rows(chosen)]
        cited = [k for k in dict.fromkeys(k for text in rows["reasons"] for k in str(text).split("; ") if k)]
        if cited:
            lines += ["", "### Reasons cited above", ""]
            for key in cited:
                count = int(rows["reasons"].str.split("; ").apply(lambda keys, key=key: key in keys).sum())
                lines.append(f"- `{key}` ({count} number{'s' if count != 1 else ''}): {_cell(reasons.get(study, {}).get(key, '(text not given)'))}")
        checks = consistency[consistency["study"] == study]
        failed = checks[~checks["consistent"].astype(bool)]
        lines += ["", f"### Internal consistency of the paper: {len(checks) - len(failed)} of {len(checks)} checks pass", ""]
        if not failed.empty:
            lines += _table(
                ["check", "location", "printed", "explanation"],
                [[r.check, _cell(r.location), _cell(r.printed), _cell(r.explanation)] for r in failed.itertuples()],
            )
    return "\n".join(lines) + "\n"
