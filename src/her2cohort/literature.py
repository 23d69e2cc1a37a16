"""Cross-study meta-analyses: a declared literature table, and the analyses run on it.

A meta-analysis pools what several papers print, not patients, so it is not a
study (no raw folder, no cleaning): ``config/config.yaml`` lists it under
``meta_analyses:``, and ``config/meta/{name}.yaml`` declares it:

* ``literature:`` a table under ``data/literature/`` (schema
  ``config/schemas/literature.schema.yaml``): one entry per cohort with its
  events and n **as printed**, the paper, the file of ``../shared/seeds/`` and
  the sentences the numbers are printed in, and ``pool: true`` or ``pool:
  false`` with ``why`` (a subgroup of another cohort, a rate without counts,
  another question). :func:`literature_table` flattens it to one row per
  cohort (``id, label, events, n, pool, why, definition, setting, study,
  file, paper, sentences``).
* ``analyses:`` catalogue entries run on that table (``meta_analysis`` with
  ``where: pool``, ``p_adjust``), exactly as a study's analyses run on its
  analysis set (:func:`her2cohort.analyses.run_analysis`), with their variants.
* ``figures:`` figure types drawn from the results (``meta_forest``).

Rules ``meta_analysis`` and ``meta_figures`` (``workflow/rules/meta.smk``) write
``results/meta/{name}/literature.csv``, ``stats/{id}.csv`` and ``figures/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd

from her2cohort.config import load_yaml, schema_errors

__all__ = ["META_TYPES", "literature_table", "load_meta", "load_literature"]

#: The catalogue types a meta-analysis may declare (they take a table of studies or of p-values).
META_TYPES = ("meta_analysis", "p_adjust")

COLUMNS = ["id", "label", "events", "n", "pool", "why", "definition", "setting", "study", "file", "paper", "sentences"]


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


def literature_table(table: dict) -> pd.DataFrame:
    """One row per cohort of a loaded literature table (module docstring); counts not
    printed are NA, the sentences joined with " | "."""
    rows = []
    for cohort in table["cohorts"]:
        source = cohort["source"]
        rows.append(
            {
                "id": cohort["id"],
                "label": cohort["label"],
                "events": cohort.get("events"),
                "n": cohort.get("n"),
                "pool": bool(cohort["pool"]),
                "why": cohort.get("why", ""),
                "definition": cohort["definition"],
                "setting": cohort["setting"],
                "study": source.get("study", ""),
                "file": source["file"],
                "paper": source["paper"],
                "sentences": " | ".join(source["sentences"]),
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["events"] = frame["events"].astype("Int64")
    frame["n"] = frame["n"].astype("Int64")
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
