"""Run the statistics tests as other CPUs compute them (part of ``make test``).

The last bit of a floating-point result depends on the machine in two ways:

* numpy's bundled OpenBLAS picks a kernel for the CPU at import (matrix
  products, solves, determinants): blocking and fused multiply-adds differ;
* numpy's own SIMD loops differ by instruction set: on a CPU with AVX-512,
  ``np.exp`` and ``np.log`` of float64 use other code than on one without
  (measured here: 9,263 of 200,001 values of ``np.exp`` differ in the last bit).

A statistic that hinges on that bit (a tie, a convergence test on the edge)
passes on one machine and fails on another. This runs ``tests/stats`` once per
OpenBLAS kernel the CPU can execute (``OPENBLAS_CORETYPE``, read at import) and
once with numpy's AVX-512 loops switched off (``NPY_DISABLE_CPU_FEATURES``),
checks in each child that the setting took effect, prints a table, and exits
non-zero if any run failed.

    .venv/bin/python tests/other_cpus.py            # every kernel this CPU can run
    .venv/bin/python tests/other_cpus.py -- -x -k cox   # extra pytest arguments
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: OpenBLAS kernels and the CPU flags each needs (an unsupported kernel dies on SIGILL).
KERNELS = {
    "Prescott": {"pni"},  # SSE3, which /proc/cpuinfo calls pni
    "Sandybridge": {"avx"},
    "Haswell": {"avx2", "fma"},
    "Zen": {"avx2", "fma"},
    "SkylakeX": {"avx512f", "avx512bw", "avx512dq", "avx512vl"},
}
#: What OpenBLAS (0.3.31, numpy's wheel) reports for a forced kernel whose name it
#: does not echo: Zen runs Haswell's kernels with blocking of its own; Prescott's
#: SSE3 kernels report Katmai (the first entry of its x86 core table).
REPORTED = {"Zen": "Haswell", "Prescott": "Katmai"}
#: numpy's dispatch targets above AVX2 (numpy >= 2.0 names).
NUMPY_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"

_PROBE = """
import json, numpy
from threadpoolctl import threadpool_info
blas = [i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"]
found = numpy._core._multiarray_umath.__cpu_features__
print(json.dumps({"blas": blas, "avx512": bool(found.get("AVX512F")) and bool(found.get("AVX512_SKX"))}))
"""


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def settings() -> list[tuple[str, dict[str, str]]]:
    """The simulated machines this CPU can run: (label, environment overrides)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return []
    flags = cpu_flags()
    runs = [(f"OpenBLAS {name}", {"OPENBLAS_CORETYPE": name}) for name, needs in KERNELS.items() if needs <= flags]
    if "avx512f" in flags:
        runs.append(("numpy without AVX-512", {"NPY_DISABLE_CPU_FEATURES": NUMPY_AVX512}))
    return runs


def probe(env: dict[str, str]) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def took_effect(overrides: dict[str, str], seen: dict) -> bool:
    if "OPENBLAS_CORETYPE" in overrides:
        kernel = overrides["OPENBLAS_CORETYPE"]
        expected = {kernel.lower(), REPORTED.get(kernel, kernel).lower()}
        return seen["blas"] != [] and all(a.lower() in expected for a in seen["blas"])
    if "NPY_DISABLE_CPU_FEATURES" in overrides:
        return not seen["avx512"]
    return True


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    runs = settings()
    if not runs:
        print(f"other_cpus: no simulated CPU on {platform.machine()} (x86-64 only); nothing run")
        return 0
    rows, failed = [], False
    for label, overrides in runs:
        env = {**os.environ, **overrides}
        seen = probe(env)
        if not took_effect(overrides, seen):
            rows.append((label, "setting ignored", f"BLAS {seen['blas']}, AVX-512 {seen['avx512']}", "-"))
            failed = True
            continue
        start = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/stats", *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        lines = result.stdout.strip().splitlines()
        summary = next((line.strip("= ") for line in reversed(lines) if " in " in line and ("passed" in line or "failed" in line or "error" in line)), "(no summary)")
        reported = "/".join(dict.fromkeys(seen["blas"]))
        if "OPENBLAS_CORETYPE" in overrides and reported.lower() != overrides["OPENBLAS_CORETYPE"].lower():
            label += f" (reports {reported})"
        rows.append((label, "passed" if result.returncode == 0 else "FAILED", summary, f"{time.monotonic() - start:.0f} s"))
        if result.returncode != 0:
            failed = True
            print(result.stdout[-6000:], result.stderr[-2000:], sep="\n")
    width = max(len(r[0]) for r in rows)
    print("\ntests/stats on simulated CPUs")
    for label, status, summary, seconds in rows:
        print(f"  {label:<{width}}  {status:<15} {seconds:>5}  {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
