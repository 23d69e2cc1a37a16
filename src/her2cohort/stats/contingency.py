"""Contingency tables: counts, Pearson's chi-square, Fisher's exact test, and the test policy.

* :func:`crosstab` — count table of two categorical columns, every declared
  level present, missing values excluded *and counted*.
* :func:`expected_counts` — row total x column total / n, as R
  ``chisq.test(x)$expected``.
* :func:`chisq_test` — Pearson's chi-square, R ``chisq.test(x, correct=)``.
* :func:`fisher_test` — Fisher's exact test, R ``fisher.test(x)``: for 2 x 2 the
  two-sided/less/greater p, the conditional maximum-likelihood odds ratio and
  its exact confidence interval; for r x c the exact two-sided p.
* :func:`association_test` — the test a paper's methods section names, chosen by
  a named ``policy`` (e.g. the source papers' "Fisher's exact test when any
  expected count is < 5, else the chi-square test").

Where Python's defaults differ from R:

* ``scipy.stats.chi2_contingency`` corrects (Yates) by default whenever
  df == 1, which for a two-way table means 2 x 2, as R; we implement R's rule
  directly (2 x 2 only, correction capped at |O - E|) and name the policy
  explicitly, because the source papers' rule is the *uncorrected* statistic.
* ``scipy.stats.fisher_exact`` returns the *sample* odds ratio ad/bc, not R's
  conditional MLE, and for r x c tables (scipy >= 1.15) returns a Monte Carlo
  p-value that changes from call to call. ``scipy.stats.contingency.odds_ratio(kind="conditional")``
  computes the conditional MLE and CI more precisely than R, so it disagrees
  with R's printed interval in sparse tables (upper limit 1059.6 against R's
  1049.8 for [[8, 1], [2, 5]]). We replicate R's own computation instead:
  ``uniroot`` (Brent's zeroin, tol = ``.Machine$double.eps^0.25``) on the
  noncentral hypergeometric distribution.
* R's r x c test is FEXACT (Mehta & Patel's network algorithm). We use our own
  network algorithm (see :func:`_fexact_p_value`) with FEXACT's rule for
  "at least as extreme" (log-probability within 3.45254e-7 of the observed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = [
    "CrossTab",
    "POLICIES",
    "association_test",
    "chisq_test",
    "crosstab",
    "expected_counts",
    "fisher_test",
]

#: The named test policies of :func:`association_test`.
POLICIES = {
    "fisher_if_expected_lt5": (
        "Fisher's exact test when any expected count is < 5, else Pearson's chi-square without continuity correction"
    ),
    "r_default": "R chisq.test() defaults: Pearson's chi-square, Yates' correction on 2 x 2 tables",
    "chisq": "Pearson's chi-square without continuity correction",
    "chisq_yates": "Pearson's chi-square with Yates' continuity correction (2 x 2 tables only, as R)",
    "fisher": "Fisher's exact test",
}

ALTERNATIVES = ("two-sided", "less", "greater")

# R fisher.test, 2 x 2 branch: tables whose probability is within this factor of
# the observed one count as "at least as extreme" (guards against rounding ties).
_R_REL_ERR = 1 + 1e-7
# FEXACT's tolerance (r x c branch), additive on the log-probability scale.
_FEXACT_TOL = 3.45254e-7
# uniroot()'s default tolerance in R.
_UNIROOT_TOL = np.finfo(float).eps ** 0.25
_DBL_EPS = np.finfo(float).eps
_DBL_MAX = np.finfo(float).max

#: Default work limits of the exact r x c test (see :func:`fisher_test`).
MAX_PATHS = 10_000_000
MAX_BOUND_WORK = 30_000_000


# --------------------------------------------------------------------------- tables


class CrossTab(NamedTuple):
    """A count table and the number of records left out of it for a missing value."""

    counts: pd.DataFrame
    n_excluded: int


def crosstab(
    data: pd.DataFrame,
    row: str,
    column: str,
    row_levels: Sequence | None = None,
    column_levels: Sequence | None = None,
) -> CrossTab:
    """Count table of ``row`` by ``column`` with every level present (zeros kept).

    Convention: R ``table(factor(data[[row]], row_levels),
    factor(data[[column]], column_levels))``. Levels default to the categorical
    order of a pandas Categorical, else the sorted observed values (R's
    ``factor`` default). Declared levels that nobody has stay as zero rows or
    columns. A value outside the declared levels raises
    :class:`StatisticsError` (a typo must not silently vanish from a table).

    Records missing either variable are excluded and their number is returned
    (``CrossTab.n_excluded``, also ``counts.attrs["n_excluded"]``): R's
    ``table`` drops them silently, a paper's table footnote should not.
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    for name in (row, column):
        if name not in data.columns:
            raise StatisticsError(f"column {name!r} not in data (columns: {list(data.columns)})")
    first, second = data[row], data[column]
    complete = first.notna() & second.notna()
    n_excluded = int((~complete).sum())
    first, second = first[complete], second[complete]
    row_levels = _levels(first, row_levels, row)
    column_levels = _levels(second, column_levels, column)
    codes_r = pd.Categorical(first, categories=row_levels).codes
    codes_c = pd.Categorical(second, categories=column_levels).codes
    counts = np.zeros((len(row_levels), len(column_levels)), dtype=np.int64)
    np.add.at(counts, (codes_r, codes_c), 1)
    table = pd.DataFrame(
        counts,
        index=pd.Index(row_levels, name=row),
        columns=pd.Index(column_levels, name=column),
    )
    table.attrs["n_excluded"] = n_excluded
    return CrossTab(table, n_excluded)


