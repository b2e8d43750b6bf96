"""scripts/foreground.py (`make dev`, `make debug`): a closed terminal ends the loop as Ctrl-C does.

The loop stands in as a small Python command that, like Skaffold, cleans up on SIGINT and
SIGTERM, takes no further signal once it does (a SIGTERM to the process group reaches it
twice: directly, and passed on by foreground.py), and has no handler of its own for SIGHUP.
"""

import os
import signal
import subprocess
import sys

import pytest

from harness.http import wait_until
from harness.processes import group_members
from scripts.project import REPO
from tests.tools.conftest import SCRIPTS

LOOP = """
import os, signal, time
def clean_up(signum, frame):
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    print("cleaning up after", signal.Signals(signum).name, flush=True)
    os._exit(0)
signal.signal(signal.SIGINT, clean_up)
signal.signal(signal.SIGTERM, clean_up)
print("watching", flush=True)
time.sleep(60)
"""


@pytest.fixture
def loop(tmp_path):
    """The stand-in loop under foreground.py, in a process group of its own as a terminal's
    foreground; (process, its output file) once it watches."""
    output = tmp_path / "loop.log"
    with open(output, "wb") as log:
        process = subprocess.Popen([*SCRIPTS, "run", "--foreground", sys.executable, "-c", LOOP], cwd=REPO,
                                   stdout=log, stderr=subprocess.STDOUT, process_group=0)
    wait_until(lambda: "watching" in output.read_text(), 20, what="the loop starting")
    yield process, output
    if group_members(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize(("sent", "seen"), [(signal.SIGHUP, "SIGINT"), (signal.SIGINT, "SIGINT"),
                                            (signal.SIGTERM, "SIGTERM")])
def test_the_loop_cleans_up_whichever_way_its_terminal_ends_it(loop, sent, seen):
    process, output = loop
    os.killpg(process.pid, sent)
    assert process.wait(20) == 0
    assert output.read_text().splitlines()[-1] == f"cleaning up after {seen}"
    wait_until(lambda: not group_members(process.pid), 10, what="every process of the loop ending")


def test_a_loop_that_fails_passes_its_status_on(tmp_path):
    result = subprocess.run([*SCRIPTS, "run", "--foreground", sys.executable, "-c", "raise SystemExit(3)"],
                            cwd=REPO, timeout=20)
    assert result.returncode == 3


def test_without_a_command_it_says_how_to_use_it():
    result = subprocess.run([*SCRIPTS, "run", "--foreground"], capture_output=True, text=True, cwd=REPO, timeout=20)
    assert result.returncode == 2 and "Usage: python3 -m scripts run [--foreground] COMMAND" in result.stderr
