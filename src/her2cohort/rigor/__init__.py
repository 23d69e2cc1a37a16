"""The rigor report: each weakness of a study's design detected from its declarations and data,
the paper's analysis beside a more rigorous one, and a verdict on the paper's conclusion.

The pipeline reproduces what a paper did, errors included; this says where a
careful biostatistician would have done otherwise and whether it matters.
Nothing is written per study: each check (one module each) reads the study's
declared analyses, endpoints and derived columns, its analysis set and its
results, and returns tidy rows (:data:`COLUMNS`):

========================  ==============================================================
check                     module
========================  ==============================================================
immortal_time             :mod:`her2cohort.rigor.immortal_time`
data_driven_cutoff        :mod:`her2cohort.rigor.cutoffs`
multiplicity              :mod:`her2cohort.rigor.multiplicity`
competing_risks           :mod:`her2cohort.rigor.competing_risks`
small_samples             :mod:`her2cohort.rigor.small_samples`
informative_censoring     :mod:`her2cohort.rigor.informative_censoring`
========================  ==============================================================

The verdict rules are :mod:`her2cohort.rigor.verdict`'s; every number comes
from a library function tested against R. "The paper's analysis" is the
study's declared analysis as the pipeline runs it on this cohort (its result
table under ``results/{study}/stats/``), not the printed number.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

import pandas as pd

from her2cohort.results import Results
from her2cohort.rigor import competing_risks, cutoffs, immortal_time, informative_censoring, multiplicity, small_samples
from her2cohort.rigor._context import Context, Settings
from her2cohort.rigor._rows import COLUMNS
from her2cohort.rigor.report import rigor_display, rigor_markdown, rigor_supplement

#: check name -> its function (Context -> rows), in report order.
CHECKS = {
    immortal_time.CHECK: immortal_time.check,
    cutoffs.CHECK: cutoffs.check,
    multiplicity.CHECK: multiplicity.check,
    competing_risks.CHECK: competing_risks.check,
    small_samples.CHECK: small_samples.check,
    informative_censoring.CHECK: informative_censoring.check,
}

__all__ = ["CHECKS", "COLUMNS", "Context", "Settings", "rigor_display", "rigor_markdown", "rigor_supplement", "rigor_table"]


def rigor_table(
    study: Mapping[str, Any],
    data: pd.DataFrame,
    results: Results,
    settings: Settings | Mapping[str, Any] | None = None,
    lines: pd.DataFrame | None = None,
    checks: list[str] | None = None,
) -> pd.DataFrame:
    """Every detected weakness of ``study`` (a resolved study file), one row each, in
    :data:`CHECKS` order (``checks`` to run only some); full precision."""
    if not isinstance(settings, Settings):
        settings = Settings.from_config(settings)
    own = (study.get("rigor") or {}).get("landmark_months")
    if own is not None:  # the study's own landmark wins over the run's
        settings = replace(settings, landmark_months=float(own))
    context = Context(study=study, data=data, results=results, settings=settings, lines=lines)
    rows = []
    for name in checks or CHECKS:
        rows += CHECKS[name](context)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["study"] = context.name
    return frame
