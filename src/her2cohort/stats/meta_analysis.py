"""Random-effects meta-analysis of proportions on the logit scale, as metafor 3.8.

* :func:`escalc_plo` — each study's logit proportion and its sampling variance,
  R ``metafor::escalc(measure = "PLO", xi, ni, add = 1/2, to = "only0")``:
  ``yi = log(p / (1 - p))`` with ``p = xi / ni``, ``vi = 1 / xi + 1 / (ni - xi)``.
  **Continuity correction** (escalc's default ``to = "only0"``): a study with a
  zero cell (no events, or events in every patient) gets ``add`` = 0.5 added to
  its events and to its non-events (so ``ni + 1``), the others nothing;
  ``to = "all"`` corrects every study, ``"if0all"`` every study when any has a
  zero cell, ``"none"`` none (a zero cell is then an error: its logit is
  infinite; metafor would drop the study with a warning).
* :func:`rma_uni` — the intercept-only random-effects model, R
  ``metafor::rma(yi, vi, method = "REML" | "DL", test = "z" | "knha")``, and
  the prediction interval of ``predict(fit)``.
* :func:`meta_proportions` — the catalogue type ``meta_analysis``: a table with
  one row per study (events, n) -> every study's proportion and weight, the
  pooled proportion back-transformed with ``transf.ilogit`` (CI and prediction
  interval), tau², I², H², Cochran's Q and its p, as a tidy frame.

Estimators (metafor's code, intercept-only, written as sums):

* **DL** (DerSimonian-Laird): ``tau² = max(0, (Q - (k - 1)) / (sum w - sum w² /
  sum w))`` with ``w = 1 / vi``; its SE as metafor's.
* **REML**: metafor's Fisher scoring from the Hedges (HE) estimate truncated at
  0: ``adj = (y' P P y - tr P) / tr(P P)``, the step halved while ``tau² + adj <
  0``, until ``|change| <= 1e-5`` (``control$threshold``), at most 100
  iterations (``maxiter``; more is an error, as metafor's "did not converge");
  then metafor's ``ll0check``: if the restricted log-likelihood at tau² = 0
  beats the estimate's by more than ``eps^0.25`` (and tau² > 1e-5), tau² is 0.
  Its SE is ``sqrt(2 / sum(P * P))``.
* **test = "z"**: Wald z and normal quantiles; **"knha"** (Hartung-Knapp /
  Sidik-Jonkman): the variance of the pooled logit multiplied by ``s² = sum
  w (y - mu)² / (k - 1)`` (0 when that sum is at most ``.Machine$double.eps``,
  as metafor), t quantiles with k - 1 df. metafor does not truncate ``s²`` at 1
  (its ``test = "adhoc"`` would): with little heterogeneity Hartung-Knapp can
  give a *narrower* interval than z, and the note says so when ``s² < 1``.
* **I²** = ``100 tau² / (vt + tau²)`` and **H²** = ``tau² / vt + 1`` with metafor's
  typical within-study variance ``vt = (k - 1) / tr P`` (FE weights); Q uses FE
  weights ``1 / vi``, its p ``pchisq(Q, k - 1, lower = FALSE)``.
* **Prediction interval** (``predict.rma``, ``pi.type = "default"``): ``mu +/-
  crit * sqrt(var(mu) + tau²)`` with the CI's ``crit`` (normal, or t with k - 1
  df under knha), back-transformed.

Degenerate input, as metafor: one study (tau² = 0, Q = 0 with p = 1, I² = 0,
H² = 1; ``test = "knha"`` becomes ``"z"`` with a note, as metafor's warning);
all studies without events (each corrected, a finite pooled logit); tau² at 0
(I² = 0, the prediction interval equals the CI).

Numbers on every machine (docs/numerics.md): the iteration and its stopping
rule use only ``+ - * /``, ``sqrt`` and ``math.fsum`` (exactly rounded sums,
independent of order and CPU), and the logs and exponentials are Python's
scalar ``math`` functions, not numpy's SIMD loops; a tie of ``|change|`` with
1e-5 is the only decision, and it is metafor's own. Agreement with R: 1e-6
(DL), 1e-5 (REML: metafor stops within 1e-5 of the optimum; the same
iterations are taken here, so the agreement is far closer in practice).

statsmodels 0.15's ``combine_effects(yi, vi, method_re="dl")`` agrees with
metafor's DL whenever Q > k - 1 (tau², pooled logit, its SE and z CI, Q, and
with ``conf_int(use_t=True)`` the Hartung-Knapp "random effect wls" interval,
to 1e-14; ``tests/stats/test_meta_analysis.py``), but it does **not truncate
tau² at 0**: when Q < k - 1 (the two HER2-loss cohorts: Q = 0.095, 1 df) it
returns tau² = -0.106, a pooled logit moved away from the fixed-effect one
(-0.924 instead of -0.823) and a NaN standard error. It also has no REML (its
``"iterated"`` is Paule-Mandel), no escalc continuity correction, no I² of
metafor's definition for REML and no prediction interval: hence this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from her2cohort.stats._result import StatisticsError, result_frame

__all__ = ["RmaFit", "escalc_plo", "meta_proportions", "rma_uni"]

_METAFOR = "metafor 3.8"
_THRESHOLD = 1e-5  # metafor control$threshold
_MAX_ITER = 100  # metafor control$maxiter
_LL_TOL = np.finfo(float).eps ** 0.25  # metafor control$tol, used by ll0check
_DBL_EPS = np.finfo(float).eps
_CORRECTIONS = ("only0", "all", "if0all", "none")


def _whole(value, name: str) -> int:
    if value is None or isinstance(value, bool):
        raise StatisticsError(f"{name} must be a whole number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StatisticsError(f"{name} must be a whole number, got {value!r}") from None
    if not math.isfinite(number) or number != round(number):
        raise StatisticsError(f"{name} must be a whole number, got {value!r}")
    return int(round(number))


def escalc_plo(events, n, add: float = 0.5, to: str = "only0"):
    """Logit proportions: R ``escalc(measure = "PLO", xi = events, ni = n, add, to)``.

    Returns ``(yi, vi, corrected, xi, ni)``: the logit, its variance, which
    studies got the correction, and the (corrected) events and totals the
    logits are of (module docstring for the convention).
    """
    if to not in _CORRECTIONS:
        raise StatisticsError(f"to must be one of {list(_CORRECTIONS)}, not {to!r}")
    if not (isinstance(add, (int, float)) and not isinstance(add, bool) and math.isfinite(add) and add >= 0):
        raise StatisticsError(f"add must be a non-negative number, got {add!r}")
    events = [_whole(x, "events") for x in events]
    n = [_whole(x, "n") for x in n]
    if len(events) != len(n):
        raise StatisticsError("events and n must have the same length")
    for x, m in zip(events, n):
        if m < 1:
            raise StatisticsError(f"a study has n = {m}: no proportion (n must be at least 1)")
        if not 0 <= x <= m:
            raise StatisticsError(f"a study has {x} events of {m}: events must lie between 0 and n")
    xi = np.array(events, dtype=float)
    mi = np.array(n, dtype=float) - xi
    zero = (xi == 0) | (mi == 0)
    if to == "all":
        corrected = np.ones(xi.size, dtype=bool)
    elif to == "only0":
        corrected = zero
    elif to == "if0all":
        corrected = np.full(xi.size, bool(zero.any()))
    else:
        corrected = np.zeros(xi.size, dtype=bool)
        if zero.any():
            raise StatisticsError(
                "a study has no events (or only events) and to = 'none': its logit is infinite; "
                "use the continuity correction (to = 'only0', metafor's default)"
            )
    xi = np.where(corrected, xi + add, xi)
    mi = np.where(corrected, mi + add, mi)
    if ((xi == 0) | (mi == 0)).any():
        raise StatisticsError("add = 0 leaves a zero cell: its logit is infinite")
    ni = xi + mi
    pri = xi / ni
    yi = np.array([math.log(p / (1 - p)) for p in pri])
    vi = 1 / xi + 1 / mi
    return yi, vi, corrected, xi, ni


@dataclass
class RmaFit:
    """An intercept-only ``rma.uni`` fit on the logit scale, and its ``predict``."""

    k: int
    method: str
    test: str
    beta: float
    se: float
    statistic: float
    p_value: float
    df: float
    crit: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    se_tau2: float
    q: float
    q_df: int
    q_p: float
    i2: float
    h2: float
    s2w: float
    weights: np.ndarray
    iterations: int
    notes: list[str] = field(default_factory=list)


def _fsum(values) -> float:
    return math.fsum(float(v) for v in values)


def _p_sums(w: np.ndarray):
    """sum w, tr P and sum(P * P) of P = W - w w' / sum w (X a column of ones)."""
    sw = _fsum(w)
    sw2 = _fsum(w * w)
    sw3 = _fsum(w * w * w)
    tr_p = sw - sw2 / sw
    tr_pp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
    return sw, tr_p, tr_pp


