#!/usr/bin/env bash
# Starts a one-node Kubernetes cluster of host processes, the test equipment of the e2e
# layer: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, cri-dockerd
# (kubelet's way to the local Docker engine, as in minikube), kubelet and kube-proxy; no
# Ingress controller: `make cluster` installs Traefik into it, as on a user's cluster.
# The kubeconfig's context is named docker-desktop, which Skaffold and Tilt both take
# for a local cluster: they build into the local engine and never push; its second
# context, team-shared, is the same cluster as a team's remote one looks to them. Beside it, a
# Distribution registry on 127.0.0.1:5001 that the `remote` profile's test pushes to:
# kubelet pulls through the host's engine, which takes 127.0.0.0/8 for plain HTTP.
#
# Everything it makes is under E2E_CLUSTER_DIR (logs in its logs/ folder); down.sh
# stops every process by the PID recorded there and removes the rest. Binaries come
# from GOTOOLS_DIR (hack/gotools.py build). Run as root on Linux, with cgroup v1
# or v2, no systemd needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=hack/cluster/env.sh
. "$here/env.sh"

fail() {
  echo "cluster: $*" >&2
  exit 1
}

# Say which component failed and show the end of its log.
die_with_log() {
  local name=$1
  shift
  echo "cluster: $name $*; the last lines of $logs/$name.log:" >&2
  tail -n 40 "$logs/$name.log" >&2 || true
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (kubelet manages cgroups, mounts and iptables)"
for tool in docker openssl socat nsenter conntrack iptables; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing (Debian: apt-get install docker.io openssl socat util-linux conntrack iptables)"
done
[ -x /usr/lib/cni/bridge ] || fail "CNI plugins are missing (Debian: apt-get install containernetworking-plugins)"
for binary in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl cri-dockerd traefik registry; do
  [ -x "$bin/$binary" ] || fail "$bin/$binary is missing: build it with 'make e2e-tools'"
done
docker info >/dev/null 2>&1 || fail "no Docker engine answers (hack/start-docker.sh starts one)"
# Without CAP_SYS_RESOURCE no pod starts unless the engine clamps oom_score_adj.
if (( (0x$(awk '/^CapEff:/ {print $2}' /proc/self/status) & (1 << 24)) == 0 )) &&
   [ "$(docker info --format '{{.DefaultRuntime}}')" != oom-clamped ]; then
  fail "this sandbox lacks CAP_SYS_RESOURCE and dockerd does not run containers through
  hack/cluster/runc-oom-clamp: stop dockerd and start it with hack/start-docker.sh"
fi
if [ -f "$state/pids" ] && [ -s "$state/pids" ]; then
  fail "a cluster already runs from $state (stop it with 'make e2e-cluster-down')"
fi

started=$(date +%s)
mkdir -p "$logs" "$pki" "$state/cni" "$state/cni-cache" "$state/etcd" "$state/commands"
: >"$state/pids"

# Run a component in the background with its output in logs/NAME.log; record its PID.
start() {
  local name=$1
  shift
  echo "cluster: starting $name"
  nohup "$@" >>"$logs/$name.log" 2>&1 &
  echo "$! $name" >>"$state/pids"
  # How to start it again: hack/cluster/restart.sh.
  printf '%q ' "$@" >"$state/commands/$name"
}

# Wait up to $2 seconds for the command after it to succeed, while $1 still runs.
wait_for() {
  local name=$1 seconds=$2
  shift 2
  local pid
  pid=$(awk -v n="$name" '$2 == n {print $1}' "$state/pids")
  for _ in $(seq 1 "$((seconds * 2))"); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || die_with_log "$name" "exited"
    sleep 0.5
  done
  die_with_log "$name" "was not ready within $seconds s"
}

# --- certificates: one CA; the API server's serving certificate; one client
# certificate in system:masters that every component uses (test equipment only).
openssl_quiet() { openssl "$@" 2>>"$logs/openssl.log"; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=e2e-ca" \
  -keyout "$pki/ca.key" -out "$pki/ca.crt"
issue() {
  local name=$1 subject=$2 extensions=$3
  openssl_quiet req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$pki/$name.key" -out "$pki/$name.csr"
  openssl_quiet x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -out "$pki/$name.crt" -extfile <(printf '%s\n' "$extensions")
}
issue apiserver "/CN=kube-apiserver" \
  "subjectAltName=IP:127.0.0.1,IP:$node_ip,IP:$service_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
issue admin "/O=system:masters/CN=e2e-admin" "extendedKeyUsage=clientAuth"
openssl_quiet genrsa -out "$pki/sa.key" 2048
openssl_quiet rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

"$bin/kubectl" --kubeconfig "$kubeconfig" config set-cluster "$context" --server "$api_url" \
  --certificate-authority "$pki/ca.crt" --embed-certs >/dev/null
"$bin/kubectl" --kubeconfig "$kubeconfig" config set-credentials e2e-admin \
  --client-certificate "$pki/admin.crt" --client-key "$pki/admin.key" --embed-certs >/dev/null
"$bin/kubectl" --kubeconfig "$kubeconfig" config set-context "$context" --cluster "$context" --user e2e-admin >/dev/null
"$bin/kubectl" --kubeconfig "$kubeconfig" config set-cluster "$shared_context" --server "$api_url" \
  --certificate-authority "$pki/ca.crt" --embed-certs >/dev/null
"$bin/kubectl" --kubeconfig "$kubeconfig" config set-context "$shared_context" --cluster "$shared_context" \
  --user e2e-admin >/dev/null
"$bin/kubectl" --kubeconfig "$kubeconfig" config use-context "$context" >/dev/null
k() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

# --- the pod sandbox image: no registry here, so built from Kubernetes' own pause.c.
if ! docker image inspect "$pause_image" >/dev/null 2>&1; then
  pause_src=$(cd "$repo/hack/tools/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c
  scratch=$(mktemp -d)
  gcc -Os -static -o "$scratch/pause" "$pause_src"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$scratch/Dockerfile"
  docker build --quiet -t "$pause_image" "$scratch" >/dev/null
  rm -rf "$scratch"
  echo "cluster: built $pause_image from pause.c"
fi

# --- etcd and the control plane.
start etcd "$bin/etcd" --name e2e --data-dir "$state/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster e2e=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381
wait_for etcd 30 curl -fsS http://127.0.0.1:2381/health

start kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --bind-address 0.0.0.0 --advertise-address "$node_ip" --secure-port "$api_port" \
  --client-ca-file "$pki/ca.crt" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc --service-cluster-ip-range "$service_cidr" \
  --authorization-mode Node,RBAC --allow-privileged \
  --kubelet-preferred-address-types InternalIP \
  --profiling=false
wait_for kube-apiserver 90 k get --raw /readyz

start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-cidr "$pod_cidr" --service-cluster-ip-range "$service_cidr" --profiling=false
start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# --- the node: cri-dockerd, the CNI bridge, kubelet, kube-proxy.
cat >"$state/cni/10-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "e2e",
  "plugins": [
    {"type": "bridge", "bridge": "e2e0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_cidr"}]], "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$state/cni-ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
start cri-dockerd "$bin/cri-dockerd" --container-runtime-endpoint "unix://$state/cri-dockerd.sock" \
  --cri-dockerd-root-directory "$state/cri-dockerd" --network-plugin cni --cni-bin-dir /usr/lib/cni \
  --cni-conf-dir "$state/cni" --cni-cache-dir "$state/cni-cache" --pod-infra-container-image "$pause_image" \
  --streaming-bind-addr 127.0.0.1:0 --log-level info
wait_for cri-dockerd 30 test -S "$state/cri-dockerd.sock"

ip addr show dev lo | grep -q " $node_ip/32 " || ip addr add "$node_ip/32" dev lo
# Docker sets the FORWARD policy to DROP, and with br_netfilter on, even traffic between two
# pods on the bridge passes that chain: let the pods' bridge through, as Docker does for its
# own (what any CNI setup on a Docker host needs; the Ingress controller talks to the app).
for direction in -i -o; do
  iptables -C FORWARD "$direction" e2e0 -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 "$direction" e2e0 -j ACCEPT
done
cat >"$state/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
healthzBindAddress: 127.0.0.1
containerRuntimeEndpoint: unix://$state/cri-dockerd.sock
# These machines run cgroup v1 without systemd: kubelet 1.35+ refuses cgroup v1
# unless told not to (supported until at least 1.38).
failCgroupV1: false
cgroupDriver: cgroupfs
# No CAP_SYS_RESOURCE here: kubelet may not lower its own oom_score_adj.
oomScoreAdj: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
failSwapOn: false
resolvConf: /etc/resolv.conf
# The CI machine's disk and memory are shared with everything else it runs.
evictionHard: {memory.available: "1%", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
EOF
start kubelet "$bin/kubelet" --config "$state/kubelet.yaml" --kubeconfig "$kubeconfig" \
  --root-dir "$state/kubelet" --hostname-override "$node" --node-ip "$node_ip"
wait_for kubelet 90 k get node "$node"

cat >"$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $kubeconfig}
hostnameOverride: $node
mode: iptables
clusterCIDR: $pod_cidr
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
oomScoreAdj: 0
# Leave the host's conntrack table size alone: it is not ours to set in a sandbox.
conntrack: {maxPerCore: 0}
EOF
start kube-proxy "$bin/kube-proxy" --config "$state/kube-proxy.yaml"

echo "cluster: waiting for node $node to be Ready"
wait_for kubelet 120 k wait --for condition=Ready "node/$node" --timeout 1s
wait_for kube-controller-manager 60 k get serviceaccount default --namespace default

# --- What `make cluster` installs, as a user's machine would pull it: Traefik's image,
# built from the binary above (nothing can be pulled here: the same version, not the same
# bytes as docker.io's), and the Gateway API's standard-install.yaml, rebuilt from the
# checksummed Go module with upstream's own recipe and served on 127.0.0.1 as the release
# download (TOOLS_MIRROR), so that scripts/ingress.py downloads and checks it for real.
# Pods reach the API server at the node's address (bound above), as in any cluster.
. "$repo/versions.env"
if ! docker image inspect "traefik:v$TRAEFIK_VERSION" >/dev/null 2>&1; then
  scratch=$(mktemp -d)
  cp "$bin/traefik" "$scratch/traefik"
  printf 'FROM scratch\nCOPY traefik /traefik\nUSER 65532:65532\nENTRYPOINT ["/traefik"]\n' >"$scratch/Dockerfile"
  docker build --quiet -t "traefik:v$TRAEFIK_VERSION" "$scratch" >/dev/null
  rm -rf "$scratch"
  echo "cluster: built traefik:v$TRAEFIK_VERSION from the Go build"
fi
bash "$here/gateway-api-release.sh" "$state/mirror"
start mirror python3 -m http.server --bind 127.0.0.1 --directory "$state/mirror" "$mirror_port"
wait_for mirror 30 curl -fsS "$mirror_url/"

# --- the image registry: no auth, its blobs under the state folder (down.sh removes
# them). Port 5000 is the app's port-forward. Without OTEL_TRACES_EXPORTER=none, v3
# sends traces to localhost:4318 and logs an error every few seconds.
registry=127.0.0.1:5001
cat >"$state/registry.yaml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $state/registry
http:
  addr: $registry
  secret: $(openssl rand -hex 16)
EOF
OTEL_TRACES_EXPORTER=none start registry "$bin/registry" serve "$state/registry.yaml"
wait_for registry 30 curl -fsS "http://$registry/v2/"

echo "cluster: ready in $(( $(date +%s) - started )) s: Kubernetes $(k version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'), node $node"
echo "cluster: export KUBECONFIG=$kubeconfig TOOLS_MIRROR=$mirror_url   # context $context"
echo "cluster: a registry at $registry (no auth): skaffold's --default-repo=$registry/NAME"
