# shellcheck shell=bash
# Where the e2e cluster keeps its state and how it is reached: sourced by up.sh and
# down.sh, with $repo set. E2E_CLUSTER_DIR and GOTOOLS_DIR move it; keep the state
# outside the repository, where Skaffold's and Tilt's file watchers do not look.
state=${E2E_CLUSTER_DIR:-/tmp/favorite-athlete-e2e}
logs=$state/logs
pki=$state/pki
kubeconfig=$state/kubeconfig
bin=${GOTOOLS_DIR:-$repo/bin/e2e}
# Skaffold and Tilt take a context of this name for a local cluster.
context=docker-desktop
# The same cluster under a name neither tool takes as local (nor its cluster entry's name):
# what a team's shared cluster looks like to them (tests/e2e/test_team.py).
shared_context=team-shared
node=e2e-node
# kubelet refuses a loopback node IP: the node gets this address on lo instead, so
# that the API server reaches kubelet (logs, exec, port-forward) without leaving the host.
node_ip=10.200.0.1
api_port=6443
api_url=https://127.0.0.1:$api_port
mirror_port=${E2E_MIRROR_PORT:-5002}
mirror_url=http://127.0.0.1:$mirror_port
pod_cidr=10.244.0.0/24
service_cidr=10.96.0.0/16
service_ip=10.96.0.1
# kubelet 1.35's default sandbox image, built locally by up.sh.
pause_image=registry.k8s.io/pause:3.10.1
