"""Benchmarks 1-3, whole pipeline: a cold full run, a no-op re-run, incremental re-runs.

Every run is the project's own Snakemake (the virtual environment's
``snakemake``, ``--workflow-profile workflow/profiles/default --cores 2``) on
every configured study, in a scratch copy of the project (Snakefile, config/,
workflow/, scripts/, data/, environment.yml in a temporary folder; the library
is the checkout's editable install), never in the checkout itself. One repeat
is four runs in that copy, in this order:

``cold``
    ``results/`` and ``logs/`` deleted, ``.snakemake/`` kept (its metadata and
    locks, as when an analyst deletes the results and re-runs; the first
    repeat starts without one): every job runs.
``noop``
    the same command again, nothing changed: no job may run.
``figure``
    one style field of one figure of one study's YAML changed (default
    ``annotation_loc`` of ``supplementary_figure2_pfs`` in
    ``gastric_her2_loss``, alternating between two values; a field only the
    figure catalogue reads): ideally only that study's ``figures`` job (and
    ``provenance``, which checksums the study files) runs.
``raw``
    one cell of that study's ``data/raw/{study}/patients.csv`` changed (the
    first patient's ``age_years`` + 1, then back, still valid): that study's
    jobs and the cross-study ``replication_summary`` and ``provenance`` may
    run, no job of another study.

Measured per run: wall time (start to exit of Snakemake), CPU time and peak
memory of Snakemake and all its jobs (``os.wait4`` on the Snakemake process:
user + system of it and every descendant it reaped; ``ru_maxrss`` is the
largest resident set of any single one of those processes, not the sum of
jobs running at the same time), the machine's 1-minute load average at the
start, and the jobs that ran. For the cold run, the per-job table comes from
Snakemake's own ``benchmark:`` files (``results/benchmarks/**.tsv``: ``s``
wall, ``cpu_time``, ``max_rss`` of each job), per rule (sum and max over the
studies) and per job. Snakemake samples those with psutil, every 0.5 s for a
job's first 15 s and every 30 s after: ``s`` is exact, ``cpu_time`` and
``max_rss`` of a job longer than 15 s are lower bounds (:data:`DENSE_SAMPLING_S`).

Which jobs ran is read from Snakemake's output (:func:`jobs_run`): each job
block (``rule NAME:`` or ``localrule NAME:`` with its ``jobid`` and
``wildcards``) must have its ``Finished jobid`` line and the counts per rule
must match the ``Job stats`` table; the benchmark files a run wrote are a
second, independent record and must name the same jobs. The target rule
``all`` (no work) is left out of the lists.

Targets (issue 7): cold full run <= 20 s, no-op re-run <= 2 s, one figure
changed <= 5 s, wall time.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import DEFAULT_BASE, OUT, ROOT, ChildFailed, export_revision, library_env, machine, median, ratio, resolve_base, save_results, table

SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PROFILE = ("--workflow-profile", "workflow/profiles/default", "--cores", "2")
#: What a run needs from the checkout; its library (src/) is put first on PYTHONPATH
#: (:func:`common.library_env`), so each revision runs its own.
COPIED = ("Snakefile", "config", "workflow", "scripts", "data", "environment.yml", "src")
SCENARIOS = ("cold", "noop", "figure", "raw")
#: Issue 7's targets, seconds of wall time; the raw-data change has none.
TARGETS = {"cold": 20.0, "noop": 2.0, "figure": 5.0}
#: Issue 18's targets: wall time of this revision over the baseline's, measured in the same run.
RATIO_TARGETS = {"cold": 0.70, "figure": 0.40}
DESCRIPTION = {
    "cold": "cold full run, every study, empty results/",
    "noop": "no-op re-run, nothing changed",
    "figure": "one figure's style changed",
    "raw": "one raw cell of one study changed",
}
STUDY = "gastric_her2_loss"
FIGURE = "supplementary_figure2_pfs"
FIGURE_FIELD = "annotation_loc"
#: Two values the field alternates between, one per repeat (both valid for a km figure).
FIGURE_VALUES = ("lower left", "upper right")
RAW_COLUMN = "age_years"
#: The target rule: a job with no work, left out of the lists of jobs that ran.
TARGET_RULE = "all"
#: Cross-study rules (no study wildcard) that any study's change may re-run.
CROSS_STUDY = ("replication_summary", "provenance")
#: Snakemake samples a job's CPU time with psutil every 0.5 s for its first 15 s,
#: then every 30 s (snakemake.benchmark); what a job uses after its last sample is
#: not in its benchmark file, so the cpu_time of a longer job is a lower bound.
DENSE_SAMPLING_S = 15.0


# ---------------------------------------------------------------------------
# Which jobs ran: Snakemake's output, and the benchmark files a run wrote
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One job Snakemake ran: its rule, wildcards (``study``) and why it ran."""

    rule: str
    jobid: int
    wildcards: tuple[tuple[str, str], ...] = ()
    reason: str = ""

    @property
    def study(self) -> str | None:
        return dict(self.wildcards).get("study")

    @property
    def label(self) -> str:
        return f"{self.rule}[{self.study}]" if self.study else self.rule


