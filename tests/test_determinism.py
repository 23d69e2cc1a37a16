"""Two runs of the whole configured pipeline from scratch give byte-identical outputs.

Both runs (``reference`` and ``second`` in tests/pipeline_runs.py) copy the
project to a scratch folder of their own and run every configured study, so
the comparison covers every rule and every file the pipeline writes under
``results/`` and ``logs/`` (tables, statistics, figures in PDF/SVG/PNG,
replication files, provenance, logs), including outputs added after this test
was written. Snakemake's benchmark files (``results/benchmarks/**.tsv``) hold
timings and are the only files whose content may differ; they must still exist
in both runs. The two copies live in different folders, so an absolute path
written into an output is caught too.
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT
from pipeline_runs import OTHER_CPU_OMITTED, differences, is_benchmark, printed_differences, study_prefixes


def test_two_runs_from_scratch_give_byte_identical_outputs(pipeline_runs):
    first = pipeline_runs.result("reference")
    second = pipeline_runs.result("second")
    assert first.last.ok, first.transcript()
    assert second.last.ok, second.transcript()
    studies = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["studies"]
    for study in studies:  # the runs did run every study
        assert f"results/{study}/analysis_set.csv" in first.outputs, study
    assert sum(not is_benchmark(p) for p in first.outputs) > 10 * len(studies)
    assert differences(first.outputs, second.outputs) == []


def test_another_cpu_prints_the_same_numbers(pipeline_runs):
    """The whole pipeline but its figures and manuscripts (``OTHER_CPU_OMITTED``) as an
    older CPU computes it (OpenBLAS Prescott kernel, numpy without AVX-512): every
    table, Word and LaTeX file, audit, report and log is byte-identical; the
    full-precision CSV results differ at most in the last bits (measured: <= 6e-14
    relative, 708 cells) and in nothing printed."""
    first = pipeline_runs.result("reference")
    other = pipeline_runs.result("other_cpu")
    if other.details["env"] is None:
        pytest.skip("no other CPU to simulate on this architecture (x86-64 only)")
    assert first.last.ok, first.transcript()
    assert other.last.ok, other.transcript()
    # what the omitted rules write (workflow/rules/manuscript.smk, meta.smk), and nothing else is missing
    drawn = re.compile(r"results/(meta/)?[^/]+/(figures/|manuscript\.|methods\.|report_items/)|logs/(meta/)?[^/]+/(" + "|".join(OTHER_CPU_OMITTED) + r")\.log$")
    left_out = sorted(p for p in first.outputs if p not in other.outputs and not is_benchmark(p))
    assert left_out and all(drawn.match(p) for p in left_out), [p for p in left_out if not drawn.match(p)][:20]
    assert not set(other.outputs) - set(first.outputs)
    printed = [p for p in first.outputs if p.endswith("_numbers.csv") and not drawn.match(p)]  # tables, audits
    assert printed and all(p in other.outputs for p in printed)
    common = {p: b for p, b in first.outputs.items() if p in other.outputs}
    assert printed_differences(common, other.outputs) == []


def test_printed_differences_allows_only_last_bits_of_csv_numbers():
    base = {"results/a/stats/x.csv": b"term,p\nage,0.012345678901234567\n", "results/a/tables/t.md": b"| 0.012 |\n"}
    near = {**base, "results/a/stats/x.csv": b"term,p\nage,0.012345678901234512\n"}
    assert printed_differences(base, near) == []
    far = {**base, "results/a/stats/x.csv": b"term,p\nage,0.01234567\n"}
    assert printed_differences(base, far) != []
    text = {**base, "results/a/stats/x.csv": b"term,p\nsex,0.012345678901234567\n"}
    assert printed_differences(base, text) != []
    printed = {**base, "results/a/tables/t.md": b"| 0.013 |\n"}
    assert printed_differences(base, printed) != []
    # a record of printed numbers: its values (a JSON list) at full precision, its text as printed
    record = {"results/a/figures/f_numbers.csv": b'kind,values,text\nestimate_ci,"[1.1883, 0.6241675887912753, null]",1.19 (0.62\xe2\x80\x93NR)\n'}
    last_bits = {"results/a/figures/f_numbers.csv": record["results/a/figures/f_numbers.csv"].replace(b"0.6241675887912753", b"0.6241675887912761")}
    assert printed_differences(record, last_bits) == []
    for other in (b"0.6241675887912753, null", b"0.63, null", b"0.6241675887912753, 2.0", b"0.6241675887912753"):
        changed = {"results/a/figures/f_numbers.csv": record["results/a/figures/f_numbers.csv"].replace(b"0.6241675887912753, null", other)}
        assert (printed_differences(record, changed) == []) == (other == b"0.6241675887912753, null")


def test_a_study_run_alone_gives_the_files_it_gives_among_all_studies(pipeline_runs):
    """Per-study outputs do not depend on which other studies are configured."""
    everything = pipeline_runs.result("reference")
    alone = pipeline_runs.result("small")
    assert everything.last.ok and alone.last.ok, alone.transcript()
    lines = differences(everything.outputs, alone.outputs, within=study_prefixes(["example"]))
    assert lines == []


def test_benchmark_files_are_the_only_exception():
    assert is_benchmark("results/benchmarks/example/clean.tsv")
    assert is_benchmark("results/benchmarks/provenance.tsv")
    assert not is_benchmark("results/example/stats/pfs_median.csv")
    assert not is_benchmark("results/example/tables/benchmarks.tsv")
    assert differences({"results/benchmarks/a.tsv": b"s\n1.0\n"}, {"results/benchmarks/a.tsv": b"s\n2.0\n"}) == []
    assert differences({"results/a.csv": b"x"}, {"results/a.csv": b"y"}) != []
    assert differences({"results/a.csv": b"x"}, {}) == ["missing: results/a.csv"]