def _reml_ll(ymc: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    """metafor's restricted log-likelihood (ll0check), intercept-only."""
    k = ymc.size
    w = 1 / (vi + tau2)
    sw = _fsum(w)
    beta = _fsum(w * ymc) / sw
    rss = _fsum(w * (ymc - beta) ** 2)
    return -0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * _fsum(math.log(v + tau2) for v in vi) - 0.5 * math.log(sw) - 0.5 * rss


def _tau2_reml(yi: np.ndarray, vi: np.ndarray, notes: list[str]) -> tuple[float, float, int]:
    k = yi.size
    ymc = yi - _fsum(yi) / k  # metafor works on the mean-centred outcomes (scale(yi, scale = FALSE))
    # starting value: Hedges' estimator (RSS - tr(PV)) / (k - p) with P = I - J / k, truncated at 0
    rss = _fsum(ymc * ymc) - _fsum(ymc) ** 2 / k
    tr_pv = _fsum(vi) - _fsum(vi) / k
    tau2 = max(0.0, (rss - tr_pv) / (k - 1))
    change, iterations = _THRESHOLD + 1, 0
    while change > _THRESHOLD:
        iterations += 1
        old = tau2
        w = 1 / (vi + tau2)
        sw, tr_p, tr_pp = _p_sums(w)
        py = w * ymc - w * (_fsum(w * ymc) / sw)  # P %*% Ymc
        adj = (_fsum(py * py) - tr_p) / tr_pp
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj = adj / 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iterations > _MAX_ITER:
            raise StatisticsError(
                f"REML (metafor's Fisher scoring) did not converge in {_MAX_ITER} iterations, as metafor "
                "would stop; use method = 'DL'"
            )
    if tau2 > _THRESHOLD and _reml_ll(ymc, vi, 0.0) - _reml_ll(ymc, vi, tau2) > _LL_TOL:
        notes.append("REML stuck at a local maximum: tau² set to 0 (metafor's ll0check)")
        tau2 = 0.0
    tau2 = max(0.0, tau2)
    _, _, tr_pp = _p_sums(1 / (vi + tau2))
    return tau2, math.sqrt(2 / tr_pp), iterations


def _tau2_dl(yi: np.ndarray, vi: np.ndarray) -> tuple[float, float]:
    k = yi.size
    w = 1 / vi
    sw, tr_p, tr_pp = _p_sums(w)
    ymc = yi - _fsum(yi) / k
    mu = _fsum(w * ymc) / sw
    q = _fsum(w * (ymc - mu) ** 2)
    tau2 = max(0.0, (q - (k - 1)) / tr_p)
    se = math.sqrt(1 / tr_p**2 * (2 * (k - 1) + 4 * tau2 * tr_p + 2 * tau2**2 * tr_pp))
    return tau2, se


def rma_uni(
    yi,
    vi,
    method: Literal["REML", "DL"] = "REML",
    test: Literal["z", "knha"] = "z",
    conf_level: float = 0.95,
    null: float = 0.0,
) -> RmaFit:
    """R ``metafor::rma(yi, vi, method, test, level)`` (intercept only) and ``predict()``.

    ``null`` is the value the Wald test of the pooled logit is against (metafor
    tests 0; ``rma(yi - null, vi)`` in R gives this test).
    """
    if method not in ("REML", "DL"):
        raise StatisticsError(f"method must be 'REML' or 'DL', not {method!r}")
    if test not in ("z", "knha"):
        raise StatisticsError(f"test must be 'z' or 'knha' (Hartung-Knapp), not {test!r}")
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    if yi.size == 0:
        raise StatisticsError("no study to pool")
    if not (np.isfinite(yi).all() and np.isfinite(vi).all() and (vi > 0).all()):
        raise StatisticsError("every study needs a finite outcome and a positive sampling variance")
    k = yi.size
    notes: list[str] = []
    iterations = 0
    se_tau2 = math.nan
    if k == 1:
        tau2 = 0.0
        notes.append("one study: no heterogeneity to estimate (tau² = 0, Q = 0, I² = 0), the pooled value is the study's")
        if test == "knha":
            test = "z"
            notes.append("Hartung-Knapp needs two studies: z test used (metafor sets test = 'z' when k = 1)")
    elif method == "DL":
        tau2, se_tau2 = _tau2_dl(yi, vi)
    else:
        tau2, se_tau2, iterations = _tau2_reml(yi, vi, notes)
    w = 1 / (vi + tau2)
    sw = _fsum(w)
    beta = _fsum((w / sw) * yi)
    vb = 1 / sw
    s2w = 1.0
    if test == "knha":
        rss = _fsum(w * (yi - beta) ** 2)
        s2w = 0.0 if rss <= _DBL_EPS else rss / (k - 1)
        vb = s2w * vb
        if s2w == 0:
            notes.append("Hartung-Knapp: the studies agree exactly (s² = 0): the CI has no width")
        elif s2w < 1:
            notes.append(f"Hartung-Knapp scale s² = {s2w:.3g} < 1: the pooled logit's SE is smaller than under z (metafor does not truncate s² at 1; test = 'adhoc' would)")
    se = math.sqrt(vb)
    alpha = 1 - conf_level
    if test == "knha":
        df = float(k - 1)
        crit = float(stats.t.isf(alpha / 2, df))
    else:
        df = math.nan
        crit = float(stats.norm.isf(alpha / 2))
    statistic = (beta - null) / se if se > 0 else math.copysign(math.inf, beta - null) if beta != null else math.nan
    if math.isnan(statistic):
        p_value = math.nan
    elif test == "knha":
        p_value = float(2 * stats.t.sf(abs(statistic), df))
    else:
        p_value = float(2 * stats.norm.sf(abs(statistic)))
    ci_low, ci_high = beta - crit * se, beta + crit * se
    pi_se = math.sqrt(vb + tau2)
    pi_low, pi_high = beta - crit * pi_se, beta + crit * pi_se
    if k > 1:
        w_fe = 1 / vi
        sw_fe, tr_p_fe, _ = _p_sums(w_fe)
        ymc = yi - _fsum(yi) / k
        mu_fe = _fsum(w_fe * ymc) / sw_fe
        q = max(0.0, _fsum(w_fe * (ymc - mu_fe) ** 2))
        q_p = float(stats.chi2.sf(q, k - 1))
        vt = (k - 1) / tr_p_fe
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
    else:
        q, q_p, i2, h2 = 0.0, 1.0, 0.0, 1.0
    if k > 1 and tau2 == 0:
        notes.append("tau² estimated at 0: I² = 0 and the prediction interval is the CI")
    return RmaFit(
        k=k, method=method, test=test, beta=beta, se=se, statistic=statistic, p_value=p_value, df=df, crit=crit,
        ci_low=ci_low, ci_high=ci_high, pi_low=pi_low, pi_high=pi_high, tau2=tau2, se_tau2=se_tau2,
        q=q, q_df=k - 1, q_p=q_p, i2=i2, h2=h2, s2w=s2w, weights=100 * w / sw, iterations=iterations, notes=notes,
    )


def _ilogit(x: float) -> float:
    """metafor's ``transf.ilogit`` (R ``plogis``)."""
    return float(expit(x)) if math.isfinite(x) else (1.0 if x > 0 else 0.0) if not math.isnan(x) else math.nan


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def meta_proportions(
    data: pd.DataFrame,
    events: str,
    n: str,
    study: str | None = None,
    *,
    method: Literal["REML", "DL"] = "REML",
    test: Literal["z", "knha"] = "z",
    conf_level: float = 0.95,
    add: float = 0.5,
    to: Literal["only0", "all", "if0all", "none"] = "only0",
    null_proportion: float | None = None,
) -> pd.DataFrame:
    """Pooled proportion of ``events`` / ``n`` over the rows (studies) of ``data``, metafor's way.

    R: ``es <- escalc("PLO", xi = events, ni = n, add = add, to = to)``, ``fit
    <- rma(yi, vi, data = es, method = method, test = test, level)``,
    ``predict(fit, transf = transf.ilogit)``, ``weights(fit)``.

    Rows, by ``row_kind``:

    * ``study`` (one per row of ``data``, ``term`` its label from ``study``):
      ``estimate`` the proportion the logit is of (events / n after any
      continuity correction, ``corrected`` True), its Wald CI on the logit scale
      back-transformed (what ``forest(fit, transf = transf.ilogit)`` draws),
      ``weight`` in percent (``weights(fit)``), ``events``, ``n``, ``yi``, ``vi``.
    * ``pooled``: the back-transformed pooled proportion and CI; ``logit_estimate``
      and ``logit_se`` the model's; ``statistic`` (z, or t with ``df``) and
      ``p_value`` only against a declared ``null_proportion`` (metafor's own p
      tests a logit of 0, a proportion of 0.5, which asks nothing of a loss
      rate; as ``proportion``'s convention, no test without a declared null).
    * ``prediction``: the pooled proportion with the prediction interval as
      ``conf_low`` / ``conf_high`` (``pi.lb``, ``pi.ub``).
    * ``heterogeneity``: ``tau2`` (with metafor's SE), ``tau``, ``I2`` (percent),
      ``H2``, and ``Q`` (``statistic``, ``df`` = k - 1, ``p_value``).

    Every row carries ``k``, ``tau2_method``, ``test``, ``iterations`` and the
    notes of the fit (module docstring: one study, zero cells, tau² at 0).
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticsError("data must be a pandas DataFrame")
    for column in [events, n] + ([study] if study else []):
        if column not in data.columns:
            raise StatisticsError(f"column {column!r} not in data (columns: {list(data.columns)})")
    if null_proportion is not None and not 0 < null_proportion < 1:
        raise StatisticsError(f"null_proportion must lie strictly between 0 and 1, got {null_proportion}")
    complete = data[events].notna() & data[n].notna()
    n_missing = int((~complete).sum())
    frame = data[complete]
    if frame.empty:
        raise StatisticsError("no study with both events and n: nothing to pool")
    labels = [str(v) for v in frame[study]] if study else [f"study {i}" for i in range(1, len(frame) + 1)]
    yi, vi, corrected, xi, ni = escalc_plo(frame[events].tolist(), frame[n].tolist(), add, to)
    null = _logit(null_proportion) if null_proportion is not None else 0.0
    fit = rma_uni(yi, vi, method, test, conf_level, null)
    notes = list(fit.notes)
    if corrected.any():
        notes.append(f"{int(corrected.sum())} of {fit.k} studies with a zero cell: {add:g} added to events and non-events (escalc to = '{to}')")
    if n_missing:
        notes.append(f"{n_missing} row(s) without events or n left out")
    note = "; ".join(notes)
    method_text = (
        f"random-effects meta-analysis of logit proportions ({method} tau², "
        + ("Hartung-Knapp t test" if fit.test == "knha" else "Wald z")
        + "), back-transformed"
    )
    convention = (
        f"{_METAFOR} escalc(measure='PLO', add={add:g}, to='{to}'); rma(method='{method}', test='{fit.test}'); "
        "predict(transf=transf.ilogit)"
    )
    common = {"k": fit.k, "tau2_method": method, "test": fit.test, "iterations": fit.iterations, "s2w": fit.s2w, "conf_level": conf_level, "convention": convention}
    z = float(stats.norm.isf((1 - conf_level) / 2))
    rows = []
    for i, label in enumerate(labels):
        half = z * math.sqrt(vi[i])
        rows.append(
            {
                "term": label, "row_kind": "study", "estimate": xi[i] / ni[i],
                "conf_low": _ilogit(yi[i] - half), "conf_high": _ilogit(yi[i] + half),
                "method": "study proportion with its Wald CI on the logit scale, back-transformed",
                "n": int(frame[n].iloc[i]), "events": int(frame[events].iloc[i]), "weight": fit.weights[i],
                "yi": yi[i], "vi": vi[i], "corrected": bool(corrected[i]),
                "note": f"{add:g} added to events and non-events (zero cell)" if corrected[i] else "",
                **common,
            }
        )
    total_n = int(frame[n].sum())
    total_events = int(frame[events].sum())
    tested = null_proportion is not None
    rows.append(
        {
            "term": "pooled", "row_kind": "pooled", "estimate": _ilogit(fit.beta),
            "conf_low": _ilogit(fit.ci_low), "conf_high": _ilogit(fit.ci_high),
            "statistic": fit.statistic if tested else math.nan,
            "statistic_name": ("t" if fit.test == "knha" else "z") if tested else "",
            "df": fit.df, "p_value": fit.p_value if tested else math.nan,
            "method": method_text, "n": total_n, "events": total_events, "weight": 100.0,
            "logit_estimate": fit.beta, "logit_se": fit.se, "null_proportion": null_proportion if tested else math.nan,
            "note": note, **common,
        }
    )
    rows.append(
        {
            "term": "prediction_interval", "row_kind": "prediction", "estimate": _ilogit(fit.beta),
            "conf_low": _ilogit(fit.pi_low), "conf_high": _ilogit(fit.pi_high), "df": fit.df,
            "method": "prediction interval of a new study's proportion (predict.rma, back-transformed)",
            "n": total_n, "events": total_events, "logit_estimate": fit.beta, "note": note, **common,
        }
    )
    heterogeneity = [
        ("tau2", fit.tau2, fit.se_tau2, f"between-study variance of the logits ({method})"),
        ("tau", math.sqrt(fit.tau2), math.nan, "between-study SD of the logits"),
        ("I2", fit.i2, math.nan, "I² (%): 100 tau² / (vt + tau²), metafor's typical within-study variance vt"),
        ("H2", fit.h2, math.nan, "H²: tau² / vt + 1"),
    ]
    for term, value, se, text in heterogeneity:
        rows.append({"term": term, "row_kind": "heterogeneity", "estimate": value, "std_error": se, "method": text, "n": total_n, "note": note, **common})
    rows.append(
        {
            "term": "Q", "row_kind": "heterogeneity", "statistic": fit.q, "statistic_name": "Q", "df": float(fit.q_df),
            "p_value": fit.q_p, "method": "Cochran's Q test of heterogeneity (FE weights)", "n": total_n, "note": note, **common,
        }
    )
    return result_frame(rows)
