#!/bin/sh
# Skaffold's before-deploy hook: waits until the controller that serves the Ingress class
# nginx is ready. Traefik (what `make cluster` installs) has no admission webhook; an
# ingress-nginx does, and applying an Ingress before it answers fails with "failed calling
# webhook". Skaffold passes the context it deploys to in SKAFFOLD_KUBE_CONTEXT.
set -eu

timeout=${INGRESS_WAIT_TIMEOUT:-180s}
context=${SKAFFOLD_KUBE_CONTEXT:+--context=$SKAFFOLD_KUBE_CONTEXT}

# shellcheck disable=SC2086  # $context is one optional word
if kubectl $context --namespace favorite-athlete-ingress get deployment traefik >/dev/null 2>&1; then
  echo "wait-for-ingress: waiting up to $timeout for Traefik"
  # shellcheck disable=SC2086
  exec kubectl $context --namespace favorite-athlete-ingress rollout status deployment/traefik --timeout "$timeout"
fi

# shellcheck disable=SC2086
if ! kubectl $context get namespace ingress-nginx >/dev/null 2>&1; then
  echo "wait-for-ingress: no controller serves the Ingress class nginx; the Ingress will not" \
       "route until one does (make cluster installs Traefik)." >&2
  exit 0
fi

echo "wait-for-ingress: waiting up to $timeout for the ingress-nginx controller"
# shellcheck disable=SC2086
kubectl $context --namespace ingress-nginx wait pod \
  --selector app.kubernetes.io/component=controller,app.kubernetes.io/name=ingress-nginx \
  --for condition=Ready --timeout "$timeout"
