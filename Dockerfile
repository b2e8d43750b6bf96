# The favorite athlete server. Three targets:
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

# Dependencies come before the code, so that an edit to app/ reuses these layers.
# requirements*.txt are exported from uv.lock (`make requirements`): every package
# pinned with its hashes, so pip refuses anything that does not match.
# The dev stages come first: Docker's classic builder (what Skaffold uses) builds
# every stage above the target, so `skaffold dev` never waits for prod's.
FROM base AS venv
RUN python3 -m venv /opt/venv
COPY requirements.txt /tmp/requirements/
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps -r /tmp/requirements/requirements.txt

FROM venv AS dev-venv
COPY requirements-dev.txt /tmp/requirements/
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps -r /tmp/requirements/requirements-dev.txt \
 && pip uninstall --yes --quiet pip setuptools

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
FROM venv AS debug-packages
COPY requirements-debug.txt /tmp/requirements/
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps \
      --target /opt/debug-packages -r /tmp/requirements/requirements-debug.txt

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

FROM venv AS prod-venv
COPY requirements-prod.txt /tmp/requirements/
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps -r /tmp/requirements/requirements-prod.txt \
 && pip uninstall --yes --quiet pip setuptools

FROM base AS prod
COPY --from=prod-venv /opt/venv /opt/venv
COPY serve.py ./
COPY app/ ./app/
USER 10001:10001
EXPOSE 5000
CMD ["python3", "-m", "serve"]
