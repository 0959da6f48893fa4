# Two commands set up a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint types bench sample-data lifecycle-snapshot clean compiled

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The package's own modules compiled to bytecode, as pip compiles an installed package: an
## editable install leaves them as source, which every command would otherwise compile again
## where Python may not write its cache (PYTHONDONTWRITEBYTECODE), a third of a second each.
compiled: $(STAMP)
	$(BIN)/python -m compileall -q estate importers tui

## Build estate.db from the bundled sample returns and print a summary.
demo: compiled
	$(BIN)/estate --db estate.db demo --force

## Run the whole test suite, on every core (pytest-xdist: each worker its own databases).
test: compiled
	$(BIN)/pytest -q -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

## Everything CI runs.
check: lint types test

## Benchmarks at 1,000, 10,000 and 50,000 systems (docs/performance.md); not part of the tests.
## Quicker: make bench SIZES="1000 10000".
SIZES ?= 1000 10000 50000
bench: compiled
	$(BIN)/python bench/run.py --sizes $(SIZES)

## Rebuild sample_data/ from the generator (deterministic): four quarters, 2025-Q4 to 2026-Q3.
sample-data: $(STAMP)
	rm -rf sample_data/20??-Q?
	$(BIN)/estate generate --systems 300 --departments 7 --seed 2025 --periods 4 sample_data

## Refresh the bundled endoflife.date snapshot from a downloaded copy of its catalogue:
## make lifecycle-snapshot ENDOFLIFE=endoflife.json TAKEN=2026-08 (docs/lifecycle.md).
lifecycle-snapshot: $(STAMP)
	$(BIN)/python -c 'import sys; from estate.catalogue.reference import main; main(sys.argv[1:])' \
		$(ENDOFLIFE) $(TAKEN)

clean:
	rm -rf $(VENV) estate.db estate.db-wal estate.db-shm .pytest_cache .mypy_cache .ruff_cache
