# Safeguard: `make run` starts it, `make test` proves it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_VERSION := $(shell cat .python-version)
# pyenv's interpreter when present, else pythonX.Y on PATH, else python3 if new enough.
PYTHON ?= $(shell \
	for p in "$${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(PY_VERSION)/bin/python" \
	         "$$(command -v python$(basename $(PY_VERSION)) 2>/dev/null)" \
	         "$$(command -v python3 2>/dev/null)"; do \
	  [ -n "$$p" ] && [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; break; }; \
	done)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
MANAGE := $(BIN)/python manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/safeguard
PYTEST_ARGS ?=
# make bench: the data set size and its own database (created, filled once and reused).
BENCH_CASES ?= 100000
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/safeguard_bench
BENCH_ARGS ?=

.PHONY: help venv run test lint typecheck check-static test-sqlite test-postgres lock messages migrate clean browsers imap-server bench bench-import

help:
	@echo "make run    - set up .venv, migrate var/safeguard.sqlite3, load demo data once, serve http://127.0.0.1:8000"
	@echo "make test   - set up .venv, run ruff, mypy, import contracts, migration and translation checks, tests on SQLite and PostgreSQL"
	@echo "make venv   - only create or update .venv from requirements.lock"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml"
	@echo "make bench  - benchmark the workspace pages on PostgreSQL with BENCH_CASES cases (default 100000); var/bench/results.json"
	@echo "make browsers - install Debian's Chromium (and CJK fonts) for the browser tests, when root"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python $(PY_VERSION) (or any 3.12+) not found; install it with pyenv." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	touch $@

venv: $(VENV)/.installed

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --group dev --python-version 3.12 --quiet -o requirements.lock

messages: venv
	@$(MANAGE) compile_translations

migrate: messages
	$(MANAGE) migrate --no-input

run: migrate
	@$(MANAGE) load_demo --once
	@echo "Safeguard on http://127.0.0.1:8000 (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(MANAGE) run_worker & \
	  $(MANAGE) runserver 127.0.0.1:8000 --noreload & \
	  wait

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy safeguard

check-static: venv messages
	$(BIN)/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=safeguard.test_settings $(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=safeguard.test_settings $(MANAGE) check_translations

# The browser tests (safeguard/e2e) drive Debian's Chromium; `playwright install` cannot download
# browsers here. Without Chromium they skip with a loud reason; this installs it when it can.
browsers:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
	    || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } \
	    || echo "!! Could not install Chromium: the browser tests will be SKIPPED"; \
	else \
	  echo "!! /usr/bin/chromium is missing and cannot be installed (needs root and apt-get):"; \
	  echo "!! the browser tests will be SKIPPED. Install it with: apt-get install -y chromium"; \
	fi
	@# Chinese screenshots need a CJK font (best effort: the tests pass without one).
	@if [ -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v fc-list >/dev/null \
	  && [ -z "$$(fc-list :lang=zh-cn family 2>/dev/null)" ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-noto-cjk >/dev/null || true; \
	fi

# The IMAP tests start a private Dovecot (Debian's dovecot-imapd); without it they skip loudly.
imap-server:
	@if [ -x /usr/sbin/dovecot ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Dovecot for the IMAP intake tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd \
	    || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd; } \
	    || echo "!! Could not install Dovecot: the IMAP tests will be SKIPPED"; \
	else \
	  echo "!! /usr/sbin/dovecot is missing and cannot be installed: the IMAP tests will be SKIPPED"; \
	fi

test-sqlite: venv messages browsers imap-server
	@echo "== tests on SQLite =="
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: venv messages browsers imap-server
	@echo "== tests on PostgreSQL =="
	@if ! $(BIN)/python scripts/pg_ready.py "$(PG_URL)"; then \
	  echo "PostgreSQL is not answering; trying to start it"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql 2>/dev/null | head -1) main start 2>/dev/null || true; \
	fi
	@if $(BIN)/python scripts/pg_ready.py "$(PG_URL)"; then \
	  DATABASE_URL="$(PG_URL)" $(BIN)/pytest -n 2 $(PYTEST_ARGS); \
	else \
	  echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!  PostgreSQL is not available at $(PG_URL)"; \
	  echo "!!  SKIPPING the PostgreSQL test run. Only SQLite was tested."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; echo; \
	fi

test: lint typecheck check-static test-sqlite test-postgres

# Not a test: figures for a reviewer (bench/README.md). Generates the data set on first use.
bench: venv messages
	@$(BIN)/python scripts/pg_ready.py "$(BENCH_PG_URL)" || { echo "PostgreSQL is not answering at $(BENCH_PG_URL)" >&2; exit 1; }
	BENCH_DATABASE_URL="$(BENCH_PG_URL)" BENCH_CASES=$(BENCH_CASES) SAFEGUARD_ENV=demo SAFEGUARD_DEBUG=0 \
	  $(BIN)/python -m bench.run $(BENCH_ARGS)

# Bulk import speed into SQLite and PostgreSQL (bench/import_bench.py; var/bench/import.json).
bench-import: venv messages
	$(BIN)/python -m bench.import_bench $(IMPORT_BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
