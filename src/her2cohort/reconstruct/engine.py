"""The reconstruction engine: synthetic patients that agree with a paper's published aggregates.

One engine for every study, driven by a declarative spec
(``data/reconstruction/{study}.yaml``) whose numbers are either references to
the study's published file (``"@<location>"``, ``basis: input`` only) or
literal values chosen where the paper leaves a cell open (each with a comment
in the spec saying why). The engine builds a wide frame, one row per patient,
column by column in the order the spec lists them, then splits it into the raw
tables (patients, specimens, treatment lines) with dates, as a hospital export
would have them.

Step kinds
----------
``categorical``
    exact counts of each level of one column within each group (``groups``);
    an empty level name ("") writes a missing value.
``joint``
    exact counts of combinations of several columns within each group (a
    shift table, or a table whose cells the paper fixes jointly).
``continuous``
    values whose order statistics hit published anchors exactly (minimum,
    median, maximum, and the number of values above a cutoff), rounded to
    the printed precision; values are then dealt to patients so that the
    number above the cutoff in each group (or level of a column) is exact;
    or, with ``order_by``, dealt in the order of another column (overall
    survival in the order of progression-free survival).
``survival``
    time to an event in months with an exact number of events per group and
    a Kaplan-Meier median equal to the published one (the event times are
    rescaled until R's median rule gives the target).
``h_score_percentages``
    IHC intensity percentages consistent with each specimen's IHC score and
    H-score (ASCO/CAP and gastric consensus thresholds at 10% of cells).
``multi``
    a multi-valued column (metastatic organs): each level in exactly the
    given number of patients of each group.
``constant``, ``where``, ``derive``
    fixed values; values on the patients matching a condition; columns
    computed from others. Conditions and computed columns are expressions of
    the study language (:mod:`her2cohort.expressions`, docs/study-language.md):
    a recipe is configuration too. Besides the frame's columns they may name
    ``_row``, each patient's row number (0, 1, ...) in the frame.
``excluded``
    registry patients that an inclusion criterion will exclude (last).

``checks`` verify published totals that literal cells must add up to, and
pooled medians; ``dates`` turns months into calendar dates (accrual window,
event dates, specimen and treatment-line dates, optional limits such as a
data cut-off).

Determinism: one ``numpy.random.Generator`` seeded from the spec, consumed in
spec order; the same spec and published file give byte-identical files.

Another cohort of the same design: ``seed`` and ``size`` (:func:`build_cohort`;
a spec with ``extends: {study}``, or ``python -m her2cohort.reconstruct
--seed S --size N --out DIR study``) draw the spec again with another
generator and as many registry patients as asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.expressions import evaluate, problems, select
from her2cohort.rawdata import DAYS_PER_MONTH


class ReconstructionError(ValueError):
    """A spec that cannot be satisfied (names the step and the numbers)."""


@dataclass
class Context:
    spec: dict
    inputs: dict[str, float]
    rng: np.random.Generator
    frame: pd.DataFrame  # one row per patient; column "_group" holds the stratum
    at: str = ""  # the key of the step being run (steps[3]), named by an expression's error

    @property
    def source(self) -> str:
        return f"data/reconstruction/{self.spec.get('study', '?')}.yaml"

    def rows(self, expression: str | None, key: str) -> np.ndarray:
        """The patients matching a condition of the recipe (all without one)."""
        if expression is None:
            return np.ones(len(self.frame), dtype=bool)
        return select(self.frame, expression, self.source, key, extra={"_row": np.arange(len(self.frame))}).to_numpy(dtype=bool)

    def computed(self, expression: str, key: str) -> np.ndarray:
        """A column computed by an expression of the recipe, as floats (missing: NaN)."""
        return np.asarray(evaluate(self.frame, expression, self.source, key, extra={"_row": np.arange(len(self.frame))}), dtype=float)

    def value(self, ref: Any, where: str) -> Any:
        """Resolve "@location" against the input numbers; other values pass through.

        ``{sum: [a, b, ...]}`` and ``{difference: [a, b]}`` combine references
        (e.g. registry patients without progression = 251 - 185).
        """
        if isinstance(ref, dict) and set(ref) == {"sum"}:
            return sum(self.value(r, where) for r in ref["sum"])
        if isinstance(ref, dict) and set(ref) == {"difference"}:
            first, second = ref["difference"]
            return self.value(first, where) - self.value(second, where)
        if isinstance(ref, str) and ref.startswith("@"):
            location = ref[1:].strip()
            if location not in self.inputs:
                raise ReconstructionError(f"{where}: {location!r} is not an input number of the published file (missing, or held out)")
            return self.inputs[location]
        return ref

    def count(self, ref: Any, where: str) -> int:
        value = self.value(ref, where)
        if value != int(value) or value < 0:
            raise ReconstructionError(f"{where}: a count must be a whole number >= 0, got {value!r}")
        return int(value)


# ---------------------------------------------------------------------------
# Groups and exact counts
# ---------------------------------------------------------------------------


def _group_rows(ctx: Context, group: str, by: str) -> np.ndarray:
    column = ctx.frame[by]
    return np.flatnonzero((column == group).to_numpy())


def _deal(ctx: Context, rows: np.ndarray, values: list, where: str) -> np.ndarray:
    """Shuffle ``values`` onto ``rows`` (exactly one value each)."""
    if len(values) != len(rows):
        raise ReconstructionError(f"{where}: counts add up to {len(values)} but the group has {len(rows)} patients")
    order = ctx.rng.permutation(len(values))
    return np.asarray(values, dtype=object)[order]


def step_categorical(ctx: Context, step: dict) -> None:
    column, by = step["column"], step.get("by", "_group")
    out = pd.Series([None] * len(ctx.frame), dtype=object)
    for group, levels in step["counts"].items():
        where = f"categorical {column} / {group}"
        rows = _group_rows(ctx, group, by)
        values: list = []
        for level, ref in levels.items():
            values += [level if level != "" else None] * ctx.count(ref, f"{where} / {level}")
        out.iloc[rows] = _deal(ctx, rows, values, where)
    ctx.frame[column] = out.to_numpy()


def step_joint(ctx: Context, step: dict) -> None:
    columns, by = step["columns"], step.get("by", "_group")
    cells = step["cells"]
    groups = sorted({g for cell in cells for g in cell["counts"]}, key=str)
    result = {c: np.full(len(ctx.frame), None, dtype=object) for c in columns}
    for group in groups:
        where = f"joint {'+'.join(columns)} / {group}"
        rows = _group_rows(ctx, group, by)
        values = []
        for index, cell in enumerate(cells):
            n = ctx.count(cell["counts"].get(group, 0), f"{where} / cell {index}")
            values += [tuple(cell["values"])] * n
        dealt = _deal(ctx, rows, values, where)
        for position, column in enumerate(columns):
            result[column][rows] = [v[position] for v in dealt]
    for column in columns:
        ctx.frame[column] = result[column]


# ---------------------------------------------------------------------------
# Continuous values with exact anchors
# ---------------------------------------------------------------------------


def anchored_values(n: int, minimum: float, median: float, maximum: float, decimals: int, cutoff: float | None = None, n_above: int | None = None, knots: dict | None = None) -> np.ndarray:
    """n sorted values with exactly this minimum, median (R's: mean of the two middle
    values when n is even, both set to the median, or straddling it when it is not
    printable at ``decimals``: 62 and 63 for 62.5 years) and maximum, and exactly
    ``n_above`` values > ``cutoff``; spaced evenly between the anchors and rounded
    to ``decimals``. Raises if the anchors cannot all hold. ``knots`` ({0-based
    position: value}) pins further order statistics, where a pooled statistic of
    several parts (a median over two groups) needs them.
    """
    if n < 1:
        return np.array([])
    if not minimum <= median <= maximum:
        raise ReconstructionError(f"anchors out of order: min {minimum}, median {median}, max {maximum}")
    if n == 1:
        if not minimum == median == maximum:
            raise ReconstructionError("one value cannot have different minimum, median and maximum")
        return np.array([median])
    if n == 2:
        if (minimum + maximum) / 2 != median:
            raise ReconstructionError(f"two values: the median {median} must be the mean of {minimum} and {maximum}")
        return np.array([minimum, maximum])
    lo_mid, hi_mid = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    positions = np.arange(n, dtype=float)
    # Piecewise-linear quantile function through the anchors (and the cutoff).
    knots_x = [0.0, float(lo_mid), float(hi_mid), float(n - 1)]
    knots_y = [minimum, median, median, maximum]
    for position, value in sorted((knots or {}).items()):
        knots_x.append(float(position))
        knots_y.append(float(value))
    order = np.lexsort((knots_y, knots_x))  # by position, then value (a knot may split the two middle values)
    knots_x, knots_y = [knots_x[i] for i in order], [knots_y[i] for i in order]
    if any(b < a for a, b in zip(knots_y, knots_y[1:])):
        raise ReconstructionError(f"knots {knots} are out of order with min {minimum}, median {median}, max {maximum}")
    if cutoff is not None and n_above is not None:
        below = n - n_above  # values <= cutoff occupy positions 0 .. below-1
        if below == 0 and minimum <= cutoff or below == n and maximum > cutoff:
            raise ReconstructionError(f"cutoff {cutoff}: {n_above} values above it contradicts the range {minimum}-{maximum}")
        if (below - 1 >= hi_mid and median > cutoff) or (below <= lo_mid and median <= cutoff):
            raise ReconstructionError(f"cutoff {cutoff}: {n_above} of {n} above it contradicts the median {median}")
    values = np.interp(positions, knots_x, knots_y)
    step = 10.0 ** -decimals
    values = np.round(values, decimals)
    if cutoff is not None and n_above is not None:
        below = n - n_above
        # the largest printable value <= cutoff (7.6 / 0.1 is 75.99999999999999 in floating point)
        edge = round(math.floor(round(cutoff / step, 6)) * step, decimals)
        if below > 0:
            values[:below] = np.minimum(values[:below], edge)
        if n_above > 0:
            values[below:] = np.maximum(values[below:], round(edge + step, decimals))
        values = np.sort(values)
    values[0], values[-1] = minimum, maximum
    values[lo_mid] = values[hi_mid] = median
    if lo_mid != hi_mid and round(median, decimals) != median:
        # an even count whose median falls between two printable values (62.5 years
        # from whole ages): the two middle values straddle it, e.g. 62 and 63
        values[lo_mid] = round(math.floor(round(median / step, 6)) * step, decimals)
        values[hi_mid] = round(2 * median - values[lo_mid], decimals)
    for position, value in (knots or {}).items():
        values[int(position)] = value
    return np.sort(values)


def _ordered(ctx: Context, rows: np.ndarray, column: str, descending: bool) -> np.ndarray:
    """``rows`` sorted by ``column`` (ties in random order); rows without a value are
    put at random places, so that sorted values dealt to them follow that column."""
    key = pd.to_numeric(pd.Series(ctx.frame[column]).iloc[rows], errors="coerce").to_numpy(dtype=float)
    key = -key if descending else key
    known = rows[~np.isnan(key)]
    tie_break = ctx.rng.permutation(len(known))
    order = list(known[np.lexsort((tie_break, key[~np.isnan(key)]))])
    for row in rows[np.isnan(key)]:
        order.insert(int(ctx.rng.integers(0, len(order) + 1)), row)
    return np.asarray(order, dtype=int)


def _row_limits(ctx: Context, rows: np.ndarray, part: dict, decimals: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-row [low, high] from ``bounds`` ([{column, levels: {level: [low, high]}}], e.g.
    H-scores possible with each IHC score) and ``less_than`` (a column the value must stay
    below by at least one printed step: H-score after progression below the baseline one)."""
    low, high = np.full(len(rows), -np.inf), np.full(len(rows), np.inf)
    for bound in part.get("bounds", []):
        labels = pd.Series(ctx.frame[bound["column"]]).iloc[rows].to_numpy()
        for level, (lo, hi) in bound["levels"].items():
            hit = np.array([label == level for label in labels], dtype=bool)
            low[hit] = np.maximum(low[hit], ctx.value(lo, f"{where} / bounds"))
            high[hit] = np.minimum(high[hit], ctx.value(hi, f"{where} / bounds"))
    if "less_than" in part:
        other = pd.to_numeric(pd.Series(ctx.frame[part["less_than"]]).iloc[rows], errors="coerce").to_numpy(dtype=float)
        high = np.fmin(high, other - 10.0 ** -decimals)
    return low, high


