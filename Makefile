# cs_metrics — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir profiles
DEMO_DIR := data/demo
# The same company as the connectors write it (docs/presets/README.md)
FIVETRAN_DIR := data/demo-fivetran
FIVETRAN_DB := target/cs_metrics_fivetran.duckdb
FIVETRAN_VARS = {raw_data_dir: $(FIVETRAN_DIR), billing_source: stripe, crm_source: salesforce, support_source: zendesk, events_source: segment, as_of_date: $(DEMO_AS_OF)}
# ... with HubSpot instead of Salesforce (`--crm hubspot`; linted with .sqlfluff-hubspot)
HUBSPOT_DIR := data/demo-fivetran-hubspot
DEMO_ACCOUNTS ?= 1000
DEMO_SEED ?= 42
# The demo's last day, which is also its as-of date: pinned (mid-month, so the month in
# progress shows), so every `make demo` builds the same company and the figures the docs quote
# reproduce (`make docs-figures`). `make demo DEMO_END=today` builds up to today (UTC) instead.
DEMO_END ?= 2026-11-18
DEMO_AS_OF := $(if $(filter today,$(DEMO_END)),$(shell date -u +%F),$(DEMO_END))
DEMO_VARS := --vars '{raw_data_dir: $(DEMO_DIR), as_of_date: $(DEMO_AS_OF)}'
# what the demo data is made of: new data when one of them changes
DEMO_PARAMS := accounts=$(DEMO_ACCOUNTS) seed=$(DEMO_SEED) end=$(DEMO_AS_OF)
DEMO_PARAMS_FILE := target/.demo_params
export CS_METRICS_DB ?= target/cs_metrics.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help install demo demo-data demo-fivetran demo-fivetran-data build validate docs docs-figures semantic lint typecheck check test pytest test-engines bench clean FORCE

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  The demo is pinned: $(DEMO_ACCOUNTS) accounts, seed $(DEMO_SEED), up to and as of $(DEMO_END);"
	@echo "  make demo DEMO_END=today builds it up to today (UTC), DEMO_END=YYYY-MM-DD up to that day."

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

install: $(BIN)/.installed ## Create .venv and install the pinned dependencies

# rewritten only when the parameters change, so that the data is regenerated exactly then
$(DEMO_PARAMS_FILE): FORCE
	@mkdir -p $(@D)
	@echo '$(DEMO_PARAMS)' | cmp -s - $@ || echo '$(DEMO_PARAMS)' > $@

# New demo data (other parameters or another generator) starts a new demo database: the
# month close and the incremental usage keep state between builds, and the as-of date may
# move back.
$(DEMO_DIR)/.cs_metrics_demo: $(DEMO_PARAMS_FILE) $(wildcard src/cs_metrics/generate/*.py) src/cs_metrics/contract.py $(wildcard models/staging/*/_*__sources.yml) | $(BIN)/.installed
	$(BIN)/cs-metrics generate --accounts $(DEMO_ACCOUNTS) --seed $(DEMO_SEED) --end $(DEMO_AS_OF) --out $(DEMO_DIR)
	rm -f $(CS_METRICS_DB) $(CS_METRICS_DB).wal

demo-data: $(DEMO_DIR)/.cs_metrics_demo ## Generate the demo raw data (data/demo; pinned end, see DEMO_END)

$(FIVETRAN_DIR)/.cs_metrics_demo: $(DEMO_PARAMS_FILE) $(wildcard src/cs_metrics/generate/*.py src/cs_metrics/generate/fivetran/*.py) src/cs_metrics/contract.py $(wildcard models/staging/*/_*__sources.yml) | $(BIN)/.installed
	$(BIN)/cs-metrics generate --accounts $(DEMO_ACCOUNTS) --seed $(DEMO_SEED) --end $(DEMO_AS_OF) --out $(FIVETRAN_DIR) --layout fivetran
	rm -f $(FIVETRAN_DB) $(FIVETRAN_DB).wal

demo-fivetran-data: $(FIVETRAN_DIR)/.cs_metrics_demo ## Generate the demo company in the connector layout (data/demo-fivetran)

$(HUBSPOT_DIR)/.cs_metrics_demo: $(DEMO_PARAMS_FILE) $(wildcard src/cs_metrics/generate/*.py src/cs_metrics/generate/fivetran/*.py) src/cs_metrics/contract.py $(wildcard models/staging/*/_*__sources.yml) | $(BIN)/.installed
	$(BIN)/cs-metrics generate --accounts $(DEMO_ACCOUNTS) --seed $(DEMO_SEED) --end $(DEMO_AS_OF) --out $(HUBSPOT_DIR) --layout fivetran --crm hubspot

