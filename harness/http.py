"""Plain HTTP/1.1 requests to 127.0.0.1 with any method, bounded in time."""

import http.client
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Reply:
    """What a server answered."""

    status: int
    headers: dict
    body: bytes

    @property
    def content_type(self):
        """The media type, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip()

    def json(self):
        """The body parsed as JSON."""
        return json.loads(self.body)


def request(base_url, method="GET", path="/", body=None, headers=None, timeout=5.0):
    """Send one request on a fresh connection and read the whole answer."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def wait_until(predicate, timeout, interval=0.01, what="the condition"):
    """Poll predicate until it is true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


def seconds_until(wait, started, timeout):
    """Seconds from started (a time.perf_counter()) until wait(seconds left) returns, or None when
    it fails (wait_until's AssertionError) once timeout seconds from started have passed: a
    benchmark's sample."""
    try:
        wait(timeout - (time.perf_counter() - started))
    except AssertionError:
        return None
    return time.perf_counter() - started


def answers(base_url, path="/readyz", expect=None):
    """Whether the server answers 200 on path now (and, if given, with the JSON expect)."""
    try:
        reply = request(base_url, path=path, timeout=1.0)
    except OSError:
        return False
    return reply.status == 200 and (expect is None or reply.json() == expect)


class Pending:
    """GET / in a thread of its own: it waits as long as a breakpoint holds it."""

    def __init__(self, base_url, timeout=120.0):
        self.reply = None
        self.error = None
        self.thread = threading.Thread(target=self._get, args=(base_url, timeout), daemon=True)
        self.thread.start()

    def _get(self, base_url, timeout):
        try:
            self.reply = request(base_url, timeout=timeout)
        except OSError as error:
            self.error = error

    def result(self, timeout=10):
        """The reply (None if the connection failed), once the request has ended."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the request was still waiting after {timeout} s"
        return self.reply
