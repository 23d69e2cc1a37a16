"""Rule `tables`: the study's declared manuscript tables from its analysis results.

Each table is written as tidy CSV (numbers at full precision, the test and its
statistic beside each p), Markdown, LaTeX, Word and HTML (for the report).
"""

from pathlib import Path

import pandas as pd

from her2cohort.errors import StudyConfigError
from her2cohort.io import read_table, user_errors, write_table
from her2cohort.render.html import table_html
from her2cohort.render.layouts import LAYOUTS
from her2cohort.render.tables import to_docx, to_latex, to_markdown

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    stats = Path(smk.input.stats)
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)

    def read(analysis_id):
        path = stats / f"{analysis_id}.csv"
        if not path.exists():
            raise StudyConfigError(f"config/studies/{study['study']}.yaml: a table reads analysis {analysis_id!r}, which is not declared")
        # results write NA as an empty cell; "NA" in a cell is a level ("not assessed")
        return pd.read_csv(path, keep_default_na=False, na_values=[""])

    lines = []
    for spec in study.get("tables", []):
        try:
            display, tidy = LAYOUTS[spec["layout"]](read, spec)
        except (KeyError, ValueError) as err:
            raise StudyConfigError(f"config/studies/{study['study']}.yaml: table {spec['id']!r}: {err}") from None
        title, notes = spec.get("title", spec["id"]), spec.get("footnotes", [])
        write_table(tidy, out / f"{spec['id']}.csv")
        (out / f"{spec['id']}.md").write_text(f"**{title}**\n\n" + to_markdown(display) + "".join(f"\n{n}\n" for n in notes), encoding="utf-8")
        (out / f"{spec['id']}.tex").write_text(to_latex(display, caption=title, label=f"tab:{spec['id']}"), encoding="utf-8")
        to_docx(display, out / f"{spec['id']}.docx", title=title, footnotes=notes)
        (out / f"{spec['id']}.html").write_text(table_html(display, title, notes), encoding="utf-8")
        lines.append(f"{spec['id']}: {spec['layout']}, {len(display)} rows")
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
