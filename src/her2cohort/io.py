"""Reading the study configuration and writing outputs, for the rule scripts.

Outputs are deterministic: same input, byte-identical files (fixed column order,
no index, ``\\n`` line endings, floats in their shortest round-trip form).

Outputs are written atomically: into a temporary file in the same folder, then
renamed over the final name with :func:`os.replace` (atomic on POSIX within a
file system). A job that is killed, runs out of disk or raises half-way leaves
the previous file or no file under the final name, never a truncated one that
a later run could take for a finished output. The temporary file is hidden
(``.{name}.{random}.partial{suffix}``) and removed when the write fails; one
left behind by a killed process is removed by the next write of the same file.

Stages hand frames to each other exactly (:func:`write_frame`, :func:`read_table`
of a ``.feather`` file): beside the CSV a person opens, a stage writes the same
frame as Arrow IPC (Feather v2, lz4), which gives every float back bit for bit
and every column its dtype. A CSV read with pandas' default parser is not exact
(5,134 of 21,944 float cells of the bundled studies came back off by up to
6.5e-13 relative) and is ten times slower to write and read at 10^6 patients.

The large tables (a row per patient, specimen or treatment line) are written by
their stage as the exact copy alone (:func:`write_exchange`); their CSV is
written later, beside the next stage, from that copy (:func:`readable_copy`,
the ``readable_tables`` rule): writing it is most of what those stages cost at
10^6 patients, and no stage reads it. The round trip is exact, so the CSV is
byte for byte the one :func:`write_frame` would have written.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Iterator

import numpy as np
import pandas as pd

from her2cohort.errors import CohortDataError, StudyConfigError

#: Marks the temporary files of :func:`atomic_path` (``.{name}.{random}.partial{suffix}``).
PARTIAL_MARK = ".partial"

#: Write errors that mean "no room": the disk or the quota is full, or the file
#: exceeds the size limit (``ulimit -f``). Reported as a message, not a traceback.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _remove_stale_partials(path: Path) -> None:
    """Delete temporaries of ``path`` left by a process killed before its rename."""
    for stale in path.parent.glob(f".{path.name}.*{PARTIAL_MARK}{path.suffix}"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write ``path`` through; renamed over ``path`` on success.

    For libraries that write to a file name (``figure.savefig``,
    ``document.save``): write to the yielded path, which keeps ``path``'s
    suffix so that format detection still works. If the block raises, the
    temporary file is deleted and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(path)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f"{PARTIAL_MARK}{path.suffix}")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(err, OSError) and err.errno in DISK_FULL and err.filename is None:
            raise OSError(err.errno, err.strerror, str(path)) from err  # name the output, not the temporary
        raise


def _read_umask() -> int:
    mask = os.umask(0)  # the only portable way to read it; done once, at import
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = "") -> Iterator[IO]:
    """An open file whose content replaces ``path`` only when the block completes.

    ``mode`` is ``"w"`` (text; ``newline=""`` keeps ``\\n`` as written) or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write opens files for writing only ('w' or 'wb'), not {mode!r}")
    with atomic_path(path) as tmp:
        if mode == "wb":
            with open(tmp, "wb") as handle:
                yield handle
        else:
            with open(tmp, "w", encoding=encoding, newline=newline) as handle:
                yield handle


def write_text(path: str | Path, text: str) -> None:
    """Write a text file (UTF-8, line endings as given) atomically."""
    with atomic_write(path) as handle:
        handle.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write a binary file atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)


#: The timestamp :func:`stable_zip` gives every member of a zip container: the
#: earliest a zip can hold, the convention of reproducible-builds tools.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def stable_zip(data: bytes) -> bytes:
    """The same zip archive (a docx, an xlsx) with the time of writing taken out.

    ``zipfile`` stamps each member with the current time, so the same document
    written a minute later differs byte for byte. Members are kept in their
    order and content, re-deflated, with :data:`ZIP_EPOCH` as time and fixed
    permissions.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3  # Unix, whatever the platform writing it
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV atomically (a partial file is never left under the final name)."""
    with atomic_write(path) as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")