def _levels(values: pd.Series, levels: Sequence | None, name: str) -> list:
    if levels is None:
        if isinstance(values.dtype, pd.CategoricalDtype):
            return list(values.cat.categories)
        return sorted(pd.unique(values))
    levels = list(levels)
    if not all(isinstance(level, Hashable) for level in levels):
        raise StatisticsError(f"levels of {name!r} must be values (text, numbers, true/false), got {levels}")
    if len(set(levels)) != len(levels):
        raise StatisticsError(f"levels of {name!r} must be unique: {levels}")
    unknown = sorted(set(pd.unique(values)) - set(levels), key=str)
    if unknown:
        raise StatisticsError(f"{name!r} has values outside the declared levels {levels}: {unknown}")
    return levels


def _as_counts(table: Any) -> np.ndarray:
    """A 2-D array of non-negative integer counts (R: fisher.test/chisq.test input checks)."""
    if isinstance(table, CrossTab):
        table = table.counts
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or min(counts.shape) < 2:
        raise StatisticsError(f"need a table with at least 2 rows and 2 columns, got shape {counts.shape}")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise StatisticsError("all counts must be non-negative and finite")
    if np.any(counts != np.round(counts)):
        raise StatisticsError("counts must be whole numbers")
    return counts.astype(np.int64)


def expected_counts(table: Any) -> pd.DataFrame:
    """Expected counts under independence, row total x column total / n.

    Convention: R ``chisq.test(x)$expected`` (``outer(rowSums, colSums) / n``).
    Keeps the labels of a DataFrame input.
    """
    counts = _as_counts(table)
    n = counts.sum()
    if n == 0:
        raise StatisticsError("the table is empty (all counts are zero)")
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    if isinstance(table, CrossTab):
        table = table.counts
    if isinstance(table, pd.DataFrame):
        return pd.DataFrame(expected, index=table.index, columns=table.columns)
    return pd.DataFrame(expected)


# --------------------------------------------------------------------------- chi-square


