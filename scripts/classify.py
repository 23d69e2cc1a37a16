"""Rule `classify`: cleaned tables -> HER2 status per specimen and the per-patient analysis set."""

from pathlib import Path

from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.io import read_table, user_errors, write_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    patients = read_table(smk.input.patients)
    specimens = read_table(smk.input.specimens)
    guideline = study["her2_guideline"]
    classified = classify_specimens(specimens, guideline) if not specimens.empty else specimens
    write_table(analysis_set(patients, classified, study.get("comparison")), smk.output.analysis_set)
    write_table(classified, smk.output.specimens)
    Path(smk.log[0]).write_text(f"{study['study']}: {len(patients)} patients classified by {guideline}\n", encoding="utf-8")
