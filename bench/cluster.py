"""Figures 7-12: the inner loop on a real cluster, from a save to every pod serving it.

Runs against the current kube context (CI's cluster, or minikube) when one answers and the
loop itself would take it as local (scripts/cluster.py): never on a remote context, where it
would deploy and build for many minutes. It works in a copy of the project. Each pod is asked
directly, through a port-forward of its own, so that a straggler cannot hide behind the
Service. Edits come EDIT_GAP seconds after the previous one went live, as a person's saves
would; then as many again, each the moment the previous one is live (while the unit tests
that follow a save may still run).

Each live edit is split into steps from the tool's own record: notice (the save until the
tool starts the sync), copy (into the 3 pods) and reload (until every pod serves it); and for
the saves made apart, the moment the loop said `resync: live: ...` is set against the moment
the last pod served the save (made at once, a save is often followed by the next before its
line: only the latest gets one).
Figure 12 is a pod that starts after the build (replaced, or its container restarted): how
long until it serves the latest save. Figure 15 is a dependency added with `uv add` (and
removed with `uv remove`) until every pod imports it (or no longer can).
"""

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from bench.live_lines import LiveLines
from bench.stats import seconds, summary
from harness import kube, loop
from harness.dependencies import OLDER, PACKAGE, declarations_kept, run_uv, wait_for_every_pod_to_import
from harness.edits import views_answering
from harness.http import answers, seconds_until, wait_until
from harness.kube import cluster_problem, forwards_to_each, leftovers, wait_for_every_pod, wait_for_ready_pods
from harness.loop import Background, copy_project, tool_env
from harness.processes import cpu_seconds_used, tree
from harness.servers import free_port
from scripts.cluster import choose
from scripts.project import APP, APP_PORT, REPO

EDITS = int(os.environ.get("BENCH_CLUSTER_EDITS", "20"))
REBUILDS = 5
LIVE_TIMEOUT = 15.0
EDIT_GAP = 1.5
IDLE_WINDOW = 60.0
# Longer than the test that reruns after a save (figure 11).
SETTLE = 5.0
START_TIMEOUT = 600
LOGS = REPO / "bench-results" / "cluster-logs"
USER_URL = f"http://127.0.0.1:{APP_PORT}"
# The skaffold dev settings compared: its default, the notify trigger, waits for 1 s without
# a file event; `make dev` polls the files it depends on every 100 ms.
MAKE_DEV_ARGS = ["--trigger=polling", "--watch-poll-interval=100"]
SKAFFOLD_VARIANTS = {
    "default": [],
    "poll 100 ms": MAKE_DEV_ARGS,
    "notify": ["--trigger=notify"],
}
# A pod deleted or a container restarted, in turn (figure 12).
FAULTS = int(os.environ.get("BENCH_CLUSTER_FAULTS", "10"))
# How long USER_URL may stay down in a rolling restart before it counts as lost.
OUTAGE_LIMIT = 60.0
# How long after the last pod a confirmation line may come before the save counts as unsaid.
LINE_WAIT = 5.0
# A package added then removed, in turn (figure 15).
DEPENDENCY_CHANGES = int(os.environ.get("BENCH_CLUSTER_DEPENDENCY_CHANGES", "3"))


def all_pods_serve(urls, athlete, started):
    """Seconds from started until every pod answers athlete, or None after LIVE_TIMEOUT."""
    def every_pod(left):
        wait_for_every_pod(urls, "/", {"athlete": athlete}, left, f"{athlete} in every pod", interval=0.01)

    return seconds_until(every_pod, started, LIVE_TIMEOUT)


def wall(stamp):
    """Seconds since the epoch of an RFC 3339 time as Kubernetes, Tilt and Skaffold write it
    (Z, up to nanoseconds: Python reads six digits)."""
    head, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(fraction + '000000')[:6]}+00:00").timestamp()


