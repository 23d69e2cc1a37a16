"""Provenance of a run: what went in and what computed it (for the HTML report).

Input checksums (SHA-256 of every raw and configuration file), the
configuration as read, Python and package versions, and the code revision.
Nothing time-dependent (no run date), so the same inputs and code give the
same record; no patient data (files are named and hashed, never read into it).
"""

from __future__ import annotations

import hashlib
import html
import platform
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping

from her2cohort.render.html import page

#: the packages whose versions decide the numbers and the files
PACKAGES = ("her2cohort", "numpy", "pandas", "scipy", "lifelines", "statsmodels", "scikit-learn", "matplotlib", "pandera", "firthmodels", "python-docx", "snakemake", "pyyaml")


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(files: Iterable[str | Path], config: Mapping, revision: str) -> dict:
    return {
        "files": {str(path): sha256(path) for path in sorted(set(map(str, files)))},
        "config": dict(config),
        "python": platform.python_version(),
        "packages": package_versions(),
        "code_revision": revision,
    }


def provenance_html(record: Mapping) -> str:
    def table(rows, headers):
        head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td><code>{html.escape(str(c))}</code></td>" for c in row) + "</tr>\n" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"

    parts = [
        "<h1>Provenance</h1>",
        f"<p>Code revision: <code>{html.escape(record['code_revision'])}</code>; Python {html.escape(record['python'])}.</p>",
        "<h2>Input files (SHA-256)</h2>",
        table(record["files"].items(), ["file", "sha256"]),
        "<h2>Packages</h2>",
        table(record["packages"].items(), ["package", "version"]),
        "<h2>Configuration</h2>",
        table(((k, v) for k, v in sorted(record["config"].items())), ["key", "value"]),
    ]
    return page("\n".join(parts), "Provenance")