_HEADER = re.compile(r"^(?:local)?rule (?P<rule>\w+):\s*$")
_FIELD = re.compile(r"^\s+(?P<key>\w+): (?P<value>.*)$")
# Snakemake 9 "Finished jobid: 4 (Rule: clean)", Snakemake 8 "Finished job 4."
_FINISHED = re.compile(r"^Finished (?:jobid: |job )(?P<jobid>\d+)\b")
_NOTHING = "Nothing to be done"


def _wildcards(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in text.split(", "):
        key, _, value = item.partition("=")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def job_stats(output: str) -> dict[str, int]:
    """The ``Job stats:`` table Snakemake prints before running: jobs per rule (``total`` left out)."""
    lines = output.splitlines()
    try:
        start = lines.index("Job stats:")
    except ValueError:
        return {}
    counts = {}
    for line in lines[start + 3 :]:  # "Job stats:", the header, the dashes
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


def jobs_run(output: str) -> list[Job]:
    """The jobs a successful Snakemake run ran, from what it printed, in the order it started them.

    A job is a block that starts with ``rule NAME:`` or ``localrule NAME:`` (a
    line of its own, after the job's time stamp) followed by indented ``key:
    value`` lines (``jobid``, ``wildcards``, ``reason``...). Checked against two
    other records in the same output, so that a change of Snakemake's format is
    an error rather than a wrong list: every job has a ``Finished jobid: N``
    line, and the jobs per rule equal the ``Job stats`` table. "Nothing to be
    done" with a job block is an error too. The target rule's job is included
    (callers leave it out).
    """
    lines = output.splitlines()
    jobs: list[Job] = []
    i = 0
    while i < len(lines):
        header = _HEADER.match(lines[i])
        if not header:
            i += 1
            continue
        fields = {}
        i += 1
        while i < len(lines) and (field := _FIELD.match(lines[i])):
            fields[field["key"]] = field["value"]
            i += 1
        if "jobid" not in fields:
            raise ValueError(f"Snakemake output: the block of rule {header['rule']} has no jobid line")
        jobs.append(Job(header["rule"], int(fields["jobid"]), _wildcards(fields["wildcards"]) if "wildcards" in fields else (), fields.get("reason", "")))
    finished = {int(m["jobid"]) for line in lines if (m := _FINISHED.match(line))}
    started = {job.jobid for job in jobs}
    if len(started) != len(jobs):
        raise ValueError("Snakemake output: a jobid appears in two job blocks")
    if started != finished:
        raise ValueError(f"Snakemake output: jobs started {sorted(started)} but finished {sorted(finished)}")
    nothing = any(line.startswith(_NOTHING) for line in lines)
    if nothing and jobs:
        raise ValueError(f"Snakemake output says {_NOTHING!r} but lists {len(jobs)} job(s)")
    if jobs:
        counts: dict[str, int] = {}
        for job in jobs:
            counts[job.rule] = counts.get(job.rule, 0) + 1
        stats = job_stats(output)
        if counts != stats:
            raise ValueError(f"Snakemake output: jobs per rule {counts} differ from its Job stats table {stats}")
    elif not nothing:
        raise ValueError(f"Snakemake output: no job block and no {_NOTHING!r} line")
    return jobs


#: The phrases of Snakemake's job reasons (snakemake.jobs.Reason), each followed
#: by its file list or its changed params.
REASONS = (
    "Missing output files",
    "Incomplete output files",
    "Updated input files",
    "Input files updated by another job",
    "Set of input files has changed since last execution",
    "Params have changed since last execution",
    "Code has changed since last execution",
    "Software environment definition has changed since last execution",
    "Forced execution",
)


def reason_kinds(reason: str) -> str:
    """Snakemake's reason without the file lists and params: 'Updated input files; Params have changed ...'.

    Found by phrase, not by splitting on ';': a changed param (a figure's
    caption) may itself hold semicolons."""
    found = sorted((reason.find(phrase), phrase) for phrase in REASONS if phrase in reason)
    return "; ".join(phrase for _, phrase in found) or reason.split(":")[0].strip()


def benchmark_job(path: Path, results: Path) -> tuple[str, str | None]:
    """(rule, study) of a benchmark file ``results/benchmarks/[{study}/]{rule}.tsv``."""
    parts = path.relative_to(results / "benchmarks").with_suffix("").parts
    return (parts[-1], parts[0]) if len(parts) == 2 else (parts[-1], None)


def benchmark_files(results: Path) -> dict[Path, tuple[int, int]]:
    """Every benchmark file under ``results/benchmarks`` with its (mtime in ns, size)."""
    root = results / "benchmarks"
    if not root.is_dir():
        return {}
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.rglob("*.tsv"))}