#: The suffix of the exact copy of a table that the next stage reads (:func:`write_frame`).
EXCHANGE_SUFFIX = ".feather"
#: Schema metadata key: how each text column marks a missing value (see :func:`write_exchange`).
_MISSING_KEY = b"her2cohort.missing"
_SENTINELS = {"nan": float("nan"), "none": None, "na": pd.NA, "nat": pd.NaT}


def exchange_path(csv_path: str | Path) -> Path:
    """The exact copy of the table ``csv_path`` (``patients.csv`` -> ``patients.feather``)."""
    return Path(csv_path).with_suffix(EXCHANGE_SUFFIX)


def _sentinel(value) -> str | None:
    if value is None:
        return "none"
    if value is pd.NA:
        return "na"
    if value is pd.NaT:
        return "nat"
    if isinstance(value, float) and value != value:
        return "nan"
    return None


def _missing_markers(frame: pd.DataFrame) -> dict:
    """For each object column holding missing values, how they were marked: one kind
    (``"nan"``) or, when the column mixes kinds, the row positions of each."""
    markers = {}
    for column in frame.columns:
        series = frame[column]
        if series.dtype != object:
            continue
        missing = series.isna().to_numpy()
        if not missing.any():
            continue
        positions = missing.nonzero()[0]
        kinds = np.array([_sentinel(value) or "none" for value in series.to_numpy(dtype=object)[positions]], dtype=object)
        found = sorted(set(kinds))
        markers[str(column)] = found[0] if len(found) == 1 else {kind: positions[kinds == kind].tolist() for kind in found}
    return markers


#: Schema metadata key: the object columns holding values of several types (see :func:`_tagged`).
_TAGGED_KEY = b"her2cohort.tagged"
#: The exact text of each type a tagged column may hold, and how to read it back.
_ENCODE = {
    str: ("str", str),
    bool: ("bool", str),
    int: ("int", str),
    float: ("float", float.hex),
    np.bool_: ("np.bool_", lambda v: str(bool(v))),
    np.int64: ("np.int64", str),
    np.float64: ("np.float64", lambda v: float(v).hex()),
}
_DECODE = {
    "str": str,
    "bool": lambda t: t == "True",
    "int": int,
    "float": float.fromhex,
    "np.bool_": lambda t: np.bool_(t == "True"),
    "np.int64": np.int64,
    "np.float64": lambda t: np.float64(float.fromhex(t)),
}


def _tagged(series: pd.Series) -> pd.Series:
    """An object column of several types (a result's ``level``: text, booleans, numbers) as
    text that says each value's type and its exact value (a float in hexadecimal)."""

    def encode(value):
        if pd.isna(value) if not isinstance(value, (list, tuple)) else False:
            return None
        try:
            tag, text = _ENCODE[type(value)]
        except KeyError:
            raise TypeError(f"column {series.name!r}: cannot hand over a {type(value).__name__} exactly") from None
        return f"{tag}:{text(value)}"

    return series.map(encode).astype(object)


def _untagged(series: pd.Series) -> pd.Series:
    def decode(text):
        if text is None:
            return None
        tag, _, value = text.partition(":")
        return _DECODE[tag](value)

    return series.map(decode).astype(object)


