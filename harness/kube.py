"""kubectl against the current kube context: the app's pods, port-forwards to them, and
waits on what they answer. Every request reaches the cluster through 127.0.0.1, by a
`kubectl port-forward` to the Service or to one pod."""

import json
import subprocess
from contextlib import ExitStack, contextmanager

from harness.http import answers, wait_until
from harness.servers import free_port
from scripts import kube as scripts_kube
from scripts.project import APP, APP_PORT, SERVICE

APP_SELECTOR = f"app={APP}"
# What the project deploys: each kind, by the label every manifest carries.
DEPLOYED_KINDS = "deployment,replicaset,pod,service,ingress,poddisruptionbudget"
# How Skaffold reports a port-forward; the group is the local port on 127.0.0.1.
SKAFFOLD_FORWARD = r"Port forwarding {resource} in namespace {namespace}, remote port {port} -> http://127\.0\.0\.1:(\d+)"


def skaffold_app_forward(namespace="default"):
    """The pattern of Skaffold's line for the forward of the app's Service in namespace."""
    return SKAFFOLD_FORWARD.format(resource=f"service/{SERVICE}", namespace=namespace, port=APP_PORT)


def kubectl(*args, timeout=120):
    """kubectl as the loop's scripts run it (scripts.kube), given longer, as a test's step: its
    stdout, stripped; an AssertionError with what it said when it fails."""
    code, out, err = scripts_kube.kubectl(*args, timeout=timeout)
    assert code == 0, f"kubectl {' '.join(args)} failed ({code}):\n{out}\n{err}"
    return out


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


def cluster_problem():
    """Why no Kubernetes cluster of the current context answers kubectl, or None when one does."""
    code, _, err = scripts_kube.kubectl("get", "--raw", "/readyz", "--request-timeout=5s", timeout=30)
    if code == 124:
        return "no Kubernetes cluster answered kubectl within 30 s"
    if code == 127:
        return f"kubectl cannot run: {err}"
    if code != 0:
        return f"no Kubernetes cluster answers kubectl ({(err.splitlines() or ['no answer'])[-1]})"
    return None


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


def wait_for_ready_pods(count, timeout, image=None, namespace="default", replacing=(), what=None):
    """Wait until exactly count app pods are ready in namespace (and run image, if given; and
    none of the pods replacing is among them: a rollout done); return them."""
    seen = []
    replaced = {pod["name"] for pod in replacing}

    def ready():
        seen[:] = app_pods(namespace)
        return (len(seen) == count and all(pod["ready"] and image in (None, pod["image"]) for pod in seen)
                and not replaced & {pod["name"] for pod in seen})

    try:
        wait_until(ready, timeout, interval=1, what=what or f"{count} ready {APP} pods")
    except AssertionError as error:
        raise AssertionError(f"{error}; last seen: {seen}") from None
    return list(seen)


def leftovers(namespace="default"):
    """What of the project is still in namespace (names), by its label."""
    return kubectl("get", DEPLOYED_KINDS, "--namespace", namespace, "--selector", APP_SELECTOR,
                   "--output", "name").split()


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
def forwards_to_each(pods, port=APP_PORT, namespace="default"):
    """One port-forward per pod, so that a straggler cannot hide behind the Service; yield {pod: URL}."""
    with ExitStack() as stack:
        yield {pod["name"]: stack.enter_context(port_forward(f"pod/{pod['name']}", port, namespace)) for pod in pods}


def wait_for_every_pod(urls, path, expect, timeout, what, interval=0.2):
    """Wait until every pod's URL answers path with the JSON expect."""
    wait_for_each_pod(urls, lambda url: answers(url, path, expect), timeout, what, interval)


def wait_for_each_pod(urls, check, timeout, what, interval=0.2):
    """Wait until check(url) has held for each pod's URL; fail naming the pods it never held for."""
    pending = set(urls)

    def all_pass():
        pending.difference_update({name for name in pending if check(urls[name])})
        return not pending

    try:
        wait_until(all_pass, timeout, interval=interval, what=what)
    except AssertionError as error:
        raise AssertionError(f"{error}; not yet: {sorted(pending)}") from None


def replace_pod(name, namespace="default"):
    """Delete a pod, as a drain or an eviction would: its ReplicaSet starts another."""
    kubectl("delete", "pod", name, "--namespace", namespace, "--wait=false")


def restart_container(name):
    """End the server of a pod, as a crash or a failed liveness probe would: kubelet restarts
    its container."""
    kubectl("exec", name, "--", "python3", "-c", "import os, signal; os.kill(1, signal.SIGTERM)")
