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


def verified_check(path):
    """check_analyses for the file at `path`, skipped when a file of the same bytes passed
    it with this library (the marker of her2cohort.config.verified_marker, as load_study's).
    """
    marker = config_io.verified_marker(
        Path(".snakemake/her2cohort/verified"), path.read_bytes(), library_checksum()
    )

    def check(analyses, where):
        if marker.exists():
            return []
        found = check_analyses(analyses, where)
        if not found:
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:  # a read-only checkout: the check simply runs each time
                pass
        return found

    return check


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
    from her2cohort.numbering import numbering_problems

    for name, study in studies.items():
        problems += numbering_problems(study, f"config/studies/{name}.yaml")
    if problems:
        stop(problems, "the study files")
    return studies


def load_metas(names, studies):
    """Every meta-analysis of config/config.yaml (config/meta/{name}.yaml with its
    literature table; her2cohort.literature.load_meta), or a stop listing every problem.
    Each gets `studies`: those whose results hold counts of its literature table
    (her2cohort.literature.result_studies). One needing a study that is not in this
    run (e.g. --config studies='[example]') is left out, said on stderr.
    """
    from her2cohort.literature import load_literature, load_meta, result_studies

    metas, problems = {}, []
    for name in names:
        path = shown(PROJECT / "config" / "meta" / f"{name}.yaml")
        if not path.exists():
            problems.append(
                f"config/config.yaml lists meta-analysis {name!r} but {path} does not exist"
            )
            continue
        try:
            meta = load_meta(
                path,
                SCHEMAS / "meta.schema.yaml",
                SCHEMAS / "literature.schema.yaml",
                analyses_check=verified_check(path),
                root=PROJECT,
            )
            literature = PROJECT / meta["literature"]
            literature = load_literature(literature, SCHEMAS / "literature.schema.yaml")
        except ValueError as err:
            problems.append(str(err))
            continue
        meta["studies"] = result_studies(literature)
        missing = [study for study in meta["studies"] if study not in studies]
        if missing:
            print(
                f"meta-analysis {name!r} not run: its literature table "
                f"{meta['literature']} reads counts from the results of "
                f"{', '.join(missing)}, not a study of this run",
                file=sys.stderr,
            )
            continue
        metas[name] = meta
    if problems:
        stop(problems, "the meta-analysis files")
    return metas


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


# The HTML report: one category per study, papers apart from the studies without a
# paper (the example) and the cohorts that apply a paper's design; in each, the
# manuscript items in manuscript order (her2cohort.numbering), the methods, the
# flow of patients and the audit. Snakemake sorts categories, subcategories and
# the first label alphabetically: the numbers fix the order.
ITEMS = "1 Tables and figures"
METHODS = "2 Statistical analysis"
COHORT = "3 Flow of patients"
AUDIT = "4 Audit"


def report_category(wildcards):
    """ "Paper: {study}" for a study with a paper to audit, "Validation cohort: {study}" for
    one that applies a paper's design, else "Study without a paper · {study}" (the example).
    """
    study = STUDIES[wildcards.study]
    if study.get("replication"):
        return f"Paper · {wildcards.study}"
    if study.get("validation"):
        return f"Validation cohort · {wildcards.study}"
    return f"Study without a paper · {wildcards.study}"


def legends_of(study):
    """Report caption of each manuscript item's page: its label and legend."""
    from her2cohort.numbering import manuscript_items
    from her2cohort.render.manuscript import page_name

    return {
        page_name(position, item)[: -len(".html")]: f"{item.label}. {item.legend}"
        for position, item in enumerate(manuscript_items(study), start=1)
    }


def item_report_labels(study, page):
    from her2cohort.render.manuscript import item_report_labels as labels

    return labels(study, page)


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
    "tables": ("study", "tables", "journal_style"),
    "figures": ("study", "figures"),
    # the methods text reads the declared analyses, derived columns and endpoints
    "manuscript": (
        "study",
        "title",
        "tables",
        "figures",
        "analyses",
        "derive",
        "endpoints",
        "significance_level",
        "journal_style",
    ),
    # the analyses' variants; the guideline's cutoffs
    "replication": ("study", "her2_guideline", "analyses"),
    # the design whose printed numbers the cohort is compared with (its files are inputs);
    # the analyses' types say which result rows hold findings
    "validation": ("study", "validation", "analyses"),
    # the rigor report: what the analyses test, on which endpoints, specimens and tables
    "rigor": (
        "study",
        "analyses",
        "derive",
        "endpoints",
        "comparison",
        "index_date",
        "tables",
        "rigor",
    ),
}
# Keys that no script reads (descriptive, or files the rules take as inputs).
STUDY_KEYS_NOT_IN_PARAMS = (
    "source",
    "software",
    "raw_dir",
    "published",
    "replication",
    "extends",  # resolved when the study loads: the rules see the design's keys
    # merged into every table and figure when the study loads (her2cohort.declarations):
    # the tables and figures rules see them there
    "labels",
    "level_labels",
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
