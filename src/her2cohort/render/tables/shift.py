"""``shift``: before -> after blocks, a shift table per block.

Each block (``blocks: [{label, from, level_labels, after_labels, after_levels,
drop_empty, drop_zero_cells}]``) reads a ``shift_table`` analysis and prints
each before-level with its n (% of all) and each after-level with n (% of the
before-level), as a "before -> after" table prints (the gastric HER2-loss
study's Table 3).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from her2cohort.numbers import Printed
from her2cohort.render.labels import label
from her2cohort.results import Results


def shift(results: Results, spec: Mapping, printed: Printed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Before -> after blocks; see the module docstring."""
    rows, tidy = [], []
    before_heading, after_heading = spec.get("before_heading", "Before"), spec.get("after_heading", "After")
    for block in spec["blocks"]:
        table = results.table(block["from"])
        labels = block.get("level_labels", {})
        after_labels = block.get("after_labels", labels)
        shown_after = None if block.get("after_levels") is None else [str(a) for a in block["after_levels"]]
        labelled = False  # the block's name goes on its first printed row only
        for before in dict.fromkeys(table["before"]):
            part = table[table["before"] == before]
            if part["before_total"].iloc[0] == 0 and block.get("drop_empty", True):
                continue
            first = True
            for record in part.itertuples():
                if (record.n == 0 and block.get("drop_zero_cells", False)) or (shown_after is not None and str(record.after) not in shown_after):
                    continue
                source = f"{block['from']} / {{before: {before}, after: {record.after}}}"
                rows.append({
                    "Block": "" if labelled else block["label"],
                    before_heading: label(labels, before) if first else "",
                    "n (%)": printed("n_percent", record.before_total, record.before_percent_of_total, source=source, where=f"row {len(rows) + 1}, n (%)") if first else "",
                    after_heading: label(after_labels, record.after),
                    "n (% of row)": printed("n_percent", record.n, record.row_percent, source=source, where=f"row {len(rows) + 1}, n (% of row)"),
                })
                first, labelled = False, True
            for record in part.itertuples():
                tidy.append({"block": block["label"], "analysis": block["from"], "before": record.before, "after": record.after, "n": record.n,
                             "before_total": record.before_total, "row_percent": record.row_percent, "before_percent_of_total": record.before_percent_of_total})
    display = pd.DataFrame(rows)
    display.attrs = {"label_columns": 2}
    return display, pd.DataFrame(tidy)
