"""scripts/confirm.py without a cluster: pods stand in as functions that answer a digest, and
the lines it says are checked against what they served. The e2e layer runs it for real."""

import os
import threading
import time

import pytest

from scripts import confirm as confirm_module
from scripts import resync as resync_module

SAID_TIMEOUT = 15


@pytest.fixture
def confirm(monkeypatch):
    """scripts/confirm.py, imported, with its waits shortened."""
    monkeypatch.setattr(confirm_module, "HEAL_AFTER_SECONDS", 0.5)
    monkeypatch.setattr(confirm_module, "GIVE_UP_SECONDS", 1.5)
    return confirm_module


@pytest.fixture
def resync():
    return resync_module


class Pods:
    """Three stand-in pods: each serves the code it was last given, as its dev server would."""

    def __init__(self, confirm, work_dir, names=("pod-a", "pod-b", "pod-c")):
        self.confirm, self.work_dir = confirm, work_dir
        self.serving = {name: self.tree_digest() for name in names}
        self.not_ready = {name: "" for name in names}
        self.takes_copies = {name: True for name in names}
        self.copied = []

    def tree_digest(self):
        return self.confirm.code_digest(self.work_dir / "app")

    def sync_all(self, *skip):
        """What Skaffold's copy does: every pod but those in skip gets the tree."""
        for name in self.serving:
            if name not in skip:
                self.serving[name] = self.tree_digest()

    def containers(self):
        return [("default", name, "flask-app", self.not_ready[name]) for name in self.serving]

    def ask(self, namespace, pod):
        return self.serving[pod]

    def copy(self, namespace, pod, container):
        self.copied.append(pod)
        if self.takes_copies[pod]:
            self.serving[pod] = self.tree_digest()


class Following:
    """The confirmer following a tree, in a thread, with what it says."""

    def __init__(self, confirm, resync, work_dir, pods, error=lambda namespace, pod, seconds: ""):
        self.said = []
        self.running = True
        confirmer = confirm.Confirmer(work_dir, "app", resync.tree, pods.containers, pods.ask, pods.copy, error,
                                      self.said.append)
        self.thread = threading.Thread(target=confirmer.follow, args=(lambda: self.running,))
        self.thread.start()

    def wait_for_lines(self, count):
        deadline = time.monotonic() + SAID_TIMEOUT
        while len(self.said) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.said) >= count, f"said only {self.said}"
        return self.said

    def stop(self):
        self.running = False
        self.thread.join()


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("ATHLETE = 'first'\n")
    (tmp_path / "app" / "__init__.py").write_text("")
    return tmp_path


@pytest.fixture
def follow(confirm, resync, tree):
    started = []

    def start(pods, **kwargs):
        following = Following(confirm, resync, tree, pods, **kwargs)
        started.append(following)
        time.sleep(0.2)  # its first look at the tree
        return following

    yield start
    for following in started:
        following.stop()


