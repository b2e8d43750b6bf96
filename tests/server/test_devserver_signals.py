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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.edits import broken_views, views_answering
from tests.support.http import answers
from tests.support.processes import handles
from tests.support.servers import DEV_COMMAND, Server, copy_of_source

pytestmark = pytest.mark.server

ROUNDS = int(os.environ.get("DEVSERVER_SIGNALS", "200"))
SEED = int(os.environ.get("DEVSERVER_SIGNALS_SEED", str(random.randrange(1 << 32))))
EXIT_WITHIN = 2.0
# Rounds run side by side: most of a round is the server importing Flask, on one core.
PARALLEL = 2
READY_TIMEOUT = 20


def dev_workers(source):
    """The PIDs of the dev server workers whose working directory is source."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if "--worker" in (proc / "cmdline").read_bytes().split(b"\0") and \
                    os.readlink(proc / "cwd") == str(source):
                found.append(int(proc.name))
        except OSError:
            continue  # gone while we looked, or not ours to read
    return found


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


def starting(server, source, rng):
    """The signal lands while the supervisor and its first workers start.

    Not before the supervisor handles signals at all: until then the default action
    ends the process, which has nothing to clean up yet.
    """
    deadline = time.monotonic() + READY_TIMEOUT
    while not handles(server.process.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(rng.uniform(0, 0.4))


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


def one_round(number, base):
    """Start a server, signal it at one moment, and say what went wrong (None if nothing)."""
    rng = random.Random(SEED + number)
    moment = MOMENTS[number % len(MOMENTS)]
    sig = (signal.SIGTERM, signal.SIGINT)[number // len(MOMENTS) % 2]
    source = copy_of_source(base / f"round-{number}")
    server = Server(DEV_COMMAND, source, {})
    finish = moment(server, source, rng)
    sent = time.monotonic()
    server.process.send_signal(sig)
    try:
        status = server.process.wait(EXIT_WITHIN)
    except Exception:
        status = None
    took = time.monotonic() - sent
    orphans = dev_workers(source)
    server.wait(0)  # kills what is left, closes the log
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    if finish:
        finish()
    if status == 0 and not orphans:
        return took, None
    return took, (f"round {number} ({moment.__name__}, {sig.name}): exit status {status} "
                  f"after {took:.2f} s, workers left {orphans}\n{server.output()[-2000:]}")


def test_every_signal_ends_it_promptly_and_cleanly(tmp_path):
    print(f"{ROUNDS} signals, seed {SEED} (DEVSERVER_SIGNALS_SEED={SEED} replays them)")
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(one_round, range(ROUNDS), [tmp_path] * ROUNDS))
    slowest = max(took for took, _ in results)
    failures = [failure for _, failure in results if failure]
    print(f"{ROUNDS} signals sent, slowest exit {slowest:.3f} s, {len(failures)} failed")
    assert not failures, "\n".join(f.splitlines()[0] for f in failures) + "\n\n" + "\n\n".join(failures[:2])
