# Quick start: `make dev` (the whole system on the example site, previewed on http://127.0.0.1:$(PORT))
# and `make test` (the whole suite).
# Both create .venv and install everything they need on a machine with Python 3.11+ and make.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE ?= examples/site
PORT ?= 8000
export SAM_CLI_TELEMETRY := 0

.PHONY: dev build test test-fast bench lint tools clean

# the editable install also compiles the default theme's catalogs (setup.py): an edited one is installed again
$(STAMP): pyproject.toml setup.py $(wildcard layers/pressroom/pressroom/theme/locale/*/LC_MESSAGES/messages.po)
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

dev: $(STAMP)
	$(BIN)/pressroom dev $(EXAMPLE) --port $(PORT)

build: $(STAMP)
	$(BIN)/pressroom build $(EXAMPLE) --out build/site

# Tools some tests need beyond Python (Java for the HTML validator, Chromium for the browser test,
# the SAM CLI, cfn-lint and checkov for the template checks). Each is installed where the machine allows; tests that still
# lack one skip with the reason.
tools: $(STAMP)
	@bash scripts/install-tools.sh

# The suite runs in parallel, one worker per core up to four (TEST_JOBS=1 runs it serially).
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

test: $(STAMP) tools lint
	$(BIN)/python -m pytest -q -n $(TEST_JOBS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) -m "not slow"

# Hugo and Pelican for the side-by-side builds; options pass through, e.g. `make bench BENCH_ARGS=--quick`.
BENCH_STAMP := $(VENV)/.bench-installed-stamp
BENCH_ARGS ?=

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check layers functions tests benchmarks setup.py

clean:
	rm -rf build .pytest_cache .aws-sam
