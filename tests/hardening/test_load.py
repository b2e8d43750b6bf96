"""A bounded load: 30 s of 50 connections, no errors, and memory that does not grow."""

import threading
import time

import pytest

from bench.throughput import ensure_wrk, load
from tests.support.layers import cannot_run
from tests.support.prod import memory

pytestmark = pytest.mark.hardening
DURATION_S = 30
SETTLED_AT_S = 5
MAX_GROWTH = 0.10


def test_thirty_seconds_of_load_without_errors_or_memory_growth(start_prod):
    wrk = ensure_wrk()
    if wrk is None:
        cannot_run("LOAD TEST", "wrk is not installed", "apt-get install wrk (or brew install wrk).")
    target = start_prod()
    samples = []

    def sample():
        started = time.monotonic()
        while time.monotonic() - started < DURATION_S - 0.5:
            samples.append((time.monotonic() - started, memory(target)))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample)
    sampler.start()
    result = load(wrk, target.url + "/", DURATION_S)
    sampler.join()

    settled = next(rss for at, rss in samples if at >= SETTLED_AT_S)
    final = samples[-1][1]
    print(f"{result['requests']} requests, {result['requests_per_s']:.0f}/s; "
          f"memory {settled / 1e6:.1f} MB at {SETTLED_AT_S} s, {final / 1e6:.1f} MB at the end")
    assert result["requests"] > 0
    assert (result["non_2xx"], result["socket_errors"]) == (0, 0)
    assert final <= settled * (1 + MAX_GROWTH)
