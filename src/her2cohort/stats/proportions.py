"""Exact inference on one proportion: Clopper–Pearson interval and the exact binomial test.

* :func:`clopper_pearson_ci` — the exact (Clopper–Pearson) interval, R
  ``binom.test(x, n)$conf.int``.
* :func:`binom_test` — the exact binomial test with its estimate and interval,
  R ``binom.test(x, n, p, alternative, conf.level)``, as a tidy frame.
* :func:`proportion_table` — one row per group (e.g. objective response rate by
  HER2 heterogeneity group) from a data frame: estimate and Clopper–Pearson
  interval, and the exact binomial test only against a declared null.

Convention "no test without a declared null": R ``binom.test(x, n)`` tests
p = 0.5 by default, a null that answers no question about a response rate or
a discordance rate. So neither :func:`binom_test` nor :func:`proportion_table`
has a default null proportion: ``binom_test`` requires ``p``, and
``proportion_table`` gives a p value (R ``binom.test(x, n, p = p0)``) only when
the study declares ``null_proportion: p0``. Without it ``p_value`` and
``statistic`` are NA and ``statistic_name`` empty (R's ``binom.test``
statistic, the number of successes, belongs to the test), ``method`` names the
interval alone and ``note`` stays empty (nothing is missing: no test was asked
for). The count x is always in the column ``successes``.

Where Python's defaults differ from R: ``statsmodels.stats.proportion.
proportion_confint`` defaults to ``method="normal"`` (the Wald interval, which
can leave [0, 1] and is not what papers mean by "95% CI" of a response rate);
its ``method="beta"`` is Clopper–Pearson. ``scipy.stats.binomtest`` agrees with
R's two-sided p except that R counts outcomes as "as extreme" with a relative
tolerance ``1 + 1e-7``; we follow R's code directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["binom_test", "clopper_pearson_ci", "proportion_table"]

ALTERNATIVES = ("two-sided", "less", "greater")
_R_REL_ERR = 1 + 1e-7
_TEST_METHOD = "Exact binomial test (Clopper-Pearson interval)"
_INTERVAL_METHOD = "Clopper-Pearson exact interval"


def _check_counts(x: Any, n: Any) -> tuple[int, int]:
    for name, value in (("x", x), ("n", n)):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise StatisticsError(f"{name} is missing")
        if float(value) != round(float(value)):
            raise StatisticsError(f"{name} must be a whole number, got {value}")
    x, n = int(round(float(x))), int(round(float(n)))
    if n < 1:
        raise StatisticsError(f"n must be a positive integer, got {n} (no observations: no proportion)")
    if not 0 <= x <= n:
        raise StatisticsError(f"x must be between 0 and n = {n}, got {x}")
    return x, n


def _check_level(conf_level: float) -> None:
    if not (0 < conf_level < 1):
        raise StatisticsError(f"conf_level must be in (0, 1), got {conf_level}")


def clopper_pearson_ci(x: int, n: int, conf_level: float = 0.95, alternative: str = "two-sided") -> tuple[float, float]:
    """Clopper–Pearson exact confidence interval for a binomial proportion.

    Convention: R ``binom.test(x, n, conf.level=)$conf.int``: lower limit
    ``qbeta(alpha, x, n - x + 1)`` (0 when x = 0), upper limit
    ``qbeta(1 - alpha, x + 1, n - x)`` (1 when x = n), with alpha = (1 -
    conf_level) / 2 two-sided, or 1 - conf_level for a one-sided bound (the
    other end is then 0 or 1). Not the Wald interval that statsmodels'
    ``proportion_confint`` returns by default.
    """
    x, n = _check_counts(x, n)
    _check_level(conf_level)
    if alternative not in ALTERNATIVES:
        raise StatisticsError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")

    def lower(alpha: float) -> float:
        return 0.0 if x == 0 else float(stats.beta.ppf(alpha, x, n - x + 1))

    def upper(alpha: float) -> float:
        return 1.0 if x == n else float(stats.beta.isf(alpha, x + 1, n - x))

    if alternative == "less":
        return 0.0, upper(1 - conf_level)
    if alternative == "greater":
        return lower(1 - conf_level), 1.0
    alpha = (1 - conf_level) / 2
    return lower(alpha), upper(alpha)


def _binom_p_value(x: int, n: int, p: float, alternative: str) -> float:
    """R binom.test's p-value, line for line."""
    dist = stats.binom(n, p)
    if alternative == "less":
        return float(dist.cdf(x))
    if alternative == "greater":
        return float(dist.sf(x - 1))
    if p == 0:
        return float(x == 0)
    if p == 1:
        return float(x == n)
    d = dist.pmf(x)
    m = n * p
    if x == m:
        return 1.0
    # The other tail: outcomes at most as likely as x (within R's relative tolerance).
    if x < m:
        other = np.arange(math.ceil(m), n + 1)
        y = int(np.sum(dist.pmf(other) <= d * _R_REL_ERR))
        value = dist.cdf(x) + dist.sf(n - y)
    else:
        other = np.arange(0, math.floor(m) + 1)
        y = int(np.sum(dist.pmf(other) <= d * _R_REL_ERR))
        value = dist.cdf(y - 1) + dist.sf(x - 1)
    # The two tails are disjoint; the clamp only removes rounding above 1 (R does not clamp).
    return float(min(1.0, value))


