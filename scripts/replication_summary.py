"""Rule `replication_summary`: all studies' audits in one table and a readable summary."""

from pathlib import Path

import pandas as pd

from her2cohort.config import load_yaml
from her2cohort.io import read_table, user_errors, write_table
from her2cohort.render.html import markdown_to_html
from her2cohort.replication import summary_markdown

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    replication = pd.concat([read_table(path) for path in smk.input.replication], ignore_index=True)
    consistency = pd.concat([read_table(path) for path in smk.input.consistency], ignore_index=True)
    write_table(replication, smk.output.replication)
    write_table(consistency, smk.output.consistency)
    mappings = [load_yaml(path) for path in smk.input.mappings]
    reasons = {mapping["study"]: mapping.get("reasons", {}) for mapping in mappings}
    markdown = summary_markdown(replication, consistency, smk.params.titles, reasons)
    Path(smk.output.markdown).write_text(markdown, encoding="utf-8")
    Path(smk.output.html).write_text(markdown_to_html(markdown, "Replication report"), encoding="utf-8")
    Path(smk.log[0]).write_text(f"{len(replication)} published numbers from {replication['study'].nunique()} studies\n", encoding="utf-8")
