"""The column specifications of a study: the data dictionary plus the study's own variables.

Every pass of cleaning reads its columns from one place: the standard columns
of each raw table (:data:`her2cohort.rawdata.TABLES`) and the ``variables`` a
study's YAML declares (a column of the study's own, with its kind, range and
levels). A study variable cannot redefine a standard column.
"""

from __future__ import annotations

from her2cohort.errors import StudyConfigError
from her2cohort.rawdata import TABLES, ColumnSpec


def study_specs(study: dict) -> dict[str, tuple[ColumnSpec, ...]]:
    """The column specifications of each table, with the study's own variables added."""
    specs = {table: tuple(columns) for table, columns in TABLES.items()}
    for variable in study.get("variables", []):
        table = variable.get("table", "patients")
        spec = ColumnSpec(
            name=variable["name"],
            kind=variable["kind"],
            description=variable.get("description", ""),
            minimum=variable.get("minimum"),
            maximum=variable.get("maximum"),
            levels=tuple(str(x) for x in variable.get("levels", ())),
            synonyms={str(k): str(v) for k, v in variable.get("synonyms", {}).items()},
            unit=variable.get("unit", ""),
        )
        known = {s.name for s in specs[table]}
        if spec.name in known:
            raise StudyConfigError(f"variables: {spec.name!r} is already a standard column of {table}.csv; remove it from the study's variables")
        specs[table] = specs[table] + (spec,)
    return specs

