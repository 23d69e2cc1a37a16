# Stages 5-7 of the design: manuscript tables and figures from the analysis
# results, the replication audit of every published number (or, for a study that
# applies a published design to a new cohort, the validation against that
# paper's findings), and provenance for the report. One job per study per stage: a job pays a Python start-up and its
# imports, and a change to one figure's spec re-runs only its study's figures.


rule tables:
    input:
        stats="results/{study}/stats",
    output:
        # shown in the report by the manuscript rule's pages (legend under each item)
        directory("results/{study}/tables"),
    log:
        "logs/{study}/tables.log",
    benchmark:
        "results/benchmarks/{study}/tables.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("tables"),
        library=LIBRARY,
    script:
        "../../scripts/tables.py"


rule figures:
    input:
        stats="results/{study}/stats",
        analysis_set="results/{study}/analysis_set.feather",
        flow="results/{study}/clean/flow.feather",
        treatment_lines="results/{study}/clean/treatment_lines.feather",
        classification="results/{study}/classification.feather",
    output:
        directory("results/{study}/figures"),
    log:
        "logs/{study}/figures.log",
    benchmark:
        "results/benchmarks/{study}/figures.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("figures"),
        library=LIBRARY,
    script:
        "../../scripts/figures.py"


rule manuscript:
    input:
        stats="results/{study}/stats",
        # the rigor table closes the supplement (a study with analyses)
        rigor=lambda wildcards: (
            ["results/{study}/rigor.csv"]
            if STUDIES[wildcards.study].get("analyses")
            else []
        ),
        tables=lambda wildcards: (
            ["results/{study}/tables"]
            if STUDIES[wildcards.study].get("tables")
            else []
        ),
        figures=lambda wildcards: (
            ["results/{study}/figures"]
            if STUDIES[wildcards.study].get("figures")
            else []
        ),
    output:
        methods="results/{study}/methods.md",
        markdown="results/{study}/manuscript.md",
        docx="results/{study}/manuscript.docx",
        pages=report(
            directory("results/{study}/report_items"),
            patterns=["{page}.html"],
            caption="../report/manuscript_item.rst",
            category=report_category,
            subcategory=ITEMS,
            labels=lambda wildcards: item_report_labels(
                STUDIES[wildcards.study], wildcards.page
            ),
        ),
        methods_html=report(
            "results/{study}/methods.html",
            caption="../report/methods.rst",
            category=report_category,
            subcategory=METHODS,
            labels={"item": "Statistical analysis"},
        ),
    log:
        "logs/{study}/manuscript.log",
    benchmark:
        "results/benchmarks/{study}/manuscript.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("manuscript"),
        legends=lambda wildcards: compact(
            {"pages": legends_of(STUDIES[wildcards.study])}
        ),
        library=LIBRARY,
    script:
        "../../scripts/manuscript.py"


rule replication:
    input:
        stats="results/{study}/stats",
        flow="results/{study}/clean/flow.feather",
        published=lambda wildcards: STUDIES[wildcards.study]["published"],
        mapping=lambda wildcards: STUDIES[wildcards.study]["replication"],
        published_schema="config/schemas/published.schema.yaml",
        mapping_schema="config/schemas/replication.schema.yaml",
    output:
        replication=report(
            "results/{study}/replication.csv",
            caption="../report/replication_study.rst",
            category=report_category,
            subcategory=AUDIT,
            labels={"study": "{study}", "table": "replication audit"},
        ),
        consistency="results/{study}/consistency.csv",
        replication_exact="results/{study}/replication.feather",
        consistency_exact="results/{study}/consistency.feather",
    log:
        "logs/{study}/replication.log",
    benchmark:
        "results/benchmarks/{study}/replication.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("replication"),
        # where each number is printed: the placement of the study's tables and figures only
        shown_in=lambda wildcards: compact(where_shown(STUDIES[wildcards.study])),
        library=LIBRARY,
    script:
        "../../scripts/replication.py"


rule validation:
    input:
        stats="results/{study}/stats",
        published=lambda wildcards: STUDIES[wildcards.study]["validation"]["published"],
        mapping=lambda wildcards: STUDIES[wildcards.study]["validation"]["replication"],
        published_schema="config/schemas/published.schema.yaml",
        mapping_schema="config/schemas/replication.schema.yaml",
    output:
        csv=report(
            "results/{study}/validation.csv",
            caption="../report/validation.rst",
            category=report_category,
            subcategory=AUDIT,
            labels={
                "study": "{study}",
                "table": "validation against the design's paper",
            },
        ),
        markdown="results/{study}/validation.md",
        numbers="results/{study}/validation_numbers.csv",
    log:
        "logs/{study}/validation.log",
    benchmark:
        "results/benchmarks/{study}/validation.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("validation"),
        library=LIBRARY,
    script:
        "../../scripts/validation.py"


rule replication_summary:
    input:
        replication=expand("results/{study}/replication.feather", study=REPLICATED),
        consistency=expand("results/{study}/consistency.feather", study=REPLICATED),
        # the named reasons the audits cite, printed once each
        mappings=[STUDIES[name]["replication"] for name in REPLICATED],
    output:
        replication="results/replication.csv",
        consistency="results/consistency.csv",
        markdown="results/replication.md",
        html=report(
            "results/replication.html",
            caption="../report/replication.rst",
            category="Replication",
            labels={"table": "replication summary"},
        ),
    log:
        "logs/replication_summary.log",
    benchmark:
        "results/benchmarks/replication_summary.tsv"
    conda:
        "../../environment.yml"
    params:
        titles=compact({name: STUDIES[name].get("title", name) for name in REPLICATED}),
        library=LIBRARY,
    script:
        "../../scripts/replication_summary.py"


rule provenance:
    input:
        raw=[path for name in STUDIES for path in raw_inputs_of(name).values()],
        config=["config/config.yaml"]
        + list(dict.fromkeys(path for name in STUDIES for path in study_files(name)))
        + list(
            dict.fromkeys(
                [STUDIES[name]["replication"] for name in REPLICATED]
                + [STUDIES[name]["published"] for name in REPLICATED]
                + [STUDIES[name]["validation"]["replication"] for name in VALIDATED]
                + [STUDIES[name]["validation"]["published"] for name in VALIDATED]
            )
        )
        + [f"config/meta/{name}.yaml" for name in META]
        + list(dict.fromkeys(META[name]["literature"] for name in META)),
    output:
        json="results/provenance.json",
        html=report(
            "results/provenance.html",
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"table": "inputs, configuration, software, code revision"},
        ),
    log:
        "logs/provenance.log",
    benchmark:
        "results/benchmarks/provenance.tsv"
    conda:
        "../../environment.yml"
    params:
        revision=CODE_REVISION,
        library=LIBRARY,
        studies=list(STUDIES),
    script:
        "../../scripts/provenance.py"
