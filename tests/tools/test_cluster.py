"""scripts/cluster.py (`make cluster`, and so `make dev`, `make tilt`, `make run`): which cluster
the loop uses, for each kind of kube context.

kubectl and minikube are fakes on PATH that answer as each kind of cluster would and record
how they were called: no cluster is started and nothing is sent anywhere.
"""

import subprocess

import pytest

from scripts.project import REPO
from tests.tools.conftest import SCRIPTS, fakes_on_path

FAKES = {
    # `make cluster` makes sure of docker and kubectl first: both here, kubectl at the pin.
    "docker": "#!/bin/sh\necho 28.2.2\n",
    "kubectl": """#!/bin/sh
echo "kubectl $*" >>"$FAKE_LOG"
# A team loop names its context in each call.
[ "$1" = --context ] && shift 2
case "$*" in
  "version --client --output=json") echo '{"clientVersion": {"gitVersion": "v1.35.4"}}' ;;
  "get namespace "*" --output json")
    case "$FAKE_NAMESPACE" in
      missing) echo 'Error from server (NotFound): namespaces "x" not found' >&2; exit 1 ;;
      forbidden) echo 'Error from server (Forbidden): namespaces "x" is forbidden' >&2; exit 1 ;;
      *) echo '{"metadata": {"labels": {'"$FAKE_NAMESPACE"'}, "annotations": {'"$FAKE_OWNER"'}}}' ;;
    esac ;;
  "auth whoami --output json")
    echo '{"status": {"userInfo": {"username": "'"${FAKE_USER:-jane}"'", "groups": ["team-x"]}}}' ;;
  "create --filename -") cat >>"$FAKE_LOG"; [ -z "$FAKE_CREATE_FORBIDDEN" ] || {
      echo 'Error from server (Forbidden): namespaces is forbidden' >&2; exit 1; } ;;
  "config current-context") [ -n "$FAKE_CONTEXT" ] && echo "$FAKE_CONTEXT" || exit 1 ;;
  "config view --minify --output json")
    echo '{"clusters": [{"name": "'"$FAKE_CLUSTER"'", "cluster": {"server": "'"$FAKE_SERVER"'"}}]}' ;;
  "get --raw /readyz"*) [ -n "$FAKE_ANSWERS" ] || { echo "connection refused" >&2; exit 1; } ;;
  "get nodes"*) echo "$FAKE_RUNTIME" ;;
  # The Gateway API is there already: scripts/ingress.py downloads nothing (tests/tools/test_ingress.py).
  *" rollout status deployment/traefik"*) [ -z "$FAKE_INGRESS_FAILS" ] || { echo "timed out" >&2; exit 1; } ;;
  "get crd/httproutes"*) echo '{"metadata": {"annotations": {"gateway.networking.k8s.io/bundle-version": "v1.4.0"}}}' ;;
esac
""",
    "minikube": """#!/bin/sh
echo "minikube $*" >>"$FAKE_LOG"
case "$*" in
  "version --short") echo v1.38.1 ;;
  *status*) [ -n "$FAKE_MINIKUBE_RUNNING" ] || exit 7 ;;
esac
""",
}
PINS = {"MINIKUBE_VERSION": "1.38.1", "KUBERNETES_VERSION": "1.35.4"}


@pytest.fixture
def cluster(tmp_path):
    """Run scripts/cluster.py with the fakes on PATH; return (exit code, output, the fakes' log)."""
    fakes, log = fakes_on_path(tmp_path, FAKES)

    def run(command, context="", cluster_name=None, server="https://127.0.0.1:6443", answers=True,
            runtime="docker://28.2.2", **env):
        log.write_text("")
        environment = {"PATH": f"{fakes}:/usr/bin:/bin", "HOME": str(tmp_path), "FAKE_LOG": str(log),
                       "FAKE_CONTEXT": context, "FAKE_CLUSTER": context if cluster_name is None else cluster_name,
                       "FAKE_SERVER": server, "FAKE_ANSWERS": "1" if answers else "", "FAKE_RUNTIME": runtime,
                       "TOOLS_BIN": str(tmp_path / "bin"), **PINS, **env}
        result = subprocess.run([*SCRIPTS, "cluster", command], capture_output=True, text=True, cwd=REPO,
                                timeout=60, env=environment)
        return result.returncode, result.stdout + result.stderr, log.read_text()

    return run


def started_minikube(calls):
    """Whether minikube was asked to start."""
    return "minikube -p minikube start --container-runtime=docker --kubernetes-version v1.35.4" in calls


@pytest.mark.parametrize(("context", "cluster_name"), [
    ("docker-desktop", "docker-desktop"),
    ("kind-dev", "kind-dev"),
    ("k3d-dev", "k3d-dev"),
    ("dev@kind", "kind"),
])
def test_a_local_cluster_both_tools_build_for_is_used_as_it_is(cluster, context, cluster_name):
    code, output, calls = cluster("up", context, cluster_name)
    assert code == 0, output
    assert f"cluster: using the current context, {context} is a local cluster" in output
    assert "minikube" not in calls and "use-context" not in calls


@pytest.mark.parametrize("context", ["rancher-desktop", "orbstack", "colima"])
def test_a_local_cluster_on_this_docker_engine_is_used_as_it_is(cluster, context):
    code, output, calls = cluster("up", context, runtime="docker://24.0.7")
    assert code == 0, output
    assert f"{context} is a local cluster on this Docker engine" in output
    assert "build.local.push: false" in output
    assert "minikube" not in calls


