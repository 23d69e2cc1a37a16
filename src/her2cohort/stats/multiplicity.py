"""Adjusted p-values for multiple testing, exactly as R's ``stats::p.adjust``.

* :func:`p_adjust_values` — R ``p.adjust(p, method, n)`` on a vector, line for
  line: the same sort (stable ``order``), the same products in the same order
  (``(n + 1 - i) * p`` for Holm and Hochberg, ``n / i * p`` for BH, ``q * n /
  i * p`` for BY), the same running max/min and cap at 1, so Holm, Hochberg,
  Hommel, Bonferroni and BH agree with R to the last bit (BY's ``q = sum(1 /
  (1:n))`` is summed exactly here, in long double by R: within 1e-15).
* :func:`p_adjust` — the same on a column of a table (e.g. the p-values of
  several analyses of a study, ``data: results`` in a study file), one row per
  test and method, as a tidy frame.

Conventions (R's):

* **Missing p-values** stay missing and are not counted: ``n`` defaults to the
  number of non-missing p-values (R's ``n = length(p)`` is evaluated after
  ``p <- p[!is.na(p)]``). Pass ``n`` to declare a larger family (tests not
  in the table); ``n`` smaller than the number of p-values is an error, as in R.
* **n <= 1**: the p-values are returned unadjusted (R returns ``p`` as is).
* **Ties** are kept in input order by the stable sort; tied p-values get the
  same adjusted value under every method, whatever their order.
* **Hommel with n = 2** is Hochberg (R switches).
* ``"fdr"`` is R's alias of ``"BH"``; ``"none"`` returns the p-values.
* A p-value outside [0, 1] is an error (R computes with it silently).

Methods: Holm (1979) step-down; Hochberg (1988) step-up; Hommel (1988);
Bonferroni; Benjamini & Hochberg (1995) false discovery rate; Benjamini &
Yekutieli (2001) under dependence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["METHODS", "p_adjust", "p_adjust_values"]

#: R's p.adjust.methods (and the alias "fdr"), with what each controls.
METHODS = {
    "holm": "Holm (1979) step-down, family-wise error rate",
    "hochberg": "Hochberg (1988) step-up, family-wise error rate (independent or positively dependent tests)",
    "hommel": "Hommel (1988), family-wise error rate (independent or positively dependent tests)",
    "bonferroni": "Bonferroni, family-wise error rate",
    "BH": "Benjamini-Hochberg (1995), false discovery rate",
    "fdr": "Benjamini-Hochberg (1995), false discovery rate",
    "BY": "Benjamini-Yekutieli (2001), false discovery rate under any dependence",
    "none": "no adjustment",
}


def _order(p: np.ndarray, decreasing: bool = False) -> np.ndarray:
    """R ``order(p, decreasing = )``: stable, ties in input order either way."""
    keys = -p if decreasing else p
    return np.argsort(keys, kind="stable")


def p_adjust_values(p: Sequence[float], method: str = "holm", n: int | None = None) -> np.ndarray:
    """R ``p.adjust(p, method, n)`` (module docstring for the conventions)."""
    if method not in METHODS:
        raise StatisticsError(f"method must be one of {list(METHODS)}, not {method!r}")
    if method == "fdr":
        method = "BH"
    p0 = np.asarray(p, dtype=float).copy()
    if p0.ndim != 1:
        raise StatisticsError("p must be a vector of p-values")
    present = ~np.isnan(p0)
    values = p0[present]
    if ((values < 0) | (values > 1)).any():
        raise StatisticsError(f"p-values must lie in [0, 1]: {sorted(values[(values < 0) | (values > 1)].tolist())}")
    lp = values.size
    if n is None:
        n = lp
    if isinstance(n, bool) or int(n) != n:
        raise StatisticsError(f"n must be a whole number, got {n}")
    n = int(n)
    if n < lp:
        raise StatisticsError(f"n = {n} is smaller than the number of p-values ({lp}); R stops too")
    if n <= 1:
        return p0
    if n == 2 and method == "hommel":
        method = "hochberg"
    if method == "none":
        adjusted = values
    elif method == "bonferroni":
        adjusted = np.minimum(1.0, n * values)
    elif method == "holm":
        i = np.arange(1, lp + 1)
        o = _order(values)
        adjusted = np.empty(lp)
        adjusted[o] = np.minimum(1.0, np.maximum.accumulate((n + 1 - i).astype(float) * values[o]))
    elif method in ("hochberg", "BH", "BY"):
        i = np.arange(lp, 0, -1)
        o = _order(values, decreasing=True)
        if method == "hochberg":
            products = (n + 1 - i).astype(float) * values[o]
        elif method == "BH":
            products = (n / i) * values[o]
        else:
            q = math.fsum(1 / k for k in range(1, n + 1))
            products = ((q * n) / i) * values[o]
        adjusted = np.empty(lp)
        adjusted[o] = np.minimum(1.0, np.minimum.accumulate(products))
    else:  # hommel
        adjusted = _hommel(values, n)
    p0[present] = adjusted
    return p0


def _hommel(values: np.ndarray, n: int) -> np.ndarray:
    """R's Hommel branch, line for line (1-based indices written out)."""
    lp = values.size
    p = np.r_[values, np.ones(n - lp)] if n > lp else values.copy()
    i = np.arange(1, n + 1)
    o = _order(p)
    p = p[o]
    ro = np.empty(n, dtype=int)
    ro[o] = np.arange(n)
    start = np.min(n * p / i)
    q = np.full(n, start)
    pa = np.full(n, start)
    for j in range(n - 1, 1, -1):
        ij = np.arange(0, n - j + 1)  # R: seq_len(n - j + 1)
        i2 = np.arange(n - j + 1, n)  # R: (n - j + 2):n
        q1 = np.min(j * p[i2] / np.arange(2, j + 1))
        q[ij] = np.minimum(j * p[ij], q1)
        q[i2] = q[n - j]  # R: q[n - j + 1]
        pa = np.maximum(pa, q)
    result = np.maximum(pa, p)
    return result[ro[:lp]] if lp < n else result[ro]