def read_benchmark(path: Path) -> dict:
    """The last row of a Snakemake benchmark file: s (wall), cpu_time, max_rss (MB), mean_load."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"))
    if not rows:
        raise ValueError(f"{path}: benchmark file without a row")
    row = rows[-1]

    def number(key):
        value = row.get(key, "")
        try:
            return float(value)
        except ValueError:  # "NA" when psutil could not sample the job
            return math.nan

    return {"s": number("s"), "cpu_time": number("cpu_time"), "max_rss": number("max_rss"), "mean_load": number("mean_load")}


# ---------------------------------------------------------------------------
# The scratch project, its edits, one measured Snakemake run
# ---------------------------------------------------------------------------


def copy_project(target: Path) -> Path:
    """A scratch copy of what a pipeline run reads (as tests/pipeline_runs.py's, without the tests)."""
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(source, target / name)
    return target


def edit_figure(project: Path, study: str, figure: str, field: str, value: str) -> str:
    """Set ``field: value`` in figure ``figure`` of ``config/studies/{study}.yaml``, as a one-line text edit.

    The line of the field in that figure's block is replaced (or one is added
    after the ``- id:`` line), so comments and layout stay; the file read back
    must differ from before in that one field only. Returns the old value ("" if absent).
    """
    import yaml

    path = project / "config" / "studies" / f"{study}.yaml"
    text = path.read_text(encoding="utf-8")
    before = yaml.safe_load(text)
    lines = text.splitlines(keepends=True)
    try:
        section = next(i for i, line in enumerate(lines) if line.rstrip() == "figures:")
        start = next(i for i in range(section + 1, len(lines)) if re.match(rf"^(\s*)- id: {re.escape(figure)}\s*$", lines[i]))
    except StopIteration:
        raise ValueError(f"{path}: no figure {figure!r} under figures:") from None
    indent = len(lines[start]) - len(lines[start].lstrip()) + 2
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith(" " * indent)), len(lines))
    plain = re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9 _.-]*", value) is not None
    new = f"{' ' * indent}{field}: {value if plain else json.dumps(value)}\n"
    existing = [i for i in range(start + 1, end) if re.match(rf"^ {{{indent}}}{re.escape(field)}:", lines[i])]
    if existing:
        lines[existing[0]] = new
    else:
        lines.insert(start + 1, new)
    path.write_text("".join(lines), encoding="utf-8")
    after = yaml.safe_load(path.read_text(encoding="utf-8"))
    old = next(f for f in before["figures"] if f["id"] == figure).get(field, "")
    edited = next(f for f in after["figures"] if f["id"] == figure)
    restored = {k: v for k, v in edited.items() if k != field} | ({field: old} if old != "" else {})
    if edited.get(field) != value or restored != next(f for f in before["figures"] if f["id"] == figure) or {k: v for k, v in after.items() if k != "figures"} != {k: v for k, v in before.items() if k != "figures"}:
        raise ValueError(f"{path}: editing {figure}.{field} changed more than that field")
    return old


