# EchoDash: `make run` starts it on SQLite, `make test` runs every check: lint, types, the docs
# site (`make docs`), the wheel in a clean virtualenv (`make wheel-check`) and the whole suite.
# Both work on a fresh clone: they create .venv and install what is missing. `make run`
# installs only what running needs; the test tools come with `make test` (and lint, fmt…).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYPROJECT_SUM := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# One stamp per install: a run install must not pass for the test tools, and a test install
# (a superset) also serves `make run`. Both are named after pyproject.toml's checksum, so
# editing it installs again.
RUN_STAMP := $(VENV)/.installed-run-$(PYPROJECT_SUM)
STAMP := $(VENV)/.installed-test-$(PYPROJECT_SUM)
PYTEST_ARGS ?= -n auto

.PHONY: screenshots run test lint typecheck unit unit-postgres fmt clean bench chromium docs docs-serve \
	dist wheel-check
# Python code outside the package that ruff checks too (mypy's list is in pyproject.toml).
LINT_PATHS := src tests bench tools
# The Material theme prints a notice about its end of life on every build; CI needs none.
export NO_MKDOCS_2_WARNING := 1

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@if [ -e $(STAMP) ]; then touch $(RUN_STAMP); \
	else $(BIN)/pip install --quiet -e . && rm -f $(VENV)/.installed-* && touch $(RUN_STAMP); fi

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/echodash serve --demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

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

# The documentation site (mkdocs.yml): --strict turns every broken link or anchor into a
# failure. The API and command references are generated from the code while it builds.
# Never --quiet: mkdocs 1.6 then drops the warnings before --strict counts them, and passes.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

docs-serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

# The sdist and wheel, into dist/.
dist: $(STAMP)
	$(BIN)/python -m build --outdir dist .

# Builds the sdist and wheel, installs the wheel into a new virtualenv in a temporary
# directory and serves it: what `pip install echodash` gives works with no clone.
wheel-check: $(STAMP)
	$(BIN)/python tools/wheel_check.py

# The pytest passes come last, so that the run ends with pytest's summary.
test: lint typecheck docs wheel-check unit unit-postgres

fmt: $(STAMP)
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site dist

# The README's pictures, taken by the demo's browser test from a `serve --demo` server.
screenshots: $(STAMP) chromium
	$(BIN)/pytest -q -n 0 \
	  'tests/demo/test_demo_ui.py::test_after_serve_demo_the_first_admin_lands_on_the_demo_feed'
	mkdir -p docs/images
	cp test-artifacts/screenshots/readme-*.png docs/images/
