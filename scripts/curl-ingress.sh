#!/bin/sh
# GET / through the Ingress and show the answer: `make curl`, and Tilt's curl-ingress button,
# run by `python3 -m scripts curl` (scripts/curl.py), which sets INGRESS_NAMESPACE.
#
# INGRESS_URL, when set, is the address. Otherwise the controller that serves the class nginx
# is reached: Traefik, which `make cluster` installs, through a port-forward of its Service on
# 127.0.0.1 (no sudo, unlike `minikube tunnel`), on every OS and minikube driver. Where an
# ingress-nginx serves it instead (minikube's old ingress addon, or one of your own): on
# minikube on Linux its node address answers from the host, http://$(minikube ip)/; with the
# Docker or Podman driver on macOS and Windows that address is inside Docker Desktop's VM,
# and the same kind of port-forward reaches its Service; so on any other local cluster.
set -eu

profile=${MINIKUBE_PROFILE:-minikube}
# Where `make cluster` installs Traefik (scripts/project.py).
namespace=${INGRESS_NAMESPACE:?run by python3 -m scripts curl, which sets it}
url=${INGRESS_URL:-}
forward=

cleanup() {
  if [ -n "$forward" ]; then
    kill "$forward" 2>/dev/null || true
    wait "$forward" 2>/dev/null || true
  fi
  rm -f "${forward_log:-}"
}
trap cleanup EXIT INT TERM

# Port-forward the Service $3 in namespace $2 of context $1 (an ingress controller's) to a
# free port on 127.0.0.1; set url to it.
forward_to_controller() {
  forward_log=$(mktemp)
  # :80 lets kubectl pick a free local port; it prints which.
  kubectl --context "$1" --namespace "$2" port-forward --address 127.0.0.1 \
    "service/$3" :80 >"$forward_log" 2>&1 &
  forward=$!
  port=
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$forward_log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$forward" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "curl-ingress: the port-forward to the ingress controller ($2/$3) did not start:" >&2
    cat "$forward_log" >&2
    echo "curl-ingress: $1 runs no controller for the Ingress class nginx: make cluster installs one" \
         "(Traefik), or set INGRESS_URL to where the Ingress answers" >&2
    exit 1
  fi
  url="http://127.0.0.1:$port/"
}

nginx_controller() {
  forward_to_controller "$1" ingress-nginx ingress-nginx-controller
}

if [ -z "$url" ]; then
  context=$(kubectl config current-context 2>/dev/null || true)
  if kubectl --context "$context" --namespace "$namespace" get service traefik >/dev/null 2>&1; then
    forward_to_controller "$context" "$namespace" traefik
  elif [ "$context" != "$profile" ]; then
    nginx_controller "$context"
  else
    driver=$(minikube -p "$profile" profile list -o json 2>/dev/null | python3 -c '
import json, sys
profiles = json.load(sys.stdin).get("valid") or []
print(next((p["Config"]["Driver"] for p in profiles if p.get("Name") == sys.argv[1]), ""))
' "$profile" 2>/dev/null || true)
    case "$(uname -s)/$driver" in
      Linux/*|*/) url="http://$(minikube -p "$profile" ip)/" ;;
      */docker|*/podman) nginx_controller "$profile" ;;
      *) url="http://$(minikube -p "$profile" ip)/" ;;
    esac
  fi
fi

echo "GET $url"
curl --fail --silent --show-error --max-time 10 "$url"
echo
