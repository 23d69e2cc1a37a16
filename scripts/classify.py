"""Rule `classify`: cleaned tables -> HER2 status per specimen, what each guideline rule left
undecided and why, and the per-patient analysis set."""

import sys

from her2cohort.classify import analysis_set, classification_summary, classify_cohort, has_her2_data, summary_lines
from her2cohort.io import read_table, user_errors, write_exchange, write_frame, write_text
from her2cohort.treatment_lines import add_line_columns

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    patients = read_table(smk.input.patients)
    specimens = read_table(smk.input.specimens)
    guideline = study.get("her2_guideline")
    # without HER2 data (no specimen, or none with an IHC or ISH value) nothing is classified
    # and the analysis set has no HER2 column (her2cohort.classify.classify_cohort)
    her2 = has_her2_data(specimens)
    classified = classify_cohort(specimens, guideline)
    patient_rows = analysis_set(patients, classified, study.get("comparison"))
    if study.get("line_columns"):  # e.g. line1_regimen, line2_best_response (her2cohort.treatment_lines)
        patient_rows = add_line_columns(patient_rows, read_table(smk.input.treatment_lines), study["line_columns"])
    summary = classification_summary(classified, guideline or "")  # header only without HER2 data
    # the exact copies later stages read; their CSVs are the readable_tables rule's
    write_exchange(patient_rows, smk.output.analysis_set_exact)
    write_exchange(classified, smk.output.specimens_exact)
    write_frame(summary, smk.output.classification, smk.output.classification_exact)
    if her2:
        head = f"{study['study']}: {len(patients)} patients classified by {guideline}\n"
    else:
        head = f"{study['study']}: {len(patients)} patients; no HER2 data (no specimen with an IHC or ISH value): nothing classified, no HER2 column\n"
    # what each rule left indeterminate or unclassified, and why: in the log, and on the terminal
    undecided = [line for line in summary_lines(summary) if line.startswith("  ")]
    if undecided:
        print(f"{study['study']}: specimens left undecided by the guideline (results/{study['study']}/classification.csv):", *undecided, sep="\n", file=sys.stderr)
    write_text(smk.log[0], head + "".join(f"{line}\n" for line in summary_lines(summary)))
