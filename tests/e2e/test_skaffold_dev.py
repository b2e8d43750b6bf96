"""`make dev`, as the README's quick start has a user run it: the loop on the current local
cluster, the Service forwarded to 127.0.0.1, pod logs in its output, a save synced into every
pod without a rebuild or a restart, a broken save that keeps the last good answer, a failing
unit test that blocks a deploy, an athlete saved in the manifest redeployed without a build, a
dependency added, upgraded and removed with uv, and Ctrl-C that removes what it deployed."""

import re
import threading
import time
import uuid
from contextlib import contextmanager

import pytest

from app import DEFAULT_ATHLETE
from harness.edits import broken_views, errors_refusing_with, views_answering
from harness.http import request, wait_until
from harness.kube import app_pods, forwards_to_each, kubectl, wait_for_every_pod, wait_for_ready_pods
from harness.loop import Background
from scripts.project import REPO
from tests.support.dependencies import check_that_uv_changes_reach_every_pod
from tests.support.faults import check_that_a_replaced_pod_and_a_restarted_container_serve_every_save
from tests.support.kube import SKAFFOLD_APP_FORWARD, check_a_clean_stop, pod_logs, wait_for_every_pod_to_serve_the_tree
from tests.support.manifest import check_that_a_saved_athlete_reaches_every_pod
from tests.support.timeouts import DEPLOY_TIMEOUT, SYNC_TIMEOUT

pytestmark = pytest.mark.e2e
# A change to a file that is not synced, which forces a rebuild.
REBUILD_TRIGGER = "\nLABEL org.opencontainers.image.description=\"e2e rebuild\"\n"
FAILING_TEST = "def test_fails_on_purpose():\n    assert False, 'the e2e gate test'\n"
SAVED_WHILE_STARTING = "Saved While The Loop Started"


@pytest.fixture(scope="module")
def skaffold_dev(workspace, tool_env, tmp_path_factory):
    """`make dev` running in the copy, its first deploy ready, and app/views.py saved the
    moment its 3 pods were ready (while Skaffold still checks the deploy, before it takes
    its baseline of file times); in dev.saved_before_watching, whether the save did come
    before Skaffold watched."""
    dev = Background(["make", "dev"], workspace, tool_env, tmp_path_factory.mktemp("skaffold") / "dev.log")
    try:
        dev.wait_for_output(r"Starting deploy\.\.\.", DEPLOY_TIMEOUT)
        wait_for_ready_pods(3, 120)
        (workspace / "app" / "views.py").write_text(views_answering(SAVED_WHILE_STARTING))
        dev.saved_before_watching = "Watching for changes" not in dev.output()
        dev.wait_for_output(r"Press Ctrl\+C to exit", DEPLOY_TIMEOUT)
        yield dev
    finally:
        dev.kill()


@pytest.fixture
def pods(skaffold_dev):
    """The three ready pods, with a port-forward to each."""
    pods = wait_for_ready_pods(3, 120)
    with forwards_to_each(pods) as urls:
        yield pods, urls


def test_a_save_made_while_the_loop_starts_reaches_every_pod(skaffold_dev, pods, workspace):
    _, urls = pods
    print(f"the save came {'before' if skaffold_dev.saved_before_watching else 'after'} Skaffold watched for saves")
    try:
        wait_for_every_pod(urls, "/", {"athlete": SAVED_WHILE_STARTING}, SYNC_TIMEOUT, "the save made at start-up")
    finally:
        since = len(skaffold_dev.output())
        (workspace / "app" / "views.py").write_text((REPO / "app" / "views.py").read_text())
    wait_for_every_pod(urls, "/", {"athlete": DEFAULT_ATHLETE}, SYNC_TIMEOUT, "the original code back in every pod")
    # The unit tests rerun once the save is live: let them end before the next test.
    skaffold_dev.wait_for_output(r"resync: unit tests after the save: passed", SYNC_TIMEOUT, since=since)


def test_it_runs_skaffold_dev_on_the_current_local_cluster(skaffold_dev, cluster):
    output = skaffold_dev.output()
    used = f"cluster: using the current context, {cluster} is a local cluster"
    assert used in output or (cluster == "minikube" and "cluster: using minikube" in output), output[:3000]
    assert "skaffold dev --trigger=polling --watch-poll-interval=100" in output


