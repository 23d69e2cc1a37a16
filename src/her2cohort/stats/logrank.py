"""Log-rank and Harrington–Fleming G-rho tests that agree with R's ``survdiff``.

:func:`logrank_test` reproduces ``survdiff(Surv(time, event) ~ group +
strata(s), rho = rho)`` for two or more groups, stratified or not, including
the per-group table that ``print.survdiff`` shows.

lifelines' ``multivariate_logrank_test`` gives the same statistic for rho = 0
without strata, but has no stratified test and no per-group table; scipy has
no log-rank test. Hence this module.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame
from her2cohort.stats.kaplan_meier import _levels, _prepare


def _stratum_sums(
    time: np.ndarray, event: np.ndarray, codes: np.ndarray, k: int, rho: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected and variance matrix of one stratum (R's C routine ``survdiff2``)."""
    times, inverse = np.unique(time, return_inverse=True)
    cells = inverse * k + codes
    at_time = np.bincount(cells, minlength=len(times) * k).reshape(len(times), k)
    deaths = np.bincount(cells, weights=event, minlength=len(times) * k).reshape(len(times), k)
    n_risk = at_time[::-1].cumsum(axis=0)[::-1].astype(float)
    n_total = n_risk.sum(axis=1)
    d_total = deaths.sum(axis=1)

    if rho == 0:
        weight = np.ones(len(times))
    else:
        # Weight S(t-)^rho with S the pooled Kaplan-Meier of the stratum, just before t.
        km_after = np.cumprod(1.0 - d_total / n_total)
        weight = np.concatenate([[1.0], km_after[:-1]]) ** rho

    has_death = d_total > 0
    w, n, d, r = weight[has_death], n_total[has_death], d_total[has_death], n_risk[has_death]
    observed = (weight[:, None] * deaths).sum(axis=0)
    expected = ((w * d / n)[:, None] * r).sum(axis=0)
    # Hypergeometric variance; a time with a single patient at risk contributes nothing.
    several = n > 1
    c = np.zeros_like(n)
    c[several] = w[several] ** 2 * d[several] * (n[several] - d[several]) / (n[several] * (n[several] - 1))
    variance = np.diag((c[:, None] * r).sum(axis=0)) - ((c / n)[:, None] * r).T @ r
    return observed, expected, variance


def _label(level: Any) -> str:
    # A group column with missing values is read as float: print 1.0 as R's "1".
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def _test_name(rho: float) -> tuple[str, str]:
    if rho == 0:
        return "logrank", "log-rank (Mantel-Haenszel) test"
    if rho == 1:
        return "peto_peto", "Peto-Peto modification of the Gehan-Wilcoxon test (G-rho, rho = 1)"
    return f"g_rho_{rho:g}", f"Harrington-Fleming G-rho test, rho = {rho:g}"


