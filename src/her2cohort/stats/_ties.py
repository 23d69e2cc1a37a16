"""Tied survival times, decided the same way on every machine and as R decides them.

R's survival package merges times that differ only by floating-point noise
before ``survfit``, ``survdiff``, ``coxph`` and ``concordance`` see them
(``aeqSurv``, switched on by ``timefix = TRUE``, the default of each). Without
it a tie that holds in exact arithmetic (0.1 + 0.2 months against 0.3 months,
a time derived in a study's ``derive`` against one read from the export)
would be two distinct times here and one in R, and which of two close floats
is the larger could change the risk sets.
"""

from __future__ import annotations

import math

import numpy as np

from her2cohort.stats._result import StatisticsError

#: ``sqrt(.Machine$double.eps)``, aeqSurv's default tolerance.
TIMEFIX_TOLERANCE = math.sqrt(np.finfo(float).eps)


def aeq_surv(time: np.ndarray) -> np.ndarray:
    """R's ``survival::aeqSurv`` on right-censored times.

    Consecutive distinct times whose gap is at most ``sqrt(eps)``, absolutely or
    relative to the mean absolute distinct time, are set to the first of their
    run (R: ``findInterval`` onto the cut points), so floating-point noise cannot
    break a tie. Follow-up in days or in months to a few decimals never triggers
    it; the array is returned unchanged then.
    """
    time = np.asarray(time, dtype=float)
    cuts = _cuts(time)
    if cuts is None:
        return time
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


def _cuts(values: np.ndarray) -> np.ndarray | None:
    """aeqSurv's cut points: the first of each run of distinct values closer than
    the tolerance; None when no two distinct values are that close."""
    unique = np.unique(values[np.isfinite(values)])
    if unique.size < 2:
        return None
    gaps = np.diff(unique)
    tied = (gaps <= TIMEFIX_TOLERANCE) | (gaps / np.mean(np.abs(unique)) <= TIMEFIX_TOLERANCE)
    if not tied.any():
        return None
    return unique[np.concatenate([[True], ~tied])]


def aeq_surv_counting(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``survival::aeqSurv`` on ``(start, stop]`` intervals.

    The distinct values of both columns together are merged as :func:`aeq_surv`
    merges times; an interval that the merge would make empty is an error, as in
    R ("aeqSurv exception, an interval has effective length 0").
    """
    start = np.asarray(start, dtype=float)
    stop = np.asarray(stop, dtype=float)
    cuts = _cuts(np.concatenate([start, stop]))
    if cuts is None:
        return start, stop
    new_start = cuts[np.searchsorted(cuts, start, side="right") - 1]
    new_stop = cuts[np.searchsorted(cuts, stop, side="right") - 1]
    if np.any((new_start == new_stop) & (start != stop)):
        raise StatisticsError(
            "an interval (start, stop] is shorter than R's time tolerance (aeqSurv: "
            "'an interval has effective length 0'): start and stop are the same time"
        )
    return new_start, new_stop
