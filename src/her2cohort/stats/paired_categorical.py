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
* :func:`bowker_test` — k x k symmetry, R ``mcnemar.test`` on a k x k table,
  flagged when the chi-square approximation is unreliable (a mirror-cell pair
  with fewer than 10 patients); ``distribution="exact"`` gives the exact
  conditional test (each pair's split Binomial(pair total, 1/2)), computed in
  exact rational arithmetic, or ``"monte_carlo"`` / ``"auto"``.
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
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["shift_table", "mcnemar_test", "mcnemar_exact_test", "bowker_test", "stuart_maxwell_test"]

EMPTY_PAIRS = ("drop", "na")
DISTRIBUTIONS = ("asymptotic", "exact", "monte_carlo", "auto")
#: A mirror-cell pair total below this leaves an expected count < 5 in each cell under symmetry.
RELIABLE_PAIR_TOTAL = 10
#: Largest number of distinct statistic values the exact test enumerates before turning to Monte Carlo.
MAX_SUPPORT = 100_000
#: Simulated statistics are integer numerators over lcm(pair totals): numpy int64 below this bound, else Python ints.
INT64_BOUND = 2**62
USE_EXACT = "use the exact conditional test (distribution='exact')"
ASYMPTOTIC_METHOD = "Bowker's test of symmetry (McNemar's Chi-squared test)"
EXACT_METHOD = "Exact conditional test of symmetry (Bowker's statistic)"
EXACT_CONVENTION = "exact conditional: n_ij ~ Binomial(n_ij + n_ji, 1/2) per pair, p = P(X^2 >= observed)"
MONTE_CARLO_METHOD = "Monte Carlo conditional test of symmetry (Bowker's statistic)"
MONTE_CARLO_CONVENTION = "conditional on pair totals; p = (1 + #{X^2_sim >= X^2_obs}) / (B + 1)"


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
    distribution: str = "asymptotic",
    n_resamples: int = 100_000,
    seed: int = 1948,
    max_support: int = MAX_SUPPORT,
) -> pd.DataFrame:
    """Bowker's test of symmetry for a k x k shift table: R ``mcnemar.test``, or its exact conditional form.

    Statistic ``X^2 = sum_{i<j} (n_ij - n_ji)^2 / (n_ij + n_ji)`` (Bowker
    1948), no continuity correction (R corrects only 2 x 2 tables; for k = 2
    this equals ``mcnemar.test(correct = FALSE)``).

    ``distribution`` says how its p value is computed:

    * ``"asymptotic"`` (default): chi-square on the number of mirror-cell
      pairs, as R ``mcnemar.test`` on a k x k table.
    * ``"exact"``: the exact conditional test. Given each pair's total
      m_ij = n_ij + n_ji, symmetry makes n_ij ~ Binomial(m_ij, 1/2)
      independently across pairs, and p = P(X^2 >= observed X^2) under that
      distribution (the statistic's upper tail: departures from symmetry in
      either direction count). The distribution is the convolution of the pairs'
      contributions ``(2 n_ij - m_ij)^2 / m_ij``, each held as an integer
      numerator over the common denominator lcm(m_ij) and weighted by the
      integer count of outcomes ``C(m_ij, n_ij)``: ties are compared exactly and
      p is the exact rational (extreme outcomes) / 2^(sum m_ij), rounded once
      to a float, so it does not depend on floating point. When the
      distribution would have more than ``max_support`` distinct values the
      Monte Carlo test below is used instead, said in ``method`` and ``note``.
      For k = 2 it is the two-sided ``binom.test(n12, n12 + n21)``.
    * ``"monte_carlo"``: ``n_resamples`` tables drawn from the same conditional
      distribution (each n_ij the sum of m_ij fair bits from
      ``numpy.random.default_rng(seed)``, integers only, so the draws depend on
      the seed and numpy's stream, not on the CPU), p = (1 + #{X^2_sim >=
      X^2_obs}) / (B + 1), the convention of R ``chisq.test(simulate.p.value =
      TRUE)`` (coin's ``approximate()`` reports #{X^2_sim >= X^2_obs - 1.5e-8}
      / B), the statistics compared as the exact rationals above.
    * ``"auto"``: asymptotic when it is reliable (below), else exact: the
      analogue of the Table 1 policy "Fisher's exact test when any expected
      count < 5".

    Reliability: under symmetry each off-diagonal cell of a pair has expected
    count m_ij / 2. Column ``asymptotic_reliable`` is False when any non-empty
    pair has m_ij < 10, i.e. an expected count < 5: the rule of the Table 1
    policy, stricter than Cochran's (1954), who allowed some smaller expected
    counts when df > 1. The asymptotic result then says in ``note`` that the
    approximation is unreliable and names the exact test. The rule is a
    minimum: with one pair of 12 (9 vs 3) the chi-square p is 0.083, the exact
    0.146; prefer the exact test when it is cheap. Krampe & Kuhnt (2007) note
    the approximation's failure in sparse tables and propose a Markov chain
    Monte Carlo test on the conditional distribution given the symmetry
    model's sufficient statistics, the distribution enumerated here. Example:
    the breast T-DXd 4 x 4 IHC shift table (41 pairs, pair totals 1-10) has
    asymptotic p 0.0109, exact p 10112 / 2^23 = 0.00121.

    coin: ``symmetry_test(ihc ~ time | patient, teststat = "quadratic")`` on
    the category factor is the Stuart–Maxwell statistic (= ``coin::mh_test``),
    not Bowker's. Bowker's statistic is coin's quadratic symmetry test when
    each observation is labelled by (own category, the patient's other
    category), ``symmetry_test(transition ~ time | patient)``; coin cannot
    compute that exactly ("multivariate scores"), its ``approximate()`` p
    estimates the exact p here (tests/r/paired_categorical.R).

    A pair of mirror cells both zero (no patient moved between the two
    categories either way, common in sparse IHC shift tables) makes R's term
    0/0, so R returns NaN. ``empty_pairs="drop"`` (default) leaves such pairs
    out of the statistic *and* the df, with a note: they carry no information
    on symmetry (in the exact test they are constant 0). ``empty_pairs="na"``
    reproduces R (NA, with a note). No discordant pairs at all, or a 1 x 1
    table: NA with a note. The exact and Monte Carlo rows have no df. Extra
    columns: ``n_discordant``, ``n_empty_pairs``, ``min_pair_total`` (smallest
    non-empty m_ij), ``asymptotic_reliable``, and ``n_resamples`` when
    simulated.

    References: Bowker AH (1948) A test for symmetry in contingency tables.
    J Am Stat Assoc 43:572-574. Cochran WG (1954) Some methods for
    strengthening the common chi-square tests. Biometrics 10:417-451. Krampe A,
    Kuhnt S (2007) Bowker's test for symmetry and modifications within the
    algebraic framework. Comput Stat Data Anal 51:4124-4142.
    """
    if empty_pairs not in EMPTY_PAIRS:
        raise StatisticsError(f"empty_pairs must be one of {EMPTY_PAIRS}, not {empty_pairs!r}")
    if distribution not in DISTRIBUTIONS:
        raise StatisticsError(f"distribution must be one of {DISTRIBUTIONS}, not {distribution!r}")
    if distribution in ("exact", "monte_carlo", "auto") and (n_resamples < 1 or max_support < 1):
        raise StatisticsError("n_resamples and max_support must be at least 1")
    counts, _, term, notes = _square(data, before, after, levels)
    if distribution != "asymptotic" and not np.all(counts == np.round(counts)):
        raise StatisticsError("the exact and Monte Carlo tests need integer counts")
    k = counts.shape[0]
    asymptotic = (
        ASYMPTOTIC_METHOD,
        "R mcnemar.test (k x k)" + ("; empty cell pairs dropped" if empty_pairs == "drop" else ""),
    )
    method, convention = {
        "exact": (EXACT_METHOD, EXACT_CONVENTION),
        "monte_carlo": (MONTE_CARLO_METHOD, MONTE_CARLO_CONVENTION),
    }.get(distribution, asymptotic)
    row = _row(term, counts, statistic_name="chi2", method=method, convention=convention, asymptotic_reliable=None)
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
    sparse = int(np.sum(pair_total[keep] < RELIABLE_PAIR_TOTAL))
    row.update(statistic=statistic, min_pair_total=float(pair_total[keep].min()), asymptotic_reliable=sparse == 0)
    sparse_pairs = (
        f"{sparse} of {int(keep.sum())} mirror-cell pair(s) have n_ij + n_ji < {RELIABLE_PAIR_TOTAL} "
        "(expected count < 5 under symmetry)"
    )
    if distribution == "auto":
        distribution = "exact" if sparse else "asymptotic"
        reason = sparse_pairs if sparse else f"every mirror-cell pair has n_ij + n_ji >= {RELIABLE_PAIR_TOTAL}"
        notes.append(f"distribution 'auto' chose the {'exact' if sparse else 'chi-square'} test: {reason}")
    elif distribution == "asymptotic" and sparse:
        notes.append(f"chi-square approximation unreliable: {sparse_pairs}; {USE_EXACT}")
    if distribution == "asymptotic":
        df = float(keep.sum())
        row.update(method=asymptotic[0], convention=asymptotic[1], df=df, p_value=float(stats.chi2.sf(statistic, df)))
        return _finish(row, notes)

    above_int, total_int = [int(v) for v in above[keep]], [int(v) for v in pair_total[keep]]
    exact = None
    if distribution == "exact":
        exact = _exact_symmetry_p(above_int, total_int, max_support)
        if exact is None:
            notes.append(f"the exact distribution has more than {max_support} distinct values: Monte Carlo instead")
    if exact is not None:
        row.update(method=EXACT_METHOD, convention=EXACT_CONVENTION, p_value=float(exact))
    else:
        p_value = _monte_carlo_symmetry_p(above_int, total_int, n_resamples, seed)
        row.update(
            method=MONTE_CARLO_METHOD,
            convention=f"{MONTE_CARLO_CONVENTION}; {n_resamples} draws, numpy seed {seed}",
            p_value=float(p_value),
            n_resamples=float(n_resamples),
        )
    return _finish(row, notes)


