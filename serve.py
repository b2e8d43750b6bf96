"""Production server: the service under Granian, each setting read from the environment.

Run it as ``python -m serve``. Granian speaks HTTP in Rust with asynchronous I/O, so a
slow or idle client holds no Python thread; each worker process runs the WSGI app on a
few threads. Measured against gunicorn in docs/explanation/design.md.

    HOST              address to bind (default 0.0.0.0)
    PORT              port (default 5000)
    WEB_CONCURRENCY   worker processes (default 2)
    THREADS           threads per worker that run the app (default 2)
    GRACEFUL_TIMEOUT  seconds a worker may take to finish its requests after SIGTERM
                      (default 20: shorter than the pod's grace period)

A worker takes SIGTERM and SIGINT at every moment of its life (see stop_signals_reach_workers).
"""

import importlib
import os
import signal
import sys
import threading
from functools import partial
from pathlib import Path

from granian import Granian
from granian.constants import HTTPModes, Interfaces

SETTINGS = {"PORT": 5000, "WEB_CONCURRENCY": 2, "THREADS": 2, "GRACEFUL_TIMEOUT": 20}
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def setting(name):
    """A whole-number setting from the environment; exit with a clear message if it is not one."""
    value = os.environ.get(name, "").strip() or str(SETTINGS[name])
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"serve: {name}={value!r} must be a whole number of at least 1")
    return int(value)


def stop_signals_reach_workers():
    """Make every Granian worker act on a stop signal, whenever it comes.

    Granian's worker installs a Python handler, which only the main thread runs, and then
    waits in a lock that only a signal delivered to that thread interrupts. The kernel may
    deliver a process-wide signal to any thread, and under load it sometimes picks one of
    the worker's Rust or Python threads: the handler then never runs and the worker is
    killed at the end of GRACEFUL_TIMEOUT. Before it, a worker still importing the app runs
    the handler inherited from the main process, which is as good as losing the signal.
    So each worker is forked with the stop signals blocked, every thread it starts inherits
    that, and one thread of ours takes them with sigwait (load_app).
    """
    held = {}
    os.register_at_fork(
        before=lambda: held.update(mask=signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)),
        # A signal that came during the fork is delivered to the main process here.
        after_in_parent=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, held["mask"]),
    )


def load_app(target, factory):
    """In a worker: load the WSGI app and start the thread that takes its stop signals."""
    inherited = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    # A worker started without fork (Python 3.14's default) has nothing blocked yet.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    threading.Thread(target=take_stop_signals, args=(inherited,), name="stop-signals", daemon=True).start()
    module, _, name = target.partition(":")
    app = getattr(importlib.import_module(module), name)
    return app() if factory else app


def take_stop_signals(inherited):
    """Hand each stop signal to the worker's own handler, or end a worker that has none yet."""
    while True:
        number = signal.sigwait(STOP_SIGNALS)
        handler = signal.getsignal(number)
        if handler is inherited[number] or not callable(handler):
            # Granian has not installed its handler: the worker serves nothing yet.
            os._exit(0)
        handler(number, None)


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


def serve(target="app:create_app", factory=True):
    """Run the server until a stop signal; each worker loads target itself (load_app)."""
    stop_signals_reach_workers()
    server(target, factory).serve(target_loader=partial(load_app, target, factory), wrap_loader=False)


if __name__ == "__main__":
    serve()
