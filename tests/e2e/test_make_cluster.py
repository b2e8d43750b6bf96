"""`make doctor` and `make cluster` on the cluster the e2e layer runs against: the loop takes
the current local context as it is, says so, and neither switches the context nor starts
a second cluster."""

import pytest

from tests.support.kube import kubectl, run

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
