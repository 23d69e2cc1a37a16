"""Cross-study meta-analyses: a declared literature table, and the analyses run on it.

A meta-analysis pools what several papers print, not patients, so it is not a
study (no raw folder, no cleaning): ``config/config.yaml`` lists it under
``meta_analyses:``, and ``config/meta/{name}.yaml`` declares it:

* ``literature:`` a table under ``data/literature/`` (schema
  ``config/schemas/literature.schema.yaml``): one entry per cohort with its
  events and n **as printed**, the paper, the file of ``../shared/seeds/`` and
  the sentences the numbers are printed in, and ``pool: true`` or ``pool:
  false`` with ``why`` (a subgroup of another cohort, a rate without counts,
  another question). A cohort this project reproduces (``source.study``)
  names under ``result:`` the row of that study's own results holding its
  counts (``results/{study}/stats/{analysis}.csv``): the meta-analysis pools
  the counts the pipeline computed, never the printed ones, which are kept
  beside them (``printed_events``, ``printed_n``) and compared (``note``).
  :func:`literature_table` flattens it to one row per cohort (:data:`COLUMNS`).
* ``analyses:`` catalogue entries run on that table (``meta_analysis`` with
  ``where: pool``, ``p_adjust``), exactly as a study's analyses run on its
  analysis set (:func:`her2cohort.analyses.run_analysis`), with their variants.
* ``figures:`` figure types drawn from the results (``meta_forest``).

Rules ``meta_analysis`` and ``meta_figures`` (``workflow/rules/meta.smk``) write
``results/meta/{name}/literature.csv``, ``stats/{id}.csv`` and ``figures/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from her2cohort.config import load_yaml, schema_errors
from her2cohort.results import Results, SelectionError

__all__ = ["META_TYPES", "literature_table", "load_meta", "load_literature", "result_studies"]

#: The catalogue types a meta-analysis may declare (they take a table of studies or of p-values).
META_TYPES = ("meta_analysis", "p_adjust")

COLUMNS = [
    "id", "label", "events", "n", "printed_events", "printed_n", "counts_from", "pool", "why",
    "definition", "setting", "study", "file", "paper", "sentences", "note",
]


def _read(path: str | Path, schema: str | Path) -> tuple[dict, list[str]]:
    """A YAML file and its schema's problems (an unreadable file is a ValueError naming it)."""
    try:
        content = load_yaml(path)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: {err}") from None
    return content, schema_errors(content, schema, str(path))


def load_literature(path: str | Path, schema: str | Path) -> dict:
    """Read and check a literature table; a ValueError lists every problem, naming the file."""
    where = str(path)
    table, problems = _read(path, schema)
    if not problems:
        ids = [cohort["id"] for cohort in table["cohorts"]]
        problems += [f"{where}: cohort id {name!r} is given twice" for name in sorted({i for i in ids if ids.count(i) > 1})]
        for index, cohort in enumerate(table["cohorts"]):
            if "events" in cohort and "n" in cohort and not 0 <= cohort["events"] <= cohort["n"]:
                problems.append(f"{where}: at key 'cohorts.{index}': {cohort['events']} events of {cohort['n']}: events must lie between 0 and n")
    if problems:
        raise ValueError("\n".join(problems))
    return table


def result_studies(table: dict) -> list[str]:
    """The studies whose results a loaded literature table reads its counts from, in order."""
    studies = []
    for cohort in table["cohorts"]:
        study = cohort["source"].get("study")
        if "result" in cohort and study not in studies:
            studies.append(study)
    return studies


