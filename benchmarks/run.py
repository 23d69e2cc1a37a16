"""Run the benchmarks: ``python benchmarks/run.py [all | NAME ...] [-- options of one benchmark]``.

Each benchmark is a module of this folder with a ``main(argv)`` that prints its
table; :data:`BENCHMARKS` lists them in the order ``all`` runs them. A new
benchmark is a module and a line there.

    python benchmarks/run.py all                 every benchmark, default options
    python benchmarks/run.py pipeline --repeats 3
    python benchmarks/run.py scale --sizes 1000,10000 --repeats 3
    python benchmarks/run.py versus_r

Results are written under ``benchmarks/out/results/`` (git-ignored).
"""

from __future__ import annotations

import importlib
import sys

#: name -> (module, one-line description), in the order ``all`` runs them.
BENCHMARKS = {
    "pipeline": ("pipeline", "whole pipeline in a scratch copy: cold run, no-op re-run, one figure / one raw cell changed"),
    "scale": ("scale", "stages on synthetic cohorts of 10^3..10^6 patients: time, memory, growth"),
    "versus_r": ("versus_r", "the same analyses in Python and in R (survival, pROC), timed in one run"),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        for name, (_, description) in BENCHMARKS.items():
            print(f"  {name:<10} {description}")
        return 0
    if argv[0] == "all":
        status = 0
        for name, (module, _) in BENCHMARKS.items():
            print(f"\n=== {name} ===", flush=True)
            status |= importlib.import_module(module).main([])
        return status
    name = argv[0]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}; expected all or one of: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    return importlib.import_module(BENCHMARKS[name][0]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
