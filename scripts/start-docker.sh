#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when there is
# no engine and starts dockerd in the background. Idempotent; CI calls it first.
set -euo pipefail

log=${DOCKERD_LOG:-/tmp/dockerd.log}

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "start-docker: no Docker engine, and it can only be installed here as root on Debian." >&2
    echo "start-docker: install Docker (https://docs.docker.com/engine/install/) and start it." >&2
    exit 1
  fi
  echo "start-docker: installing docker.io from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

echo "start-docker: starting dockerd (log: $log)"
nohup dockerd >"$log" 2>&1 &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "start-docker: engine ready ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
echo "start-docker: dockerd did not answer within 60 s; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
