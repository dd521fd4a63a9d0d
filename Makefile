# refnet: two commands do all the set-up.
#   make run   create .venv, install, migrate the SQLite database under instance/,
#              load demo data when empty, serve http://127.0.0.1:5000 (PORT overrides)
#              with the reminder worker (flask reminders run) beside it
#   make test  install the dev requirements and run the whole suite (SQLite, and
#              PostgreSQL too when TEST_DATABASE_URL is set; the cluster test, which
#              makes its own PostgreSQL schema and needs Redis, runs in the first pass)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# A development machine: no SECRET_KEY or DATABASE_URL needed (a key kept under instance/,
# SQLite). Outside it refnet refuses to start without them (docs/operations.md).
export REFNET_ENV ?= development

.PHONY: run test install install-dev lint format bench bench-http bench-topology bench-fhir clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# The independent FHIR R4 validators of tests/test_fhir_validator.py (npm, pinned by the lock).
FHIR_VALIDATOR := tests/fhir_validator
$(FHIR_VALIDATOR)/node_modules/.installed: $(FHIR_VALIDATOR)/package-lock.json
	cd $(FHIR_VALIDATOR) && npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev $(FHIR_VALIDATOR)/node_modules/.installed

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	@# The reminder worker (flask reminders run) runs beside the server and stops with it.
	$(BIN)/flask reminders run & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-dev lint
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the suite again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		REFNET_TEST_DB=postgres $(BIN)/python -m pytest -p no:cacheprovider -m "not cluster"; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set" >&2; exit 1; \
	else \
		echo "== PostgreSQL skipped: set TEST_DATABASE_URL to run the suite on it too"; \
	fi

BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/refnet_bench
# The HTTP benchmark's network: built once (seed 7), then reused; BENCH_HTTP_ARGS=--fresh rebuilds.
BENCH_HTTP_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/refnet_bench_http

bench: install-dev
	$(BIN)/python -m bench.generate --database-url $(BENCH_DATABASE_URL) --fresh --runs 3
	$(BIN)/python -m bench.lists --database-url $(BENCH_DATABASE_URL)
	$(BIN)/python -m bench.http --database-url $(BENCH_HTTP_DATABASE_URL) $(BENCH_HTTP_ARGS)

bench-http: install-dev
	$(BIN)/python -m bench.http --database-url $(BENCH_HTTP_DATABASE_URL) $(BENCH_HTTP_ARGS)

# The HTTP benchmark through nginx to two app nodes (bench/topology.py; installs nginx if missing).
bench-topology: install-dev
	$(BIN)/python -m bench.topology $(BENCH_TOPOLOGY_ARGS)
# FHIR bulk export of 100,000 referrals against fhir.resources (bench/fhir_export.py).
BENCH_FHIR_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/refnet_bench_fhir

bench-fhir: install-dev
	$(BIN)/python -m bench.fhir_export --database-url $(BENCH_FHIR_DATABASE_URL) $(BENCH_FHIR_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts $(FHIR_VALIDATOR)/node_modules
