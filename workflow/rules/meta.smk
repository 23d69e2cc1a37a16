# Cross-study meta-analyses: the rates the source papers print (a literature table
# under data/literature/), pooled by the catalogue's meta_analysis type, and their
# forest plots. Not a study: no raw cohort, so none of the study rules; one job for
# the analyses and one for the figures (a figure's style re-runs only the figures).


rule meta_analysis:
    input:
        literature=lambda wildcards: META[wildcards.meta]["literature"],
        schema="config/schemas/literature.schema.yaml",
        # the studies whose own results hold counts of the literature table
        studies=lambda wildcards: [
            f"results/{study}/stats" for study in META[wildcards.meta]["studies"]
        ],
    output:
        stats=directory("results/meta/{meta}/stats"),
        literature="results/meta/{meta}/literature.csv",
    log:
        "logs/meta/{meta}/meta_analysis.log",
    benchmark:
        "results/benchmarks/meta/{meta}/meta_analysis.tsv"
    conda:
        "../../environment.yml"
    params:
        meta=lambda wildcards: compact(
            {k: META[wildcards.meta][k] for k in ("meta", "analyses", "studies")}
        ),
        library=LIBRARY,
    script:
        "../../scripts/meta_analysis.py"


rule meta_figures:
    input:
        stats="results/meta/{meta}/stats",
    output:
        report(
            directory("results/meta/{meta}/figures"),
            patterns=["{figure}.png"],
            caption="../report/meta_figure.rst",
            category="Meta-analysis",
            subcategory="{meta}",
            labels={"meta-analysis": "{meta}", "figure": "{figure}"},
        ),
    log:
        "logs/meta/{meta}/meta_figures.log",
    benchmark:
        "results/benchmarks/meta/{meta}/meta_figures.tsv"
    conda:
        "../../environment.yml"
    params:
        meta=lambda wildcards: compact(
            {k: META[wildcards.meta][k] for k in ("meta", "figures")}
        ),
        captions=lambda wildcards: compact(
            {f["id"]: f["caption"] for f in META[wildcards.meta].get("figures", [])}
        ),
        library=LIBRARY,
    script:
        "../../scripts/meta_figures.py"
