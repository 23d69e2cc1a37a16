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
    digest = hashlib.sha256()
    for path in sorted((Path(workflow.basedir) / "src" / "her2cohort").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


LIBRARY = library_checksum()


def raw_inputs(wildcards):
    """The raw tables a study's cohort folder holds (treatment_lines.csv is optional)."""
    raw = Path(STUDIES[wildcards.study]["raw_dir"])
    tables = {"patients": raw / "patients.csv", "specimens": raw / "specimens.csv"}
    if (raw / "treatment_lines.csv").exists():
        tables["treatment_lines"] = raw / "treatment_lines.csv"
    return {name: str(path) for name, path in tables.items()}


def study_config(wildcards):
    return STUDIES[wildcards.study]
