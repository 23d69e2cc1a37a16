"""End to end: the Snakemake workflow on the example cohort, in a scratch copy of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, example_project, load_study, read_rows, set_cell, write_rows

SNAKEMAKE = Path(sys.executable).with_name("snakemake")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The workflow files and the example cohort, with config listing only `example`."""
    return example_project(tmp_path_factory.mktemp("project"))


def snakemake(project: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(SNAKEMAKE), "--workflow-profile", "workflow/profiles/default", "--cores", "2", *args]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600)


def test_pipeline_runs_and_writes_the_analysis_set(pipeline_runs):
    # the example study alone, from scratch (the ``small`` scenario of tests/pipeline_runs.py)
    small = pipeline_runs.result("small")
    assert small.last.ok, small.transcript()
    project = small.project
    results = project / "results" / "example"
    analysis = pd.read_csv(results / "analysis_set.csv")
    assert len(analysis) == 7 and analysis["patient_key"].is_unique
    assert {"pfs_months", "pfs_event", "os_months", "her2_change", "baseline_h_score"} <= set(analysis.columns)
    counts = pd.read_csv(results / "clean" / "row_counts.csv")
    assert (counts["raw_rows"] == counts["analysed"] + counts["excluded"]).all()
    assert (project / "results" / "benchmarks" / "example" / "clean.tsv").exists()
    study = load_study(project / "config" / "studies" / "example.yaml")  # `each:` expanded
    stats = sorted(p.stem for p in (results / "stats").glob("*.csv"))
    assert stats == sorted(a["id"] for a in study["analyses"])