def chisq_test(table: Any, correct: bool = True) -> pd.DataFrame:
    """Pearson's chi-square test of independence, equal to R ``chisq.test(x, correct=)``.

    With ``correct=True`` (R's default) Yates' continuity correction is applied
    to 2 x 2 tables only, and, as in R, it is ``min(0.5, min |O - E|)``, so a
    table whose counts equal their expectation is not over-corrected; the
    method then reads "with Yates' continuity correction" only if the
    correction is positive. Larger tables are never corrected.

    A zero row or column makes an expected count zero: R returns NaN; we return
    NA with the reason in ``note``. Any expected count < 5 adds R's warning
    ("Chi-squared approximation may be incorrect") to ``note``.
    Extra column ``min_expected``.
    """
    counts = _as_counts(table)
    n = int(counts.sum())
    if n == 0:
        raise StatisticsError("the table is empty (all counts are zero)")
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    nrow, ncol = counts.shape
    df = (nrow - 1) * (ncol - 1)
    method = "Pearson's Chi-squared test"
    row = {
        "term": "association",
        "statistic_name": "chi2",
        "df": df,
        "method": method,
        "convention": f"R stats::chisq.test(correct = {'TRUE' if correct else 'FALSE'})",
        "n": n,
        "min_expected": float(expected.min()),
    }
    if np.any(expected == 0):
        row["note"] = "a row or column total is zero: the chi-square statistic is undefined (R returns NaN)"
        return result_frame([row])
    yates = 0.0
    if correct and nrow == 2 and ncol == 2:
        yates = min(0.5, float(np.min(np.abs(counts - expected))))
        if yates > 0:
            row["method"] = method + " with Yates' continuity correction"
    statistic = float(np.sum((np.abs(counts - expected) - yates) ** 2 / expected))
    row["statistic"] = statistic
    row["p_value"] = float(stats.chi2.sf(statistic, df))
    if np.any(expected < 5):
        row["note"] = "Chi-squared approximation may be incorrect (an expected count < 5)"
    return result_frame([row])


# --------------------------------------------------------------------------- Fisher


def fisher_test(
    table: Any,
    alternative: str = "two-sided",
    conf_level: float = 0.95,
    *,
    max_paths: int = MAX_PATHS,
) -> pd.DataFrame:
    """Fisher's exact test, equal to R ``fisher.test(x, alternative=, conf.level=)``.

    **2 x 2 tables** (R's own branch): the p-value sums the hypergeometric
    probabilities of the tables with the observed margins that are at most the
    observed one times ``1 + 1e-7`` (two-sided), or a tail (``less``,
    ``greater``). The estimate is the *conditional* maximum-likelihood odds
    ratio (not the sample ratio ad/bc that ``scipy.stats.fisher_exact``
    returns), with R's exact confidence interval; both are found, as in R, by
    ``uniroot`` on the noncentral hypergeometric distribution, so they carry
    R's root-finding tolerance (~1e-4 absolute on the search scale) and agree
    with R's printed values rather than with a more precise solver. The odds
    ratio is (row 1 col 1 x row 2 col 2) / (row 1 col 2 x row 2 col 1) in the
    table's level order. A zero cell gives an estimate of 0 or Inf, as R.
    With a zero row or column R reports p = 1, odds ratio 0 and CI 0–Inf; we
    keep p = 1 but return the odds ratio as NA (it is not identifiable).

    **r x c tables**: the exact two-sided p (``alternative`` must be
    "two-sided"), R's FEXACT rule: the probabilities of all tables with the
    observed margins whose log-probability is at most the observed one plus
    3.45254e-7. Computed exactly by a network algorithm (no Monte Carlo).
    ``max_paths`` caps the number of partial tables held at once (R's
    ``workspace`` plays the same role); beyond it, or when the table is too
    large for the bound computation, the p is NA with the reason in ``note``
    rather than a long wait (the limits are counts, not seconds, so a result
    does not depend on the machine). For scale: the 8 x 3 "site of biopsy"
    table of the breast HER2-low study (n = 247) needs ~4 million paths and
    2–4 s; R's ``fisher.test`` fails on it with the default workspace (FEXACT
    error 7) and needs ``workspace = 2e8`` (~8 s). Random 3 x 8 tables with
    n = 250 can need far more (R then takes about a minute with
    ``workspace = 2e8``, or fails); they hit the limit in a few seconds.
    """
    if alternative not in ALTERNATIVES:
        raise StatisticsError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    if not (0 < conf_level < 1):
        raise StatisticsError(f"conf_level must be in (0, 1), got {conf_level}")
    counts = _as_counts(table)
    if counts.sum() == 0:
        raise StatisticsError("the table is empty (all counts are zero)")
    if counts.shape == (2, 2):
        return _fisher_2x2(counts, alternative, conf_level)
    if alternative != "two-sided":
        raise StatisticsError("one-sided alternatives exist only for 2 x 2 tables (as in R)")
    p_value, note = _fexact_p_value(counts, max_paths=max_paths)
    return result_frame(
        [
            {
                "term": "association",
                "p_value": p_value,
                "method": "Fisher's exact test",
                "convention": "R stats::fisher.test (FEXACT rule, exact network algorithm)",
                "n": int(counts.sum()),
                "note": note,
            }
        ]
    )


