"""Cleaning: raw registry export -> typed, checked, pseudonymised tables.

Three passes over every file, whose problems are collected and reported
together (with those of the study's keys that the data cannot satisfy), so
that an analyst fixes an export in one go:

1. **Parse** (:mod:`.reading`, cell by cell with the parsers of :mod:`.cells`):
   the file's encoding, header (missing, duplicated, unknown and
   identifier-like columns) and every cell against its column's kind
   (:mod:`her2cohort.rawdata`, plus the study's variables: :mod:`.specs`).
   Accepted forms are documented on each parser.
2. **Validate** (:mod:`.domains`): value domains (ranges, levels) with a
   pandera schema built from the same column specifications.
3. **Cross-check** (:mod:`.consistency`): keys between patients, specimens and
   treatment lines, dates in the order time runs, intensity percentages; on
   what the first two passes could read (a cell they reported is NA here).

Only patients.csv is required: specimens.csv and treatment_lines.csv may be
absent or hold their header alone (a cohort without them).

Then :mod:`.inclusion` applies the study's inclusion criteria, writing every
excluded row with its reason, and :mod:`.endpoints` turns dates into months
from each endpoint's origin. :mod:`.cohort` composes the steps
(:func:`clean_cohort`). No identifier and no date leaves this package:
patients get a pseudonymous key, dates become months.

The names below are the package's interface; import them from here.
"""

from her2cohort.cleaning.cells import cell_parser, parse_boolean, parse_date, parse_ihc_score, parse_integer, parse_number
from her2cohort.cleaning.cohort import CleanCohort, clean_cohort, pseudonymise, read_cohort
from her2cohort.cleaning.consistency import check_consistency
from her2cohort.cleaning.domains import domain_schema, validate_domains
from her2cohort.cleaning.endpoints import derive_endpoint, derive_times, months_between
from her2cohort.cleaning.inclusion import apply_inclusion, exclusions_table
from her2cohort.cleaning.reading import LINE, read_raw_table
from her2cohort.cleaning.specs import study_specs

__all__ = [
    "LINE",
    "CleanCohort",
    "apply_inclusion",
    "cell_parser",
    "check_consistency",
    "clean_cohort",
    "derive_endpoint",
    "derive_times",
    "domain_schema",
    "exclusions_table",
    "months_between",
    "parse_boolean",
    "parse_date",
    "parse_ihc_score",
    "parse_integer",
    "parse_number",
    "pseudonymise",
    "read_cohort",
    "read_raw_table",
    "study_specs",
    "validate_domains",
]
