"""Confirm each save: wait until every pod of the loop serves the working tree's code, and say so.

Part of the resync companion (scripts/resync.py). After a save it asks every app pod which
code it serves (the dev server's GET /devserver/code, through the API server: one
`kubectl proxy` on 127.0.0.1, no port-forward per pod) until each answers the digest of the
tree, and prints one line: when all do, how long after the save. A pod that does not serve
the save within HEAL_AFTER_SECONDS is given the tree (the copy Skaffold should have made),
and a pod that still does not by GIVE_UP_SECONDS is named with the reason: not ready, no
answer, or the error its dev server logged for the new code.
"""

import re
import select
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
# devserver.py, at the project's root beside this package, holds the digest both sides compute.
from devserver import CODE_PATH, code_digest

from .project import APP_PORT

TREE_POLL_SECONDS = 0.05
ASK_EVERY_SECONDS = 0.05
ASK_TIMEOUT_SECONDS = 2
# Asks in flight at once, one per pod: more than a loop of this project has pods. The pool
# starts a thread only when no idle one can take an ask, so a loop of 3 pods keeps 3.
MAX_ASKS_AT_ONCE = 64
# Skaffold's own copy of a save takes 1-3 s here (more for saves made in quick succession):
# a pod without the save after HEAL_AFTER_SECONDS did miss it.
HEAL_AFTER_SECONDS = 4.0
GIVE_UP_SECONDS = 10.0
PROXY_START_SECONDS = 30
# A file time older than this when the save is noticed is not the save's own.
SAVE_AGE_LIMIT = 2.0
# The last error line of a traceback in the dev server's log: why new code did not start.
ERROR_LINE = re.compile(r"^\w+(?:\.\w+)*(?:Error|Exception)\b.*$", re.MULTILINE)


class ApiProxy:
    """One `kubectl proxy` on a free port of 127.0.0.1, to ask pods through the API server."""

    def __init__(self, context_flags, started):
        """Start it, and hand its process to started() (whoever ends it) before waiting for it."""
        # Its errors go to a file, not a pipe that nobody would read while it runs.
        with tempfile.TemporaryFile(mode="w+") as errors:
            self.process = subprocess.Popen(
                ["kubectl", *context_flags, "proxy", "--address=127.0.0.1", "--port=0"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, text=True)
            started(self.process)
            ready = select.select([self.process.stdout], [], [], PROXY_START_SECONDS)[0]
            line = self.process.stdout.readline() if ready else ""
            found = re.search(r"127\.0\.0\.1:(\d+)", line)
            if not found:
                exited = self.process.poll() is not None
                self.stop()
                errors.seek(0)
                said = (line + errors.read()).strip().splitlines()
                raise RuntimeError(said[-1] if said else "it exited" if exited
                                   else f"it did not start within {PROXY_START_SECONDS} s")
        self.url = f"http://127.0.0.1:{found.group(1)}"
        # Straight to 127.0.0.1, whatever http_proxy says (urllib would not bypass it).
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def served_code(self, namespace, pod):
        """The digest of the code pod serves; raises OSError when it does not answer."""
        url = f"{self.url}/api/v1/namespaces/{namespace}/pods/{pod}:{APP_PORT}/proxy{CODE_PATH}"
        try:
            with self.opener.open(url, timeout=ASK_TIMEOUT_SECONDS) as answer:
                return answer.read().decode().strip()
        except urllib.error.HTTPError as error:
            raise OSError(f"HTTP {error.code}") from None

    def stop(self):
        """End the proxy."""
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def changed_files(before, after):
    """The paths whose content differs between two trees ({path: bytes}), removed ones included."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def saved_at(work_dir, paths, noticed):
    """When the newest of paths was written, by its file's time; noticed (when the save was
    seen) if every one was removed, or if that time cannot be the save's (a copy that kept an
    old time, a clock that differs): the latest save is never older than a poll or two."""
    times = []
    for path in paths:
        try:
            times.append((work_dir / path).stat().st_mtime)
        except OSError:
            continue  # removed
    written = max(times, default=noticed)
    return written if noticed - SAVE_AGE_LIMIT <= written <= noticed else noticed


def files_named(paths, limit=3):
    """A short list of paths for a line of output."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


