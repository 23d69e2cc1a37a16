"""Whole-pipeline runs for the robustness tests, in scratch copies of the project.

Each run copies the project (everything but version control, the virtual
environment, earlier results and the tests) into a temporary folder and runs
Snakemake there with the default workflow profile, as a user would; the
checkout's own ``results/`` is never touched. The scenarios:

``reference``
    the configured pipeline (every study), from scratch, uninterrupted; then
    ``--report results/report.html`` (after its outputs are recorded).
``second``
    the same, in another scratch copy: the determinism twin of ``reference``.
``other_cpu``
    the same as ``reference`` but for the figures and manuscripts
    (:data:`OTHER_CPU_OMITTED`), as another CPU computes it: OpenBLAS forced to
    its Prescott kernel (SSE3, no fused multiply-add) and, on a CPU with
    AVX-512, numpy's AVX-512 loops switched off (tests/other_cpus.py).
``small``
    the example study alone, from scratch, uninterrupted.
``interrupted``
    the example study alone, SIGKILLed (the whole process group) while one job
    has finished and another is writing its outputs; then ``--unlock`` and the
    default profile again (which has ``rerun-incomplete``).
``failing``
    a copy of ``small`` whose analysis set holds an impossible event code (2)
    in a column, so that the analyses job raises half-way through (after
    writing its first results: a column that is missing altogether is refused
    before any analysis runs).
``no_her2``
    a cohort of patients alone (no specimens.csv, no treatment lines) and a
    study file without ``her2_guideline`` or ``index_date``, as a public
    cohort without HER2 data maps onto the raw format: clean, classify, a
    Table 1, a Kaplan-Meier analysis with its figure and the flow diagram
    (:data:`NO_HER2_PATIENTS`, :data:`NO_HER2_STUDY`).
``identifiers_dropped``
    the example study with name, record-number, birth-date, address, phone and
    e-mail columns added to every raw table, and ``identifier_columns: drop``
    (the default, ``refuse``, is tested without Snakemake: its message takes
    the path every cleaning error takes, which tests/test_workflow.py runs).
``validation``
    the two studies that apply a published design to another cohort
    (``extends:``; not in config/config.yaml), from scratch: their tables,
    figures and validation reports (tests/test_validation.py).

The runs cost minutes of CPU (a full run is ~170 CPU-seconds for 36 jobs
today) while most of the suite is single-threaded, so when the collected tests
use the ``pipeline_runs`` fixture they start in the background as soon as
collection ends (two at a time), and each test waits only for the runs it
reads. The tests that use them are marked ``pipeline``: ``pytest -m "not
pipeline"`` leaves them (and the runs) out. Outputs are compared as bytes, file by file; Snakemake's
benchmark files (``results/**/benchmarks/**.tsv``: timings) are the only files
whose content may differ between runs.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from her2cohort.io import exchange_path, read_exchange, write_exchange

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PROFILE = ("--workflow-profile", "workflow/profiles/default", "--cores", "2")
#: Top-level entries of the checkout that a pipeline run does not need.
NOT_COPIED = {".git", ".venv", ".snakemake", ".pytest_cache", ".hypothesis", ".ci", "results", "logs", "tests", "benchmarks", "build"}
#: Generous: the whole pipeline takes well under a minute of CPU per study today.
RUN_TIMEOUT = 1800
#: The studies of the small scenarios.
SMALL_STUDIES = ["example"]
#: The studies that apply a published design to another cohort (the validation scenario).
VALIDATION_STUDIES = ["gastric_her2_loss_cohort_b", "gastric_her2_heterogeneity_cohort_b"]

# ---------------------------------------------------------------------------
# Projects, runs and their outputs
# ---------------------------------------------------------------------------


def copy_project(target: Path, studies: list[str] | None = None, leave_out: tuple[str, ...] = ()) -> Path:
    """A scratch copy of the project; ``studies`` replaces the list in config/config.yaml;
    ``leave_out`` names more top-level entries not to copy (``src``: the library's source)."""
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for source in sorted(ROOT.iterdir()):
        if source.name in NOT_COPIED or source.name in leave_out or source.name.endswith(".egg-info"):
            continue
        if source.is_dir():
            shutil.copytree(source, target / source.name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(source, target / source.name)
    if studies is not None:
        path = target / "config" / "config.yaml"
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        config["studies"] = list(studies)
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


@dataclass
class Run:
    """One Snakemake invocation: exit status and everything it printed."""

    args: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _start(project: Path, args: tuple[str, ...], log: Path, env: dict[str, str] | None = None, python: Path | None = None) -> subprocess.Popen:
    # A session of its own: the whole process group (Snakemake and its jobs) can be killed.
    handle = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed in _finish)
    environment = {**os.environ, **(env or {})}
    command = [str(python), "-m", "snakemake"] if python is not None else [str(SNAKEMAKE)]
    process = subprocess.Popen([*command, *args], cwd=project, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, env=environment)
    process.log_handle = handle  # type: ignore[attr-defined]
    REGISTRY.track(process)
    return process


def _finish(process: subprocess.Popen, args: tuple[str, ...], log: Path, timeout: float = RUN_TIMEOUT) -> Run:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
    finally:
        process.log_handle.close()  # type: ignore[attr-defined]
        REGISTRY.untrack(process)
    return Run(args, process.returncode, log.read_text(encoding="utf-8", errors="replace"))


def snakemake(project: Path, *args: str, timeout: float = RUN_TIMEOUT, env: dict[str, str] | None = None, python: Path | None = None) -> Run:
    """Run Snakemake in ``project`` with the default workflow profile and ``args`` (blocking);
    ``env`` adds to the environment of Snakemake and its jobs; ``python``: run Snakemake
    (and so its jobs) with this interpreter instead of the project venv's."""
    full = (*PROFILE, *args)
    log = project / f".run-{time.monotonic_ns()}.out"
    return _finish(_start(project, full, log, env, python), full, log, timeout)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # our own process group, by its id
    except ProcessLookupError:
        pass


def is_benchmark(relative: str) -> bool:
    """Snakemake benchmark files (timings): the only files allowed to differ between runs."""
    parts = relative.split("/")
    return parts[0] == "results" and "benchmarks" in parts[1:-1] and relative.endswith(".tsv")


def outputs(project: Path) -> dict[str, bytes]:
    """Every file the pipeline wrote under results/ and logs/: relative path -> bytes."""
    found = {}
    for top in ("results", "logs"):
        for path in sorted((project / top).rglob("*")):
            if path.is_file() or path.is_symlink():
                found[path.relative_to(project).as_posix()] = path.read_bytes() if path.is_file() else b"<symlink>"
    return found


def differences(expected: dict[str, bytes], actual: dict[str, bytes], within: tuple[str, ...] | None = None) -> list[str]:
    """What differs between two sets of outputs (benchmark timings excepted), as readable lines.

    ``within`` restricts the comparison to paths under these prefixes.
    """

    def keep(path: str) -> bool:
        return within is None or any(path.startswith(prefix) for prefix in within)

    lines = []
    for path in sorted({p for p in expected if keep(p)} | {p for p in actual if keep(p)}):
        if path not in actual:
            lines.append(f"missing: {path}")
        elif path not in expected:
            lines.append(f"unexpected: {path}")
        elif expected[path] != actual[path] and not is_benchmark(path):
            lines.append(f"differs: {path}{_first_difference(expected[path], actual[path])}")
    return lines


def _numeric_cells_agree(a: bytes, b: bytes, rel: float) -> str:
    """'' if two CSV files differ only in numbers within ``rel``; else the first difference."""
    rows_a = list(csv.reader(a.decode("utf-8").splitlines()))
    rows_b = list(csv.reader(b.decode("utf-8").splitlines()))
    if len(rows_a) != len(rows_b):
        return f" ({len(rows_a)} vs {len(rows_b)} rows)"
    for line, (row_a, row_b) in enumerate(zip(rows_a, rows_b), start=1):
        if len(row_a) != len(row_b):
            return f" (line {line}: {len(row_a)} vs {len(row_b)} cells)"
        for cell_a, cell_b in zip(row_a, row_b):
            if cell_a == cell_b:
                continue
            numbers = _numbers_in(cell_a), _numbers_in(cell_b)
            if None in numbers or len(numbers[0]) != len(numbers[1]):
                return f" (line {line}: {cell_a!r} vs {cell_b!r})"
            for x, y in zip(*numbers):
                if (x is None) != (y is None) or (x is not None and not abs(x - y) <= rel * max(abs(x), abs(y))):
                    return f" (line {line}: {cell_a} vs {cell_b}, beyond {rel:g} relative)"
    return ""


def _numbers_in(cell: str) -> list | None:
    """The numbers of a cell: a number, or a JSON list of numbers and nulls (the full-precision
    ``values`` a ``{id}_numbers.csv`` records beside each printed number); None for text."""
    try:
        return [float(cell)]
    except ValueError:
        pass
    try:
        values = json.loads(cell)
    except ValueError:
        return None
    if isinstance(values, list) and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        return [None if v is None else float(v) for v in values]
    return None


def printed_differences(expected: dict[str, bytes], actual: dict[str, bytes], rel: float = 1e-9) -> list[str]:
    """What differs between two runs beyond the last bits of full-precision numbers.

    Every file must be byte-identical (benchmark timings excepted) except CSV
    files, whose text cells must be identical and whose numbers may differ by
    ``rel`` relative: the full-precision result tables carry the last bit of
    the machine's arithmetic; everything printed from them may not.
    """
    lines = []
    for line in differences(expected, actual):
        path = line.split(": ", 1)[1].split(" (", 1)[0]
        if line.startswith("differs: ") and path.endswith((".csv", ".feather")):
            if path.endswith(".feather"):  # an exact copy between stages: its cells as the CSV's
                reason = _numeric_cells_agree(_exchange_as_csv(expected[path]), _exchange_as_csv(actual[path]), rel)
            else:
                reason = _numeric_cells_agree(expected[path], actual[path], rel)
            if reason:
                lines.append(f"differs: {path}{reason}")
        else:
            lines.append(line)
    return lines


def _exchange_as_csv(data: bytes) -> bytes:
    """The cells of an exact stage-to-stage copy (her2cohort.io.write_exchange) as CSV text."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "copy.feather")
        with open(path, "wb") as handle:
            handle.write(data)
        return read_exchange(path).to_csv(index=False).encode()


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f" (first at byte {at} of {len(a)} / {len(b)}: {a[max(0, at - 30):at + 30]!r} vs {b[max(0, at - 30):at + 30]!r})"


def study_prefixes(studies: list[str]) -> tuple[str, ...]:
    """Output paths that belong to these studies (per-study folders of results/ and logs/)."""
    return tuple(p for s in studies for p in (f"results/{s}/", f"logs/{s}/", f"results/benchmarks/{s}/"))


@dataclass
class Scenario:
    """What a scenario left: its runs, its project folder, the outputs it recorded."""

    project: Path
    runs: list[Run] = field(default_factory=list)
    outputs: dict[str, bytes] = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def last(self) -> Run:
        return self.runs[-1]

    def transcript(self, limit: int = 6000) -> str:
        text = "\n".join(f"$ snakemake {' '.join(r.args)}  -> exit {r.returncode}\n{r.output}" for r in self.runs)
        return text[-limit:]


# ---------------------------------------------------------------------------
# The scenarios
# ---------------------------------------------------------------------------


def run_reference(base: Path) -> Scenario:
    scenario = Scenario(copy_project(base / "reference"))
    scenario.runs.append(snakemake(scenario.project))
    scenario.outputs = outputs(scenario.project)
    if scenario.last.ok:  # the HTML report, for the privacy scan; not a pipeline output
        scenario.details["report"] = snakemake(scenario.project, "--report", "results/report.html")
    return scenario


def run_once(project: Path) -> Scenario:
    """One uninterrupted run of ``project`` with the default profile, and the outputs it left."""
    scenario = Scenario(project)
    scenario.runs.append(snakemake(project))
    scenario.outputs = outputs(project)
    return scenario


def run_second(base: Path) -> Scenario:
    return run_once(copy_project(base / "second"))


def other_cpu_environment() -> dict[str, str] | None:
    """Environment that makes this machine compute as an older x86-64 CPU; None elsewhere."""
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    from other_cpus import NUMPY_AVX512, cpu_flags

    env = {"OPENBLAS_CORETYPE": "Prescott"}
    if "avx512f" in cpu_flags():
        env["NPY_DISABLE_CPU_FEATURES"] = NUMPY_AVX512
    return env


#: The rules the ``other_cpu`` scenario leaves out (with what follows them): drawing and
#: assembling figures. They compute no number a table, audit or log does not print, their
#: rasterising uses no BLAS, and their bytes are compared twice elsewhere (``second``, the
#: figure cache's tests); left out, the suite stays under its ten minutes.
OTHER_CPU_OMITTED = ("figures", "manuscript", "meta_figures")


def run_other_cpu(base: Path) -> Scenario:
    scenario = Scenario(copy_project(base / "other_cpu"), details={"env": other_cpu_environment()})
    if scenario.details["env"] is not None:
        scenario.runs.append(snakemake(scenario.project, "--omit-from", *OTHER_CPU_OMITTED, env=scenario.details["env"]))
        scenario.outputs = outputs(scenario.project)
    return scenario


def run_small(base: Path) -> Scenario:
    return run_once(copy_project(base / "small", SMALL_STUDIES))


def run_validation(base: Path) -> Scenario:
    scenario = Scenario(copy_project(base / "validation", VALIDATION_STUDIES))
    scenario.runs.append(snakemake(scenario.project))
    scenario.outputs = outputs(scenario.project)
    return scenario


def _decode_marker(name: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(name).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def _job_state(project: Path) -> tuple[list[str], int]:
    """(outputs of running jobs, number of finished outputs) from Snakemake's metadata."""
    meta = project / ".snakemake"
    running = [p for p in (_decode_marker(f.name) for f in (meta / "incomplete").glob("*")) if p] if (meta / "incomplete").is_dir() else []
    finished = sum(1 for _ in (meta / "metadata").glob("*")) if (meta / "metadata").is_dir() else 0
    return running, finished


def run_interrupted(base: Path) -> Scenario:
    """SIGKILL mid-run, then --unlock and re-run with the default profile."""
    scenario = Scenario(copy_project(base / "interrupted", SMALL_STUDIES))
    project = scenario.project
    log = project / ".run-killed.out"
    process = _start(project, PROFILE, log)
    # Kill when a job has finished and another has begun writing a directory
    # output (the hardest case: a folder half full); if no such moment comes
    # within a few seconds of "one finished, one running", kill then anyway.
    both_since = None
    state = None
    deadline = time.monotonic() + RUN_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        running, finished = _job_state(project)
        if running and finished:
            both_since = both_since or time.monotonic()
            writing = [r for r in running if (project / r).is_dir() and any((project / r).iterdir())]
            if writing or time.monotonic() - both_since > 3:
                state = {"running": running, "finished_outputs": finished, "half_written": {r: sorted(p.name for p in (project / r).iterdir()) for r in writing}}
                _kill_group(process)
                break
        else:
            both_since = None
        time.sleep(0.02)
    scenario.runs.append(_finish(process, PROFILE, log))
    scenario.details["killed_at"] = state
    scenario.details["left_by_kill"] = sorted(outputs(project))
    scenario.runs.append(snakemake(project, "--unlock"))
    scenario.runs.append(snakemake(project))
    scenario.outputs = outputs(project)
    return scenario


#: The column whose values the failing scenario makes impossible (an event coded
#: 2) in the example's analysis set: the third declared analysis reads it, so
#: the job fails after writing two results.
FAILING_COLUMN = "pfs_event"


def run_failing(base: Path, small: Scenario) -> Scenario:
    """A copy of the finished small run whose analysis set has an impossible event code:
    only the analyses job re-runs, and raises half-way."""
    project = base / "failing"
    shutil.copytree(small.project, project, symlinks=True)  # copy2: modification times kept, so Snakemake sees what `small` left
    path = project / "results" / "example" / "analysis_set.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index(FAILING_COLUMN)
    for row in rows[1:]:
        row[column] = "2"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    exact = exchange_path(path)  # the copy the analyses read (her2cohort.io.write_frame)
    frame = read_exchange(exact)
    frame[FAILING_COLUMN] = 2
    write_exchange(frame, exact)
    scenario = Scenario(project)
    scenario.runs.append(snakemake(project))
    scenario.outputs = outputs(project)
    scenario.runs.append(snakemake(project, "--dry-run"))
    return scenario


#: Direct-identifier columns added to every raw table of the example, with
#: values that must never reach an output (dates in the raw data's ISO form).
IDENTIFIER_COLUMNS = {
    "patient_name": "Jane Q. Doe {i}",
    "mrn": "MRN{i:07d}",
    "date_of_birth": "19{y:02d}-0{m}-1{d}",
    "Address": "{i} Elm Street, Springfield",
    "phone": "+1-555-01{i:02d}",
    "email": "jane.doe{i}@example.org",
}


def identifier_value(column: str, i: int) -> str:
    return IDENTIFIER_COLUMNS[column].format(i=i + 1, y=30 + i % 60, m=1 + i % 9, d=i % 10)


def add_identifier_columns(raw_dir: Path) -> dict[str, list[str]]:
    """Append the identifier columns to every raw table of a cohort; return every value written."""
    written: dict[str, list[str]] = {c: [] for c in IDENTIFIER_COLUMNS}
    offset = 0
    for path in sorted(raw_dir.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        rows[0] += list(IDENTIFIER_COLUMNS)
        for k, row in enumerate(rows[1:]):
            values = [identifier_value(c, offset + k) for c in IDENTIFIER_COLUMNS]
            row += values
            for column, value in zip(IDENTIFIER_COLUMNS, values):
                written[column].append(value)
        offset += len(rows) - 1
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return written


def _identifier_project(target: Path, policy: str | None) -> tuple[Path, dict[str, list[str]]]:
    project = copy_project(target, SMALL_STUDIES)
    written = add_identifier_columns(project / "data" / "raw" / "example")
    if policy is not None:
        path = project / "config" / "studies" / "example.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"identifier_columns: {policy}\n", encoding="utf-8")
    return project, written


def run_identifiers(base: Path, policy: str | None) -> Scenario:
    project, written = _identifier_project(base / f"identifiers_{policy or 'default'}", policy)
    scenario = Scenario(project, details={"identifier_values": written})
    scenario.runs.append(snakemake(project))
    scenario.outputs = outputs(project)
    return scenario


#: The patients of the ``no_her2`` scenario: a cohort without HER2 data.
NO_HER2_PATIENTS = """patient_id,sex,age_years,treatment_start_date,progression_date,death_date,last_contact_date
A1,female,54,2015-01-10,2015-08-01,2016-02-01,2016-02-01
A2,female,61,2015-03-02,,,2018-05-01
A3,male,47,2015-05-20,2016-01-15,,2017-09-30
A4,female,70,2016-02-11,2016-06-01,2016-12-24,2016-12-24
A5,female,66,2016-07-01,,2019-01-05,2019-01-05
A6,male,58,2017-01-15,2017-11-20,,2019-03-01
"""

#: Its study file: no her2_guideline, no index_date; a Table 1 and a Kaplan-Meier analysis.
NO_HER2_STUDY = """study: no_her2
title: A cohort without HER2 data (patients only)
raw_dir: data/raw/no_her2
endpoints:
  os: {origin: treatment_start_date, events: [death_date]}
analyses:
  - id: characteristics
    type: baseline_table
    params:
      variables: [{name: age_years, kind: continuous}, sex]
  - id: os_km
    type: kaplan_meier
    params: {time: os_months, event: os_event}
  - id: os_median
    type: median_survival
    params: {time: os_months, event: os_event}
tables:
  - id: table1
    layout: baseline
    from: characteristics
    title: Table 1. Patient characteristics
    legend: Characteristics of the patients.
    level_labels: {sex: {female: Female, male: Male}}
figures:
  - id: os_figure
    type: km
    legend: Overall survival.
    from: os_km
    medians: os_median
    times: [0, 12, 24, 36, 48]
  - id: flow_figure
    type: flow
    legend: Flow of patients and the classification of their specimens (none).
    classification: true
"""


def no_her2_project(target: Path) -> Path:
    """A scratch copy of the project with the ``no_her2`` cohort as its only study."""
    project = copy_project(target, ["no_her2"])
    raw = project / "data" / "raw" / "no_her2"
    raw.mkdir(parents=True)
    (raw / "patients.csv").write_text(NO_HER2_PATIENTS, encoding="utf-8")
    (project / "config" / "studies" / "no_her2.yaml").write_text(NO_HER2_STUDY, encoding="utf-8")
    return project


def run_no_her2(base: Path) -> Scenario:
    return run_once(no_her2_project(base / "no_her2"))


# ---------------------------------------------------------------------------
# Running them in the background
# ---------------------------------------------------------------------------


class Registry:
    """The background scenarios of one test session, started once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen] = set()
        self._futures: dict[str, Future] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._base: Path | None = None
        self._stopping = False

    def track(self, process: subprocess.Popen) -> None:
        with self._lock:
            if self._stopping:
                _kill_group(process)
            self._processes.add(process)

    def untrack(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._processes.discard(process)

    def start(self) -> None:
        with self._lock:
            if self._pool is not None:
                return
            self._base = Path(tempfile.mkdtemp(prefix="her2cohort-pipeline-runs-"))
            # Two pipelines at a time: each runs up to two jobs, on two cores, beside the rest of the suite.
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pipeline-run")
        base = self._base
        submit = self._pool.submit
        self._futures["reference"] = submit(run_reference, base)
        self._futures["second"] = submit(run_second, base)
        self._futures["other_cpu"] = submit(run_other_cpu, base)
        self._futures["small"] = small = submit(run_small, base)
        self._futures["interrupted"] = submit(run_interrupted, base)
        self._futures["identifiers_dropped"] = submit(run_identifiers, base, "drop")
        self._futures["no_her2"] = submit(run_no_her2, base)
        self._futures["failing"] = submit(lambda: run_failing(base, small.result()))
        self._futures["validation"] = submit(run_validation, base)

    def result(self, name: str) -> Scenario:
        self.start()
        return self._futures[name].result()

    def stop(self, keep: bool = False) -> None:
        """Kill what still runs; delete the scratch projects unless ``keep`` (a failed session: look at them)."""
        with self._lock:
            self._stopping = True
            processes = list(self._processes)
            pool = self._pool
        for process in processes:
            _kill_group(process)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if self._base is not None and not keep:
            shutil.rmtree(self._base, ignore_errors=True)
        elif self._base is not None:
            print(f"\npipeline scenarios kept for inspection in {self._base}", file=sys.stderr)


REGISTRY = Registry()


# ---------------------------------------------------------------------------
# pytest plugin (registered by tests/conftest.py)
# ---------------------------------------------------------------------------


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "pipeline: runs the whole workflow in scratch copies (deselect with -m 'not pipeline')")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(session, config, items) -> None:
    for item in items:
        if "pipeline_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pipeline)


def pytest_collection_finish(session) -> None:
    """Start the runs as soon as the selected tests are known, if any of them needs one."""
    if any("pipeline_runs" in getattr(item, "fixturenames", ()) for item in session.items):
        REGISTRY.start()


def pytest_sessionfinish(session, exitstatus) -> None:
    REGISTRY.stop(keep=exitstatus not in (0, 5))  # 5: no tests collected


@pytest.fixture(scope="session")
def pipeline_runs() -> Registry:
    """The background pipeline scenarios; ``pipeline_runs.result(name)`` waits for one."""
    REGISTRY.start()
    return REGISTRY
