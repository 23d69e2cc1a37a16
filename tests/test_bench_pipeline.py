"""The pure helpers of benchmarks/pipeline.py: which jobs a Snakemake run ran, and the scratch edits.

The benchmark itself (whole pipeline runs, timed) runs on demand with `make
bench-pipeline`; these tests never run Snakemake and never time anything. The
samples are Snakemake 9.27's output of the benchmark's raw-data change and
no-op runs, with the long input/output lines shortened.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest
import yaml

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("bench_pipeline", ROOT / "benchmarks" / "pipeline.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses resolve annotations through it
sys.path.insert(0, str(ROOT / "benchmarks"))  # its `from common import ...`
try:
    _spec.loader.exec_module(bench)
finally:
    sys.path.remove(str(ROOT / "benchmarks"))

RAW_CHANGE = """\
Building DAG of jobs...
Using shell: /usr/bin/bash
Provided cores: 2
Rules claiming more threads will be scaled down.
Conda environments: ignored
Job stats:
job                    count
-------------------  -------
clean                      1
provenance                 1
classify                   1
figures                    1
tables                     1
replication_summary        1
all                        1
total                      7

Select jobs to execute...
Execute 2 jobs...

[Wed Dec  2 00:58:29 2026]
localrule clean:
    input: data/raw/gastric_her2_loss/patients.csv, config/studies/gastric_her2_loss.yaml
    output: results/gastric_her2_loss/clean/patients.csv
    log: logs/gastric_her2_loss/clean.log
    jobid: 4
    benchmark: results/benchmarks/gastric_her2_loss/clean.tsv
    reason: Updated input files: data/raw/gastric_her2_loss/patients.csv
    wildcards: study=gastric_her2_loss
    resources: tmpdir=/tmp
Shell command: None

[Wed Dec  2 00:58:29 2026]
localrule provenance:
    input: data/raw/example/patients.csv, config/config.yaml
    output: results/provenance.json, results/provenance.html
    log: logs/provenance.log
    jobid: 35
    benchmark: results/benchmarks/provenance.tsv
    reason: Updated input files: data/raw/gastric_her2_loss/patients.csv
    resources: tmpdir=/tmp
Shell command: None
[Wed Dec  2 00:58:31 2026]
Finished jobid: 35 (Rule: provenance)
1 of 7 steps (14%) done
[Wed Dec  2 00:58:32 2026]
Finished jobid: 4 (Rule: clean)
2 of 7 steps (29%) done
Select jobs to execute...
Execute 1 jobs...

[Wed Dec  2 00:58:32 2026]
localrule classify:
    input: results/gastric_her2_loss/clean/patients.csv
    output: results/gastric_her2_loss/analysis_set.csv
    log: logs/gastric_her2_loss/classify.log
    jobid: 3
    benchmark: results/benchmarks/gastric_her2_loss/classify.tsv
    reason: Input files updated by another job: results/gastric_her2_loss/clean/patients.csv
    wildcards: study=gastric_her2_loss
    resources: tmpdir=/tmp
Shell command: None
[Wed Dec  2 00:58:33 2026]
Finished jobid: 3 (Rule: classify)
3 of 7 steps (43%) done
Select jobs to execute...
Execute 2 jobs...

[Wed Dec  2 00:58:47 2026]
localrule figures:
    input: results/gastric_her2_loss/analysis_set.csv
    output: results/gastric_her2_loss/figures
    log: logs/gastric_her2_loss/figures.log
    jobid: 24
    benchmark: results/benchmarks/gastric_her2_loss/figures.tsv
    reason: Input files updated by another job: results/gastric_her2_loss/analysis_set.csv
    wildcards: study=gastric_her2_loss
    resources: tmpdir=/tmp
Shell command: None

[Wed Dec  2 00:58:47 2026]
localrule tables:
    input: results/gastric_her2_loss/analysis_set.csv
    output: results/gastric_her2_loss/tables
    log: logs/gastric_her2_loss/tables.log
    jobid: 19
    benchmark: results/benchmarks/gastric_her2_loss/tables.tsv
    reason: Input files updated by another job: results/gastric_her2_loss/analysis_set.csv
    wildcards: study=gastric_her2_loss
    resources: tmpdir=/tmp
