#!/bin/sh
# Starts minikube if it is not running and points kubectl at it; scripts/ingress.py then
# gives it an Ingress controller. Honours KUBECONFIG and MINIKUBE_PROFILE.
set -eu

profile=${MINIKUBE_PROFILE:-minikube}
kubeconfig=${KUBECONFIG:-$HOME/.kube/config}
kubeconfig=${kubeconfig%%:*}

# minikube writes its context into the kubeconfig; a file created by `sudo`
# makes that fail with "permission denied" halfway through the start.
if [ -e "$kubeconfig" ] && [ ! -w "$kubeconfig" ]; then
  echo "cluster: $kubeconfig is not writable by $(id -un) (was it created with sudo?)." >&2
  echo "cluster: fix it with: sudo chown $(id -u):$(id -g) $kubeconfig" >&2
  echo "cluster: or use a file of your own: KUBECONFIG=\$HOME/.kube/minikube.yaml make cluster" >&2
  exit 1
fi
mkdir -p "$(dirname "$kubeconfig")"

if minikube -p "$profile" status >/dev/null 2>&1; then
  echo "cluster: minikube profile $profile is running"
  minikube -p "$profile" update-context
else
  # Docker, said explicitly: minikube 1.39 makes containerd the default, and the loop builds
  # into the Docker engine that runs the pods.
  minikube -p "$profile" start --container-runtime=docker \
    --kubernetes-version "v${KUBERNETES_VERSION:?the Makefile sets it from versions.env}"
fi
kubectl config use-context "$profile"
