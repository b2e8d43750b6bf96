"""The benchmarks' arithmetic and parsing, on fixed inputs (no timing here)."""

from bench.stats import summary
from bench.throughput import parse_wrk

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
    assert parsed == {"requests_per_s": 3121.84, "p99_ms": 0.85, "non_2xx": 7, "socket_errors": 6,
                      "requests": 24977}


def test_parse_wrk_without_errors_counts_none():
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert (parse_wrk(clean)["non_2xx"], parse_wrk(clean)["socket_errors"]) == (0, 0)