def test_it_deploys_the_dev_image_and_forwards_the_service_to_localhost(skaffold_dev, pods):
    _, urls = pods
    for url in urls.values():
        assert request(url, "GET", "/").headers["server"].startswith("Werkzeug")
    forwarded = re.search(SKAFFOLD_APP_FORWARD, skaffold_dev.output())
    assert forwarded, skaffold_dev.output()[-3000:]
    assert request(f"http://127.0.0.1:{forwarded.group(1)}", "GET", "/").json() == {"athlete": DEFAULT_ATHLETE}
    assert "could not map pods to service" not in skaffold_dev.output()


def test_the_pods_logs_stream_into_its_output(skaffold_dev, pods):
    _, urls = pods
    marker = f"/e2e-log-{uuid.uuid4().hex}"
    for url in urls.values():
        assert request(url, "GET", marker).status == 404
    skaffold_dev.wait_for_output(rf"GET {marker} 404", 30)


def test_a_save_is_served_by_every_pod_without_a_rebuild_or_restart(skaffold_dev, pods, edit):
    before, urls = pods
    since = len(skaffold_dev.output())
    edit("app/views.py", views_answering("Synced By Skaffold"))
    wait_for_every_pod(urls, "/", {"athlete": "Synced By Skaffold"}, SYNC_TIMEOUT, "the save in every pod")
    assert app_pods() == before, "a pod was replaced or restarted"
    after = skaffold_dev.output()[since:]
    assert "Syncing" in after and "Building [" not in after


def test_the_loop_says_when_a_save_is_live_in_every_pod(skaffold_dev, pods, edit):
    """app/errors.py, so that the line of an earlier save of app/views.py (a test's restore,
    confirmed a moment later) cannot pass for this one; the two may share one line."""
    _, urls = pods
    since = len(skaffold_dev.output())
    edit("app/errors.py", errors_refusing_with("Confirmed live"))
    skaffold_dev.wait_for_output(r"resync: live: app/errors\.py(, app/views\.py)? in 3/3 pods, \d+\.\d\d s after "
                                 r"the save\n", SYNC_TIMEOUT, since=since)
    for url in urls.values():
        assert request(url, "POST", "/").body == b"Confirmed live"
    # Then the unit tests, which expect the documented 405 text: their failure shows, the save stays live.
    skaffold_dev.wait_for_output(r"resync: unit tests after the save: FAILED in [\d.]+ s \(make", SYNC_TIMEOUT,
                                 since=since)
    assert "Syncing 1 files" in skaffold_dev.output()[since:]


def test_a_pod_that_lost_a_file_behind_the_loops_back_is_healed_and_named(skaffold_dev, pods, edit, workspace):
    """A file removed in one pod (by hand, say): the next save alone cannot start there, so the
    confirmation gives that pod the whole tree and says so."""
    before, urls = pods
    victim = before[1]["name"]
    wait_for_every_pod_to_serve_the_tree(urls, workspace, SYNC_TIMEOUT)
    kubectl("exec", victim, "--", "rm", "/app/app/errors.py")
    since = len(skaffold_dev.output())
    edit("app/views.py", views_answering("Healed After A Loss"))
    skaffold_dev.wait_for_output(
        rf"resync: live: (app/errors\.py, )?app/views\.py in 3/3 pods, \d+\.\d\d s after the save \(copied into {victim}, "
        r"which had not got it\)", SYNC_TIMEOUT, since=since)
    wait_for_every_pod(urls, "/", {"athlete": "Healed After A Loss"}, 5, "the save in every pod")
    assert app_pods() == before, "a pod was replaced or restarted"


@contextmanager
def written_without_pause(path, every=0.01, limit=120):
    """A file inside the project that grows every 10 ms while the block runs (a log that
    `make dev 2>&1 | tee dev.log` writes, say), for at most limit seconds."""
    stop = threading.Event()

    def write():
        deadline = time.monotonic() + limit
        with open(path, "a") as log:
            while not stop.wait(every) and time.monotonic() < deadline:
                log.write(f"{time.time():.3f} a line of a busy log\n")
                log.flush()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join()
        path.unlink(missing_ok=True)


