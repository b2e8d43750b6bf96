"""A Debug Adapter Protocol client for debugpy, doing what VS Code does on "Attach".

It attaches to the adapter on 127.0.0.1, and to every worker process the dev server
starts: debugpy announces each one with a `debugpyAttach` event, and the client opens
one more connection per worker, with the same breakpoints.
"""

import json
import queue
import socket
import threading
import time

TIMEOUT = 30
# The dev server runs one worker serving and one spare: an IDE follows both from the start.
DEV_SERVER_WORKERS = 2
CLOSED_POLL = 0.1


class DapError(AssertionError):
    """The adapter refused a request, or did not answer in time."""


class Connection:
    """One DAP connection: requests wait for their response; events are queued."""

    def __init__(self, port, events):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.settimeout(None)
        self.events = events
        self.seq = 0
        self.responses = {}
        self.answered = threading.Condition()
        self.closed = False
        self.pid = None  # of the process debugged, once the adapter says
        self.terminated = False  # the process ended
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def send(self, command, arguments=None):
        """Send a request; return its sequence number, to wait for with response()."""
        with self.lock:
            self.seq += 1
            message = {"seq": self.seq, "type": "request", "command": command}
            if arguments is not None:
                message["arguments"] = arguments
            body = json.dumps(message).encode()
            self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            return self.seq

    def response(self, seq, timeout=TIMEOUT):
        """The body of the response to request seq; DapError if it failed or never came."""
        with self.answered:
            if not self.answered.wait_for(lambda: seq in self.responses or self.closed, timeout):
                raise DapError(f"no response to request {seq} within {timeout} s")
            if seq not in self.responses:
                raise DapError(f"the adapter closed the connection before answering request {seq}")
            message = self.responses.pop(seq)
        if not message.get("success"):
            raise DapError(f"{message.get('command')} failed: {message.get('message')}")
        return message.get("body") or {}

    def request(self, command, arguments=None, timeout=TIMEOUT):
        """Send a request and return its response's body."""
        return self.response(self.send(command, arguments), timeout)

    def close(self):
        """Close the connection; the reader then ends and closes its side."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.reader.join(5)

    def _read(self):
        stream = self.sock.makefile("rb")
        try:
            while True:
                length = None
                while (line := stream.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    return
                message = json.loads(stream.read(length))
                if message["type"] == "response":
                    with self.answered:
                        self.responses[message["request_seq"]] = message
                        self.answered.notify_all()
                elif message["type"] == "event":
                    if message["event"] == "process":
                        self.pid = message["body"]["systemProcessId"]
                    elif message["event"] == "terminated":
                        with self.answered:
                            self.terminated = True
                            self.answered.notify_all()
                    self.events.put((self, message["event"], message.get("body") or {}))
        except OSError:
            return
        finally:
            # The socket's descriptor is released only once this file is closed too.
            stream.close()
            with self.answered:
                self.closed = True
                self.answered.notify_all()


class Stop:
    """Where a thread stopped: its connection, thread, and top frame."""

    def __init__(self, connection, thread_id):
        self.connection = connection
        self.pid = connection.pid
        self.thread_id = thread_id
        frames = connection.request("stackTrace", {"threadId": thread_id, "levels": 1})["stackFrames"]
        self.frame = frames[0]
        self.path = self.frame["source"]["path"]
        self.line = self.frame["line"]

    def evaluate(self, expression):
        """The repr of expression, evaluated in the stopped frame."""
        body = self.connection.request(
            "evaluate", {"expression": expression, "frameId": self.frame["id"], "context": "watch"}
        )
        return body["result"]

    def resume(self):
        self.connection.request("continue", {"threadId": self.thread_id})


class Debugger:
    """Attached to a debugpy adapter and to each process it reports, like an IDE."""

    def __init__(self, port, breakpoints, path_mappings=(), follow=True):
        self.port = port
        # False: a simpler client, attached to the first process only, that ignores the
        # adapter's `debugpyAttach` for each new one.
        self.follow = follow
        self.breakpoints = breakpoints  # {path: [line, ...]}
        self.path_mappings = [{"localRoot": str(local), "remoteRoot": str(remote)} for local, remote in path_mappings]
        self.events = queue.Queue()
        self.connections = []
        # The follower may be opening a connection to a new worker while close() runs: every
        # connection is listed as it opens, and none opens once closing, so none is left open.
        self.lock = threading.Lock()
        self.closing = False
        self.stops = queue.Queue()
        self.children = []  # a connection per subprocess, once its breakpoints are set
        self.changed = threading.Condition()
        self.root = self._attach(
            {
                "connect": {"host": "127.0.0.1", "port": port},
                "justMyCode": True,
                "subProcess": True,
                "pathMappings": self.path_mappings,
            }
        )
        self._following = threading.Thread(target=self._follow, daemon=True)
        self._following.start()

    def _attach(self, arguments):
        with self.lock:
            if self.closing:
                raise DapError("the debugger is closing")
            connection = Connection(self.port, self.events)
            self.connections.append(connection)
        try:
            self._configure(connection, arguments)
        except BaseException:
            connection.close()  # a port-forward not up yet, or a spare that ended: not leaked
            raise
        return connection

    def _configure(self, connection, arguments):
        """Initialize and attach with the breakpoints, as an IDE does."""
        connection.request(
            "initialize",
            {"clientID": "tests", "adapterID": "debugpy", "pathFormat": "path",
             "linesStartAt1": True, "columnsStartAt1": True},
        )
        attach = connection.send("attach", arguments)
        self._wait_event(connection, "initialized")
        for path, lines in self.breakpoints.items():
            connection.request(
                "setBreakpoints",
                {"source": {"path": str(path)}, "breakpoints": [{"line": line} for line in lines]},
            )
        connection.request("configurationDone")
        connection.response(attach)

    def _wait_event(self, connection, name):
        """Wait for event name on connection; any other event goes on to the follower."""
        deadline = time.monotonic() + TIMEOUT
        held = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DapError(f"no {name!r} event within {TIMEOUT} s")
                try:
                    event = self.events.get(timeout=min(left, CLOSED_POLL))
                except queue.Empty:
                    if connection.closed:  # by close(), while the follower attached it
                        raise DapError(f"the connection closed before its {name!r} event") from None
                    continue
                if event[0] is connection and event[1] == name:
                    return event[2]
                held.append(event)
        finally:
            for event in held:
                self.events.put(event)

    def _follow(self):
        """Attach to each new process, pass on stops, and note exits."""
        while True:
            connection, name, body = self.events.get()
            if name == "debugpyAttach" and self.follow:
                try:
                    child = self._attach(body)
                except (DapError, OSError):
                    continue  # a spare that ended before it was attached to: nothing to debug
                with self.changed:
                    self.children.append(child)
                    self.changed.notify_all()
            elif name == "stopped":
                self.stops.put((connection, body["threadId"]))
            elif name == "_close":
                return

    def following(self, count, timeout=TIMEOUT):
        """Wait until the breakpoints are set in count subprocesses."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.children) >= count, timeout):
                raise DapError(f"attached to {len(self.children)} subprocesses in {timeout} s, not {count}")

    def ended(self, pid, timeout=TIMEOUT):
        """Wait until the adapter says that subprocess pid has ended."""
        (connection,) = [child for child in self.children if child.pid == pid]
        with connection.answered:
            if not connection.answered.wait_for(lambda: connection.terminated, timeout):
                raise DapError(f"process {pid} did not end within {timeout} s")

    def stopped(self, timeout=TIMEOUT):
        """Wait for the next thread to stop, in any process; return where."""
        try:
            connection, thread_id = self.stops.get(timeout=timeout)
        except queue.Empty:
            raise DapError(f"no process stopped within {timeout} s") from None
        return Stop(connection, thread_id)

    def close(self):
        """Disconnect, leaving every process running."""
        with self.lock:
            self.closing = True
            connections = list(self.connections)
        for connection in reversed(connections):
            try:
                connection.request("disconnect", {"terminateDebuggee": False}, timeout=5)
            except (DapError, OSError):
                pass
            connection.close()
        self.events.put((None, "_close", {}))
        self._following.join(TIMEOUT)


def attach_to_dev_server(port, breakpoints, path_mappings=()):
    """A Debugger on the dev server's adapter at port, once its worker and spare have the
    breakpoints: a request sent after that stops where it should."""
    debugger = Debugger(port, breakpoints, path_mappings)
    try:
        debugger.following(DEV_SERVER_WORKERS)
    except BaseException:
        debugger.close()
        raise
    return debugger