def _fisher_2x2(counts: np.ndarray, alternative: str, conf_level: float) -> pd.DataFrame:
    x = int(counts[0, 0])
    m = int(counts[:, 0].sum())  # "white balls": column 1 total
    n = int(counts[:, 1].sum())
    k = int(counts[0, :].sum())  # draws: row 1 total
    dist = _NoncentralHypergeometric(x, m, n, k)
    if alternative == "less":
        p_value = dist.cdf_tail(x, 1.0, upper=False)
    elif alternative == "greater":
        p_value = dist.cdf_tail(x, 1.0, upper=True)
    else:
        d = dist.pmf(1.0)
        p_value = float(np.sum(d[d <= d[x - dist.lo] * _R_REL_ERR]))
    # R: p.value = max(0, min(1, PVAL)); a sum of probabilities can exceed 1 by rounding.
    p_value = min(1.0, max(0.0, p_value))
    row: dict[str, Any] = {
        "term": "odds_ratio",
        "conf_level": conf_level,
        "p_value": p_value,
        "method": "Fisher's exact test",
        "convention": "R stats::fisher.test (conditional MLE odds ratio; CI by uniroot)",
        "n": int(counts.sum()),
        "alternative": alternative,
    }
    if dist.lo == dist.hi:
        row["note"] = "a row or column total is zero: the odds ratio is not identifiable (R reports 0, CI 0-Inf)"
        return result_frame([row])
    row["estimate"] = dist.mle()
    if alternative == "less":
        low, high = 0.0, dist.ncp_upper(1 - conf_level)
    elif alternative == "greater":
        low, high = dist.ncp_lower(1 - conf_level), math.inf
    else:
        alpha = (1 - conf_level) / 2
        low, high = dist.ncp_lower(alpha), dist.ncp_upper(alpha)
    row["conf_low"], row["conf_high"] = low, high
    return result_frame([row])


class _NoncentralHypergeometric:
    """R fisher.test's inner functions (dnhyper, mnhyper, pnhyper, mle, ncp.U, ncp.L).

    x ~ the count in cell [1, 1] given the margins; ncp is the odds ratio.
    """

    def __init__(self, x: int, m: int, n: int, k: int):
        self.x, self.m, self.n, self.k = x, m, n, k
        self.lo = max(0, k - n)
        self.hi = min(k, m)
        self.support = np.arange(self.lo, self.hi + 1)
        self.logdc = stats.hypergeom.logpmf(self.support, m + n, m, k)

    def pmf(self, ncp: float) -> np.ndarray:
        d = self.logdc + math.log(ncp) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if ncp == math.inf:
            return float(self.hi)
        return float(np.sum(self.support * self.pmf(ncp)))

    def cdf_tail(self, q: int, ncp: float, upper: bool) -> float:
        if ncp == 1:
            # R switches to phyper at the null: exact central hypergeometric tails.
            if upper:
                return float(stats.hypergeom.sf(self.x - 1, self.m + self.n, self.m, self.k))
            return float(stats.hypergeom.cdf(self.x, self.m + self.n, self.m, self.k))
        if ncp == 0:
            return float(q <= self.lo) if upper else float(q >= self.lo)
        if ncp == math.inf:
            return float(q <= self.hi) if upper else float(q >= self.hi)
        d = self.pmf(ncp)
        return float(np.sum(d[self.support >= q] if upper else d[self.support <= q]))

    def mle(self) -> float:
        x = self.x
        if x == self.lo:
            return 0.0
        if x == self.hi:
            return math.inf
        mu = self.mean(1.0)
        if mu > x:
            return _uniroot(lambda t: self.mean(t) - x, 0.0, 1.0)
        if mu < x:
            return 1 / _uniroot(lambda t: self.mean(1 / t) - x, _DBL_EPS, 1.0)
        return 1.0

    def ncp_upper(self, alpha: float) -> float:
        x = self.x
        if x == self.hi:
            return math.inf
        p = self.cdf_tail(x, 1.0, upper=False)
        if p < alpha:
            return _uniroot(lambda t: self.cdf_tail(x, t, upper=False) - alpha, 0.0, 1.0)
        if p > alpha:
            return 1 / _uniroot(lambda t: self.cdf_tail(x, 1 / t, upper=False) - alpha, _DBL_EPS, 1.0)
        return 1.0

    def ncp_lower(self, alpha: float) -> float:
        x = self.x
        if x == self.lo:
            return 0.0
        p = self.cdf_tail(x, 1.0, upper=True)
        if p > alpha:
            return _uniroot(lambda t: self.cdf_tail(x, t, upper=True) - alpha, 0.0, 1.0)
        if p < alpha:
            return 1 / _uniroot(lambda t: self.cdf_tail(x, 1 / t, upper=True) - alpha, _DBL_EPS, 1.0)
        return 1.0