def test_a_local_cluster_whose_nodes_run_containerd_needs_a_registry_so_it_stops(cluster):
    code, output, calls = cluster("up", "rancher-desktop", runtime="containerd://1.7.27")
    assert code == 1
    assert "cluster: stopping: the current context rancher-desktop is a local cluster" in output
    assert "registry" in output and "CLUSTER=minikube make dev" in output
    assert "minikube" not in calls


@pytest.mark.parametrize(("context", "cluster_name", "server"), [
    ("gke_shop_europe-west1_prod", "gke_shop_europe-west1_prod", "https://34.76.1.2"),
    ("arn:aws:eks:eu-west-1:1:cluster/prod", "arn:aws:eks:eu-west-1:1:cluster/prod", "https://ABC.eks.amazonaws.com"),
    ("prod-admin", "prod", "https://10.0.0.1:6443"),
])
def test_a_remote_context_without_a_registry_is_never_used_and_nothing_starts(cluster, context, cluster_name,
                                                                              server):
    code, output, calls = cluster("up", context, cluster_name, server=server)
    assert code == 1
    assert f"the current context {context} ({server}) is not a local cluster" in output
    assert "set it (make dev REGISTRY=registry.example.com/team" in output
    assert "CLUSTER=minikube make dev" in output
    assert "minikube" not in calls and "/readyz" not in calls


@pytest.mark.parametrize(("context", "env", "reason"), [
    ("", {}, "no kube context is set"),
    ("minikube", {}, "the current context is minikube's (minikube)"),
    ("docker-desktop", {"CLUSTER": "minikube"}, "CLUSTER=minikube"),
    ("gke_shop_europe-west1_prod", {"CLUSTER": "minikube"}, "CLUSTER=minikube"),
])
def test_otherwise_minikube_starts_as_it_always_did(cluster, context, env, reason):
    code, output, calls = cluster("up", context, **env)
    assert code == 0, output
    assert f"cluster: using minikube: {reason}" in output
    assert started_minikube(calls)
    assert "kubectl config use-context minikube" in calls
    # Traefik in place of minikube's ingress-nginx addon, retired upstream.
    assert "addons enable ingress" not in calls
    assert "kubectl --namespace favorite-athlete-ingress rollout status deployment/traefik --timeout 180s" in calls


@pytest.mark.parametrize("runtime", ["containerd://2.1.4", "cri-o://1.34.1"])
def test_a_running_minikube_profile_on_another_runtime_is_refused(cluster, runtime):
    """minikube 1.39 starts on containerd by default: a profile made so cannot see the images
    the loop builds into its Docker engine."""
    code, output, calls = cluster("up", "minikube", runtime=runtime, FAKE_MINIKUBE_RUNNING="1")
    assert code == 1
    name = runtime.partition(":")[0]
    assert f"cluster: stopping: minikube profile minikube runs its containers on {name}, not Docker" in output
    assert "minikube delete -p minikube" in output
    assert not started_minikube(calls) and "minikube -p minikube start" not in calls
    assert "traefik" not in calls


def test_a_running_minikube_profile_on_docker_is_used(cluster):
    code, output, calls = cluster("up", "minikube", FAKE_MINIKUBE_RUNNING="1")
    assert code == 0, output
    assert "cluster: minikube profile minikube is running" in output
    assert "minikube -p minikube start" not in calls


def test_a_local_cluster_that_does_not_answer_gets_minikube_and_says_why(cluster):
    code, output, calls = cluster("up", "docker-desktop", answers=False)
    assert code == 0, output
    assert "the current context docker-desktop is a local cluster that does not answer" in output
    assert started_minikube(calls)


def test_an_unknown_cluster_setting_stops_with_the_values_it_takes(cluster):
    code, output, calls = cluster("up", "docker-desktop", CLUSTER="kind")
    assert code == 1
    assert "CLUSTER=kind is not understood" in output and "CLUSTER=minikube" in output
    assert "minikube" not in calls


def test_doctor_says_which_cluster_and_needs_minikube_only_when_it_is_used(cluster):
    code, output, calls = cluster("doctor", "docker-desktop")
    assert "cluster: using the current context, docker-desktop is a local cluster" in output
    assert "minikube" not in output.split("\n", 1)[1]
    code, output, calls = cluster("doctor", "")
    assert "cluster: using minikube: no kube context is set" in output
    assert "ok       minikube  v1.38.1" in output
    assert not started_minikube(calls)


@pytest.mark.parametrize(("context", "expected"), [("docker-desktop", 0), ("minikube", 0), ("", 0),
                                                    ("gke_shop_europe-west1_prod", 1)])
def test_make_down_deletes_nothing_from_a_remote_context(cluster, context, expected):
    code, output, calls = cluster("check", context)
    assert code == expected, output
    assert not started_minikube(calls)


@pytest.mark.parametrize(("context", "expected"), [("minikube", 0), ("", 0), ("gke_shop_europe-west1_prod", 1)])
def test_make_down_judges_the_current_context_whatever_cluster_says(cluster, context, expected):
    """skaffold delete acts on the current context: CLUSTER=minikube does not make a remote one safe."""
    code, output, calls = cluster("check", context, CLUSTER="minikube")
    assert code == expected, output
    assert not started_minikube(calls)


def test_an_ingress_controller_that_does_not_come_up_only_warns(cluster):
    """The loop reaches the app through its own port-forward: no controller stops only `make curl`."""
    code, output, calls = cluster("up", "kind-dev", FAKE_INGRESS_FAILS="1")
    assert code == 0, output
    assert "ingress: kubectl --namespace favorite-athlete-ingress rollout status" in output
    assert "cluster: no Ingress controller was installed (see above): the loop runs" in output
