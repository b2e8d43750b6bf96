"""Figure 4: requests per second under wrk: the prod server in a few settings, against the
gunicorn setup it replaced, the dev server and a bare WSGI app (the ceiling)."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.docker import Container, build
from scripts.project import REPO

CONNECTIONS = 50
THREADS = 2
DURATION_S = 8
WARMUP_S = 2
# A WSGI app that does nothing: the ceiling for the prod server with the same settings.
HELLO_APP = '''def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "23")])
    return [b'{"athlete":"Ceiling"}\\n\\n']
'''
# Settings compared for the prod server: serve.py reads them from the environment.
PROD_SETTINGS = {
    "2 workers x 2 threads (default)": {},
    "2 x 1": {"THREADS": "1"},
    "2 x 4": {"THREADS": "4"},
    "2 x 8": {"THREADS": "8"},
    "3 x 2": {"WEB_CONCURRENCY": "3"},
}
# The gunicorn setup the prod image had before (bench/gunicorn.Dockerfile), and its best
# variants; GUNICORN_CMD_ARGS overrides the image's command line.
GUNICORN = REPO / "bench" / "gunicorn.Dockerfile"
GUNICORN_SETTINGS = {
    "gthread 2x32 (before)": "",
    "gthread 2x4": "--threads 4",
    "sync 4": "--worker-class sync --workers 4",
}
DEFAULT = f"prod {next(iter(PROD_SETTINGS))}"
BASELINE = f"gunicorn {next(iter(GUNICORN_SETTINGS))}"
# The two compared head to head run alternately this many times, and the median counts:
# one run of each varied by up to 2x on this 2-core machine.
ROUNDS = 3
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def ensure_wrk():
    """The wrk command, installing Debian's package when possible; None if unavailable."""
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("   installing wrk from Debian")
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(command, capture_output=True, env=environment)
    return shutil.which("wrk")


def parse_wrk(output):
    """Requests/s, p50 and p99 latency (ms) and error counts from wrk --latency output."""
    def number(pattern, default=0.0):
        found = re.search(pattern, output)
        return float(found.group(1)) if found else default

    def percentile_ms(percent):
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)$", output, re.M)
        return float(found.group(1)) * UNITS[found.group(2)] if found else None

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": percentile_ms(50),
        "p99_ms": percentile_ms(99),
        "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "requests": int(number(r"(\d+) requests in")),
    }


def load(wrk, url, duration=DURATION_S):
    """One bounded wrk run against url."""
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "2s", "--latency", url]
    return parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True,
                                    timeout=duration + 30).stdout)


def measure(wrk, image, **container_options):
    """Warm a fresh container up, then load it once; remove it."""
    container = Container(image, name_prefix="flask-app-bench", **container_options).wait_ready()
    try:
        load(wrk, container.url + "/", WARMUP_S)
        return load(wrk, container.url + "/")
    finally:
        container.remove()


def row(name, result):
    """One printed line of a load result."""
    return (f"   {name:<38} {result['requests_per_s']:>8.0f} req/s  p50 {result['p50_ms']:.1f} ms  "
            f"p99 {result['p99_ms']:.1f} ms  "
            f"non-2xx {result['non_2xx']}  socket errors {result['socket_errors']}")


def median_run(runs):
    """The run with the median requests/s."""
    return sorted(runs, key=lambda run: run["requests_per_s"])[len(runs) // 2]


def ceiling(wrk, image):
    """The bare WSGI app under serve.py's default settings."""
    hello = Path(tempfile.mkdtemp(prefix="bench-hello-"))
    try:
        hello.chmod(0o755)
        (hello / "hello.py").write_text(HELLO_APP)
        (hello / "hello.py").chmod(0o644)
        return measure(wrk, image, env={"PYTHONPATH": "/bench"}, run_args=("--volume", f"{hello}:/bench:ro"),
                       command=("python3", "-c", "import serve; serve.serve('hello:app', factory=False)"))
    finally:
        shutil.rmtree(hello, ignore_errors=True)


def run(images):
    """Dev, prod in each setting, gunicorn as before, and the bare-WSGI ceiling, one after the other."""
    wrk = ensure_wrk()
    if wrk is None:
        print("4. throughput: SKIPPED, wrk is not installed (Debian: apt-get install wrk; macOS: brew install wrk)")
        return {"skipped": "wrk is not installed"}
    gunicorn = build(None, "flask-app-bench:gunicorn", dockerfile=GUNICORN)
    rounds = {DEFAULT: [], BASELINE: []}
    for _ in range(ROUNDS):
        rounds[DEFAULT].append(measure(wrk, images["prod"]))
        rounds[BASELINE].append(measure(wrk, gunicorn))
    results = {"dev": measure(wrk, images["dev"])}
    results.update({name: median_run(runs) for name, runs in rounds.items()})
    for name, env in list(PROD_SETTINGS.items())[1:]:
        results[f"prod {name}"] = measure(wrk, images["prod"], env=env)
    for name, args in list(GUNICORN_SETTINGS.items())[1:]:
        results[f"gunicorn {name}"] = measure(wrk, gunicorn, env={"GUNICORN_CMD_ARGS": args})
    results["ceiling: bare WSGI"] = ceiling(wrk, images["prod"])

    prod = results[DEFAULT]
    ratios = {
        "prod_over_gunicorn_before": prod["requests_per_s"] / results[BASELINE]["requests_per_s"],
        "prod_over_dev": prod["requests_per_s"] / results["dev"]["requests_per_s"],
        "prod_over_ceiling": prod["requests_per_s"] / results["ceiling: bare WSGI"]["requests_per_s"],
    }
    print(f"4. throughput: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION_S}s on 127.0.0.1, GET /; the first two "
          f"alternated {ROUNDS} times, the median run shown")
    for name, runs in rounds.items():
        print(f"   {name}, each run: " + ", ".join(f"{run['requests_per_s']:.0f}" for run in runs) + " req/s")
    for name, result in results.items():
        print(row(name, result))
    print(f"   prod / gunicorn before: {ratios['prod_over_gunicorn_before']:.2f}x;  "
          f"prod / dev: {ratios['prod_over_dev']:.1f}x;  prod / ceiling: {ratios['prod_over_ceiling'] * 100:.0f} %")
    return {"load": {"connections": CONNECTIONS, "threads": THREADS, "duration_s": DURATION_S},
            "rounds": rounds, "results": results, **ratios}
