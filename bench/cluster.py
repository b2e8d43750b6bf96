"""Figures 7-11: the inner loop on a real cluster, from a save to every pod serving it.

Runs against the current kube context (CI's cluster, or minikube) when one answers, in a
copy of the project. Each pod is asked directly, through a port-forward of its own, so
that a straggler cannot hide behind the Service. Edits come EDIT_GAP seconds after the
previous one went live, as a person's saves would.
"""

import os
import tempfile
import time
from pathlib import Path

from bench.stats import seconds, summary
from tests.support.edits import views_answering
from tests.support.http import answers
from tests.support import kube
from tests.support.kube import (Background, cluster_problem, copy_project, forwards_to_each, leftovers, tool_env,
                                wait_for_ready_pods)
from tests.support.processes import cpu_seconds, tree
from tests.support.servers import free_port

EDITS = int(os.environ.get("BENCH_CLUSTER_EDITS", "20"))
REBUILDS = 5
LIVE_TIMEOUT = 15.0
EDIT_GAP = 1.5
IDLE_WINDOW = 60.0
START_TIMEOUT = 600
USER_URL = "http://127.0.0.1:5000"
# The skaffold dev settings compared: its default file watcher polls every second.
SKAFFOLD_VARIANTS = {
    "default": [],
    "poll 100 ms": ["--watch-poll-interval=100"],
    "notify": ["--trigger=notify"],
}


def all_pods_serve(urls, athlete, started):
    """Seconds from started until every pod answers athlete, or None after LIVE_TIMEOUT."""
    pending, expected = set(urls), {"athlete": athlete}
    while time.perf_counter() - started < LIVE_TIMEOUT:
        pending = {name for name in pending if not answers(urls[name], "/", expected)}
        if not pending:
            return time.perf_counter() - started
        time.sleep(0.01)
    return None


def edit_loop(workspace, label):
    """EDITS saves of app/views.py; seconds until all 3 pods serve each, and how many never did."""
    pods = wait_for_ready_pods(3, 120)
    views = workspace / "app" / "views.py"
    original = views.read_text()
    times, missed = [], 0
    with forwards_to_each(pods) as urls:
        for number in range(EDITS):
            athlete = f"{label} edit {number}"
            started = time.perf_counter()
            views.write_text(views_answering(athlete))
            live = all_pods_serve(urls, athlete, started)
            if live is None:
                missed += 1
            else:
                times.append(live)
            time.sleep(EDIT_GAP)
    views.write_text(original)
    restarted = [pod["name"] for pod in wait_for_ready_pods(3, 60) if pod not in pods]
    return {"seconds": summary(times) if times else None, "missed": missed, "replaced_pods": restarted}


def idle_cpu(pid):
    """Share of one core that a process tree uses over IDLE_WINDOW seconds of no edits."""
    pids = tree(pid)
    before = cpu_seconds(pids)
    time.sleep(IDLE_WINDOW)
    return (cpu_seconds([p for p in pids if Path(f"/proc/{p}").exists()]) - before) / IDLE_WINDOW


def first_200(started, timeout=START_TIMEOUT):
    """Seconds from started until the user's URL answers 200, or None."""
    while time.perf_counter() - started < timeout:
        if answers(USER_URL, "/"):
            return time.perf_counter() - started
        time.sleep(0.1)
    return None


def session(command, workspace, log, stop):
    """One session of a tool's loop: start-up to the first 200, the edits, idle CPU; then stop(it)."""
    started = time.perf_counter()
    tool = Background(command, workspace, tool_env(), log)
    try:
        startup = first_200(started)
        result = edit_loop(workspace, command[0])
        result.update(startup=startup, idle_cpu=idle_cpu(tool.process.pid))
        return result
    finally:
        stop(tool)
        wait_gone()


def skaffold_dev(workspace, args, logs):
    """One `skaffold dev` session; Ctrl-C ends it and deletes what it deployed."""
    return session(["skaffold", "dev", *args], workspace, logs / f"skaffold{'_'.join(args)}.log",
                   lambda dev: dev.interrupt(120))


