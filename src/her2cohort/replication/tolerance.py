"""Agreement at the printed precision, and the tolerances of reconstruction-dependent numbers.

A printed number is reproduced when the pipeline's value, rounded half up to
the printed decimals (half up, as journals print), equals it; a
printed bound (``p < 0.001``) is reproduced when the value lies on its side.

A number that depends on the reconstructed continuous or survival data, which
the paper does not pin down (a p-value of a Wilcoxon test on H-scores, a hazard
ratio, a confidence limit, an AUC), cannot be expected to match exactly. Its
mapping entry names a tolerance rule; each rule states itself with the numbers
in the explanation it returns:

``within_ci``
    the reproduced estimate lies inside the published 95% CI (``ci``: the
    locations of the two limits);
``z_distance``
    a two-sided p-value whose normal quantile z = Phi^-1(1 - p/2) lies within
    ``max`` of the published one (default 0.5: half the standard deviation of a
    test statistic between replicate samples) and on the same side of 0.05;
``ci_se``
    within one published standard error, SE = (upper - lower) / (2 x 1.96) of
    the published CI (``ci``), on the ``log`` scale for ratios and survival
    times or ``linear`` (``scale``);
``se``
    within ``times`` standard errors of the pipeline's own estimate (``se``: a
    selector, e.g. the DeLong SE of an AUC);
``absolute`` / ``relative``
    |reproduced - published| <= ``max`` (or ``max`` x |published|), for
    reconstruction targets that whole-day dates move in the last digit.

Whatever the rule, a ratio (hazard or odds ratio), its CI limits and its p
are within tolerance only if the reproduced ratio agrees with the printed one
in direction (:func:`direction_conflict`): the estimate on the same side of 1,
the CI on the same side of 1 (containing 1 only if the printed CI does). An
estimate inside the printed CI but on the other side of 1 (printed HR 1.67,
0.84-3.32; reproduced 0.86) contradicts the paper and is not reproduced.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Callable, Mapping

# the standard library's normal quantile (Wichura's AS 241, as R's qnorm): the
# replication job need not import scipy.stats for two quantiles (a second of start-up)
from statistics import NormalDist

from her2cohort.numbers import beside, half_up, number, short, significant

Z95 = NormalDist().inv_cdf(0.975)


def round_half_up(value: float, decimals: int) -> Decimal:
    """Half up on the decimal the value prints as (:func:`her2cohort.numbers.half_up`, the one rounding rule)."""
    return half_up(value, decimals)


def shown(value: float, decimals: int) -> str:
    """The value as it would be printed at ``decimals`` ("NA", "inf" spelled out for the audit)."""
    if value is None or math.isnan(value):
        return "NA"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(half_up(value, decimals))


def shown_beside(value: float, entry: Mapping[str, Any]) -> str:
    """A reproduced value beside the paper's (:func:`her2cohort.numbers.beside`): counts as integers."""
    return beside(value, entry["precision"])


