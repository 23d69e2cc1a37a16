"""Reconstructed cohorts: synthetic patients built from a paper's published aggregates.

``python -m her2cohort.reconstruct [study ...]`` rebuilds ``data/raw/{study}/``
from ``data/reconstruction/{study}.yaml`` and ``data/published/{study}.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from her2cohort.reconstruct.published import input_numbers, load_published

ROOT = Path(__file__).resolve().parents[3]


def load_spec(study: str, root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "data" / "reconstruction" / f"{study}.yaml").read_text(encoding="utf-8"))


def reconstruct(study: str, root: Path = ROOT, published: dict | None = None) -> dict:
    """Build the raw tables of one study (from its spec and the input numbers only)."""
    from her2cohort.reconstruct.engine import build_cohort  # scipy: not for readers of published files

    spec = load_spec(study, root)
    published = published if published is not None else load_published(root / spec["published"])
    return build_cohort(spec, input_numbers(published))


def main(argv: list[str] | None = None) -> int:
    import sys

    from her2cohort.reconstruct.engine import write_cohort

    studies = argv if argv else sorted(p.stem for p in (ROOT / "data" / "reconstruction").glob("*.yaml"))
    for study in studies:
        tables = reconstruct(study)
        write_cohort(tables, ROOT / "data" / "raw" / study)
        sizes = ", ".join(f"{name} {len(t)}" for name, t in tables.items() if t is not None and not t.empty)
        print(f"data/raw/{study}: {sizes}", file=sys.stderr)
    return 0
