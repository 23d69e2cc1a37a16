"""Reconstructed cohorts: synthetic patients built from a paper's published aggregates.

``python -m her2cohort.reconstruct [--root PROJECT] [study ...]`` rebuilds
``data/raw/{study}/`` from ``data/reconstruction/{study}.yaml`` and
``data/published/{study}.yaml``, all relative to the project folder ``--root``
(default: the current directory). The library never locates the project from
its own files: installed in site-packages, it has none to go by.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from her2cohort.published import load_published
from her2cohort.reconstruct.published import input_numbers

#: The schema of published-number files, relative to the project folder.
PUBLISHED_SCHEMA = Path("config") / "schemas" / "published.schema.yaml"


def load_spec(study: str, root: str | Path) -> dict:
    return yaml.safe_load((Path(root) / "data" / "reconstruction" / f"{study}.yaml").read_text(encoding="utf-8"))


def reconstruct(study: str, root: str | Path, published: dict | None = None) -> dict:
    """Build the raw tables of one study of the project ``root`` (from its spec and the input numbers only)."""
    from her2cohort.reconstruct.engine import build_cohort  # scipy: not for readers of published files

    root = Path(root)
    spec = load_spec(study, root)
    published = published if published is not None else load_published(root / spec["published"], root / PUBLISHED_SCHEMA)
    return build_cohort(spec, input_numbers(published))


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from her2cohort.reconstruct.engine import write_cohort

    parser = argparse.ArgumentParser(prog="python -m her2cohort.reconstruct", description="Rebuild the reconstructed cohorts data/raw/{study}/ of a project.")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project folder (default: the current directory)")
    parser.add_argument("studies", nargs="*", help="studies to rebuild (default: every data/reconstruction/*.yaml)")
    args = parser.parse_args(argv)
    root = args.root
    studies = args.studies or sorted(p.stem for p in (root / "data" / "reconstruction").glob("*.yaml"))
    if not studies:
        parser.error(f"no data/reconstruction/*.yaml under {root.resolve()}: is --root the project folder?")
    for study in studies:
        tables = reconstruct(study, root)
        write_cohort(tables, root / "data" / "raw" / study)
        sizes = ", ".join(f"{name} {len(t)}" for name, t in tables.items() if t is not None and not t.empty)
        print(f"data/raw/{study}: {sizes}", file=sys.stderr)
    return 0
