"""Rule `readable_tables`: the CSVs people open of the large tables of clean and classify
(cleaned patients, specimens and treatment lines, the analysis set, the classified
specimens), written from their exact copies beside the analyses; byte for byte what
`write_frame` would have written (her2cohort.io.readable_copy)."""

from her2cohort.io import readable_copy, user_errors, write_text

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    written = []
    for name, exact in smk.input.items():  # input and output share their names
        frame = readable_copy(exact, smk.output[name])
        written.append(f"{smk.output[name]}: {len(frame)} rows\n")
    write_text(smk.log[0], f"{smk.wildcards.study}: readable tables\n{''.join(written)}")
