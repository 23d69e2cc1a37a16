"""Faults and resumption: a killed run, a job failing half-way, a full disk.

Pipeline level (scenarios of tests/pipeline_runs.py, on the example study in
scratch copies): Snakemake SIGKILLed with its jobs while one job has finished
and another is writing, then ``snakemake --unlock`` and a re-run with the
default profile (``rerun-incomplete``), gives every output byte-identical to an
uninterrupted run; the analyses job raising half-way (an impossible value in its input)
leaves no output that the next run would take as finished.

Library level: :mod:`her2cohort.io` writes through a temporary file and
``os.replace``, so a write that fails (disk full, simulated with
``RLIMIT_FSIZE`` in a child process; an exception half-way) leaves the previous
file or none, never a truncated one, and no temporary behind.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from her2cohort import io as her2_io
from pipeline_runs import FAILING_COLUMN, differences


def _partials(files) -> list[str]:
    return [p for p in files if her2_io.PARTIAL_MARK in Path(p).name]


# ---------------------------------------------------------------------------
# Pipeline: SIGKILL, then re-run
# ---------------------------------------------------------------------------


def test_sigkill_mid_run_then_rerun_gives_outputs_identical_to_an_uninterrupted_run(pipeline_runs):
    reference = pipeline_runs.result("small")
    interrupted = pipeline_runs.result("interrupted")
    assert reference.last.ok, reference.transcript()
    killed, unlock, resumed = interrupted.runs
    state = interrupted.details["killed_at"]
    # The kill came while a job had finished and another was running.
    assert state is not None and state["running"] and state["finished_outputs"] > 0, killed.output[-3000:]
    assert killed.returncode == -9, killed.output[-3000:]
    # It did leave unfinished work behind for the re-run to recognise.
    assert set(interrupted.details["left_by_kill"]) != set(reference.outputs)
    # After a SIGKILL Snakemake's lock stays: `--unlock` once, then the default profile.
    assert unlock.ok, interrupted.transcript()
    assert resumed.ok, interrupted.transcript()
    assert differences(reference.outputs, interrupted.outputs) == []
    assert _partials(interrupted.outputs) == []


# ---------------------------------------------------------------------------
# Pipeline: a job failing half-way
# ---------------------------------------------------------------------------


def test_a_job_failing_half_way_leaves_no_output_that_looks_finished(pipeline_runs):
    small = pipeline_runs.result("small")
    failing = pipeline_runs.result("failing")
    run, dry_run = failing.runs
    output = run.output
    assert run.returncode != 0, failing.transcript()
    # A clear message naming the study file, the analysis and the column; no traceback.
    assert "config/studies/example.yaml: analysis 'pfs_median'" in output and repr(FAILING_COLUMN) in output, output[-3000:]
    assert "Traceback" not in output
    # The first two analyses had been written when the third raised: Snakemake
    # removed the whole folder, so no half-filled stats/ remains.
    assert not (failing.project / "results" / "example" / "stats").exists()
    assert not any(p.startswith("results/example/stats/") for p in failing.outputs)
    assert _partials(failing.outputs) == []
    # Everything else is the finished output of the earlier run, untouched.
    changed = {"results/example/analysis_set.csv", "results/example/analysis_set.feather", "logs/example/analyses.log"}  # edited by the test; the error
    lines = differences(small.outputs, failing.outputs)
    assert all(line.split(": ", 1)[1].split(" ")[0] in changed or line.startswith("missing: results/example/stats/") for line in lines), lines
    assert "Study configuration error" in failing.outputs["logs/example/analyses.log"].decode()
    # The next run knows what is missing and runs the analyses again.
    assert dry_run.ok, dry_run.output[-3000:]
    assert "analyses" in dry_run.output and "results/example/stats" in dry_run.output


# ---------------------------------------------------------------------------
# Library: atomic writes
# ---------------------------------------------------------------------------

_DISK_FULL_CHILD = textwrap.dedent(
    """
    import resource, sys
    import pandas as pd
    from her2cohort.io import user_errors, write_table
    target, log, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # Python ignores SIGXFSZ: writes raise EFBIG
    with user_errors(log):
        write_table(pd.DataFrame({"x": range(100_000)}), target)
    """
)


def test_a_full_disk_leaves_the_previous_file_and_no_partial_one(tmp_path):
    target, log = tmp_path / "out" / "table.csv", tmp_path / "table.log"
    her2_io.write_table(pd.DataFrame({"x": [1, 2, 3]}), target)
    before = target.read_bytes()
    run = subprocess.run([sys.executable, "-c", _DISK_FULL_CHILD, str(target), str(log), "4096"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert f"Could not write {target}: File too large" in run.stderr and "Traceback" not in run.stderr
    assert "Could not write" in log.read_text()
    assert target.read_bytes() == before  # the old, complete file; not a truncated new one
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.csv"]


def test_an_exception_half_way_through_a_write_leaves_no_file(tmp_path):
    target = tmp_path / "figure.pdf"
    with pytest.raises(RuntimeError):
        with her2_io.atomic_write(target, "wb") as handle:
            handle.write(b"%PDF-1.4 half a figure")
            raise RuntimeError("the renderer failed")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_keeps_the_suffix_for_format_detection_and_the_usual_mode(tmp_path):
    target = tmp_path / "figure.svg"
    with her2_io.atomic_path(target) as tmp:
        assert tmp.suffix == ".svg" and tmp.parent == tmp_path and tmp.name.startswith(".figure.svg.")
        tmp.write_text("<svg/>")
        assert not target.exists()  # nothing under the final name until the block completes
    assert target.read_text() == "<svg/>"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~her2_io._UMASK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.svg"]


def test_a_temporary_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "flow.csv"
    stale = tmp_path / f".flow.csv.abc123{her2_io.PARTIAL_MARK}.csv"
    other = tmp_path / f".other.csv.abc123{her2_io.PARTIAL_MARK}.csv"  # another file's: not ours to remove
    stale.write_text("step,n\n0,")
    other.write_text("x")
    her2_io.write_text(target, "step,n\n0,10\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, other.name])


def test_write_table_is_byte_stable(tmp_path):
    frame = pd.DataFrame({"term": ["a", "b"], "estimate": [0.1 + 0.2, 1 / 3]})
    her2_io.write_table(frame, tmp_path / "a.csv")
    her2_io.write_table(frame, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes() == b"term,estimate\na,0.30000000000000004\nb,0.3333333333333333\n"
