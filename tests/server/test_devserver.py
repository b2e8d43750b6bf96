"""The dev server (python -m devserver) over real HTTP on 127.0.0.1."""

import os
import threading
import time

import pytest

from harness.edits import broken_views, views_answering
from harness.http import answers, request, wait_until
from devserver import SPARES
from harness.processes import children, cpu_seconds_each, fd_flags, socket_fds, statuses, thread_count
from harness.servers import DEV_COMMAND, Server, running
from tests.support.contract import check_contract

pytestmark = pytest.mark.server
RELOAD_TIMEOUT = 10


def test_serves_the_contract(source):
    with running(DEV_COMMAND, source, {"FAVORITE_ATHLETE": "Dev Athlete"}) as server:
        check_contract(server.url, "Dev Athlete")
        assert "GET / 200" in server.output()


def test_an_edit_is_served_without_a_restart(source):
    with running(DEV_COMMAND, source) as server:
        (source / "app" / "views.py").write_text(views_answering("Edited"))
        started = time.monotonic()
        wait_until(lambda: answers(server.url, "/", {"athlete": "Edited"}), RELOAD_TIMEOUT, what="the edit going live")
        print(f"edit live after {time.monotonic() - started:.3f} s")
        assert server.process.poll() is None


def test_a_broken_edit_keeps_the_previous_version_serving(source):
    with running(DEV_COMMAND, source, {"FAVORITE_ATHLETE": "Before"}) as server:
        (source / "app" / "views.py").write_text(broken_views())
        wait_until(lambda: "does not start" in server.output(), RELOAD_TIMEOUT, what="the failed reload being reported")
        assert "SyntaxError" in server.output()
        assert answers(server.url, "/", {"athlete": "Before"})

        (source / "app" / "views.py").write_text(views_answering("Fixed"))
        wait_until(lambda: answers(server.url, "/", {"athlete": "Fixed"}), RELOAD_TIMEOUT, what="the fix going live")


def test_code_that_exits_with_a_message_shows_the_message(source):
    with running(DEV_COMMAND, source, {"FAVORITE_ATHLETE": "Before"}) as server:
        (source / "app" / "views.py").write_text("import sys\nsys.exit('the views refuse to load')\n")
        wait_until(lambda: "does not start" in server.output(), RELOAD_TIMEOUT, what="the failed reload being reported")
        assert "the views refuse to load" in server.output()
        assert answers(server.url, "/", {"athlete": "Before"})


def test_code_copied_in_while_the_first_worker_imports_it_is_loaded_again(source):
    # A sync into a container that has just started: the first import reads a file the copy
    # has not finished, and the copy's end comes while that import fails.
    importing = source / "importing"
    (source / "app" / "views.py").write_text(
        "import pathlib, time\n"
        f"pathlib.Path({str(importing)!r}).touch()\n"
        "time.sleep(1)\n"
        "raise ImportError('half copied')\n")
    server = Server(DEV_COMMAND, source, {})
    try:
        wait_until(importing.exists, RELOAD_TIMEOUT, what="the first worker importing the views")
        (source / "app" / "views.py").write_text(views_answering("Copied In"))
        wait_until(lambda: answers(server.url, "/", {"athlete": "Copied In"}), RELOAD_TIMEOUT,
                   what="the copied code going live")
        assert "the code changed while it started; loading it again" in server.output()
    finally:
        assert server.stop() == 0


def test_a_save_made_as_soon_as_the_previous_one_is_live_takes_a_spare_warm_before_both(source):
    """A person saves again the moment a save is live. The spare started by that swap is still
    importing Flask (under a pod's CPU limit, longer than the next copy takes), so the next swap
    must take a spare that was warm before the first save."""
    with running(DEV_COMMAND, source) as server:
        def workers():
            return set(children(server.process.pid))

        wait_until(lambda: len(workers()) == 1 + SPARES, RELOAD_TIMEOUT, what="the serving worker and its spares")
        warm_before = workers()
        for athlete in ("First Save", "Next Save"):
            (source / "app" / "views.py").write_text(views_answering(athlete))
            wait_until(lambda: answers(server.url, "/", {"athlete": athlete}), RELOAD_TIMEOUT, what=athlete)
        # A spare has one thread until it serves; the replaced workers end once idle.
        def serving():
            return {pid for pid in workers() if thread_count(pid) > 1}

        wait_until(lambda: len(serving()) == 1, RELOAD_TIMEOUT, what="the replaced workers ending")
        assert serving() <= warm_before, "the next save waited for a spare started by the first"