class SkaffoldSteps:
    """The steps of each synced save, from `skaffold dev`'s event API (--rpc-http-port): a dev
    loop starts with the sync, and with no test depending on app/ (the companion reruns the
    tests beside it) it ends when the copy into every pod is done."""

    def __init__(self):
        self.port = free_port()
        self.args = [f"--rpc-http-port={self.port}"]
        self.times = {"InProgress": [], "Succeeded": []}

    def listen(self):
        """Record, in the background, when each dev loop started and ended."""
        stream = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/events", timeout=None)

        def read():
            for line in stream:
                event = json.loads(line).get("result", {})
                task = event.get("taskEvent", {})
                if task.get("task") == "DevLoop" and task.get("status") in self.times:
                    self.times[task["status"]].append(wall(event["timestamp"]))

        threading.Thread(target=read, daemon=True).start()

    def __call__(self, saved, live):
        """The save's split, or None where a record of it has not arrived: on a busy machine the
        event stream can lag behind the pods, and the save still counts, without its split."""
        noticed = next((start for start in self.times["InProgress"] if start >= saved), None)
        copied = next((end for end in self.times["Succeeded"] if noticed is not None and end >= noticed), None)
        if copied is None:
            return None
        return {"notice": noticed - saved, "copy": copied - noticed, "reload": live - copied}


class TiltSteps:
    """The steps of each synced save, from the live update's entry in Tilt's build history."""

    def __init__(self):
        self.port = free_port()
        self.args = ["--port", str(self.port)]

    def listen(self):
        pass

    def builds_since(self, saved):
        """(start, finish) of each build in Tilt's history that started after saved."""
        shown = loop.run("tilt", "get", "uiresource", APP, "--output", "json", "--port", str(self.port))
        builds = [(wall(build["startTime"]), wall(build["finishTime"]))
                  for build in json.loads(shown)["status"].get("buildHistory", [])]
        return [build for build in builds if build[0] >= saved]

    def __call__(self, saved, live):
        # Tilt files a live update under its history once it has copied into every pod and
        # recorded the result, which can come after the pods serve the edit.
        builds = []

        def filed():
            builds[:] = self.builds_since(saved)
            return builds

        wait_until(filed, 10, interval=0.05, what="the live update in Tilt's build history")
        started, finished = min(builds)
        return {"notice": started - saved, "copy": finished - started, "reload": live - finished}


STEPS = ("notice", "copy", "reload")


def edits(views, urls, label, gap, steps, lines=None):
    """EDITS saves of views, each gap seconds after the previous one went live on all pods:
    seconds until all pods serve each, how many never did, and each step's share (steps
    gives each save's, or None where the tool's record is not read); with lines (LiveLines),
    when the loop said each was live, against the last pod serving it."""
    times, parts, missed, said = [], [], 0, Said()
    for number in range(EDITS):
        athlete = f"{label} {number}"
        saved, started = time.time(), time.perf_counter()
        views.write_text(views_answering(athlete))
        live = all_pods_serve(urls, athlete, started)
        if live is None:
            missed += 1
        else:
            times.append(live)
            part = steps(saved, saved + live)
            if part:
                parts.append(part)
            if lines:
                said.add(lines.first_after(saved, LINE_WAIT), saved + live, len(urls))
        time.sleep(gap)
    result = {"seconds": summary(times) if times else None, "missed": missed, "samples": times,
              "steps": {step: summary([part[step] for part in parts]) for step in STEPS} if parts else None}
    if lines:
        result["live line"] = said.result()
    return result


class Said:
    """The confirmation lines of the saves of a run, against the moments their last pods served
    them: seconds after (negative: before), and the saves with no line or a wrong one."""

    def __init__(self):
        self.after, self.unsaid, self.wrong = [], 0, []

    def add(self, found, last_pod, pods):
        """found: (seen, line) from LiveLines.first_after, or None; last_pod: wall time."""
        if found is None:
            self.unsaid += 1
            return
        seen, line = found
        if not line.startswith("resync: live: ") or f" in {pods}/{pods} pods" not in line:
            self.wrong.append(line)
        self.after.append(seen - last_pod)

    def result(self):
        return {"after last pod": summary(self.after) if self.after else None, "unsaid": self.unsaid,
                "wrong": self.wrong, "samples": self.after}


def edit_loop(workspace, label, steps, lines):
    """The saves EDIT_GAP apart (and their live lines), then the saves at once; and which pods
    were replaced meanwhile."""
    pods = wait_for_ready_pods(3, 120)
    views = workspace / "app" / "views.py"
    original = views.read_text()
    with forwards_to_each(pods) as urls:
        result = edits(views, urls, f"{label} edit", EDIT_GAP, steps, lines)
        result["at once"] = edits(views, urls, f"{label} next edit", 0, steps)
    views.write_text(original)
    result["replaced_pods"] = [pod["name"] for pod in wait_for_ready_pods(3, 60) if pod not in pods]
    return result


