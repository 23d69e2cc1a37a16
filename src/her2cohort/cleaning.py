"""Cleaning: raw registry export -> typed, checked, pseudonymised tables.

Three passes, each collecting every problem before stopping, so that an analyst
fixes an export in one go:

1. **Parse** (:func:`read_raw_table`): the file's encoding, header (missing,
   duplicated, unknown and identifier-like columns) and every cell against its
   column's kind (:mod:`her2cohort.rawdata`). Accepted forms are documented on
   each parser.
2. **Validate** (:func:`validate_domains`): value domains (ranges, levels) with a
   pandera schema built from the same column specifications.
3. **Cross-check** (:func:`check_consistency`): duplicated patients and
   specimens, specimens of unknown patients, event dates before the index date,
   last contact before an event, IHC intensity percentages that do not sum to 100,
   post-treatment specimens dated before the index date.

Then :func:`apply_inclusion` applies the study's inclusion criteria, writing
every excluded row with its reason, and :func:`derive_times` turns dates into
months from each endpoint's origin. No identifier and no date leaves this module:
patients get a pseudonymous key, dates become months.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from her2cohort.classify import asco_cap_release
from her2cohort.errors import CohortDataError, DataIssue, StudyConfigError
from her2cohort.rawdata import (
    DAYS_PER_MONTH,
    DEFAULT_IDENTIFIER_POLICY,
    MISSING_MARKERS,
    MULTI_VALUE_SEPARATOR,
    TABLES,
    ColumnSpec,
    looks_like_direct_identifier,
)

LINE = "_line"  # the source line of each row, kept until the row is written out

# ---------------------------------------------------------------------------
# Cell parsers: str -> value, or raise ValueError(expected-form message).
# ---------------------------------------------------------------------------

_IHC_PATTERN = re.compile(r"^(?:her2\s*)?(?:ihc\s*)?\+?\s*([0-3])\s*(\+?)\s*$", re.IGNORECASE)


def parse_ihc_score(text: str) -> int:
    """Parse an IHC score as pathology reports write it.

    Accepted (case-insensitive, surrounding spaces ignored): ``0``, ``1+``,
    ``2+``, ``3+``, the bare digits ``1``, ``2``, ``3``, with an optional ``IHC``
    or ``HER2 IHC`` prefix (``IHC 3+``, ``HER2 2+``) and spaces before the plus
    (``2 +``). ``0+`` is read as 0. Ranges (``1-2+``), words (``negative``,
    ``equivocal``) and scores above 3 are refused: they are not scores, and
    guessing would change a patient's HER2 status.
    """
    match = _IHC_PATTERN.match(text)
    if not match:
        raise ValueError("expected an IHC score: 0, 1+, 2+ or 3+ (also 'IHC 2+', '2')")
    return int(match.group(1))


_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}


def parse_boolean(text: str) -> bool:
    """``yes/no``, ``y/n``, ``true/false``, ``1/0`` (case-insensitive)."""
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected yes or no (also y/n, true/false, 1/0)")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str) -> pd.Timestamp:
    """ISO 8601 calendar dates only (``2016-07-31``).

    Day-first and month-first exports (``03/04/2015``) are ambiguous, so they are
    refused rather than guessed: convert them when mapping the export.
    """
    if not _ISO_DATE.match(text):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise ValueError("expected a real calendar date as YYYY-MM-DD") from None


def parse_number(text: str) -> float:
    """A decimal number with a point (``4.36``); a trailing ``%`` is allowed."""
    cleaned = text[:-1].strip() if text.endswith("%") else text
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError("expected a number (decimal point, e.g. 4.36)") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


def parse_integer(text: str) -> int:
    """A whole number (``3``; ``3.0`` is accepted, ``3.5`` is not)."""
    value = parse_number(text)
    if abs(value) >= 1e15:  # beyond any count or score, and beyond exact int64 storage
        raise ValueError("expected a whole number of a sensible size")
    if value != int(value):
        raise ValueError("expected a whole number")
    return int(value)


def _level_lookup(spec: ColumnSpec) -> dict[str, str]:
    lookup = {level.lower(): level for level in spec.levels}
    lookup.update({k.lower(): v for k, v in spec.synonyms.items()})
    return lookup


def _categorical_parser(spec: ColumnSpec) -> Callable[[str], str]:
    lookup = _level_lookup(spec)
    expected = "expected one of: " + ", ".join(spec.levels)

    def parse(text: str) -> str:
        key = " ".join(text.lower().replace("_", " ").split())
        for candidate in (text.lower(), key, key.replace(" ", "_")):
            if candidate in lookup:
                return lookup[candidate]
        raise ValueError(expected)

    return parse


def _multi_parser(spec: ColumnSpec) -> Callable[[str], str]:
    single = _categorical_parser(spec)

    def parse(text: str) -> str:
        parts = [p.strip() for p in text.split(MULTI_VALUE_SEPARATOR) if p.strip()]
        values = sorted({single(p) for p in parts}, key=spec.levels.index)
        return MULTI_VALUE_SEPARATOR.join(values)

    return parse


def cell_parser(spec: ColumnSpec) -> Callable[[str], Any]:
    """The parser of a column's kind (missing markers are handled before it)."""
    simple = {
        "id": str,
        "text": str,
        "integer": parse_integer,
        "number": parse_number,
        "date": parse_date,
        "boolean": parse_boolean,
        "ihc_score": parse_ihc_score,
    }
    if spec.kind in simple:
        return simple[spec.kind]
    if spec.kind == "categorical":
        return _categorical_parser(spec)
    if spec.kind == "multi":
        return _multi_parser(spec)
    raise StudyConfigError(f"column {spec.name!r}: unknown kind {spec.kind!r}")


