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

# Without CAP_SYS_RESOURCE (a sandbox such as this project's CI), runc cannot lower
# oom_score_adj and no Kubernetes pod could start: run containers through a runtime
# that clamps it (hack/cluster/runc-oom-clamp). Copied out of the clone, which may go
# while the engine keeps running.
runtime_args=()
cap_sys_resource=$(( 1 << 24 ))
if (( (0x$(awk '/^CapEff:/ {print $2}' /proc/self/status) & cap_sys_resource) == 0 )); then
  clamp=/usr/local/lib/favorite-athlete/runc-oom-clamp
  install -D -m 0755 "$(dirname "$0")/cluster/runc-oom-clamp" "$clamp"
  runtime_args=(--add-runtime "oom-clamped=$clamp" --default-runtime oom-clamped)
  echo "start-docker: no CAP_SYS_RESOURCE here; containers run through $clamp"
fi

echo "start-docker: starting dockerd (log: $log)"
nohup dockerd "${runtime_args[@]}" >"$log" 2>&1 &

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