def test_a_save_every_pod_serves_is_said_live_once(confirm, tree, follow):
    pods = Pods(confirm, tree)
    following = follow(pods)
    (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
    pods.sync_all()
    [line] = following.wait_for_lines(1)
    assert line.startswith("live: app/views.py in 3/3 pods, ") and line.endswith(" s after the save")
    time.sleep(0.3)
    assert following.said == [line] and pods.copied == []


def test_the_pods_are_asked_at_once(confirm, tree, follow):
    # Each ask waits for the other two: asked one after another, the first would wait alone
    # until the barrier broke, and no line would come.
    pods = Pods(confirm, tree)
    together = threading.Barrier(3, timeout=5)
    asked = pods.ask
    pods.ask = lambda namespace, pod: (together.wait(), asked(namespace, pod))[1]
    following = follow(pods)
    (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
    pods.sync_all()
    [line] = following.wait_for_lines(1)
    assert line.startswith("live: app/views.py in 3/3 pods, ")


def test_no_line_until_the_last_pod_serves_the_save(confirm, tree, follow):
    pods = Pods(confirm, tree)
    following = follow(pods)
    (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
    pods.sync_all("pod-c")
    time.sleep(0.3)
    assert following.said == [], "said live before every pod served the save"
    pods.sync_all()
    assert following.wait_for_lines(1)[0].startswith("live: app/views.py in 3/3 pods")


def test_a_pod_that_missed_the_save_is_given_the_tree_and_named(confirm, tree, follow):
    pods = Pods(confirm, tree)
    following = follow(pods)
    (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
    pods.sync_all("pod-b")
    [line] = following.wait_for_lines(1)
    assert pods.copied == ["pod-b"]
    assert line.startswith("live: app/views.py in 3/3 pods, ")
    assert line.endswith("(copied into pod-b, which had not got it)")


def test_a_pod_that_cannot_take_the_save_is_named_with_its_error(confirm, tree, follow):
    pods = Pods(confirm, tree)
    pods.takes_copies["pod-b"] = False
    errors = {"pod-b": "SyntaxError: invalid syntax"}
    following = follow(pods, error=lambda namespace, pod, seconds: errors.get(pod, ""))
    (tree / "app" / "views.py").write_text("ATHLETE = 'second\n")
    pods.sync_all("pod-b")
    [line] = following.wait_for_lines(1)
    assert line.startswith("not live: app/views.py in 2/3 pods after ")
    assert line.endswith(": pod-b still serves the previous code: SyntaxError: invalid syntax")


def test_a_pod_that_is_not_ready_or_does_not_answer_is_named_so(confirm, tree, follow):
    pods = Pods(confirm, tree)
    pods.not_ready["pod-a"] = "CrashLoopBackOff"
    pods.takes_copies["pod-a"] = pods.takes_copies["pod-c"] = False
    asked = pods.ask
    pods.ask = lambda namespace, pod: (_ for _ in ()).throw(OSError("HTTP 503")) if pod == "pod-c" \
        else asked(namespace, pod)
    following = follow(pods)
    (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
    pods.sync_all("pod-a")
    [line] = following.wait_for_lines(1)
    assert line.startswith("not live: app/views.py in 1/3 pods after ")
    assert "pod-a is not ready (CrashLoopBackOff)" in line
    assert "pod-c does not answer (HTTP 503)" in line


def test_a_newer_save_takes_over_the_wait(confirm, tree, follow):
    pods = Pods(confirm, tree)
    following = follow(pods)
    (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
    time.sleep(0.2)
    (tree / "app" / "errors.py").write_text("BODY = 'x'\n")
    pods.sync_all()
    [line] = following.wait_for_lines(1)
    time.sleep(0.3)
    assert following.said == [line], "the save that was overtaken got a line too"
    assert line.startswith("live: app/errors.py in 3/3 pods")


def test_a_removed_file_is_a_save_too(confirm, tree, follow):
    (tree / "app" / "extra.py").write_text("X = 1\n")
    pods = Pods(confirm, tree)
    following = follow(pods)
    (tree / "app" / "extra.py").unlink()
    pods.sync_all()
    assert following.wait_for_lines(1)[0].startswith("live: app/extra.py in 3/3 pods")


def test_the_last_error_of_a_traceback_is_the_reason(confirm):
    log = ("devserver: serving on http://0.0.0.0:5000\nTraceback (most recent call last):\n"
           '  File "/app/app/views.py", line 3\n    def broken(:\n'
           "SyntaxError: invalid syntax\n"
           "devserver: the changed code does not start (see above); still serving the previous version\n")
    assert confirm.last_error(log) == "SyntaxError: invalid syntax"
    assert confirm.last_error("GET / 200\n") == ""


def test_without_a_way_to_ask_the_pods_each_save_still_reruns_the_tests(confirm, resync, tree):
    said, after = [], []
    pods = Pods(confirm, tree)
    confirmer = confirm.Confirmer(tree, "app", resync.tree, pods.containers, None, pods.copy, lambda *args: "",
                                  said.append, after=lambda: after.append(True))
    running = [True]
    follower = threading.Thread(target=confirmer.follow, args=(lambda: running[0],))
    follower.start()
    try:
        time.sleep(0.2)
        (tree / "app" / "views.py").write_text("ATHLETE = 'second'\n")
        deadline = time.monotonic() + SAID_TIMEOUT
        while not after and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        running[0] = False
        follower.join()
    assert after == [True] and said == [] and pods.copied == []


def test_the_save_time_is_the_files_unless_it_cannot_be(confirm, tree):
    views = tree / "app" / "views.py"
    now = time.time()
    written = views.stat().st_mtime
    assert confirm.saved_at(tree, ["app/views.py"], now) == written
    old = now - 3600  # a copy that kept its time (cp -p)
    os.utime(views, (old, old))
    assert confirm.saved_at(tree, ["app/views.py"], now) == now
    assert confirm.saved_at(tree, ["app/gone.py"], now) == now
