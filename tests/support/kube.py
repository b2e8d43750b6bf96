"""kubectl, Skaffold and Tilt for the e2e layer, run for real against the current kube context.

Every request reaches the cluster through 127.0.0.1: a `kubectl port-forward` (to the
Service, to one pod, or to the ingress controller) or INGRESS_URL (CI's Traefik).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from devserver import CODE_PATH, code_digest
from harness.http import answers, request, wait_until
from harness.processes import command_line, group_members, processes_in
from harness.servers import free_port
from scripts.project import REPO

APP_SELECTOR = "app=flask-app"
# What the project deploys: each kind, by the label every manifest carries.
DEPLOYED_KINDS = "deployment,replicaset,pod,service,ingress,poddisruptionbudget"
STRAGGLER_SECONDS = 10
# How Skaffold reports a port-forward; the group is the local port on 127.0.0.1.
SKAFFOLD_FORWARD = r"Port forwarding {resource} in namespace {namespace}, remote port {port} -> http://127\.0\.0\.1:(\d+)"


def skaffold_app_forward(namespace="default"):
    """The pattern of Skaffold's line for the forward of the app's Service in namespace."""
    return SKAFFOLD_FORWARD.format(resource="service/flask-app-service", namespace=namespace, port=5000)


SKAFFOLD_APP_FORWARD = skaffold_app_forward()
# What a running make passes to the commands of its recipes.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")


def copy_project(destination):
    """Copy the project as the working tree has it (what git tracks or would) into destination,
    committed in a repository of its own (Skaffold tags images by git commit); return it."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            # Times kept: make then sees the venv as newer than the lock.
            shutil.copy2(source, destination / name)
    if (REPO / "bin" / "uv").is_dir():
        # The uv that `make venv` fetched, as in a clone where it has run once: a copy's first
        # change to the lock would otherwise fetch uv again, inside the loop's test gate.
        (destination / "bin").mkdir(exist_ok=True)
        (destination / "bin" / "uv").symlink_to(REPO / "bin" / "uv")
    git = ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the project under test"]):
        subprocess.run(git + args, cwd=destination, check=True, timeout=60)
    return destination


def tool_env():
    """The environment for make, skaffold and tilt in a copy: `make test-unit` there uses this
    repo's venv. Without the variables of a `make test` that runs these tests, a make in the
    copy is the one a person types, not a sub-make (which would add its own `Entering
    directory` lines)."""
    inherited = {name: value for name, value in os.environ.items() if name not in MAKE_VARIABLES}
    return {**inherited, "VENV": str(REPO / ".venv")}


def cluster_problem():
    """Why no Kubernetes cluster of the current context answers kubectl, or None when one does."""
    try:
        probe = subprocess.run(["kubectl", "get", "--raw", "/readyz", "--request-timeout=5s"],
                               capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "no Kubernetes cluster answered kubectl within 30 s"
    except OSError as error:
        return f"kubectl cannot run: {error}"
    if probe.returncode != 0:
        message = (probe.stderr.strip().splitlines() or ["no answer"])[-1]
        return f"no Kubernetes cluster answers kubectl ({message})"
    return None


def run(*command, cwd=None, env=None, timeout=600):
    """Run a command; fail with its output if it fails; return its stdout."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def kubectl(*args, timeout=120):
    """kubectl against the current context; its stdout."""
    return run("kubectl", *args, timeout=timeout)


def kubeconfig_on(context, path, user=None):
    """Write a kubeconfig whose current context is context, as the admin's kubeconfig has it or
    as user (name, token); return its path."""
    config = json.loads(kubectl("config", "view", "--raw", "--minify", "--context", context, "--output", "json"))
    if user:
        name, token = user
        config["users"] = [{"name": name, "user": {"token": token}}]
        config["contexts"][0]["context"]["user"] = name
    path.write_text(json.dumps(config))
    return path


def app_pods(namespace="default"):
    """The app's pods in namespace that are not on their way out: [{name, restarts, image,
    image_id, ready, started}]."""
    listed = json.loads(kubectl("get", "pods", "--namespace", namespace, "--selector", APP_SELECTOR,
                                "--output", "json"))["items"]
    pods = []
    for pod in listed:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        statuses = pod["status"].get("containerStatuses") or [{}]
        pods.append({
            "name": pod["metadata"]["name"],
            "restarts": sum(status.get("restartCount", 0) for status in statuses),
            "image": pod["spec"]["containers"][0]["image"],
            # Docker's runtime says docker-pullable://REPOSITORY@DIGEST: the manifest it pulled.
            "image_id": statuses[0].get("imageID", "").split("://")[-1],
            "ready": all(status.get("ready") for status in statuses),
            "started": all(status.get("started") for status in statuses),
        })
    return sorted(pods, key=lambda pod: pod["name"])


def wait_for_ready_pods(count, timeout, image=None, namespace="default"):
    """Wait until exactly count app pods are ready in namespace (and run image, if given); return them."""
    seen = []

    def ready():
        seen[:] = app_pods(namespace)
        return len(seen) == count and all(pod["ready"] and image in (None, pod["image"]) for pod in seen)

    try:
        wait_until(ready, timeout, interval=1, what=f"{count} ready flask-app pods")
    except AssertionError as error:
        raise AssertionError(f"{error}; last seen: {seen}") from None
    return list(seen)


def pod_logs(name):
    """What a pod's container printed so far."""
    return kubectl("logs", f"pod/{name}")


