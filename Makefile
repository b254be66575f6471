# Two commands for a newcomer:  make run  (portal with demo data)  and  make test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
DEPS := $(shell sha1sum pyproject.toml | cut -c1-12)
# What running needs, and on top of it what testing, linting and benchmarking need.
RUN_STAMP := $(VENV)/.run-$(DEPS)
DEV_STAMP := $(VENV)/.dev-$(DEPS)
DEV_EXTRAS := '.[test,bench,lint]'
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
step = @printf '\033[1m==> %s\033[0m\n' "$(1)"
# pip, with one line counting the packages as it goes (its errors are still printed).
pip_install = $(PY) -m pip install --disable-pip-version-check $(1) 2>&1 \
	| awk '/^(Collecting|Requirement already)/ {n++; printf "\r    %d packages", n; fflush()} \
	       /^ERROR/ {print} END {print ""}'

.PHONY: run test test-fast test-fuzz lint setup dev-setup system-deps system-deps-test translations \
	db seed bench load clean screenshots

$(RUN_STAMP): pyproject.toml
	$(call step,Python environment in $(VENV) (Python ≥ 3.11))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call step,Installing the portal and the packages it runs on)
	@$(call pip_install,-e .)
	@$(PY) -c 'import portal, flask_sqlalchemy, weasyprint' && rm -f $(VENV)/.run-* && touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(call step,Installing the tools to test and lint and benchmark)
	@$(call pip_install,-e $(DEV_EXTRAS))
	@$(PY) -c 'import pytest, mypy, locust' && rm -f $(VENV)/.dev-* && touch $@

setup: $(RUN_STAMP) system-deps translations

dev-setup: $(DEV_STAMP) system-deps-test translations

system-deps:
	$(call step,System packages: a CJK font and the libraries PDFs render with)
	@bash scripts/system-deps.sh run

system-deps-test:
	@bash scripts/system-deps.sh test

translations: $(RUN_STAMP)
	@$(VENV)/bin/pybabel compile -f -d portal/translations 2>&1 | { grep -v '^compiling catalog' || true; }

db: setup
	$(call step,Database (SQLite in instance/): migrating to the latest schema)
	@$(FLASK) db upgrade 2>&1 | { grep -v '^INFO' || true; }

seed: db
	$(call step,Demo province: 7 banks with their outlets and users; about 300 complaints)
	@$(FLASK) demo seed

## Start the portal with demo data on SQLite at http://127.0.0.1:5000
## (two-factor sign-in optional, so the demo logins need no authenticator app;
## PORTAL_TWO_FACTOR=privileged make run tries it as production has it)
run: seed
	$(call step,Starting the portal)
	@PORTAL_TWO_FACTOR=$${PORTAL_TWO_FACTOR:-optional} $(PY) scripts/serve.py

## The whole test suite, on SQLite and on a throw-away PostgreSQL cluster (the fuzz
## suite last, by test-fuzz)
test: dev-setup
	$(PY) -m pytest --ignore=tests/fuzz
	@$(MAKE) --no-print-directory test-fuzz

## The fuzz suite (tests/fuzz): one process per database side by side, so that both
## take under two minutes on two cores; fails if either fails
test-fuzz: dev-setup
	@$(PY) -m pytest tests/fuzz --backends sqlite -q -p no:cacheprovider \
		--basetemp=$${TMPDIR:-/tmp}/portal-fuzz-sqlite > $${TMPDIR:-/tmp}/portal-fuzz-sqlite.log 2>&1 & \
	lite=$$!; \
	$(PY) -m pytest tests/fuzz --backends postgresql -q -p no:cacheprovider \
		--basetemp=$${TMPDIR:-/tmp}/portal-fuzz-postgresql; pg=$$?; \
	wait $$lite; sqlite=$$?; \
	echo "== the fuzz suite on SQLite:"; cat $${TMPDIR:-/tmp}/portal-fuzz-sqlite.log; \
	test $$pg -eq 0 && test $$sqlite -eq 0

## For the edit loop: the unit and web tests on SQLite only (about a minute)
test-fast: dev-setup
	$(PY) -m pytest tests/unit tests/web --backends sqlite -q

## Each role's home and case page at desk and tablet size (a few in English), into
## screenshots/ (git-ignored); a role with no case to show is named in a warning
screenshots: dev-setup
	$(PY) scripts/screenshots.py

## ruff (lint and format) and mypy over portal/ (configured in pyproject.toml)
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check portal tests bench scripts
	$(VENV)/bin/ruff format --check portal tests bench scripts
	$(VENV)/bin/mypy

## Due dates per second (pure calendar), then the sweep over 1,000,000 open clocks on a
## throw-away PostgreSQL cluster, then the statistics and the bulletin of a half year at
## 1,000,000 complaints, then server time per request against the latency budgets.
## What each measures and how long it takes: docs/benchmarks.md. The load test: make load
bench: dev-setup
	$(PY) bench/bench_due.py
	$(PY) bench/bench_sweep.py
	$(PY) bench/bench_statistics.py
	$(PY) bench/bench_latency.py $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))

## Load test: gunicorn -w 4 on a throw-away PostgreSQL, locust stepping up the users of
## every role to the knee (docs/benchmarks.md); options: .venv/bin/python bench/load_test.py --help
load: dev-setup
	$(PY) bench/load_test.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .mypy_cache
