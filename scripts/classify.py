"""Rule `classify`: cleaned tables -> HER2 status per specimen and the per-patient analysis set."""

from pathlib import Path

from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.io import read_table, user_errors, write_table
from her2cohort.treatment_lines import add_line_columns

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    patients = read_table(smk.input.patients)
    specimens = read_table(smk.input.specimens)
    guideline = study["her2_guideline"]
    classified = classify_specimens(specimens, guideline) if not specimens.empty else specimens
    patient_rows = analysis_set(patients, classified, study.get("comparison"))
    if study.get("line_columns"):  # e.g. line1_regimen, line2_best_response (her2cohort.treatment_lines)
        patient_rows = add_line_columns(patient_rows, read_table(smk.input.treatment_lines), study["line_columns"])
    write_table(patient_rows, smk.output.analysis_set)
    write_table(classified, smk.output.specimens)
    Path(smk.log[0]).write_text(f"{study['study']}: {len(patients)} patients classified by {guideline}\n", encoding="utf-8")
