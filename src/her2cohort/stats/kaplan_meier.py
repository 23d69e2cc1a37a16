"""Kaplan–Meier estimation that agrees with R's ``survival`` package number for number.

Functions
---------
- :func:`kaplan_meier` — the survival table of ``survfit(Surv(time, event) ~ group)``.
- :func:`survival_at` — ``summary(survfit, times = ...)``.
- :func:`numbers_at_risk` — the survminer / KMunicate at-risk table.
- :func:`median_survival` — median and its interval in R's conventions
  (``conf.type`` "log", "log-log", "plain") and in SPSS's symmetric one.
- :func:`median_follow_up` — median follow-up by reverse Kaplan–Meier, as the
  median observed time of all patients, or among censored patients.

Conventions shared by every function here
-----------------------------------------
- ``event`` is 1/True for the event and 0/False for censoring. R's ``Surv``
  also accepts 1/2 coding (``survival::lung``); we refuse it rather than guess,
  so recode it first (``status - 1``).
- Rows with a missing time, event or group are dropped, as R's ``na.omit`` does;
  the count is reported in the frame's ``attrs["n_dropped"]``.
- Times that differ only by floating-point noise are merged first, as R's
  ``survfit`` and ``survdiff`` do (``timefix = TRUE``, ``aeqSurv``;
  :func:`her2cohort.stats._ties.aeq_surv`): a tie in exact arithmetic is a tie
  here on every machine. Real follow-up times (days, months to a few decimals)
  never trigger it.
- Standard errors are Greenwood's. R's ``survfit`` object stores the standard
  error of the *cumulative hazard* (of ``-log S``), and ``summary.survfit``
  prints the standard error of *S*; the table carries both, as
  ``std_error`` (R's ``fit$std.err``) and ``std_error_survival``
  (``summary(fit)$std.err``).
- Undefined confidence limits stay NA, as in R (``log``: where S = 0;
  ``log-log``: where S = 0 or 1). lifelines instead fills them with 1.0, and its
  default band is R's "log-log", not R's default "log".

Performance: everything is vectorised with ``np.unique``/``np.bincount``/
``cumsum``; a million rows take a fraction of a second.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import pandas as pd
from scipy import stats

from her2cohort.stats._result import StatisticsError, complete_cases, result_frame
from her2cohort.stats._ties import aeq_surv

#: R's tolerance for "S equals 0.5 exactly" (``sqrt(.Machine$double.eps)``).
R_TOLERANCE = math.sqrt(np.finfo(float).eps)

CONF_TYPES = ("log", "log-log", "plain")

#: ``median_survival`` conventions and the R ``conf.type`` each one uses.
MEDIAN_CONVENTIONS = {"r_log": "log", "r_loglog": "log-log", "r_plain": "plain", "spss": None}

#: ``median_follow_up`` definitions and the method text each one writes.
FOLLOW_UP_METHODS = {
    "reverse_km": "reverse Kaplan-Meier median follow-up",
    "all_patients": "median observed time of all patients (to event or censoring)",
    "censored": "median follow-up among censored patients",
}

#: Label of the single curve when no group is given.
ALL = "all"

TABLE_COLUMNS = [
    "group",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "survival",
    "std_error",
    "std_error_survival",
    "conf_low",
    "conf_high",
]


# --------------------------------------------------------------------------- input


def _prepare(
    data: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    extra: Iterable[str] = (),
) -> tuple[pd.DataFrame, int]:
    """Complete cases of the columns used, with ``event`` validated as 0/1.

    Returns the cleaned frame (columns renamed to ``_time``, ``_event``,
    ``_group`` and the ``extra`` names) and the number of rows dropped.
    """
    columns = [time, event] + ([group] if group is not None else []) + list(extra)
    frame, n_dropped = complete_cases(data, columns, "time, event and group")

    times = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(times)):
        raise StatisticsError(f"'{time}' must be finite numbers")
    times = aeq_surv(times)
    raw_event = frame[event].to_numpy()
    events = pd.to_numeric(pd.Series(raw_event), errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isin(events, (0.0, 1.0))):
        values = sorted(pd.unique(pd.Series(raw_event)).tolist(), key=str)[:6]
        raise StatisticsError(
            f"'{event}' must be 0/1 or boolean (1 = event); found {values}. "
            "Recode 1/2 status (as in survival::lung) with status - 1."
        )
    out = pd.DataFrame({"_time": times, "_event": events.astype(np.int64)}, index=frame.index)
    if group is not None:
        out["_group"] = frame[group]
    for name in extra:
        out[name] = frame[name]
    return out, n_dropped


def _levels(values: pd.Series) -> list[Any]:
    """Group levels in R's order: a Categorical's own order, else sorted (as ``factor()``)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return list(pd.Series(values.unique()).sort_values(kind="stable"))


