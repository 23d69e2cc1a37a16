"""What every check reads: the study's declarations, its data, its results, the settings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Iterator, Mapping

import pandas as pd

from her2cohort.analyses import prepare
from her2cohort.classify import CHANGE_COLUMNS
from her2cohort.expressions import parse
from her2cohort.results import Results

#: Analysis types whose result holds a test of a survival endpoint.
SURVIVAL_TESTS = ("cox", "logrank")


@dataclass(frozen=True)
class Settings:
    """Thresholds of the checks (``rigor:`` in config/config.yaml; defaults in its schema)."""

    alpha: float = 0.05
    #: a chi-square test with an expected count below this is flagged (Cochran's rule)
    min_expected: float = 5.0
    #: an asymptotic rank test on fewer patients than this is flagged (R wilcox.test's exact limit)
    min_exact_n: int = 50
    #: a median's symmetric (SPSS) interval in a group smaller than this is flagged
    min_group_n: int = 10
    #: bootstrap of a data-chosen cutoff
    n_boot: int = 2000
    seed: int = 20190101
    #: Harrell's optimism of an AUC at or below this is negligible
    optimism_negligible: float = 0.02
    #: a specimen collected up to this many months after an endpoint's origin counts as taken at the origin
    specimen_delay_months: float = 1.0
    #: landmark time (months from the origin); None: the median time at which the covariate becomes known
    landmark_months: float | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "Settings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (config or {}).items() if k in known})


@dataclass
class Context:
    """One study: its resolved declarations, analysis set, treatment lines and results."""

    study: Mapping[str, Any]
    data: pd.DataFrame
    results: Results
    settings: Settings = field(default_factory=Settings)
    lines: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return str(self.study.get("study", ""))

    @property
    def source(self) -> str:
        return f"config/studies/{self.name}.yaml"

    def analyses(self, *types: str) -> Iterator[dict]:
        for analysis in self.study.get("analyses", []):
            if not types or analysis["type"] in types:
                yield analysis

    def analysis(self, analysis_id: str) -> dict:
        return next(a for a in self.study.get("analyses", []) if a["id"] == analysis_id)

    def frame(self, analysis: Mapping[str, Any]) -> pd.DataFrame:
        """The rows and columns the analysis runs on (study and own derived columns, its where)."""
        return prepare(self.data, analysis.get("derive"), analysis.get("where"), source=self.source, study_derive=self.study.get("derive"))

    def derived(self, analysis: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Derived column -> expression: the study's, then the analysis's own."""
        return {**(self.study.get("derive") or {}), **((analysis or {}).get("derive") or {})}

    def timepoints(self) -> list[str]:
        """Specimen time points of the analysis set (a ``{timepoint}_collection_months`` column each)."""
        return [c[: -len("_collection_months")] for c in self.data.columns if c.endswith("_collection_months")]

    def sources(self, column: str, analysis: Mapping[str, Any] | None = None, seen: frozenset = frozenset()) -> set[str]:
        """The specimen time points a column is derived from: its ``{timepoint}_`` prefix, the
        compared time points of a change column, or those of the columns its expression reads."""
        if column in seen:
            return set()
        derived = self.derived(analysis)
        if column in derived:
            out: set[str] = set()
            for name in parse(derived[column]).columns:
                out |= self.sources(name, analysis, seen | {column})
            return out
        if column in CHANGE_COLUMNS:
            comparison = self.study.get("comparison") or {}
            return {comparison[k] for k in ("before", "after") if comparison.get(k)}
        return {t for t in self.timepoints() if column.startswith(f"{t}_")}

    def endpoint_of(self, time_column: str) -> tuple[str, dict] | None:
        for name, spec in (self.study.get("endpoints") or {}).items():
            if time_column == f"{name}_months":
                return name, spec
        return None

    def origin_months(self, spec: Mapping[str, Any], frame: pd.DataFrame) -> pd.Series | None:
        """Each patient's endpoint origin in months from the index date (the scale of the
        specimens' collection months), or None when the data cannot say."""
        if "line" in spec:
            if self.lines is None or "start_months" not in self.lines.columns:
                return None
            starts = self.lines[self.lines["line"] == spec["line"]].set_index("patient_key")["start_months"]
            return frame["patient_key"].map(starts).astype(float)
        if spec.get("origin") == self.study.get("index_date"):
            return pd.Series(0.0, index=frame.index)
        return None


def covariates_of(analysis: Mapping[str, Any]) -> list[str]:
    """The columns an analysis compares: Cox covariates, a test's group."""
    params = analysis.get("params", {})
    if analysis["type"] == "cox":
        covariates = params.get("covariates", [])
        return [covariates] if isinstance(covariates, str) else list(covariates)
    return [params["group"]] if params.get("group") else []


def tested_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a result that are tests (a p-value): Cox and logistic coefficients
    (not the intercept, not the model tests), a log-rank test, a table's tests."""
    if "p_value" not in table.columns:
        return table.iloc[0:0]
    rows = table[pd.to_numeric(table["p_value"], errors="coerce").notna()]
    if "row_kind" in rows.columns and rows["row_kind"].notna().any():
        rows = rows[rows["row_kind"] == "coefficient"]
    if "term" in rows.columns:
        rows = rows[rows["term"].astype(str) != "(Intercept)"]
    if "row_type" in rows.columns and rows["row_type"].notna().any():
        rows = rows[rows["row_type"] == "test"]
    return rows


def test_label(row: pd.Series) -> str:
    """A test's row, named: the variable of a table's test, else its term."""
    for column in ("variable", "term"):
        if column in row.index and isinstance(row[column], str) and row[column]:
            return row[column]
    return ""


def paper_test(results: Results, analysis: Mapping[str, Any], term: str | None = None) -> pd.Series | None:
    """The paper's test of an analysis (its first tested row, or the one of ``term``)."""
    rows = tested_rows(results.table(analysis["id"]))
    if term is not None:
        rows = rows[[term == test_label(r) or str(r.get("term", "")).startswith(f"{term}:") or r.get("term") == term for _, r in rows.iterrows()]]
    return rows.iloc[0] if len(rows) else None


def number(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out
