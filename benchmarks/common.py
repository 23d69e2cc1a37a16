"""Shared helpers of the benchmarks: fresh-process measurement, medians, growth, tables.

Every measured unit runs in a fresh Python process (as each Snakemake job
does), started here and reaped with ``os.wait4``, whose resource usage is that
child's alone: wall time (start to exit, interpreter start-up and imports
included), CPU time (user + system, all threads) and peak resident memory
(``ru_maxrss``). tracemalloc would miss numpy's and pandas' own allocations;
the resident set sees them. The child may print one JSON line of timings of
its own (load, analysis, write), measured with ``time.perf_counter``.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
OUT = BENCH / "out"
PYTHON = sys.executable


@dataclass
class Measurement:
    """One run of one child process."""

    wall_s: float
    cpu_s: float
    max_rss_mib: float
    inner: dict = field(default_factory=dict)  # the child's own JSON timings


class ChildFailed(RuntimeError):
    pass


def run_child(command: list[str], *, cwd: Path = ROOT, env: dict | None = None) -> Measurement:
    """Run ``command`` in a fresh process; wall, CPU and peak RSS of that process alone."""
    import time

    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # communicate() would reap the child itself; read the pipes, then wait4 for its rusage.
    out, err = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise ChildFailed(f"{' '.join(map(str, command))} exited {process.returncode}:\n{err[-4000:]}")
    inner = {}
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            inner = json.loads(line)
            break
    return Measurement(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, inner)


def median(values) -> float:
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else math.nan


def growth_exponent(t1: float, t2: float, n1: float, n2: float) -> float:
    """log(t2 / t1) / log(n2 / n1): 1 is linear, n log n from 1e5 to 1e6 is 1.08, 2 is quadratic."""
    if not (t1 > 0 and t2 > 0) or n1 == n2:
        return math.nan
    return math.log(t2 / t1) / math.log(n2 / n1)


def nlogn_exponent(n1: float, n2: float) -> float:
    """The growth exponent of n log n between two sizes (the target's ceiling)."""
    return growth_exponent(n1 * math.log(n1), n2 * math.log(n2), n1, n2)


def fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """A Markdown table (prints as aligned plain text too) of ``rows`` with (key, header) columns."""
    cells = [[header for _, header in columns]] + [[r.get(key, "") if isinstance(r.get(key, ""), str) else fmt(r.get(key)) for key, _ in columns] for r in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(columns))]
    lines = []
    for i, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))) + " |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) if j == 0 else "-" * (w + 1) + ":" for j, w in enumerate(widths)) + "|")
    return "\n".join(lines)


def machine() -> str:
    """One line about the machine and versions, printed above every table."""
    import platform

    try:
        import numpy
        import pandas

        versions = f"numpy {numpy.__version__}, pandas {pandas.__version__}"
    except ImportError:  # pragma: no cover
        versions = ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, {versions}"


def save_results(out: Path, stem: str, records, summary, text: str) -> Path:
    """Write a benchmark's raw records and summary (``{stem}.json``) and its printed
    tables (``{stem}.md``) under ``out/results/``; return that folder."""
    results = out / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{stem}.json").write_text(json.dumps({"records": records, "summary": summary}, indent=1))
    (results / f"{stem}.md").write_text(text + "\n")
    return results


# ---------------------------------------------------------------------------
# The baseline: another git revision of the project, measured in the same run
# ---------------------------------------------------------------------------

#: What ``--base`` means when not given: the commit this branch left main at.
DEFAULT_BASE = "merge-base"


def resolve_base(spec: str | None) -> str | None:
    """The commit to compare with: ``merge-base`` (default: ``git merge-base HEAD main``), any
    revision git knows, or ``none`` (no comparison). Returns the full hash, or None."""
    if spec is None or spec.lower() == "none":
        return None
    if spec == DEFAULT_BASE:
        found = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True)
    else:
        found = subprocess.run(["git", "rev-parse", "--verify", f"{spec}^{{commit}}"], cwd=ROOT, capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"--base {spec}: not a revision of this repository ({found.stderr.strip()})")
    return found.stdout.strip()


def export_revision(revision: str, target: Path) -> Path:
    """The files of ``revision`` (library and workflow) in ``target``, as ``git archive`` gives them."""
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def library_env(project: Path) -> dict:
    """The environment that makes a run use ``project``'s own library (``project/src`` first on
    PYTHONPATH, ahead of the editable install), for a revision and its baseline alike."""
    path = [str(project / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def ratio(this: float, base: float) -> float:
    return this / base if base and base > 0 and not math.isnan(this) else math.nan
