"""Configuration files checked against their JSON schemas, with messages a person can act on.

``snakemake.utils.validate`` stops at the first error and prints the whole
schema; this names the file, the key path and what was wrong, for every error.
"""

from __future__ import annotations

from pathlib import Path

import yaml

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "config" / "schemas"


def _key_path(error) -> str:
    # An unknown key is named in the message; the path is that of its parent.
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def schema_errors(data, schema_path: str | Path, file: str) -> list[str]:
    """Every violation of the schema, as "file: at key 'a.b': message" lines."""
    import jsonschema

    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    messages = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        messages.append(f"{file}: at key '{_key_path(error)}': {error.message}")
    return messages


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping; a file that is not one is reported by name."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of keys to values at the top level")
    return data


def load_study(path: str | Path, schema_dir: str | Path = SCHEMA_DIR) -> dict:
    """Read and check config/studies/{study}.yaml; raise ValueError listing every problem."""
    path = Path(path)
    study = load_yaml(path)
    problems = schema_errors(study, Path(schema_dir) / "study.schema.yaml", str(path))
    if not problems and study["study"] != path.stem:
        problems.append(f"{path}: at key 'study': {study['study']!r} must equal the file name {path.stem!r}")
    if not problems and study.get("analyses"):
        from her2cohort.analyses import check_analyses  # imports the statistics: only when needed

        problems += check_analyses(study["analyses"], str(path))
    if problems:
        raise ValueError("\n".join(problems))
    return study
