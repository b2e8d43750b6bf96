"""Figure 4: requests per second under wrk, prod against dev and against a bare WSGI app."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.docker import Container

CONNECTIONS = 50
THREADS = 2
DURATION_S = 8
WARMUP_S = 2
# A WSGI app that does nothing: the ceiling for gunicorn with the same settings.
HELLO_APP = '''def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "23")])
    return [b'{"athlete":"Ceiling"}\\n\\n']
'''
# Worker models compared for the prod image: gunicorn reads GUNICORN_CMD_ARGS
# after gunicorn.conf.py, so these override the defaults in that file.
WORKER_MODELS = {
    "gthread 2x32 (default)": "",
    "gthread 2x4": "--threads 4",
    "gthread 3x2": "--workers 3 --threads 2",
    "sync 2": "--worker-class sync",
    "sync 4": "--worker-class sync --workers 4",
}
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
    """Requests/s, p99 latency (ms) and error counts from wrk --latency output."""
    def number(pattern, default=0.0):
        found = re.search(pattern, output)
        return float(found.group(1)) if found else default

    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)$", output, re.M)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)] if p99 else None,
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
    return (f"   {name:<24} {result['requests_per_s']:>8.0f} req/s  p99 {result['p99_ms']:.1f} ms  "
            f"non-2xx {result['non_2xx']}  socket errors {result['socket_errors']}")


def run(images):
    """Dev, prod in each worker model, and the bare-WSGI ceiling, one after the other."""
    wrk = ensure_wrk()
    if wrk is None:
        print("4. throughput: SKIPPED, wrk is not installed (Debian: apt-get install wrk; macOS: brew install wrk)")
        return {"skipped": "wrk is not installed"}
    results = {"dev": measure(wrk, images["dev"])}
    for name, args in WORKER_MODELS.items():
        results[f"prod {name}"] = measure(wrk, images["prod"], env={"GUNICORN_CMD_ARGS": args})

    hello = Path(tempfile.mkdtemp(prefix="bench-hello-"))
    try:
        hello.chmod(0o755)
        (hello / "hello.py").write_text(HELLO_APP)
        (hello / "hello.py").chmod(0o644)
        results["ceiling: bare WSGI"] = measure(
            wrk, images["prod"], run_args=("--volume", f"{hello}:/bench:ro"),
            command=("gunicorn", "--config", "/app/gunicorn.conf.py", "--chdir", "/bench", "hello:app"))
    finally:
        shutil.rmtree(hello, ignore_errors=True)

    prod = results["prod gthread 2x32 (default)"]
    ratios = {
        "prod_over_dev": prod["requests_per_s"] / results["dev"]["requests_per_s"],
        "prod_over_ceiling": prod["requests_per_s"] / results["ceiling: bare WSGI"]["requests_per_s"],
    }
    print(f"4. throughput: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION_S}s on 127.0.0.1, GET /")
    for name, result in results.items():
        print(row(name, result))
    print(f"   prod / dev: {ratios['prod_over_dev']:.1f}x;  prod / ceiling: {ratios['prod_over_ceiling'] * 100:.0f} %")
    return {"load": {"connections": CONNECTIONS, "threads": THREADS, "duration_s": DURATION_S},
            "results": results, **ratios}