_DTYPES = {
    "id": "object",
    "text": "object",
    "categorical": "object",
    "multi": "object",
    "integer": "Int64",
    "ihc_score": "Int64",
    "number": "float64",
    "date": "datetime64[ns]",
    "boolean": "boolean",
}

# ---------------------------------------------------------------------------
# Pass 1: read and parse
# ---------------------------------------------------------------------------


def _decode(path: Path, issues: list[DataIssue]) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        issues.append(DataIssue(str(path), line, None, None, f"not valid UTF-8 (byte 0x{data[err.start]:02x}); save the export as UTF-8 CSV"))
        return None


def read_raw_table(
    path: str | Path,
    specs: tuple[ColumnSpec, ...],
    *,
    ignore_columns: tuple[str, ...] = (),
    identifier_columns: str = DEFAULT_IDENTIFIER_POLICY,
    notes: list[str] | None = None,
) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Read one raw CSV and parse every cell; return the typed frame and the issues.

    The frame has one column per known column present in the file (typed by
    its kind) plus ``_line``, the line number of each row in the file. Missing
    markers (:data:`her2cohort.rawdata.MISSING_MARKERS`) become NA. Cells with
    surrounding spaces are stripped. A column that looks like a direct
    identifier (:func:`~her2cohort.rawdata.looks_like_direct_identifier`) is
    an issue when ``identifier_columns`` is ``"refuse"``; when ``"drop"``, it
    is never read and a message is appended to ``notes``.
    """
    path = Path(path)
    issues: list[DataIssue] = []
    name = str(path)
    text = _decode(path, issues)
    if text is None:
        return pd.DataFrame(), issues
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return pd.DataFrame(), [DataIssue(name, None, None, None, "the file is empty (expected a header line)")]
    header = [h.strip() for h in header]
    by_name = {spec.name: spec for spec in specs}
    ignored = set(ignore_columns)
    seen: set[str] = set()
    for position, column in enumerate(header, start=1):
        if column in seen:
            issues.append(DataIssue(name, 1, column, None, f"column appears twice (again at position {position})"))
        seen.add(column)
        if looks_like_direct_identifier(column):
            if identifier_columns == "drop":
                if notes is not None:
                    notes.append(f"{name}: column '{column}' looks like a direct identifier: dropped unread (identifier_columns: drop)")
                continue
            issues.append(DataIssue(name, 1, column, None, "looks like a direct identifier (name, record number, birth date, address, ...); remove it from the export, or set identifier_columns: drop in the study's YAML"))
        elif column not in by_name and column not in ignored:
            issues.append(DataIssue(name, 1, column, None, "unknown column: not in the data dictionary (data/README.md) nor in the study's variables or ignore_columns"))
    for spec in specs:
        if spec.required and spec.name not in seen:
            issues.append(DataIssue(name, 1, spec.name, None, "required column is missing"))
    if issues:
        return pd.DataFrame(), issues

    used = [(i, by_name[c]) for i, c in enumerate(header) if c in by_name]
    width = len(header)
    # Each distinct raw value of a column is parsed once and spread to every row
    # that holds it (registry exports repeat dates, scores and categories
    # millions of times): the same parsers, values and messages as a
    # cell-by-cell pass, in the same order, for O(rows) hashing and
    # O(distinct values) parsing. Rows are taken in chunks to bound memory.
    outcomes: dict[str, dict[str, tuple[Any, str | None, str | None]]] = {spec.name: {} for _, spec in used}
    pieces: dict[str, list[pd.Series]] = {spec.name: [] for _, spec in used}
    found: list[tuple[int, int, DataIssue]] = []  # (line, column position, issue): sorted into file order
    lines: list[np.ndarray] = []
    blocks = _regular_file(text, width, [i for i, _ in used]) or _csv_blocks(reader, width, name, found, [i for i, _ in used])
    for row_lines, cells in blocks:
        lines.append(row_lines)
        for position, (index, spec) in enumerate(used):
            if spec.kind in ("id", "text"):
                # parsed as they are (stripped), with vectorised string methods: identifiers never repeat
                values, required = _text_cells(cells[index], spec)
                pieces[spec.name].append(values)
                for row in required:
                    found.append((int(row_lines[row]), position, DataIssue(name, int(row_lines[row]), spec.name, cells[index][row], "a value is required here")))
                continue
            codes, uniques = pd.factorize(cells[index])
            seen_values = outcomes[spec.name]
            parse = _cell_outcome(spec)
            results = [seen_values[u] if u in seen_values else seen_values.setdefault(u, parse(u)) for u in uniques]
            pieces[spec.name].append(pd.Series([r[0] for r in results], dtype=_DTYPES[spec.kind]).array.take(codes))
            bad = [k for k, r in enumerate(results) if r[1] is not None]
            for row in np.flatnonzero(np.isin(codes, bad)) if bad else ():
                _, message, shown = results[codes[row]]
                found.append((int(row_lines[row]), position, DataIssue(name, int(row_lines[row]), spec.name, shown, message)))
    issues += [issue for _, _, issue in sorted(found, key=lambda item: item[:2])]
    lines = np.concatenate(lines) if lines else np.array([], dtype="int64")
    if not len(lines) and not issues:
        issues.append(DataIssue(name, None, None, None, "the file has a header but no rows"))
    frame = pd.DataFrame(
        {
            spec.name: pd.Series(pd.concat([pd.Series(p) for p in pieces[spec.name]], ignore_index=True) if pieces[spec.name] else [], dtype=_DTYPES[spec.kind])
            for _, spec in used
        }
    )
    frame[LINE] = pd.Series(lines, dtype="int64")
    return frame, issues


#: Rows parsed at a time by :func:`read_raw_table` (bounds the memory of raw cells).
CHUNK_ROWS = 200_000


def _csv_blocks(reader, width: int, name: str, found: list, indices: list[int]):
    """The file's records, by chunks: (line numbers, {column index: its cells}).

    Blank lines are skipped; rows of the wrong width are reported in ``found``
    and skipped. The general path, for any file the csv module reads.
    """
    rows: list[list[str]] = []
    row_lines: list[int] = []

    def block():
        cells = list(zip(*rows))
        return np.array(row_lines, dtype="int64"), {i: np.array(cells[i], dtype=object) for i in indices}

    for row in reader:
        if not row:
            continue  # an empty line is no record; a line of empty fields is one, and is checked
        if len(row) != width:
            found.append((reader.line_num, -1, DataIssue(name, reader.line_num, None, None, f"has {len(row)} fields, the header has {width}")))
            continue
        rows.append(row)
        row_lines.append(reader.line_num)
        if len(rows) == CHUNK_ROWS:
            yield block()
            rows, row_lines = [], []
    if rows:
        yield block()


def _regular_file(text: str, width: int, indices: list[int]):
    """The same records as :func:`_csv_blocks`, read by pandas' C parser, for regular files.

    A file is regular when it has no quote character, no NUL, no carriage return
    outside a ``\r\n`` line end, and every non-blank line after the header has
    exactly ``width - 1`` commas: then each physical line is one record and each
    cell is the text between two commas, exactly as the csv module reads it, and
    line numbers are physical line numbers. Anything else returns None and
    takes the general path (which reports the offending rows).
    """
    if width < 2 or '"' in text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    data = text.encode("utf-8")
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    if len(data) and data[-1:] != b"\n":
        ends = np.append(ends, len(data))
    starts = np.concatenate([[0], ends[:-1] + 1])
    commas = np.flatnonzero(raw == ord(","))
    per_line = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    length = ends - starts - (raw[np.maximum(ends - 1, 0)] == ord("\r"))
    body = np.arange(len(ends)) > 0  # line 1 is the header
    blank = length <= 0
    if np.any(body & ~blank & (per_line != width - 1)):
        return None
    row_lines = np.flatnonzero(body & ~blank).astype("int64") + 1
    if not len(row_lines):
        return None
    frame = pd.read_csv(
        io.BytesIO(data), header=None, skiprows=1, usecols=indices, dtype=object, na_filter=False,
        keep_default_na=False, skip_blank_lines=True, quoting=csv.QUOTE_NONE, engine="c", encoding="utf-8",
    )
    if len(frame) != len(row_lines):
        return None
    return [(row_lines, {i: frame[i].to_numpy(dtype=object) for i in indices})]


def _text_cells(cells: np.ndarray, spec: ColumnSpec) -> tuple[pd.Series, np.ndarray]:
    """Text and identifier cells, stripped, missing markers as None (what :func:`_cell_outcome`
    gives for kinds parsed by ``str``), and the rows where a required value is missing."""
    # plain comprehensions: pandas' .str methods wrap every call in a lambda and cost 5x more
    longest = max(map(len, MISSING_MARKERS))
    stripped = np.array([cell.strip() for cell in cells], dtype=object)
    missing = np.fromiter((len(text) <= longest and text.lower() in MISSING_MARKERS for text in stripped), dtype=bool, count=len(stripped))
    stripped[missing] = None
    required = np.flatnonzero(missing) if not spec.nullable else np.array([], dtype=np.intp)
    return pd.Series(stripped, dtype=object), required


def _cell_outcome(spec: ColumnSpec) -> Callable[[str], tuple[Any, str | None, str | None]]:
    """raw cell -> (value, problem or None, value to quote in the problem)."""
    parser = cell_parser(spec)

    def outcome(cell: str):
        raw = cell.strip()
        if raw.lower() in MISSING_MARKERS:
            return (None, None, None) if spec.nullable else (None, "a value is required here", cell)
        try:
            return parser(raw), None, None
        except ValueError as err:
            return None, str(err), raw

    return outcome


# ---------------------------------------------------------------------------
# Pass 2: value domains, with pandera
# ---------------------------------------------------------------------------


def domain_schema(specs: tuple[ColumnSpec, ...]):
    """A pandera schema of the value domains (ranges) of a table's columns."""
    import pandera.pandas as pa

    columns = {}
    for spec in specs:
        checks = []
        if spec.minimum is not None:
            checks.append(pa.Check.gt(spec.minimum) if spec.exclusive_minimum else pa.Check.ge(spec.minimum))
        if spec.maximum is not None:
            checks.append(pa.Check.le(spec.maximum))
        if spec.kind in ("categorical",) and spec.levels:
            checks.append(pa.Check.isin(list(spec.levels)))
        columns[spec.name] = pa.Column(checks=checks, nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False)


