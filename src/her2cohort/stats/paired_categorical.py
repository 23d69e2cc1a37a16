"""Paired categorical data: shift tables and the tests on them (McNemar, Bowker, Stuart–Maxwell).

A shift table cross-tabulates the same patient's category at two time points
(rows = before, columns = after), e.g. HER2 IHC 0/1+/2+/3+ before and after
trastuzumab deruxtecan, or HER2-positive/negative before first-line
trastuzumab and after progression. Off-diagonal cells are the patients whose
category changed.

* :func:`shift_table` builds the k x k count table with every level present.
* :func:`mcnemar_test` — 2 x 2, R ``mcnemar.test`` (continuity correction by default).
* :func:`mcnemar_exact_test` — 2 x 2, binomial test on the discordant pairs,
  R ``binom.test(n12, n12 + n21)``, with the conditional odds ratio n12 / n21.
* :func:`bowker_test` — k x k symmetry, R ``mcnemar.test`` on a k x k table.
* :func:`stuart_maxwell_test` — k x k marginal homogeneity, ``coin::mh_test``.

Every test takes either a square table (DataFrame or array) or a data frame
with the two columns and the level order: ``mcnemar_test(df, "her2_pre",
"her2_post", levels=["positive", "negative"])``.

Where statsmodels differs from R: its ``mcnemar`` defaults to the exact
binomial test (R's default is the corrected chi-square); ``SquareTable`` adds
0.5 to every zero cell by default (``shift_zeros``); with
``shift_zeros=False`` its ``symmetry`` skips empty mirror-cell pairs but keeps
their df, and ``homogeneity`` keeps k - 1 df when the covariance is singular
(coin uses its rank). These functions follow R / coin.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["shift_table", "mcnemar_test", "mcnemar_exact_test", "bowker_test", "stuart_maxwell_test"]

EMPTY_PAIRS = ("drop", "na")


def shift_table(
    data: pd.DataFrame,
    before: str,
    after: str,
    levels: Sequence | None = None,
    *,
    missing_level: str | None = None,
) -> pd.DataFrame:
    """Count table of ``before`` (rows) by ``after`` (columns), all levels present, zeros kept.

    ``levels`` fixes the order of the categories (e.g. ``["0", "1+", "2+",
    "3+"]``); by default the categorical order if ``before`` is categorical,
    else the sorted union of the observed values. A value outside ``levels``
    raises :class:`StatisticsError` (a typo would otherwise vanish from the
    table).

    Patients missing either category are dropped and counted in
    ``table.attrs["n_incomplete"]``, unless ``missing_level`` is given (e.g.
    ``"NA"``): then missing becomes a category of its own, appended last, as in
    tables that print a "not assessed" row and column. Equivalent to R
    ``table(factor(before, levels), factor(after, levels))``.
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    for column in (before, after):
        if column not in data.columns:
            raise StatisticsError(f"column {column!r} not in data (columns: {list(data.columns)})")
    first, second = data[before], data[after]
    if levels is None:
        if isinstance(first.dtype, pd.CategoricalDtype):
            levels = list(first.cat.categories)
        else:
            levels = sorted(set(first.dropna()) | set(second.dropna()))
    levels = list(levels)
    if not all(isinstance(level, Hashable) for level in levels):
        raise StatisticsError(f"levels must be values (text, numbers, true/false), got {levels}")
    if len(set(levels)) != len(levels):
        raise StatisticsError(f"levels must be unique: {levels}")
    known = set(levels)
    unknown = sorted({str(v) for v in pd.concat([first, second]).dropna() if v not in known})
    if unknown:
        raise StatisticsError(f"values not in levels {levels}: {unknown}")
    codes_before = _codes(first, levels)
    codes_after = _codes(second, levels)
    incomplete = (codes_before < 0) | (codes_after < 0)
    if missing_level is not None:
        if missing_level in known:
            raise StatisticsError(f"missing_level {missing_level!r} is already one of the levels")
        codes_before = np.where(codes_before < 0, len(levels), codes_before)
        codes_after = np.where(codes_after < 0, len(levels), codes_after)
        levels = levels + [missing_level]
        incomplete = np.zeros(len(codes_before), dtype=bool)
    k = len(levels)
    counts = np.bincount(codes_before[~incomplete] * k + codes_after[~incomplete], minlength=k * k).reshape(k, k)
    table = pd.DataFrame(counts, index=pd.Index(levels, name=before), columns=pd.Index(levels, name=after))
    table.attrs["n_incomplete"] = int(incomplete.sum())
    return table


