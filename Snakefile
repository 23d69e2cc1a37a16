# HER2 cohort pipeline: raw registry export -> cleaned tables -> HER2 classification
# -> analysis set -> analyses -> tables, figures -> replication audit -> report.
#
#   snakemake --cores all                     all studies in config/config.yaml
#   snakemake --cores all --config studies='[example]'   one study
#
# `make run` adds the workflow profile workflow/profiles/default (cores, logs on failure).

from snakemake.utils import min_version, validate

min_version("8.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


check_config(config)


# every study file checked; the problems of all of them stop the run at once
STUDIES = load_studies(config["studies"])
# studies with a paper to audit (a published-number file and its mapping)
REPLICATED = [name for name, study in STUDIES.items() if study.get("replication")]
# studies that apply a published design to a new cohort (`extends:`), compared with its paper
VALIDATED = [name for name, study in STUDIES.items() if study.get("validation")]
# cross-study meta-analyses of printed rates (config/meta/{name}.yaml, a literature table each)
META = load_metas(config.get("meta_analyses", []), STUDIES)


wildcard_constraints:
    study="|".join(STUDIES),
    meta="|".join(META) or "no_meta_analysis",


include: "workflow/rules/prepare.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/manuscript.smk"
include: "workflow/rules/rigor.smk"
include: "workflow/rules/meta.smk"


# Exit as soon as the run is over: Snakemake's job rate limiter leaves a timer that
# Python would wait up to a second for (her2cohort.workflow_hooks; docs/snakemake-exit-timer.md).
onsuccess:
    cancel_rate_limiter_timers()


onerror:
    cancel_rate_limiter_timers()


rule all:
    default_target: True
    input:
        # the CSVs people open of the large tables (analysis set, cleaned and classified
        # tables), written beside the analyses from the stages' exact copies
        expand(rules.readable_tables.output, study=STUDIES),
        expand("results/{study}/clean/flow.csv", study=STUDIES),
        [
            f"results/{name}/stats"
            for name, study in STUDIES.items()
            if study.get("analyses")
        ],
        [
            f"results/{name}/tables"
            for name, study in STUDIES.items()
            if study.get("tables")
        ],
        [
            f"results/{name}/figures"
            for name, study in STUDIES.items()
            if study.get("figures")
        ],
        ["results/replication.md"] if REPLICATED else [],
        expand("results/{study}/validation.md", study=VALIDATED),
        expand("results/{study}/manuscript.docx", study=STUDIES),
        # the rigor report of every study with analyses (docs/rigor.md)
        [
            f"results/{name}/rigor.md"
            for name, study in STUDIES.items()
            if study.get("analyses")
        ],
        expand("results/meta/{meta}/stats", meta=META),
        [
            f"results/meta/{name}/figures"
            for name, meta in META.items()
            if meta.get("figures")
        ],
        "results/provenance.html",
