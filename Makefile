# Two commands for a fresh machine (Debian/Ubuntu, Python >= 3.11, Node >= 20):
#   make demo   run uatkit on the bundled demo project
#   make test   the whole test suite, with lint and type checks
# Each sets up what it needs first and is safe to run twice: `make demo` the virtualenv, Python packages, the
# pinned Allure CLI and a browser; `make test` also LibreOffice Calc where it can be installed (its round-trip
# tests; the demo does not use it).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UATKIT := $(BIN)/uatkit

.PHONY: demo test test-lowest setup lint typecheck clean fonts postgresql

setup: $(VENV)/.installed node_modules/.installed .browser .libreoffice fonts postgresql

$(VENV)/.installed: pyproject.toml constraints.txt
	@bash scripts/check-python.sh $(PYTHON)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,dev]'
	@# setuptools leaves an egg-info in src/ that pytest would take for a second uatkit distribution
	rm -rf src/*.egg-info *.egg-info
	@touch $@

node_modules/.installed: package.json package-lock.json
	@bash scripts/check-node.sh
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.browser: $(VENV)/.installed
	@bash scripts/setup-browser.sh

# Optional: without it (not root, no apt-get) the LibreOffice round-trip tests are skipped, saying why.
.libreoffice:
	@bash scripts/setup-libreoffice.sh

# Optional: a Chinese font (fonts-noto-cjk) so Chinese PDFs and screenshots show text, not boxes; checked each time.
fonts:
	@bash scripts/setup-fonts.sh

# Optional: PostgreSQL's server programs for the ledger's PostgreSQL tests (each session starts a throw-away
# cluster with initdb + pg_ctl and stops it); without them those tests are skipped, saying why.
postgresql:
	@bash scripts/setup-postgresql.sh

# The demo needs no LibreOffice: only the packages, the Allure CLI, a browser and the fonts it prints with.
demo: $(VENV)/.installed node_modules/.installed .browser fonts
	@bash scripts/demo.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks steps fixtures conftest.py
	$(BIN)/ruff format --check src tests benchmarks steps fixtures conftest.py
	@# ARCHITECTURE.md's layer rule and no import circles (contracts in pyproject.toml)
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed
	$(BIN)/mypy

test: setup lint typecheck
	@# the engine's own tests, then the demo project's acceptance suite at every level
	$(BIN)/python -m pytest -n 2 tests
	$(BIN)/python -m pytest -n 2 --alluredir reports/allure-results --clean-alluredir
	$(MAKE) test-lowest

# The lowest versions pyproject.toml allows, in a separate virtualenv (.venv-lowest), against the engine
# tests that need no browser and no Allure CLI (docs/install.md).
test-lowest: $(VENV)/.installed
	@bash scripts/test-lowest.sh

clean:
	rm -rf $(VENV) .venv-lowest node_modules reports/* .browser .libreoffice