def first_save(workspace, label):
    """A save made the moment the 3 pods of the loop's first deploy are ready, while the tool
    may still check the deploy: seconds until every pod serves it, or None (missed)."""
    pods = wait_for_ready_pods(3, START_TIMEOUT)
    athlete = f"{label} first save"
    started = time.perf_counter()
    (workspace / "app" / "views.py").write_text(views_answering(athlete))
    with forwards_to_each(pods) as urls:
        return all_pods_serve(urls, athlete, started)


def inject_fault(number, pods):
    """Delete a pod (even numbers) or restart a pod's container (odd ones); return the test
    that tells the new container's pod from the pods before."""
    victim = pods[number % len(pods)]
    if number % 2 == 0:
        kube.replace_pod(victim["name"])
        return lambda pod: pod["name"] not in {before["name"] for before in pods}
    kube.restart_container(victim["name"])
    return lambda pod: pod["name"] == victim["name"] and pod["restarts"] > victim["restarts"]


def wait_for_new_container(pods, is_new):
    """The name of the pod whose new container has started, the API polled every 0.1 s."""
    found = []

    def started():
        found[:] = [pod["name"] for pod in kube.app_pods() if is_new(pod) and pod["started"]]
        return found

    wait_until(started, 120, interval=0.1, what="the new container starting")
    return found[0]


def heal(workspace, label):
    """FAULTS faults, each after a save went live in every pod: a pod deleted, then a
    container restarted, in turn. Seconds from the new container being seen started (the API
    polled every 0.1 s) until it serves that save through a port-forward of its own."""
    views = workspace / "app" / "views.py"
    original, times, missed = views.read_text(), [], 0
    try:
        for number in range(FAULTS):
            pods = wait_for_ready_pods(3, 120)
            athlete = f"{label} heal {number}"
            views.write_text(views_answering(athlete))
            with forwards_to_each(pods) as urls:
                if all_pods_serve(urls, athlete, time.perf_counter()) is None:
                    raise AssertionError(f"{athlete} did not go live before the fault")
            new = wait_for_new_container(pods, inject_fault(number, pods))
            seen = time.perf_counter()
            with kube.port_forward(f"pod/{new}", APP_PORT) as url:
                live = all_pods_serve({new: url}, athlete, seen)
            if live is None:
                missed += 1
            else:
                times.append(live)
    finally:
        views.write_text(original)
    return {"seconds": summary(times) if times else None, "missed": missed}


def dependency_changes(workspace):
    """DEPENDENCY_CHANGES times, `uv add` of PACKAGE then `uv remove`: seconds from each until every
    pod imports it (or no longer can), the pods asked through the API every 0.2 s. Each add
    declares a specifier no earlier build has seen, so that Docker's layer cache cannot answer for
    the install: what a new dependency costs. A removal brings back a lock built before (cached)."""
    times = {"add": [], "remove": []}
    with declarations_kept(workspace):
        for _ in range(DEPENDENCY_CHANGES):
            unseen = f"{PACKAGE}=={OLDER},!=0.0.{time.time_ns()}"
            for step, args, version in (("add", ("add", unseen), OLDER), ("remove", ("remove", PACKAGE), "none")):
                started = time.perf_counter()
                run_uv(workspace, tool_env(), *args)
                wait_for_every_pod_to_import(version, 3, interval=0.2)
                times[step].append(time.perf_counter() - started)
    return {step: summary(samples) for step, samples in times.items()} | {"samples": times}