Shell command: None
Select jobs to execute...
[Wed Dec  2 00:58:53 2026]
Finished jobid: 19 (Rule: tables)
4 of 7 steps (57%) done
Execute 1 jobs...

[Wed Dec  2 00:58:58 2026]
localrule replication_summary:
    input: results/gastric_her2_loss/replication.csv
    output: results/replication.csv, results/replication.md
    log: logs/replication_summary.log
    jobid: 29
    benchmark: results/benchmarks/replication_summary.tsv
    reason: Input files updated by another job: results/gastric_her2_loss/replication.csv
    resources: tmpdir=/tmp
Shell command: None
[Wed Dec  2 00:59:02 2026]
Finished jobid: 29 (Rule: replication_summary)
5 of 7 steps (71%) done
[Wed Dec  2 00:59:04 2026]
Finished jobid: 24 (Rule: figures)
6 of 7 steps (86%) done
Select jobs to execute...
Execute 1 jobs...

[Wed Dec  2 00:59:04 2026]
localrule all:
    input: results/example/analysis_set.csv, results/provenance.html
    jobid: 0
    reason: Input files updated by another job: results/provenance.html
    resources: tmpdir=/tmp
Shell command: None
[Wed Dec  2 00:59:04 2026]
Finished jobid: 0 (Rule: all)
7 of 7 steps (100%) done
Complete log(s): /tmp/her2-bench-pipeline-jqdp9tq0/.snakemake/log/2026-12-02T005825.904699.snakemake.log
Elapsed time: 0:00:38.186308
"""

NOOP = """\
Using workflow specific profile workflow/profiles/default for setting default command line arguments.
Assuming unrestricted shared filesystem usage.

