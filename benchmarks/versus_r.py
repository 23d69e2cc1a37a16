"""Benchmark 5, Python next to R: the same analyses of the same CSV, timed in one run.

Data: the analysis set of the synthetic 10^5 cohort (from the scale
benchmark's clean and classify stages; built here if missing) and that of the
bundled gastric HER2-loss study (the pipeline's own clean and classify stages
on ``data/raw/gastric_her2_loss``, as a scratch run writes it). Analyses: those
of ``benchmarks/studies/scale.yaml`` (Table 1 by HER2 change; Kaplan-Meier
table; median with CI; log-rank; Cox with 3 covariates, Efron ties; ROC AUC
with DeLong CI and the Youden cutoff), in Python through the analysis
catalogue and in R by ``benchmarks/scale.R`` with survival and pROC.

Only the analysis is timed on both sides (the data already in memory), as the
median of several batches (a batch repeats a call until it lasts
``--min-batch`` seconds); loading the CSV is timed separately. A few numbers
of each analysis are compared between the two sides (relative difference <=
1e-6), so that the table compares like with like. Without Rscript the R side
is skipped with a message and the Python times are still printed.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

from common import BENCH, OUT, PYTHON, ROOT, machine, median, run_child, table
import synthetic

N_SCALE = 100_000
#: Target: each analysis within this factor of R's time.
TARGET_RATIO = 3.0
ANALYSES = ("table1", "km", "km_median", "logrank", "cox", "roc_cutoff")


def _analysis_set(label: str, cohort: Path, study: Path, work: Path) -> Path:
    """The analysis set's CSV of a cohort (R reads it), made by the pipeline's clean and classify
    stages and their readable_tables if missing."""
    target = work / "analysis_set.csv"
    if not target.exists():
        for stage in ("clean", "classify", "readable_tables"):
            run_child([PYTHON, str(BENCH / "stage.py"), stage, "--cohort", str(cohort), "--work", str(work), "--study", str(study)])
    return target


def datasets(out: Path) -> dict[str, Path]:
    scale_cohort = synthetic.write_cohort(N_SCALE, out / "cohorts" / f"n{N_SCALE}")
    return {
        "gastric_her2_loss": _analysis_set("gastric_her2_loss", ROOT / "data" / "raw" / "gastric_her2_loss", ROOT / "config" / "studies" / "gastric_her2_loss.yaml", out / "work" / "gastric_her2_loss"),
        "synthetic 10^5": _analysis_set("synthetic", scale_cohort, BENCH / "studies" / "scale.yaml", out / "work" / f"n{N_SCALE}"),
    }


def _time_call(function, min_batch: float, repeats: int):
    """Median wall and CPU seconds per call over ``repeats`` batches, as scale.R's time_call."""
    first = time.perf_counter()
    result = function()
    once = time.perf_counter() - first
    inner = max(1, math.ceil(min_batch / max(once, 1e-4)))
    batches, cpu_batches = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(inner):
            function()
        batches.append((time.perf_counter() - start) / inner)
        cpu_batches.append((time.process_time() - cpu_start) / inner)
    return result, (median(batches), median(cpu_batches))


