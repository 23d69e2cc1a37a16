"""The paper checked against itself, with no patient data.

Four checks, each row of the result naming the printed numbers it compares:

``percentage``
    a printed percentage against its printed count and denominator (a number,
    another location, or the sum of a block of counts), at the printed
    precision; when it does not fit, the explanation gives the counts or
    denominators that would fit it;
``sum``
    printed parts against their printed total (group sizes against the
    cohort, sub-counts against margins);
``same_quantity``
    one quantity printed in several places (abstract, results, tables): the
    values must agree at the coarser of their printed precisions;
``wald_p``
    a printed p-value against the Wald p implied by its printed ratio and 95%
    CI: z = |log(estimate)| / SE, SE = (log upper - log lower) / (2 x 1.96),
    over every value the printed rounding allows; an interval not symmetric
    around the estimate on the log scale is reported as not a Wald interval.

Rules for ``percentage`` and ``sum`` come from the mapping's ``consistency``
section (location patterns, see :mod:`~her2cohort.replication.locations`);
``same_quantity`` groups come from its entries (one entry, several locations);
``wald_p`` families are found by location (``.../HR / estimate``,
``.../HR / conf_low``, ``.../HR / conf_high`` and the ``p`` beside ``HR``) or
declared.
"""

from __future__ import annotations

import math
from itertools import product
from typing import Any, Iterable, Mapping

import pandas as pd

from her2cohort.replication.locations import SEPARATOR, fill, matches, segments, sibling
from her2cohort.numbers import number, short, significant
from her2cohort.replication.tolerance import Z95, agrees, round_half_up, shown

COLUMNS = ["study", "check", "location", "compared_with", "printed", "implied", "consistent", "explanation"]


def _row(study, check, location, others, printed, implied, consistent, explanation) -> dict:
    return {
        "study": study,
        "check": check,
        "location": location,
        "compared_with": "; ".join(others),
        "printed": printed,
        "implied": implied,
        "consistent": bool(consistent),
        "explanation": explanation,
    }


def _denominator(rule: Mapping[str, Any], location: str, published: Mapping[str, Mapping]) -> tuple[float | None, list[str]]:
    spec = rule["denominator"]
    if isinstance(spec, (int, float)):
        return float(spec), []
    if isinstance(spec, str):
        target = fill(spec, location)
        return (float(published[target]["value"]), [target]) if target in published else (None, [target])
    pattern = fill(spec["sum"], location)
    parts = [loc for loc in published if matches(pattern, loc)]
    if not parts:
        return None, [pattern]
    return sum(float(published[loc]["value"]) for loc in parts), parts


def _printed_value(entry: Mapping) -> str:
    """The printed number alone (the printed text may carry "%", "p =" or words)."""
    return shown(float(entry["value"]), entry["precision"])


def _p_shown(p: float) -> str:
    """A p-value with enough digits to tell 0.0002 from 0.002."""
    return number(p, 3) if p >= 0.001 else f"{significant(p, 2)}"


def _fits(n: float, d: float, entry: Mapping) -> str:
    """Counts and denominators near the printed ones that would give the printed percentage."""
    percent = float(entry["value"])
    numerators = [k for k in range(0, int(d) + 1) if agrees(100 * k / d, entry)] if d > 0 else []
    denominators = [k for k in range(max(int(n), 1), int(2 * d) + 2) if agrees(100 * n / k, entry)]
    parts = []
    printed = _printed_value(entry)
    parts.append(f"{printed}% of {short(d, 6)} would be {', '.join(f'{k}' for k in numerators)}" if numerators else f"no count out of {short(d, 6)} gives {printed}%")
    parts.append(f"{short(n, 6)} is {printed}% of {', '.join(str(k) for k in denominators[:4])}" if denominators else f"no denominator gives {printed}% for {short(n, 6)}")
    if n > 0 and d > 0 and round(percent, 1) == round(100 * (d - n) / d, 1):
        parts.append(f"{printed}% is the complement 100 - {number(100 * n / d, 1)}")
    return "; ".join(parts)


def _percentages(study: str, rules: Iterable[Mapping], published: Mapping[str, Mapping]) -> list[dict]:
    rows = []
    for location, entry in published.items():
        if entry["kind"] != "percentage":
            continue
        rule = next((r for r in rules if matches(r["match"], location)), None)
        if rule is None:
            continue
        count_location = fill(rule["count"], location) if "count" in rule else sibling(location, "n")
        if count_location not in published:
            continue
        n = float(published[count_location]["value"])
        d, used = _denominator(rule, location, published)
        if d is None:
            rows.append(_row(study, "percentage", location, [count_location, *used], entry["printed"], "", False, f"denominator {used[0]!r} is not printed"))
            continue
        implied = 100 * n / d if d else math.nan
        ok = agrees(implied, entry)
        explanation = f"{short(n, 6)}/{short(d, 6)} = {number(implied, 2)}%" + ("" if ok else f", printed {_printed_value(entry)}%: {_fits(n, d, entry)}")
        rows.append(_row(study, "percentage", location, [count_location, *used], entry["printed"], number(implied, 4), ok, explanation))
    return rows


