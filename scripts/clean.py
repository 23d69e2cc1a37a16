"""Rule `clean`: raw cohort folder -> cleaned, pseudonymised tables, exclusions and flow."""

import sys
from pathlib import Path

from her2cohort.cleaning import clean_cohort
from her2cohort.io import user_errors, write_exchange, write_frame, write_table, write_text

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    cohort = clean_cohort(Path(smk.input.patients).parent, study, f"config/studies/{study['study']}.yaml")
    # read by later stages: the exact copy; the large tables' CSVs are the readable_tables rule's
    for name in ("patients", "specimens", "treatment_lines"):
        write_exchange(getattr(cohort, name), smk.output[f"{name}_exact"])
    write_frame(cohort.flow, smk.output.flow, smk.output.flow_exact)
    for name in ("exclusions", "row_counts"):
        write_table(getattr(cohort, name), smk.output[name])
    counts = cohort.row_counts.to_string(index=False)
    notes = "".join(f"{note}\n" for note in cohort.notes)  # e.g. identifier columns dropped
    print(notes, end="", file=sys.stderr)
    write_text(smk.log[0], f"{study['study']}: cleaned\n{notes}{cohort.flow.to_string(index=False)}\n{counts}\n")
