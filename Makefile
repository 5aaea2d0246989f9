# Meridian: `make run` serves on 127.0.0.1:8000 (MERIDIAN_PORT); `make test` runs every test.
# Installs come from requirements.lock (exact versions with hashes); `make lock` refreshes it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
LOCK := requirements.lock
STAMP := $(VENV)/.installed-stamp
# pip-tools writes the lock; it lives in its own environment, outside the locked one.
LOCK_TOOLS := .venv-lock
PIP_TOOLS_VERSION := 7.6.2
# `make lock` upgrades every package; `make lock LOCK_ARGS='--upgrade-package babel'` only one.
LOCK_ARGS ?= --upgrade

.PHONY: install lock run test lint bench clean

# A new lock rebuilds the environment from scratch, so it holds exactly what the lock says.
$(STAMP): $(LOCK) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip check --disable-pip-version-check
	touch $(STAMP)

install: $(STAMP)

lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || $(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet pip-tools==$(PIP_TOOLS_VERSION)
	$(LOCK_TOOLS)/bin/pip-compile --quiet $(LOCK_ARGS) --extra dev --generate-hashes \
		--allow-unsafe --strip-extras --all-build-deps --no-emit-index-url --no-emit-find-links \
		--output-file $(LOCK) pyproject.toml

include mk/locales.mk

run: install locales-compile
	$(VENV)/bin/meridian run

test: install locales-compile
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy routing service workers

bench: install locales-compile
	$(PY) bench/langid.py
	$(PY) bench/calendar.py
	$(PY) bench/route.py

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) var .pytest_cache .mypy_cache .ruff_cache
