"""The access log: one line per request on stdout with method, path, status and duration."""

import re

import pytest

LINE = re.compile(r"^(?P<method>\S+) (?P<path>\S+) (?P<status>\d{3}|-) (?P<ms>\d+\.\d)ms$")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/", "200"), ("GET", "/nope", "404"), ("POST", "/", "405"), ("HEAD", "/healthz", "200")],
)
def test_one_line_per_request(client, capsys, method, path, status):
    client.open(path, method=method)
    (line,) = capsys.readouterr().out.splitlines()
    fields = LINE.match(line)
    assert fields, line
    assert (fields["method"], fields["path"], fields["status"]) == (method, path, status)


def test_hostile_paths_cannot_forge_log_lines(client, capsys):
    client.get("/a%0AGET%20/%20200%200.1ms%0D")
    (line,) = capsys.readouterr().out.splitlines()
    assert LINE.match(line)["path"] == "/a%0AGET%20/%20200%200.1ms%0D"


def test_a_failing_app_is_still_logged(app, capsys):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    app.test_client().get("/broken")
    assert capsys.readouterr().out.startswith("GET /broken 500 ")
