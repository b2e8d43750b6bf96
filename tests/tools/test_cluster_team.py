"""scripts/cluster.py for a team loop (REGISTRY set): the context as it is, and the developer's
own namespace, created and labelled when missing, refused when it is not a developer's.

The same fakes as tests/tools/test_cluster.py: nothing is sent anywhere.
"""

import json
import subprocess

import pytest

from scripts import namespace as namespaces
from scripts.project import REPO
from tests.tools.test_cluster import cluster, started_minikube  # noqa: F401  (the fixture)

REMOTE = {"context": "gke_shop_europe-west1_dev", "server": "https://34.76.1.2"}
OURS = '"app.kubernetes.io/managed-by": "favorite-athlete-loop"'


def team(cluster, command, namespace=OURS, **env):  # noqa: F811
    """Run a command of a team loop on the remote context."""
    return cluster(command, **REMOTE, **{"REGISTRY": "registry.example.com/team", "KUBE_CONTEXT": REMOTE["context"],
                                         "FAKE_NAMESPACE": namespace, **env})


def created(calls):
    """The manifest that was sent to `kubectl create`, or None."""
    _, found, rest = calls.partition("create --filename -\n")
    return json.loads(rest.splitlines()[0]) if found else None


def test_the_namespace_comes_from_the_login_name_made_a_dns_label():
    assert namespaces.from_login("Jane.Doe") == "jane-doe"
    assert namespaces.from_login("DOMAIN\\j_smith") == "domain-j-smith"
    assert namespaces.from_login("--x--") == "x"
    assert namespaces.from_login("a" * 70 + "-b") == "a" * 63
    assert namespaces.chosen({"NAMESPACE": "bob"}) == ("bob", "NAMESPACE")


@pytest.mark.parametrize(("name", "problem"), [
    ("Bob", "is not a valid namespace name"), ("", "is not a valid namespace name"),
    ("a" * 64, "is not a valid namespace name"), ("default", "is the cluster's own"),
    ("kube-system", "is the cluster's own"), ("kube-flannel", "is the cluster's own"),
])
def test_a_namespace_that_cannot_be_a_developers_is_refused(name, problem):
    assert problem in namespaces.problem_with(name)


def test_a_team_loop_says_where_everything_goes_and_installs_nothing_cluster_wide(cluster):  # noqa: F811
    code, output, calls = team(cluster, "up", NAMESPACE="alice")
    assert code == 0, output
    first = output.splitlines()[0]
    assert first == ("cluster: a team loop on context gke_shop_europe-west1_dev (https://34.76.1.2): the image "
                     "is pushed to registry.example.com/team and pulled from there, and everything deploys into "
                     "namespace alice (from NAMESPACE; NAMESPACE=NAME chooses another)")
    assert "no Ingress and no Ingress controller" in output
    # Every call on the context that was checked, none that installs anything; kubectl's own
    # version, which `make cluster` checks against the pin first, asks no cluster.
    assert all(line.startswith("kubectl --context gke_shop_europe-west1_dev ") for line in calls.splitlines()
               if line != "kubectl version --client --output=json")
    assert "apply" not in calls and "traefik" not in calls and created(calls) is None
    assert not started_minikube(calls)


def test_the_default_namespace_is_the_login_name_and_says_so(cluster):  # noqa: F811
    code, output, _ = team(cluster, "up", USER="Jane.Doe")
    assert code == 0, output
    assert "namespace jane-doe (from your login name, Jane.Doe;" in output


def test_a_missing_namespace_is_created_with_the_loops_labels(cluster):  # noqa: F811
    code, output, calls = team(cluster, "up", namespace="missing", NAMESPACE="alice")
    assert code == 0, output
    assert created(calls) == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "alice", "labels": {
        "app.kubernetes.io/managed-by": "favorite-athlete-loop", "pod-security.kubernetes.io/enforce": "restricted"},
        "annotations": {"favorite-athlete/developer": "jane"}}}
    assert "cluster: created namespace alice, labelled app.kubernetes.io/managed-by=favorite-athlete-loop, yours (jane)" \
        in output


@pytest.mark.parametrize("command", ["up", "check"])
@pytest.mark.parametrize(("owner", "mine"), [("jane", True), ("group:team-x", True), ("bob", False),
                                             ("group:team-y", False), ("system:serviceaccount:bob:bob", False)])
def test_a_developer_namespace_of_someone_else_is_never_used(cluster, command, owner, mine):  # noqa: F811
    """However wide the identity's rights: its owner is recorded when it is made, and compared."""
    code, output, calls = team(cluster, command, NAMESPACE="bob", FAKE_OWNER=f'"favorite-athlete/developer": "{owner}"')
    assert code == (0 if mine else 1), output
    if not mine:
        assert f"namespace bob is {owner}'s, not yours (jane)" in output
    assert created(calls) is None