def _describe_range(spec: ColumnSpec) -> str:
    low = "" if spec.minimum is None else (f"> {spec.minimum:g}" if spec.exclusive_minimum else f">= {spec.minimum:g}")
    high = "" if spec.maximum is None else f"<= {spec.maximum:g}"
    unit = f" {spec.unit}" if spec.unit and spec.unit != "%" else ("%" if spec.unit == "%" else "")
    return "expected a value " + " and ".join(p for p in (low, high) if p) + unit


def validate_domains(frame: pd.DataFrame, specs: tuple[ColumnSpec, ...], name: str) -> list[DataIssue]:
    """Check every value against its column's range and levels (pandera, lazy)."""
    import pandera.pandas as pa

    if frame.empty:
        return []
    by_name = {spec.name: spec for spec in specs}
    try:
        domain_schema(specs).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        issues = []
        for column, index, value in zip(cases["column"], cases["index"], cases["failure_case"]):
            spec = by_name.get(column)
            line = int(frame.loc[index, LINE]) if index is not None and not pd.isna(index) else None
            expected = _describe_range(spec) if spec is not None else "invalid value"
            issues.append(DataIssue(name, line, column, _fmt(value), expected))
        return sorted(issues, key=lambda i: (i.line or 0, i.column or ""))
    return []


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


