"""The service's HTTP contract, checked over real HTTP against any running server."""

from harness.http import request

METHOD_NOT_ALLOWED_BODY = b"Only GET method valid"
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FOO")
PATHS = ("/", "/healthz", "/readyz", "/no/such/path")
HEALTH_PATHS = ("/healthz", "/readyz")


def check_contract(base_url, athlete):
    """Assert every documented answer of the service at base_url."""
    home = request(base_url, "GET", "/")
    assert home.status == 200
    assert home.content_type == "application/json"
    assert home.json() == {"athlete": athlete}

    for path in HEALTH_PATHS:
        probe = request(base_url, "GET", path)
        assert (probe.status, probe.json()) == (200, {"status": "ok"}), path

    for path in ("/",) + HEALTH_PATHS:
        head = request(base_url, "HEAD", path)
        assert (head.status, head.body) == (200, b""), path

    missing = request(base_url, "GET", "/no/such/path")
    assert missing.status == 404
    assert missing.content_type == "application/json"
    assert missing.json() == {"error": "not found"}

    for method in OTHER_METHODS:
        for path in PATHS:
            refused = request(base_url, method, path, body=b"x" if method != "OPTIONS" else None)
            assert refused.status == 405, (method, path)
            assert refused.content_type == "text/plain", (method, path)
            assert refused.body == METHOD_NOT_ALLOWED_BODY, (method, path)
            assert refused.headers.get("allow") == "GET, HEAD", (method, path)
