"""Development server: serves the app and swaps in new code as soon as a .py file changes.

Run it as ``python -m devserver``. It reads HOST (default 0.0.0.0), PORT (default
5000) and WATCH_DIR (default: the ``app`` package beside this file).

Why not Werkzeug's reloader: it starts a new interpreter after each change, so
every reload pays Python's start-up and Flask's imports (about 0.45 s on our
machines). Here the supervisor owns the listening socket and always keeps spare
workers (SPARES) that have already imported Flask and Werkzeug and wait to be told
to go (on Linux, outside a debugger, forks of the supervisor, which imported them
once: see Forked). On a change the supervisor wakes a spare, which imports the app
from disk; then it retires the old worker, which stops taking connections, closes
its idle ones and finishes the requests it is answering, and only once it has
stopped taking them does the new worker take connections on the inherited socket
(those that arrive meanwhile wait in the socket's queue). So no request is refused
or cut off by a reload, none sent after `reloaded` on a new or idle connection gets
the previous code, and code that fails to import leaves the previous version serving.
Every answer says which code served it (CODE_HEADER).
"""

import hashlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

# Saves that arrive together (an editor's temp-file-and-rename, a tar of several
# files from `skaffold dev`) become one reload: wait until the watch is quiet.
QUIET_SECONDS = 0.02
MAX_DEBOUNCE_SECONDS = 0.5
# What the supervisor tells a worker on its stdin: load the app, then take connections.
GO = b"go\n"
SERVE = b"serve\n"
# What a worker says on its ready pipe: that its code runs, that it has loaded the app,
# and once retired, that it takes no more connections (and has closed its idle ones).
RUNNING = b"running\n"
CODE = b"code "
READY = b"ready\n"
RETIRED = b"retired\n"
# Each answer says which code the worker serves: a digest of the app's .py files as it loaded
# them (CODE_CHANGING if they changed while it did: a reload follows). The loop compares it
# with the digest of the working tree to know that a save is live.
CODE_HEADER = "Dev-Code-Digest"
CODE_CHANGING = "changing"
# The same digest as the whole answer, from the worker itself: the loop asks every pod for it
# after a save, and the app never sees (or logs) these requests.
CODE_PATH = "/devserver/code"
# Workers kept warm beside the serving one. Under the pod's CPU limit a spare takes longer to
# import Flask than a person takes to save again after seeing a save live; with two, the next
# swap takes the one that was warm before the last. Under a debugger, one: each is another
# process in the IDE's list.
SPARES = 2
# A spare started as a new interpreter (not forked: see Forked) starts only once the youngest
# has imported for this long: two imports at once in a container that has just started would
# slow the first, which its first synced save needs.
SPARE_STAGGER_SECONDS = 1.0
# What stops the supervisor, and retires a worker.
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
# How long new code may take to import before the swap is given up.
START_TIMEOUT_SECONDS = 30
# A retired worker finishes the requests it answers within this.
RETIRE_TIMEOUT_SECONDS = 5
# Under a debugger, how long a swap waits for the replaced worker to stop taking connections:
# one paused at a breakpoint takes none until you continue, and then stops first.
PAUSED_HANDOFF_SECONDS = 1
# Under a debugger (`make debug`) a worker may sit at a breakpoint: once replaced, it
# keeps the request it answers, with the code it has, for this long (Skaffold's debug
# mode gives the probes the same 600 s), so that a save never ends a session under way.
PAUSED_RETIRE_SECONDS = int(os.environ.get("DEBUG_RETIRE_SECONDS", "600"))
# Under a debugger with a client attached, debugpy holds each new worker until the client
# attaches to it too, which an IDE that follows subprocesses does within a second or two,
# a port-forward included. A worker still held after this is one nobody will attach to.
HELD_SECONDS = 10


def log(message):
    """Say what the supervisor does, on stderr like the server's own messages."""
    print(f"devserver: {message}", file=sys.stderr, flush=True)


def under_debugger():
    """Whether debugpy runs this process (`make debug`); it follows every worker."""
    return "pydevd" in sys.modules


def client_attached():
    """Whether a debugger's client is attached to this process."""
    return under_debugger() and sys.modules["debugpy"].is_client_connected()


