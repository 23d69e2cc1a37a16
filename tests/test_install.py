"""The library installed as a normal package (``pip install .``, not editable) runs the workflow.

Installed, the package's files sit in site-packages, far from the project: no
path may be computed from them (tests/test_config.py checks the source for
it; this test runs it). The test builds the wheel from a copy of
``pyproject.toml``, ``README.md`` and ``src/`` (offline: ``--no-index``,
``--no-build-isolation`` with the setuptools requirements.lock pins, which
builds wheels by itself), installs it with ``--no-deps`` into a fresh venv
whose only other packages are the project venv's (one line of a ``.pth`` file
puts its site-packages on the path; the ``.pth`` files in it, the editable
install's among them, are not processed), and runs the example study with that
venv's Snakemake in a scratch copy of the project without ``src/``, then the
replication audit of one published study (its schemas are the project's) and
the reconstruction command. Every output must equal those of the same runs with
the editable install. About 25 CPU-seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline_runs import copy_project, differences, outputs, snakemake

pytestmark = [pytest.mark.pipeline, pytest.mark.install]

#: What a wheel is built from (pyproject.toml names README.md as the long description).
PACKAGE_SOURCES = ("pyproject.toml", "README.md", "src")


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"$ {' '.join(map(str, command))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def build_wheel(target: Path) -> Path:
    """The package's wheel, built from a copy of its sources (the checkout gets no build/ folder)."""
    import shutil

    source = target / "source"
    source.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in PACKAGE_SOURCES:
        path = ROOT / name
        (shutil.copytree(path, source / name, ignore=ignore) if path.is_dir() else shutil.copy2(path, source / name))
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation", "--wheel-dir", target / "dist", source)
    (wheel,) = (target / "dist").glob("her2cohort-*.whl")
    return wheel


def installed_venv(target: Path, wheel: Path) -> Path:
    """A fresh venv with the wheel installed, and the project venv's packages (numpy, snakemake...) but not its her2cohort."""
    venv = target / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "project-venv.pth").write_text("".join(f"{path}\n" for path in ours), encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    return python


#: A published study whose audit is cheap (a case report): the replication job
#: reads the published-number and mapping schemas the workflow passes in.
AUDITED = "breast_her2_l755s_case"


def run_example_and_one_audit(project: Path, python: Path | None = None) -> list:
    """The example study's whole pipeline, then one study's replication audit
    (with ``python``: that interpreter's Snakemake, and no PYTHONPATH of the caller's)."""
    env = {"PYTHONPATH": ""} if python is not None else None  # empty: Python ignores it
    runs = [snakemake(project, python=python, env=env)]
    if runs[-1].ok:
        runs.append(snakemake(project, f"results/{AUDITED}/replication.csv", "--config", f"studies=[example,{AUDITED}]", python=python, env=env))
    return runs


def test_the_installed_package_runs_the_example_study_as_the_editable_one(tmp_path):
    python = installed_venv(tmp_path, build_wheel(tmp_path))
    project = copy_project(tmp_path / "installed", ["example"], leave_out=("src",))
    assert not (project / "src").exists()
    # the library Snakemake and its jobs import: the installed copy, not the checkout's src/
    where = _run(python, "-c", "import her2cohort; print(her2cohort.__file__)", cwd=project).strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where
    for run in run_example_and_one_audit(project, python):
        assert run.ok, run.output[-6000:]
    # the reconstruction command, given the project folder, rebuilds the committed cohort
    _run(python, "-m", "her2cohort.reconstruct", "--root", project, AUDITED, cwd=tmp_path)
    for path in sorted((ROOT / "data" / "raw" / AUDITED).glob("*.csv")):
        assert (project / "data" / "raw" / AUDITED / path.name).read_bytes() == path.read_bytes(), path.name

    editable = copy_project(tmp_path / "editable", ["example"])
    for run in run_example_and_one_audit(editable):
        assert run.ok, run.output[-6000:]
    expected, actual = outputs(editable), outputs(project)
    assert [p for p in expected if p.startswith("results/example/stats/") and p.endswith(".csv")], sorted(expected)
    assert f"results/{AUDITED}/replication.csv" in expected
    assert differences(expected, actual) == []