# --------------------------------------------------------------------- the curve


def _km_curve(time: np.ndarray, event: np.ndarray) -> dict[str, np.ndarray]:
    """Kaplan–Meier curve at every distinct time (events and censorings), as ``survfit``."""
    times, inverse = np.unique(time, return_inverse=True)
    n_total = np.bincount(inverse, minlength=len(times))
    n_event = np.bincount(inverse, weights=event, minlength=len(times)).astype(np.int64)
    n_risk = n_total[::-1].cumsum()[::-1]
    survival = np.cumprod(1.0 - n_event / n_risk)
    survivors = n_risk - n_event
    # Greenwood increment d / (n (n - d)); infinite once everyone at risk has died (R: Inf).
    increment = np.zeros(len(times))
    has_event = n_event > 0
    with np.errstate(divide="ignore"):
        increment[has_event] = n_event[has_event] / (n_risk[has_event] * survivors[has_event].astype(float))
    std_error = np.sqrt(np.cumsum(increment))
    return {
        "time": times,
        "n_risk": n_risk,
        "n_event": n_event,
        "n_censor": n_total - n_event,
        "survival": survival,
        "std_error": std_error,
    }


def _confidence_band(
    survival: np.ndarray, std_error: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise band of ``survfit`` (R's ``survfit_confint`` with ``logse = TRUE``)."""
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = z * std_error * survival
            return np.maximum(survival - half, 0.0), np.minimum(survival + half, 1.0)
        if conf_type == "log":
            s = np.where(survival == 0, np.nan, survival)
            return np.exp(np.log(s) - z * std_error), np.minimum(np.exp(np.log(s) + z * std_error), 1.0)
        if conf_type == "log-log":
            s = np.where((survival == 0) | (survival == 1), np.nan, survival)
            half = z * std_error / np.log(s)
            centre = np.log(-np.log(s))
            return np.exp(-np.exp(centre - half)), np.exp(-np.exp(centre + half))
    raise StatisticsError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")


def _check_conf(conf_type: str, conf_level: float) -> None:
    if conf_type not in CONF_TYPES:
        raise StatisticsError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    if not 0 < conf_level < 1:
        raise StatisticsError(f"conf_level must be in (0, 1), not {conf_level!r}")


def kaplan_meier(
    data: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier survival table per group, as R's ``survfit``.

    Matches ``survfit(Surv(time, event) ~ group, conf.type = conf_type,
    conf.int = conf_level)``: one row per distinct time (event *or* censoring
    time) within each group, with ``n_risk`` (at risk just before the time),
    ``n_event``, ``n_censor``, ``survival``, ``std_error`` (Greenwood standard
    error of the cumulative hazard, R's ``fit$std.err``), ``std_error_survival``
    (of S, as ``summary.survfit`` prints) and the pointwise band
    ``conf_low``/``conf_high``.

    ``conf_type`` is R's: ``"log"`` (R's default: ``exp(log S ± z·se)``, upper
    capped at 1), ``"log-log"`` (lifelines' and SAS's default; EZR uses it) or
    ``"plain"`` (``S ± z·se(S)`` clipped to [0, 1]). Limits R leaves undefined
    stay NA; lifelines would report 1.0.

    Groups follow R's factor order: a pandas Categorical's categories, else
    sorted values; empty categories give no rows (R drops unused levels). With
    ``group=None`` the single curve is labelled ``"all"``.

    The frame's ``attrs`` record ``conf_type``, ``conf_level``, ``group_var``,
    ``n`` (per group), ``levels`` and ``n_dropped`` (rows with missing values);
    :func:`survival_at`, :func:`numbers_at_risk` read them.
    """
    _check_conf(conf_type, conf_level)
    frame, n_dropped = _prepare(data, time, event, group)
    if group is None:
        levels: list[Any] = [ALL]
        codes = np.zeros(len(frame), dtype=np.int64)
    else:
        levels = _levels(frame["_group"])
        codes = pd.Categorical(frame["_group"], categories=levels).codes.astype(np.int64)

    t = frame["_time"].to_numpy()
    e = frame["_event"].to_numpy()
    pieces = []
    n_by_group: dict[Any, int] = {}
    # Sort once so that each group is a contiguous slice (no per-group masking).
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(levels) + 1))
    for k, level in enumerate(levels):
        idx = order[bounds[k] : bounds[k + 1]]
        n_by_group[level] = len(idx)
        if len(idx) == 0:
            continue
        curve = _km_curve(t[idx], e[idx])
        low, high = _confidence_band(curve["survival"], curve["std_error"], conf_type, conf_level)
        with np.errstate(invalid="ignore"):
            se_surv = curve["std_error"] * curve["survival"]
        piece = pd.DataFrame(curve)
        piece.insert(0, "group", np.full(len(piece), level, dtype=object))
        piece["std_error_survival"] = se_surv
        piece["conf_low"] = low
        piece["conf_high"] = high
        pieces.append(piece[TABLE_COLUMNS])
    table = pd.concat(pieces, ignore_index=True)
    table.attrs.update(
        conf_type=conf_type,
        conf_level=conf_level,
        group_var=group,
        n=n_by_group,
        levels=levels,
        n_dropped=n_dropped,
    )
    return table


# --------------------------------------------------------- survival at given times


def _with_origin(curve: pd.DataFrame, origin: float) -> dict[str, np.ndarray]:
    """Prepend R's ``survfit0`` row (S = 1, no events) at ``origin`` unless a time is already there."""
    arrays = {c: curve[c].to_numpy() for c in TABLE_COLUMNS[1:]}
    if len(arrays["time"]) and arrays["time"][0] == origin:
        return arrays
    first = {
        "time": origin,
        "n_risk": arrays["n_risk"][0],
        "n_event": 0,
        "n_censor": 0,
        "survival": 1.0,
        "std_error": 0.0,
        "std_error_survival": 0.0,
        "conf_low": 1.0,
        "conf_high": 1.0,
    }
    return {c: np.concatenate([[first[c]], arrays[c]]) for c in arrays}


def _origin(fit: pd.DataFrame) -> float:
    # survfit0: start at 0 unless some (any group's) time is negative.
    return float(min(0.0, fit["time"].min()))


def survival_at(fit: pd.DataFrame, times: Iterable[float], extend: bool = False) -> pd.DataFrame:
    """Survival at chosen times, as R's ``summary(survfit, times = times, extend = extend)``.

    ``fit`` is a :func:`kaplan_meier` table. R's rules, reproduced exactly:

    - ``survival``, its standard errors and band are those of the last curve time
      at or before each requested time (the curve is a right-continuous step);
      before the first time they are S = 1, standard error 0, band [1, 1].
    - ``n_risk`` is the number at risk at the first curve time at or after the
      requested time (0 past the last observation).
    - ``n_event`` and ``n_censor`` count what happened *since the previous
      requested time* (for the first: since the start), not cumulative totals;
      :func:`numbers_at_risk` gives the running totals.
    - With ``extend=False`` (R's default) requested times after a group's last
      observation are dropped for that group; with ``extend=True`` they are kept
      with ``n_risk`` 0 and the last survival carried forward.
    - Times are sorted, as R does; non-finite times are ignored.

    ``std_error`` is the standard error of S here (what ``summary.survfit``
    prints), also given as ``std_error_survival``; ``std_error_cumhaz`` is the
    standard error of the cumulative hazard.
    """
    requested = np.sort(np.asarray(list(times), dtype=float))
    requested = requested[np.isfinite(requested)]
    origin = _origin(fit)
    pieces = []
    for level, curve in fit.groupby("group", sort=False):
        c = _with_origin(curve, origin)
        wanted = requested if extend else requested[requested <= curve["time"].max()]
        if len(wanted) == 0:
            continue
        at_or_before = np.searchsorted(c["time"], wanted, side="right")  # R findInterval
        row = np.maximum(at_or_before, 1) - 1
        before = np.searchsorted(c["time"], wanted, side="left")  # left.open findInterval
        n_risk = np.append(c["n_risk"], 0)[before]
        counts = {}
        for name in ("n_event", "n_censor"):
            cumulative = np.concatenate([[0], np.cumsum(c[name])])[at_or_before]
            counts[name] = np.diff(cumulative, prepend=0)
        pieces.append(
            pd.DataFrame(
                {
                    "group": np.full(len(wanted), level, dtype=object),
                    "time": wanted,
                    "n_risk": n_risk,
                    "n_event": counts["n_event"],
                    "n_censor": counts["n_censor"],
                    "survival": c["survival"][row],
                    "std_error": c["std_error_survival"][row],
                    "std_error_survival": c["std_error_survival"][row],
                    "std_error_cumhaz": c["std_error"][row],
                    "conf_low": c["conf_low"][row],
                    "conf_high": c["conf_high"][row],
                }
            )
        )
    if not pieces:
        raise StatisticsError("no requested time falls within follow-up; use extend=True")
    out = pd.concat(pieces, ignore_index=True)
    out.attrs.update(fit.attrs)
    return out


def numbers_at_risk(fit: pd.DataFrame, times: Iterable[float]) -> pd.DataFrame:
    """Numbers at risk, cumulative events and cumulative censored at each time.

    The table under a Kaplan–Meier plot: survminer's ``ggsurvplot(risk.table =
    TRUE, cumevents = TRUE, cumcensor = TRUE)``, which reads
    ``summary(fit, times, extend = TRUE)``; the three rows of a KMunicate-style
    table. ``n_risk`` counts patients still under observation *at* the time
    (time >= t); ``cum_events`` and ``cum_censored`` count those with an event
    or censored at or before it. Times past a group's last observation are
    kept (``n_risk`` 0).
    """
    at = survival_at(fit, times, extend=True)
    out = at[["group", "time", "n_risk"]].copy()
    grouped = at.groupby("group", sort=False)
    out["cum_events"] = grouped["n_event"].cumsum()
    out["cum_censored"] = grouped["n_censor"].cumsum()
    return out


# ------------------------------------------------------------------------ medians


def _first_below_half(time: np.ndarray, y: np.ndarray) -> float:
    """R's median rule (``minmin`` in ``survival:::survmean``, used by print/summary).

    The first time the curve is <= 0.5 (ignoring NA limits); if it equals 0.5
    (within R's tolerance) and later falls further, the midpoint of that time and
    the time it next falls. NA when the curve never reaches 0.5.
    """
    keep = ~np.isnan(y) & (y < 0.5 + R_TOLERANCE)
    if not keep.any():
        return math.nan
    x, yk = time[keep], y[keep]
    if abs(yk[0] - 0.5) < R_TOLERANCE:
        lower = np.flatnonzero(yk < yk[0])
        if len(lower):
            return float((x[0] + x[lower[0]]) / 2)
    return float(x[0])


def _spss_median(curve: dict[str, np.ndarray], conf_level: float) -> tuple[float, float, float, float, str]:
    """Median, its standard error and symmetric interval (see :func:`median_survival`)."""
    is_event = curve["n_event"] > 0
    # The origin (t = 0, S = 1) is a point of the curve, so u below always exists.
    t = np.concatenate([[0.0], curve["time"][is_event]])
    s = np.concatenate([[1.0], curve["survival"][is_event]])
    se_s = np.concatenate([[0.0], curve["std_error_survival"][is_event]])
    reached = np.flatnonzero(s <= 0.5 + R_TOLERANCE)
    if len(reached) == 0:
        return math.nan, math.nan, math.nan, math.nan, "median not reached (survival stays above 0.5)"
    i = reached[0]
    u = np.flatnonzero(s >= 0.55 - R_TOLERANCE)[-1]
    below = np.flatnonzero(s <= 0.45 + R_TOLERANCE)
    if len(below) == 0:
        return (
            float(t[i]),
            math.nan,
            math.nan,
            math.nan,
            (
                "standard error undefined: survival never falls to 0.45, so the density at the "
                "median cannot be estimated"
            ),
        )
    l = below[0]
    density = (s[u] - s[l]) / (t[l] - t[u])
    se = se_s[i] / density
    if not np.isfinite(se):
        return float(t[i]), math.nan, math.nan, math.nan, "standard error undefined (infinite Greenwood variance)"
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    return float(t[i]), float(se), max(0.0, t[i] - z * se), t[i] + z * se, ""


def _median_rows(
    fit: pd.DataFrame, convention: str, conf_level: float, term: str, method: str, r_call: str
) -> list[dict[str, Any]]:
    origin = _origin(fit)
    rows = []
    for level in fit.attrs["levels"]:
        n = fit.attrs["n"][level]
        row: dict[str, Any] = {
            "term": term,
            "group": level,
            "conf_level": conf_level,
            "method": method,
            "convention": r_call,
            "n": n,
        }
        curve = fit[fit["group"] == level]
        if n == 0:
            rows.append({**row, "n_events": 0, "note": "no observations in this group"})
            continue
        row["n_events"] = int(curve["n_event"].sum())
        if convention == "spss":
            arrays = {c: curve[c].to_numpy() for c in curve.columns}
            estimate, se, low, high, note = _spss_median(arrays, conf_level)
            rows.append(
                {**row, "estimate": estimate, "std_error": se, "conf_low": low, "conf_high": high, "note": note}
            )
            continue
        c = _with_origin(curve, origin)
        estimate = _first_below_half(c["time"], c["survival"])
        low = _first_below_half(c["time"], c["conf_low"])
        high = _first_below_half(c["time"], c["conf_high"])
        notes = []
        if math.isnan(estimate):
            notes.append("median not reached (NR)")
        if math.isnan(low):
            notes.append("lower confidence limit not reached (NR)")
        if math.isnan(high):
            notes.append("upper confidence limit not reached (NR)")
        rows.append({**row, "estimate": estimate, "conf_low": low, "conf_high": high, "note": "; ".join(notes)})
    return rows


def median_survival(
    data: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    convention: str = "r_log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier median survival with its confidence interval, one row per group,
    as R ``print(survfit(...))`` prints it (``summary(fit)$table``; ``conf.type``
    log, log-log or plain) or as SPSS does (median ± 1.96 SE), by ``convention``.

    Conventions
    -----------
    ``"r_log"``, ``"r_loglog"``, ``"r_plain"``
        R's ``print(survfit(..., conf.type = "log" | "log-log" | "plain"))``
        (= ``summary(fit)$table``): the median is the first time S <= 0.5,
        except that when S equals 0.5 exactly (within ``sqrt(.Machine$double.eps)``)
        and later falls further, it is the midpoint of that time and the time of
        the next fall (so uncensored times 1..10 give 5.5, as the usual sample
        median). The limits apply the same rule to the lower and upper pointwise
        bands (Brookmeyer–Crowley). A limit whose band never falls to 0.5 is NA,
        printed "NR" (e.g. "29.3 (20.5–NR)"); ``note`` says which.
        ``"r_log"`` is R's default; EZR always uses ``"r_loglog"``.
        R's ``quantile.survfit`` differs in one corner: when S stays at exactly
        0.5 to the end of follow-up it returns the midpoint of the time S reached
        0.5 and the last follow-up time; ``print``/``summary`` (matched here)
        return the time S reached 0.5. lifelines' ``median_survival_time_`` never
        takes the midpoint (5, not 5.5, for times 1..10) and its interval uses
        log-log bands.

    ``"spss"``
        The symmetric interval ``median ± z·SE`` of SPSS's KM procedure
        ("8.3 (6.1–10.5)"), with the lower limit truncated at 0 (as SPSS output
        such as "2.7 (0.0–7.6)" shows). The median is the first event time with
        S <= 0.5 (no midpoint rule). Its standard error is the Greenwood standard
        error of S at the median divided by a uniform-kernel estimate of the
        density there (Klein & Moeschberger, *Survival Analysis*, 2nd ed. 2003,
        section 4.5, practical note 3; Collett, *Modelling Survival Data in
        Medical Research*, section 2.4)::

            SE(t50) = SE[S(t50)] / f,   f = (S(u) - S(l)) / (l - u)
            u = max{t_j : S(t_j) >= 0.55},   l = min{t_j : S(t_j) <= 0.45}

        over event times t_j and the origin (S = 1). That SPSS uses this
        estimator with the 55th/45th survival percentiles is stated in a
        CrossValidated answer ("Kaplan-Meier using survfit: confidence interval
        of the median") citing the "KM" chapter of *IBM SPSS Statistics
        Algorithms*; IBM's text itself could not be retrieved, so the formula is
        **not verified against IBM's documentation**. On the Freireich remission
        data (tests/data/km_remission.csv) it gives placebo 8 (SE 1.669,
        4.729–11.271) and 6-MP 23 (SE 5.255, 12.700–33.300), which is SPSS's
        output for those data as recalled from Kleinbaum & Klein's *Survival
        Analysis: A Self-Learning Text* (computer appendix) — a recollection,
        not a retrieved reference. The arithmetic is also cross-checked against
        an independent R implementation of the formula and a hand-worked
        example. SE is NA (with a note) when S never falls to 0.45.

    Returns a :func:`~her2cohort.stats._result.result_frame` with ``term``
    "median" and extra columns ``group`` and ``n_events``.
    """
    if convention not in MEDIAN_CONVENTIONS:
        raise StatisticsError(f"convention must be one of {list(MEDIAN_CONVENTIONS)}, not {convention!r}")
    conf_type = MEDIAN_CONVENTIONS[convention] or "log"
    fit = kaplan_meier(data, time, event, group, conf_type=conf_type, conf_level=conf_level)
    if convention == "spss":
        method = "Kaplan-Meier median; median ± z·SE, SE from Greenwood SE of S over a kernel density estimate"
        r_call = "SPSS KM median (Klein-Moeschberger percentile SE), not verified against SPSS output"
    else:
        method = f"Kaplan-Meier median; Brookmeyer-Crowley interval from {conf_type} pointwise bands"
        r_call = f"R survival::survfit(conf.type = '{conf_type}'), print/summary()$table"
    rows = _median_rows(fit, convention, conf_level, "median", method, r_call)
    return _finish(result_frame(rows), fit)


def _finish(frame: pd.DataFrame, fit: pd.DataFrame) -> pd.DataFrame:
    if fit.attrs.get("n_dropped"):
        dropped = f"{fit.attrs['n_dropped']} row(s) with missing values dropped"
        frame["note"] = [f"{n}; {dropped}" if n else dropped for n in frame["note"]]
    return frame


def median_follow_up(
    data: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    method: str = "reverse_km",
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Median follow-up time, one row per group, by one of three named definitions:
    the reverse Kaplan-Meier (R ``survfit(Surv(time, 1 - event) ~ 1)``), the
    median observed time of all patients (``median(time)``) or of the censored
    ones (``median(time[event == 0])``), each with the range of all times.

    Papers print "median follow-up" under several definitions that give very
    different numbers on the same patients; the caller names the one it means.

    ``method="reverse_km"`` (the recommended estimate; Schemper & Smith 1996)
        Median follow-up by the reverse Kaplan–Meier: Kaplan–Meier with the roles
        swapped, censoring is the event and the event (death) censors, so it
        estimates how long patients would have been followed had none died.
        Matches ``survfit(Surv(time, 1 - event) ~ 1, conf.type = conf_type)``
        printed by R, with the median rules of :func:`median_survival`
        (midpoint at exactly 0.5, NA = not reached) and its confidence interval.
        At a time where an event and a censoring coincide, R (and we) count the
        reversed "event" (the censoring) first, as for any Kaplan–Meier.
    ``method="all_patients"``
        Median observed time of all patients: the plain median (averaging the
        middle two) of every patient's time to the event or to censoring,
        deaths included, with no interval; in R ``median(time)`` on the complete
        cases (SPSS: Analyze > Descriptive Statistics > Explore on the time
        variable). It is what a paper prints as "median follow-up 16.2 months
        (range 2.9–59.2)" when the range is that of all patients' times, and is
        shorter than the reverse Kaplan–Meier median when many patients died
        early.
    ``method="censored"``
        Median follow-up among censored patients (the survivors): the plain
        median of the times of patients without the event, R
        ``median(time[event == 0])``; no interval. NA with a note if nobody was
        censored.

    Times merged as R's ``aeqSurv`` (module conventions) are used by every
    method. Extra columns: ``group``, ``n_censored``, ``min_time`` and
    ``max_time`` (the range of the times of all patients in the group, R
    ``range(time)``, whatever the method).
    """
    if method not in FOLLOW_UP_METHODS:
        raise StatisticsError(f"method must be one of {', '.join(map(repr, FOLLOW_UP_METHODS))}, not {method!r}")
    _check_conf(conf_type, conf_level)
    frame, n_dropped = _prepare(data, time, event, group)
    frame["_censored"] = 1 - frame["_event"]
    fit = kaplan_meier(frame, "_time", "_censored", "_group" if group is not None else None, conf_type, conf_level)
    fit.attrs["n_dropped"] = n_dropped
    if method == "reverse_km":
        rows = _median_rows(
            fit,
            f"r_{conf_type}",
            conf_level,
            "median_follow_up",
            f"{FOLLOW_UP_METHODS[method]}; {conf_type} pointwise bands",
            f"R survival::survfit(Surv(time, 1 - event) ~ 1, conf.type = '{conf_type}')",
        )
    else:
        rows = []
        for level in fit.attrs["levels"]:
            curve = fit[fit["group"] == level]
            # In the reversed fit n_event counts the censored patients, n_censor the events.
            censored_times = np.repeat(curve["time"].to_numpy(), curve["n_event"].to_numpy())
            all_times = np.repeat(curve["time"].to_numpy(), (curve["n_event"] + curve["n_censor"]).to_numpy())
            times = censored_times if method == "censored" else all_times
            if fit.attrs["n"][level] == 0:
                note = "no observations in this group"
            else:
                note = "" if len(times) else "no censored patients"
            rows.append(
                {
                    "term": "median_follow_up",
                    "group": level,
                    "estimate": float(np.median(times)) if len(times) else math.nan,
                    "method": FOLLOW_UP_METHODS[method],
                    "convention": "R median(time[event == 0])" if method == "censored" else "R median(time)",
                    "n": fit.attrs["n"][level],
                    "note": note,
                }
            )
    out = result_frame(rows)
    n_cens, low, high = [], [], []
    for level in fit.attrs["levels"]:
        curve = fit[fit["group"] == level]
        n_cens.append(int(curve["n_event"].sum()))
        low.append(curve["time"].min() if len(curve) else math.nan)
        high.append(curve["time"].max() if len(curve) else math.nan)
    out["n_censored"] = n_cens
    out["min_time"] = low
    out["max_time"] = high
    if "n_events" in out.columns:
        # In the reversed fit the "events" are the censorings, reported above.
        out = out.drop(columns="n_events")
    return _finish(out, fit)
