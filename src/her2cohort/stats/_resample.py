"""Bootstrap resamples that R can be handed, and R's two percentile intervals.

The bootstrap functions of this package (:func:`her2cohort.stats.roc.bootstrap_cutoff_ci`,
:func:`her2cohort.stats.validation_bootstrap.optimism_corrected_auc`) draw
their resamples here, once, before any statistic is computed:

* :func:`resample_positions` returns a ``(n_boot, n)`` integer matrix of row
  positions (0-based, into the complete-case rows of the data, in data order).
  Random numbers come from ``numpy.random.default_rng(seed)`` (PCG64): the same
  seed gives the same matrix on every machine and numpy version that keeps the
  Generator's stream (numpy guarantees it for ``integers`` within a major
  version; ``tests/stats/test_validation_bootstrap.py`` checks the committed
  matrix against a fresh draw). R cannot reproduce numpy's stream, so the R
  reference (``tests/r/rigor_validation.R``) is *given* the same matrix as a
  CSV and recomputes every replicate from it.
* **stratified** (pROC's ``boot.stratified = TRUE``, the default): per
  replicate, ``rng.integers(0, n_cases, n_cases)`` then ``rng.integers(0,
  n_controls, n_controls)``, the cases' positions first; the numbers of cases
  and controls stay those of the data, so every replicate has an ROC curve.
  **ordinary** (``stratified=False``, Harrell's bootstrap of patients): per
  replicate ``rng.integers(0, n, n)``; a replicate without a case or without a
  control has no ROC curve and is skipped (counted in ``note``).

Percentile intervals, both R's and both exact functions of the sorted replicates:

* :func:`quantile_type7`: ``stats::quantile(x, probs, type = 7)`` line for line
  (``(1 - h) * x[lo] + h * x[hi]``; numpy's ``np.quantile`` interpolates as
  ``x[lo] + h * (x[hi] - x[lo])``, which can differ in the last bit). pROC's
  ``ci.coords`` uses it.
* :func:`boot_percentile`: ``boot::boot.ci(type = "perc")``, i.e. boot's
  ``norm.inter``: the ``(B + 1) * alpha``-th order statistic, interpolated on the
  normal-quantile scale when it is not a whole number; non-finite replicates
  are dropped first, as boot does.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from her2cohort.stats._result import StatisticsError

__all__ = ["boot_percentile", "quantile_type7", "resample_positions"]

#: At most this many resample positions are held (8 bytes each: 400 MB).
_MAX_POSITIONS = 50_000_000


def resample_positions(is_case: np.ndarray, n_boot: int, seed: int, stratified: bool = True) -> np.ndarray:
    """Row positions of ``n_boot`` bootstrap resamples of the rows flagged by ``is_case``.

    ``is_case`` marks each complete-case row as a case (True) or a control
    (False), in data order. Returns an ``(n_boot, n)`` int64 matrix; row ``b``
    lists the positions resample ``b`` is made of (module docstring: cases
    first when stratified).
    """
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise StatisticsError(f"n_boot must be a whole number of at least 1, got {n_boot}")
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise StatisticsError(f"seed must be a non-negative whole number, got {seed}")
    is_case = np.asarray(is_case, dtype=bool)
    n = is_case.size
    if int(n_boot) * n > _MAX_POSITIONS:
        raise StatisticsError(f"{n_boot} resamples of {n} rows is more than {_MAX_POSITIONS:,} positions to hold; use fewer resamples")
    rng = np.random.default_rng(int(seed))
    positions = np.empty((int(n_boot), n), dtype=np.int64)
    if stratified:
        cases, controls = np.flatnonzero(is_case), np.flatnonzero(~is_case)
        for b in range(int(n_boot)):
            positions[b, : cases.size] = cases[rng.integers(0, cases.size, cases.size)]
            positions[b, cases.size :] = controls[rng.integers(0, controls.size, controls.size)]
    else:
        for b in range(int(n_boot)):
            positions[b] = rng.integers(0, n, n)
    return positions


def quantile_type7(values: np.ndarray, probs) -> np.ndarray:
    """R ``quantile(values, probs, type = 7, names = FALSE)``, in R's arithmetic."""
    x = np.sort(np.asarray(values, dtype=float))
    probs = np.atleast_1d(np.asarray(probs, dtype=float))
    n = x.size
    if n == 0:
        return np.full(probs.shape, math.nan)
    out = np.empty(probs.shape)
    for j, p in enumerate(probs):
        index = 1 + max(n - 1, 0) * p
        lo, hi = math.floor(index), math.ceil(index)
        q = x[lo - 1]
        if index > lo and x[hi - 1] != q:
            h = index - lo
            q = (1 - h) * q + h * x[hi - 1]
        out[j] = q
    return out


def boot_percentile(values: np.ndarray, conf_level: float) -> tuple[float, float]:
    """``boot::boot.ci(b, conf = conf_level, type = "perc")$percent[4:5]`` (boot's ``norm.inter``).

    The limits are the order statistics ``(B + 1) * alpha`` and ``(B + 1) * (1 -
    alpha)`` of the finite replicates; a fractional rank is interpolated between
    its two neighbours on the scale of ``qnorm(rank / (B + 1))``; a rank below 1
    or above B takes the extreme replicate (boot warns "extreme order statistics
    used as endpoints"). NA with fewer than one finite replicate.
    """
    t = np.sort(np.asarray(values, dtype=float))
    t = t[np.isfinite(t)]
    r = t.size
    if r == 0:
        return math.nan, math.nan
    limits = []
    for a in ((1 - conf_level) / 2, (1 + conf_level) / 2):  # boot's perc.ci: (1 + c(-conf, conf)) / 2
        rk = (r + 1) * a
        k = math.trunc(rk)
        if k == rk and 0 < k <= r:
            limits.append(float(t[k - 1]))
        elif k <= 0:
            limits.append(float(t[0]))
        elif k >= r:
            limits.append(float(t[r - 1]))
        else:
            z, z_k, z_k1 = ndtri(a), ndtri(k / (r + 1)), ndtri((k + 1) / (r + 1))
            t_k, t_k1 = float(t[k - 1]), float(t[k])
            limits.append(t_k + (z - z_k) / (z_k1 - z_k) * (t_k1 - t_k))
    return limits[0], limits[1]
