"""Rank tests that agree with R: Wilcoxon signed-rank, Wilcoxon rank-sum (Mann–Whitney U), Kruskal–Wallis.

The reference is R 4.2.2 ``stats::wilcox.test`` and ``stats::kruskal.test``
(``tests/r/rank_tests.R`` writes the fixtures the tests compare against).

R 4.2.2 conventions (the default, ``convention="wilcox.test"``):

* the exact null distribution is used only when there are **no ties** (and, for
  the signed-rank test, no zero differences) and n < 50; otherwise the normal
  approximation with the tie-corrected variance and, by default, the
  continuity correction ``sign(z) * 0.5``;
* paired: incomplete pairs are dropped (``complete.cases``), zero differences
  are dropped before ranking, V is the sum of the ranks of the positive
  differences ``x - y``;
* two-sample: W is the rank sum of ``x`` minus ``n_x (n_x + 1) / 2`` (the
  Mann–Whitney U of ``x``); non-finite values are dropped.

R 4.6.0 changed ``wilcox.test``: with ties it computes an *exact conditional*
p value (Hothorn's Streitberg–Röhmel shift algorithm, the one in ``coin``).
R 4.6 was not available to check against, so that behaviour is offered as
``convention="exact_conditional"`` and matched against
``coin::wilcoxsign_test(..., distribution = "exact", zero.method = "Wilcoxon")``
and ``coin::wilcox_test(..., distribution = "exact")``.

Where scipy's defaults differ from R (and why we do not call them):

* ``scipy.stats.wilcoxon`` never applies the continuity correction by default,
  and with ``method="auto"`` it switches to an exact or permutation p value for
  small samples *with ties or zeros*, where R 4.2.2 uses the corrected normal
  approximation;
* ``scipy.stats.mannwhitneyu(method="auto")`` is exact only when both groups
  have at most 8 observations, where R is exact up to 49 per group (no ties).

The null distributions are enumerated here with a small dynamic programme on
the doubled (hence integer) mid-ranks; it gives R's ``psignrank``/``pwilcox``
when there are no ties and the conditional distribution when there are.

SPSS sign rule (``convention="spss"``, both tests): the statistic is SPSS's
asymptotic Z, reported as ``-|z|``. SPSS (NPAR TESTS /WILCOXON and /M-W;
IBM SPSS Statistics Algorithms, "NPAR TESTS": Wilcoxon matched-pairs
signed-rank and Mann-Whitney U) standardises the *smaller* of the two rank
sums (the smaller of U and n_x n_y - U), so the Z it prints is never positive
whichever variable or group comes first ("Based on negative/positive ranks"
says which sum it was). The p value is the two-sided asymptotic significance
``2 * (1 - pnorm(|z|))``, which the sign does not change; the direction of the
change is in ``median_x`` / ``median_y`` (and in V or W of the other
conventions). The ``wilcox.test`` and ``exact_conditional`` conventions keep
R's statistic, which carries the direction: V, the rank sum of the positive
differences ``x - y``, and W, the Mann-Whitney U of ``x``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["wilcoxon_signed_rank", "mann_whitney", "kruskal_wallis"]

CONVENTIONS = ("wilcox.test", "exact_conditional", "spss")
_ALTERNATIVES = {"two-sided": "two.sided", "two.sided": "two.sided", "less": "less", "greater": "greater"}
# Work (cells x items) above which an exact distribution is not enumerated (~ seconds of numpy).
_MAX_EXACT_WORK = 2e9
_TOO_LARGE = "sample too large to enumerate the exact distribution"
SPSS_SIGN_RULE = "Z = -|z|"


# --------------------------------------------------------------------------- input


def _alternative(alternative: str) -> str:
    try:
        return _ALTERNATIVES[alternative]
    except KeyError:
        raise StatisticsError(f"alternative must be 'two-sided', 'less' or 'greater', not {alternative!r}") from None


def _convention(convention: str, alternative: str = "two.sided") -> str:
    if convention not in CONVENTIONS:
        raise StatisticsError(f"convention must be one of {CONVENTIONS}, not {convention!r}")
    if convention == "spss" and alternative != "two.sided":
        raise StatisticsError(
            "convention 'spss' reports SPSS's two-sided asymptotic significance with Z = -|z|; "
            f"a one-sided alternative ({alternative!r}) needs the signed z: use convention='wilcox.test', correct=False"
        )
    return convention


def _spss_z(z: float) -> float:
    """SPSS's printed Z: the standardised smaller rank sum, i.e. -|z| (module docstring); 0 stays +0."""
    return 0.0 - abs(z)


