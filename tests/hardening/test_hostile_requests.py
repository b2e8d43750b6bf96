"""Hostile and malformed requests against the real prod server: clear 4xx answers, never a
5xx, never a dead worker."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.http import request
from tests.support.contract import METHOD_NOT_ALLOWED_BODY
from tests.support.prod import raw_exchange, status_of

pytestmark = pytest.mark.hardening
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def same_workers_throughout(prod):
    """No test in this module may kill or restart a worker."""
    before = prod.pids()
    yield
    assert prod.pids() == before, "a worker died or was replaced"
    assert request(prod.url, "GET", "/").status == 200
    for crash in ("Traceback", "Unexpected exit from worker", "[ERROR]"):
        assert crash not in prod.output(), crash


def assert_client_error(raw):
    """The server answered a 4xx, or closed without answering; never a 5xx."""
    status = status_of(raw)
    assert status is None or 400 <= status < 500, raw[:200]


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_instead_of_http(prod, seed):
    noise = random.Random(seed).randbytes(random.Random(seed).randint(1, 4096))
    assert_client_error(raw_exchange(prod.url, noise + b"\r\n\r\n", timeout=3))


def test_request_line_over_8_kb(prod):
    raw = raw_exchange(prod.url, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert 400 <= status_of(raw) < 500


def test_two_hundred_headers(prod):
    headers = b"".join(b"X-Header-%d: value\r\n" % number for number in range(200))
    raw = raw_exchange(prod.url, b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert 400 <= status_of(raw) < 500


def test_ten_mb_post_gets_the_405_before_the_body_is_sent(prod):
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
    first_chunk = b"x" * 65536
    raw = raw_exchange(prod.url, head + b"Content-Length: %d\r\n\r\n" % TEN_MB + first_chunk,
                       timeout=5, first_response_only=True)
    assert status_of(raw) == 405
    assert raw.endswith(METHOD_NOT_ALLOWED_BODY)


@pytest.mark.parametrize("path", ["/%zz", "/%", "/a%00b", "/%ff%fe", "/..%2f..%2fetc/passwd"])
def test_odd_percent_encoding_is_a_json_404(prod, path):
    reply = request(prod.url, "GET", path)
    assert reply.status == 404
    assert reply.json() == {"error": "not found"}


def test_raw_nul_byte_in_the_path(prod):
    assert_client_error(raw_exchange(prod.url, b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n"))


def test_http_1_0(prod):
    raw = raw_exchange(prod.url, b"GET / HTTP/1.0\r\n\r\n")
    assert status_of(raw) == 200
    assert raw.endswith(b'{"athlete":"Serena Williams"}\n')


def test_pipelined_requests_are_answered_in_order(prod):
    pipelined = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    raw = raw_exchange(prod.url, pipelined)
    statuses = [int(part.split(b" ", 2)[0]) for part in raw.split(b"HTTP/1.1 ")[1:]]
    assert statuses == [200, 404]


@pytest.mark.parametrize("method", [b"FOO", b"PROPFIND", b"get", b"G\x01T", b"A" * 100])
def test_unknown_and_malformed_methods(prod, method):
    raw = raw_exchange(prod.url, method + b" / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                       first_response_only=True)
    status = status_of(raw)
    if status == 405:
        assert raw.endswith(METHOD_NOT_ALLOWED_BODY)
    else:
        assert_client_error(raw)


METHODS = st.one_of(st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
                    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12))
SEGMENTS = st.one_of(st.sampled_from(["", "healthz", "readyz", "..", ".", "%2F", "%00", "%zz"]),
                     st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%", max_size=12))
PATHS = st.lists(SEGMENTS, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=METHODS, path=PATHS)
def test_every_answer_is_a_documented_one(prod, method, path):
    reply = request(prod.url, method, path)
    if method not in ("GET", "HEAD"):
        assert (reply.status, reply.body, reply.headers["allow"]) == (405, METHOD_NOT_ALLOWED_BODY, "GET, HEAD")
        return
    assert reply.status in (200, 404), (method, path, reply.status)
    if method == "HEAD":
        assert reply.body == b""
    elif reply.status == 404:
        assert reply.json() == {"error": "not found"}
    else:
        assert reply.json() in ({"status": "ok"}, {"athlete": "Serena Williams"})
