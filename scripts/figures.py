"""Rule `figures`: the study's declared figures (PDF, SVG, 300 dpi PNG) and the data drawn in them."""

from pathlib import Path

from her2cohort.errors import StudyConfigError
from her2cohort.io import read_table, user_errors
from her2cohort.render.figure_catalogue import Sources, draw_figures
from her2cohort.results import Results

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    stats = Path(smk.input.stats)
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)

    results = Results(stats, where=f"config/studies/{study['study']}.yaml")
    sources = Sources(
        read=results.table,
        analysis_set=read_table(smk.input.analysis_set),
        flow=read_table(smk.input.flow),
        treatment_lines=read_table(smk.input.treatment_lines),
    )
    where = f"config/studies/{study['study']}.yaml"
    lines = draw_figures(sources, study.get("figures", []), out, where)
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
