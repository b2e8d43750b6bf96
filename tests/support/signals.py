"""Signal a server at one chosen moment of its life and check that it ends at once, cleanly."""

import os
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from harness.processes import handles, processes_in, where
from harness.servers import Server, copy_of_source

EXIT_WITHIN = 2.0
START_TIMEOUT = 20
# Rounds run side by side: most of a round is the server importing Flask, on one core.
PARALLEL = 2


def starting(server, source, rng):
    """The signal lands while the server and its first workers start.

    Not before the server handles signals at all: until then the default action ends the
    process, which has nothing to clean up yet.
    """
    deadline = time.monotonic() + START_TIMEOUT
    while not handles(server.process.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(rng.uniform(0, 0.4))


def signal_round(command, source, moment, sig, rng, leftover_argument):
    """Start command in source, let moment(server, source, rng) choose when, send sig.

    Return (seconds to exit, None) when it exited with status 0 within EXIT_WITHIN and left
    no process whose command line holds leftover_argument; else (seconds, what went wrong).
    moment may return a function to call once the server is gone.
    """
    server = Server(command, source, {})
    finish = moment(server, source, rng)
    sent = time.monotonic()
    server.process.send_signal(sig)
    try:
        status = server.process.wait(EXIT_WITHIN)
    except Exception:
        status = None
    took = time.monotonic() - sent
    orphans = [pid for pid in processes_in(source, leftover_argument) if pid != server.process.pid]
    # Where each process still running waits, for a round that went wrong (a zombie shows none).
    stuck = ([server.process.pid] if status is None else []) + orphans
    waiting = {pid: where(pid) for pid in stuck}
    if server.process.poll() is None:
        server.process.kill()
    server.wait(10)  # closes the log
    for pid in orphans:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if finish:
        finish()
    if status == 0 and not orphans:
        return took, None
    return took, (f"{moment.__name__}, {sig.name}: exit status {status} after {took:.2f} s, "
                  f"processes left {orphans}\n{server.output()[-2000:]}\n"
                  + "".join(f"process {pid}, threads waiting in:\n{threads}\n" for pid, threads in waiting.items()))


def every_signal_ends_it(command, moments, rounds, seed, base, leftover_argument):
    """Run rounds of signal_round, cycling through moments and through SIGTERM and SIGINT,
    each server from its own copy of the code under base; fail with every round that went wrong."""
    def one_round(number):
        moment = moments[number % len(moments)]
        sig = (signal.SIGTERM, signal.SIGINT)[number // len(moments) % 2]
        source = copy_of_source(base / f"round-{number}")
        took, failure = signal_round(command, source, moment, sig, random.Random(seed + number), leftover_argument)
        return took, failure and f"round {number}: {failure}"

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(one_round, range(rounds)))
    slowest = max(took for took, _ in results)
    failures = [failure for _, failure in results if failure]
    print(f"{rounds} signals sent, slowest exit {slowest:.3f} s, {len(failures)} failed")
    assert not failures, "\n".join(f.splitlines()[0] for f in failures) + "\n\n" + "\n\n".join(failures[:2])
