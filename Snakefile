# HER2 cohort pipeline: raw registry export -> cleaned tables -> HER2 classification
# -> analysis set (later: analyses, tables, figures, replication, report).
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


STUDIES = {name: load_study(name) for name in config["studies"]}


wildcard_constraints:
    study="|".join(STUDIES),


include: "workflow/rules/prepare.smk"
include: "workflow/rules/analyses.smk"


rule all:
    default_target: True
    input:
        expand("results/{study}/analysis_set.csv", study=STUDIES),
        expand("results/{study}/clean/flow.csv", study=STUDIES),
        [
            f"results/{name}/stats"
            for name, study in STUDIES.items()
            if study.get("analyses")
        ],