def _pair_contributions(totals: list[int]) -> tuple[int, list[int]]:
    """Common denominator lcm(m) of the pairs' contributions and each pair's factor lcm / m."""
    denominator = math.lcm(*totals)
    return denominator, [denominator // m for m in totals]


def _exact_symmetry_p(above: list[int], totals: list[int], max_support: int) -> Fraction | None:
    """P(X^2 >= observed) under independent Binomial(m, 1/2) pairs, as an exact fraction.

    The distribution maps the statistic's numerator over lcm(m) to the number
    of outcomes (products of binomial coefficients); None when it would
    exceed ``max_support`` distinct values.
    """
    _, factors = _pair_contributions(totals)
    observed = sum((2 * a - m) ** 2 * f for a, m, f in zip(above, totals, factors))
    distribution = {0: 1}
    for m, f in sorted(zip(totals, factors)):
        pair: dict[int, int] = {}
        for n in range(m + 1):
            value = (2 * n - m) ** 2 * f
            pair[value] = pair.get(value, 0) + math.comb(m, n)
        convolved: dict[int, int] = {}
        for value, ways in distribution.items():
            for contribution, more in pair.items():
                convolved[value + contribution] = convolved.get(value + contribution, 0) + ways * more
        if len(convolved) > max_support:
            return None
        distribution = convolved
    extreme = sum(ways for value, ways in distribution.items() if value >= observed)
    return Fraction(extreme, 2 ** sum(totals))


def _monte_carlo_symmetry_p(above: list[int], totals: list[int], n_resamples: int, seed: int) -> Fraction:
    """(1 + #{X^2_sim >= X^2_obs}) / (B + 1); each simulated n_ij is the sum of m_ij fair bits."""
    denominator, factors = _pair_contributions(totals)
    observed = sum((2 * a - m) ** 2 * f for a, m, f in zip(above, totals, factors))
    # Integer numerators over lcm(m); numpy int64 when the largest possible sum fits, else Python ints.
    exact_int = denominator * sum(totals) < INT64_BOUND
    m = np.array(totals, dtype=np.int64 if exact_int else object)
    f = np.array(factors, dtype=np.int64 if exact_int else object)
    starts = np.concatenate([[0], np.cumsum(totals)[:-1]])
    rng = np.random.default_rng(seed)
    chunk = max(1, 2**22 // sum(totals))
    extreme = 0
    for done in range(0, n_resamples, chunk):
        bits = rng.integers(0, 2, size=(min(chunk, n_resamples - done), sum(totals)), dtype=np.uint8)
        n = np.add.reduceat(bits, starts, axis=1, dtype=np.int64).astype(m.dtype)
        simulated = ((2 * n - m) ** 2 * f).sum(axis=1)
        extreme += int(np.count_nonzero(simulated >= observed))
    return Fraction(1 + extreme, n_resamples + 1)


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
