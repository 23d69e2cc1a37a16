"""The project's own setup: lock file, conda environment, README, data dictionary."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT
from her2cohort.rawdata import data_dictionary_markdown


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_normalise(name)] = version
    return pins


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for item in dep["pip"]:
                if "==" in item:
                    name, version = item.split("==")
                    pins[_normalise(name)] = version
        elif "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=")
            pins[_normalise(name)] = version
    return pins


def test_environment_yml_pins_the_lock_file_versions():
    lock, env = lock_pins(), environment_pins()
    assert env, "environment.yml lists no pinned packages"
    mismatched = {name: (version, lock.get(name)) for name, version in env.items() if lock.get(name) != version}
    assert mismatched == {}


def test_every_declared_dependency_is_in_the_lock_file_and_environment():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    names = {_normalise(re.split(r"[<>=\[ ]", dep)[0]) for dep in declared}
    assert names - set(lock_pins()) == set()
    assert names - set(environment_pins()) == set()


def test_the_lock_pins_a_setuptools_that_builds_wheels_offline():
    # tests/test_install.py builds the wheel without build isolation and without
    # an index: setuptools >= 70.1 has bdist_wheel itself (no `wheel` package)
    version = tuple(int(part) for part in lock_pins()["setuptools"].split(".")[:2])
    assert version >= (70, 1)
    assert "setuptools>=70.1" in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]


def test_readme_quick_start_is_make_run_and_make_test():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(?:\$ )?(make \w+)$", quick, flags=re.MULTILINE)
    assert commands == ["make run", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_data_dictionary_matches_the_column_specifications():
    readme = (ROOT / "data" / "README.md").read_text()
    assert data_dictionary_markdown() in readme
