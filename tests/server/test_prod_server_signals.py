"""SIGTERM and SIGINT at random moments of the prod server's start: it always exits at once, cleanly.

The moments are those where a Granian worker used to lose the signal and be killed only at
the end of GRACEFUL_TIMEOUT (serve.stop_signals_reach_workers): while the main process starts,
while each worker imports the app, and the instant every worker says it has started. Each
round starts a server with the default GRACEFUL_TIMEOUT (20 s) and gives it 2 s to exit.
PROD_SIGNALS sets how many rounds (30 by default), PROD_SIGNALS_SEED replays one sequence.
"""

import os
import random
import time

import pytest

from harness.http import wait_until
from harness.servers import PROD_COMMAND
from tests.support.files import prod_default
from tests.support.prod import wait_for_workers
from tests.support.signals import START_TIMEOUT, every_signal_ends_it, starting

pytestmark = pytest.mark.server

ROUNDS = int(os.environ.get("PROD_SIGNALS", "30"))
SEED = int(os.environ.get("PROD_SIGNALS_SEED", str(random.randrange(1 << 32))))
# About how long a worker takes to import the app on a 2-core machine
# (docs/explanation/security.md).
IMPORT_SECONDS = 0.4


def importing(server, source, rng):
    """The signal lands while the workers import the app: after Granian spawned them all."""
    workers = prod_default("WEB_CONCURRENCY")
    wait_until(lambda: server.output().count("Spawning worker-") == workers, START_TIMEOUT,
               what=f"{workers} Granian workers spawned")
    time.sleep(rng.uniform(0, IMPORT_SECONDS))


def just_started(server, source, rng):
    """The signal lands the instant the last worker says it has started."""
    wait_for_workers(server)


MOMENTS = (starting, importing, just_started)


def test_every_signal_ends_it_promptly_and_cleanly(tmp_path):
    print(f"{ROUNDS} signals, seed {SEED} (PROD_SIGNALS_SEED={SEED} replays them)")
    every_signal_ends_it(PROD_COMMAND, MOMENTS, ROUNDS, SEED, tmp_path, leftover_argument="serve")
