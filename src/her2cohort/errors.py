"""Errors about input data that a person can act on, with file, line, column and value."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class DataIssue:
    """One bad cell (or row, or file) in an input file.

    ``line`` is the 1-based line number in the file as a text editor shows it
    (the header is line 1); ``None`` when the problem concerns the whole file.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            return f"{where}: value {shown!r}: {self.expected}"
        return f"{where}: {self.expected}"


class CohortDataError(Exception):
    """Raised with every issue found, so that one run reports them all."""

    def __init__(self, issues: list[DataIssue]):
        self.issues = list(issues)
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        shown = [str(issue) for issue in self.issues[:limit]]
        more = len(self.issues) - len(shown)
        head = f"{len(self.issues)} problem(s) in the input data; nothing was analysed:"
        tail = [f"... and {more} more"] if more > 0 else []
        return "\n".join([head, *("  - " + s for s in shown), *tail])


class StudyConfigError(Exception):
    """A study configuration that cannot be applied to its data (names the key and file)."""


# ---------------------------------------------------------------------------
# Suggestions: an unknown key, column, term or level names the nearest valid one
# ---------------------------------------------------------------------------

#: How many valid names a message lists before "... and N more".
LISTED_NAMES = 80


def nearest(name: Any, valid: Iterable[Any], cutoff: float = 0.6) -> str | None:
    """The valid name closest to ``name`` (:func:`difflib.get_close_matches`, case
    ignored), or None when none is close enough."""
    names = [str(v) for v in dict.fromkeys(valid)]
    lowered: dict[str, str] = {}
    for candidate in names:
        lowered.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[close[0]] if close else None


def did_you_mean(name: Any, valid: Iterable[Any], what: str = "expected one of", suggest_from: Iterable[Any] | None = None) -> str:
    """``did you mean 'age_years'? (expected one of: sex, age_years, ...)``: the nearest of
    ``suggest_from`` (default: ``valid``) and every valid name, for the end of an error
    message about an unknown ``name``. The one implementation of suggestions: the
    study file's keys, raw columns, analysis parameters, result rows and levels."""
    valid = [str(v) for v in dict.fromkeys(valid)]
    close = nearest(name, valid if suggest_from is None else suggest_from)
    listed = ", ".join(valid[:LISTED_NAMES]) + (f" and {len(valid) - LISTED_NAMES} more" if len(valid) > LISTED_NAMES else "")
    hint = f"did you mean {close!r}? " if close is not None and close != str(name) else ""
    return f"{hint}({what}: {listed})" if valid else hint.strip()