def _feasible_deal(rng: np.random.Generator, values: np.ndarray, low: np.ndarray, high: np.ndarray, where: str) -> np.ndarray:
    """Deal sorted ``values`` to rows so that each lands within its row's [low, high]:
    each value in turn goes to a random row that fits it among those that leave the rest
    dealable (checked by the earliest-deadline greedy, exact for intervals)."""

    def dealable(vals: np.ndarray, free: list[int]) -> bool:
        free = sorted(free, key=lambda r: high[r])
        for v in vals:  # ascending
            if any(high[r] < v for r in free):
                return False
            fit = next((r for r in free if low[r] <= v <= high[r]), None)
            if fit is None:
                return False
            free.remove(fit)
        return True

    values = np.sort(values)
    free, out = list(range(len(values))), np.full(len(values), np.nan)
    for i, v in enumerate(values):
        candidates = [r for r in rng.permutation(free) if low[r] <= v <= high[r]]
        chosen = next((r for r in candidates if dealable(values[i + 1 :], [f for f in free if f != r])), None)
        if chosen is None:
            raise ReconstructionError(f"{where}: the values cannot be dealt within the rows' bounds (value {v:g})")
        out[chosen] = v
        free.remove(chosen)
    return out


def step_continuous(ctx: Context, step: dict) -> None:
    column = step["column"]
    decimals = int(step.get("decimals", 0))
    where = f"continuous {column}"
    out = np.full(len(ctx.frame), np.nan)
    for part in step["parts"]:
        rows = np.flatnonzero(pd.Series(ctx.frame[part.get("by", "_group")]).isin(part["levels"]).to_numpy()) if "levels" in part else np.arange(len(ctx.frame))
        if "missing" in part:  # rows left without a value (e.g. ISH not assessed)
            keep = pd.Series(ctx.frame[part["missing"]["column"]]).iloc[rows].isin(part["missing"]["levels"]).to_numpy()
            rows = rows[~keep]
        anchors = {k: ctx.value(part[k], f"{where} / {k}") for k in ("minimum", "median", "maximum")}
        split = part.get("above")
        cutoff = ctx.value(split["cutoff"], f"{where} / cutoff") if split else None
        split_counts = {g: ctx.count(ref, f"{where} / above / {g}") for g, ref in split["counts"].items()} if split else {}
        n_above = sum(split_counts.values()) if split else None
        knots = {position: ctx.value(value, f"{where} / knots") for position, value in part.get("knots", {}).items()}  # "@..." allowed
        values = anchored_values(len(rows), anchors["minimum"], anchors["median"], anchors["maximum"], decimals, cutoff, n_above, knots)
        if "bounds" in part or "less_than" in part:  # each patient's value within its own limits
            if split and len({*pd.Series(ctx.frame[split["by"]]).iloc[rows]}) > 1:
                raise ReconstructionError(f"{where}: bounds need a part within one level of {split['by']!r} (the split is then in the values)")
            low, high = _row_limits(ctx, rows, part, decimals, where)
            out[rows] = _feasible_deal(ctx.rng, values, low, high, where)
            continue
        if "order_by" in part:  # dealt in the order of another column (an above split then only shapes the values)
            out[_ordered(ctx, rows, part["order_by"], part.get("descending", False))] = values
            continue
        if not split:
            out[rows] = values[ctx.rng.permutation(len(values))]
            continue
        by = split["by"]
        above_pool = list(values[values > cutoff])
        below_pool = list(values[values <= cutoff])
        ctx.rng.shuffle(above_pool)
        ctx.rng.shuffle(below_pool)
        labels = pd.Series(ctx.frame[by]).iloc[rows].to_numpy()
        for group, k in split_counts.items():
            members = rows[labels == group]
            if k > len(members):
                raise ReconstructionError(f"{where}: {k} above {cutoff} in {group!r} but it has {len(members)} patients")
            chosen = ctx.rng.permutation(members)
            for i, row in enumerate(chosen):
                out[row] = above_pool.pop() if i < k else below_pool.pop()
        rest = rows[~np.isin(labels, list(split_counts))]
        if len(rest):
            raise ReconstructionError(f"{where}: {len(rest)} patients in no level of {by!r} named under above.counts")
    ctx.frame[column] = out


