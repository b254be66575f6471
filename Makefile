# Two commands for a newcomer:  make run  (portal with demo data)  and  make test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test setup system-deps system-deps-test translations db seed bench load lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP) system-deps translations

system-deps:
	bash scripts/system-deps.sh run

system-deps-test:
	bash scripts/system-deps.sh test

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -f -d portal/translations >/dev/null

db: setup
	$(FLASK) db upgrade

seed: db
	$(FLASK) demo seed

## Start the portal with demo data on SQLite at http://127.0.0.1:5000
run: seed
	$(FLASK) run --host 127.0.0.1 --port 5000

## The whole test suite, on SQLite and on a throw-away PostgreSQL cluster
test: $(STAMP) system-deps-test translations
	$(PY) -m pytest

## Due dates per second (pure calendar), then the sweep over 1,000,000 open clocks on a
## throw-away PostgreSQL cluster (needs initdb/pg_ctl, like make test; a few minutes), then
## the statistics and the bulletin of a half year at 1,000,000 complaints (generated with
## `flask demo generate`: about 15 minutes more), then
## server time per request against the latency budgets (a throw-away cluster with 100,000
## generated complaints; BENCH_DATABASE_URL=... for an existing generated database).
## The load test is separate: make load
bench: setup
	$(PY) bench/bench_due.py
	$(PY) bench/bench_sweep.py
	$(PY) bench/bench_statistics.py
	$(PY) bench/bench_latency.py $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))

## Load test: gunicorn -w 4 on a throw-away PostgreSQL with 20,000 generated complaints, locust on
## loopback stepping up the users of every role (reads and writes) to the knee (p95 under
## 200 ms), then checks that no write was lost or duplicated. A few minutes, bounded in
## time and requests; options: .venv/bin/python bench/load_test.py --help
load: setup
	$(PY) bench/load_test.py $(LOAD_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check portal tests bench
	$(VENV)/bin/ruff format --check portal tests bench

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
