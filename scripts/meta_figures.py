"""Rule `meta_figures`: the figures a meta-analysis declares (PDF, SVG, 300 dpi PNG), the data
drawn in them, every number they print and every text they draw (as the study figures)."""

from pathlib import Path

from her2cohort.io import user_errors
from her2cohort.render.figures.draw import Sources, draw_figures
from her2cohort.results import Results

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    meta = smk.params.meta
    where = f"config/meta/{meta['meta']}.yaml"
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)
    lines = draw_figures(Sources(results=Results(Path(smk.input.stats), where=where)), meta.get("figures", []), out, where)
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
