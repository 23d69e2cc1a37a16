"""Reading the study configuration and writing outputs, for the rule scripts.

Outputs are deterministic: same input, byte-identical files (fixed column order,
no index, ``\\n`` line endings, floats in their shortest round-trip form).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

import pandas as pd

from her2cohort.errors import CohortDataError, StudyConfigError


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV atomically (a partial file is never left under the final name)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(path)


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
    (file, line, column, value, expected), not a Python traceback. Anything
    else is a bug of ours and keeps its traceback.
    """
    try:
        yield
    except (CohortDataError, StudyConfigError) as err:
        message = err.report() if isinstance(err, CohortDataError) else f"Study configuration error: {err}"
        if log_path:
            Path(log_path).parent.mkdir(parents=True, exist_ok=True)
            Path(log_path).write_text(message + "\n", encoding="utf-8")
        print(message, file=sys.stderr)
        sys.exit(1)