def logrank_test(
    data: pd.DataFrame,
    time: str,
    event: str,
    group: str,
    strata: str | None = None,
    rho: float = 0.0,
) -> pd.DataFrame:
    """Log-rank test of equal survival across groups, as R's ``survdiff``.

    Matches ``survdiff(Surv(time, event) ~ group, rho = rho)`` and, with
    ``strata``, ``survdiff(Surv(time, event) ~ group + strata(strata))``: the
    observed and expected counts, hypergeometric variance and scores are summed
    over strata, and the chi-square uses the generalised variance of all groups
    but the first among those with expected > 0, on (that number - 1) degrees of
    freedom. ``rho = 0`` is the log-rank test, ``rho = 1`` the Peto–Peto
    (Gehan–Wilcoxon-like) test, weights S(t-)^rho from the pooled Kaplan–Meier
    within each stratum.

    ``event`` is 0/1 or boolean (recode 1/2 status first). Rows with missing time,
    event, group or stratum are dropped as in R, and the count noted.

    Returns a :func:`~her2cohort.stats._result.result_frame`:

    - first row, ``term`` "logrank" (or "peto_peto"): ``statistic`` (chi-square),
      ``df``, ``p_value``, ``n``;
    - one row per group (``term`` "group=level", R's label), with extra columns
      ``group``, ``observed``, ``expected``, ``oe2_e`` = (O-E)^2/E and
      ``oe2_v`` = (O-E)^2/V as ``print.survdiff`` shows (for rho != 0 the
      weighted counts, as R prints them).

    Degenerate input gives NA with a reason in ``note``, never a number R would
    not give: fewer than two groups with observations, no events, or a singular
    variance matrix. A group level with no observations (an unused Categorical
    category) is listed with NA counts and left out of the test, as R drops
    unused levels.
    """
    if not np.isfinite(rho) or rho < 0:
        raise StatisticsError(f"rho must be a finite number >= 0, not {rho!r}")
    extra = [strata] if strata is not None else []
    frame, n_dropped = _prepare(data, time, event, group, extra=extra)
    levels = _levels(frame["_group"])
    codes = pd.Categorical(frame["_group"], categories=levels).codes.astype(np.int64)
    sizes = np.bincount(codes, minlength=len(levels))
    present = np.flatnonzero(sizes > 0)
    k = len(levels)

    t = frame["_time"].to_numpy()
    e = frame["_event"].to_numpy().astype(float)
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    stratum_codes = (
        pd.factorize(frame[strata], sort=True)[0] if strata is not None else np.zeros(len(frame), dtype=np.int64)
    )
    order = np.argsort(stratum_codes, kind="stable")
    bounds = np.searchsorted(stratum_codes[order], np.arange(stratum_codes.max() + 2))
    for s in range(len(bounds) - 1):
        idx = order[bounds[s] : bounds[s + 1]]
        o, x, v = _stratum_sums(t[idx], e[idx], codes[idx], k, rho)
        observed += o
        expected += x
        variance += v

    term, method = _test_name(rho)
    if strata is not None:
        method += f", stratified by {strata}"
    convention = f"R survival::survdiff(rho = {rho:g})" + (" with strata()" if strata is not None else "")

    notes = []
    if n_dropped:
        notes.append(f"{n_dropped} row(s) with missing values dropped")
    statistic = df = p_value = math.nan
    testable = expected > 0
    if len(present) < 2:
        notes.insert(0, "fewer than two groups with observations: no comparison")
    elif e.sum() == 0:
        notes.insert(0, "no events: the test is undefined")
    elif testable.sum() < 2:
        notes.insert(0, "fewer than two groups with expected events > 0: the test is undefined")
    else:
        score = (observed - expected)[testable][1:]
        v = variance[np.ix_(testable, testable)][1:, 1:]
        try:
            statistic = float(score @ np.linalg.solve(v, score))
        except np.linalg.LinAlgError:
            notes.insert(0, "variance matrix is singular: the test is undefined")
        else:
            df = int(testable.sum() - 1)
            p_value = float(stats.chi2.sf(statistic, df))

    rows: list[dict[str, Any]] = [
        {
            "term": term,
            "statistic": statistic,
            "statistic_name": "chi2",
            "df": df,
            "p_value": p_value,
            "method": method,
            "convention": convention,
            "n": int(sizes.sum()),
            "note": "; ".join(notes),
        }
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        oe2_e = (observed - expected) ** 2 / expected
        oe2_v = (observed - expected) ** 2 / np.diag(variance)
    for j, level in enumerate(levels):
        empty = sizes[j] == 0
        rows.append(
            {
                "term": f"{group}={_label(level)}",
                "method": method,
                "convention": convention,
                "n": int(sizes[j]),
                "note": "no observations in this group: excluded, as R drops unused levels" if empty else "",
                "group": level,
                "observed": math.nan if empty else observed[j],
                "expected": math.nan if empty else expected[j],
                "oe2_e": math.nan if empty or expected[j] == 0 else oe2_e[j],
                "oe2_v": math.nan if empty or variance[j, j] == 0 else oe2_v[j],
            }
        )
    return result_frame(rows)
