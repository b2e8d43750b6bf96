"""Development server: serves the app and swaps in new code as soon as a .py file changes.

Run it as ``python -m devserver``. It reads HOST (default 0.0.0.0), PORT (default
5000) and WATCH_DIR (default: the ``app`` package beside this file).

Why not Werkzeug's reloader: it starts a new interpreter after each change, so
every reload pays Python's start-up and Flask's imports (about 0.45 s on our
machines). Here the supervisor owns the listening socket and always keeps a
spare worker that has already imported Flask and Werkzeug and waits to be told
to go. On a change the supervisor wakes the spare, which imports the app from
disk and serves on the inherited socket, and only then retires the old worker,
which stops accepting and finishes the requests it is answering: no request is
refused or cut off by a reload, and code that fails to import leaves the
previous version serving.
"""

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

# Saves that arrive together (an editor's temp-file-and-rename, a tar of several
# files from `skaffold dev`) become one reload: wait until the watch is quiet.
QUIET_SECONDS = 0.02
MAX_DEBOUNCE_SECONDS = 0.5
GO = b"go\n"
READY = b"ready"
# How long new code may take to import before the swap is given up.
START_TIMEOUT_SECONDS = 30
# A retiring worker stops accepting within this, then finishes what it answers.
ACCEPT_POLL_SECONDS = 0.05
RETIRE_TIMEOUT_SECONDS = 5


def log(message):
    """Say what the supervisor does, on stderr like the server's own messages."""
    print(f"devserver: {message}", file=sys.stderr, flush=True)


# --- the worker: one process that serves one version of the code --------------


def run_worker(fd, ready_fd):
    """Import the web stack, wait for the supervisor's go, then serve the app on fd."""
    import flask  # noqa: F401  (imported now so that the swap does not pay for it)
    from werkzeug.serving import WSGIRequestHandler, make_server

    if sys.stdin.buffer.readline() != GO:
        return 0  # the supervisor went away before needing this spare

    # The supervisor closing our stdin means it is gone: do not outlive it.
    threading.Thread(target=_exit_on_eof, daemon=True).start()

    from app import create_app

    connections = Connections()

    class Handler(WSGIRequestHandler):
        """Werkzeug's handler, registered while it runs and without its own request log
        (the app logs each request)."""

        served = 0
        busy = False

        def handle(self):
            connections.add(self)
            try:
                super().handle()
            finally:
                connections.discard(self)

        def run_wsgi(self):
            self.busy = True
            try:
                super().run_wsgi()
            finally:
                self.busy = False
                self.served += 1
                if connections.retiring:
                    self.close_connection = True

        def log_request(self, code="-", size="-"):
            pass

    host, port = address()
    server = make_server(host, port, create_app(), threaded=True, request_handler=Handler, fd=fd)
    start_thread = server.process_request

    def process_request(request, client_address):
        # Counted before its thread starts, so that retiring cannot miss it.
        connections.expect()
        start_thread(request, client_address)

    server.process_request = process_request

    def retire(signum, frame):
        # shutdown() waits for serve_forever to return: it cannot run on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, retire)
    os.write(ready_fd, READY)
    os.close(ready_fd)
    server.serve_forever(poll_interval=ACCEPT_POLL_SECONDS)
    connections.retire(RETIRE_TIMEOUT_SECONDS)
    return 0


class Connections:
    """The connections a worker is serving, so that a retiring worker can end
    them without cutting off any request: an idle keep-alive connection is
    closed at once (the client's next request then reaches the new code), one
    that has not sent its first request yet or is being answered is finished."""

    def __init__(self):
        self.handlers = set()
        self.accepted = 0
        self.retiring = False
        self.changed = threading.Condition()

    def expect(self):
        """Count a connection just accepted, whose handler has not started yet."""
        with self.changed:
            self.accepted += 1

    def add(self, handler):
        """Register a connection's handler when it starts."""
        with self.changed:
            self.accepted -= 1
            self.handlers.add(handler)

    def discard(self, handler):
        """Forget a connection's handler when it ends."""
        with self.changed:
            self.handlers.discard(handler)
            self.changed.notify_all()

    def retire(self, timeout):
        """Close idle connections, and wait at most timeout for the others to end."""
        with self.changed:
            self.retiring = True
            for handler in self.handlers:
                if handler.served and not handler.busy:
                    try:
                        handler.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass  # the client closed it already
            self.changed.wait_for(lambda: not self.handlers and not self.accepted, timeout)


