"""The benchmarks' arithmetic and parsing, on fixed inputs (no timing here)."""

import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

from bench.cluster import Said, SkaffoldSteps, wall
from bench.live_lines import LiveLines
from bench.stats import summary
from bench.throughput import parse_wrk
from harness.http import wait_until
from harness.processes import cpu_seconds_each, cpu_seconds_used

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


def test_a_save_whose_end_of_copy_has_not_arrived_has_no_split():
    steps = SkaffoldSteps()
    steps.times = {"InProgress": [5.0, 10.25], "Succeeded": [5.5]}
    assert steps(10.0, 11.0) is None
    assert steps(12.0, 13.0) is None


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


def test_live_lines_are_stamped_when_seen_and_matched_to_the_save_after_it(tmp_path):
    log = tmp_path / "dev.log"
    log.write_text("resync: live: app/views.py in 3/3 pods, 0.50 s after the save\n")  # before: not followed
    lines = LiveLines(log)
    try:
        lines.take([b"[flask-app] GET / 200", b"    flask-app \xe2\x94\x82 resync: live: app/views.py in 3/3 pods, "
                    b"0.71 s after the save"], 100.0)
        lines.take([b"resync: not live: app/views.py in 2/3 pods after 10.1 s: flask-app-1 is not ready"], 112.0)
        assert lines.first_after(99.0, 0) == (100.0, "resync: live: app/views.py in 3/3 pods, 0.71 s after the save")
        assert lines.first_after(100.0, 0)[1].startswith("resync: not live: ")
        assert lines.first_after(112.0, 0.05) is None
        with log.open("a") as writing:  # and what the tool writes from now on, once whole
            writing.write("resync: live: app/errors.py in 3/3 pods, ")
            writing.flush()
            time.sleep(0.1)
            assert lines.first_after(112.0, 0) is None
            writing.write("0.60 s after the save\n")
        assert lines.first_after(112.0, 5)[1] == "resync: live: app/errors.py in 3/3 pods, 0.60 s after the save"
    finally:
        lines.stop()


def test_a_live_line_is_set_against_the_last_pod_and_a_wrong_or_missing_one_is_counted():
    said = Said()
    said.add((10.25, "resync: live: app/views.py in 3/3 pods, 0.80 s after the save"), 10.0, 3)
    said.add((20.0, "resync: live: app/views.py in 3/3 pods, 0.90 s after the save"), 20.5, 3)
    said.add(None, 30.0, 3)
    said.add((40.0, "resync: not live: app/views.py in 2/3 pods after 10.1 s: x"), 39.0, 3)
    result = said.result()
    assert result["samples"] == [0.25, -0.5, 1.0]
    assert (result["unsaid"], result["wrong"]) == (1, ["resync: not live: app/views.py in 2/3 pods after 10.1 s: x"])
