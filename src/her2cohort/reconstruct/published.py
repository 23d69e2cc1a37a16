"""The published numbers of a study (data/published/{study}.yaml).

The generator of reconstructed cohorts may read only numbers marked
``basis: input``; :func:`input_numbers` is the only view it gets, so a held-out
number (a p-value, an odds or hazard ratio, a confidence limit, an AUC) cannot
reach it by construction.
"""

from __future__ import annotations

from pathlib import Path

from her2cohort.config import load_yaml, schema_errors


def load_published(path: str | Path, schema: str | Path) -> dict:
    """Read and check a published-number file against ``schema`` (the project's
    config/schemas/published.schema.yaml); raise ValueError listing every problem."""
    path = Path(path)
    data = load_yaml(path)
    problems = schema_errors(data, schema, str(path))
    if not problems:
        seen: dict[str, int] = {}
        for index, entry in enumerate(data["numbers"]):
            location = entry["location"]
            if location in seen:
                problems.append(f"{path}: at key 'numbers.{index}': location {location!r} repeats numbers.{seen[location]}")
            seen[location] = index
        if data["study"] != path.stem:
            problems.append(f"{path}: at key 'study': {data['study']!r} must equal the file name {path.stem!r}")
    if problems:
        raise ValueError("\n".join(problems))
    return data


def input_numbers(published: dict) -> dict[str, float]:
    """location -> value of the numbers the generator may use (``basis: input``)."""
    return {entry["location"]: entry["value"] for entry in published["numbers"] if entry["basis"] == "input"}