def edit_raw_cell(project: Path, study: str, column: str, delta: int) -> tuple[str, str]:
    """Add ``delta`` to the integer ``column`` of the first patient of ``data/raw/{study}/patients.csv``.

    Only that cell's characters change (the rest of the file is byte-identical);
    the row must be unquoted. Returns (old, new) values.
    """
    path = project / "data" / "raw" / study / "patients.csv"
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    if column not in header:
        raise ValueError(f"{path}: no column {column!r}")
    j = header.index(column)
    row = lines[1].rstrip("\r\n")
    if '"' in row:
        raise ValueError(f"{path}, line 2: quoted row; pick a study whose first patient row is plain")
    cells = row.split(",")
    old = cells[j]
    cells[j] = str(int(old) + delta)
    lines[1] = ",".join(cells) + lines[1][len(row) :]
    path.write_bytes("".join(lines).encode("utf-8"))
    return old, cells[j]


@dataclass
class SnakemakeRun:
    wall_s: float
    cpu_s: float
    max_rss_mib: float
    load_average: float
    output: str


def run_snakemake(project: Path, log: Path, env: dict | None = None) -> SnakemakeRun:
    """Snakemake with the default profile in ``project``; wall, CPU and peak RSS of it and its jobs.

    Output (stdout and stderr together) goes to ``log``, not a pipe, so a
    chatty run cannot block on a full pipe. ``os.wait4`` on the Snakemake
    process gives its own usage plus that of every descendant it reaped (the
    jobs), so CPU is the whole run's; ``ru_maxrss`` is the largest single process.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    load_average = os.getloadavg()[0]
    with open(log, "w", encoding="utf-8") as handle:
        start = time.perf_counter()
        process = subprocess.Popen([str(SNAKEMAKE), *PROFILE], cwd=project, stdout=handle, stderr=subprocess.STDOUT, env=env or library_env(project))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        raise ChildFailed(f"snakemake in {project} exited {process.returncode} (log {log}):\n{output[-4000:]}")
    return SnakemakeRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load_average, output)


def measure(repeats: int, study: str, figure: str, field: str, values: tuple[str, ...], out: Path, keep: bool = False, log=print, base: str | None = None) -> list[dict]:
    """``repeats`` x (cold, noop, figure, raw) in one scratch copy of the working tree; one record
    per run. With ``base`` (a commit), the same runs of that revision in a second scratch copy,
    interleaved: each scenario runs on both before the next, in alternating order, so that a
    ratio compares runs taken moments apart (records: ``revision`` "this" or "base")."""
    projects = {"this": copy_project(Path(tempfile.mkdtemp(prefix="her2-bench-pipeline-")))}
    if base is not None:
        projects["base"] = export_revision(base, Path(tempfile.mkdtemp(prefix="her2-bench-pipeline-base-")))
    logs = out / "pipeline" / "logs"
    for name, project in projects.items():
        log(f"scratch project ({name}{' ' + base[:12] if name == 'base' else ', the working tree'}): {project}")
    records = []
    try:
        for repeat in range(repeats):
            for scenario in SCENARIOS:
                order = list(projects) if repeat % 2 == 0 else list(reversed(projects))
                for revision in order:
                    records.append(_measure_one(projects[revision], revision, scenario, repeat, study, figure, field, values, logs, log))
    finally:
        for project in projects.values():
            if keep:
                log(f"kept: {project}")
            else:
                shutil.rmtree(project, ignore_errors=True)
    return records


def _measure_one(project: Path, revision: str, scenario: str, repeat: int, study: str, figure: str, field: str, values: tuple[str, ...], logs: Path, log) -> dict:
    results = project / "results"
    change = ""
    if scenario == "cold":
        for name in ("results", "logs"):
            shutil.rmtree(project / name, ignore_errors=True)
    elif scenario == "figure":
        value = values[repeat % len(values)]
        old = edit_figure(project, study, figure, field, value)
        change = f"{study}.yaml figure {figure}: {field} {old or '(default)'!r} -> {value!r}"
    elif scenario == "raw":
        old, new = edit_raw_cell(project, study, RAW_COLUMN, 1 if repeat % 2 == 0 else -1)
        change = f"data/raw/{study}/patients.csv, first patient, {RAW_COLUMN} {old} -> {new}"
    before = benchmark_files(results)
    name = f"{scenario}_{repeat}" if revision == "this" else f"{scenario}_{repeat}_{revision}"
    run = run_snakemake(project, logs / f"{name}.log")
    jobs = [j for j in jobs_run(run.output) if j.rule != TARGET_RULE]
    after = benchmark_files(results)
    written = sorted((benchmark_job(p, results) for p, stamp in after.items() if before.get(p) != stamp), key=str)
    listed = sorted(((j.rule, j.study) for j in jobs), key=str)
    if written != listed:
        raise ValueError(f"{scenario} run {repeat + 1} ({revision}): Snakemake's output lists jobs {listed} but benchmark files were written for {written} (log {logs / f'{name}.log'})")
    record = {
        "revision": revision,
        "scenario": scenario,
        "repeat": repeat,
        "change": change,
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "max_rss_mib": run.max_rss_mib,
        "load_average": run.load_average,
        "jobs": [{"rule": j.rule, "study": j.study, "reason": reason_kinds(j.reason)} for j in jobs],
    }
    # the benchmark files this run wrote (every job's, in the cold run)
    record["benchmarks"] = [{"rule": r, "study": s, **read_benchmark(p)} for p, (r, s) in ((p, benchmark_job(p, results)) for p in after) if before.get(p) != after[p]]
    log(f"  repeat {repeat + 1} {scenario:<6} {revision:<4} {run.wall_s:7.2f} s wall {run.cpu_s:7.2f} s CPU {run.max_rss_mib:6.0f} MiB  {len(jobs):2d} jobs  (load {run.load_average:.1f})")
    return record


def compare(records: list[dict]) -> list[dict]:
    """This revision over the baseline per scenario: medians of each, and the median of the
    ratios of runs taken one after the other (same repeat), with the load beside them."""
    rows = []
    for scenario in SCENARIOS:
        this = {r["repeat"]: r for r in records if r["scenario"] == scenario and r.get("revision", "this") == "this"}
        base = {r["repeat"]: r for r in records if r["scenario"] == scenario and r.get("revision") == "base"}
        pairs = sorted(set(this) & set(base))
        if not pairs:
            continue
        wall = median([ratio(this[i]["wall_s"], base[i]["wall_s"]) for i in pairs])
        target = RATIO_TARGETS.get(scenario)
        rows.append({
            "scenario": scenario,
            "runs": str(len(pairs)),
            "base_wall": median([base[i]["wall_s"] for i in pairs]),
            "this_wall": median([this[i]["wall_s"] for i in pairs]),
            "ratio_wall": wall,
            "ratio_cpu": median([ratio(this[i]["cpu_s"], base[i]["cpu_s"]) for i in pairs]),
            "target": f"<= {target:.2f}x" if target is not None else ("<= 2 s" if scenario == "noop" else "–"),
            "met": ("met" if wall <= target else "MISSED") if target is not None else ("met" if scenario == "noop" and median([this[i]["wall_s"] for i in pairs]) <= TARGETS["noop"] else ("MISSED" if scenario == "noop" else "–")),
            "load": median([x["load_average"] for i in pairs for x in (this[i], base[i])]),
        })
    return rows


COMPARE_COLUMNS = [("scenario", "scenario"), ("runs", "pairs"), ("base_wall", "base wall s"), ("this_wall", "this wall s"), ("ratio_wall", "ratio wall"), ("ratio_cpu", "ratio CPU"), ("target", "target"), ("met", "met"), ("load", "load avg")]


# ---------------------------------------------------------------------------
# Summaries and tables
# ---------------------------------------------------------------------------


def _max(values) -> float:
    values = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    return max(values) if values else math.nan


def _label(job: dict) -> str:
    return f"{job['rule']}[{job['study']}]" if job["study"] else job["rule"]


def _expected(scenario: str, job: dict, study: str) -> bool:
    """Whether the change before ``scenario`` should re-run ``job`` (the ideal of the module docstring)."""
    if scenario == "noop":
        return False
    if scenario == "figure":  # provenance checksums the study files
        return (job["rule"] == "figures" and job["study"] == study) or job["rule"] == "provenance"
    if scenario == "raw":
        return job["study"] == study or (job["study"] is None and job["rule"] in CROSS_STUDY)
    return True


def summarise(records: list[dict], study: str) -> dict[str, list[dict]]:
    """The tables: runs per scenario, cold run per rule, cold run per job, jobs of the re-runs (this
    revision's runs), and this revision over the baseline (:func:`compare`) when it was measured."""
    comparison = compare(records)
    records = [r for r in records if r.get("revision", "this") == "this"]
    scenarios = []
    for scenario in SCENARIOS:
        runs = [r for r in records if r["scenario"] == scenario]
        if not runs:
            continue
        walls = [r["wall_s"] for r in runs]
        target = TARGETS.get(scenario)
        wall = median(walls)
        job_counts = sorted({len(r["jobs"]) for r in runs})
        row = {
            "scenario": scenario,
            "what": DESCRIPTION[scenario],
            "runs": str(len(runs)),
            "wall_s": wall,
            "wall_min": min(walls),
            "wall_max": max(walls),
            "cpu_s": median([r["cpu_s"] for r in runs]),
            "max_rss_mib": max(r["max_rss_mib"] for r in runs),
            "jobs": "/".join(map(str, job_counts)),
            "load_average": median([r["load_average"] for r in runs]),
            "target": f"<= {target:.0f} s" if target is not None else "–",
            "met": ("met" if wall <= target else "MISSED") if target is not None else "–",
        }
        if any(r.get("benchmarks") for r in runs):
            row["jobs_s"] = median([sum(b["s"] for b in r.get("benchmarks", [])) for r in runs])
            row["jobs_cpu_s"] = median([sum(b["cpu_time"] for b in r.get("benchmarks", [])) for r in runs])
        scenarios.append(row)

    cold = [r for r in records if r["scenario"] == "cold"]
    per_rule, per_job = [], []
    if cold:
        rules = list(dict.fromkeys(b["rule"] for r in cold for b in r["benchmarks"]))
        for rule in rules:
            of_rule = [[b for b in r["benchmarks"] if b["rule"] == rule] for r in cold]
            per_rule.append({
                "rule": rule,
                "jobs": str(len(of_rule[0])),
                "sum_s": median([sum(b["s"] for b in bs) for bs in of_rule]),
                "max_s": median([max(b["s"] for b in bs) for bs in of_rule]),
                "sum_cpu": median([sum(b["cpu_time"] for b in bs) for bs in of_rule]),
                "max_cpu": median([max(b["cpu_time"] for b in bs) for bs in of_rule]),
                "max_rss": _max(b["max_rss"] for bs in of_rule for b in bs),
            })
        per_rule.sort(key=lambda row: -row["sum_s"])
        labels = list(dict.fromkeys(_label(b) for r in cold for b in r["benchmarks"]))
        for label in labels:
            of_job = [b for r in cold for b in r["benchmarks"] if _label(b) == label]
            per_job.append({
                "job": label,
                "s": median([b["s"] for b in of_job]),
                "cpu_time": median([b["cpu_time"] for b in of_job]),
                "max_rss": _max(b["max_rss"] for b in of_job),
                "mean_load": median([b["mean_load"] for b in of_job]),
                "cpu_exact": "lower bound" if max(b["s"] for b in of_job) > DENSE_SAMPLING_S else "within 0.5 s",
            })
        per_job.sort(key=lambda row: -row["s"])

    reruns = []
    for scenario in SCENARIOS[1:]:
        for r in (r for r in records if r["scenario"] == scenario):
            labels = [_label(j) for j in r["jobs"]]
            other = [_label(j) for j in r["jobs"] if j["study"] not in (None, study)]
            beyond = [_label(j) for j in r["jobs"] if not _expected(scenario, j, study)]
            reasons = sorted({reason_kinds(j["reason"]) for j in r["jobs"]})  # again: records of older runs kept more
            reruns.append({
                "scenario": scenario,
                "run": str(r["repeat"] + 1),
                "change": r["change"] or "none",
                "wall_s": r["wall_s"],
                "n_jobs": str(len(labels)),
                "jobs_run": ", ".join(labels) or "none",
                "other_studies": ", ".join(other) or "none",
                "beyond": ", ".join(beyond) or "none",
                "reasons": " | ".join(reasons) or "–",
            })
    return {"scenarios": scenarios, "rules": per_rule, "jobs": per_job, "reruns": reruns, "comparison": comparison}


SCENARIO_COLUMNS = [
    ("scenario", "scenario"),
    ("what", "what"),
    ("runs", "runs"),
    ("wall_s", "wall s (median)"),
    ("wall_min", "min"),
    ("wall_max", "max"),
    ("target", "target (wall)"),
    ("met", "met"),
    ("cpu_s", "CPU s"),
    ("jobs_cpu_s", "jobs' CPU s"),
    ("jobs_s", "jobs' wall s (sum)"),
    ("max_rss_mib", "peak MiB (one process)"),
    ("jobs", "jobs run"),
    ("load_average", "load avg"),
]
RULE_COLUMNS = [("rule", "rule"), ("jobs", "jobs"), ("sum_s", "s (sum)"), ("max_s", "s (max)"), ("sum_cpu", "CPU s (sum)"), ("max_cpu", "CPU s (max)"), ("max_rss", "max RSS MB")]
JOB_COLUMNS = [("job", "job"), ("s", "s"), ("cpu_time", "CPU s"), ("max_rss", "max RSS MB"), ("mean_load", "mean load %"), ("cpu_exact", "CPU s is")]
RERUN_COLUMNS = [("scenario", "scenario"), ("run", "run"), ("change", "change"), ("wall_s", "wall s"), ("n_jobs", "jobs"), ("jobs_run", "jobs that ran"), ("other_studies", "other studies' jobs"), ("beyond", "beyond the ideal"), ("reasons", "Snakemake's reasons")]
TABLES = {"scenarios": SCENARIO_COLUMNS, "rules": RULE_COLUMNS, "jobs": JOB_COLUMNS, "reruns": RERUN_COLUMNS, "comparison": COMPARE_COLUMNS}


def report(tables: dict[str, list[dict]], study: str) -> str:
    lines = [f"Benchmarks 1-3 (whole pipeline, {' '.join(PROFILE)}), {machine()}", ""]
    if tables.get("comparison"):
        lines += ["This revision (the working tree) over the baseline revision, runs interleaved (issue 18's targets: cold <= 0.70x, one figure <= 0.40x, no-op <= 2 s):", "", table(tables["comparison"], COMPARE_COLUMNS), ""]
        lines.append("ratio = median over the pairs of (this run / the baseline's run of the same scenario, taken one after the other); load avg = median 1-minute load at their starts.")
        lines += ["", "This revision alone:", ""]
    lines += ["Runs (wall: median, min and max over the runs; CPU: median; peak: the largest of the runs):", "", table(tables["scenarios"], SCENARIO_COLUMNS), ""]
    lines.append("CPU s = user + system of Snakemake and every job (os.wait4). jobs' CPU and wall = sums over the benchmark files the run wrote; their cpu_time is psutil's last sample (every 0.5 s for 15 s, then every 30 s), a lower bound, and the rest of CPU s is Snakemake itself (start-up, DAG, scheduling) plus what the samples missed.")
    lines.append("peak = ru_maxrss of the Snakemake process tree: the largest single process (Snakemake or one job), not the sum of jobs running at once.")
    lines.append(f"load avg = 1-minute load average at the start of each run (median); above {os.cpu_count()} (the cores) other processes competed and wall time overstates the pipeline's own.")
    if tables["rules"]:
        lines += ["", "Cold run per rule (Snakemake's benchmark files; sums and maxima over the studies, medians over the runs):", "", table(tables["rules"], RULE_COLUMNS)]
        lines += ["", "Cold run per job, slowest first (medians over the runs; max RSS: the largest):", "", table(tables["jobs"], JOB_COLUMNS)]
        lines.append(f"CPU s of a job is Snakemake's last psutil sample: within 0.5 s for a job of up to {DENSE_SAMPLING_S:.0f} s, a lower bound (up to 30 s short) for a longer one; s (wall) is exact.")
    if tables["reruns"]:
        lines += ["", f"Jobs that ran in the re-runs ('all' left out; ideal: no-op none, figure change figures[{study}] and provenance; raw change: {study}'s jobs, replication_summary, provenance):", "", table(tables["reruns"], RERUN_COLUMNS)]
    return "\n".join(lines)


def write_csv(rows: list[dict], columns: list[tuple[str, str]], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([row.get(key, "") for key, _ in columns])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="run.py pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each scenario (default 3)")
    parser.add_argument("--study", default=STUDY, help="the study whose figure and raw data change (default %(default)s)")
    parser.add_argument("--figure", default=FIGURE, help="the figure whose style changes (default %(default)s)")
    parser.add_argument("--field", default=FIGURE_FIELD, help="the style field changed (default %(default)s)")
    parser.add_argument("--values", default="|".join(FIGURE_VALUES), help="values of the field, one per repeat in turn, |-separated (default %(default)r)")
    parser.add_argument("--out", type=Path, default=OUT, help="logs and results (default benchmarks/out)")
    parser.add_argument("--tag", help="name the result files pipeline_TAG.* (to keep several runs)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch project (its path is printed)")
    parser.add_argument("--report", type=Path, nargs="+", help="print the tables of earlier runs' pipeline.json files (merged) instead of measuring")
    parser.add_argument("--base", default=DEFAULT_BASE, help="git revision to compare with, measured in the same run (default: the merge-base of HEAD and main; 'none': no comparison)")
    args = parser.parse_args(argv)
    if args.report:
        records = []
        for i, path in enumerate(args.report):
            records += [{**r, "repeat": r["repeat"] + 100 * i} for r in json.loads(path.read_text())["records"]]
        print(report(summarise(records, args.study), args.study))
        return 0
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if not SNAKEMAKE.exists():
        parser.error(f"no snakemake beside this Python ({SNAKEMAKE}): run with the project's .venv/bin/python")
    base = resolve_base(args.base)
    records = measure(args.repeats, args.study, args.figure, args.field, tuple(args.values.split("|")), args.out, keep=args.keep, base=base)
    tables = summarise(records, args.study)
    text = report(tables, args.study)
    print()
    print(text)
    stem = "pipeline" if args.tag is None else f"pipeline_{args.tag}"
    results = save_results(args.out, stem, records, tables, text)
    for name, columns in TABLES.items():
        write_csv(tables[name], columns, results / f"{stem}_{name}.csv")
    print(f"\nwritten: {results / (stem + '.md')}, {results / (stem + '.json')}, {results / (stem + '_*.csv')}")
    return 0