def _uniroot(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    tol: float = _UNIROOT_TOL,
    maxiter: int = 1000,
) -> float:
    """R ``uniroot(f, c(lower, upper))$root``: a port of R's ``R_zeroin2`` (Brent 1973).

    Ported rather than calling ``scipy.optimize.brentq`` because results at
    R's loose default tolerance depend on the exact iteration path, and the
    point of this module is R's printed numbers.
    """

    def value(t: float) -> float:
        # R's do_zeroin2 maps non-finite function values to +-DBL_MAX.
        fx = f(t)
        if math.isfinite(fx):
            return fx
        return -_DBL_MAX if fx == -math.inf else _DBL_MAX

    fa, fb = value(lower), value(upper)
    if fa * fb > 0:
        raise StatisticsError("uniroot: f() values at the end points are not of opposite sign")
    a, b = lower, upper
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _DBL_EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = value(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise StatisticsError(f"uniroot did not converge in {maxiter} iterations")


# --------------------------------------------------------------------------- r x c exact


def _fexact_p_value(
    counts: np.ndarray,
    *,
    max_paths: int = MAX_PATHS,
    max_bound_work: int = MAX_BOUND_WORK,
) -> tuple[float, str]:
    """Exact two-sided Fisher p of an r x c table by a network algorithm; (p, note).

    The table is built one "line" (row or column of the longer dimension) at a
    time, smallest line first; a node is the multiset of the still unassigned
    totals of the K categories of the shorter dimension (sorted: permuting them
    does not change what can follow). A path to a node carries its "past"
    log-weight -sum log(x_ij!) over the cells filled so far; a table's
    probability is exp(const + weight). For every reachable node, the largest
    and smallest weight a completion can add are computed exactly by dynamic
    programming over the remaining lines, and the summed weight of all
    completions has a closed form. A path whose best completion is still at
    most as probable as the observed table (FEXACT's tolerance included)
    contributes all its completions at once; one whose worst completion is
    more probable is dropped; only the paths in between are extended. Paths
    reaching the same node with the same past weight (to 1e-9 on the log
    scale, well inside FEXACT's own 3.45e-7) are merged.
    """
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if min(counts.shape) < 2:
        return 1.0, "fewer than two non-empty rows or columns: nothing to test (R returns p = 1)"
    if counts.shape[0] < counts.shape[1]:
        counts = counts.T
    n_lines, n_cat = counts.shape
    category_totals = np.sort(counts.sum(axis=0))
    n = int(counts.sum())
    base = int(category_totals.max()) + 1
    if n_cat * math.log2(base) > 62:
        return math.nan, "exact r x c enumeration not attempted: table too large to index its nodes"
    lfact = gammaln(np.arange(n + 2) + 1.0)
    threshold = -lfact[counts].sum() + _FEXACT_TOL
    log_const = lfact[counts.sum(axis=1)].sum() + lfact[category_totals].sum() - lfact[n]
    # Small lines first keeps the set of live paths small (FEXACT does the same).
    line_totals = np.sort(counts.sum(axis=1))
    remaining = np.concatenate([np.cumsum(line_totals[::-1])[::-1], [0]])
    lfact_lines_left = np.concatenate([np.cumsum(lfact[line_totals][::-1])[::-1], [0.0]])
    # The last line is never branched on: one line left means one completion.
    fills = [_compositions(int(s), n_cat, base - 1) for s in line_totals[:-1]]
    fill_weight = [-lfact[f].sum(axis=1) for f in fills]
    bounds = _completion_bounds(fills, fill_weight, category_totals, lfact, base, max_bound_work)
    if bounds is None:
        return math.nan, (
            f"exact r x c enumeration not attempted: more than {max_bound_work:.2g} node expansions to bound "
            "the completions (R's fisher.test fails likewise unless given a very large workspace)"
        )
    level_keys, best_rest, worst_rest = bounds

    node_total = category_totals[None, :].copy()
    starts, ends = np.array([0]), np.array([1])
    past, mult = np.array([0.0]), np.array([1.0])
    p_value = 0.0
    n_seen = 0
    for stage in range(n_lines - 1):
        shift = np.maximum.reduceat(past, starts)
        scaled = mult * np.exp(past - np.repeat(shift, ends - starts))
        prefix = np.empty_like(scaled)
        for a, b in zip(starts, ends):
            prefix[a:b] = np.cumsum(scaled[a:b])
        new_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        n_new = 0
        for node_idx, fill_idx, child, child_key in _children(node_total, fills[stage], base):
            gain = fill_weight[stage][fill_idx]
            at = np.searchsorted(level_keys[stage + 1], child_key)
            first, stop = starts[node_idx], ends[node_idx]
            all_in = _segment_count_le(past, first, stop, threshold - gain - best_rest[stage + 1][at])
            some_in = _segment_count_le(past, first, stop, threshold - gain - worst_rest[stage + 1][at])
            counted = all_in > first
            if counted.any():
                log_rest = lfact[remaining[stage + 1]] - lfact[child[counted]].sum(axis=1) - lfact_lines_left[stage + 1]
                p_value += float(
                    np.sum(
                        prefix[all_in[counted] - 1]
                        * np.exp(log_const + shift[node_idx[counted]] + gain[counted] + log_rest)
                    )
                )
            width = some_in - all_in
            open_ = width > 0
            if not open_.any():
                continue
            width, lo = width[open_], all_in[open_]
            total = int(width.sum())
            n_new += total
            n_seen += total
            if n_new > max_paths or n_seen > 3 * max_paths:
                return math.nan, (
                    f"exact r x c enumeration stopped: more than max_paths={max_paths:,} partial tables at one "
                    "stage (or 3 x max_paths in all); R's fisher.test fails likewise with its default "
                    "workspace (FEXACT error 7); raise max_paths to insist"
                )
            offsets = np.cumsum(width) - width
            item = np.arange(total) - np.repeat(offsets, width) + np.repeat(lo, width)
            pair = np.repeat(np.nonzero(open_)[0], width)
            new_parts.append((child_key[pair], past[item] + gain[pair], mult[item]))
        if not new_parts:
            break
        node_total, starts, ends, past, mult = _merge_paths(new_parts, n_cat, base)
    return min(1.0, max(0.0, p_value)), ""


def _compositions(total: int, parts: int, cap: int) -> np.ndarray:
    """All vectors of ``parts`` non-negative integers <= cap summing to ``total``."""
    if parts == 1:
        return np.array([[total]]) if total <= cap else np.zeros((0, 1), dtype=np.int64)
    blocks = []
    for head in range(min(total, cap) + 1):
        tail = _compositions(total - head, parts - 1, cap)
        if len(tail):
            blocks.append(np.column_stack([np.full(len(tail), head), tail]))
    return np.vstack(blocks).astype(np.int64) if blocks else np.zeros((0, parts), dtype=np.int64)


def _node_keys(totals: np.ndarray, base: int) -> np.ndarray:
    keys = np.zeros(len(totals), dtype=np.int64)
    for j in range(totals.shape[1]):
        keys = keys * base + totals[:, j]
    return keys


def _children(node_total: np.ndarray, fill: np.ndarray, base: int, block_pairs: int = 2_000_000):
    """Every (node, line filling) that fits, in node-major blocks: indices, sorted child totals, keys."""
    block = max(1, block_pairs // max(1, len(fill)))
    for first in range(0, len(node_total), block):
        nodes = np.arange(first, min(first + block, len(node_total)))
        fits = np.all(node_total[nodes, None, :] >= fill[None, :, :], axis=2)
        node_idx, fill_idx = np.nonzero(fits)
        node_idx = nodes[node_idx]
        child = np.sort(node_total[node_idx] - fill[fill_idx], axis=1)
        yield node_idx, fill_idx, child, _node_keys(child, base)


def _completion_bounds(fills, fill_weight, category_totals, lfact, base, max_work):
    """Per stage: the sorted keys of the reachable nodes, and the largest / smallest weight
    a completion of each can add. None if that takes more than ``max_work`` expansions."""
    n_lines = len(fills) + 1
    level_totals = [category_totals[None, :]]
    level_keys = [_node_keys(level_totals[0], base)]
    work = 0
    for stage in range(n_lines - 1):
        # Every (node, filling) combination is examined twice (here and below).
        work += 2 * len(level_totals[stage]) * len(fills[stage])
        if work > max_work:
            return None
        keys = []
        for _, _, _, child_key in _children(level_totals[stage], fills[stage], base):
            keys.append(np.unique(child_key))
        keys = np.unique(np.concatenate(keys))
        level_keys.append(keys)
        totals = np.zeros((len(keys), len(category_totals)), dtype=np.int64)
        rest = keys.copy()
        for j in range(len(category_totals) - 1, -1, -1):
            totals[:, j] = rest % base
            rest //= base
        level_totals.append(totals)
    best: list[np.ndarray | None] = [None] * n_lines
    worst: list[np.ndarray | None] = [None] * n_lines
    # One line left: its cells are the node totals themselves.
    best[-1] = worst[-1] = -lfact[level_totals[-1]].sum(axis=1)
    for stage in range(n_lines - 2, 0, -1):
        top = np.full(len(level_keys[stage]), -np.inf)
        bottom = np.full(len(level_keys[stage]), np.inf)
        for node_idx, fill_idx, _, child_key in _children(level_totals[stage], fills[stage], base):
            at = np.searchsorted(level_keys[stage + 1], child_key)
            gain = fill_weight[stage][fill_idx]
            heads = np.flatnonzero(np.r_[True, node_idx[1:] != node_idx[:-1]])
            owners = node_idx[heads]
            top[owners] = np.maximum(top[owners], np.maximum.reduceat(gain + best[stage + 1][at], heads))
            bottom[owners] = np.minimum(bottom[owners], np.minimum.reduceat(gain + worst[stage + 1][at], heads))
        best[stage], worst[stage] = top, bottom
    return level_keys, best, worst


def _segment_count_le(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per query, the index just past the values <= target in its sorted segment [start, end)."""
    lo, hi = starts.copy(), ends.copy()
    active = lo < hi
    last = len(values) - 1
    while active.any():
        mid = (lo + hi) // 2
        below = values[np.minimum(mid, last)] <= targets
        lo = np.where(active & below, mid + 1, lo)
        hi = np.where(active & ~below, mid, hi)
        active = lo < hi
    return lo


def _merge_paths(parts, n_cat: int, base: int):
    """Merge paths with the same node and past weight; return nodes with sorted path segments."""
    node_key = np.concatenate([p[0] for p in parts])
    past = np.concatenate([p[1] for p in parts])
    mult = np.concatenate([p[2] for p in parts])
    rounded = np.round(past * 1e9).astype(np.int64)
    rounded -= rounded.min()
    span = int(rounded.max()) + 1
    if int(node_key.max()) < (2**62) // span:
        # One int64 sort key is several times faster than a two-key lexsort.
        composite = node_key * span + rounded
        order = np.argsort(composite)
        composite = composite[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = composite[1:] != composite[:-1]
        heads = np.nonzero(new)[0]
        node_key = composite[heads] // span
    else:
        order = np.lexsort((rounded, node_key))
        node_key, rounded = node_key[order], rounded[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (node_key[1:] != node_key[:-1]) | (rounded[1:] != rounded[:-1])
        heads = np.nonzero(new)[0]
        node_key = node_key[heads]
    mult = np.add.reduceat(mult[order], heads)
    past = past[order[heads]]
    first = np.ones(len(heads), dtype=bool)
    first[1:] = node_key[1:] != node_key[:-1]
    starts = np.nonzero(first)[0]
    ends = np.append(starts[1:], len(heads))
    keys = node_key[starts]
    node_total = np.zeros((len(keys), n_cat), dtype=np.int64)
    for j in range(n_cat - 1, -1, -1):
        node_total[:, j] = keys % base
        keys = keys // base
    return node_total, starts, ends, past, mult


# --------------------------------------------------------------------------- policy


def association_test(
    data_or_table: Any,
    row: str | None = None,
    column: str | None = None,
    *,
    policy: str = "fisher_if_expected_lt5",
    row_levels: Sequence | None = None,
    column_levels: Sequence | None = None,
    conf_level: float = 0.95,
    max_paths: int = MAX_PATHS,
) -> pd.DataFrame:
    """Test of association between two categorical variables under a named ``policy``.

    Takes a count table (DataFrame/array/:class:`CrossTab`), or a data frame
    with ``row`` and ``column`` (tabulated by :func:`crosstab`; records with a
    missing value are excluded and counted in ``n_excluded``). Policies
    (:data:`POLICIES`):

    * ``"fisher_if_expected_lt5"`` — the source papers' rule: Fisher's exact
      test when any expected count is < 5, else Pearson's chi-square *without*
      continuity correction.
    * ``"r_default"`` — R ``chisq.test(x)``: Yates' correction on 2 x 2 only.
    * ``"chisq"`` — ``chisq.test(x, correct = FALSE)``.
    * ``"chisq_yates"`` — ``chisq.test(x, correct = TRUE)`` (no correction
      exists beyond 2 x 2; ``note`` says so).
    * ``"fisher"`` — ``fisher.test(x)``.

    One row: ``method`` names the test actually used; chi-square rows carry the
    statistic and df; a 2 x 2 table tested by Fisher carries R's conditional
    maximum-likelihood odds ratio and exact CI (estimate, conf_low,
    conf_high), other rows an NA estimate. If the exact test cannot be
    completed the p is NA with the reason: the policy never silently switches
    to another test. Extra columns: ``policy``, ``min_expected``,
    ``n_excluded``, ``table_shape``.
    """
    if policy not in POLICIES:
        raise StatisticsError(f"policy must be one of {list(POLICIES)}, got {policy!r}")
    n_excluded = 0
    term = "association"
    if isinstance(data_or_table, CrossTab):
        counts, n_excluded = data_or_table
    elif row is not None or column is not None:
        if row is None or column is None:
            raise StatisticsError("give both row and column to tabulate a data frame")
        counts, n_excluded = crosstab(data_or_table, row, column, row_levels, column_levels)
        term = row
    else:
        counts = data_or_table
    array = _as_counts(counts)
    expected = expected_counts(array).to_numpy()
    min_expected = float(expected.min())
    use_fisher = policy == "fisher" or (policy == "fisher_if_expected_lt5" and min_expected < 5)
    if use_fisher:
        result = fisher_test(array, conf_level=conf_level, max_paths=max_paths)
    else:
        result = chisq_test(array, correct=policy in ("r_default", "chisq_yates"))
        if policy == "chisq_yates" and array.shape != (2, 2):
            result["note"] = _join_notes(
                result.loc[0, "note"], "Yates' correction applies to 2 x 2 tables only (R): none applied"
            )
    result = result.drop(columns=[c for c in ("alternative", "min_expected") if c in result.columns])
    result["term"] = term
    result["convention"] = f"policy {policy}: {POLICIES[policy]}; " + result.loc[0, "convention"]
    result["policy"] = policy
    result["min_expected"] = min_expected
    result["n_excluded"] = n_excluded
    result["table_shape"] = f"{array.shape[0]}x{array.shape[1]}"
    return result


def _join_notes(*notes: str) -> str:
    return "; ".join(note for note in notes if note)
