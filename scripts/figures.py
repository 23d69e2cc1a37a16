"""Rule `figures`: the study's declared figures (PDF, SVG, 300 dpi PNG) and the data drawn in them."""

from pathlib import Path

import pandas as pd

from her2cohort.errors import StudyConfigError
from her2cohort.io import read_table, user_errors
from her2cohort.render.figure_catalogue import Sources, draw_figures

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    stats = Path(smk.input.stats)
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)

    def read(analysis_id):
        path = stats / f"{analysis_id}.csv"
        if not path.exists():
            raise StudyConfigError(f"config/studies/{study['study']}.yaml: a figure reads analysis {analysis_id!r}, which is not declared")
        # results write NA as an empty cell; "NA" in a cell is a level ("not assessed")
        return pd.read_csv(path, keep_default_na=False, na_values=[""])

    sources = Sources(
        read=read,
        analysis_set=read_table(smk.input.analysis_set),
        flow=read_table(smk.input.flow),
        treatment_lines=read_table(smk.input.treatment_lines),
    )
    where = f"config/studies/{study['study']}.yaml"
    lines = draw_figures(sources, study.get("figures", []), out, where)
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
