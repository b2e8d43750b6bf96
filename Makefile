SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
IMAGE ?= flask-app
# Empty: the Dockerfile's default (the official Python image). CI sets a local stand-in.
BASE_IMAGE ?=
# `host` lets pip inside `docker build` use this machine's network settings.
BUILD_NETWORK ?= default

PYTEST := $(VENV)/bin/python -m pytest
BUILD_ARGS := --network $(BUILD_NETWORK) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE))

# $(call require,TOOL,HOW TO GET IT): stop with a clear message when TOOL is missing.
require = command -v $(1) >/dev/null 2>&1 || { echo "make $@: '$(1)' is not installed. $(2)" >&2; exit 127; }

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: local
local: venv ## Run the service on this machine with live reload (no cluster needed).
	HOST=127.0.0.1 PORT=$(PORT) $(VENV)/bin/python -m devserver

.PHONY: image
image: ## Build both images, tagged IMAGE:dev and IMAGE:prod.
	@$(call require,docker,Install Docker: https://docs.docker.com/get-docker/)
	docker build $(BUILD_ARGS) --target dev -t $(IMAGE):dev .
	docker build $(BUILD_ARGS) --target prod -t $(IMAGE):prod .

##@ Test

.PHONY: test
test: venv ## Run every test layer: unit, config, server and container.
	$(PYTEST)

.PHONY: test-unit
test-unit: venv ## Run the unit tests only (the fast gate before each deploy).
	$(PYTEST) -q tests/unit

.PHONY: venv
venv: $(VENV)/.installed ## Create or update the local virtualenv from the pinned requirements.

$(VENV)/.installed: requirements.txt requirements-prod.txt requirements-dev.txt requirements-test.txt
	@$(call require,$(PYTHON),Install Python 3.11 or newer: https://www.python.org/downloads/)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

##@ Cleanup

.PHONY: clean
clean: ## Remove the virtualenv and Python caches.
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
