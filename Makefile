# Quick start: `make run` (install if needed, run the whole pipeline) and
# `make test` (install if needed, run the test suite). Both need only Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SNAKEMAKE := $(BIN)/snakemake --workflow-profile workflow/profiles/default
CORES ?= all

.PHONY: run test lint fmt report cohorts r-fixtures replication-fixtures slurm-check clean-results help

help:
	@echo "make run          install (if needed) and run the pipeline on all configured studies"
	@echo "make test         install (if needed) and run the test suite, then tests/stats under other CPUs' kernels"
	@echo "make report       run, then write the HTML report results/report.html"
	@echo "make lint         snakemake --lint and snakefmt --check"
	@echo "make fmt          format the workflow with snakefmt"
	@echo "make cohorts      rebuild the reconstructed cohorts in data/raw/ from data/published/"
	@echo "make r-fixtures   regenerate the R reference values in tests/fixtures/r (needs R)"
	@echo "make bench        run the benchmarks (benchmarks/README.md; bench-pipeline, bench-scale, bench-r for one; minutes to an hour)"
	@echo "make replication-fixtures  run, then record the reviewed replication statuses in tests/fixtures/replication"
	@echo "make slurm-check  run the pipeline on a throw-away one-node Slurm (root; installs slurm-wlm) and compare with a local run"
	@echo "make clean-results  delete results/ and logs/"

# The virtual environment, installed from the pinned lock file. Re-installed
# when the lock file or pyproject.toml changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES)

# The HTML report of the last run (tables with captions, provenance).
report: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --report results/report.html

# The suite, then the statistics tests again as other CPUs compute them (each
# OpenBLAS kernel this CPU can run, numpy without AVX-512): tests/other_cpus.py.
test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/python tests/other_cpus.py

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/

fmt: $(STAMP)
	$(BIN)/snakefmt Snakefile workflow/

# Rebuild the reconstructed cohorts data/raw/{study}/ from data/reconstruction/
# and data/published/ (deterministic: byte-identical on re-run).
cohorts: $(STAMP)
	$(BIN)/python -m her2cohort.reconstruct --root .

# Reference values from R (Debian: apt-get install r-base-core r-cran-survival
# r-cran-proc r-cran-brglm2 r-cran-coin r-cran-cmprsk r-cran-boot r-cran-metafor). The test
# suite reads the committed outputs and never needs R. The bootstrap resamples R is given
# are numpy's, drawn first (tests/r/rigor_validation_inputs.py).
r-fixtures: $(STAMP)
	@command -v Rscript >/dev/null || { echo "Rscript not found: install R to regenerate fixtures"; exit 1; }
	$(BIN)/python tests/r/rigor_validation_inputs.py
	Rscript tests/r/export_datasets.R
	for script in tests/r/*.R; do [ "$$script" = tests/r/export_datasets.R ] || Rscript "$$script" || exit 1; done

# After reviewing results/replication.md: hold the end-to-end test to these statuses.
replication-fixtures: run
	$(BIN)/python tests/update_replication_fixtures.py

# Prove workflow/profiles/slurm on a real Slurm: installs Debian's slurm-wlm and munge
# if missing (root), starts a one-node cluster in a temporary folder, runs the whole
# pipeline through the slurm executor and locally, compares every file under
# results/, tears the cluster down. Minutes, so not part of `make test`
# (docs/cluster.md). REV=<commit> checks a commit instead of the working tree.
slurm-check: $(STAMP)
	bash cluster/slurm_local.sh

# Benchmarks (speed, memory; benchmarks/README.md): on demand, never part of `make test`.
# BENCH_ARGS passes options to one benchmark, e.g. make bench-scale BENCH_ARGS="--sizes 1000,10000".
# bench-pipeline and bench-scale also run BASE, a git revision (default: the merge-base of
# HEAD and main; BASE=none: no comparison), interleaved, and print this tree's ratio to it.
BASE ?= merge-base
.PHONY: bench bench-pipeline bench-scale bench-r
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py all

bench-pipeline: $(STAMP)
	$(BIN)/python benchmarks/run.py pipeline --base $(BASE) $(BENCH_ARGS)

bench-scale: $(STAMP)
	$(BIN)/python benchmarks/run.py scale --base $(BASE) $(BENCH_ARGS)

bench-r: $(STAMP)
	$(BIN)/python benchmarks/run.py versus_r $(BENCH_ARGS)

clean-results:
	rm -rf results logs
