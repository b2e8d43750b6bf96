"""The e2e layer: the real Skaffold, Tilt and kubectl against the cluster of the current context.

CI starts a one-node cluster (make e2e-cluster); on a laptop, `make e2e` uses the loop's cluster:
the current context when it is a local cluster, else minikube (scripts/cluster.py).
The tools run in a copy of the project, so that the tests can edit it freely.
"""

import os
import shutil
import subprocess

import pytest

from harness import loop
from harness.http import wait_until
from harness.kube import cluster_problem, wait_for_ready_pods
from harness.loop import Background, copy_project
from harness.servers import free_port
from tests.support import kube
from tests.support.kube import resources, tilt
from tests.support.layers import cannot_run
from tests.support.timeouts import DEPLOY_TIMEOUT

START_ONE = ("Start one: `make cluster` (minikube), or on Linux as root `make e2e-cluster` "
             "(CI's cluster) and export the KUBECONFIG it prints")


@pytest.fixture(scope="session")
def cluster():
    """The current kube context's name, once its API server answers; else the layer cannot run."""
    for tool in ("kubectl", "skaffold", "tilt"):
        if shutil.which(tool) is None:
            cannot_run("E2E LAYER", f"{tool} is not on PATH", f"`make tools` fetches it into ./bin. {START_ONE}")
    problem = cluster_problem()
    if problem:
        cannot_run("E2E LAYER", problem, START_ONE)
    return subprocess.run(["kubectl", "config", "current-context"], capture_output=True, text=True,
                          timeout=30).stdout.strip()


@pytest.fixture(scope="session")
def workspace(cluster, tmp_path_factory):
    """A copy of the project for the tools to run in and the tests to edit."""
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="session")
def tool_env():
    """The environment for skaffold and tilt in the copy."""
    return loop.tool_env()


@pytest.fixture
def edit(workspace):
    """Write files of the copy; each is put back as it was when the test ends."""
    originals = {}

    def write(relative, text):
        path = workspace / relative
        if relative not in originals:
            originals[relative] = path.read_text() if path.exists() else None
        path.write_text(text)
        return path

    yield write
    for relative, text in originals.items():
        path = workspace / relative
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text)


@pytest.fixture(scope="session")
def ingress_url(cluster):
    """Where the Ingress answers on 127.0.0.1: INGRESS_URL when set, else a port-forward to the
    controller that serves the class nginx (Traefik from `make cluster`, or an ingress-nginx)."""
    if os.environ.get("INGRESS_URL"):
        yield os.environ["INGRESS_URL"].rstrip("/")
        return
    with kube.forward_to_ingress_controller() as url:
        yield url


@pytest.fixture(scope="module")
def tilt_up(workspace, tool_env, tmp_path_factory):
    """`make tilt`, headless, in the copy, flask-app up to date and running; its API port.
    One per test module, taken down after it."""
    port = free_port()
    up = Background(["make", "tilt", f"TILT_ARGS=--stream --port {port}"], workspace, tool_env,
                    tmp_path_factory.mktemp("tilt") / "up.log")
    try:
        def healthy():
            assert up.process.poll() is None, up.output()[-3000:]
            try:
                status = resources(port, workspace, tool_env)["flask-app"]["status"]
            except (AssertionError, KeyError):
                return False
            return (status.get("updateStatus"), status.get("runtimeStatus")) == ("ok", "ok")

        wait_until(healthy, DEPLOY_TIMEOUT, interval=1, what="tilt up deploying flask-app")
        wait_for_ready_pods(3, 120)
        yield port
    finally:
        up.kill()
        tilt("down", workspace=workspace, env=tool_env)
