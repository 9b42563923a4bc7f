# Warme doorverwijzing — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
UV_VERSION := 0.13.8
LOCK := $(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --quiet $(LOCK_FLAGS)

.DEFAULT_GOAL := help
.PHONY: help run run-peers test lint lock openapi openapi-check bench clean

# the sandbox encrypts personal data under a local key made once in var/data-keys (README)
RUN_ENV  := PUBLIC_BASE_URL=http://$(HOST):$(PORT) WEBHOOK_ALLOW_LOCAL=true SESSION_COOKIE_SECURE=false DATA_KEYS_SANDBOX=true
PEER_ENV := SCHULDENKNOOPPUNT_URL=http://127.0.0.1:8101/soap VROEGSIGNALERING_URL=http://127.0.0.1:8102/api/v1 \
	SCHULDENKNOOPPUNT_POLL_SECONDS=2

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# dependencies from the lock (pinned, hashed); the project itself editable, without dependencies
$(BIN)/wdv: pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

lock: $(BIN)/wdv ## re-resolve requirements/*.txt after a change in pyproject.toml (LOCK_FLAGS=--upgrade: newest versions)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(LOCK) pyproject.toml requirements/build.in -o requirements/runtime.txt
	$(LOCK) pyproject.toml requirements/build.in --extra dev -o requirements/dev.txt

run: $(BIN)/wdv ## install, migrate the database, load reference and sandbox data, serve on 127.0.0.1:8000 (PORT=…)
	$(BIN)/wdv db upgrade
	$(BIN)/wdv sandbox
	@echo "API docs: http://$(HOST):$(PORT)/v1/docs"
	@echo "Portal:   http://$(HOST):$(PORT)/inloggen (log in with a sandbox user printed above)"
	$(RUN_ENV) $(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-server-header

# the simulator gets the callback key in its environment, not on its command line (ps shows that)
run-peers: $(BIN)/wdv ## like run, with the Schuldenknooppunt (:8101) and Vroegsignalering (:8102) simulators
	$(BIN)/wdv db upgrade
	$(PEER_ENV) $(RUN_ENV) $(BIN)/wdv sandbox
	@key=$$($(BIN)/wdv key create "Schuldhulp Rotterdam Voorbeeld" --omschrijving simulator); \
	trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	$(BIN)/wdv simulate schuldenknooppunt --port 8101 & \
	VROEGSIGNALERING_CALLBACK_KEY="$$key" $(BIN)/wdv simulate vroegsignalering --port 8102 & \
	echo "API docs: http://$(HOST):$(PORT)/v1/docs; simulators: hub :8101, Vroegsignalering :8102"; \
	$(PEER_ENV) $(RUN_ENV) $(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-server-header

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
	npx --yes @stoplight/spectral-cli@6 lint -r openapi/spectral.yaml openapi/openapi.json

bench: $(BIN)/wdv ## performance benchmarks (routing 100k addresses, intake throughput)
	$(BIN)/pytest -m bench -p no:cacheprovider -q benchmarks

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
