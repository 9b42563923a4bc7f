# Warme doorverwijzing — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run run-peers test lint openapi openapi-check bench clean

PEER_ENV := SCHULDENKNOOPPUNT_URL=http://127.0.0.1:8101/soap VROEGSIGNALERING_URL=http://127.0.0.1:8102/api/v1 \
	SCHULDENKNOOPPUNT_POLL_SECONDS=2 PUBLIC_BASE_URL=http://$(HOST):$(PORT)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/wdv: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(BIN)/wdv ## install, migrate the database, load reference and sandbox data, serve on 127.0.0.1:8000
	$(BIN)/wdv db upgrade
	$(BIN)/wdv sandbox
	@echo "API docs: http://$(HOST):$(PORT)/v1/docs"
	WEBHOOK_ALLOW_LOCAL=true $(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-server-header

run-peers: $(BIN)/wdv ## like run, with the Schuldenknooppunt (:8101) and Vroegsignalering (:8102) simulators
	$(BIN)/wdv db upgrade
	$(PEER_ENV) $(BIN)/wdv sandbox
	@key=$$($(BIN)/wdv key create "Schuldhulp Rotterdam Voorbeeld" --omschrijving simulator); \
	trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	$(BIN)/wdv simulate schuldenknooppunt --port 8101 & \
	$(BIN)/wdv simulate vroegsignalering --port 8102 --callback-key "$$key" & \
	echo "API docs: http://$(HOST):$(PORT)/v1/docs; simulators: hub :8101, Vroegsignalering :8102"; \
	$(PEER_ENV) WEBHOOK_ALLOW_LOCAL=true $(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-server-header

test: $(BIN)/wdv ## install and run the tests (SQLite, and PostgreSQL when reachable), ruff, mypy, OpenAPI drift
	$(BIN)/ruff check app tests benchmarks migrations
	$(BIN)/ruff format --check app tests benchmarks migrations
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(BIN)/wdv ## ruff (fixing) and mypy
	$(BIN)/ruff check --fix app tests benchmarks migrations
	$(BIN)/ruff format app tests benchmarks migrations
	$(BIN)/mypy

openapi: $(BIN)/wdv ## rewrite the committed OpenAPI document from the code
	$(BIN)/wdv openapi > openapi/openapi.json

openapi-check: ## lint the committed OpenAPI document with the NL API Design Rules (needs npm and ../shared)
	npx --yes @stoplight/spectral-cli lint -r ../shared/anchors/adr/linter.yaml openapi/openapi.json

bench: $(BIN)/wdv ## performance benchmarks (routing 100k addresses, intake throughput)
	$(BIN)/pytest -m bench -p no:cacheprovider -q benchmarks

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
