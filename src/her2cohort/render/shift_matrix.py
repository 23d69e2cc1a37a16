"""Shift tables as a matrix: before-levels as rows, after-levels as columns.

The ``shift_matrix`` layout prints one or several ``shift_table`` analyses
(blocks: all patients, then subgroups) the way an evolution paper tabulates
HER2 primary -> recurrence: a row per before-level with n (% of the row) in
each after-level, the row total with its % of the block, and the patients whose
category changed (n, % of the row); a closing row per block with the
after-level margins (n, % of the block) and the block's discordance (all
off-diagonal cells, n and % of the block). Percentages are of known pairs
(patients missing either category are not in the table; the analysis counts
them in ``n_incomplete``).

Spec: ``blocks`` (``label``, ``from``), ``level_labels`` (printed names of the
levels, shared by rows and columns), ``before_heading`` and ``after_heading``.
"""

from __future__ import annotations

from typing import Callable, Mapping

import pandas as pd

from her2cohort.render.tables import format_n_percent


def _matrix(table: pd.DataFrame) -> tuple[list, list, dict]:
    befores = list(dict.fromkeys(table["before"]))
    afters = list(dict.fromkeys(table["after"]))
    cells = {(str(r.before), str(r.after)): int(r.n) for r in table.itertuples()}
    return befores, afters, cells


def shift_matrix(read: Callable[[str], pd.DataFrame], spec: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Before x after matrices, one block per ``shift_table`` analysis; see the module docstring."""
    from her2cohort.render.layouts import _label  # layouts registers this layout: import late

    labels = spec.get("level_labels", {})
    before_heading, after_heading = spec.get("before_heading", "Before"), spec.get("after_heading", "After")
    rows, tidy = [], []
    for block in spec["blocks"]:
        table = read(block["from"])
        befores, afters, cells = _matrix(table)
        total = sum(cells.values())
        changed_all = sum(n for (b, a), n in cells.items() if b != a)
        headings = [f"{after_heading}: {_label(labels, a)}" for a in afters]
        for position, before in enumerate(befores):
            row_n = [cells.get((str(before), str(a)), 0) for a in afters]
            row_total = sum(row_n)
            changed = row_total - cells.get((str(before), str(before)), 0)
            row = {"Block": block["label"] if position == 0 else "", before_heading: _label(labels, before)}
            for heading, n in zip(headings, row_n):
                row[heading] = format_n_percent(n, 100 * n / row_total if row_total else float("nan"))
            row["Total"] = format_n_percent(row_total, 100 * row_total / total if total else float("nan"))
            row["Changed"] = format_n_percent(changed, 100 * changed / row_total if row_total else float("nan"))
            rows.append(row)
            for after, n in zip(afters, row_n):
                tidy.append({"block": block["label"], "analysis": block["from"], "before": before, "after": after, "n": n,
                             "row_total": row_total, "row_percent": 100 * n / row_total if row_total else None, "block_total": total})
        margin = {"Block": "", before_heading: "Total"}
        for heading, after in zip(headings, afters):
            n = sum(cells.get((str(b), str(after)), 0) for b in befores)
            margin[heading] = format_n_percent(n, 100 * n / total if total else float("nan"))
        margin["Total"] = str(total)
        margin["Changed"] = format_n_percent(changed_all, 100 * changed_all / total if total else float("nan"))
        rows.append(margin)
        tidy.append({"block": block["label"], "analysis": block["from"], "before": "discordant", "after": "", "n": changed_all,
                     "row_total": total, "row_percent": 100 * changed_all / total if total else None, "block_total": total})
    return pd.DataFrame(rows).fillna(""), pd.DataFrame(tidy)
