# Stage 1-3 of the design: clean -> classify -> analysis set.


rule clean:
    input:
        unpack(raw_inputs),
        study_yaml="config/studies/{study}.yaml",
    output:
        patients="results/{study}/clean/patients.csv",
        specimens="results/{study}/clean/specimens.csv",
        treatment_lines="results/{study}/clean/treatment_lines.csv",
        exclusions="results/{study}/clean/exclusions.csv",
        flow="results/{study}/clean/flow.csv",
        row_counts="results/{study}/clean/row_counts.csv",
    log:
        "logs/{study}/clean.log",
    benchmark:
        "results/benchmarks/{study}/clean.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config,
    script:
        "../../scripts/clean.py"


rule classify:
    input:
        patients="results/{study}/clean/patients.csv",
        specimens="results/{study}/clean/specimens.csv",
    output:
        analysis_set="results/{study}/analysis_set.csv",
        specimens="results/{study}/specimens_classified.csv",
    log:
        "logs/{study}/classify.log",
    benchmark:
        "results/benchmarks/{study}/classify.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config,
    script:
        "../../scripts/classify.py"
