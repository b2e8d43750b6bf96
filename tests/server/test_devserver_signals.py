"""SIGTERM and SIGINT at random moments of the dev server's life: it always exits at once, cleanly.

Each signal ends one server, so every round starts a server from its own copy of the code
and signals it in one of the moments where a race could hide: while it starts, right
after it first answers, in the middle of a swap, while a broken edit is being imported,
and with keep-alive clients busy across a reload. DEVSERVER_SIGNALS sets how many rounds
(200 by default; a soak runs more), DEVSERVER_SIGNALS_SEED replays one sequence.
"""

import http.client
import os
import random
import signal
import socket
import subprocess
import threading
import time

import pytest

from harness.edits import broken_views, views_answering
from harness.http import answers
from devserver import Forked
from harness.servers import DEV_COMMAND
from tests.support.signals import EXIT_WITHIN, every_signal_ends_it, starting

pytestmark = pytest.mark.server

ROUNDS = int(os.environ.get("DEVSERVER_SIGNALS", "200"))
SEED = int(os.environ.get("DEVSERVER_SIGNALS_SEED", str(random.randrange(1 << 32))))
READY_TIMEOUT = 20


def ready(server, deadline):
    """Wait for the server's first answer; whether it came before deadline."""
    while time.monotonic() < deadline and server.process.poll() is None:
        if answers(server.url):
            return True
        time.sleep(0.01)
    return False


def client(server, stop, keep_alive):
    """Send requests until told to stop or the server goes: on one connection, or each
    on a new one (every new connection wakes every worker that waits to accept)."""
    connection = None
    try:
        while not stop.is_set():
            connection = connection or http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            if not keep_alive:
                connection.close()
                connection = None
    except (OSError, http.client.HTTPException):
        pass  # the server closed the connection: a reload or the exit
    finally:
        if connection:
            connection.close()


def clients(server, keep_alive, fresh):
    """Start clients; return the function that stops them and waits for them."""
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(server, stop, kind))
               for kind in [True] * keep_alive + [False] * fresh]
    for thread in threads:
        thread.start()
    return lambda: (stop.set(), [thread.join() for thread in threads])


def just_ready(server, source, rng):
    """The signal lands right after the first answer."""
    ready(server, time.monotonic() + READY_TIMEOUT)


def edit_just_live(server, source, rng):
    """The signal lands as soon as an edit answers, asked on a new connection each time
    (each wakes every worker waiting to accept, the retiring one too), then quiet."""
    ready(server, time.monotonic() + READY_TIMEOUT)
    (source / "app" / "views.py").write_text(views_answering("Edited"))
    deadline = time.monotonic() + READY_TIMEOUT
    while not answers(server.url, "/", {"athlete": "Edited"}) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.1))


def broken_import(server, source, rng):
    """The signal lands while a broken edit is imported and refused."""
    ready(server, time.monotonic() + READY_TIMEOUT)
    (source / "app" / "views.py").write_text(broken_views())
    time.sleep(rng.uniform(0, 0.3))


def mid_swap_with_clients(server, source, rng):
    """The signal lands in the middle of a swap, with keep-alive and new connections coming."""
    ready(server, time.monotonic() + READY_TIMEOUT)
    stop_clients = clients(server, keep_alive=1, fresh=3)
    (source / "app" / "views.py").write_text(views_answering("Edited"))
    time.sleep(rng.uniform(0, 0.4))
    return stop_clients


MOMENTS = (starting, just_ready, edit_just_live, broken_import, mid_swap_with_clients)


def test_every_signal_ends_it_promptly_and_cleanly(tmp_path):
    print(f"{ROUNDS} signals, seed {SEED} (DEVSERVER_SIGNALS_SEED={SEED} replays them)")
    every_signal_ends_it(DEV_COMMAND, MOMENTS, ROUNDS, SEED, tmp_path, leftover_argument="devserver")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked only where there is fork")
def test_a_sigterm_right_after_a_fork_ends_the_worker():
    """The supervisor's handler only notes a SIGTERM. A worker forked from it must not run that
    handler until it has set its own: a stop right after the fork (a spare started as the
    supervisor is told to stop) would be lost, and the worker would wait for a go that never
    comes, until killed."""
    noted = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: noted.append(number))
    listener = socket.create_server(("127.0.0.1", 0))
    ready, ready_w = os.pipe()
    try:
        worker = Forked(listener.fileno(), ready_w)
        worker.terminate()
        try:
            status = worker.wait(EXIT_WITHIN)
        except subprocess.TimeoutExpired:
            status = None
        worker.stdin.close()  # a spare that missed it: the end of its stdin lets it go
        status = worker.wait(10) if status is None else status
        assert status == -signal.SIGTERM, f"the worker missed the SIGTERM (it exited with {status})"
        assert not noted, "the SIGTERM reached the supervisor's handler"
    finally:
        signal.signal(signal.SIGTERM, previous)
        listener.close()
        for fd in (ready, ready_w):
            os.close(fd)
