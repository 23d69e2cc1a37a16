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

import yaml

from conftest import ROOT
from pipeline_runs import differences, is_benchmark, study_prefixes


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
