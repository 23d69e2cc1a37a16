"""Snakemake's leftover rate-limiter timer is cancelled when the run ends (her2cohort.workflow_hooks)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from conftest import ROOT
from her2cohort.workflow_hooks import cancel_rate_limiter_timers, is_rate_limiter_timer

SNAKEMAKE = Path(sys.executable).with_name("snakemake")

ONE_RULE = """
from her2cohort.workflow_hooks import cancel_rate_limiter_timers


onsuccess:
    print(f"cancelled {cancel_rate_limiter_timers()} timer(s)")


rule one:
    output:
        "one.txt",
    shell:
        "echo one > {output}"
"""


def test_a_real_run_leaves_a_rate_limiter_timer_and_the_hook_cancels_it(tmp_path):
    # the installed Snakemake: if it renames the function that starts the timers, this fails
    (tmp_path / "Snakefile").write_text(ONE_RULE, encoding="utf-8")
    run = subprocess.run([str(SNAKEMAKE), "--cores", "1", "--snakefile", "Snakefile"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    cancelled = re.search(r"cancelled (\d+) timer\(s\)", run.stdout + run.stderr)
    assert cancelled and int(cancelled[1]) >= 1, run.stdout + run.stderr
    assert (tmp_path / "one.txt").read_text() == "one\n"


def test_only_the_rate_limiters_timers_are_cancelled():
    fired = threading.Event()
    other = threading.Timer(60, fired.set)  # someone else's timer: left alone
    other.start()
    try:
        assert not is_rate_limiter_timer(other)
        assert cancel_rate_limiter_timers() == 0
        assert other.is_alive()
    finally:
        other.cancel()


def test_the_snakefile_cancels_them_on_success_and_on_error():
    text = (ROOT / "Snakefile").read_text(encoding="utf-8")
    for hook in ("onsuccess", "onerror"):
        assert re.search(rf"^{hook}:\n    cancel_rate_limiter_timers\(\)$", text, re.M), hook
