"""The dev server under debugpy (what `make debug` runs in the pod), driven by a DAP client.

Breakpoints hit in whichever worker serves, a save swaps in a worker that the client
follows without re-attaching, and a worker paused at a breakpoint neither blocks the
swap nor disappears without a word.
"""

import socket
import time
from contextlib import ExitStack

import pytest

from harness.dap import Debugger, attach_to_dev_server
from harness.edits import ATHLETE_EXPRESSION, athlete_line, views_answering
from harness.http import Pending, answers, wait_until
from harness.processes import group_members
from harness.servers import debug_command, free_port, running

pytestmark = pytest.mark.server
SWAP_TIMEOUT = 15
# A paused worker is reported once it outlives the normal retire time (5 s + 1 s).
LATE_NOTICE_TIMEOUT = 15
# What a pod has between SIGTERM and SIGKILL: terminationGracePeriodSeconds in k8s/deployment.yaml.
GRACE_PERIOD = 30


@pytest.fixture
def debugged(source):
    """Start the dev server under debugpy on 127.0.0.1, with a client attached and a
    breakpoint on the athlete's line; both end with the test."""
    with ExitStack() as stack:

        def start(env=None):
            port = free_port()
            server = stack.enter_context(running(debug_command(port), source, env))
            views = source / "app" / "views.py"
            debugger = attach_to_dev_server(port, {views: [athlete_line(views)]})
            stack.callback(debugger.close)
            return server, debugger

        yield start


def save_and_wait_for_swap(server, source, athlete):
    reloads = server.output().count("reloaded")
    (source / "app" / "views.py").write_text(views_answering(athlete))
    wait_until(lambda: server.output().count("reloaded") > reloads, SWAP_TIMEOUT, what="the save being swapped in")


def test_a_breakpoint_stops_a_request_and_still_hits_after_a_save(debugged, source):
    server, debugger = debugged({"FAVORITE_ATHLETE": "Before The Save"})
    views = source / "app" / "views.py"
    line = athlete_line(views)

    pending = Pending(server.url)
    stop = debugger.stopped()
    assert (stop.path, stop.line) == (str(views), line)
    assert stop.evaluate(ATHLETE_EXPRESSION) == "'Before The Save'"
    assert stop.evaluate('__import__("flask").request.path') == "'/'"
    first_worker = stop.pid
    stop.resume()
    reply = pending.result()
    assert (reply.status, reply.json()) == (200, {"athlete": "Before The Save"})

    save_and_wait_for_swap(server, source, "After The Save")
    # At once: from `reloaded` on, the replaced worker takes no connection.
    pending = Pending(server.url)
    stop = debugger.stopped()
    assert (stop.path, stop.line) == (str(views), line)
    assert stop.pid != first_worker, "the save was served by the worker it should have replaced"
    stop.resume()
    reply = pending.result()
    assert (reply.status, reply.json()) == (200, {"athlete": "After The Save"})


def test_a_worker_paused_at_a_breakpoint_finishes_its_request_after_the_swap(debugged, source):
    server, debugger = debugged({"FAVORITE_ATHLETE": "Old Code"})

    paused = Pending(server.url)
    old = debugger.stopped()
    save_and_wait_for_swap(server, source, "New Code")

    # The swap did not wait for the paused worker: a new request reaches the new code.
    fresh = Pending(server.url)
    new = debugger.stopped()
    assert new.pid != old.pid
    new.resume()
    assert fresh.result().json() == {"athlete": "New Code"}

    wait_until(
        lambda: f"worker {old.pid} is still answering a request" in server.output(),
        LATE_NOTICE_TIMEOUT, what="the paused worker being reported",
    )
    old.resume()
    reply = paused.result()
    assert (reply.status, reply.json()) == (200, {"athlete": "Old Code"})
    wait_until(
        lambda: f"worker {old.pid} finished its last request and stopped" in server.output(),
        SWAP_TIMEOUT, what="the paused worker stopping once it finished",
    )


def test_a_worker_paused_past_its_time_is_ended_with_a_word(debugged, source):
    server, debugger = debugged({"DEBUG_RETIRE_SECONDS": "2"})

    paused = Pending(server.url)
    old = debugger.stopped()
    save_and_wait_for_swap(server, source, "New Code")
    wait_until(
        lambda: f"worker {old.pid} did not stop within 2 s; killing it" in server.output(),
        SWAP_TIMEOUT, what="the paused worker being ended",
    )
    paused.result()
    assert paused.reply is None and paused.error is not None, "a killed worker cannot have answered"
    fresh = Pending(server.url)
    debugger.stopped().resume()
    assert fresh.result().json() == {"athlete": "New Code"}


def test_a_connection_that_never_sent_a_request_does_not_keep_the_old_code(debugged, source):
    """Only a request being answered may keep a replaced worker past the usual 5 s: an idle
    pre-connect (a browser's) is closed, so no later request on it reaches the old code."""
    server, debugger = debugged({"FAVORITE_ATHLETE": "Old Code"})
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        time.sleep(0.2)  # accepted by the worker serving now
        save_and_wait_for_swap(server, source, "New Code")
        started = time.monotonic()
        assert idle.recv(1) == b"", "the replaced worker answered on an idle connection"
        assert time.monotonic() - started < 15
    finally:
        idle.close()
    assert "is still answering a request" not in server.output()


def test_a_client_that_does_not_follow_workers_never_holds_a_save_back(source):
    """A simpler DAP client attaches to the supervisor only and ignores `debugpyAttach`:
    debugpy then holds each new worker until somebody attaches to it. Every save still
    goes live, and the log says which worker the debugger held, in those words."""
    port = free_port()
    with running(debug_command(port), source) as server:
        debugger = Debugger(port, {}, follow=False)
        try:
            for athlete in ("First Save", "Second Save", "Third Save"):
                save_and_wait_for_swap(server, source, athlete)
                wait_until(lambda: answers(server.url, "/", {"athlete": athlete}), SWAP_TIMEOUT,
                           what=f"{athlete} being served")
        finally:
            debugger.close()
        output = server.output()
    assert "is held by the debugger" in output, output
    assert "does not start" not in output, output


def test_a_stop_ends_every_paused_worker_at_once(debugged, source):
    """SIGTERM with five replaced workers paused at a breakpoint: the server ends well within
    the pod's 30 s grace period, however many there are, and leaves no process."""
    server, debugger = debugged()
    paused = []
    for number in range(5):
        Pending(server.url)
        paused.append(debugger.stopped().pid)
        save_and_wait_for_swap(server, source, f"Save {number}")
    assert len(set(paused)) == 5
    started = time.monotonic()
    assert server.stop(timeout=60) == 0
    took = time.monotonic() - started
    assert took < GRACE_PERIOD / 2, f"the stop took {took:.1f} s with five paused workers"
    for pid in paused:
        assert not group_members(pid), f"worker {pid} outlived the server"
