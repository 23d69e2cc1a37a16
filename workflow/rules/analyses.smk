# Stage 4 of the design: the analyses each study declares in its YAML, one job per
# study (one Python start-up for all of a study's statistics). Each result is
# stats/{id}.csv and its exact copy stats/{id}.feather, which the later stages read.


rule analyses:
    input:
        analysis_set="results/{study}/analysis_set.feather",
        treatment_lines="results/{study}/clean/treatment_lines.feather",
    output:
        directory("results/{study}/stats"),
    log:
        "logs/{study}/analyses.log",
    benchmark:
        "results/benchmarks/{study}/analyses.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("analyses"),
        library=LIBRARY,
    script:
        "../../scripts/analyses.py"
