"""`make doctor` and `make cluster` on the cluster the e2e layer runs against: the loop takes
the current local context as it is, says so, and neither switches the context nor starts
a second cluster; it gives the cluster Traefik for the Ingress class nginx, once."""

import json

import pytest

from harness.kube import kubectl
from harness.loop import run
from scripts import versions
from scripts.project import INGRESS_NAMESPACE

pytestmark = pytest.mark.e2e


def used(cluster):
    """The line that says the loop uses cluster."""
    if cluster == "minikube":
        return "cluster: using minikube: the current context is minikube's (minikube)"
    return f"cluster: using the current context, {cluster} is a local cluster"


def test_make_doctor_names_the_cluster_the_loop_uses(cluster, workspace, tool_env):
    output = run("make", "doctor", cwd=workspace, env=tool_env, timeout=120)
    assert used(cluster) in output, output
    if cluster != "minikube":
        assert "minikube" not in output.split(used(cluster), 1)[1], "minikube is checked although it is not used"


def test_make_cluster_keeps_the_current_context(cluster, workspace, tool_env):
    output = run("make", "cluster", cwd=workspace, env=tool_env, timeout=600)
    assert used(cluster) in output, output
    assert kubectl("config", "current-context").strip() == cluster


def test_make_cluster_gives_the_ingress_class_one_traefik_at_the_pinned_version(cluster, workspace, tool_env):
    """Run twice (the loop's targets run it every time): the second run finds its own Traefik
    and applies it again; nothing is installed twice."""
    pins = versions.read()
    output = run("make", "cluster", cwd=workspace, env=tool_env, timeout=600)
    assert f"ingress: Traefik v{pins['TRAEFIK_VERSION']} serves the Ingress class nginx" in output, output
    deployments = json.loads(kubectl("get", "deployments", "--all-namespaces", "--selector",
                                     "app.kubernetes.io/name=traefik", "--output", "json"))["items"]
    assert [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in deployments] == [(INGRESS_NAMESPACE, "traefik")]
    (container,) = deployments[0]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"docker.io/traefik:v{pins['TRAEFIK_VERSION']}"
    assert deployments[0]["status"].get("readyReplicas") == 1
    ingress_class = json.loads(kubectl("get", "ingressclass", "nginx", "--output", "json"))
    assert ingress_class["spec"]["controller"] == "k8s.io/ingress-nginx"
    assert ingress_class["metadata"]["labels"]["app.kubernetes.io/part-of"] == "favorite-athlete"
    crd = json.loads(kubectl("get", "crd", "httproutes.gateway.networking.k8s.io", "--output", "json"))
    assert crd["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"] == \
        f"v{pins['GATEWAY_API_VERSION']}"