class Confirmer:
    """Follows the saves of the tree and confirms each in every pod.

    pods() gives the loop's app containers now, as (namespace, pod, container, not_ready),
    not_ready being why the container is not ready, or "" when it is; ask(namespace, pod) the
    digest a pod serves (OSError when it does not answer; None: pods cannot be asked, so
    saves only call after()); copy(namespace, pod, container)
    gives a container the tree; error(namespace, pod, seconds) the error its dev server logged
    in the last seconds;
    after() is called once each save has its line (or a newer save took over).
    """

    def __init__(self, work_dir, source, tree, pods, ask, copy, error, say, after=lambda: None):
        self.work_dir, self.source, self.tree = work_dir, source, tree
        self.pods, self.ask, self.copy, self.error, self.say = pods, ask, copy, error, say
        self.after = after
        self.asking = ThreadPoolExecutor(max_workers=MAX_ASKS_AT_ONCE, thread_name_prefix="confirm-ask")

    def follow(self, alive, baseline=None):
        """Confirm each save after baseline (the tree as the pods have it; by default, now)
        while alive() holds."""
        confirmed = self.tree(self.work_dir) if baseline is None else baseline
        while alive():
            time.sleep(TREE_POLL_SECONDS)
            try:
                saved = self.tree(self.work_dir)
                if saved != confirmed:
                    if self.ask:
                        self.confirm(changed_files(confirmed, saved), saved)
                    confirmed = saved
                    self.after()
            except OSError as error:  # a file that went while it was read: the next poll sees why
                self.say(f"could not confirm a save: {error}")

    def digest(self):
        """The digest of the tree's code as saved now."""
        return code_digest(self.work_dir / self.source)

    def confirm(self, paths, saved):
        """Ask every pod until each serves this save, copying it where it is late; say how it
        went. A newer save ends the wait: it gets its own line."""
        digest, started = self.digest(), saved_at(self.work_dir, paths, time.time())
        healed, answers = set(), {}
        while True:
            if self.tree(self.work_dir) != saved:
                return
            containers = self.pods()
            answers = self._answers([(namespace, pod) for namespace, pod, _, _ in containers])
            late = [(namespace, pod, container) for namespace, pod, container, _ in containers
                    if answers[pod] != digest]
            elapsed = time.time() - started
            if containers and not late:
                copied = f" (copied into {files_named(sorted(healed))}, which had not got it)" if healed else ""
                self.say(f"live: {files_named(paths)} in {len(containers)}/{len(containers)} pods,"
                         f" {elapsed:.2f} s after the save{copied}")
                return
            if elapsed > GIVE_UP_SECONDS:
                self._give_up(paths, digest, containers, answers, elapsed)
                return
            if elapsed > HEAL_AFTER_SECONDS:
                todo = [entry for entry in late if entry[1] not in healed]
                self._copy_into(todo)
                healed.update(pod for _, pod, _ in todo)
            time.sleep(ASK_EVERY_SECONDS)

    def _answers(self, pods):
        """{pod: what it serves} for every (namespace, pod), all asked at once: one after another,
        a round of asks took the sum of their times, and the line came that much after the last
        pod served the save (up to 0.3 s under Tilt, on a busy machine)."""
        if len(pods) < 2:
            return {pod: self._answer(namespace, pod) for namespace, pod in pods}
        served = self.asking.map(lambda entry: self._answer(*entry), pods)
        return {pod: answer for (_, pod), answer in zip(pods, served)}

    def _answer(self, namespace, pod):
        try:
            return self.ask(namespace, pod)
        except OSError as error:
            return error

    def _copy_into(self, containers):
        copies = [threading.Thread(target=self.copy, args=entry) for entry in containers]
        for copy in copies:
            copy.start()
        for copy in copies:
            copy.join()

    def _give_up(self, paths, digest, containers, answers, elapsed):
        """Name each pod that does not serve the save, and why."""
        reasons = []
        for namespace, pod, _, not_ready in containers:
            answer = answers[pod]
            if answer == digest:
                continue
            if not_ready:
                reasons.append(f"{pod} is not ready ({not_ready})")
            elif isinstance(answer, Exception):
                reasons.append(f"{pod} does not answer ({answer})")
            else:
                error = self.error(namespace, pod, elapsed)
                why = f": {error}" if error else ""
                reasons.append(f"{pod} still serves the previous code{why}")
        live = len(containers) - len(reasons)
        where = "; ".join(reasons) or "no pod of the loop is running"
        self.say(f"not live: {files_named(paths)} in {live}/{len(containers)} pods after {elapsed:.1f} s: {where}")


def last_error(log):
    """The last error line of a traceback in a dev server's log, or ""."""
    found = ERROR_LINE.findall(log)
    return found[-1].strip() if found else ""
