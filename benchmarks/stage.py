"""One pipeline stage on one cohort, in this (fresh) process; prints its timings as JSON.

    python benchmarks/stage.py STAGE --cohort DIR --work DIR [--study YAML]

Stages, in pipeline order (each reads what the previous one wrote under
``--work``, as the Snakemake rules do: the exact copies, ``.feather``, of the
tables; the CSVs are written as the rules write them: the small ones beside
their copy, the large ones by ``readable_tables``):

``clean``       raw CSVs -> cleaned tables (``scripts/clean.py``'s work): exact copies
                of patients, specimens, treatment lines; flow, exclusions, row counts as CSV
``classify``    cleaned tables -> specimens classified, analysis set (``scripts/classify.py``):
                exact copies only
``readable_tables``  the CSVs people open of those five large tables, from their exact
                copies (``scripts/readable_tables.py``): in the pipeline a job that runs
                beside the analyses and figures, not before them
``table1``      Table 1 by HER2 change (``baseline_table``)
``km_logrank``  Kaplan-Meier table, median with CI, log-rank test
``cox``         Cox model, 3 covariates, Efron ties, with concordance
``roc``         ROC AUC with DeLong CI and the Youden cutoff
``analyses``    all of the above in one process, as the pipeline's one ``analyses`` job per study
``figures``     Kaplan-Meier figure with numbers at risk, PDF + SVG + PNG

The analysis stages run the declared analyses of ``benchmarks/studies/scale.yaml``
through the analysis catalogue (``her2cohort.analyses.run_analysis``), as the
``analyses`` rule does. Printed: ``import_s`` (library imports), ``load_s``
(reading the inputs), ``work_s`` (the stage's computation), ``write_s``.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

STUDY = Path(__file__).resolve().parent / "studies" / "scale.yaml"
ANALYSES = {"table1": ["table1"], "km_logrank": ["km", "km_median", "logrank"], "cox": ["cox"], "roc": ["roc_cutoff"]}
ANALYSES["analyses"] = [name for names in ANALYSES.values() for name in names]
STAGES = ("clean", "classify", "readable_tables", *ANALYSES, "figures")
#: The large tables of clean and classify (as the ``readable_tables`` rule: exact copy -> CSV).
READABLE = ("clean/patients", "clean/specimens", "clean/treatment_lines", "analysis_set", "specimens_classified")


def _study(path: Path, cohort: Path) -> dict:
    from her2cohort.config import load_yaml

    # load_yaml, not load_study: the schema check imports jsonschema and the whole
    # statistics catalogue, which a clean job does not need (the pipeline checks
    # the study once, in the Snakefile).
    study = load_yaml(path)
    study["raw_dir"] = str(cohort)
    return study


def clean(args, timings):
    from her2cohort.cleaning import clean_cohort
    from her2cohort.io import write_exchange, write_frame, write_table

    study = _study(args.study, args.cohort)
    timings["import_s"] = time.perf_counter() - T0
    start = time.perf_counter()
    cohort = clean_cohort(args.cohort, study)
    timings["work_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for name in ("patients", "specimens", "treatment_lines"):  # their CSVs: readable_tables
        write_exchange(getattr(cohort, name), args.work / "clean" / f"{name}.feather")
    write_frame(cohort.flow, args.work / "clean" / "flow.csv")
    for name in ("exclusions", "row_counts"):
        write_table(getattr(cohort, name), args.work / "clean" / f"{name}.csv")
    timings["write_s"] = time.perf_counter() - start
    timings["rows"] = len(cohort.patients)


def classify(args, timings):
    from her2cohort.classify import analysis_set, classify_specimens
    from her2cohort.io import read_table, write_exchange

    study = _study(args.study, args.cohort)
    timings["import_s"] = time.perf_counter() - T0
    start = time.perf_counter()
    patients = read_table(args.work / "clean" / "patients.feather")
    specimens = read_table(args.work / "clean" / "specimens.feather")
    timings["load_s"] = time.perf_counter() - start
    start = time.perf_counter()
    classified = classify_specimens(specimens, study["her2_guideline"])
    data = analysis_set(patients, classified, study.get("comparison"))
    timings["work_s"] = time.perf_counter() - start
    start = time.perf_counter()
    write_exchange(data, args.work / "analysis_set.feather")  # their CSVs: readable_tables
    write_exchange(classified, args.work / "specimens_classified.feather")
    timings["write_s"] = time.perf_counter() - start
    timings["rows"] = len(data)


def readable_tables(args, timings):
    from her2cohort.io import read_exchange, write_table

    timings["import_s"] = time.perf_counter() - T0
    timings["load_s"] = timings["write_s"] = 0.0
    rows = 0
    for name in READABLE:  # as her2cohort.io.readable_copy, with reading and writing timed apart
        start = time.perf_counter()
        frame = read_exchange(args.work / f"{name}.feather")
        timings["load_s"] += time.perf_counter() - start
        start = time.perf_counter()
        write_table(frame, args.work / f"{name}.csv")
        timings["write_s"] += time.perf_counter() - start
        rows += len(frame)
    timings["work_s"] = 0.0  # a conversion: all of it is reading and writing
    timings["rows"] = rows


def analyses(args, timings):
    from her2cohort.analyses import run_analysis
    from her2cohort.io import read_table, write_frame

    study = _study(args.study, args.cohort)
    timings["import_s"] = time.perf_counter() - T0
    start = time.perf_counter()
    data = read_table(args.work / "analysis_set.feather")
    timings["load_s"] = time.perf_counter() - start
    declared = {a["id"]: a for a in study["analyses"]}
    results = {}
    start = time.perf_counter()
    for name in ANALYSES[args.stage]:
        begin = time.perf_counter()
        results[name] = run_analysis(data, declared[name], study.get("derive"))
        timings[f"{name}_s"] = time.perf_counter() - begin
    timings["work_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for name, result in results.items():
        write_frame(result, args.work / "stats" / f"{name}.csv")
    timings["write_s"] = time.perf_counter() - start
    timings["rows"] = len(data)


def figures(args, timings):
    import numpy as np

    from her2cohort.analyses import prepare
    from her2cohort.io import read_table
    from her2cohort.numbers import Printed
    from her2cohort.render.figures.km import km_figure
    from her2cohort.render.style import save_figure
    from her2cohort.stats.kaplan_meier import kaplan_meier, numbers_at_risk

    study = _study(args.study, args.cohort)
    timings["import_s"] = time.perf_counter() - T0
    start = time.perf_counter()
    data = read_table(args.work / "analysis_set.feather")
    timings["load_s"] = time.perf_counter() - start
    km = next(a for a in study["analyses"] if a["id"] == "km")
    start = time.perf_counter()
    frame = prepare(data, None, km.get("where"), "km")
    fit = kaplan_meier(frame, **km["params"])
    step = 12.0 * max(1, int(np.ceil(fit["time"].max() / 12 / 8)))  # whole years, at most 9 ticks
    ticks = np.arange(0, fit["time"].max() + step, step)
    at_risk = numbers_at_risk(fit, ticks)
    timings["fit_s"] = time.perf_counter() - start
    start = time.perf_counter()
    figure = km_figure(fit, at_risk, Printed(), xlabel="Months since start of first-line treatment", ylabel="Overall survival")
    save_figure(figure, args.work / "figures" / "km_os")
    timings["work_s"] = timings["fit_s"] + time.perf_counter() - start
    timings["rows"] = len(frame)
    timings["curve_points"] = len(fit)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run one pipeline stage and print its timings as JSON.")
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--cohort", type=Path, required=True, help="folder with the raw patients.csv and specimens.csv")
    parser.add_argument("--work", type=Path, required=True, help="folder for this cohort's stage outputs")
    parser.add_argument("--study", type=Path, default=STUDY)
    args = parser.parse_args(argv)
    timings: dict = {"stage": args.stage}
    runner = {"clean": clean, "classify": classify, "readable_tables": readable_tables, "figures": figures}.get(args.stage, analyses)
    runner(args, timings)
    timings["total_s"] = time.perf_counter() - T0
    print(json.dumps(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
