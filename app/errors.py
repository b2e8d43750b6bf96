"""One answer per kind of bad request: the 405 text, JSON for every other error."""

from flask import request
from werkzeug.exceptions import HTTPException, InternalServerError

ALLOWED_METHODS = ("GET", "HEAD")
METHOD_NOT_ALLOWED_BODY = "Only GET method valid"


def only_get():
    """Refuse every method but GET and HEAD, on any path, before routing applies."""
    # The raw method: Werkzeug upper-cases request.method, but methods are
    # case-sensitive, so "get" is an unknown method, not GET.
    if request.environ["REQUEST_METHOD"] not in ALLOWED_METHODS:
        return (
            METHOD_NOT_ALLOWED_BODY,
            405,
            {"Content-Type": "text/plain; charset=utf-8", "Allow": ", ".join(ALLOWED_METHODS)},
        )
    return None


def http_error(error):
    """Answer a client error as JSON instead of Werkzeug's HTML page."""
    return {"error": error.name.lower()}, error.code


def unexpected_error(error):
    """Answer a bug as a JSON 500 without leaking its details."""
    return http_error(InternalServerError())


def register(app):
    """Attach the method guard and the error handlers to the app."""
    app.before_request(only_get)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
