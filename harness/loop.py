"""A tool's loop (skaffold dev, tilt up, make) run from outside: in a copy of the project,
with the environment a person's shell would give it, once (run) or in the background."""

import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path

from harness.http import wait_until
from harness.processes import command_line, group_members
from scripts.project import REPO

# What a running make passes to the commands of its recipes.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")
STRAGGLER_SECONDS = 10


def copy_project(destination):
    """Copy the project as the working tree has it (what git tracks or would) into destination,
    committed in a repository of its own (Skaffold tags images by git commit); return it."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            # Times kept: make then sees the venv as newer than the lock.
            shutil.copy2(source, destination / name)
    if (REPO / "bin" / "uv").is_dir():
        # The uv that `make venv` fetched, as in a clone where it has run once: a copy's first
        # change to the lock would otherwise fetch uv again, inside the loop's test gate.
        (destination / "bin").mkdir(exist_ok=True)
        (destination / "bin" / "uv").symlink_to(REPO / "bin" / "uv")
    git = ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the project under test"]):
        subprocess.run(git + args, cwd=destination, check=True, timeout=60)
    return destination


def tool_env():
    """The environment for make, skaffold and tilt in a copy: `make test-unit` there uses this
    repo's venv. Without the variables of a `make test` that runs these tests, a make in the
    copy is the one a person types, not a sub-make (which would add its own `Entering
    directory` lines)."""
    inherited = {name: value for name, value in os.environ.items() if name not in MAKE_VARIABLES}
    return {**inherited, "VENV": str(REPO / ".venv")}


def run(*command, cwd=None, env=None, timeout=600):
    """Run a command; fail with its output if it fails; return its stdout."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Background:
    """A long-running command (skaffold dev, tilt up) with its output in a file."""

    def __init__(self, command, cwd, env, log_path):
        self.command = command
        self.log_path = Path(log_path)
        # Appending, as a terminal would take them: lines that another process writes into
        # the same output (the companion of `skaffold dev`) are kept, not overwritten.
        self._log = open(self.log_path, "ab")
        # Its own process group: a SIGINT is what a terminal's Ctrl-C would send it.
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, process_group=0)

    def output(self):
        """Everything it printed so far."""
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, pattern, timeout, since=0):
        """Wait until its output after offset since matches the regex pattern; return the match."""
        found = []

        def printed():
            assert self.process.poll() is None, f"{self.command[0]} exited:\n{self.output()[-3000:]}"
            found[:] = [re.search(pattern, self.output()[since:])]
            return found[0] is not None

        try:
            wait_until(printed, timeout, interval=0.5, what=f"{self.command[0]} printing {pattern!r}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- its output ---\n{self.output()[since:][-3000:]}") from None
        return found[0]

    def interrupt(self, timeout, sig=signal.SIGINT):
        """Send SIGINT to its process group, as Ctrl-C does (SIGHUP: as closing its terminal
        does); return its exit status, killing it after timeout. The command lines of those
        of its processes still running STRAGGLER_SECONDS after it ended are then in
        self.left_running."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout)
        finally:
            # Its children got the same SIGINT, and may take a moment longer than it to end.
            deadline = time.monotonic() + STRAGGLER_SECONDS
            while group_members(self.process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            self.left_running = [command_line(pid) for pid in group_members(self.process.pid)]
            self.kill()

    def group_alive(self):
        """Whether any process of its process group still runs (a zombie does not)."""
        return bool(group_members(self.process.pid))

    def kill(self):
        """Make sure it and its children are gone."""
        if self.group_alive():
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait()
        self._log.close()
