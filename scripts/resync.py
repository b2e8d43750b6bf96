"""Keep every app container of `skaffold dev` on the working tree's app/, whenever it starts.

Skaffold copies a save only into the pods that run at that moment (upstream issue 6924): a
pod that replaces one, or a container that restarts, starts from the image and serves the
code of the last build, and the next save gives it one file of the new code beside the old
ones. This companion closes that gap. A deploy hook of skaffold.yaml's `dev` profile starts
it once per `skaffold dev` (one SKAFFOLD_RUN_ID); it watches the app's pods through the
Kubernetes API and, into every container it has not seen, copies app/ as the working tree
has it, the way Skaffold syncs (a tar through `kubectl exec`), removing the Python files the
tree no longer has; files already current are left alone, so the dev server reloads only
for a real difference. It says one line for each container it changed, and it ends when
Skaffold ends.

It also confirms each save (scripts/confirm.py): once every pod serves the tree's code it
prints `live: FILES in N/N pods, S s after the save`, copies the tree into a pod that has not
got it in time, and names a pod that cannot take it, with the reason. That covers what
Skaffold alone leaves out at start-up, too: it takes its baseline of file times only after
the deploy, its hooks and the port-forward (runner/dev.go), so a save made before that looks
unchanged to it until the file is saved again; the confirmation sees that no pod serves it
and copies it. Then it reruns the unit tests (scripts/retest.py), beside the loop.

Under Tilt, which copies the tree into a new container itself, the Tiltfile runs only the
confirmation, as a Cmd whose lines Tilt shows in the log of flask-app.

Usage (python3 -m scripts resync ...; from the hook, in the project's folder, with Skaffold's
SKAFFOLD_* variables):
  resync start           start the companion of this `skaffold dev`, unless it runs already
  resync watch PID       the companion itself, until process PID (Skaffold) ends
From the Tiltfile, in the project's folder:
  resync tilt CONTEXT NAMESPACE
                         confirm the saves in the pods Tilt deployed, until Tilt ends
"""

import io
import json
import os
import select
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from .confirm import ApiProxy, Confirmer, last_error
from .project import APP, IMAGE
from .retest import Retest

APP_SELECTOR = f"app={APP}"
# Tilt labels what it deploys so (and another loop in the namespace is not a Tilt loop's).
TILT_SELECTOR = f"{APP_SELECTOR},app.kubernetes.io/managed-by=tilt"
# What skaffold.yaml's sync rule copies (app/**/*.py) and where: the image's WORKDIR.
SOURCE = "app"
PATTERN = "*.py"
DESTINATION = "/app"
# A file saved while a copy runs may already be in the container in its newer version,
# copied by Skaffold: copy again until the tree held still, at most this often.
PASSES = 5
# What a sync into one container may fail with.
SYNC_ERRORS = (RuntimeError, OSError, subprocess.TimeoutExpired)
STATE_DIR = Path(tempfile.gettempdir()) / "favorite-athlete-resync"
# Runs in the container: writes the files of the tar on stdin that differ, removes the
# Python files under the source folder that the tar lacks, prints how many of each.
APPLY = """
import os, sys, tarfile
root, source, suffix = sys.argv[1:4]
kept, written, removed = set(), 0, 0
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as archive:
    for member in archive:
        name = os.path.normpath(member.name)
        if not member.isfile() or name.startswith(("/", "..")):
            continue
        data = archive.extractfile(member).read()
        path = os.path.join(root, name)
        kept.add(path)
        try:
            with open(path, "rb") as current:
                if current.read() == data:
                    continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as changed:
            changed.write(data)
        written += 1
for folder, dirs, files in os.walk(os.path.join(root, source)):
    dirs[:] = [d for d in dirs if d != "__pycache__"]
    for file in files:
        path = os.path.join(folder, file)
        if file.endswith(suffix) and path not in kept:
            os.remove(path)
            removed += 1
print(written, removed)
"""


def say(line):
    """One line of the companion's, in Skaffold's output."""
    print(f"resync: {line}", flush=True)


def tree(work_dir):
    """{path relative to work_dir: bytes} of the files the sync rule covers."""
    files = {}
    for path in sorted((work_dir / SOURCE).rglob(PATTERN)):
        if "__pycache__" not in path.parts and path.is_file():
            try:
                files[path.relative_to(work_dir).as_posix()] = path.read_bytes()
            except FileNotFoundError:
                continue  # removed while we looked: the tree without it
    return files


