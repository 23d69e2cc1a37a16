"""Rule `clean`: raw cohort folder -> cleaned, pseudonymised tables, exclusions and flow."""

import sys
from pathlib import Path

from her2cohort.cleaning import clean_cohort
from her2cohort.io import user_errors, write_frame, write_table, write_text

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    cohort = clean_cohort(Path(smk.input.patients).parent, study, f"config/studies/{study['study']}.yaml")
    for name in ("patients", "specimens", "treatment_lines", "flow"):  # read by later stages: the CSV and its exact copy
        write_frame(getattr(cohort, name), smk.output[name], smk.output[f"{name}_exact"])
    for name in ("exclusions", "row_counts"):
        write_table(getattr(cohort, name), smk.output[name])
    counts = cohort.row_counts.to_string(index=False)
    notes = "".join(f"{note}\n" for note in cohort.notes)  # e.g. identifier columns dropped
    print(notes, end="", file=sys.stderr)
    write_text(smk.log[0], f"{study['study']}: cleaned\n{notes}{cohort.flow.to_string(index=False)}\n{counts}\n")