def test_a_spare_is_forked_warm_not_started_cold(source):
    """On Linux each spare is a fork of the supervisor, which imported Flask once: a spare that
    imported Flask itself would have used a tenth of a second of CPU or more (seconds of waiting
    on a busy machine, for a person who saves again as soon as a save is live)."""
    with running(DEV_COMMAND, source) as server:
        def spares():
            """A spare has one thread; the serving worker more."""
            return [pid for pid in children(server.process.pid) if thread_count(pid) == 1]

        wait_until(lambda: len(spares()) == SPARES, RELOAD_TIMEOUT, what="the spares")
        used = cpu_seconds_each(spares())
        print(f"CPU used by each spare: {used}")
        assert len(used) == SPARES, f"a spare ended while its CPU time was read: {used}"
        assert all(seconds < 0.05 for seconds in used.values()), f"a spare imported the web stack itself: {used}"


def test_no_worker_outlives_a_killed_supervisor(source):
    """A SIGKILL gives the supervisor no chance to retire its workers: each must see its end of
    the supervisor's pipe close and exit. A worker that held a pipe of another (a fork that kept
    the supervisor's descriptors) would keep that one running."""
    with running(DEV_COMMAND, source) as server:
        wait_until(lambda: len(children(server.process.pid)) == 1 + SPARES, RELOAD_TIMEOUT,
                   what="the serving worker and its spares")
        workers = set(children(server.process.pid))
        server.process.kill()

        def alive():
            return {pid for pid, state, _, _ in statuses() if state != "Z"} & workers

        wait_until(lambda: not alive(), RELOAD_TIMEOUT, what=f"workers {workers} exiting after the supervisor")


def test_changes_to_other_files_do_not_reload(source):
    with running(DEV_COMMAND, source) as server:
        (source / "app" / "notes.txt").write_text("not code")
        (source / "app" / "views.py.swp").write_text("an editor's swap file")
        time.sleep(0.5)
        assert "reloaded" not in server.output()


def test_an_empty_athlete_stops_it_with_a_clear_message(source):
    server = Server(DEV_COMMAND, source, {"FAVORITE_ATHLETE": "   "})
    assert server.wait(RELOAD_TIMEOUT) != 0
    assert "FAVORITE_ATHLETE is empty" in server.output()


def test_sigterm_ends_it_cleanly(source):
    with running(DEV_COMMAND, source) as server:
        assert server.stop() == 0


def test_workers_never_wait_inside_accept(source):
    """Every worker polls the one listening socket and a connection wakes them all: the
    losers of the race to accept it must not block in accept(), where a SIGTERM cannot
    end them (the shutdown then waits for a connection that may never come)."""
    with running(DEV_COMMAND, source) as server:
        listeners = socket_fds(server.process.pid)
        assert len(listeners) == 1
        flags = fd_flags(server.process.pid, listeners[0])
        assert flags & os.O_NONBLOCK, "the shared listening socket is blocking"


def test_no_request_fails_while_reloads_happen(source):
    """Clients hammering the server across several reloads see only whole answers."""
    with running(DEV_COMMAND, source, {"FAVORITE_ATHLETE": "Start"}) as server:
        stop, failures, seen = threading.Event(), [], set()

        def client():
            while not stop.is_set():
                try:
                    seen.add(request(server.url, "GET", "/", timeout=5).json()["athlete"])
                except Exception as error:  # any failure at all is what this test looks for
                    failures.append(repr(error))

        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        try:
            for number in range(5):
                (source / "app" / "views.py").write_text(views_answering(f"Reload {number}"))
                wait_until(lambda n=number: f"Reload {n}" in seen, RELOAD_TIMEOUT, what=f"reload {number}")
        finally:
            stop.set()
            for thread in clients:
                thread.join()
        assert failures == []