def forking():
    """Whether workers are forked from the supervisor rather than started as new interpreters:
    on Linux, and not under a debugger (debugpy follows the processes started, not forks)."""
    return sys.platform == "linux" and not under_debugger()


def import_web_stack():
    """Import what every worker needs before it loads the app (a forked one inherits it)."""
    import flask  # noqa: F401
    import werkzeug.serving  # noqa: F401


def without_debugger():
    """While in this block, a process started does not run under the debugger."""
    return sys.modules["pydevd"].skip_subprocess_arg_patch() if under_debugger() else nullcontext()


def retire_seconds():
    """How long a replaced worker may take to finish the requests it answers."""
    return PAUSED_RETIRE_SECONDS if under_debugger() else RETIRE_TIMEOUT_SECONDS


# --- the worker: one process that serves one version of the code --------------


def code_digest(folder):
    """A short digest of the .py files under folder (their paths relative to it, and bytes):
    the same for the app/ a worker loads and for the working tree's app/."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*.py")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        relative = path.relative_to(folder).as_posix().encode()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue  # removed while we looked: the digest of the tree without it
        digest.update(b"%d:%s%d:" % (len(relative), relative, len(data)))
        digest.update(data)
    return digest.hexdigest()[:16]


def read_line(fd):
    """One line from fd, read a byte at a time so that nothing after it is taken ("" at EOF)."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line


def run_worker(fd, ready_fd):
    """Import the web stack, wait for the supervisor's go, load the app, and serve it on fd
    from the supervisor's serve until retired."""
    # Before anything slow: a debugger that holds a new process holds it before this line.
    os.write(ready_fd, RUNNING)
    import_web_stack()  # now, so that the swap does not pay for it
    from werkzeug.serving import WSGIRequestHandler

    if read_line(0) != GO:
        return 0  # the supervisor went away before needing this spare

    app, served_code = load_app()
    connections = Connections()
    handler = type("Handler", (WorkerHandler, WSGIRequestHandler),
                   {"connections": connections, "served_code": served_code})
    server = worker_server(fd, app, handler, connections)
    os.write(ready_fd, CODE + served_code.encode() + b"\n" + READY)
    # Until told to serve, the worker it replaces may still take connections. A SIGTERM
    # meanwhile ends this one at once: it has none.
    if read_line(0) != SERVE:
        return 0
    # The supervisor closing our stdin from now on means it is gone: do not outlive it.
    threading.Thread(target=_exit_on_eof, daemon=True).start()
    serve_until_signalled(server)
    stop_serving(server, connections, ready_fd)
    return 0


def load_app():
    """Import the app from disk; return it and the digest of the code it runs (CODE_HEADER)."""
    # Before the first import of the app: a file saved meanwhile is then noticed below.
    before = code_digest(watch_dir())
    from app import create_app

    app = create_app()
    return app, before if code_digest(watch_dir()) == before else CODE_CHANGING


class WorkerHandler:
    """What a worker adds to Werkzeug's handler (run_worker puts it before WSGIRequestHandler,
    with the worker's connections and served_code): registered while it runs, saying which
    code answers, and without its own request log (the app logs each request)."""

    served = 0
    busy = False

    def handle(self):
        self.connections.add(self)
        try:
            super().handle()
        finally:
            self.connections.discard(self)

    def parse_request(self):
        # Busy from the moment its request line is read: a retiring worker then finishes
        # this request rather than closing the connection as idle.
        self.busy = True
        return super().parse_request()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        finally:
            self.busy = False
            # After busy: either stop_taking's scan sees this connection idle and
            # closes it, or this sees that the connections are closing.
            if self.connections.closing:
                self.close_connection = True

    def run_wsgi(self):
        try:
            if self.path == CODE_PATH and self.command == "GET":
                self._answer_code()
            else:
                super().run_wsgi()
        finally:
            self.served += 1

    def _answer_code(self):
        body = self.served_code.encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self):
        self.send_header(CODE_HEADER, self.served_code)
        super().end_headers()

    def log_request(self, code="-", size="-"):
        pass