# ---------------------------------------------------------------------------
# Study configuration helpers
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Pass 3: consistency across rows and tables
# ---------------------------------------------------------------------------

INTENSITY_COLUMNS = ("pct_cells_0", "pct_cells_1plus", "pct_cells_2plus", "pct_cells_3plus")
#: Intensity percentages must add up to 100 within this tolerance (rounded exports).
PERCENT_SUM_TOLERANCE = 0.5
#: Time points that follow the index treatment: their specimens cannot predate it.
POST_INDEX_TIMEPOINTS = ("post_progression", "post_treatment")


def _flag(issues: list[DataIssue], frame: pd.DataFrame, mask: pd.Series, file: str, column: str, expected, value=None) -> None:
    """One issue per row where ``mask`` holds; ``expected`` and ``value`` may be
    functions of the row (for messages that quote another cell)."""
    for _, row in frame.loc[mask.fillna(False).astype(bool)].iterrows():
        shown = value(row) if callable(value) else _fmt(row[column])
        issues.append(DataIssue(file, int(row[LINE]), column, shown, expected(row) if callable(expected) else expected))


def check_consistency(tables: dict[str, pd.DataFrame], files: dict[str, str], index_date: str) -> list[DataIssue]:
    """Cross-row and cross-table checks; every finding names file, line and column."""
    issues: list[DataIssue] = []
    patients = tables["patients"]
    pfile = files["patients"]

    first_line = patients.drop_duplicates("patient_id").set_index("patient_id")[LINE]
    _flag(issues, patients, patients["patient_id"].duplicated(), pfile, "patient_id", lambda r: f"duplicated patient (first at line {first_line[r['patient_id']]})")

    def later(a: str, b: str, message: str) -> None:
        """Dates in the order time runs: ``a`` must not be after ``b``."""
        if a in patients and b in patients:
            _flag(issues, patients, patients[a] > patients[b], pfile, a, lambda r: message.format(b=b, value=_fmt(r[b])))

    if index_date in patients:
        for event in ("progression_date", "death_date", "conversion_surgery_date", "last_contact_date"):
            later(index_date, event, f"{index_date} is after {{b}} ({{value}}): an event cannot precede the index date")
    for event in ("progression_date", "death_date", "conversion_surgery_date"):
        later(event, "last_contact_date", "is after last_contact_date ({value}): last contact cannot precede an event")
    later("last_contact_date", "death_date", "is after death_date ({value}): no contact after death")
    later("diagnosis_date", "recurrence_date", "is after recurrence_date ({value})")
    if "death_cause" in patients and "death_date" in patients:
        orphan = patients["death_cause"].notna() & patients["death_date"].isna()
        _flag(issues, patients, orphan, pfile, "death_cause", "a cause of death is given but death_date is empty")

    known_patients = set(patients["patient_id"])
    specimens = tables.get("specimens")
    if specimens is not None and not specimens.empty:
        sfile = files["specimens"]
        _flag(issues, specimens, ~specimens["patient_id"].isin(known_patients), sfile, "patient_id", "no such patient in patients.csv")
        dup = specimens["specimen_id"].duplicated()
        _flag(issues, specimens, dup, sfile, "specimen_id", "duplicated specimen")
        twice = specimens.duplicated(["patient_id", "timepoint"]) & ~dup
        _flag(issues, specimens, twice, sfile, "timepoint", lambda r: f"patient {r['patient_id']!r} already has a {r['timepoint']} specimen; combine the specimens of one time point into one row (fragment counts add up)")
        present = [c for c in INTENSITY_COLUMNS if c in specimens]
        if present:
            given = specimens[present].notna().any(axis=1)
            total = specimens[present].sum(axis=1, min_count=1)
            if "pct_cells_0" in present:
                bad = given & ((total - 100).abs() > PERCENT_SUM_TOLERANCE)
                expected = "intensity percentages (0, 1+, 2+, 3+) must add up to 100"
            else:  # the unstained share is implied
                bad = given & (total > 100 + PERCENT_SUM_TOLERANCE)
                expected = "intensity percentages (1+, 2+, 3+) add up to more than 100"
            _flag(issues, specimens, bad, sfile, "+".join(present), expected, value=lambda r: _fmt(r[present].sum()))
        positive, tumour = "n_fragments_her2_positive", "n_fragments_tumour"
        if positive in specimens and tumour in specimens:
            _flag(issues, specimens, specimens[positive] > specimens[tumour], sfile, positive, lambda r: f"more HER2-positive fragments than tumour fragments ({_fmt(r[tumour])})")
        if "collection_date" in specimens and index_date in patients:
            origin = specimens["patient_id"].map(patients.drop_duplicates("patient_id").set_index("patient_id")[index_date])
            bad = specimens["timepoint"].isin(POST_INDEX_TIMEPOINTS) & (specimens["collection_date"] < origin)
            _flag(issues, specimens, bad, sfile, "collection_date", lambda r: f"a {r['timepoint']} specimen cannot be taken before the patient's {index_date}")

    lines_table = tables.get("treatment_lines")
    if lines_table is not None and not lines_table.empty:
        lfile = files["treatment_lines"]
        _flag(issues, lines_table, ~lines_table["patient_id"].isin(known_patients), lfile, "patient_id", "no such patient in patients.csv")
        dup = lines_table.duplicated(["patient_id", "line"])
        _flag(issues, lines_table, dup, lfile, "line", lambda r: f"patient {r['patient_id']!r} has this line twice")
        for column in ("end_date", "progression_date"):
            if column in lines_table:
                _flag(issues, lines_table, lines_table[column] < lines_table["start_date"], lfile, column, "is before start_date")
    return sorted(issues, key=lambda i: (i.file, i.line or 0, i.column or ""))


