"""The tables the stages hand each other come back exactly as computed (her2cohort.io.write_frame).

Every stage boundary of every configured study: clean -> classify, analyses,
figures, replication (patients, specimens, treatment lines, flow); classify ->
analyses, figures (analysis set, classification); analyses -> tables, figures,
replication, validation (each result, through :class:`her2cohort.results.Results`);
replication -> replication_summary (audit, consistency checks). Each frame is
computed here as its rule's script computes it, written with ``write_frame`` and
read back as the next rule reads it: same columns, dtypes, every float's bits,
every cell's value and missing marker. The CSV beside it is the old way and is
not exact (the last test shows the difference it made).

The large tables of clean and classify are handed over as exact copies alone;
their CSVs, for people, are written from those copies by the ``readable_tables``
rule (``her2cohort.io.readable_copy``), byte for byte the CSVs ``write_frame``
writes from the computed frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, load_mapping, load_published, load_study
from pipeline_runs import NO_HER2_PATIENTS, NO_HER2_STUDY
from her2cohort.analyses import run_analysis
from her2cohort.classify import analysis_set, classification_summary, classify_cohort
from her2cohort.cleaning import clean_cohort
from her2cohort.io import exchange_path, read_exchange, read_table, readable_copy, write_exchange, write_frame, write_table
from her2cohort.placement import declarations
from her2cohort.replication import audit, consistency_checks
from her2cohort.replication.audit import same_quantity_groups
from her2cohort.replication.selectors import tables as result_tables
from her2cohort.results import Results
from her2cohort.thresholds import guideline_thresholds
from her2cohort.treatment_lines import add_line_columns

STUDIES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["studies"]


def _missing_kind(value) -> str:
    if value is None:
        return "None"
    if value is pd.NA:
        return "NA"
    if value is pd.NaT:
        return "NaT"
    return "NaN"


def assert_identical(computed: pd.DataFrame, read: pd.DataFrame, name: str) -> None:
    """``read`` is ``computed`` (row index aside): columns, dtypes, float bits, values, missing markers."""
    computed = computed.reset_index(drop=True)
    assert list(read.columns) == list(computed.columns), name
    assert len(read) == len(computed), name
    for column in computed.columns:
        a, b = computed[column], read[column]
        where = f"{name}, column {column!r}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} read back as {b.dtype}"
        if a.dtype.kind == "f":
            # bit for bit: -0.0 and every NaN too
            assert np.array_equal(a.to_numpy().view(np.int64), b.to_numpy().view(np.int64)), where
            continue
        missing_a, missing_b = a.isna().to_numpy(), b.isna().to_numpy()
        assert np.array_equal(missing_a, missing_b), where
        for x, y in zip(a[~missing_a], b[~missing_b]):
            assert type(x) is type(y) and (x == y), f"{where}: {x!r} read back as {y!r}"
            if isinstance(x, float):
                assert np.float64(x).view(np.int64) == np.float64(y).view(np.int64), where
        if a.dtype == object:
            assert [_missing_kind(v) for v in a[missing_a]] == [_missing_kind(v) for v in b[missing_b]], f"{where}: missing markers"


def handed_over(frame: pd.DataFrame, tmp_path: Path, name: str) -> pd.DataFrame:
    """``frame`` written as a stage writes it and read as the next stage reads it."""
    path = tmp_path / f"{name.replace('/', '__')}.csv"
    write_frame(frame, path)
    assert path.exists() and exchange_path(path).exists()
    read = read_table(exchange_path(path))
    assert_identical(frame, read, name)
    return read


@pytest.mark.parametrize("name", STUDIES)
def test_every_stage_boundary_is_exact(name, tmp_path):
    study = load_study(ROOT / "config" / "studies" / f"{name}.yaml")
    # clean (scripts/clean.py) -> classify, analyses, figures, replication
    cohort = clean_cohort(ROOT / study["raw_dir"], study, f"config/studies/{name}.yaml")
    patients = handed_over(cohort.patients, tmp_path, f"{name}/patients")
    specimens = handed_over(cohort.specimens, tmp_path, f"{name}/specimens")
    treatment_lines = handed_over(cohort.treatment_lines, tmp_path, f"{name}/treatment_lines")
    flow = handed_over(cohort.flow, tmp_path, f"{name}/flow")
    # classify (scripts/classify.py) -> analyses, figures
    guideline = study.get("her2_guideline")
    classified = classify_cohort(specimens, guideline)
    rows = analysis_set(patients, classified, study.get("comparison"))
    if study.get("line_columns"):
        rows = add_line_columns(rows, treatment_lines, study["line_columns"])
    data = handed_over(rows, tmp_path, f"{name}/analysis_set")
    handed_over(classification_summary(classified, guideline or ""), tmp_path, f"{name}/classification")
    # analyses (scripts/analyses.py) -> tables, figures, replication, validation: read through Results
    stats = tmp_path / "stats"
    computed = {}
    for index, analysis in enumerate(study.get("analyses", [])):
        lines = treatment_lines if analysis.get("data") == "treatment_lines" else None
        for variant in [None, *analysis.get("variants", {})]:
            key = analysis["id"] if variant is None else f"{analysis['id']}--{variant}"
            earlier = {k: v for k, v in computed.items() if "--" not in k}  # a data: results analysis reads these
            computed[key] = run_analysis(data, analysis, study.get("derive"), variant, lines, "study", f"analyses[{index}]", earlier)
            write_frame(computed[key], stats / f"{key}.csv")
    results = Results(stats)
    for key, frame in computed.items():
        analysis, _, variant = key.partition("--")
        assert_identical(frame, results.table(analysis, variant or None), f"{name}/stats/{key}")
    # replication (scripts/replication.py) -> replication_summary
    if study.get("replication"):
        published = load_published(ROOT / study["published"])
        mapping = load_mapping(ROOT / study["replication"], published)
        tables = result_tables(stats, flow=flow, guideline=guideline_thresholds(study["her2_guideline"]))
        checks = consistency_checks(name, published["numbers"], mapping.get("consistency"), same_quantity_groups(mapping))
        variants = {a["id"]: a.get("variants", {}) for a in study.get("analyses", [])}
        report = audit(name, published, mapping, tables, checks, variants, declarations(study))
        handed_over(report, tmp_path, f"{name}/replication")
        handed_over(checks, tmp_path, f"{name}/consistency")


def _large_tables(raw_dir, study: dict, where: str | None = None) -> dict[str, pd.DataFrame]:
    """The tables whose CSVs the readable_tables rule writes, computed as clean and classify compute them."""
    cohort = clean_cohort(raw_dir, study, where)
    classified = classify_cohort(cohort.specimens, study.get("her2_guideline"))
    rows = analysis_set(cohort.patients, classified, study.get("comparison"))
    if study.get("line_columns"):
        rows = add_line_columns(rows, cohort.treatment_lines, study["line_columns"])
    return {
        "clean/patients": cohort.patients,
        "clean/specimens": cohort.specimens,
        "clean/treatment_lines": cohort.treatment_lines,
        "analysis_set": rows,
        "specimens_classified": classified,
    }


def assert_readable_tables_as_written(tables: dict[str, pd.DataFrame], tmp_path: Path, name: str) -> None:
    for table, frame in tables.items():
        before = tmp_path / "write_frame" / f"{table}.csv"
        write_frame(frame, before)  # how clean and classify wrote the CSV, beside the copy
        exact = tmp_path / "results" / f"{table}.feather"
        write_exchange(frame, exact)  # what they write now
        after = exact.with_suffix(".csv")
        assert_identical(frame, readable_copy(exact, after), f"{name}/{table}")  # the rule's script
        assert after.read_bytes() == before.read_bytes(), f"{name}/{table}.csv"


@pytest.mark.parametrize("name", STUDIES)
def test_the_readable_tables_are_the_csvs_write_frame_wrote(name, tmp_path):
    study = load_study(ROOT / "config" / "studies" / f"{name}.yaml")
    tables = _large_tables(ROOT / study["raw_dir"], study, f"config/studies/{name}.yaml")
    assert all(len(tables[t]) for t in ("clean/patients", "analysis_set")), name
    assert_readable_tables_as_written(tables, tmp_path, name)


def test_the_readable_tables_of_a_cohort_without_her2_data(tmp_path):
    # empty specimens and treatment lines, nothing classified, no HER2 column
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "patients.csv").write_text(NO_HER2_PATIENTS, encoding="utf-8")
    tables = _large_tables(raw, yaml.safe_load(NO_HER2_STUDY))
    assert tables["clean/specimens"].empty and tables["specimens_classified"].empty
    assert_readable_tables_as_written(tables, tmp_path, "no_her2")


def test_the_readable_tables_rule_writes_the_csv_of_each_copy_and_only_it_does():
    # workflow/rules/prepare.smk: each input of readable_tables is the exact copy of the
    # output of the same name (scripts/readable_tables.py pairs them by name), and no
    # other rule declares or reads those CSVs (every stage reads the copies); clean and
    # classify declare the copies
    import re

    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "workflow" / "rules").glob("*.smk")))
    rules = dict(re.findall(r"^rule (\w+):\n(.*?)(?=^rule |^# |\Z)", text, flags=re.MULTILINE | re.DOTALL))

    def paths(rule: str, section: str) -> dict[str, str]:
        block = re.search(rf"^    {section}:\n(.*?)(?=^    \w+:|\Z)", rules[rule], flags=re.MULTILINE | re.DOTALL).group(1)
        return dict(re.findall(r'^        (\w+)="([^"]+)",', block, flags=re.MULTILINE))

    inputs, outputs = paths("readable_tables", "input"), paths("readable_tables", "output")
    assert list(inputs) == list(outputs) and len(outputs) == 5
    assert all(str(exchange_path(outputs[name])) == inputs[name] for name in inputs)
    produced = {path for rule in ("clean", "classify") for path in paths(rule, "output").values()}
    assert set(inputs.values()) <= produced
    for rule, body in rules.items():
        named = {name for name, csv in outputs.items() if f'"{csv}"' in body}
        if rule != "readable_tables":
            assert not named, (rule, "declares or reads a readable table's CSV", named)


def test_missing_markers_dtypes_and_bits_survive(tmp_path):
    frame = pd.DataFrame(
        {
            "x": [0.1 + 0.2, -0.0, np.nan, 1e-310, 2.675],
            "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "flag": pd.array([True, None, False, True, True], dtype="boolean"),
            "mixed_missing": ["a", None, np.nan, pd.NA, "NA"],
            "nan_only": ["a", np.nan, "b", np.nan, "c"],
            "level": pd.Categorical(["low", "high", None, "low", "high"], categories=["low", "high"], ordered=True),
        },
        index=[5, 3, 9, 1, 0],
    )
    handed_over(frame, tmp_path, "synthetic")
    handed_over(pd.DataFrame({"a": pd.Series([], dtype=float)}), tmp_path, "empty")


def test_the_csv_was_not_exact(tmp_path):
    """Why the stages no longer read each other's CSV: pandas' default parser gives some
    floats back off by an ulp (this one as 0.30000000000000004 -> 0.3000000000000001)."""
    frame = pd.DataFrame({"x": [0.1 + 0.2, 2.0 / 3.0, 1 / 7]})
    write_table(frame, tmp_path / "t.csv")
    from_csv = pd.read_csv(tmp_path / "t.csv")["x"].to_numpy()
    assert not np.array_equal(from_csv, frame["x"].to_numpy())
    write_frame(frame, tmp_path / "t.csv")
    assert np.array_equal(read_exchange(exchange_path(tmp_path / "t.csv"))["x"].to_numpy(), frame["x"].to_numpy())
