"""The production server (gunicorn with gunicorn.conf.py) over real HTTP on 127.0.0.1."""

import pytest

from tests.support.contract import check_contract
from tests.support.servers import PROD_COMMAND, Server, running

pytestmark = pytest.mark.server


def test_serves_the_contract(source):
    with running(PROD_COMMAND, source, {"FAVORITE_ATHLETE": "Prod Athlete"}) as server:
        check_contract(server.url, "Prod Athlete")


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


def test_sigterm_ends_it_cleanly(source):
    with running(PROD_COMMAND, source, {"GRACEFUL_TIMEOUT": "5"}) as server:
        assert server.stop() == 0
