#!/bin/sh
# GET / through the Ingress and show the answer: `make curl`, and Tilt's curl-ingress button.
#
# INGRESS_URL, when set, is the address (CI sets Traefik's). Otherwise, on minikube, minikube
# says: on Linux its node address answers from the host, http://$(minikube ip)/. With the
# Docker or Podman driver on macOS and Windows that address is inside Docker Desktop's VM
# and a curl to it times out; the controller's Service is then reached through a
# port-forward on 127.0.0.1, which needs no sudo (unlike `minikube tunnel`). On any other
# local cluster (Docker Desktop, kind, k3d, ...) the same port-forward reaches it.
set -eu

profile=${MINIKUBE_PROFILE:-minikube}
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

# Port-forward the ingress controller's Service of context $1 to a free port on 127.0.0.1;
# set url to it.
forward_to_controller() {
  forward_log=$(mktemp)
  # :80 lets kubectl pick a free local port; it prints which.
  kubectl --context "$1" --namespace ingress-nginx port-forward --address 127.0.0.1 \
    service/ingress-nginx-controller :80 >"$forward_log" 2>&1 &
  forward=$!
  port=
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$forward_log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$forward" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "curl-ingress: the port-forward to the ingress-nginx controller did not start:" >&2
    cat "$forward_log" >&2
    if [ "$1" = "$profile" ]; then
      echo "curl-ingress: is the addon on? minikube -p $profile addons enable ingress" >&2
    else
      echo "curl-ingress: $1 runs no ingress-nginx controller; set INGRESS_URL to where its Ingress answers" >&2
    fi
    exit 1
  fi
  url="http://127.0.0.1:$port/"
}

if [ -z "$url" ]; then
  context=$(kubectl config current-context 2>/dev/null || true)
  if [ "$context" != "$profile" ]; then
    forward_to_controller "$context"
  else
    driver=$(minikube -p "$profile" profile list -o json 2>/dev/null | python3 -c '
import json, sys
profiles = json.load(sys.stdin).get("valid") or []
print(next((p["Config"]["Driver"] for p in profiles if p.get("Name") == sys.argv[1]), ""))
' "$profile" 2>/dev/null || true)
    case "$(uname -s)/$driver" in
      Linux/*|*/) url="http://$(minikube -p "$profile" ip)/" ;;
      */docker|*/podman) forward_to_controller "$profile" ;;
      *) url="http://$(minikube -p "$profile" ip)/" ;;
    esac
  fi
fi

echo "GET $url"
curl --fail --silent --show-error --max-time 10 "$url"
echo
