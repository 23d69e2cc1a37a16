"""Cluster execution: the SLURM workflow profile and the results comparison of `make slurm-check`.

The check itself (cluster/slurm_local.sh: a real one-node Slurm, the whole pipeline
through the slurm executor and locally) needs root and takes minutes, so it is a
Makefile target, not a test; docs/cluster.md quotes its output. These tests cover
what can go wrong without a cluster: the comparison logic, and the profile
reaching the jobs with the intended resources.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from conftest import example_project as copy_example_project

PROFILE = ROOT / "workflow" / "profiles" / "slurm" / "config.yaml"
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

_spec = importlib.util.spec_from_file_location("compare_results", ROOT / "cluster" / "compare_results.py")
compare_results = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = compare_results  # dataclasses resolve annotations through it
_spec.loader.exec_module(compare_results)

BENCHMARK = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return root


def _results(tmp_path: Path, **overrides: str | bytes | None) -> tuple[Path, Path]:
    """Two results trees, equal but for the files given (None: file absent on the right)."""
    base = {
        "example/analysis_set.csv": "patient_key,her2_status\nP001,positive\n",
        "example/tables/table1.docx": b"PK\x03\x04binary",
        "benchmarks/example/clean.tsv": BENCHMARK + "1.2\t0:00:01\t97.6\t1\t1\t1\t0\t0\t50\t1.1\n",
    }
    right = {**base, **overrides}
    right = {name: content for name, content in right.items() if content is not None}
    return _tree(tmp_path / "expected", base), _tree(tmp_path / "actual", right)


def test_identical_trees_agree_and_benchmarks_are_counted_apart(tmp_path):
    result = compare_results.compare_trees(*_results(tmp_path))
    assert result.ok
    assert result.identical == ["example/analysis_set.csv", "example/tables/table1.docx"]
    assert result.benchmarks == ["benchmarks/example/clean.tsv"]


def test_one_changed_byte_is_a_difference(tmp_path):
    result = compare_results.compare_trees(
        *_results(tmp_path, **{"example/tables/table1.docx": b"PK\x03\x04binarz"})
    )
    assert not result.ok
    assert result.differing == ["example/tables/table1.docx"]


def test_benchmark_timings_are_not_compared_but_their_columns_and_rows_are(tmp_path):
    other_timing = BENCHMARK + "9.9\t0:00:09\t120.0\t2\t2\t2\t1\t1\t90\t8.0\n"
    result = compare_results.compare_trees(*_results(tmp_path, **{"benchmarks/example/clean.tsv": other_timing}))
    assert result.ok and result.benchmarks == ["benchmarks/example/clean.tsv"]

    two_rows = other_timing + "9.9\t0:00:09\t120.0\t2\t2\t2\t1\t1\t90\t8.0\n"
    result = compare_results.compare_trees(*_results(tmp_path / "rows", **{"benchmarks/example/clean.tsv": two_rows}))
    assert result.differing == ["benchmarks/example/clean.tsv"]


def test_a_csv_that_only_looks_like_timings_is_compared_byte_for_byte(tmp_path):
    # Only a Snakemake benchmark header exempts a file; any other .tsv is output.
    tsv = "term\testimate\nage\t1.5\n"
    expected = _tree(tmp_path / "expected", {"example/stats/model.tsv": tsv})
    actual = _tree(tmp_path / "actual", {"example/stats/model.tsv": tsv.replace("1.5", "1.6")})
    assert compare_results.compare_trees(expected, actual).differing == ["example/stats/model.tsv"]


def test_logs_need_only_exist_on_both_sides(tmp_path):
    expected = _tree(tmp_path / "expected", {"example/run.log": "took 1.2 s on node a\n"})
    actual = _tree(tmp_path / "actual", {"example/run.log": "took 7.9 s on node b\n"})
    result = compare_results.compare_trees(expected, actual)
    assert result.ok and result.logs == ["example/run.log"]


def test_missing_and_extra_files_fail(tmp_path):
    expected, actual = _results(tmp_path, **{"example/analysis_set.csv": None, "example/extra.csv": "x\n"})
    result = compare_results.compare_trees(expected, actual)
    assert not result.ok
    assert result.only_expected == ["example/analysis_set.csv"]
    assert result.only_actual == ["example/extra.csv"]


def test_two_empty_trees_do_not_pass(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert not compare_results.compare_trees(tmp_path / "a", tmp_path / "b").ok


def test_command_line_exit_status_and_report(tmp_path, capsys):
    expected, actual = _results(tmp_path, **{"example/analysis_set.csv": "patient_key\nP002\n"})
    assert compare_results.main([str(expected), str(actual)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS        example/analysis_set.csv" in out
    assert "3 files in both, 1 byte-identical, 1 benchmark tables" in out
    assert compare_results.main([str(expected), str(expected)]) == 0
    assert compare_results.main([str(expected), str(tmp_path / "nowhere")]) == 2


def _profile(monkeypatch, **environment: str) -> dict:
    """The profile as Snakemake reads it (YTE template evaluated), under the given environment."""
    from snakemake.profiles import ProfileConfigFileParser

    for name in ("SBATCH_ACCOUNT", "SBATCH_PARTITION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with open(PROFILE) as stream:
        return dict(ProfileConfigFileParser().parse(stream))


def test_profile_submits_with_slurm_and_requests_memory_and_time(monkeypatch):
    profile = _profile(monkeypatch)
    assert profile["executor"] == "slurm"
    assert int(profile["jobs"]) > 1 and int(profile["latency-wait"]) >= 30
    assert profile["default-resources"] == ["mem_mb=1024", "runtime=15"]


def test_account_and_partition_come_from_the_sbatch_environment(monkeypatch):
    # Quoted, so that an account named like a Python name (e.g. `max`) stays a string.
    profile = _profile(monkeypatch, SBATCH_ACCOUNT="max", SBATCH_PARTITION="short-2h")
    assert profile["default-resources"] == ["mem_mb=1024", "runtime=15", "slurm_account='max'", "slurm_partition='short-2h'"]


def _workflow_rules() -> set[str]:
    sources = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    return {name for path in sources for name in re.findall(r"^(?:rule|checkpoint) (\w+):", path.read_text(), re.MULTILINE)}


def test_per_rule_resources_name_rules_of_the_workflow():
    # Snakemake silently ignores set-resources for a rule that does not exist.
    set_resources = yaml.safe_load(PROFILE.read_text())["set-resources"]
    assert set(set_resources) <= _workflow_rules(), set(set_resources) - _workflow_rules()


@pytest.fixture(scope="module")
def example_project(tmp_path_factory) -> Path:
    return copy_example_project(tmp_path_factory.mktemp("slurm_project"))


def test_dry_run_gives_each_job_the_profile_resources(example_project, monkeypatch):
    monkeypatch.setenv("SBATCH_ACCOUNT", "onc_her2")
    run = subprocess.run(
        [str(SNAKEMAKE), "--workflow-profile", "workflow/profiles/slurm", "--dry-run"],
        cwd=example_project, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    jobs = dict(re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    resources: (.*)$", run.stdout, re.MULTILINE))
    resources = {rule: dict(item.split("=", 1) for item in line.split(", ")) for rule, line in jobs.items()}
    assert {"clean", "classify", "analyses"} <= set(resources)
    assert resources["clean"]["mem_mb"] == "1024" and resources["clean"]["runtime"] == "15"
    assert resources["analyses"]["mem_mb"] == "2048" and resources["analyses"]["runtime"] == "30"
    assert all(job["slurm_account"] == "onc_her2" for job in resources.values())


def test_check_script_is_valid_bash():
    assert subprocess.run(["bash", "-n", str(ROOT / "cluster" / "slurm_local.sh")]).returncode == 0
