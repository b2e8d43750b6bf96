SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
# Where the app answers on this machine: `make local`, and the forward of `make tilt`.
PORT ?= 5000
IMAGE ?= flask-app
# Empty: the Dockerfile's default (the official Python image). CI sets a local stand-in.
BASE_IMAGE ?=
# `host` lets pip inside `docker build` use this machine's network settings.
BUILD_NETWORK ?= default
MINIKUBE_PROFILE ?= minikube
# Every tool version is pinned in versions.env (the one place): the scripts read it
# themselves (scripts/versions.py), make for UV_VERSION only.
# A target that needs minikube, kubectl, skaffold or tilt downloads the pinned
# release into ./bin (checksum verified) when the one on PATH is missing or too
# old; ./bin comes first on PATH for every target.
# The pins never reach a tool's environment, so make exports none of them: Skaffold
# reads SKAFFOLD_<FLAG> variables as flags (SKAFFOLD_VERSION=2.24.0 would become
# `--version 2.24.0`).
include versions.env
export PATH := $(CURDIR)/bin:$(PATH)
# The one entry point of the project's commands (scripts/__main__.py).
SCRIPTS := $(PYTHON) -m scripts
# How `skaffold dev` notices a save: it stats the files its artifacts, tests and manifests
# depend on every WATCH_POLL_MS. Its default trigger (notify) watches the whole tree and
# waits for a pause in every file event there, so a log that grows inside the project, a
# test run's caches or a tool writing into .venv/ holds back every save; polling never looks
# at those. Its default interval, 1000 ms, is most of the time from a save to every pod
# serving it; at 100 ms Skaffold uses about 6 % of one core while idle, against 0.1 % for
# notify (docs/explanation/design.md: polling, not Skaffold's default trigger).
WATCH_POLL_MS ?= 100
WATCH_FLAGS := --trigger=polling --watch-poll-interval=$(WATCH_POLL_MS)
# The tool made sure of, then the loop; a closed terminal ends it as Ctrl-C does, deployment
# removed (scripts/run.py, scripts/foreground.py).
FOREGROUND := $(SCRIPTS) run --foreground
# Where `make curl` reaches the Ingress; empty: found from the cluster (see scripts/curl-ingress.sh).
INGRESS_URL ?=
# Empty: the loop uses the current kube context when it is a local cluster, else starts
# minikube; `minikube` always starts minikube (scripts/cluster.py).
CLUSTER ?=
export INGRESS_URL MINIKUBE_PROFILE CLUSTER
# A team loop on a shared cluster (docs/how-to/team.md): set REGISTRY, where the image is pushed
# and the cluster pulls it from, and the loop runs on KUBE_CONTEXT (default: the current context, fixed
# when make starts) in NAMESPACE (default: your login name made a namespace name).
REGISTRY ?=
ifneq ($(REGISTRY),)
ifeq ($(origin KUBE_CONTEXT),undefined)
# PATH spelled out: before make 4.4, $(shell) does not see the exported one (./bin first).
KUBE_CONTEXT := $(shell PATH='$(PATH)' kubectl config current-context 2>/dev/null)
endif
TEAM_NAMESPACE := $(or $(NAMESPACE),$(shell $(SCRIPTS) cluster namespace))
SKAFFOLD_TEAM := -p remote --default-repo=$(REGISTRY) --kube-context=$(KUBE_CONTEXT) --namespace=$(TEAM_NAMESPACE)
TILT_TEAM := --context=$(KUBE_CONTEXT) --namespace=$(TEAM_NAMESPACE)
export KUBE_CONTEXT
endif
export REGISTRY
# More flags for `tilt up`: TILT_ARGS="--stream --port 10360" runs it headless.
TILT_ARGS ?=
# Where `make tilt-debug` forwards the debugger (`make debug`: Skaffold takes 5678 or the next free port).
DEBUG_PORT ?= 5678

