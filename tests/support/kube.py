"""kubectl and skaffold helpers for the end-to-end check on a real cluster."""

import subprocess
from contextlib import contextmanager

from tests.support.edits import REPO
from tests.support.http import answers, wait_until
from tests.support.servers import free_port


def run(*command, timeout=600):
    """Run a command in the repo; fail with its output if it fails."""
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def port_forward(resource, port, namespace="default"):
    """kubectl port-forward resource's port to a free port on 127.0.0.1; yield its URL."""
    local = free_port()
    process = subprocess.Popen(
        ["kubectl", "--namespace", namespace, "port-forward", "--address", "127.0.0.1", resource, f"{local}:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{local}"
    try:
        wait_until(lambda: answers(url), 60, interval=0.5, what=f"port-forward to {resource}")
        yield url
    finally:
        process.terminate()
        process.wait(30)
