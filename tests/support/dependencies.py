"""The scenario each loop's e2e test runs with uv (add, upgrade, a replaced pod, remove), and the
uv a test needs (harness.dependencies holds what the bench shares)."""

import shlex
import time

from harness.dependencies import NEWER, OLDER, PACKAGE, declarations_kept, find_uv, run_uv, wait_for_every_pod_to_import
from harness.http import wait_until
from harness.kube import app_pods, replace_pod
from tests.support.docs import documented
from tests.support.layers import cannot_run


def uv():
    """The uv that make uses; without one the test cannot run."""
    found = find_uv()
    if found is None:
        cannot_run("UV", "uv is not installed", "`make venv` fetches it")
    return found


def run_as_documented(workspace, env, command):
    """Run a uv command that docs/how-to/dependencies.md gives in the project at workspace."""
    program, *args = shlex.split(command)
    assert program == "uv", command
    run_uv(workspace, env, *args)


def check_that_uv_changes_reach_every_pod(workspace, env, replicas, namespace="default"):
    """`uv add`, a hand edit then `uv lock`, a replaced pod and `uv remove`, as
    docs/how-to/dependencies.md gives them, each
    live in every pod of the running loop; the project's files are put back as they were.
    Return the seconds each change took to reach every pod."""
    uv()  # without it the test cannot run, before any change
    assert (PACKAGE, OLDER, NEWER) == ("tabulate", "0.8.10", "0.9.0"), "the how-to's example is another package"
    taken = {}
    with declarations_kept(workspace):
        started = time.monotonic()
        run_as_documented(workspace, env, documented("docs/how-to/dependencies.md", "uv add 'tabulate==0.8.10'"))
        wait_for_every_pod_to_import(OLDER, replicas, namespace)
        taken["add"] = time.monotonic() - started

        # The hand edit the how-to gives (the build refuses a lock that no longer matches), then the lock.
        started = time.monotonic()
        pyproject = workspace / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace(f'"{PACKAGE}=={OLDER}"', f'"{PACKAGE}=={NEWER}"'))
        run_as_documented(workspace, env, documented("docs/how-to/dependencies.md", "uv lock"))
        pods = wait_for_every_pod_to_import(NEWER, replicas, namespace)
        taken["upgrade"] = time.monotonic() - started

        replace_pod(pods[0]["name"], namespace)
        wait_until(lambda: pods[0]["name"] not in {pod["name"] for pod in app_pods(namespace)}, 120,
                   interval=0.5, what=f"{pods[0]['name']} replaced")
        wait_for_every_pod_to_import(NEWER, replicas, namespace, timeout=120)

        started = time.monotonic()
        run_as_documented(workspace, env, documented("docs/how-to/dependencies.md", "uv remove tabulate"))
        wait_for_every_pod_to_import("none", replicas, namespace)
        taken["remove"] = time.monotonic() - started
    print(f"{PACKAGE} in every pod: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in taken.items()))
    return taken
