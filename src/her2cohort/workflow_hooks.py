"""What the Snakefile does to its own Snakemake process (not statistics; no Snakemake import).

:func:`cancel_rate_limiter_timers`, called in the Snakefile's ``onsuccess:`` and
``onerror:``: Snakemake's job rate limiter (``--max-jobs-per-timespan``, default
100 jobs per 1 s) re-evaluates the queue through a ``threading.Timer`` of one
timespan started on every pass of its scheduling loop
(``JobScheduler._schedule_reevalutation`` in
``snakemake/scheduling/job_scheduler.py``). The timers are not daemon threads,
so when the run is over Python waits for the last one to fire before it exits:
about one second at the end of every run that ran a job (1.2 s of a 2.1 s
one-job run). A fired timer only releases a semaphore the finished scheduler no
longer reads, so cancelling the leftovers changes nothing but the wait. The
reproduction for Snakemake's maintainers is docs/snakemake-exit-timer.md.
"""

from __future__ import annotations

import threading

#: Where the rate limiter's timers come from: the function that starts them.
RATE_LIMITER_FUNCTION = "_schedule_reevalutation"  # (sic: Snakemake's spelling)
RATE_LIMITER_MODULE = "job_scheduler.py"


def is_rate_limiter_timer(thread: threading.Thread) -> bool:
    """``thread`` is a pending ``threading.Timer`` started by Snakemake's job rate limiter
    (its function is the lambda defined in ``JobScheduler._schedule_reevalutation``)."""
    if not isinstance(thread, threading.Timer) or not thread.is_alive():
        return False
    code = getattr(thread.function, "__code__", None)
    qualname = getattr(thread.function, "__qualname__", "")
    return code is not None and code.co_filename.endswith(RATE_LIMITER_MODULE) and f"{RATE_LIMITER_FUNCTION}.<locals>" in qualname


def cancel_rate_limiter_timers() -> int:
    """Cancel the rate limiter's pending timers (no other thread); return how many.

    For ``onsuccess:`` and ``onerror:`` only, when the scheduler has stopped: the
    process then exits at once instead of waiting up to one timespan."""
    timers = [thread for thread in threading.enumerate() if is_rate_limiter_timer(thread)]
    for timer in timers:
        timer.cancel()
    for timer in timers:
        timer.join(timeout=1.0)  # a cancelled timer's thread ends at once
    return len(timers)
