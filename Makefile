# Two commands for a newcomer: `make serve` and `make test`. Both install what they need into .venv and
# tests/js/node_modules first; stamp files make that a no-op until pyproject.toml or the npm lock changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.baas-installed
JS_DIR := tests/js
JS_STAMP := $(JS_DIR)/node_modules/.baas-installed
PYTEST_ARGS ?=

.PHONY: install serve test clean

install: $(PY_STAMP) $(JS_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

# `npm ci` installs exactly the lock file; `npm install` creates the lock the first time
$(JS_STAMP): $(JS_DIR)/package.json $(wildcard $(JS_DIR)/package-lock.json)
	cd $(JS_DIR) && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	touch $@

serve: $(PY_STAMP)
	$(VENV)/bin/baas serve --dir ./baas_data

# pytest exits 5 when it collected nothing: a test run that ran nothing is a failure, said plainly
test: install
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5); treating that as a failure" >&2; fi; \
	exit $$status

clean:
	rm -rf $(VENV) $(JS_DIR)/node_modules build dist .pytest_cache
