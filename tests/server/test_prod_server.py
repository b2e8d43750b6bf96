"""The production server (Granian under serve.py) over real HTTP on 127.0.0.1."""

import time

import pytest

from devserver import CODE_HEADER
from harness.http import request
from harness.servers import PROD_COMMAND, Server, running
from tests.support.contract import check_contract
from tests.support.prod import wait_for_workers

pytestmark = pytest.mark.server


def test_serves_the_contract(source):
    with running(PROD_COMMAND, source, {"FAVORITE_ATHLETE": "Prod Athlete"}) as server:
        check_contract(server.url, "Prod Athlete")


def test_says_nothing_of_its_code(source):
    """Only the dev server names the code that answers: production answers carry no digest."""
    with running(PROD_COMMAND, source) as server:
        assert CODE_HEADER.lower() not in request(server.url).headers


def test_logs_one_access_line_per_request(source):
    with running(PROD_COMMAND, source) as server:
        check_contract(server.url, "Serena Williams")
        output = server.output()
    assert "GET / 200" in output
    assert "FOO /no/such/path 405" in output


def test_an_empty_athlete_stops_it_with_a_clear_message(source):
    server = Server(PROD_COMMAND, source, {"FAVORITE_ATHLETE": ""})
    assert server.wait(30) != 0
    assert "FAVORITE_ATHLETE is empty" in server.output()


@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "0"), ("THREADS", "many"), ("GRACEFUL_TIMEOUT", "-5")])
def test_a_bad_setting_stops_it_with_a_clear_message(source, name, value):
    server = Server(PROD_COMMAND, source, {name: value})
    assert server.wait(30) != 0
    assert f"serve: {name}='{value}' must be a whole number of at least 1" in server.output()


def test_sigterm_ends_it_cleanly_and_promptly_once_its_workers_are_up(source):
    with running(PROD_COMMAND, source, {"GRACEFUL_TIMEOUT": "5"}) as server:
        wait_for_workers(server)
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < 2