def binom_test(
    x: int,
    n: int,
    p: float,
    alternative: str = "two-sided",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Exact binomial test of H0: proportion = ``p``, with Clopper–Pearson CI.

    Convention: R ``binom.test(x, n, p, alternative, conf.level)``, with ``p``
    required (R's default p = 0.5 is not assumed: module docstring). The
    two-sided p adds to the observed tail the outcomes of the other tail whose
    probability is at most dbinom(x) x (1 + 1e-7) (R's rule, not doubling).
    One row: term "proportion", estimate x / n, the interval, statistic = x
    (``statistic_name`` "successes", as R), p-value. Extra columns
    ``alternative`` and ``successes`` (x).
    x = 0 and x = n are valid (interval [0, u] and [l, 1]); n = 0 raises
    :class:`StatisticsError`.
    """
    x, n = _check_counts(x, n)
    _check_level(conf_level)
    if alternative not in ALTERNATIVES:
        raise StatisticsError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    if not (0 <= p <= 1) or math.isnan(p):
        raise StatisticsError(f"p must be in [0, 1], got {p}")
    return _proportion_row(
        x, n, conf_level, alternative,
        statistic=float(x), statistic_name="successes", p_value=_binom_p_value(x, n, p, alternative),
        method=_TEST_METHOD, convention=f"R stats::binom.test(x, n, p = {p:g})",
    )


def _interval_row(x: int, n: int, conf_level: float) -> pd.DataFrame:
    """The estimate and its Clopper–Pearson interval, no test (no null declared): p_value NA."""
    return _proportion_row(
        x, n, conf_level, "two-sided", statistic_name="", method=_INTERVAL_METHOD,
        convention="R stats::binom.test(x, n)$conf.int (no null proportion declared: no test)",
    )


def _proportion_row(x: int, n: int, conf_level: float, alternative: str, **test) -> pd.DataFrame:
    """One row: x / n with its Clopper–Pearson interval, and the test columns given."""
    low, high = clopper_pearson_ci(x, n, conf_level, alternative)
    row = {"term": "proportion", "estimate": x / n, "conf_low": low, "conf_high": high, "conf_level": conf_level}
    return result_frame([{**row, **test, "n": n, "alternative": alternative, "successes": x}])


def proportion_table(
    data: pd.DataFrame,
    outcome: str,
    group: str | None = None,
    *,
    success: Any = True,
    group_levels: Sequence | None = None,
    conf_level: float = 0.95,
    null_proportion: float | None = None,
) -> pd.DataFrame:
    """Proportion of ``outcome == success`` with its Clopper–Pearson CI, overall or per group.

    Convention: per group, the estimate x / n and R ``binom.test(x, n,
    conf.level)$conf.int`` with x = ``sum(outcome == success)``. The p value of
    R ``binom.test(x, n, p = null_proportion)`` (two-sided) is given only when
    ``null_proportion`` is declared; without it (the default) ``p_value`` is
    NA, ``method`` is "Clopper-Pearson exact interval" and ``note`` is empty:
    no test was asked for (R's default null of 0.5 is meaningless for a
    response rate; module docstring), and ``statistic`` (R's: x) is NA with
    it. The count x is in ``successes`` either way. Records with a missing
    outcome (or group) are excluded and counted in ``n_excluded``. ``term`` is
    the group level ("overall" without a group). A group with no evaluable
    record gives an NA row with a note.
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    if null_proportion is not None and not (0 <= null_proportion <= 1):
        raise StatisticsError(f"null_proportion must be in [0, 1], got {null_proportion}")
    method = _TEST_METHOD if null_proportion is not None else _INTERVAL_METHOD
    for name in [outcome] + ([group] if group is not None else []):
        if name not in data.columns:
            raise StatisticsError(f"column {name!r} not in data (columns: {list(data.columns)})")
    keep = data[outcome].notna()
    if group is not None:
        keep &= data[group].notna()
    n_excluded = int((~keep).sum())
    data = data[keep]
    if group is None:
        groups = [("overall", data)]
    else:
        levels = list(group_levels) if group_levels is not None else sorted(pd.unique(data[group]))
        groups = [(level, data[data[group] == level]) for level in levels]
        if not groups:  # no record with a group value, and no declared level: one NA row says so
            groups = [("overall", data)]
    frames = []
    for level, subset in groups:
        n = len(subset)
        if n == 0:
            frames.append(
                result_frame(
                    [
                        {
                            "term": level,
                            "n": 0,
                            "method": method,
                            "note": "no evaluable record in this group",
                        }
                    ]
                )
            )
            continue
        x = int((subset[outcome] == success).sum())
        if null_proportion is not None:
            row = binom_test(x, n, p=null_proportion, conf_level=conf_level)
        else:
            row = _interval_row(x, n, conf_level)
        row["term"] = level
        frames.append(row)
    result = pd.concat(frames, ignore_index=True)
    result["n_excluded"] = n_excluded
    return result