def leftovers(namespace="default"):
    """What of the project is still in namespace (names), by its label."""
    return kubectl("get", DEPLOYED_KINDS, "--namespace", namespace, "--selector", APP_SELECTOR,
                   "--output", "name").split()


@contextmanager
def forward_to_ingress_controller():
    """A port-forward to the controller that serves the Ingress class nginx: Traefik, which
    `make cluster` installs, else an ingress-nginx (minikube's addon); yield its URL."""
    resource, namespace = "service/ingress-nginx-controller", "ingress-nginx"
    if run("kubectl", "--namespace", "favorite-athlete-ingress", "get", "service", "traefik", "--ignore-not-found",
           "--output", "name").strip():
        resource, namespace = "service/traefik", "favorite-athlete-ingress"
    with port_forward(resource, 80, namespace=namespace) as url:
        yield url


@contextmanager
def port_forward(resource, port, namespace="default"):
    """kubectl port-forward resource's port to a free port on 127.0.0.1; yield its URL."""
    local = free_port()
    process = subprocess.Popen(
        ["kubectl", "--namespace", namespace, "port-forward", "--address", "127.0.0.1", resource, f"{local}:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{local}"
    try:
        wait_until(lambda: answers(url), 60, interval=0.1, what=f"port-forward to {resource}")
        yield url
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def forwards_to_each(pods, port=5000, namespace="default"):
    """One port-forward per pod, so that a straggler cannot hide behind the Service; yield {pod: URL}."""
    with ExitStack() as stack:
        yield {pod["name"]: stack.enter_context(port_forward(f"pod/{pod['name']}", port, namespace)) for pod in pods}


def wait_for_every_pod(urls, path, expect, timeout, what):
    """Wait until every pod's URL answers path with the JSON expect."""
    wait_for_each_pod(urls, lambda url: answers(url, path, expect), timeout, what)


def wait_for_each_pod(urls, check, timeout, what):
    """Wait until check(url) has held for each pod's URL; fail naming the pods it never held for."""
    pending = set(urls)

    def all_pass():
        pending.difference_update({name for name in pending if check(urls[name])})
        return not pending

    try:
        wait_until(all_pass, timeout, interval=0.2, what=what)
    except AssertionError as error:
        raise AssertionError(f"{error}; not yet: {sorted(pending)}") from None


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


def replace_pod(name, namespace="default"):
    """Delete a pod, as a drain or an eviction would: its ReplicaSet starts another."""
    kubectl("delete", "pod", name, "--namespace", namespace, "--wait=false")


def restart_container(name):
    """End the server of a pod, as a crash or a failed liveness probe would: kubelet restarts
    its container."""
    kubectl("exec", name, "--", "python3", "-c", "import os, signal; os.kill(1, signal.SIGTERM)")


def replace_one_and_restart_another(pods, timeout=120):
    """Replace the first pod and restart the second's container; return (replaced pod,
    restarted pod, the ready pods after)."""
    replaced, restarted = pods[0]["name"], pods[1]["name"]
    replace_pod(replaced)
    restart_container(restarted)
    wait_until(lambda: any(pod["name"] == restarted and pod["restarts"] > 0 for pod in app_pods()), timeout,
               interval=0.5, what=f"{restarted} restarting")
    after = wait_for_ready_pods(len(pods), timeout)
    assert replaced not in {pod["name"] for pod in after}, f"{replaced} was not replaced"
    return replaced, restarted, after


class Background:
    """A long-running command (skaffold dev, tilt up) with its output in a file."""

    def __init__(self, command, cwd, env, log_path):
        self.command = command
        self.log_path = Path(log_path)
        # Appending, as a terminal would take them: lines that another process writes into
        # the same output (the companion of `skaffold dev`) are kept, not overwritten.
        self._log = open(self.log_path, "ab")
        # Its own process group: a SIGINT is what a terminal's Ctrl-C would send it.
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, process_group=0)

    def output(self):
        """Everything it printed so far."""
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, pattern, timeout, since=0):
        """Wait until its output after offset since matches the regex pattern; return the match."""
        found = []

        def printed():
            assert self.process.poll() is None, f"{self.command[0]} exited:\n{self.output()[-3000:]}"
            found[:] = [re.search(pattern, self.output()[since:])]
            return found[0] is not None

        try:
            wait_until(printed, timeout, interval=0.5, what=f"{self.command[0]} printing {pattern!r}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- its output ---\n{self.output()[since:][-3000:]}") from None
        return found[0]

    def interrupt(self, timeout, sig=signal.SIGINT):
        """Send SIGINT to its process group, as Ctrl-C does (SIGHUP: as closing its terminal
        does); return its exit status, killing it after timeout. The command lines of those
        of its processes still running STRAGGLER_SECONDS after it ended are then in
        self.left_running."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout)
        finally:
            # Its children got the same SIGINT, and may take a moment longer than it to end.
            deadline = time.monotonic() + STRAGGLER_SECONDS
            while group_members(self.process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            self.left_running = [command_line(pid) for pid in group_members(self.process.pid)]
            self.kill()

    def group_alive(self):
        """Whether any process of its process group still runs (a zombie does not)."""
        return bool(group_members(self.process.pid))

    def kill(self):
        """Make sure it and its children are gone."""
        if self.group_alive():
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait()
        self._log.close()



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