def test_a_missing_namespace_that_cannot_be_created_points_at_the_admins_step(cluster):  # noqa: F811
    code, output, _ = team(cluster, "up", namespace="missing", NAMESPACE="alice", FAKE_CREATE_FORBIDDEN="1")
    assert code == 1
    assert "cluster: stopping: namespace alice does not exist and could not be created" in output
    assert "docs/how-to/team.md" in output


@pytest.mark.parametrize("command", ["up", "check"])
def test_a_namespace_that_is_not_a_developers_is_never_used(cluster, command):  # noqa: F811
    """Someone else's namespace, the team's services: deployed into by no loop, deleted from by no `make down`."""
    code, output, calls = team(cluster, command, namespace='"team": "payments"', NAMESPACE="payments")
    assert code == 1
    assert "namespace payments exists and is not a developer namespace of this loop" in output
    assert created(calls) is None


def test_a_namespace_the_identity_cannot_read_stops_the_loop(cluster):  # noqa: F811
    code, output, _ = team(cluster, "up", namespace="forbidden", NAMESPACE="bob")
    assert code == 1
    assert "cannot read namespace bob" in output and "the loop's Role" in output


def test_make_down_of_a_team_loop_checks_the_namespace(cluster):  # noqa: F811
    assert team(cluster, "check", NAMESPACE="alice")[0] == 0
    assert team(cluster, "check", namespace="missing", NAMESPACE="alice")[0] == 0


@pytest.mark.parametrize("env", [{"CLUSTER": "minikube"}, {"KUBE_CONTEXT": ""}, {"NAMESPACE": "default"}])
def test_make_down_of_a_team_loop_that_cannot_go_on_deletes_nothing(cluster, env):  # noqa: F811
    code, output, _ = team(cluster, "check", **{"NAMESPACE": "payments", **env})
    assert code == 1, output


def test_a_kube_context_left_in_the_environment_never_redirects_a_local_loop(cluster):  # noqa: F811
    """Only a team loop reads KUBE_CONTEXT (CI systems set it for their own use)."""
    code, output, calls = cluster("up", "docker-desktop", KUBE_CONTEXT="gke_shop_europe-west1_prod")
    assert code == 0, output
    assert "using the current context, docker-desktop" in output
    assert "gke_shop" not in calls


def test_a_team_loop_without_a_context_stops(cluster):  # noqa: F811
    code, output, _ = team(cluster, "up", KUBE_CONTEXT="", NAMESPACE="alice")
    assert code == 1 and "no kube context is set" in output


def test_a_team_context_that_does_not_answer_stops_before_anything(cluster):  # noqa: F811
    code, output, calls = team(cluster, "up", NAMESPACE="alice", answers=False)
    assert code == 1
    assert "the context gke_shop_europe-west1_dev (https://34.76.1.2) does not answer" in output
    assert "namespace" not in calls


def test_a_team_loop_does_not_go_with_minikube(cluster):  # noqa: F811
    code, output, calls = team(cluster, "up", CLUSTER="minikube")
    assert code == 1 and "do not go together" in output
    assert not started_minikube(calls)


def test_make_curl_of_a_team_loop_points_at_the_forward():
    """A team loop deploys no Ingress: `make curl` would ask the shared controller for someone else's."""
    result = subprocess.run(["make", "--no-print-directory", "curl", "REGISTRY=registry.example.com/team"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "make curl: a team loop deploys no Ingress (docs/how-to/team.md)" in result.stderr


@pytest.mark.parametrize(("target", "expected"), [
    ("dev", "skaffold dev --trigger=polling --watch-poll-interval=100 -p remote --default-repo=registry.example.com/team "
            "--kube-context=team-dev --namespace=alice"),
    ("debug", "-p remote --default-repo=registry.example.com/team --kube-context=team-dev --namespace=alice"),
    ("run", "skaffold run -p remote --default-repo=registry.example.com/team --kube-context=team-dev --namespace=alice"),
    ("tilt", "tilt up  --context=team-dev --namespace=alice -- --port 5000"),
    ("tilt-debug", "tilt up  --context=team-dev --namespace=alice -- --port 5000 --debug --debug-port 5678"),
    ("down", "skaffold delete -p remote --default-repo=registry.example.com/team --kube-context=team-dev "
             "--namespace=alice"),
    ("down", "tilt down --context=team-dev --namespace=alice"),
])
def test_each_target_of_a_team_loop_passes_the_registry_context_and_namespace(target, expected):
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", target, "REGISTRY=registry.example.com/team",
                              "KUBE_CONTEXT=team-dev", "NAMESPACE=alice"], cwd=REPO, capture_output=True, text=True,
                             timeout=60)
    assert dry_run.returncode == 0, dry_run.stderr
    assert expected in dry_run.stdout
