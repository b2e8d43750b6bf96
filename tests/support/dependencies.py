"""A dependency changed the uv way in a running loop: the uv make uses, what each pod imports,
and the scenario each loop's e2e test runs (add, upgrade, a replaced pod, remove)."""

import shutil
import subprocess
import time
from contextlib import contextmanager

from harness.http import wait_until
from scripts.project import REPO
from tests.support.kube import app_pods, kubectl, replace_pod
from tests.support.layers import cannot_run

# Small, pure Python, no dependencies, in no group of the lock: each step changes the lock by it alone.
PACKAGE = "tabulate"
OLDER, NEWER = "0.8.10", "0.9.0"
# The hand edit that lets `uv lock --upgrade-package` take NEWER, and no later release.
WIDENED = f"{PACKAGE}>={OLDER},<0.10"
# A rebuild of the dev image with a new dependency layer, the unit tests and a rollout of every pod.
CHANGE_TIMEOUT = 300
ASK_PODS = ("import importlib.metadata as m, sys\n"
            "try:\n"
            "    import {module}\n"
            "except ImportError:\n"
            "    print('none')\n"
            "else:\n"
            "    print(m.version(sys.argv[1]))\n")


def uv():
    """The uv that make uses: the one on PATH, else the one `make venv` fetched into bin/."""
    fetched = REPO / "bin" / "uv" / "bin" / "uv"
    found = shutil.which("uv") or (str(fetched) if fetched.exists() else None)
    if found is None:
        cannot_run("UV", "uv is not installed", "`make venv` fetches it")
    return found


def run_uv(workspace, env, *args):
    """Run uv in the project at workspace as a user does, but leave the host's venv to make: the
    loop's unit tests sync it with every group (`uv add` would sync the default ones only), and
    the e2e copies share this repo's venv."""
    result = subprocess.run([uv(), *args], cwd=workspace, capture_output=True, text=True, timeout=120,
                            env={**env, "UV_NO_SYNC": "1"})
    assert result.returncode == 0, f"uv {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def imported_version(pod, namespace="default"):
    """The version of PACKAGE that pod's server imports, or "none" when it cannot import it."""
    script = ASK_PODS.format(module=PACKAGE)
    return kubectl("exec", pod, "--namespace", namespace, "--", "python3", "-c", script, PACKAGE).strip()


def wait_for_every_pod_to_import(version, replicas, namespace="default", timeout=CHANGE_TIMEOUT, interval=1):
    """Wait until the loop's replicas pods are ready and each imports PACKAGE at version ("none":
    cannot import it); return the pods."""
    seen = {}

    def every_pod():
        seen.clear()
        pods = app_pods(namespace)
        if len(pods) != replicas or not all(pod["ready"] for pod in pods):
            seen.update({pod["name"]: "not ready" for pod in pods if not pod["ready"]})
            return False
        for pod in pods:
            try:
                seen[pod["name"]] = imported_version(pod["name"], namespace)
            except AssertionError as error:  # a pod that ended meanwhile
                seen[pod["name"]] = str(error).splitlines()[-1]
        return all(found == version for found in seen.values())

    try:
        wait_until(every_pod, timeout, interval=interval, what=f"every pod importing {PACKAGE} {version}")
    except AssertionError as error:
        raise AssertionError(f"{error}; last seen: {seen}") from None
    return app_pods(namespace)


@contextmanager
def declarations_kept(workspace):
    """Put pyproject.toml and uv.lock of the project at workspace back as they were on leaving,
    each only if its text changed: a new time alone would start a rebuild."""
    files = {name: (workspace / name).read_text() for name in ("pyproject.toml", "uv.lock")}
    try:
        yield
    finally:
        for name, text in files.items():
            if (workspace / name).read_text() != text:
                (workspace / name).write_text(text)


def check_that_uv_changes_reach_every_pod(workspace, env, replicas, namespace="default"):
    """`uv add`, a hand edit then `uv lock --upgrade-package`, a replaced pod and `uv remove`, each
    live in every pod of the running loop; the project's files are put back as they were.
    Return the seconds each change took to reach every pod."""
    taken = {}
    with declarations_kept(workspace):
        started = time.monotonic()
        run_uv(workspace, env, "add", f"{PACKAGE}=={OLDER}")
        wait_for_every_pod_to_import(OLDER, replicas, namespace)
        taken["add"] = time.monotonic() - started

        # A hand edit first (the build refuses a lock that no longer matches), then the lock.
        started = time.monotonic()
        pyproject = workspace / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace(f'"{PACKAGE}=={OLDER}"', f'"{WIDENED}"'))
        run_uv(workspace, env, "lock", "--upgrade-package", PACKAGE)
        pods = wait_for_every_pod_to_import(NEWER, replicas, namespace)
        taken["upgrade"] = time.monotonic() - started

        replace_pod(pods[0]["name"], namespace)
        wait_until(lambda: pods[0]["name"] not in {pod["name"] for pod in app_pods(namespace)}, 120,
                   interval=0.5, what=f"{pods[0]['name']} replaced")
        wait_for_every_pod_to_import(NEWER, replicas, namespace, timeout=120)

        started = time.monotonic()
        run_uv(workspace, env, "remove", PACKAGE)
        wait_for_every_pod_to_import("none", replicas, namespace)
        taken["remove"] = time.monotonic() - started
    print(f"{PACKAGE} in every pod: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in taken.items()))
    return taken
