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
    unique = np.unique(time[np.isfinite(time)])
    if unique.size < 2:
        return time
    gaps = np.diff(unique)
    tied = (gaps <= TIMEFIX_TOLERANCE) | (gaps / np.mean(np.abs(unique)) <= TIMEFIX_TOLERANCE)
    if not tied.any():
        return time
    cuts = unique[np.concatenate([[True], ~tied])]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]
