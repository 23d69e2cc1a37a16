"""Rule `meta_analysis`: a literature table -> literature.csv and one tidy CSV per declared analysis."""

from pathlib import Path

from her2cohort.analyses import run_analysis
from her2cohort.errors import StudyConfigError
from her2cohort.io import user_errors, write_table
from her2cohort.literature import literature_table, load_literature
from her2cohort.results import Results
from her2cohort.stats._result import StatisticsError

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    meta = smk.params.meta
    source = f"config/meta/{meta['meta']}.yaml"
    try:
        results = {study: Results(stats, where=f"results/{study}/stats") for study, stats in zip(meta["studies"], smk.input.studies)}
        table = literature_table(load_literature(smk.input.literature, smk.input.schema), results, smk.input.literature)
    except ValueError as err:  # checked when the workflow loads; edited since: say so, no stack
        raise StudyConfigError(str(err)) from None
    write_table(table, smk.output.literature)
    out = Path(smk.output.stats)
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"{smk.input.literature}: {len(table)} cohorts, {int(table['pool'].sum())} pooled"]
    lines += [f"{row.id}: {row.events}/{row.n} from {row.counts_from}; {row.note}" for row in table.itertuples() if row.note]
    results = {}
    for index, analysis in enumerate(meta["analyses"]):
        for variant in (None, *analysis.get("variants", {})):
            name = analysis["id"] + (f"--{variant}" if variant else "")
            try:
                result = run_analysis(table, analysis, None, variant, source=source, key=f"analyses[{index}]", results=results)
            except StatisticsError as err:
                raise StudyConfigError(f"{source}: analysis {name!r}: {err}") from None
            if variant is None:
                results[analysis["id"]] = result
            write_table(result, out / f"{name}.csv")
            lines.append(f"{name}: {analysis['type']}, {len(result)} rows")
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
