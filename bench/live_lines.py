"""When the loop says a save is live: the confirmation's lines in a tool's log, each stamped
with the moment it was seen, to set against the moment the last pod served the save.

The log is followed from its end every POLL_SECONDS, the resolution of the figure.
"""

import re
import threading
import time

POLL_SECONDS = 0.01
CONFIRMATION = re.compile(r"resync: (?:not )?live: [^\n]*")


class LiveLines:
    """The confirmation lines a log gets from now on: (wall time seen, line), in order."""

    def __init__(self, path):
        self.path = path
        self.seen = []
        self.changed = threading.Condition()
        self.stopped = threading.Event()
        self.offset = path.stat().st_size if path.exists() else 0
        self.follower = threading.Thread(target=self._follow, daemon=True)
        self.follower.start()

    def _follow(self):
        pending = b""
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            while not self.stopped.wait(POLL_SECONDS):
                pending += log.read()
                *whole, pending = pending.split(b"\n")
                self.take(whole, time.time())

    def take(self, lines, now):
        """Note the confirmation lines among lines (bytes, each whole), seen at now."""
        found = [match.group(0) for line in lines if (match := CONFIRMATION.search(line.decode(errors="replace")))]
        if found:
            with self.changed:
                self.seen.extend((now, line) for line in found)
                self.changed.notify_all()

    def first_after(self, moment, timeout):
        """(seen, line) of the first confirmation line seen after moment (wall time), waiting up
        to timeout seconds for it; None if none came."""
        def first():
            return next(((seen, line) for seen, line in self.seen if seen > moment), None)

        with self.changed:
            self.changed.wait_for(first, timeout)
            return first()

    def stop(self):
        self.stopped.set()
        self.follower.join(5)
