"""Figure 13: the dev server under debugpy (`make debug`'s command), on this machine.

How long an IDE takes to attach (to the supervisor and both workers), how long a request
takes to stop at a breakpoint, and what a save costs while a debugger is attached: save →
new answer with and without debugpy, the same dev server, the same edits.
"""

import tempfile
import time
from pathlib import Path

from bench.reload import first_answer_with
from bench.stats import seconds, summary
from harness.dap import attach_to_dev_server
from harness.edits import athlete_line, views_answering
from harness.http import Pending
from harness.servers import DEV_COMMAND, copy_of_source, debug_command, free_port, running

ROUNDS = 10
SAVES = 10
SETTLE_SECONDS = 0.5


def attach_and_break(source):
    """One round: start under debugpy, attach, stop GET / at the athlete's line."""
    port = free_port()
    views = source / "app" / "views.py"
    with running(debug_command(port), source) as server:
        started = time.perf_counter()
        debugger = attach_to_dev_server(port, {views: [athlete_line(views)]})
        attached = time.perf_counter() - started
        try:
            started = time.perf_counter()
            pending = Pending(server.url)
            stop = debugger.stopped()
            stopped = time.perf_counter() - started
            stop.resume()
            pending.result()
        finally:
            debugger.close()
    return attached, stopped


def saves(source, command, attach_to=None):
    """Save → new answer for SAVES edits, with a debugger following the workers if attach_to."""
    samples = []
    with running(command, source) as server:
        debugger = None
        if attach_to:
            debugger = attach_to_dev_server(attach_to, {})
        try:
            for number in range(SAVES):
                time.sleep(SETTLE_SECONDS)
                athlete = f"Save {number}"
                started = time.perf_counter()
                (source / "app" / "views.py").write_text(views_answering(athlete))
                live = first_answer_with(server.url, athlete, started)
                assert live is not None, f"save {number} never went live"
                samples.append(live)
        finally:
            if debugger:
                debugger.close()
    return samples


def run(images):
    with tempfile.TemporaryDirectory(prefix="bench-debug-") as scratch:
        rounds = [attach_and_break(copy_of_source(Path(scratch) / f"round-{n}")) for n in range(ROUNDS)]
        plain = saves(copy_of_source(Path(scratch) / "plain"), DEV_COMMAND)
        port = free_port()
        debugged = saves(copy_of_source(Path(scratch) / "debugged"), debug_command(port), attach_to=port)
    figure = {
        "rounds": ROUNDS,
        "attach_s": summary([attached for attached, _ in rounds]),
        "request_to_breakpoint_s": summary([stopped for _, stopped in rounds]),
        "save_to_live_s": summary(plain),
        "save_to_live_debugging_s": summary(debugged),
    }
    print("13. the dev server under debugpy (make debug's command), on this machine")
    print(f"   attach, both workers followed: {seconds(figure['attach_s'])}")
    print(f"   GET / → stopped at the line:   {seconds(figure['request_to_breakpoint_s'])}")
    print(f"   save → live, no debugger:      {seconds(figure['save_to_live_s'])}")
    print(f"   save → live, debugger attached: {seconds(figure['save_to_live_debugging_s'])}")
    return figure
