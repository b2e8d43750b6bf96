"""The benchmarks' arithmetic and parsing, on fixed inputs (no timing here)."""

import subprocess
import sys
import threading
from datetime import datetime, timezone

from bench.cluster import SkaffoldSteps, wall
from bench.stats import summary
from bench.throughput import parse_wrk
from tests.support.http import wait_until
from tests.support.processes import cpu_seconds_each, cpu_seconds_used

WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:32768/
  2 threads and 50 connections
  Latency Distribution
     50%   14.20ms
     75%   16.01ms
     90%   19.44ms
     99%  850.00us
  24977 requests in 8.00s, 4.31MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   3121.84
Transfer/sec:    551.42KB
"""


def test_summary_of_samples():
    stats = summary([0.3, 0.1, 0.2, 0.5, 0.4])
    assert stats == {"n": 5, "median": 0.3, "p95": 0.5, "min": 0.1, "max": 0.5}


def test_parse_wrk_reads_rate_latency_and_errors():
    parsed = parse_wrk(WRK_OUTPUT)
    assert parsed == {"requests_per_s": 3121.84, "p50_ms": 14.2, "p99_ms": 0.85, "non_2xx": 7, "socket_errors": 6,
                      "requests": 24977}


def test_parse_wrk_without_errors_counts_none():
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert (parse_wrk(clean)["non_2xx"], parse_wrk(clean)["socket_errors"]) == (0, 0)


def test_wall_reads_the_tools_nanosecond_times():
    # Skaffold writes nine digits, Tilt six, Kubernetes none: all the same instant here.
    expected = datetime(2026, 11, 25, 9, 39, 34, 198446, tzinfo=timezone.utc).timestamp()
    assert wall("2026-11-25T09:39:34.198446684Z") == expected
    assert wall("2026-11-25T09:39:34.198446Z") == expected
    assert wall("2026-11-25T09:39:34Z") == expected - 0.198446


def test_skaffold_steps_split_a_save_at_the_start_and_the_end_of_its_dev_loop():
    steps = SkaffoldSteps()
    steps.times = {"InProgress": [5.0, 10.25], "Succeeded": [5.5, 10.75]}
    assert steps(10.0, 11.0) == {"notice": 0.25, "copy": 0.5, "reload": 0.25}


def test_cpu_of_a_process_that_ends_in_the_window_is_left_out():
    # It has used 0.3 s of CPU when the window opens, and ends inside it: subtracting what it had
    # used would make the figure negative.
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(0.3)"
    short = subprocess.Popen([sys.executable, "-c", burn])
    wait_until(lambda: cpu_seconds_each([short.pid]).get(short.pid, 0) >= 0.3, 10)
    reaper = threading.Thread(target=short.wait)  # gone from /proc the moment it ends
    reaper.start()
    used = cpu_seconds_used([short.pid], 2.0)
    reaper.join()
    assert used == 0
