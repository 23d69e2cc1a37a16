"""``shift_matrix``: shift tables as a matrix, before-levels as rows, after-levels as columns.

One or several ``shift_table`` analyses (blocks: all patients, then
subgroups) the way an evolution paper tabulates HER2 primary -> recurrence: a
row per before-level with n (% of the row) in each after-level, the row total
with its % of the block, and the patients whose category changed (n, % of the
row); a closing row per block with the after-level margins (n, % of the block)
and the block's discordance (all off-diagonal cells, n and % of the block).
Percentages are of known pairs (patients missing either category are not in
the table; the analysis counts them in ``n_incomplete``).

Spec: ``blocks`` (``label``, ``from``), ``level_labels`` (printed names of the
levels, shared by rows and columns), ``before_heading`` and ``after_heading``.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.labels import label
from her2cohort.results import Results


def _share(n: int, total: int) -> float:
    return 100 * n / total if total else float("nan")


def shift_matrix(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Before x after matrices, one block per ``shift_table`` analysis; see the module docstring."""
    labels = spec.get("level_labels", {})
    before_heading, after_heading = spec.get("before_heading", "Before"), spec.get("after_heading", "After")
    rows, tidy = [], []
    for block in spec["blocks"]:
        table = results.table(block["from"])
        befores, afters = list(dict.fromkeys(table["before"])), list(dict.fromkeys(table["after"]))
        cells = {(str(r.before), str(r.after)): int(r.n) for r in table.itertuples()}
        total = sum(cells.values())
        changed_all = sum(n for (b, a), n in cells.items() if b != a)
        headings = [f"{after_heading}: {label(labels, a)}" for a in afters]

        def cell(heading: str, n: int, of: int, computed: str) -> str:
            return printed("n_percent", n, _share(n, of), source=f"computed from {block['from']}: {computed}", where=f"row {len(rows) + 1}, {heading}")

        for position, before in enumerate(befores):
            row_n = [cells.get((str(before), str(a)), 0) for a in afters]
            row_total = sum(row_n)
            changed = row_total - cells.get((str(before), str(before)), 0)
            row = {"Block": block["label"] if position == 0 else "", before_heading: label(labels, before)}
            for heading, after, n in zip(headings, afters, row_n):
                row[heading] = cell(heading, n, row_total, f"n of {before} -> {after}, % of the row")
            row["Total"] = cell("Total", row_total, total, f"row {before}, % of the block")
            row["Changed"] = cell("Changed", changed, row_total, f"row {before} off the diagonal, % of the row")
            rows.append(row)
            for after, n in zip(afters, row_n):
                tidy.append({"block": block["label"], "analysis": block["from"], "before": before, "after": after, "n": n,
                             "row_total": row_total, "row_percent": 100 * n / row_total if row_total else None, "block_total": total})
        margin = {"Block": "", before_heading: "Total"}
        for heading, after in zip(headings, afters):
            margin[heading] = cell(heading, sum(cells.get((str(b), str(after)), 0) for b in befores), total, f"column {after}, % of the block")
        margin["Total"] = printed("count", total, source=f"computed from {block['from']}: all pairs", where=f"row {len(rows) + 1}, Total")
        margin["Changed"] = cell("Changed", changed_all, total, "off the diagonal, % of the block")
        rows.append(margin)
        tidy.append({"block": block["label"], "analysis": block["from"], "before": "discordant", "after": "", "n": changed_all,
                     "row_total": total, "row_percent": 100 * changed_all / total if total else None, "block_total": total})
    display = pd.DataFrame(rows).fillna("")
    after_columns = [c for c in display.columns if str(c).startswith(f"{after_heading}: ")]
    display.attrs = {
        "headings": {c: c[len(after_heading) + 2 :] for c in after_columns},
        "spanners": [(after_heading, after_columns[0], after_columns[-1])] if after_columns else [],
        "label_columns": 2,
    }
    return display, pd.DataFrame(tidy)