def tilt_up(workspace, logs):
    """One `tilt up` session; `tilt down` deletes what it deployed."""
    def stop(up):
        up.kill()
        kube.run("tilt", "down", cwd=workspace, env=tool_env())

    return session(["tilt", "up", "--port", str(free_port())], workspace, logs / "tilt.log", stop)


def rebuild_and_rollout(workspace):
    """The same save delivered by `skaffold run` (build, deploy, rollout): seconds each. The
    unit tests are skipped: the save hard-wires the answer they check (figure 11 is their cost)."""
    views = workspace / "app" / "views.py"
    original, times = views.read_text(), []
    try:
        kube.run("skaffold", "run", "--status-check=true", cwd=workspace, env=tool_env(), timeout=START_TIMEOUT)
        for number in range(REBUILDS):
            athlete = f"rebuild {number}"
            started = time.perf_counter()
            views.write_text(views_answering(athlete))
            kube.run("skaffold", "run", "--status-check=true", "--skip-tests", cwd=workspace, env=tool_env(),
                     timeout=START_TIMEOUT)
            with forwards_to_each(wait_for_ready_pods(3, 120)) as urls:
                if all_pods_serve(urls, athlete, time.perf_counter()) is None:
                    raise AssertionError(f"{athlete} not served after skaffold run")
            times.append(time.perf_counter() - started)
    finally:
        views.write_text(original)
        kube.run("skaffold", "delete", cwd=workspace, env=tool_env())
        wait_gone()
    return {"seconds": summary(times)}


def gate_cost(workspace):
    """Wall seconds of the test that reruns after each synced save, on this machine."""
    times = []
    for _ in range(10):
        started = time.perf_counter()
        kube.run("make", "test-unit", cwd=workspace, env=tool_env())
        times.append(time.perf_counter() - started)
    return {"seconds": summary(times)}


def wait_gone():
    """Wait until nothing of the app is left, so that the next variant starts clean."""
    deadline = time.monotonic() + 180
    while leftovers() and time.monotonic() < deadline:
        time.sleep(1)


def line(name, result):
    """One printed line of a save-to-all-pods figure."""
    if result.get("seconds") is None:
        return f"   {name:<22} no edit went live ({result['missed']} missed)"
    text = f"   {name:<22} {seconds(result['seconds'])}  missed {result['missed']}"
    if result.get("replaced_pods"):
        text += f"  REPLACED PODS {result['replaced_pods']}"
    if "idle_cpu" in result:
        text += f"  idle CPU {result['idle_cpu'] * 100:.2f} %  start-up {result['startup'] or float('nan'):.1f} s"
    return text


def run(images=None):
    """Every cluster figure, in one run."""
    problem = cluster_problem()
    if problem:
        print(f"7-11. cluster figures skipped: {problem}")
        return {"skipped": problem}
    with tempfile.TemporaryDirectory() as scratch:
        workspace = copy_project(Path(scratch) / "project")
        logs = Path(scratch) / "logs"
        logs.mkdir()
        results = {"skaffold dev": {}}
        print(f"7. save -> all 3 pods serve it, skaffold dev ({EDITS} edits, {EDIT_GAP} s apart)")
        for name, args in SKAFFOLD_VARIANTS.items():
            results["skaffold dev"][name] = skaffold_dev(workspace, args, logs)
            print(line(name, results["skaffold dev"][name]), flush=True)
        print("8. the same, tilt up (live_update)")
        results["tilt up"] = tilt_up(workspace, logs)
        print(line("tilt", results["tilt up"]), flush=True)
        print(f"9. the same save by rebuild + rollout (skaffold run, {REBUILDS} saves)")
        results["rebuild"] = rebuild_and_rollout(workspace)
        print(f"   {'skaffold run':<22} {seconds(results['rebuild']['seconds'])}")
        print("10. start-up to the first 200 on 127.0.0.1:5000 (cluster running, image cache warm): above")
        results["gate"] = gate_cost(workspace)
        print(f"11. the test that reruns after a synced save, on the host: {seconds(results['gate']['seconds'])}")
        return results