def _codes(values: pd.Series, levels: list) -> np.ndarray:
    return pd.Categorical(values, categories=levels).codes.astype(np.int64)


def _square(data, before, after, levels) -> tuple[np.ndarray, list, str, list[str]]:
    """(counts as float array, level labels, term, notes) from a table or from paired data."""
    notes: list[str] = []
    if before is not None or after is not None:
        if before is None or after is None:
            raise StatisticsError("give both the before and the after column")
        table = shift_table(data, before, after, levels)
        if table.attrs["n_incomplete"]:
            notes.append(f"{table.attrs['n_incomplete']} incomplete pair(s) dropped")
    else:
        table = data
    if isinstance(table, pd.DataFrame):
        labels = list(table.index)
        names = (table.index.name or "before", table.columns.name or "after")
        counts = table.to_numpy()
    else:
        counts = np.asarray(table)
        labels = list(range(1, counts.shape[0] + 1)) if counts.ndim == 2 else []
        names = ("before", "after")
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise StatisticsError(f"a shift table must be square, got shape {counts.shape}")
    try:
        counts = counts.astype(float)
    except (TypeError, ValueError):
        raise StatisticsError("table counts must be numeric") from None
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise StatisticsError("table counts must be finite and non-negative")
    return counts, labels, f"{names[0]} vs {names[1]}", notes


def _row(term: str, counts: np.ndarray, **fields: Any) -> dict[str, Any]:
    upper = np.triu_indices(counts.shape[0], 1)
    return {
        "term": term,
        "n": float(counts.sum()),
        "n_discordant": float(counts[upper].sum() + counts.T[upper].sum()),
        **fields,
    }


def _finish(row: dict[str, Any], notes: list[str]) -> pd.DataFrame:
    row["note"] = "; ".join(notes)
    return result_frame([row])


def _na(row: dict[str, Any], notes: list[str]) -> pd.DataFrame:
    row.update(statistic=math.nan, p_value=math.nan)
    return _finish(row, notes)


def mcnemar_test(
    data: pd.DataFrame | np.ndarray,
    before: str | None = None,
    after: str | None = None,
    levels: Sequence | None = None,
    *,
    correct: bool = True,
) -> pd.DataFrame:
    """McNemar's chi-squared test on a 2 x 2 shift table, as R ``mcnemar.test(x, correct = TRUE)``.

    Statistic ``(|n12 - n21| - 1)^2 / (n12 + n21)`` on 1 df; ``correct=False``
    drops the ``- 1``. As in R, the correction is skipped when n12 == n21 (the
    statistic is then 0, p = 1). No discordant pairs: NA with a note (R gives
    NaN). A 1 x 1 table (every patient in one category at both times): NA with
    a note (R stops). Tables larger than 2 x 2: use :func:`bowker_test`.
    statsmodels' ``mcnemar`` defaults to the exact test; R's default is this one.
    Extra columns: ``n_discordant``, ``n_12``, ``n_21``.
    """
    counts, _, term, notes = _square(data, before, after, levels)
    method = "McNemar's Chi-squared test"
    row = _row(
        term,
        counts,
        statistic_name="chi2",
        method=method,
        convention="R mcnemar.test" + ("" if correct else "(correct = FALSE)"),
    )
    if counts.shape[0] == 1:
        return _na(row, notes + ["1 x 1 table: one category only, nothing can change"])
    if counts.shape[0] != 2:
        raise StatisticsError("mcnemar_test needs a 2 x 2 table; use bowker_test for k x k")
    n12, n21 = counts[0, 1], counts[1, 0]
    row.update(n_12=n12, n_21=n21, df=1.0)
    if n12 + n21 == 0:
        return _na(row, notes + ["no discordant pairs: no test"])
    difference = abs(n12 - n21)
    if correct and difference != 0:
        difference -= 1
        row["method"] = method + " with continuity correction"
    statistic = difference**2 / (n12 + n21)
    row.update(statistic=statistic, p_value=float(stats.chi2.sf(statistic, 1)))
    return _finish(row, notes)