def _exit_on_eof():
    """Exit as soon as the supervisor's end of our stdin is closed."""
    # The raw descriptor, not sys.stdin: a thread blocked in a buffered read
    # holds its lock, and the interpreter's shutdown then aborts on it.
    while os.read(0, 1024):
        pass
    os._exit(0)


# --- the supervisor: owns the socket, watches the files, swaps workers ---------


class Worker:
    """A worker process and the pipe on which it says that it serves."""

    def __init__(self, listener):
        fd = listener.fileno()
        self.ready, ready_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devserver", "--worker", str(fd), str(ready_w)],
            stdin=subprocess.PIPE,
            pass_fds=(fd, ready_w),
        )
        os.close(ready_w)

    def start(self):
        """Tell the worker to load the code; return whether it serves it."""
        self.process.stdin.write(GO)
        self.process.stdin.flush()
        readable, _, _ = select.select([self.ready], [], [], START_TIMEOUT_SECONDS)
        serving = bool(readable) and os.read(self.ready, len(READY)) == READY
        os.close(self.ready)
        if not serving:
            self.stop()
        return serving

    def alive(self):
        """Whether the process is still running."""
        return self.process.poll() is None

    def stop(self):
        """End the process and wait for it."""
        if self.alive():
            self.process.terminate()
        self.process.wait()
        self.process.stdin.close()


class Supervisor:
    """Keeps one worker serving and one spare warm; swaps them when code changes."""

    def __init__(self, listener):
        self.listener = listener
        self.changed = threading.Event()
        self.active = None
        self.spare = Worker(listener)

    def swap(self):
        """Set the spare serving the code on disk, then retire the old worker.

        Return whether the new code serves; if it does not (a syntax error, say),
        the old worker goes on serving the previous version.
        """
        worker = self.spare if self.spare.alive() else Worker(self.listener)
        serving = worker.start()
        self.spare = Worker(self.listener)
        if not serving:
            return False
        if self.active is not None:
            self.active.stop()
        self.active = worker
        return True

    def on_change(self, path):
        """Note a change to a Python file (called from the watcher's thread)."""
        if path.endswith(".py"):
            self.changed.set()

    def _settle(self):
        """Wait until changes stop arriving, so one burst of saves is one reload."""
        deadline = time.monotonic() + MAX_DEBOUNCE_SECONDS
        while time.monotonic() < deadline:
            self.changed.clear()
            if not self.changed.wait(QUIET_SECONDS):
                return

    def serve(self):
        """Serve until stopped; return the exit status for the process."""
        if not self.swap():
            # The code the image was built with does not start (a bad setting,
            # say): exit, so that the container fails visibly.
            return 1
        while True:
            if self.changed.wait(0.5):
                self._settle()
                if self.swap():
                    log("reloaded")
                elif self.active.alive():
                    log("the changed code does not start (see above); still serving the previous version")
                else:
                    log("the changed code does not start (see above); fix it and save again")
            elif not self.active.alive():
                log("the app stopped; waiting for a change to restart it")
                self.changed.wait()

    def stop(self):
        """End both workers."""
        for worker in (self.active, self.spare):
            if worker is not None:
                worker.stop()


def watch(supervisor, watch_dir):
    """Start watching the code for changes; return the running observer."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    class Handler(FileSystemEventHandler):
        """Forward every changed path, a move's destination included."""

        def on_any_event(self, event):
            if event.event_type in ("opened", "closed_no_write"):
                return
            supervisor.on_change(os.fsdecode(event.src_path))
            if getattr(event, "dest_path", ""):
                supervisor.on_change(os.fsdecode(event.dest_path))

    observer = Observer()
    observer.schedule(Handler(), str(watch_dir), recursive=True)
    observer.start()
    return observer


def listen(host, port):
    """Open the listening socket that every worker inherits."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def address():
    """The host and port to serve on, from the environment."""
    return os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "5000"))


def main(argv):
    """Run the supervisor, or a worker when called with --worker FD READY_FD."""
    if argv[:1] == ["--worker"]:
        return run_worker(int(argv[1]), int(argv[2]))

    host, port = address()
    watch_dir = Path(os.environ.get("WATCH_DIR", Path(__file__).resolve().parent / "app"))
    listener = listen(host, port)
    supervisor = Supervisor(listener)

    def stop(signum, frame):
        raise SystemExit(0)

    # As PID 1 in a container, SIGTERM is ignored unless handled.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    observer = watch(supervisor, watch_dir)
    log(f"serving on http://{host}:{port}, reloading on changes to {watch_dir}/**/*.py")
    try:
        return supervisor.serve()
    finally:
        observer.stop()
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
