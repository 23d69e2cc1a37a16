"""The HER2 guidelines a study can name, and which ASCO/CAP release was in force when.

A study's YAML names its guideline (``her2_guideline``); the classifier
(:mod:`her2cohort.classify`) applies its rules. Two stages need the guidelines
without their rules: cleaning labels each specimen with the ASCO/CAP release in
force on its collection date (for ``asco_cap_at_diagnosis``; the label
survives cleaning, the date does not), and the classifier reads that label.
Both take them from here, so cleaning does not import the classifier.
"""

from __future__ import annotations

import pandas as pd

#: ISH rules by guideline name (the study YAML's ``her2_guideline``).
GUIDELINES = (
    "gastric_equivocal_recount",
    "gastric_consensus",
    "asco_cap_2007",
    "asco_cap_2013",
    "asco_cap_2018",
    "asco_cap_at_diagnosis",
)

#: ASCO/CAP breast guideline releases: a specimen collected on or after the date is
#: scored by that release (Wolff 2007, JCO 25:118; 2013, JCO 31:3997 published
#: 2013-10-07; 2018, JCO 36:2105 published 2018-05-30).
ASCO_CAP_RELEASES = (("2007", None), ("2013", "2013-10-07"), ("2018", "2018-05-30"))


def asco_cap_release(collection_dates) -> pd.Series:
    """The ASCO/CAP release in force on each collection date ("2007", "2013", "2018"); NA without a date."""
    dates = pd.to_datetime(collection_dates if isinstance(collection_dates, pd.Series) else pd.Series(collection_dates))
    out = pd.Series(pd.NA, index=dates.index, dtype="object")
    for release, start in ASCO_CAP_RELEASES:
        since = dates.notna() if start is None else dates >= pd.Timestamp(start)
        out[since] = release
    return out
