"""Rule `figures`: the study's declared figures (PDF, SVG, 300 dpi PNG), the data drawn in them,
every number they print (``{id}_numbers.csv``) and every text they draw (``{id}_texts.csv``).
A figure whose spec, inputs and library are unchanged is copied from the cache (her2cohort.render.figure_cache)."""

import sys
from pathlib import Path

from her2cohort.io import read_table, user_errors
from her2cohort.render.figure_cache import draw_cached, environment_digest, inputs_digest
from her2cohort.render.figures.draw import Sources, draw_figures
from her2cohort.results import Results

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    where = f"config/studies/{study['study']}.yaml"
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)

    sources = Sources(
        results=Results(Path(smk.input.stats), where=where),
        analysis_set=read_table(smk.input.analysis_set),
        flow=read_table(smk.input.flow),
        treatment_lines=read_table(smk.input.treatment_lines),
        classification=read_table(smk.input.classification),
    )
    cache = Path(".snakemake/her2cohort/figures") / study["study"]
    inputs = inputs_digest(smk.input[name] for name in ("stats", "analysis_set", "flow", "treatment_lines", "classification"))
    declared = {spec["id"]: spec for spec in study.get("figures", [])}  # the panels of a multi-panel figure
    draw = lambda specs, folder: draw_figures(sources, specs, folder, where, declared)  # noqa: E731
    lines, drawn = draw_cached(draw, study.get("figures", []), out, where, inputs, cache, environment_digest(smk.params.library))
    unchanged = len(lines) - len(drawn)
    print(f"{study['study']}: {len(drawn)} of {len(lines)} figures drawn" + (f", {unchanged} unchanged copied from the cache" if unchanged else ""), file=sys.stderr)
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
