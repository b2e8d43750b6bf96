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
MINIKUBE_PROFILE ?= minikube
# The tools of the Kubernetes loop, pinned to current stable releases. A target
# that needs one downloads it into ./bin (checksum verified) when the one on
# PATH is missing or older; ./bin comes first on PATH for every target.
MINIKUBE_VERSION ?= 1.38.1
KUBECTL_VERSION ?= 1.37.1
SKAFFOLD_VERSION ?= 2.17.0
TILT_VERSION ?= 0.37.0
export MINIKUBE_VERSION KUBECTL_VERSION SKAFFOLD_VERSION TILT_VERSION
export PATH := $(CURDIR)/bin:$(PATH)
# Where `make curl` reaches the Ingress; empty: http://$(minikube ip)/.
INGRESS_URL ?=

PYTEST := $(VENV)/bin/python -m pytest
TOOLS := $(PYTHON) scripts/tools.py
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

##@ Kubernetes (minikube with Skaffold or Tilt)

.PHONY: doctor
doctor: ## Say where docker, minikube, kubectl, skaffold and tilt are, and if they meet the pins.
	$(TOOLS) doctor

.PHONY: tools
tools: ## Fetch any of minikube, kubectl, skaffold and tilt that is missing or older than its pin into ./bin.
	$(TOOLS) ensure minikube kubectl skaffold tilt

.PHONY: cluster
cluster: ## Start minikube with the ingress addon and wait for its controller.
	$(TOOLS) ensure docker minikube kubectl
	MINIKUBE_PROFILE=$(MINIKUBE_PROFILE) sh scripts/cluster.sh

.PHONY: dev
dev: cluster ## Build, test, deploy, port-forward and sync edits: `skaffold dev`.
	$(TOOLS) ensure skaffold
	skaffold dev

.PHONY: run
run: cluster ## Deploy the prod image once: `skaffold run`.
	$(TOOLS) ensure skaffold
	skaffold run

.PHONY: tilt
tilt: cluster ## The same loop with Tilt's dashboard: `tilt up`.
	$(TOOLS) ensure tilt
	tilt up

.PHONY: curl
curl: ## GET / through the Ingress and show the JSON.
	@$(call require,curl,Install curl from your package manager.)
	url="$(INGRESS_URL)"; url=$${url:-http://$$(minikube -p $(MINIKUBE_PROFILE) ip)/}; \
	  echo "GET $$url"; curl --fail --silent --show-error --max-time 10 "$$url"; echo

.PHONY: down
down: ## Delete what `make dev`, `make run` or `make tilt` deployed.
	if command -v skaffold >/dev/null; then skaffold delete; fi
	if command -v tilt >/dev/null; then tilt down; fi

.PHONY: e2e
e2e: cluster venv ## End to end on minikube: skaffold run, the Ingress, skaffold dev with an edit.
	$(TOOLS) ensure skaffold
	E2E=1 $(PYTEST) tests/e2e

##@ Test

.PHONY: test
test: venv ## Run every test layer: unit, config, server and container.
	$(PYTEST)

.PHONY: test-unit
test-unit: venv ## Run the unit tests only (the fast gate before each deploy).
	$(PYTEST) -q -p no:hypothesispytest tests/unit

.PHONY: venv
venv: $(VENV)/.installed ## Create or update the local virtualenv from the pinned requirements.

$(VENV)/.installed: requirements.txt requirements-prod.txt requirements-dev.txt requirements-test.txt
	@$(call require,$(PYTHON),Install Python 3.11 or newer: https://www.python.org/downloads/)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

##@ Benchmarks

.PHONY: bench
bench: venv ## Measure edit-to-live, the test gate, throughput and image weight (bench-results/).
	@$(call require,docker,Install Docker: https://docs.docker.com/get-docker/)
	$(VENV)/bin/python -m bench

##@ Cleanup

.PHONY: clean
clean: ## Remove the virtualenv, Python caches and benchmark results.
	rm -rf $(VENV) .pytest_cache .hypothesis bench-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