def test_rerun_is_a_no_op(pipeline_runs, tmp_path):
    # on a copy (modification times kept): the ``failing`` scenario copies the same run;
    # that a second run from scratch gives the same bytes is tests/test_determinism.py
    small = pipeline_runs.result("small")
    assert small.last.ok, small.transcript()
    project = tmp_path / "small"
    shutil.copytree(small.project, project, symlinks=True)
    dry = snakemake(project, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_a_second_dry_run_does_not_import_the_statistics(tmp_path):
    """The analyses' parameter check of every study and meta-analysis file imports the whole
    statistics catalogue (scipy.stats: a second of every Snakemake start); it runs once per
    file and library (her2cohort.config.verified_marker), so the no-op re-run does not pay it."""
    for name in ("Snakefile", "config", "workflow", "scripts", "data", "environment.yml"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, tmp_path / name)
    imported = []
    for _ in range(2):
        run = subprocess.run([str(SNAKEMAKE), "--workflow-profile", "workflow/profiles/default", "--cores", "1", "-n"], cwd=tmp_path, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
        assert run.returncode == 0, run.stderr[-3000:]
        imported.append({line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")})
    statistics = [{m for m in modules if m == "her2cohort.analyses" or m.startswith("scipy.stats.")} for modules in imported]
    assert "her2cohort.analyses" in statistics[0] and len(statistics[0]) > 10  # the first run checks
    assert statistics[1] == set()


#: Lines of a Python or Snakemake stack: none in what a user is told about their input.
STACK_LINES = ("Traceback", '  File "', "WorkflowError in file")


def test_bad_input_stops_before_analysis_with_a_clear_message(project, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(project, bad, ignore=shutil.ignore_patterns("results", "logs", ".snakemake"))
    set_cell(bad / "data/raw/example/specimens.csv", 4, "ihc_score", "4+")
    set_cell(bad / "data/raw/example/patients.csv", 3, "age_years", "sixty")
    # an unknown column in the same file, and a cross-table problem in a third: one run lists them all
    rows = read_rows(bad / "data/raw/example/patients.csv")
    write_rows(bad / "data/raw/example/patients.csv", [rows[0] + ["hemoglobn"]] + [row + ["12"] for row in rows[1:]])
    set_cell(bad / "data/raw/example/treatment_lines.csv", 2, "patient_id", "EX-999")
    run = snakemake(bad)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "4 problem(s) in the input data; nothing was analysed:" in output
    assert "data/raw/example/patients.csv, line 1, column 'hemoglobn': unknown column" in output
    assert "data/raw/example/specimens.csv, line 4, column 'ihc_score': value '4+': expected an IHC score" in output
    assert "data/raw/example/patients.csv, line 3, column 'age_years': value 'sixty': expected a number" in output
    assert "data/raw/example/treatment_lines.csv, line 2, column 'patient_id': value 'EX-999': no such patient in patients.csv" in output
    problems = output[output.index("4 problem(s)") :].split("\n\n")[0]
    assert not any(marker in problems for marker in STACK_LINES), problems
    assert "Traceback" not in output
    assert not (bad / "results" / "example" / "analysis_set.csv").exists()


def test_every_problem_of_every_study_file_is_listed_before_any_job(project, tmp_path):
    bad = tmp_path / "two_studies"
    shutil.copytree(project, bad, ignore=shutil.ignore_patterns("results", "logs", ".snakemake"))
    studies = bad / "config" / "studies"
    text = (studies / "example.yaml").read_text()
    (studies / "example.yaml").write_text(text.replace("her2_guideline:", "her2_guidline:"))
    (studies / "second.yaml").write_text(text.replace("study: example", "study: second").replace("time: pfs_months, event: pfs_event, convention: spss", "time: pfs_months, events: pfs_event, convention: spss"))
    (bad / "config" / "config.yaml").write_text(yaml.safe_dump({"studies": ["example", "second"]}))
    run = snakemake(bad, "-n")
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "3 problem(s) in the study files; nothing was run:" in output, output
    assert "  - config/studies/example.yaml: at key '(top level)': Additional properties are not allowed ('her2_guidline' was unexpected); 'her2_guidline': did you mean 'her2_guideline'?" in output
    assert "  - config/studies/example.yaml: at key '(top level)': 'her2_guideline' is a dependency of 'comparison'" in output
    assert "  - config/studies/second.yaml: analyses[2] (pfs_median): params do not fit median_survival" in output and "'events': did you mean 'event'?" in output
    assert not any(marker in output for marker in STACK_LINES), output


def test_an_edited_analysis_reruns_its_job_with_a_short_reason(pipeline_runs, tmp_path):
    small = pipeline_runs.result("small")
    assert small.last.ok, small.transcript()
    project = tmp_path / "edited"
    shutil.copytree(small.project, project, symlinks=True)
    path = project / "config" / "studies" / "example.yaml"
    path.write_text(path.read_text().replace("convention: spss}", "convention: spss, conf_level: 0.9}"))
    dry = snakemake(project, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    output = dry.stdout + dry.stderr
    reasons = [line.strip() for line in output.splitlines() if line.strip().startswith("reason: Params have changed")]
    assert len(reasons) == 1 and len(reasons[0]) < 400, reasons
    assert "analyses=sha256:" in reasons[0] and "derive=sha256:" in reasons[0]
    rules = {line.split()[-1].rstrip(":") for line in output.splitlines() if line.startswith(("rule ", "localrule "))}
    # the tables and figures print the analyses' numbers, the methods text and the rigor report read them
    assert rules == {"analyses", "tables", "figures", "manuscript", "rigor", "provenance", "all"}, rules


def test_a_typo_in_the_study_file_is_reported_before_any_job(project, tmp_path):
    bad = tmp_path / "typo"
    shutil.copytree(project, bad, ignore=shutil.ignore_patterns("results", "logs", ".snakemake"))
    path = bad / "config/studies/example.yaml"
    path.write_text(path.read_text().replace("her2_guideline:", "her2_guidline:"))
    run = snakemake(bad, "-n")
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "example.yaml: at key '(top level)': Additional properties are not allowed ('her2_guidline' was unexpected)" in output


def test_workflow_is_lint_clean():
    run = subprocess.run([str(SNAKEMAKE), "--lint"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_workflow_is_snakefmt_formatted():
    snakefmt = Path(sys.executable).with_name("snakefmt")
    run = subprocess.run([str(snakefmt), "--check", "Snakefile", "workflow/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_html_report_builds_with_captions(pipeline_runs):
    # `snakemake --report` after the full run of every study (the ``reference`` scenario)
    reference = pipeline_runs.result("reference")
    run = reference.details["report"]
    assert run.ok, run.output[-2000:]
    html = (reference.project / "results" / "report.html").read_text(errors="replace")
    assert "flow of patients" in html and "raw rows accounted for" in html