# ---------------------------------------------------------------------------
# Inclusion criteria and flow
# ---------------------------------------------------------------------------


def _criterion_mask(criterion: dict, patients: pd.DataFrame, specimens: pd.DataFrame | None) -> pd.Series:
    """Patients meeting one declarative criterion (see the study schema)."""
    if "not_missing" in criterion:
        column = criterion["not_missing"]
        if column not in patients:
            raise StudyConfigError(f"inclusion: column {column!r} of not_missing is not in patients.csv")
        return patients[column].notna()
    if "in" in criterion:
        column, values = criterion["in"]["column"], criterion["in"]["values"]
        if column not in patients:
            raise StudyConfigError(f"inclusion: column {column!r} of in is not in patients.csv")
        return patients[column].isin(values)
    if "has_specimen" in criterion:
        timepoint = criterion["has_specimen"]
        needed = criterion.get("with", [])
        if specimens is None or specimens.empty:
            return pd.Series(False, index=patients.index)
        missing_cols = [c for c in needed if c not in specimens]
        if missing_cols:
            return pd.Series(False, index=patients.index)
        ok = specimens["timepoint"] == timepoint
        for column in needed:
            ok &= specimens[column].notna()
        return patients["patient_id"].isin(specimens.loc[ok, "patient_id"])
    if "query" in criterion:
        try:
            keep = patients.eval(criterion["query"], engine="python")
        except Exception as err:  # the expression is the user's; say what failed
            raise StudyConfigError(f"inclusion: query {criterion['query']!r} failed: {err}") from None
        return pd.Series(keep, index=patients.index).fillna(False).astype(bool)
    raise StudyConfigError(f"inclusion: unknown criterion {sorted(criterion)}")


