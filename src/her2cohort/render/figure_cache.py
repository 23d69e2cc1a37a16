"""A study's figures drawn again only when what they are drawn from changed.

The ``figures`` job writes every declared figure of a study (one Python start
and one import of matplotlib for all of them). Snakemake re-runs the job when
any figure's spec changes, and deletes its output folder first; without this
cache a style edit of one figure re-drew all of them (7.0 s for the gastric
HER2-loss study's seven, issue 18).

Each figure's files (``{id}.pdf``, ``.svg``, ``.png``, ``{id}_*.csv``) are kept
in a cache folder under a key that is the SHA-256 of everything they are drawn
from:

- the figure's spec (its YAML, as a canonical JSON) and the study file's name;
- the bytes of every input of the job (the analysis results, the analysis set,
  flow, treatment lines, classification: :func:`inputs_digest`), so a change of
  data re-draws every figure;
- the library's source (its checksum, given by the rule), Python's version,
  the versions of matplotlib, numpy, pandas and pyarrow, and matplotlib's
  settings (``rcParams``, which a ``matplotlibrc`` can change).

A figure whose key is in the cache is copied from it (each file checked against
the SHA-256 recorded when it was drawn; a damaged entry is drawn again); the
others are drawn by :func:`her2cohort.render.figures.draw.draw_figures`, each
alone, and stored. A figure drawn alone is byte-identical to the same figure
drawn among the others (``tests/test_figure_cache.py``). Only the newest entry
of each figure is kept. Entries are written into a temporary folder and renamed,
so a killed job leaves no half entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Mapping

from her2cohort.errors import StudyConfigError

MANIFEST = "manifest.json"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inputs_digest(paths: Iterable[str | Path]) -> str:
    """SHA-256 of the job's inputs: each file (a folder: each file inside it), by name and content."""
    digest = hashlib.sha256()
    for path in paths:
        path = Path(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.as_posix().encode() + b"\0" + file_digest(file).encode() + b"\0")
    return digest.hexdigest()


def environment_digest(library: str) -> str:
    """What drawing depends on besides the spec and the data: ``library`` (the checksum of the
    library's source, :func:`her2cohort.library_checksum`, the rule's ``library`` param),
    Python, the packages that draw, matplotlib's settings."""
    import matplotlib
    import numpy
    import pandas

    try:
        import pyarrow

        arrow = pyarrow.__version__
    except ImportError:  # pragma: no cover (a dependency)
        arrow = ""
    settings = sorted((key, repr(value)) for key, value in matplotlib.rcParams.items())
    parts = [library, platform.python_version(), matplotlib.__version__, numpy.__version__, pandas.__version__, arrow, repr(settings)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def figure_key(spec: Mapping, where: str, inputs: str, environment: str) -> str:
    text = json.dumps({"spec": spec, "where": where, "inputs": inputs, "environment": environment}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _restore(entry: Path, out: Path) -> str | None:
    """Copy a cached figure's files into ``out``; its log line, or None if the entry is damaged."""
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        for name, digest in manifest["files"].items():
            if file_digest(entry / name) != digest:
                return None
    except (OSError, ValueError, KeyError):
        return None
    for name in manifest["files"]:
        shutil.copyfile(entry / name, out / name)
    return manifest["line"]


def _store(cache: Path, figure_id: str, key: str, drawn: Path, line: str) -> None:
    """Keep the files of ``drawn`` (one figure's) as ``cache/{figure_id}/{key}``, the only entry of that figure."""
    folder = cache / "entries" / figure_id
    folder.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=folder, prefix=".partial-"))
    try:
        files = {}
        for path in sorted(drawn.iterdir()):
            shutil.copyfile(path, partial / path.name)
            files[path.name] = file_digest(partial / path.name)
        (partial / MANIFEST).write_text(json.dumps({"line": line, "files": files}, sort_keys=True, indent=1), encoding="utf-8")
        for old in folder.iterdir():
            if old != partial:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(partial, folder / key)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def draw_cached(
    draw: Callable[[list[Mapping], Path], list[str]],
    specs: list[Mapping],
    out: str | Path,
    where: str,
    inputs: str,
    cache: str | Path | None,
    environment: str = "",
) -> tuple[list[str], list[str]]:
    """Write every figure of ``specs`` under ``out``: from the cache when its key is there,
    else by ``draw(specs, folder)`` (the figures job's drawing, e.g. ``draw_figures`` with
    its sources bound), each figure alone. Returns the log lines (one per figure, in
    spec order, as drawing returns them) and the ids of the figures drawn. ``environment``:
    :func:`environment_digest`.

    A spec that does not fit its data is an error naming the figure, as without the
    cache; the problems of every figure drawn are listed together. ``cache=None``
    draws everything (no cache)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if cache is None:
        return draw(specs, out), [spec["id"] for spec in specs]
    cache = Path(cache)
    # figures are drawn in a scratch folder of the cache, outside the job's output: a
    # killed job leaves nothing beside its results (the next job clears it)
    scratch_root = cache / ".drawing"
    shutil.rmtree(scratch_root, ignore_errors=True)
    scratch_root.mkdir(parents=True, exist_ok=True)
    lines: dict[str, str] = {}
    drawn_ids, problems = [], []
    by_id = {spec["id"]: spec for spec in specs}
    for spec in specs:
        # a multi-panel figure is drawn from its panels' specs too: they are part of its key
        panels = [by_id.get(name) for name in spec.get("panels", []) if isinstance(name, str)] if spec.get("type") == "multi_panel" else []
        key = figure_key({**spec, "panel_specs": panels} if panels else spec, where, inputs, environment)
        entry = cache / "entries" / spec["id"] / key
        line = _restore(entry, out) if entry.is_dir() else None
        if line is not None:
            lines[spec["id"]] = line
            continue
        with tempfile.TemporaryDirectory(dir=scratch_root) as scratch:
            folder = Path(scratch)
            try:
                [line] = draw([spec], folder)
            except StudyConfigError as err:
                problems.append(str(err))
                continue
            for path in sorted(folder.iterdir()):
                shutil.copyfile(path, out / path.name)
            with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
                _store(cache, spec["id"], key, folder, line)
        lines[spec["id"]] = line
        drawn_ids.append(spec["id"])
    shutil.rmtree(scratch_root, ignore_errors=True)
    if problems:
        raise StudyConfigError("\n".join(problems))
    return [lines[spec["id"]] for spec in specs], drawn_ids