def _sums(study: str, rules: Iterable[Mapping], published: Mapping[str, Mapping]) -> list[dict]:
    rows = []
    for rule in rules:
        total = rule["total"]
        parts = rule["parts"] if isinstance(rule["parts"], list) else [loc for loc in published if matches(rule["parts"], loc)]
        missing = [loc for loc in [total, *parts] if loc not in published]
        if missing:
            raise ValueError(f"consistency sum: location(s) not in the published file: {missing}")
        value = sum(float(published[loc]["value"]) for loc in parts)
        ok = value == float(published[total]["value"])
        shown_parts = " + ".join(published[loc]["printed"] for loc in parts)
        explanation = f"{shown_parts} = {short(value, 6)}, printed total {published[total]['printed']}" + ("" if ok else f" (difference {'+' if value >= float(published[total]['value']) else ''}{short(value - float(published[total]['value']), 6)})")
        rows.append(_row(study, "sum", total, parts, published[total]["printed"], short(value, 6), ok, explanation))
    return rows


def _same_quantity(study: str, groups: Iterable[list[str]], published: Mapping[str, Mapping]) -> list[dict]:
    rows = []
    for group in groups:
        if len(group) < 2:
            continue
        first = published[group[0]]
        for location in group[1:]:
            entry = published[location]
            decimals = min(first["precision"], entry["precision"])
            ok = round_half_up(first["value"], decimals) == round_half_up(entry["value"], decimals)
            explanation = f"printed {first['printed']} at {group[0]!r} and {entry['printed']} here"
            rows.append(_row(study, "same_quantity", location, [group[0]], entry["printed"], first["printed"], ok, explanation))
    return rows


def _wald_families(published: Mapping[str, Mapping], declared: Iterable[Mapping]) -> list[dict]:
    families = [dict(f) for f in declared]
    seen = {f["estimate"] for f in families}
    for location, entry in published.items():
        parts = segments(location)
        if entry["kind"] not in ("hazard_ratio", "odds_ratio") or parts[-1] != "estimate" or location in seen:
            continue
        low, high = sibling(location, "conf_low"), sibling(location, "conf_high")
        p = SEPARATOR.join(parts[:-2] + ["p"])
        if low in published and high in published and p in published:
            families.append({"estimate": location, "ci": [low, high], "p": p})
    return families


def _wald_p(study: str, families: Iterable[Mapping], published: Mapping[str, Mapping]) -> list[dict]:
    rows = []
    for family in families:
        estimate, (low, high), p = published[family["estimate"]], (published[loc] for loc in family["ci"]), published[family["p"]]

        def box(entry):
            half = 0.5 * 10 ** -entry["precision"]
            return (float(entry["value"]) - half, float(entry["value"]) + half)

        implied = []
        for e, lo, hi in product(box(estimate), box(low), box(high)):
            if min(e, lo, hi) <= 0 or hi <= lo:
                continue
            se = (math.log(hi) - math.log(lo)) / (2 * Z95)
            implied.append(2 * (1 - _norm_cdf(abs(math.log(e)) / se)))
        centre = float(estimate["value"])
        if not implied or centre <= 0:
            continue
        p_low, p_high = min(implied), max(implied)
        e_low, e_high = box(estimate)
        if e_low <= 1 <= e_high:  # |log e| is not monotone over the box: it reaches 0
            p_high = 1.0
        printed_p = float(p["value"])
        if p.get("comparator") in ("<", "<="):
            ok = p_low < printed_p
        else:
            half = 0.5 * 10 ** -p["precision"]
            ok = p_low - half <= printed_p <= p_high + half
        symmetric = abs(math.log(centre) - (math.log(float(low["value"])) + math.log(float(high["value"]))) / 2)
        asymmetric = symmetric > max(math.log(float(high["value"])) - math.log(float(low["value"])), 1e-9) * 0.05 + 0.5 * 10 ** -estimate["precision"] / centre
        explanation = (
            f"{_printed_value(estimate)} ({_printed_value(low)}-{_printed_value(high)}): Wald p between {_p_shown(p_low)} and {_p_shown(p_high)} "
            f"over the printed rounding; printed {p['printed'] if p['printed'].lstrip().startswith('p') else 'p ' + p['printed']}"
        )
        if asymmetric:
            explanation += "; the CI is not symmetric around the estimate on the log scale (not a Wald interval)"
        rows.append(_row(study, "wald_p", family["p"], [family["estimate"], *family["ci"]], p["printed"], f"{number(p_low, 4)}-{number(p_high, 4)}", ok, explanation))
    return rows


def _norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def consistency_checks(study: str, published_numbers: Iterable[Mapping], spec: Mapping[str, Any] | None, groups: Iterable[list[str]] = ()) -> pd.DataFrame:
    """Every internal-consistency check of a published file, one row per comparison."""
    published = {entry["location"]: entry for entry in published_numbers}
    spec = spec or {}
    rows = (
        _percentages(study, spec.get("percentages", []), published)
        + _sums(study, spec.get("sums", []), published)
        + _same_quantity(study, groups, published)
        + _wald_p(study, _wald_families(published, spec.get("wald", [])), published)
    )
    return pd.DataFrame(rows, columns=COLUMNS)
