"""Exact conditional symmetry test of a shift table with ordered categories, as ``coin::symmetry_test``.

:func:`ordinal_symmetry_test` is R ``coin::symmetry_test(y ~ time | patient,
distribution = exact())`` with ``y`` an *ordered* factor (scores 1, ..., k by
default, or ``scores``), the patients' two observations in long form, ``time``
with levels (before, after). It is a different test from Bowker's
(:func:`her2cohort.stats.paired_categorical.bowker_test`):

* **Bowker** (``mcnemar.test`` on a k x k table, and its exact conditional form in
  this package) asks whether the table is *symmetric*, n_ij against n_ji for
  every pair of categories, on k(k - 1) / 2 df: any pattern of change counts,
  including as many moves up as down. coin computes Bowker's statistic only as a
  multivariate ("quadratic") symmetry test, for which it has no exact
  distribution (``exact()`` stops); coin's test on the *unordered* category
  factor is Stuart-Maxwell's marginal homogeneity, again without an exact
  distribution.
* **This test** (coin's, with ordered categories) asks whether the categories
  *shifted in one direction*: a single linear statistic of the score changes,
  1 df, the test coin can compute exactly. It is the paired analogue of a
  linear-by-linear trend test (Agresti, Categorical Data Analysis, 3rd ed.,
  sec. 11.2.3 on ordinal marginal homogeneity) and the exact permutation
  (Pitman / Fisher) test of the score differences.

Convention (coin's): each patient's two observations may be exchanged under the
null hypothesis, independently across patients (the conditional distribution
given each patient's unordered pair of categories). With ``d_i = s(after_i) -
s(before_i)``, the statistic is ``S = sum d_i``, ``E(S) = 0``, ``V(S) = sum
d_i²`` (patients without a change contribute nothing), and coin's standardized
statistic is ``Z = -S / sqrt(V)`` (coin's linear statistic is that of the first
level of ``time``, "before": ``Z > 0`` when the scores were higher before).
Exact distribution: ``S* = sum ±|d_i|``, each sign 1/2, enumerated by
convolving the integer score differences with integer counts of sign patterns,
so ties are compared exactly and p is the exact rational (patterns at least as
extreme) / 2^(patients with a change), rounded once to a float. Two-sided p
``P(|S*| >= |S|)`` (the distribution is symmetric, so coin's ``P(|Z*| >=
|z|)``); ``alternative="greater"`` is ``P(Z* >= z)``, ``"less"`` ``P(Z* <= z)``,
in coin's direction of Z. ``distribution="asymptotic"``: the normal p of Z
(coin's ``asymptotic()``). Scores must be whole numbers for the exact test (as
coin's shift algorithm needs); any scores are allowed asymptotically.

For k = 2 with scores (1, 2) the exact test is the exact McNemar test
(``binom.test(n12, n12 + n21)``). No patient changed category: NA with a note.

Reference: Hothorn T, Hornik K, van de Wiel MA, Zeileis A (2006) A Lego system
for conditional inference. Am Stat 60:257-263 (coin). R values:
``tests/r/ordinal_symmetry.R``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, result_frame
from her2cohort.stats.paired_categorical import _square

__all__ = ["ordinal_symmetry_test"]

ALTERNATIVES = ("two.sided", "greater", "less")
DISTRIBUTIONS = ("exact", "asymptotic")
METHOD = {
    "exact": "Exact general symmetry test, ordered categories (linear scores)",
    "asymptotic": "Asymptotic general symmetry test, ordered categories (linear scores)",
}


def _sign_flip_counts(differences: dict[int, int]) -> dict[int, int]:
    """{s: number of sign patterns with sum of +-|d_i| = s}, from {|d|: patients}."""
    distribution = {0: 1}
    for value, m in differences.items():
        # m patients with the same |d|: j of them positive gives value * (2j - m), C(m, j) ways
        own = {value * (2 * j - m): math.comb(m, j) for j in range(m + 1)}
        combined: dict[int, int] = {}
        for s, c in distribution.items():
            for t, e in own.items():
                combined[s + t] = combined.get(s + t, 0) + c * e
        distribution = combined
    return distribution


def ordinal_symmetry_test(
    data: pd.DataFrame | np.ndarray,
    before: str | None = None,
    after: str | None = None,
    levels: Sequence | None = None,
    *,
    scores: Sequence[float] | None = None,
    distribution: str = "exact",
    alternative: str = "two.sided",
) -> pd.DataFrame:
    """coin's exact symmetry test of a k x k shift table with ordered categories (module docstring).

    ``levels`` order the categories (lowest first); ``scores`` one number per
    level (default 1, ..., k, coin's scores of an ordered factor). One row:
    ``statistic`` coin's Z, ``p_value``, ``estimate`` the mean score change
    (after - before) over all patients, extra columns ``score_change_sum`` (S),
    ``score_change_variance`` (V), ``n_changed`` (patients whose score changed),
    ``scores``.
    """
    if distribution not in DISTRIBUTIONS:
        raise StatisticsError(f"distribution must be one of {DISTRIBUTIONS}, not {distribution!r}")
    if alternative not in ALTERNATIVES:
        raise StatisticsError(f"alternative must be one of {ALTERNATIVES}, not {alternative!r}")
    counts, labels, term, notes = _square(data, before, after, levels)
    k = counts.shape[0]
    if scores is None:
        score = np.arange(1, k + 1, dtype=float)
    else:
        try:
            score = np.asarray([float(s) for s in scores], dtype=float)
        except (TypeError, ValueError):
            raise StatisticsError(f"scores must be numbers, got {list(scores)}") from None
        if score.size != k:
            raise StatisticsError(f"scores must give one number per level ({k}), got {score.size}")
        if not np.all(np.isfinite(score)):
            raise StatisticsError(f"scores must be finite, got {list(scores)}")
    row = {
        "term": term,
        "n": float(counts.sum()),
        "statistic_name": "Z",
        "alternative": alternative,
        "method": METHOD[distribution],
        "convention": f"coin::symmetry_test(y ~ time | patient, y ordered, distribution = {distribution}())",
        "scores": " ".join(f"{s:g}" for s in score),
    }
    exact = distribution == "exact"
    if exact and not np.all(counts == np.round(counts)):
        raise StatisticsError("the exact test needs integer counts")
    if exact and not np.all(score == np.round(score)):
        raise StatisticsError(f"the exact test needs whole-number scores (coin's shift algorithm), got {list(score)}; use distribution='asymptotic'")
    difference = score[None, :] - score[:, None]  # d for a patient in cell (before i, after j)
    changed = (difference != 0) & (counts > 0)
    s_sum = float(np.sum(counts * difference))
    variance = float(np.sum(counts * difference**2))
    row.update(
        n_changed=float(counts[changed].sum()),
        score_change_sum=s_sum,
        score_change_variance=variance,
        estimate=s_sum / counts.sum() if counts.sum() else math.nan,
    )
    if variance == 0:
        row.update(statistic=math.nan, p_value=math.nan, note="; ".join([*notes, "no patient changed score: no test"]))
        return result_frame([row])
    z = -s_sum / math.sqrt(variance)
    if exact:
        magnitudes: dict[int, int] = {}
        for i, j in zip(*np.nonzero(changed)):
            value = abs(int(round(difference[i, j])))
            magnitudes[value] = magnitudes.get(value, 0) + int(round(counts[i, j]))
        flips = _sign_flip_counts(magnitudes)
        observed = int(round(s_sum))
        total = 2 ** sum(magnitudes.values())
        if alternative == "two.sided":
            extreme = sum(c for s, c in flips.items() if abs(s) >= abs(observed))
        elif alternative == "greater":  # Z* >= z, i.e. S* <= S
            extreme = sum(c for s, c in flips.items() if s <= observed)
        else:
            extreme = sum(c for s, c in flips.items() if s >= observed)
        p_value = float(Fraction(extreme, total))
    elif alternative == "two.sided":
        p_value = float(2 * stats.norm.sf(abs(z)))
    elif alternative == "greater":
        p_value = float(stats.norm.sf(z))
    else:
        p_value = float(stats.norm.cdf(z))
    row.update(statistic=z, p_value=p_value, note="; ".join(notes))
    return result_frame([row])
