"""The routes: GET / and the health probes, with HEAD."""

import pytest

from tests.conftest import TEST_ATHLETE


def test_home_answers_one_key_value_pair(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {"athlete": TEST_ATHLETE}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_ok(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz"])
def test_head_answers_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
