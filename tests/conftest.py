"""Shared fixtures: the hand-written example cohort, copied so tests can corrupt it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from her2cohort import config as config_io

# Whole-pipeline scenarios of the robustness tests, started in the background
# once collection ends (tests/pipeline_runs.py).
pytest_plugins = ["pipeline_runs"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_RAW = ROOT / "data" / "raw" / "example"
EXAMPLE_STUDY = ROOT / "config" / "studies" / "example.yaml"
#: The project's schemas (config/schemas/ is their only copy): the library is
#: given them, as the workflow gives them, and knows no project layout.
SCHEMAS = ROOT / "config" / "schemas"


def load_study(path: str | Path, verified: str | Path | None = None) -> dict:
    """A study file read as the workflow reads it: this project's schema, raw_dir relative to ROOT,
    its analyses checked against the catalogue."""
    from her2cohort import library_checksum
    from her2cohort.analyses import analysis_problems

    return config_io.load_study(path, SCHEMAS / "study.schema.yaml", ROOT, analysis_problems, verified=verified, library=library_checksum())


def load_published(path: str | Path) -> dict:
    """A published-number file checked against this project's schema."""
    from her2cohort.published import load_published as load

    return load(path, SCHEMAS / "published.schema.yaml")


def load_mapping(path: str | Path, published: dict) -> dict:
    """A replication mapping checked against this project's schema and its published file."""
    from her2cohort.replication import load_mapping as load

    return load(path, published, SCHEMAS / "replication.schema.yaml")


@pytest.fixture
def study() -> dict:
    return load_study(EXAMPLE_STUDY)


@pytest.fixture
def cohort_dir(tmp_path: Path) -> Path:
    """A fresh copy of the example cohort's raw folder."""
    target = tmp_path / "raw"
    shutil.copytree(EXAMPLE_RAW, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:  # a byte-order mark is not part of the header
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set the cell at a file line (header = line 1) and column name."""
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


# ----------------------------------------------------------------- whole pipeline

@pytest.fixture(scope="session")
def pipeline_run(pipeline_runs) -> Path:
    """The whole pipeline (every study of config/config.yaml) run once in a scratch copy;
    tests read its results/. It is the ``reference`` scenario of tests/pipeline_runs.py
    (the determinism and privacy tests read the same run): one full run, not two."""
    reference = pipeline_runs.result("reference")
    assert reference.last.ok, reference.transcript()
    return reference.project


def example_project(target: Path) -> Path:
    """The workflow files and the example cohort in ``target``, with config/config.yaml listing only `example`."""
    import yaml

    for name in ("Snakefile", "config", "workflow", "scripts", "environment.yml"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target / name)
    shutil.copytree(EXAMPLE_RAW, target / "data" / "raw" / "example")
    (target / "config" / "config.yaml").write_text(yaml.safe_dump({"studies": ["example"]}))
    return target



@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test drew (matplotlib keeps every pyplot figure open until closed)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
