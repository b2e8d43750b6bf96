"""Start the real dev and prod servers as local processes on 127.0.0.1."""

import os
import shutil
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from harness.http import answers, wait_until
from scripts.project import REPO

START_TIMEOUT = 20


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def copy_of_source(destination):
    """Copy what the images hold (app/, devserver.py, serve.py) into destination."""
    shutil.copytree(REPO / "app", destination / "app", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("devserver.py", "serve.py"):
        shutil.copy(REPO / name, destination / name)
    return destination


DEV_COMMAND = [sys.executable, "-m", "devserver"]


def debug_command(port):
    """The dev server under debugpy on 127.0.0.1:port, as the debug image runs it."""
    return [sys.executable, "-m", "debugpy", "--listen", f"127.0.0.1:{port}", "-m", "devserver"]
PROD_COMMAND = [sys.executable, "-m", "serve"]


class Server:
    """A server process, its address and what it printed."""

    def __init__(self, command, cwd, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(cwd) / f"server-{self.port}.log"
        self._log = open(self.log_path, "wb")
        environment = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=self._log, stderr=subprocess.STDOUT)

    def output(self):
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self):
        """Wait until the readiness probe answers; fail with the server's output if it dies."""
        def ready():
            assert self.process.poll() is None, f"server exited:\n{self.output()}"
            return answers(self.url)

        wait_until(ready, START_TIMEOUT, what=f"{self.url} becoming ready")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal the server and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout):
        """Wait for the server to exit and return its status; kill it after timeout."""
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()


@contextmanager
def running(command, cwd, env=None):
    """Run a server from cwd until the block ends, ready to answer."""
    server = Server(command, cwd, env or {})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