def apply_inclusion(
    patients: pd.DataFrame,
    specimens: pd.DataFrame | None,
    inclusion: list[dict],
    registry_label: str = "Registry",
) -> tuple[pd.Series, pd.DataFrame, list[tuple[int, str]]]:
    """Apply the criteria in order; return (kept mask, flow table, per-row exclusion).

    A patient excluded at one step is not counted again at later steps, so the
    flow reads as a CONSORT-style diagram: each step's ``n_excluded`` plus its
    ``n_remaining`` equals the previous step's ``n_remaining``.
    """
    kept = pd.Series(True, index=patients.index)
    flow = [{"step": 0, "label": registry_label, "n_remaining": int(len(patients)), "n_excluded": 0, "reason": ""}]
    excluded: dict[int, str] = {}
    for number, criterion in enumerate(inclusion, start=1):
        meets = _criterion_mask(criterion["require"], patients, specimens)
        dropped = kept & ~meets
        for index in patients.index[dropped]:
            excluded[index] = criterion["reason"]
        kept &= meets
        flow.append({"step": number, "label": criterion["label"], "n_remaining": int(kept.sum()), "n_excluded": int(dropped.sum()), "reason": criterion["reason"]})
    return kept, pd.DataFrame(flow), sorted(excluded.items())


# ---------------------------------------------------------------------------
# Dates -> months
# ---------------------------------------------------------------------------


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """(end - start) in months of :data:`~her2cohort.rawdata.DAYS_PER_MONTH` days."""
    return (end - start).dt.days / DAYS_PER_MONTH


