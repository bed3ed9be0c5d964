# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv/ and
# installs the project into it when it is missing or pyproject.toml / constraints.txt changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: demo test bench eval faults lint install clean scale-demo

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newswatch needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/newswatch demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The benchmarks also need the peer library they compare against (the `bench` extra). Its
# `lxml[html-clean]` beside justext's `lxml[html_clean]` trips an assertion in pip before 24
# (extras not normalized), so this step takes a newer pip first.
$(BENCH_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'pip==25.3'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

eval: $(STAMP)
	$(BIN)/python -m eval

# The work pool with every part of a multi-machine setup, on this machine: PostgreSQL (the
# server binaries of Debian's postgresql package), S3 (moto), a Prefect server, two scrape
# workers, a loader worker; two rounds; exits non-zero if an article or alert is lost or doubled.
# PostgreSQL's server comes from Debian's package (installed here when missing and possible).
scale-demo: $(STAMP)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || bash .ci/apt-install postgresql
	$(BIN)/python -m cli.scale_demo

# Every fault scenario against the real monitor steps; exits non-zero if anything was lost.
faults: $(STAMP)
	$(BIN)/python -m tests.faults

# Every check runs, then the target fails if any did: ruff, the import contracts of
# docs/architecture.md (pyproject.toml [tool.importlinter]), mypy, the `# type: ignore` count.
PACKAGES := core scrapers rules warehouse alerts pipeline flows cli reports demo tools
# mypy and the ignore count also cover the tests and the quality evaluations.
TYPED    := $(PACKAGES) tests eval

lint: $(STAMP)
	@failed=""; \
	echo "== ruff"; $(BIN)/ruff check . || failed="$$failed ruff"; \
	echo "== lint-imports"; PYTHONPATH=$(CURDIR) $(BIN)/lint-imports --no-logo \
		|| failed="$$failed lint-imports"; \
	echo "== mypy"; $(BIN)/mypy $(TYPED) || failed="$$failed mypy"; \
	echo "== type: ignore"; $(BIN)/python -m tools.count_ignores $(TYPED) \
		|| failed="$$failed count_ignores"; \
	if [ -n "$$failed" ]; then echo "make lint: failed:$$failed" >&2; exit 1; fi

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache .import_linter_cache *.egg-info