def write_exchange(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` exactly as Arrow IPC (Feather v2, lz4), atomically.

    Floats keep every bit and columns their dtype (``Int64``, ``boolean``,
    ``category`` included); Arrow has one null, so how each text column marked
    its missing values (NaN, None, ``pd.NA``) is kept in the file's metadata and
    restored by :func:`read_exchange`. The row index is not kept (as in the CSV).
    """
    import json

    import pyarrow as pa
    import pyarrow.feather as feather

    default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1
    frame = frame.copy(deep=False) if default_index else frame.reset_index(drop=True)  # (no copy of the data)
    frame.attrs = {}  # not data: the CSV never kept them either
    markers = _missing_markers(frame)
    # text columns are Arrow's own; any other object column (booleans, which Arrow would
    # give back as a bool dtype, several types, numbers held as objects) is tagged text
    tagged = [str(c) for c in frame.columns if frame[c].dtype == object and pd.api.types.infer_dtype(frame[c], skipna=True) not in ("string", "empty")]
    if tagged:
        frame = frame.assign(**{column: _tagged(frame[column]) for column in tagged})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for index, column in enumerate(frame.columns):
        if isinstance(frame[column].dtype, np.dtype) and frame[column].dtype.kind == "f":
            # a NaN as a value with its bits (sign, payload), not turned into Arrow's null
            table = table.set_column(index, table.field(index), pa.array(frame[column].to_numpy(), from_pandas=False))
    extra = {_MISSING_KEY: json.dumps(markers, sort_keys=True).encode()} if markers else {}
    if tagged:
        extra[_TAGGED_KEY] = json.dumps(tagged).encode()
    if extra:
        table = table.replace_schema_metadata({**table.schema.metadata, **extra})
    with atomic_path(path) as partial:
        feather.write_feather(table, str(partial), compression="lz4")


def read_exchange(path: str | Path) -> pd.DataFrame:
    """The frame :func:`write_exchange` wrote: the same values, bit for bit, and dtypes."""
    import json

    import pyarrow.feather as feather

    table = feather.read_table(str(path), memory_map=False)
    frame = table.to_pandas()
    metadata = table.schema.metadata or {}
    for column in json.loads(metadata.get(_TAGGED_KEY, b"[]")):
        frame[column] = _untagged(frame[column])
    markers = json.loads(metadata.get(_MISSING_KEY, b"{}"))
    for column, marker in markers.items():
        series = frame[column].astype(object, copy=True)
        if isinstance(marker, str):
            series[series.isna()] = _SENTINELS[marker]
        else:
            for kind, rows in marker.items():
                series.iloc[rows] = _SENTINELS[kind]
        frame[column] = series
    return frame


def write_frame(frame: pd.DataFrame, path: str | Path, exact: str | Path | None = None) -> None:
    """Write a table a later stage reads: the CSV ``path`` for people, and its exact copy
    ``exact`` (default :func:`exchange_path` of ``path``) that the next stage reads with
    :func:`read_table`. For a large table, write the copy alone and the CSV later with
    :func:`readable_copy` (the same bytes)."""
    write_exchange(frame, exchange_path(path) if exact is None else exact)
    write_table(frame, path)


def readable_copy(exact: str | Path, path: str | Path) -> pd.DataFrame:
    """Write the CSV ``path`` of the table whose exact copy is ``exact`` (a ``.feather``
    file :func:`write_exchange` wrote), and return the frame.

    The CSV is the one :func:`write_frame` would have written beside the copy, byte
    for byte: the frame read back is the frame written (values, dtypes, missing
    markers; :func:`read_exchange`) and goes through the same :func:`write_table`.
    A stage can so hand its large tables over as exact copies alone and leave their
    CSVs, for people only, to a job that runs beside the next stage.
    """
    frame = read_exchange(exact)
    write_table(frame, path)
    return frame


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table a stage wrote: its exact copy (``.feather``, :func:`read_exchange`), or a
    CSV written by :func:`write_table` (empty file -> empty frame)."""
    path = Path(path)
    if path.suffix == EXCHANGE_SUFFIX:
        return read_exchange(path)
    if path.stat().st_size == 0:
        return pd.DataFrame()
    try:
        return pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


@contextlib.contextmanager
def user_errors(log_path: str | Path | None) -> Iterator[None]:
    """Turn input errors into a clear message on stderr and in the log, exit status 1.

    Data and configuration errors are the user's to fix: they get the message
    (file, line, column, value, expected), not a Python traceback; so does a
    full disk (:data:`DISK_FULL`), which left no partial output behind.
    Anything else is a bug of ours and keeps its traceback.
    """
    try:
        yield
    except (CohortDataError, StudyConfigError) as err:
        message = err.report() if isinstance(err, CohortDataError) else f"Study configuration error: {err}"
        _report(message, log_path)
    except OSError as err:
        if err.errno not in DISK_FULL:
            raise
        _report(f"Could not write {err.filename or 'an output'}: {err.strerror} (disk full, quota or file size limit); no partial file was left: free space and re-run", log_path)


def _report(message: str, log_path: str | Path | None) -> None:
    if log_path:
        with contextlib.suppress(OSError):  # the disk may be full for the log too; stderr still says it
            write_text(log_path, message + "\n")
    print(message, file=sys.stderr)
    sys.exit(1)