def worker_server(fd, app, handler, connections):
    """Werkzeug's threaded server for app on the inherited socket fd, counting each
    connection it accepts in connections."""
    from werkzeug.serving import make_server

    host, port = address()
    server = make_server(host, port, app, threaded=True, request_handler=handler, fd=fd)
    # Every worker shares the one listening socket, and a new connection wakes every one
    # that waits on it: the ones that lose the race to accept it must get EAGAIN, not wait
    # inside accept() for a connection that may never come (and a SIGTERM with it).
    os.set_blocking(server.socket.fileno(), False)
    server.timeout = 0
    start_thread = server.process_request

    def process_request(request, client_address):
        # Counted before its thread starts, so that finish cannot miss it.
        connections.expect()
        start_thread(request, client_address)

    server.process_request = process_request
    return server


def serve_until_signalled(server):
    """Take connections until a SIGTERM or SIGINT retires the worker.

    The handler only sets a flag (one that took a lock could interrupt its holder); the
    signal's byte on the wakeup pipe ends the wait for a connection at once, and is read
    before any accept, so that a retired worker takes none."""
    signals_received = []
    signalled, wakeup = os.pipe()
    os.set_blocking(wakeup, False)
    signal.set_wakeup_fd(wakeup, warn_on_full_buffer=False)
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, frame: signals_received.append(number))
    while not signals_received:
        readable, _, _ = select.select([server.socket, signalled], [], [])
        if signalled in readable:
            break
        server.handle_request()  # the connection, unless another worker took it first


def stop_serving(server, connections, ready_fd):
    """Retire: take no more connections, say so (RETIRED), and finish the open ones."""
    server.server_close()  # new connections go to the worker that replaces this one
    connections.stop_taking()
    os.write(ready_fd, RETIRED)
    os.close(ready_fd)
    connections.finish(retire_seconds())


class Connections:
    """The connections a worker is serving, so that a retiring worker can end
    them without cutting off any request: an idle keep-alive connection is
    closed at once (the client's next request then reaches the new code), one
    that has not sent its first request yet or is being answered is finished."""

    def __init__(self):
        self.handlers = set()
        self.accepted = 0
        # Set once the worker takes no more connections: each one closes after its answer.
        self.closing = False
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

    def stop_taking(self):
        """Close the idle connections at once: a client's next request then reaches the new
        code. A connection being answered closes once its answer is sent."""
        with self.changed:
            self.closing = True
            self._close(lambda handler: handler.served and not handler.busy)

    def finish(self, timeout):
        """Wait at most timeout for the remaining connections to end.

        Past RETIRE_TIMEOUT_SECONDS (under a debugger, timeout is longer) only a request being
        answered, paused at a breakpoint, say, is waited for: a connection that never sent
        one (a browser's pre-connect) is closed, so that no later request on it gets the
        old code."""
        done = lambda: not self.handlers and not self.accepted  # noqa: E731
        with self.changed:
            finished = self.changed.wait_for(done, min(timeout, RETIRE_TIMEOUT_SECONDS))
            if finished or timeout <= RETIRE_TIMEOUT_SECONDS:
                return
            self._close(lambda handler: not handler.busy)
            self.changed.wait_for(done, timeout - RETIRE_TIMEOUT_SECONDS)

    def _close(self, which):
        """Shut down the connections of the handlers which(handler) picks (lock held)."""
        for handler in self.handlers:
            if which(handler):
                try:
                    handler.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the client closed it already


def _exit_on_eof():
    """Exit as soon as the supervisor's end of our stdin is closed."""
    # The raw descriptor, not sys.stdin: a thread blocked in a buffered read
    # holds its lock, and the interpreter's shutdown then aborts on it.
    while os.read(0, 1024):
        pass
    os._exit(0)


# --- the supervisor: owns the socket, watches the files, swaps workers ---------