def python_side(path: Path, min_batch: float, repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per analysis (and for the load) and the check numbers, in this process."""
    from her2cohort.analyses import run_analysis
    from her2cohort.config import load_yaml
    from her2cohort.io import read_table

    study = load_yaml(BENCH / "studies" / "scale.yaml")
    declared = {a["id"]: a for a in study["analyses"]}
    start, cpu_start = time.perf_counter(), time.process_time()
    data = read_table(path)
    seconds = {"load": (time.perf_counter() - start, time.process_time() - cpu_start)}
    results = {}
    for name in ANALYSES:
        results[name], seconds[name] = _time_call(lambda name=name: run_analysis(data, declared[name]), min_batch, repeats)
    t1, km_median, logrank, cox, roc_cutoff = (results[k] for k in ("table1", "km_median", "logrank", "cox", "roc_cutoff"))
    tests = t1[t1["row_type"] == "test"].set_index("variable")
    coef = cox.set_index("term")["coef"]
    auc = roc_cutoff[roc_cutoff["term"] == "auc"].iloc[0]
    checks = {
        "table1 age_years p": tests.loc["age_years", "p_value"],
        "table1 sex p": tests.loc["sex", "p_value"],
        "km median persistent": km_median.set_index("group").loc["persistent", "estimate"],
        "logrank chisq": logrank.iloc[0]["statistic"],
        "cox coef age_years": coef["age_years"],
        "cox coef baseline_h_score": coef["baseline_h_score"],
        "roc auc": auc["estimate"],
        "roc auc conf_low": auc["conf_low"],
        "roc threshold": roc_cutoff["threshold"].dropna().iloc[0],
    }
    return seconds, {k: float(v) for k, v in checks.items()}


def r_side(path: Path, label: str, work: Path, min_batch: float, repeats: int):
    import pandas as pd

    work.mkdir(parents=True, exist_ok=True)
    timings, checks = work / "r_timings.csv", work / "r_checks.csv"
    command = ["Rscript", str(BENCH / "scale.R"), str(path), label, str(timings), str(checks), str(min_batch), str(repeats)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{run.stderr[-3000:]}")
    frame = pd.read_csv(timings).set_index("analysis")
    t = {name: (row["seconds"], row["cpu_seconds"]) for name, row in frame.iterrows()}
    c = pd.read_csv(checks).set_index("quantity")["value"].to_dict()
    return t, c


def relative_difference(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="run.py versus_r", description=__doc__.splitlines()[0])
    parser.add_argument("--min-batch", type=float, default=0.2, help="seconds a timed batch lasts at least (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="batches per analysis; the median is reported (default %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    has_r = shutil.which("Rscript") is not None
    if not has_r:
        print("versus_r: Rscript not found, so the R side is SKIPPED (install Debian's r-base-core, r-cran-survival, r-cran-proc); Python times only.")
    rows, check_rows = [], []
    for label, path in datasets(args.out).items():
        py_seconds, py_checks = python_side(path, args.min_batch, args.repeats)
        r_seconds, r_checks = ({}, {})
        if has_r:
            r_seconds, r_checks = r_side(path, label, args.out / "work" / label.replace(" ", "_").replace("^", ""), args.min_batch, args.repeats)
        n = sum(1 for _ in path.open()) - 1
        for name in ("load", *ANALYSES):
            (py, py_cpu), (r, r_cpu) = py_seconds[name], r_seconds.get(name, (math.nan, math.nan))
            rows.append(
                {
                    "dataset": label, "n": str(n), "analysis": name,
                    "python_ms": 1000 * py, "r_ms": 1000 * r, "ratio": py / r if r > 0 else math.nan,
                    "python_cpu_ms": 1000 * py_cpu, "r_cpu_ms": 1000 * r_cpu, "cpu_ratio": py_cpu / r_cpu if r_cpu > 0 else math.nan,
                }
            )
        for quantity, value in py_checks.items():
            other = r_checks.get(quantity, math.nan)
            check_rows.append({"dataset": label, "quantity": quantity, "python": value, "r": other, "agree": "yes" if relative_difference(value, other) <= 1e-6 else ("–" if not has_r else "NO")})
    columns = [
        ("dataset", "dataset"), ("n", "patients"), ("analysis", "analysis"),
        ("python_ms", "Python ms"), ("r_ms", "R ms"), ("ratio", "Python / R"),
        ("python_cpu_ms", "Python CPU ms"), ("r_cpu_ms", "R CPU ms"), ("cpu_ratio", "CPU Python / R"),
    ]
    load = os.getloadavg()[0]
    text = [
        f"Benchmark 5 (Python next to R), {machine()}; median ms per call (wall, and CPU = user + system), data in memory; load = reading the CSV",
        f"(1-minute load average at the end: {load:.1f} on {os.cpu_count()} cores; above that, wall times include waiting for a core, CPU times do not)",
        "",
        table(rows, columns),
        "",
    ]
    text.append(f"target: every analysis within {TARGET_RATIO:g}x of R's time on the 10^5 cohort")
    if has_r:
        for key, what in (("ratio", "wall"), ("cpu_ratio", "CPU")):
            misses = [r for r in rows if r["dataset"].startswith("synthetic") and r["analysis"] != "load" and r[key] > TARGET_RATIO]
            text.append(f"{what} time: " + ("missed by " + ", ".join(f"{r['analysis']} ({r[key]:.1f}x)" for r in misses) if misses else "met by every analysis"))
    text += ["", "Same numbers on both sides (relative difference <= 1e-6):", "", table(check_rows, [("dataset", "dataset"), ("quantity", "quantity"), ("python", "Python"), ("r", "R"), ("agree", "agree")])]
    for row in check_rows:  # full precision in the table of checks
        row["python"], row["r"] = f"{row['python']:.10g}", f"{row['r']:.10g}"
    text[-1] = table(check_rows, [("dataset", "dataset"), ("quantity", "quantity"), ("python", "Python"), ("r", "R"), ("agree", "agree")])
    output = "\n".join(text)
    print(output)
    results = args.out / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "versus_r.md").write_text(output + "\n")
    print(f"\nwritten: {results / 'versus_r.md'}")
    return 1 if any(r["agree"] == "NO" for r in check_rows) else 0
