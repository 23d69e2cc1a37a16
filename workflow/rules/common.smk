# Helpers shared by the rule files.

import hashlib
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from her2cohort import config as config_io


def check_config(config):
    """Check config/config.yaml against its schema; every error names the key."""
    schema = Path(workflow.basedir) / "config" / "schemas" / "config.schema.yaml"
    problems = config_io.schema_errors(config, schema, "config/config.yaml")
    if problems:
        raise WorkflowError("\n".join(problems))
    validate(config, str(schema))


def load_study(name):
    """Read and check config/studies/{name}.yaml; errors name the file and the key."""
    path = Path(workflow.basedir) / "config" / "studies" / f"{name}.yaml"
    if not path.exists():
        raise WorkflowError(
            f"config/config.yaml lists study {name!r} but {path} does not exist"
        )
    schemas = Path(workflow.basedir) / "config" / "schemas"
    try:
        study = config_io.load_study(path, schemas)
    except ValueError as err:
        raise WorkflowError(str(err))
    validate(study, str(schemas / "study.schema.yaml"))  # Snakemake's own check, on top
    return study


def library_checksum():
    """SHA-256 of the library's source: a rule whose results depend on the library
    takes it as a param, so that Snakemake re-runs it when the library changes
    (Snakemake tracks a rule's own script, not the modules the script imports)."""
    import her2cohort

    # the package the jobs import (editable install or site-packages), not a copy
    # that may or may not sit beside the workflow
    package = Path(her2cohort.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


LIBRARY = library_checksum()


def raw_inputs_of(name):
    """The raw tables a study's cohort folder holds (treatment_lines.csv is optional)."""
    raw = Path(STUDIES[name]["raw_dir"])
    tables = {"patients": raw / "patients.csv", "specimens": raw / "specimens.csv"}
    if (raw / "treatment_lines.csv").exists():
        tables["treatment_lines"] = raw / "treatment_lines.csv"
    return {table: str(path) for table, path in tables.items()}


def raw_inputs(wildcards):
    return raw_inputs_of(wildcards.study)


def captions(wildcards, kind):
    """Report caption of each declared table or figure: what it shows, and which
    item of the paper it regenerates."""
    items = STUDIES[wildcards.study].get(kind, [])
    return {
        item["id"]: item["caption"]
        + (f" Regenerates: {item['regenerates']}." if item.get("regenerates") else "")
        for item in items
    }


def code_revision():
    """The git commit of the code, and whether the working tree has changes
    (provenance of the report); "unknown" outside a git checkout."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=workflow.basedir,
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=workflow.basedir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + (
        " (uncommitted changes)" if dirty.stdout.strip() else ""
    )


CODE_REVISION = code_revision()


def study_config(wildcards):
    return STUDIES[wildcards.study]
