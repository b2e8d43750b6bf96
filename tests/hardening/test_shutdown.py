"""Graceful shutdown: SIGTERM lets in-flight requests finish and the server exit 0 promptly."""

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from harness.http import request
from tests.support.files import prod_default
from tests.support.prod import read_response, status_of

pytestmark = pytest.mark.hardening
IN_FLIGHT = 8
GRACEFUL_TIMEOUT = prod_default("GRACEFUL_TIMEOUT")


def test_sigterm_finishes_in_flight_requests_and_exits_0(start_prod):
    target = start_prod()
    address = urlsplit(target.url)

    # Requests the server has accepted and started reading when SIGTERM arrives.
    in_flight = [socket.create_connection((address.hostname, address.port), timeout=10) for _ in range(IN_FLIGHT)]
    for connection in in_flight:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")

    # And a load of whole requests, each started before SIGTERM, running through it.
    terminating, failures, completed = threading.Event(), [], []

    def load():
        while not terminating.is_set():
            try:
                completed.append(request(target.url, "GET", "/", headers={"Connection": "close"}).status)
            except Exception as error:  # any failure of a request started before SIGTERM
                failures.append(repr(error))

    loaders = [threading.Thread(target=load) for _ in range(4)]
    for thread in loaders:
        thread.start()
    time.sleep(1.0)

    outcome = {}
    stopper = threading.Thread(target=lambda: outcome.update(zip(("seconds", "code"), target.terminate())))
    terminating.set()
    stopper.start()
    for thread in loaders:
        thread.join()
    time.sleep(0.5)
    answers = []
    for connection in in_flight:
        connection.sendall(b"\r\n")
        answers.append(status_of(read_response(connection, timeout=10)))
        connection.close()
    stopper.join(GRACEFUL_TIMEOUT + 10)

    assert failures == [], failures[:5]
    assert completed and set(completed) == {200}
    assert answers == [200] * IN_FLIGHT
    assert outcome["code"] == 0
    assert outcome["seconds"] < GRACEFUL_TIMEOUT
