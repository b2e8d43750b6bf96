"""The athlete changed in k8s/deployment.yaml while a loop runs, as docs/how-to/change-athlete.md
has a reader do it: saved, the loop applies it, and a new set of pods answers with it."""

from app import DEFAULT_ATHLETE
from harness.edits import ATHLETE_EXPRESSION, VIEWS
from harness.kube import app_pods, forwards_to_each, wait_for_every_pod, wait_for_ready_pods

MANIFEST = "k8s/deployment.yaml"
SET_IN_THE_MANIFEST = "Set In The Manifest"
# A rollout of every pod: the loop's apply, new pods started and ready, the old ones gone.
ROLLOUT_TIMEOUT = 180


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
            pods = wait_for_ready_pods(replicas, ROLLOUT_TIMEOUT, namespace=namespace, replacing=before,
                                       what=f"new pods after {MANIFEST} set {athlete!r}")
            with forwards_to_each(pods, namespace=namespace) as urls:
                wait_for_every_pod(urls, "/", {"athlete": athlete}, 30, f"{athlete!r} from {MANIFEST} in every pod")
    finally:
        if manifest.read_text() != original:
            manifest.write_text(original)