def derive_endpoint(patients: pd.DataFrame, lines: pd.DataFrame | None, name: str, spec: dict) -> pd.DataFrame:
    """Time in months and event indicator (1 event, 0 censored) for one endpoint.

    Convention: time runs from ``origin`` (a patient date, or the start of a
    treatment ``line``) to the earliest of the ``events`` dates (event = 1);
    without an event, to the earliest of ``censor_at`` dates and
    ``last_contact_date`` (event = 0). ``death_cause`` restricts death to one
    cause (BCSS: other deaths are censored at death). A censoring date before
    the event wins (PFS censored at conversion surgery). A patient without an
    origin (no such treatment line) has no value.
    """
    frame = patients[["patient_id"]].copy()
    if "line" in spec:
        if lines is None or lines.empty:
            raise StudyConfigError(f"endpoints.{name}: uses treatment line {spec['line']} but the cohort has no treatment_lines.csv")
        line = lines[lines["line"] == spec["line"]].set_index("patient_id")
        origin = patients["patient_id"].map(line["start_date"])
        line_progression = patients["patient_id"].map(line["progression_date"])
    else:
        if spec["origin"] not in patients:
            raise StudyConfigError(f"endpoints.{name}: origin {spec['origin']!r} is not a column of patients.csv")
        origin = patients[spec["origin"]]
        line_progression = None

    def date_column(column: str) -> pd.Series:
        if line_progression is not None and column == "progression_date":
            return line_progression
        if column not in patients:
            raise StudyConfigError(f"endpoints.{name}: column {column!r} is not in patients.csv")
        return patients[column]

    event_dates = []
    for column in spec["events"]:
        dates = date_column(column)
        if column == "death_date" and spec.get("death_cause"):
            dates = dates.where(patients.get("death_cause") == spec["death_cause"])
        event_dates.append(dates.where(dates >= origin))
    first_event = pd.concat(event_dates, axis=1).min(axis=1) if event_dates else pd.Series(pd.NaT, index=patients.index)
    censor_dates = [date_column(c).where(date_column(c) >= origin) for c in spec.get("censor_at", [])]
    censor_dates.append(patients["last_contact_date"])
    if spec.get("death_cause") and "death_date" in patients:
        censor_dates.append(patients["death_date"])  # death of another cause ends follow-up
    censor = pd.concat(censor_dates, axis=1).min(axis=1)
    has_event = first_event.notna() & ~(censor < first_event)
    end = first_event.where(has_event, censor)
    frame[f"{name}_months"] = months_between(origin, end).where(origin.notna())
    frame[f"{name}_event"] = has_event.astype("Int64").where(origin.notna())
    return frame.drop(columns="patient_id")


# ---------------------------------------------------------------------------
# The whole stage
# ---------------------------------------------------------------------------


@dataclass
class CleanCohort:
    """The cleaned tables of one study, pseudonymised, dates turned into months."""

    patients: pd.DataFrame
    specimens: pd.DataFrame
    treatment_lines: pd.DataFrame
    exclusions: pd.DataFrame
    flow: pd.DataFrame
    row_counts: pd.DataFrame  # per table: raw = analysed + excluded
    notes: list[str] = field(default_factory=list)  # for the clean log (e.g. identifier columns dropped)