def test_a_file_written_without_pause_in_the_project_holds_no_save_back(skaffold_dev, pods, edit, workspace):
    """Skaffold's notify trigger waits for a pause in every file event under the project,
    so a log that never pauses held back each save; `make dev` polls the sources instead."""
    _, urls = pods
    with written_without_pause(workspace / "busy.log"):
        time.sleep(1)  # the log has grown for a while before the save
        edit("app/views.py", views_answering("Saved Beside A Busy Log"))
        wait_for_every_pod(urls, "/", {"athlete": "Saved Beside A Busy Log"}, SYNC_TIMEOUT,
                           "the save in every pod while a log grows in the project")


def test_a_broken_save_keeps_the_last_good_answer_and_the_fix_goes_live(skaffold_dev, pods, edit):
    before, urls = pods
    edit("app/views.py", views_answering("Last Good"))
    wait_for_every_pod(urls, "/", {"athlete": "Last Good"}, SYNC_TIMEOUT, "the good save in every pod")
    since = len(skaffold_dev.output())
    edit("app/views.py", broken_views())
    skaffold_dev.wait_for_output(r"Syncing 1 files", SYNC_TIMEOUT, since=since)
    # Skaffold mutes the pods' logs while its dev loop runs the tests: ask kubectl.
    for pod in before:
        wait_until(lambda name=pod["name"]: "still serving the previous version" in pod_logs(name), SYNC_TIMEOUT,
                   what=f"{pod['name']} refusing the broken code")
    for url in urls.values():
        assert request(url, "GET", "/").json() == {"athlete": "Last Good"}
    skaffold_dev.wait_for_output(r"SyntaxError", SYNC_TIMEOUT, since=since)
    edit("app/views.py", views_answering("Fixed"))
    wait_for_every_pod(urls, "/", {"athlete": "Fixed"}, SYNC_TIMEOUT, "the fix in every pod")
    assert app_pods() == before


def test_a_replaced_pod_and_a_restarted_container_serve_every_save(skaffold_dev, pods, edit):
    before, _ = pods
    check_that_a_replaced_pod_and_a_restarted_container_serve_every_save(before, edit, skaffold_dev.output)


def test_an_athlete_saved_in_the_manifest_is_redeployed_without_a_build(skaffold_dev, workspace, edit):
    """docs/how-to/change-athlete.md: Skaffold applies the saved manifest, a new set of pods
    answers. Before the test that rebuilds the image, whose build may still run after it."""
    since = len(skaffold_dev.output())
    check_that_a_saved_athlete_reaches_every_pod(workspace, edit)
    after = skaffold_dev.output()[since:]
    assert "Starting deploy..." in after and "Building [" not in after, after[-3000:]


def test_a_failing_unit_test_keeps_a_rebuilt_image_out_of_the_cluster(skaffold_dev, pods, edit, workspace):
    before, urls = pods
    since = len(skaffold_dev.output())
    edit("tests/unit/test_e2e_gate.py", FAILING_TEST)
    edit("Dockerfile", (workspace / "Dockerfile").read_text() + REBUILD_TRIGGER)
    skaffold_dev.wait_for_output(r"Skipping deploy due to test error", 300, since=since)
    assert "1 failed" in skaffold_dev.output()[since:]
    assert app_pods() == before, "the pods changed although the tests failed"
    for url in urls.values():
        assert request(url, "GET", "/").status == 200


def test_a_dependency_changed_with_uv_reaches_every_pod(skaffold_dev, workspace, tool_env):
    check_that_uv_changes_reach_every_pod(workspace, tool_env, replicas=3)


def test_ctrl_c_removes_what_it_deployed(skaffold_dev, workspace):
    # make reports the interrupt of its recipe as its own (`make: *** [Makefile:…: dev] Interrupt`).
    skaffold_dev.interrupt(120)
    # The companion runs in a session of its own, so that Ctrl-C ends Skaffold first.
    port = int(re.search(SKAFFOLD_APP_FORWARD, skaffold_dev.output()).group(1))
    check_a_clean_stop(skaffold_dev, workspace, [port], "make dev")
