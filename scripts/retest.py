"""Rerun the unit tests after each save, beside the loop: never between a save and the pods.

Part of the resync companion (scripts/resync.py). Skaffold runs its test in its one dev loop
thread, after each sync: a save made while the previous save's test runs waits for that test
before Skaffold even looks for it (runner/listen.go, runner/dev.go). So skaffold.yaml's test
no longer depends on app/ (it still gates every deploy, and reruns when a test changes), and
the companion reruns `make test-unit` once each save is live, one run at a time (saves made
during a run get one run after it), and says how it went in one line, or with pytest's
summary when it fails.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

COMMAND = ["make", "--no-print-directory", "test-unit"]
# The tests share the cores with the cluster, and a person often saves again as soon as a save
# is live, while they run. In Linux's idle class they get only the CPU time nothing else wants,
# so the next save's copy and reload never wait for them: at `nice 10` such a save took 1.9 s
# to be live in every pod on a 2-core machine, in the idle class 1.1 s (make dev sessions,
# 2026-12-03; docs/explanation/loop.md#what-gates-a-change).
# Elsewhere (macOS), the lowest priority there is.
LOW_PRIORITY = (["chrt", "--idle", "0"] if sys.platform.startswith("linux") and shutil.which("chrt")
                else ["nice", "-n", "19"])
TIMEOUT_SECONDS = 120
# What a failure shows: the end of pytest's report (its short summary and the count).
FAILURE_LINES = 25


class Retest:
    """Runs COMMAND in work_dir after each request, one run at a time, and says the result."""

    def __init__(self, work_dir, say):
        self.work_dir, self.say = work_dir, say
        self.wanted = threading.Event()
        self.lock = threading.Lock()
        self.process = None
        self.stopped = False

    def request(self):
        """Ask for a run (after the one under way, if any)."""
        self.wanted.set()

    def follow(self, alive):
        """Run whenever asked, while alive() holds and until stopped."""
        while alive() and not self.stopped:
            if not self.wanted.wait(0.5):
                continue
            self.wanted.clear()
            line = self.run()
            if line:
                self.say(line)

    def run(self):
        """Run the tests once; the line (or lines) that say how it went (None once stopped)."""
        started = time.monotonic()
        with self.lock:
            if self.stopped:
                return None
            try:
                # A session of its own: its make and pytest are ended together.
                self.process = subprocess.Popen(LOW_PRIORITY + COMMAND, cwd=self.work_dir, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                                start_new_session=True)
            except OSError as error:
                return f"unit tests after the save: cannot run {' '.join(COMMAND)}: {error}"
        try:
            output, _ = self.process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._end()
            self.process.communicate()
            return None if self.stopped else (
                f"unit tests after the save: still running after {TIMEOUT_SECONDS} s; ended (the next save"
                f" runs them again)")
        if self.stopped:
            return None
        took = time.monotonic() - started
        if self.process.returncode == 0:
            return f"unit tests after the save: passed in {took:.1f} s"
        # make's own `*** [...] Error 1` (a sub-make's too) says again what the first line says.
        report = [line for line in output.rstrip().splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)]
        return "\n".join([f"unit tests after the save: FAILED in {took:.1f} s ({' '.join(COMMAND)}):",
                          *(f"  {line}" for line in report[-FAILURE_LINES:])])

    def stop(self):
        """End a run under way (the loop is ending), and start no other."""
        with self.lock:
            self.stopped = True
        self._end()

    def _end(self):
        process = self.process
        if process and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
