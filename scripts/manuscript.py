"""Rule `manuscript`: results/{study}/methods.md, manuscript.md and manuscript.docx (every declared
table and figure in manuscript order with its legend, and the methods text), and the study's report
pages (one per item, legend under it, audit note folded; the methods)."""

import platform
from importlib import metadata
from pathlib import Path

from her2cohort.errors import StudyConfigError
from her2cohort.io import user_errors
from her2cohort.numbering import manuscript_items, numbering_problems
from her2cohort.numbers import JournalStyle
from her2cohort.render.manuscript import item_page, manuscript_markdown, methods_page, page_name, write_docx
from her2cohort.render.methods import methods_markdown
from her2cohort.render.tables.journal import as_journal, compose
from her2cohort.results import Results, read_result
from her2cohort.rigor import rigor_supplement

smk = snakemake  # noqa: F821 (injected by Snakemake)

#: The rigor table in the supplement: its title, and what its two analysis columns mean.
RIGOR_TITLE = "Weaknesses of the design detected in the declared analyses and data, each analysis beside a more rigorous one"
RIGOR_NOTE = (
    "The paper's analysis is the analysis as declared, run on this cohort; the more rigorous analysis addresses "
    "the weakness in the first column (landmark or time-dependent Cox for immortal time, bootstrap validation of a "
    "data-driven cutoff, Holm and Benjamini-Hochberg adjustment for multiplicity, competing risks, exact tests for small samples)."
)

#: the libraries that compute the statistics, by the name a reader knows
LIBRARIES = {"her2cohort": "her2cohort", "NumPy": "numpy", "SciPy": "scipy", "pandas": "pandas"}

with user_errors(smk.log[0]):
    study = smk.params.study
    where = f"config/studies/{study['study']}.yaml"
    problems = numbering_problems(study, where)
    if problems:
        raise StudyConfigError("\n".join(problems))
    results = Results(Path(smk.input.stats), where=where)
    software = {"Python": platform.python_version(), **{name: metadata.version(package) for name, package in LIBRARIES.items()}}
    methods = methods_markdown(study, results, software)
    Path(smk.output.methods).write_text(methods, encoding="utf-8")

    items = manuscript_items(study)
    try:
        style = JournalStyle.from_config(study.get("journal_style"))
    except (TypeError, ValueError) as err:
        raise StudyConfigError(f"{where}: {err}") from None
    tables = {}
    for item in items:
        if item.kind == "table":  # the path of the table files (compose), never formatted again here
            tables[item.id], _, _ = compose(results, item.spec, style)
    closing = []
    if smk.input.rigor:  # the rigor report's table, after the last supplementary table
        number = 1 + max((item.number for item in items if item.kind == "table" and item.supplementary), default=0)
        display, notes, _ = rigor_supplement(read_result(smk.input.rigor[0]))
        if len(display):
            notes = [RIGOR_NOTE, *(note for note in notes if note.startswith("Verdict rule"))]
            table = as_journal(display, caption=f"Supplementary Table {number}. {RIGOR_TITLE}", footnotes=notes, style=style)
            table.label_columns = len(display.columns)  # words in every column: left aligned, widths shared by their text
            closing.append(table)
    title = study.get("title", study["study"])
    figures = Path(str(smk.input.figures))  # read only when the study declares figures
    Path(smk.output.markdown).write_text(manuscript_markdown(title, methods, items, tables, closing=closing), encoding="utf-8")
    write_docx(smk.output.docx, title, methods, items, tables, figures, style, closing)

    pages = Path(smk.output.pages)
    pages.mkdir(parents=True, exist_ok=True)
    for position, item in enumerate(items, start=1):
        if item.kind == "table":
            page = item_page(item, table_page=(Path(str(smk.input.tables)) / f"{item.id}.html").read_text(encoding="utf-8"))
        else:
            page = item_page(item, png=(figures / f"{item.id}.png").read_bytes())
        (pages / page_name(position, item)).write_text(page, encoding="utf-8")
    Path(smk.output.methods_html).write_text(methods_page(methods, f"Statistical analysis: {title}"), encoding="utf-8")
    Path(smk.log[0]).write_text(f"{len(items)} items: " + ", ".join(item.label for item in items) + "\n", encoding="utf-8")
