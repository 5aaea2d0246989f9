# Meridian: `make run` serves on 127.0.0.1:8000 (MERIDIAN_PORT); `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