def mcnemar_exact_test(
    data: pd.DataFrame | np.ndarray,
    before: str | None = None,
    after: str | None = None,
    levels: Sequence | None = None,
    *,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Exact McNemar test: two-sided binomial test of n12 out of n12 + n21 against 1/2.

    The p value is R ``binom.test(n12, n12 + n21, p = 0.5)$p.value`` (for p =
    1/2 this is ``min(1, 2 * pbinom(min(n12, n21), n12 + n21, 0.5))``). The
    estimate is the conditional odds ratio n12 / n21 with the Clopper–Pearson
    interval of ``binom.test`` mapped through p / (1 - p): the construction of
    ``exact2x2::mcnemar.exact`` (exact2x2 is not installed here; the pieces
    are checked against ``binom.test``). No discordant pairs or a 1 x 1 table:
    NA with a note.
    """
    counts, _, term, notes = _square(data, before, after, levels)
    row = _row(
        term,
        counts,
        statistic_name="n_12",
        method="Exact McNemar test (binomial test on discordant pairs)",
        convention="R binom.test(n12, n12 + n21, p = 0.5)",
        conf_level=conf_level,
    )
    if counts.shape[0] == 1:
        return _na(row, notes + ["1 x 1 table: one category only, nothing can change"])
    if counts.shape[0] != 2:
        raise StatisticsError("mcnemar_exact_test needs a 2 x 2 table")
    if not np.all(counts == np.round(counts)):
        raise StatisticsError("the exact test needs integer counts")
    n12, n21 = int(counts[0, 1]), int(counts[1, 0])
    row.update(n_12=float(n12), n_21=float(n21), term=f"{term}: odds ratio n12/n21")
    discordant = n12 + n21
    if discordant == 0:
        return _na(row, notes + ["no discordant pairs: no test"])
    p_value = 1.0 if n12 == n21 else min(1.0, 2 * float(stats.binom.cdf(min(n12, n21), discordant, 0.5)))
    alpha = 1 - conf_level
    p_low = 0.0 if n12 == 0 else float(stats.beta.ppf(alpha / 2, n12, discordant - n12 + 1))
    p_high = 1.0 if n12 == discordant else float(stats.beta.ppf(1 - alpha / 2, n12 + 1, discordant - n12))
    row.update(
        statistic=float(n12),
        p_value=p_value,
        estimate=n12 / n21 if n21 else math.inf,
        conf_low=p_low / (1 - p_low),
        conf_high=p_high / (1 - p_high) if p_high < 1 else math.inf,
    )
    return _finish(row, notes)


def bowker_test(
    data: pd.DataFrame | np.ndarray,
    before: str | None = None,
    after: str | None = None,
    levels: Sequence | None = None,
    *,
    empty_pairs: str = "drop",
) -> pd.DataFrame:
    """Bowker's test of symmetry for a k x k shift table, as R ``mcnemar.test`` on a k x k table.

    Statistic ``sum_{i<j} (n_ij - n_ji)^2 / (n_ij + n_ji)`` on k(k-1)/2 df, no
    continuity correction (R corrects only 2 x 2 tables; for k = 2 this equals
    ``mcnemar.test(correct = FALSE)``).

    A pair of mirror cells both zero (no patient moved between the two
    categories either way, common in sparse IHC shift tables) makes R's term
    0/0, so R returns NaN. ``empty_pairs="drop"`` (default) leaves such pairs
    out of the statistic *and* the df, with a note: they carry no information
    on symmetry. ``empty_pairs="na"`` reproduces R (NA, with a note). No
    discordant pairs at all, or a 1 x 1 table: NA with a note. Extra columns:
    ``n_discordant``, ``n_empty_pairs``.
    """
    if empty_pairs not in EMPTY_PAIRS:
        raise StatisticsError(f"empty_pairs must be one of {EMPTY_PAIRS}, not {empty_pairs!r}")
    counts, _, term, notes = _square(data, before, after, levels)
    k = counts.shape[0]
    row = _row(
        term,
        counts,
        statistic_name="chi2",
        method="Bowker's test of symmetry (McNemar's Chi-squared test)",
        convention="R mcnemar.test (k x k)" + ("; empty cell pairs dropped" if empty_pairs == "drop" else ""),
    )
    if k == 1:
        return _na(row, notes + ["1 x 1 table: one category only, nothing can change"])
    upper = np.triu_indices(k, 1)
    above, below = counts[upper], counts.T[upper]
    pair_total = above + below
    empty = pair_total == 0
    row["n_empty_pairs"] = int(empty.sum())
    if empty.all():
        row["df"] = float(k * (k - 1) // 2)
        return _na(row, notes + ["no discordant pairs: no test"])
    if empty.any():
        if empty_pairs == "na":
            row["df"] = float(k * (k - 1) // 2)
            return _na(
                row,
                notes
                + [
                    f"{int(empty.sum())} empty mirror-cell pair(s) (n_ij = n_ji = 0): "
                    "statistic undefined, as R's NaN"
                ],
            )
        notes.append(
            f"{int(empty.sum())} empty mirror-cell pair(s) (n_ij = n_ji = 0) dropped from the statistic "
            "and df (R's mcnemar.test gives NaN)"
        )
    keep = ~empty
    statistic = float(np.sum((above[keep] - below[keep]) ** 2 / pair_total[keep]))
    df = float(keep.sum())
    row.update(statistic=statistic, df=df, p_value=float(stats.chi2.sf(statistic, df)))
    return _finish(row, notes)


def stuart_maxwell_test(
    data: pd.DataFrame | np.ndarray,
    before: str | None = None,
    after: str | None = None,
    levels: Sequence | None = None,
) -> pd.DataFrame:
    """Stuart–Maxwell test of marginal homogeneity, as ``coin::mh_test`` (asymptotic) on the table.

    With d = row margins - column margins and V the covariance matrix
    (V_ii = n_i. + n_.i - 2 n_ii, V_ij = -(n_ij + n_ji)), the statistic is
    d' V^+ d on rank(V) df, V^+ the Moore–Penrose inverse. When V restricted
    to k - 1 categories is invertible this is the classic Stuart–Maxwell
    statistic on k - 1 df (coin's statistic equals it; checked in the tests).
    When a category has no discordant patients V loses rank; like coin we
    use the generalised inverse and the rank as df (coin warns "zero diagonal
    elements"; we say it in ``note``). For 2 x 2 it is the uncorrected McNemar
    statistic. No discordant pairs or a 1 x 1 table: NA with a note.
    """
    counts, labels, term, notes = _square(data, before, after, levels)
    k = counts.shape[0]
    row = _row(
        term,
        counts,
        statistic_name="chi2",
        method="Stuart-Maxwell marginal homogeneity test",
        convention="coin::mh_test (asymptotic)",
    )
    if k == 1:
        return _na(row, notes + ["1 x 1 table: one category only, nothing can change"])
    margins_difference = counts.sum(axis=1) - counts.sum(axis=0)
    covariance = -(counts + counts.T)
    np.fill_diagonal(covariance, counts.sum(axis=1) + counts.sum(axis=0) - 2 * np.diag(counts))
    if not covariance.any():
        return _na(row, notes + ["no discordant pairs: no test"])
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    # Same relative tolerance as coin's MPinv: sqrt(machine epsilon) times the largest eigenvalue.
    positive = eigenvalues > np.sqrt(np.finfo(float).eps) * eigenvalues.max()
    projected = eigenvectors[:, positive].T @ margins_difference
    statistic = float(np.sum(projected**2 / eigenvalues[positive]))
    df = float(positive.sum())
    isolated = [str(label) for label, v in zip(labels, np.diag(covariance)) if v == 0]
    if isolated:
        notes.append(f"no patient moved into or out of {isolated}: generalised inverse, df = {int(df)}")
    row.update(statistic=statistic, df=df, p_value=float(stats.chi2.sf(statistic, df)))
    return _finish(row, notes)