demo-fivetran: install demo-fivetran-data ## Build the demo from the connectors' tables (Stripe, Salesforce, Zendesk, Segment presets) into its own database
	CS_METRICS_DB=$(FIVETRAN_DB) $(DBT) build $(DBT_FLAGS) --target-path target/fivetran --vars '$(FIVETRAN_VARS)'
	-$(BIN)/cs-metrics validate $(FIVETRAN_DIR)
	@echo
	CS_METRICS_DB=$(FIVETRAN_DB) $(BIN)/cs-metrics summary --db $(FIVETRAN_DB)
	@echo "DuckDB database: $(FIVETRAN_DB)  (the same marts as make demo, read from the connector layout)"

build: install demo-data ## dbt build (models + all tests) on the demo data, as of its end date
	$(DBT) build $(DBT_FLAGS) $(DEMO_VARS)
	@# the build's test results, for the quality report: later dbt commands (docs generate)
	@# overwrite target/run_results.json
	mkdir -p target/last_build && cp target/run_results.json target/manifest.json target/last_build/

demo: build ## Install, generate the pinned demo (or DEMO_END=today), build everything and print a summary
	$(DBT) --quiet docs generate --static $(DBT_FLAGS) $(DEMO_VARS)
	@echo
	$(BIN)/cs-metrics summary --db $(CS_METRICS_DB)
	@echo
	$(BIN)/cs-metrics report --db $(CS_METRICS_DB) --out target/report.html
	@echo
	-$(BIN)/cs-metrics validate $(DEMO_DIR) --as-of $(DEMO_AS_OF)
	-$(BIN)/cs-metrics validate --marts --db $(CS_METRICS_DB)
	$(BIN)/cs-metrics quality-report --db $(CS_METRICS_DB) --out target/quality_report.html
	@echo
	@echo "DuckDB database: $(CS_METRICS_DB)  (query the marts schema with any DuckDB client)"
	@echo "Docs: target/static_index.html  (one file: open it in a browser; or serve with: .venv/bin/dbt docs serve --profiles-dir profiles)"

validate: build ## Great Expectations suites on the demo raw data and on the built marts
	$(BIN)/cs-metrics validate $(DEMO_DIR) --as-of $(DEMO_AS_OF)
	$(BIN)/cs-metrics validate --marts --target duckdb --db $(CS_METRICS_DB)

docs: install demo-data ## dbt docs (models, metrics, semantic models, saved queries) as one file: target/static_index.html
	$(DBT) docs generate --static $(DBT_FLAGS) $(DEMO_VARS)
	@echo "Docs: target/static_index.html  (open it in any browser, offline)"

docs-figures: build ## Rewrite every figure README.md and docs/ quote from the pinned demo build
	$(BIN)/python scripts/docs_figures.py --db $(CS_METRICS_DB) --data $(DEMO_DIR)

# MetricFlow reads target/semantic_manifest.json (written by the build's parse)
# and queries the build through the read-only profile output.
semantic: build ## MetricFlow: validate the semantic layer's configs and its queries on the DuckDB build
	DBT_PROFILES_DIR=profiles CS_METRICS_TARGET=duckdb_readonly $(BIN)/mf validate-configs

lint: install demo-data demo-fivetran-data $(HUBSPOT_DIR)/.cs_metrics_demo ## ruff + SQLFluff (dbt templater, duckdb dialect)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/sqlfluff lint models analyses data-tests
	@# the connector presets' models are disabled unless selected: lint them selected
	$(BIN)/sqlfluff lint models/connectors --config .sqlfluff-presets
	$(BIN)/sqlfluff lint models/connectors/hubspot --config .sqlfluff-hubspot

typecheck: install ## mypy on src/ (configured in pyproject.toml)
	$(BIN)/mypy

pytest: install ## pytest suites (generator, pipeline, metrics recomputed in Python)
	$(BIN)/pytest

test-engines: install ## The project on PostgreSQL and Spark (apt-installs them when missing), compared with DuckDB
	bash scripts/engines/run.sh

check: build semantic lint typecheck pytest ## The quick loop (a few minutes): DuckDB build, semantic layer, lint, type check and pytest on small data

test: check test-engines ## Everything CI checks: make check, then PostgreSQL and Spark

bench: install ## Time 100,000 accounts on DuckDB, contract and connector layout, against a one-query floor (about 30 min; ACCOUNTS=300000, ENGINE=spark, BENCH_ARGS='--layout contract')
	$(BIN)/python scripts/bench.py $(if $(ACCOUNTS),--accounts $(ACCOUNTS)) $(if $(ENGINE),--engine $(ENGINE)) $(BENCH_ARGS)

clean: ## Remove build output and the demo data
	rm -rf target target_lint logs $(DEMO_DIR) $(FIVETRAN_DIR) $(HUBSPOT_DIR)
