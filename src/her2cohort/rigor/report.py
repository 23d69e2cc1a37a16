"""The rigor report for readers: a display table (Markdown, the supplement's Word table) and
``rigor.md``, every number printed through :class:`her2cohort.numbers.Printed`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from her2cohort.numbers import Printed, is_missing
from her2cohort.rigor.verdict import NOT_ASSESSED, VERDICTS

#: Columns of the display table (rigor.md, rigor.html).
DISPLAY_COLUMNS = ("Weakness", "Analysis", "Detected", "Paper's analysis", "More rigorous analysis", "Verdict")
#: Columns of the supplement's table (rigor.docx): what was detected is in rigor.md.
SUPPLEMENT_COLUMNS = ("Weakness", "Analysis", "Paper's analysis", "More rigorous analysis", "Verdict")


def _estimate(printed: Printed, kind: str, estimate: Any, low: Any, high: Any, p: Any, where: str, source: str) -> str:
    parts = []
    if kind and not is_missing(estimate):
        parts.append(f"{kind} " + printed("estimate_ci", estimate, low, high, decimals=2, where=where, source=source))
    if not is_missing(p):
        parts.append(printed("p_phrase", p, where=where, source=source))
    return ", ".join(parts)


def _paper(row: pd.Series, printed: Printed, where: str) -> str:
    source = f"rigor / {row['analysis']} / paper"
    if row["check"] == "multiplicity":
        return (
            f"{printed('count', row['n_tests'], where=where, source=source)} unadjusted tests: "
            f"{printed('count', row['n_significant'], where=where, source=source)} significant; smallest "
            + printed("p_phrase", row["paper_p"], where=where, source=source)
        )
    if row["check"] == "small_samples" and row["paper_estimate_kind"] == "median":
        return "symmetric interval (SPSS): median " + printed("estimate_ci", row["paper_estimate"], row["paper_conf_low"], row["paper_conf_high"], decimals=1, where=where, source=source)
    text = _estimate(printed, row["paper_estimate_kind"], row["paper_estimate"], row["paper_conf_low"], row["paper_conf_high"], row["paper_p"], where, source)
    return f"{row['paper_method']}: {text}" if text else str(row["paper_method"])


def _rigorous(row: pd.Series, printed: Printed, where: str) -> str:
    source = f"rigor / {row['analysis']} / rigorous"
    if row["check"] == "multiplicity":
        return (
            f"Holm: {printed('count', row['n_significant_holm'], where=where, source=source)} significant, "
            f"Benjamini-Hochberg: {printed('count', row['n_significant_bh'], where=where, source=source)}; "
            "smallest Holm-adjusted " + printed("p_phrase", row["rigorous_p"], where=where, source=source)
        )
    if row["check"] == "data_driven_cutoff":
        return (
            "optimism-corrected AUC of the cut predictor "
            + printed("number", row["rigorous_estimate"], decimals=2, where=where, source=source)
            + "; Youden cutoff 95% CI "
            + printed("interval", row["rigorous_conf_low"], row["rigorous_conf_high"], decimals=2, where=where, source=source)
        )
    if row["check"] == "small_samples" and row["rigorous_estimate_kind"] == "median":
        return f"{row['rigorous_analysis']}: median " + printed("estimate_ci", row["rigorous_estimate"], row["rigorous_conf_low"], row["rigorous_conf_high"], decimals=1, where=where, source=source)
    text = _estimate(printed, row["rigorous_estimate_kind"], row["rigorous_estimate"], row["rigorous_conf_low"], row["rigorous_conf_high"], row["rigorous_p"], where, source)
    return f"{row['rigorous_analysis']}: {text}" if text else f"{row['rigorous_analysis']}: not estimable"


def rigor_display(frame: pd.DataFrame, printed: Printed | None = None) -> tuple[pd.DataFrame, Printed]:
    """The report as a table a reader (or the manuscript's supplement) prints: one row per
    detected weakness, the paper's analysis beside the rigorous one and the verdict."""
    printed = printed or Printed()
    rows = []
    for k, row in frame.reset_index(drop=True).iterrows():
        where = f"rigor row {k + 1}"
        rows.append({
            "Weakness": row["weakness"],
            "Analysis": row["analysis"] + (f" ({row['term']})" if row["term"] and row["check"] != "multiplicity" else ""),
            "Detected": row["detected"],
            "Paper's analysis": _paper(row, printed, where),
            "More rigorous analysis": _rigorous(row, printed, where),
            "Verdict": row["verdict"],
        })
    return pd.DataFrame(rows, columns=list(DISPLAY_COLUMNS)), printed


def rigor_markdown(frame: pd.DataFrame, title: str = "", checks: tuple[str, ...] = ()) -> tuple[str, Printed]:
    """``rigor.md``: what was checked, what was detected, the verdicts and their rules."""
    from her2cohort.render.export import to_markdown

    display, printed = rigor_display(frame)
    name = frame["study"].iloc[0] if len(frame) else ""
    lines = [f"# Rigor report{': ' + title if title else ''}", ""]
    lines.append(
        "Each weakness the pipeline detects from the study's declared analyses and data, the study's own analysis "
        "(as the pipeline runs it on this cohort) beside a more rigorous one, and a verdict on the conclusion. "
        "Checks run: " + ", ".join(checks) + "."
    )
    lines.append("")
    if frame.empty:
        lines += [f"Nothing detected{' for ' + name if name else ''}: no check found a weakness in the declared analyses and data.", ""]
        return "\n".join(lines), printed
    counts = frame["verdict"].value_counts()
    shown = VERDICTS + ((NOT_ASSESSED,) if NOT_ASSESSED in counts else ())
    summary = "; ".join(f"{printed('count', int(counts.get(v, 0)), where='summary', source='rigor / verdict')} {v}" for v in shown)
    lines += [f"{printed('count', len(frame), where='summary', source='rigor')} weaknesses detected: {summary}.", ""]
    lines.append(to_markdown(display))
    lines += ["## Verdict rules", ""]
    for check, rule in frame[frame["rule"] != ""].groupby("check", sort=False)["rule"].first().items():
        lines.append(f"- **{check}**: {rule}.")
    notes = [(k, row) for k, row in frame.reset_index(drop=True).iterrows() if row["note"]]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- row {k + 1}, {row['analysis']}: {row['note']}" for k, row in notes]
    return "\n".join(lines) + "\n", printed


def rigor_supplement(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], Printed]:
    """The rigor table as a manuscript's supplement prints it: the display table's
    :data:`SUPPLEMENT_COLUMNS`, and footnotes stating each verdict rule once.
    ``frame`` is ``results/{study}/rigor.csv`` (read with :func:`her2cohort.results.read_result`)."""
    display, printed = rigor_display(frame)
    rules = frame[frame["rule"] != ""].groupby("check", sort=False)["rule"].first()
    footnotes = [f"Verdict rule, {check.replace('_', ' ')}: {rule}." for check, rule in rules.items()]
    footnotes.insert(0, "The paper's analysis is the study's declared analysis run on this cohort; the more rigorous analysis is the rigor report's (docs/rigor.md).")
    return display[list(SUPPLEMENT_COLUMNS)], footnotes, printed