def p_adjust(
    data: pd.DataFrame,
    p_value: str = "p_value",
    method: str | list[str] = "holm",
    label: str | list[str] | None = None,
    n: int | None = None,
) -> pd.DataFrame:
    """Adjusted p-values of the column ``p_value`` of ``data``: R ``p.adjust(data[[p_value]], method, n)``.

    One row per row of ``data`` and method (``method`` may list several, e.g.
    ``[holm, hochberg, BH]``): ``p_value`` the unadjusted p, ``p_adjusted`` R's
    adjusted value, ``adjustment`` the method, ``n`` the family size, ``term``
    the row's label (the ``label`` columns' values joined by " / ", or ``test
    {k}``), and the label columns themselves as ``tested_{column}``.
    A missing p-value gives a row with ``p_adjusted`` NA and a note; it does
    not count in ``n`` (module docstring).
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    labels = [label] if isinstance(label, str) else list(label or [])
    for column in [p_value, *labels]:
        if column not in data.columns:
            raise StatisticsError(f"column {column!r} not in data (columns: {list(data.columns)})")
    methods = [method] if isinstance(method, str) else list(method)
    if not methods:
        raise StatisticsError("method must name at least one method")
    try:
        p = pd.to_numeric(data[p_value]).to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise StatisticsError(f"{p_value!r} is not numeric: {error}") from None
    if data.empty:
        raise StatisticsError("no p-values to adjust (the table has no rows)")
    m = int(np.sum(~np.isnan(p)))
    family = m if n is None else n
    terms = (
        [" / ".join(str(v) for v in row) for row in data[labels].itertuples(index=False)]
        if labels
        else [f"test {k}" for k in range(1, len(data) + 1)]
    )
    rows = []
    for name in methods:
        adjusted = p_adjust_values(p, name, n)
        note_n = "" if family > 1 else "a family of one test: p-values are not adjusted (R returns them as they are)"
        for k in range(len(data)):
            missing = math.isnan(p[k])
            rows.append(
                {
                    "term": terms[k],
                    "p_value": p[k],
                    "method": METHODS[name],
                    "convention": f"R stats::p.adjust(p, method = '{name}'" + (f", n = {n})" if n is not None else ")"),
                    "n": family,
                    "note": "p-value missing: not adjusted and not counted in n" if missing else note_n,
                    "p_adjusted": adjusted[k],
                    "adjustment": name,
                    **{f"tested_{column}": data[column].iloc[k] for column in labels},
                }
            )
    return result_frame(rows)