# ---------------------------------------------------------------------------
# Survival
# ---------------------------------------------------------------------------


def km_median(time: np.ndarray, event: np.ndarray) -> float:
    """Kaplan-Meier median with R's rule (the library's implementation)."""
    from her2cohort.stats.kaplan_meier import median_survival

    frame = pd.DataFrame({"t": time, "e": event.astype(int)})
    return float(median_survival(frame, "t", "e").iloc[0]["estimate"])


def calibrated_times(rng: np.random.Generator, n: int, n_events: int, median: float, maximum_follow_up: float, minimum_time: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Event/censoring times with exactly ``n_events`` events and a KM median == ``median``.

    Times are exponential with the target median; censored patients are the
    longest-followed (administrative censoring), then all times are rescaled
    so that the median hits the target exactly (a rescaling keeps the order,
    so R's median moves linearly with it).
    """
    if n_events > n:
        raise ReconstructionError(f"survival: {n_events} events among {n} patients")
    rate = math.log(2) / median
    times = np.sort(rng.exponential(1 / rate, n)) + minimum_time
    event = np.zeros(n, dtype=bool)
    event[rng.permutation(n)[:n_events] if n_events < n else np.arange(n)] = True
    current = km_median(times, event)
    if not math.isfinite(current):
        raise ReconstructionError(f"survival: with {n_events} events of {n} the median is not reached; the target {median} cannot hold")
    scaled = times * (median / current)
    if maximum_follow_up and scaled.max() > maximum_follow_up:
        scaled = np.minimum(scaled, maximum_follow_up)
    return scaled, event


def step_survival(ctx: Context, step: dict) -> None:
    """Months to an event per patient: ``{column}_months`` and ``{column}_event``.

    ``groups`` gives, per group, the number of patients with an event and the
    KM median; ``after`` names an earlier survival column that this one must
    not precede (overall survival after progression): the time is then that
    column's time plus a calibrated interval.
    """
    column = step["column"]
    where = f"survival {column}"
    months = np.full(len(ctx.frame), np.nan)
    events = np.zeros(len(ctx.frame), dtype=bool)
    by = step.get("by", "_group")
    for group, target in step["groups"].items():
        rows = _group_rows(ctx, group, by) if group != "all" else np.arange(len(ctx.frame))
        n_events = ctx.count(target["events"], f"{where} / {group} / events")
        median = ctx.value(target["median"], f"{where} / {group} / median")
        if "after" in step:
            base = ctx.frame[f"{step['after']}_months"].to_numpy()[rows]
            time, event = _calibrated_after(ctx.rng, base, n_events, median)
        else:
            time, event = calibrated_times(ctx.rng, len(rows), n_events, median, 0.0)
            order = ctx.rng.permutation(len(rows))
            time, event = time[order], event[order]
        months[rows], events[rows] = time, event
    ctx.frame[f"{column}_months"] = months
    ctx.frame[f"{column}_event"] = events


def _calibrated_after(rng: np.random.Generator, base: np.ndarray, n_events: int, median: float) -> tuple[np.ndarray, np.ndarray]:
    """base + s * extra, with s found by bisection so that the KM median equals ``median``."""
    n = len(base)
    extra = rng.exponential(1.0, n)
    event = np.zeros(n, dtype=bool)
    event[rng.permutation(n)[:n_events]] = True

    def median_at(scale: float) -> float:
        value = km_median(base + scale * extra, event)
        return value if math.isfinite(value) else math.inf

    low, high = 0.0, 1.0
    while median_at(high) < median:
        high *= 2
        if high > 1e6:
            raise ReconstructionError(f"survival: cannot reach median {median} after the earlier event")
    if median_at(low) > median:
        raise ReconstructionError(f"survival: the earlier event alone already gives a median above {median}")
    for _ in range(200):
        middle = (low + high) / 2
        (low, high) = (middle, high) if median_at(middle) < median else (low, middle)
    time = base + high * extra
    # the patient at the median now sits within 1e-12 of the target: put it exactly there
    nearest = int(np.argmin(np.abs(time - median)))
    time[nearest] = median
    return time, event


# ---------------------------------------------------------------------------
# HER2-specific: IHC intensity percentages from IHC score and H-score
# ---------------------------------------------------------------------------

#: Share of cells (%) at which a staining intensity counts (ASCO/CAP: > 10%).
IHC_THRESHOLD = 10.0


def ihc_percentages(ihc: int, h_score: float) -> tuple[float, float, float, float]:
    """(% 0, % 1+, % 2+, % 3+) summing to 100, with 1 x %1+ + 2 x %2+ + 3 x %3+ == h_score,
    consistent with the IHC score by the 10%-of-cells rule (ASCO/CAP 2018; gastric
    consensus for resections): 3+ needs > 10% 3+ cells; 2+ needs <= 10% 3+ and > 10%
    2+ or 3+; 1+ needs <= 10% 2+ or 3+ and > 10% stained; 0 needs <= 10% stained.

    Closed form: the score's own intensity (plus a remainder of 1+ or 2+ cells to keep
    whole percentages) where it suffices, topped up with the next intensity (within
    the 10% allowance) for the highest H-scores.
    Possible H-scores: 3+ (30, 300], 2+ (20, 210], 1+ (10, 120], 0 [0, 30].
    """
    h = float(h_score)
    t = IHC_THRESHOLD
    feasible = {3: (3 * t, 300.0), 2: (2 * t, 200.0 + t), 1: (t, 100.0 + 2 * t), 0: (0.0, 3 * t)}
    low, high = feasible[ihc]
    if not (low < h <= high or (ihc == 0 and h == 0)):
        raise ReconstructionError(f"H-score {h:g} is impossible with IHC {ihc}+ (possible: {low:g} < H <= {high:g})")
    p1 = p2 = p3 = 0.0
    # whole percentages where possible, so that H-scores are exact in the CSV
    # (an H-score of 170.0000000001 would fall on the wrong side of "> 170")
    if ihc == 3:
        p3, rest = divmod(h, 3)
        if p3 > t:
            p1, p2 = (rest, 0.0) if rest < 2 else (0.0, 1.0)
        else:
            p3 = h / 3
    elif ihc == 2:
        if h <= 200:
            p2, p1 = divmod(h, 2)
            if p2 <= t:
                p2, p1 = h / 2, 0.0
        else:
            p3 = h - 200
            p2 = 100 - p3
    elif ihc == 1:
        if h <= 100:
            p1 = h
        elif h <= 100 + t:
            p2 = h - 100
            p1 = 100 - p2
        else:
            p3 = h - 100 - t
            p2 = t - p3
            p1 = 100 - t
    else:
        if h <= t:
            p1 = h
        else:
            p3 = (h - t) / 2
            p1 = t - p3
    p0 = 100 - p1 - p2 - p3
    return (p0, p1, p2, p3)


def step_h_score_percentages(ctx: Context, step: dict) -> None:
    """For each time point: pct_cells_* from ``{tp}.ihc_score`` and ``{tp}.h_score``."""
    for timepoint in step["timepoints"]:
        ihc = ctx.frame[f"{timepoint}.ihc_score"]
        h = ctx.frame[f"{timepoint}.h_score"]
        columns = [f"{timepoint}.pct_cells_{suffix}" for suffix in ("0", "1plus", "2plus", "3plus")]
        values = np.full((len(ctx.frame), 4), np.nan)
        for row in range(len(ctx.frame)):
            if pd.notna(ihc.iloc[row]) and pd.notna(h.iloc[row]):
                values[row] = ihc_percentages(int(ihc.iloc[row]), float(h.iloc[row]))
        for position, column in enumerate(columns):
            ctx.frame[column] = values[:, position]
        ctx.frame = ctx.frame.drop(columns=f"{timepoint}.h_score")


def step_constant(ctx: Context, step: dict) -> None:
    """The same value for every patient (or every patient of the listed groups)."""
    for column, value in step["values"].items():
        ctx.frame[column] = ctx.value(value, f"constant {column}")


def step_multi(ctx: Context, step: dict) -> None:
    """A multi-valued column (``;``-separated levels, e.g. metastatic organs): each level
    is present in exactly the given number of patients of each group, independently of
    the other levels (papers print each level's count, never the combinations)."""
    column, by = step["column"], step.get("by", "_group")
    chosen = {level: np.zeros(len(ctx.frame), dtype=bool) for level in step["counts"]}
    for level, per_group in step["counts"].items():
        for group, ref in per_group.items():
            rows = _group_rows(ctx, group, by) if group != "all" else np.arange(len(ctx.frame))
            k = ctx.count(ref, f"multi {column} / {level} / {group}")
            if k > len(rows):
                raise ReconstructionError(f"multi {column} / {level} / {group}: {k} of {len(rows)} patients")
            chosen[level][ctx.rng.permutation(rows)[:k]] = True
    ctx.frame[column] = [";".join(level for level in chosen if chosen[level][i]) or None for i in range(len(ctx.frame))]


def step_excluded(ctx: Context, step: dict) -> None:
    """Append registry patients that an inclusion criterion will exclude.

    Each is a copy of a randomly drawn analysed patient (so that registry and
    cohort look alike), with the columns under ``blank`` (exact names, or
    prefixes ending in ".") emptied and ``set`` values written: e.g. no
    progression, or no post-progression biopsy. They are marked ``_group =
    "excluded"`` and are not part of any analysed group.
    """
    n = ctx.count(ctx.value(step["n"], "excluded / n"), "excluded / n")
    analysed = ctx.frame[ctx.frame["_group"] != "excluded"]
    rows = analysed.iloc[ctx.rng.integers(0, len(analysed), n)].copy()
    for name in step.get("blank", []):
        columns = [c for c in rows.columns if c.startswith(name)] if name.endswith(".") else [name]
        for column in columns:
            rows[column] = np.nan if pd.api.types.is_float_dtype(rows[column]) or pd.api.types.is_bool_dtype(rows[column]) else None
    for column, value in step.get("set", {}).items():
        rows[column] = ctx.value(value, f"excluded / {column}")
    rows["_group"] = "excluded"
    ctx.frame = pd.concat([ctx.frame, rows], ignore_index=True)


def step_where(ctx: Context, step: dict) -> None:
    """Set columns on the patients matching a condition (an expression; a patient for
    whom it is missing does not match), e.g. ISH values on the IHC 2+ specimens."""
    mask = ctx.rows(step["where"], f"{ctx.at}.where")
    for column, value in step["values"].items():
        if column not in ctx.frame:
            ctx.frame[column] = np.nan if isinstance(value, (int, float)) else None
        ctx.frame.loc[mask, column] = ctx.value(value, f"where {step['where']!r} / {column}")


def step_derive(ctx: Context, step: dict) -> None:
    """Columns computed from others (expressions), e.g. the months from the
    index date to the start of a second line = progression-free survival + a gap; with
    ``where``, only the matching patients get the value (the others keep theirs)."""
    mask = ctx.rows(step.get("where"), f"{ctx.at}.where")
    for column, expression in step["values"].items():
        computed = ctx.computed(expression, f"{ctx.at}.values.{column}")
        current = ctx.frame[column].to_numpy(dtype=float) if column in ctx.frame else np.full(len(ctx.frame), np.nan)
        ctx.frame[column] = np.where(mask, computed, current)


STEPS = {
    "derive": step_derive,
    "multi": step_multi,
    "excluded": step_excluded,
    "where": step_where,
    "categorical": step_categorical,
    "joint": step_joint,
    "continuous": step_continuous,
    "survival": step_survival,
    "h_score_percentages": step_h_score_percentages,
    "constant": step_constant,
}


def check_totals(ctx: Context, checks: list[dict]) -> None:
    """Published totals that the chosen cells must add up to (e.g. 11 losses to IHC 0)."""
    for index, check in enumerate(checks):
        if "median" in check:  # a pooled median that per-group parts must give together
            mask = ctx.rows(check.get("where"), f"checks[{index}].where")
            values = pd.Series(ctx.computed(check["median"], f"checks[{index}].median"))[mask].dropna()
            expected = ctx.value(check["equals"], f"check median {check['median']!r}")
            if abs(float(values.median()) - expected) > 1e-9:
                raise ReconstructionError(f"check median {check['median']!r}: the spec gives {values.median()}, the paper {expected}")
            continue
        observed = int(ctx.rows(check["where"], f"checks[{index}].where").sum())
        expected = ctx.count(check["equals"], f"check {check['where']!r}")
        if observed != expected:
            raise ReconstructionError(f"check {check['where']!r}: the spec gives {observed}, the paper {expected}")


# ---------------------------------------------------------------------------
# From the wide frame to raw tables with dates
# ---------------------------------------------------------------------------


def _dates(rng: np.random.Generator, start: str, end: str, n: int) -> pd.Series:
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    days = np.sort(rng.integers(0, (last - first).days + 1, n))
    return pd.Series(first + pd.to_timedelta(days, unit="D"))


def _after(origin: pd.Series, months: pd.Series) -> pd.Series:
    # whole days, as a registry records dates; months * 30.4375 rounded to the day
    days = np.round(months.to_numpy(dtype=float) * DAYS_PER_MONTH)
    return origin + pd.to_timedelta(days, unit="D")


def _within_limits(rng: np.random.Generator, frame: pd.DataFrame, dates: dict) -> pd.Series:
    """Each patient's index date, drawn uniformly among the accrual days that keep the dates
    derived from it within ``dates.limits``: ``{column: {not_before: day, not_after: day}}``
    where ``column`` is a ``before_index`` date (diagnosis not before the study window) or an
    ``events`` date (last contact not after the data cut-off). A missing interval sets no limit."""
    first, last = (pd.Timestamp(day) for day in dates["accrual"])
    low, high = np.zeros(len(frame)), np.full(len(frame), float((last - first).days))
    for column, bound in dates["limits"].items():
        if column in dates.get("before_index", {}):
            offset = -np.round(frame[dates["before_index"][column]["months"]].to_numpy(dtype=float) * DAYS_PER_MONTH)
        elif column in dates.get("events", {}):
            source = dates["events"][column]["from"]
            months = frame[f"{source}_months"] if f"{source}_months" in frame else frame[source]
            offset = np.round(months.to_numpy(dtype=float) * DAYS_PER_MONTH)
        else:
            raise ReconstructionError(f"dates.limits: {column!r} is neither a before_index nor an events date")
        # np.fmax / np.fmin ignore NaN: a patient without the interval keeps its bounds
        if "not_before" in bound:
            low = np.fmax(low, (pd.Timestamp(bound["not_before"]) - first).days - offset)
        if "not_after" in bound:
            high = np.fmin(high, (pd.Timestamp(bound["not_after"]) - first).days - offset)
    if (low > high).any():
        row = int(np.flatnonzero(low > high)[0])
        raise ReconstructionError(f"dates.limits: patient row {row} has no accrual day within {dates['accrual']} that keeps its dates within the limits")
    days = low + np.floor(rng.random(len(frame)) * (high - low + 1))
    return pd.Series(first + pd.to_timedelta(days, unit="D"))


def to_raw_tables(ctx: Context) -> dict[str, pd.DataFrame]:
    """Split the wide frame into patients / specimens / treatment lines, with dates."""
    spec, frame, rng = ctx.spec, ctx.frame.reset_index(drop=True), ctx.rng
    prefix = spec.get("id_prefix", "R")
    frame["patient_id"] = [f"{prefix}{i:04d}" for i in range(1, len(frame) + 1)]
    dates = spec["dates"]
    # accrual order is random, not by group
    index = _dates(rng, *dates["accrual"], len(frame)).iloc[rng.permutation(len(frame))].reset_index(drop=True)
    if "limits" in dates:
        index = _within_limits(rng, frame, dates)
    frame[dates["index"]] = index
    for column, rule in dates.get("events", {}).items():
        source = rule["from"]
        months = frame[f"{source}_months"] if f"{source}_months" in frame else frame[source]
        event = frame[f"{source}_event"].astype(bool) if f"{source}_event" in frame else pd.Series(False, index=frame.index)
        when = _after(index, months)
        frame[column] = when if rule.get("censored_too") else when.where(event)
        if "cause" in rule:
            frame[rule["cause_column"]] = pd.Series(np.where(event, rule["cause"], None), dtype=object)
    for column, rule in dates.get("before_index", {}).items():  # e.g. diagnosis before recurrence
        frame[column] = index - pd.to_timedelta(np.round(frame[rule["months"]].to_numpy(dtype=float) * DAYS_PER_MONTH), unit="D")

    timepoints = sorted({c.split(".", 1)[0] for c in frame.columns if "." in c and not c.startswith("line")})
    specimen_rows = []
    for timepoint in timepoints:
        columns = [c for c in frame.columns if c.startswith(timepoint + ".")]
        rule = dates.get("specimens", {}).get(timepoint, {})
        anchor = frame[rule["after"]] if "after" in rule else index
        low, high = rule.get("offset_days", [-14, -1])
        taken = anchor + pd.to_timedelta(rng.integers(low, high + 1, len(frame)), unit="D")
        present = frame[columns].notna().any(axis=1) if not rule.get("always") else pd.Series(True, index=frame.index)
        part = frame.loc[present, ["patient_id"] + columns].rename(columns=lambda c: c.split(".", 1)[1] if "." in c else c)
        part.insert(1, "timepoint", timepoint)
        part.insert(2, "collection_date", taken[present])
        for column, value in rule.get("constant", {}).items():
            part[column] = value
        specimen_rows.append(part)
    specimens = pd.concat(specimen_rows, ignore_index=True) if specimen_rows else pd.DataFrame()
    if not specimens.empty:
        specimens = specimens.sort_values(["patient_id", "collection_date"], kind="stable").reset_index(drop=True)
        specimens.insert(0, "specimen_id", [f"S{i:05d}" for i in range(1, len(specimens) + 1)])

    line_columns = [c for c in frame.columns if c.startswith("line") and "." in c]
    lines = pd.DataFrame()
    if line_columns:
        parts = []
        for number in sorted({int(c.split(".", 1)[0][4:]) for c in line_columns}):
            columns = [c for c in line_columns if c.startswith(f"line{number}.")]
            part = frame.loc[frame[f"line{number}.regimen"].notna(), ["patient_id"] + columns].rename(columns=lambda c: c.split(".", 1)[1] if "." in c else c)
            part.insert(1, "line", number)
            parts.append(part)
        lines = pd.concat(parts, ignore_index=True)
        for column, rule in dates.get("lines", {}).items():
            origin = lines["patient_id"].map(frame.set_index("patient_id")[rule["origin"]])
            lines[column] = _after(origin, lines[rule["months"]]).where(lines[rule["months"]].notna())
        lines = lines.drop(columns=[c for c in lines.columns if c.endswith("_months") or c.endswith("_event")])

    used = {rule["from"] for rule in dates.get("events", {}).values()}
    patient_columns = ["patient_id"] + [c for c in frame.columns if "." not in c and not c.startswith("_") and not c.endswith("_months") and not c.endswith("_event") and c != "patient_id" and c not in used]
    patients = frame[patient_columns]
    return {"patients": patients, "specimens": specimens, "treatment_lines": lines}


def recipe_expressions(spec: dict) -> list[tuple[str, str]]:
    """Every expression of a recipe with its key: the ``where`` of each step, the
    ``values`` of each ``derive`` step, the ``where`` and ``median`` of each check."""
    found = []
    for index, step in enumerate(spec.get("steps", [])):
        if "where" in step and step.get("kind") in ("where", "derive"):
            found.append((f"steps[{index}].where", step["where"]))
        if step.get("kind") == "derive":
            found += [(f"steps[{index}].values.{column}", expression) for column, expression in step.get("values", {}).items()]
    for index, check in enumerate(spec.get("checks", [])):
        found += [(f"checks[{index}].{key}", check[key]) for key in ("where", "median") if key in check]
    return found


def _draw(spec: dict, inputs: dict[str, float], rng: np.random.Generator) -> Context:
    """One cohort of the spec's size: its steps, then its checks (the wide frame, no dates yet)."""
    groups = []
    for group, ref in spec["groups"].items():
        groups += [group] * Context(spec, inputs, rng, pd.DataFrame()).count(ref, f"groups / {group}")
    ctx = Context(spec, inputs, rng, pd.DataFrame({"_group": groups}))
    for index, step in enumerate(spec["steps"]):
        ctx.at = f"steps[{index}]"
        kind = step.get("kind")
        if kind not in STEPS:
            raise ReconstructionError(f"steps[{index}]: unknown kind {kind!r}; expected one of {', '.join(STEPS)}")
        STEPS[kind](ctx, step)
    check_totals(ctx, spec.get("checks", []))
    return ctx


#: Draws tried after the first to reach a requested size (a draw the spec cannot satisfy is skipped).
MAX_DRAWS = 200


def build_cohort(spec: dict, inputs: dict[str, float], seed: int | None = None, size: int | None = None) -> dict[str, pd.DataFrame]:
    """Run the spec's steps and return the raw tables (not yet formatted for CSV).

    ``seed`` replaces the spec's ``seed``; ``size`` asks for a registry of that
    many patients (rows of patients.csv, patients the inclusion criteria exclude
    included) instead of the paper's. The first draw uses ``seed`` as the spec
    always did (same seed, no size: the same files, byte for byte). A larger
    size adds further draws of the whole spec, the k-th from the generator
    seeded with ``[seed, k]``, until the registries together hold ``size``
    patients or more; a draw the spec cannot satisfy with its generator (a
    value that cannot be dealt within its bounds, a check that fails) is
    skipped, and after :data:`MAX_DRAWS` tries it is an error. Then ``size``
    patients are kept, chosen at random by the first draw's generator (all of
    them when the draws add up exactly), in their order, and the dates are
    drawn for them as for one registry. Every draw follows the paper's counts,
    so a larger cohort keeps the paper's proportions up to the random choice
    of whom to keep, and its survival times, scores and dates are new.
    """
    source = f"data/reconstruction/{spec.get('study', '?')}.yaml"
    found = [problem for key, text in recipe_expressions(spec) for problem in problems(text, source, key)]
    if found:  # every expression of the recipe checked first, all problems at once
        raise ReconstructionError("\n".join(found))
    seed = spec["seed"] if seed is None else seed
    rng = np.random.default_rng(seed)
    ctx = _draw(spec, inputs, rng)
    if size is None:
        return to_raw_tables(ctx)
    if size < 1:
        raise ReconstructionError(f"size must be a whole number >= 1, got {size}")
    frames, draw, skipped = [ctx.frame], 0, []
    while sum(len(frame) for frame in frames) < size:
        draw += 1
        if draw > MAX_DRAWS:
            raise ReconstructionError(f"size {size}: {len(skipped)} of {MAX_DRAWS} further draws of the spec could not be satisfied (last: {skipped[-1]})")
        try:
            frames.append(_draw(spec, inputs, np.random.default_rng([seed, draw])).frame)
        except ReconstructionError as err:
            skipped.append(f"draw [{seed}, {draw}]: {err}")
    frame = pd.concat(frames, ignore_index=True)
    if len(frame) > size:
        keep = np.sort(rng.choice(len(frame), size=size, replace=False))
        frame = frame.iloc[keep].reset_index(drop=True)
    ctx.frame = frame
    return to_raw_tables(ctx)


def format_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD, IHC scores as a pathologist writes them, whole numbers without '.0'."""
    out = table.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
        elif column == "ihc_score":
            out[column] = series.map(lambda v: "" if pd.isna(v) else ("0" if int(v) == 0 else f"{int(v)}+"))
        elif pd.api.types.is_float_dtype(series) and series.dropna().apply(float.is_integer).all():
            out[column] = series.astype("Int64")
    return out


def write_cohort(tables: dict[str, pd.DataFrame], directory: str | Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if table is None or table.empty:
            continue
        format_for_csv(table).to_csv(directory / f"{name}.csv", index=False, lineterminator="\n", float_format="%.10g")