def _computed_counts(cohort: dict, results: Mapping[str, Results], where: str) -> tuple[int, int, str]:
    """The events and n a cohort's ``result:`` names, read from its study's results."""
    spec, study = cohort["result"], cohort["source"]["study"]
    label = f"{where}: cohort {cohort['id']!r}"
    if study not in results:
        raise ValueError(f"{label}: its counts are in the results of study {study!r}, which were not given (is the study in this run?)")
    try:
        row = results[study].row(spec["analysis"], spec.get("where"))
    except SelectionError as err:
        raise ValueError(f"{label}: result: {err}") from None
    counts = []
    for key in ("events", "n"):
        column = spec[key]
        if column not in row.index:
            raise ValueError(f"{label}: result: {spec['analysis']!r} has no column {column!r} ({key}); its columns: {list(row.index)}")
        value = pd.to_numeric(row[column], errors="coerce")
        if pd.isna(value) or value != round(value):
            raise ValueError(f"{label}: result: column {column!r} of {spec['analysis']!r} holds {row[column]!r}, not a whole number of patients")
        counts.append(int(value))
    shown = ", ".join(f"{k} = {v}" for k, v in (spec.get("where") or {}).items())
    return counts[0], counts[1], f"results/{study}/stats/{spec['analysis']}.csv" + (f" ({shown})" if shown else "")


def literature_table(table: dict, results: Mapping[str, Results] | None = None, where: str = "the literature table") -> pd.DataFrame:
    """One row per cohort of a loaded literature table (module docstring); counts not
    printed are NA, the sentences joined with " | ".

    ``results``: ``{study: Results}`` of the studies named by the cohorts'
    ``result:`` (:func:`result_studies`); those cohorts' ``events`` and ``n`` are
    the computed counts, ``counts_from`` names the result row, and ``note`` says
    whether the printed counts agree. A cohort with ``result:`` whose study's
    results are not given is an error: printed counts are never pooled in their place.
    """
    rows = []
    for cohort in table["cohorts"]:
        source = cohort["source"]
        printed = (cohort.get("events"), cohort.get("n"))
        events, n, counts_from, note = printed[0], printed[1], "printed" if printed[0] is not None else "", ""
        if "result" in cohort:
            events, n, counts_from = _computed_counts(cohort, results or {}, where)
            if printed == (None, None):
                note = "no counts printed to compare"
            elif printed == (events, n):
                note = f"the pipeline's counts equal the printed {printed[0]}/{printed[1]}"
            else:
                note = f"the pipeline's counts {events}/{n} differ from the printed {printed[0]}/{printed[1]}"
        rows.append(
            {
                "id": cohort["id"],
                "label": cohort["label"],
                "events": events,
                "n": n,
                "printed_events": printed[0],
                "printed_n": printed[1],
                "counts_from": counts_from,
                "pool": bool(cohort["pool"]),
                "why": cohort.get("why", ""),
                "definition": cohort["definition"],
                "setting": cohort["setting"],
                "study": source.get("study", ""),
                "file": source["file"],
                "paper": source["paper"],
                "sentences": " | ".join(source["sentences"]),
                "note": note,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("events", "n", "printed_events", "printed_n"):
        frame[column] = frame[column].astype("Int64")
    return frame


def load_meta(path: str | Path, schema: str | Path, literature_schema: str | Path, analyses_check: Callable[[list, str], list[str]] | None = None, root: str | Path = ".") -> dict:
    """Read and check ``config/meta/{name}.yaml``: its schema, that ``meta`` is the file's
    name, that the literature table exists and is valid, the analyses against the
    catalogue (``analyses_check``, :func:`her2cohort.analyses.analysis_problems`)
    and that every figure names a declared analysis. A ValueError lists every problem."""
    path = Path(path)
    where = str(path)
    meta, problems = _read(path, schema)
    if problems:
        raise ValueError("\n".join(problems))
    if meta["meta"] != path.stem:
        problems.append(f"{where}: at key 'meta': {meta['meta']!r} must be the file's name, {path.stem!r}")
    literature = Path(root) / meta["literature"]
    if not literature.exists():
        problems.append(f"{where}: at key 'literature': {meta['literature']} does not exist")
    else:
        try:
            load_literature(literature, literature_schema)
        except ValueError as err:
            problems += str(err).splitlines()
    if analyses_check is not None:
        problems += analyses_check(meta.get("analyses", []), where)
    declared = {analysis["id"] for analysis in meta.get("analyses", [])}
    for index, figure in enumerate(meta.get("figures", [])):
        if figure["from"] not in declared:
            problems.append(f"{where}: at key 'figures.{index}.from': {figure['from']!r} is not an analysis of this meta-analysis (analyses: {sorted(declared)})")
    if problems:
        raise ValueError("\n".join(problems))
    return meta
