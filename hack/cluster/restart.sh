#!/usr/bin/env bash
# Stops one component of the e2e cluster, keeps it down for DOWN_SECONDS, and starts it
# again with the command up.sh started it with: for the API server, what a laptop that
# loses its connection to a remote cluster sees (tests/e2e/test_team.py).
# Usage: restart.sh NAME [DOWN_SECONDS]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=hack/cluster/env.sh
. "$here/env.sh"

name=${1:?usage: restart.sh NAME [DOWN_SECONDS]}
down=${2:-0}
pid=$(awk -v n="$name" '$2 == n {print $1}' "$state/pids" 2>/dev/null | tail -1 || true)
if [ -z "$pid" ] || [ ! -f "$state/commands/$name" ]; then
  echo "restart: no $name was started from $state" >&2
  exit 1
fi
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
sleep "$down"
# A session of its own: a signal to the group of whoever ran this script never reaches it.
eval "setsid nohup $(cat "$state/commands/$name") >>\"$logs/$name.log\" 2>&1 &"
restarted=$!
sed -i "s/^$pid $name\$/$restarted $name/" "$state/pids"
echo "restart: $name ($pid) stopped, down ${down} s, started again ($restarted)"