def _as_float(values: Any, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(pd.Series(values, dtype=object), errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise StatisticsError(f"{name} must be numeric ({error})") from None


def _column(data: pd.DataFrame, name: str) -> pd.Series:
    if name not in data.columns:
        raise StatisticsError(f"column {name!r} not in data (columns: {list(data.columns)})")
    return data[name]


def _paired_values(data, x, y, subject, time, value, time_levels):
    """Return (x, y, x_name, y_name) as aligned float arrays, incomplete pairs still in."""
    if data is None:
        if x is None or y is None:
            raise StatisticsError("give data with column names, or two arrays x and y")
        xs, ys = _as_float(x, "x"), _as_float(y, "y")
        if len(xs) != len(ys):
            raise StatisticsError(f"paired x and y must have the same length ({len(xs)} != {len(ys)})")
        return xs, ys, "x", "y"
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame (or None with arrays x and y)")
    if value is None:
        if x is None or y is None:
            raise StatisticsError("give the two value columns x and y, or value/subject/time for long data")
        return _as_float(_column(data, x), x), _as_float(_column(data, y), y), str(x), str(y)
    if subject is None or time is None or time_levels is None or len(time_levels) != 2:
        raise StatisticsError(
            "long data needs subject, time and time_levels=(first, second); the test uses first - second"
        )
    long = pd.DataFrame({"subject": _column(data, subject), "time": _column(data, time), "value": _column(data, value)})
    long = long[long["time"].isin(list(time_levels))]
    duplicated = long.duplicated(["subject", "time"])
    if duplicated.any():
        first = long.loc[duplicated, "subject"].iloc[0]
        raise StatisticsError(f"subject {first!r} has more than one {value!r} value at one time point")
    wide = long.pivot(index="subject", columns="time", values="value").reindex(columns=list(time_levels))
    first, second = time_levels
    return _as_float(wide[first], str(first)), _as_float(wide[second], str(second)), str(first), str(second)


def _two_groups(data, value, group, levels, y):
    """Return (x, y, x_name, y_name, n_no_group): float arrays with missing values still in."""
    if not isinstance(data, pd.DataFrame):
        if y is None:
            raise StatisticsError("give data with value and group columns, or two arrays (x, y)")
        return _as_float(data, "x"), _as_float(y, "y"), "x", "y", 0
    if value is None or group is None:
        raise StatisticsError("give the value column and the group column")
    groups = _column(data, group)
    values = _as_float(_column(data, value), value)
    chosen = _group_levels(groups, levels)
    if len(chosen) != 2:
        raise StatisticsError(f"the two-sample test needs exactly 2 groups; {group!r} has {chosen}")
    x_level, y_level = chosen
    in_x, in_y = (groups == x_level).to_numpy(), (groups == y_level).to_numpy()
    return values[in_x], values[in_y], str(x_level), str(y_level), int(groups.isna().sum())


def _group_levels(groups: pd.Series, levels: Sequence | None) -> list:
    """Group order as R's ``factor()`` gives it (categorical order, else sorted), unless given."""
    if levels is not None:
        return list(levels)
    observed = groups.dropna()
    if isinstance(groups.dtype, pd.CategoricalDtype):
        present = set(observed)
        return [level for level in groups.cat.categories if level in present]
    return sorted(observed.unique())


# -------------------------------------------------------------------- null distributions


def _doubled_midranks(values: np.ndarray) -> np.ndarray:
    # Mid-ranks are multiples of 1/2, so doubling them makes the sums integers.
    return np.rint(2 * stats.rankdata(values)).astype(np.int64)


def _has_ties(values: np.ndarray) -> bool:
    return len(np.unique(values)) != len(values)


def _signed_rank_null(scores: np.ndarray) -> np.ndarray | None:
    """P(sum of the scores that carry a + sign = s), every sign +/- with probability 1/2; None if too large."""
    if len(scores) * (int(scores.sum()) + 1) > _MAX_EXACT_WORK:
        return None
    prob = np.zeros(int(scores.sum()) + 1)
    prob[0] = 1.0
    reach = 0
    for score in scores:
        reach += score
        shifted = prob[: reach - score + 1].copy()
        prob[: reach + 1] *= 0.5
        prob[score : reach + 1] += 0.5 * shifted
    return prob


def _rank_sum_null(scores: np.ndarray, m: int) -> np.ndarray | None:
    """P(sum of m scores drawn without replacement = s); None if too large to enumerate."""
    # Only the multiset of scores matters; sorting lets one-sided and two-sided calls share the cache.
    return _rank_sum_null_cached(np.sort(scores).tobytes(), m)


@lru_cache(maxsize=16)
def _rank_sum_null_cached(key: bytes, m: int) -> np.ndarray | None:
    scores = np.frombuffer(key, dtype=np.int64)
    n = len(scores)
    total = int(scores.sum())
    if m > n - m:  # enumerate the smaller sample and reflect
        other = _rank_sum_null_cached(key, n - m)
        return None if other is None else other[::-1].copy()
    if (m + 1) * (total + 1) * n > _MAX_EXACT_WORK or math.comb(n, m) > 1e300:
        return None
    ways = np.zeros((m + 1, total + 1))
    ways[0, 0] = 1.0
    for score in scores:
        ways[1:, score:] += ways[:-1, : total + 1 - score].copy()
    null = ways[m] / math.comb(n, m)
    null.flags.writeable = False  # shared through the cache
    return null


def _exact_p(null: np.ndarray, observed: int, centre2: int, alternative: str, convention: str) -> float:
    """p value from a null distribution on the integer support 0..len(null)-1 with mean centre2 / 2."""
    upper = float(null[observed:].sum())  # P(T >= t)
    lower = float(null[: observed + 1].sum())  # P(T <= t)
    if alternative == "greater":
        return min(1.0, upper)
    if alternative == "less":
        return min(1.0, lower)
    support = np.arange(len(null))
    if convention == "wilcox.test":
        # R: double the tail on the side of the mean the statistic falls on.
        return min(1.0, 2 * (upper if 2 * observed > centre2 else lower))
    # coin: P(|T - mu| >= |t - mu|), which differs from doubling when ties make T asymmetric.
    far = np.abs(2 * support - centre2) >= abs(2 * observed - centre2)
    return min(1.0, float(null[far].sum()))


def _normal_p(z: float, alternative: str) -> float:
    if alternative == "less":
        return float(stats.norm.cdf(z))
    if alternative == "greater":
        return float(stats.norm.sf(z))
    return float(2 * min(stats.norm.cdf(z), stats.norm.sf(z)))


def _continuity(z_raw: float, alternative: str) -> float:
    if alternative == "two.sided":
        return float(np.sign(z_raw)) * 0.5
    return 0.5 if alternative == "greater" else -0.5


def _tie_sum(values: np.ndarray) -> float:
    """sum(t^3 - t) over groups of tied values."""
    _, counts = np.unique(values, return_counts=True)
    counts = counts.astype(float)
    return float(np.sum(counts**3 - counts))


def _convention_label(test: str, convention: str, correct: bool) -> str:
    if convention == "exact_conditional":
        if test == "paired":
            return "coin::wilcoxsign_test(distribution = 'exact', zero.method = 'Wilcoxon')"
        return "coin::wilcox_test(distribution = 'exact')"
    if convention == "spss":
        return f"SPSS asymptotic Z, {SPSS_SIGN_RULE} (R wilcox.test(exact = FALSE, correct = FALSE))"
    paired = ", paired = TRUE" if test == "paired" else ""
    return f"R wilcox.test(x, y{paired})" if correct else f"R wilcox.test(x, y{paired}, correct = FALSE)"


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else math.nan


# -------------------------------------------------------------------------- tests


def wilcoxon_signed_rank(
    data: pd.DataFrame | None = None,
    x: str | Sequence[float] | None = None,
    y: str | Sequence[float] | None = None,
    *,
    value: str | None = None,
    subject: str | None = None,
    time: str | None = None,
    time_levels: Sequence | None = None,
    alternative: str = "two-sided",
    correct: bool = True,
    exact: bool | None = None,
    convention: str = "wilcox.test",
) -> pd.DataFrame:
    """Wilcoxon signed-rank test for paired data, as R ``wilcox.test(x, y, paired = TRUE)``.

    The test is on the differences ``x - y``. Call it as
    ``wilcoxon_signed_rank(df, "hscore_post", "hscore_pre")`` (two columns),
    ``wilcoxon_signed_rank(df, value="hscore", subject="patient_id",
    time="visit", time_levels=("post", "pre"))`` (long data, first minus second)
    or ``wilcoxon_signed_rank(x=array1, y=array2)``.

    Conventions:

    * ``"wilcox.test"`` (default): R 4.2.2. Incomplete pairs dropped; zero
      differences dropped before ranking; exact p (``psignrank``) when fewer
      than 50 non-zero differences, no ties and no zeros (or ``exact=True``,
      still only without ties and zeros); otherwise the normal approximation
      with tie-corrected variance and, if ``correct``, the continuity
      correction. ``exact=False`` forces the normal approximation. With ties or
      zeros on the exact path R warns "cannot compute exact p-value"; we say so
      in ``note``. R >= 4.6 would instead give an exact conditional p there.
    * ``"exact_conditional"``: the exact permutation distribution of V given the
      tied mid-ranks, as ``coin::wilcoxsign_test(distribution = "exact",
      zero.method = "Wilcoxon")`` (coin's default ``zero.method = "Pratt"``
      keeps zeros in the ranking; we drop them, as R does). Two-sided p is
      P(|V - E V| >= |v - E V|), coin's definition. ``exact`` and ``correct``
      do not apply.
    * ``"spss"``: the asymptotic Z of SPSS, i.e. the normal approximation with
      tie correction and *no* continuity correction (R ``wilcox.test(exact =
      FALSE, correct = FALSE)``, whose p it equals). The statistic is SPSS's Z
      = -|z| whatever the sign of ``x - y`` (SPSS standardises the smaller of
      the positive and negative rank sums; see the module docstring); the p
      value is two-sided and the sign does not change it. Two-sided only
      (SPSS prints "Asymp. Sig. (2-tailed)"); a one-sided alternative raises.

    scipy's ``wilcoxon`` differs from R by default: no continuity correction,
    and an exact/permutation p value for small samples with ties or zeros.

    Returns one row: statistic ``V`` (``Z`` for spss), the p value, ``n`` = complete
    pairs, and extra columns ``n_incomplete`` (pairs dropped for a missing
    value), ``n_zero`` (zero differences, dropped), ``n_ranked``, ``median_x``,
    ``median_y`` and ``median_difference`` over the complete pairs. No location
    estimate is given (R gives none without ``conf.int``): ``estimate`` is NA.
    """
    alternative = _alternative(alternative)
    convention = _convention(convention, alternative)
    xs, ys, x_name, y_name = _paired_values(data, x, y, subject, time, value, time_levels)
    complete = ~(np.isnan(xs) | np.isnan(ys))
    xs, ys = xs[complete], ys[complete]
    differences = xs - ys
    nonzero = differences[differences != 0]
    n_ranked = len(nonzero)
    row: dict[str, Any] = {
        "term": f"{x_name} - {y_name}",
        "statistic_name": "Z" if convention == "spss" else "V",
        "convention": _convention_label("paired", convention, correct),
        "n": len(differences),
        "n_incomplete": int((~complete).sum()),
        "n_zero": len(differences) - n_ranked,
        "n_ranked": n_ranked,
        "median_x": _median(xs),
        "median_y": _median(ys),
        "median_difference": _median(differences),
    }
    notes = []
    if row["n_incomplete"]:
        notes.append(f"{row['n_incomplete']} incomplete pair(s) dropped")
    if row["n_zero"]:
        notes.append(f"{row['n_zero']} zero difference(s) dropped before ranking")
    if len(differences) == 0:
        return _na_row(row, "Wilcoxon signed rank test", notes + ["no complete pairs"])
    if n_ranked == 0:
        return _na_row(row, "Wilcoxon signed rank test", notes + ["all differences are zero: no test"])

    doubled = _doubled_midranks(np.abs(nonzero))
    v2 = int(doubled[nonzero > 0].sum())
    v = v2 / 2
    ties, zeros = _has_ties(doubled), row["n_zero"] > 0
    use_exact = (n_ranked < 50) if exact is None else bool(exact)

    if convention == "exact_conditional":
        row["method"] = "Wilcoxon signed rank exact conditional test"
        null = _signed_rank_null(doubled)
        if null is None:
            return _na_row(row, row["method"], notes + [_TOO_LARGE])
        row.update(statistic=v, p_value=_exact_p(null, v2, int(doubled.sum()), alternative, convention))
        return _finish(row, notes)
    if convention == "wilcox.test" and use_exact and not ties and not zeros:
        null = _signed_rank_null(doubled)
        if null is not None:
            row.update(statistic=v, p_value=_exact_p(null, v2, int(doubled.sum()), alternative, convention))
            row["method"] = "Wilcoxon signed rank exact test"
            return _finish(row, notes)
        notes.append(_TOO_LARGE + "; normal approximation used")
        use_exact = False

    n = float(n_ranked)
    z_raw = v - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - _tie_sum(doubled) / 48)
    apply_correction = correct and convention == "wilcox.test"
    z = (z_raw - (_continuity(z_raw, alternative) if apply_correction else 0.0)) / sigma
    row["p_value"] = _normal_p(z, alternative)
    row["statistic"] = _spss_z(z) if convention == "spss" else v
    row["method"] = "Wilcoxon signed rank test" + (" with continuity correction" if apply_correction else "")
    if convention == "wilcox.test" and use_exact and (ties or zeros):
        reason = " and ".join(word for word, flag in (("ties", ties), ("zeros", zeros)) if flag)
        notes.append(f"exact p not available with {reason} (R 4.2.2); normal approximation used")
    return _finish(row, notes)


def mann_whitney(
    data: pd.DataFrame | Sequence[float],
    value: str | None = None,
    group: str | None = None,
    *,
    levels: Sequence | None = None,
    y: Sequence[float] | None = None,
    alternative: str = "two-sided",
    correct: bool = True,
    exact: bool | None = None,
    convention: str = "wilcox.test",
) -> pd.DataFrame:
    """Wilcoxon rank-sum / Mann–Whitney U test, as R ``wilcox.test(x, y)``.

    Call it as ``mann_whitney(df, "hscore", "her2_loss")`` (the first group in
    ``levels`` is ``x``; by default R's factor order: categorical order, else
    sorted; note R sorts strings by locale, so pass ``levels`` for mixed-case
    labels) or ``mann_whitney(x_array, y=y_array)``.

    Conventions:

    * ``"wilcox.test"`` (default): R 4.2.2. W = rank sum of ``x`` minus
      ``n_x (n_x + 1) / 2``; exact p (``pwilcox``) when both groups have fewer
      than 50 observations and there are no ties (``exact=True`` extends this
      to any size, still without ties); otherwise the normal approximation with
      tie-corrected variance and, if ``correct``, continuity correction.
    * ``"exact_conditional"``: exact permutation distribution of W given the
      tied mid-ranks, as ``coin::wilcox_test(distribution = "exact")`` (and R
      >= 4.6 with ties, per its NEWS; not checked here). Two-sided p is
      P(|W - E W| >= |w - E W|), coin's definition, which is not twice the
      smaller tail when ties make the distribution asymmetric.
    * ``"spss"``: SPSS's asymptotic Z: normal approximation with tie
      correction and no continuity correction (R ``wilcox.test(exact = FALSE,
      correct = FALSE)``, whose p it equals); statistic ``Z`` = -|z| whichever
      group comes first, as SPSS computes it from the smaller of the two U's
      (module docstring); two-sided p only (a one-sided alternative raises).

    ``scipy.stats.mannwhitneyu(method="auto")`` is exact only when both groups
    have at most 8 observations; for 9 <= n < 50 without ties it uses the
    normal approximation where R is exact. We follow R.

    Non-finite values are dropped (as R does) and, with data, rows whose group
    is missing; both are counted in ``n_missing``. An empty group, or all
    observations tied, returns NA with a note (R stops or gives NaN). Extra
    columns: ``group_x``, ``group_y``, ``n_x``, ``n_y``, ``median_x``,
    ``median_y``, ``n_missing``. ``exact`` and ``correct`` apply to the
    ``"wilcox.test"`` convention only. No location estimate (``estimate`` is NA).
    """
    alternative = _alternative(alternative)
    convention = _convention(convention, alternative)
    xs, ys, x_name, y_name, no_group = _two_groups(data, value, group, levels, y)
    missing = int((~np.isfinite(xs)).sum() + (~np.isfinite(ys)).sum()) + no_group
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    n_x, n_y = len(xs), len(ys)
    row: dict[str, Any] = {
        "term": f"{x_name} vs {y_name}",
        "statistic_name": "Z" if convention == "spss" else "W",
        "convention": _convention_label("two_sample", convention, correct),
        "n": n_x + n_y,
        "group_x": x_name,
        "group_y": y_name,
        "n_x": n_x,
        "n_y": n_y,
        "median_x": _median(xs),
        "median_y": _median(ys),
        "n_missing": missing,
    }
    notes = [f"{missing} missing value(s) dropped"] if missing else []
    if n_x == 0 or n_y == 0:
        empty = x_name if n_x == 0 else y_name
        return _na_row(row, "Wilcoxon rank sum test", notes + [f"group {empty!r} has no observations"])

    pooled = np.concatenate([xs, ys])
    doubled = _doubled_midranks(pooled)
    t2 = int(doubled[:n_x].sum())  # twice the rank sum of x
    w = t2 / 2 - n_x * (n_x + 1) / 2
    ties = _has_ties(doubled)
    use_exact = (n_x < 50 and n_y < 50) if exact is None else bool(exact)
    if len(np.unique(doubled)) == 1:
        return _na_row(row, "Wilcoxon rank sum test", notes + ["all observations are tied: no test"])

    if convention == "exact_conditional" or (convention == "wilcox.test" and use_exact and not ties):
        null = _rank_sum_null(doubled, n_x)
        method = "Wilcoxon rank sum exact " + ("test" if convention == "wilcox.test" else "conditional test")
        if null is not None:
            row.update(statistic=w, p_value=_exact_p(null, t2, 2 * n_x * (n_x + n_y + 1), alternative, convention))
            row["method"] = method
            return _finish(row, notes)
        if convention == "exact_conditional":
            return _na_row(row, method, notes + [_TOO_LARGE])
        notes.append(_TOO_LARGE + "; normal approximation used")
        use_exact = False

    n = float(n_x + n_y)
    z_raw = w - n_x * n_y / 2
    sigma = math.sqrt((n_x * n_y / 12) * ((n + 1) - _tie_sum(doubled) / (n * (n - 1))))
    apply_correction = correct and convention == "wilcox.test"
    z = (z_raw - (_continuity(z_raw, alternative) if apply_correction else 0.0)) / sigma
    row["p_value"] = _normal_p(z, alternative)
    row["statistic"] = _spss_z(z) if convention == "spss" else w
    row["method"] = "Wilcoxon rank sum test" + (" with continuity correction" if apply_correction else "")
    if convention == "wilcox.test" and use_exact and ties:
        notes.append("exact p not available with ties (R 4.2.2); normal approximation used")
    return _finish(row, notes)


def kruskal_wallis(
    data: pd.DataFrame | Sequence[Sequence[float]] | Mapping[Any, Sequence[float]],
    value: str | None = None,
    group: str | None = None,
    *,
    levels: Sequence | None = None,
) -> pd.DataFrame:
    """Kruskal–Wallis rank sum test, as R ``kruskal.test(value ~ group)``.

    Chi-square approximation on k - 1 df with R's tie correction
    ``H / (1 - sum(t^3 - t) / (n^3 - n))`` (scipy's ``kruskal`` computes the
    same statistic). Call it as ``kruskal_wallis(df, "hscore", "ihc")`` or with
    a list / dict of arrays (one per group).

    Observations with a missing value or group are dropped (R
    ``complete.cases``); groups left empty are dropped as R's ``factor()``
    does, with a note. Fewer than two non-empty groups, or all values tied,
    give NA with a note (R stops or returns NaN). Extra columns: ``k`` and,
    per group, ``n_<group>`` and ``median_<group>``.
    """
    if isinstance(data, pd.DataFrame):
        if value is None or group is None:
            raise StatisticsError("give the value column and the group column")
        groups = _column(data, group)
        values = _as_float(_column(data, value), value)
        chosen = _group_levels(groups, levels)
        samples = {str(level): values[(groups == level).to_numpy()] for level in chosen}
        term, no_group = str(group), int(groups.isna().sum())
    else:
        items = data.items() if isinstance(data, Mapping) else enumerate(data, start=1)
        samples = {str(name): _as_float(sample, f"group {name}") for name, sample in items}
        term, no_group = "group", 0
    missing = sum(int(np.isnan(s).sum()) for s in samples.values()) + no_group
    samples = {name: s[~np.isnan(s)] for name, s in samples.items()}
    row: dict[str, Any] = {
        "term": term,
        "statistic_name": "chi2",
        "convention": "R kruskal.test",
        "method": "Kruskal-Wallis rank sum test",
        "k": 0,
    }
    for name, sample in samples.items():
        row[f"n_{name}"] = len(sample)
        row[f"median_{name}"] = _median(sample)
    notes = [f"{missing} missing value(s) dropped"] if missing else []
    empty = [name for name, sample in samples.items() if len(sample) == 0]
    if empty:
        notes.append(f"group(s) {empty} have no observations and are dropped")
    samples = {name: s for name, s in samples.items() if len(s)}
    row["k"] = len(samples)
    pooled = np.concatenate(list(samples.values())) if samples else np.array([])
    row["n"] = len(pooled)
    if len(samples) < 2:
        return _na_row(row, row["method"], notes + ["fewer than two non-empty groups: no test"])
    ranks = stats.rankdata(pooled)
    n = float(len(pooled))
    ties = _tie_sum(pooled)
    if ties == n**3 - n:
        return _na_row(row, row["method"], notes + ["all observations are tied: no test"])
    bounds = np.cumsum([0] + [len(s) for s in samples.values()])
    rank_sums = np.add.reduceat(ranks, bounds[:-1])
    sizes = np.diff(bounds).astype(float)
    h = 12 * np.sum(rank_sums**2 / sizes) / (n * (n + 1)) - 3 * (n + 1)
    statistic = h / (1 - ties / (n**3 - n))
    df = len(samples) - 1
    row.update(statistic=float(statistic), df=float(df), p_value=float(stats.chi2.sf(statistic, df)))
    return _finish(row, notes)


# ------------------------------------------------------------------------ output


def _finish(row: dict[str, Any], notes: list[str]) -> pd.DataFrame:
    row["note"] = "; ".join(notes)
    return result_frame([row])


def _na_row(row: dict[str, Any], method: str, notes: list[str]) -> pd.DataFrame:
    row.update(statistic=math.nan, p_value=math.nan, method=method)
    return _finish(row, notes)
