"""her2cohort: the library behind the HER2 cohort pipeline.

Pure functions from data frames to data frames, organised by topic:

- :mod:`her2cohort.rawdata`   the raw cohort format (data dictionary in code)
- :mod:`her2cohort.cleaning`  validation, coercion, dates to months, exclusions
- :mod:`her2cohort.classify`  HER2 scoring rules (IHC, ISH, status, heterogeneity, change)
- :mod:`her2cohort.stats`     statistics that agree with R

The library never reads Snakemake objects; the rule scripts in ``scripts/`` do.
"""

__version__ = "0.1.0"
