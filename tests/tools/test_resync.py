"""scripts/resync.py, the companion of `skaffold dev`, without a cluster: which containers it
syncs, what its in-container step does to a folder, and how it starts once per loop.
The e2e layer runs it for real (tests/e2e/test_skaffold_dev.py)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.processes import children
from scripts import resync as resync_module
from scripts.project import REPO
from tests.tools.conftest import SCRIPTS


@pytest.fixture
def resync():
    """scripts/resync.py, imported."""
    return resync_module


def apply(resync, destination, files):
    """Run the in-container step on destination with a tar of files; its (written, removed)."""
    result = subprocess.run([sys.executable, "-c", resync.APPLY, str(destination), resync.SOURCE, ".py"],
                            input=resync.tar_of(files), capture_output=True, check=True, timeout=30)
    return tuple(int(word) for word in result.stdout.split())


def test_the_step_in_the_container_writes_only_what_differs_and_removes_what_is_gone(resync, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "views.py").write_bytes(b"old views")
    (app / "errors.py").write_bytes(b"errors")
    (app / "gone.py").write_bytes(b"deleted since the build")
    (app / "data.json").write_bytes(b"{}")
    (app / "__pycache__").mkdir()
    (app / "__pycache__" / "views.cpython-312.pyc").write_bytes(b"bytecode")
    untouched = (app / "errors.py").stat().st_mtime_ns

    files = {"app/views.py": b"new views", "app/errors.py": b"errors", "app/sub/new.py": b"new module"}
    assert apply(resync, tmp_path, files) == (2, 1)
    assert (app / "views.py").read_bytes() == b"new views"
    assert (app / "sub" / "new.py").read_bytes() == b"new module"
    assert not (app / "gone.py").exists()
    assert (app / "errors.py").stat().st_mtime_ns == untouched, "a current file was rewritten"
    assert (app / "data.json").exists() and (app / "__pycache__" / "views.cpython-312.pyc").exists()
    assert apply(resync, tmp_path, files) == (0, 0)


def test_the_tree_is_what_the_sync_rule_covers(resync, tmp_path):
    (tmp_path / "app" / "__pycache__").mkdir(parents=True)
    (tmp_path / "app" / "views.py").write_text("views")
    (tmp_path / "app" / "notes.txt").write_text("not synced")
    (tmp_path / "app" / "__pycache__" / "views.py").write_text("never")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("not app/")
    assert resync.tree(tmp_path) == {"app/views.py": b"views"}


def pod(name, container_id="", started=True, image="flask-app:abc123", namespace="default", sidecar=False):
    """A pod object as the API serves it, with one app container (and an envoy sidecar)."""
    specs = [{"name": "flask-app", "image": image}] + ([{"name": "envoy", "image": "envoy:1.31"}] if sidecar else [])
    statuses = [{"name": "flask-app", "containerID": container_id, "started": started}] if container_id else []
    statuses += [{"name": "envoy", "containerID": "docker://s1", "started": True}] if sidecar else []
    return {"metadata": {"namespace": namespace, "name": name}, "spec": {"containers": specs},
            "status": {"containerStatuses": statuses}}


def test_only_started_app_containers_not_seen_yet_are_synced(resync, monkeypatch):
    synced = []
    companion = resync.Companion("docker-desktop", REPO, "app=flask-app,skaffold.dev/run-id=run-1")
    monkeypatch.setattr(companion, "heal", lambda *args: synced.append(args))
    monkeypatch.setattr(resync.threading, "Thread",
                        lambda target, args, daemon=False: type("Now", (), {"start": lambda self: target(*args)})())
    for seen in (pod("flask-app-1"),                                   # no container yet
                 pod("flask-app-1", "docker://a1", started=False),
                 pod("flask-app-1", "docker://a1"),                    # started: synced
                 pod("flask-app-1", "docker://a1"),                    # seen: not again
                 pod("flask-app-1", "docker://a2"),                    # restarted: synced
                 pod("flask-app-2", "docker://b1", sidecar=True),      # the app's container only
                 pod("other-1", "docker://c1", image="registry.local/other:1")):
        companion.on_pod(seen)
    assert synced == [("default", "flask-app-1", "flask-app", "new container", "docker://a1"),
                      ("default", "flask-app-1", "flask-app", "restarted container", "docker://a2"),
                      ("default", "flask-app-2", "flask-app", "new container", "docker://b1")]


def test_the_pods_a_save_must_reach_follow_the_watch_events(resync, monkeypatch):
    companion = resync.Companion("docker-desktop", REPO, "app=flask-app,skaffold.dev/run-id=run-1")
    monkeypatch.setattr(companion, "on_pod", lambda pod: None)
    ready = pod("flask-app-1", "docker://a1")
    ready["status"]["containerStatuses"][0]["ready"] = True
    crashing = pod("flask-app-2", "docker://b1", started=False)
    crashing["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    leaving = pod("flask-app-3", "docker://c1")
    for event in ({"type": "ADDED", "object": ready}, {"type": "ADDED", "object": crashing},
                  {"type": "ADDED", "object": pod("flask-app-4")}, {"type": "ADDED", "object": leaving},
                  {"type": "ADDED", "object": pod("other-1", "docker://d1", image="busybox")}):
        companion.on_event(event)
    assert companion.containers_now() == [("default", "flask-app-1", "flask-app", ""),
                                          ("default", "flask-app-2", "flask-app", "CrashLoopBackOff"),
                                          ("default", "flask-app-3", "flask-app", "not ready"),
                                          ("default", "flask-app-4", "flask-app", "not started")]
    leaving["metadata"]["deletionTimestamp"] = "2026-12-02T19:00:00Z"
    companion.on_event({"type": "MODIFIED", "object": leaving})
    companion.on_event({"type": "DELETED", "object": pod("flask-app-4")})
    assert [entry[1] for entry in companion.containers_now()] == ["flask-app-1", "flask-app-2"]


def test_under_tilt_the_pods_are_followed_but_new_containers_are_left_to_tilt(resync, monkeypatch):
    companion = resync.Companion("docker-desktop", REPO, resync.TILT_SELECTOR, heal=False)
    monkeypatch.setattr(companion, "heal", lambda *args: pytest.fail(f"healed {args}: Tilt's own job"))
    companion.on_event({"type": "ADDED", "object": pod("flask-app-1", "docker://a1", image="flask-app:tilt-1f2e")})
    companion.on_event({"type": "MODIFIED", "object": pod("flask-app-1", "docker://a2", image="flask-app:tilt-1f2e")})
    assert companion.containers_now() == [("default", "flask-app-1", "flask-app", "not ready")]
    assert resync.TILT_SELECTOR == "app=flask-app,app.kubernetes.io/managed-by=tilt"


def test_a_sync_meant_for_a_container_that_has_since_restarted_is_left_to_its_successor(resync, monkeypatch):
    copied = []
    companion = resync.Companion("docker-desktop", REPO, "app=flask-app,skaffold.dev/run-id=run-1")
    monkeypatch.setattr(resync, "sync", lambda *args: copied.append(args) or (1, 0))
    companion.seen = {("default", "flask-app-1", "flask-app"): "docker://a2"}
    companion.heal("default", "flask-app-1", "flask-app", "restarted container", "docker://a1")
    assert copied == []
    companion.heal("default", "flask-app-1", "flask-app", "restarted container", "docker://a2")
    assert len(copied) == 1


def test_the_watch_stream_is_read_object_by_object(resync):
    pods = [pod("a", "docker://1"), pod("b", "docker://2")]
    text = "".join(json.dumps(item, indent=4) + "\n" for item in pods)
    chunks = [text[index:index + 7] for index in range(0, len(text), 7)]
    assert list(resync.objects(iter(chunks))) == pods


@pytest.mark.parametrize(("image", "ours"), [
    ("flask-app", True), ("flask-app:3f2a", True), ("registry.example.com/you/flask-app:v1@sha256:ab", True),
    ("docker.io/library/flask-app:dev", True), ("flask-app-other:1", False), ("busybox", False),
    ("localhost:5000/flask-app", True), ("flask-app.evil/x:1", False),
])
def test_the_app_image_is_known_whatever_its_tag_or_registry(resync, image, ours):
    assert resync.is_app_image(image) is ours


def test_start_outside_skaffold_says_who_runs_it(tmp_path):
    result = subprocess.run([*SCRIPTS, "resync", "start"], capture_output=True, text=True, timeout=30, cwd=REPO,
                            env={k: v for k, v in os.environ.items() if not k.startswith("SKAFFOLD_")})
    assert result.returncode == 2
    assert "deploy hook" in result.stderr and "SKAFFOLD_RUN_ID" in result.stderr


def test_it_starts_once_per_loop_and_ends_with_skaffold(tmp_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    # A watch that never ends by itself, recording that it ran.
    (fakes / "kubectl").write_text('#!/bin/sh\nprintf "%s\\n" "$*" >>"$FAKE_LOG"\nexec sleep 600\n')
    (fakes / "kubectl").chmod(0o755)
    env = {**os.environ, "PATH": f"{fakes}:{os.environ['PATH']}", "TMPDIR": str(tmp_path),
           "SKAFFOLD_RUN_ID": "run-1", "SKAFFOLD_KUBE_CONTEXT": "docker-desktop", "SKAFFOLD_NAMESPACES": "default",
           "SKAFFOLD_WORK_DIR": str(tmp_path), "FAKE_LOG": str(tmp_path / "kubectl.log")}
    # Stands in for Skaffold: runs the hook after two deploys, then lives until killed.
    skaffold = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time\n"
         f"for _ in range(2): subprocess.run({[*SCRIPTS, 'resync', 'start']!r}, check=True)\n"
         "print('deployed twice', flush=True)\ntime.sleep(600)"],
        env=env, stdout=subprocess.PIPE, text=True, cwd=REPO)
    pid_file = tmp_path / "favorite-athlete-resync" / "run-1.pid"
    try:
        said = [skaffold.stdout.readline() for _ in range(2)]
        assert said == ["resync: watching the app's pods: a container that starts later gets app/ as saved here\n",
                        "deployed twice\n"], "the second deploy started a second companion"
        companion = int(pid_file.read_text())
        wait_for(lambda: len(kubectl_runs(tmp_path)) == 2)
        watches = children(companion)
        assert len(watches) == 2, "one watch for the one namespace, and one API proxy"
        runs = sorted(kubectl_runs(tmp_path))
        assert runs[0].startswith("--context docker-desktop get pods --namespace default --selector "
                                  "app=flask-app,skaffold.dev/run-id=run-1 --watch")
        assert runs[1] == "--context docker-desktop proxy --address=127.0.0.1 --port=0"
    finally:
        skaffold.kill()
        skaffold.wait()
        skaffold.stdout.close()
    wait_for(lambda: not running(companion) and not any(running(pid) for pid in watches))
    assert not pid_file.exists()


def kubectl_runs(tmp_path):
    """The arguments of each kubectl the fake saw run."""
    log = tmp_path / "kubectl.log"
    return log.read_text().splitlines() if log.exists() else []


def wait_for(condition, timeout=10):
    """Poll condition until it holds; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.05)


def running(pid):
    """Whether pid is a process that has not exited (a zombie has)."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False
