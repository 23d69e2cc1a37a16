"""Rule `validation`: a published design applied to this cohort, each finding of the paper beside the cohort's.

The study `extends` a design (her2cohort.config.resolve_design); its `validation`
names the design's published numbers and replication mapping, which say where
each printed number is in the results (her2cohort.validation).
"""

from pathlib import Path

from her2cohort.errors import StudyConfigError
from her2cohort.io import user_errors, write_table, write_text
from her2cohort.published import load_published
from her2cohort.replication import load_mapping
from her2cohort.results import Results
from her2cohort.validation import validation_markdown, validation_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    study = smk.params.study
    design = study["validation"]["design"]
    try:
        published = load_published(smk.input.published, smk.input.published_schema)
        mapping = load_mapping(smk.input.mapping, published, smk.input.mapping_schema)
    except ValueError as err:
        raise StudyConfigError(str(err)) from None
    types = {analysis["id"]: analysis["type"] for analysis in study.get("analyses", [])}
    results = Results(Path(smk.input.stats), where=f"config/studies/{study['study']}.yaml")
    frame = validation_table(study["study"], design, published, mapping, types, results)
    markdown, printed = validation_markdown(frame, published, mapping, types)
    write_table(frame, smk.output.csv)
    write_text(smk.output.markdown, markdown)
    write_table(printed.frame(), smk.output.numbers)
    counts = frame["verdict"].value_counts().to_dict()
    write_text(smk.log[0], f"{study['study']}: {len(frame)} findings of {design}'s paper: {counts}\n")
