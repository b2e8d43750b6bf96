"""The e2e layer's checks of a running loop, against the current kube context: what each pod
serves, what a stopped loop left behind, and Tilt's own view of its resources.

Every request reaches the cluster through 127.0.0.1: a `kubectl port-forward` (to the
Service, to one pod, or to the ingress controller), or INGRESS_URL where a person has set it
(.ci/run unsets it: CI reaches the Ingress as a user does, through the controller).
"""

import json
import socket
from contextlib import contextmanager

from devserver import CODE_PATH, code_digest
from harness.http import request, wait_until
from harness.kube import kubectl, leftovers, port_forward, skaffold_app_forward, wait_for_each_pod
from harness.loop import STRAGGLER_SECONDS, run
from harness.processes import processes_in
from scripts.project import INGRESS_NAMESPACE

SKAFFOLD_APP_FORWARD = skaffold_app_forward()


def pod_logs(name):
    """What a pod's container printed so far."""
    return kubectl("logs", f"pod/{name}")


@contextmanager
def forward_to_ingress_controller():
    """A port-forward to the controller that serves the Ingress class nginx: Traefik, which
    `make cluster` installs, else an ingress-nginx (minikube's addon); yield its URL."""
    resource, namespace = "service/ingress-nginx-controller", "ingress-nginx"
    if kubectl("--namespace", INGRESS_NAMESPACE, "get", "service", "traefik", "--ignore-not-found", "--output", "name"):
        resource, namespace = "service/traefik", INGRESS_NAMESPACE
    with port_forward(resource, 80, namespace=namespace) as url:
        yield url


def serves_code_of(url, workspace):
    """Whether the pod at url serves the code of workspace's app/ as saved now (the digest its
    dev server answers with)."""
    try:
        return request(url, "GET", CODE_PATH, timeout=2).body.decode().strip() == code_digest(workspace / "app")
    except OSError:
        return False


def wait_for_every_pod_to_serve_the_tree(urls, workspace, timeout, what="every pod serving the saved tree"):
    """Wait until every save made so far is live in each pod: before a test acts on a pod
    behind the loop's back, so that a copy still on its way cannot undo what it did."""
    wait_for_each_pod(urls, lambda url: serves_code_of(url, workspace), timeout, what)


def serves(url, athlete, refusal):
    """Whether the pod at url answers GET / with athlete and POST / with the 405 text refusal."""
    try:
        return (request(url, "GET", "/", timeout=2).json() == {"athlete": athlete}
                and request(url, "POST", "/", timeout=2).body.decode() == refusal)
    except (OSError, ValueError):
        return False


def wait_for_every_pod_to_serve(urls, athlete, refusal, timeout, what):
    """Wait until each pod, asked through its own port-forward, serves both app/views.py's and
    app/errors.py's saved versions (serves)."""
    wait_for_each_pod(urls, lambda url: serves(url, athlete, refusal), timeout, what)


def listening(port):
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def left_behind(workspace, ports):
    """What a loop run in workspace left, outside its process group: a resync companion
    (a session of its own), anything listening on the ports of 127.0.0.1 it forwarded."""
    found = [f"resync companion, pid {pid}" for pid in processes_in(workspace, "watch")]
    return found + [f"a listener on 127.0.0.1:{port}" for port in ports if listening(port)]


def wait_for_nothing_left(workspace, ports, what):
    """Wait STRAGGLER_SECONDS for left_behind(workspace, ports) to be empty."""
    found = []

    def nothing():
        found[:] = left_behind(workspace, ports)
        return not found

    try:
        wait_until(nothing, STRAGGLER_SECONDS, interval=0.2, what=f"{what} leaving nothing behind")
    except AssertionError as error:
        raise AssertionError(f"{error}: {found}") from None


def check_a_clean_stop(loop, workspace, ports, what, deployed_gone=True):
    """After loop.interrupt(): none of its processes outlived it, nothing is left behind
    (left_behind), and, for Skaffold, it cleaned up what it deployed."""
    assert not loop.left_running, f"processes of {what} outlived it: {loop.left_running}"
    wait_for_nothing_left(workspace, ports, what)
    if deployed_gone:
        assert "Cleaning up..." in loop.output()
        wait_until(lambda: leftovers() == [], 120, interval=1, what=f"everything {what} deployed being gone")


def tilt(*args, workspace, env, timeout=120):
    """Run a tilt command in the copy; its stdout."""
    return run("tilt", *args, cwd=workspace, env=env, timeout=timeout)


def resources(port, workspace, env):
    """{name: UIResource} as `tilt get uiresources` shows them."""
    listed = json.loads(tilt("get", "uiresources", "--port", str(port), "--output", "json",
                             workspace=workspace, env=env))
    return {item["metadata"]["name"]: item for item in listed["items"]}
