# Beyond the paper: each weakness of the study's design detected from its declarations
# and data, the paper's analysis beside a more rigorous one, and a verdict
# (her2cohort.rigor, docs/rigor.md). One job per study.


rule rigor:
    input:
        # the exact copies, as every stage reads them (her2cohort.io.write_frame)
        analysis_set="results/{study}/analysis_set.feather",
        treatment_lines="results/{study}/clean/treatment_lines.feather",
        stats="results/{study}/stats",
    output:
        csv="results/{study}/rigor.csv",
        markdown="results/{study}/rigor.md",
        numbers="results/{study}/rigor_numbers.csv",
        docx="results/{study}/rigor.docx",
        html=report(
            "results/{study}/rigor.html",
            caption="../report/rigor.rst",
            category=report_category,
            subcategory=AUDIT,
            labels={"study": "{study}", "table": "rigor report"},
        ),
    log:
        "logs/{study}/rigor.log",
    benchmark:
        "results/benchmarks/{study}/rigor.tsv"
    conda:
        "../../environment.yml"
    params:
        study=study_config("rigor"),
        settings=config.get("rigor", {}),
        library=LIBRARY,
    script:
        "../../scripts/rigor.py"
