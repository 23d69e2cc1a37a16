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

or ``not_computable: reason``. That is the form the audit reads; a person
writes the compact forms of :mod:`~her2cohort.replication.compact` (``print``:
several numbers of one result row, ``each``, ``table``: a grid of cells, with
location prefixes and named tolerance sets), which :func:`load_mapping`
expands to it. Every location of the published file must be in exactly one
entry (checked by :func:`load_mapping` on the expansion, each problem naming
the compact entry). The status logic is in :func:`judge`; see the package
docstring for the statuses.

A reason shared by several entries is written once, under the mapping's
``reasons:`` (``key: text``), and cited by its key in ``why``, ``discrepant``,
``not_computable`` or ``note`` (a note may list several keys and texts);
:func:`load_mapping` refuses a text pasted into two places of the mapping as
written (one ``why`` of an entry that maps four numbers is one use). Each row of the
audit carries the number's ``evidence`` (what can prove it, from the published
file), its own ``explanation``, the ``reasons`` it cites, and ``shown_in``:
where the reproduced value is printed (:mod:`~her2cohort.replication.shown_in`).
A hazard or odds ratio, its limits and its p are within tolerance only in the
printed direction (:func:`~her2cohort.replication.tolerance.direction_conflict`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from her2cohort.config import load_yaml, schema_errors
from her2cohort.replication.compact import CompactError, expand, under_prefix, written_texts
from her2cohort.replication.selectors import reproduce, select
from her2cohort.results import Results, SelectionError
from her2cohort.replication.shown_in import shown_in
from her2cohort.replication.tolerance import NULL_VALUE, agrees, check, direction_conflict, shown_beside

COLUMNS = ["study", "location", "quantity", "evidence", "published", "reproduced", "precision", "status", "basis", "explanation", "reasons", "shown_in"]
#: What can prove a printed number (data/published/{study}.yaml ``evidence``), in the report's order.
EVIDENCE = ["printed_counts", "patient_data", "reconstruction_input", "not_this_study"]
STATUSES = ["reproduced", "within_tolerance", "not_reproduced", "discrepant", "not_computable"]
UNEXPLAINED = "UNEXPLAINED"


def _locations(entry: Mapping) -> list[str]:
    at = entry["at"]
    return [at] if isinstance(at, str) else list(at)


def load_mapping(path: str | Path, published: Mapping[str, Any], schema: str | Path) -> dict:
    """Read and check a replication mapping against its schema and its published file.

    ``schema``: the mapping schema file (the project's config/schemas/replication.schema.yaml).

    The compact forms (:mod:`~her2cohort.replication.compact`) are expanded: the
    mapping returned holds one entry per printed quantity in ``reproduce`` and,
    in ``origins``, the compact entry each comes from. Every published location
    must appear in exactly one entry, and every location an entry names must be
    published; a ``tolerance`` needs a ``why``; a text is written in one place
    (a reason used twice is named under ``reasons``). Raises ValueError listing
    every problem, each naming the file and the entry as written.
    """
    path = Path(path)
    mapping = load_yaml(path)
    problems = schema_errors(mapping, schema, str(path))
    if problems:
        raise ValueError("\n".join(problems))
    written = mapping["reproduce"]
    try:
        entries, origins = expand(written)
    except CompactError as err:
        raise ValueError("\n".join(f"{path}: {line}" for line in str(err).splitlines())) from None
    # each expanded entry is checked as if it had been written as one (a tolerance needs a why, ...)
    for line in schema_errors({"study": mapping["study"], "reproduce": entries}, schema, str(path)):
        problems.append(re.sub(r"at key 'reproduce\.(\d+)", lambda m: f"at key '{origins[int(m.group(1))]}", line))
    printed = {entry["location"] for entry in published["numbers"]}
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        for location in _locations(entry):
            if location not in printed:
                problems.append(f"{path}: {origins[index]}: location {location!r} is not in the published file")
            elif location in seen:
                problems.append(f"{path}: {origins[index]}: location {location!r} is already mapped by {origins[seen[location]]}")
            seen.setdefault(location, index)
    problems += _reason_problems(path, mapping)
    for location in (entry["location"] for entry in published["numbers"] if entry["location"] not in seen):
        under = under_prefix(written, location)
        problems.append(f"{path}: published location {location!r} has no entry in reproduce" + (f" (under {', '.join(under)})" if under else ""))
    if mapping["study"] != published["study"]:
        problems.append(f"{path}: at key 'study': {mapping['study']!r} is not the published file's study {published['study']!r}")
    if problems:
        raise ValueError("\n".join(problems))
    return {**mapping, "reproduce": entries, "origins": origins}


def _is_key(text: str) -> bool:
    return text.replace("_", "a").isalnum() and text[:1].isalpha() and text == text.lower()


def _reason_problems(path: Path, mapping: Mapping) -> list[str]:
    """A reason is named once and cited by key: no unknown or unused key, no text written twice.

    Texts are counted as written (:func:`~her2cohort.replication.compact.written_texts`): one
    ``why`` of an entry that maps four numbers is one use."""
    reasons = mapping.get("reasons", {})
    problems, cited, texts = [], set(), {}
    for where, field, value in written_texts(mapping["reproduce"]):
        for text in [value] if isinstance(value, str) else value or []:
            problems += _one_reason(path, where, field, text, reasons, cited, texts)
    problems += [f"{path}: reasons.{key} is cited by no entry" for key in reasons if key not in cited]
    problems += [f"{path}: reasons.{key} is pasted as a text at {texts[text]}: cite the key" for key, text in reasons.items() if text in texts]
    return problems


def _one_reason(path, where, field, text, reasons, cited, texts) -> list[str]:
    """Check one explaining text: a known key (recorded as cited), or a text not seen before."""
    if _is_key(text):
        cited.add(text)
        return [] if text in reasons else [f"{path}: {where}.{field}: {text!r} is not a key of `reasons`"]
    if text in texts:
        return [f"{path}: {where}.{field} repeats the text of {texts[text]}: name it under `reasons` and cite its key"]
    texts[text] = where
    return []


def explaining(entry: Mapping, field: str, reasons: Mapping[str, str]) -> tuple[str, list[str]]:
    """(the entry's own text, cited reason keys) of one explaining field (a text, a key, or a list of them)."""
    value = entry.get(field) or []
    own, keys = [], []
    for text in [value] if isinstance(value, str) else value:
        (keys if _is_key(text) and text in reasons else own).append(text)
    return "; ".join(own), keys


def _sources(entry: Mapping) -> list[str]:
    """The analyses an entry reads."""
    selectors = entry["with"].values() if "compute" in entry else [entry]
    return list(dict.fromkeys(selector["from"] for selector in selectors))


def _investigation(tables: Results, entry: Mapping, published_entry: Mapping, variants: Mapping[str, Mapping]) -> str:
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
        tried.append(f"{described}: {shown_beside(value, published_entry)} ({verdict})")
    return ("tried " + "; ".join(tried)) if tried else ""


def _row_key(entry: Mapping) -> tuple | None:
    """The result row a selector entry reads: (analysis, row, variant); None for computed entries."""
    if "from" not in entry:
        return None
    return (entry["from"], tuple(sorted((k, str(v)) for k, v in (entry.get("row") or {}).items())), entry.get("variant"))


def ratio_groups(mapping: Mapping[str, Any], published: Mapping[str, Mapping]) -> dict[tuple, dict[str, Mapping]]:
    """Result rows whose printed estimate is a ratio: row key -> {"estimate"/"conf_low"/"conf_high": published entry}.

    An estimate, its CI limits and its p are read from one row of one result
    table (the same ``from``/``row``), whatever the paper's locations look like,
    so the mapping itself says which printed numbers belong together.
    """
    groups: dict[tuple, dict[str, Mapping]] = {}
    for entry in mapping["reproduce"]:
        key = _row_key(entry)
        if key is None or entry.get("value") not in ("estimate", "conf_low", "conf_high"):
            continue
        groups.setdefault(key, {}).setdefault(entry["value"], published[_locations(entry)[0]])
    return {key: group for key, group in groups.items() if group.get("estimate", {}).get("kind") in NULL_VALUE}


def _direction(entry: Mapping, groups: Mapping[tuple, Mapping[str, Mapping]], tables: Results) -> str:
    key = _row_key(entry)
    if key not in groups:
        return ""
    printed = groups[key]
    selector = {k: entry[k] for k in ("from", "row", "variant") if k in entry}
    reproduced = {}
    for column in ("estimate", "conf_low", "conf_high"):
        try:
            reproduced[column] = select(tables, {**selector, "value": column})
        except SelectionError:
            continue
    return direction_conflict(printed, reproduced, NULL_VALUE[printed["estimate"]["kind"]])


def judge(
    entry: Mapping,
    published_entry: Mapping,
    value: float,
    published: Mapping[str, Mapping],
    inconsistencies: Mapping[str, list[str]],
    tables: Results,
    variants: Mapping[str, Mapping[str, Mapping]],
    ratios: Mapping[tuple, Mapping[str, Mapping]] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> tuple[str, str, list[str]]:
    """The status of one published number, its own explanation and the named reasons it cites."""
    reasons = reasons or {}
    location = published_entry["location"]
    why, why_keys = explaining(entry, "why", reasons)
    note, note_keys = explaining(entry, "note", reasons)
    discrepant, discrepant_keys = explaining(entry, "discrepant", reasons)
    if math.isnan(value):
        return "not_computable", "; ".join(filter(None, [why, "the pipeline's result is NA (see the analysis's note column)"])), why_keys
    if agrees(value, published_entry):
        return "reproduced", note, note_keys
    investigation = _investigation(tables, entry, published_entry, variants)
    mismatch = f"reproduced {shown_beside(value, published_entry)}, printed {published_entry['printed']}"
    found = inconsistencies.get(location, [])
    if "tolerance" in entry:
        ok, stated = check(entry["tolerance"], value, published_entry, published, lambda selector: select(tables, selector))
        conflict = _direction(entry, ratios or {}, tables)
        if ok and conflict:
            ok, stated = False, f"{stated}, but {conflict}"
        parts = [why, stated, *found, investigation, note]
        return ("within_tolerance" if ok else "not_reproduced"), "; ".join(filter(None, parts)), why_keys + note_keys
    if "discrepant" in entry or found:
        parts = [mismatch, discrepant, *(f"internal check: {f}" for f in found), investigation, note]
        return "discrepant", "; ".join(filter(None, parts)), discrepant_keys + note_keys
    parts = [f"{UNEXPLAINED}: {mismatch}", why, investigation, note]
    return "not_reproduced", "; ".join(filter(None, parts)), why_keys + note_keys


def audit(
    study: str,
    published: Mapping[str, Any],
    mapping: Mapping[str, Any],
    tables: Results,
    consistency: pd.DataFrame,
    variants: Mapping[str, Mapping[str, Mapping]] | None = None,
    outputs: Mapping[str, list] | None = None,
) -> pd.DataFrame:
    """One row per published number, in the published file's order.

    ``variants``: analysis id -> variant name -> the parameters it overrides (to describe
    the investigation). ``outputs``: the study's ``tables`` and ``figures``
    declarations, to say where each reproduced value is shown
    (:func:`~her2cohort.replication.shown_in.shown_in`).
    """
    by_location = {entry["location"]: entry for entry in published["numbers"]}
    inconsistencies: dict[str, list[str]] = {}
    for row in consistency.itertuples():
        if not row.consistent:
            inconsistencies.setdefault(row.location, []).append(f"{row.check}: {row.explanation}")
    variants = variants or {}
    outputs = outputs or {}
    reasons = mapping.get("reasons", {})
    ratios = ratio_groups(mapping, by_location)
    origins = mapping.get("origins") or []  # the compact entry of each expanded one (load_mapping)
    results = {}
    for index, entry in enumerate(mapping["reproduce"]):
        for location in _locations(entry):
            published_entry = by_location[location]
            if "not_computable" in entry:
                value, status = math.nan, "not_computable"
                explanation, keys = explaining(entry, "not_computable", reasons)
                where = ""
            else:
                try:
                    value = reproduce(tables, entry, None)
                except SelectionError as err:
                    origin = origins[index] if index < len(origins) else f"reproduce[{index}]"
                    raise ValueError(f"config/replication/{study}.yaml: {origin} ({location!r}): {err}") from None
                status, explanation, keys = judge(entry, published_entry, value, by_location, inconsistencies, tables, variants, ratios, reasons)
                selectors = entry["with"].values() if "compute" in entry else [entry]
                where = shown_in(selectors, outputs.get("tables", []), outputs.get("figures", []))
            results[location] = {
                "study": study,
                "location": location,
                "quantity": published_entry["quantity"],
                "evidence": published_entry.get("evidence", ""),
                "published": published_entry["printed"],
                "reproduced": value,
                "precision": published_entry["precision"],
                "status": status,
                "basis": published_entry["basis"],
                "explanation": explanation,
                "reasons": "; ".join(dict.fromkeys(keys)),
                "shown_in": where,
            }
    return pd.DataFrame([results[entry["location"]] for entry in published["numbers"]], columns=COLUMNS)


def same_quantity_groups(mapping: Mapping[str, Any]) -> list[list[str]]:
    """The locations each entry says print one quantity (for the consistency check)."""
    return [_locations(entry) for entry in mapping["reproduce"] if len(_locations(entry)) > 1]
