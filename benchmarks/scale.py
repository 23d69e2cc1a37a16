"""Benchmark 4, scale: the pipeline's stages on synthetic cohorts of 10^3 to 10^6 patients.

For each size n (two specimens per patient, :mod:`synthetic`), each stage of
:mod:`stage` runs in a fresh process, in pipeline order, ``--repeats`` times
(``--repeats-large`` at n >= 10^6). Printed per stage and size, as medians over
the repeats: wall time of the process (start-up and imports included, as a
Snakemake job), CPU time, peak resident memory, the stage's own load and work
times, and the growth exponent log(t2/t1) / log(n2/n1) of wall and work time
from the previous size. The analysis stages ``table1``, ``km_logrank``, ``cox``
and ``roc`` each run alone (their own time and memory); ``analyses`` runs all
of them in one process, as the pipeline's one analyses job per study does.
"end to end" is the sum of the pipeline's jobs on the critical path (clean,
classify, analyses, figures), each a fresh process, and the largest of their
peaks. ``readable_tables`` (the CSVs people open of the large tables, from the
exact copies clean and classify write) is a job that runs beside analyses and
figures, not before them: it is measured as a stage of its own, adds to end to
end's wall only what it runs past analyses and figures (:func:`critical_wall`),
and is counted in "all jobs", the CPU of every job (nothing hidden).

Targets (issue 7): 10^6 patients end to end <= 60 s and <= 4 GiB; cost grows
no faster than n log n (exponent <= 1.08 from 10^5 to 10^6).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

from common import DEFAULT_BASE, OUT, PYTHON, ROOT, export_revision, growth_exponent, library_env, machine, median, nlogn_exponent, ratio, resolve_base, run_child, save_results, table
import synthetic

STAGES = ("clean", "classify", "readable_tables", "table1", "km_logrank", "cox", "roc", "analyses", "figures")
#: The pipeline's jobs for one study on its critical path: their sum is "end to end"
#: (the per-analysis stages above break the ``analyses`` job down, and are not added again).
PIPELINE = ("clean", "classify", "analyses", "figures")
#: Jobs that run beside the critical path (their inputs are ready when analyses starts,
#: and neither analyses nor figures waits for them): not in end to end; in "all jobs".
BESIDE = ("readable_tables",)
#: The critical-path stages the BESIDE jobs run alongside (on the other core): the
#: run's wall is the path's, with these stages' wall replaced by the longer of them and
#: the BESIDE jobs (a BESIDE job longer than analyses + figures lengthens the run).
ALONGSIDE = ("analyses", "figures")


def critical_wall(walls: dict[str, float]) -> float:
    """One run's end-to-end wall on two cores from its stages' walls: the ``PIPELINE`` stages
    one after another, the ``BESIDE`` jobs on the other core alongside the ``ALONGSIDE``
    stages; a ``BESIDE`` job adds only what it runs past them."""
    path = sum(walls.get(stage, 0.0) for stage in PIPELINE)
    beside = sum(walls.get(stage, 0.0) for stage in BESIDE)
    return path + max(beside - sum(walls.get(stage, 0.0) for stage in ALONGSIDE), 0.0)


#: The summed rows: their name and the stages each adds up.
TOTALS = {"end to end": PIPELINE, "all jobs": PIPELINE + BESIDE}
SIZES = (1_000, 10_000, 100_000, 1_000_000)
TARGET_WALL_S = 60.0
TARGET_RSS_MIB = 4096.0
#: Issue 18: end to end at the largest size, this revision's wall over the baseline's.
TARGET_RATIO = 0.65


def measure(sizes, stages, repeats: int, repeats_large: int, out: Path, log=print, base: Path | None = None) -> list[dict]:
    """Run every stage at every size; one record per (stage, size, repeat, revision).

    With ``base`` (an export of the baseline revision, :func:`common.export_revision`),
    each stage runs on the same cohort with the baseline's own ``stage.py`` and library
    right before or after this revision's (alternating), in a work folder of its own."""
    revisions = {"this": ROOT} if base is None else {"this": ROOT, "base": base}
    known = {revision: stages_of(project) for revision, project in revisions.items()}
    records = []
    for n in sizes:
        started = time.perf_counter()
        cohort = synthetic.write_cohort(n, out / "cohorts" / f"n{n}")
        log(f"n = {n}: cohort ready ({time.perf_counter() - started:.1f} s)")
        for repeat in range(repeats if n < 1_000_000 else repeats_large):
            for stage in stages:
                order = list(revisions) if repeat % 2 == 0 else list(reversed(revisions))
                for revision in order:
                    if stage not in known[revision]:  # e.g. readable_tables: the baseline writes its CSVs in clean and classify
                        continue
                    project = revisions[revision]
                    work = out / "work" / f"n{n}" if revision == "this" else out / "work_base" / f"n{n}"
                    command = [PYTHON, str(project / "benchmarks" / "stage.py"), stage, "--cohort", str(cohort), "--work", str(work)]
                    load_average = os.getloadavg()[0]
                    m = run_child(command, env=library_env(project))
                    records.append({"revision": revision, "stage": stage, "n": n, "repeat": repeat, "load_average": load_average, "wall_s": m.wall_s, "cpu_s": m.cpu_s, "max_rss_mib": m.max_rss_mib, **{k: v for k, v in m.inner.items() if k != "stage"}})
                    log(f"  n = {n} repeat {repeat + 1} {stage:<10} {revision:<4} {m.wall_s:7.2f} s wall {m.cpu_s:7.2f} s CPU {m.max_rss_mib:7.0f} MiB (load {load_average:.1f})")
    return records


