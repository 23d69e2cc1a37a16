"""Competing risks: cumulative incidence, Gray's test and the Fine-Gray model, as R's cmprsk.

When patients can fail from more than one cause (progression, or death without
it), 1 - Kaplan-Meier of one cause treats the other causes as censoring and
overstates that cause's probability. These functions reproduce cmprsk 2.2-11
(Gray), following its Fortran step by step:

* :func:`cumulative_incidence` is ``cmprsk::cuminc`` (subroutine ``cinc``) and
  ``cmprsk::timepoints`` (``tpoi``): the Aalen-Johansen estimate of each
  cause's cumulative incidence with Gray's variance.
* :func:`gray_test` is ``cuminc(...)$Tests`` (``crstm``): Gray's K-sample test
  of equal cumulative incidence across groups, per cause, optionally stratified,
  with weight (1 - F(t-))^rho.
* :func:`fine_gray` is ``cmprsk::crr`` (``crrf``, ``crrfsv``, ``crrvv``): the
  Fine-Gray proportional subdistribution hazards model, with crr's Newton-Raphson
  and stopping rule and its sandwich variance that accounts for the estimated
  censoring distribution.

Conventions shared by the three (cmprsk's):

* ``status`` holds one code per patient: ``censor_code`` (default 0) for
  censored, any other value a cause of failure. Causes are reported in sorted
  order, groups in factor order (a Categorical's order, else sorted), groups
  without patients dropped (``cuminc`` drops unused levels).
* Rows with a missing time, status, group, stratum or covariate are dropped
  (``na.omit``), noted. Times must be >= 0 (``cinc`` assumes so).
* Times are compared exactly, as cmprsk's Fortran does (no ``aeqSurv``; the
  survival package's merge of times within sqrt(eps) does not apply here,
  except inside the Kaplan-Meier of the censoring distribution that crr takes
  from ``survfit``). Equality of input numbers is the same on every machine.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, complete_cases, result_frame
from her2cohort.stats._ties import aeq_surv
from her2cohort.stats.cox import _singular_columns, model_matrix

__all__ = ["cumulative_incidence", "gray_test", "fine_gray", "CRR_GTOL", "CRR_MAXITER"]

#: cmprsk::crr defaults: convergence tolerance and iteration limit.
CRR_GTOL = 1e-6
CRR_MAXITER = 10
#: crr's Armijo line search: sufficient decrease 1e-4, step factor 0.5, at most 20 halvings.
_ARMIJO, _STEP_FACTOR, _MAX_HALVINGS = 1e-4, 0.5, 20
_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- input


def _levels(values: pd.Series) -> list[Any]:
    """Levels present, in R's factor order (a Categorical's order, else sorted)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.unique())
        return [c for c in values.cat.categories if c in present]
    return sorted(values.unique())


