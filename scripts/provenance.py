"""Rule `provenance`: input checksums, configuration, software versions and code revision."""

import json
from pathlib import Path

from her2cohort.io import user_errors
from her2cohort.provenance import provenance, provenance_html

smk = snakemake  # noqa: F821 (injected by Snakemake)

with user_errors(smk.log[0]):
    record = provenance(list(smk.input.raw) + list(smk.input.config), smk.config, smk.params.revision)
    Path(smk.output.json).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    Path(smk.output.html).write_text(provenance_html(record), encoding="utf-8")
    Path(smk.log[0]).write_text(f"{len(record['files'])} input files checksummed\n", encoding="utf-8")
