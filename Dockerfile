# The favorite athlete server. Three targets, the images the loop builds (every other
# stage is a step towards them):
#   dev   - reloads within milliseconds when a synced .py file changes (devserver.py)
#   debug - the dev image under debugpy (`make debug`, `make tilt-debug`)
#   prod  - Granian (serve.py), no dev tooling
# BASE_IMAGE is any image with python3 and its venv module; CI builds a local
# stand-in because it cannot pull the official one.
ARG BASE_IMAGE=python:3.12-slim-bookworm

FROM ${BASE_IMAGE} AS base
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app

# uv, at the release versions.env pins (a config test keeps the two equal), in a stage of
# its own: the images install with it and none of them carries it.
FROM base AS uv
ARG UV_VERSION=0.13.9
RUN python3 -m venv /opt/uv \
 && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check uv==${UV_VERSION} \
 && ln -s /opt/uv/bin/uv /usr/local/bin/uv
# The base image's Python, never a download; the base image's trust store, as pip uses it (a
# proxy's CA the machine trusts); bytecode compiled once here, not by each worker the dev
# server starts (PYTHONDONTWRITEBYTECODE keeps it from writing any at run time).
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_SYSTEM_CERTS=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1
WORKDIR /project

# Dependencies come before the code, so that an edit to app/ reuses these layers. uv.lock is
# the only list: each image syncs the groups it runs from it, every hash checked, and
# --locked fails the build when pyproject.toml declares what the lock does not hold yet.
# The dev stages come first: Docker's classic builder (what Skaffold uses) builds
# every stage above the target, so `skaffold dev` never waits for prod's.
FROM uv AS locked
COPY pyproject.toml uv.lock ./

FROM locked AS dev-venv
RUN uv sync --locked --no-install-project --no-default-groups --group dev

# The synced code is owned by the user the server runs as, so that a file that
# `skaffold dev` or Tilt copies in can replace the one built into the image.
FROM base AS dev
COPY --from=dev-venv /opt/venv /opt/venv
COPY devserver.py ./
COPY --chown=10001:10001 app/ ./app/
USER 10001:10001
EXPOSE 5000
CMD ["python3", "-m", "devserver"]

# debugpy on a path of its own, so that the debug image adds it as one layer above the
# dev image, and the dev image never carries it.
FROM locked AS debug-requirements
RUN uv export --locked --no-emit-project --only-group debug --format requirements-txt --quiet \
      --output-file /tmp/debug-requirements.txt

# From the debug group alone: a change to the lock that leaves it as it was reuses this layer.
FROM uv AS debug-packages
COPY --from=debug-requirements /tmp/debug-requirements.txt /tmp/
RUN uv pip install --require-hashes --no-deps --target /opt/debug-packages \
      --requirements /tmp/debug-requirements.txt

# `make debug`, `tilt up -- --debug`: the dev server under debugpy, which follows each
# worker a save starts. It listens on the pod's loopback only: it reaches a laptop
# through a port-forward, never through the pod's network. A command that already runs
# debugpy is one `skaffold debug` keeps (no helper image to pull). Frozen stdlib
# modules cost nothing here: breakpoints are set in app/, never in the stdlib.
FROM dev AS debug
COPY --from=debug-packages /opt/debug-packages /opt/debug-packages
ENV PYDEVD_DISABLE_FILE_VALIDATION=1 \
    PYTHONPATH=/opt/debug-packages
CMD ["python3", "-m", "debugpy", "--listen", "127.0.0.1:5678", "-m", "devserver"]

FROM locked AS prod-venv
RUN uv sync --locked --no-install-project --no-default-groups --group prod

FROM base AS prod
COPY --from=prod-venv /opt/venv /opt/venv
COPY serve.py ./
COPY app/ ./app/
USER 10001:10001
EXPOSE 5000
CMD ["python3", "-m", "serve"]
