# Stage 4 of the design: the analyses each study declares in its YAML, one job per
# study (one Python start-up for all of a study's statistics).


rule analyses:
    input:
        analysis_set="results/{study}/analysis_set.csv",
        treatment_lines="results/{study}/clean/treatment_lines.csv",
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
