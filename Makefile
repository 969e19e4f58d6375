# The two commands a new user needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
export MAGE_DATA_DIR ?= $(CURDIR)/.mage_data
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: setup run test lint format ui docs dashboard browser bench clean

# Fully pinned install; re-runs only when requirements.txt changes. The .pth file makes the
# crm_elt package importable from Mage blocks, dbt and tests without installing it.
$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found " + sys.version.split()[0] + ")")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --no-input -q -r requirements.txt
	$(PY) -m pip check
	$(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' | xargs -I{} sh -c 'echo "$(CURDIR)" > {}/crm_elt_project.pth'
	touch $(INSTALLED)

.env:
	cp .env.example .env

setup: $(INSTALLED) .env

run: setup
	@$(PY) -m crm_elt run

test: setup lint browser
	$(VENV)/bin/pytest

# The real-browser tests (pytest -m browser) drive Debian's chromium through Playwright.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "The browser tests need Debian's chromium: run 'sudo apt-get install -y chromium'" \
	    "(or skip them: .venv/bin/pytest -m 'not browser')" >&2; exit 1; fi; }

dashboard: setup
	$(PY) -m crm_elt.dashboard --port 8501

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

ui: setup
	$(PY) -m crm_elt render-triggers
	$(VENV)/bin/mage start hubspot_elt_project --host 127.0.0.1 --port 6789

# Builds the docs (models, tests, exposures and their lineage) and serves them on port 8080.
docs: setup
	cd dbt && CRM_ELT_DATA_DIR=$(CURDIR)/data ../$(VENV)/bin/dbt docs generate --profiles-dir . --target $${ENVIRONMENT:-dev}
	@echo "dbt docs: http://127.0.0.1:8080 (Ctrl+C stops it)"
	cd dbt && CRM_ELT_DATA_DIR=$(CURDIR)/data ../$(VENV)/bin/dbt docs serve --profiles-dir . --target $${ENVIRONMENT:-dev} --host 127.0.0.1 --port 8080 --no-browser

bench: setup
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-bench.txt -c requirements.txt
	for bench in bench/bench_*.py; do $(PY) $$bench || exit 1; done

clean:
	rm -rf data/db data/sandbox data/truth data/hubspot_import data/archive .mage_data dbt/target dbt/logs