Building DAG of jobs...
Nothing to be done (all requested files are present and up to date).
"""


def test_jobs_in_the_order_started_with_rule_wildcards_and_reason():
    jobs = bench.jobs_run(RAW_CHANGE)
    assert [job.label for job in jobs] == [
        "clean[gastric_her2_loss]",
        "provenance",
        "classify[gastric_her2_loss]",
        "figures[gastric_her2_loss]",
        "tables[gastric_her2_loss]",
        "replication_summary",
        "all",
    ]
    assert [job.jobid for job in jobs] == [4, 35, 3, 24, 19, 29, 0]
    assert jobs[0].study == "gastric_her2_loss" and jobs[1].study is None
    assert bench.reason_kinds(jobs[0].reason) == "Updated input files"
    assert bench.reason_kinds("Missing output files: a; Input files updated by another job: b, c") == "Missing output files; Input files updated by another job"
    # a changed param may hold semicolons of its own
    assert bench.reason_kinds("Params have changed since last execution: {'caption': 'bars are medians; p by Wilcoxon'}; Updated input files: x") == "Params have changed since last execution; Updated input files"


def test_job_stats_table():
    assert bench.job_stats(RAW_CHANGE) == {"clean": 1, "provenance": 1, "classify": 1, "figures": 1, "tables": 1, "replication_summary": 1, "all": 1}
    assert bench.job_stats(NOOP) == {}


def test_nothing_to_be_done_is_no_job():
    assert bench.jobs_run(NOOP) == []


def test_snakemake_8_finished_lines_and_rule_header():
    output = "Job stats:\njob      count\n-----  -------\nclean        1\ntotal        1\n\n[Mon]\nrule clean:\n    jobid: 7\n    wildcards: study=example\nFinished job 7.\n"
    assert [job.label for job in bench.jobs_run(output)] == ["clean[example]"]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (RAW_CHANGE.replace("Finished jobid: 24 (Rule: figures)\n", ""), "finished"),  # a job block without its end
        (RAW_CHANGE.replace("tables                     1\n", ""), "Job stats"),  # counts disagree
        (RAW_CHANGE + "Nothing to be done (all requested files are present and up to date).\n", "Nothing to be done"),
        ("Building DAG of jobs...\n", "no job block"),  # neither jobs nor "Nothing to be done"
        (RAW_CHANGE.replace("    jobid: 4\n", ""), "no jobid"),
    ],
)
def test_output_that_does_not_add_up_is_an_error(output, message):
    with pytest.raises(ValueError, match=message):
        bench.jobs_run(output)


def test_benchmark_file_names_the_job(tmp_path):
    results = tmp_path / "results"
    assert bench.benchmark_job(results / "benchmarks" / "example" / "clean.tsv", results) == ("clean", "example")
    assert bench.benchmark_job(results / "benchmarks" / "provenance.tsv", results) == ("provenance", None)


def test_read_benchmark_last_row_and_na(tmp_path):
    path = tmp_path / "clean.tsv"
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    path.write_text(header + "6.63\t0:00:06\t158.55\t353.71\t99.64\t109.27\t0.00\t0.04\t59.69\t4.26\n")
    assert bench.read_benchmark(path) == {"s": 6.63, "cpu_time": 4.26, "max_rss": 158.55, "mean_load": 59.69}
    path.write_text(header + "0.4\t0:00:00\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n")
    record = bench.read_benchmark(path)
    assert record["s"] == 0.4 and record["cpu_time"] != record["cpu_time"]  # NaN


def _project(tmp_path, study):
    for folder in ("config/studies", f"data/raw/{study}"):
        (tmp_path / folder).mkdir(parents=True)
    shutil.copy2(ROOT / "config" / "studies" / f"{study}.yaml", tmp_path / "config" / "studies")
    shutil.copy2(ROOT / "data" / "raw" / study / "patients.csv", tmp_path / "data" / "raw" / study)
    return tmp_path


def test_figure_edit_changes_that_field_only(tmp_path):
    project = _project(tmp_path, "gastric_her2_loss")
    path = project / "config" / "studies" / "gastric_her2_loss.yaml"
    before_text = path.read_text(encoding="utf-8")
    assert bench.edit_figure(project, "gastric_her2_loss", "supplementary_figure2_pfs", "annotation_loc", "lower left") == ""
    assert bench.edit_figure(project, "gastric_her2_loss", "supplementary_figure2_pfs", "annotation_loc", "upper right") == "lower left"
    after_text = path.read_text(encoding="utf-8")
    added = [line for line in after_text.splitlines() if line not in before_text.splitlines()]
    assert added == ["    annotation_loc: upper right"]
    assert len(after_text.splitlines()) == len(before_text.splitlines()) + 1
    figures = {f["id"]: f for f in yaml.safe_load(after_text)["figures"]}
    assert figures["supplementary_figure2_pfs"]["annotation_loc"] == "upper right"
    assert all("annotation_loc" not in f for name, f in figures.items() if name != "supplementary_figure2_pfs")
    with pytest.raises(ValueError, match="no figure 'no_such_figure'"):
        bench.edit_figure(project, "gastric_her2_loss", "no_such_figure", "annotation_loc", "lower left")


def test_raw_edit_changes_one_cell_only(tmp_path):
    project = _project(tmp_path, "gastric_her2_loss")
    path = project / "data" / "raw" / "gastric_her2_loss" / "patients.csv"
    before = path.read_bytes()
    old, new = bench.edit_raw_cell(project, "gastric_her2_loss", "age_years", 1)
    assert int(new) == int(old) + 1
    after = path.read_bytes()
    changed = [(a, b) for a, b in zip(before.splitlines(keepends=True), after.splitlines(keepends=True)) if a != b]
    assert len(before.splitlines()) == len(after.splitlines()) and len(changed) == 1
    a, b = (line.decode().split(",") for line in changed[0])
    differ = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    assert len(a) == len(b) and differ == [before.decode().splitlines()[0].split(",").index("age_years")]
    assert (a[differ[0]], b[differ[0]]) == (old, new)
    assert bench.edit_raw_cell(project, "gastric_her2_loss", "age_years", -1) == (new, old)
    assert path.read_bytes() == before


def test_reruns_name_the_jobs_beyond_the_ideal_and_of_other_studies():
    def job(rule, study=None):
        return {"rule": rule, "study": study, "reason": "Updated input files"}

    chain = [job(rule, "gastric_her2_loss") for rule in ("clean", "figures")] + [job("provenance"), job("replication_summary")]
    records = [
        {"scenario": "figure", "repeat": 0, "change": "annotation_loc", "wall_s": 40.0, "cpu_s": 45.0, "max_rss_mib": 200.0, "load_average": 1.0, "jobs": chain, "benchmarks": []},
        {"scenario": "raw", "repeat": 0, "change": "age_years", "wall_s": 41.0, "cpu_s": 46.0, "max_rss_mib": 200.0, "load_average": 1.0, "jobs": [*chain, job("clean", "example")], "benchmarks": []},
    ]
    reruns = {row["scenario"]: row for row in bench.summarise(records, "gastric_her2_loss")["reruns"]}
    assert reruns["figure"]["beyond"] == "clean[gastric_her2_loss], replication_summary"
    assert reruns["figure"]["other_studies"] == "none"
    assert reruns["raw"]["beyond"] == "clean[example]" and reruns["raw"]["other_studies"] == "clean[example]"
    scenarios = {row["scenario"]: row for row in bench.summarise(records, "gastric_her2_loss")["scenarios"]}
    assert scenarios["figure"]["met"] == "MISSED" and scenarios["figure"]["target"] == "<= 5 s"
    assert scenarios["raw"]["met"] == "–"


def test_comparison_with_the_baseline_pairs_runs_of_the_same_repeat():
    def run(revision, scenario, repeat, wall, cpu, load=1.0):
        return {"revision": revision, "scenario": scenario, "repeat": repeat, "wall_s": wall, "cpu_s": cpu, "max_rss_mib": 100.0, "load_average": load, "jobs": [], "change": "", "benchmarks": []}

    records = [
        run("base", "cold", 0, 10.0, 20.0), run("this", "cold", 0, 6.0, 10.0),
        run("this", "cold", 1, 9.0, 12.0), run("base", "cold", 1, 30.0, 24.0, load=5.0),  # a busier moment: both slow
        run("base", "figure", 0, 5.0, 5.0), run("this", "figure", 0, 2.5, 2.0),
        run("this", "noop", 0, 1.5, 1.5), run("base", "noop", 0, 3.0, 3.0),
    ]
    rows = {row["scenario"]: row for row in bench.compare(records)}
    assert rows["cold"]["ratio_wall"] == pytest.approx((0.6 + 0.3) / 2)  # median of the paired ratios
    assert rows["cold"]["ratio_cpu"] == pytest.approx((0.5 + 0.5) / 2)
    assert rows["cold"]["met"] == "met" and rows["cold"]["load"] == pytest.approx(1.0)
    assert rows["figure"]["ratio_wall"] == pytest.approx(0.5) and rows["figure"]["met"] == "MISSED"
    assert rows["noop"]["met"] == "met" and "raw" not in rows
    # the tables of this revision leave the baseline's runs out
    assert [r["runs"] for r in bench.summarise(records, "x")["scenarios"]] == ["2", "1", "1"]


def test_scale_end_to_end_counts_a_job_beside_the_path_only_when_it_is_longer():
    """benchmarks/scale.py: readable_tables runs on the other core beside analyses and
    figures; the run ends when the longer of the two ends."""
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks" / "scale.py")
    scale = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(scale)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))

    def records(revision, walls):
        return [{"n": 10, "revision": revision, "repeat": 0, "stage": stage, "wall_s": wall, "cpu_s": wall, "max_rss_mib": 1.0, "load_average": 0.5} for stage, wall in walls.items()]

    base = records("base", {"clean": 10.0, "classify": 10.0, "analyses": 5.0, "figures": 5.0})
    longer = records("this", {"clean": 5.0, "classify": 5.0, "analyses": 5.0, "figures": 5.0, "readable_tables": 14.0})
    (row,) = scale.compare(base + longer)
    assert row["this_wall"] == 24.0 and row["ratio_wall"] == 0.8 and row["ratio_cpu"] == 20.0 / 30.0
    shorter = records("this", {"clean": 5.0, "classify": 5.0, "analyses": 5.0, "figures": 5.0, "readable_tables": 4.0})
    (row,) = scale.compare(base + shorter)
    assert row["this_wall"] == 20.0 and row["ratio_cpu_all"] == 24.0 / 30.0