def tar_of(files):
    """A tar archive holding files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size, member.mode, member.mtime = len(data), 0o644, time.time()
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def sync(context, namespace, pod, container, work_dir):
    """Copy the tree into one container until it matches; (files written, files removed)."""
    written = removed = 0
    files = tree(work_dir)
    for _ in range(PASSES):
        result = subprocess.run(
            ["kubectl", *context, "exec", "-i", "--namespace", namespace, pod, "-c", container, "--",
             "python3", "-c", APPLY, DESTINATION, SOURCE, PATTERN.lstrip("*")],
            input=tar_of(files), capture_output=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode(errors="replace").strip() or f"exit {result.returncode}")
        counts = [int(word) for word in result.stdout.split()]
        written, removed = written + counts[0], removed + counts[1]
        copied, files = files, tree(work_dir)
        if files == copied:
            break
    return written, removed


def containers(pod):
    """(namespace, pod name, {container: image}, {container: (containerID, started)}) of a pod
    object as the API serves it."""
    images = {container["name"]: container.get("image", "") for container in pod["spec"].get("containers", [])}
    running = {status["name"]: (status.get("containerID", ""), bool(status.get("started")))
               for status in pod.get("status", {}).get("containerStatuses") or []}
    return pod["metadata"]["namespace"], pod["metadata"]["name"], images, running


def not_ready(pod, container):
    """Why a container of a pod object is not ready ("" when it is)."""
    for status in pod.get("status", {}).get("containerStatuses") or []:
        if status["name"] == container:
            if status.get("ready"):
                return ""
            waiting = status.get("state", {}).get("waiting", {}).get("reason")
            return waiting or ("not ready" if status.get("started") else "starting")
    return "not started"


def objects(stream):
    """Each JSON object of a stream of them, as `kubectl get --watch --output json` writes them."""
    decoder, buffer = json.JSONDecoder(), ""
    for chunk in stream:
        buffer += chunk
        while True:
            buffer = buffer.lstrip()
            try:
                found, end = decoder.raw_decode(buffer)
            except ValueError:
                break  # not whole yet
            buffer = buffer[end:]
            yield found


def is_app_image(image):
    """Whether image is the app's artifact, whatever its tag, digest or registry."""
    repository = image.split("@")[0].rsplit("/", 1)[-1]
    return repository.split(":")[0] == IMAGE


