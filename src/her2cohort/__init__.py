"""her2cohort: the library behind the HER2 cohort pipeline.

Pure functions from data frames to data frames, organised by topic:

- :mod:`her2cohort.rawdata`   the raw cohort format (data dictionary in code)
- :mod:`her2cohort.cleaning`  validation, coercion, dates to months, exclusions (one module per step)
- :mod:`her2cohort.guidelines` guideline names and ASCO/CAP release dates (cleaning and classify)
- :mod:`her2cohort.classify`  HER2 scoring rules (IHC, ISH, status, heterogeneity, change)
- :mod:`her2cohort.stats`     statistics that agree with R

The library never reads Snakemake objects; the rule scripts in ``scripts/`` do.
"""

import functools

__version__ = "0.1.0"


@functools.lru_cache(maxsize=1)  # read once per process: the Snakefile asks for it once per study
def library_checksum() -> str:
    """SHA-256 (16 hex digits) of the library's source: the ``.py`` files of the
    package that is imported (editable install or site-packages), by path and
    content. Rules whose results depend on the library take it as a param, so
    Snakemake re-runs them when the library changes (Snakemake tracks a rule's
    own script, not the modules the script imports)."""
    import hashlib
    from pathlib import Path

    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
