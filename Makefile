# The task runner that README and CI both call.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup services lint unit integration bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Quick start 1: the hub's main job on embedded defaults (SQLite file, in-process transport).
run: setup
	$(BIN)/hub demo

## Quick start 2: the whole test suite, starting PostgreSQL and RabbitMQ when they are stopped
## and installing the Chromium the browser tests drive when it is missing.
test: setup
	scripts/services.sh
	scripts/browser.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest -q tests/unit

bench: setup
	scripts/services.sh
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) test-output hub.db hub.db-wal hub.db-shm .pytest_cache .mypy_cache .ruff_cache