def _prepare(
    data: pd.DataFrame, time: str, status: str, censor_code: Any, extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[Any], str]:
    """Complete rows sorted by time (R's stable ``order``), the times, the status
    values, the causes present (sorted) and a note on dropped rows."""
    frame, n_dropped = complete_cases(data, list(dict.fromkeys([time, status, *extra])), "time and status")
    times = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise StatisticsError(f"{time!r} must be finite numbers >= 0")
    order = np.argsort(times, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    codes = frame[status].to_numpy()
    causes = sorted(pd.unique(codes[codes != censor_code]).tolist())
    note = f"{n_dropped} row(s) with missing values dropped" if n_dropped else ""
    return frame, times[order], codes, causes, note


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


# ------------------------------------------------------------- cumulative incidence


def _cinc(y: np.ndarray, failed: np.ndarray, cause: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cmprsk's Fortran ``cinc``: the corners of the step function (time, estimate, variance).

    ``y`` sorted; ``failed`` 1 for a failure of any cause; ``cause`` 1 for the
    cause of interest. As cinc: (0, 0), then two points per time with a failure
    of the cause (before and after the jump), then the last follow-up time.
    Arithmetic in cinc's order, so the values are cinc's to rounding.
    """
    n = y.size
    x, f, v = [0.0], [0.0], [0.0]
    fk, v1, v2, v3 = 1.0, 0.0, 0.0, 0.0
    rs = float(n)
    low = 0
    while low < n:
        high = low
        while high < n and y[high] == y[low]:
            high += 1
        nd1 = int(cause[low:high].sum())
        nd2 = int(failed[low:high].sum()) - nd1
        nd = nd1 + nd2
        if nd > 0:
            fkn = fk * (rs - nd) / rs
            if nd1 > 0:
                f.append(f[-1])
                f.append(f[-1] + fk * nd1 / rs)
            if nd2 > 0 and fkn > 0:
                t5 = 1 - (nd2 - 1.0) / (rs - 1.0) if nd2 > 1 else 1.0
                t6 = fk * fk * t5 * nd2 / (rs * rs)
                t3 = 1.0 / fkn
                t4 = f[-1] / fkn
                v1 += t4 * t4 * t6
                v2 += t3 * t4 * t6
                v3 += t3 * t3 * t6
            if nd1 > 0:
                t5 = 1 - (nd1 - 1.0) / (rs - 1.0) if nd1 > 1 else 1.0
                t6 = fk * fk * t5 * nd1 / (rs * rs)
                t3 = 1 / fkn if fkn > 0 else 0.0
                t4 = 1 + t3 * f[-1]
                v1 += t4 * t4 * t6
                v2 += t3 * t4 * t6
                v3 += t3 * t3 * t6
                t2 = f[-1]
                x += [y[high - 1], y[high - 1]]
                v += [v[-1], v1 + t2 * t2 * v3 - 2 * t2 * v2]
            fk = fkn
        rs = float(n - high)
        low = high
    x.append(y[n - 1])
    f.append(f[-1])
    v.append(v[-1])
    return np.array(x), np.array(f), np.array(v)


def _timepoints(x: np.ndarray, requested: np.ndarray) -> np.ndarray:
    """cmprsk's ``tpoi``: index of the value at each requested time (-1: NA).

    The step function is right-continuous; a time after the group's last
    follow-up, or before 0, has no value (NA), as ``timepoints`` gives.
    """
    index = np.searchsorted(x, requested, side="right")
    index = np.where(requested == x[-1], x.size - 1, index)
    return np.where((requested > x[-1]) | (index == 0), -1, index)


def _pintilie_interval(estimate: np.ndarray, se: np.ndarray, conf_level: float) -> tuple[np.ndarray, np.ndarray]:
    """x^exp(+-z se / (x log x)): the log(-log) interval of Pintilie (2006), as tidycmprsk."""
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        defined = (estimate > 0) & (estimate < 1)
        power = np.exp(z * se / (estimate * np.log(estimate)))
        one, other = estimate**power, estimate ** (1 / power)
    low = np.where(defined, np.minimum(one, other), np.nan)
    high = np.where(defined, np.maximum(one, other), np.nan)
    return low, high


def cumulative_incidence(
    data: pd.DataFrame,
    time: str,
    status: str,
    group: str | None = None,
    times: Sequence[float] | None = None,
    censor_code: Any = 0,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Cumulative incidence of each cause (Aalen-Johansen), as ``cmprsk::cuminc``.

    Matches ``cuminc(time, status, group, cencode = censor_code)``: for each
    group and cause, the estimate F(t) = sum over failure times s <= t of
    S(s-) d_cause(s) / n(s) (S the Kaplan-Meier of failure from any cause) and
    Gray's variance (cinc). Without ``times``: one row per time at which the
    cause occurs in the group, the value just after it (the points where
    cuminc's curve jumps). With ``times``: one row per requested time, as
    ``timepoints(cuminc(...), times)``: the right-continuous value, 0 before
    the first failure, NA (with a note) after the group's last follow-up time.

    Columns: ``term`` "cumulative_incidence", ``group`` ("all" without
    ``group``), ``cause``, ``time``, ``estimate``, ``variance`` (cmprsk's),
    ``std_error`` = its square root, ``n`` (patients in the group),
    ``n_event`` (failures of the cause at that time; without ``times``), and
    ``conf_low``/``conf_high``: cmprsk gives none; here the log(-log)
    interval x^exp(+-z se / (x log x)) (Pintilie, *Competing Risks: A Practical
    Perspective*, 2006; tidycmprsk's), NA where F is 0 or 1.

    A group with no failure of a cause gives one row with NA and a note (its
    curve stays at 0; with ``times`` the 0s are reported); no failure of any
    cause gives a single NA row with a note.
    """
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    frame, y, codes, causes, note = _prepare(data, time, status, censor_code, [group] if group else [])
    method = "Aalen-Johansen cumulative incidence, Gray's variance"
    convention = "cmprsk::cuminc" + ("; cmprsk::timepoints" if times is not None else "")
    convention += "; interval x^exp(+-z se/(x log x)) (Pintilie 2006, tidycmprsk)"
    if not causes:
        return result_frame([{"term": "cumulative_incidence", "method": method, "convention": convention,
                              "n": len(frame), "note": _join("no failure of any cause: nothing to estimate", note)}])
    groups = _levels(frame[group]) if group else ["all"]
    labels = frame[group].to_numpy() if group else np.full(len(frame), "all", dtype=object)
    requested = None if times is None else np.unique(np.asarray(list(times), dtype=float))
    rows = []
    for cause, level in itertools.product(causes, groups):  # cuminc's order: causes, then groups
        members = labels == level
        yg, cg = y[members], codes[members]
        failed = (cg != censor_code).astype(np.int64)
        common = {"term": "cumulative_incidence", "group": level, "conf_level": conf_level,
                  "method": method, "convention": convention, "n": int(members.sum())}
        of_cause = (cg == cause).astype(np.int64)
        x, f, v = _cinc(yg, failed, of_cause)
        if requested is None:
            jumps = np.arange(2, x.size - 1, 2)
            if jumps.size == 0:
                rows.append({**common, "cause": cause, "note": _join("no failure of this cause in this group: "
                             "its cumulative incidence stays 0", note)})
                continue
            at, estimate, variance = x[jumps], f[jumps], v[jumps]
            cause_times = yg[of_cause == 1]
            n_event = np.searchsorted(cause_times, at, side="right") - np.searchsorted(cause_times, at, side="left")
            notes = [note] * at.size
        else:
            index = _timepoints(x, requested)
            valid = index >= 0
            at = requested
            estimate = np.where(valid, f[index], np.nan)
            variance = np.where(valid, v[index], np.nan)
            n_event = [math.nan] * at.size
            notes = [note if ok else _join("after the group's last follow-up time (or before 0): "
                                           "cmprsk::timepoints gives NA", note) for ok in valid]
        se = np.sqrt(variance)
        low, high = _pintilie_interval(estimate, se, conf_level)
        for k in range(at.size):
            rows.append({**common, "cause": cause, "time": at[k], "estimate": estimate[k], "variance": variance[k],
                         "std_error": se[k], "conf_low": low[k], "conf_high": high[k],
                         "n_event": n_event[k], "note": notes[k]})
    return result_frame(rows)


# ------------------------------------------------------------------- Gray's test


def _crst(y, m, g, ng: int, rho: float):
    """cmprsk's Fortran ``crst`` on one stratum: scores (ng - 1) and their variance."""
    ng1 = ng - 1
    rs = np.bincount(g, minlength=ng).astype(np.int64)
    s = np.zeros(ng1)
    v = np.zeros((ng1, ng1))
    f1m, f1 = np.zeros(ng), np.zeros(ng)
    skmm, skm = np.ones(ng), np.ones(ng)
    v3, v2 = np.zeros(ng), np.zeros((ng1, ng))
    c = np.zeros((ng, ng))
    a = np.zeros((ng, ng))
    fm = f = 0.0
    n = y.size
    low = 0
    while low < n:
        high = low
        while high < n and y[high] == y[low]:
            high += 1
        d = np.zeros((3, ng), dtype=np.int64)
        np.add.at(d, (m[low:high], g[low:high]), 1)
        nd1, nd2 = int(d[1].sum()), int(d[2].sum())
        if nd1 or nd2:
            tr = tq = 0.0
            for i in range(ng):
                if rs[i] <= 0:
                    continue
                td = d[1, i] + d[2, i]
                skm[i] = skmm[i] * (rs[i] - td) / rs[i]
                f1[i] = f1m[i] + (skmm[i] * d[1, i]) / rs[i]
                tr += rs[i] / skmm[i]
                tq += rs[i] * (1 - f1m[i]) / skmm[i]
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            for i in range(ng):
                a[i, i:] = 0.0
                if rs[i] <= 0:
                    continue
                t1 = rs[i] / skmm[i]
                a[i, i] = fb * t1 * (1 - t1 / tr)
                if a[i, i] != 0:  # cmprsk 2.2-12's guard (0 * Inf when F(t-) = 1)
                    c[i, i] += a[i, i] * nd1 / (tr * (1 - fm))
                for j in range(i + 1, ng):
                    if rs[j] <= 0:
                        continue
                    a[i, j] = -fb * t1 * rs[j] / (skmm[j] * tr)
                    if a[i, j] != 0:
                        c[i, j] += a[i, j] * nd1 / (tr * (1 - fm))
            lower = np.tril_indices(ng, -1)
            a[lower] = a.T[lower]
            c[lower] = c.T[lower]
            for i in range(ng1):
                if rs[i] > 0:
                    s[i] += fb * (d[1, i] - nd1 * rs[i] * (1 - f1m[i]) / (skmm[i] * tq))
            if nd1 > 0:
                for k in range(ng):
                    if rs[k] <= 0:
                        continue
                    t4 = 1 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    for i in range(ng1):
                        t1 = a[i, k] - t4 * c[i, k]
                        v2[i, k] += t1 * t4 * t3
                        for j in range(i + 1):
                            v[i, j] += t1 * (a[j, k] - t4 * c[j, k]) * t3
            if nd2 > 0:
                for k in range(ng):
                    if skm[k] <= 0 or d[2, k] <= 0:
                        continue
                    t4 = (1 - f) / skm[k]
                    t5 = 1 - (d[2, k] - 1.0) / (rs[k] - 1.0) if d[2, k] > 1 else 1.0
                    t6 = float(rs[k])
                    t3 = t5 * ((skmm[k] ** 2) * d[2, k]) / (t6**2)
                    v3[k] += t4 * t4 * t3
                    for i in range(ng1):
                        t1 = t4 * c[i, k]
                        v2[i, k] -= t1 * t4 * t3
                        for j in range(i + 1):
                            v[i, j] += t1 * (t4 * c[j, k]) * t3
        if high >= n:
            break
        np.subtract.at(rs, g[low:high], 1)
        fm = f
        f1m[:] = f1
        skmm[:] = skm
        low = high
    for i in range(ng1):
        for j in range(i + 1):
            for k in range(ng):
                v[i, j] += c[i, k] * c[j, k] * v3[k]
                v[i, j] += c[i, k] * v2[j, k]
                v[i, j] += c[j, k] * v2[i, k]
    v = np.tril(v) + np.tril(v, -1).T
    return s, v


def _full_rank(v: np.ndarray, tol: float = 1e-7) -> bool:
    """R's ``qr(v)$rank == ncol(v)`` (LINPACK dqrdc2, tol 1e-7): no column whose
    part orthogonal to the earlier ones is below tol times its own norm."""
    q: list[np.ndarray] = []
    for column in v.T:
        norm = np.linalg.norm(column)
        residual = column.astype(float).copy()
        for basis in q:
            residual -= (basis @ residual) * basis
        left = np.linalg.norm(residual)
        if norm == 0 or left < tol * norm:
            return False
        q.append(residual / left)
    return True


def gray_test(
    data: pd.DataFrame,
    time: str,
    status: str,
    group: str,
    strata: str | None = None,
    rho: float = 0.0,
    censor_code: Any = 0,
) -> pd.DataFrame:
    """Gray's test of equal cumulative incidence across groups, per cause, as ``cuminc(...)$Tests``.

    Matches ``cuminc(time, status, group, strata, rho = rho, cencode =
    censor_code)$Tests`` (Gray, Ann Stat 1988; subroutine crstm): for each
    cause, the score of each group but the last compares its subdistribution
    hazard with the pooled one, weighted by (1 - F(t-))^rho (rho = 0, cuminc's
    default, is the log-rank analogue), summed over strata; the statistic
    s' V^-1 s is chi-square on (groups - 1) df. ``p_value`` is the upper tail
    computed accurately (cuminc prints ``1 - pchisq``, which loses digits below
    about 1e-10).

    One row per cause (``term`` "gray_test", ``cause``). Fewer than two groups
    with patients, no failure at all, or a variance matrix R's ``qr`` finds
    rank-deficient (cuminc then reports the sentinel stat = -1) give NA with a
    note.
    """
    if not np.isfinite(rho) or rho < 0:
        raise StatisticsError(f"rho must be a finite number >= 0, not {rho!r}")
    extra = [group] + ([strata] if strata else [])
    frame, y, codes, causes, note = _prepare(data, time, status, censor_code, extra)
    groups = _levels(frame[group])
    g = pd.Categorical(frame[group], categories=groups).codes.astype(np.int64)
    st = pd.factorize(frame[strata], sort=True)[0] if strata else np.zeros(len(frame), dtype=np.int64)
    ng = len(groups)
    method = f"Gray's test of equal cumulative incidence (rho = {rho:g})"
    method += f", stratified by {strata}" if strata else ""
    convention = f"cmprsk::cuminc(rho = {rho:g}{', strata' if strata else ''})$Tests; upper-tail p"
    common = {"term": "gray_test", "statistic_name": "chi2", "method": method, "convention": convention,
              "n": len(frame), "groups": ", ".join(map(str, groups))}
    if not causes:
        return result_frame([{**common, "note": _join("no failure of any cause: the test is undefined", note)}])
    rows = []
    for cause in causes:
        if ng < 2:
            why = "fewer than two groups with patients: no comparison"
            rows.append({**common, "cause": cause, "note": _join(why, note)})
            continue
        m = np.where(codes == censor_code, 0, np.where(codes == cause, 1, 2)).astype(np.int64)
        score, variance = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
        for stratum in range(st.max() + 1):
            members = st == stratum
            sc, vc = _crst(y[members], m[members], g[members], ng, rho)
            score += sc
            variance += vc
        if not np.all(np.isfinite(variance)) or not _full_rank(variance):
            rows.append({**common, "cause": cause, "note": _join(
                "variance matrix singular (R's qr finds it rank-deficient; cuminc reports stat = -1): the test "
                "is undefined", note)})
            continue
        statistic = float(score @ np.linalg.solve(variance, score))
        rows.append({**common, "cause": cause, "statistic": statistic, "df": ng - 1,
                     "p_value": float(stats.chi2.sf(statistic, ng - 1)), "note": note})
    return result_frame(rows)


# ------------------------------------------------------------------- Fine-Gray


def _censoring_weights(y: np.ndarray, censored: np.ndarray, at: np.ndarray) -> np.ndarray:
    """crr's G(t-): the Kaplan-Meier of the censoring distribution just before each time in ``at``.

    crr computes ``survfit(Surv(ftime, cenind) ~ 1)`` and reads it with
    ``approx(c(min(0, u$time) - 10 eps, u$time, max(u$time) (1 + 10 eps)),
    c(1, u$surv, 0), xout = ftime (1 - 100 eps), method = "constant", f = 0,
    rule = 2)``: the value at the last knot at or before t (1 - 100 eps), i.e.
    G just before t (at t itself when t = 0). Reproduced here knot for knot
    (survfit merges its times by aeqSurv first).
    """
    merged = aeq_surv(y)
    knots, index = np.unique(merged, return_inverse=True)
    n_at = np.bincount(index, minlength=knots.size)
    n_cens = np.bincount(index, weights=censored.astype(float), minlength=knots.size)
    n_risk = n_at[::-1].cumsum()[::-1]
    surv = np.cumprod(1.0 - n_cens / n_risk)
    xs = np.concatenate([[min(0.0, knots[0]) - 10 * _EPS], knots, [knots[-1] * (1 + 10 * _EPS)]])
    ys = np.concatenate([[1.0], surv, [0.0]])
    position = np.searchsorted(xs, at * (1 - 100 * _EPS), side="right") - 1
    return ys[np.clip(position, 0, xs.size - 1)]


class _FineGray:
    """The Fine-Gray pseudo-likelihood of crr, its score and information, vectorised.

    Data sorted by time. At each distinct failure time u of the cause, the risk
    set is everyone with t >= u (weight exp(eta)) and everyone who failed from
    another cause before u, with weight exp(eta) G(u-)/G(t-) (crrfsv): a
    reverse cumulative sum plus G(u-) times a forward one. Breslow's handling
    of tied failures, as crr.
    """

    def __init__(self, y, code, x):
        self.y, self.x = y, x
        self.cause = code == 1
        self.other = code == 2
        self.fail_times, self.d = np.unique(y[self.cause], return_counts=True)
        g_all = _censoring_weights(y, code == 0, np.concatenate([y, self.fail_times]))
        self.g_own = g_all[: y.size]  # G(t_i-)
        self.g_fail = g_all[y.size :]  # G(u_k-)
        self.tail_from = np.searchsorted(y, self.fail_times, side="left")  # first with t >= u
        other_times = y[self.other]
        self.other_before = np.searchsorted(other_times, self.fail_times, side="left")

    def sums(self, beta):
        """S0, S1, S2 at each failure time, and the linear predictors."""
        eta = self.x @ beta
        risk = np.exp(eta)
        n, p = self.x.shape
        squares = (risk[:, None, None] * self.x[:, :, None] * self.x[:, None, :]).reshape(n, p * p)
        columns = np.concatenate([risk[:, None], risk[:, None] * self.x, squares], axis=1)
        tail = np.vstack([np.cumsum(columns[::-1], axis=0)[::-1], np.zeros((1, columns.shape[1]))])
        weighted = columns[self.other] / self.g_own[self.other][:, None]
        before = np.vstack([np.zeros((1, columns.shape[1])), np.cumsum(weighted, axis=0)])
        total = tail[self.tail_from] + self.g_fail[:, None] * before[self.other_before]
        return total[:, 0], total[:, 1 : 1 + p], total[:, 1 + p :].reshape(-1, p, p), eta

    def negative_loglik(self, beta) -> float:
        s0, _, _, eta = self.sums(beta)
        return float(-eta[self.cause].sum() + self.d @ np.log(s0))

    def derivatives(self, beta):
        """crrfsv: minus the log pseudo-likelihood, minus its score, the information."""
        s0, s1, s2, eta = self.sums(beta)
        mean = s1 / s0[:, None]
        lik = float(-eta[self.cause].sum() + self.d @ np.log(s0))
        score = -self.x[self.cause].sum(axis=0) + self.d @ mean
        info = np.einsum("k,kij->ij", self.d / s0, s2) - np.einsum("k,ki,kj->ij", self.d, mean, mean)
        return lik, score, info

    def sandwich_middle(self, beta) -> np.ndarray:
        """crrvv's v2 = sum_i (eta_i + psi_i)(eta_i + psi_i)', the empirical variance of the score.

        eta_i is subject i's score residual; psi_i the term for the estimated
        censoring distribution (Fine & Gray 1999, section 3): with dL_k = d_k / S0_k,
        E_k = S1_k / S0_k and q(u) = sum over failure times u_k >= u of
        G(u_k-) dL_k [P1(u) - E_k P0(u)], P summing exp(eta) Z^j / G(t-) over the
        other-cause failures before u, psi_i = -sum over censoring times u <= t_i
        of c(u) q(u) / Y(u)^2, plus q(t_i) / Y(t_i) if i is censored.
        """
        y, x = self.y, self.x
        n, p = x.shape
        s0, s1, _, eta = self.sums(beta)
        risk = np.exp(eta)
        mean = s1 / s0[:, None]
        dl = self.d / s0
        # cumulative sums over failure times, indexed by how many failure times are <= t (or < t)
        a_cum = np.concatenate([[0.0], np.cumsum(dl)])
        b_cum = np.vstack([np.zeros(p), np.cumsum(mean * dl[:, None], axis=0)])
        gd = self.g_fail * dl
        c_tail = np.concatenate([np.cumsum(gd[::-1])[::-1], [0.0]])
        e_tail = np.vstack([np.cumsum((mean * gd[:, None])[::-1], axis=0)[::-1], np.zeros(p)])
        up_to = np.searchsorted(self.fail_times, y, side="right")  # failure times <= t_i
        own = np.searchsorted(self.fail_times, y, side="left")  # index of t_i among them (if a failure)
        score_residual = -risk[:, None] * (x * a_cum[up_to][:, None] - b_cum[up_to])
        score_residual[self.cause] += x[self.cause] - mean[own[self.cause]]
        other = self.other
        score_residual[other] -= (risk[other] / self.g_own[other])[:, None] * (
            x[other] * c_tail[up_to[other]][:, None] - e_tail[up_to[other]]
        )
        # the censoring part
        censored = ~(self.cause | other)
        psi = np.zeros((n, p))
        cens_times, cens_counts = np.unique(y[censored], return_counts=True)
        if cens_times.size:
            other_times = y[other]
            weights = (risk[other] / self.g_own[other])[:, None]
            p0_cum = np.concatenate([[0.0], np.cumsum(weights[:, 0])])
            p1_cum = np.vstack([np.zeros(p), np.cumsum(weights * x[other], axis=0)])
            before = np.searchsorted(other_times, cens_times, side="left")  # other failures with t < u
            from_u = np.searchsorted(self.fail_times, cens_times, side="left")  # failure times >= u
            q = p1_cum[before] * c_tail[from_u][:, None] - p0_cum[before][:, None] * e_tail[from_u]
            at_risk = n - np.searchsorted(y, cens_times, side="left")
            jumps = -(cens_counts / at_risk**2.0)[:, None] * q
            cumulative = np.vstack([np.zeros(p), np.cumsum(jumps, axis=0)])
            psi = cumulative[np.searchsorted(cens_times, y, side="right")]
            mine = np.searchsorted(cens_times, y[censored], side="left")
            psi[censored] += q[mine] / at_risk[mine][:, None]
        total = score_residual + psi
        return total.T @ total


def _crr_newton(model: _FineGray, p: int, gtol: float, maxiter: int):
    """crr's loop (cmprsk 2.2-11, R/cmprsk.R), step for step.

    From b = 0, for ll = 0..maxiter: stop when max(|U| max(|b|, 1)) <
    max(|loglik|, 1) gtol; else (unless ll = maxiter: not converged) a Newton
    step with an Armijo line search (accept when -loglik(b + step) <=
    -loglik(b) + 1e-4 step'(-U), else halve the step, at most 20 times: not
    converged). Returns beta, -loglik, -U, information at beta, the iterate
    count, convergence, and the criterion/threshold ratio at each iterate.
    """
    b = np.zeros(p)
    path = []
    for ll in range(maxiter + 1):
        lik, score, info = model.derivatives(b)
        ratio = float(np.max(np.abs(score) * np.maximum(np.abs(b), 1)) / (max(abs(lik), 1) * gtol))
        path.append(ratio)
        if ratio < 1:
            return b, lik, score, info, ll, True, path
        if ll == maxiter:
            return b, lik, score, info, ll, False, path
        step = -np.linalg.solve(info, score)
        bound = lik + _ARMIJO * float(step @ score)
        candidate = model.negative_loglik(b + step)
        halvings = 0
        while not np.isfinite(candidate) or candidate > bound:
            halvings += 1
            step = step * _STEP_FACTOR
            candidate = model.negative_loglik(b + step)
            bound = lik + _ARMIJO * float(step @ score)
            if halvings > _MAX_HALVINGS:
                return b, lik, score, info, ll, False, path
        b = b + step
    raise AssertionError("unreachable")  # pragma: no cover


def fine_gray(
    data: pd.DataFrame,
    time: str,
    status: str,
    covariates: str | Sequence[str],
    cause: Any = 1,
    censor_code: Any = 0,
    reference_levels: Mapping[str, object] | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Fine-Gray subdistribution hazard ratios, as ``cmprsk::crr``.

    Matches ``summary(crr(time, status, cov1 = model.matrix(~ covariates)[, -1],
    failcode = cause, cencode = censor_code))`` (cmprsk 2.2-11): the
    proportional subdistribution hazards model of Fine & Gray (JASA 1999) for
    failure from ``cause``, failures from other causes staying in the risk set
    with inverse-probability-of-censoring weights G(u-)/G(t-), G the
    Kaplan-Meier of the censoring distribution (one censoring group: crr's
    ``cengroup`` and time-varying ``cov2`` are not offered).

    **crr's iteration, mirrored**: start at 0, Newton-Raphson with an Armijo
    line search (sufficient decrease 1e-4, step halved up to 20 times); converged
    at the first iterate where max_j |U_j| max(|b_j|, 1) < gtol max(|log
    pseudo-likelihood|, 1), gtol = 1e-6, checked at most ``maxiter`` + 1 = 11
    times (10 Newton steps). This rule is loose: crr's coefficients are not
    the maximiser to rounding but the iterate at which the rule first holds, so
    the same iterates are computed here, and the same iterate is reported (on
    one reference model crr's answer is 3.6e-6 relative from the maximiser:
    iterating to the maximum would not give crr's number at 1e-6). The
    decision sits far from rounding because Newton's convergence is quadratic:
    the criterion/threshold ratio (``convergence_criterion``, with its value
    at the iterate before, ``criterion_before``) falls by orders of magnitude
    per iterate (on the reference models: at most 0.41 where crr stops, at
    least 1.34 one iterate before), so rounding (1e-13 relative) could change
    the iterate count only for a ratio within 1e-13 of 1; the result columns
    show how far each fit's decision was from it. ``next_step`` is the Newton
    step still wanted at the reported iterate (largest |change| of a
    coefficient): how far crr's answer is from the maximiser.

    Rows: one per coefficient (``estimate`` = subdistribution HR = exp(coef),
    ``coef``, ``std_error`` = se(coef) from crr's sandwich variance, which
    accounts for the estimated censoring distribution; Wald CI and z, p =
    2 * P(Z > |z|), not summary.crr's rounded 1 - pnorm), then
    ``pseudo_likelihood_ratio_test`` (-2 (loglik.null - loglik), df = number of
    coefficients, as summary.crr's logtest). ``n`` patients used, ``n_events``
    failures of the cause, ``n_competing`` failures of other causes.

    Degenerate input gives NA with a note: no failure of the cause; a constant
    or collinear covariate (R's crr stops: "system is exactly singular"; here
    that column is NA and the others are fitted without it); no convergence
    in crr's 10 iterations (all NA, as print.summary.crr prints nothing); a
    coefficient that may be infinite (monotone pseudo-likelihood, e.g. a level
    without failures of the cause): crr stops it where its score has become
    negligible but the Newton step still wanted is of order 1 (it drifts by
    about one per iteration); flagged when that step exceeds 1% of
    1 + |coef| (a converged coefficient's is of order gtol |loglik| /
    information; at most 2.2e-6 on the reference models).
    """
    if not 0 < conf_level < 1:
        raise StatisticsError("conf_level must be between 0 and 1")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise StatisticsError("a Fine-Gray model needs at least one covariate")
    frame, y, codes, _, note = _prepare(data, time, status, censor_code, covariates)
    reference_levels = dict(reference_levels or {})
    unknown = set(reference_levels) - set(covariates)
    if unknown:
        raise StatisticsError(f"reference_levels names non-covariates: {sorted(unknown)}")
    x, columns, _ = model_matrix(frame, covariates, reference_levels)
    code = np.where(codes == censor_code, 0, np.where(codes == cause, 1, 2))
    n_events, n_competing = int((code == 1).sum()), int((code == 2).sum())
    z_crit = stats.norm.ppf((1 + conf_level) / 2)
    convention = (
        f"cmprsk::crr(failcode = {cause!r}, cencode = {censor_code!r}; gtol = {CRR_GTOL:g}, maxiter = {CRR_MAXITER}); "
        "summary.crr"
    )
    method = f"Fine-Gray proportional subdistribution hazards (cause {cause}), Wald z"
    common = {"convention": convention, "n": len(frame), "n_events": n_events, "n_competing": n_competing,
              "conf_level": conf_level}
    p = len(columns)
    notes = {j: "" for j in range(p)}
    model_note = note
    keep = np.ones(p, dtype=bool)
    fit = None
    if n_events == 0:
        model_note = _join(f"no failure of cause {cause!r}: no model can be fitted", note)
    else:
        constant = np.ptp(x, axis=0) == 0
        _, _, info0 = _FineGray(y, code, x).derivatives(np.zeros(p))
        singular = _singular_columns(info0) | constant
        for j in np.flatnonzero(singular):
            notes[j] = ("covariate is constant: not estimable" if constant[j] else
                        "not estimable: collinear with the covariates before it") + \
                " (R's crr stops: 'system is exactly singular'); fitted without it"
        keep = ~singular
        if keep.any():
            model = _FineGray(y, code, x[:, keep])
            fit = _crr_newton(model, int(keep.sum()), CRR_GTOL, CRR_MAXITER)
            if not fit[5]:
                model_note = _join(f"crr did not converge in {CRR_MAXITER} iterations: estimates withheld", note)
        else:
            model_note = _join("no estimable covariate", note)

    coef, se, extra = np.full(p, np.nan), np.full(p, np.nan), {}
    lr = math.nan
    if fit is not None and fit[5]:
        b, lik, score, info, iterations, _, path = fit
        information = model.derivatives(b)[2]
        bread = np.linalg.inv(information)
        variance = bread @ model.sandwich_middle(b) @ bread.T
        step = -np.linalg.solve(info, score)
        coef[keep], se[keep] = b, np.sqrt(np.diag(variance))
        for k, j in enumerate(np.flatnonzero(keep)):
            if abs(step[k]) > 0.01 * (1 + abs(b[k])):
                notes[j] = ("monotone pseudo-likelihood: the coefficient drifts to "
                            + ("+infinity" if step[k] > 0 else "-infinity")
                            + " (e.g. a level without failures of the cause); crr stopped it where its score "
                            "became negligible; HR not estimable")
                coef[j] = se[j] = math.nan
        loglik_null = -model.negative_loglik(np.zeros(int(keep.sum())))
        if not any("monotone" in notes[j] for j in range(p)):
            lr = -2 * (loglik_null - (-lik))
        extra = {"loglik": -lik, "loglik_null": loglik_null, "iterations": iterations, "converged": True,
                 "convergence_criterion": path[-1], "criterion_before": path[-2] if len(path) > 1 else math.nan,
                 "next_step": float(np.max(np.abs(step)))}
    elif fit is not None:
        extra = {"iterations": fit[4], "converged": False, "convergence_criterion": fit[6][-1]}

    rows = []
    for j, column in enumerate(columns):
        z = coef[j] / se[j] if se[j] > 0 else math.nan
        ok = np.isfinite(coef[j])
        rows.append({"term": column, "estimate": math.exp(coef[j]) if ok else math.nan, "std_error": se[j],
                     "conf_low": math.exp(coef[j] - z_crit * se[j]) if ok else math.nan,
                     "conf_high": math.exp(coef[j] + z_crit * se[j]) if ok else math.nan,
                     "statistic": z, "statistic_name": "z",
                     "p_value": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else math.nan,
                     "method": method, "note": notes[j] or (model_note if not ok else note),
                     "row_kind": "coefficient", "coef": coef[j], **common, **extra})
    df = int(np.isfinite(coef).sum())
    lr_note = model_note
    if not np.isfinite(lr) and not lr_note:
        lr_note = "not computed: a coefficient may be infinite (monotone pseudo-likelihood)"
    rows.append({"term": "pseudo_likelihood_ratio_test", "statistic": lr, "statistic_name": "chi2",
                 "df": df if np.isfinite(lr) else math.nan,
                 "p_value": float(stats.chi2.sf(lr, df)) if np.isfinite(lr) else math.nan,
                 "method": f"Fine-Gray pseudo likelihood ratio test (cause {cause})", "note": lr_note,
                 "row_kind": "model_test", **common, **extra})
    return result_frame(rows)
