"""Rule `tables`: the study's declared manuscript tables from its analysis results.

Each table is written as tidy CSV (numbers at full precision, the test and its
statistic beside each p), Markdown, LaTeX, Word and HTML (for the report), and
``{id}_numbers.csv``: every number it prints, the value it was printed from
and the format (:class:`her2cohort.numbers.Printed`).
"""

from pathlib import Path

from her2cohort.errors import StudyConfigError
from her2cohort.io import user_errors, write_table
from her2cohort.numbers import Printed
from her2cohort.render.export import to_docx, to_latex, to_markdown
from her2cohort.render.html import table_html
from her2cohort.render.tables import render_table
from her2cohort.results import Results

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    where = f"config/studies/{study['study']}.yaml"
    results = Results(Path(smk.input.stats), where=where)
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)

    lines = []
    for spec in study.get("tables", []):
        printed = Printed()
        try:
            display, tidy = render_table(results, spec, printed)
        except (KeyError, ValueError) as err:
            raise StudyConfigError(f"{where}: table {spec['id']!r}: {err}") from None
        title, notes = spec.get("title", spec["id"]), spec.get("footnotes", [])
        write_table(tidy, out / f"{spec['id']}.csv")
        write_table(printed.frame(), out / f"{spec['id']}_numbers.csv")
        (out / f"{spec['id']}.md").write_text(f"**{title}**\n\n" + to_markdown(display) + "".join(f"\n{n}\n" for n in notes), encoding="utf-8")
        (out / f"{spec['id']}.tex").write_text(to_latex(display, caption=title, label=f"tab:{spec['id']}"), encoding="utf-8")
        to_docx(display, out / f"{spec['id']}.docx", title=title, footnotes=notes)
        (out / f"{spec['id']}.html").write_text(table_html(display, title, notes), encoding="utf-8")
        lines.append(f"{spec['id']}: {spec['layout']}, {len(display)} rows, {len(printed.records)} numbers")
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
