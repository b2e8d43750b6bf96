"""A dependency changed the uv way in a running loop: the uv make uses, what each pod imports,
and the project's declarations put back as they were."""

import shutil
import subprocess
from contextlib import contextmanager

from harness.http import wait_until
from harness.kube import app_pods, kubectl
from scripts.project import REPO

# Small, pure Python, no dependencies, in no group of the lock: each step changes the lock by it alone.
PACKAGE = "tabulate"
OLDER, NEWER = "0.8.10", "0.9.0"
# A rebuild of the dev image with a new dependency layer, the unit tests and a rollout of every pod.
CHANGE_TIMEOUT = 300
ASK_PODS = ("import importlib.metadata as m, sys\n"
            "try:\n"
            "    import {module}\n"
            "except ImportError:\n"
            "    print('none')\n"
            "else:\n"
            "    print(m.version(sys.argv[1]))\n")


def find_uv():
    """The uv that make uses: the one on PATH, else the one `make venv` fetched into bin/; None
    when there is neither."""
    fetched = REPO / "bin" / "uv" / "bin" / "uv"
    return shutil.which("uv") or (str(fetched) if fetched.exists() else None)


def run_uv(workspace, env, *args):
    """Run uv in the project at workspace as a user does, but leave the host's venv to make: the
    loop's unit tests sync it with every group (`uv add` would sync the default ones only), and
    the e2e copies share this repo's venv."""
    uv = find_uv()
    assert uv, "uv is not installed: `make venv` fetches it"
    result = subprocess.run([uv, *args], cwd=workspace, capture_output=True, text=True, timeout=120,
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
