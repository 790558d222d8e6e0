# Beacon: two commands on a fresh machine.
#   make run   - set everything up, load the demo data and serve http://127.0.0.1:8000
#   make test  - set up what the tests need (browser included) and run every test
# BEACON_HOST / BEACON_PORT change where `make run` listens; BEACON_DATABASE_URL the database.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
INSTALLED := $(VENV)/.installed
ASSETS := src/beacon/web/static/vendor/.built
CHROMIUM := /usr/bin/chromium

.PHONY: install system-deps run serve demo test test-deps bench lint format assets clean

install: $(INSTALLED) $(ASSETS) system-deps

# WeasyPrint (assessment PDFs) renders with the system's Pango and fonts.
system-deps:
	@if ! ldconfig -p | grep -q libpango-1.0; then \
		echo "installing Pango and fonts for the assessment PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	fi

# Exact versions (with hashes) from requirements.lock; regenerate with `make lock`.
$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set (as on some machines)
	# every command would otherwise recompile what it imports (esda: 4 s instead of 0.4 s).
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# Front-end packages come from the npm registry at build time (package-lock.json pins them).
$(ASSETS): package.json package-lock.json scripts/build_assets.py
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/build_assets.py
	touch $@

assets: $(ASSETS)

lock:
	$(BIN)/uv pip compile pyproject.toml --extra demo --extra dev --extra spark --python-version 3.11 \
		--generate-hashes -o requirements.lock

run: install
	$(BIN)/beacon db upgrade
	$(BIN)/beacon demo load
	$(BIN)/beacon serve

serve: install
	$(BIN)/beacon serve

demo: install
	$(BIN)/beacon demo load

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
# The Spark engine tests need a Java runtime (Spark 4 needs Java 17 or newer).
test-deps:
	@missing=""; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "installing for the tests:$$missing (PDF read-back, browser, Spark engine)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: install test-deps
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/run.py

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

clean:
	rm -rf $(VENV) node_modules src/beacon/web/static/vendor .pytest_cache .mypy_cache .ruff_cache
