"""Rule `rigor`: each detected weakness of the study's design, the paper's analysis beside a
more rigorous one, and a verdict (her2cohort.rigor)."""

from pathlib import Path

from her2cohort.io import read_table, user_errors, write_table, write_text
from her2cohort.render.export import to_docx
from her2cohort.render.html import markdown_to_html
from her2cohort.results import Results
from her2cohort.rigor import CHECKS, rigor_markdown, rigor_supplement, rigor_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    name = study["study"]
    data = read_table(smk.input.analysis_set)
    lines = read_table(smk.input.treatment_lines)
    results = Results(Path(smk.input.stats), where=f"config/studies/{name}.yaml")
    frame = rigor_table(study, data, results, dict(smk.params.settings), lines)
    markdown, printed = rigor_markdown(frame, name, tuple(CHECKS))
    supplement, footnotes, _ = rigor_supplement(frame)
    write_table(frame, smk.output.csv)
    write_text(smk.output.markdown, markdown)
    write_table(printed.frame(), smk.output.numbers)
    to_docx(supplement, smk.output.docx, title=f"Rigor report: {name}", footnotes=footnotes)
    write_text(smk.output.html, markdown_to_html(markdown, f"Rigor report: {name}"))
    counts = frame["verdict"].value_counts().to_dict()
    write_text(smk.log[0], f"{name}: {len(frame)} weaknesses detected: {counts}\n")