def agrees(value: float, entry: Mapping[str, Any]) -> bool:
    """Equal at the printed precision; on the printed side of a printed bound (p < 0.001)."""
    if value is None or math.isnan(value) or math.isinf(value):
        return False
    comparator = entry.get("comparator")
    if comparator and entry["kind"] != "cutoff":  # a cutoff's comparator is its rule, not a bound
        bound = float(entry["value"])
        return {"<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound, "=": value == bound}[comparator]
    return round_half_up(value, entry["precision"]) == round_half_up(entry["value"], entry["precision"])


#: Published kinds whose direction is their side of a null value (ratios: 1, on the log scale).
NULL_VALUE = {"hazard_ratio": 1.0, "odds_ratio": 1.0}


def side(value: float, null: float) -> int:
    """+1 above the null, -1 below, 0 on it."""
    return (value > null) - (value < null)


def interval_side(low: float, high: float, null: float) -> int:
    """+1 when the whole interval lies above the null, -1 below, 0 when it contains it."""
    return 1 if low > null else -1 if high < null else 0


_SIDES = {1: "above", -1: "below", 0: "on"}


def direction_conflict(printed: Mapping[str, Any], reproduced: Mapping[str, float], null: float) -> str:
    """Why a reproduced ratio contradicts the printed direction of effect, or ''.

    ``printed`` and ``reproduced`` hold the published entries / reproduced
    values of one estimate's ``estimate``, ``conf_low`` and ``conf_high`` (any
    may be missing). The reproduced estimate must lie on the side of the null
    the printed one lies on (a printed estimate equal to the null, 1.00, claims
    no direction); the reproduced CI must lie on the printed CI's side, and may
    contain the null only if the printed CI does (a printed limit equal to the
    null counts as containing it). Reproduced values are compared unrounded: a
    reproduced upper limit of 0.996 excludes 1, as its p < 0.05 says.
    """
    reasons = []
    estimate = reproduced.get("estimate", math.nan)
    if "estimate" in printed and not math.isnan(estimate):
        want, got = side(float(printed["estimate"]["value"]), null), side(estimate, null)
        if want and want != got:
            reasons.append(
                f"direction: reproduced {shown_beside(estimate, printed['estimate'])} lies {_SIDES[got]} {short(null, 6)}, "
                f"the printed {printed['estimate']['printed']} {_SIDES[want]} it (opposite effect)"
            )
    limits = ("conf_low", "conf_high")
    if all(k in printed and not math.isnan(reproduced.get(k, math.nan)) for k in limits):
        want = interval_side(float(printed["conf_low"]["value"]), float(printed["conf_high"]["value"]), null)
        got = interval_side(reproduced["conf_low"], reproduced["conf_high"], null)
        if want != got:
            words = {1: f"lies above {short(null, 6)}", -1: f"lies below {short(null, 6)}", 0: f"contains {short(null, 6)}"}
            low = shown_beside(reproduced["conf_low"], printed["conf_low"])
            high = shown_beside(reproduced["conf_high"], printed["conf_high"])
            reasons.append(
                f"direction: the reproduced CI {low}-{high} {words[got]}, "
                f"the printed {printed['conf_low']['printed']}-{printed['conf_high']['printed']} {words[want]}"
            )
    return "; ".join(reasons)


def _z(p: float) -> float:
    # the upper quantile as minus the lower one: 1 - p/2 rounds to 1 for tiny p
    return -NormalDist().inv_cdf(min(max(p, 1e-300), 1.0) / 2) if p < 1 else 0.0


def check(rule: Mapping[str, Any], value: float, entry: Mapping[str, Any], published: Mapping[str, Mapping], se_of: Callable[[Mapping], float]) -> tuple[bool, str]:
    """Whether ``value`` is within the rule's tolerance of ``entry``, and the rule stated with its numbers."""
    name = rule["rule"]
    target = float(entry["value"])
    if name == "within_ci":
        low, high = (float(published[loc]["value"]) for loc in rule["ci"])
        ok = low <= value <= high
        return ok, f"reproduced {shown_beside(value, entry)} {'inside' if ok else 'outside'} the published 95% CI {published[rule['ci'][0]]['printed']}-{published[rule['ci'][1]]['printed']}"
    if name == "z_distance":
        limit = float(rule.get("max", 0.5))
        z_value, z_target = _z(value), _z(target)
        same_side = (value < 0.05) == (target < 0.05)
        ok = abs(z_value - z_target) <= limit and same_side
        side = "" if same_side else "; on the other side of 0.05"
        return ok, f"p {shown(value, 3)} (z {number(z_value, 2)}) vs printed {entry['printed']} (z {number(z_target, 2)}): |dz| = {number(abs(z_value - z_target), 2)} {'<=' if abs(z_value - z_target) <= limit else '>'} {short(limit, 6)}{side}"
    if name == "ci_se":
        low, high = (float(published[loc]["value"]) for loc in rule["ci"])
        log = rule.get("scale", "log") == "log"
        if log and min(low, high, value, target) <= 0:
            return False, f"a limit or value <= 0 ({shown_beside(value, entry)}) has no log scale"
        transform = math.log if log else (lambda x: x)
        se = (transform(high) - transform(low)) / (2 * Z95)
        distance = abs(transform(value) - transform(target))
        ok = distance <= se
        unit = "log-scale " if log else ""
        return ok, f"reproduced {shown_beside(value, entry)} vs printed {entry['printed']}: {unit}distance {number(distance, 3)} {'<=' if ok else '>'} one published SE {number(se, 3)} (from the CI {published[rule['ci'][0]]['printed']}-{published[rule['ci'][1]]['printed']})"
    if name == "se":
        se = se_of(rule["se"]) * float(rule.get("times", 1))
        distance = abs(value - target)
        ok = distance <= se
        return ok, f"reproduced {shown_beside(value, entry)} vs printed {entry['printed']}: distance {number(distance, 3)} {'<=' if ok else '>'} {rule.get('times', 1)} x the reproduced SE ({number(se, 3)})"
    if name in ("absolute", "relative"):
        limit = float(rule["max"]) * (abs(target) if name == "relative" else 1.0)
        distance = abs(value - target)
        ok = distance <= limit
        return ok, f"reproduced {shown_beside(value, entry)} vs printed {entry['printed']}: |difference| {significant(distance, 4)} {'<=' if ok else '>'} {significant(limit, 4)}"
    raise ValueError(f"unknown tolerance rule {name!r}")
