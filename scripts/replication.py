"""Rule `replication`: the published numbers of a study beside the pipeline's, and the paper's internal checks."""

from pathlib import Path

from her2cohort.io import read_table, user_errors, write_frame
from her2cohort.published import load_published
from her2cohort.replication import audit, consistency_checks, load_mapping
from her2cohort.replication.audit import same_quantity_groups
from her2cohort.replication.selectors import tables as result_tables
from her2cohort.thresholds import guideline_thresholds

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    try:
        published = load_published(smk.input.published, smk.input.published_schema)
        mapping = load_mapping(smk.input.mapping, published, smk.input.mapping_schema)
    except ValueError as err:
        from her2cohort.errors import StudyConfigError

        raise StudyConfigError(str(err)) from None
    tables = result_tables(Path(smk.input.stats), flow=read_table(smk.input.flow), guideline=guideline_thresholds(study["her2_guideline"]))
    checks = consistency_checks(study["study"], published["numbers"], mapping.get("consistency"), same_quantity_groups(mapping))
    variants = {analysis["id"]: analysis.get("variants", {}) for analysis in study.get("analyses", [])}
    try:
        report = audit(study["study"], published, mapping, tables, checks, variants, smk.params.shown_in)
    except ValueError as err:
        from her2cohort.errors import StudyConfigError

        raise StudyConfigError(str(err)) from None
    write_frame(report, smk.output.replication, smk.output.replication_exact)  # the CSV, and the exact copy the summary reads
    write_frame(checks, smk.output.consistency, smk.output.consistency_exact)
    counts = report["status"].value_counts().to_dict()
    Path(smk.log[0]).write_text(f"{study['study']}: {len(report)} published numbers: {counts}\n", encoding="utf-8")