def read_cohort(raw_dir: str | Path, study: dict, notes: list[str] | None = None) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Parse, validate and cross-check the raw tables of a cohort, or raise with every issue.

    Messages that are not errors (identifier columns dropped) are appended to ``notes``.
    """
    raw_dir = Path(raw_dir)
    specs = study_specs(study)
    ignore = tuple(study.get("ignore_columns", []))
    policy = study.get("identifier_columns", DEFAULT_IDENTIFIER_POLICY)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    issues: list[DataIssue] = []
    for table in ("patients", "specimens", "treatment_lines"):
        path = raw_dir / f"{table}.csv"
        files[table] = str(path)
        if not path.exists():
            if table == "patients":
                issues.append(DataIssue(str(path), None, None, None, "file not found (every cohort needs patients.csv)"))
            tables[table] = pd.DataFrame()
            continue
        frame, found = read_raw_table(path, specs[table], ignore_columns=ignore, identifier_columns=policy, notes=notes)
        # Cells that failed to parse are NA, so the domain check adds only new findings.
        issues += sorted(found + validate_domains(frame, specs[table], str(path)), key=lambda i: (i.line or 0, i.column or ""))
        tables[table] = frame
    if issues:
        raise CohortDataError(issues)
    issues = check_consistency(tables, files, study.get("index_date", "treatment_start_date"))
    if issues:
        raise CohortDataError(issues)
    return tables, files


def pseudonymise(patients: pd.DataFrame) -> pd.Series:
    """Patient keys P001, P002, ... in the order of the raw file (stable, not the identifier)."""
    width = max(3, len(str(len(patients))))
    return pd.Series([f"P{i:0{width}d}" for i in range(1, len(patients) + 1)], index=patients.index)


def clean_cohort(raw_dir: str | Path, study: dict) -> CleanCohort:
    """Run the cleaning stage on one cohort folder; see the module docstring."""
    notes: list[str] = []
    tables, files = read_cohort(raw_dir, study, notes)
    patients, specimens, lines = tables["patients"], tables["specimens"], tables["treatment_lines"]
    index_date = study.get("index_date", "treatment_start_date")
    if index_date not in patients:
        raise StudyConfigError(f"index_date: column {index_date!r} is not in {files['patients']}")

    kept, flow, excluded_rows = apply_inclusion(patients, specimens, study.get("inclusion", []), study.get("registry_label", "Registry"))
    key = pseudonymise(patients)
    # Whole columns at a time, not row by row: a registry excludes many thousands.
    excluded_index = [i for i, _ in excluded_rows]
    reasons = [reason for _, reason in excluded_rows]
    exclusions = [pd.DataFrame({"table": "patients", "line": patients.loc[excluded_index, LINE].to_numpy(dtype="int64"), "reason": reasons})]
    reason_of = pd.Series(reasons, index=patients.loc[excluded_index, "patient_id"].to_numpy(), dtype=object)
    reason_of = reason_of[~reason_of.index.duplicated(keep="last")]
    for table, frame in (("specimens", specimens), ("treatment_lines", lines)):
        if frame.empty:
            continue
        dropped = frame[~frame["patient_id"].isin(patients.loc[kept, "patient_id"])]
        exclusions.append(pd.DataFrame({"table": table, "line": dropped[LINE].to_numpy(dtype="int64"), "reason": ("patient excluded: " + dropped["patient_id"].map(reason_of).astype(object)).to_numpy(dtype=object)}))
    if sum(len(e) for e in exclusions):
        exclusions_frame = pd.concat(exclusions, ignore_index=True)
    else:
        exclusions_frame = pd.DataFrame([], columns=["table", "line", "reason"])

    # Dates -> months, per endpoint and per declared interval.
    out = pd.DataFrame({"patient_key": key})
    date_columns = [s.name for s in study_specs(study)["patients"] if s.kind == "date"]
    keep_columns = [c for c in patients.columns if c not in date_columns and c not in ("patient_id", LINE)]
    out = pd.concat([out, patients[keep_columns]], axis=1)
    for name, spec in study.get("endpoints", {}).items():
        out = pd.concat([out, derive_endpoint(patients, lines, name, spec)], axis=1)
    for name, (start, end) in study.get("intervals", {}).items():
        for column in (start, end):
            if column not in patients:
                raise StudyConfigError(f"intervals.{name}: column {column!r} is not in patients.csv")
        out[name] = months_between(patients[start], patients[end])
    origin = patients.set_index("patient_id")[index_date]
    key_of = pd.Series(key.values, index=patients["patient_id"])

    def relative(frame: pd.DataFrame, dates: list[str]) -> pd.DataFrame:
        if frame.empty:
            return frame
        frame = frame[frame["patient_id"].isin(patients.loc[kept, "patient_id"])].copy()
        start = frame["patient_id"].map(origin)
        for column in dates:
            if column in frame:
                frame[column.replace("_date", "_months")] = months_between(start, frame[column])
                frame = frame.drop(columns=column)
        frame.insert(0, "patient_key", frame["patient_id"].map(key_of))
        return frame.drop(columns=[c for c in ("patient_id", "specimen_id", LINE) if c in frame])

    if study.get("her2_guideline") == "asco_cap_at_diagnosis" and "collection_date" in specimens:
        # Each sample is scored by the guideline in force when it was taken; the
        # release label survives cleaning, the date does not.
        specimens = specimens.assign(asco_cap_release=asco_cap_release(specimens["collection_date"]))
    clean_specimens = relative(specimens, ["collection_date"])
    clean_lines = relative(lines, ["start_date", "end_date", "progression_date"])
    counts = []
    for table, frame in (("patients", patients), ("specimens", specimens), ("treatment_lines", lines)):
        n_excluded = int((exclusions_frame["table"] == table).sum())
        counts.append({"table": table, "raw_rows": int(len(frame)), "analysed": int(len(frame)) - n_excluded, "excluded": n_excluded})
    counts_frame = pd.DataFrame(counts)
    assert (counts_frame["raw_rows"] == counts_frame["analysed"] + counts_frame["excluded"]).all()
    return CleanCohort(
        patients=out[kept.values].reset_index(drop=True),
        specimens=clean_specimens.reset_index(drop=True) if not clean_specimens.empty else clean_specimens,
        treatment_lines=clean_lines.reset_index(drop=True) if not clean_lines.empty else clean_lines,
        exclusions=exclusions_frame,
        flow=flow,
        row_counts=counts_frame,
        notes=notes,
    )
