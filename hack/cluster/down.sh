#!/usr/bin/env bash
# Stops the e2e cluster that up.sh started, every process by the PID it recorded (the
# last started first), removes the pods' containers from the Docker engine, unmounts
# what kubelet mounted and deletes the state folder. Safe to run when nothing runs.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=hack/cluster/env.sh
. "$here/env.sh"

if [ -f "$state/pids" ]; then
  tac "$state/pids" | while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster: stopping $name ($pid)"
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && { echo "cluster: $name did not stop in 10 s; killing it"; kill -9 "$pid"; }
    fi
  done
fi

# kubelet's pods are Docker containers named k8s_*: without kubelet nobody removes them.
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  containers=$(docker ps -aq --filter name=k8s_)
  if [ -n "$containers" ]; then
    echo "cluster: removing $(echo "$containers" | wc -l) pod containers"
    # shellcheck disable=SC2086  # one ID a word
    docker rm -f $containers >/dev/null
  fi
fi

if [ -d "$state" ]; then
  # Volumes that kubelet mounted for the pods (tmpfs for projected tokens).
  grep -o " $state/[^ ]*" /proc/mounts | sort -r | while read -r mount; do umount "$mount" 2>/dev/null || umount -l "$mount"; done
  rm -rf "$state"
fi
# The node's address, the CNI bridge, and the iptables rules kube-proxy wrote (it
# removes its own).
ip addr del "$node_ip/32" dev lo 2>/dev/null || true
for direction in -i -o; do
  while iptables -D FORWARD "$direction" e2e0 -j ACCEPT 2>/dev/null; do :; done
done
# up.sh's stand-in for docker.io's Traefik image: it must not shadow the real one for
# anything else that runs on this engine.
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  . "$repo/versions.env"
  docker rmi "traefik:v$TRAEFIK_VERSION" >/dev/null 2>&1 || true
fi
ip link delete e2e0 2>/dev/null || true
if [ -x "$bin/kube-proxy" ]; then
  "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || echo "cluster: kube-proxy --cleanup failed; its iptables rules may remain"
fi
echo "cluster: stopped"
