#!/bin/sh
# Waits until the nginx ingress controller (and so its admission webhook) is
# ready, so that applying an Ingress does not fail with "failed calling webhook".
# Used by `make cluster` and as Skaffold's before-deploy hook; Skaffold passes
# the context it deploys to in SKAFFOLD_KUBE_CONTEXT.
set -eu

timeout=${INGRESS_WAIT_TIMEOUT:-180s}
context=${SKAFFOLD_KUBE_CONTEXT:+--context=$SKAFFOLD_KUBE_CONTEXT}
selector=app.kubernetes.io/component=controller,app.kubernetes.io/name=ingress-nginx

# shellcheck disable=SC2086  # $context is one optional word
if ! kubectl $context get namespace ingress-nginx >/dev/null 2>&1; then
  echo "wait-for-ingress: no ingress-nginx namespace; the Ingress will not route" \
       "until a controller runs (minikube: make cluster, or minikube addons enable ingress)." >&2
  exit 0
fi

echo "wait-for-ingress: waiting up to $timeout for the ingress-nginx controller"
# shellcheck disable=SC2086
kubectl $context --namespace ingress-nginx wait pod --selector "$selector" \
  --for condition=Ready --timeout "$timeout"
