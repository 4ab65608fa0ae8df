# The two commands (README): `make demo` runs the main job end to end, `make test` runs every test.
# Both create .venv and install the pinned lock themselves (uv from PyPI installs it; plain pip works too).
# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set (CI machines) every dbt, lafa and pytest
# process would otherwise recompile dbt, Great Expectations and scipy from source (~10 s each).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.9.30
SQL_PATHS := models tests analyses

export DO_NOT_TRACK := 1
export LAFA_DUCKDB_PATH ?= data/lafa.duckdb

.PHONY: help install ml-install demo test lint bq-check pytest clean
.DEFAULT_GOAL := help

help:  ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(VENV)/.installed profiles.yml dbt_packages/.pins.yml  ## create .venv with the pinned dependencies, ./profiles.yml and dbt_packages/

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

# The ML baselines' packages (scikit-learn, xgboost-cpu, mlflow-skinny; requirements-ml.in says why these) on top of the
# main lock: only `lafa train` and its tests need them, so `make install` and `make demo` stay without them (~7 s and
# ~180 MB more; docs/performance.md has the measurements).
ml-install: $(VENV)/.installed-ml  ## add the ML packages of `lafa train` (requirements-ml.lock) to .venv

$(VENV)/.installed-ml: $(VENV)/.installed requirements-ml.lock
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-ml.lock
	@touch $@

profiles.yml: profiles.yml.example
	cp profiles.yml.example profiles.yml

# dbt packages (packages.yml, pinned): `dbt deps` from the dbt Hub, else the Hub tarballs in $$LAFA_DBT_MIRROR
# (default ../shared/dbt-mirror; docs/development.md, "dbt packages").
dbt_packages/.pins.yml: packages.yml $(VENV)/.installed profiles.yml
	$(BIN)/python scripts/dbt_deps.py
	@touch $@

demo: install  ## main job: synthetic fleet -> load -> dbt build -> ML exports -> summary (data/lafa.duckdb)
	$(BIN)/lafa demo

test: install lint bq-check pytest  ## every test: ruff, sqlfluff, BigQuery compile check, pytest (incl. dbt build, data + unit tests)

lint: install  ## ruff + sqlfluff
	$(BIN)/ruff check lafa tests scripts
	$(BIN)/ruff format --check lafa tests scripts
	LAFA_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(BIN)/sqlfluff lint --processes 2 $(SQL_PATHS)

bq-check: install  ## compile every model for BigQuery offline (both incremental states) and check the SQL
	$(BIN)/python scripts/check_bigquery.py

# A local BigQuery emulator for tests/python/test_bigquery_emulator.py, in its own venv (its pins differ).
# crucible-emulator[server] and its dependencies pinned in scripts/bq_emulator.lock (~10 s to install).
.venv-bqemu/.installed: scripts/bq_emulator.lock
	@test -x .venv-bqemu/bin/python || $(PYTHON) -m venv .venv-bqemu
	.venv-bqemu/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/bq_emulator.lock
	@touch $@

# Two workers (pytest-xdist); the modules that read the default fleet share one (xdist_group), which builds it once.
pytest: install ml-install .venv-bqemu/.installed  ## Python tests, including end-to-end dbt builds on generated fleets
	$(BIN)/pytest -q -n 2 --dist loadgroup

clean:  ## remove generated data and dbt artifacts (keeps .venv)
	rm -rf data target logs
