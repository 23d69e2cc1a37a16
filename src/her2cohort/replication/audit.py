"""Every published number beside the reproduced one, with a status and an explanation.

The mapping (``config/replication/{study}.yaml``, schema
``config/schemas/replication.schema.yaml``) holds one entry per quantity::

    - at: ["Abstract / ... / n", "Table 1 / ... / n"]   # every place it is printed
      from: baseline_characteristics                   # a selector (selectors.py)
      row: {variable: sex, level: male, group: Total}
      value: n
      tolerance: {rule: z_distance}                   # reconstruction-dependent (tolerance.py)
      why: ...                                        # why it cannot be expected to match
      discrepant: ...                                 # what the paper contradicts, if it does
      investigate: [fisher, chisq_yates]              # the analysis's variants to try

or ``not_computable: reason``. Every location of the published file must be in
exactly one entry (checked by :func:`load_mapping`). The status logic is in
:func:`judge`; see the package docstring for the statuses.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from her2cohort.config import SCHEMA_DIR, load_yaml, schema_errors
from her2cohort.replication.selectors import SelectionError, Tables, reproduce, select
from her2cohort.replication.tolerance import agrees, check, shown

COLUMNS = ["study", "location", "quantity", "published", "reproduced", "precision", "status", "basis", "explanation"]
STATUSES = ["reproduced", "within_tolerance", "not_reproduced", "discrepant", "not_computable"]
UNEXPLAINED = "UNEXPLAINED"


def _locations(entry: Mapping) -> list[str]:
    at = entry["at"]
    return [at] if isinstance(at, str) else list(at)


def load_mapping(path: str | Path, published: Mapping[str, Any], schema_dir: str | Path = SCHEMA_DIR) -> dict:
    """Read and check a replication mapping against its schema and its published file.

    Every published location must appear in exactly one entry, and every
    location an entry names must be published; a ``tolerance`` needs a ``why``.
    Raises ValueError listing every problem, each naming the file.
    """
    path = Path(path)
    mapping = load_yaml(path)
    problems = schema_errors(mapping, Path(schema_dir) / "replication.schema.yaml", str(path))
    if problems:
        raise ValueError("\n".join(problems))
    printed = {entry["location"] for entry in published["numbers"]}
    seen: dict[str, int] = {}
    for index, entry in enumerate(mapping["reproduce"]):
        for location in _locations(entry):
            if location not in printed:
                problems.append(f"{path}: reproduce[{index}]: location {location!r} is not in the published file")
            elif location in seen:
                problems.append(f"{path}: reproduce[{index}]: location {location!r} is already mapped by reproduce[{seen[location]}]")
            seen.setdefault(location, index)
    missing = [entry["location"] for entry in published["numbers"] if entry["location"] not in seen]
    problems += [f"{path}: published location {location!r} has no entry in reproduce" for location in missing]
    if mapping["study"] != published["study"]:
        problems.append(f"{path}: at key 'study': {mapping['study']!r} is not the published file's study {published['study']!r}")
    if problems:
        raise ValueError("\n".join(problems))
    return mapping


def _sources(entry: Mapping) -> list[str]:
    """The analyses an entry reads."""
    selectors = entry["with"].values() if "compute" in entry else [entry]
    return list(dict.fromkeys(selector["from"] for selector in selectors))


def _investigation(tables: Tables, entry: Mapping, published_entry: Mapping, variants: Mapping[str, Mapping]) -> str:
    tried = []
    for variant in entry.get("investigate", []):
        try:
            value = reproduce(tables, entry, variant)
        except SelectionError as err:
            tried.append(f"{variant}: {err}")
            continue
        # variants are declared per analysis: describe the one this entry reads
        params = next((variants[a][variant] for a in _sources(entry) if variant in variants.get(a, {})), None)
        described = f"{variant} ({', '.join(f'{k}={v}' for k, v in params.items())})" if params else variant
        verdict = "matches" if agrees(value, published_entry) else "does not match"
        tried.append(f"{described}: {shown(value, published_entry['precision'] + 1)} ({verdict})")
    return ("tried " + "; ".join(tried)) if tried else ""


def judge(
    entry: Mapping,
    published_entry: Mapping,
    value: float,
    published: Mapping[str, Mapping],
    inconsistencies: Mapping[str, list[str]],
    tables: Tables,
    variants: Mapping[str, Mapping[str, Mapping]],
) -> tuple[str, str]:
    """The status of one published number and its explanation."""
    location = published_entry["location"]
    note = entry.get("note", "")
    if math.isnan(value):
        return "not_computable", "; ".join(filter(None, [entry.get("why", ""), "the pipeline's result is NA (see the analysis's note column)"]))
    if agrees(value, published_entry):
        return "reproduced", note
    investigation = _investigation(tables, entry, published_entry, variants)
    mismatch = f"reproduced {shown(value, published_entry['precision'] + 1)}, printed {published_entry['printed']}"
    found = inconsistencies.get(location, [])
    if "tolerance" in entry:
        ok, stated = check(entry["tolerance"], value, published_entry, published, lambda selector: select(tables, selector))
        parts = [entry["why"], stated, *found, investigation, note]
        return ("within_tolerance" if ok else "not_reproduced"), "; ".join(filter(None, parts))
    if "discrepant" in entry or found:
        parts = [mismatch, entry.get("discrepant", ""), *(f"internal check: {f}" for f in found), investigation, note]
        return "discrepant", "; ".join(filter(None, parts))
    parts = [f"{UNEXPLAINED}: {mismatch}", entry.get("why", ""), investigation, note]
    return "not_reproduced", "; ".join(filter(None, parts))


def audit(
    study: str,
    published: Mapping[str, Any],
    mapping: Mapping[str, Any],
    tables: Tables,
    consistency: pd.DataFrame,
    variants: Mapping[str, Mapping[str, Mapping]] | None = None,
) -> pd.DataFrame:
    """One row per published number, in the published file's order.

    ``variants``: analysis id -> variant name -> the parameters it overrides (to describe
    the investigation).
    """
    by_location = {entry["location"]: entry for entry in published["numbers"]}
    inconsistencies: dict[str, list[str]] = {}
    for row in consistency.itertuples():
        if not row.consistent:
            inconsistencies.setdefault(row.location, []).append(f"{row.check}: {row.explanation}")
    variants = variants or {}
    results = {}
    for index, entry in enumerate(mapping["reproduce"]):
        for location in _locations(entry):
            published_entry = by_location[location]
            if "not_computable" in entry:
                value, status, explanation = math.nan, "not_computable", entry["not_computable"]
            else:
                try:
                    value = reproduce(tables, entry, None)
                except SelectionError as err:
                    raise ValueError(f"config/replication/{study}.yaml: reproduce[{index}] ({location!r}): {err}") from None
                status, explanation = judge(entry, published_entry, value, by_location, inconsistencies, tables, variants)
            results[location] = {
                "study": study,
                "location": location,
                "quantity": published_entry["quantity"],
                "published": published_entry["printed"],
                "reproduced": value,
                "precision": published_entry["precision"],
                "status": status,
                "basis": published_entry["basis"],
                "explanation": explanation,
            }
    return pd.DataFrame([results[entry["location"]] for entry in published["numbers"]], columns=COLUMNS)


def same_quantity_groups(mapping: Mapping[str, Any]) -> list[list[str]]:
    """The locations each entry says print one quantity (for the consistency check)."""
    return [_locations(entry) for entry in mapping["reproduce"] if len(_locations(entry)) > 1]