def rollout_outage():
    """The longest time USER_URL (the tool's port-forward of the Service) did not answer
    while every pod was replaced by `kubectl rollout restart`, asked every 0.05 s until the
    rollout is done and the address answered again."""
    kube.kubectl("rollout", "restart", f"deployment/{APP}")
    status = subprocess.Popen(["kubectl", "rollout", "status", f"deployment/{APP}", "--timeout=180s"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    longest, down_since = 0.0, None
    while True:
        now = time.perf_counter()
        if answers(USER_URL, "/"):
            if down_since is not None:
                longest, down_since = max(longest, now - down_since), None
            if status.poll() is not None:
                return longest
        elif down_since is None:
            down_since = now
        elif now - down_since > OUTAGE_LIMIT:
            status.kill()
            return None
        time.sleep(0.05)


def idle_cpu(pid):
    """Share of one core that a process tree uses over IDLE_WINDOW seconds of no edits, once the
    test that followed the last save is done."""
    time.sleep(SETTLE)
    return cpu_seconds_used(tree(pid), IDLE_WINDOW) / IDLE_WINDOW


def first_200(started, timeout=START_TIMEOUT):
    """Seconds from started until the user's URL answers 200, or None."""
    return seconds_until(lambda left: wait_until(lambda: answers(USER_URL, "/"), left, interval=0.1), started, timeout)


def session(command, workspace, log, steps, stop, faults=False):
    """One session of a tool's loop: start-up to the first 200 and a save made meanwhile, the
    edits, idle CPU, and with faults the heal figure; then stop(it)."""
    started = time.perf_counter()
    tool = Background(command + steps.args, workspace, tool_env(), log)
    views = workspace / "app" / "views.py"
    original = views.read_text()
    try:
        startup = []
        waiting = threading.Thread(target=lambda: startup.append(first_200(started)))
        waiting.start()
        first = first_save(workspace, command[0])
        waiting.join()
        steps.listen()
        views.write_text(original)
        lines = LiveLines(log)
        try:
            result = edit_loop(workspace, command[0], steps, lines)
        finally:
            lines.stop()
        result.update(startup=startup[0], first_save=first, idle_cpu=idle_cpu(tool.process.pid))
        if faults:
            result["heal"] = heal(workspace, command[0])
            result["heal"]["rollout_outage"] = rollout_outage()
            result["dependency"] = dependency_changes(workspace)
        return result
    finally:
        views.write_text(original)
        stop(tool)
        wait_gone()


def skaffold_dev(workspace, args, logs):
    """One `skaffold dev` session; Ctrl-C ends it and deletes what it deployed. The faults only
    with what `make dev` runs."""
    return session(["skaffold", "dev", *args], workspace, logs / f"skaffold{'_'.join(args)}.log", SkaffoldSteps(),
                   lambda dev: dev.interrupt(120), faults=args == MAKE_DEV_ARGS)


def tilt_up(workspace, logs):
    """One `tilt up` session; `tilt down` deletes what it deployed."""
    def stop(up):
        up.kill()
        loop.run("tilt", "down", cwd=workspace, env=tool_env())

    # --stream: its log, the live lines of flask-app's included, in its output, as Skaffold's.
    return session(["tilt", "up", "--stream"], workspace, logs / "tilt.log", TiltSteps(), stop, faults=True)


def rebuild_and_rollout(workspace, flags=(), env=None, namespace="default"):
    """The same save delivered by `skaffold run FLAGS` (build, deploy, rollout; with the remote
    profile's flags, a push and a deploy into namespace): seconds each. The unit tests are
    skipped: the save hard-wires the answer they check (figure 11 is their cost)."""
    env = env or tool_env()
    views = workspace / "app" / "views.py"
    original, times = views.read_text(), []
    try:
        loop.run("skaffold", "run", *flags, "--status-check=true", cwd=workspace, env=env, timeout=START_TIMEOUT)
        for number in range(REBUILDS):
            athlete = f"rebuild {number}"
            started = time.perf_counter()
            views.write_text(views_answering(athlete))
            loop.run("skaffold", "run", *flags, "--status-check=true", "--skip-tests", cwd=workspace, env=env,
                     timeout=START_TIMEOUT)
            with forwards_to_each(wait_for_ready_pods(3, 120, namespace=namespace), namespace=namespace) as urls:
                if all_pods_serve(urls, athlete, time.perf_counter()) is None:
                    raise AssertionError(f"{athlete} not served after skaffold run {' '.join(flags)}")
            times.append(time.perf_counter() - started)
    finally:
        views.write_text(original)
        loop.run("skaffold", "delete", *flags, cwd=workspace, env=env)
        wait_gone()
    return {"seconds": summary(times), "samples": times}


def gate_cost(workspace):
    """Wall seconds of the test that reruns after each synced save, on this machine."""
    times = []
    for _ in range(10):
        started = time.perf_counter()
        loop.run("make", "test-unit", cwd=workspace, env=tool_env())
        times.append(time.perf_counter() - started)
    return {"seconds": summary(times)}


def wait_gone():
    """Wait until nothing of the app is left, so that the next variant starts clean."""
    deadline = time.monotonic() + 180
    while leftovers() and time.monotonic() < deadline:
        time.sleep(1)


def line(name, result):
    """The printed lines of a save-to-all-pods figure."""
    if result.get("seconds") is None:
        return f"   {name:<22} no edit went live ({result['missed']} missed)"
    text = f"   {name:<22} {seconds(result['seconds'])}  missed {result['missed']}"
    if result.get("replaced_pods"):
        text += f"  REPLACED PODS {result['replaced_pods']}"
    if "idle_cpu" in result:
        text += f"  idle CPU {result['idle_cpu'] * 100:.2f} %  start-up {result['startup'] or float('nan'):.1f} s"
        first = result["first_save"]
        text += f"  first save {'missed' if first is None else f'{first:.3f} s'}"
    if result.get("steps"):
        text += "\n   " + " " * 22 + "  ".join(f"{step} {result['steps'][step]['median']:.3f} s" for step in STEPS)
    said = result.get("live line")
    if said:
        after = said["after last pod"]
        text += "\n   " + " " * 22 + "live line after the last pod: " + (
            f"median {after['median']:.3f} s  min–max {after['min']:.3f}–{after['max']:.3f} s" if after else "none")
        text += f"  unsaid {said['unsaid']}  wrong {len(said['wrong'])}"
    if "at once" in result:
        text += "\n" + line(f"{name}, at once", result["at once"])
    return text


def context_problem(environment=os.environ):
    """Why the cluster figures will not deploy to the current context, or None: one must answer,
    and the loop must take it as local, as `make dev` decides without a team's REGISTRY or
    CLUSTER=minikube (either would make it choose something other than the current context)."""
    problem = cluster_problem()
    if problem:
        return problem
    choice = choose({name: value for name, value in environment.items() if name not in ("REGISTRY", "CLUSTER")})
    if choice.action == "stop":
        return f"they deploy only to a context the loop takes as local, and scripts/cluster.py says: {choice.reason}"
    return None


def run(images=None):
    """Every cluster figure, in one run."""
    problem = context_problem()
    if problem:
        print(f"7-12, 15. cluster figures skipped: {problem}")
        return {"skipped": problem}
    # The tools' logs outlive the run: they are what explains an edit that did not go live.
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        workspace = copy_project(Path(scratch) / "project")
        results = {"skaffold dev": {}, "logs": str(LOGS.relative_to(REPO))}
        print(f"7. save -> all 3 pods serve it, skaffold dev ({EDITS} edits {EDIT_GAP} s apart, then {EDITS} at "
              f"once; the tools' logs in {results['logs']})")
        for name, args in SKAFFOLD_VARIANTS.items():
            results["skaffold dev"][name] = skaffold_dev(workspace, args, LOGS)
            print(line(name, results["skaffold dev"][name]), flush=True)
        print("8. the same, tilt up (live_update)")
        results["tilt up"] = tilt_up(workspace, LOGS)
        print(line("tilt", results["tilt up"]), flush=True)
        print(f"9. the same save by rebuild + rollout (skaffold run, {REBUILDS} saves)")
        results["rebuild"] = rebuild_and_rollout(workspace)
        print(f"   {'skaffold run':<22} {seconds(results['rebuild']['seconds'])}")
        print(f"10. start-up to the first 200 on {USER_URL} (cluster running, image cache warm), and a save "
              "made the moment the first 3 pods are ready, until every pod serves it: above")
        print(f"12. a container that starts after the build ({FAULTS} faults: a pod deleted, a container "
              "restarted, in turn) -> it serves the latest save")
        for name, result in (("skaffold dev (make dev)", results["skaffold dev"]["poll 100 ms"]["heal"]),
                             ("tilt up", results["tilt up"]["heal"])):
            outage = result["rollout_outage"]
            print(line(name, result) + "\n   " + " " * 22 + f"{USER_URL} through a rollout restart: longest outage "
                  + ("over a minute (lost)" if outage is None else f"{outage:.2f} s"))
        print(f"15. a dependency changed with uv in the running loop -> every pod imports it ({DEPENDENCY_CHANGES} "
              f"times `uv add {PACKAGE}`, then `uv remove`)")
        for name, result in (("skaffold dev (make dev)", results["skaffold dev"]["poll 100 ms"]["dependency"]),
                             ("tilt up", results["tilt up"]["dependency"])):
            print(f"   {name:<22} add {seconds(result['add'])}\n   {'':<22} remove {seconds(result['remove'])}")
        results["gate"] = gate_cost(workspace)
        print(f"11. the test that reruns after a synced save, on the host: {seconds(results['gate']['seconds'])}")
        return results

