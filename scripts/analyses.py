"""Rule `analyses`: the analysis set -> one tidy CSV per declared analysis."""

from pathlib import Path

from her2cohort.analyses import run_analysis, study_column_problems
from her2cohort.errors import StudyConfigError
from her2cohort.io import read_table, user_errors, write_frame
from her2cohort.stats._result import StatisticsError

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    data = read_table(smk.input.analysis_set)
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)
    # read only when an analysis is declared on them (data: treatment_lines)
    treatment_lines = read_table(smk.input.treatment_lines) if any(a.get("data") == "treatment_lines" for a in study.get("analyses", [])) else None
    source = f"config/studies/{study['study']}.yaml"
    # every parameter naming no column, of every analysis, before any runs
    problems = study_column_problems(data, study.get("analyses", []), study.get("derive"), treatment_lines, source)
    if problems:
        raise StudyConfigError("\n".join(problems))
    lines = []
    results = {}  # each analysis's table, for a later one declared with data: results
    for index, analysis in enumerate(study.get("analyses", [])):
        try:
            result = run_analysis(data, analysis, study.get("derive"), treatment_lines=treatment_lines, source=source, key=f"analyses[{index}]", results=results)
        except StatisticsError as err:
            raise StudyConfigError(f"{source}: analysis {analysis['id']!r}: {err}") from None
        results[analysis["id"]] = result
        write_frame(result, out / f"{analysis['id']}.csv")  # the CSV, and the exact copy later stages read
        lines.append(f"{analysis['id']}: {analysis['type']}, {len(result)} rows")
        for variant in analysis.get("variants", {}):
            try:
                result = run_analysis(data, analysis, study.get("derive"), variant, treatment_lines, source, f"analyses[{index}]", results)
            except StatisticsError as err:
                raise StudyConfigError(f"{source}: analysis {analysis['id']!r} variant {variant!r}: {err}") from None
            write_frame(result, out / f"{analysis['id']}--{variant}.csv")
            lines.append(f"{analysis['id']}--{variant}: {analysis['type']}, {len(result)} rows")
    Path(smk.log[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
