# Stage 1-3 of the design: clean -> classify -> analysis set.
# A table a later stage reads is written twice: the CSV people open, and its exact
# copy (.feather, her2cohort.io.write_frame) that the later stage reads, every float
# bit for bit (a CSV read back is not exact) and ten times faster at 10^6 patients.
# The large tables (a row per patient, specimen or treatment line) are written by
# clean and classify as exact copies only; their CSVs, byte for byte what write_frame
# writes, come from the job `readable_tables`, which runs beside the analyses instead
# of before them (issue 18: at 10^6 patients clean and classify spent 28 + 23 s of a
# ~115 s run writing their tables, CSVs and copies).


rule clean:
    input:
        unpack(raw_inputs),
    output:
        patients_exact="results/{study}/clean/patients.feather",
        specimens_exact="results/{study}/clean/specimens.feather",
        treatment_lines_exact="results/{study}/clean/treatment_lines.feather",
        flow_exact="results/{study}/clean/flow.feather",
        exclusions="results/{study}/clean/exclusions.csv",
        flow=report(
            "results/{study}/clean/flow.csv",
            caption="../report/flow.rst",
            category=report_category,
            subcategory=COHORT,
            labels={"study": "{study}", "table": "flow of patients"},
        ),
        row_counts=report(
            "results/{study}/clean/row_counts.csv",
            caption="../report/row_counts.rst",
            category=report_category,
            subcategory=COHORT,
            labels={"study": "{study}", "table": "raw rows accounted for"},
        ),
    log:
        "logs/{study}/clean.log",
    benchmark:
        "results/benchmarks/{study}/clean.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("clean"),
        library=LIBRARY,
    script:
        "../../scripts/clean.py"


rule classify:
    input:
        patients="results/{study}/clean/patients.feather",
        specimens="results/{study}/clean/specimens.feather",
        treatment_lines="results/{study}/clean/treatment_lines.feather",
    output:
        analysis_set_exact="results/{study}/analysis_set.feather",
        classification_exact="results/{study}/classification.feather",
        specimens_exact="results/{study}/specimens_classified.feather",
        classification=report(
            "results/{study}/classification.csv",
            caption="../report/classification.rst",
            category=report_category,
            subcategory=COHORT,
            labels={"study": "{study}", "table": "specimens by HER2 status and rule"},
        ),
    log:
        "logs/{study}/classify.log",
    benchmark:
        "results/benchmarks/{study}/classify.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("classify"),
        library=LIBRARY,
    script:
        "../../scripts/classify.py"


# The CSVs people open of the large tables, from their exact copies: the same bytes
# write_frame would have written (her2cohort.io.readable_copy). No rule reads them.
rule readable_tables:
    input:
        patients="results/{study}/clean/patients.feather",
        specimens="results/{study}/clean/specimens.feather",
        treatment_lines="results/{study}/clean/treatment_lines.feather",
        analysis_set="results/{study}/analysis_set.feather",
        specimens_classified="results/{study}/specimens_classified.feather",
    output:
        patients="results/{study}/clean/patients.csv",
        specimens="results/{study}/clean/specimens.csv",
        treatment_lines="results/{study}/clean/treatment_lines.csv",
        analysis_set="results/{study}/analysis_set.csv",
        specimens_classified="results/{study}/specimens_classified.csv",
    log:
        "logs/{study}/readable_tables.log",
    benchmark:
        "results/benchmarks/{study}/readable_tables.tsv"
    conda:
        "../../environment.yml"
    params:
        library=LIBRARY,
    script:
        "../../scripts/readable_tables.py"
