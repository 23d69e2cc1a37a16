"""Rule `tables`: the study's declared manuscript tables from its analysis results.

Each table is written as tidy CSV (numbers at full precision, the test and its
statistic beside each p) with a notes sidecar ({id}.notes.md: caption and
footnotes), Markdown, LaTeX, Word and HTML (for the report), each with its
caption, group sizes, test markers and footnotes, in the study's journal style
(:func:`her2cohort.render.tables.journal.compose`), and ``{id}_numbers.csv``:
every number it prints, the value it was printed from and the format
(:class:`her2cohort.numbers.Printed`); and all tables together in
``all_tables.docx`` and ``all_tables.tex`` (a standalone LaTeX document).
"""

from pathlib import Path

from her2cohort.errors import StudyConfigError
from her2cohort.io import user_errors
from her2cohort.numbers import JournalStyle
from her2cohort.render.export import write_all_tables, write_table_files
from her2cohort.render.tables.journal import compose
from her2cohort.results import Results

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    where = f"config/studies/{study['study']}.yaml"
    results = Results(Path(smk.input.stats), where=where)
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)
    try:
        style = JournalStyle.from_config(study.get("journal_style"))
    except (TypeError, ValueError) as err:
        raise StudyConfigError(f"{where}: {err}") from None

    lines, tables = [], []
    for spec in study.get("tables", []):
        try:
            table, tidy, printed = compose(results, spec, style)
        except (KeyError, ValueError) as err:
            raise StudyConfigError(f"{where}: table {spec['id']!r}: {err}") from None
        write_table_files(table, tidy, printed, out)
        tables.append(table)
        lines.append(f"{spec['id']}: {spec['layout']}, {len(table.display)} rows, {len(printed.records)} numbers")
    if tables:  # all tables in one Word file and one LaTeX document, as a submission asks
        write_all_tables(tables, out, style)
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
