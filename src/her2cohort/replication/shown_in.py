"""Where a reproduced number is shown: the manuscript table and cell, or the figure, that prints it.

A replication row says which result a published number is compared with
(``from`` an analysis, ``row``, ``value``); a reader checking it wants to find
that number in the outputs. The study's ``tables:`` and ``figures:`` say which
analyses each item reads, so the place is found from the declarations alone:

* a table whose ``rows`` (``estimates``, ``tests``) or ``blocks`` (``shift``,
  ``shift_matrix``) name the analysis: the table id and the row or block label;
* a ``baseline`` table of the analysis: the row (variable and level labels) and
  the column (group label), as the table prints them; a ``hazard_ratios`` table
  whose covariate takes its model from the analysis: the covariate and level
  row, the endpoint column;
* any other table or figure whose declaration names the analysis anywhere
  (``from``, ``medians``, ``logrank``, ``cox``, ``tests``, panels): its id.

Nothing is rendered or read from disk; a number no table or figure shows is
said to be in its result table only (``stats/{analysis}.csv``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from her2cohort.placement import analysis_names as _names

_COLUMN_WORDS = {
    "estimate": "estimate",
    "conf_low": "lower 95% limit",
    "conf_high": "upper 95% limit",
    "p_value": "p",
    "n": "n",
    "percent": "%",
    "row_percent": "row %",
    "statistic": "test statistic",
    "percent_of_total": "% of all patients",
    "before_total": "patients before",
    "before_percent_of_total": "% of all patients before",
    "after_total": "patients after",
    "column_percent": "column %",
    "median_x": "median before",
    "median_y": "median after",
}


def _source(selector: Mapping[str, Any]) -> str:
    return selector["from"] + (f"--{selector['variant']}" if selector.get("variant") else "")


def _fits(declared_row: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """A table row declared with ``row`` shows the selected row when they agree on shared columns."""
    return all(str(wanted[k]).lower() == str(v).lower() for k, v in (declared_row or {}).items() if k in wanted)


def _label(labels: Mapping[Any, Any] | None, key: Any) -> str:
    labels = labels or {}
    for candidate in (key, str(key), str(key).lower()):
        if candidate in labels:
            return str(labels[candidate])
    return str(key)


def _cell(table: Mapping[str, Any], selector: Mapping[str, Any], source: str) -> str | None:
    """The row (and column) of ``table`` that prints the selected number, or None if it does not."""
    wanted = selector.get("row") or {}
    column = _COLUMN_WORDS.get(selector.get("value", ""), selector.get("value", ""))
    for row in table.get("rows", []):
        if row.get("from") == source and _fits(row.get("row"), wanted):
            return f"row '{row.get('label', source)}', {column}"
    for block in table.get("blocks", []):
        if block.get("from") == source:
            cell = " -> ".join(str(wanted[k]) for k in ("before", "after") if k in wanted)
            return f"block '{block.get('label', source)}'" + (f", {cell}" if cell else "") + f", {column}"
    for covariate in table.get("covariates", []):  # hazard_ratios: covariates by rows, one model per endpoint column
        for endpoint, model in (covariate.get("models") or {}).items():
            term = str(wanted.get("term", ""))
            if model != source or not term.startswith(f"{covariate.get('variable')}:"):
                continue
            level = term.split(":", 1)[1].split(" vs ")[0]
            label = next((str(x.get("label")) for x in covariate.get("levels", []) if str(x.get("level")).lower() == level.lower()), level)
            return f"row '{covariate.get('label')}: {label}', column '{endpoint}', {column}"
    if table.get("from") == source and table.get("layout", "").startswith("baseline"):
        variable = wanted.get("variable")
        row = _label(table.get("labels"), variable) if variable is not None else None
        if row is not None and "level" in wanted:
            row += ": " + _label((table.get("level_labels") or {}).get(variable), wanted["level"])
        group = wanted.get("group")
        where = [f"row '{row}'"] if row else []
        if group is not None and str(group) != "Total":
            where.append(f"column '{_label(table.get('group_labels'), group)}'")
        return ", ".join([*where, column])
    if source in table.get("reads", _names({k: v for k, v in table.items() if k not in ("legend", "audit_note", "number", "supplementary", "part", "title", "footnotes", "regenerates")})):
        return ""
    return None


def shown_in(selectors: Iterable[Mapping[str, Any]], tables: Iterable[Mapping[str, Any]], figures: Iterable[Mapping[str, Any]]) -> str:
    """Where the numbers an entry reads are printed, in words: ``"table table2 (row 'Gender: Male', column 'Loss', n); figure figure1"``.

    ``selectors``: the entry's selectors (one, or the ``with`` of a computed entry).
    ``tables``/``figures``: the study's declarations. ``flow`` and ``guideline``
    selectors point to the flow of patients and the HER2 guideline.
    """
    places: list[str] = []
    for selector in selectors:
        source = _source(selector)
        if selector["from"] == "flow":
            places.append("clean/flow.csv (the flow of patients)")
            continue
        if selector["from"] == "guideline":
            places.append("the study's HER2 guideline (her2cohort.thresholds)")
            continue
        found = []
        for table in tables:
            cell = _cell(table, selector, source)
            if cell is not None:
                found.append(f"table {table['id']}" + (f" ({cell})" if cell else ""))
        found += [f"figure {figure['id']}" for figure in figures if source in figure.get("reads", _names({k: v for k, v in figure.items() if k not in ("legend", "audit_note", "number", "supplementary", "part", "title", "footnotes", "regenerates")}))]
        places += found or [f"stats/{source}.csv only (no table or figure prints it)"]
    return "; ".join(dict.fromkeys(places))
