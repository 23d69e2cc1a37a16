"""Independent recount of a reconstructed study's input numbers (not the generator's code).

Each ``tests/test_recount_{study}.py`` maps every ``basis: input`` location of
``data/published/{study}.yaml`` to a number computed with pandas from the
pipeline's own cleaned and classified data, and calls :func:`assert_recounted`.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from conftest import ROOT, load_published, load_study
from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.cleaning import clean_cohort
from her2cohort.replication.tolerance import round_half_up
from her2cohort.stats.kaplan_meier import median_survival


def cleaned(study: str) -> SimpleNamespace:
    """The cleaned cohort (patients, specimens, lines, flow) and its analysis set."""
    config = load_study(ROOT / "config" / "studies" / f"{study}.yaml")
    cohort = clean_cohort(ROOT / config["raw_dir"], config)
    classified = classify_specimens(cohort.specimens, config["her2_guideline"])
    return SimpleNamespace(
        analysis=analysis_set(cohort.patients, classified, config.get("comparison")),
        cohort=cohort,
        specimens=classified,
        config=config,
    )


def assert_recounted(
    study: str,
    recount: dict[str, float],
    tolerances: dict[str, float] | None = None,
    contradicted: dict[str, str] | None = None,
    not_about_the_patient: dict[str, str] | None = None,
) -> None:
    """Every input number equals its recount at the printed precision (counts exactly).

    ``tolerances`` (location -> absolute tolerance, justified where it is
    declared) is for reconstruction targets that rounding of dates to whole
    days can move in the last printed digit. ``contradicted`` (location ->
    reason) lists printed numbers that contradict other printed numbers, so
    that no cohort can match both: those must be recounted too, and must
    differ (a contradiction that the data reproduce anyway is no contradiction).
    ``not_about_the_patient`` (location -> reason) lists input numbers that
    describe no patient of the cohort (a cited trial's median drawn as a
    reference line): there is nothing in the data to recount.
    """
    not_about_the_patient = not_about_the_patient or {}
    tolerances = tolerances or {}
    contradicted = contradicted or {}
    published = load_published(ROOT / "data" / "published" / f"{study}.yaml")
    missing, wrong = [], []
    for entry in published["numbers"]:
        if entry["basis"] != "input":
            continue
        location = entry["location"]
        if location in not_about_the_patient:
            continue
        if location not in recount:
            missing.append(location)
            continue
        value = float(recount[location])
        if location in tolerances:
            ok = abs(value - entry["value"]) <= tolerances[location]
        else:
            ok = round_half_up(value, entry["precision"]) == round_half_up(entry["value"], entry["precision"])
        if location in contradicted:
            if ok:
                wrong.append(f"{location}: declared contradicted ({contradicted[location]}) but reproduced")
            continue
        if not ok:
            wrong.append(f"{location}: recounted {value!r}, printed {entry['printed']!r}")
    assert not missing, "input numbers not recounted:\n" + "\n".join(missing)
    assert not wrong, "input numbers not reproduced:\n" + "\n".join(wrong)


def published_by_location(study: str) -> dict:
    """The study's published numbers (data/published/{study}.yaml), by location."""
    return {n["location"]: n for n in load_published(ROOT / "data" / "published" / f"{study}.yaml")["numbers"]}


def rounded(value: float, precision: int) -> float:
    """``value`` at the printed precision, rounded half up as journals print."""
    return float(round_half_up(value, precision))


def assert_printed(published: dict, location: str, value: float) -> None:
    """``value`` prints as the paper's input number at ``location``."""
    entry = published[location]
    assert entry["basis"] == "input", location
    assert rounded(value, entry["precision"]) == pytest.approx(entry["value"], abs=1e-9), f"{location}: {value} vs printed {entry['printed']}"


def km_median(frame: pd.DataFrame, time: str, event: str) -> float:
    """Kaplan-Meier median by R's rule (survfit's print), the library's implementation."""
    return float(median_survival(frame[[time, event]].dropna().astype(float), time, event).iloc[0]["estimate"])


def percent(part, whole) -> float:
    return 100 * float(part) / float(whole) if float(whole) else float("nan")


def pd_count(mask: pd.Series) -> int:
    return int(mask.fillna(False).astype(bool).sum())
