"""Every answer that is not a success: the 405 text, JSON for everything else."""

import pytest
from flask import abort

from tests.support.contract import METHOD_NOT_ALLOWED_BODY, OTHER_METHODS, PATHS


@pytest.mark.parametrize("path", PATHS + ("/a/b?x=1",))
@pytest.mark.parametrize("method", OTHER_METHODS + ("TRACE", "PROPFIND", "get"))
def test_other_methods_get_the_plain_text_405(client, method, path):
    response = client.open(path, method=method, data=b"ignored")
    assert response.status_code == 405
    assert response.mimetype == "text/plain"
    assert response.data == METHOD_NOT_ALLOWED_BODY
    assert response.headers["Allow"] == "GET, HEAD"


def test_unknown_path_is_a_json_404(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json == {"error": "not found"}


def test_head_on_unknown_path_is_a_bodiless_404(client):
    response = client.head("/no/such/path")
    assert (response.status_code, response.data) == (404, b"")


@pytest.mark.parametrize(("code", "error"), [(400, "bad request"), (413, "request entity too large")])
def test_other_client_errors_are_json(app, code, error):
    app.add_url_rule("/refuse", "refuse", lambda: abort(code))
    response = app.test_client().get("/refuse")
    assert response.status_code == code
    assert response.json == {"error": error}


def test_a_bug_is_a_json_500_without_details(app):
    def broken():
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert response.json == {"error": "internal server error"}
    assert b"secret detail" not in response.data
