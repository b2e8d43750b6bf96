"""The dev server hands a swap over: once it says `reloaded`, the previous code answers nothing.

Clients keep the server busy across DEVSERVER_SWAPS saves (200 by default), on fresh
connections and on keep-alive ones. Each notes the last save whose `reloaded` line it has
seen before it sends a request, and the answer must come from that save's code or a later
one, with the digest of that code in its Dev-Code-Digest header.
"""

import http.client
import json
import os
import threading
import time
from pathlib import Path

import pytest

from devserver import CODE_HEADER, CODE_PATH, code_digest
from harness.edits import views_answering
from harness.http import request, wait_until
from harness.servers import DEV_COMMAND, running

pytestmark = pytest.mark.server

SWAPS = int(os.environ.get("DEVSERVER_SWAPS", "200"))
SWAP_TIMEOUT = 20
FRESH_CLIENTS, KEEP_ALIVE_CLIENTS = 1, 3
# A fresh connection wakes every worker that waits to accept: with none for a moment, the
# replaced worker may be asleep in its wait when the swap comes, the case to cover too.
FRESH_PAUSE_SECONDS = 0.1


class Log:
    """The server's output, read as it grows (it logs every request: rereading it all would
    not keep up)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.pending = b""

    def lines(self):
        """The whole lines printed since the last call."""
        with open(self.path, "rb") as output:
            output.seek(self.offset)
            self.pending += output.read()
            self.offset = output.tell()
        *whole, self.pending = self.pending.split(b"\n")
        return [line.decode(errors="replace") for line in whole]


class Clients:
    """Threads that ask GET / without pause and check each answer against the last save known
    to be live when the request was sent."""

    def __init__(self, url, port, first_digest):
        self.url, self.port = url, port
        self.live = 0  # the number of the last save whose `reloaded` was seen
        self.digests = {0: first_digest}  # save number -> digest of its code
        self.answers = 0
        self.stale = []
        self.errors = []
        self.stop = threading.Event()
        bodies = [self._fresh] * FRESH_CLIENTS + [self._keep_alive] * KEEP_ALIVE_CLIENTS
        self.threads = [threading.Thread(target=self._run, args=(body,)) for body in bodies]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _run(self, body):
        try:
            body()
        except Exception as error:  # any failure at all is what this test looks for
            self.errors.append(repr(error))

    def check(self, live, athlete, digest):
        """Count an answer to a request sent once save live was known to be live."""
        number = int(athlete.removeprefix("save "))
        self.answers += 1
        if number < live or digest != self.digests[number]:
            self.stale.append(f"sent after save {live} was live: answered by save {number}, code {digest}")

    def _fresh(self):
        while not self.stop.is_set():
            live = self.live
            reply = request(self.url, timeout=10)
            self.check(live, reply.json()["athlete"], reply.headers[CODE_HEADER.lower()])
            time.sleep(FRESH_PAUSE_SECONDS)

    def _keep_alive(self):
        connection = None
        while not self.stop.is_set():
            live = self.live
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", "/")
                response = connection.getresponse()
                athlete = json.loads(response.read())["athlete"]
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                # The replaced worker closed the idle connection: a client sends again on a
                # new one, as browsers do.
                connection.close()
                connection = None
                continue
            self.check(live, athlete, response.getheader(CODE_HEADER))


def idle_connections(port, count):
    """count keep-alive connections that have each had an answer and now wait, idle, on the
    worker serving now (a browser keeps such connections for its next request)."""
    connections = []
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        connection.getresponse().read()
        connections.append(connection)
    return connections


def ask_again(connection):
    """GET / on a kept connection, on a new one if the server has closed it; the athlete and
    the code digest that answered."""
    for attempt in range(2):
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            return json.loads(response.read())["athlete"], response.getheader(CODE_HEADER)
        except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
            if attempt:
                raise
            connection.close()  # http.client connects again on the next request
    raise AssertionError("unreachable")


def test_no_answer_from_the_previous_code_after_reloaded(source):
    """Each save: idle keep-alive connections to the worker about to be replaced and fresh
    connections ask as soon as `reloaded` is printed; all the while other clients ask
    without pause."""
    views = source / "app" / "views.py"
    views.write_text(views_answering("save 0"))
    first = code_digest(source / "app")
    with running(DEV_COMMAND, source) as server, Clients(server.url, server.port, first) as clients:
        log = Log(server.log_path)
        for number in range(1, SWAPS + 1):
            kept = idle_connections(server.port, 2)
            views.write_text(views_answering(f"save {number}"))
            digest = clients.digests[number] = code_digest(source / "app")
            reloaded = f"reloaded: serving code {digest}"
            wait_until(lambda: any(reloaded in line for line in log.lines()), SWAP_TIMEOUT, interval=0.001,
                       what=f"save {number} being reloaded")
            clients.live = number
            for connection in kept:
                clients.check(number, *ask_again(connection))
                connection.close()
            reply = request(server.url)
            clients.check(number, reply.json()["athlete"], reply.headers[CODE_HEADER.lower()])
    assert clients.errors == []
    assert clients.stale == [], f"{len(clients.stale)} of {clients.answers} answers came from older code"
    assert clients.answers > 3 * SWAPS, "the clients hardly asked anything"


def test_every_answer_names_the_code_that_served_it(source):
    with running(DEV_COMMAND, source) as server:
        before = request(server.url).headers[CODE_HEADER.lower()]
        assert before == code_digest(source / "app")
        for path in ("/healthz", "/no-such-page"):
            assert request(server.url, path=path).headers[CODE_HEADER.lower()] == before
        assert request(server.url, method="POST").headers[CODE_HEADER.lower()] == before

        (source / "app" / "views.py").write_text(views_answering("Edited"))
        edited = code_digest(source / "app")
        assert edited != before
        wait_until(lambda: request(server.url).headers[CODE_HEADER.lower()] == edited, SWAP_TIMEOUT,
                   what="the edit's digest being served")
        assert f"reloaded: serving code {edited}" in server.output()
        assert request(server.url).json() == {"athlete": "Edited"}


def test_the_loop_asks_for_the_code_without_the_app_seeing_it(source):
    with running(DEV_COMMAND, source) as server:
        reply = request(server.url, path=CODE_PATH)
        assert (reply.status, reply.body) == (200, code_digest(source / "app").encode() + b"\n")
        assert reply.content_type == "text/plain"
        assert CODE_PATH not in server.output(), "the app logged the loop's question"
        assert request(server.url, method="POST", path=CODE_PATH).status == 405


def test_the_digest_covers_every_python_file_of_the_tree_and_nothing_else(tmp_path):
    folder = Path(tmp_path)
    (folder / "pkg").mkdir()
    (folder / "a.py").write_text("x = 1\n")
    (folder / "pkg" / "b.py").write_text("y = 2\n")
    first = code_digest(folder)
    (folder / "notes.txt").write_text("not code")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "a.cpython-311.py").write_text("cache")
    assert code_digest(folder) == first
    (folder / "pkg" / "b.py").write_text("y = 3\n")
    assert code_digest(folder) != first
    (folder / "pkg" / "b.py").write_text("y = 2\n")
    (folder / "pkg" / "b.py").rename(folder / "b.py")
    assert code_digest(folder) != first, "a moved file is other code"
