"""The numbers a paper prints (data/published/{study}.yaml): read and checked.

One file per study holds every number the paper prints, as printed, with its
location, precision, kind, what can prove it (``evidence``) and whether the
cohort generator may read it (``basis``). The replication audit and the
generator read it through :func:`load_published`; the generator then sees only
:func:`her2cohort.reconstruct.published.input_numbers`.
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
