"""The access log: one line per request with method, path, status and duration."""

import logging
import re

import pytest

from app.access_log import logger

LINE = re.compile(r"^(?P<method>\S+) (?P<path>\S+) (?P<status>\d{3}|-) (?P<ms>\d+\.\d)ms$")


@pytest.fixture
def access_lines(caplog):
    """The access-log lines written during the test."""
    logger.addHandler(caplog.handler)
    yield lambda: [record.getMessage() for record in caplog.records if record.name == logger.name]
    logger.removeHandler(caplog.handler)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/", "200"), ("GET", "/nope", "404"), ("POST", "/", "405"), ("HEAD", "/healthz", "200")],
)
def test_one_line_per_request(client, access_lines, method, path, status):
    client.open(path, method=method)
    (line,) = access_lines()
    fields = LINE.match(line)
    assert fields, line
    assert (fields["method"], fields["path"], fields["status"]) == (method, path, status)


def test_hostile_paths_cannot_forge_log_lines(client, access_lines):
    client.get("/a%0AGET%20/%20200%200.1ms%0D")
    (line,) = access_lines()
    assert "\n" not in line and "\r" not in line
    assert LINE.match(line)["path"] == "/a%0AGET%20/%20200%200.1ms%0D"


def test_lines_go_to_stdout_not_through_the_root_logger():
    assert logger.propagate is False
    assert logger.level == logging.INFO
