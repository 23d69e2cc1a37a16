"""Errors about input data that a person can act on, with file, line, column and value."""

from __future__ import annotations

from dataclasses import dataclass


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
