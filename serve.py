"""Production server: the service under Granian, each setting read from the environment.

Run it as ``python -m serve``. Granian speaks HTTP in Rust with asynchronous I/O, so a
slow or idle client holds no Python thread; each worker process runs the WSGI app on a
few threads. Measured against gunicorn in the README (Performance, figure 4).

    HOST              address to bind (default 0.0.0.0)
    PORT              port (default 5000)
    WEB_CONCURRENCY   worker processes (default 2)
    THREADS           threads per worker that run the app (default 2)
    GRACEFUL_TIMEOUT  seconds a worker may take to finish its requests after SIGTERM
                      (default 20: shorter than the pod's grace period)
"""

import os
import sys
from pathlib import Path

from granian import Granian
from granian.constants import HTTPModes, Interfaces

SETTINGS = {"PORT": 5000, "WEB_CONCURRENCY": 2, "THREADS": 2, "GRACEFUL_TIMEOUT": 20}


def setting(name):
    """A whole-number setting from the environment; exit with a clear message if it is not one."""
    value = os.environ.get(name, "").strip() or str(SETTINGS[name])
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"serve: {name}={value!r} must be a whole number of at least 1")
    return int(value)


def server(target="app:create_app", factory=True):
    """The Granian server the environment asks for, serving target (the benchmark's ceiling
    serves a bare WSGI app with the same settings)."""
    return Granian(
        target,
        factory=factory,
        interface=Interfaces.WSGI,
        # HTTP/1.1 is what ingress controllers and kubelet probes speak; no h2c to expose.
        http=HTTPModes.http1,
        websockets=False,
        address=os.environ.get("HOST", "0.0.0.0"),
        port=setting("PORT"),
        workers=setting("WEB_CONCURRENCY"),
        blocking_threads=setting("THREADS"),
        workers_kill_timeout=setting("GRACEFUL_TIMEOUT"),
        # The app writes its own access line; Granian's would repeat it.
        log_access=False,
        working_dir=Path(__file__).resolve().parent,
    )


if __name__ == "__main__":
    server().serve()
