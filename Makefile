# Commonfix: `make run` serves the demo city at http://127.0.0.1:5000, `make test` runs every test.
# Both install what is missing first (Debian packages via apt-get, Python packages into .venv).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export SPATIALITE_LIBRARY_PATH := mod_spatialite

RUN_DEBS  := libsqlite3-mod-spatialite
TEST_DEBS := $(RUN_DEBS) postgresql postgis redis-server chromium fonts-dejavu-core
BENCH_DEBS := $(TEST_DEBS) wrk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench clean system-run system-test system-bench

run: system-run $(VENV)/.runtime
	$(BIN)/flask --app wsgi init-db
	$(BIN)/flask --app wsgi seed-demo
	@echo "Commonfix is at http://$(HOST):$(PORT)  (demo logins: resident1@demo.commonfix.org / demo-password)"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: system-test $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy geo budgets app
	$(BIN)/lint-imports --no-cache

bench: system-bench $(VENV)/.dev
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.foundation_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.workspace_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.rounds_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.map_bench
	$(BIN)/python -m bench.budgets_bench

# Debian packages, installed only when one is missing.
system-run:
	@missing=$$(for p in $(RUN_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

system-bench:
	@missing=$$(for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

system-test:
	@missing=$$(for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts
