"""A readable summary of the replication audit (results/replication.md)."""

from __future__ import annotations

import pandas as pd

from her2cohort.replication.audit import STATUSES
from her2cohort.replication.tolerance import shown


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _reproduced(row) -> str:
    return shown(float(row.reproduced), int(row.precision) + 1) if pd.notna(row.reproduced) else "NA"


def counts_by_status(replication: pd.DataFrame) -> pd.DataFrame:
    """Rows: studies (and ``all``); columns: basis x status counts and the total."""
    table = pd.crosstab(replication["study"], replication["status"]).reindex(columns=STATUSES, fill_value=0)
    table.loc["all"] = table.sum()
    table["total"] = table.sum(axis=1)
    return table


def summary_markdown(replication: pd.DataFrame, consistency: pd.DataFrame, titles: dict[str, str] | None = None) -> str:
    """Counts per status, then per study the discrepant, not-reproduced, within-tolerance
    and not-computable rows with their explanations, and the failed internal checks."""
    titles = titles or {}
    lines = ["# Replication report", ""]
    lines += [
        "Every number printed in each paper (data/published/{study}.yaml) beside the number the",
        "pipeline computes from the study's cohort. `input` numbers were targets of the cohort",
        "reconstruction (reproducing them shows the generator works); `held_out` numbers were never",
        "seen by it (reproducing them is evidence that the statistics are right).",
        "",
        "## Counts by status",
        "",
    ]
    counts = counts_by_status(replication)
    header = ["study", *counts.columns]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for study, row in counts.iterrows():
        lines.append("| " + " | ".join([str(study), *(str(int(v)) for v in row)]) + " |")
    held = replication[replication["basis"] == "held_out"]
    if not held.empty:
        lines += ["", "Held-out numbers only:", ""]
        held_counts = counts_by_status(held)
        lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for study, row in held_counts.iterrows():
            lines.append("| " + " | ".join([str(study), *(str(int(v)) for v in row)]) + " |")
    for study in dict.fromkeys(replication["study"]):
        rows = replication[replication["study"] == study]
        lines += ["", f"## {study}" + (f": {titles[study]}" if study in titles else ""), ""]
        lines.append(", ".join(f"{status} {int((rows['status'] == status).sum())}" for status in STATUSES) + f" (of {len(rows)}).")
        for status in ["discrepant", "not_reproduced", "within_tolerance", "not_computable"]:
            chosen = rows[rows["status"] == status]
            if chosen.empty:
                continue
            lines += ["", f"### {status} ({len(chosen)})", "", "| location | published | reproduced | basis | explanation |", "|---|---|---|---|---|"]
            for row in chosen.itertuples():
                lines.append(f"| {_cell(row.location)} | {_cell(row.published)} | {_reproduced(row)} | {row.basis} | {_cell(row.explanation)} |")
        checks = consistency[consistency["study"] == study]
        failed = checks[~checks["consistent"].astype(bool)]
        lines += ["", f"### Internal consistency of the paper: {len(checks) - len(failed)} of {len(checks)} checks pass", ""]
        if not failed.empty:
            lines += ["| check | location | printed | explanation |", "|---|---|---|---|"]
            for row in failed.itertuples():
                lines.append(f"| {row.check} | {_cell(row.location)} | {_cell(row.printed)} | {_cell(row.explanation)} |")
    return "\n".join(lines) + "\n"
