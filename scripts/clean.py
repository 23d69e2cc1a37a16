"""Rule `clean`: raw cohort folder -> cleaned, pseudonymised tables, exclusions and flow."""

from pathlib import Path

from her2cohort.cleaning import clean_cohort
from her2cohort.io import user_errors, write_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    cohort = clean_cohort(Path(smk.input.patients).parent, study)
    for name in ("patients", "specimens", "treatment_lines", "exclusions", "flow", "row_counts"):
        write_table(getattr(cohort, name), smk.output[name])
    counts = cohort.row_counts.to_string(index=False)
    Path(smk.log[0]).write_text(f"{study['study']}: cleaned\n{cohort.flow.to_string(index=False)}\n{counts}\n", encoding="utf-8")