PYTEST := $(VENV)/bin/python -m pytest
# uv installs the locked dependencies: the one on PATH when it is not older than UV_VERSION
# (an older one may not read uv.lock), else the pinned release, fetched from PyPI into
# ./bin/uv by the Python that is already here.
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
UV_NOT_OLDER = $(shell "$(UV_ON_PATH)" --version 2>/dev/null | awk -v pin=$(UV_VERSION) '{ \
  n = split($$2, found, "."); split(pin, pinned, "."); \
  for (i = 1; i <= 3; i++) { if (found[i] + 0 > pinned[i] + 0) { print "yes"; exit } \
                             if (found[i] + 0 < pinned[i] + 0) exit } \
  if (n >= 3) print "yes" }')
UV := $(if $(and $(UV_ON_PATH),$(UV_NOT_OLDER)),$(UV_ON_PATH),$(CURDIR)/bin/uv/bin/uv)
BUILD_ARGS := --network $(BUILD_NETWORK) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE))

# $(call require,TOOL,HOW TO GET IT): stop with a clear message when TOOL is missing.
require = command -v $(1) >/dev/null 2>&1 || { echo "make $@: '$(1)' is not installed. $(2)" >&2; exit 127; }

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-17s\033[0m %s\n", $$1, $$2 } \
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

##@ Kubernetes (your local cluster or minikube; a team's cluster with REGISTRY=...)

.PHONY: doctor
doctor: ## Say which cluster the loop uses and why, where each tool is, if it meets its pin, and kubectl's skew.
	$(SCRIPTS) cluster doctor

.PHONY: tools
tools: ## Fetch any of minikube, kubectl, skaffold and tilt that is missing or older than its pin into ./bin.
	$(SCRIPTS) tools ensure minikube kubectl skaffold tilt

.PHONY: cluster
cluster: ## Use the current local cluster (Docker Desktop, kind, k3d, ...), else start minikube; Traefik for the Ingress.
	$(SCRIPTS) cluster up

# The loops depend on venv: their test gate runs `make test-unit`, and a first install of the
# venv (every locked package downloaded) would otherwise run inside Skaffold's 120 s test timeout.
.PHONY: dev
dev: cluster venv ## Build, test, deploy, port-forward and sync edits: `skaffold dev`.
	$(FOREGROUND) $(strip skaffold dev $(WATCH_FLAGS) $(SKAFFOLD_TEAM))

.PHONY: debug
debug: cluster venv ## The same loop with the app under debugpy: attach your IDE to 127.0.0.1:5678 (`skaffold debug`).
	$(FOREGROUND) $(strip skaffold debug --auto-sync=true --auto-build=true --auto-deploy=true $(WATCH_FLAGS) $(SKAFFOLD_TEAM))

.PHONY: run
run: cluster venv ## Deploy the prod image once: `skaffold run`.
	$(SCRIPTS) run $(strip skaffold run $(SKAFFOLD_TEAM))

.PHONY: tilt
tilt: cluster venv ## The same loop with Tilt's dashboard: `tilt up`.
	$(SCRIPTS) run tilt up $(TILT_ARGS) $(TILT_TEAM) -- --port $(PORT)

.PHONY: tilt-debug
tilt-debug: cluster venv ## `make tilt` with the app under debugpy, forwarded to localhost:5678 (`tilt up -- --debug`).
	$(SCRIPTS) run tilt up $(TILT_ARGS) $(TILT_TEAM) -- --port $(PORT) --debug --debug-port $(DEBUG_PORT)

.PHONY: team-namespace
team-namespace: ## Cluster admin, once per developer: NAMESPACE=NAME DEVELOPER=User:NAME gets a namespace with the loop's Role.
	$(SCRIPTS) namespace grant "$(NAMESPACE)" "$(DEVELOPER)"

.PHONY: curl
curl: ## GET / through the Ingress and show the JSON.
	@$(call require,curl,Install curl from your package manager.)
	@if [ -n "$(REGISTRY)" ]; then echo "make curl: a team loop deploys no Ingress (docs/how-to/team.md):" \
	  "your app answers on the loop's port-forward, e.g. curl http://127.0.0.1:5000/" >&2; exit 2; fi
	@$(SCRIPTS) curl

.PHONY: down
down: ## Delete what `make dev`, `make run` or `make tilt` deployed (a team loop: in its own namespace only).
	$(SCRIPTS) cluster check
	if command -v skaffold >/dev/null; then $(strip skaffold delete $(SKAFFOLD_TEAM)); fi
	if command -v tilt >/dev/null; then $(strip tilt down $(TILT_TEAM)); fi

.PHONY: e2e
e2e: cluster venv ## End to end on the loop's cluster: the e2e layer of `make test`, with the real tools.
	$(SCRIPTS) tools ensure skaffold tilt
	$(PYTEST) tests/e2e

##@ CI cluster (test equipment: Kubernetes, Skaffold and Tilt built from Go modules)

.PHONY: e2e-tools
e2e-tools: ## Build etcd, Kubernetes, cri-dockerd, Traefik, skaffold, tilt and a registry at their pins (slow once).
	@$(call require,go,Install Go 1.26 or newer: https://go.dev/doc/install)
	$(PYTHON) -m hack.gotools build

.PHONY: e2e-cluster
e2e-cluster: e2e-tools ## Start the one-node cluster of host processes (Linux, root); prints the KUBECONFIG to use.
	bash hack/cluster/up.sh

.PHONY: e2e-cluster-down
e2e-cluster-down: ## Stop that cluster and remove everything it made.
	bash hack/cluster/down.sh

.PHONY: tools-mod
tools-mod: ## Regenerate hack/tools/*/go.mod after a version changes in versions.env.
	@$(call require,go,Install Go 1.26 or newer: https://go.dev/doc/install)
	$(PYTHON) -m hack.gotools mod

##@ Test

.PHONY: test
test: venv ## Run every test layer: unit, config, tools, bench, server, container, hardening and e2e.
	$(PYTEST)

.PHONY: test-unit
test-unit: venv ## Run the unit tests only (the fast gate before each deploy).
	$(PYTEST) -q -p no:hypothesispytest tests/unit

.PHONY: venv
venv: $(VENV)/.installed ## Create or update the local virtualenv from uv.lock (every hash checked).

# uv is fetched here, not as a prerequisite: an up-to-date venv needs nothing (the copies of
# the project that the e2e tests deploy use this repo's venv, and fetch nothing).
$(VENV)/.installed: pyproject.toml uv.lock
	@$(MAKE) --no-print-directory $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --all-groups --compile-bytecode --python $(PYTHON) --quiet
	touch $@

$(CURDIR)/bin/uv/bin/uv:
	@$(call require,$(PYTHON),Install Python 3.11 or newer: https://www.python.org/downloads/)
	$(PYTHON) -m venv bin/uv
	bin/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

##@ Dependencies (declared in pyproject.toml, locked with hashes in uv.lock)

.PHONY: lock
lock: | $(UV) ## Resolve pyproject.toml into uv.lock after a hand edit (uv add/remove lock by themselves); LOCK_ARGS=--upgrade bumps all.
	$(UV) lock $(LOCK_ARGS)

##@ Benchmarks

.PHONY: bench
bench: venv ## Measure edit-to-live, the test gate, throughput, image weight and builds (bench-results/); deploys to the current cluster for many minutes.
	@$(call require,docker,Install Docker: https://docs.docker.com/get-docker/)
	$(VENV)/bin/python -m bench

##@ Cleanup

.PHONY: clean
clean: ## Remove the virtualenv, Python caches and benchmark results (./bin, the fetched tools, stays).
	rm -rf $(VENV) .pytest_cache .hypothesis bench-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
