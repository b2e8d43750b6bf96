"""The scenario each loop's e2e test runs with uv (add, upgrade, a replaced pod, remove), and the
uv a test needs (harness.dependencies holds what the bench shares)."""

import time

from harness.dependencies import NEWER, OLDER, PACKAGE, declarations_kept, find_uv, run_uv, wait_for_every_pod_to_import
from harness.http import wait_until
from harness.kube import app_pods, replace_pod
from tests.support.layers import cannot_run

# The hand edit that lets `uv lock --upgrade-package` take NEWER, and no later release.
WIDENED = f"{PACKAGE}>={OLDER},<0.10"


def uv():
    """The uv that make uses; without one the test cannot run."""
    found = find_uv()
    if found is None:
        cannot_run("UV", "uv is not installed", "`make venv` fetches it")
    return found


def check_that_uv_changes_reach_every_pod(workspace, env, replicas, namespace="default"):
    """`uv add`, a hand edit then `uv lock --upgrade-package`, a replaced pod and `uv remove`, each
    live in every pod of the running loop; the project's files are put back as they were.
    Return the seconds each change took to reach every pod."""
    uv()  # without it the test cannot run, before any change
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
