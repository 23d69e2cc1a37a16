"""Reconstructed cohorts: synthetic patients built from a paper's published aggregates.

``python -m her2cohort.reconstruct [--root PROJECT] [study ...]`` rebuilds
``data/raw/{study}/`` from ``data/reconstruction/{study}.yaml`` and
``data/published/{study}.yaml``, all relative to the project folder ``--root``
(default: the current directory). The library never locates the project from
its own files: installed in site-packages, it has none to go by.

Another cohort of a design (to validate the design on, ``extends:`` in a study
file): a spec ``data/reconstruction/{new}.yaml`` holding only ``study``,
``extends: {design}`` (the spec whose steps are drawn), ``seed`` and ``size``
(patients in the registry export) is rebuilt with the others into
``data/raw/{new}/``; or, once, ``python -m her2cohort.reconstruct --seed S
--size N --out DIR {design}`` (see :func:`her2cohort.reconstruct.engine.build_cohort`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from her2cohort.published import load_published
from her2cohort.reconstruct.published import input_numbers

#: The schema of published-number files, relative to the project folder.
PUBLISHED_SCHEMA = Path("config") / "schemas" / "published.schema.yaml"


#: The keys of a spec that draws another cohort of a design's spec.
DRAW_KEYS = {"study", "extends", "seed", "size"}


def load_spec(study: str, root: str | Path) -> dict:
    """The reconstruction spec of ``study``; a spec with ``extends: {design}`` is the design's
    spec with its own ``study``, ``seed`` and ``size`` (and ``extends`` kept)."""
    folder = Path(root) / "data" / "reconstruction"
    spec = yaml.safe_load((folder / f"{study}.yaml").read_text(encoding="utf-8"))
    if "extends" not in spec:
        return spec
    where = f"data/reconstruction/{study}.yaml"
    if set(spec) - DRAW_KEYS or not {"extends", "seed"} <= set(spec):
        raise ValueError(f"{where}: a spec that extends another holds only {', '.join(sorted(DRAW_KEYS))} (extends and seed required), got {', '.join(sorted(spec))}")
    design_path = folder / f"{spec['extends']}.yaml"
    if not design_path.is_file():
        raise ValueError(f"{where}: at key 'extends': no spec {design_path}")
    design = yaml.safe_load(design_path.read_text(encoding="utf-8"))
    if "extends" in design:
        raise ValueError(f"{where}: at key 'extends': {design_path} extends {design['extends']!r} in turn; extend a spec with steps (no chains)")
    return {**design, **spec}


def reconstruct(study: str, root: str | Path, published: dict | None = None, seed: int | None = None, size: int | None = None) -> dict:
    """Build the raw tables of one study of the project ``root`` (from its spec and the input numbers only).

    ``seed`` and ``size`` replace the spec's (:func:`her2cohort.reconstruct.engine.build_cohort`)."""
    from her2cohort.reconstruct.engine import build_cohort  # scipy: not for readers of published files

    root = Path(root)
    spec = load_spec(study, root)
    published = published if published is not None else load_published(root / spec["published"], root / PUBLISHED_SCHEMA)
    return build_cohort(spec, input_numbers(published), seed if seed is not None else spec.get("seed"), size if size is not None else spec.get("size"))


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from her2cohort.reconstruct.engine import write_cohort

    parser = argparse.ArgumentParser(prog="python -m her2cohort.reconstruct", description="Rebuild the reconstructed cohorts data/raw/{study}/ of a project.")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project folder (default: the current directory)")
    parser.add_argument("studies", nargs="*", help="studies to rebuild (default: every data/reconstruction/*.yaml)")
    parser.add_argument("--seed", type=int, help="another cohort of one study's design: the generator's seed instead of the spec's (with --out)")
    parser.add_argument("--size", type=int, help="another cohort of one study's design: patients in the registry export instead of the paper's (with --out)")
    parser.add_argument("--out", type=Path, help="the folder to write one study's cohort to, instead of data/raw/{study}/ (relative to the current directory)")
    args = parser.parse_args(argv)
    root = args.root
    if (args.seed is not None or args.size is not None) and args.out is None:
        parser.error("--seed and --size draw another cohort: give --out, the folder to write it to (data/raw/{study}/ is the bundled cohort)")
    if args.out is not None and len(args.studies) != 1:
        parser.error("--out writes one cohort: name exactly one study")
    studies = args.studies or sorted(p.stem for p in (root / "data" / "reconstruction").glob("*.yaml"))
    if not studies:
        parser.error(f"no data/reconstruction/*.yaml under {root.resolve()}: is --root the project folder?")
    for study in studies:
        tables = reconstruct(study, root, seed=args.seed, size=args.size)
        target = args.out if args.out is not None else root / "data" / "raw" / study
        write_cohort(tables, target)
        sizes = ", ".join(f"{name} {len(t)}" for name, t in tables.items() if t is not None and not t.empty)
        print(f"{target if args.out is not None else f'data/raw/{study}'}: {sizes}", file=sys.stderr)
    return 0