class Wakeups:
    """What the supervisor waits for: a change to the code, or a signal to stop.

    Both arrive as bytes on one pipe, so that every wait in the supervisor, the wait
    for a new worker to serve included, ends at once on either. Signals are written
    there by Python's C-level handler (signal.set_wakeup_fd), which wakes the main
    thread even when the signal lands on the watcher's thread; the Python-level
    handler only sets a flag, so no signal can interrupt the supervisor halfway
    through starting or stopping a worker.
    """

    def __init__(self):
        self.read_fd, self.write_fd = os.pipe()
        for fd in (self.read_fd, self.write_fd):
            os.set_blocking(fd, False)
        self.changed = False
        self.stopping = False

    def catch_signals(self, *signals):
        """Turn each of signals into a request to stop."""
        signal.set_wakeup_fd(self.write_fd, warn_on_full_buffer=False)
        for sig in signals:
            signal.signal(sig, self._stop)

    def _stop(self, signum, frame):
        self.stopping = True

    def change(self):
        """Note a change to the code (called from the watcher's thread)."""
        self.changed = True
        try:
            os.write(self.write_fd, b"c")
        except BlockingIOError:
            pass  # the pipe is full of wakeups already

    def take_change(self):
        """Whether the code changed since the last call."""
        changed, self.changed = self.changed, False
        return changed

    def wait(self, timeout, *fds):
        """Sleep until a wakeup, one of fds being readable, or timeout; return the readable fds."""
        readable, _, _ = select.select([self.read_fd, *fds], [], [], timeout)
        if self.read_fd in readable:
            try:
                while os.read(self.read_fd, 4096):
                    pass
            except BlockingIOError:
                pass
        return [fd for fd in readable if fd != self.read_fd]


