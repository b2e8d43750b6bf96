"""The athlete changed in k8s/deployment.yaml while a loop runs, as docs/how-to/change-athlete.md
has a reader do it: saved, the loop applies it, and a new set of pods answers with it."""

from app import DEFAULT_ATHLETE
from harness.edits import ATHLETE_EXPRESSION, VIEWS
from harness.http import wait_until
from harness.kube import app_pods, forwards_to_each, wait_for_every_pod

MANIFEST = "k8s/deployment.yaml"
SET_IN_THE_MANIFEST = "Set In The Manifest"
# A rollout of every pod: the loop's apply, new pods started and ready, the old ones gone.
ROLLOUT_TIMEOUT = 180


def rolled_out(before, replicas, namespace, what):
    """Wait until replicas ready pods run and none of the pods before is among them; return them."""
    names = {pod["name"] for pod in before}
    seen = []

    def new_set():
        seen[:] = app_pods(namespace)
        return (len(seen) == replicas and all(pod["ready"] for pod in seen)
                and not names & {pod["name"] for pod in seen})

    try:
        wait_until(new_set, ROLLOUT_TIMEOUT, interval=1, what=what)
    except AssertionError as error:
        raise AssertionError(f"{error}; last seen: {seen}") from None
    return list(seen)


def check_that_a_saved_athlete_reaches_every_pod(workspace, edit, replicas=3, namespace="default"):
    """Save FAVORITE_ATHLETE's new value in the manifest, then the old one back: each time a new
    set of pods answers with it. The manifest is left as it was."""
    if ATHLETE_EXPRESSION not in (workspace / "app" / "views.py").read_text():
        edit("app/views.py", VIEWS.read_text())  # an earlier test's save answers a fixed name
    manifest = workspace / MANIFEST
    original = manifest.read_text()
    line = f"value: {DEFAULT_ATHLETE}\n"
    assert original.count(line) == 1, f"{MANIFEST} no longer sets FAVORITE_ATHLETE to {DEFAULT_ATHLETE} this way"
    try:
        for athlete, text in ((SET_IN_THE_MANIFEST, original.replace(line, f"value: {SET_IN_THE_MANIFEST}\n")),
                              (DEFAULT_ATHLETE, original)):
            before = app_pods(namespace)
            manifest.write_text(text)
            pods = rolled_out(before, replicas, namespace, f"new pods after {MANIFEST} set {athlete!r}")
            with forwards_to_each(pods, namespace=namespace) as urls:
                wait_for_every_pod(urls, "/", {"athlete": athlete}, 30, f"{athlete!r} from {MANIFEST} in every pod")
    finally:
        if manifest.read_text() != original:
            manifest.write_text(original)
