"""A bounded slowloris: slow clients holding connections must not keep others waiting."""

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from harness.http import request

pytestmark = pytest.mark.hardening
# Fewer than a worker's threads (32): whichever worker a client lands on has one free.
SLOW_CLIENTS = 30
SLOW_SECONDS = 8
SERVED_WITHIN = 1.0


def trickle(url, stop):
    """Open a connection and send a request's headers one byte a second until stop."""
    address = urlsplit(url)
    try:
        with socket.create_connection((address.hostname, address.port), timeout=SLOW_SECONDS + 5) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            while not stop.wait(1.0):
                slow.sendall(b"X")
    except OSError:
        pass  # the server may close a slow connection: that is allowed


def test_slow_clients_do_not_stop_a_normal_client_being_served(prod):
    stop = threading.Event()
    slow = [threading.Thread(target=trickle, args=(prod.url, stop)) for _ in range(SLOW_CLIENTS)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(1.5)  # every slow connection is open and has sent its first bytes
        waits = []
        deadline = time.monotonic() + SLOW_SECONDS - 2
        while time.monotonic() < deadline:
            started = time.monotonic()
            reply = request(prod.url, "GET", "/", timeout=SLOW_SECONDS)
            waits.append(time.monotonic() - started)
            assert reply.status == 200
            time.sleep(0.25)
    finally:
        stop.set()
        for thread in slow:
            thread.join()
    print(f"normal client served in at most {max(waits):.3f} s beside {SLOW_CLIENTS} slow clients")
    assert max(waits) < SERVED_WITHIN, waits
