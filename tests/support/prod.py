"""The production server as a target for hardening tests: in a container, or on the host."""

import signal
import socket
import time
from urllib.parse import urlsplit

from harness.docker import Container
from harness.http import wait_until
from harness.processes import rss_bytes, tree
from harness.servers import PROD_COMMAND, Server
from tests.support.files import prod_default


class ContainerTarget:
    """The prod image running in Docker."""

    where = "container"

    def __init__(self, image, env=None):
        self.container = Container(image, env).wait_ready()
        self.url = self.container.url

    def pids(self):
        """Host PIDs of the Granian main process and its workers."""
        return sorted(self.container.host_pids())

    def output(self):
        """What the server printed."""
        return self.container.logs()

    def terminate(self, timeout=30):
        """SIGTERM as `docker stop` (and the kubelet) sends it; return (seconds, exit code)."""
        return self.container.stop(timeout)

    def remove(self):
        """Remove the container."""
        self.container.remove()


class HostTarget:
    """serve.py on 127.0.0.1, where no Docker engine answers."""

    where = "host"

    def __init__(self, source, env=None):
        self.server = Server(PROD_COMMAND, source, env or {})
        self.server.wait_ready()
        self.url = self.server.url

    def pids(self):
        """PIDs of the Granian main process and its workers."""
        return sorted(tree(self.server.process.pid))

    def output(self):
        """What the server printed."""
        return self.server.output()

    def terminate(self, timeout=30):
        """SIGTERM; return (seconds, exit code)."""
        started = time.monotonic()
        code = self.server.stop(signal.SIGTERM, timeout)
        return time.monotonic() - started, code

    def remove(self):
        """Stop the server if it still runs."""
        self.server.stop(signal.SIGKILL)


def wait_for_workers(target, workers=None, timeout=30):
    """Wait until Granian says every worker of target (a Server or a target above) has started.

    A worker says so once it has imported the app and installed Granian's signal handler:
    then it serves, and a SIGTERM ends it gracefully instead of ending it at once."""
    workers = workers or prod_default("WEB_CONCURRENCY")
    wait_until(lambda: target.output().count("Started worker-") == workers, timeout,
               what=f"{workers} Granian workers started")


def memory(target):
    """Resident memory of all the target's processes, in bytes."""
    return rss_bytes(target.pids())


def raw_exchange(url, payload, timeout=5.0, first_response_only=False):
    """Send raw bytes to the server at url; return what it answers until it closes,
    timeout passes or, with first_response_only, one whole response has arrived."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as connection:
        connection.sendall(payload)
        return read_response(connection, timeout, first_response_only)


def read_response(connection, timeout, first_response_only=True):
    """What the server sends on connection until it closes, timeout passes or, with
    first_response_only, one whole response has arrived."""
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (first_response_only and whole_response(received)):
        try:
            chunk = connection.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        received += chunk
    return received


def whole_response(raw):
    """Whether raw holds a response's headers and all the body its Content-Length announces."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


def status_of(raw):
    """The status code of the first response in raw bytes, or None if there is none."""
    if not raw.startswith(b"HTTP/1."):
        return None
    return int(raw.split(b" ", 2)[1])
