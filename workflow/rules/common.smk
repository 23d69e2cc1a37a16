# Helpers shared by the rule files.

import os
import sys
from pathlib import Path

from snakemake.utils import validate

from her2cohort import config as config_io
from her2cohort import library_checksum
from her2cohort.placement import declarations as where_shown
from her2cohort.workflow_hooks import cancel_rate_limiter_timers

# One BLAS thread per job (unless the user set it): the jobs are small and run side by
# side, and OpenBLAS's thread pool spins up at import on every core (jobs inherit
# Snakemake's environment). Results do not depend on it (docs/numerics.md).
for _blas in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_blas, "1")

# The project folder (the Snakefile's) and its schemas: the library is given
# these paths, it never derives them from where it is installed.
PROJECT = Path(workflow.basedir)
SCHEMAS = PROJECT / "config" / "schemas"


def stop(problems, what):
    """Stop before any job with every problem listed, and no Python or Snakemake
    stack lines (a WorkflowError would print the Snakefile's frames): the
    problems are the user's to fix, one per line, each naming its file and key."""
    problems = [line for problem in problems for line in str(problem).splitlines()]
    print(
        f"{len(problems)} problem(s) in {what}; nothing was run:",
        *(f"  - {problem}" for problem in problems),
        sep="\n",
        file=sys.stderr,
    )
    sys.exit(1)


def shown(path):
    """``path`` relative to the folder Snakemake runs in, when it is inside it."""
    relative = os.path.relpath(path)
    return Path(relative) if not relative.startswith("..") else Path(path)


def check_config(config):
    """Check config/config.yaml against its schema; every error names the key."""
    schema = SCHEMAS / "config.schema.yaml"
    problems = config_io.schema_errors(config, schema, "config/config.yaml")
    if problems:
        stop(problems, "config/config.yaml")
    validate(config, str(schema))


def check_analyses(analyses, where):
    """The declared analyses against the catalogue (imports the statistics: called only
    when a study file or the library changed, see load_study's verified markers)."""
    from her2cohort.analyses import analysis_problems

    return analysis_problems(analyses, where)


def load_study(name):
    """Read and check config/studies/{name}.yaml; a ValueError names the file and the
    key of every problem. A study with `extends:` is resolved against its design here
    (her2cohort.config.resolve_design): every rule sees the resolved study."""
    path = shown(PROJECT / "config" / "studies" / f"{name}.yaml")
    if not path.exists():
        raise ValueError(
            f"config/config.yaml lists study {name!r} but {path} does not exist"
        )
    # analyses that passed their parameter check with this library are not
    # checked again (the check imports the statistics: seconds of each dry run)
    # Not snakemake.utils.validate on top, as for config/config.yaml: it re-reads
    # the schema with the pure-Python YAML parser on each call (0.1 s a study on
    # every dry run) and would only repeat the check, which lists every error.
    return config_io.load_study(
        path,
        SCHEMAS / "study.schema.yaml",
        root=PROJECT,
        analyses_check=check_analyses,
        verified=Path(".snakemake/her2cohort/verified"),
        library=library_checksum(),
    )


def load_studies(names):
    """Every study of config/config.yaml, or a stop listing the problems of every study
    file (not only those of the first)."""
    studies, problems = {}, []
    for name in names:
        try:
            studies[name] = load_study(name)
        except ValueError as err:
            problems.append(str(err))
    if problems:
        stop(problems, "the study files")
    return studies


# re-runs a rule when the library it imports changes (her2cohort.library_checksum)
LIBRARY = library_checksum()


def study_files(name):
    """The study file of `name` and, if it extends a design, the design's file."""
    files = [f"config/studies/{name}.yaml"]
    if STUDIES[name].get("extends"):
        files.append(f"config/studies/{STUDIES[name]['extends']}.yaml")
    return files


def raw_inputs_of(name):
    """The raw tables a study's cohort folder holds (patients.csv always: cleaning names
    it when it is missing; specimens.csv and treatment_lines.csv when they exist)."""
    raw = Path(STUDIES[name]["raw_dir"])
    tables = {"patients": raw / "patients.csv"}
    for table in ("specimens", "treatment_lines"):
        if (raw / f"{table}.csv").exists():
            tables[table] = raw / f"{table}.csv"
    return {table: str(path) for table, path in tables.items()}


def raw_inputs(wildcards):
    return raw_inputs_of(wildcards.study)


def captions(wildcards, kind):
    """Report caption of each declared table or figure: what it shows, and which
    item of the paper it regenerates."""
    items = STUDIES[wildcards.study].get(kind, [])
    return compact(
        {
            item["id"]: item["caption"]
            + (
                f" Regenerates: {item['regenerates']}."
                if item.get("regenerates")
                else ""
            )
            for item in items
        }
    )


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


# The top-level keys of a study's YAML that each rule's script reads (the rule
# passes only these as its `study` param: Snakemake re-runs a job when its
# params change, so an edit re-runs only the rules that read the edited key).
# tests/test_config.py checks that every key of config/schemas/study.schema.yaml
# is here or in STUDY_KEYS_NOT_IN_PARAMS, and that each script reads only its keys.
RULE_STUDY_KEYS = {
    "clean": (
        "study",
        "variables",
        "ignore_columns",
        "identifier_columns",
        "index_date",
        "inclusion",
        "registry_label",
        "endpoints",
        "intervals",
        "her2_guideline",
    ),
    "classify": ("study", "her2_guideline", "comparison", "line_columns"),
    "analyses": ("study", "analyses", "derive"),
    "tables": ("study", "tables"),
    "figures": ("study", "figures"),
    # the analyses' variants; the guideline's cutoffs
    "replication": ("study", "her2_guideline", "analyses"),
    # the design whose printed numbers the cohort is compared with (its files are inputs);
    # the analyses' types say which result rows hold findings
    "validation": ("study", "validation", "analyses"),
}
# Keys that no script reads (descriptive, or files the rules take as inputs).
STUDY_KEYS_NOT_IN_PARAMS = (
    "title",
    "source",
    "software",
    "raw_dir",
    "published",
    "replication",
    "extends",  # resolved when the study loads: the rules see the design's keys
)


def study_config(rule):
    """The `study` param of `rule`: only the study's keys that the rule reads
    (RULE_STUDY_KEYS), so that an edit re-runs only the rules it concerns: a
    figure's colour re-runs that study's figures, not its cleaning."""

    def keys_of_rule(wildcards):
        study = STUDIES[wildcards.study]
        # printed short in Snakemake's reasons: a digest per key (her2cohort.config.CompactParams)
        return compact({k: study[k] for k in RULE_STUDY_KEYS[rule] if k in study})

    return keys_of_rule


def compact(mapping):
    """A param that Snakemake prints short (a digest per long value) and still
    compares whole: the script reads the mapping itself."""
    return config_io.CompactParams(mapping)
