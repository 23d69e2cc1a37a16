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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV written by :func:`write_table` (empty file -> empty frame)."""
    path = Path(path)
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