class Companion:
    """Follows the app's pods of one loop (selector) and, with heal, syncs the tree into each
    app container the first time it is seen started."""

    def __init__(self, context, work_dir, selector, heal=True):
        self.context = ["--context", context] if context else []
        self.selector = selector
        self.heal_new = heal
        self.work_dir = work_dir
        self.seen = {}   # (namespace, pod, container) -> container ID already synced
        self.lock = threading.Lock()
        # One sync at a time into each container: its own, or the confirmation's.
        self.syncing = {}
        # The kubectl processes it runs: a watch of each namespace's pods, and the confirmation's proxy.
        self.kubectl_processes = []
        # (namespace, pod) -> (app container, why it is not ready): the pods a save must reach.
        self.app_pods = {}

    def on_event(self, event):
        """Act on one event of the watch: a pod added or changed, or gone."""
        pod = event.get("object", {})
        key = (pod.get("metadata", {}).get("namespace"), pod.get("metadata", {}).get("name"))
        with self.lock:
            if event.get("type") == "DELETED" or pod.get("metadata", {}).get("deletionTimestamp"):
                self.app_pods.pop(key, None)
            else:
                app = [name for name, image in containers(pod)[2].items() if is_app_image(image)]
                if app:
                    self.app_pods[key] = (app[0], not_ready(pod, app[0]))
        if event.get("type") != "DELETED" and self.heal_new:
            self.on_pod(pod)

    def containers_now(self):
        """The loop's app containers now: (namespace, pod, container, why it is not ready)."""
        with self.lock:
            return [(namespace, pod, container, why)
                    for (namespace, pod), (container, why) in sorted(self.app_pods.items())]

    def copy(self, namespace, pod, container):
        """Give one container the tree now (a save it did not get); errors are for the caller's
        confirmation to report."""
        try:
            self._sync_alone((namespace, pod, container))
        except SYNC_ERRORS:
            pass

    def _sync_alone(self, key, wanted=lambda: True):
        """Sync the container key = (namespace, pod, container), one sync at a time into each,
        if wanted() still holds once it is its turn; (files written, files removed), or None."""
        with self.lock:
            syncing = self.syncing.setdefault(key, threading.Lock())
        with syncing:
            return sync(self.context, *key, self.work_dir) if wanted() else None

    def logged_error(self, namespace, pod, seconds):
        """The error the dev server of pod last logged in the last seconds ("" if none or
        unreadable): an older one belongs to an earlier save."""
        try:
            result = subprocess.run(["kubectl", *self.context, "logs", "--namespace", namespace, pod,
                                     f"--since={int(seconds) + 2}s", "--tail=60"],
                                    capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return last_error(result.stdout)

    def on_pod(self, pod):
        """Act on one pod object the watch reports: start a sync for each new, started app container."""
        namespace, name, images, running = containers(pod)
        for container, (container_id, started) in running.items():
            if not (started and container_id and is_app_image(images.get(container, ""))):
                continue
            key = (namespace, name, container)
            with self.lock:
                before = self.seen.get(key)
                if before == container_id:
                    continue
                self.seen[key] = container_id
            why = "restarted container" if before else "new container"
            threading.Thread(target=self.heal, args=(namespace, name, container, why, container_id),
                             daemon=True).start()

    def heal(self, namespace, pod, container, why, container_id):
        """Sync one container, unless another has taken its place since container_id was
        seen (that one has a sync of its own), and say what changed."""
        key = (namespace, pod, container)
        try:
            counts = self._sync_alone(key, lambda: self.seen.get(key) == container_id)
        except SYNC_ERRORS as error:
            say(f"could not sync {SOURCE}/ into {pod} ({why}): {error}")
            return
        if counts and any(counts):
            written, removed = counts
            say(f"synced {SOURCE}/ into {pod} ({why}): {written} file(s) written, {removed} removed")

    def follow_pods(self, namespace, alive):
        """Follow the app's pods in namespace while alive() holds, restarting a watch that ends."""
        while alive():
            # A watch lists every pod again when it starts, but says nothing of the pods that
            # went while none ran: start from that list.
            with self.lock:
                for key in [key for key in self.app_pods if key[0] == namespace]:
                    del self.app_pods[key]
            process = subprocess.Popen(
                ["kubectl", *self.context, "get", "pods", "--namespace", namespace, "--selector", self.selector,
                 "--watch", "--output-watch-events", "--output", "json"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.kubectl_processes.append(process)
            for event in objects(process.stdout):
                self.on_event(event)
            process.wait()
            self.kubectl_processes.remove(process)
            time.sleep(1)  # the API server closed the watch, or is away for a moment

    def stop(self):
        """End its kubectl processes: the watches, and the API proxy of the confirmation."""
        for process in list(self.kubectl_processes):
            process.terminate()


def wait_for_exit(pid):
    """Block until process pid has ended."""
    if hasattr(os, "pidfd_open"):
        try:
            with os.fdopen(os.pidfd_open(pid), "rb") as handle:
                select.select([handle], [], [])
            return
        except ProcessLookupError:
            return
        except OSError:
            pass  # an older kernel: fall back below
    if hasattr(select, "kqueue"):
        queue = select.kqueue()
        event = select.kevent(pid, select.KQ_FILTER_PROC, select.KQ_EV_ADD, select.KQ_NOTE_EXIT)
        try:
            queue.control([event], 1, None)
            return
        except ProcessLookupError:
            return
    while alive(pid):
        time.sleep(0.5)


def alive(pid):
    """Whether process pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_companion(skaffold_pid):
    """The companion: sync into new containers of every namespace Skaffold deploys to, and
    confirm each save, until Skaffold ends."""
    namespaces = [name for name in os.environ.get("SKAFFOLD_NAMESPACES", "default").split(",") if name]
    work_dir = Path(os.environ.get("SKAFFOLD_WORK_DIR") or os.getcwd())
    # Skaffold labels what it deploys with its run's ID: pods of another loop are not ours.
    selector = f"{APP_SELECTOR},skaffold.dev/run-id={os.environ['SKAFFOLD_RUN_ID']}"
    companion = Companion(os.environ.get("SKAFFOLD_KUBE_CONTEXT", ""), work_dir, selector)
    try:
        follow(companion, namespaces, skaffold_pid, Retest(work_dir, say))
    finally:
        (STATE_DIR / f"{os.environ.get('SKAFFOLD_RUN_ID')}.pid").unlink(missing_ok=True)
    return 0


def confirm_for_tilt(context, namespace):
    """Under Tilt, which starts this as a Cmd: confirm each save in the pods it deployed to
    namespace until Tilt (the parent) ends. Tilt copies the tree into a new container, and
    its unit-tests resource reruns the tests, itself."""
    companion = Companion(context, Path.cwd(), TILT_SELECTOR, heal=False)
    follow(companion, [namespace], os.getppid(), None)
    return 0


def follow(companion, namespaces, parent_pid, retest):
    """Watch namespaces' pods and confirm each save (then rerun the unit tests, with a
    retest) until process parent_pid ends; then end what was started."""
    for namespace in namespaces:
        threading.Thread(target=companion.follow_pods, args=(namespace, lambda: alive(parent_pid)),
                         daemon=True).start()
    threading.Thread(target=confirm_saves, args=(companion, retest, lambda: alive(parent_pid)),
                     daemon=True).start()
    try:
        wait_for_exit(parent_pid)
    finally:
        companion.stop()
        if retest:
            retest.stop()


def confirm_saves(companion, retest, alive):
    """Confirm each save in every pod (scripts/confirm.py) while alive() holds, asking through
    one `kubectl proxy` that ends with the companion's other kubectl processes; then rerun the unit
    tests (with a retest). Without the proxy the tests still rerun after each save."""
    if retest:
        threading.Thread(target=retest.follow, args=(alive,), daemon=True).start()
    # The tree as the pods have it, before the proxy's start: a save meanwhile is confirmed too.
    baseline = tree(companion.work_dir)
    try:
        ask = ApiProxy(companion.context, companion.kubectl_processes.append).served_code
    except (OSError, RuntimeError) as error:
        say(f"cannot confirm saves in the pods: kubectl proxy: {error}")
        ask = None
    Confirmer(companion.work_dir, SOURCE, tree, companion.containers_now, ask, companion.copy,
              companion.logged_error, say, after=retest.request if retest else lambda: None).follow(alive, baseline)


def output_of(pid):
    """Where the companion's lines go: Skaffold's own output where it can be opened (Linux),
    else the terminal, else a file in STATE_DIR."""
    for path in (f"/proc/{pid}/fd/1", "/dev/tty"):
        try:
            return open(path, "ab", buffering=0)
        except OSError:
            continue
    return open(STATE_DIR / f"{pid}.log", "ab", buffering=0)


def start():
    """From the deploy hook: start this `skaffold dev`'s companion unless it runs already."""
    run_id = os.environ.get("SKAFFOLD_RUN_ID")
    if not run_id:
        print("resync: run by skaffold.yaml's deploy hook in `skaffold dev`, which sets SKAFFOLD_RUN_ID",
              file=sys.stderr)
        return 2
    skaffold_pid = os.getppid()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    pid_file = STATE_DIR / f"{run_id}.pid"
    running = int(pid_file.read_text() or 0) if pid_file.exists() else 0
    # Not 0: os.kill(0, ...) would ask about this process's own group.
    if running and alive(running):
        return 0
    with output_of(skaffold_pid) as output:
        # Its own session, and none of the hook's pipes: Skaffold waits for the hook's
        # output to close, and a Ctrl-C meant for Skaffold must not end it before Skaffold.
        # In the hook's folder, the project's, as the hook itself (the e2e layer finds it there).
        companion = subprocess.Popen([sys.executable, "-m", "scripts", "resync", "watch", str(skaffold_pid)],
                                     stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                                     start_new_session=True)
    pid_file.write_text(str(companion.pid))
    say(f"watching the app's pods: a container that starts later gets {SOURCE}/ as saved here")
    return 0


def main(argv):
    """Run a command; return the exit status."""
    if argv == ["start"]:
        return start()
    if len(argv) == 2 and argv[0] == "watch" and argv[1].isdigit():
        return run_companion(int(argv[1]))
    if len(argv) == 3 and argv[0] == "tilt":
        return confirm_for_tilt(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2