def stages_of(project: Path) -> tuple[str, ...]:
    """The stages ``benchmarks/stage.py`` of ``project`` (this tree or the baseline's export) knows."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"stage_{abs(hash(str(project)))}", project / "benchmarks" / "stage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # definitions only: main() runs under __main__
    return tuple(module.STAGES)


def compare(records: list[dict]) -> list[dict]:
    """End to end (the pipeline's jobs on the critical path summed; a ``BESIDE`` job longer
    than the ``ALONGSIDE`` stages it runs beside adds the difference, as it would hold the
    run's end on two cores) at each size: this revision over the baseline, the median of
    the ratios of repeats run interleaved, with the load beside them; and the CPU of all
    jobs (``BESIDE`` too) over the baseline's."""
    rows = []
    for n in sorted({r["n"] for r in records}):
        totals: dict = {}
        for r in records:
            if r["n"] == n and r["stage"] in PIPELINE + BESIDE:
                run = totals.setdefault((r.get("revision", "this"), r["repeat"]), {"walls": {}, "cpu_s": 0.0, "all_cpu_s": 0.0, "max_rss_mib": 0.0, "load": [], "count": 0})
                run["all_cpu_s"] += r["cpu_s"]
                run["walls"][r["stage"]] = r["wall_s"]
                if r["stage"] not in PIPELINE:
                    continue
                run["cpu_s"] += r["cpu_s"]
                run["max_rss_mib"] = max(run["max_rss_mib"], r["max_rss_mib"])
                run["load"].append(r["load_average"])
                run["count"] += 1
        repeats = sorted({k[1] for k in totals if k[0] == "this" and totals[k]["count"] == len(PIPELINE)} & {k[1] for k in totals if k[0] == "base" and totals[k]["count"] == len(PIPELINE)})
        if not repeats:
            continue
        this, base = [totals[("this", i)] for i in repeats], [totals[("base", i)] for i in repeats]
        for run in this + base:
            run["wall_s"] = critical_wall(run["walls"])
        rows.append({
            "n": n,
            "runs": str(len(repeats)),
            "base_wall": median([b["wall_s"] for b in base]),
            "this_wall": median([t["wall_s"] for t in this]),
            "ratio_wall": median([ratio(t["wall_s"], b["wall_s"]) for t, b in zip(this, base)]),
            "ratio_cpu": median([ratio(t["cpu_s"], b["cpu_s"]) for t, b in zip(this, base)]),
            "ratio_cpu_all": median([ratio(t["all_cpu_s"], b["all_cpu_s"]) for t, b in zip(this, base)]),
            "base_peak": max(b["max_rss_mib"] for b in base),
            "this_peak": max(t["max_rss_mib"] for t in this),
            "load": median([x for run in this + base for x in run["load"]]),
        })
    if rows:
        rows[-1]["target"] = f"<= {TARGET_RATIO:.2f}x"
        rows[-1]["met"] = "met" if rows[-1]["ratio_wall"] <= TARGET_RATIO else "MISSED"
    return rows


COMPARE_COLUMNS = [("n_label", "n"), ("runs", "pairs"), ("base_wall", "base wall s"), ("this_wall", "this wall s"), ("ratio_wall", "ratio wall"), ("ratio_cpu", "ratio CPU"), ("ratio_cpu_all", "ratio CPU all jobs"), ("base_peak", "base peak MiB"), ("this_peak", "this peak MiB"), ("target", "target"), ("met", "met"), ("load", "load avg")]


def summarise(records: list[dict]) -> list[dict]:
    """Medians per (stage, size), growth from the previous size, and the summed rows of
    :data:`TOTALS`, end to end and all jobs (this revision's runs)."""
    records = [r for r in records if r.get("revision", "this") == "this"]
    sizes = sorted({r["n"] for r in records})
    stages = list(dict.fromkeys(r["stage"] for r in records))
    rows = []
    for stage in [*stages, *TOTALS]:
        previous = None
        for n in sizes:
            if stage in TOTALS:
                summed = TOTALS[stage]
                runs = {}
                for r in records:
                    if r["n"] == n:
                        run = runs.setdefault(r["repeat"], {"wall_s": 0.0, "cpu_s": 0.0, "import_s": 0.0, "load_s": 0.0, "work_s": 0.0, "write_s": 0.0, "max_rss_mib": 0.0, "count": 0, "walls": {}})
                        run["walls"][r["stage"]] = r["wall_s"]
                        if r["stage"] not in summed:
                            continue
                        for key in ("wall_s", "cpu_s", "import_s", "load_s", "work_s", "write_s"):
                            run[key] += r.get(key, 0.0)
                        run["max_rss_mib"] = max(run["max_rss_mib"], r["max_rss_mib"])
                        run["count"] += 1
                chosen = [v for v in runs.values() if v["count"] == len(summed)]
                if stage == "end to end":  # on two cores: a BESIDE job longer than what it runs beside adds
                    for run in chosen:
                        run["wall_s"] = critical_wall(run["walls"])
            else:
                chosen = [r for r in records if r["stage"] == stage and r["n"] == n]
            if not chosen:
                continue
            row = {"stage": stage, "n": n, "repeats": len(chosen)}
            for key in ("wall_s", "cpu_s", "max_rss_mib", "import_s", "load_s", "work_s", "write_s"):
                row[key] = median([c.get(key, math.nan) for c in chosen])
            if stage not in TOTALS:
                row["load_average"] = median([c.get("load_average", math.nan) for c in chosen])
            if previous is not None:
                row["growth_wall"] = growth_exponent(previous["wall_s"], row["wall_s"], previous["n"], n)
                row["growth_cpu"] = growth_exponent(previous["cpu_s"], row["cpu_s"], previous["n"], n)
                row["growth_work"] = growth_exponent(previous["work_s"], row["work_s"], previous["n"], n)
            rows.append(row)
            previous = row
    return rows


COLUMNS = [
    ("stage", "stage"),
    ("n_label", "n"),
    ("repeats", "runs"),
    ("wall_s", "wall s"),
    ("cpu_s", "CPU s"),
    ("max_rss_mib", "peak MiB"),
    ("import_s", "import s"),
    ("load_s", "load s"),
    ("work_s", "work s"),
    ("write_s", "write s"),
    ("growth_wall", "growth wall"),
    ("growth_cpu", "growth CPU"),
    ("growth_work", "growth work"),
    ("load_average", "load avg"),
]


def _n_label(n: int) -> str:
    return f"10^{round(math.log10(n))}" if math.log10(n).is_integer() else str(n)


def report(rows: list[dict], comparison: list[dict] | None = None) -> str:
    for row in comparison or []:
        row["n_label"] = _n_label(row["n"])
    for row in rows:
        row["n_label"] = f"10^{round(math.log10(row['n']))}" if math.log10(row["n"]).is_integer() else str(row["n"])
        row["repeats"] = str(row["repeats"])
        if row["stage"] in TOTALS:
            row["max_rss_mib"] = row["max_rss_mib"]  # the largest stage's peak
    lines = [f"Benchmark 4 (scale), {machine()}; medians; each stage a fresh process", ""]
    if comparison:
        lines += [f"End to end ({', '.join(PIPELINE)}; {', '.join(BESIDE)} beside {' and '.join(ALONGSIDE)}, its excess over them added), this revision over the baseline, stages interleaved (issue 18: <= {TARGET_RATIO:.2f}x at the largest size):", "", table(comparison, COMPARE_COLUMNS), ""]
        lines += ["ratio = median over the repeats of (this revision's sum / the baseline's sum of the same repeat); load avg = median 1-minute load at the stages' starts.", f"ratio CPU all jobs: the same with {', '.join(BESIDE)} (beside the critical path) added to this revision's sum; the baseline has no such job (its clean and classify write those CSVs).", "", "This revision alone:", ""]
    lines += [table(rows, COLUMNS), ""]
    lines.append("wall and CPU: the whole process (start-up included); import, load (reading inputs), work (the stage itself) and write: wall time inside it.")
    lines.append(f"end to end = {' + '.join(PIPELINE)} (the critical path: each waits for the one before); {', '.join(BESIDE)} runs beside {' and '.join(ALONGSIDE)}, its wall added only where it runs past them; all jobs = end to end + {' + '.join(BESIDE)} (every job's CPU).")
    lines.append("growth = log(t2/t1) / log(n2/n1) from the previous size; n log n from 10^5 to 10^6 is %.2f." % nlogn_exponent(1e5, 1e6))
    lines.append(f"load avg = the machine's 1-minute load average when the stage started: above {os.cpu_count()} (the cores), other processes competed and wall time overstates the stage's own cost (CPU time does not).")
    largest = [r for r in rows if r["stage"] == "end to end" and r["n"] == max(x["n"] for x in rows)]
    if largest:
        r = largest[0]
        verdict = []
        verdict.append(f"end to end at n = {r['n']}: {r['wall_s']:.1f} s (target <= {TARGET_WALL_S:.0f} s: {'met' if r['wall_s'] <= TARGET_WALL_S else 'MISSED'})")
        verdict.append(f"CPU {r['cpu_s']:.1f} s")
        every = [x for x in rows if x["stage"] == "all jobs" and x["n"] == r["n"]]
        if every:
            verdict.append(f"all jobs' CPU {every[0]['cpu_s']:.1f} s ({', '.join(BESIDE)} included)")
        verdict.append(f"peak {r['max_rss_mib']:.0f} MiB (target <= {TARGET_RSS_MIB:.0f} MiB: {'met' if r['max_rss_mib'] <= TARGET_RSS_MIB else 'MISSED'})")
        lines.append("; ".join(verdict))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="run.py scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated numbers of patients (default %(default)s)")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages (default all, in pipeline order)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size below 10^6 (default 3)")
    parser.add_argument("--repeats-large", type=int, default=2, help="runs at 10^6 and above (default 2)")
    parser.add_argument("--out", type=Path, default=OUT, help="cohorts, stage outputs and results (default benchmarks/out)")
    parser.add_argument("--tag", help="name the result files scale_TAG.json/.md (to keep several runs)")
    parser.add_argument("--report", type=Path, nargs="+", help="print the table of earlier runs' scale.json files (merged) instead of measuring")
    parser.add_argument("--base", default=DEFAULT_BASE, help="git revision to compare with, measured in the same run (default: the merge-base of HEAD and main; 'none': no comparison)")
    args = parser.parse_args(argv)
    if args.report:
        # repeats of different runs are different runs
        records = [{**r, "repeat": f"{i}.{r['repeat']}"} for i, path in enumerate(args.report) for r in json.loads(path.read_text())["records"]]
        print(report(summarise(records), compare(records)))
        return 0
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    stages = [s for s in args.stages.split(",") if s]
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s) {sorted(unknown)}; expected some of {', '.join(STAGES)}")
    if stages[0] != "clean":
        for n in sizes:  # a later stage alone needs the earlier stages' outputs
            if not (args.out / "work" / f"n{n}" / "analysis_set.feather").exists():
                parser.error(f"no stage outputs for n = {n}: run the clean and classify stages first")
    base = resolve_base(args.base)
    exported = export_revision(base, args.out / "base" / base[:12]) if base else None
    if exported is not None and not (exported / "benchmarks" / "stage.py").exists():
        parser.error(f"--base {args.base}: revision {base[:12]} has no benchmarks/stage.py")
    records = measure(sizes, stages, args.repeats, args.repeats_large, args.out, base=exported)
    rows = summarise(records)
    comparison = compare(records)
    text = report(rows, comparison)
    print()
    print(text)
    stem = "scale" if args.tag is None else f"scale_{args.tag}"
    results = save_results(args.out, stem, records, {"stages": rows, "comparison": comparison}, text)
    print(f"\nwritten: {results / (stem + '.md')}, {results / (stem + '.json')}")
    return 0
