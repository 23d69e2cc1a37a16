"""Compare two results/ trees of the pipeline: every file, whatever rules made it.

Usage: python cluster/compare_results.py EXPECTED_RESULTS ACTUAL_RESULTS

A file is compared byte for byte, except two kinds that embed run-specific data by
design and are compared by content instead:

- Snakemake benchmark tables (recognised by their header ``s<TAB>h:m:s<TAB>...``,
  wherever a rule writes them): they hold wall-clock time, memory and load of that
  run, so only their columns and number of rows must agree;
- log files (``*.log``): they may hold timings and host names, so they must exist
  on both sides.

Every other difference, and a file present on one side only, is a failure. Prints
one line per failure and a summary with counts; exits 0 when the trees agree, 1
when they do not.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCHMARK_HEADER = "s\th:m:s\t"


@dataclass
class Comparison:
    identical: list[str] = field(default_factory=list)
    benchmarks: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    only_expected: list[str] = field(default_factory=list)
    only_actual: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        compared = self.identical or self.benchmarks or self.logs
        return bool(compared) and not (self.differing or self.only_expected or self.only_actual)

    def summary(self) -> str:
        total = len(self.identical) + len(self.benchmarks) + len(self.logs) + len(self.differing)
        return (
            f"{total} files in both, {len(self.identical)} byte-identical, "
            f"{len(self.benchmarks)} benchmark tables (same columns and rows; timings not compared), "
            f"{len(self.logs)} logs (present in both), {len(self.differing)} differing, "
            f"{len(self.only_expected)} only in expected, {len(self.only_actual)} only in actual"
        )


def _files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def _benchmark_shape(data: bytes) -> tuple[str, int] | None:
    """(header, number of data rows) of a Snakemake benchmark table, else None."""
    text = data.decode("utf-8", errors="replace")
    if not text.startswith(BENCHMARK_HEADER):
        return None
    lines = text.splitlines()
    return lines[0], len(lines) - 1


def compare_trees(expected: Path, actual: Path) -> Comparison:
    """Compare every file under ``expected`` with the file at the same path under ``actual``."""
    result = Comparison()
    expected_files, actual_files = _files(expected), _files(actual)
    result.only_expected = sorted(expected_files - actual_files)
    result.only_actual = sorted(actual_files - expected_files)
    for name in sorted(expected_files & actual_files):
        left, right = (expected / name).read_bytes(), (actual / name).read_bytes()
        if name.endswith(".log"):
            result.logs.append(name)
        elif (shape := _benchmark_shape(left)) is not None:
            (result.benchmarks if shape == _benchmark_shape(right) else result.differing).append(name)
        elif left == right:
            result.identical.append(name)
        else:
            result.differing.append(name)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    expected, actual = (Path(arg) for arg in argv)
    for root in (expected, actual):
        if not root.is_dir():
            print(f"compare_results: {root} is not a directory", file=sys.stderr)
            return 2
    result = compare_trees(expected, actual)
    for name in result.differing:
        print(f"DIFFERS        {name}")
    for name in result.only_expected:
        print(f"ONLY EXPECTED  {name}")
    for name in result.only_actual:
        print(f"ONLY ACTUAL    {name}")
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
