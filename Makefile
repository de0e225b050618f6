# Commonfix: `make run` serves the demo city at http://127.0.0.1:5000, `make test` runs every test.
# Both install what is missing first (Debian packages via apt-get, Python packages into .venv).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PROD_PORT ?= 8000
PYTEST_WORKERS ?= 2
export SPATIALITE_LIBRARY_PATH := mod_spatialite

# gcc and the Python headers build the engine's compiled loops (budgets/mes_float_loops.pyx, budgets/ees_*.pyx);
# tzdata is the time zone database that CITY_TIMEZONE names a zone of.
RUN_DEBS  := libsqlite3-mod-spatialite gcc python3-dev tzdata
TEST_DEBS := $(RUN_DEBS) postgresql postgis redis-server chromium fonts-dejavu-core
BENCH_DEBS := $(TEST_DEBS) wrk
PROD_DEBS := $(RUN_DEBS) postgresql postgis redis-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run run-production test lint bench clean system-run system-test system-bench system-production

# The float MES run's and the EES run's inner loops are compiled with Cython, in place beside their
# sources (DESIGN.md).
KERNELS := budgets/mes_float_loops budgets/ees_loops budgets/ees_state budgets/ees_rounds
EXT_SUFFIX := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
KERNEL_SO := $(addsuffix $(EXT_SUFFIX),$(KERNELS))

# Links in mail point where this serves (config.py's PUBLIC_URL), unless PUBLIC_URL is set.
run: export PUBLIC_URL ?= http://$(HOST):$(PORT)
# The demo city lies in Belgium: its pages show times in the city's zone, not UTC (config.py's default).
run run-production: export CITY_TIMEZONE ?= Europe/Brussels
# bash: `wait -n` returns when either server exits or a signal arrives.
run: SHELL := /bin/bash
run: system-run $(VENV)/.runtime $(KERNEL_SO)
	$(BIN)/flask --app wsgi init-db
	$(BIN)/flask --app wsgi seed-demo
	@echo "Commonfix is at http://$(HOST):$(PORT)  (demo logins: resident1@demo.commonfix.org / demo-password)"
	@# The job worker (tallies, mail, the sweeps) runs beside gunicorn on the embedded queue
	@# (instance/queue.sqlite3). Both run in sessions of their own, so Ctrl-C (or SIGTERM, SIGHUP) reaches
	@# only make and this shell, which then stops each of them once, gracefully (a second signal would
	@# stop the worker at once), and waits for both; if either exits on its own, the other is stopped too.
	@# gunicorn runs one process of 8 threads: the rate limits count in its memory (memory://), so one
	@# process keeps them exact, where two workers let twice the limit through (production uses Redis).
	setsid $(BIN)/flask --app wsgi worker & worker=$$!; \
	setsid $(BIN)/gunicorn --workers 1 --threads 8 --bind $(HOST):$(PORT) --access-logfile - wsgi:app & web=$$!; \
	trap : INT TERM HUP; \
	wait -n $$web $$worker; \
	kill -TERM $$web $$worker 2>/dev/null; wait $$web; status=$$?; wait $$worker; exit $$status

# PostgreSQL + PostGIS and Redis on this machine (kept in instance/production/), migrated, the demo city
# loaded into an empty database, then gunicorn and the worker; Ctrl-C stops everything (ops/production.py).
run-production: system-production $(VENV)/.runtime $(KERNEL_SO)
	$(BIN)/python -m ops.production --host $(HOST) --port $(PROD_PORT) $(PRODUCTION_ARGS)

# The tests start many Python processes (gunicorn, workers, flask commands): let them cache
# compiled bytecode even where the environment sets PYTHONDONTWRITEBYTECODE, or each recompiles the app.
# pytest-xdist runs them in PYTEST_WORKERS processes (0: one process), a whole test file per worker
# (--dist loadfile), so a file's module-scoped servers start once; much of a test's time is spent
# waiting on those processes, so two workers help even on two cores. Files go out in collection
# order, where tests/conftest.py puts those that start servers first (not the default: most tests first).
# The 25 slowest tests are listed at the end, to keep CI's run in view.
test: system-test $(VENV)/.dev node_modules/.installed $(KERNEL_SO)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
	  --no-loadscope-reorder --durations=25 $(PYTEST_ARGS)

# axe-core, which the browser tests inject into pages to check accessibility (package-lock.json pins it).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy geo budgets app ops
	$(BIN)/lint-imports --no-cache

bench: system-bench $(VENV)/.dev $(KERNEL_SO)
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.foundation_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.workspace_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.rounds_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.quadratic_match_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.queue_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.map_bench
	RATELIMIT_ENABLED=false $(BIN)/python -m bench.streets_bench
	$(BIN)/python -m bench.budgets_bench
	$(BIN)/python -m bench.mail_bench
	$(BIN)/python -m bench.fanout_bench
	$(BIN)/python -m bench.transfer_bench
	$(BIN)/python -m bench.reset_bench
	$(BIN)/python -m bench.ledger_chain_bench
	$(BIN)/python -m bench.money_flow_bench
	$(BIN)/python -m bench.explanations_bench --write

# Debian packages, installed only when one is missing.
system-run:
	@missing=$$(for p in $(RUN_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

system-bench:
	@missing=$$(for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

system-production:
	@missing=$$(for p in $(PROD_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

system-test:
	@missing=$$(for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@# npm (for axe-core): Debian's nodejs + npm unless a Node.js with its own npm is already there.
	@command -v npm >/dev/null 2>&1 || { echo "Installing nodejs npm"; $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

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

# cythonize writes the C file and the module beside the source, and its scratch files in build/.
$(KERNEL_SO): %$(EXT_SUFFIX): %.pyx | $(VENV)/.runtime
	$(BIN)/cythonize -i -q $<
	rm -rf build

# The run's state (ees_state) and the sweep (ees_rounds) use each other's C side through the .pxd files.
budgets/ees_loops$(EXT_SUFFIX): budgets/ees_loops.pxd
budgets/ees_state$(EXT_SUFFIX): budgets/ees_state.pxd budgets/ees_loops.pxd budgets/ees_loops$(EXT_SUFFIX)
budgets/ees_rounds$(EXT_SUFFIX): budgets/ees_heaps.pxd budgets/ees_state.pxd budgets/ees_loops.pxd \
	budgets/ees_state$(EXT_SUFFIX)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts build $(addsuffix .c,$(KERNELS)) $(KERNEL_SO)
