# Panjereh: two commands — `make run` serves the demo city, `make test` runs every test.
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
DEMO_PARCELS ?= 100000
export PANJEREH_VAR_DIR ?= $(CURDIR)/var

.PHONY: setup run serve test test-spatialite test-postgis bench load schema doctor clean

setup:
	@scripts/setup.sh

## Serve Panjereh with the demo city on SpatiaLite (var/), the fake bank gateway beside it, through gunicorn.
run: setup
	@BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) DEMO_PARCELS=$(DEMO_PARCELS) scripts/run-demo.sh

## Every test on SpatiaLite, then on PostGIS when PANJEREH_TEST_POSTGRES is a database URL.
test: setup
	$(MAKE) --no-print-directory test-spatialite
	@if [ -n "$$PANJEREH_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgis; \
	else echo "PANJEREH_TEST_POSTGRES is not set: PostGIS run skipped (.ci/run sets it)"; fi

test-spatialite:
	@echo "=== tests on SpatiaLite ==="
	DATABASE_URL=spatialite:///$(PANJEREH_VAR_DIR)/test.sqlite3 $(BIN)/pytest $(PYTEST_ARGS)

test-postgis:
	@echo "=== tests on PostGIS ($$PANJEREH_TEST_POSTGRES) ==="
	DATABASE_URL=$$PANJEREH_TEST_POSTGRES $(BIN)/pytest $(PYTEST_ARGS)

## Every benchmark against its same-run reference (BENCH_PARCELS, DATABASE_URL, BENCH_ONLY): bench/run_all.py.
bench: setup
	@$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python bench/run_all.py

## The load test (Locust) at 50, 200 and 500 users against gunicorn on 127.0.0.1: bench/load/README.md.
load: setup
	@$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python bench/load/run.py

## Regenerate the committed OpenAPI schema.
schema: setup
	$(BIN)/panjereh spectacular --file docs/openapi.yaml --validate

doctor: setup
	$(BIN)/panjereh doctor

clean:
	rm -rf $(VENV) var