class Forked:
    """A worker forked from the supervisor, with the part of subprocess.Popen's interface that
    Worker uses.

    Why fork: a spare started as a new interpreter imports Flask itself, and on a busy machine
    (two cores, the cluster, the tools) that takes seconds; a person who saves again as soon as
    a save is live then waits for it. A fork of the supervisor, which imported the web stack
    once, is warm within milliseconds. The supervisor has other threads (watchdog's), which
    is why Python 3.12 warns about fork: a lock one of them holds stays held in the child. The
    child takes none of theirs: it only resets its signals, closes what it does not own, and
    runs run_worker, whose imports use the import lock that Python resets in the child.
    """

    def __init__(self, fd, ready_fd):
        stdin, self_stdin = os.pipe()
        # Else the child would write what is buffered in the supervisor's streams again.
        sys.stdout.flush()
        sys.stderr.flush()
        # Until the child has reset them, the supervisor's handlers would only note a SIGTERM
        # sent to it (by a stop right after the fork) and it would never exit: the signals
        # wait, blocked, until then (as subprocess does around its fork).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the threads: see above
            pid = os.fork()
        if pid == 0:
            try:
                _become_worker(fd, ready_fd, stdin, mask)
            finally:
                os._exit(1)  # never back into the supervisor's code
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        try:
            os.setpgid(pid, pid)  # as the child does: whichever comes first
        except OSError:
            pass  # it has exited already, or done it itself
        os.close(stdin)
        self.pid = pid
        self.returncode = None
        self.stdin = open(self_stdin, "wb")

    def poll(self):
        """The exit status once it has exited (reaped here), else None."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0  # reaped elsewhere: its status is lost (Popen says 0 too)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        """Wait for it to exit; raise subprocess.TimeoutExpired after timeout seconds."""
        if timeout is None:
            if self.returncode is None:
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.005)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def _become_worker(fd, ready_fd, stdin, mask):
    """In a forked child: become a worker as one started with --worker would be, and exit
    (the signals of STOP_SIGNALS arrive blocked; mask is the mask to restore)."""
    status = 1
    try:
        os.setpgid(0, 0)  # as a started worker's process_group=0: see Worker
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a SIGTERM sent meanwhile ends it now
        os.dup2(stdin, 0)
        keep = {0, 1, 2, fd, ready_fd}
        for name in os.listdir("/proc/self/fd"):
            if int(name) not in keep:
                try:
                    os.close(int(name))
                except OSError:
                    pass  # the listing's own descriptor, closed already
        status = run_worker(fd, ready_fd)
    except SystemExit as stop:
        # As the interpreter does at exit: a message is printed, and means status 1.
        if stop.code is None or isinstance(stop.code, int):
            status = stop.code or 0
        else:
            print(stop.code, file=sys.stderr)
    except BaseException:
        sys.excepthook(*sys.exc_info())
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


class Worker:
    """A worker process, the pipe on which the supervisor tells it what to do (its stdin),
    and the one on which it says how far it is."""

    def __init__(self, listener, debugged=True):
        fd = listener.fileno()
        self.ready, ready_w = os.pipe()
        # Under a debugger each worker runs under it too, unless its client does not follow.
        self.debugged = debugged and under_debugger()
        if forking():
            self.process = Forked(fd, ready_w)
        else:
            with nullcontext() if self.debugged else without_debugger():
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "devserver", "--worker", str(fd), str(ready_w)],
                    stdin=subprocess.PIPE,
                    pass_fds=(fd, ready_w),
                    # Its own process group: Ctrl-C in a terminal reaches only the supervisor,
                    # which retires every worker itself.
                    process_group=0,
                )
        os.close(ready_w)
        self.started_at = time.monotonic()
        self.said = b""
        self.was_held = False

    def _hear(self, timeout, wakeups=None):
        """Read what the worker said within timeout (a wakeup ends the wait); False once
        its end of the pipe is closed."""
        readable = wakeups.wait(timeout, self.ready) if wakeups else select.select([self.ready], [], [], timeout)[0]
        if not readable:
            return True
        data = os.read(self.ready, 64)
        self.said += data
        return bool(data)

    def held(self):
        """Whether the debugger holds it before its code runs, waiting for a client that is
        attached to the supervisor but does not follow new processes."""
        if not self.debugged or self.ready is None or RUNNING in self.said:
            return False
        self._hear(0)
        return (RUNNING not in self.said and time.monotonic() - self.started_at > HELD_SECONDS
                and client_attached())

    def _tell(self, message):
        """Write one of the supervisor's messages on the worker's stdin."""
        try:
            self.process.stdin.write(message)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it died since it was checked: its pipe then says so

    def start(self, wakeups):
        """Tell the worker to load the code; return whether it has (serve() sets it serving).

        Gives up when the code takes START_TIMEOUT_SECONDS to start, when the debugger holds
        the worker (was_held then says so), or at once when the supervisor is told to stop.
        """
        self._tell(GO)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not wakeups.stopping and READY not in self.said and time.monotonic() < deadline:
            if self.held():
                self.was_held = True
                break
            if not self._hear(min(1.0, max(0, deadline - time.monotonic())), wakeups):
                break
        loaded = READY in self.said
        if not loaded:
            self.stop()
            self._close_pipe()
        return loaded

    def serve(self):
        """Let a worker that has loaded the code take connections."""
        self._tell(SERVE)

    @property
    def code(self):
        """The digest of the code it has loaded (see CODE_HEADER)."""
        return self.said.partition(CODE)[2].partition(b"\n")[0].decode()

    def hand_over(self, wakeups):
        """Retire a serving worker and wait until it takes no more connections (RETIRED) or
        has gone. Under a debugger wait at most PAUSED_HANDOFF_SECONDS: a worker paused at a
        breakpoint takes no connection, and once you continue it stops before taking one."""
        self.retire()
        limit = PAUSED_HANDOFF_SECONDS if under_debugger() else RETIRE_TIMEOUT_SECONDS
        deadline = time.monotonic() + limit
        gone = False
        while (self.ready is not None and RETIRED not in self.said and not wakeups.stopping
               and time.monotonic() < deadline):
            if not self._hear(max(0, deadline - time.monotonic()), wakeups):
                gone = True  # its end of the pipe closed: it has exited, or is exiting
                break
        if gone or self.ready is None or RETIRED in self.said or not self.alive() or wakeups.stopping:
            return
        if under_debugger():
            log(f"worker {self.process.pid} (the previous code) has not stopped within {limit} s, paused in"
                f" the debugger?; paused, it takes no connection, and once you continue it stops taking them")
        else:
            log(f"worker {self.process.pid} (the previous code) has not stopped taking connections within"
                f" {limit} s; the new code serves beside it until it does")

    def _close_pipe(self):
        if self.ready is not None:
            os.close(self.ready)
            self.ready = None

    def alive(self):
        """Whether the process is still running."""
        return self.process.poll() is None

    def retire(self):
        """Ask it to stop: it stops accepting, finishes what it answers, then exits."""
        self.retired_at = time.monotonic()
        self.late = False
        if self.alive():
            self.process.terminate()

    def reap(self, grace):
        """Return whether a retired worker is gone; end it once it outlives grace seconds."""
        overdue = time.monotonic() - self.retired_at
        if self.alive() and overdue < grace:
            if not self.late and overdue > RETIRE_TIMEOUT_SECONDS + 1:
                # Only under a debugger: nothing else keeps a request this long.
                log(
                    f"worker {self.process.pid} is still answering a request (paused in the debugger?)"
                    f" with the previous code; new requests get the new code; it is ended"
                    f" if it has not finished in {grace - overdue:.0f} s"
                )
                self.late = True
            return False
        if self.alive():
            log(f"worker {self.process.pid} did not stop within {grace:.0f} s; killing it")
            self.process.kill()
            self.late = False  # said already: it did not finish
        self.process.wait()
        self.process.stdin.close()
        self._close_pipe()
        if self.late:
            log(f"worker {self.process.pid} finished its last request and stopped")
        return True

    def wait(self, deadline):
        """Wait for a retired worker to exit, at most until deadline (time.monotonic())."""
        try:
            self.process.wait(max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass  # reap kills it: it is past its time

    def stop(self):
        """End the process and wait for it (at most RETIRE_TIMEOUT_SECONDS + 1 s)."""
        end([self])


def end(workers):
    """Ask workers to stop all at once, wait for them together, and kill those still running
    RETIRE_TIMEOUT_SECONDS + 1 s later, however many a debugger keeps paused."""
    for worker in workers:
        worker.retire()
    deadline = time.monotonic() + RETIRE_TIMEOUT_SECONDS + 1
    for worker in workers:
        worker.wait(deadline)
        worker.reap(RETIRE_TIMEOUT_SECONDS + 1)


class Supervisor:
    """Keeps one worker serving and spares warm; swaps in a spare when code changes."""

    def __init__(self, listener, wakeups):
        self.listener = listener
        self.wakeups = wakeups
        # Whether new workers run under the debugger: not while its client leaves them held.
        self.debugging_workers = True
        self.active = None
        # The first is the one the first swap takes; the rest start one by one (top_up).
        self.spares = [self._new_worker()]
        # Replaced workers finishing their requests: a swap never waits for them.
        self.replaced = []

    def _new_worker(self):
        return Worker(self.listener, debugged=self.debugging_workers)

    def swap(self):
        """Set the spare serving the code on disk, then retire the old worker.

        Return whether the new code serves; if it does not (a syntax error, say),
        the old worker goes on serving the previous version.
        """
        self.spares = [spare for spare in self.spares if spare.alive()] or [self._new_worker()]
        worker = self.spares.pop(0)  # the oldest: the likeliest to be ready
        serving = worker.start(self.wakeups)
        if worker.was_held and not self.wakeups.stopping:
            self._held(worker)
            worker = self._new_worker()
            serving = worker.start(self.wakeups)
        if not self.spares and not self.wakeups.stopping:
            self.spares.append(self._new_worker())
        if not serving:
            return False
        if not worker.alive():
            worker.stop()  # it died after loading the code: the old worker goes on serving
            return False
        # Handed over, not overlapped: from the moment the new worker serves, the old one
        # takes no connection. Those that come meanwhile wait in the socket's queue.
        if self.active is not None:
            self.active.hand_over(self.wakeups)
            self.replaced.append(self.active)
        self.active = worker
        if not self.wakeups.stopping:
            worker.serve()
        return True

    def top_up(self):
        """Start one more spare where fewer than SPARES are warm: a forked one at once, a
        started one once the youngest has had SPARE_STAGGER_SECONDS to import (one spare
        under a debugger: swap keeps it)."""
        wanted = 1 if under_debugger() else SPARES
        youngest = max((spare.started_at for spare in self.spares), default=0)
        due = forking() or time.monotonic() - youngest >= SPARE_STAGGER_SECONDS
        if not self.wakeups.stopping and len(self.spares) < wanted and due:
            self.spares.append(self._new_worker())

    def reap(self):
        """Forget the replaced workers that have stopped; end those past their time."""
        grace = retire_seconds()
        self.replaced = [worker for worker in self.replaced if not worker.reap(grace)]

    def _held(self, worker):
        """Say that the debugger holds worker, and start the next ones without it."""
        log(f"worker {worker.process.pid} is held by the debugger: the client attached to it does not"
            f" follow new processes (it has not attached to this one in {HELD_SECONDS} s); new workers"
            f" run without the debugger, so breakpoints stop only in code loaded before, until the"
            f" client disconnects (docs/how-to/debugging.md)")
        self.debugging_workers = False

    def follow_the_debugger(self):
        """Under a debugger, keep the spare one that runs: replace a spare the debugger holds,
        and once the client that did not follow has gone, start spares under it again."""
        if not under_debugger() or not self.spares:
            return
        spare = self.spares[0]
        if spare.held():
            self._held(spare)
        elif self.debugging_workers or client_attached():
            return
        else:
            log("the debugger's client has disconnected: new workers run under the debugger again")
            self.debugging_workers = True
        spare.stop()
        self.spares[0] = self._new_worker()

    def on_change(self, path):
        """Note a change to a Python file (called from the watcher's thread)."""
        if path.endswith(".py"):
            self.wakeups.change()

    def _settle(self):
        """Wait until changes stop arriving, so one burst of saves is one reload."""
        deadline = time.monotonic() + MAX_DEBOUNCE_SECONDS
        while not self.wakeups.stopping and time.monotonic() < deadline:
            self.wakeups.wait(QUIET_SECONDS)
            if not self.wakeups.take_change():
                return

    def serve(self):
        """Serve until told to stop; return the exit status for the process."""
        reported_stopped = False
        if not self.swap():
            self.wakeups.wait(QUIET_SECONDS)  # the end of a copy comes within milliseconds
            if self.wakeups.stopping or not self.wakeups.take_change():
                # The code the image was built with does not start (a bad setting,
                # say): exit, so that the container fails visibly.
                return 0 if self.wakeups.stopping else 1
            # Code copied in while the first worker imported it (a sync into a container
            # that has just started): the copy, not the image, failed it. Load it once the
            # copy is done; until then, or if it does not start, no worker answers.
            log("the code changed while it started; loading it again")
            self.wakeups.change()
        while not self.wakeups.stopping:
            self.wakeups.wait(0.5)
            self.reap()
            self.follow_the_debugger()
            self.top_up()
            if self.wakeups.take_change():
                self._settle()
                if self.wakeups.stopping:
                    break
                swapped = self.swap()
                if self.wakeups.stopping:
                    break
                if swapped:
                    log(f"reloaded: serving code {self.active.code}")
                    reported_stopped = False
                elif self.active is not None and self.active.alive():
                    log("the changed code does not start (see above); still serving the previous version")
                else:
                    log("the changed code does not start (see above); fix it and save again")
            elif self.active is not None and not self.active.alive() and not reported_stopped:
                log("the app stopped; waiting for a change to restart it")
                reported_stopped = True
        return 0

    def stop(self):
        """End every worker at once (see end)."""
        end([worker for worker in (*self.spares, *self.replaced, self.active) if worker is not None])


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


def watch_dir():
    """The folder of the code to watch and digest, from the environment."""
    return Path(os.environ.get("WATCH_DIR", Path(__file__).resolve().parent / "app"))


def address():
    """The host and port to serve on, from the environment."""
    return os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "5000"))


def main(argv):
    """Run the supervisor, or a worker when called with --worker FD READY_FD."""
    if argv[:1] == ["--worker"]:
        return run_worker(int(argv[1]), int(argv[2]))

    # First, so that a signal from here on stops the server cleanly. As PID 1 in a
    # container, SIGTERM would otherwise be ignored.
    wakeups = Wakeups()
    wakeups.catch_signals(*STOP_SIGNALS)
    host, port = address()
    folder = watch_dir()
    listener = listen(host, port)
    if forking():
        import_web_stack()  # once, for every worker forked from here on
    supervisor = Supervisor(listener, wakeups)
    observer = watch(supervisor, folder)
    log(f"serving on http://{host}:{port}, reloading on changes to {folder}/**/*.py")
    try:
        return supervisor.serve()
    finally:
        observer.stop()
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
