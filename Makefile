# EchoDash: `make run` starts it on SQLite, `make test` runs the whole suite.
# Both work on a fresh clone: they create .venv and install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?= -n auto

.PHONY: run test lint typecheck unit unit-postgres fmt clean bench chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/echodash serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole suite runs twice: on SQLite, then with every test server on PostgreSQL. Without a
# PostgreSQL server on 127.0.0.1:5432 the second pass skips, except in CI (CI set), where
# that is a failure.
# The browser tests drive Debian's Chromium (never a downloaded one).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium for the browser tests (apt-get install chromium)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

unit: $(STAMP) chromium
	$(BIN)/pytest $(PYTEST_ARGS)

unit-postgres: $(STAMP)
	ECHODASH_TEST_BACKEND=postgres $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck unit unit-postgres

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
