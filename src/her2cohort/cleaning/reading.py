"""Reading a raw CSV: encoding, header and every cell, with file, line and column of each problem.

The first pass of cleaning (:func:`read_raw_table`). It collects every problem
in a file before stopping, so an analyst fixes an export in one go: a file
that is not UTF-8, a header with missing, duplicated, unknown or
identifier-like columns (an unknown one with the nearest column the file
lacks), rows of the wrong width, and each cell that its column's parser
(:mod:`.cells`) refuses, quoted with its line: a header problem does not stop
the cells of the known columns being read. Each row keeps
its source line in the column :data:`LINE` until it is written out, so that
later checks (:mod:`.domains`, :mod:`.consistency`) and the exclusions name
lines too.

Registries export millions of rows that repeat the same dates, scores and
categories: each distinct raw value of a column is parsed once, and regular
files (no quotes) are split by pandas' C parser instead of the csv module.
Both shortcuts give the same values and messages as a cell-by-cell pass.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from her2cohort.cleaning.cells import DTYPES, cell_parser
from her2cohort.errors import DataIssue, did_you_mean
from her2cohort.rawdata import DEFAULT_IDENTIFIER_POLICY, MISSING_MARKERS, ColumnSpec, looks_like_direct_identifier

LINE = "_line"  # the source line of each row, kept until the row is written out


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
    rows_required: bool = True,
) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Read one raw CSV and parse every cell; return the typed frame and the issues.

    The frame has one column per known column present in the file (typed by
    its kind) plus ``_line``, the line number of each row in the file. Missing
    markers (:data:`her2cohort.rawdata.MISSING_MARKERS`) become NA. Cells with
    surrounding spaces are stripped. A column that looks like a direct
    identifier (:func:`~her2cohort.rawdata.looks_like_direct_identifier`) is
    an issue when ``identifier_columns`` is ``"refuse"``; when ``"drop"``, it
    is never read and a message is appended to ``notes``.

    A problem with the header (an unknown, duplicated, identifier-like or
    missing column) does not stop the reading: the known columns are parsed
    all the same (a duplicated column from its first occurrence), so one run
    reports the header and every bad cell. ``rows_required``: a file with a
    header and no rows is an issue (patients.csv); when False it is a table
    without rows (specimens.csv and treatment_lines.csv of a cohort that has
    none).
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
    parsed: list[tuple[int, ColumnSpec]] = []  # (position in the header, its spec): the first of a duplicated column
    for position, column in enumerate(header, start=1):
        if column in seen:
            issues.append(DataIssue(name, 1, column, None, f"column appears twice (again at position {position})"))
            continue
        seen.add(column)
        if looks_like_direct_identifier(column):
            if identifier_columns == "drop":
                if notes is not None:
                    notes.append(f"{name}: column '{column}' looks like a direct identifier: dropped unread (identifier_columns: drop)")
                continue
            issues.append(DataIssue(name, 1, column, None, "looks like a direct identifier (name, record number, birth date, address, ...); remove it from the export, or set identifier_columns: drop in the study's YAML"))
        elif column in by_name:
            parsed.append((position - 1, by_name[column]))
        elif column not in ignored:
            # the nearest of the columns this file does not have yet (one it has cannot be meant)
            hint = did_you_mean(column, by_name, f"the columns of {path.name}", suggest_from=[c for c in by_name if c not in header])
            joined = " " if hint.startswith("(") else "; "
            issues.append(DataIssue(name, 1, column, None, f"unknown column: not in the data dictionary (data/README.md) nor in the study's variables or ignore_columns{joined}{hint}"))
    for spec in specs:
        if spec.required and spec.name not in seen:
            issues.append(DataIssue(name, 1, spec.name, None, "required column is missing"))

    used = parsed
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
            pieces[spec.name].append(pd.Series([r[0] for r in results], dtype=DTYPES[spec.kind]).array.take(codes))
            bad = [k for k, r in enumerate(results) if r[1] is not None]
            for row in np.flatnonzero(np.isin(codes, bad)) if bad else ():
                _, message, shown = results[codes[row]]
                found.append((int(row_lines[row]), position, DataIssue(name, int(row_lines[row]), spec.name, shown, message)))
    issues += [issue for _, _, issue in sorted(found, key=lambda item: item[:2])]
    lines = np.concatenate(lines) if lines else np.array([], dtype="int64")
    if not len(lines) and rows_required and not any(issue.line != 1 for issue in issues):
        issues.append(DataIssue(name, None, None, None, "the file has a header but no rows"))
    frame = pd.DataFrame(
        {
            spec.name: pd.Series(pd.concat([pd.Series(p) for p in pieces[spec.name]], ignore_index=True) if pieces[spec.name] else [], dtype=DTYPES[spec.kind])
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

